import { open } from 'node:fs/promises'
import * as path from 'node:path'
import { MAX_OBJECT_BYTES } from '../contract/spec.js'
import { Inputs, type LanesMode } from '../shared/constants.js'
import { describeSize } from '../shared/format.js'
import { fsErrorText } from '../shared/paths.js'
import type { Problem, Source } from '../shared/types.js'
import { parseExtension } from './file-check.js'
import { byPath, readName, type PathUnit } from './pairing.js'

/** Illumina's lane token in a filename: `_L001_`, `.L2.`, `_L01.` (the separators are kept). */
const LANE_TOKEN = /[._]L(\d+)(?=[._])/g

/** Where a filename carries its lane number. */
export interface LaneToken {
  readonly lane: number
  /** `L001` as written. */
  readonly text: string
  /** The filename without the token (`S1_L001_R1_001.fq.gz` → `S1_R1_001.fq.gz`). */
  readonly without: string
}

/**
 * The lane token of a filename (`[._]L(\d+)[._]`), or undefined when it has none. When a name
 * holds several, the last one counts: lanes come after the sample name, which may itself hold
 * an `_L2_`-like part.
 */
export function laneToken(filename: string): LaneToken | undefined {
  let last: RegExpExecArray | undefined
  for (const match of filename.matchAll(LANE_TOKEN)) last = match as RegExpExecArray
  if (!last) return undefined
  const start = last.index
  const end = start + last[0].length
  return {
    lane: Number(last[1]),
    text: last[0].slice(1),
    without: filename.slice(0, start) + filename.slice(end)
  }
}

/** One planned sample's files as paths: the lanes of R1 (or of the only file), in lane order. */
export interface LaneUnit {
  /** One path, or the lane files back to back. */
  readonly files: readonly string[]
  /** The R2 lanes of a pair, in the same lane order. */
  readonly mates?: readonly string[]
  /** The upload name: the first lane's name without the lane token when lanes merged. */
  readonly filename: string
  readonly mateName?: string
}

export interface LaneGrouping {
  /** Sorted by their first file's path. */
  readonly units: readonly LaneUnit[]
  /** Why a lane group was not merged (one per group). */
  readonly warnings: readonly Problem[]
}

interface Member {
  readonly unit: PathUnit
  readonly lane: LaneToken
  /** The missing mate's name, for a lone mate of a pair-to-be. */
  readonly missingMate?: string
}

/**
 * Groups the lane files of one sample: units (files or pairs, see pairing.ts) in one directory
 * whose names differ only in the lane token (and, for pairs, the read token) merge into one
 * unit when there are at least two lanes numbered 1..n without gaps and, for pairs, every lane
 * has both mates. Any other group stays one unit per file or pair, with a warning saying why.
 * `lanes: separate` keeps every unit as it is, silently. Endings are left out of the grouping
 * key, so that lanes that differ in compression or format meet (and are refused) when merged.
 */
export function groupLanes(
  units: readonly PathUnit[],
  mode: LanesMode,
  paired: boolean,
  display: (file: string) => string = file => file
): LaneGrouping {
  const single = (unit: PathUnit): LaneUnit => ({
    files: [unit.file],
    filename: path.basename(unit.file),
    ...(unit.mate ? { mates: [unit.mate], mateName: path.basename(unit.mate) } : {})
  })
  if (mode === 'separate') return { units: units.map(single), warnings: [] }

  const groups = new Map<string, Member[]>()
  const out: LaneUnit[] = []
  for (const unit of units) {
    const name = path.basename(unit.file)
    const lane = laneToken(name)
    const ext = lane && parseExtension(lane.without)
    if (!lane || !ext) {
      out.push(single(unit))
      continue
    }
    // Pairs and lone mates of one sample share a key: the read number is blanked out.
    const read = paired ? readName(lane.without) : undefined
    const stem = read ? read.key.slice(0, read.key.length - ext.extension.length) : ext.stem
    const key = `${path.dirname(unit.file)}\0${stem}`
    const lone = read && !unit.mate ? readName(name)?.mateName : undefined
    const member: Member = { unit, lane, ...(lone ? { missingMate: lone } : {}) }
    const group = groups.get(key)
    if (group) group.push(member)
    else groups.set(key, [member])
  }

  const warnings: Problem[] = []
  for (const members of groups.values()) {
    members.sort((a, b) => a.lane.lane - b.lane.lane || byPath(a.unit.file, b.unit.file))
    const reasons = whyNotMerged(members)
    if (members.length === 1 && reasons.length === 0) {
      out.push(single(members[0].unit))
      continue
    }
    if (reasons.length > 0) {
      const first = members[0].unit.file
      const shown = display(first)
      const files = members.reduce((n, m) => n + (m.unit.mate ? 2 : 1), 0)
      warnings.push({
        file: shown,
        message:
          `${shown}: the lane files of ${members[0].lane.without} (${files} file${files === 1 ? '' : 's'}) are not merged into one sample because ${reasons.join('; ')}. ` +
          `Each lane is uploaded as its own sample (${Inputs.Lanes}: separate does so without this warning).`
      })
      for (const member of members) out.push(single(member.unit))
      continue
    }
    const firstMate = members[0].unit.mate
    out.push({
      files: members.map(m => m.unit.file),
      filename: members[0].lane.without,
      ...(firstMate
        ? {
            mates: members.map(m => m.unit.mate!),
            mateName: laneToken(path.basename(firstMate))?.without ?? path.basename(firstMate)
          }
        : {})
    })
  }
  out.sort((a, b) => byPath(a.files[0], b.files[0]))
  return { units: out, warnings }
}

/** Why a lane group cannot merge: missing mates, a lane number twice, gaps. Empty when it can. */
function whyNotMerged(members: readonly Member[]): string[] {
  const reasons: string[] = []
  const lone = members.filter(m => m.missingMate)
  if (lone.length === 1) {
    reasons.push(`lane ${lone[0].lane.text}'s mate ${lone[0].missingMate} is missing`)
  } else if (lone.length > 1) {
    reasons.push(
      `the mates of lanes ${lone.map(m => m.lane.text).join(', ')} are missing (${lone[0].missingMate}, ...)`
    )
  }
  const byLane = new Map<number, Member[]>()
  for (const member of members) {
    const same = byLane.get(member.lane.lane)
    if (same) same.push(member)
    else byLane.set(member.lane.lane, [member])
  }
  for (const [lane, same] of byLane) {
    if (same.length > 1) {
      reasons.push(
        `lane ${lane} appears ${same.length} times (${same.map(m => path.basename(m.unit.file)).join(', ')})`
      )
    }
  }
  const width = members[0].lane.text.length - 1
  // Lanes are numbered from 1: an L000 file is no lane of the run (a gap-free 1..n says so).
  if (byLane.has(0))
    reasons.push(`lanes are numbered from 1, but ${members[0].lane.text} is lane 0`)
  let highest = 0
  for (const lane of byLane.keys()) highest = Math.max(highest, lane)
  const missing: string[] = []
  for (let lane = 1; lane <= highest; lane++) {
    if (!byLane.has(lane)) missing.push(`L${String(lane).padStart(width, '0')}`)
  }
  if (missing.length === 1) reasons.push(`lane ${missing[0]} is missing`)
  else if (missing.length > 1) reasons.push(`lanes ${missing.join(', ')} are missing`)
  return reasons
}

/**
 * Joins checked lane files into one source named `filename`: its segments are the lanes in
 * order, its size their sum. gzip lanes concatenate into a valid gzip stream (RFC 1952
 * members); plain-text lanes only when every lane but the last ends with a newline, else the
 * seam would glue two records together. Lanes that mix gzip and plain text, or FASTA and FASTQ,
 * are refused. Reads one byte per plain-text lane; never throws.
 */
export async function mergeLanes(
  lanes: readonly Source[],
  filename: string,
  display: (file: string) => string
): Promise<{ source?: Source; problems: Problem[] }> {
  const problems: Problem[] = []
  const first = lanes[0]
  const shownFirst = display(first.path)
  // A problem of the group as a whole concerns every lane file (each is reported as refused).
  const everyLane = lanes.flatMap(lane => lane.segments.map(segment => display(segment.path)))
  const list = (describe: (lane: Source) => string): string =>
    lanes.map(lane => `${path.basename(lane.path)} (${describe(lane)})`).join(', ')

  if (lanes.some(lane => lane.compression !== first.compression)) {
    problems.push({
      file: shownFirst,
      files: everyLane,
      message:
        `${shownFirst}: the lanes of ${filename} mix gzip-compressed and uncompressed files: ${list(l => (l.compression === 'gzip' ? 'gzip' : 'uncompressed'))}. ` +
        `Lanes are sent back to back as one file, so they must all be gzip or all plain text: compress them alike, or set ${Inputs.Lanes}: separate.`
    })
  }
  if (lanes.some(lane => lane.format !== first.format)) {
    problems.push({
      file: shownFirst,
      files: everyLane,
      message: `${shownFirst}: the lanes of ${filename} mix FASTA and FASTQ files: ${list(l => l.format)}. One sample holds one format; set ${Inputs.Lanes}: separate, or narrow files.`
    })
  }
  if (problems.length === 0 && first.compression === 'none') {
    for (let i = 0; i < lanes.length - 1; i++) {
      const lane = lanes[i]
      const shown = display(lane.path)
      let ends: boolean
      try {
        ends = await endsWithNewline(lane.path, lane.size)
      } catch (error) {
        problems.push({
          file: shown,
          message: `${shown}: cannot be read: ${fsErrorText(error, lane.path, shown)}.`
        })
        continue
      }
      if (!ends) {
        problems.push({
          file: shown,
          message:
            `${shown}: does not end with a newline, so merging it with the next lane (${path.basename(lanes[i + 1].path)}) into ${filename} would join its last line with that lane's first record. ` +
            `Add a final newline to it, or set ${Inputs.Lanes}: separate.`
        })
      }
    }
  }
  const size = lanes.reduce((sum, lane) => sum + lane.size, 0)
  if (size > MAX_OBJECT_BYTES) {
    problems.push({
      file: shownFirst,
      files: everyLane,
      message: `${shownFirst}: the lanes of ${filename} add up to ${describeSize(size)}: larger than ${describeSize(MAX_OBJECT_BYTES)}, the largest object S3 stores. Set ${Inputs.Lanes}: separate.`
    })
  }
  if (problems.length > 0) return { problems }
  return {
    source: Object.freeze({
      path: first.path,
      filename,
      size,
      segments: Object.freeze(lanes.flatMap(lane => lane.segments)),
      format: first.format,
      compression: first.compression
    }),
    problems
  }
}

/** Whether the file's last byte is `\n` (reads that byte only). */
export async function endsWithNewline(file: string, size: number): Promise<boolean> {
  if (size === 0) return false
  const handle = await open(file, 'r')
  try {
    const byte = Buffer.alloc(1)
    const { bytesRead } = await handle.read(byte, 0, 1, size - 1)
    return bytesRead === 1 && byte[0] === 0x0a
  } finally {
    await handle.close()
  }
}
