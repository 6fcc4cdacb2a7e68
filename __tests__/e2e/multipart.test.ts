/**
 * End to end, the multipart route: the bundled action (`node dist/index.js`, or the build that
 * ONECODEX_ACTION_ENTRY names) run as a runner runs it, with `upload-method: multipart`, against
 * the sandbox's API and its S3 endpoint in front of radosgw (AWS_ENDPOINT_URL_S3). Parts of 5 MiB
 * (the test-only ONECODEX_UPLOAD_PART_BYTES) so that files of ~16 MiB go in several parts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type LoggedRequest, type Sandbox } from '../../sandbox/emulator.js'
import { type ActionRun } from '../../sandbox/runner.js'
import type { UploadedSample } from '../../src/shared/types.js'
import {
  bundleWorkspace,
  e2eStorage as storage,
  runAgainst,
  withFreshSandbox,
  writeUnder
} from '../helpers/e2e.js'

const API_KEY = 'e2e-multipart-key-0123456789'
const MiB = 1024 * 1024
const PART = 5 * MiB

let workspace: string
const files = new Map<string, Buffer>()
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** FASTQ text of about `size` bytes: 150 bp records of random bases. */
function fastq(size: number): Buffer {
  const records: Buffer[] = []
  let total = 0
  for (let i = 1; total < size; i++) {
    const seq = Array.from(randomBytes(150), b => 'ACGT'[b & 3]).join('')
    const record = Buffer.from(`@read${i} 1:N:0:1\n${seq}\n+\n${'F'.repeat(150)}\n`)
    records.push(record)
    total += record.length
  }
  return Buffer.concat(records)
}

async function write(relative: string, size: number | Buffer): Promise<void> {
  const bytes = typeof size === 'number' ? fastq(size) : size
  await writeUnder(workspace, relative, bytes)
  files.set(relative, bytes)
}

/** Records of a FASTQ written by `fastq` (150 bases each). */
const recordsOf = (bytes: Buffer): number => bytes.toString('latin1').split('\n').length >> 2

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-multipart-')
  await write('big/single.fastq', 3 * PART + 4321)
  await write('pair/lib_R1_001.fastq', 2 * PART + 99)
  // R2: as many reads as R1 (the pair rule), its own headers.
  await write(
    'pair/lib_R2_001.fastq',
    Buffer.from(
      files
        .get('pair/lib_R1_001.fastq')!
        .toString('latin1')
        .replace(/ 1:N:0:1\n/g, ' 2:N:0:1\n'),
      'latin1'
    )
  )
  await write('fail/doomed.fastq', 2 * PART + 1)
  // 5,000,000,001 bytes, sparse: one byte over what one request may carry (dry runs only).
  await mkdir(join(workspace, 'huge'), { recursive: true })
  const huge = await open(join(workspace, 'huge/huge.fastq'), 'w')
  await huge.write(fastq(128 * 1024))
  await huge.truncate(5_000_000_001)
  await huge.close()
  // Either side of auto's 64 MiB threshold, sparse (dry runs only).
  await mkdir(join(workspace, 'edge'), { recursive: true })
  for (const [name, size] of [
    ['at.fastq', 64 * MiB],
    ['below.fastq', 64 * MiB - 1]
  ] as const) {
    const handle = await open(join(workspace, 'edge', name), 'w')
    await handle.write(fastq(128 * 1024))
    await handle.truncate(size)
    await handle.close()
  }
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

const withSandbox = (fn: (sandbox: Sandbox) => Promise<void>): Promise<void> =>
  withFreshSandbox(API_KEY, fn)

const run = (sandbox: Sandbox, inputs: Record<string, string>): Promise<ActionRun> =>
  runAgainst(
    sandbox,
    workspace,
    API_KEY,
    { 'max-attempts': '4', 'upload-method': 'multipart', ...inputs },
    { ONECODEX_UPLOAD_PART_BYTES: String(PART), AWS_ENDPOINT_URL_S3: sandbox.storageUrl }
  )

const outputSamples = (result: ActionRun): UploadedSample[] =>
  JSON.parse(result.outputs.samples ?? 'null') as UploadedSample[]

const ofRoute = (sandbox: Sandbox, route: LoggedRequest['route']): LoggedRequest[] =>
  sandbox.requests.filter(r => r.route === route)

/** The temporary secret key init_multipart_upload handed out appears nowhere but in ::add-mask::. */
function expectSecretsKept(result: ActionRun, sandbox: Sandbox): void {
  const answers = ofRoute(sandbox, 'init_multipart_upload')
  expect(answers.length).toBeGreaterThan(0)
  const secret = storage === 'builtin' ? undefined : (storage as { secretKey: string }).secretKey
  const keys = [secret, API_KEY].filter((k): k is string => k !== undefined)
  const shown = `${result.stdout}\n${result.stderr}`.replace(/^::add-mask::.*$/gm, '')
  for (const key of keys) {
    expect(shown).not.toContain(key)
    expect(result.summary).not.toContain(key)
    expect(JSON.stringify(result.outputs)).not.toContain(key)
  }
  if (secret) expect(result.stdout).toContain(`::add-mask::${secret}`)
  // The API key never goes to S3.
  const basic = Buffer.from(`${API_KEY}:`).toString('base64')
  for (const entry of sandbox.requests.filter(r => r.route.startsWith('s3:'))) {
    expect(JSON.stringify(entry)).not.toContain(API_KEY)
    expect(JSON.stringify(entry)).not.toContain(basic)
  }
}

describe(`the bundled action, multipart route (${storage === 'builtin' ? 'builtin S3' : 'radosgw'})`, () => {
  it('uploads one file in 4 parts: exit 0, route in the outputs, stored byte for byte, one callback', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'big/*.fastq' })
      expect(result.exitCode).toBe(0)
      const bytes = files.get('big/single.fastq')!
      const [sample] = outputSamples(result)
      expect(sample).toEqual({
        sample_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        path: expect.stringMatching(/big\/single\.fastq$/),
        filename: 'single.fastq',
        size: bytes.length,
        sha256: sha256(bytes),
        reads: recordsOf(bytes),
        bases: recordsOf(bytes) * 150,
        route: 'multipart'
      })
      const [record] = sandbox.samples()
      expect(record).toMatchObject({ sample_id: sample.sample_id, state: 'complete' })
      const key = record.keys[0]
      expect(await sandbox.object(key)).toMatchObject({ size: bytes.length, sha256: sha256(bytes) })
      expect(
        ofRoute(sandbox, 's3:UploadPart')
          .map(r => r.s3?.partNumber)
          .sort()
      ).toEqual([1, 2, 3, 4])
      expect(ofRoute(sandbox, 'callback').map(r => r.body)).toEqual([
        { s3_path: `s3://${sandbox.bucket}/${key}`, filename: 'single.fastq' }
      ])
      expect(ofRoute(sandbox, 'init_upload')).toEqual([])
      expect(result.stdout).toContain('single.fastq: starting upload of')
      expect(result.stdout).toMatch(/single\.fastq: S3 multipart upload of .* in 4 parts of 5 MiB/)
      expect(result.stdout).toContain(
        `::warning::AWS_ENDPOINT_URL_S3 is set: multipart uploads go to ${new URL(sandbox.storageUrl).host}`
      )
      expect(await sandbox.pendingUploads()).toEqual([])
      expectSecretsKept(result, sandbox)
    })
  })

  it('uploads a pair: R2 completed before R1 starts, both stored byte for byte, one callback', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'pair/*.fastq' })
      expect(result.exitCode).toBe(0)
      const r1 = files.get('pair/lib_R1_001.fastq')!
      const r2 = files.get('pair/lib_R2_001.fastq')!
      expect(outputSamples(result)).toEqual([
        expect.objectContaining({
          filename: 'lib_R1_001.fastq',
          sha256: sha256(r1),
          paired_end_filename: 'lib_R2_001.fastq',
          paired_end_sha256: sha256(r2),
          route: 'multipart'
        })
      ])
      const [record] = sandbox.samples()
      const [r1Key, r2Key] = record.keys
      expect(await sandbox.object(r1Key)).toMatchObject({ size: r1.length, sha256: sha256(r1) })
      expect(await sandbox.object(r2Key)).toMatchObject({ size: r2.length, sha256: sha256(r2) })
      const s3 = sandbox.requests.filter(r => r.route.startsWith('s3:'))
      const r2Completed = s3.findIndex(
        r => r.route === 's3:CompleteMultipartUpload' && r.s3?.key === r2Key && r.status === 200
      )
      const r1First = s3.findIndex(r => r.s3?.key === r1Key)
      expect(r2Completed).toBeGreaterThanOrEqual(0)
      expect(r1First).toBeGreaterThan(r2Completed)
      expect(ofRoute(sandbox, 'callback')).toHaveLength(1)
      expect(ofRoute(sandbox, 'callback')[0].body).toEqual({
        s3_path: `s3://${sandbox.bucket}/${r1Key}`,
        filename: 'lib_R1_001.fastq'
      })
      expectSecretsKept(result, sandbox)
    })
  })

  it('a reset in the middle of a part re-sends that part only', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'reset', afterBytes: 2 * MiB })
      const result = await run(sandbox, { files: 'big/*.fastq' })
      expect(result.exitCode).toBe(0)
      const numbers = ofRoute(sandbox, 's3:UploadPart').map(r => r.s3?.partNumber ?? 0)
      expect(numbers).toHaveLength(5)
      expect(new Set(numbers)).toEqual(new Set([1, 2, 3, 4]))
      const bytes = files.get('big/single.fastq')!
      expect(await sandbox.object(sandbox.samples()[0].keys[0])).toMatchObject({
        sha256: sha256(bytes)
      })
      expect(result.stdout).toMatch(/single\.fastq: part \d of 4: attempt 1 of 4 failed/)
    })
  })

  it('CompleteMultipartUpload failing every time: the upload is aborted, the sample cancelled and failed', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CompleteMultipartUpload', { kind: 'status', status: 500, times: 50 })
      const result = await run(sandbox, { files: 'fail/*.fastq' })
      expect(result.exitCode).toBe(1)
      expect(outputSamples(result)).toEqual([])
      const [failed] = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
      expect(failed.path).toMatch(/fail\/doomed\.fastq$/)
      expect(failed.error).toMatch(/doomed\.fastq: CompleteMultipartUpload failed with HTTP 500/)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload').length).toBeGreaterThanOrEqual(1)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(ofRoute(sandbox, 'callback')).toEqual([])
      expect(sandbox.samples()[0].state).toBe('cancelled')
      expectSecretsKept(result, sandbox)
    })
  })

  it('UploadPart refused with 403: not retried, aborted, the sample ends failed', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.failFile('doomed.fastq', 's3:UploadPart', 403)
      const result = await run(sandbox, { files: 'fail/*.fastq' })
      expect(result.exitCode).toBe(1)
      const [failed] = JSON.parse(result.outputs.failed) as { error: string }[]
      expect(failed.error).toMatch(/doomed\.fastq: part \d of 3 failed with HTTP 403/)
      expect(ofRoute(sandbox, 's3:UploadPart').length).toBeLessThanOrEqual(3)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(sandbox.samples()[0].state).toBe('cancelled')
      expectSecretsKept(result, sandbox)
    })
  })

  it('auto picks multipart from 64 MiB (and for 5,000,000,001 bytes), standard below (dry run)', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {
        files: 'huge/*.fastq\nbig/*.fastq\nedge/*.fastq',
        'upload-method': 'auto',
        'dry-run': 'true',
        // Sparse (zeros past its first records): validate head, as only such runs may be.
        validate: 'head'
      })
      expect(result.exitCode).toBe(0)
      const plan = JSON.parse(result.outputs.plan ?? 'null') as { name: string; route: string }[]
      expect(Object.fromEntries(plan.map(sample => [sample.name, sample.route]))).toEqual({
        'at.fastq': 'multipart',
        'below.fastq': 'standard',
        'huge.fastq': 'multipart',
        'single.fastq': 'standard'
      })
      expect(result.stdout).toContain('init_multipart_upload body: {"filename":"huge.fastq"}')
      expect(result.stdout).toContain('init_multipart_upload body: {"filename":"at.fastq"}')
      expect(sandbox.requests).toEqual([])
    })
  })
})
