import { readFile, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { PROJECT_MAX_LENGTH, TAG_MAX_LENGTH } from '../contract/spec.js'
import { checkMetadataField } from '../inputs/metadata.js'
import { Inputs } from '../shared/constants.js'
import { fsErrorText } from '../shared/paths.js'
import type { Json, Problem, SampleInit } from '../shared/types.js'

/** The init_upload metadata fields a sheet may hold as columns (the rest go to `custom`). */
export const SHEET_METADATA_COLUMNS = [
  'name',
  'description',
  'platform',
  'library_type',
  'sample_type',
  'date_collected',
  'date_sequenced',
  'location_lat',
  'location_lon',
  'location_string',
  'external_sample_id'
] as const

const NUMBER_COLUMNS: readonly string[] = ['location_lat', 'location_lon']
/** A sheet bigger than this is surely not a sample sheet. */
const MAX_SHEET_BYTES = 16 * 1024 * 1024
/** How many planned names an "unmatched row" message lists. */
const LISTED_NAMES = 5

/** One record of a delimited file: its cells and the line it starts on (1-based). */
export interface SheetRecord {
  readonly row: number
  readonly cells: readonly string[]
}

/**
 * Splits CSV/TSV text into records as RFC 4180 describes: `delimiter` between cells, CRLF or LF
 * between records, a cell in double quotes may hold the delimiter, line breaks and `""` for a
 * quote. A quote inside an unquoted cell is kept as text. Fails on a quote left open or text
 * after a closing quote, naming the row.
 */
export function parseDelimited(
  text: string,
  delimiter: string
): { records: SheetRecord[]; error?: string } {
  const records: SheetRecord[] = []
  let cells: string[] = []
  let cell = ''
  let line = 1
  let recordLine = 1
  let quoted = false
  let closed = false
  const endRecord = (): void => {
    cells.push(cell)
    records.push({ row: recordLine, cells })
    cells = []
    cell = ''
    closed = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else {
          quoted = false
          closed = true
        }
      } else {
        if (c === '\n') line++
        cell += c
      }
      continue
    }
    const lineBreak = c === '\n' || c === '\r'
    if (closed && c !== delimiter && !lineBreak) {
      return {
        records,
        error: `row ${recordLine}: text after the closing quote of a quoted cell (write "" for a quote inside quotes)`
      }
    }
    if (c === '"' && cell === '' && !closed) {
      quoted = true
    } else if (c === delimiter) {
      cells.push(cell)
      cell = ''
      closed = false
    } else if (lineBreak) {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
    } else {
      cell += c
    }
  }
  if (quoted) {
    return { records, error: `row ${recordLine}: a quoted cell is never closed` }
  }
  if (cell !== '' || cells.length > 0 || closed) endRecord()
  return { records }
}

/** One row of a sample sheet: the upload name it is for and the init fields it gives. */
export interface SheetRow {
  readonly row: number
  readonly filename: string
  readonly init: SampleInit
}

export interface SampleSheet {
  /** How the sheet is named in messages (workspace-relative). */
  readonly display: string
  readonly rows: readonly SheetRow[]
  readonly problems: readonly Problem[]
}

/** `Date Collected`, `date-collected` → `date_collected`: how a header is matched to a field. */
function canonical(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
}

type Column =
  | { kind: 'filename' | 'tags' | 'project'; header: string }
  | { kind: 'metadata'; field: string; header: string }
  | { kind: 'custom'; header: string }
  /** A column with an empty header (`header` is its number): it must stay empty. */
  | { kind: 'ignored'; header: string }

/**
 * Reads the sample sheet at `file` (CSV, or TSV for `.tsv`/`.tab` files and for other files
 * whose first line holds a tab): a header row, then one row per sample. `filename` names the
 * sample by its upload name; the init_upload metadata fields are columns of their own
 * (headers matched case-insensitively, spaces and `-` as `_`); `tags` is `;`-separated;
 * `project` a project ID; any other column is a `metadata.custom` field under its header. Empty
 * cells are unset; cells are trimmed. Every cell is checked as the `metadata` input is, each
 * problem naming the sheet, the row, the column and the value. Never throws.
 */
export async function readSampleSheet(file: string, display: string): Promise<SampleSheet> {
  const fail = (message: string): SampleSheet => ({
    display,
    rows: [],
    problems: [{ file: display, message: `Input ${Inputs.SampleSheet}: ${message}` }]
  })
  let bytes: Buffer
  try {
    const info = await stat(file)
    if (!info.isFile()) return fail(`${display} is not a file.`)
    if (info.size > MAX_SHEET_BYTES) {
      return fail(
        `${display} is ${info.size} bytes: a sample sheet may be at most ${MAX_SHEET_BYTES}.`
      )
    }
    bytes = await readFile(file)
  } catch (error) {
    return fail(`cannot read ${display}: ${fsErrorText(error, file, display)}.`)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return fail(`${display} is not UTF-8 text: save it as UTF-8 CSV or TSV.`)
  }
  const extension = path.extname(file).toLowerCase()
  const firstLine = text.slice(0, text.search(/\r|\n|$/))
  const delimiter =
    extension === '.tsv' || extension === '.tab'
      ? '\t'
      : extension === '.csv'
        ? ','
        : firstLine.includes('\t')
          ? '\t'
          : ','
  const parsed = parseDelimited(text, delimiter)
  if (parsed.error) return fail(`${display} ${parsed.error}.`)
  const records = parsed.records.filter(r => r.cells.some(c => c.trim() !== ''))
  if (records.length === 0) return fail(`${display} is empty: it needs a header row.`)

  const problems: Problem[] = []
  const problem = (message: string): void => {
    problems.push({ file: display, message: `Input ${Inputs.SampleSheet}: ${message}` })
  }
  const [header, ...body] = records
  const columns = readHeader(header, display, problem)
  if (!columns) return { display, rows: [], problems }

  const rows: SheetRow[] = []
  for (const record of body) {
    const at = (column: Column): string => `${display} row ${record.row}, column ${column.header}`
    if (record.cells.length > columns.length) {
      const extra = record.cells.slice(columns.length).filter(c => c.trim() !== '')
      if (extra.length > 0) {
        problem(
          `${display} row ${record.row} has ${record.cells.length} cells but the header has ${columns.length} columns (extra: ${extra.map(c => JSON.stringify(c)).join(', ')}).`
        )
      }
    }
    let filename: string | undefined
    const metadata: { [key: string]: Json } = {}
    const custom: { [key: string]: Json } = {}
    let tags: string[] | undefined
    let project: string | undefined
    columns.forEach((column, index) => {
      const value = (record.cells[index] ?? '').trim()
      if (value === '') return
      switch (column.kind) {
        case 'ignored':
          problem(
            `${display} row ${record.row} has ${JSON.stringify(value)} in column ${column.header}, whose header is empty: name the column, or clear it.`
          )
          break
        case 'filename':
          filename = value
          break
        case 'project':
          if (value.length > PROJECT_MAX_LENGTH) {
            problem(
              `${at(column)} is ${JSON.stringify(value)}: a project ID has at most ${PROJECT_MAX_LENGTH} characters.`
            )
          }
          project = value
          break
        case 'tags':
          tags = []
          for (const tag of value.split(';').map(t => t.trim())) {
            if (tag === '' || tags.includes(tag)) continue
            if (tag.length > TAG_MAX_LENGTH) {
              problem(
                `${at(column)}: tag ${JSON.stringify(tag)} is ${tag.length} characters long: at most ${TAG_MAX_LENGTH} are allowed (tags are separated by ";").`
              )
            }
            tags.push(tag)
          }
          break
        case 'metadata': {
          const typed: Json =
            NUMBER_COLUMNS.includes(column.field) &&
            /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)
              ? Number(value)
              : value
          for (const violation of checkMetadataField(column.field, typed, at(column)) ?? []) {
            problem(violation)
          }
          metadata[column.field] = typed
          break
        }
        case 'custom':
          custom[column.header] = value
          break
      }
    })
    if (filename === undefined) {
      problem(
        `${display} row ${record.row} has no filename: each row names the sample it is for by its upload name.`
      )
      continue
    }
    if (Object.keys(custom).length > 0) metadata.custom = custom
    const init: SampleInit = {
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      ...(tags && tags.length > 0 ? { tags } : {}),
      ...(project !== undefined ? { project } : {})
    }
    rows.push({ row: record.row, filename, init })
  }
  return { display, rows, problems }
}

function readHeader(
  header: SheetRecord,
  display: string,
  problem: (message: string) => void
): Column[] | undefined {
  const columns: Column[] = []
  const seen = new Map<string, string>()
  let ok = true
  header.cells.forEach((cell, index) => {
    const text = cell.trim()
    if (text === '') {
      columns.push({ kind: 'ignored', header: `${index + 1}` })
      return
    }
    const key = canonical(text)
    const metadataField = (SHEET_METADATA_COLUMNS as readonly string[]).includes(key)
    const column: Column =
      key === 'filename' || key === 'tags' || key === 'project'
        ? { kind: key, header: text }
        : metadataField
          ? { kind: 'metadata', field: key, header: text }
          : { kind: 'custom', header: text }
    const identity = column.kind === 'custom' ? `custom:${text}` : key
    const earlier = seen.get(identity)
    if (earlier !== undefined) {
      problem(
        `${display}: the header has two columns for ${column.kind === 'custom' ? JSON.stringify(text) : key} (${JSON.stringify(earlier)} and ${JSON.stringify(text)}); keep one.`
      )
      ok = false
    }
    seen.set(identity, text)
    columns.push(column)
  })
  if (!columns.some(c => c.kind === 'filename')) {
    problem(
      `${display} has no filename column (header row: ${header.cells.map(c => JSON.stringify(c.trim())).join(', ')}): its first row must name the columns, one of them filename.`
    )
    ok = false
  }
  return ok ? columns : undefined
}

/** What the sheet's rows are matched against: the planned upload names and their aliases. */
export interface SheetTargets {
  /** Each planned sample's upload name (R1's for a pair, the merged name for lanes). */
  readonly names: readonly string[]
  /** Other names a user may write for a sample (R2's, a lane file's, the name before prefix-with-dir) → its upload name. */
  readonly aliases: ReadonlyMap<string, string>
}

/**
 * Matches the sheet's rows to the planned samples by upload name. A row that matches none is a
 * problem (a typo must not pass silently), with the right name when the row used an alias or a
 * different case; so are two rows for one sample. Returns each matched name's init fields.
 */
export function matchSheetRows(
  sheet: SampleSheet,
  targets: SheetTargets
): { init: Map<string, SampleInit>; problems: Problem[] } {
  const init = new Map<string, SampleInit>()
  const problems: Problem[] = []
  const rowOf = new Map<string, number>()
  const names = new Set(targets.names)
  const byLowerCase = new Map(targets.names.map(n => [n.toLowerCase(), n]))
  for (const row of sheet.rows) {
    const where = `Input ${Inputs.SampleSheet}: ${sheet.display} row ${row.row}, column filename`
    if (names.has(row.filename)) {
      const earlier = rowOf.get(row.filename)
      if (earlier !== undefined) {
        problems.push({
          file: sheet.display,
          message: `${where}: ${JSON.stringify(row.filename)} already has row ${earlier}; give each sample one row.`
        })
        continue
      }
      rowOf.set(row.filename, row.row)
      init.set(row.filename, row.init)
      continue
    }
    const base = path.basename(row.filename)
    const alias =
      targets.aliases.get(row.filename) ??
      targets.aliases.get(base) ??
      byLowerCase.get(row.filename.toLowerCase()) ??
      byLowerCase.get(base.toLowerCase())
    let hint: string
    if (alias !== undefined) {
      hint = `did you mean ${JSON.stringify(alias)}? Rows name a sample by its upload name (R1's name for a pair, the merged name for lanes).`
    } else if (targets.names.length === 0) {
      hint = 'no sample is planned.'
    } else {
      const shown = targets.names.slice(0, LISTED_NAMES).map(n => JSON.stringify(n))
      const more = targets.names.length - shown.length
      hint = `planned samples: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`
    }
    problems.push({
      file: sheet.display,
      message: `${where} is ${JSON.stringify(row.filename)}, which matches no planned sample: ${hint}`
    })
  }
  return { init, problems }
}
