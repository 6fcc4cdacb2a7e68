import * as path from 'node:path'
import { Inputs } from '../shared/constants.js'
import type { Problem } from '../shared/types.js'
import type { DanglingLink, DiscoveredFile } from './discover.js'
import { fileKind, filenameViolation, looksLikeSequence } from './file-check.js'
import type { LaneUnit } from './lanes.js'

/** How many kinds the notice about skipped files names before "...". */
const LISTED_KINDS = 8

/**
 * Drops the files a wildcard or directory pattern matched that are not FASTA/FASTQ (`.md5`,
 * `.json`, `SampleSheet.csv` beside the reads), with one notice counting them by kind. A file a
 * pattern names explicitly is kept (and refused by the checks if it is no sequence file), and so
 * is one whose name says FASTA/FASTQ in a compression One Codex does not take (`x.fq.bz2`): it
 * was meant as a sample.
 */
export function skipNonSequence(files: readonly DiscoveredFile[]): {
  kept: DiscoveredFile[]
  skipped: number
  notice?: Problem
} {
  const kept: DiscoveredFile[] = []
  const kinds = new Map<string, number>()
  for (const file of files) {
    const name = path.basename(file.path)
    if (file.explicit || looksLikeSequence(name)) {
      kept.push(file)
      continue
    }
    const kind = fileKind(name)
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const skipped = files.length - kept.length
  if (skipped === 0) return { kept, skipped }
  const sorted = [...kinds].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const listed = sorted
    .slice(0, LISTED_KINDS)
    .map(([kind, n]) => (sorted.length > 1 && n > 1 ? `${kind} (${n})` : kind))
  if (sorted.length > LISTED_KINDS) listed.push('...')
  return {
    kept,
    skipped,
    notice: {
      message: `${skipped} file${skipped === 1 ? '' : 's'} skipped: ${listed.join(', ')}. They are not FASTA/FASTQ and were matched only through a wildcard or a directory in ${Inputs.Files}; a file named there explicitly is checked like any other.`
    }
  }
}

/** The dangling links worth an error: named explicitly, or named like a sequence file. */
export function danglingProblems(
  links: readonly DanglingLink[],
  display: (file: string) => string
): Problem[] {
  return links
    .filter(link => link.explicit || looksLikeSequence(path.basename(link.path)))
    .map(link => {
      const shown = display(link.path)
      return {
        file: shown,
        message: `${shown}: is a symbolic link to ${link.target}, which does not exist (a sample that was never staged?). Stage the file it points to, or exclude the link with a !pattern in ${Inputs.Files}.`
      }
    })
}

/** `<parent dir>_<name>`: the upload name of `file` under `name` with prefix-with-dir. */
export function prefixedName(file: string, name: string): string {
  return `${path.basename(path.dirname(file))}_${name}`
}

/** A planned unit with its final upload names (after lanes and prefix-with-dir). */
export interface NamedUnit extends LaneUnit {
  /** The name before prefix-with-dir (equal to `filename` without it). */
  readonly baseName: string
  readonly baseMateName?: string
}

/**
 * Gives each unit its upload names: with `prefix`, `<parent dir>_<name>` for the file and its
 * mate, each checked against One Codex's filename pattern (a problem naming the file and the
 * directory otherwise).
 */
export function nameUnits(
  units: readonly LaneUnit[],
  prefix: boolean,
  display: (file: string) => string
): { units: NamedUnit[]; problems: Problem[] } {
  const problems: Problem[] = []
  const named = units.map(unit => {
    if (!prefix) {
      return { ...unit, baseName: unit.filename, baseMateName: unit.mateName }
    }
    const rename = (files: readonly string[], name: string): string => {
      const prefixed = prefixedName(files[0], name)
      const violation = filenameViolation(prefixed)
      if (violation) {
        const shown = display(files[0])
        problems.push({
          file: shown,
          message: `${shown}: with ${Inputs.PrefixWithDir}: true it is uploaded as "${prefixed}" (its directory's name, "_", its own name), but ${violation} Rename the directory ${path.basename(path.dirname(files[0]))}, or turn ${Inputs.PrefixWithDir} off.`
        })
      }
      return prefixed
    }
    return {
      ...unit,
      filename: rename(unit.files, unit.filename),
      baseName: unit.filename,
      ...(unit.mates && unit.mateName !== undefined
        ? { mateName: rename(unit.mates, unit.mateName), baseMateName: unit.mateName }
        : {})
    }
  })
  return { units: named, problems }
}

/**
 * One Codex identifies uploads by filename: two uploads of one run (files, mates, merged lanes)
 * may not share one. One problem per shared name, naming every file of every upload that has
 * it; when the uploads lie in different directories, the message suggests prefix-with-dir.
 */
export function nameClashes(
  units: readonly NamedUnit[],
  prefix: boolean,
  display: (file: string) => string
): Problem[] {
  const byName = new Map<string, (readonly string[])[]>()
  for (const unit of units) {
    const uploads: [string, readonly string[]][] = [[unit.filename, unit.files]]
    if (unit.mates && unit.mateName !== undefined) uploads.push([unit.mateName, unit.mates])
    for (const [name, files] of uploads) {
      const same = byName.get(name)
      if (same) same.push(files)
      else byName.set(name, [files])
    }
  }
  const problems: Problem[] = []
  for (const [name, uploads] of byName) {
    if (uploads.length < 2) continue
    const shown = uploads.map(files => files.map(display).join(' + '))
    const dirs = new Set(uploads.map(files => path.dirname(files[0])))
    const dirNames = new Set([...dirs].map(dir => path.basename(dir)))
    const hint =
      !prefix && dirs.size === uploads.length && dirNames.size === dirs.size
        ? ` For one directory per sample, set ${Inputs.PrefixWithDir}: true to upload each as <parent dir>_<file name>.`
        : ''
    problems.push({
      file: display(uploads[0][0]),
      files: uploads.flat().map(display),
      message: `${uploads.length} uploads would share the filename "${name}": ${shown.join('; ')}. One Codex identifies uploads by filename, so each one in a run needs a distinct name: rename them or narrow ${Inputs.Files}.${hint}`
    })
  }
  return problems
}
