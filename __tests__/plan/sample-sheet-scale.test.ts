// A facility keeps one sample sheet for every run it sequences: 200,000 rows, ~14 MB, under the
// 16 MiB cap. Such a sheet crashed planning ("Maximum call stack size exceeded": one problem
// per unmatched row, spread into push) and its problems took minutes to report. Matching must
// be linear, and what it says must stay readable: the first rows named, then "and N more".
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { statSync } from 'node:fs'
import { planUploads } from '../../src/plan/planner.js'
import { matchSheetRows, readSampleSheet } from '../../src/plan/sample-sheet.js'
import { fastq, gz, tempWorkspace } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

const ROWS = 200_000
/** How many of the sheet's rows name a sample of this run (the rest: other runs'). */
const MATCHED = 80_000
const name = (i: number): string => `Sample${i}_S${i}_R1_001.fastq.gz`

/**
 * The sheet's rows in a facility's order: this run's samples (`ours`) spread among other runs'
 * rows. Line i of the body is row i + 1. Returns the text and the names of this run's samples,
 * in sheet order.
 */
function facilitySheet(
  rows: number,
  ours: (i: number) => boolean
): { text: string; names: string[] } {
  const lines = ['filename,external_sample_id,platform']
  const names: string[] = []
  for (let i = 1; i <= rows; i++) {
    const filename = ours(i) ? name(i) : `Other${i}_S${i}_R1_001.fastq.gz`
    if (ours(i)) names.push(filename)
    lines.push(`${filename},LIMS-${i},Illumina NovaSeq 6000`)
  }
  return { text: lines.join('\n') + '\n', names }
}

const ws = tempWorkspace('ocu-sheet-scale-')
afterAll(() => ws.remove())

describe('a facility-wide sample sheet (200,000 rows)', () => {
  // 2 rows in 5 are this run's: lines 1, 5, 6, 10, 11, ...
  const ours = (i: number): boolean => i % 5 < 2
  let sheetPath = ''
  let names: string[] = []
  beforeAll(() => {
    const sheet = facilitySheet(ROWS, ours)
    names = sheet.names
    sheetPath = ws.write('facility.csv', sheet.text)
  })

  it('is read and matched to 80,000 samples with 120,000 rows left over, each counted', async () => {
    expect(names).toHaveLength(MATCHED)
    const bytes = statSync(sheetPath).size
    expect(bytes).toBeGreaterThan(13_000_000)
    expect(bytes).toBeLessThan(16 * 1024 * 1024)
    const started = Date.now()
    const sheet = await readSampleSheet(sheetPath, 'facility.csv')
    expect(sheet.problems).toEqual([])
    expect(sheet.rows).toHaveLength(ROWS)
    const { init, problems } = matchSheetRows(sheet, { names, aliases: new Map() })
    // Seconds, not minutes (logged, not asserted: timings on a shared machine are noise).
    console.log(`read and matched ${ROWS} rows in ${Date.now() - started} ms`)

    expect(init.size).toBe(MATCHED)
    expect(init.get(name(5))).toEqual({
      metadata: { external_sample_id: 'LIMS-5', platform: 'Illumina NovaSeq 6000' }
    })
    // The first 20 unmatched rows are named (each sheet line i is row i + 1), then one line
    // counts the rest.
    const unmatched = Array.from({ length: ROWS }, (_, k) => k + 1).filter(i => !ours(i))
    expect(unmatched).toHaveLength(ROWS - MATCHED)
    expect(problems).toHaveLength(21)
    problems.slice(0, 20).forEach((problem, k) => {
      const i = unmatched[k]
      expect(problem).toEqual({
        file: 'facility.csv',
        message: `Input sample-sheet: facility.csv row ${i + 1}, column filename is "Other${i}_S${i}_R1_001.fastq.gz", which matches no planned sample: planned samples: "${name(1)}", "${name(5)}", "${name(6)}", "${name(10)}", "${name(11)}" and 79,995 more.`
      })
    })
    expect(problems[20]).toEqual({
      file: 'facility.csv',
      message: `Input sample-sheet: facility.csv: 119,980 more rows match no planned sample (rows ${unmatched[20] + 1} to ${unmatched[unmatched.length - 1] + 1}). Each row names one of this run's samples by its upload name: keep only this run's rows in the sheet.`
    })
  })

  it('planning with real files does not crash and reports the counts, not 199,900 lines', async () => {
    // 100 real pairs on disk, each with its row; the other 199,900 rows are other runs'.
    const { text } = facilitySheet(ROWS, i => i <= 100)
    const sheet = ws.write('run/facility.csv', text)
    for (let i = 1; i <= 100; i++) {
      ws.write(`run/reads/${name(i)}`, gz(fastq(2)))
      ws.write(`run/reads/${name(i).replace('_R1_', '_R2_')}`, gz(fastq(2)))
    }
    const started = Date.now()
    const plan = await planUploads(
      testSettings({
        workspace: ws.dir,
        patterns: ['run/reads/*.fastq.gz'],
        sampleSheet: 'run/facility.csv'
      })
    )
    console.log(`planned 100 pairs against ${ROWS} rows in ${Date.now() - started} ms`)
    expect(statSync(sheet).size).toBeGreaterThan(13_000_000)
    expect(plan.samples).toEqual([])
    expect(plan.problems).toHaveLength(21)
    expect(plan.problems[0].message).toBe(
      `Input sample-sheet: run/facility.csv row 102, column filename is "Other101_S101_R1_001.fastq.gz", which matches no planned sample: planned samples: "${name(100)}", "${name(10)}", "${name(11)}", "${name(12)}", "${name(13)}" and 95 more.`
    )
    expect(plan.problems[20].message).toBe(
      `Input sample-sheet: run/facility.csv: 199,880 more rows match no planned sample (rows 122 to ${ROWS + 1}). Each row names one of this run's samples by its upload name: keep only this run's rows in the sheet.`
    )
    // The 100 pairs were held back, not lost: each is accounted for as not attempted.
    expect(plan.heldBack).toHaveLength(100)
  })
})

describe('a sheet with a problem in every row', () => {
  it('tells the first 20 in full and counts the rest, naming the rows they span', async () => {
    const lines = ['filename,platform']
    for (let i = 1; i <= 50_000; i++) lines.push(`${name(i)},illumina miseq`)
    const sheet = await readSampleSheet(ws.write('typos.csv', lines.join('\n')), 'typos.csv')
    expect(sheet.rows).toHaveLength(50_000)
    expect(sheet.problems).toHaveLength(21)
    expect(sheet.problems[0].message).toBe(
      'Input sample-sheet: typos.csv row 2, column platform is the string "illumina miseq": did you mean "Illumina MiSeq"? Values are matched with their exact spelling.'
    )
    expect(sheet.problems[19].message).toContain('typos.csv row 21, column platform')
    expect(sheet.problems[20].message).toBe(
      'Input sample-sheet: typos.csv: 49,980 more problems in rows 22 to 50001 (the first 20 are listed above).'
    )
  })

  it('counts rows that name a sample twice the same way', () => {
    const rows = Array.from({ length: 30 }, (_, k) => ({
      row: k + 2,
      filename: 'a.fq',
      init: {}
    }))
    const { init, problems } = matchSheetRows(
      { display: 's.csv', rows, problems: [] },
      { names: ['a.fq'], aliases: new Map() }
    )
    expect(init.size).toBe(1)
    expect(problems).toHaveLength(21)
    expect(problems[0].message).toBe(
      'Input sample-sheet: s.csv row 3, column filename: "a.fq" already has row 2; give each sample one row.'
    )
    expect(problems[20].message).toBe(
      'Input sample-sheet: s.csv: 9 more rows name a sample that already has a row (rows 23 to 31); give each sample one row.'
    )
  })
})
