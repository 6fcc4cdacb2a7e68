import { formatCount } from '../shared/format.js'
import type { ContentProblem } from './messages.js'

/** A checked file and its record count. */
export interface CountedFile {
  /** Absolute path (the merged source's first lane for lanes: name it as the sample does). */
  readonly path: string
  readonly reads: number
}

/**
 * R1 and R2 must hold the same number of records (as BaseSpace requires): a pair whose mates
 * differ lost reads in one of them, and aligners pair reads by position.
 */
export function pairProblem(r1: CountedFile, r2: CountedFile): ContentProblem | undefined {
  if (r1.reads === r2.reads) return undefined
  return {
    rule: 'pair-count',
    severity: 'error',
    file: r1.path,
    mate: r2.path,
    reads: r1.reads,
    mateReads: r2.reads,
    detail: `has ${formatCount(r1.reads)} reads but its mate has ${formatCount(r2.reads)}`
  }
}

/** An interleaved file holds R1, R2, R1, R2...: an odd count lost a mate. */
export function interleavedProblem(file: CountedFile): ContentProblem | undefined {
  if (file.reads % 2 === 0) return undefined
  return {
    rule: 'interleaved-odd',
    severity: 'error',
    file: file.path,
    reads: file.reads,
    detail: `holds ${formatCount(file.reads)} records: an interleaved file holds pairs (R1, R2, R1, R2, ...), so the count must be even`
  }
}
