/** Small statistics and the printed table. */

export function median(values: readonly number[]): number {
  const sorted = values.filter(v => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rounds for JSON: 3 significant decimals are plenty for noisy timings. */
export function round(value: number, digits = 3): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value
}

export interface Target {
  readonly name: string
  readonly value: number
  /** `max`: value must be <= limit; `min`: value must be >= limit; `info`: reported only. */
  readonly kind: 'max' | 'min' | 'info'
  readonly limit: number
  readonly unit: string
}

export function targetMet(target: Target): boolean | undefined {
  if (!Number.isFinite(target.value) || target.kind === 'info') return undefined
  return target.kind === 'max' ? target.value <= target.limit : target.value >= target.limit
}

export interface Row {
  readonly metric: string
  readonly action: string
  readonly baseline: string
  readonly ratio: string
  readonly target: string
  readonly verdict: string
}

export function verdict(met: boolean | undefined): string {
  return met === undefined ? 'n/a' : met ? 'ok' : 'MISS'
}

export function formatTable(rows: readonly Row[]): string {
  const header: Row = {
    metric: 'metric',
    action: 'action',
    baseline: 'baseline',
    ratio: 'ratio',
    target: 'target',
    verdict: ''
  }
  const all = [header, ...rows]
  const keys = ['metric', 'action', 'baseline', 'ratio', 'target', 'verdict'] as const
  const widths = keys.map(key => Math.max(...all.map(row => row[key].length)))
  const line = (row: Row): string =>
    keys
      .map((key, i) => (i === 0 ? row[key].padEnd(widths[i]) : row[key].padStart(widths[i])))
      .join('  ')
      .trimEnd()
  const rule = widths.map(w => '-'.repeat(w)).join('  ')
  return [line(header), rule, ...rows.map(line)].join('\n')
}

export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}
