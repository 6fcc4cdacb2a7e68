import * as path from 'node:path'
import { parseExtension } from './file-check.js'
import type { Problem } from '../shared/types.js'

/** What a filename says about its read number. */
export interface ReadName {
  /** 1 or 2. */
  readonly read: 1 | 2
  /**
   * `R`: an `_R1`/`.R1` token, on FASTA or FASTQ (a lone mate is an error); `digit`: `_1`/`.1`
   * before a FASTQ extension (a lone one is uploaded alone).
   */
  readonly style: 'R' | 'digit'
  /** The name with the read number blanked out: equal for two mates. */
  readonly key: string
  /** The filename the other mate must have. */
  readonly mateName: string
}

// `X_R1`, `X.R2`, optionally followed by a `_001`-style (or `_L001` lane-style) suffix.
const R_STEM = /^(.+[._]R)([12])([._]L?\d+)?$/
// `X_1`, `X.2`, directly before the extension.
const DIGIT_STEM = /^(.+[._])([12])$/

/**
 * Reads the read number from a filename with an accepted ending; undefined when it has none.
 * A bare `_1`/`_2` counts only on FASTQ: reads come as FASTQ, while numbered FASTA files
 * (`contig_1.fa`, `contig_2.fa`) are usually distinct assemblies. An explicit `_R1`/`_R2`
 * marks a read on either format.
 */
export function readName(filename: string): ReadName | undefined {
  const ext = parseExtension(filename)
  if (!ext) return undefined
  const rMatch = R_STEM.exec(ext.stem)
  const match = rMatch ?? (ext.format === 'FASTQ' ? DIGIT_STEM.exec(ext.stem) : null)
  if (!match) return undefined
  const [, before, digit, after = ''] = match
  const read = digit === '1' ? 1 : 2
  return {
    read,
    style: rMatch ? 'R' : 'digit',
    key: `${before}#${after}${ext.extension}`,
    mateName: `${before}${read === 1 ? 2 : 1}${after}${ext.extension}`
  }
}

/** One sample's files, as paths: R1 (or the only file) and, for a pair, R2. */
export interface PathUnit {
  readonly file: string
  readonly mate?: string
}

export interface Pairing {
  /** Sorted by `file`. */
  readonly units: readonly PathUnit[]
  readonly problems: readonly Problem[]
  readonly warnings: readonly Problem[]
}

/**
 * Groups files into samples. With `paired`, two files in one directory whose names differ only
 * in the read number (`_R1`/`_R2`, or `_1`/`_2` on FASTQ; see {@link readName}) and share their
 * ending become one sample (R1 as `file`, R2 as `mate`); a lone `_R1`/`_R2` file is an error
 * naming its missing mate, a lone FASTQ `_1`/`_2` file is uploaded alone with a warning.
 * Without `paired`, every file is its own sample.
 * `display` turns a path into the form used in messages and annotations.
 */
export function pairFiles(
  files: readonly string[],
  paired: boolean,
  display: (file: string) => string = file => file
): Pairing {
  const sorted = [...new Set(files)].sort(byPath)
  if (!paired) return { units: sorted.map(file => ({ file })), problems: [], warnings: [] }

  const mates = new Map<string, { 1?: string; 2?: string }>()
  const names = new Map<string, ReadName>()
  for (const file of sorted) {
    const name = readName(path.basename(file))
    if (!name) continue
    names.set(file, name)
    const key = `${path.dirname(file)}\0${name.key}`
    mates.set(key, { ...mates.get(key), [name.read]: file })
  }

  const units: PathUnit[] = []
  const problems: Problem[] = []
  const warnings: Problem[] = []
  for (const file of sorted) {
    const name = names.get(file)
    if (!name) {
      units.push({ file })
      continue
    }
    const pair = mates.get(`${path.dirname(file)}\0${name.key}`)!
    if (pair[1] && pair[2]) {
      if (name.read === 1) units.push({ file: pair[1], mate: pair[2] })
      continue
    }
    const shown = display(file)
    const token = name.style === 'R' ? `_R${name.read}` : `_${name.read}`
    const mateToken = name.style === 'R' ? `_R${3 - name.read}` : `_${3 - name.read}`
    if (name.style === 'R') {
      problems.push({
        file: shown,
        message:
          `${shown}: this is read ${name.read} of a paired-end sample (${token}) but its mate ${name.mateName} is not among the matched files in the same directory. ` +
          `With paired: true every ${token} file needs its ${mateToken} mate; add the mate to files, or set paired: false to upload each file as its own sample.`
      })
    } else {
      warnings.push({
        file: shown,
        message: `${shown}: the name ends in ${token} like read ${name.read} of a pair, but no ${name.mateName} was matched in the same directory; it is uploaded as a single-end sample.`
      })
    }
    units.push({ file })
  }
  // In path order already: a pair is placed where its R1 file is.
  return { units, problems, warnings }
}

/** Plain code-unit order: the same on every machine and locale. */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
