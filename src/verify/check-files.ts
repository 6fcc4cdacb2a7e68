// The content check of a dry run (validate full): every file of the planned samples read and
// checked before the plan is printed, so that `dry-run: true` checks a run's files without
// sending a byte. Each lane file is checked even after another failed (every failing lane is
// reported), and pairs must hold as many reads in R1 as in R2.
import * as core from '@actions/core'
import { availableParallelism } from 'node:os'
import { formatBytes, formatCount, formatDuration } from '../shared/format.js'
import { displayPath } from '../shared/paths.js'
import type { FileCounts, Problem, Sample, Segment, Settings, Source } from '../shared/types.js'
import { toProblem, type ContentProblem } from './messages.js'
import { interleavedProblem, pairProblem } from './pairs.js'
import { startScan, type ScanResult } from './scan.js'

/** What the check counted: per source (lanes summed) and per lane file, for those that passed. */
export type CheckedCounts = ReadonlyMap<Source | Segment, FileCounts>

export interface FilesChecked {
  readonly counts: CheckedCounts
  /** One per failing file (each lane), then the pair rule's; empty: every file passed. */
  readonly problems: readonly Problem[]
  /** Trailing zero bytes after gzip data, one per file. */
  readonly warnings: readonly Problem[]
  /** The samples none of whose files broke a rule. */
  readonly passed: readonly Sample[]
}

/**
 * Checks every file of `samples` (not paced: as fast as the disk and the cores go, a few files
 * at once), logging each file's counts. Reading failures (a file gone) are problems too.
 */
export async function checkFiles(
  samples: readonly Sample[],
  settings: Pick<Settings, 'workspace' | 'concurrency' | 'interleaved'>
): Promise<FilesChecked> {
  const workspace = settings.workspace
  const sources = samples.flatMap(sample =>
    sample.mate ? [sample.file, sample.mate] : [sample.file]
  )
  const bytes = sources.reduce((sum, source) => sum + source.size, 0)
  const files = sources.reduce((sum, source) => sum + source.segments.length, 0)
  core.info(
    `Checking the content of ${formatCount(files)} file${files === 1 ? '' : 's'} (${formatBytes(bytes)}) before the dry run's plan (validate: full).`
  )
  const started = Date.now()
  const results = new Map<Source, ScanResult | Error>()
  let next = 0
  const lanes = Math.max(1, Math.min(settings.concurrency, availableParallelism(), sources.length))
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < sources.length) {
        const source = sources[next++]
        const result = await startScan(source, { validate: 'full', keepGoing: true }).done.catch(
          (error: unknown) => (error instanceof Error ? error : new Error(String(error)))
        )
        results.set(source, result)
        logSource(source, result, workspace)
      }
    })
  )

  const counts = new Map<Source | Segment, FileCounts>()
  const problems: Problem[] = []
  const warnings: Problem[] = []
  const failedSources = new Set<Source>()
  for (const source of sources) {
    const result = results.get(source)!
    if (result instanceof Error) {
      failedSources.add(source)
      problems.push({ message: result.message, file: displayPath(source.path, workspace) })
      continue
    }
    result.segments.forEach((segment, index) => {
      if (!segment.problem)
        counts.set(source.segments[index], { reads: segment.reads, bases: segment.bases })
    })
    for (const problem of result.problems) problems.push(asSentence(toProblem(problem, workspace)))
    for (const warning of result.warnings) warnings.push(asSentence(toProblem(warning, workspace)))
    if (result.problems.length > 0 || result.reads === undefined || result.bases === undefined)
      failedSources.add(source)
    else counts.set(source, { reads: result.reads, bases: result.bases })
  }

  const passed: Sample[] = []
  for (const sample of samples) {
    const own = sample.mate ? [sample.file, sample.mate] : [sample.file]
    if (own.some(source => failedSources.has(source))) continue
    const pair = pairRule(sample, counts, settings.interleaved === true)
    if (pair) {
      problems.push(asSentence(toProblem(pair, workspace)))
      continue
    }
    passed.push(sample)
  }
  for (const warning of warnings)
    core.warning(warning.message, warning.file ? { file: warning.file } : {})
  core.info(
    `Content check: ${formatCount(files)} file${files === 1 ? '' : 's'} in ${formatDuration(Date.now() - started)}, ${problems.length === 0 ? 'every one passed' : `${formatCount(problems.length)} problem${problems.length === 1 ? '' : 's'}`}.`
  )
  return { counts, problems, warnings, passed }
}

/** The problem's message ending with a full stop, as planning's (and the upload's) do. */
function asSentence(problem: Problem): Problem {
  return /[.!?]$/.test(problem.message) ? problem : { ...problem, message: `${problem.message}.` }
}

function pairRule(
  sample: Sample,
  counts: CheckedCounts,
  interleaved: boolean
): ContentProblem | undefined {
  const r1 = counts.get(sample.file)
  if (!r1) return undefined
  if (sample.mate) {
    const r2 = counts.get(sample.mate)
    if (!r2) return undefined
    return pairProblem(
      { path: sample.file.path, reads: r1.reads },
      { path: sample.mate.path, reads: r2.reads }
    )
  }
  return interleaved ? interleavedProblem({ path: sample.file.path, reads: r1.reads }) : undefined
}

function logSource(source: Source, result: ScanResult | Error, workspace: string): void {
  if (result instanceof Error) {
    core.info(`  ${displayPath(source.path, workspace)}: could not be read: ${result.message}`)
    return
  }
  for (const segment of result.segments) {
    const file = displayPath(segment.path, workspace)
    core.info(
      segment.problem
        ? `  ${file}: failed the check.`
        : `  ${file}: ${formatCount(segment.reads)} reads, ${formatCount(segment.bases)} bases.`
    )
  }
}
