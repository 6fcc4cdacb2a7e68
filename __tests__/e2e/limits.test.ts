/**
 * End to end, on the bundle (`ONECODEX_ACTION_ENTRY` or dist/index.js) run as a runner runs it:
 * failing well at scale.
 * - A wrong key with 200 samples stops at once: at most `concurrency` init_upload calls, one
 *   error naming api-key, every other sample "not attempted".
 * - An api-url that never answers stops the same way, naming api-url.
 * - 3,000 small samples stay inside GitHub's limits: summary under 1 MiB, the outputs under
 *   1 MB (UTF-16, as GitHub counts), at most 10 error annotations, and a results file holding
 *   all 3,000.
 * - A validation failure fills `failed` (each refused file with its rule) and the summary.
 * Storage is the sandbox's builtin endpoint: these cases are about counts, not bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import { ACTION_ENTRY, runAction, type ActionRun } from '../../sandbox/runner.js'
import type { ResultsRecord } from '../../src/report/results-file.js'
import type { FailedSample, UploadedSample } from '../../src/shared/types.js'

const API_KEY = 'e2e-limits-key-0123456789'
const MANY = 3000
const FEW = 200
const FORBIDDEN = 20

let workspace: string
/** RUNNER_TEMP of the runs: the runner helper deletes its own temp dir, this one stays. */
let runnerTemp: string

const reads = (name: string): string => `@${name}\nACGTACGTAC\n+\nIIIIIIIIII\n`
const pad = (i: number): string => String(i).padStart(4, '0')

async function writeSamples(dir: string, count: number): Promise<void> {
  await mkdir(join(workspace, dir), { recursive: true })
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, j) =>
        writeFile(join(workspace, dir, `s${pad(i + j)}.fq`), reads(`r${i + j}`))
      )
    )
  }
}

beforeAll(async () => {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run bundle`)
  workspace = await mkdtemp(join(tmpdir(), 'e2e-limits-'))
  runnerTemp = await mkdtemp(join(tmpdir(), 'e2e-limits-runner-temp-'))
  await writeSamples('few', FEW)
  await writeSamples('many', MANY)
  await mkdir(join(workspace, 'invalid'), { recursive: true })
  await writeFile(join(workspace, 'invalid', 'good.fq'), reads('good'))
  await writeFile(join(workspace, 'invalid', 'François.fq'), reads('bad'))
  await writeFile(join(workspace, 'invalid', 'empty.fq'), '')
  await writeFile(join(workspace, 'invalid', 'notes.fq'), 'this is not FASTQ\n')
}, 60_000)

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
  await rm(runnerTemp, { recursive: true, force: true })
})

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: { 'api-key': API_KEY, paired: 'false', 'max-attempts': '2', ...inputs },
    env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5', RUNNER_TEMP: runnerTemp }
  })
}

const errorLines = (result: ActionRun): string[] =>
  result.stdout.split('\n').filter(line => line.startsWith('::error'))

/** What GitHub counts an output as: its UTF-16 size. */
const utf16 = (text: string): number => Buffer.byteLength(text, 'utf16le')

function results(result: ActionRun): ResultsRecord {
  const file = result.outputs['results-file']
  expect(file.startsWith(runnerTemp)).toBe(true)
  return JSON.parse(readFileSync(file, 'utf8')) as ResultsRecord
}

function expectWithinLimits(result: ActionRun): void {
  expect(Buffer.byteLength(result.summary, 'utf8')).toBeLessThan(1024 * 1024)
  let total = 0
  for (const value of Object.values(result.outputs)) {
    expect(utf16(value)).toBeLessThan(1_000_000)
    total += utf16(value)
  }
  expect(total).toBeLessThan(1_000_000)
  // GitHub shows 10 error annotations per step: the action never emits more.
  expect(errorLines(result).length).toBeLessThanOrEqual(10)
}

async function withSandbox<T>(fn: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ apiKey: API_KEY, storage: 'builtin' })
  try {
    return await fn(sandbox)
  } finally {
    await sandbox.close()
  }
}

describe('account-level failures end the run at once', () => {
  it(`a wrong key with ${FEW} samples: at most concurrency init_upload calls, one error naming api-key`, async () => {
    await withSandbox(async sandbox => {
      const result = await run({
        files: 'few/*.fq',
        'api-key': 'a-wrong-key-000000',
        'api-url': sandbox.apiUrl
      })
      expect(result.exitCode).toBe(1)
      const inits = sandbox.requests.filter(r => r.route === 'init_upload')
      expect(inits.length).toBeGreaterThan(0)
      expect(inits.length).toBeLessThanOrEqual(4)
      expect(sandbox.requests.filter(r => r.route !== 'init_upload')).toEqual([])

      const errors = errorLines(result)
      expect(errors.filter(line => line.includes('api-key'))).toEqual([
        expect.stringMatching(
          /^::error title=Upload stopped::One Codex did not accept the API key \(HTTP 401: .*\): check the api-key input/
        )
      ])
      expect(errors).toHaveLength(2)
      expect(errors[1]).toBe(
        `::error::None of the ${FEW} samples was uploaded: ${inits.length} failed, ${FEW - inits.length} not attempted. See the list above, the job summary and the file named by the results-file output.`
      )

      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      expect(failed).toHaveLength(FEW)
      expect(failed.filter(f => f.status === 'not attempted')).toHaveLength(FEW - inits.length)
      expect(failed.filter(f => f.status === 'failed')).toHaveLength(inits.length)
      expect(failed.map(f => f.path)).toEqual(
        Array.from({ length: FEW }, (_, i) => `few/s${pad(i)}.fq`)
      )
      expect(JSON.parse(result.outputs['sample-ids'])).toEqual([])
      expect(result.summary).toContain('> **Stopped:** One Codex did not accept the API key')
      const record = results(result)
      expect(record.stopped?.input).toBe('api-key')
      expect(record.failed).toHaveLength(FEW)
      expect(result.stdout.replace('::add-mask::a-wrong-key-000000', '')).not.toContain(
        'a-wrong-key-000000'
      )
      expectWithinLimits(result)
    })
  })

  it(`an api-url that never answers, ${FEW} samples: stops after the first samples, one error naming api-url`, async () => {
    // A TCP server that takes each connection and drops it: no HTTP answer, ever.
    let connections = 0
    const sockets = new Set<Socket>()
    const server = createServer(socket => {
      connections++
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.destroy()
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const result = await run({
        files: 'few/*.fq',
        'api-url': `http://127.0.0.1:${port}`,
        concurrency: '3'
      })
      expect(result.exitCode).toBe(1)
      // concurrency 3 × max-attempts 2: only the first samples were tried, each init and
      // (as each request was sent before its connection dropped) the listing that looks for
      // the samples they may have made.
      expect(connections).toBeGreaterThan(0)
      expect(connections).toBeLessThanOrEqual(12)
      const errors = errorLines(result)
      // The server takes each connection and drops it: whether the request was written whole
      // first is a race, and the cause says which ("could not be reached" or "were sent").
      const api = `api-url http://127\\.0\\.0\\.1:${port} \\(no proxy\\)`
      expect(errors.filter(line => line.includes('api-url'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^::error title=Upload stopped::(One Codex could not be reached at ${api}: |Requests to ${api} were sent, but the connection dropped before any answer came: ).*Check the api-url input[.;]`
          )
        )
      ])
      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      expect(failed).toHaveLength(FEW)
      expect(failed.filter(f => f.status === 'not attempted').length).toBeGreaterThanOrEqual(
        FEW - 3
      )
      expectWithinLimits(result)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  })
})

describe('inside GitHub’s limits at scale', () => {
  it(`${MANY} small samples (${FORBIDDEN} refused with a 403): summary < 1 MiB, outputs < 1 MB, 10 annotations, results file holds all`, async () => {
    await withSandbox(async sandbox => {
      // A 403 on some samples stays their own failure: the run goes on.
      const forbidden = Array.from({ length: FORBIDDEN }, (_, i) => `s${pad(i * 150 + 3)}.fq`)
      for (const name of forbidden)
        sandbox.faults.failFile(name, 'init_upload', 403, JSON.stringify({ message: 'Forbidden.' }))
      const started = Date.now()
      const result = await run({
        files: 'many/*.fq',
        'api-url': sandbox.apiUrl,
        concurrency: '16',
        project: 'proj0123456789ab'
      })
      const seconds = (Date.now() - started) / 1000
      expect(result.exitCode).toBe(1)
      expect(sandbox.requests.filter(r => r.route === 'init_upload')).toHaveLength(MANY)
      expectWithinLimits(result)

      // Annotations: 8 failures, one "… and 12 more" line, the step's failure line.
      const errors = errorLines(result)
      expect(errors).toHaveLength(10)
      expect(errors[0]).toContain(
        "failed with HTTP 403 (Forbidden.). The API key's account may not upload into project proj0123456789ab"
      )
      expect(errors[8]).toMatch(/^::error::… and 12 more failed samples/)
      expect(errors[9]).toBe(
        `::error::2,980 of 3,000 samples were uploaded and confirmed: ${FORBIDDEN} failed. See the list above, the job summary and the file named by the results-file output.`
      )

      // The outputs: sample-ids whole, samples cut (and said so), failed whole.
      const ids = JSON.parse(result.outputs['sample-ids']) as string[]
      expect(ids).toHaveLength(MANY - FORBIDDEN)
      const confirmed = new Set(
        sandbox
          .samples()
          .filter(s => s.confirmed)
          .map(s => s.sample_id)
      )
      expect(new Set(ids)).toEqual(confirmed)
      const samples = JSON.parse(result.outputs.samples) as UploadedSample[]
      expect(samples.length).toBeLessThan(MANY - FORBIDDEN)
      expect(samples[0]).toMatchObject({ path: 'many/s0000.fq', filename: 's0000.fq' })
      expect(JSON.parse(result.outputs.truncated)).toEqual(['samples'])
      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      expect(failed.map(f => f.path)).toEqual(forbidden.map(name => `many/${name}`))

      // The results file: everything.
      const record = results(result)
      expect(record.samples).toHaveLength(MANY - FORBIDDEN)
      expect(record.failed).toHaveLength(FORBIDDEN)
      expect(new Set(record.sample_ids)).toEqual(confirmed)
      expect(
        [...record.samples.map(s => s.path), ...record.failed.map(f => f.path)].sort()
      ).toEqual(Array.from({ length: MANY }, (_, i) => `many/s${pad(i)}.fq`))
      expect(record.totals).toMatchObject({
        samples: MANY,
        confirmed: MANY - FORBIDDEN,
        failed: FORBIDDEN
      })

      // The summary: totals first, every failure, then links to the confirmed samples.
      expect(result.summary).toContain('2,980 of 3,000 samples confirmed. 20 failed.')
      for (const name of forbidden) expect(result.summary).toContain(`<td>${name}</td>`)
      expect(result.summary).toContain(`href="${sandbox.apiUrl}/sample/${ids[0]}"`)
      expect(result.summary.indexOf('Not uploaded (20)')).toBeLessThan(
        result.summary.indexOf(`Confirmed (${(MANY - FORBIDDEN).toLocaleString('en-US')})`)
      )
      // Each failure once in the tally at the end of the log.
      for (const name of forbidden)
        expect(result.stdout).toContain(
          `  many/${name}: init_upload for ${name} failed with HTTP 403`
        )
      // Printed for whoever reads the test log: the budget is ~60 s on 2 cores.
      console.log(`${MANY} samples uploaded by the bundle in ${seconds.toFixed(1)} s`)
    })
  }, 180_000)
})

describe('validation failures and dry runs are reported too', () => {
  it('a validation failure fills failed (each refused file with its rule) and the summary; nothing is sent', async () => {
    await withSandbox(async sandbox => {
      const result = await run({ files: 'invalid/*.fq', 'api-url': sandbox.apiUrl })
      expect(result.exitCode).toBe(1)
      expect(sandbox.requests).toEqual([])
      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      const byPath = new Map(failed.map(f => [f.path, f]))
      expect(byPath.get('invalid/François.fq')).toMatchObject({
        status: 'refused',
        rule: expect.stringContaining(
          'filename "François.fq" contains characters that are not allowed'
        )
      })
      expect(byPath.get('invalid/empty.fq')).toMatchObject({
        status: 'refused',
        rule: expect.stringContaining('empty')
      })
      expect(byPath.get('invalid/notes.fq')).toMatchObject({ status: 'refused' })
      expect(failed.filter(f => f.status === 'refused')).toHaveLength(3)
      // Every file once: the good one was not sent either.
      expect(byPath.get('invalid/good.fq')).toMatchObject({ status: 'not attempted' })
      expect(failed).toHaveLength(4)
      expect(result.summary).toContain('Nothing was sent: 3 problems found before upload.')
      expect(result.summary).toContain('<td>invalid/François.fq</td>')
      expect(errorLines(result).at(-1)).toBe(
        '::error::3 problems found before upload; nothing was sent.'
      )
      expect(results(result)).toMatchObject({ outcome: 'refused', totals: { refused: 3 } })
      expectWithinLimits(result)
    })
  })

  it('a dry run writes the plan to the summary and the results file, within the limits', async () => {
    await withSandbox(async sandbox => {
      const result = await run({ files: 'few/*.fq', 'api-url': sandbox.apiUrl, 'dry-run': 'true' })
      expect(result.exitCode).toBe(0)
      expect(sandbox.requests).toEqual([])
      expect(result.summary).toContain(`Dry run: ${FEW} samples (${FEW} files,`)
      expect(result.summary).toContain('<td>s0000.fq</td>')
      const record = results(result)
      expect(record.outcome).toBe('dry-run')
      expect(record.planned).toHaveLength(FEW)
      expect(record.planned?.[0]).toMatchObject({ path: 'few/s0000.fq', route: 'standard' })
      expectWithinLimits(result)
    })
  })
})
