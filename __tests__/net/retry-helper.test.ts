import { describe, expect, it } from '@jest/globals'
import { baseDelayFromEnv, RetryPolicy, RETRY_BASE_ENV } from '../../src/net/retry-helper.js'
import { StorageClient } from '../../src/upload/routes/storage-upload.js'
import {
  httpError,
  isRetryable,
  parseRetryAfter,
  UploadError
} from '../../src/shared/upload-error.js'
import { tempWorkspace, wholeFile } from '../helpers/fixtures.js'
import { startRawServer } from '../helpers/raw-server.js'

/** A policy whose sleeps are recorded instead of waited. */
function recordingPolicy(maxAttempts: number, random = 0.5) {
  const delays: number[] = []
  const lines: string[] = []
  const policy = new RetryPolicy({
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 5000,
    sleep: async ms => {
      delays.push(ms)
    },
    random: () => random,
    log: line => lines.push(line)
  })
  return { policy, delays, lines }
}

const unavailable = (): UploadError => new UploadError('503', { status: 503 })

describe('RetryPolicy.execute', () => {
  it('retries retryable errors with full-jitter exponential backoff until success', async () => {
    const { policy, delays, lines } = recordingPolicy(5)
    let calls = 0
    const result = await policy.execute('x.fq: storage upload', async attempt => {
      calls++
      if (attempt < 4) throw unavailable()
      return 'done'
    })
    expect(result).toBe('done')
    expect(calls).toBe(4)
    // random 0.5 × min(1000, 100·2^(n-1))
    expect(delays).toEqual([50, 100, 200])
    expect(lines[0]).toContain('x.fq: storage upload: attempt 1 of 5 failed')
  })

  it('caps the backoff at maxDelayMs', async () => {
    const { policy, delays } = recordingPolicy(8, 1)
    await expect(policy.execute('x', async () => Promise.reject(unavailable()))).rejects.toThrow()
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000)
    expect(delays.slice(-2)).toEqual([1000, 1000])
  })

  it('gives up after maxAttempts in total and says so', async () => {
    const { policy, delays } = recordingPolicy(3)
    let calls = 0
    const error = await policy
      .execute('x', async () => {
        calls++
        throw new UploadError('init_upload for x.fq failed with HTTP 503.', { status: 503 })
      })
      .catch((e: unknown) => e as UploadError)
    expect(calls).toBe(3)
    expect(delays).toHaveLength(2)
    expect(error.message).toBe(
      'init_upload for x.fq failed with HTTP 503 (gave up after 3 attempts).'
    )
    expect(error.status).toBe(503)
  })

  it('fails at once on a fatal error (401)', async () => {
    const { policy, delays } = recordingPolicy(5)
    let calls = 0
    await expect(
      policy.execute('x', async () => {
        calls++
        throw new UploadError('401', { status: 401 })
      })
    ).rejects.toThrow('401')
    expect(calls).toBe(1)
    expect(delays).toEqual([])
  })

  it('honours Retry-After instead of the backoff, capped', async () => {
    const { policy, delays } = recordingPolicy(3)
    let attempt = 0
    await policy.execute('x', async () => {
      attempt++
      if (attempt === 1) throw new UploadError('429', { status: 429, retryAfterMs: 2000 })
      if (attempt === 2) throw new UploadError('429', { status: 429, retryAfterMs: 999_999 })
      return 1
    })
    expect(delays).toEqual([2000, 5000])
  })

  it('ends a backoff delay at once when its signal aborts, and tries no more', async () => {
    const lines: string[] = []
    const policy = new RetryPolicy({
      maxAttempts: 5,
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      random: () => 1,
      log: line => lines.push(line)
    })
    const controller = new AbortController()
    let calls = 0
    const started = Date.now()
    const running = policy.execute(
      'part 3',
      async () => {
        calls++
        throw unavailable()
      },
      { signal: controller.signal }
    )
    setTimeout(() => controller.abort(), 50)
    // Without the signal the policy would sleep a minute (and keep the process alive).
    const outcome = await Promise.race([
      running.then(
        () => 'resolved',
        (error: unknown) => (error as Error).message
      ),
      new Promise(resolve => setTimeout(() => resolve('still waiting'), 2000).unref())
    ])
    expect(outcome).toBe('part 3 was stopped.')
    expect(Date.now() - started).toBeLessThan(1000)
    expect(calls).toBe(1)
  })

  it('after the signal: a failed attempt is neither logged as "Retrying" nor retried, and none starts', async () => {
    const { policy, delays, lines } = recordingPolicy(5)
    const controller = new AbortController()
    let calls = 0
    const error = await policy
      .execute(
        'skip-existing: listing samples',
        async () => {
          calls++
          // The job is cancelled while the request is out; its failure comes after.
          controller.abort()
          throw unavailable()
        },
        { signal: controller.signal }
      )
      .catch((e: unknown) => e as UploadError)
    expect(error.message).toBe('skip-existing: listing samples was stopped.')
    expect(error.code).toBe('ABORTED')
    expect(calls).toBe(1)
    expect(lines).toEqual([])
    expect(delays).toEqual([])

    let started = 0
    await expect(
      policy.execute('x', async () => started++, { signal: controller.signal })
    ).rejects.toThrow('x was stopped.')
    expect(started).toBe(0)
  })

  it('retries a real 503 and a 429 with Retry-After from a storage server, then succeeds', async () => {
    const ws = tempWorkspace('ocu-retry-')
    const server = await startRawServer(index =>
      index === 0
        ? { kind: 'respond', status: 503 }
        : index === 1
          ? { kind: 'respond', status: 429, headers: { 'retry-after': '0' } }
          : { kind: 'respond', status: 204 }
    )
    const storage = new StorageClient()
    try {
      const content = '@r\nACGT\n+\nIIII\n'
      const file = ws.write('r.fq', content)
      const lines: string[] = []
      const policy = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1, log: l => lines.push(l) })
      const stored = await policy.execute('r.fq: storage upload', () =>
        storage.upload({ url: server.url, fields: {} }, wholeFile(file, 'r.fq'))
      )
      expect(stored.status).toBe(204)
      expect(server.requests).toHaveLength(3)
      expect(lines).toHaveLength(2)
      expect(lines[0]).toContain('HTTP 503')
      expect(lines[1]).toContain('HTTP 429')
    } finally {
      storage.dispose()
      await server.close()
      ws.remove()
    }
  })
})

describe('isRetryable', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %d', status =>
    expect(isRetryable(new UploadError('x', { status }))).toBe(true)
  )
  it.each([400, 401, 402, 403, 404, 413])('fails at once on HTTP %d', status =>
    expect(isRetryable(new UploadError('x', { status }))).toBe(false)
  )
  it.each(['SlowDown', 'RequestTimeout', 'InternalError'])('retries S3 %s even on a 400', code =>
    expect(isRetryable(new UploadError('x', { status: 400, code }))).toBe(true)
  )
  it.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED'])('retries network error %s', code =>
    expect(isRetryable(Object.assign(new Error('x'), { code }))).toBe(true)
  )
  it('retries socket hang-ups and refuses file errors', () => {
    expect(isRetryable(new Error('socket hang up'))).toBe(true)
    expect(isRetryable(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  it('reads seconds and HTTP dates, capped, never negative', () => {
    expect(parseRetryAfter('3', 60_000, now)).toBe(3000)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', 60_000, now)).toBe(10_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', 60_000, now)).toBe(0)
    expect(parseRetryAfter('3600', 60_000, now)).toBe(60_000)
    expect(parseRetryAfter('soon', 60_000, now)).toBeUndefined()
    expect(parseRetryAfter(undefined, 60_000, now)).toBeUndefined()
  })
})

describe('httpError', () => {
  it('keeps the JSON message, or the S3 Code and Message, and nothing else of the body', () => {
    const json = httpError(
      'init_upload for a.fq',
      400,
      '{"message":"Bad filename."}',
      {},
      {
        retryAfterCapMs: 1000
      }
    )
    expect(json.message).toBe('init_upload for a.fq failed with HTTP 400 (Bad filename.).')
    const msg = httpError('x', 404, '{"msg":"No such sample."}', {}, { retryAfterCapMs: 1000 })
    expect(msg.message).toContain('(No such sample.)')
    const xml = httpError(
      'Storage upload of a.fq',
      400,
      '<Error><Code>EntityTooLarge</Code><Message>Too big &amp; heavy</Message><StringToSign>secret</StringToSign></Error>',
      { 'content-type': 'application/xml' },
      { retryAfterCapMs: 1000 }
    )
    expect(xml.message).toBe(
      'Storage upload of a.fq failed with HTTP 400 (EntityTooLarge: Too big & heavy).'
    )
    expect(xml.code).toBe('EntityTooLarge')
  })
  it('adds the hint only to fatal errors', () => {
    const fatal = httpError('x', 401, '', {}, { retryAfterCapMs: 1, hint: 'Check the key.' })
    expect(fatal.message).toContain('Check the key.')
    const retried = httpError('x', 503, '', {}, { retryAfterCapMs: 1, hint: 'Check the key.' })
    expect(retried.message).not.toContain('Check the key.')
  })
})

describe('baseDelayFromEnv', () => {
  it('reads the test-only override and ignores garbage', () => {
    const saved = process.env[RETRY_BASE_ENV]
    try {
      process.env[RETRY_BASE_ENV] = '5'
      expect(baseDelayFromEnv()).toBe(5)
      process.env[RETRY_BASE_ENV] = 'fast'
      expect(baseDelayFromEnv(1000)).toBe(1000)
    } finally {
      if (saved === undefined) delete process.env[RETRY_BASE_ENV]
      else process.env[RETRY_BASE_ENV] = saved
    }
  })
})
