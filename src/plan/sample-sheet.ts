import { readFile, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { PROJECT_MAX_LENGTH, TAG_MAX_LENGTH } from '../contract/spec.js'
import { checkMetadataField } from '../inputs/metadata.js'
import { Inputs } from '../shared/constants.js'
import { formatCount } from '../shared/format.js'
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
 * (or a lone CR) between records, a cell in double quotes may hold the delimiter, line breaks
 * and `""` for a quote. Spaces between a delimiter and an opening quote, and between a closing
 * quote and the next delimiter, are dropped (`a, "b, c"` is two cells, as spreadsheets write it
 * and Python's csv module reads it with skipinitialspace). A quote inside an unquoted cell is
 * kept as text. Fails on a quote left open or other text after a closing quote, naming the row.
 * Linear in the text: cells are sliced out, never built a character at a time.
 */
export function parseDelimited(
  text: string,
  delimiter: string
): { records: SheetRecord[]; error?: string } {
  const records: SheetRecord[] = []
  const length = text.length
  const delimiterCode = delimiter.charCodeAt(0)
  let cells: string[] = []
  let line = 1
  let recordLine = 1
  let i = 0
  for (;;) {
    // One cell from i: quoted when its first non-space character is a quote.
    let start = i
    while (start < length && text.charCodeAt(start) === SPACE) start++
    let quoted = false
    if (start < length && text.charCodeAt(start) === QUOTE) {
      quoted = true
      let value = ''
      let from = start + 1
      for (;;) {
        const close = text.indexOf('"', from)
        if (close < 0) return { records, error: `row ${recordLine}: a quoted cell is never closed` }
        value += text.slice(from, close)
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"'
          from = close + 2
          continue
        }
        line += countLineFeeds(text, start, close)
        i = close + 1
        break
      }
      while (i < length && text.charCodeAt(i) === SPACE) i++
      const next = text.charCodeAt(i)
      if (i < length && next !== delimiterCode && next !== LF && next !== CR) {
        return {
          records,
          error: `row ${recordLine}: text after the closing quote of a quoted cell (write "" for a quote inside quotes)`
        }
      }
      cells.push(value)
    } else {
      let end = i
      while (end < length) {
        const c = text.charCodeAt(end)
        if (c === delimiterCode || c === LF || c === CR) break
        end++
      }
      cells.push(text.slice(i, end))
      i = end
    }
    if (i >= length) {
      // The last record, unless the text ended with a line break (or is empty).
      if (quoted || cells.length > 1 || cells[0] !== '') records.push({ row: recordLine, cells })
      return { records }
    }
    const c = text.charCodeAt(i)
    i++
    if (c === delimiterCode) continue
    if (c === CR && text.charCodeAt(i) === LF) i++
    records.push({ row: recordLine, cells })
    cells = []
    line++
    recordLine = line
    if (i >= length) return { records }
  }
}

const SPACE = 0x20
const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d

/** How many `\n` lie in text[from, to). */
function countLineFeeds(text: string, from: number, to: number): number {
  let count = 0
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) {
    count++
  }
  return count
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
  // A spreadsheet's "tab-delimited" export keeps whatever name it was given, .csv included.
  const delimiter =
    extension === '.tsv' || extension === '.tab' || firstLine.includes('\t') ? '\t' : ','
  const parsed = parseDelimited(text, delimiter)
  if (parsed.error) return fail(`${display} ${parsed.error}.`)
  const records = parsed.records.filter(r => r.cells.some(c => c.trim() !== ''))
  if (records.length === 0) return fail(`${display} is empty: it needs a header row.`)

  const problems: Problem[] = []
  // Every problem of a row names that row; past the first few, they are only counted.
  const cellProblems: { row: number; message: string }[] = []
  const problem = (message: string): void => {
    problems.push({ file: display, message: `Input ${Inputs.SampleSheet}: ${message}` })
  }
  const columns = readHeader(records[0], display, problem)
  if (!columns) return { display, rows: [], problems }

  const rows: SheetRow[] = []
  for (let r = 1; r < records.length; r++) {
    const record = records[r]
    const rowProblem = (message: string): void => {
      cellProblems.push({ row: record.row, message })
    }
    const at = (column: Column): string => `${display} row ${record.row}, column ${column.header}`
    if (record.cells.length > columns.length) {
      const extra = record.cells.slice(columns.length).filter(c => c.trim() !== '')
      if (extra.length > 0) {
        rowProblem(
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
          rowProblem(
            `${display} row ${record.row} has ${JSON.stringify(value)} in column ${column.header}, whose header is empty: name the column, or clear it.`
          )
          break
        case 'filename':
          filename = value
          break
        case 'project':
          if (value.length > PROJECT_MAX_LENGTH) {
            rowProblem(
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
              rowProblem(
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
            rowProblem(violation)
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
      rowProblem(
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
  for (const duplicate of duplicateIds(rows, display)) {
    cellProblems.push(duplicate)
  }
  cellProblems.sort((a, b) => a.row - b.row)
  const more = (count: number, span: string): string =>
    `${display}: ${plural(count, 'more problem')} in ${span} (the first ${LISTED_ROW_PROBLEMS} are listed above).`
  for (const message of capRowMessages(cellProblems, p => p.message, more)) problem(message)
  return { display, rows, problems }
}

/** How many problems of a sheet's rows are told in full before the rest are counted. */
export const LISTED_ROW_PROBLEMS = 20
/** How many rows a duplicate external_sample_id message names. */
const LISTED_DUPLICATE_ROWS = 10

/**
 * The messages of the first LISTED_ROW_PROBLEMS items (in row order, told by `tell`), then one
 * from `more` that counts the rest and names the rows they span: a facility-wide sheet may hold
 * 100,000 rows that break a rule, and a list of them helps nobody (nor does reporting each in
 * the log, the summary and the annotations). Only the items told are looked at.
 */
function capRowMessages<T extends { readonly row: number }>(
  items: readonly T[],
  tell: (item: T) => string,
  more: (count: number, rows: string) => string
): string[] {
  const shown = items.slice(0, LISTED_ROW_PROBLEMS).map(tell)
  const rest = items.length - shown.length
  if (rest <= 0) return shown
  const first = items[LISTED_ROW_PROBLEMS].row
  const last = items[items.length - 1].row
  shown.push(more(rest, first === last ? `row ${first}` : `rows ${first} to ${last}`))
  return shown
}

/**
 * An external sample ID names one sample: rows that share one (exactly, after trimming) are
 * one problem per ID, naming every row that has it, at the first of them.
 */
function duplicateIds(
  rows: readonly SheetRow[],
  display: string
): { row: number; message: string }[] {
  const byId = new Map<string, SheetRow[]>()
  for (const row of rows) {
    const id = row.init.metadata?.external_sample_id
    if (typeof id !== 'string') continue
    const same = byId.get(id)
    if (same) same.push(row)
    else byId.set(id, [row])
  }
  const found: { row: number; message: string }[] = []
  for (const [id, same] of byId) {
    if (same.length < 2) continue
    const named = same.slice(0, LISTED_DUPLICATE_ROWS)
    const more = same.length - named.length
    const numbers = named.map(r => String(r.row))
    const list =
      more > 0
        ? `${numbers.join(', ')} and ${formatCount(more)} more`
        : `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`
    const files = named.map(r => r.filename).join(', ')
    found.push({
      row: same[0].row,
      message: `${display} rows ${list} have the same external_sample_id ${JSON.stringify(id)} (${files}${more > 0 ? ', ...' : ''}): an external sample ID names one sample; give each row its own, or leave the cell empty.`
    })
  }
  return found
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
 * Matches the sheet's rows to the planned samples by upload name, in one pass over the rows
 * (Map lookups only: a facility-wide sheet has 200,000 rows). A row that matches none is a
 * problem (a typo must not pass silently), with the right name when the row used an alias or a
 * different case; so are two rows for one sample. The first LISTED_ROW_PROBLEMS rows of each
 * kind are told in full, the rest counted in one more problem. Returns each matched name's
 * init fields.
 */
export function matchSheetRows(
  sheet: SampleSheet,
  targets: SheetTargets
): { init: Map<string, SampleInit>; problems: Problem[] } {
  const init = new Map<string, SampleInit>()
  const rowOf = new Map<string, number>()
  const names = new Set(targets.names)
  let byLowerCase: Map<string, string> | undefined
  const where = (row: { row: number }): string =>
    `Input ${Inputs.SampleSheet}: ${sheet.display} row ${row.row}, column filename`
  const unmatched: SheetRow[] = []
  const twice: { row: number; filename: string; earlier: number }[] = []
  for (const row of sheet.rows) {
    if (!names.has(row.filename)) {
      unmatched.push(row)
      continue
    }
    const earlier = rowOf.get(row.filename)
    if (earlier !== undefined) {
      twice.push({ row: row.row, filename: row.filename, earlier })
      continue
    }
    rowOf.set(row.filename, row.row)
    init.set(row.filename, row.init)
  }

  // Hints only for the rows told in full.
  const tell = (row: SheetRow): string => {
    byLowerCase ??= new Map(targets.names.map(n => [n.toLowerCase(), n]))
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
      hint = `planned samples: ${shown.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}.`
    }
    return `${where(row)} is ${JSON.stringify(row.filename)}, which matches no planned sample: ${hint}`
  }
  const problems: Problem[] = []
  const add = (message: string): void => {
    problems.push({ file: sheet.display, message })
  }
  const unmatchedMore = (count: number, span: string): string =>
    `Input ${Inputs.SampleSheet}: ${sheet.display}: ${plural(count, 'more row')} ${count === 1 ? 'matches' : 'match'} no planned sample (${span}). Each row names one of this run's samples by its upload name: keep only this run's rows in the sheet.`
  for (const message of capRowMessages(unmatched, tell, unmatchedMore)) add(message)
  const twiceMore = (count: number, span: string): string =>
    `Input ${Inputs.SampleSheet}: ${sheet.display}: ${plural(count, 'more row')} name${count === 1 ? 's' : ''} a sample that already has a row (${span}); give each sample one row.`
  const again = (row: (typeof twice)[number]): string =>
    `${where(row)}: ${JSON.stringify(row.filename)} already has row ${row.earlier}; give each sample one row.`
  for (const message of capRowMessages(twice, again, twiceMore)) add(message)
  return { init, problems }
}

/** `1 more row`, `2 more rows`, `119,980 more rows`. */
function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`
}
