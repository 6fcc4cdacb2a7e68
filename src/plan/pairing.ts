import * as path from 'node:path'
import { parseExtension } from './file-check.js'
import { Inputs } from '../shared/constants.js'
import type { Problem } from '../shared/types.js'

/** What a filename says about its read number. */
export interface ReadName {
  /** 1 or 2. */
  readonly read: 1 | 2
  /**
   * `R`: an `_R1`/`.R1` token, on FASTA or FASTQ; `val`: Trim Galore's `_R1_val_1` or `_1_val_1`
   * (paired-end output only); a lone mate of either is an error. `digit`: `_1`/`.1` before a
   * FASTQ extension (a lone one is uploaded alone).
   */
  readonly style: 'R' | 'val' | 'digit'
  /** The read token as written, e.g. `_R1`, `.2`, `_R1_val_1`. */
  readonly token: string
  /** The token the other mate carries. */
  readonly mateToken: string
  /** The name with the read number blanked out: equal for two mates. */
  readonly key: string
  /** The filename the other mate must have. */
  readonly mateName: string
}

// `X_R1`, `X.R2`, optionally followed by a `_001`-style (or `_L001` lane-style) suffix, and
// optionally by Trim Galore's `_val_1` / `_val_2` (the same number again; tried first).
const R_VAL_STEM = /^(.+([._])R)([12])([._]L?\d+)?(_val_([12]))$/
const R_STEM = /^(.+([._])R)([12])([._]L?\d+)?()()$/
// Trim Galore's `X_1_val_1` / `X_2_val_2` (tried first), or `X_1`, `X.2` before the extension.
const DIGIT_VAL_STEM = /^(.+([._]))([12])(_val_([12]))$/
const DIGIT_STEM = /^(.+([._]))([12])()()$/

/**
 * Reads the read number from a filename with an accepted ending; undefined when it has none.
 * A bare `_1`/`_2` counts only on FASTQ: reads come as FASTQ, while numbered FASTA files
 * (`contig_1.fa`, `contig_2.fa`) are usually distinct assemblies. An explicit `_R1`/`_R2`, or
 * Trim Galore's `_val_1`/`_val_2` suffix, marks a read on either format.
 */
export function readName(filename: string): ReadName | undefined {
  const ext = parseExtension(filename)
  if (!ext) return undefined
  const rMatch = R_VAL_STEM.exec(ext.stem) ?? R_STEM.exec(ext.stem)
  const digitMatch = rMatch
    ? null
    : (DIGIT_VAL_STEM.exec(ext.stem) ?? (ext.format === 'FASTQ' ? DIGIT_STEM.exec(ext.stem) : null))
  let before: string, separator: string, digit: string, after: string, val: string
  let valDigit: string
  if (rMatch) {
    ;[, before, separator, digit, after = '', val, valDigit] = rMatch
  } else if (digitMatch) {
    ;[, before, separator, digit, val, valDigit] = digitMatch
    after = ''
  } else {
    return undefined
  }
  // Trim Galore repeats the read number: `_R1_val_1`; `_R1_val_2` is no read name.
  if (val !== '' && valDigit !== digit) return undefined
  const read = digit === '1' ? 1 : 2
  const other = read === 1 ? 2 : 1
  const r = rMatch ? 'R' : ''
  const suffix = (n: number): string => (val === '' ? '' : `_val_${n}`)
  return {
    read,
    style: val !== '' ? 'val' : rMatch ? 'R' : 'digit',
    token: `${separator}${r}${read}${suffix(read)}`,
    mateToken: `${separator}${r}${other}${suffix(other)}`,
    key: `${before}#${after}${suffix(0)}${ext.extension}`,
    mateName: `${before}${other}${after}${suffix(other)}${ext.extension}`
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
  /** The one notice of a single-end run (see `singleEnd`); empty otherwise. */
  readonly notices: readonly Problem[]
  /**
   * True when `paired` but no matched file is read 2 of a pair while some are read 1 (`_R1`):
   * a single-end run, whose R1 files are single-end samples (and whose lanes group as such).
   */
  readonly singleEnd: boolean
}

/**
 * Groups files into samples. With `paired`, two files in one directory whose names differ only
 * in the read number (`_R1`/`_R2`, or `_1`/`_2` on FASTQ; see {@link readName}) and share their
 * ending become one sample (R1 as `file`, R2 as `mate`); a lone `_R1`/`_R2` file is an error
 * naming its missing mate, a lone FASTQ `_1`/`_2` file is uploaded alone with a warning.
 * A run where no file is read 2 (a MiSeq or NextSeq single-end run: only `*_R1_001.fastq.gz`)
 * is single-end: its `_R1` files are samples of their own, with one notice, as One Codex's CLI
 * uploads them. Trim Galore's `_val_1` files come from paired-end trimming only, so a lone one
 * stays an error. Without `paired`, every file is its own sample.
 * `display` turns a path into the form used in messages and annotations.
 */
export function pairFiles(
  files: readonly string[],
  paired: boolean,
  display: (file: string) => string = file => file
): Pairing {
  const sorted = [...new Set(files)].sort(byPath)
  const unpaired = (notices: Problem[] = [], singleEnd = false): Pairing => ({
    units: sorted.map(file => ({ file })),
    problems: [],
    warnings: [],
    notices,
    singleEnd
  })
  if (!paired) return unpaired()

  const mates = new Map<string, { 1?: string; 2?: string }>()
  const names = new Map<string, ReadName>()
  for (const file of sorted) {
    const name = readName(path.basename(file))
    if (!name) continue
    names.set(file, name)
    const key = `${path.dirname(file)}\0${name.key}`
    mates.set(key, { ...mates.get(key), [name.read]: file })
  }

  const singleEnd = singleEndNotice(sorted, names, display)
  if (singleEnd) return unpaired([singleEnd], true)

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
    if (name.style !== 'digit') {
      problems.push({
        file: shown,
        message:
          `${shown}: this is read ${name.read} of a paired-end sample (${name.token}) but its mate ${name.mateName} is not among the matched files in the same directory. ` +
          `With paired: true every ${name.token} file needs its ${name.mateToken} mate; add the mate to files, or set paired: false to upload each file as its own sample.`
      })
    } else {
      warnings.push({
        file: shown,
        message: `${shown}: the name ends in ${name.token} like read ${name.read} of a pair, but no ${name.mateName} was matched in the same directory; it is uploaded as a single-end sample.`
      })
    }
    units.push({ file })
  }
  // In path order already: a pair is placed where its R1 file is.
  return { units, problems, warnings, notices: [], singleEnd: false }
}

/**
 * The notice of a single-end run: no matched file is read 2 (in any style), no Trim Galore
 * `_val_` file is among them, and some are `_R1` files. Undefined for any other run.
 */
function singleEndNotice(
  sorted: readonly string[],
  names: ReadonlyMap<string, ReadName>,
  display: (file: string) => string
): Problem | undefined {
  const r1: string[] = []
  let token = ''
  for (const file of sorted) {
    const name = names.get(file)
    if (!name) continue
    if (name.read === 2 || name.style === 'val') return undefined
    if (name.style === 'R') {
      r1.push(file)
      token ||= name.token
    }
  }
  if (r1.length === 0) return undefined
  const files = r1.length === 1 ? `the ${token} file` : `the ${r1.length} ${token} files`
  const mates = token.replace('1', '2')
  return {
    message: `No matched file is read 2 of a pair, so ${files} (${display(r1[0])}${r1.length > 1 ? ', ...' : ''}) ${r1.length === 1 ? 'is' : 'are'} uploaded as single-end ${r1.length === 1 ? 'sample' : 'samples'}, as for a single-end run (MiSeq, NextSeq). If this run is paired-end, its ${mates} files are missing from ${Inputs.Files}.`
  }
}

/** Plain code-unit order: the same on every machine and locale. */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
