/**
 * The job summary inside GitHub's limit. GitHub refuses a step summary over 1 MiB whole ("upload
 * aborted, supports content up to a size of 1024k"), so a summary is built against a byte budget:
 * what matters most goes first (totals, then failures, then successes), every table stops at the
 * row that would not fit and ends with one "… and N more" line, and what follows always keeps
 * room for its own closing line.
 */

/** GitHub's limit for one step's summary file. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024

/** What the action allows itself: the limit less a margin (UTF-8 bytes). */
export const SUMMARY_BUDGET_BYTES = 1_000_000

/** Longest text a table cell keeps (an error message is one line; this only stops a runaway). */
const MAX_CELL_CHARS = 1000

export interface TableSpec<T> {
  /** Written before the table (e.g. `### Failed (12)`), only when at least one row fits. */
  readonly heading?: string
  /** Header cells, as plain text. */
  readonly header: readonly string[]
  readonly items: readonly T[]
  /** The cells of one item's row: plain text, or HTML made safe with `html()`. */
  readonly row: (item: T) => readonly Cell[]
  /** The line written when rows were left out, e.g. `… and 12 more confirmed samples`. */
  readonly more: (count: number) => string
}

/** Cell content: plain text (escaped when written) or HTML that is already safe. */
export type Cell = string | { readonly html: string }

/** Marks `text` as HTML that is already safe (built with `escapeHtml`). */
export function html(text: string): Cell {
  return { html: text }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')

function cellHtml(cell: Cell): string {
  if (typeof cell !== 'string') return cell.html
  const clipped = cell.length > MAX_CELL_CHARS ? `${cell.slice(0, MAX_CELL_CHARS)}…` : cell
  return escapeHtml(clipped.replace(/\r?\n/g, ' '))
}

/**
 * A summary under construction that never grows past `limit` bytes. Every `add` and `table`
 * takes a `reserve`: bytes that must stay free for what the caller still means to write.
 */
export class SummaryBudget {
  private readonly parts: string[] = []
  private used = 0

  constructor(readonly limit: number = SUMMARY_BUDGET_BYTES) {}

  /** Bytes written so far. */
  get size(): number {
    return this.used
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.used)
  }

  /** Adds `text` (a line is ended with `\n`) when it fits with `reserve` bytes to spare. */
  add(text: string, reserve = 0): boolean {
    const line = text.endsWith('\n') ? text : `${text}\n`
    if (this.used + bytes(line) + reserve > this.limit) return false
    this.parts.push(line)
    this.used += bytes(line)
    return true
  }

  /**
   * Adds an HTML table of `spec.items` in order, as many rows as fit with `reserve` bytes to
   * spare, then — when rows were left out — `spec.more(count)`, for which room is always kept.
   * Returns how many rows were written.
   */
  table<T>(spec: TableSpec<T>, reserve = 0): number {
    const total = spec.items.length
    if (total === 0) return 0
    const moreLine = (count: number): string => `\n${spec.more(count)}\n`
    // Room for the longest "… and N more" line this table could need.
    const moreRoom = bytes(moreLine(total))
    const open = `${spec.heading ? `${spec.heading}\n\n` : ''}<table>\n<tr>${spec.header
      .map(h => `<th>${escapeHtml(h)}</th>`)
      .join('')}</tr>\n`
    const close = '</table>\n'
    const fixed = bytes(open) + bytes(close)

    const rows: string[] = []
    let rowBytes = 0
    for (const item of spec.items) {
      const row = `<tr>${spec
        .row(item)
        .map(cell => `<td>${cellHtml(cell)}</td>`)
        .join('')}</tr>\n`
      const size = bytes(row)
      const left = total - rows.length - 1
      const after = left > 0 ? moreRoom : 0
      if (this.used + fixed + rowBytes + size + after + reserve > this.limit) break
      rows.push(row)
      rowBytes += size
    }

    if (rows.length > 0) {
      const text = open + rows.join('') + close
      this.parts.push(text)
      this.used += bytes(text)
    }
    const left = total - rows.length
    if (left > 0) this.add(moreLine(left), reserve)
    return rows.length
  }

  toString(): string {
    return this.parts.join('')
  }
}
