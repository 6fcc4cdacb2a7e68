import * as path from 'node:path'
import { Inputs } from '../shared/constants.js'
import { braceAlternatives, discoverFiles, type DiscoveredFile } from './discover.js'
import { checkFile, type FileCheck } from './file-check.js'
import { pairFiles } from './pairing.js'
import { chooseRoute } from './route-choice.js'
import { displayPath } from '../shared/paths.js'
import type { Plan, Problem, Sample, Settings } from '../shared/types.js'

/** How many files are opened at once while sniffing their first bytes. */
const CHECK_CONCURRENCY = 16

/**
 * Turns the settings into an immutable, validated list of samples, or every problem found.
 * No network I/O: only glob, stat and the first bytes of each file. Never throws for a bad file.
 * `samples` is empty whenever `problems` is not.
 */
export async function planUploads(settings: Settings): Promise<Plan> {
  const problems: Problem[] = []
  const warnings: Problem[] = []
  // No pattern at all was already reported by the input checks.
  if (settings.patterns.length === 0) return freezePlan([], problems, warnings)

  const display = (file: string): string => displayPath(file, settings.workspace)
  const discovery = await discoverFiles(settings.patterns, settings.workspace)
  problems.push(...discovery.problems.map(p => (p.file ? { ...p, file: display(p.file) } : p)))
  if (discovery.files.length === 0) {
    if (discovery.problems.length > 0) return freezePlan([], problems, warnings)
    const tried = settings.patterns.map(p => `"${p}"`).join(', ')
    const message = `No files matched the ${Inputs.Files} patterns (tried: ${tried}, relative to ${settings.workspace}).`
    const hint = braceHint(settings.patterns)
    if (settings.ifNoFilesFound === 'error') {
      problems.push({
        message: `${message} With ${Inputs.IfNoFilesFound}: error an empty match fails the step; set it to warn or ignore to allow it.${hint}`
      })
    } else if (settings.ifNoFilesFound === 'warn') {
      warnings.push({ message: `${message} Nothing will be uploaded.${hint}` })
    }
    return freezePlan([], problems, warnings)
  }

  problems.push(...basenameCollisions(discovery.files, display))

  const checks = await checkAll(discovery.files, display)
  for (const check of checks.values()) problems.push(...check.problems)

  const pairing = pairFiles(
    discovery.files.map(f => f.path),
    settings.paired,
    display
  )
  problems.push(...pairing.problems)
  warnings.push(...pairing.warnings)

  const samples: Sample[] = []
  for (const unit of pairing.units) {
    const file = checks.get(unit.file)?.file
    const mate = unit.mate === undefined ? undefined : checks.get(unit.mate)?.file
    if (unit.mate !== undefined && settings.interleaved === true) {
      const shown = display(unit.file)
      problems.push({
        file: shown,
        message: `${shown}: ${Inputs.Interleaved} is true but this file is paired with ${path.basename(unit.mate)}: interleaved files hold both reads in one file, so a pair cannot be interleaved. Set ${Inputs.Interleaved}: false (or leave it unset), or ${Inputs.Paired}: false.`
      })
    }
    // checkFile hands out frozen files; pairing keeps the units in path order.
    if (file && (unit.mate === undefined || mate)) {
      const sample: Sample = mate ? { file, mate } : { file }
      const choice = chooseRoute(sample, settings.uploadMethod, display)
      problems.push(...choice.problems)
      warnings.push(...choice.warnings)
      samples.push(Object.freeze({ ...sample, route: choice.route }))
    }
  }

  problems.push(...sampleCountProblems(settings, pairing.units.length))
  return freezePlan(problems.length > 0 ? [] : samples, problems, warnings)
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

/** One Codex identifies uploads by filename: two different files may not share a basename. */
function basenameCollisions(
  files: readonly DiscoveredFile[],
  display: (file: string) => string
): Problem[] {
  const byName = new Map<string, string[]>()
  for (const { path: file } of files) {
    const name = path.basename(file)
    byName.set(name, [...(byName.get(name) ?? []), file])
  }
  const problems: Problem[] = []
  for (const [name, paths] of byName) {
    if (paths.length < 2) continue
    const shown = paths.map(display)
    problems.push({
      file: shown[0],
      message: `${paths.length} matched files share the filename "${name}": ${shown.join(', ')}. One Codex identifies uploads by filename, so each file in one run needs a distinct name; rename them or narrow ${Inputs.Files}.`
    })
  }
  return problems
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

function freezePlan(samples: Sample[], problems: Problem[], warnings: Problem[]): Plan {
  return Object.freeze({
    samples: Object.freeze(samples),
    problems: Object.freeze(problems.map(p => Object.freeze(p))),
    warnings: Object.freeze(warnings.map(p => Object.freeze(p)))
  })
}
