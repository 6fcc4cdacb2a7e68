import { afterAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { MAX_OBJECT_BYTES } from '../../src/contract/spec.js'
import { checkFile } from '../../src/plan/file-check.js'
import { endsWithNewline, groupLanes, laneToken, mergeLanes } from '../../src/plan/lanes.js'
import { pairFiles } from '../../src/plan/pairing.js'
import type { Source } from '../../src/shared/types.js'
import { fasta, fastq, gz, tempWorkspace } from '../helpers/fixtures.js'

describe('laneToken', () => {
  it.each<[string, number, string, string]>([
    ['S1_S1_L001_R1_001.fastq.gz', 1, 'L001', 'S1_S1_R1_001.fastq.gz'],
    ['S1_L004_R2_001.fastq.gz', 4, 'L004', 'S1_R2_001.fastq.gz'],
    ['run.L002.fq', 2, 'L002', 'run.fq'],
    ['x.L01.R1.fq.gz', 1, 'L01', 'x.R1.fq.gz'],
    ['x_L3_R1.fq', 3, 'L3', 'x_R1.fq'],
    ['x_R1_L012.fq.gz', 12, 'L012', 'x_R1.fq.gz'],
    // The last token counts: a sample name may hold an L-number of its own.
    ['Patient_L2_S3_L004_R1.fq', 4, 'L004', 'Patient_L2_S3_R1.fq']
  ])('%s: lane %d (%s), merged name %s', (name, lane, text, without) => {
    expect(laneToken(name)).toEqual({ lane, text, without })
  })

  it.each(['xL001_R1.fq', 'x_L001R1.fq', 'x_LANE1_R1.fq', 'x_L_R1.fq', 'x_l001_R1.fq', 'L001.fq'])(
    '%s has no lane token',
    name => {
      expect(laneToken(name)).toBeUndefined()
    }
  )
})

/** Lane grouping after pairing, as the planner runs it, with paths under /w. */
function group(names: string[], paired = true, mode: 'merge' | 'separate' = 'merge') {
  const files = names.map(n => `/w/${n}`)
  const pairing = pairFiles(files, paired)
  return groupLanes(pairing.units, mode, paired, f => f.replace('/w/', ''))
}

const lanes = (n: number, read?: 1 | 2, digits = 3, stem = 'S1_S1'): string[] =>
  Array.from(
    { length: n },
    (_, i) =>
      `${stem}_L${String(i + 1).padStart(digits, '0')}${read ? `_R${read}` : ''}_001.fastq.gz`
  )

describe('groupLanes', () => {
  it('merges 4 paired lanes into one sample: lanes in order, R1 and R2 named without the lane', () => {
    const result = group([...lanes(4, 2), ...lanes(4, 1)].reverse())
    expect(result.warnings).toEqual([])
    expect(result.units).toEqual([
      {
        files: lanes(4, 1).map(n => `/w/${n}`),
        mates: lanes(4, 2).map(n => `/w/${n}`),
        filename: 'S1_S1_R1_001.fastq.gz',
        mateName: 'S1_S1_R2_001.fastq.gz'
      }
    ])
  })

  it('merges single-end lanes, and with paired: false merges R1 lanes and R2 lanes apart', () => {
    expect(group(lanes(3)).units).toEqual([
      { files: lanes(3).map(n => `/w/${n}`), filename: 'S1_S1_001.fastq.gz' }
    ])
    const unpaired = group([...lanes(2, 1), ...lanes(2, 2)], false)
    expect(unpaired.warnings).toEqual([])
    expect(unpaired.units.map(u => [u.filename, u.files.length, u.mates])).toEqual([
      ['S1_S1_R1_001.fastq.gz', 2, undefined],
      ['S1_S1_R2_001.fastq.gz', 2, undefined]
    ])
  })

  it('keeps every lane its own sample, silently, with lanes: separate', () => {
    const result = group([...lanes(4, 1), ...lanes(4, 2)], true, 'separate')
    expect(result.warnings).toEqual([])
    expect(result.units.map(u => [u.filename, u.mateName])).toEqual(
      lanes(4, 1).map((r1, i) => [r1, lanes(4, 2)[i]])
    )
  })

  it.each<[string, string[], string[], RegExp]>([
    [
      'a gap (L003 missing)',
      [...lanes(4, 1), ...lanes(4, 2)].filter(n => !n.includes('_L003_')),
      ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L002_R1_001.fastq.gz', 'S1_S1_L004_R1_001.fastq.gz'],
      /because lane L003 is missing\. Each lane is uploaded as its own sample \(lanes: separate does so without this warning\)\.$/
    ],
    [
      'lanes not starting at L001',
      [...lanes(3, 1), ...lanes(3, 2)].filter(n => !n.includes('_L001_')),
      ['S1_S1_L002_R1_001.fastq.gz', 'S1_S1_L003_R1_001.fastq.gz'],
      /because lane L001 is missing/
    ],
    [
      'a lone lane 3',
      ['S1_S1_L003_R1_001.fastq.gz', 'S1_S1_L003_R2_001.fastq.gz'],
      ['S1_S1_L003_R1_001.fastq.gz'],
      /because lanes L001, L002 are missing/
    ],
    [
      'a lane whose R2 is missing',
      [...lanes(2, 1), ...lanes(2, 2)].filter(n => n !== 'S1_S1_L002_R2_001.fastq.gz'),
      ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L002_R1_001.fastq.gz'],
      /because lane L002's mate S1_S1_L002_R2_001\.fastq\.gz is missing/
    ],
    [
      'R1 and R2 with different lanes',
      [...lanes(2, 1), ...lanes(3, 2)],
      ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L002_R1_001.fastq.gz', 'S1_S1_L003_R2_001.fastq.gz'],
      /because lane L003's mate S1_S1_L003_R1_001\.fastq\.gz is missing/
    ]
  ])(
    'does not merge %s: one sample per file or pair, and one warning saying why',
    (_label, names, firstFiles, why) => {
      const result = group(names)
      expect(result.units.map(u => path.basename(u.files[0]))).toEqual(firstFiles)
      expect(result.units.every(u => u.files.length === 1)).toBe(true)
      expect(result.units.map(u => u.filename)).toEqual(firstFiles)
      expect(result.warnings).toHaveLength(1)
      expect(result.warnings[0].file).toBe(
        names.filter(n => n.includes('_R1_') || !names.some(m => m.includes('_R1_'))).sort()[0]
      )
      expect(result.warnings[0].message).toMatch(
        /^S1_S1_L00\d_R\d_001\.fastq\.gz: the lane files of S1_S1_R\d_001\.fastq\.gz \(\d+ files?\) are not merged into one sample/
      )
      expect(result.warnings[0].message).toMatch(why)
    }
  )

  it('leaves a single lane-1 file alone, without a warning (a one-lane run)', () => {
    const result = group(['S1_L001_R1_001.fastq.gz', 'S1_L001_R2_001.fastq.gz'])
    expect(result.warnings).toEqual([])
    expect(result.units).toEqual([
      {
        files: ['/w/S1_L001_R1_001.fastq.gz'],
        mates: ['/w/S1_L001_R2_001.fastq.gz'],
        filename: 'S1_L001_R1_001.fastq.gz',
        mateName: 'S1_L001_R2_001.fastq.gz'
      }
    ])
  })

  it.each([1, 2, 3])('orders %d-digit lane numbers numerically (L10 after L9)', digits => {
    const names = lanes(digits === 1 ? 10 : 4, 1, digits)
    const result = group([...names].sort(), false)
    expect(result.warnings).toEqual([])
    expect(result.units).toHaveLength(1)
    expect(result.units[0].files).toEqual(names.map(n => `/w/${n}`))
  })

  it('groups .L001. separators', () => {
    const result = group(['run.L002.R1.fq', 'run.L001.R2.fq', 'run.L001.R1.fq', 'run.L002.R2.fq'])
    expect(result.warnings).toEqual([])
    expect(result.units).toEqual([
      {
        files: ['/w/run.L001.R1.fq', '/w/run.L002.R1.fq'],
        mates: ['/w/run.L001.R2.fq', '/w/run.L002.R2.fq'],
        filename: 'run.R1.fq',
        mateName: 'run.R2.fq'
      }
    ])
  })

  it('does not merge a group holding lane 0 (lanes are numbered 1..n)', () => {
    const result = group(['x_L000.fq', 'x_L001.fq', 'x_L002.fq'])
    expect(result.units.map(u => u.filename)).toEqual(['x_L000.fq', 'x_L001.fq', 'x_L002.fq'])
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0].message).toMatch(
      /because lanes are numbered from 1, but L000 is lane 0\. Each lane is uploaded as its own sample/
    )
  })

  it('does not merge a lane number given twice (L1 and L001)', () => {
    const result = group(['x_L1.fq', 'x_L001.fq', 'x_L2.fq'])
    expect(result.units).toHaveLength(3)
    expect(result.warnings[0].message).toMatch(/lane 1 appears 2 times \(x_L001\.fq, x_L1\.fq\)/)
  })

  it('groups lanes per directory and per sample', () => {
    const result = group([
      'a/S1_L001.fq',
      'a/S1_L002.fq',
      'b/S1_L001.fq',
      'b/S1_L002.fq',
      'a/S2_L001.fq'
    ])
    expect(result.warnings).toEqual([])
    expect(result.units.map(u => [u.filename, u.files.map(f => f.replace('/w/', ''))])).toEqual([
      ['S1.fq', ['a/S1_L001.fq', 'a/S1_L002.fq']],
      ['S2_L001.fq', ['a/S2_L001.fq']],
      ['S1.fq', ['b/S1_L001.fq', 'b/S1_L002.fq']]
    ])
  })

  it('groups lanes whose endings differ, so that merging can refuse them', () => {
    const result = group(['x_L001.fq.gz', 'x_L002.fq'])
    expect(result.units).toEqual([
      { files: ['/w/x_L001.fq.gz', '/w/x_L002.fq'], filename: 'x.fq.gz' }
    ])
  })
})

describe('mergeLanes (real files)', () => {
  const ws = tempWorkspace('ocu-lanes-')
  afterAll(() => ws.remove())
  const display = (file: string): string => path.relative(ws.dir, file)

  async function source(name: string, content: string | Buffer): Promise<Source> {
    const file = ws.write(name, content)
    const check = await checkFile(file, Buffer.byteLength(content), name)
    expect(check.problems).toEqual([])
    return check.file!
  }

  it('streams gzip lanes back to back: one source whose bytes are a valid gzip of all reads', async () => {
    const plain = [fastq(3), fastq(5), fastq(2)]
    const parts = await Promise.all(
      plain.map((text, i) => source(`gz/x_L00${i + 1}.fq.gz`, gz(text)))
    )
    const { source: merged, problems } = await mergeLanes(parts, 'x.fq.gz', display)
    expect(problems).toEqual([])
    expect(merged).toEqual({
      path: parts[0].path,
      filename: 'x.fq.gz',
      size: parts.reduce((n, p) => n + p.size, 0),
      segments: parts.map(p => ({ path: p.path, size: p.size })),
      format: 'FASTQ',
      compression: 'gzip'
    })
    expect(Object.isFrozen(merged)).toBe(true)
    const bytes = Buffer.concat(merged!.segments.map(s => readFileSync(s.path)))
    expect(gunzipSync(bytes).toString()).toBe(plain.join(''))
  })

  it('merges plain-text lanes that end with a newline (the last lane need not)', async () => {
    const parts = [
      await source('plain/y_L001.fa', fasta(2)),
      await source('plain/y_L002.fa', fasta(1).trimEnd())
    ]
    const { source: merged, problems } = await mergeLanes(parts, 'y.fa', display)
    expect(problems).toEqual([])
    expect(merged?.compression).toBe('none')
  })

  it('refuses a plain-text lane without a final newline, naming it and the next lane', async () => {
    const parts = [
      await source('seam/z_L001.fq', fastq(2)),
      await source('seam/z_L002.fq', fastq(2).trimEnd()),
      await source('seam/z_L003.fq', fastq(2))
    ]
    const { source: merged, problems } = await mergeLanes(parts, 'z.fq', display)
    expect(merged).toBeUndefined()
    expect(problems).toEqual([
      {
        file: 'seam/z_L002.fq',
        message:
          "seam/z_L002.fq: does not end with a newline, so merging it with the next lane (z_L003.fq) into z.fq would join its last line with that lane's first record. Add a final newline to it, or set lanes: separate."
      }
    ])
  })

  it('refuses lanes that mix gzip and plain text, naming each with its compression', async () => {
    const parts = [
      await source('mixed/m_L001.fq.gz', gz(fastq())),
      await source('mixed/m_L002.fq', fastq())
    ]
    const { source: merged, problems } = await mergeLanes(parts, 'm.fq.gz', display)
    expect(merged).toBeUndefined()
    expect(problems).toEqual([
      {
        file: 'mixed/m_L001.fq.gz',
        // The group is refused as a whole: every lane file is reported as refused.
        files: ['mixed/m_L001.fq.gz', 'mixed/m_L002.fq'],
        message:
          'mixed/m_L001.fq.gz: the lanes of m.fq.gz mix gzip-compressed and uncompressed files: m_L001.fq.gz (gzip), m_L002.fq (uncompressed). Lanes are sent back to back as one file, so they must all be gzip or all plain text: compress them alike, or set lanes: separate.'
      }
    ])
  })

  it('refuses lanes that mix FASTA and FASTQ', async () => {
    const parts = [
      await source('kinds/k_L001.fa', fasta()),
      await source('kinds/k_L002.fq', fastq())
    ]
    const { problems } = await mergeLanes(parts, 'k.fa', display)
    expect(problems).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /the lanes of k\.fa mix FASTA and FASTQ files: k_L001\.fa \(FASTA\), k_L002\.fq \(FASTQ\)/
        )
      })
    ])
  })

  it('refuses lanes that add up to more than S3 stores in one object', async () => {
    const part = (n: number): Source => ({
      path: `/w/big_L00${n}.fq.gz`,
      filename: `big_L00${n}.fq.gz`,
      size: MAX_OBJECT_BYTES / 2 + 1,
      segments: [{ path: `/w/big_L00${n}.fq.gz`, size: MAX_OBJECT_BYTES / 2 + 1 }],
      format: 'FASTQ',
      compression: 'gzip'
    })
    const { problems } = await mergeLanes([part(1), part(2)], 'big.fq.gz', f => f)
    expect(problems).toEqual([
      {
        file: '/w/big_L001.fq.gz',
        files: ['/w/big_L001.fq.gz', '/w/big_L002.fq.gz'],
        message: expect.stringMatching(
          /the lanes of big\.fq\.gz add up to .* larger than 5\.5 TB .* Set lanes: separate\.$/
        )
      }
    ])
  })

  it('endsWithNewline reads the last byte', async () => {
    const yes = ws.write('nl/yes.fq', 'x\n')
    const crlf = ws.write('nl/crlf.fq', 'x\r\n')
    const no = ws.write('nl/no.fq', 'x\n\nx')
    expect(await endsWithNewline(yes, 2)).toBe(true)
    expect(await endsWithNewline(crlf, 3)).toBe(true)
    expect(await endsWithNewline(no, 4)).toBe(false)
    expect(await endsWithNewline(no, 0)).toBe(false)
  })
})
