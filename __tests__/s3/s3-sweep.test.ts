/**
 * CreateMultipartUpload is not idempotent: when its answer is lost (a 5xx or a reset after S3
 * did the work), the retry opens a second upload and the first would stay open for ever. The
 * multipart route in process against the sandbox's S3 endpoint in front of radosgw (the builtin
 * S3 when radosgw is not available), with the sandbox's `lost-answer` faults; and the listing's
 * paging rules against a scripted S3 answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoggedRequest, type Sandbox } from '../../sandbox/emulator.js'
import type { Fault } from '../../sandbox/faults.js'
import type { Sample, Source } from '../../src/shared/types.js'
import { keyForms } from '../../src/onecodex/auth.js'
import { MultipartRoute } from '../../src/upload/routes/multipart-route.js'
import { OneCodexClient } from '../../src/onecodex/client.js'
import { RetryPolicy } from '../../src/net/retry-helper.js'
import type { RouteResult } from '../../src/upload/routes/route.js'
import type { S3Calls, UploadsPage, UploadsPageMarker } from '../../src/s3/s3-calls.js'
import { abortExtraUploads } from '../../src/s3/s3-sweep.js'
import { UploadError } from '../../src/shared/upload-error.js'
import { S3Connections } from '../../src/s3/s3-client.js'
import { e2eStorage, withFreshSandbox } from '../helpers/e2e.js'
import { captureStdout, sourceAt } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'
import { gateFor } from '../helpers/gate.js'

const storage = e2eStorage
const API_KEY = 'sweep-test-key-0123456789abcdef'
const PART = 5 * 1024 * 1024

let dir: string
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const contents = new Map<string, Buffer>()

async function file(name: string, size: number): Promise<Source> {
  const bytes = randomBytes(size)
  const path = join(dir, name)
  await writeFile(path, bytes)
  contents.set(name, bytes)
  return sourceAt(path, size)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-sweep-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  result?: RouteResult
  error?: unknown
  lines: string[]
  stdout: string
  secrets: string[]
  ms: number
}

async function send(
  sandbox: Sandbox,
  sample: Sample,
  options: { signal?: AbortSignal } = {}
): Promise<Run> {
  const lines: string[] = []
  const secrets = keyForms(API_KEY)
  const api = new OneCodexClient(sandbox.apiUrl, API_KEY)
  const route = new MultipartRoute({
    env: { AWS_ENDPOINT_URL_S3: sandbox.storageUrl },
    minPartBytes: PART,
    partsInFlight: 2
  })
  const run: Run = { lines, stdout: '', secrets, ms: 0 }
  const started = Date.now()
  try {
    run.stdout = await captureStdout(async () => {
      try {
        const routeSettings = testSettings({
          apiKey: API_KEY,
          apiUrl: sandbox.apiUrl,
          concurrency: 1,
          maxAttempts: 4,
          uploadMethod: 'multipart',
          workspace: dir,
          // Random bytes: these pin the transfer; the content check has its own tests.
          validate: 'head'
        })
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
            onCreated: () => undefined,
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
  run.ms = Date.now() - started
  return run
}

const withSandbox = (fn: (sandbox: Sandbox) => Promise<void>): Promise<void> =>
  withFreshSandbox(API_KEY, fn)

const ofRoute = (sandbox: Sandbox, route: LoggedRequest['route']): LoggedRequest[] =>
  sandbox.requests.filter(r => r.route === route)

const warnings = (run: Run, name: string): string[] =>
  run.stdout.split('\n').filter(line => line.startsWith('::warning::') && line.includes(name))

const accessDenied = (): Fault => ({
  kind: 'status',
  status: 403,
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
  contentType: 'application/xml'
})

describe(`a CreateMultipartUpload whose answer was lost (${storage === 'builtin' ? 'builtin S3' : 'radosgw'})`, () => {
  it.each([
    ['a 503 after the work', { kind: 'lost-answer', status: 503 } as Fault],
    ['a reset after the work', { kind: 'lost-answer', reset: true } as Fault]
  ])('completes the sample and aborts the extra upload (%s)', async (_, fault) => {
    const name = `lost_create_${fault.kind === 'lost-answer' && fault.reset ? 'reset' : '503'}.fastq`
    const source = await file(name, 2 * PART + 10)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CreateMultipartUpload', fault)
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeUndefined()
      const [sample] = sandbox.samples()
      expect(sample.state).toBe('complete')
      expect(await sandbox.object(sample.keys[0])).toMatchObject({
        size: source.size,
        sha256: sha256(contents.get(name)!)
      })
      const creates = ofRoute(sandbox, 's3:CreateMultipartUpload')
      expect(creates).toHaveLength(2)
      expect(creates[0].lostStatus).toBe(200)
      // The upload that was used is completed; the one whose answer was lost is aborted.
      const used = ofRoute(sandbox, 's3:CompleteMultipartUpload')[0].s3?.uploadId
      const aborted = ofRoute(sandbox, 's3:AbortMultipartUpload').map(r => r.s3?.uploadId)
      expect(aborted).toHaveLength(1)
      expect(aborted[0]).not.toBe(used)
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(run.lines).toContain(
        `${name}: CreateMultipartUpload lost an answer and left 1 extra multipart upload open; aborted 1 of them.`
      )
      expect(warnings(run, name)).toEqual([])
    })
  })

  it('lists only when Create needed another attempt: a clean run sends no ListMultipartUploads', async () => {
    const source = await file('clean_then_lost.fastq', PART + 1)
    await withSandbox(async sandbox => {
      const clean = await send(sandbox, { file: source, route: 'multipart' })
      expect(clean.error).toBeUndefined()
      expect(ofRoute(sandbox, 's3:CreateMultipartUpload')).toHaveLength(1)
      expect(ofRoute(sandbox, 's3:ListMultipartUploads')).toHaveLength(0)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(0)

      sandbox.faults.add('s3:CreateMultipartUpload', { kind: 'lost-answer', status: 500 })
      const lost = await send(sandbox, { file: source, route: 'multipart' })
      expect(lost.error).toBeUndefined()
      expect(ofRoute(sandbox, 's3:ListMultipartUploads').length).toBeGreaterThanOrEqual(1)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })

  it('warns once, naming the file, when listing the open uploads is refused; no secret in the log', async () => {
    const name = 'list_refused.fastq'
    const source = await file(name, PART + 3)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CreateMultipartUpload', { kind: 'lost-answer', status: 503 })
      sandbox.faults.add('s3:ListMultipartUploads', { ...accessDenied(), times: 10 })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeUndefined()
      expect(sandbox.samples()[0].state).toBe('complete')
      // A refusal is not retried.
      expect(ofRoute(sandbox, 's3:ListMultipartUploads')).toHaveLength(1)
      const warned = warnings(run, name)
      expect(warned).toHaveLength(1)
      expect(warned[0]).toContain(
        "may be left in One Codex's bucket, its parts kept (billed storage) until a lifecycle rule removes them."
      )
      expect(warned[0]).toContain('AccessDenied: the temporary upload keys may not allow it')
      // The upload is honestly left behind: nothing else could be aborted.
      expect(await sandbox.pendingUploads()).toHaveLength(1)
      const keyId = run.secrets.at(-2)!
      const secret = run.secrets.at(-1)!
      expect(run.stdout).toContain(`::add-mask::${secret}`)
      const shown = [run.stdout.replace(/^::add-mask::.*$/gm, ''), ...run.lines].join('\n')
      expect(shown).not.toContain(secret)
      expect(shown).not.toContain(keyId)
      expect(shown).not.toContain(API_KEY)
    })
  })

  it('on a failed upload, aborts the upload in use once and the extra one too', async () => {
    const source = await file('lost_then_failed.fastq', PART + 5)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CreateMultipartUpload', { kind: 'lost-answer', status: 502 })
      sandbox.faults.add('s3:CompleteMultipartUpload', { kind: 'status', status: 500, times: 10 })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect(run.error).toBeInstanceOf(UploadError)
      const used = ofRoute(sandbox, 's3:CompleteMultipartUpload')[0].s3?.uploadId
      const aborted = ofRoute(sandbox, 's3:AbortMultipartUpload').map(r => r.s3?.uploadId)
      expect(aborted).toHaveLength(2)
      expect(new Set(aborted).size).toBe(2)
      expect(aborted[0]).toBe(used)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })

  it('when every CreateMultipartUpload answer is lost, aborts every upload they opened', async () => {
    const source = await file('never_answered.fastq', PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CreateMultipartUpload', { kind: 'lost-answer', status: 503, times: 4 })
      const run = await send(sandbox, { file: source, route: 'multipart' })
      expect((run.error as UploadError).message).toMatch(
        /^never_answered\.fastq: CreateMultipartUpload failed with HTTP 503.*\(gave up after 4 attempts\)\.$/
      )
      expect(ofRoute(sandbox, 's3:UploadPart')).toHaveLength(0)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(4)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })

  it('does not hold up a cancellation: one quick listing, the extra upload still aborted', async () => {
    const source = await file('lost_cancelled.fastq', 6 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:CreateMultipartUpload', { kind: 'lost-answer', status: 503 })
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 300, times: 100 })
      const controller = new AbortController()
      const sending = send(
        sandbox,
        { file: source, route: 'multipart' },
        { signal: controller.signal }
      )
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      controller.abort()
      const run = await sending
      expect((run.error as UploadError).message).toBe(
        'lost_cancelled.fastq: the upload was cancelled.'
      )
      expect(run.ms).toBeLessThan(5000)
      expect(ofRoute(sandbox, 's3:ListMultipartUploads')).toHaveLength(1)
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(2)
      expect(await sandbox.pendingUploads()).toEqual([])
    })
  })
})

/** S3 calls on the sandbox's bucket with the temporary keys init_multipart_upload hands out. */
async function directCalls(
  sandbox: Sandbox,
  filename: string
): Promise<{ calls: S3Calls; key: string; connections: S3Connections }> {
  const api = new OneCodexClient(sandbox.apiUrl, API_KEY)
  try {
    const init = await api.initMultipartUpload({ filename }, filename)
    const connections = new S3Connections({ endpoint: sandbox.storageUrl })
    const calls = await connections.calls(
      { accessKeyId: init.accessKeyId, secretAccessKey: init.secretAccessKey },
      init.bucket,
      [init.accessKeyId, init.secretAccessKey]
    )
    return { calls, key: init.fileId, connections }
  } finally {
    api.dispose()
  }
}

describe(`the open-upload sweep under faults (${storage === 'builtin' ? 'builtin S3' : 'radosgw'})`, () => {
  const sweepOptions = (calls: S3Calls, key: string, keep: string, lines: string[]) => ({
    calls,
    key,
    keep,
    retry: new RetryPolicy({ maxAttempts: 4, baseDelayMs: 5, log: line => lines.push(line) }),
    say: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(`warning: ${line}`),
    callTimeoutMs: 400
  })

  it('a stalled ListMultipartUploads is given up after its own timeout and retried: the extra upload is still aborted', async () => {
    await withSandbox(async sandbox => {
      const { calls, key, connections } = await directCalls(sandbox, 'stalled_list.fastq')
      try {
        const kept = await calls.createMultipartUpload(key, 'create')
        const extra = await calls.createMultipartUpload(key, 'create')
        sandbox.faults.add('s3:ListMultipartUploads', { kind: 'stall' })
        const lines: string[] = []
        const started = Date.now()
        await abortExtraUploads('stalled_list.fastq', sweepOptions(calls, key, kept, lines))
        expect(Date.now() - started).toBeLessThan(5000)
        expect(ofRoute(sandbox, 's3:ListMultipartUploads')).toHaveLength(2)
        expect(lines.some(line => line.startsWith('warning:'))).toBe(false)
        expect(lines.join('\n')).toMatch(
          /ListMultipartUploads: attempt 1 of 4 failed: .*got no answer within 0\.4 s\./
        )
        expect(ofRoute(sandbox, 's3:AbortMultipartUpload').map(r => r.s3?.uploadId)).toEqual([
          extra
        ])
        expect((await sandbox.pendingUploads()).map(u => u.uploadId)).toEqual([kept])
        await calls.abortMultipartUpload({ key, uploadId: kept }, 'abort')
      } finally {
        connections.dispose()
      }
    })
  })

  it('an abort that keeps failing is retried under max-attempts, then a warning names the upload, the key and what to do', async () => {
    await withSandbox(async sandbox => {
      const { calls, key, connections } = await directCalls(sandbox, 'stuck_abort.fastq')
      try {
        const kept = await calls.createMultipartUpload(key, 'create')
        const extra = await calls.createMultipartUpload(key, 'create')
        sandbox.faults.add('s3:AbortMultipartUpload', { kind: 'stall', times: 10 })
        const lines: string[] = []
        await abortExtraUploads('stuck_abort.fastq', sweepOptions(calls, key, kept, lines))
        expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(4)
        const warned = lines.filter(line => line.startsWith('warning:'))
        expect(warned).toHaveLength(1)
        expect(warned[0]).toContain(`upload ${extra} of key ${key}`)
        expect(warned[0]).toContain('One Codex support')
        expect((await sandbox.pendingUploads()).map(u => u.uploadId).sort()).toEqual(
          [kept, extra].sort()
        )
        sandbox.faults.clear()
        for (const uploadId of [kept, extra])
          await calls.abortMultipartUpload({ key, uploadId }, 'abort')
      } finally {
        connections.dispose()
      }
    })
  })

  it('on cancellation, a failed abort of the upload in use is retried, and what stays open is a warning, not a log line', async () => {
    const source = await file('cancel_abort_fails.fastq', 6 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 300, times: 100 })
      sandbox.faults.add('s3:AbortMultipartUpload', { kind: 'status', status: 500, times: 50 })
      const controller = new AbortController()
      const sending = send(
        sandbox,
        { file: source, route: 'multipart' },
        { signal: controller.signal }
      )
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      controller.abort()
      const run = await sending
      expect(run.ms).toBeLessThan(5000)
      // Retried like any request (max-attempts 4), not one quick try.
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload')).toHaveLength(4)
      const [open] = await sandbox.pendingUploads()
      const warned = warnings(run, 'cancel_abort_fails.fastq')
      expect(warned).toHaveLength(1)
      expect(warned[0]).toContain(`could not abort its multipart upload ${open.uploadId}`)
      expect(run.lines.filter(line => line.includes('could not abort'))).toEqual([])
    })
  })

  it('on cancellation, an abort that fails once is retried and leaves nothing open', async () => {
    const source = await file('cancel_abort_once.fastq', 6 * PART)
    await withSandbox(async sandbox => {
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 300, times: 100 })
      sandbox.faults.add('s3:AbortMultipartUpload', { kind: 'status', status: 503 })
      const controller = new AbortController()
      const sending = send(
        sandbox,
        { file: source, route: 'multipart' },
        { signal: controller.signal }
      )
      while (ofRoute(sandbox, 's3:UploadPart').length === 0)
        await new Promise(r => setTimeout(r, 10))
      controller.abort()
      const run = await sending
      expect(ofRoute(sandbox, 's3:AbortMultipartUpload').map(r => r.status)).toEqual([503, 204])
      expect(await sandbox.pendingUploads()).toEqual([])
      expect(warnings(run, 'cancel_abort_once.fastq')).toEqual([])
    })
  })
})

describe('listing the open uploads of a key', () => {
  /** S3's answers, scripted: ListMultipartUploads pages; every other call records itself. */
  function scripted(pages: UploadsPage[]): { calls: S3Calls; asked: unknown[]; aborted: string[] } {
    const asked: unknown[] = []
    const aborted: string[] = []
    const unused = (): Promise<never> => Promise.reject(new Error('not expected'))
    const calls: S3Calls = {
      createMultipartUpload: unused,
      uploadPart: unused,
      completeMultipartUpload: unused,
      abortMultipartUpload: async target => {
        aborted.push(target.uploadId)
      },
      listMultipartUploads: async (prefix: string, page: UploadsPageMarker | undefined) => {
        asked.push({ prefix, page })
        const next = pages.shift()
        if (!next) throw new Error('listed past the last page')
        return next
      }
    }
    return { calls, asked, aborted }
  }
  const options = (calls: S3Calls, keep?: string, lines: string[] = []) => ({
    calls,
    key: 'u/f/x.fq',
    keep,
    retry: new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1, log: () => undefined }),
    say: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(`warning: ${line}`)
  })

  it('follows KeyMarker/UploadIdMarker pages and aborts only the exact key’s other uploads', async () => {
    const { calls, asked, aborted } = scripted([
      {
        uploads: [
          { key: 'u/f/x.fq', uploadId: 'a' },
          { key: 'u/f/x.fq', uploadId: 'kept' }
        ],
        next: { keyMarker: 'u/f/x.fq', uploadIdMarker: 'kept' }
      },
      {
        uploads: [
          { key: 'u/f/x.fq', uploadId: 'b' },
          { key: 'u/f/x.fq.bak', uploadId: 'other-key' }
        ],
        next: { keyMarker: 'u/f/x.fq.bak', uploadIdMarker: 'other-key' }
      }
    ])
    const lines: string[] = []
    await abortExtraUploads('x.fq', options(calls, 'kept', lines))
    expect(asked).toEqual([
      { prefix: 'u/f/x.fq', page: undefined },
      { prefix: 'u/f/x.fq', page: { keyMarker: 'u/f/x.fq', uploadIdMarker: 'kept' } }
    ])
    // The listing stops once it is past the key; a longer key with it as prefix is left alone.
    expect(aborted).toEqual(['a', 'b'])
    expect(lines).toEqual([
      'x.fq: CreateMultipartUpload lost an answer and left 2 extra multipart uploads open; aborted 2 of them.'
    ])
  })

  it('warns when the listing fails after its retries', async () => {
    const { calls } = scripted([])
    calls.listMultipartUploads = () =>
      Promise.reject(
        new UploadError('x.fq: ListMultipartUploads failed: socket hang up (ECONNRESET).', {
          code: 'ECONNRESET'
        })
      )
    const lines: string[] = []
    await abortExtraUploads('x.fq', options(calls, undefined, lines))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^warning: x\.fq: .*listing the open uploads to abort it failed \(.*ECONNRESET.*\)\. An open multipart upload of x\.fq \(key u\/f\/x\.fq\) may be left in One Codex's bucket/
    )
  })
})
