// Single-end runs: a MiSeq or NextSeq run sequenced single-end leaves only
// *_R1_001.fastq.gz files. One Codex's CLI uploads each as a single-end sample; so does the
// action, with one notice. A lone R1 among pairs is still a staging mistake, and an error.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { pairFiles } from '../../src/plan/pairing.js'
import { planUploads } from '../../src/plan/planner.js'
import type { Settings } from '../../src/shared/types.js'
import { fastq, gz, tempWorkspace } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

let ws: ReturnType<typeof tempWorkspace>
beforeEach(() => {
  ws = tempWorkspace('ocu-single-end-')
})
afterEach(() => ws.remove())
const settings = (overrides: Partial<Settings> = {}): Settings =>
  testSettings({ workspace: ws.dir, ...overrides })

describe('pairFiles: a run where no file is read 2', () => {
  it('makes every R1 file a single-end sample, with one notice', () => {
    const files = ['/w/run/S2_S2_R1_001.fastq.gz', '/w/run/S1_S1_R1_001.fastq.gz', '/w/run/x.fa']
    const pairing = pairFiles(files, true, f => f.replace('/w/', ''))
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings).toEqual([])
    expect(pairing.units).toEqual([
      { file: '/w/run/S1_S1_R1_001.fastq.gz' },
      { file: '/w/run/S2_S2_R1_001.fastq.gz' },
      { file: '/w/run/x.fa' }
    ])
    expect(pairing.singleEnd).toBe(true)
    expect(pairing.notices).toEqual([
      {
        message:
          'No matched file is read 2 of a pair, so the 2 _R1 files (run/S1_S1_R1_001.fastq.gz, ...) are uploaded as single-end samples, as for a single-end run (MiSeq, NextSeq). If this run is paired-end, its _R2 files are missing from files.'
      }
    ])
  })

  it('a lone R1 among pairs stays an error (a mate left out of staging)', () => {
    const pairing = pairFiles(
      ['/w/run/A_R1_001.fastq.gz', '/w/run/A_R2_001.fastq.gz', '/w/run/B_R1_001.fastq.gz'],
      true
    )
    expect(pairing.singleEnd).toBe(false)
    expect(pairing.notices).toEqual([])
    expect(pairing.problems).toEqual([
      {
        file: '/w/run/B_R1_001.fastq.gz',
        message: expect.stringMatching(
          /this is read 1 .* its mate B_R2_001\.fastq\.gz is not among/
        )
      }
    ])
  })

  it('an R2 anywhere in the run (another directory, the _2 style) keeps lone R1s errors', () => {
    for (const mate of ['/w/other/C_R2_001.fastq.gz', '/w/other/SRR1_2.fastq.gz']) {
      const pairing = pairFiles(['/w/run/B_R1_001.fastq.gz', mate], true)
      expect(pairing.singleEnd).toBe(false)
      expect(pairing.problems.map(p => p.file)).toContain('/w/run/B_R1_001.fastq.gz')
    }
  })

  it('a lone Trim Galore _val_1 file stays an error: Trim Galore names only paired output so', () => {
    expect(pairFiles(['/w/X_R1_val_1.fq.gz'], true).problems.map(p => p.file)).toEqual([
      '/w/X_R1_val_1.fq.gz'
    ])
    // Paired-end trimming output in the run: it is paired-end, lone R1s beside it are errors.
    const pairing = pairFiles(['/w/X_R1_val_1.fq.gz', '/w/Y_R1_001.fastq.gz'], true)
    expect(pairing.singleEnd).toBe(false)
    expect(pairing.problems.map(p => p.file)).toEqual([
      '/w/X_R1_val_1.fq.gz',
      '/w/Y_R1_001.fastq.gz'
    ])
  })

  it('with paired: false nothing is said: every file is its own sample anyway', () => {
    const pairing = pairFiles(['/w/S1_R1_001.fastq.gz'], false)
    expect(pairing.notices).toEqual([])
    expect(pairing.problems).toEqual([])
  })
})

describe('planUploads: single-end runs on disk', () => {
  it('a MiSeq single-end run: each R1 file one single-end sample, one notice', async () => {
    for (let i = 1; i <= 6; i++) ws.write(`run/S${i}_S${i}_R1_001.fastq.gz`, gz(fastq()))
    ws.write('run/SampleSheet.csv', 'not a sample sheet of the action')
    const plan = await planUploads(settings({ patterns: ['run'] }))
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.samples.map(s => [s.file.filename, s.mate])).toEqual(
      [1, 2, 3, 4, 5, 6].map(i => [`S${i}_S${i}_R1_001.fastq.gz`, undefined])
    )
    expect(plan.notices?.map(n => n.message)).toEqual([
      expect.stringMatching(/^1 file skipped: \.csv\./),
      expect.stringMatching(
        /^No matched file is read 2 of a pair, so the 6 _R1 files \(run\/S1_S1_R1_001\.fastq\.gz, \.\.\.\) are uploaded as single-end samples/
      )
    ])
  })

  it('a NextSeq single-end run: the four lanes of each R1 merge into one sample', async () => {
    for (const s of [1, 2, 3])
      for (const lane of [1, 2, 3, 4])
        ws.write(`run/S${s}_S${s}_L00${lane}_R1_001.fastq.gz`, gz(fastq()))
    const plan = await planUploads(settings({ patterns: ['run/*.fastq.gz'] }))
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(
      plan.samples.map(s => [s.file.filename, s.file.segments.length, s.mate?.filename])
    ).toEqual([1, 2, 3].map(s => [`S${s}_S${s}_R1_001.fastq.gz`, 4, undefined]))
    expect(plan.notices?.map(n => n.message)).toEqual([
      expect.stringMatching(/^No matched file is read 2 of a pair, so the 12 _R1 files/)
    ])
  })

  it('a paired run missing one R2 is refused, naming the lone R1', async () => {
    ws.write('run/A_S1_R1_001.fastq.gz', gz(fastq()))
    ws.write('run/A_S1_R2_001.fastq.gz', gz(fastq()))
    ws.write('run/B_S2_R1_001.fastq.gz', gz(fastq()))
    const plan = await planUploads(settings({ patterns: ['run/*'] }))
    expect(plan.samples).toEqual([])
    expect(plan.problems).toEqual([
      {
        file: 'run/B_S2_R1_001.fastq.gz',
        message: expect.stringContaining('its mate B_S2_R2_001.fastq.gz is not among')
      }
    ])
  })
})
