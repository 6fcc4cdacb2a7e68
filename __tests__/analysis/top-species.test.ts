/** topSpecies, formatPercent and describeTop (src/analysis/top-species.ts). */
import { describe, expect, it } from '@jest/globals'
import { resultsFor } from '../../sandbox/classifications.js'
import { describeTop, formatPercent, topSpecies } from '../../src/analysis/top-species.js'
import type { ResultsRow } from '../../src/analysis/types.js'

const row = (over: Partial<ResultsRow> & { name: string }): ResultsRow => ({
  tax_id: over.name.length.toString(),
  rank: 'species',
  readcount: 1,
  readcount_w_children: null,
  abundance: null,
  abundance_w_children: null,
  ...over
})

describe('topSpecies', () => {
  it('keeps species only, most abundant first, estimates before rows without one (by reads)', () => {
    const top = topSpecies([
      row({ name: 'Genus', rank: 'genus', abundance_w_children: 0.9 }),
      row({ name: 'B small', abundance: 0.1, readcount: 50 }),
      row({ name: 'A big', abundance: 0.6, readcount: 10 }),
      row({ name: 'C none', readcount: 7 }),
      row({ name: 'D none more', readcount: 9 })
    ])
    expect(top.map(s => s.name)).toEqual(['A big', 'B small', 'D none more', 'C none'])
    expect(top[0]).toEqual({ tax_id: '5', name: 'A big', abundance: 0.6, readcount: 10 })
  })

  it('counts a species with its strains: the _w_children values where given', () => {
    const [s] = topSpecies([
      row({
        name: 'E coli',
        abundance: 0.3,
        abundance_w_children: 0.35,
        readcount: 100,
        readcount_w_children: 140
      })
    ])
    expect(s).toMatchObject({ abundance: 0.35, readcount: 140 })
  })

  it('keeps at most 10', () => {
    const { table } = resultsFor('many.fastq', 15)
    const top = topSpecies(table)
    expect(top).toHaveLength(10)
    const abundances = top.map(s => s.abundance ?? -1)
    expect([...abundances].sort((a, b) => b - a)).toEqual(abundances)
  })
})

describe('formatPercent and describeTop', () => {
  it.each<[number | null, string]>([
    [0.523, '52 %'],
    [0.1, '10 %'],
    [0.0996, '10 %'],
    [0.042, '4.2 %'],
    [0.0004, '<0.1 %'],
    [0, '0 %'],
    [1, '100 %'],
    [null, '–']
  ])('%p → %s', (fraction, text) => {
    expect(formatPercent(fraction)).toBe(text)
  })

  it('names the first three, with … when there are more', () => {
    const species = [0.52, 0.11, 0.05, 0.01].map((abundance, i) => ({
      tax_id: String(i),
      name: ['Escherichia coli', 'Bacteroides fragilis', 'Klebsiella pneumoniae', 'Other'][i],
      abundance,
      readcount: 1
    }))
    expect(describeTop(species)).toBe(
      'Escherichia coli 52 %, Bacteroides fragilis 11 %, Klebsiella pneumoniae 5.0 %, …'
    )
    expect(describeTop(species.slice(0, 2))).toBe(
      'Escherichia coli 52 %, Bacteroides fragilis 11 %'
    )
    expect(describeTop([])).toBe('no species identified')
  })
})
