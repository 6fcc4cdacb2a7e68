import * as path from 'node:path'
import { Inputs } from '../shared/constants.js'
import { braceAlternatives, discoverFiles, type DiscoveredFile } from './discover.js'
import { checkFile, type FileCheck } from './file-check.js'
import { groupLanes, mergeLanes } from './lanes.js'
import {
  danglingProblems,
  nameClashes,
  nameUnits,
  skipNonSequence,
  type NamedUnit
} from './layout.js'
import { pairFiles } from './pairing.js'
import { chooseRoute } from './route-choice.js'
import { matchSheetRows, readSampleSheet, type SheetTargets } from './sample-sheet.js'
import { append } from '../shared/arrays.js'
import { displayPath, relativeName } from '../shared/paths.js'
import { sampleFiles } from '../shared/sample.js'
import type { Plan, Problem, Sample, SampleInit, Settings, Source } from '../shared/types.js'

/** How many files are opened at once while sniffing their first bytes. */
const CHECK_CONCURRENCY = 16

/**
 * Turns the settings into an immutable, validated list of samples, or every problem found.
 * No network I/O: only glob, stat, the first bytes of each file, the last byte of each
 * plain-text lane and the sample sheet. Never throws for a bad file.
 * `samples` is empty whenever `problems` is not.
 *
 * Steps: discover (skipping non-sequence files a wildcard matched) → check each file → pair
 * R1/R2 → group lanes → upload names (prefix-with-dir) and clashes → sources (lanes merged,
 * seams checked) → route → sample-sheet rows → per-sample rules.
 */
export async function planUploads(settings: Settings): Promise<Plan> {
  const problems: Problem[] = []
  const warnings: Problem[] = []
  const notices: Problem[] = []
  // No pattern at all was already reported by the input checks.
  if (settings.patterns.length === 0) return freezePlan([], problems, warnings, notices)

  const display = (file: string): string => displayPath(file, settings.workspace)
  const discovery = await discoverFiles(settings.patterns, settings.workspace)
  append(
    problems,
    discovery.problems.map(p => (p.file ? { ...p, file: display(p.file) } : p))
  )
  append(problems, danglingProblems(discovery.dangling ?? [], display))
  const { kept, skipped, notice } = skipNonSequence(discovery.files)
  if (notice) notices.push(notice)
  const bracketHints = discovery.bracketHints ?? []

  if (kept.length === 0) {
    if (problems.length > 0) return freezePlan([], problems, warnings, notices)
    const tried = settings.patterns.map(p => `"${p}"`).join(', ')
    const message =
      skipped > 0
        ? `No FASTA/FASTQ files matched the ${Inputs.Files} patterns (tried: ${tried}, relative to ${settings.workspace}; ${skipped} other file${skipped === 1 ? ' was' : 's were'} skipped).`
        : `No files matched the ${Inputs.Files} patterns (tried: ${tried}, relative to ${settings.workspace}).`
    const hint = braceHint(settings.patterns) + bracketHints.map(h => ` ${h}`).join('')
    if (settings.ifNoFilesFound === 'error') {
      problems.push({
        message: `${message} With ${Inputs.IfNoFilesFound}: error an empty match fails the step; set it to warn or ignore to allow it.${hint}`
      })
    } else if (settings.ifNoFilesFound === 'warn') {
      warnings.push({ message: `${message} Nothing will be uploaded.${hint}` })
    }
    return freezePlan([], problems, warnings, notices)
  }
  append(
    warnings,
    bracketHints.map(message => ({ message }))
  )

  const checks = await checkAll(kept, display)
  // In path order: the checks finish in any order, the problems must not.
  for (const file of kept) append(problems, checks.get(file.path)?.problems ?? [])

  const pairing = pairFiles(
    kept.map(f => f.path),
    settings.paired,
    display
  )
  append(problems, pairing.problems)
  append(warnings, pairing.warnings)
  append(notices, pairing.notices)

  // A single-end run's R1 lanes group as single-end files do, without waiting for mates.
  const lanes = groupLanes(
    pairing.units,
    settings.lanes ?? 'merge',
    settings.paired && !pairing.singleEnd,
    display
  )
  append(warnings, lanes.warnings)
  const prefix = settings.prefixWithDir ?? false
  const naming = nameUnits(lanes.units, prefix, display)
  append(problems, naming.problems)
  append(problems, nameClashes(naming.units, prefix, display))

  let inits = new Map<string, SampleInit>()
  if (settings.sampleSheet !== undefined) {
    const file = path.resolve(settings.workspace, settings.sampleSheet)
    // Named as the input points at it, even outside the workspace (`../sheet.csv`) or `.`.
    const sheet = await readSampleSheet(file, relativeName(file, settings.workspace))
    append(problems, sheet.problems)
    const matched = matchSheetRows(sheet, sheetTargets(naming.units))
    append(problems, matched.problems)
    inits = matched.init
  }

  const samples: Sample[] = []
  // Files of the units that could not become a sample (one of their files broke a rule).
  const unplanned: string[] = []
  for (const unit of naming.units) {
    const file = await unitSource(unit.files, unit.filename, checks, display, problems)
    const mate =
      unit.mates && unit.mateName !== undefined
        ? await unitSource(unit.mates, unit.mateName, checks, display, problems)
        : undefined
    if (unit.mates && settings.interleaved === true) {
      const shown = display(unit.files[0])
      problems.push({
        file: shown,
        message: `${shown}: ${Inputs.Interleaved} is true but this file is paired with ${path.basename(unit.mates[0])}: interleaved files hold both reads in one file, so a pair cannot be interleaved. Set ${Inputs.Interleaved}: false (or leave it unset), or ${Inputs.Paired}: false.`
      })
    }
    if (!file || (unit.mates && !mate)) {
      append(unplanned, [...unit.files, ...(unit.mates ?? [])])
      continue
    }
    const init = inits.get(unit.filename)
    const sample: Sample = { file, ...(mate ? { mate } : {}), ...(init ? { init } : {}) }
    const choice = chooseRoute(sample, settings.uploadMethod, display, {
      interleaved: settings.interleaved
    })
    append(problems, choice.problems)
    append(warnings, choice.warnings)
    samples.push(Object.freeze({ ...sample, route: choice.route }))
  }

  append(problems, sharedIdentityProblems(settings, naming.units, inits))
  append(problems, sampleCountProblems(settings, naming.units.length))
  if (problems.length === 0) return freezePlan(samples, problems, warnings, notices)
  // Reported as "not attempted": the samples no problem names a file of, and the files no
  // problem names of the samples that could not be planned.
  const blamed = new Set(problems.flatMap(p => [p.file, ...(p.files ?? [])]))
  const heldBack = samples.filter(sample =>
    sampleFiles(sample).every(source => source.segments.every(s => !blamed.has(display(s.path))))
  )
  const heldBackFiles = unplanned.map(display).filter(file => !blamed.has(file))
  return freezePlan([], problems, warnings, notices, heldBack, heldBackFiles)
}

/**
 * The source of one upload: the checked file renamed to its upload name, or its lanes merged.
 * Undefined (problems already recorded) when a file failed its checks or the lanes cannot merge.
 */
async function unitSource(
  files: readonly string[],
  filename: string,
  checks: ReadonlyMap<string, FileCheck>,
  display: (file: string) => string,
  problems: Problem[]
): Promise<Source | undefined> {
  const parts = files.map(file => checks.get(file)?.file)
  if (parts.some(part => part === undefined)) return undefined
  const sources = parts as Source[]
  if (sources.length === 1) {
    const [only] = sources
    return only.filename === filename ? only : Object.freeze({ ...only, filename })
  }
  const merged = await mergeLanes(sources, filename, display)
  append(problems, merged.problems)
  return merged.source
}

/** The upload names a sheet's rows may name, and the other names users may write for them. */
function sheetTargets(units: readonly NamedUnit[]): SheetTargets {
  const aliases = new Map<string, string>()
  for (const unit of units) {
    const other = [
      unit.baseName,
      ...unit.files.map(f => path.basename(f)),
      ...(unit.mates ?? []).map(f => path.basename(f)),
      ...(unit.mateName !== undefined ? [unit.mateName] : []),
      ...(unit.baseMateName !== undefined ? [unit.baseMateName] : [])
    ]
    for (const name of other) if (name !== unit.filename) aliases.set(name, unit.filename)
  }
  return { names: units.map(u => u.filename), aliases }
}

/**
 * `metadata.name` and `metadata.external_sample_id` name one sample: the run-wide value may not
 * reach more than one planned sample (those whose sheet row sets their own do not count).
 */
function sharedIdentityProblems(
  settings: Settings,
  units: readonly NamedUnit[],
  inits: ReadonlyMap<string, SampleInit>
): Problem[] {
  const problems: Problem[] = []
  for (const field of ['name', 'external_sample_id']) {
    const value = settings.metadata?.[field]
    if (value === undefined || value === null) continue
    const receiving = units.filter(u => inits.get(u.filename)?.metadata?.[field] === undefined)
    if (receiving.length < 2) continue
    const listed = receiving.slice(0, 3).map(u => u.filename)
    const more = receiving.length - listed.length
    problems.push({
      message:
        `Input ${Inputs.Metadata} sets ${field} ${JSON.stringify(value)} for every sample, so ${receiving.length} samples would share it (${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}). ` +
        `A ${field === 'name' ? 'name' : 'external sample ID'} belongs to one sample: give each sample its own in a sample sheet (input ${Inputs.SampleSheet}: a CSV or TSV file with a filename column and a ${field} column), or drop ${field} from ${Inputs.Metadata}.`
    })
  }
  return problems
}

/**
 * After an empty match: names each including pattern with a `{a,b}` group and the lines to write
 * instead, since @actions/glob does not expand braces. Empty when no pattern has one. (Braces are
 * legal in filenames, so a pattern that matched something is never questioned.)
 */
function braceHint(patterns: readonly string[]): string {
  const hints: string[] = []
  for (const pattern of patterns) {
    // An odd number of leading `!` excludes: its braces cannot be why nothing matched.
    if (/^!*/.exec(pattern)![0].length % 2 === 1) continue
    const alternatives = braceAlternatives(pattern)
    if (alternatives) {
      hints.push(`instead of "${pattern}" write ${alternatives.map(a => `"${a}"`).join(', ')}`)
    }
  }
  if (hints.length === 0) return ''
  return (
    ` Braces are not expanded: @actions/glob matches "{" and "}" literally, so a {a,b} group matches only a name holding those characters. ` +
    `Write one line per alternative in ${Inputs.Files}: ${hints.join('; ')}.`
  )
}

/** Checks every file, a few at a time; keyed by path. */
async function checkAll(
  files: readonly DiscoveredFile[],
  display: (file: string) => string
): Promise<Map<string, FileCheck>> {
  const results = new Map<string, FileCheck>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const { path: file, size } = files[next++]
      results.set(file, await checkFile(file, size, display(file)))
    }
  }
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, worker))
  return results
}

/** sample-id and external-sample-id name one pre-uploaded sample: the plan must hold exactly one. */
function sampleCountProblems(settings: Settings, count: number): Problem[] {
  const problems: Problem[] = []
  for (const [name, value] of [
    [Inputs.SampleId, settings.sampleId],
    [Inputs.ExternalSampleId, settings.externalSampleId]
  ] as const) {
    if (value === undefined || count === 1) continue
    problems.push({
      message: `Input ${name} is set, so exactly one sample may be uploaded, but the files make ${count} samples. Narrow ${Inputs.Files} to one file (or one pair), or drop ${name}.`
    })
  }
  return problems
}

function freezePlan(
  samples: Sample[],
  problems: Problem[],
  warnings: Problem[],
  notices: Problem[],
  heldBack: Sample[] = [],
  heldBackFiles: string[] = []
): Plan {
  return Object.freeze({
    samples: Object.freeze(samples),
    problems: Object.freeze(problems.map(p => Object.freeze(p))),
    warnings: Object.freeze(warnings.map(p => Object.freeze(p))),
    notices: Object.freeze(notices.map(p => Object.freeze(p))),
    ...(heldBack.length > 0 ? { heldBack: Object.freeze(heldBack) } : {}),
    ...(heldBackFiles.length > 0 ? { heldBackFiles: Object.freeze(heldBackFiles) } : {})
  })
}
