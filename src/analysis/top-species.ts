/**
 * From a results table to what a reader takes in: the most abundant species, and abundances
 * written as percentages.
 */
import type { ResultsRow, TopSpecies } from './types.js'

/** How many species an `analyses` entry keeps. */
export const TOP_SPECIES = 10

const num = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null

/**
 * The rows of rank `species`, most abundant first (rows without an estimate last, by reads),
 * at most `limit`. A species counts with its strains: `abundance_w_children` and
 * `readcount_w_children` where given, else `abundance` and `readcount`.
 */
export function topSpecies(table: readonly ResultsRow[], limit = TOP_SPECIES): TopSpecies[] {
  const species = table
    .filter(row => row.rank === 'species')
    .map(row => ({
      tax_id: row.tax_id,
      name: row.name,
      abundance: num(row.abundance_w_children) ?? num(row.abundance),
      readcount: num(row.readcount_w_children) ?? num(row.readcount) ?? 0
    }))
  species.sort(
    (a, b) =>
      (b.abundance ?? -1) - (a.abundance ?? -1) ||
      b.readcount - a.readcount ||
      a.name.localeCompare(b.name)
  )
  return species.slice(0, limit)
}

/** 0.523 → "52 %"; 0.042 → "4.2 %"; 0.0004 → "<0.1 %"; null → "–". */
export function formatPercent(fraction: number | null): string {
  if (fraction === null) return '–'
  const percent = fraction * 100
  if (percent >= 9.95) return `${Math.round(percent)} %`
  if (percent >= 0.05) return `${percent.toFixed(1)} %`
  return percent > 0 ? '<0.1 %' : '0 %'
}

/** "Escherichia coli 52 %, Bacteroides fragilis 11 %, …": the first `shown` of `top`. */
export function describeTop(top: readonly TopSpecies[], shown = 3): string {
  if (top.length === 0) return 'no species identified'
  const named = top.slice(0, shown).map(s => `${s.name} ${formatPercent(s.abundance)}`)
  return `${named.join(', ')}${top.length > shown ? ', …' : ''}`
}
