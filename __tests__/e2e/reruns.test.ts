/**
 * End to end, on the bundle (ONECODEX_ACTION_ENTRY, else dist/index.js) run as a runner runs
 * it, against the sandbox with radosgw storage (builtin storage when RADOSGW_ENDPOINT is
 * unset): re-runs with skip-existing, clean-up with cancel_upload after a failure, after lost
 * init answers and on job cancellation (SIGINT), and a run split into shards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import { runAction, type ActionRun } from '../../sandbox/runner.js'
import type { FailedSample, UploadedSample } from '../../src/shared/types.js'
import {
  bundleWorkspace,
  reads,
  runAgainst,
  storageLabel,
  withFreshSandbox,
  writeUnder
} from '../helpers/e2e.js'

const API_KEY = 'e2e-reruns-key-0123456789'

let workspace: string

const write = (relative: string, bytes: Buffer | string): Promise<void> =>
  writeUnder(workspace, relative, bytes)

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-reruns-')
  // "run": 2 singles and a pair.
  await write('run/single.fastq', reads('SINGLE', 30))
  await write('run/contigs.fa.gz', gzipSync('>c1\nACGTACGTAC\n>c2\nGGGCCCAAAT\n'))
  await write('run/lib_R1_001.fastq.gz', gzipSync(reads('PAIR', 25, 1)))
  await write('run/lib_R2_001.fastq.gz', gzipSync(reads('PAIR', 25, 2)))
  // "many": 10 singles and 2 pairs for sharding.
  for (let i = 0; i < 10; i++) await write(`many/s${i}.fastq`, reads(`S${i}`, 3 + i))
  for (const stem of ['pa', 'pb']) {
    await write(`many/${stem}_R1.fastq`, reads(stem, 4, 1))
    await write(`many/${stem}_R2.fastq`, reads(stem, 4, 2))
  }
  // "slow": one file big enough to be mid-transfer when the job is cancelled.
  await write('big/big.fastq', reads('BIG', 20000))
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

const withSandbox = <T>(fn: (sandbox: Sandbox) => Promise<T>, options?: SandboxOptions) =>
  withFreshSandbox(API_KEY, fn, options)

const run = (sandbox: Sandbox, inputs: Record<string, string>): Promise<ActionRun> =>
  runAgainst(sandbox, workspace, API_KEY, { 'max-attempts': '3', ...inputs })

const samplesOf = (result: ActionRun): UploadedSample[] =>
  JSON.parse(result.outputs.samples ?? 'null') as UploadedSample[]
const failedOf = (result: ActionRun): FailedSample[] =>
  JSON.parse(result.outputs.failed ?? 'null') as FailedSample[]
const idsOf = (result: ActionRun): string[] =>
  JSON.parse(result.outputs['sample-ids'] ?? 'null') as string[]
const count = (sandbox: Sandbox, route: string): number =>
  sandbox.requests.filter(r => r.route === route).length

describe(`re-runs, clean-up and shards on the bundle (${storageLabel})`, () => {
  it('a re-run with skip-existing sends no init_upload and outputs the same IDs', async () => {
    await withSandbox(async sandbox => {
      const inputs = { files: 'run/*', 'skip-existing': 'true' }
      const first = await run(sandbox, inputs)
      expect(first.exitCode).toBe(0)
      expect(idsOf(first)).toHaveLength(3)
      expect(count(sandbox, 'init_upload')).toBe(3)
      // The first run listed too (nothing was there yet), with one query.
      expect(count(sandbox, 'list_samples')).toBeGreaterThanOrEqual(1)

      const before = sandbox.requests.length
      const second = await run(sandbox, inputs)
      expect(second.exitCode).toBe(0)
      const requests = sandbox.requests.slice(before)
      expect(requests.every(r => r.route === 'list_samples' && r.method === 'GET')).toBe(true)
      expect(requests.length).toBeGreaterThanOrEqual(1)
      expect(idsOf(second)).toEqual(idsOf(first))
      const again = samplesOf(second)
      expect(again.every(s => s.existing === true)).toBe(true)
      expect(again.map(s => s.sample_id)).toEqual(samplesOf(first).map(s => s.sample_id))
      expect(again.find(s => s.filename === 'lib_R1_001.fastq.gz')).toMatchObject({
        paired_end_filename: 'lib_R2_001.fastq.gz',
        existing: true
      })
      expect(failedOf(second)).toEqual([])
      expect(second.summary).toContain('already in One Codex')
      expect(second.stdout).toContain('already in One Codex as sample')
      expect(sandbox.samples()).toHaveLength(3)
    })
  })

  it('uploads again, with a warning naming the existing sample, when only the size differs', async () => {
    await withSandbox(async sandbox => {
      const old = sandbox.seed({ filename: 'single.fastq', size: 12345 })
      const result = await run(sandbox, { files: 'run/single.fastq', 'skip-existing': 'true' })
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(
          `::warning::.*single\\.fastq: One Codex already holds sample ${old} .*12345 bytes`
        )
      )
      expect(count(sandbox, 'init_upload')).toBe(1)
      expect(samplesOf(result)[0].existing).toBeUndefined()
    })
  })

  it('a re-run of a pair this action uploaded is skipped: One Codex holds both mates’ bytes', async () => {
    await withSandbox(async sandbox => {
      const inputs = { files: 'run/lib_R*_001.fastq.gz', 'skip-existing': 'true' }
      const first = await run(sandbox, inputs)
      expect(first.exitCode).toBe(0)
      const both =
        (await fileSize('run/lib_R1_001.fastq.gz')) + (await fileSize('run/lib_R2_001.fastq.gz'))
      // What One Codex records for the pair (the emulator as the API does): R1 + R2.
      expect(sandbox.samples().map(s => s.size)).toEqual([both])
      const second = await run(sandbox, inputs)
      expect(second.exitCode).toBe(0)
      expect(count(sandbox, 'init_upload')).toBe(1)
      expect(samplesOf(second)).toEqual([
        expect.objectContaining({
          sample_id: idsOf(first)[0],
          paired_end_filename: 'lib_R2_001.fastq.gz',
          existing: true
        })
      ])
      expect(second.stdout).not.toContain('::warning::')
    })
  })

  it('after a `paired: false` run of R1, the pair is uploaded again with a warning naming the held sample', async () => {
    await withSandbox(async sandbox => {
      const alone = await run(sandbox, { files: 'run/lib_R1_001.fastq.gz', paired: 'false' })
      expect(alone.exitCode).toBe(0)
      const [held] = idsOf(alone)
      const result = await run(sandbox, {
        files: 'run/lib_R*_001.fastq.gz',
        'skip-existing': 'true'
      })
      expect(result.exitCode).toBe(0)
      // R2 reached One Codex this time: a new paired sample.
      expect(count(sandbox, 'init_upload')).toBe(2)
      const [pairSample] = samplesOf(result)
      expect(pairSample.existing).toBeUndefined()
      expect(pairSample.sample_id).not.toBe(held)
      expect(pairSample.paired_end_filename).toBe('lib_R2_001.fastq.gz')
      const created = sandbox.samples().find(s => s.sample_id === pairSample.sample_id)
      expect(created).toMatchObject({ paired_end_filename: 'lib_R2_001.fastq.gz', confirmed: true })
      const warning = result.stdout.split('\n').filter(line => line.startsWith('::warning'))
      expect(warning).toHaveLength(1)
      expect(warning[0]).toContain(
        `One Codex already holds sample ${held} named lib_R1_001.fastq.gz`
      )
      expect(warning[0]).toContain("R1's size alone")
      expect(warning[0]).toContain('may lack R2')
    })
  })

  it('a failed listing fails the step before anything is uploaded', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('list_samples', { kind: 'status', status: 503, times: 3 })
      const result = await run(sandbox, { files: 'run/*', 'skip-existing': 'true' })
      expect(result.exitCode).not.toBe(0)
      expect(sandbox.requests.map(r => r.route)).toEqual([
        'list_samples',
        'list_samples',
        'list_samples'
      ])
      expect(result.stdout).toContain('skip-existing: could not ask One Codex')
      expect(idsOf(result)).toEqual([])
      expect(failedOf(result).every(f => f.status === 'not attempted')).toBe(true)
    })
  })

  it('dry-run with skip-existing only reads: it says what would be skipped', async () => {
    await withSandbox(async sandbox => {
      sandbox.seed({ filename: 'single.fastq', size: await fileSize('run/single.fastq') })
      const result = await run(sandbox, {
        files: 'run/*',
        'skip-existing': 'true',
        'dry-run': 'true'
      })
      expect(result.exitCode).toBe(0)
      expect(sandbox.requests.every(r => r.route === 'list_samples')).toBe(true)
      expect(result.stdout).toContain('would be skipped (dry run)')
      expect(result.stdout).toContain(
        'Dry run with skip-existing: 1 of 3 samples are already in One Codex and would be skipped; 2 would be uploaded'
      )
    })
  })

  it('a storage failure ends with cancel_upload for that sample, named in failed', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.failFile('contigs.fa.gz', 'storage', 403)
      const result = await run(sandbox, { files: 'run/*' })
      expect(result.exitCode).not.toBe(0)
      const [failure] = failedOf(result)
      const created = sandbox.samples().find(s => s.filename === 'contigs.fa.gz')
      expect(created?.state).toBe('cancelled')
      expect(failure).toMatchObject({
        sample_id: created?.sample_id,
        sample_cancelled: true
      })
      expect(failure.error).toContain('cancelled on One Codex (cancel_upload)')
      const cancels = sandbox.requests.filter(r => r.route === 'cancel_upload')
      expect(cancels.map(r => r.body)).toEqual([{ sample_id: created?.sample_id }])
      // The others went through.
      expect(idsOf(result)).toHaveLength(2)
    })
  })

  it('two lost init answers (504 after creating the sample) leave one sample, not three', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('init_upload', { kind: 'lost-answer', status: 504, times: 2 })
      const result = await run(sandbox, { files: 'run/single.fastq' })
      expect(result.exitCode).toBe(0)
      const created = sandbox.samples()
      expect(created).toHaveLength(3)
      expect(created.filter(s => s.state === 'complete').map(s => s.sample_id)).toEqual(
        idsOf(result)
      )
      expect(created.filter(s => s.state === 'cancelled')).toHaveLength(2)
      expect(result.stdout).toContain('init_upload was sent 3 times and left 2 extra samples')
    })
  })

  it('SIGINT during a slow upload: cancel_upload, outputs written, non-zero exit within 10 s', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('storage', { kind: 'stall', afterBytes: 256 * 1024 })
      let child: ChildProcess | undefined
      let log = ''
      let closed: { code: number | null; at: number } | undefined
      const finished = runAction({
        workspace,
        inputs: {
          'max-attempts': '3',
          files: 'big/*\nrun/*',
          concurrency: '1',
          'api-key': API_KEY,
          'api-url': sandbox.apiUrl
        },
        env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5' },
        onSpawn: spawned => {
          child = spawned
          spawned.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
          spawned.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
          spawned.on('close', code => (closed = { code, at: Date.now() }))
        }
      })
      const deadline = Date.now() + 20_000
      while (!sandbox.requests.some(r => r.route === 'storage')) {
        if (Date.now() > deadline) {
          child?.kill('SIGKILL')
          await finished
          throw new Error(`no storage request; log:\n${log}`)
        }
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      await new Promise(resolve => setTimeout(resolve, 200))
      // What the runner does: SIGINT, then SIGTERM 7.5 s later (if still running).
      const signalledAt = Date.now()
      child!.kill('SIGINT')
      const term = setTimeout(() => child!.kill('SIGTERM'), 7500)
      const result = await finished
      clearTimeout(term)
      const { code, at } = closed!

      // Done before the runner's SIGTERM, so well within 10 s of the first signal.
      expect(at - signalledAt).toBeLessThan(7500)
      expect(code).not.toBe(0)
      expect(code).not.toBeNull()
      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      const created = sandbox.samples()
      expect(created.map(s => [s.filename, s.state])).toEqual([['big.fastq', 'cancelled']])
      expect(failed[0]).toMatchObject({
        status: 'cancelled',
        sample_id: created[0].sample_id,
        sample_cancelled: true
      })
      // The rest never started.
      expect(failed.slice(1).map(f => f.status)).toEqual([
        'not attempted',
        'not attempted',
        'not attempted'
      ])
      expect(JSON.parse(result.outputs['sample-ids'])).toEqual([])
      expect(sandbox.requests.filter(r => r.route === 'cancel_upload')).toHaveLength(1)
      expect(count(sandbox, 'init_upload')).toBe(1)
      expect(log).toContain('Received SIGINT')
      expect(result.summary).toContain('cancelled')
    })
  })

  it('SIGINT while init_upload is in flight (One Codex already made the sample): it is found and cancelled', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('init_upload', { kind: 'late-answer', ms: 30_000 })
      const { result, log, signalledAt, closedAt } = await cancelWhen(
        sandbox,
        { files: 'run/single.fastq' },
        () => sandbox.samples().length > 0
      )
      expect(closedAt - signalledAt).toBeLessThan(7500)
      expect(result.exitCode).not.toBe(0)
      const [made] = sandbox.samples()
      expect(sandbox.samples()).toHaveLength(1)
      expect(made.state).toBe('cancelled')
      expect(count(sandbox, 'list_samples')).toBeGreaterThanOrEqual(1)
      expect(failedOf(result)).toEqual([
        expect.objectContaining({ path: 'run/single.fastq', status: 'cancelled' })
      ])
      expect(log).toContain(
        `single.fastq: init_upload was sent once before the job was cancelled and left 1 extra sample awaiting data (${made.sample_id}); cancelled 1 of them with cancel_upload.`
      )
      expect(log).not.toContain('no time was left')
    })
  })

  it('SIGINT after One Codex completed the sample (confirm answer late): listed as confirmed, with a note', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('confirm_upload', { kind: 'late-answer', ms: 30_000 })
      const { result, signalledAt, closedAt } = await cancelWhen(
        sandbox,
        { files: 'run/single.fastq' },
        () => sandbox.samples()[0]?.state === 'complete'
      )
      expect(closedAt - signalledAt).toBeLessThan(7500)
      // The job was cancelled: the step still fails.
      expect(result.exitCode).not.toBe(0)
      const [made] = sandbox.samples()
      expect(made.state).toBe('complete')
      expect(idsOf(result)).toEqual([made.sample_id])
      expect(samplesOf(result)).toEqual([
        expect.objectContaining({
          sample_id: made.sample_id,
          path: 'run/single.fastq',
          note: 'the job was cancelled after this sample completed'
        })
      ])
      expect(failedOf(result)).toEqual([])
      expect(result.summary).toContain(
        'confirmed (the job was cancelled after this sample completed)'
      )
      expect(result.stdout).toContain(
        '::error::The job was cancelled. The sample was uploaded and confirmed.'
      )
    })
  })

  it('three jobs with shard 1/3, 2/3, 3/3 upload every sample exactly once', async () => {
    await withSandbox(async sandbox => {
      const results: ActionRun[] = []
      for (const k of [1, 2, 3])
        results.push(await run(sandbox, { files: 'many/*', shard: `${k}/3` }))
      for (const result of results) expect(result.exitCode).toBe(0)
      const all = results.flatMap(samplesOf)
      expect(all).toHaveLength(12)
      const names = all.map(s => s.filename).sort()
      expect(new Set(names).size).toBe(12)
      const inits = sandbox.requests.filter(r => r.route === 'init_upload')
      expect(inits).toHaveLength(12)
      expect(inits.map(r => (r.body as { filename: string }).filename).sort()).toEqual(names)
      // Pairs stayed whole: R1 and R2 in one sample of one shard.
      expect(
        all
          .filter(s => s.paired_end_filename)
          .map(s => s.paired_end_filename)
          .sort()
      ).toEqual(['pa_R2.fastq', 'pb_R2.fastq'])
      results.forEach((result, i) => {
        const share = samplesOf(result).length
        expect(result.stdout).toContain(`Shard ${i + 1}/3: ${share} of 12 samples`)
        expect(result.summary).toContain(`Shard ${i + 1}/3: ${share} of 12 samples`)
      })
    })
  })

  it('a bad shard fails before any request', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'many/*', shard: '4/3' })
      expect(result.exitCode).not.toBe(0)
      expect(result.stdout).toContain('Input shard is "4/3": shard 4 does not exist among 3')
      expect(sandbox.requests).toEqual([])
    })
  })
})

async function fileSize(relative: string): Promise<number> {
  return (await readFile(join(workspace, relative))).length
}

/**
 * Runs the bundle on `inputs` and, once `ready()` holds, cancels it as the runner does (SIGINT,
 * then SIGTERM 7.5 s later if still running): the run, its whole log, and when it was signalled
 * and when it exited.
 */
async function cancelWhen(
  sandbox: Sandbox,
  inputs: Record<string, string>,
  ready: () => boolean
): Promise<{ result: ActionRun; log: string; signalledAt: number; closedAt: number }> {
  let child: ChildProcess | undefined
  let log = ''
  let closedAt = 0
  const finished = runAction({
    workspace,
    inputs: { 'max-attempts': '3', 'api-key': API_KEY, 'api-url': sandbox.apiUrl, ...inputs },
    env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5' },
    onSpawn: spawned => {
      child = spawned
      spawned.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
      spawned.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
      spawned.on('close', () => (closedAt = Date.now()))
    }
  })
  const deadline = Date.now() + 20_000
  while (!ready()) {
    if (Date.now() > deadline) {
      child?.kill('SIGKILL')
      await finished
      throw new Error(`the run never got ready to be cancelled; log:\n${log}`)
    }
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  const signalledAt = Date.now()
  child!.kill('SIGINT')
  const term = setTimeout(() => child!.kill('SIGTERM'), 7500)
  const result = await finished
  clearTimeout(term)
  return { result, log, signalledAt, closedAt }
}
