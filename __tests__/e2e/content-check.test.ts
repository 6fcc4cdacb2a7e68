/**
 * End to end, `validate: full`: the bundled action (or the build ONECODEX_ACTION_ENTRY names)
 * against the sandbox and radosgw, on files the tests generate. A file that fails the check is
 * sent but never confirmed (no confirm_upload, no multipart callback), its sample cancelled,
 * the other samples uploaded; the user reads the file, where and the rule in `failed` and in an
 * annotation. Valid files of each kind pass with exact counts in `samples`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { type Sandbox } from '../../sandbox/emulator.js'
import { type ActionRun } from '../../sandbox/runner.js'
import type { FailedSample, UploadedSample } from '../../src/shared/types.js'
import {
  bundleWorkspace,
  runAgainst,
  storageLabel,
  withFreshSandbox,
  writeUnder
} from '../helpers/e2e.js'
import { fastaRecords, fastqRecords, gzip } from '../verify/content-files.js'

const API_KEY = 'e2e-content-check-key-0123'
const MiB = 1024 * 1024
const PART = 5 * MiB
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

let workspace: string
const bytesOf = new Map<string, Buffer>()
async function write(relative: string, content: string | Buffer): Promise<Buffer> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content
  await writeUnder(workspace, relative, bytes)
  bytesOf.set(relative, bytes)
  return bytes
}

/** A FASTQ of `count` records whose record `bad` has one quality character too few. */
function shortQuality(count: number, bad: number, length = 150): string {
  const before = fastqRecords(bad - 1, length, 3)
  const record = fastqRecords(1, length, 4, bad).replace(
    /\n([^\n]+)\n$/,
    (_, q: string) => `\n${q.slice(1)}\n`
  )
  return before + record + fastqRecords(count - bad, length, 5, bad + 1)
}

/** Gzip data with bytes flipped in the middle of its stream. */
function damaged(packed: Buffer): Buffer {
  const copy = Buffer.from(packed)
  for (let i = 0; i < 200; i++) copy[Math.floor(packed.length / 2) + i * 7] ^= 0xa5
  return copy
}

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-content-')
  const packed = gzip(fastqRecords(20_000, 150, 9), 1) // ~6.5 MB of text
  // Standard route, one sample each (paired: false).
  await write('bad/trunc.fastq.gz', packed.subarray(0, Math.floor(packed.length / 2)))
  await write('bad/damaged.fastq.gz', damaged(packed))
  await write('bad/deep.fastq', shortQuality(64_000, 60_001)) // ~21 MB
  const records = fastqRecords(1000, 150, 6)
  await write('bad/cut.fastq', records.slice(0, records.length - 200))
  const head = fastaRecords(20_000, 300, 7) // ~6.5 MB
  await write(
    'bad/junk.fasta',
    Buffer.concat([Buffer.from(`${head}>last\nACGT`), Buffer.from([0x00, 0x9c, 0xff, 0x0a])])
  )
  await write('good/ok.fastq', fastqRecords(500, 100, 1))
  // Pairs and lanes (paired: true).
  await write('pairs/S3_R1_001.fastq.gz', gzip(fastqRecords(1000, 150, 11)))
  await write('pairs/S3_R2_001.fastq.gz', gzip(fastqRecords(998, 150, 12)))
  for (const lane of [1, 2, 3]) {
    const lanePacked = gzip(fastqRecords(3000, 100, 20 + lane))
    await write(
      `lanes/S4_L00${lane}_R1_001.fastq.gz`,
      lane === 2 ? lanePacked.subarray(0, lanePacked.length - 1000) : lanePacked
    )
  }
  // Valid files of each kind.
  await write('valid/plain.fastq', fastqRecords(300, 151, 31))
  await write('valid/packed.fastq.gz', gzip(fastqRecords(400, 100, 32)))
  await write(
    'valid/members.fq.gz',
    Buffer.concat([gzip(fastqRecords(10, 100, 33)), gzip(fastqRecords(20, 50, 34)), gzip('')])
  )
  await write('valid/crlf.fastq', fastqRecords(100, 20, 35).replace(/\n/g, '\r\n'))
  await write('valid/genome.fasta', '>chr1 first\nACGTNNNNacgtnnnn\nacgt\n>chr2\nNNNNNNNNNN\n')
  await write(
    'valid/zeros.fastq.gz',
    Buffer.concat([gzip(fastqRecords(200, 100, 36)), Buffer.alloc(4096)])
  )
  // Multipart route: several 5 MiB parts.
  const big = gzip(fastqRecords(60_000, 150, 41), 1) // ~7 MB of gzip, 2 parts
  await write('mp-trunc/big.fastq.gz', big.subarray(0, big.length - 5000))
  await write('mp-deep/deep.fastq', shortQuality(50_000, 45_001)) // ~16 MB, 4 parts
  await write('mp-pair/M_R1_001.fastq', fastqRecords(35_000, 150, 42)) // ~11 MB
  await write('mp-pair/M_R2_001.fastq', fastqRecords(34_999, 150, 43))
  for (const lane of [1, 2]) {
    const text = fastqRecords(20_000, 150, 50 + lane) // ~6.5 MB each
    await write(
      `mp-lanes/L_S1_L00${lane}_R1_001.fastq`,
      lane === 2 ? text.slice(0, text.length - 77) : text
    )
  }
  await write('mp-good/fine.fastq', fastqRecords(40_000, 150, 44)) // ~13 MB, 3 parts
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

const withSandbox = (fn: (sandbox: Sandbox) => Promise<void>): Promise<void> =>
  withFreshSandbox(API_KEY, fn)

function run(
  sandbox: Sandbox,
  inputs: Record<string, string>,
  multipart = false
): Promise<ActionRun> {
  return runAgainst(
    sandbox,
    workspace,
    API_KEY,
    { 'max-attempts': '3', ...(multipart ? { 'upload-method': 'multipart' } : {}), ...inputs },
    multipart
      ? { ONECODEX_UPLOAD_PART_BYTES: String(PART), AWS_ENDPOINT_URL_S3: sandbox.storageUrl }
      : {}
  )
}

const samplesOf = (result: ActionRun): UploadedSample[] =>
  JSON.parse(result.outputs.samples ?? '[]') as UploadedSample[]
const failedOf = (result: ActionRun): FailedSample[] =>
  JSON.parse(result.outputs.failed ?? '[]') as FailedSample[]
const count = (sandbox: Sandbox, route: string): number =>
  sandbox.requests.filter(r => r.route === route).length

/**
 * The one sample failed the check: never completed (no confirm_upload, no callback), cancelled
 * on One Codex, no multipart upload left open; its `failed` entry names the file, where and the
 * rule, and so does an error annotation.
 */
async function expectRejected(
  sandbox: Sandbox,
  result: ActionRun,
  error: RegExp,
  rule: RegExp
): Promise<FailedSample> {
  expect(result.exitCode).toBe(1)
  expect(samplesOf(result)).toEqual([])
  const [failed] = failedOf(result)
  expect(failed).toMatchObject({ status: 'failed', sample_cancelled: true })
  expect(failed.error).toMatch(error)
  expect(failed.error).toMatch(/Sample [0-9a-f]{16} was cancelled on One Codex \(cancel_upload\)/)
  expect(failed.rule).toMatch(rule)
  expect(count(sandbox, 'confirm_upload')).toBe(0)
  expect(count(sandbox, 'callback')).toBe(0)
  expect(count(sandbox, 'cancel_upload')).toBeGreaterThanOrEqual(1)
  expect(sandbox.samples().map(s => s.state)).toEqual(['cancelled'])
  expect(await sandbox.pendingUploads()).toEqual([])
  const annotations = result.stdout
    .split('\n')
    .filter(line => line.startsWith('::error title=Upload failed'))
  expect(annotations).toHaveLength(1)
  expect(annotations[0]).toContain(`::${failed.error}`)
  return failed
}

describe(`validate full, standard route (${storageLabel})`, () => {
  it('a truncated gzip is sent but never confirmed: its sample is cancelled, the step fails', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'bad/trunc.fastq.gz', paired: 'false' })
      await expectRejected(
        sandbox,
        result,
        /^bad\/trunc\.fastq\.gz: the gzip stream ends inside a member after [\d.]+ MB of output: the file is truncated\./,
        /^the gzip stream ends inside a member after [\d.]+ MB of output: the file is truncated\.$/
      )
      expect(count(sandbox, 'storage')).toBe(1) // sent once, not retried
    })
  })

  it('damaged bytes in the middle of a gzip stream', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'bad/damaged.fastq.gz', paired: 'false' })
      await expectRejected(
        sandbox,
        result,
        /^bad\/damaged\.fastq\.gz: .*compressed bytes [\d,]+–[\d,]+.*: the file is corrupt\./,
        /the file is corrupt\.$/
      )
    })
  })

  it('a short quality line deep inside a 21 MB plain FASTQ; the other sample is confirmed', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {
        files: 'bad/deep.fastq\ngood/ok.fastq',
        paired: 'false',
        concurrency: '1'
      })
      expect(result.exitCode).toBe(1)
      expect(samplesOf(result)).toEqual([
        expect.objectContaining({ filename: 'ok.fastq', reads: 500, bases: 50_000 })
      ])
      const [failed] = failedOf(result)
      expect(failed).toMatchObject({
        path: 'bad/deep.fastq',
        status: 'failed',
        sample_cancelled: true,
        rule: 'line 240,004 (record 60,001): 149 quality characters for 150 bases.'
      })
      expect(failed.error).toMatch(
        /^bad\/deep\.fastq: line 240,004 \(record 60,001\): 149 quality characters for 150 bases\. Sample/
      )
      expect(count(sandbox, 'confirm_upload')).toBe(1)
      expect(sandbox.samples().map(s => [s.filename, s.state])).toEqual([
        ['deep.fastq', 'cancelled'],
        ['ok.fastq', 'complete']
      ])
      expect(result.stdout).toContain(
        '::error title=Upload failed,file=bad/deep.fastq::bad/deep.fastq: line 240,004 (record 60,001): 149 quality characters for 150 bases.'
      )
      expect(result.summary).toContain('500')
    })
  })

  it('a FASTQ cut in the middle of its last record', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'bad/cut.fastq', paired: 'false' })
      await expectRejected(
        sandbox,
        result,
        /^bad\/cut\.fastq: the text ends inside record 1,000 \(line 3,998, its sequence line\): the file is truncated\./,
        /^the text ends inside record 1,000/
      )
    })
  })

  it('binary junk deep inside a FASTA', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'bad/junk.fasta', paired: 'false' })
      await expectRejected(
        sandbox,
        result,
        /^bad\/junk\.fasta: line [\d,]+, column 5 \(record 20,001\): byte 0x00 is not a sequence letter/,
        /^line [\d,]+, column 5 \(record 20,001\): byte 0x00 is not a sequence letter/
      )
    })
  })

  it('R1 and R2 with different read counts: the pair is never confirmed', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'pairs/*.fastq.gz' })
      const failed = await expectRejected(
        sandbox,
        result,
        /^pairs\/S3_R1_001\.fastq\.gz has 1,000 reads but its mate pairs\/S3_R2_001\.fastq\.gz has 998\./,
        /^has 1,000 reads but its mate pairs\/S3_R2_001\.fastq\.gz has 998\.$/
      )
      expect(failed.paired_end_path).toBe('pairs/S3_R2_001.fastq.gz')
      expect(count(sandbox, 'storage')).toBe(2) // both sent, neither confirmed
    })
  })

  it('a truncated lane inside a merged group names the lane file', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'lanes/*.fastq.gz' })
      const failed = await expectRejected(
        sandbox,
        result,
        /^lanes\/S4_L002_R1_001\.fastq\.gz: the gzip stream ends inside a member after .*: the file is truncated\./,
        /^the gzip stream ends inside a member/
      )
      expect(failed.paths).toEqual([1, 2, 3].map(l => `lanes/S4_L00${l}_R1_001.fastq.gz`))
    })
  })

  it('valid files of each kind pass with exact counts; trailing zeros after gzip are a warning', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'valid/*', paired: 'false' })
      expect(result.exitCode).toBe(0)
      const counts = Object.fromEntries(
        samplesOf(result).map(s => [s.filename, [s.reads, s.bases, s.sha256]])
      )
      const hash = (name: string): string => sha256(bytesOf.get(`valid/${name}`)!)
      expect(counts).toEqual({
        'plain.fastq': [300, 45_300, hash('plain.fastq')],
        'packed.fastq.gz': [400, 40_000, hash('packed.fastq.gz')],
        'members.fq.gz': [30, 2000, hash('members.fq.gz')],
        'crlf.fastq': [100, 2000, hash('crlf.fastq')],
        'genome.fasta': [2, 30, hash('genome.fasta')],
        'zeros.fastq.gz': [200, 20_000, hash('zeros.fastq.gz')]
      })
      expect(count(sandbox, 'confirm_upload')).toBe(6)
      expect(result.stdout).toMatch(
        /^::warning::valid\/zeros\.fastq\.gz: 4,096 zero bytes follow the last gzip member \(from byte [\d,]+\); they are ignored\.$/m
      )
      expect(result.summary).toContain('<th>Reads</th>')
    })
  })

  it('validate head still confirms a truncated gzip (the documented trade-off), without counts', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {
        files: 'bad/trunc.fastq.gz',
        paired: 'false',
        validate: 'head'
      })
      expect(result.exitCode).toBe(0)
      const [sample] = samplesOf(result)
      expect(sample.sha256).toBe(sha256(bytesOf.get('bad/trunc.fastq.gz')!))
      expect(sample.reads).toBeUndefined()
      expect(sample.bases).toBeUndefined()
      expect(count(sandbox, 'confirm_upload')).toBe(1)
    })
  })
})

describe(`validate full, multipart route (${storageLabel})`, () => {
  it('a truncated gzip: CompleteMultipartUpload may happen, the callback never does', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'mp-trunc/*.fastq.gz', paired: 'false' }, true)
      await expectRejected(
        sandbox,
        result,
        /^mp-trunc\/big\.fastq\.gz: the gzip stream ends inside a member after [\d.]+ MB of output: the file is truncated\./,
        /^the gzip stream ends inside a member/
      )
      expect(count(sandbox, 'init_multipart_upload')).toBe(1)
    })
  })

  it('a short quality line deep inside a plain FASTQ sent in parts', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'mp-deep/*.fastq', paired: 'false' }, true)
      await expectRejected(
        sandbox,
        result,
        /^mp-deep\/deep\.fastq: line 180,004 \(record 45,001\): 149 quality characters for 150 bases\./,
        /^line 180,004 \(record 45,001\): 149 quality characters for 150 bases\.$/
      )
    })
  })

  it('R1 and R2 with different read counts', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'mp-pair/*.fastq' }, true)
      await expectRejected(
        sandbox,
        result,
        /^mp-pair\/M_R1_001\.fastq has 35,000 reads but its mate mp-pair\/M_R2_001\.fastq has 34,999\./,
        /^has 35,000 reads but its mate/
      )
    })
  })

  it('a lane cut mid-record inside a merged group names the lane file and its line', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'mp-lanes/*.fastq', paired: 'false' }, true)
      await expectRejected(
        sandbox,
        result,
        /^mp-lanes\/L_S1_L002_R1_001\.fastq: the text ends inside record 20,000 \(line 80,000, its quality line, 74 of 150 quality characters\): the file is truncated\./,
        /^the text ends inside record 20,000/
      )
    })
  })

  it('a valid file passes with exact counts and one callback', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'mp-good/*.fastq', paired: 'false' }, true)
      expect(result.exitCode).toBe(0)
      expect(samplesOf(result)).toEqual([
        expect.objectContaining({
          filename: 'fine.fastq',
          route: 'multipart',
          reads: 40_000,
          bases: 6_000_000,
          sha256: sha256(bytesOf.get('mp-good/fine.fastq')!)
        })
      ])
      expect(count(sandbox, 'callback')).toBe(1)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })
})

describe('validate full, dry run: every file checked, nothing sent', () => {
  it('reports every failing lane and file with its rule, and fails', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {
        files: 'lanes/*.fastq.gz\nbad/cut.fastq\nvalid/plain.fastq',
        paired: 'false',
        'dry-run': 'true'
      })
      expect(result.exitCode).toBe(1)
      expect(sandbox.requests.filter(r => r.route !== 'other')).toEqual([])
      const failed = failedOf(result)
      expect(failed.map(f => [f.path, f.status, f.rule])).toEqual([
        [
          'bad/cut.fastq',
          'refused',
          'the text ends inside record 1,000 (line 3,998, its sequence line): the file is truncated.'
        ],
        [
          'lanes/S4_L002_R1_001.fastq.gz',
          'refused',
          expect.stringMatching(
            /^the gzip stream ends inside a member after .*: the file is truncated\.$/
          )
        ],
        ['valid/plain.fastq', 'not attempted', undefined]
      ])
      const pairs = await run(sandbox, { files: 'pairs/*.fastq.gz', 'dry-run': 'true' })
      expect(pairs.exitCode).toBe(1)
      expect(failedOf(pairs).map(f => [f.path, f.status, f.error])).toEqual([
        [
          'pairs/S3_R1_001.fastq.gz',
          'refused',
          'pairs/S3_R1_001.fastq.gz has 1,000 reads but its mate pairs/S3_R2_001.fastq.gz has 998.'
        ],
        [
          'pairs/S3_R2_001.fastq.gz',
          'refused',
          'pairs/S3_R1_001.fastq.gz has 1,000 reads but its mate pairs/S3_R2_001.fastq.gz has 998.'
        ]
      ])
      expect(result.stdout).toContain(
        '::error file=bad/cut.fastq::bad/cut.fastq: the text ends inside record 1,000'
      )
    })
  })

  it('gives the counts in the plan output, the log and the summary', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {
        files: 'valid/*.fastq\nvalid/*.fasta',
        paired: 'false',
        'dry-run': 'true'
      })
      expect(result.exitCode).toBe(0)
      expect(sandbox.requests.filter(r => r.route !== 'other')).toEqual([])
      const plan = JSON.parse(result.outputs.plan) as {
        name: string
        sources: { reads: number; bases: number; segments: { reads: number }[] }[]
      }[]
      expect(plan.map(p => [p.name, p.sources[0].reads, p.sources[0].bases]).sort()).toEqual([
        ['crlf.fastq', 100, 2000],
        ['genome.fasta', 2, 30],
        ['plain.fastq', 300, 45_300]
      ])
      expect(plan[0].sources[0].segments[0].reads).toBe(100)
      expect(result.stdout).toContain('valid/plain.fastq: 300 reads, 45,300 bases.')
      expect(result.summary).toContain('<th>Reads</th>')
    })
  })
})
