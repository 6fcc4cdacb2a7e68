/**
 * The standard route against the sandbox (radosgw storage when jest's setup started one, else
 * the builtin storage with the same POST policy rules): an expired upload form is replaced once
 * by a fresh init_upload, the abandoned sample is cancelled, and nothing is retried with a form
 * that cannot succeed.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { truncateSync } from 'node:fs'
import { radosgwFromEnv } from '../../../sandbox/radosgw-env.js'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../sandbox/emulator.js'
import type { Sample, Settings, Source } from '../../../src/shared/types.js'
import { OneCodexClient } from '../../../src/onecodex/client.js'
import { RetryPolicy } from '../../../src/net/retry-helper.js'
import type { RouteContext } from '../../../src/upload/routes/route.js'
import { StandardRoute } from '../../../src/upload/routes/standard-route.js'
import { ExpiredPolicyError } from '../../../src/upload/routes/storage-upload.js'
import { uploadSamples } from '../../../src/upload/uploader.js'
import { captureStdout, fastq, fastqSource, tempWorkspace } from '../../helpers/fixtures.js'
import { testSettings } from '../../helpers/settings.js'
import { gateFor } from '../../helpers/gate.js'

const storage: SandboxOptions['storage'] = radosgwFromEnv() ?? 'builtin'
const EXPIRED_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><RequestId>R1</RequestId></Error>'

let sandbox: Sandbox | undefined
let ws: ReturnType<typeof tempWorkspace>
let api: OneCodexClient | undefined
let route: StandardRoute | undefined

beforeEach(() => {
  ws = tempWorkspace('ocu-route-')
})
afterEach(async () => {
  api?.dispose()
  route?.dispose()
  api = route = undefined
  await sandbox?.close()
  sandbox = undefined
  ws.remove()
})

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

const source = (name: string, content: string): Source => fastqSource(ws.write(name, content))

const settings = (box: Sandbox, overrides: Partial<Settings> = {}): Settings =>
  testSettings({
    apiKey: box.apiKey,
    apiUrl: box.apiUrl,
    patterns: ['*.fq'],
    concurrency: 1,
    maxAttempts: 4,
    workspace: ws.dir,
    ...overrides
  })

/** Runs the route for `sample`; returns its result or error, the ids it created and its lines. */
async function send(
  box: Sandbox,
  sample: Sample,
  options: { socketTimeoutMs?: number; idleLineEveryMs?: number } = {},
  overrides: Partial<Settings> = {}
) {
  api = new OneCodexClient(box.apiUrl, box.apiKey, { socketTimeoutMs: 5000 })
  route = new StandardRoute({ socketTimeoutMs: 5000, ...options })
  /** Each line prefixed with the time it was written (ms since the epoch). */
  const stamped: string[] = []
  const created: string[] = []
  const routeSettings = settings(box, overrides)
  const context: RouteContext = {
    settings: routeSettings,
    api,
    retry: new RetryPolicy({
      maxAttempts: 4,
      baseDelayMs: 1,
      log: line => stamped.push(`${Date.now()} ${line}`)
    }),
    say: line => stamped.push(`${Date.now()} ${line}`),
    secrets: [],
    onCreated: id => created.push(id),
    gate: gateFor(routeSettings, line => stamped.push(`${Date.now()} ${line}`))
  }
  let outcome: { result?: Awaited<ReturnType<StandardRoute['send']>>; error?: unknown } = {}
  // core.debug lines (the redacted form fields) go to stdout: keep them out of the test output
  await captureStdout(async () => {
    outcome = await route!.send(sample, context).then(
      result => ({ result }),
      (error: unknown) => ({ error })
    )
  })
  context.gate.close()
  const lines = stamped.map(line => line.replace(/^\d+ /, ''))
  return { ...outcome, created, lines, stamped, context }
}

const routesOf = (box: Sandbox): string[] =>
  box.requests.filter(r => r.route !== 'other').map(r => `${r.route} ${r.status}`)

describe('StandardRoute: an expired upload form', () => {
  it('is replaced once by a fresh init_upload; the abandoned sample is cancelled', async () => {
    sandbox = await startSandbox({ storage })
    const content = fastq(200)
    const file = source('reads.fq', content)
    sandbox.faults.add('storage', {
      kind: 'status',
      status: 403,
      body: EXPIRED_XML,
      contentType: 'application/xml'
    })

    const { result, error, created, lines } = await send(sandbox, { file })

    expect(error).toBeUndefined()
    expect(created).toHaveLength(2)
    expect(result?.sampleId).toBe(created[1])
    expect(result?.sha256).toEqual([sha256(content)])
    expect(routesOf(sandbox)).toEqual([
      'init_upload 200',
      'storage 403',
      'cancel_upload 200',
      'init_upload 200',
      'storage 201',
      'confirm_upload 200'
    ])
    const cancel = sandbox.requests.find(r => r.route === 'cancel_upload')
    expect(cancel?.body).toEqual({ sample_id: created[0] })
    const samples = sandbox.samples()
    expect(samples.map(s => [s.sample_id, s.state])).toEqual([
      [created[0], 'cancelled'],
      [created[1], 'complete']
    ])
    const stored = await sandbox.object(samples[1].keys[0])
    expect(stored).toMatchObject({ size: content.length, sha256: sha256(content) })
    expect(lines).toContain(
      `reads.fq: storage refused the upload form of sample ${created[0]} because its policy expired; cancelling that sample and asking init_upload for a fresh form (once).`
    )
    // the doomed form was never sent twice
    expect(lines.filter(l => /storage upload: attempt/.test(l))).toEqual([])
  })

  it('asks for a fresh form for a pre-uploaded sample without cancelling it', async () => {
    sandbox = await startSandbox({ storage })
    const preuploaded = sandbox.preupload({ externalSampleId: 'run-42-S1' })
    sandbox.faults.add('storage', {
      kind: 'status',
      status: 403,
      body: EXPIRED_XML,
      contentType: 'application/xml'
    })
    const { result, error, created } = await send(
      sandbox,
      { file: source('pre.fq', fastq(10)) },
      {},
      { sampleId: preuploaded }
    )
    expect(error).toBeUndefined()
    expect(result?.sampleId).toBe(preuploaded)
    expect(created).toEqual([preuploaded, preuploaded])
    expect(routesOf(sandbox)).toEqual([
      'init_upload 200',
      'storage 403',
      'init_upload 200',
      'storage 201',
      'confirm_upload 200'
    ])
  })

  it('re-sends both mates of a pair with the new forms when R2’s form expired', async () => {
    sandbox = await startSandbox({ storage })
    const r1 = fastq(120)
    const r2 = fastq(121)
    const sample: Sample = { file: source('lib_R1.fq', r1), mate: source('lib_R2.fq', r2) }
    // R1 goes through, R2's form has expired by the time it is sent
    sandbox.faults.failFile('lib_R2.fq', 'storage', 403, EXPIRED_XML)
    const { error, created } = await send(sandbox, sample)
    // the fresh form for R2 "expires" too here (the fault is permanent): given up after one renewal
    expect(error).toBeInstanceOf(ExpiredPolicyError)
    expect((error as Error).message).toContain('Policy expired')
    expect(created).toHaveLength(2)
    expect(routesOf(sandbox)).toEqual([
      'init_upload 200',
      'storage 201',
      'storage 403',
      'cancel_upload 200',
      'init_upload 200',
      'storage 201',
      'storage 403'
    ])
  })

  it(`gives up after one renewal when every form is already expired (real policy check: ${storage === 'builtin' ? 'builtin' : 'radosgw'})`, async () => {
    sandbox = await startSandbox({ storage, policyTtlSeconds: -60 })
    const { error, created } = await send(sandbox, { file: source('late.fq', fastq(20)) })
    expect(error).toBeInstanceOf(ExpiredPolicyError)
    expect((error as ExpiredPolicyError).retryable).toBe(false)
    expect((error as Error).message).toMatch(
      /^Storage upload of late\.fq failed with HTTP 403 .*Policy expired/i
    )
    expect(created).toHaveLength(2)
    // two forms, each sent once: no retry of a doomed form, no third init_upload
    expect(routesOf(sandbox).filter(r => !r.startsWith('s3:'))).toEqual([
      'init_upload 200',
      'storage 403',
      'cancel_upload 200',
      'init_upload 200',
      'storage 403'
    ])
    // radosgw says "Policy expired", S3 "Invalid according to Policy: Policy expired."
  })

  it('through the uploader: the sample confirmed is the renewed one, and no sample is left awaiting data', async () => {
    sandbox = await startSandbox({ storage })
    const box = sandbox
    box.faults.add('storage', {
      kind: 'status',
      status: 403,
      body: EXPIRED_XML,
      contentType: 'application/xml'
    })
    const lines: string[] = []
    let results: Awaited<ReturnType<typeof uploadSamples>> | undefined
    await captureStdout(async () => {
      results = await uploadSamples([{ file: source('one.fq', fastq(30)) }], settings(box), {
        retryBaseDelayMs: 1,
        socketTimeoutMs: 5000,
        log: line => lines.push(line)
      })
    })
    const outcome = results!.outcomes[0]
    if (!outcome.ok) throw new Error(outcome.failure.error)
    const samples = box.samples()
    expect(samples.map(s => s.state)).toEqual(['cancelled', 'complete'])
    expect(outcome.sample.sample_id).toBe(samples[1].sample_id)
    expect(lines.some(line => /policy expired; cancelling that sample/.test(line))).toBe(true)
  })
})

describe('StandardRoute: a stalled transfer', () => {
  it('says so while nothing moves, is aborted after ONE socket timeout, and retried from byte 0', async () => {
    sandbox = await startSandbox({ storage })
    const file = source('big.fastq', '@r1\nACGT\n+\nIIII\n')
    truncateSync(file.path, 16 * 1024 * 1024) // sparse: far more than the socket buffers hold
    const sample: Sample = {
      file: {
        ...file,
        size: 16 * 1024 * 1024,
        segments: [{ path: file.path, size: 16 * 1024 * 1024 }]
      }
    }
    sandbox.faults.add('storage', { kind: 'stall', afterBytes: 1024 * 1024 })

    // Sparse (zero bytes): validate head, this pins the transfer.
    const { result, error, lines, stamped } = await send(
      sandbox,
      sample,
      { socketTimeoutMs: 1000, idleLineEveryMs: 300 },
      { validate: 'head' }
    )

    expect(error).toBeUndefined()
    const idle = lines.filter(line => line.includes(', waiting'))
    expect(idle.length).toBeGreaterThanOrEqual(2)
    expect(idle[0]).toMatch(
      /^big\.fastq: 0 B\/s for 0\.3 s \([\d.]+ MB of 16\.8 MB sent\), waiting$/
    )
    expect(idle[1]).toMatch(/^big\.fastq: 0 B\/s for 0\.6 s /)
    const retryLine = stamped.find(line => line.includes('storage upload: attempt 1 of 4 failed'))
    expect(retryLine).toMatch(
      /big\.fastq: storage upload: attempt 1 of 4 failed: Storage upload of big\.fastq failed: no bytes moved for 1(\.\d)? s \(ETIMEDOUT\) Retrying in/
    )
    // one timeout after the last byte moved, not two (node's own socket timeout takes 2 s here)
    const lastMoved =
      Number(stamped.find(line => line.includes('0 B/s for 0.3 s'))!.split(' ')[0]) - 300
    expect(Number(retryLine!.split(' ')[0]) - lastMoved).toBeLessThan(1500)
    expect(result?.sha256).toHaveLength(1)
    expect(routesOf(sandbox)).toEqual([
      'init_upload 200',
      'storage 0',
      'storage 201',
      'confirm_upload 200'
    ])
    const stored = await sandbox.object(sandbox.samples()[0].keys[0])
    expect(stored?.size).toBe(16 * 1024 * 1024)
    expect(stored?.sha256).toBe(result?.sha256[0])
  })
})
