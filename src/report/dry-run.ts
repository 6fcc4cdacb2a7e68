import * as core from '@actions/core'
import * as path from 'node:path'
import { describeSize } from '../shared/format.js'
import { buildRouteInitBody } from '../contract/init-body.js'
import { Outputs } from '../shared/constants.js'
import { displayPath } from '../shared/paths.js'
import { originOf } from '../shared/url-policy.js'
import { sampleBytes, sampleFiles } from '../shared/sample.js'
import type {
  Compression,
  Json,
  Plan,
  Route,
  Sample,
  SequenceFormat,
  Settings,
  Source
} from '../shared/types.js'
import type { ListOutput } from './output-budget.js'
import type { CheckedCounts } from '../verify/check-files.js'
import { formatCount } from '../shared/format.js'

/** One source of a planned sample, as the `plan` output gives it. */
export interface PlannedSource {
  /** `file` for a single-file sample, `R1` / `R2` for a pair. */
  readonly role: 'file' | 'R1' | 'R2'
  /** The name it is uploaded under (the merged name for lanes). */
  readonly filename: string
  /** Its first file, workspace-relative. */
  readonly path: string
  readonly size: number
  readonly format: SequenceFormat
  readonly compression: Compression
  /** validate full: records and sequence letters the check counted (the lanes summed). */
  readonly reads?: number
  readonly bases?: number
  /** The files sent back to back under `filename` (one, or each lane), workspace-relative. */
  readonly segments: readonly {
    readonly path: string
    readonly size: number
    readonly reads?: number
    readonly bases?: number
  }[]
}

/** One planned sample, as the `plan` output gives it. */
export interface PlannedSample {
  /** The upload name (R1's for a pair, the merged name for lanes): how One Codex will list it. */
  readonly name: string
  readonly route: Route
  /** Bytes of every source. */
  readonly size: number
  readonly sources: readonly PlannedSource[]
  /** The call that would start the upload and its JSON body (which never holds the API key). */
  readonly init: {
    readonly call: 'init_upload' | 'init_multipart_upload'
    readonly body: { readonly [key: string]: Json | undefined }
  }
}

function roles(sample: Sample): ['file' | 'R1' | 'R2', Source][] {
  return sample.mate
    ? [
        ['R1', sample.file],
        ['R2', sample.mate]
      ]
    : [['file', sample.file]]
}

/** The plan as data: one entry per sample, paths workspace-relative, no secret anywhere. */
export function plannedSamples(
  samples: readonly Sample[],
  settings: Settings,
  counts?: CheckedCounts
): PlannedSample[] {
  const relative = (file: string): string => displayPath(file, settings.workspace)
  return samples.map(sample => {
    const route = sample.route ?? 'standard'
    return {
      name: sample.file.filename,
      route,
      size: sampleBytes(sample),
      sources: roles(sample).map(([role, source]) => ({
        role,
        filename: source.filename,
        path: relative(source.path),
        size: source.size,
        format: source.format,
        compression: source.compression,
        ...counts?.get(source),
        segments: source.segments.map(segment => ({
          path: relative(segment.path),
          size: segment.size,
          ...counts?.get(segment)
        }))
      })),
      init: {
        call: route === 'multipart' ? 'init_multipart_upload' : 'init_upload',
        body: { ...buildRouteInitBody(sample, settings) }
      }
    }
  })
}

/**
 * The `plan` output: the planned samples as a JSON list, fitted by the report into GitHub's
 * output limit together with the other lists (the results file holds them all).
 */
export function planOutput(
  samples: readonly Sample[],
  settings: Settings,
  counts?: CheckedCounts
): ListOutput {
  return { name: Outputs.Plan, items: plannedSamples(samples, settings, counts) }
}

/**
 * Prints what a run would upload: each sample with its file(s) — each lane of merged lanes —
 * size, format and compression, and the JSON body its init call would carry (the API key is
 * never part of it), then a total. `scope` names a shard's share ("shard 2/8: 13 of 97 samples").
 */
export function printPlan(
  plan: Plan,
  settings: Settings,
  scope?: string,
  counts?: CheckedCounts
): void {
  const counted = (of: object): string => {
    const found = counts?.get(of as Source)
    return found ? `, ${formatCount(found.reads)} reads, ${formatCount(found.bases)} bases` : ''
  }
  const count = plan.samples.length
  const shown = (file: string): string => displayPath(file, settings.workspace)
  const kind = (file: Source): string =>
    `${file.format}, ${file.compression === 'gzip' ? 'gzip-compressed' : 'uncompressed'}`
  const describe = (role: string, file: Source): string[] => {
    if (file.segments.length === 1) {
      const renamed =
        path.basename(file.path) === file.filename ? '' : ` (uploaded as ${file.filename})`
      return [
        `  ${role}: ${shown(file.path)}${renamed} — ${describeSize(file.size)}, ${kind(file)}${counted(file)}`
      ]
    }
    return [
      `  ${role}: ${file.filename} — ${file.segments.length} lanes merged, ${describeSize(file.size)}, ${kind(file)}${counted(file)}`,
      ...file.segments.map(
        (segment, index) =>
          `    lane ${index + 1}: ${shown(segment.path)} — ${describeSize(segment.size)}${counted(segment)}`
      )
    ]
  }

  core.startGroup(`Dry run: ${count} sample${count === 1 ? '' : 's'} planned`)
  try {
    plan.samples.forEach((sample, index) => {
      const route = sample.route ?? 'standard'
      core.info(
        `Sample ${index + 1} of ${count} (${sample.mate ? 'paired-end' : 'single file'}, ${route} route)`
      )
      for (const [role, source] of roles(sample)) {
        for (const line of describe(role, source)) core.info(line)
      }
      const call = route === 'multipart' ? 'init_multipart_upload' : 'init_upload'
      core.info(`  ${call} body: ${JSON.stringify(buildRouteInitBody(sample, settings))}`)
    })
  } finally {
    core.endGroup()
  }
  // With skip-existing the totals wait for the lookup (see printDryRunTotals).
  if (!settings.skipExisting) printDryRunTotals(plan.samples, settings.apiUrl, scope)
}

/** The dry run's totals line ("Dry run (shard 2/8: …): 3 samples …"); see dryRunTotals. */
export function printDryRunTotals(
  samples: readonly Sample[],
  apiUrl: string,
  scope?: string,
  skipped?: ReadonlySet<number>
): void {
  core.info(`Dry run${scope ? ` (${scope})` : ''}: ${dryRunTotals(samples, apiUrl, skipped)}`)
}

/**
 * "3 samples (8 files, 1.2 GB (…)) would be uploaded to https://…; nothing was sent.": the
 * dry run's totals, in the log and the job summary alike. Files are the files on disk (each
 * lane counts), the size is what would be sent. With skip-existing, `skipped` holds the plan
 * indexes One Codex already holds: "3 samples: 1 would be uploaded (2 files, …) to https://…,
 * 2 already in One Codex; …", files and bytes counting only what would be uploaded.
 */
export function dryRunTotals(
  samples: readonly Sample[],
  apiUrl: string,
  skipped?: ReadonlySet<number>
): string {
  const sent = skipped ? samples.filter((_, index) => !skipped.has(index)) : samples
  const files = sent.reduce(
    (n, sample) => n + sampleFiles(sample).reduce((m, source) => m + source.segments.length, 0),
    0
  )
  const bytes = sent.reduce((n, sample) => n + sampleBytes(sample), 0)
  const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
  const what = `${plural(files, 'file')}, ${describeSize(bytes)}`
  if (!skipped)
    return `${plural(samples.length, 'sample')} (${what}) would be uploaded to ${originOf(apiUrl)}; nothing was sent.`
  const upload =
    sent.length > 0
      ? `${sent.length} would be uploaded (${what}) to ${originOf(apiUrl)}`
      : '0 would be uploaded'
  return `${plural(samples.length, 'sample')}: ${upload}, ${samples.length - sent.length} already in One Codex; nothing was uploaded (only read-only listing requests were sent).`
}
