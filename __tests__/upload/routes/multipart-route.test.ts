/**
 * The multipart route in process, against the sandbox's One Codex API and its S3 endpoint in
 * front of radosgw (the sandbox's builtin S3 when radosgw is not available): init_multipart_upload,
 * real S3 multipart uploads with the temporary keys, the callback. Real files, real HTTP, real S3.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoggedRequest, type Sandbox } from '../../../sandbox/emulator.js'
import type { Sample, Settings, Source } from '../../../src/shared/types.js'
import { keyForms } from '../../../src/onecodex/auth.js'
import { MultipartRoute } from '../../../src/upload/routes/multipart-route.js'
import { OneCodexClient } from '../../../src/onecodex/client.js'
import { RetryPolicy } from '../../../src/net/retry-helper.js'
import type { RouteResult } from '../../../src/upload/routes/route.js'
import { UploadError } from '../../../src/shared/upload-error.js'
import { e2eStorage, withFreshSandbox } from '../../helpers/e2e.js'
import { captureStdout, sourceAt } from '../../helpers/fixtures.js'
import { testSettings } from '../../helpers/settings.js'
import { gateFor } from '../../helpers/gate.js'

const storage = e2eStorage
const API_KEY = 'route-test-key-0123456789abcdef'
const MiB = 1024 * 1024
const PART = 5 * MiB

let dir: string
const contents = new Map<string, Buffer>()
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

async function file(name: string, size: number): Promise<Source> {
  const bytes = randomBytes(size)
  const path = join(dir, name)
  await writeFile(path, bytes)
  contents.set(name, bytes)
  return sourceAt(path, size)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multipart-route-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const settings = (sandbox: Sandbox): Settings =>
  testSettings({
    apiKey: API_KEY,
    apiUrl: sandbox.apiUrl,
    tags: ['big'],
    concurrency: 1,
    maxAttempts: 4,
    uploadMethod: 'multipart',
    workspace: dir,
    // Random bytes: these pin the transfer; the content check has its own tests.
    validate: 'head'
  })

interface Run {
  result?: RouteResult
  error?: unknown
  lines: string[]
  created: string[]
  stdout: string
  secrets: string[]
}

async function send(
  sandbox: Sandbox,
  sample: Sample,
  options: {
    signal?: AbortSignal
    env?: NodeJS.ProcessEnv
    partsInFlight?: number
    onRoute?: (route: MultipartRoute) => void
  } = {}
): Promise<Run> {
  const lines: string[] = []
  const created: string[] = []
  const secrets = keyForms(API_KEY)
  const api = new OneCodexClient(sandbox.apiUrl, API_KEY)
  const route = new MultipartRoute({
    env: options.env ?? { AWS_ENDPOINT_URL_S3: sandbox.storageUrl },
    minPartBytes: PART,
    partsInFlight: options.partsInFlight ?? 3
  })
  options.onRoute?.(route)
  const run: Run = { lines, created, stdout: '', secrets }
  try {
    run.stdout = await captureStdout(async () => {
      try {
        const routeSettings = settings(sandbox)
        const gate = gateFor(routeSettings, line => lines.push(line))
        run.result = await route
          .send(sample, {
            settings: routeSettings,
            api,
            retry: new RetryPolicy({
              maxAttempts: 4,
              baseDelayMs: 5,
              log: line => lines.push(line)
            }),
            say: line => lines.push(line),
            secrets,
            onCreated: id => created.push(id),
            signal: options.signal,
            gate
          })
          .finally(() => gate.close())
      } catch (error) {
        run.error = error
      }
    })
  } finally {
    route.dispose()
    api.dispose()
  }
  return run
}

const withSandbox = (fn: (sandbox: Sandbox) => Promise<void>): Promise<void> =>
  withFreshSandbox(API_KEY, fn)

const ofRoute = (sandbox: Sandbox, route: LoggedRequest['route']): LoggedRequest[] =>
  sandbox.requests.filter(r => r.route === route)

const partNumbers = (sandbox: Sandbox, key: string): number[] =>
  ofRoute(sandbox, 's3:UploadPart')
    .filter(r => r.s3?.key === key)
    .map(r => r.s3?.partNumber ?? 0)
    .sort((a, b) => a - b)

const initAnswer = (sandbox: Sandbox): { s3_bucket: string; file_id: string } => {
  const sample = sandbox.samples()[0]
  return { s3_bucket: sandbox.bucket, file_id: sample.keys[0] }
}

describe(`the multipart route against the sandbox (${storage === 'builtin' ? 'builtin S3' : 'radosgw'})`, () => {
  it('sends a file in parts, stores it byte for byte, and completes the sample with one callback', async () => {
    const source = await file('single_big.fastq', 3 * PART + 12345)
    await withSandbox(async sandbox => {
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeUndefined()
      const [sample] = sandbox.samples()
      expect(sample).toMatchObject({ origin: 'init_multipart_upload', state: 'complete' })
      expect(run.result).toEqual({
        sampleId: sample.sample_id,
        sha256: [sha256(contents.get('single_big.fastq')!)]
      })
      expect(run.created).toEqual([sample.sample_id])
      // init body: multipart fields only (no size, no upload_type)
      expect(ofRoute(sandbox, 'init_multipart_upload')[0].body).toEqual({
        filename: 'single_big.fastq',
        tags: [{ name: 'big' }]
      })

      const key = initAnswer(sandbox).file_id
      expect(partNumbers(sandbox, key)).toEqual([1, 2, 3, 4])
      const stored = await sandbox.object(key)
      expect(stored).toMatchObject({
        size: source.size,
        sha256: sha256(contents.get('single_big.fastq')!)
      })
      const [create] = ofRoute(sandbox, 's3:CreateMultipartUpload')
      expect(create.headers['x-amz-server-side-encryption']).toBe('AES256')
      // Every part carried its exact length (no chunked or aws-chunked body).
      for (const part of ofRoute(sandbox, 's3:UploadPart')) {
        const number = part.s3?.partNumber ?? 0
        expect(part.headers['content-length']).toBe(String(number < 4 ? PART : 12345))
        expect(part.headers['transfer-encoding']).toBeUndefined()
      }

      const callbacks = ofRoute(sandbox, 'callback')
      expect(callbacks).toHaveLength(1)
      expect(callbacks[0].body).toEqual({
        s3_path: `s3://${sandbox.bucket}/${key}`,
        filename: 'single_big.fastq'
      })
      expect(run.lines).toContainEqual(
        expect.stringMatching(
          /^single_big\.fastq: S3 multipart upload of .* in 4 parts of 5 MiB, 3 at a time\.$/
        )
      )
      expect(run.lines).toContainEqual(
        expect.stringMatching(/^single_big\.fastq: sent .*, 4 parts\.$/)
      )
      expect(run.lines).toContainEqual(
        expect.stringMatching(/^single_big\.fastq: sha256 [0-9a-f]{64}\.$/)
      )
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })

  it('sends a pair R2 first, then R1, with one callback naming R1', async () => {
    const r1 = await file('pair_R1_001.fastq', 2 * PART + 7)
    const r2 = await file('pair_R2_001.fastq', 3 * PART - 1)
    await withSandbox(async sandbox => {
      const run = await send(sandbox, { file: r1, mate: r2, route: 'multipart' })
      expect(run.error).toBeUndefined()
      const [sample] = sandbox.samples()
      const [r1Key, r2Key] = sample.keys
      expect(ofRoute(sandbox, 'init_multipart_upload')[0].body).toMatchObject({
        filename: 'pair_R1_001.fastq',
        paired_end_filename: 'pair_R2_001.fastq'
      })
      // R2's upload is completed before R1's starts.
      const s3 = sandbox.requests.filter(r => r.route.startsWith('s3:'))
      const r2Complete = s3.findIndex(
        r => r.route === 's3:CompleteMultipartUpload' && r.s3?.key === r2Key
      )
      const r1Create = s3.findIndex(
        r => r.route === 's3:CreateMultipartUpload' && r.s3?.key === r1Key
      )
      expect(r2Complete).toBeGreaterThanOrEqual(0)
      expect(r1Create).toBeGreaterThan(r2Complete)
      expect(await sandbox.object(r1Key)).toMatchObject({
        size: r1.size,
        sha256: sha256(contents.get('pair_R1_001.fastq')!)
      })
      expect(await sandbox.object(r2Key)).toMatchObject({
        size: r2.size,
        sha256: sha256(contents.get('pair_R2_001.fastq')!)
      })
      expect(ofRoute(sandbox, 'callback').map(r => r.body)).toEqual([
        { s3_path: `s3://${sandbox.bucket}/${r1Key}`, filename: 'pair_R1_001.fastq' }
      ])
      expect(run.result?.sha256).toEqual([
        sha256(contents.get('pair_R1_001.fastq')!),
        sha256(contents.get('pair_R2_001.fastq')!)
      ])
      expect(sample.state).toBe('complete')
    })
  })

  it('sends lanes back to back as one object, parts spanning two lane files', async () => {
    const l1 = await file('lane_L001.fastq', PART + 3 * MiB)
    const l2 = await file('lane_L002.fastq', PART + 1)
    const merged: Source = {
      path: l1.path,
      filename: 'lane.fastq',
      size: l1.size + l2.size,
      segments: [...l1.segments, ...l2.segments],
      format: 'FASTQ',
      compression: 'none'
    }
    const bytes = Buffer.concat([
      contents.get('lane_L001.fastq')!,
      contents.get('lane_L002.fastq')!
    ])
    await withSandbox(async sandbox => {
      const run = await send(sandbox, { file: merged, route: 'multipart' })
      expect(run.error).toBeUndefined()
      expect(await sandbox.object(sandbox.samples()[0].keys[0])).toMatchObject({
        size: bytes.length,
        sha256: sha256(bytes)
      })
      expect(run.result?.sha256).toEqual([sha256(bytes)])
    })
  })

  it('re-sends only the part whose connection was reset, and a part S3 asked to slow down', async () => {
    const source = await file('reset_me.fastq', 3 * PART + 100)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'reset', afterBytes: 1 * MiB })
      sandbox.faults.add('s3:UploadPart', { kind: 'status', status: 503, body: slowDown() })
      const run = await send(sandbox, { file: source, route: 'multipart' }, { partsInFlight: 2 })
      expect(run.error).toBeUndefined()
      const key = sandbox.samples()[0].keys[0]
      const numbers = partNumbers(sandbox, key)
      // 4 parts, two of them sent twice: 6 requests, each part completed once.
      expect(numbers).toHaveLength(6)
      expect(new Set(numbers)).toEqual(new Set([1, 2, 3, 4]))
      expect(await sandbox.object(key)).toMatchObject({
        size: source.size,
        sha256: sha256(contents.get('reset_me.fastq')!)
      })
      expect(run.lines).toContainEqual(
        expect.stringMatching(/^reset_me\.fastq: part \d of 4: attempt 1 of 4 failed: .*Retrying/)
      )
      expect(run.lines).toContainEqual(expect.stringContaining('SlowDown'))
    })
  })

  it('treats a lost CompleteMultipartUpload answer as completed when the retry finds no upload', async () => {
    const source = await file('lost_complete.fastq', PART + 10)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CompleteMultipartUpload', { kind: 'lost-answer', status: 503 })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeUndefined()
      expect(ofRoute(sandbox, 's3:CompleteMultipartUpload').length).toBe(2)
      expect(await sandbox.object(sandbox.samples()[0].keys[0])).toMatchObject({
        size: source.size
      })
      expect(sandbox.samples()[0].state).toBe('complete')
    })
  })

  it('aborts the multipart upload when CompleteMultipartUpload keeps failing', async () => {
    const source = await file('never_completes.fastq', 2 * PART + 1)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CompleteMultipartUpload', { kind: 'status', status: 500, times: 10 })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeInstanceOf(UploadError)
      expect((run.error as UploadError).message).toMatch(
        /^never_completes\.fastq: CompleteMultipartUpload failed with HTTP 500.*\(gave up after 4 attempts\)\.$/
      )
      expect(run.created).toHaveLength(1)
      expect(ofRoute(sandbox, 's3:CompleteMultipartUpload')).toHaveLength(4)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload').map(r => r.status)).toEqual([204])
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(ofRoute(sandbox, 'callback')).toHaveLength(0)
      expect(run.lines).toContain(
        'never_completes.fastq: aborted the multipart upload (S3 keeps no part of it).'
      )
    })
  })

  it('fails at once on a 403 from UploadPart, stops the other parts and aborts the upload', async () => {
    const source = await file('refused.fastq', 4 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.failFile('refused.fastq', 's3:UploadPart', 403)
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeInstanceOf(UploadError)
      expect((run.error as UploadError).message).toMatch(
        /^refused\.fastq: part \d of 4 failed with HTTP 403 .*temporary upload keys/
      )
      // No retry of a 403, and no part started after the failure.
      expect(ofRoute(sandbox, 's3:UploadPart').length).toBeLessThanOrEqual(3)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(ofRoute(sandbox, 'callback')).toHaveLength(0)
    })
  })

  it('masks the temporary keys and keeps them out of every line and error', async () => {
    const source = await file('secret.fastq', PART + 1)
    await withSandbox(async sandbox => {
      const run0 = await send(sandbox, { file: source, route: 'multipart' })
      const keyId = run0.secrets.at(-2)!
      const secret = run0.secrets.at(-1)!
      expect(run0.stdout).toContain(`::add-mask::${keyId}`)
      expect(run0.stdout).toContain(`::add-mask::${secret}`)
      // S3 echoing the keys back (AWS names the key id in InvalidAccessKeyId messages).
      sandbox.faults.add('s3:UploadPart', {
        kind: 'status',
        status: 403,
        body: `<?xml version="1.0"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id ${keyId} (secret ${secret}) does not exist in our records.</Message></Error>`,
        contentType: 'application/xml'
      })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeInstanceOf(UploadError)
      const message = (run.error as Error).message
      expect(message).toContain('InvalidAccessKeyId')
      expect(message).toContain('***')
      for (const text of [message, ...run.lines, run.stdout.replace(/^::add-mask::.*$/gm, '')]) {
        expect(text).not.toContain(keyId)
        expect(text).not.toContain(secret)
      }
      // The temporary keys go to S3 only; the API key to the API only.
      const basic = Buffer.from(`${API_KEY}:`).toString('base64')
      for (const entry of sandbox.requests) {
        const seen = JSON.stringify(entry)
        if (entry.route.startsWith('s3:')) {
          expect(seen).not.toContain(API_KEY)
          expect(seen).not.toContain(basic)
          expect(entry.s3?.accessKeyId).toBe(keyId)
        } else {
          // (radosgw's sandbox user is named like its bucket, which s3_path names)
          expect(JSON.stringify(entry.headers)).not.toContain(keyId)
          expect(seen).not.toContain(secret)
        }
      }
    })
  })

  it('stops at once when the job is cancelled, and aborts the upload', async () => {
    const source = await file('cancelled.fastq', 6 * PART)
    await withSandbox(async sandbox => {
      // Each part takes 300 ms to answer, so the cancellation lands mid-upload.
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 300, times: 100 })
      const controller = new AbortController()
      const started = Date.now()
      const sending = send(
        sandbox,
        { file: source, route: 'multipart' },
        { signal: controller.signal }
      )
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      controller.abort()
      const run = await sending
      expect(Date.now() - started).toBeLessThan(5000)
      expect((run.error as UploadError).message).toBe('cancelled.fastq: the upload was cancelled.')
      expect(ofRoute(sandbox, 's3:UploadPart').length).toBeLessThan(6)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(1)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(ofRoute(sandbox, 'callback')).toHaveLength(0)
    })
  })

  it('stops and aborts the upload when the route is disposed mid-upload (the job’s teardown)', async () => {
    const source = await file('torn_down.fastq', 6 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 300, times: 100 })
      let route: MultipartRoute | undefined
      const sending = send(
        sandbox,
        { file: source, route: 'multipart' },
        { onRoute: r => (route = r) }
      )
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      route?.dispose()
      const run = await sending
      expect((run.error as UploadError).message).toBe('torn_down.fastq: the upload was cancelled.')
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(1)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })

  it('refuses a callback_url off the API host before sending a byte', async () => {
    const source = await file('elsewhere.fastq', 1000)
    await withSandbox(async sandbox => {
      for (const callback of ['https://evil.example/api/import_file_from_s3', '//evil.example/x']) {
        sandbox.faults.add('init_multipart_upload', {
          kind: 'status',
          status: 200,
          body: JSON.stringify({
            sample_id: '0123456789abcdef',
            s3_bucket: sandbox.bucket,
            file_id: 'user_x/file_y/elsewhere.fastq',
            upload_aws_access_key_id: 'AKIDEXAMPLE',
            upload_aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
            callback_url: callback
          })
        })
        const run = await send(sandbox, { file: source, route: 'multipart' })
        expect((run.error as UploadError).message).toContain('is not a path on the API host')
        expect(run.created).toEqual(['0123456789abcdef'])
      }
      expect(sandbox.requests.filter(r => r.route.startsWith('s3:'))).toEqual([])
    })
  })

  it('refuses an AWS_ENDPOINT_URL_S3 that is plain http off this machine, before any request', async () => {
    const source = await file('insecure.fastq', 1000)
    await withSandbox(async sandbox => {
      const run = await send(
        sandbox,
        { file: source, route: 'multipart' },
        { env: { AWS_ENDPOINT_URL_S3: 'http://s3.example.org:9000' } }
      )
      expect((run.error as UploadError).message).toMatch(
        /^insecure\.fastq: AWS_ENDPOINT_URL_S3 "http:\/\/s3\.example\.org:9000" uses http/
      )
      expect(sandbox.requests).toEqual([])
    })
  })

  it('warns once, naming the host, when AWS_ENDPOINT_URL_S3 redirects the uploads', async () => {
    const source = await file('warned.fastq', 1000)
    await withSandbox(async sandbox => {
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeUndefined()
      const host = new URL(sandbox.storageUrl).host
      expect(run.stdout).toContain(
        `::warning::AWS_ENDPOINT_URL_S3 is set: multipart uploads go to ${host}`
      )
    })
  })

  it('fails the file when it changes size while it is sent, and aborts its upload', async () => {
    const source = await file('shrinks.fastq', 3 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 200, times: 100 })
      const sending = send(sandbox, { file: source, route: 'multipart' }, { partsInFlight: 1 })
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      await truncate(source.path, PART + 10)
      const run = await sending
      expect((run.error as UploadError).message).toMatch(/shrinks\.fastq/)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(ofRoute(sandbox, 'callback')).toHaveLength(0)
    })
  })
})

function slowDown(): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
}
