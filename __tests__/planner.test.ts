import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { symlinkSync } from 'node:fs'
import * as path from 'node:path'
import { planUploads } from '../src/plan/planner.js'
import type { Settings } from '../src/shared/types.js'
import { fasta, fastq, gz, tempWorkspace } from './helpers/fixtures.js'

let ws: ReturnType<typeof tempWorkspace>
beforeEach(() => {
  ws = tempWorkspace()
})
afterEach(() => ws.remove())

function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    apiKey: 'key-never-used',
    patterns: ['**'],
    tags: [],
    paired: true,
    apiUrl: 'http://127.0.0.1:9',
    concurrency: 4,
    maxAttempts: 5,
    ifNoFilesFound: 'error',
    dryRun: false,
    uploadMethod: 'auto',
    workspace: ws.dir,
    ...overrides
  }
}

describe('planUploads', () => {
  it('turns valid files into sorted, immutable samples (pairs: R1 file, R2 mate)', async () => {
    ws.write('run/z_single.fasta', fasta())
    ws.write('run/S1_L001_R2_001.fastq.gz', gz(fastq()))
    ws.write('run/S1_L001_R1_001.fastq.gz', gz(fastq()))
    ws.write('run/S1_L002_R1_001.fastq.gz', gz(fastq()))
    ws.write('run/S1_L002_R2_001.fastq.gz', gz(fastq()))
    ws.write('a/reads.fq', fastq(2))

    const plan = await planUploads(settings())

    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(
      plan.samples.map(s => [s.file.filename, s.mate?.filename, s.file.format, s.file.compression])
    ).toEqual([
      ['reads.fq', undefined, 'FASTQ', 'none'],
      ['S1_L001_R1_001.fastq.gz', 'S1_L001_R2_001.fastq.gz', 'FASTQ', 'gzip'],
      ['S1_L002_R1_001.fastq.gz', 'S1_L002_R2_001.fastq.gz', 'FASTQ', 'gzip'],
      ['z_single.fasta', undefined, 'FASTA', 'none']
    ])
    expect(plan.samples[0].file.size).toBe(Buffer.byteLength(fastq(2)))
    expect(plan.samples[0].file.path).toBe(`${ws.dir}/a/reads.fq`)
    expect(Object.isFrozen(plan)).toBe(true)
    expect(Object.isFrozen(plan.samples)).toBe(true)
    expect(Object.isFrozen(plan.samples[1])).toBe(true)
    expect(Object.isFrozen(plan.samples[1].mate)).toBe(true)
  })

  it('reports every problem of every file at once, each with its file, and plans nothing', async () => {
    ws.write('in/François.fq', fastq())
    ws.write('in/test_R1_L001.fq.bz2', 'BZh91AY&SY')
    ws.write('in/empty.fa', '')
    ws.write('in/mislabelled.fa', fastq())
    ws.write('in/plain.fq.gz', fastq())
    ws.write('in/lonely_R1_001.fastq.gz', gz(fastq()))
    ws.write('in/good.fq', fastq())

    const plan = await planUploads(settings({ patterns: ['in/*'] }))

    expect(plan.samples).toEqual([])
    const byFile = Object.fromEntries(
      plan.problems.map(p => [p.file, p.message.slice(p.file!.length + 2)])
    )
    expect(plan.problems).toHaveLength(6)
    expect(byFile['in/François.fq']).toMatch(/not allowed: "ç"/)
    expect(byFile['in/test_R1_L001.fq.bz2']).toMatch(/accepted extension.*\.bz2/)
    expect(byFile['in/empty.fa']).toMatch(/empty \(0 bytes\)/)
    expect(byFile['in/mislabelled.fa']).toMatch(/content is FASTQ/)
    expect(byFile['in/plain.fq.gz']).toMatch(/gzip magic bytes 1f 8b/)
    expect(byFile['in/lonely_R1_001.fastq.gz']).toMatch(/mate lonely_R2_001\.fastq\.gz/)
  })

  it('fails an empty match by default, listing the patterns tried', async () => {
    const plan = await planUploads(settings({ patterns: ['data/*.fq', '!data/x.fq'] }))
    expect(plan.samples).toEqual([])
    expect(plan.problems).toEqual([
      {
        message: expect.stringMatching(
          /^No files matched the files patterns \(tried: "data\/\*\.fq", "!data\/x\.fq", .*if-no-files-found: error/
        )
      }
    ])
  })

  it('only warns about an empty match with if-no-files-found: warn', async () => {
    const plan = await planUploads(settings({ patterns: ['data/*.fq'], ifNoFilesFound: 'warn' }))
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([
      {
        message: expect.stringMatching(
          /^No files matched .*"data\/\*\.fq".*Nothing will be uploaded/
        )
      }
    ])
  })

  it('explains that braces are not expanded when a {a,b} pattern matched nothing', async () => {
    ws.write('data/x.fq', fastq())
    ws.write('data/y.fastq', fastq())
    const plan = await planUploads(settings({ patterns: ['data/*.{fq,fastq}'] }))
    expect(plan.samples).toEqual([])
    expect(plan.problems).toEqual([
      {
        message: expect.stringMatching(
          /^No files matched .*"data\/\*\.\{fq,fastq\}".* Braces are not expanded: .* one line per alternative in files: instead of "data\/\*\.\{fq,fastq\}" write "data\/\*\.fq", "data\/\*\.fastq"\.$/
        )
      }
    ])
    const warned = await planUploads(
      settings({ patterns: ['data/*.{fq,fastq}'], ifNoFilesFound: 'warn' })
    )
    expect(warned.warnings[0].message).toMatch(/Braces are not expanded/)
  })

  it('gives no brace hint when nothing matched and no pattern has a {a,b} group', async () => {
    const plan = await planUploads(settings({ patterns: ['data/{x}.fq', '!data/*.{a,b}'] }))
    expect(plan.problems).toHaveLength(1)
    expect(plan.problems[0].message).not.toMatch(/brace/i)
  })

  it('takes braces literally, without a hint, when files matched', async () => {
    // A comma is not allowed in a filename, but a directory may hold one.
    ws.write('runs/{a,b}/x.fq', fastq())
    const plan = await planUploads(settings({ patterns: ['runs/{a,b}/*.fq', 'none/*.{fq,fa}'] }))
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.samples.map(s => s.file.path)).toEqual([`${ws.dir}/runs/{a,b}/x.fq`])
  })

  it('says nothing about an empty match with if-no-files-found: ignore', async () => {
    const plan = await planUploads(settings({ patterns: ['data/*.fq'], ifNoFilesFound: 'ignore' }))
    expect(plan).toEqual({ samples: [], problems: [], warnings: [] })
  })

  it('refuses two files with the same basename, naming both paths', async () => {
    ws.write('a/x.fq', fastq())
    ws.write('b/x.fq', fastq())
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([
      {
        file: 'a/x.fq',
        message: expect.stringMatching(
          /2 matched files share the filename "x\.fq": a\/x\.fq, b\/x\.fq/
        )
      }
    ])
  })

  it('plans a file reached through a symlinked directory once, not as a name collision', async () => {
    ws.write('run1/x_R1.fq', fastq())
    ws.write('run1/x_R2.fq', fastq())
    symlinkSync(path.join(ws.dir, 'run1'), path.join(ws.dir, 'current'))
    const plan = await planUploads(settings({ patterns: ['**/*.fq'] }))
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => [s.file.path, s.mate?.path])).toEqual([
      [`${ws.dir}/current/x_R1.fq`, `${ws.dir}/current/x_R2.fq`]
    ])
  })

  it('still refuses different files that share a name when symlinks are around', async () => {
    ws.write('a/x.fq', fastq())
    ws.write('b/x.fq', fastq(2))
    symlinkSync(path.join(ws.dir, 'a'), path.join(ws.dir, 'link'))
    const plan = await planUploads(settings({ patterns: ['**/*.fq'] }))
    expect(plan.problems).toEqual([
      {
        file: 'a/x.fq',
        message: expect.stringMatching(
          /2 matched files share the filename "x\.fq": a\/x\.fq, b\/x\.fq/
        )
      }
    ])
  })

  it('keeps numbered FASTA files (contig_1.fa, contig_2.fa) as two samples, without a warning', async () => {
    ws.write('asm/contig_1.fa', fasta())
    ws.write('asm/contig_2.fa', fasta(2))
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.samples.map(s => [s.file.filename, s.mate?.filename])).toEqual([
      ['contig_1.fa', undefined],
      ['contig_2.fa', undefined]
    ])
  })

  it('uploads a lone _1 file alone with a warning', async () => {
    ws.write('SRR1_1.fastq', fastq())
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([])
    expect(plan.samples).toHaveLength(1)
    expect(plan.warnings[0]).toMatchObject({ file: 'SRR1_1.fastq' })
  })

  it('makes every file its own sample when paired is false', async () => {
    ws.write('X_R1.fq', fastq())
    ws.write('X_R2.fq', fastq())
    const plan = await planUploads(settings({ paired: false }))
    expect(plan.samples.map(s => [s.file.filename, s.mate])).toEqual([
      ['X_R1.fq', undefined],
      ['X_R2.fq', undefined]
    ])
  })

  it('refuses interleaved: true together with a pair', async () => {
    ws.write('X_R1.fq', fastq())
    ws.write('X_R2.fq', fastq())
    const plan = await planUploads(settings({ interleaved: true }))
    expect(plan.problems).toEqual([
      {
        file: 'X_R1.fq',
        message: expect.stringMatching(/interleaved is true but this file is paired with X_R2\.fq/)
      }
    ])
    expect((await planUploads(settings({ interleaved: false }))).problems).toEqual([])
  })

  it.each([
    ['sampleId', 'sample-id'],
    ['externalSampleId', 'external-sample-id']
  ] as const)('allows %s only when the plan holds exactly one sample', async (key, input) => {
    ws.write('X_R1.fq', fastq())
    ws.write('X_R2.fq', fastq())
    expect((await planUploads(settings({ [key]: 'abc' }))).problems).toEqual([])

    ws.write('Y.fq', fastq())
    const plan = await planUploads(settings({ [key]: 'abc' }))
    expect(plan.problems).toEqual([
      {
        message: expect.stringMatching(
          new RegExp(`^Input ${input} is set, so exactly one sample .* the files make 2 samples`)
        )
      }
    ])
  })

  it('adds nothing when the files input held no pattern (already reported)', async () => {
    expect(await planUploads(settings({ patterns: [] }))).toEqual({
      samples: [],
      problems: [],
      warnings: []
    })
  })
})
