import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { getEventListeners } from 'node:events'
import { rmSync, truncateSync } from 'node:fs'
import * as path from 'node:path'
import { radosgwFromEnv } from '../../sandbox/radosgw-env.js'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import type { Sample, Source, Settings } from '../../src/shared/types.js'
import { uploadSamples, type UploadResults } from '../../src/upload/uploader.js'
import { captureStdout, fastq, fastqSource, tempWorkspace } from '../helpers/fixtures.js'
import { startRawServer } from '../helpers/raw-server.js'
import { testSettings } from '../helpers/settings.js'

let sandbox: Sandbox
let ws: ReturnType<typeof tempWorkspace>
let lines: string[]
let stdout: string

beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: 'sk_test_0123456789abcdef' })
  ws = tempWorkspace('ocu-uploader-')
  lines = []
  stdout = ''
})
afterEach(async () => {
  await sandbox.close()
  ws.remove()
})

const settings = (overrides: Partial<Settings> = {}): Settings =>
  testSettings({
    apiKey: sandbox.apiKey,
    apiUrl: sandbox.apiUrl,
    patterns: ['*.fq'],
    concurrency: 2,
    maxAttempts: 3,
    workspace: ws.dir,
    ...overrides
  })

const sampleFile = (name: string, content: string | Buffer): Source =>
  fastqSource(ws.write(name, content))

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

/** Uploads with a tiny backoff; log lines go to `lines`, what core prints to `stdout`. */
async function upload(
  samples: Sample[],
  overrides: Partial<Settings> = {}
): Promise<UploadResults> {
  let results: UploadResults | undefined
  stdout += await captureStdout(async () => {
    results = await uploadSamples(samples, settings(overrides), {
      retryBaseDelayMs: 1,
      socketTimeoutMs: 2000,
      log: line => lines.push(line)
    })
  })
  return results as UploadResults
}

/** Where the sandbox stored `filename` (its form's `key`, with ${filename} filled in). */
function keyOf(filename: string): string {
  const post = sandbox.requests.find(
    r => r.route === 'storage' && r.fileName === filename && r.status === 201
  )
  const key = (post?.body as Record<string, string> | undefined)?.key ?? ''
  return key.replace('${filename}', filename)
}

describe('uploadSamples', () => {
  it('uploads a single file: init_upload, storage POST, confirm_upload', async () => {
    const content = fastq(50)
    const results = await upload([{ file: sampleFile('single.fq', content) }])

    expect(results.outcomes).toHaveLength(1)
    const outcome = results.outcomes[0]
    if (!outcome.ok) throw new Error(outcome.failure.error)
    expect(outcome.sample).toMatchObject({
      filename: 'single.fq',
      size: content.length,
      sha256: sha256(content)
    })
    const [sample] = sandbox.samples()
    expect(sample).toMatchObject({ sample_id: outcome.sample.sample_id, confirmed: true })
    expect(sample.body).toEqual({
      filename: 'single.fq',
      size: content.length,
      upload_type: 'standard'
    })
    const stored = await sandbox.object(keyOf('single.fq'))
    expect(stored).toMatchObject({ size: content.length, sha256: sha256(content) })
    expect(sandbox.requests.map(r => `${r.route} ${r.status}`)).toEqual([
      'init_upload 200',
      'storage 201',
      'confirm_upload 200'
    ])
  })

  it('uploads a pair as one sample: R1 as filename, R2 as paired_end_filename, both mates, one confirm', async () => {
    const r1 = fastq(20)
    const r2 = fastq(20).replace(/@/g, '@mate') // as many reads as R1 (the pair rule)
    const results = await upload([
      { file: sampleFile('pair_R1.fq', r1), mate: sampleFile('pair_R2.fq', r2) }
    ])
    const outcome = results.outcomes[0]
    if (!outcome.ok) throw new Error(outcome.failure.error)
    expect(outcome.sample).toMatchObject({
      filename: 'pair_R1.fq',
      sha256: sha256(r1),
      paired_end_filename: 'pair_R2.fq',
      paired_end_size: r2.length,
      paired_end_sha256: sha256(r2)
    })
    const [sample] = sandbox.samples()
    expect(sample).toMatchObject({
      filename: 'pair_R1.fq',
      paired_end_filename: 'pair_R2.fq',
      confirmed: true
    })
    expect(sample.body).toMatchObject({ size: r1.length + r2.length })
    const storage = sandbox.requests.filter(r => r.route === 'storage')
    expect(storage.map(r => [r.fileName, r.fileSize, r.status])).toEqual([
      ['pair_R1.fq', r1.length, 201],
      ['pair_R2.fq', r2.length, 201]
    ])
    expect(sandbox.requests.filter(r => r.route === 'confirm_upload')).toHaveLength(1)
  })

  it('passes metadata, tags and project through exactly', async () => {
    const metadata = {
      name: 'Soil 7',
      platform: 'Illumina MiSeq',
      location_lat: 42.36,
      custom: { lab_tech: 'Linus Pauling', run: 7, ok: true, none: null }
    }
    await upload([{ file: sampleFile('meta.fq', fastq(3)) }], {
      metadata,
      tags: ['soil', 'run 7'],
      project: 'proj0123456789ab',
      interleaved: false
    })
    expect(sandbox.samples()[0].body).toEqual({
      filename: 'meta.fq',
      size: fastq(3).length,
      upload_type: 'standard',
      metadata,
      tags: [{ name: 'soil' }, { name: 'run 7' }],
      project: 'proj0123456789ab',
      interleaved: false
    })
  })

  it('sends the key only to the API (Basic auth), never to storage', async () => {
    await upload([{ file: sampleFile('auth.fq', fastq(3)) }])
    const basic = `Basic ${Buffer.from(`${sandbox.apiKey}:`).toString('base64')}`
    for (const request of sandbox.requests) {
      const headers = JSON.stringify(request.headers)
      if (request.route === 'storage') {
        expect(request.headers.authorization).toBeUndefined()
        expect(headers).not.toContain(sandbox.apiKey)
        expect(headers).not.toContain(basic.slice(6))
        expect(request.headers['transfer-encoding']).toBeUndefined()
      } else {
        expect(request.headers.authorization).toBe(basic)
      }
    }
  })

  it('retries init_upload on 503 and on 429 with Retry-After', async () => {
    sandbox.faults.add('init_upload', { kind: 'status', status: 503 })
    sandbox.faults.add('init_upload', { kind: 'status', status: 429, retryAfter: '0' })
    const results = await upload([{ file: sampleFile('retry.fq', fastq(3)) }])
    expect(results.outcomes[0].ok).toBe(true)
    expect(sandbox.requests.filter(r => r.route === 'init_upload').map(r => r.status)).toEqual([
      503, 429, 200
    ])
    expect(
      lines.some(
        l => l.includes('retry.fq: init_upload: attempt 2 of 3 failed') && l.includes('HTTP 429')
      )
    ).toBe(true)
  })

  it('re-sends the whole file after a storage reset mid-body; the stored bytes are identical', async () => {
    const content = randomBytes(3 * 1024 * 1024)
    sandbox.faults.add('storage', { kind: 'reset', afterBytes: 512 * 1024 })
    // Random bytes (validate head: this pins the transfer, not the content check).
    const results = await upload([{ file: sampleFile('reset.fq', content) }], { validate: 'head' })
    const outcome = results.outcomes[0]
    if (!outcome.ok) throw new Error(outcome.failure.error)
    expect(outcome.sample.sha256).toBe(sha256(content))
    const storage = sandbox.requests.filter(r => r.route === 'storage')
    expect(storage.map(r => r.status)).toEqual([0, 201])
    const stored = await sandbox.object(keyOf('reset.fq'))
    expect(stored).toMatchObject({ size: content.length, sha256: sha256(content) })
  })

  it('retries confirm_upload after a 500 and confirms the same sample', async () => {
    sandbox.faults.add('confirm_upload', { kind: 'status', status: 500 })
    const results = await upload([{ file: sampleFile('confirm.fq', fastq(3)) }])
    expect(results.outcomes[0].ok).toBe(true)
    const confirms = sandbox.requests.filter(r => r.route === 'confirm_upload')
    expect(confirms.map(r => r.status)).toEqual([500, 200])
    expect(confirms[0].body).toEqual(confirms[1].body)
    expect(sandbox.samples()[0].confirmed).toBe(true)
  })

  it('fails fast on 401, naming the API key, without touching storage', async () => {
    const results = await upload([{ file: sampleFile('denied.fq', fastq(3)) }], {
      apiKey: 'wrong-key-abcdef'
    })
    const outcome = results.outcomes[0]
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.failure.path).toBe(path.join(ws.dir, 'denied.fq'))
    expect(outcome.failure.error).toContain('HTTP 401')
    // Account-level: the cause, naming the input, is said once for the whole run.
    expect(results.stopped?.message).toContain('api-key')
    expect(sandbox.requests.map(r => r.route)).toEqual(['init_upload'])
  })

  it('keeps uploading the others when one sample fails, in plan order', async () => {
    sandbox.faults.failFile('bad.fq', 'storage', 400)
    const samples = ['a.fq', 'bad.fq', 'c.fq', 'd.fq'].map(name => ({
      file: sampleFile(name, fastq(5))
    }))
    const results = await upload(samples, { concurrency: 3 })
    expect(results.outcomes.map(o => o.ok)).toEqual([true, false, true, true])
    const failed = results.outcomes[1]
    if (failed.ok) return
    expect(failed.failure.error).toContain('bad.fq')
    expect(failed.failure.error).toContain('HTTP 400')
    expect(
      sandbox
        .samples()
        .filter(s => s.confirmed)
        .map(s => s.filename)
        .sort()
    ).toEqual(['a.fq', 'c.fq', 'd.fq'])
  })

  it('keeps at most `concurrency` samples in flight', async () => {
    sandbox.faults.add('init_upload', { kind: 'delay', ms: 50, times: 6 })
    let inFlight = 0
    let peak = 0
    const samples = Array.from({ length: 6 }, (_, i) => ({
      file: sampleFile(`c${i}.fq`, fastq(3))
    }))
    await captureStdout(() =>
      uploadSamples(samples, settings({ concurrency: 2 }), {
        retryBaseDelayMs: 1,
        log: line => {
          if (line.includes('starting upload')) peak = Math.max(peak, ++inFlight)
          if (line.includes('confirmed as sample') || line.includes('failed:')) inFlight--
        }
      })
    )
    expect(peak).toBe(2)
    expect(sandbox.samples().filter(s => s.confirmed)).toHaveLength(6)
  })

  it('scrubs the key, its Basic token, the policy and the signature from retry lines and errors', async () => {
    // Servers that echo back what they were sent: the API its Authorization header, the storage
    // the signed fields. Every echo must be gone before a line is shown.
    const policy = 'eyJleHBpcmF0aW9uIjoiUE9MSUNZLVNFQ1JFVCJ9'
    const signature = 'U0lHTkFUVVJFLVNFQ1JFVA=='
    const storage = await startRawServer(index =>
      index === 0
        ? {
            kind: 'respond',
            status: 503,
            body: `<Error><Code>SlowDown</Code><Message>slow down: policy ${policy} signature ${signature}</Message></Error>`
          }
        : {
            kind: 'respond',
            status: 403,
            body: `<Error><Code>AccessDenied</Code><Message>denied ${policy} / ${signature}</Message></Error>`
          }
    )
    const api = await startRawServer((index, request) =>
      index === 0
        ? {
            kind: 'respond',
            status: 503,
            body: JSON.stringify({ message: `busy; you sent ${request.headers.authorization}` })
          }
        : {
            kind: 'respond',
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              sample_id: '0123456789abcdef',
              upload_url: storage.url,
              additional_fields: { key: 'u/f/${filename}', policy, signature }
            })
          }
    )
    try {
      const results = await upload([{ file: sampleFile('echo.fq', fastq(3)) }], {
        apiUrl: api.url
      })
      const token = Buffer.from(`${sandbox.apiKey}:`).toString('base64')
      // The echoes really happened, so the checks below are not vacuous.
      expect(api.requests[0].headers.authorization).toBe(`Basic ${token}`)
      expect(storage.requests).toHaveLength(2)
      const outcome = results.outcomes[0]
      expect(outcome.ok).toBe(false)
      if (outcome.ok) return
      const shown = [...lines, stdout, outcome.failure.error].join('\n')
      expect(lines.join('\n')).toContain('attempt 1 of 3 failed')
      expect(outcome.failure.error).toContain('AccessDenied')
      for (const secret of [sandbox.apiKey, token, policy, signature])
        expect(shown).not.toContain(secret)
    } finally {
      await api.close()
      await storage.close()
    }
  })

  it('refuses a non-loopback http upload_url from init_upload and sends no file', async () => {
    const http = await import('node:http')
    const server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const body = JSON.stringify({
          sample_id: 'abc',
          upload_url: 'http://storage.example.com/bucket',
          additional_fields: { key: 'k', policy: 'p', signature: 's' }
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const results = await upload([{ file: sampleFile('insecure.fq', fastq(3)) }], {
        apiUrl: `http://127.0.0.1:${port}`
      })
      const outcome = results.outcomes[0]
      expect(outcome.ok).toBe(false)
      if (outcome.ok) return
      expect(outcome.failure.error).toContain(
        'insecure.fq: upload_url "http://storage.example.com" uses http'
      )
    } finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('logs start, end (size, duration, MB/s, sample ID) and never a policy or signature', async () => {
    await upload([{ file: sampleFile('log.fq', fastq(3)) }])
    const storage = sandbox.requests.find(r => r.route === 'storage')
    const fields = storage?.body as Record<string, string>
    const text = lines.join('\n')
    expect(text).toContain('log.fq: starting upload of')
    expect(text).toMatch(/log\.fq: confirmed as sample [0-9a-f]+ — .* in .* s \(.* MB\/s\)/)
    expect(text).not.toContain(fields.policy)
    expect(text).not.toContain(fields.signature)
    expect(text).not.toContain(sandbox.apiKey)
    // Not even as ::add-mask:: commands: the raw log never holds a policy or a signature.
    expect(stdout).not.toContain(fields.policy)
    expect(stdout).not.toContain(fields.signature)
    expect(stdout).not.toContain(sandbox.apiKey)
    // The debug line shows the form with its credentials masked.
    expect(stdout).toMatch(
      /::debug::log\.fq: POST http:\/\/127\.0\.0\.1:\d+\/\S+ with fields .*"policy":"\*\*\*"/
    )
  })

  it('masks the key even when a server echoes it back in an error message', async () => {
    sandbox.faults.failFile(
      'echo.fq',
      'init_upload',
      400,
      JSON.stringify({ message: `Key ${sandbox.apiKey} may not upload here.` })
    )
    const results = await upload([{ file: sampleFile('echo.fq', fastq(3)) }])
    const outcome = results.outcomes[0]
    if (outcome.ok) throw new Error('expected a failure')
    expect(outcome.failure.error).toBe(
      'init_upload for echo.fq failed with HTTP 400 (Key *** may not upload here.).'
    )
    expect(lines.join('\n')).not.toContain(sandbox.apiKey)
  })
})

const s3 = radosgwFromEnv()

;(s3 ? describe : describe.skip)('uploadSamples with radosgw storage (real S3 POST rules)', () => {
  it('uploads a pair after a storage 503; radosgw holds both mates byte for byte', async () => {
    const real = await startSandbox({ storage: s3, apiKey: 'sk_rgw_key_0123' })
    try {
      const r1 = randomBytes(1024 * 1024 + 3)
      const r2 = randomBytes(2 * 1024 * 1024 + 5)
      real.faults.add('storage', { kind: 'status', status: 503, body: '', times: 1 })
      const samples = [{ file: sampleFile('rgw_R1.fq', r1), mate: sampleFile('rgw_R2.fq', r2) }]
      let results: UploadResults | undefined
      await captureStdout(async () => {
        results = await uploadSamples(
          samples,
          // Random bytes: validate head (this pins the storage, not the content check).
          settings({ apiUrl: real.apiUrl, apiKey: real.apiKey, validate: 'head' }),
          { retryBaseDelayMs: 1, log: line => lines.push(line) }
        )
      })
      const outcome = results!.outcomes[0]
      if (!outcome.ok) throw new Error(outcome.failure.error)
      expect(real.samples()[0].confirmed).toBe(true)
      for (const [name, bytes] of [
        ['rgw_R1.fq', r1],
        ['rgw_R2.fq', r2]
      ] as const) {
        const post = real.requests.find(
          r => r.route === 'storage' && r.fileName === name && r.status === 201
        )
        const key = ((post?.body as Record<string, string>).key ?? '').replace('${filename}', name)
        expect(await real.object(key)).toEqual({ key, size: bytes.length, sha256: sha256(bytes) })
      }
      expect(real.requests.filter(r => r.route === 'storage').map(r => r.status)).toEqual([
        503, 201, 201
      ])
    } finally {
      await real.close()
    }
  })
})

/** Polls `condition` every 10 ms until it holds (or fails after `ms`). */
async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

const routesOf = (s: Sandbox): string[] => s.requests.map(r => `${r.route} ${r.status}`)

describe('uploadSamples names files by their workspace-relative path', () => {
  it('a file that shrank after planning: its failure and log lines say reads/x.fq, never the absolute path', async () => {
    const file = sampleFile('reads/shrunk.fq', fastq(40))
    truncateSync(file.path, 100)
    const results = await upload([{ file }])
    const outcome = results.outcomes[0]
    expect(outcome.ok).toBe(false)
    const error = !outcome.ok ? outcome.failure.error : ''
    expect(error).toContain(
      'Storage upload of shrunk.fq failed: reads/shrunk.fq has 100 bytes now, 1110 were planned (was the file changed while uploading?). Sample '
    )
    expect(error).not.toContain(ws.dir)
    expect(lines.join('\n')).not.toContain(ws.dir)
  })

  it('a file that vanished after planning: the ENOENT names reads/x.fq', async () => {
    const file = sampleFile('reads/gone.fq', fastq(40))
    rmSync(file.path)
    const results = await upload([{ file }])
    const outcome = results.outcomes[0]
    const error = !outcome.ok ? outcome.failure.error : ''
    // One sentence each: the cause, then what became of its sample.
    expect(error).toMatch(
      /^Storage upload of gone\.fq failed: ENOENT: no such file or directory, open 'reads\/gone\.fq'\. Sample [0-9a-f]{16} was cancelled on One Codex/
    )
    expect(error).not.toContain(ws.dir)
    expect(lines.join('\n')).not.toContain(ws.dir)
  })
})

describe('uploadSamples leaves no orphans', () => {
  it('cancels the sample when its storage upload fails, and says so in the log and the failed entry', async () => {
    sandbox.faults.failFile('broken_R1.fq', 'storage', 400)
    const warnings: string[] = []
    const samples = [
      { file: sampleFile('broken_R1.fq', fastq(4)), mate: sampleFile('broken_R2.fq', fastq(5)) }
    ]
    let results: UploadResults | undefined
    await captureStdout(async () => {
      results = await uploadSamples(samples, settings(), {
        retryBaseDelayMs: 1,
        log: line => lines.push(line),
        warn: line => warnings.push(line)
      })
    })
    const outcome = results!.outcomes[0]
    if (outcome.ok) throw new Error('expected a failure')
    const [created] = sandbox.samples()
    expect(created.state).toBe('cancelled')
    expect(outcome.failure).toEqual({
      path: path.join(ws.dir, 'broken_R1.fq'),
      paired_end_path: path.join(ws.dir, 'broken_R2.fq'),
      error: expect.stringContaining('HTTP 400'),
      sample_id: created.sample_id,
      sample_cancelled: true
    })
    expect(outcome.failure.error).toContain(
      `Sample ${created.sample_id} was cancelled on One Codex (cancel_upload)`
    )
    expect(lines.join('\n')).toContain(`Sample ${created.sample_id} was cancelled on One Codex`)
    const cancel = sandbox.requests.filter(r => r.route === 'cancel_upload')
    expect(cancel.map(r => [r.status, r.body])).toEqual([[200, { sample_id: created.sample_id }]])
    expect(routesOf(sandbox).at(-1)).toBe('cancel_upload 200')
    expect(warnings).toEqual([])
  })

  it('retries cancel_upload, and says when it could not cancel', async () => {
    sandbox.faults.failFile('stuck.fq', 'storage', 400)
    sandbox.faults.add('cancel_upload', { kind: 'status', status: 503, times: 3 })
    const results = await upload([{ file: sampleFile('stuck.fq', fastq(4)) }])
    const outcome = results.outcomes[0]
    if (outcome.ok) throw new Error('expected a failure')
    const id = sandbox.samples()[0].sample_id
    expect(sandbox.requests.filter(r => r.route === 'cancel_upload').map(r => r.status)).toEqual([
      503, 503, 503
    ])
    expect(outcome.failure.sample_cancelled).toBe(false)
    expect(outcome.failure.error).toContain(`cancel_upload of sample ${id} failed too`)
    expect(outcome.failure.error).toContain('may be left awaiting data')
    expect(sandbox.samples()[0].state).toBe('awaiting data')
  })

  it('an "Upload already successful" answer to cancel_upload is not an error', async () => {
    // confirm_upload completes on the server but its answer is lost every time.
    sandbox.faults.add('confirm_upload', { kind: 'lost-answer', status: 400, times: 1 })
    const results = await upload([{ file: sampleFile('done.fq', fastq(4)) }])
    const outcome = results.outcomes[0]
    if (outcome.ok) throw new Error('expected a failure')
    const id = sandbox.samples()[0].sample_id
    expect(sandbox.samples()[0].state).toBe('complete')
    expect(outcome.failure.error).toContain(
      `cancel_upload of sample ${id}: One Codex reports that its upload had already completed`
    )
    expect(outcome.failure.sample_cancelled).toBe(false)
  })

  it('after a retried init whose first answer was lost, cancels the extra sample it created (not older ones)', async () => {
    const earlier = sandbox.seed({ filename: 'lost.fq', size: 12, awaitingData: true })
    sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504 })
    const results = await upload([{ file: sampleFile('lost.fq', fastq(4)) }])
    const outcome = results.outcomes[0]
    if (!outcome.ok) throw new Error(outcome.failure.error)
    const created = sandbox.samples().filter(s => s.origin === 'init_upload')
    expect(created).toHaveLength(2)
    const [orphan, kept] = created
    expect(kept.sample_id).toBe(outcome.sample.sample_id)
    expect(kept.state).toBe('complete')
    expect(orphan.state).toBe('cancelled')
    expect(sandbox.samples().find(s => s.sample_id === earlier)?.state).toBe('awaiting data')
    expect(sandbox.requests.filter(r => r.route === 'cancel_upload').map(r => r.body)).toEqual([
      { sample_id: orphan.sample_id }
    ])
    const list = sandbox.requests.filter(r => r.route === 'list_samples')
    expect(list.length).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(new URL(list[0].url, 'http://x').searchParams.get('where') ?? '')).toEqual({
      filename: 'lost.fq'
    })
    expect(lines.join('\n')).toContain(
      `lost.fq: init_upload was sent 2 times and left 1 extra sample awaiting data (${orphan.sample_id}); cancelled 1 of them`
    )
  })

  it('when every init answer was lost, cancels every sample the attempts created', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504, times: 3 })
    const results = await upload([{ file: sampleFile('never.fq', fastq(4)) }])
    expect(results.outcomes[0].ok).toBe(false)
    const created = sandbox.samples()
    expect(created).toHaveLength(3)
    expect(created.map(s => s.state)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(sandbox.requests.filter(r => r.route === 'storage')).toHaveLength(0)
  })

  it('at an account-level stop (402 on confirm) after a retried init, still cancels the extra sample', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504 })
    sandbox.faults.add('confirm_upload', {
      kind: 'status',
      status: 402,
      body: JSON.stringify({ message: 'Payment required' })
    })
    const results = await upload(
      [{ file: sampleFile('paid.fq', fastq(4)) }, { file: sampleFile('next.fq', fastq(4)) }],
      { concurrency: 1 }
    )
    expect(results.stopped?.input).toBe('api-key')
    expect(results.outcomes.map(o => (o.ok ? 'ok' : (o.failure.status ?? 'failed')))).toEqual([
      'failed',
      'not attempted'
    ])
    // Both samples the two init attempts made: the one whose answer was lost, and the kept one.
    const created = sandbox.samples()
    expect(created.map(s => [s.filename, s.state])).toEqual([
      ['paid.fq', 'cancelled'],
      ['paid.fq', 'cancelled']
    ])
    expect(lines.join('\n')).toContain(
      `paid.fq: init_upload was sent 2 times and left 1 extra sample awaiting data (${created[0].sample_id}); cancelled 1 of them`
    )
  })

  it('when every init connection drops after the request was sent: every sample cancelled, and the cause says the answers were lost', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', reset: true, times: 3 })
    const results = await upload(
      [{ file: sampleFile('dropped.fq', fastq(4)) }, { file: sampleFile('later.fq', fastq(4)) }],
      { concurrency: 1 }
    )
    const created = sandbox.samples()
    expect(created).toHaveLength(3)
    expect(created.map(s => s.state)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(sandbox.requests.filter(r => r.route === 'init_upload')).toHaveLength(3)
    expect(results.stopped?.input).toBe('api-url')
    expect(results.stopped?.message).toMatch(
      /^Requests to api-url http:\/\/127\.0\.0\.1:\d+ \(no proxy\) were sent, but the connection dropped before any answer came: .*socket hang up \(ECONNRESET\)\. One Codex may have acted on them: the samples they may have made are looked for and cancelled\./
    )
    expect(results.stopped?.message).not.toContain('could not be reached')
    const first = results.outcomes[0]
    if (first.ok) throw new Error('expected a failure')
    expect(first.failure.error).toContain('after the request was sent')
    expect(lines.join('\n')).toContain(
      'dropped.fq: init_upload was sent 3 times and left 3 extra samples awaiting data'
    )
  })

  it('warns with the count of possible orphans when it cannot list samples', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504 })
    sandbox.faults.add('list_samples', { kind: 'status', status: 500, times: 3 })
    const warnings: string[] = []
    await captureStdout(() =>
      uploadSamples([{ file: sampleFile('blind.fq', fastq(4)) }], settings(), {
        retryBaseDelayMs: 1,
        log: line => lines.push(line),
        warn: line => warnings.push(line)
      })
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('blind.fq: init_upload was sent 2 times')
    expect(warnings[0]).toContain('HTTP 500')
    expect(warnings[0]).toContain('Up to 1 sample named blind.fq may be left awaiting data')
  })
})

describe('uploadSamples when the job is cancelled', () => {
  it('aborts the transfer in flight, cancels its sample, starts nothing else, within the budget', async () => {
    sandbox.faults.add('storage', { kind: 'stall', afterBytes: 64 * 1024 })
    const controller = new AbortController()
    const samples = ['slow.fq', 'next1.fq', 'next2.fq'].map(name => ({
      file: sampleFile(name, randomBytes(512 * 1024))
    }))
    let results: UploadResults | undefined
    const done = captureStdout(async () => {
      // Random bytes: validate head (this pins the cancellation, not the content check).
      results = await uploadSamples(samples, settings({ concurrency: 1, validate: 'head' }), {
        retryBaseDelayMs: 1,
        socketTimeoutMs: 60_000,
        log: line => lines.push(line),
        signal: controller.signal,
        cleanupBudgetMs: 3000
      })
    })
    await waitFor(() => sandbox.requests.some(r => r.route === 'storage'))
    await new Promise(resolve => setTimeout(resolve, 100))
    const abortedAt = Date.now()
    controller.abort()
    await done
    expect(Date.now() - abortedAt).toBeLessThan(3000)
    expect(results!.cancelled).toBe(true)
    const [first, second, third] = results!.outcomes
    if (first.ok || second.ok || third.ok) throw new Error('expected failures')
    const id = sandbox.samples()[0].sample_id
    expect(first.failure).toMatchObject({
      status: 'cancelled',
      sample_id: id,
      sample_cancelled: true
    })
    expect(first.failure.error).toContain('the job was cancelled while slow.fq was uploading')
    expect(second.failure).toMatchObject({ status: 'not attempted', path: samples[1].file.path })
    expect(third.failure.status).toBe('not attempted')
    expect(sandbox.samples().map(s => [s.filename, s.state])).toEqual([['slow.fq', 'cancelled']])
    expect(sandbox.requests.filter(r => r.route === 'init_upload')).toHaveLength(1)
    expect(sandbox.requests.filter(r => r.route === 'confirm_upload')).toHaveLength(0)
  })

  it('a sample that completed as the job was cancelled (cancel_upload: already successful) is confirmed, with a note', async () => {
    // confirm_upload completes the sample, but its answer is slow: the cancellation comes first.
    sandbox.faults.add('confirm_upload', { kind: 'late-answer', ms: 10_000 })
    const controller = new AbortController()
    const warnings: string[] = []
    let results: UploadResults | undefined
    const done = captureStdout(async () => {
      results = await uploadSamples([{ file: sampleFile('just_done.fq', fastq(4)) }], settings(), {
        retryBaseDelayMs: 1,
        log: line => lines.push(line),
        warn: line => warnings.push(line),
        signal: controller.signal,
        cleanupBudgetMs: 3000
      })
    })
    await waitFor(() => sandbox.samples()[0]?.state === 'complete')
    controller.abort()
    await done
    const id = sandbox.samples()[0].sample_id
    expect(sandbox.samples()[0].state).toBe('complete')
    expect(sandbox.requests.filter(r => r.route === 'cancel_upload').map(r => r.body)).toEqual([
      { sample_id: id }
    ])
    expect(results!.cancelled).toBe(true)
    expect(results!.outcomes[0]).toMatchObject({
      ok: true,
      sample: {
        sample_id: id,
        filename: 'just_done.fq',
        route: 'standard',
        note: 'the job was cancelled after this sample completed'
      }
    })
    expect(lines.join('\n')).toContain(
      `just_done.fq: confirmed as sample ${id}: the job was cancelled after this sample completed`
    )
    expect(warnings).toEqual([])
  })

  it.each(['init_upload', 'init_multipart_upload'] as const)(
    'cancelled while %s is in flight (One Codex made the sample, its answer is late): the sample is found and cancelled',
    async call => {
      sandbox.faults.add(call, { kind: 'late-answer', ms: 20_000 })
      const controller = new AbortController()
      const warnings: string[] = []
      let results: UploadResults | undefined
      const saved = { ...process.env }
      process.env.AWS_ENDPOINT_URL_S3 = sandbox.storageUrl
      try {
        const done = captureStdout(async () => {
          results = await uploadSamples(
            [
              {
                file: sampleFile('inflight.fq', fastq(4)),
                route: call === 'init_upload' ? 'standard' : 'multipart'
              }
            ],
            settings(),
            {
              retryBaseDelayMs: 1,
              log: line => lines.push(line),
              warn: line => warnings.push(line),
              signal: controller.signal,
              cleanupBudgetMs: 3000
            }
          )
        })
        await waitFor(() => sandbox.samples().length > 0)
        const abortedAt = Date.now()
        controller.abort()
        await done
        expect(Date.now() - abortedAt).toBeLessThan(3000)
      } finally {
        process.env = saved
      }
      const [made] = sandbox.samples()
      expect(sandbox.samples()).toHaveLength(1)
      expect(made.state).toBe('cancelled')
      expect(results!.outcomes[0]).toMatchObject({ ok: false, failure: { status: 'cancelled' } })
      expect(lines.join('\n')).toContain(
        `inflight.fq: ${call} was sent once before the job was cancelled and left 1 extra sample awaiting data (${made.sample_id}); cancelled 1 of them with cancel_upload.`
      )
      expect(warnings).toEqual([])
    }
  )

  it('cancelled in the backoff after a lost init answer: the sample it made is found and cancelled, in the budget', async () => {
    sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504 })
    // The listing is slow: the clean-up budget is what it may use.
    sandbox.faults.add('list_samples', { kind: 'delay', ms: 600 })
    const controller = new AbortController()
    const warnings: string[] = []
    let results: UploadResults | undefined
    const done = captureStdout(async () => {
      results = await uploadSamples([{ file: sampleFile('backoff.fq', fastq(4)) }], settings(), {
        // A backoff of up to 20 s: the cancellation lands in it.
        retryBaseDelayMs: 20_000,
        log: line => lines.push(line),
        warn: line => warnings.push(line),
        signal: controller.signal,
        cleanupBudgetMs: 3000
      })
    })
    await waitFor(() => lines.some(line => line.includes('Retrying in')))
    const abortedAt = Date.now()
    controller.abort()
    await done
    expect(Date.now() - abortedAt).toBeLessThan(3000)
    expect(sandbox.requests.filter(r => r.route === 'init_upload')).toHaveLength(1)
    const [made] = sandbox.samples()
    expect(made.state).toBe('cancelled')
    expect(results!.outcomes[0]).toMatchObject({ ok: false, failure: { status: 'cancelled' } })
    expect(warnings).toEqual([])
    expect(lines.join('\n')).not.toContain('no time was left')
  })

  it('gives up on cancel_upload at the deadline rather than overrun it', async () => {
    sandbox.faults.add('storage', { kind: 'stall' })
    sandbox.faults.add('cancel_upload', { kind: 'stall' })
    const controller = new AbortController()
    let results: UploadResults | undefined
    const done = captureStdout(async () => {
      results = await uploadSamples([{ file: sampleFile('late.fq', fastq(50)) }], settings(), {
        retryBaseDelayMs: 1,
        log: line => lines.push(line),
        signal: controller.signal,
        cleanupBudgetMs: 500
      })
    })
    await waitFor(() => sandbox.requests.some(r => r.route === 'storage'))
    const abortedAt = Date.now()
    controller.abort()
    await done
    expect(Date.now() - abortedAt).toBeLessThan(1500)
    const outcome = results!.outcomes[0]
    if (outcome.ok) throw new Error('expected a failure')
    expect(outcome.failure.sample_cancelled).toBe(false)
    expect(outcome.failure.error).toContain('did not finish in time')
  })

  it('waits (within the budget) for the multipart route to abort its S3 upload before returning', async () => {
    const saved = { ...process.env }
    process.env.AWS_ENDPOINT_URL_S3 = sandbox.storageUrl
    process.env.ONECODEX_UPLOAD_PART_BYTES = String(5 * 1024 * 1024)
    try {
      // Parts take long to answer, so the cancellation lands mid-upload; the abort is slow.
      sandbox.faults.add('s3:UploadPart', { kind: 'delay', ms: 800, times: 100 })
      sandbox.faults.add('s3:AbortMultipartUpload', { kind: 'delay', ms: 700 })
      const controller = new AbortController()
      const big = sampleFile('big.fq', randomBytes(12 * 1024 * 1024))
      let results: UploadResults | undefined
      const done = captureStdout(async () => {
        // Random bytes: validate head (this pins the clean-up, not the content check).
        const head = settings({ validate: 'head' })
        results = await uploadSamples([{ file: big, route: 'multipart' }], head, {
          retryBaseDelayMs: 1,
          log: line => lines.push(line),
          warn: line => lines.push(line),
          signal: controller.signal,
          cleanupBudgetMs: 3000
        })
      })
      await waitFor(() => sandbox.requests.some(r => r.route === 's3:UploadPart'))
      const abortedAt = Date.now()
      controller.abort()
      await done
      expect(Date.now() - abortedAt).toBeLessThan(3000)
      expect(results!.outcomes[0]).toMatchObject({
        ok: false,
        failure: { status: 'cancelled', sample_cancelled: true }
      })
      // Returned only once S3 holds no open upload: nothing left for the process exit to cut.
      expect(sandbox.requests.filter(r => r.route === 's3:AbortMultipartUpload')).toHaveLength(1)
      expect(await sandbox.pendingUploads()).toEqual([])
    } finally {
      process.env = saved
    }
  })

  it('leaves no listener on the job’s signal once the samples are done (none per sample)', async () => {
    const controller = new AbortController()
    const samples = Array.from({ length: 12 }, (_, i) => ({
      file: sampleFile(`s${i}.fq`, fastq(2))
    }))
    let results: UploadResults | undefined
    await captureStdout(async () => {
      results = await uploadSamples(samples, settings(), {
        retryBaseDelayMs: 1,
        log: line => lines.push(line),
        signal: controller.signal
      })
    })
    expect(results!.outcomes.every(o => o.ok)).toBe(true)
    // Twelve left behind would also print node's "possible EventTarget memory leak" warning.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('starts nothing when the job was cancelled before the upload began', async () => {
    const controller = new AbortController()
    controller.abort()
    const results = await uploadSamples([{ file: sampleFile('a.fq', fastq(2)) }], settings(), {
      retryBaseDelayMs: 1,
      log: line => lines.push(line),
      signal: controller.signal
    })
    expect(results.cancelled).toBe(true)
    expect(results.outcomes[0]).toMatchObject({
      ok: false,
      failure: { status: 'not attempted' }
    })
    expect(sandbox.requests).toEqual([])
  })
})
