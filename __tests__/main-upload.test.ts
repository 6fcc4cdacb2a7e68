// The upload path of run(), end to end against the One Codex emulator: outputs, job summary,
// annotations, the failed step, and the API key never printed anywhere.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { startSandbox, type Sandbox } from '../sandbox/emulator.js'
import { run } from '../src/main.js'
import { fastq, gz, tempWorkspace } from './helpers/fixtures.js'

const API_KEY = 'sk_main_upload_5f3c9a1e7d'
const savedEnv = { ...process.env }
let sandbox: Sandbox
let ws: ReturnType<typeof tempWorkspace>
// One summary file for the whole file: core.summary remembers the path it first used.
let summaryFile: string

beforeAll(() => {
  ws = tempWorkspace('ocu-main-upload-')
  summaryFile = path.join(ws.dir, 'step_summary')
})
afterAll(() => ws.remove())
beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: API_KEY })
  writeFileSync(summaryFile, '')
})
afterEach(async () => {
  await sandbox.close()
  process.env = { ...savedEnv }
  process.exitCode = undefined
})

/** Captures stdout and stderr while `fn` runs. */
async function capture(fn: () => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const seen = { stdout: '', stderr: '' }
  const tap = (key: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array) => {
      seen[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
      return true
    }) as typeof process.stdout.write
  process.stdout.write = tap('stdout')
  process.stderr.write = tap('stderr')
  try {
    await fn()
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
  return seen
}

async function runAction(inputs: Record<string, string>) {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  const outputFile = path.join(ws.dir, 'github_output')
  writeFileSync(outputFile, '')
  Object.assign(process.env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: ws.dir,
    ONECODEX_UPLOAD_RETRY_BASE_MS: '1'
  })
  for (const [name, value] of Object.entries({
    'api-key': API_KEY,
    'api-url': sandbox.apiUrl,
    ...inputs
  }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
  process.exitCode = undefined
  const { stdout, stderr } = await capture(() => run())
  const outputsText = readFileSync(outputFile, 'utf8')
  const outputs: Record<string, string> = {}
  for (const m of outputsText.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]] = m[3]
  const summary = readFileSync(summaryFile, 'utf8')
  return { stdout, stderr, outputs, outputsText, summary, exitCode: process.exitCode }
}

/** The key may reach stdout only inside the runner's ::add-mask:: command. */
function expectNoKey(result: Awaited<ReturnType<typeof runAction>>): void {
  const printed = result.stdout.split('\n').filter(l => !l.startsWith('::add-mask::'))
  expect(printed.join('\n')).not.toContain(API_KEY)
  expect(result.stderr).not.toContain(API_KEY)
  expect(result.outputsText).not.toContain(API_KEY)
  expect(result.summary).not.toContain(API_KEY)
  const basic = Buffer.from(`${API_KEY}:`).toString('base64')
  expect(result.stdout + result.stderr + result.summary).not.toContain(basic)
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

describe('run: upload', () => {
  it('uploads a pair and a single file through flaky storage, sets outputs and the summary', async () => {
    const r1 = gz(fastq(40))
    const r2 = gz(fastq(41))
    const single = gz(fastq(7))
    ws.write('ok/s1_R1_001.fastq.gz', r1)
    ws.write('ok/s1_R2_001.fastq.gz', r2)
    ws.write('ok/solo.fastq.gz', single)
    sandbox.faults.add('storage', { kind: 'status', status: 503 })

    const result = await runAction({ files: 'ok/*', tags: 'ci', concurrency: '2' })

    expect(result.exitCode ?? 0).toBe(0)
    const ids = JSON.parse(result.outputs['sample-ids']) as string[]
    expect(ids).toHaveLength(2)
    const samples = JSON.parse(result.outputs.samples) as Record<string, unknown>[]
    const pair = samples.find(s => s.filename === 's1_R1_001.fastq.gz')
    expect(pair).toMatchObject({
      sha256: sha256(r1),
      paired_end_filename: 's1_R2_001.fastq.gz',
      paired_end_sha256: sha256(r2)
    })
    expect(samples.find(s => s.filename === 'solo.fastq.gz')).toMatchObject({
      sha256: sha256(single)
    })
    expect(result.outputs.failed).toBe('[]')
    expect(sandbox.samples().every(s => s.confirmed)).toBe(true)
    expect(result.summary).toContain('2 of 2 samples confirmed.')
    for (const id of ids) expect(result.summary).toContain(id)
    expect(result.stdout).toContain('attempt 1 of 5 failed')
    expectNoKey(result)
  })

  it('keeps the others when one sample fails, then fails the step naming it', async () => {
    ws.write('mix/a.fq', fastq(3))
    ws.write('mix/bad.fq', fastq(4))
    ws.write('mix/c.fq', fastq(5))
    sandbox.faults.failFile(
      'bad.fq',
      'init_upload',
      402,
      JSON.stringify({ message: 'Your plan does not allow more uploads.' })
    )

    const result = await runAction({ files: 'mix/*.fq', concurrency: '3' })

    expect(result.exitCode).toBe(1)
    expect(JSON.parse(result.outputs['sample-ids'])).toHaveLength(2)
    const failed = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
    expect(failed).toEqual([
      {
        path: path.join(ws.dir, 'mix', 'bad.fq'),
        error:
          'init_upload for bad.fq failed with HTTP 402 (Your plan does not allow more uploads.).'
      }
    ])
    expect(result.stdout).toContain(
      '::error title=Upload failed,file=mix/bad.fq::init_upload for bad.fq failed with HTTP 402'
    )
    expect(result.stdout).toMatch(
      /::error::1 of 3 samples failed to upload:%0A- .*bad\.fq: init_upload/
    )
    expect(result.summary).toContain('2 of 3 samples confirmed.')
    expect(
      sandbox
        .samples()
        .filter(s => s.confirmed)
        .map(s => s.filename)
        .sort()
    ).toEqual(['a.fq', 'c.fq'])
    expectNoKey(result)
  })

  it('fails fast on a wrong key, with the key named as the cause and never printed', async () => {
    ws.write('one/x.fq', fastq(3))
    const result = await runAction({ files: 'one/x.fq', 'api-key': `${API_KEY}_revoked` })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('HTTP 401')
    expect(result.stdout).toContain('check the api-key input')
    expect(sandbox.requests.map(r => r.route)).toEqual(['init_upload'])
    expect(
      result.stdout
        .split('\n')
        .filter(l => !l.startsWith('::add-mask::'))
        .join('\n')
    ).not.toContain(`${API_KEY}_revoked`)
  })
})
