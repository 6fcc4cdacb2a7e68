/**
 * End to end: the bundled action (`node dist/index.js`) run exactly as a runner runs it,
 * against the sandbox API with radosgw storage (builtin storage when RADOSGW_ENDPOINT is unset).
 * Each case checks the exit code, the outputs, what the sandbox saw, and the bytes stored.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import {
  type LoggedRequest,
  type Route,
  type Sandbox,
  type SandboxOptions
} from '../../sandbox/emulator.js'
import { type ActionRun } from '../../sandbox/runner.js'
import type { UploadedSample } from '../../src/shared/types.js'
import {
  bundleWorkspace,
  reads,
  runAgainst,
  storageLabel,
  withFreshSandbox,
  writeUnder
} from '../helpers/e2e.js'

const API_KEY = 'e2e-secret-key-0123456789'

let workspace: string
const files = new Map<string, Buffer>()

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

async function write(relative: string, bytes: Buffer): Promise<void> {
  await writeUnder(workspace, relative, bytes)
  files.set(relative, bytes)
}

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-workspace-')
  await write('single/reads.fastq', Buffer.from(reads('SINGLE', 30)))
  await write('fasta/contigs.fa.gz', gzipSync(Buffer.from('>c1\nACGTACGTAC\n>c2\nGGGCCCAAAT\n')))
  await write('pair/lib_R1_001.fastq.gz', gzipSync(Buffer.from(reads('PAIR', 25, 1))))
  await write('pair/lib_R2_001.fastq.gz', gzipSync(Buffer.from(reads('PAIR', 25, 2))))
  await write('odd/run 1 [a] (b).fastq', Buffer.from(reads('ODD', 3)))
  await write('big/large.fastq', Buffer.from(reads('LARGE', 4000)))
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

/** A fresh sandbox per case, so that its log holds that case's requests only. */
const withSandbox = <T>(fn: (sandbox: Sandbox) => Promise<T>, options?: SandboxOptions) =>
  withFreshSandbox(API_KEY, fn, options)

const run = (sandbox: Sandbox, inputs: Record<string, string>): Promise<ActionRun> =>
  runAgainst(sandbox, workspace, API_KEY, { 'max-attempts': '4', ...inputs })

const statuses = (sandbox: Sandbox, route: Route): number[] =>
  sandbox.requests.filter(r => r.route === route).map(r => r.status)

const outputSamples = (result: ActionRun): UploadedSample[] =>
  JSON.parse(result.outputs.samples ?? 'null') as UploadedSample[]

/** The object a storage POST wrote: its key with `${filename}` expanded. */
function storedKey(entry: LoggedRequest): string {
  const fields = entry.body as Record<string, string>
  return fields.key.split('${filename}').join(entry.fileName ?? '')
}

async function expectStored(sandbox: Sandbox, relative: string): Promise<void> {
  const bytes = files.get(relative) as Buffer
  const filename = relative.split('/').at(-1)
  const posts = sandbox.requests.filter(
    r => r.route === 'storage' && r.fileName === filename && r.status === 201
  )
  expect(posts).toHaveLength(1)
  const stored = await sandbox.object(storedKey(posts[0]))
  expect(stored).toMatchObject({ size: bytes.length, sha256: sha256(bytes) })
}

/** The key appears in the raw log only in the ::add-mask:: command that masks it. */
function expectKeyNotLeaked(result: ActionRun, sandbox: Sandbox): void {
  const raw = `${result.stdout}\n${result.stderr}`.replace(`::add-mask::${API_KEY}`, '')
  expect(raw).not.toContain(API_KEY)
  expect(result.summary).not.toContain(API_KEY)
  for (const entry of sandbox.requests.filter(r => r.route === 'storage')) {
    expect(JSON.stringify(entry)).not.toContain(API_KEY)
    expect(JSON.stringify(entry)).not.toContain(Buffer.from(`${API_KEY}:`).toString('base64'))
  }
}

describe(`the bundled action against the sandbox (${storageLabel})`, () => {
  it('uploads a single FASTQ: exit 0, outputs, log, stored bytes', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'single/*.fastq' })
      expect(result.exitCode).toBe(0)
      const [sample] = outputSamples(result)
      const bytes = files.get('single/reads.fastq') as Buffer
      expect(sample).toEqual({
        sample_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        path: 'single/reads.fastq',
        filename: 'reads.fastq',
        size: bytes.length,
        sha256: sha256(bytes),
        reads: 30,
        bases: 1800,
        route: 'standard'
      })
      expect(JSON.parse(result.outputs['sample-ids'])).toEqual([sample.sample_id])
      expect(JSON.parse(result.outputs.failed)).toEqual([])
      expect(sandbox.requests.map(r => [r.route, r.status])).toEqual([
        ['init_upload', 200],
        ['storage', 201],
        ['confirm_upload', 200]
      ])
      expect(sandbox.requests[0].body).toEqual({
        filename: 'reads.fastq',
        size: bytes.length,
        upload_type: 'standard'
      })
      expect(sandbox.samples()).toMatchObject([{ sample_id: sample.sample_id, confirmed: true }])
      await expectStored(sandbox, 'single/reads.fastq')
      expect(result.summary).toContain(sample.sample_id)
      expectKeyNotLeaked(result, sandbox)
    })
  })

  it('uploads an R1/R2 pair as one sample, and a gzip FASTA beside it', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'pair/*.fastq.gz\nfasta/*.fa.gz' })
      expect(result.exitCode).toBe(0)
      const samples = outputSamples(result)
      expect(samples).toHaveLength(2)
      const r1 = files.get('pair/lib_R1_001.fastq.gz') as Buffer
      const r2 = files.get('pair/lib_R2_001.fastq.gz') as Buffer
      const pair = samples.find(s => s.filename === 'lib_R1_001.fastq.gz')
      expect(pair).toMatchObject({
        size: r1.length,
        sha256: sha256(r1),
        paired_end_filename: 'lib_R2_001.fastq.gz',
        paired_end_path: 'pair/lib_R2_001.fastq.gz',
        paired_end_size: r2.length,
        paired_end_sha256: sha256(r2)
      })
      const init = sandbox.samples().find(s => s.sample_id === pair?.sample_id)
      expect(init?.body).toMatchObject({
        filename: 'lib_R1_001.fastq.gz',
        paired_end_filename: 'lib_R2_001.fastq.gz',
        size: r1.length + r2.length
      })
      expect(sandbox.samples().every(s => s.confirmed)).toBe(true)
      expect(statuses(sandbox, 'storage')).toEqual([201, 201, 201])
      await expectStored(sandbox, 'pair/lib_R1_001.fastq.gz')
      await expectStored(sandbox, 'pair/lib_R2_001.fastq.gz')
      await expectStored(sandbox, 'fasta/contigs.fa.gz')
    })
  })

  it('sends metadata, tags and project in init_upload exactly as given', async () => {
    await withSandbox(async sandbox => {
      const metadata = {
        name: 'Soil sample 7',
        platform: 'Illumina NovaSeq 6000',
        library_type: 'WGS',
        sample_type: 'Metagenomic',
        date_collected: '2024-05-01T12:00:00Z',
        location_lat: 47.5,
        location_lon: -122.3,
        custom: { site: 'B', depth_cm: 30, organic: true }
      }
      const result = await run(sandbox, {
        files: 'single/*.fastq',
        metadata: JSON.stringify(metadata),
        tags: 'soil, ci\nrun-42',
        project: 'proj0123456789ab',
        interleaved: 'false'
      })
      expect(result.exitCode).toBe(0)
      expect(sandbox.samples()[0].body).toEqual({
        filename: 'reads.fastq',
        size: (files.get('single/reads.fastq') as Buffer).length,
        upload_type: 'standard',
        metadata,
        tags: [{ name: 'soil' }, { name: 'ci' }, { name: 'run-42' }],
        project: 'proj0123456789ab',
        interleaved: false
      })
    })
  })

  it('attaches the file to a pre-uploaded sample (external-sample-id), and refuses an unknown sample-id', async () => {
    await withSandbox(async sandbox => {
      const preuploaded = sandbox.preupload({ externalSampleId: 'LIMS-0042' })
      const attached = await run(sandbox, {
        files: 'single/*.fastq',
        'external-sample-id': 'LIMS-0042'
      })
      expect(attached.exitCode).toBe(0)
      expect(JSON.parse(attached.outputs['sample-ids'])).toEqual([preuploaded])
      expect(sandbox.samples()[0]).toMatchObject({ sample_id: preuploaded, confirmed: true })

      const unknown = await run(sandbox, {
        files: 'single/*.fastq',
        'sample-id': 'ffffffffffffffff'
      })
      expect(unknown.exitCode).toBe(1)
      expect(statuses(sandbox, 'init_upload')).toEqual([200, 400])
      expect(JSON.parse(unknown.outputs.failed)[0].error).toContain('400')
    })
  })

  it('sends the key field with ${filename} for storage to expand, for an awkward filename', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'odd/*.fastq' })
      expect(result.exitCode).toBe(0)
      const [post] = sandbox.requests.filter(r => r.route === 'storage')
      expect(post.fileName).toBe('run 1 [a] (b).fastq')
      expect((post.body as Record<string, string>).key).toMatch(/\/\$\{filename\}$/)
      expect(storedKey(post)).toMatch(
        /^user_[0-9a-f]{16}\/file_[0-9a-f]{16}\/run 1 \[a\] \(b\)\.fastq$/
      )
      await expectStored(sandbox, 'odd/run 1 [a] (b).fastq')
    })
  })
})

describe('faults: the action retries what can pass and reports what cannot', () => {
  it('init_upload 503 twice → third attempt succeeds', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('init_upload', { kind: 'status', status: 503, times: 2 })
      const result = await run(sandbox, { files: 'single/*.fastq' })
      expect(result.exitCode).toBe(0)
      expect(statuses(sandbox, 'init_upload')).toEqual([503, 503, 200])
      expect(JSON.parse(result.outputs['sample-ids'])).toHaveLength(1)
      await expectStored(sandbox, 'single/reads.fastq')
    })
  })

  it('init_upload 429 with Retry-After: waits what the server asked, then succeeds', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('init_upload', {
        kind: 'status',
        status: 429,
        retryAfter: '1',
        body: '{"message":"Too many requests"}'
      })
      const result = await run(sandbox, { files: 'single/*.fastq' })
      expect(result.exitCode).toBe(0)
      expect(statuses(sandbox, 'init_upload')).toEqual([429, 200])
      expect(result.stdout).toMatch(
        /reads\.fastq: init_upload: attempt 1 of 4 failed: .*429.* Retrying in 1\.0 s\./
      )
    })
  })

  it('storage connection reset mid-body → the file is sent again from the start', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('storage', { kind: 'reset', afterBytes: 64 * 1024 })
      const result = await run(sandbox, { files: 'big/*.fastq' })
      expect(result.exitCode).toBe(0)
      const posts = sandbox.requests.filter(r => r.route === 'storage')
      expect(posts.map(r => r.status)).toEqual([0, 201])
      // The first attempt was cut inside the file part, the second sent it whole.
      const bytes = files.get('big/large.fastq') as Buffer
      expect(posts[0].fileSize).toBeLessThan(bytes.length)
      expect(posts[1].fileSize).toBe(bytes.length)
      await expectStored(sandbox, 'big/large.fastq')
      expect(outputSamples(result)[0].sha256).toBe(sha256(bytes))
    })
  })

  it('storage 503 SlowDown (S3 XML) → retried, stored once', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('storage', { kind: 'status', status: 503 })
      const result = await run(sandbox, { files: 'single/*.fastq' })
      expect(result.exitCode).toBe(0)
      expect(statuses(sandbox, 'storage')).toEqual([503, 201])
      expect(result.stdout).toContain('SlowDown')
      await expectStored(sandbox, 'single/reads.fastq')
    })
  })

  it('confirm_upload 500 once → confirmed on the retry', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('confirm_upload', { kind: 'status', status: 500 })
      const result = await run(sandbox, { files: 'single/*.fastq' })
      expect(result.exitCode).toBe(0)
      expect(statuses(sandbox, 'confirm_upload')).toEqual([500, 200])
      expect(statuses(sandbox, 'storage')).toEqual([201])
      expect(sandbox.samples()[0].confirmed).toBe(true)
    })
  })

  it('a wrong API key → 401 once, nothing sent to storage, the step fails', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'single/*.fastq', 'api-key': 'wrong-key' })
      expect(result.exitCode).toBe(1)
      expect(statuses(sandbox, 'init_upload')).toEqual([401])
      expect(statuses(sandbox, 'storage')).toEqual([])
      expect(JSON.parse(result.outputs['sample-ids'])).toEqual([])
      const failed = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
      expect(failed).toEqual([
        { path: 'single/reads.fastq', status: 'failed', error: expect.stringContaining('401') }
      ])
      expect(result.stdout).toContain('::error')
    })
  })

  it('an expired policy → one fresh init_upload, each form sent once, both samples cancelled, not confirmed', async () => {
    await withSandbox(
      async sandbox => {
        const result = await run(sandbox, { files: 'single/*.fastq' })
        expect(result.exitCode).toBe(1)
        expect(statuses(sandbox, 'init_upload')).toEqual([200, 200])
        expect(statuses(sandbox, 'storage')).toEqual([403, 403])
        expect(statuses(sandbox, 'confirm_upload')).toEqual([])
        expect(sandbox.samples().map(s => s.state)).toEqual(['cancelled', 'cancelled'])
        const failed = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
        expect(failed).toHaveLength(1)
        expect(failed[0].error).toContain('403')
        expect(failed[0].error).toContain('reads.fastq')
        const key = storedKey(sandbox.requests.find(r => r.route === 'storage') as LoggedRequest)
        expect(await sandbox.object(key)).toBeUndefined()
      },
      { policyTtlSeconds: -60 }
    )
  })

  it('one sample failing for good does not stop the others; the step fails naming it', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.failFile('contigs.fa.gz', 'storage', 403)
      const result = await run(sandbox, { files: 'single/*.fastq\nfasta/*.fa.gz' })
      expect(result.exitCode).toBe(1)
      expect(outputSamples(result).map(s => s.filename)).toEqual(['reads.fastq'])
      const failed = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
      expect(failed).toEqual([
        {
          path: 'fasta/contigs.fa.gz',
          status: 'failed',
          error: expect.stringContaining('contigs.fa.gz'),
          // The half-made sample was cancelled on One Codex (e2e/reruns.test.ts has the rest).
          sample_id: sandbox.samples().find(s => s.filename === 'contigs.fa.gz')?.sample_id,
          sample_cancelled: true
        }
      ])
      await expectStored(sandbox, 'single/reads.fastq')
      expect(sandbox.samples().find(s => s.filename === 'contigs.fa.gz')?.confirmed).toBe(false)
    })
  })

  it('gives up after max-attempts on a storage that keeps failing', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('storage', { kind: 'status', status: 503, times: 10 })
      const result = await run(sandbox, { files: 'single/*.fastq', 'max-attempts': '3' })
      expect(result.exitCode).toBe(1)
      expect(statuses(sandbox, 'storage')).toEqual([503, 503, 503])
      expect(statuses(sandbox, 'confirm_upload')).toEqual([])
      const failed = JSON.parse(result.outputs.failed) as { error: string }[]
      expect(failed[0].error).toMatch(/3 attempts/)
    })
  })
})
