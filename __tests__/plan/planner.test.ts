import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import { parseOutputFile } from '../../sandbox/runner.js'
import { run } from '../../src/main.js'
import { planUploads } from '../../src/plan/planner.js'
import type { Settings } from '../../src/shared/types.js'
import { captureOutput, fasta, fastq, gz, setInputs, tempWorkspace } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

let ws: ReturnType<typeof tempWorkspace>
beforeEach(() => {
  ws = tempWorkspace()
})
afterEach(() => ws.remove())

const settings = (overrides: Partial<Settings> = {}): Settings =>
  testSettings({ workspace: ws.dir, ...overrides })

describe('planUploads', () => {
  it('turns valid files into sorted, immutable samples (pairs: R1 file, R2 mate)', async () => {
    ws.write('run/z_single.fasta', fasta())
    ws.write('run/S1_R2_001.fastq.gz', gz(fastq()))
    ws.write('run/S1_R1_001.fastq.gz', gz(fastq()))
    ws.write('run/S2_R1_001.fastq.gz', gz(fastq()))
    ws.write('run/S2_R2_001.fastq.gz', gz(fastq()))
    ws.write('a/reads.fq', fastq(2))

    const plan = await planUploads(settings())

    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(
      plan.samples.map(s => [s.file.filename, s.mate?.filename, s.file.format, s.file.compression])
    ).toEqual([
      ['reads.fq', undefined, 'FASTQ', 'none'],
      ['S1_R1_001.fastq.gz', 'S1_R2_001.fastq.gz', 'FASTQ', 'gzip'],
      ['S2_R1_001.fastq.gz', 'S2_R2_001.fastq.gz', 'FASTQ', 'gzip'],
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
    // A pair beside it: the run is paired-end, so the lone R1 is a mate left out.
    ws.write('in/pair_R1_001.fastq.gz', gz(fastq()))
    ws.write('in/pair_R2_001.fastq.gz', gz(fastq()))
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
    expect(plan).toEqual({ samples: [], problems: [], warnings: [], notices: [] })
  })

  it('refuses two files with the same basename, naming both paths and suggesting prefix-with-dir', async () => {
    ws.write('a/x.fq', fastq())
    ws.write('b/x.fq', fastq())
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([
      {
        file: 'a/x.fq',
        files: ['a/x.fq', 'b/x.fq'],
        message:
          '2 uploads would share the filename "x.fq": a/x.fq; b/x.fq. One Codex identifies uploads by filename, so each one in a run needs a distinct name: rename them or narrow files. ' +
          'For one directory per sample, set prefix-with-dir: true to upload each as <parent dir>_<file name>.'
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
        files: ['a/x.fq', 'b/x.fq'],
        message: expect.stringMatching(
          /^2 uploads would share the filename "x\.fq": a\/x\.fq; b\/x\.fq\./
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
      warnings: [],
      notices: []
    })
  })
})

const R = (lane: number, read: 1 | 2, stem = 'S1_S1'): string =>
  `${stem}_L00${lane}_R${read}_001.fastq.gz`

describe('planUploads: lanes', () => {
  it('merges 4 gzip lanes × R1/R2 into one paired sample whose sources are the lanes in order', async () => {
    const sizes: number[][] = [[], []]
    for (const read of [1, 2] as const) {
      for (let lane = 1; lane <= 4; lane++) {
        const bytes = gz(fastq(lane + read))
        sizes[read - 1].push(bytes.length)
        ws.write(`run/${R(lane, read)}`, bytes)
      }
    }
    const plan = await planUploads(settings({ patterns: ['run/*.fastq.gz'] }))
    expect(plan.problems).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.samples).toHaveLength(1)
    const [sample] = plan.samples
    for (const [source, read] of [
      [sample.file, 1],
      [sample.mate!, 2]
    ] as const) {
      expect(source).toEqual({
        path: `${ws.dir}/run/${R(1, read)}`,
        filename: `S1_S1_R${read}_001.fastq.gz`,
        size: sizes[read - 1].reduce((a, b) => a + b),
        segments: [1, 2, 3, 4].map((lane, i) => ({
          path: `${ws.dir}/run/${R(lane, read)}`,
          size: sizes[read - 1][i]
        })),
        format: 'FASTQ',
        compression: 'gzip'
      })
    }
    expect(sample.route).toBe('standard')

    const separate = await planUploads(
      settings({ patterns: ['run/*.fastq.gz'], lanes: 'separate' })
    )
    expect(separate.problems).toEqual([])
    expect(separate.samples.map(s => [s.file.filename, s.mate?.filename])).toEqual(
      [1, 2, 3, 4].map(lane => [R(lane, 1), R(lane, 2)])
    )
  })

  it('auto: lanes of 20 MiB each go multipart once merged (80 MiB), standard when kept apart', async () => {
    // Sparse gzip lanes: a gzip member of FASTQ records, then zeros (which gunzip ignores).
    for (let lane = 1; lane <= 4; lane++) {
      const file = ws.write(`run/${R(lane, 1)}`, gz(fastq(lane)))
      truncateSync(file, 20 * 1024 * 1024)
    }
    const merged = await planUploads(settings({ paired: false }))
    expect(merged.problems).toEqual([])
    expect(merged.samples.map(s => [s.file.filename, s.file.size, s.route])).toEqual([
      ['S1_S1_R1_001.fastq.gz', 80 * 1024 * 1024, 'multipart']
    ])
    const separate = await planUploads(settings({ paired: false, lanes: 'separate' }))
    expect(separate.problems).toEqual([])
    expect(separate.samples.map(s => s.route)).toEqual(Array(4).fill('standard'))
  })

  it('plans each lane on its own, with a warning, when a lane is missing', async () => {
    for (const lane of [1, 2, 4]) ws.write(`run/${R(lane, 1)}`, gz(fastq()))
    const plan = await planUploads(settings({ paired: false }))
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => s.file.filename)).toEqual([R(1, 1), R(2, 1), R(4, 1)])
    expect(plan.warnings).toEqual([
      {
        file: `run/${R(1, 1)}`,
        message: expect.stringMatching(/not merged into one sample because lane L003 is missing/)
      }
    ])
  })

  it('refuses a plain-text lane without a final newline, and lanes mixing gzip and plain text', async () => {
    ws.write('seam/x_L001.fq', fastq().trimEnd())
    ws.write('seam/x_L002.fq', fastq())
    ws.write('mix/y_L001.fq.gz', gz(fastq()))
    ws.write('mix/y_L002.fq', fastq())
    ws.write('ok/solo.fq', fastq())
    const plan = await planUploads(settings())
    expect(plan.samples).toEqual([])
    expect(plan.problems).toEqual([
      {
        file: 'mix/y_L001.fq.gz',
        files: ['mix/y_L001.fq.gz', 'mix/y_L002.fq'],
        message: expect.stringMatching(
          /^mix\/y_L001\.fq\.gz: the lanes of y\.fq\.gz mix gzip-compressed and uncompressed files/
        )
      },
      {
        file: 'seam/x_L001.fq',
        message: expect.stringMatching(
          /^seam\/x_L001\.fq: does not end with a newline, so merging it with the next lane \(x_L002\.fq\) into x\.fq/
        )
      }
    ])
    // The sample no problem names is reported as held back, and so is the lane that broke no
    // rule itself but belongs to a group that could not merge.
    expect(plan.heldBack?.map(s => s.file.filename)).toEqual(['solo.fq'])
    expect(plan.heldBackFiles).toEqual(['seam/x_L002.fq'])
  })

  it("reports the files' problems in path order, whatever order their checks finish in", async () => {
    // a.fq.gz is opened and read; the empty b.fq is refused without any I/O, so finishes first.
    ws.write('a.fq.gz', 'not gzip at all\n')
    ws.write('b.fq', '')
    const plan = await planUploads(settings())
    expect(plan.problems.map(p => p.file)).toEqual(['a.fq.gz', 'b.fq'])
  })

  it('holds back the files of a pair or lane group whose other file broke a rule', async () => {
    ws.write('p/S1_L001_R1.fq.gz', gz(fastq()))
    ws.write('p/S1_L002_R1.fq.gz', fastq()) // not gzip: refused
    ws.write('p/S1_L001_R2.fq.gz', gz(fastq()))
    ws.write('p/S1_L002_R2.fq.gz', gz(fastq()))
    ws.write('p/S2_R1.fq', fastq())
    ws.write('p/S2_R2.fq', 'not a read\n') // refused
    const plan = await planUploads(settings())
    expect(plan.problems.map(p => p.file)).toEqual(['p/S1_L002_R1.fq.gz', 'p/S2_R2.fq'])
    // Every other file of those samples is accounted for, once.
    expect(plan.heldBackFiles).toEqual([
      'p/S1_L001_R1.fq.gz',
      'p/S1_L001_R2.fq.gz',
      'p/S1_L002_R2.fq.gz',
      'p/S2_R1.fq'
    ])
    expect(plan.heldBack).toBeUndefined()
  })

  it('refuses two lane groups that merge into one name, naming all their files', async () => {
    for (const dir of ['a', 'b'])
      for (const lane of [1, 2]) ws.write(`${dir}/S1_L00${lane}.fq.gz`, gz(fastq()))
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([
      {
        file: 'a/S1_L001.fq.gz',
        // Every file of both groups broke the rule: each is refused, none "not attempted".
        files: ['a/S1_L001.fq.gz', 'a/S1_L002.fq.gz', 'b/S1_L001.fq.gz', 'b/S1_L002.fq.gz'],
        message: expect.stringMatching(
          /^2 uploads would share the filename "S1\.fq\.gz": a\/S1_L001\.fq\.gz \+ a\/S1_L002\.fq\.gz; b\/S1_L001\.fq\.gz \+ b\/S1_L002\.fq\.gz\. .*prefix-with-dir: true/
        )
      }
    ])
    expect(plan.heldBack).toBeUndefined()
  })

  it('refuses a merged name that clashes with a file of that name', async () => {
    ws.write('r/S1_L001_R1.fq', fastq())
    ws.write('r/S1_L002_R1.fq', fastq())
    ws.write('r/S1_R1.fq', fastq())
    const plan = await planUploads(settings({ paired: false }))
    expect(plan.problems).toEqual([
      {
        file: 'r/S1_L001_R1.fq',
        files: ['r/S1_L001_R1.fq', 'r/S1_L002_R1.fq', 'r/S1_R1.fq'],
        message: expect.stringMatching(
          /^2 uploads would share the filename "S1_R1\.fq": r\/S1_L001_R1\.fq \+ r\/S1_L002_R1\.fq; r\/S1_R1\.fq\. /
        )
      }
    ])
    expect(plan.heldBack).toBeUndefined()
    expect(plan.problems[0].message).not.toMatch(/prefix-with-dir/)
  })
})

describe('planUploads: layouts', () => {
  it('names uploads <parent dir>_<file name> with prefix-with-dir (one directory per sample)', async () => {
    for (const dir of ['sA', 'sB']) {
      ws.write(`${dir}/trimmed_R1.fastq.gz`, gz(fastq()))
      ws.write(`${dir}/trimmed_R2.fastq.gz`, gz(fastq()))
    }
    const clash = await planUploads(settings())
    expect(clash.problems).toHaveLength(2)
    expect(clash.problems[0].message).toMatch(/set prefix-with-dir: true/)

    const plan = await planUploads(settings({ prefixWithDir: true }))
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => [s.file.filename, s.mate?.filename, s.file.path])).toEqual([
      ['sA_trimmed_R1.fastq.gz', 'sA_trimmed_R2.fastq.gz', `${ws.dir}/sA/trimmed_R1.fastq.gz`],
      ['sB_trimmed_R1.fastq.gz', 'sB_trimmed_R2.fastq.gz', `${ws.dir}/sB/trimmed_R1.fastq.gz`]
    ])
  })

  it('checks the prefixed name against the filename pattern', async () => {
    ws.write('Probe+7/x.fq', fastq())
    const plan = await planUploads(settings({ prefixWithDir: true }))
    expect(plan.problems).toEqual([
      {
        file: 'Probe+7/x.fq',
        message: expect.stringMatching(
          /^Probe\+7\/x\.fq: with prefix-with-dir: true it is uploaded as "Probe\+7_x\.fq" .*contains characters that are not allowed: "\+".* Rename the directory Probe\+7, or turn prefix-with-dir off\.$/
        )
      }
    ])
  })

  it('skips non-sequence files a wildcard or directory matched, with one notice listing their kinds', async () => {
    ws.write('reads/S1.fastq.gz', gz(fastq()))
    ws.write('reads/S1.fastq.gz.md5', 'x')
    ws.write('reads/S2.fq', fastq())
    ws.write('reads/S2.fq.md5', 'x')
    ws.write('reads/stats.json', '{}')
    ws.write('reads/SampleSheet.csv', 'a')
    ws.write('reads/README', 'a')
    for (const patterns of [['reads'], ['reads/**'], ['reads/*']]) {
      const plan = await planUploads(settings({ patterns }))
      expect(plan.problems).toEqual([])
      expect(plan.samples.map(s => s.file.filename)).toEqual(['S1.fastq.gz', 'S2.fq'])
      expect(plan.notices).toEqual([
        {
          message:
            '5 files skipped: .md5 (2), .csv, .json, no extension. They are not FASTA/FASTQ and were matched only through a wildcard or a directory in files; a file named there explicitly is checked like any other.'
        }
      ])
    }
  })

  it('still refuses a file with a bad ending that is named explicitly, or named like a sequence file', async () => {
    ws.write('reads/S1.fq', fastq())
    ws.write('reads/notes.txt', 'x')
    ws.write('reads/S2.fq.bz2', 'BZh91AY&SY')
    const plan = await planUploads(settings({ patterns: ['reads/*', 'reads/notes.txt'] }))
    expect(plan.notices).toEqual([])
    expect(plan.problems.map(p => [p.file, p.message.replace(/:.*/, '')])).toEqual([
      ['reads/S2.fq.bz2', 'reads/S2.fq.bz2'],
      ['reads/notes.txt', 'reads/notes.txt']
    ])
    expect(plan.problems[1].message).toMatch(/does not end in an accepted extension/)
  })

  it('says when everything matched was skipped', async () => {
    ws.write('reads/x.md5', 'x')
    const plan = await planUploads(settings({ patterns: ['reads/*'] }))
    expect(plan.notices).toHaveLength(1)
    expect(plan.problems).toEqual([
      {
        message: expect.stringMatching(
          /^No FASTA\/FASTQ files matched the files patterns \(tried: "reads\/\*", relative to .*; 1 other file was skipped\)\./
        )
      }
    ])
  })

  it("pairs Trim Galore's _R1_val_1 / _R2_val_2 output", async () => {
    ws.write('trim/X_R1_val_1.fq.gz', gz(fastq()))
    ws.write('trim/X_R2_val_2.fq.gz', gz(fastq()))
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => [s.file.filename, s.mate?.filename])).toEqual([
      ['X_R1_val_1.fq.gz', 'X_R2_val_2.fq.gz']
    ])
  })

  it('refuses a dangling symlink a pattern matched, naming it and its target', async () => {
    ws.write('run/ok.fq', fastq())
    symlinkSync(path.join(ws.dir, 'staging', 'S2.fq.gz'), path.join(ws.dir, 'run', 'S2.fq.gz'))
    symlinkSync(path.join(ws.dir, 'staging', 'lock'), path.join(ws.dir, 'run', '.lock'))
    const plan = await planUploads(settings({ patterns: ['run/*'] }))
    expect(plan.samples).toEqual([])
    expect(plan.problems).toEqual([
      {
        file: 'run/S2.fq.gz',
        message: `run/S2.fq.gz: is a symbolic link to ${path.join(ws.dir, 'staging', 'S2.fq.gz')}, which does not exist (a sample that was never staged?). Stage the file it points to, or exclude the link with a !pattern in files.`
      }
    ])
  })

  it('accepts upper-case endings', async () => {
    ws.write('UPPER.FASTQ.GZ', gz(fastq()))
    const plan = await planUploads(settings())
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => [s.file.filename, s.file.compression])).toEqual([
      ['UPPER.FASTQ.GZ', 'gzip']
    ])
  })

  it('resolves ../ patterns against the workspace', async () => {
    ws.write('reads/a.fq.gz', gz(fastq()))
    ws.write('checkout/.keep', '')
    const plan = await planUploads(
      settings({ patterns: ['../reads/*.fq.gz'], workspace: path.join(ws.dir, 'checkout') })
    )
    expect(plan.problems).toEqual([])
    expect(plan.samples.map(s => s.file.path)).toEqual([`${ws.dir}/reads/a.fq.gz`])
  })

  it('hints at escaping brackets: in the no-files error, or as a warning when other patterns matched', async () => {
    ws.write('run [2]/x.fq', fastq())
    ws.write('other/y.fq', fastq())
    const none = await planUploads(settings({ patterns: ['run [2]/*.fq'] }))
    expect(none.problems[0].message).toMatch(
      /^No files matched .* "\[\.\.\.\]" is a character class .* "run \[\[\]2\]\/\*\.fq", which matches 1 file\.$/
    )
    const some = await planUploads(settings({ patterns: ['run [2]/*.fq', 'other/*.fq'] }))
    expect(some.problems).toEqual([])
    expect(some.warnings).toEqual([
      { message: expect.stringMatching(/^Pattern "run \[2\]\/\*\.fq" matched nothing: /) }
    ])
  })
})

describe('planUploads: sample sheet and per-sample metadata', () => {
  it('gives each sample its sheet row: metadata over the run-wide input, tags added, project replaced', async () => {
    for (const lane of [1, 2])
      for (const read of [1, 2] as const) ws.write(`run/${R(lane, read)}`, gz(fastq()))
    ws.write('run/other.fa', fasta())
    ws.write(
      'sheet.csv',
      'filename,name,platform,tags,project,site\n' +
        'S1_S1_R1_001.fastq.gz,Soil 1,Illumina MiSeq,deep;wet,proj1,north\n'
    )
    const plan = await planUploads(
      settings({
        patterns: ['run/*'],
        sampleSheet: 'sheet.csv',
        metadata: { platform: 'Illumina', sample_type: 'Metagenomic', custom: { run: 7 } },
        tags: ['nightly'],
        project: 'proj0'
      })
    )
    expect(plan.problems).toEqual([])
    const [merged, other] = plan.samples
    expect(merged.file.filename).toBe('S1_S1_R1_001.fastq.gz')
    expect(merged.init).toEqual({
      metadata: { name: 'Soil 1', platform: 'Illumina MiSeq', custom: { site: 'north' } },
      tags: ['deep', 'wet'],
      project: 'proj1'
    })
    expect(other.init).toBeUndefined()
  })

  it('refuses a sheet row that matches no planned sample, and bad cells, before anything else', async () => {
    ws.write('x_R1.fq', fastq())
    ws.write('x_R2.fq', fastq())
    ws.write('s.tsv', 'filename\tplatform\nx_R2.fq\tIllumina\ny.fq\tminion\n')
    const plan = await planUploads(settings({ patterns: ['*.fq'], sampleSheet: 's.tsv' }))
    expect(plan.samples).toEqual([])
    expect(plan.problems.map(p => p.message)).toEqual([
      expect.stringMatching(
        /^Input sample-sheet: s\.tsv row 3, column platform is the string "minion": it must be one of/
      ),
      expect.stringMatching(
        /^Input sample-sheet: s\.tsv row 2, column filename is "x_R2\.fq", which matches no planned sample: did you mean "x_R1\.fq"\?/
      ),
      expect.stringMatching(
        /^Input sample-sheet: s\.tsv row 3, column filename is "y\.fq", which matches no planned sample: planned samples: "x_R1\.fq"\.$/
      )
    ])
    expect(plan.problems.every(p => p.file === 's.tsv')).toBe(true)
  })

  it('refuses a missing sheet, naming it', async () => {
    ws.write('x.fq', fastq())
    const plan = await planUploads(settings({ sampleSheet: 'sheets/none.csv' }))
    expect(plan.problems).toEqual([
      {
        file: 'sheets/none.csv',
        message: expect.stringMatching(
          /^Input sample-sheet: cannot read sheets\/none\.csv: .*ENOENT/
        )
      }
    ])
  })

  it('names a sheet that is no file by the path relative to the workspace, even the workspace itself or one outside it', async () => {
    ws.write('x.fq', fastq())
    ws.write('sheets/keep.txt', 'x')
    const message = async (sampleSheet: string): Promise<string[]> =>
      (await planUploads(settings({ sampleSheet }))).problems.map(p => p.message)
    expect(await message('sheets')).toEqual(['Input sample-sheet: sheets is not a file.'])
    expect(await message('.')).toEqual(['Input sample-sheet: . is not a file.'])
    expect(await message('..')).toEqual(['Input sample-sheet: .. is not a file.'])
    for (const text of [...(await message('.')), ...(await message('..'))])
      expect(text).not.toContain(ws.dir)
  })

  it.each(['name', 'external_sample_id'])(
    'refuses metadata.%s copied to several samples, pointing at sample-sheet',
    async field => {
      ws.write('a.fq', fastq())
      ws.write('b.fq', fastq())
      ws.write('c.fq', fastq())
      const metadata = { [field]: 'S1' }
      const plan = await planUploads(settings({ metadata }))
      expect(plan.problems).toEqual([
        {
          message: `Input metadata sets ${field} "S1" for every sample, so 3 samples would share it (a.fq, b.fq, c.fq). A ${field === 'name' ? 'name' : 'external sample ID'} belongs to one sample: give each sample its own in a sample sheet (input sample-sheet: a CSV or TSV file with a filename column and a ${field} column), or drop ${field} from metadata.`
        }
      ])
      // One sample may carry it; so may every sample whose sheet row sets its own.
      ws.write('sheet.csv', `filename,${field}\na.fq,A\nb.fq,B\n`)
      expect(
        (await planUploads(settings({ metadata, sampleSheet: 'sheet.csv' }))).problems
      ).toEqual([])
      expect((await planUploads(settings({ metadata, patterns: ['a.fq'] }))).problems).toEqual([])
    }
  )
})

describe('run: every planning refusal makes zero requests', () => {
  const API_KEY = 'sk_plan_0a1b2c3d'
  const savedEnv = { ...process.env }
  let sandbox: Sandbox
  let step: ReturnType<typeof tempWorkspace>
  beforeEach(async () => {
    sandbox = await startSandbox({ apiKey: API_KEY })
    step = tempWorkspace('ocu-plan-step-')
  })
  afterEach(async () => {
    await sandbox.close()
    process.env = { ...savedEnv }
    process.exitCode = undefined
    step.remove()
  })

  async function runAction(inputs: Record<string, string>) {
    const outputFile = path.join(step.dir, 'output')
    writeFileSync(outputFile, '')
    setInputs({ 'api-key': API_KEY, 'api-url': sandbox.apiUrl, ...inputs })
    Object.assign(process.env, {
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: ws.dir,
      RUNNER_TEMP: step.dir
    })
    delete process.env.GITHUB_STEP_SUMMARY
    process.exitCode = undefined
    const { stdout } = await captureOutput(() => run())
    return {
      stdout,
      exitCode: process.exitCode,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8'))
    }
  }

  it.each<[string, () => void, Record<string, string>, RegExp]>([
    [
      'a plain-text lane without a final newline',
      () => {
        ws.write('in/x_L001.fq', fastq().trimEnd())
        ws.write('in/x_L002.fq', fastq())
      },
      { files: 'in/*' },
      /::error file=in\/x_L001\.fq::in\/x_L001\.fq: does not end with a newline/
    ],
    [
      'lanes mixing gzip and plain text',
      () => {
        ws.write('in/y_L001.fq.gz', gz(fastq()))
        ws.write('in/y_L002.fq', fastq())
      },
      { files: 'in/*' },
      /mix gzip-compressed and uncompressed files/
    ],
    [
      'two lane groups with one merged name',
      () => {
        for (const dir of ['a', 'b'])
          for (const lane of [1, 2]) ws.write(`in/${dir}/S_L00${lane}.fq`, fastq())
      },
      { files: 'in/**' },
      /2 uploads would share the filename "S\.fq": in\/a\/S_L001\.fq \+ in\/a\/S_L002\.fq; in\/b\/S_L001\.fq \+ in\/b\/S_L002\.fq/
    ],
    [
      'a name clash in one-directory-per-sample layout',
      () => {
        ws.write('in/sA/trimmed.fq', fastq())
        ws.write('in/sB/trimmed.fq', fastq())
      },
      { files: 'in' },
      /share the filename "trimmed\.fq".*set prefix-with-dir: true/
    ],
    [
      'a bad cell in the sample sheet',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('sheet.csv', 'filename,library_type\na.fq,16s\n')
      },
      { files: 'in/*', 'sample-sheet': 'sheet.csv' },
      /::error file=sheet\.csv::Input sample-sheet: sheet\.csv row 2, column library_type is the string "16s"/
    ],
    [
      'a sample-sheet row that matches no planned sample',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('sheet.csv', 'filename,name\nA.fq,x\n')
      },
      { files: 'in/*', 'sample-sheet': 'sheet.csv' },
      /row 2, column filename is "A\.fq", which matches no planned sample: did you mean "a\.fq"\?/
    ],
    [
      'metadata.name with two samples and no sheet',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('in/b.fq', fastq())
      },
      { files: 'in/*', metadata: '{"name": "S1"}' },
      /Input metadata sets name "S1" for every sample, so 2 samples would share it .*input sample-sheet/
    ],
    [
      'a dangling symlink',
      () => {
        ws.write('in/a.fq', fastq())
        symlinkSync(path.join(ws.dir, 'nowhere.fq'), path.join(ws.dir, 'in', 'b.fq'))
      },
      { files: 'in/*' },
      /::error file=in\/b\.fq::in\/b\.fq: is a symbolic link to .*nowhere\.fq, which does not exist/
    ],
    [
      'an explicitly named file with a bad ending',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('in/notes.txt', 'x')
      },
      { files: 'in/*\nin/notes.txt' },
      /::error file=in\/notes\.txt::in\/notes\.txt: "notes\.txt" does not end in an accepted extension/
    ],
    [
      'a prefixed name that breaks the filename rule',
      () => ws.write('in/Probe+7/x.fq', fastq()),
      { files: 'in', 'prefix-with-dir': 'true' },
      /uploaded as "Probe\+7_x\.fq"/
    ],
    [
      'lanes mixing FASTA and FASTQ',
      () => {
        ws.write('in/k_L001.fa', fasta())
        ws.write('in/k_L002.fq', fastq())
      },
      { files: 'in/*' },
      /the lanes of k\.fa mix FASTA and FASTQ files/
    ],
    [
      'a merged name that a single file already has',
      () => {
        ws.write('in/S_L001.fq', fastq())
        ws.write('in/S_L002.fq', fastq())
        ws.write('in/S.fq', fastq())
      },
      { files: 'in/*' },
      /2 uploads would share the filename "S\.fq": in\/S\.fq; in\/S_L001\.fq \+ in\/S_L002\.fq\./
    ],
    [
      'a sample sheet without a filename column',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('sheet.tsv', 'sample\tplatform\na.fq\tIllumina\n')
      },
      { files: 'in/*', 'sample-sheet': 'sheet.tsv' },
      /::error file=sheet\.tsv::Input sample-sheet: sheet\.tsv has no filename column/
    ],
    [
      'two sample-sheet rows for one sample',
      () => {
        ws.write('in/a.fq', fastq())
        ws.write('sheet.csv', 'filename,name\na.fq,x\na.fq,y\n')
      },
      { files: 'in/*', 'sample-sheet': 'sheet.csv' },
      /row 3, column filename: "a\.fq" already has row 2/
    ],
    [
      'a sample sheet that does not exist',
      () => ws.write('in/a.fq', fastq()),
      { files: 'in/*', 'sample-sheet': 'sheets/missing.csv' },
      /Input sample-sheet: cannot read sheets\/missing\.csv/
    ],
    [
      'a lone Trim Galore mate',
      () => ws.write('in/X_R1_val_1.fq.gz', gz(fastq())),
      { files: 'in/*' },
      /its mate X_R2_val_2\.fq\.gz is not among the matched files/
    ]
  ])('%s', async (_label, arrange, inputs, error) => {
    arrange()
    const { stdout, exitCode, outputs } = await runAction(inputs)
    expect(sandbox.requests).toEqual([])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(error)
    expect(stdout).toMatch(/^::error::\d+ problems? found before upload; nothing was sent\.$/m)
    expect(JSON.parse(outputs['sample-ids'])).toEqual([])
  })

  it('a dry run of merged lanes with a sheet also makes zero requests, and writes the plan output', async () => {
    for (const lane of [1, 2])
      for (const read of [1, 2] as const) ws.write(`in/${R(lane, read)}`, gz(fastq(lane)))
    ws.write('in/run.md5', 'x')
    ws.write('sheet.csv', 'filename,name\nS1_S1_R1_001.fastq.gz,Soil\n')
    const { stdout, exitCode, outputs } = await runAction({
      files: 'in',
      'sample-sheet': 'sheet.csv',
      'dry-run': 'true'
    })
    expect(sandbox.requests).toEqual([])
    expect(exitCode).toBeUndefined()
    expect(stdout).toContain('::notice::1 file skipped: .md5.')
    const [planned] = JSON.parse(outputs.plan) as {
      name: string
      sources: { segments: { path: string }[] }[]
      init: { body: { metadata: unknown } }
    }[]
    expect(planned.name).toBe('S1_S1_R1_001.fastq.gz')
    expect(planned.sources.map(s => s.segments.map(g => g.path))).toEqual([
      [`in/${R(1, 1)}`, `in/${R(2, 1)}`],
      [`in/${R(1, 2)}`, `in/${R(2, 2)}`]
    ])
    expect(planned.init.body.metadata).toEqual({ name: 'Soil' })
  })
})
