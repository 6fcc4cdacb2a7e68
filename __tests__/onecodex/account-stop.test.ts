// Account-level failures end the run at once (AccountStop + OneCodexClient + uploadSamples),
// against the One Codex emulator on loopback and closed loopback ports: a wrong key (401), no
// credits (402) and an unreachable api-url stop scheduling, and say their cause once naming the
// input to check; a 403 stays each sample's own failure, its hint naming the project.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import type { Sample, Settings, Source } from '../../src/shared/types.js'
import { AccountStop } from '../../src/onecodex/account-stop.js'
import { OneCodexClient } from '../../src/onecodex/client.js'
import { UploadError } from '../../src/shared/upload-error.js'
import { uploadSamples, type UploadResults } from '../../src/upload/uploader.js'
import { captureStdout, fastq, fastqSource, tempWorkspace } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

let sandbox: Sandbox
let ws: ReturnType<typeof tempWorkspace>
let samples: Sample[]
const savedEnv = { ...process.env }

beforeAll(() => {
  ws = tempWorkspace('ocu-account-stop-')
  samples = Array.from({ length: 40 }, (_, i) => ({ file: source(`s${i}.fq`) }))
})
afterAll(() => ws.remove())
beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: 'the-right-key-0123' })
})
afterEach(async () => {
  await sandbox.close()
  process.env = { ...savedEnv }
})

const source = (name: string): Source => fastqSource(ws.write(name, fastq(2)))

const settings = (overrides: Partial<Settings> = {}): Settings =>
  testSettings({
    apiKey: sandbox.apiKey,
    apiUrl: sandbox.apiUrl,
    patterns: ['*.fq'],
    paired: false,
    maxAttempts: 2,
    workspace: ws.dir,
    ...overrides
  })

async function upload(
  overrides: Partial<Settings> = {},
  which: readonly Sample[] = samples
): Promise<UploadResults> {
  let results: UploadResults | undefined
  await captureStdout(async () => {
    results = await uploadSamples(which, settings(overrides), {
      retryBaseDelayMs: 1,
      socketTimeoutMs: 2000,
      log: () => undefined,
      warn: () => undefined
    })
  })
  return results as UploadResults
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const inits = (): number => sandbox.requests.filter(r => r.route === 'init_upload').length
const statuses = (results: UploadResults): (string | undefined)[] =>
  results.outcomes.map(o => (o.ok ? 'confirmed' : (o.failure.status ?? 'failed')))

describe('a wrong API key (401) stops the run', () => {
  it('makes at most `concurrency` init_upload calls; the rest are not attempted; one cause naming api-key', async () => {
    const results = await upload({ apiKey: 'a-wrong-key-9876' })
    expect(inits()).toBeLessThanOrEqual(4)
    expect(inits()).toBeGreaterThan(0)
    expect(sandbox.requests.filter(r => r.route === 'storage')).toEqual([])
    expect(results.stopped?.input).toBe('api-key')
    expect(results.stopped?.message).toMatch(
      /^One Codex did not accept the API key \(HTTP 401: Invalid API key or no API key provided\.\): check the api-key input/
    )
    const failed = results.outcomes.filter(o => !o.ok && o.failure.status === undefined)
    expect(failed).toHaveLength(inits())
    for (const outcome of failed) {
      expect(outcome.ok).toBe(false)
      if (!outcome.ok) {
        expect(outcome.accountLevel).toBe(true)
        // The cause is said once, by the stop: the sample's own message does not repeat it.
        expect(outcome.failure.error).toMatch(/failed with HTTP 401/)
        expect(outcome.failure.error).not.toContain('api-key')
      }
    }
    const notAttempted = statuses(results).filter(s => s === 'not attempted')
    expect(notAttempted).toHaveLength(40 - inits())
    const first = results.outcomes.find(o => !o.ok && o.failure.status === 'not attempted')
    expect(!first?.ok && first?.failure.error).toBe(
      'not attempted: the run stopped at an account-level failure; check the api-key input.'
    )
    // Every planned sample is accounted for, in plan order.
    expect(results.outcomes).toHaveLength(40)
    expect(results.outcomes.every((o, i) => o.ok || o.failure.path === samples[i].file.path)).toBe(
      true
    )
  })

  it('with concurrency 1: exactly one init_upload call', async () => {
    const results = await upload({ apiKey: 'a-wrong-key-9876', concurrency: 1 })
    expect(inits()).toBe(1)
    expect(statuses(results).filter(s => s === 'not attempted')).toHaveLength(39)
  })
})

describe('a 404 from a route that must exist stops the run (api-url is not One Codex)', () => {
  it('init_upload 404 (api-url with a path): at most `concurrency` calls, one cause naming api-url and the route', async () => {
    // The API docs' base URL copied into api-url: every route lands on a path that does not exist.
    const apiUrl = `${sandbox.apiUrl}/api/v1`
    const results = await upload({ apiUrl })
    const tried = sandbox.requests.filter(r => r.route === 'other')
    expect(tried.length).toBeGreaterThan(0)
    expect(tried.length).toBeLessThanOrEqual(4)
    expect(tried[0].url).toBe('/api/v1/api/v1/samples/init_upload')
    expect(results.stopped).toEqual({
      input: 'api-url',
      message: `api-url ${apiUrl} answered HTTP 404 for /api/v1/samples/init_upload: is it One Codex's origin? It must be the origin only (scheme, host and port, like https://app.onecodex.com), with no path: check the api-url input.`
    })
    expect(statuses(results).filter(s => s === 'not attempted')).toHaveLength(40 - tried.length)
    for (const outcome of results.outcomes.filter(o => !o.ok && o.failure.status === undefined))
      expect(!outcome.ok && outcome.accountLevel).toBe(true)
  })

  it('init_multipart_upload 404 stops the run the same way', async () => {
    sandbox.faults.add('init_multipart_upload', { kind: 'status', status: 404, times: 100 })
    const results = await upload(
      {},
      samples.map(sample => ({ ...sample, route: 'multipart' as const }))
    )
    expect(results.stopped?.input).toBe('api-url')
    expect(results.stopped?.message).toMatch(
      /^api-url http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 for \/api\/v1\/samples\/init_multipart_upload: is it One Codex's origin\?/
    )
    expect(
      sandbox.requests.filter(r => r.route === 'init_multipart_upload').length
    ).toBeLessThanOrEqual(4)
  })

  it("confirm_upload's 404 (sample not found) stays that sample's failure", async () => {
    sandbox.faults.add('confirm_upload', {
      kind: 'status',
      status: 404,
      body: JSON.stringify({ message: 'Sample not found.' })
    })
    const results = await upload({ concurrency: 1 })
    expect(results.stopped).toBeUndefined()
    expect(statuses(results).filter(s => s === 'confirmed')).toHaveLength(39)
  })
})

describe('no credits (402) stops the run too', () => {
  it('names the api-key account and the server’s words', async () => {
    sandbox.faults.add('init_upload', {
      kind: 'status',
      status: 402,
      times: 100,
      body: JSON.stringify({ message: 'Your plan does not allow more uploads.' })
    })
    const results = await upload()
    expect(inits()).toBeLessThanOrEqual(4)
    expect(results.stopped).toEqual({
      input: 'api-key',
      message: expect.stringContaining(
        'One Codex refused uploads for the account of the API key (HTTP 402 Payment Required: Your plan does not allow more uploads.)'
      )
    })
  })
})

describe('a 403 stays each sample’s own failure', () => {
  it('every sample is tried; the hint names the project when one was given', async () => {
    sandbox.faults.add('init_upload', {
      kind: 'status',
      status: 403,
      times: 1000,
      body: JSON.stringify({ message: 'Forbidden.' })
    })
    const results = await upload({ project: 'proj0123456789ab', concurrency: 8 })
    expect(results.stopped).toBeUndefined()
    expect(inits()).toBe(40)
    const errors = results.outcomes.map(o => (o.ok ? '' : o.failure.error))
    expect(errors[0]).toBe(
      "init_upload for s0.fq failed with HTTP 403 (Forbidden.). The API key's account may not upload into project proj0123456789ab: check the project input (or the sample sheet's project column) and the key's access to that project."
    )
  })

  it('without a project the hint points at the key', async () => {
    sandbox.faults.add('init_upload', { kind: 'status', status: 403, times: 1000 })
    const results = await upload()
    expect(results.stopped).toBeUndefined()
    const outcome = results.outcomes[0]
    expect(!outcome.ok && outcome.failure.error).toMatch(
      /HTTP 403 .*The API key was accepted but may not do this: check the api-key input/
    )
  })
})

describe('an api-url that never answers stops the run', () => {
  it('connection refused: at most `concurrency` samples tried, the cause names api-url and says no proxy', async () => {
    const port = await closedPort()
    const apiUrl = `http://127.0.0.1:${port}`
    const results = await upload({ apiUrl })
    expect(results.stopped?.input).toBe('api-url')
    expect(results.stopped?.message).toMatch(
      new RegExp(
        `^One Codex could not be reached at api-url http://127\\.0\\.0\\.1:${port} \\(no proxy\\): .*ECONNREFUSED.*\\. Check the api-url input\\.$`
      )
    )
    const tried = results.outcomes.filter(o => !o.ok && o.failure.status === undefined)
    expect(tried.length).toBeLessThanOrEqual(4)
    expect(statuses(results).filter(s => s === 'not attempted')).toHaveLength(40 - tried.length)
    const outcome = tried[0]
    expect(!outcome.ok && outcome.failure.error).toMatch(
      new RegExp(`ECONNREFUSED.*\\(api-url http://127\\.0\\.0\\.1:${port}, no proxy\\)`)
    )
  })

  it('connection refused with HTTPS_PROXY set: says why the proxy was not used, never "no proxy"', async () => {
    const port = await closedPort()
    process.env.HTTPS_PROXY = 'http://proxy.corp:3128'
    const results = await upload({ apiUrl: `http://127.0.0.1:${port}` })
    expect(results.stopped?.message).toMatch(
      new RegExp(
        `^One Codex could not be reached at api-url http://127\\.0\\.0\\.1:${port} \\(direct: HTTPS_PROXY is not used for loopback hosts\\): .*ECONNREFUSED.*\\. Check the api-url input\\.$`
      )
    )
    const outcome = results.outcomes[0]
    expect(!outcome.ok && outcome.failure.error).not.toContain('no proxy')
  })

  it('every init request was sent but its connection dropped before the answer: says so, not "could not be reached"', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', reset: true, times: 1000 })
    const results = await upload({ concurrency: 1 })
    expect(results.stopped?.input).toBe('api-url')
    expect(results.stopped?.message).toBe(
      `Requests to api-url ${sandbox.apiUrl} (no proxy) were sent, but the connection dropped before any answer came: socket hang up (ECONNRESET). One Codex may have acted on them: the samples they may have made are looked for and cancelled. Check the api-url input; a proxy, gateway or firewall that cuts connections, or a server there that is not One Codex, is a likely cause.`
    )
    expect(results.stopped?.message).not.toMatch(/could not be reached|\.\./)
  })

  it('through a proxy: the message says which proxy was in the way', async () => {
    const port = await closedPort()
    process.env.HTTPS_PROXY = `http://user:secret@127.0.0.1:${port}`
    process.env.https_proxy = process.env.HTTPS_PROXY
    delete process.env.NO_PROXY
    delete process.env.no_proxy
    // Never contacted: the proxy (a closed loopback port) refuses the tunnel first.
    const client = new OneCodexClient('https://onecodex.invalid', 'k'.repeat(20))
    let error: unknown
    try {
      await client.confirmUpload('abc', 'x.fq')
    } catch (caught) {
      error = caught
    } finally {
      client.dispose()
    }
    expect(error).toBeInstanceOf(UploadError)
    const message = (error as UploadError).message
    expect(message).toContain(
      `(api-url https://onecodex.invalid, through the proxy http://127.0.0.1:${port} from https_proxy)`
    )
    expect(message).not.toContain('secret')
    expect(client.reached).toBe(false)
    expect(client.unreachable?.message).toMatch(
      /^One Codex could not be reached at api-url https:\/\/onecodex\.invalid \(through the proxy http:\/\/127\.0\.0\.1:\d+ from https_proxy\): .*Check the api-url input and the proxy settings \(https_proxy, NO_PROXY\)\.$/
    )
  })

  it('once api-url answered, a later network failure is one sample’s failure, not a stop', () => {
    const stop = new AccountStop()
    const network = new UploadError('init_upload for x.fq failed: read ECONNRESET', {
      code: 'ECONNRESET'
    })
    const unreachable = { input: 'api-url' as const, message: 'cannot reach' }
    expect(stop.consider(network, { reached: true, unreachable })).toBe(false)
    expect(stop.stopped).toBe(false)
    // An HTTP answer is never "unreachable".
    const http500 = new UploadError('x failed with HTTP 500.', { status: 500 })
    expect(stop.consider(http500, { reached: false, unreachable })).toBe(false)
    expect(stop.consider(network, { reached: false, unreachable })).toBe(true)
    expect(stop.cause).toBe(unreachable)
  })

  it('keeps the first cause', () => {
    const stop = new AccountStop()
    const first = { input: 'api-key' as const, message: 'first' }
    stop.consider(new UploadError('a', { status: 401, account: first }), { reached: true })
    stop.consider(
      new UploadError('b', { status: 402, account: { input: 'api-key', message: 'second' } }),
      { reached: true }
    )
    expect(stop.cause).toBe(first)
  })
})
