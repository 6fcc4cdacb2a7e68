/**
 * End to end, on the bundle (ONECODEX_ACTION_ENTRY, else dist/index.js) run as a runner runs
 * it, against the sandbox: a cancelled job (SIGINT/SIGTERM) before any upload started — while
 * the action is still loading, and during the skip-existing lookup (a real run and a dry run) —
 * writes its outputs once, its summary and its results file, sends nothing more, and exits
 * non-zero within 10 s.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import type { Sandbox } from '../../sandbox/emulator.js'
import { runAction, type ActionRun } from '../../sandbox/runner.js'
import type { ResultsRecord } from '../../src/report/results-file.js'
import type { FailedSample } from '../../src/shared/types.js'
import { bundleWorkspace, reads, withFreshSandbox, writeUnder } from '../helpers/e2e.js'

const API_KEY = 'e2e-cancel-key-0123456789'
/** The entry's first line: from then on a signal is held until the action has loaded. */
const HELD = '::debug::cancellation signals are held from now on'
const OUTPUT_NAMES = ['sample-ids', 'samples', 'failed', 'results-file', 'truncated']

let workspace: string

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-cancel-')
  await writeUnder(workspace, 'reads/a.fastq', reads('A', 20))
  await writeUnder(workspace, 'reads/b.fastq', reads('B', 30))
  await writeUnder(workspace, 'reads/p_R1.fastq', reads('P', 10, 1))
  await writeUnder(workspace, 'reads/p_R2.fastq', reads('P', 10, 2))
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

interface Cancelled {
  result: ActionRun
  log: string
  /** Exit code, signal and when the process closed (epoch ms). */
  closed: { code: number | null; signal: NodeJS.Signals | null; at: number }
  /** When the signal was sent (epoch ms), undefined when it never was. */
  signalledAt?: number
}

/**
 * Runs the bundle against `sandbox` and sends `signal` once `when(log)` holds (checked on every
 * chunk of output and every 5 ms), the way a runner cancels a job.
 */
async function runCancelled(
  sandbox: Sandbox,
  inputs: Record<string, string>,
  when: (log: string) => boolean,
  signal: NodeJS.Signals = 'SIGTERM'
): Promise<Cancelled> {
  let child: ChildProcess | undefined
  let log = ''
  let signalledAt: number | undefined
  let closed: Cancelled['closed'] | undefined
  const poke = (): void => {
    if (signalledAt === undefined && child && when(log)) {
      signalledAt = Date.now()
      child.kill(signal)
    }
  }
  const poll = setInterval(poke, 5)
  try {
    const result = await runAction({
      workspace,
      inputs: { 'api-key': API_KEY, 'api-url': sandbox.apiUrl, files: 'reads/*', ...inputs },
      env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5' },
      onSpawn: spawned => {
        child = spawned
        spawned.stdout?.on('data', (chunk: Buffer) => {
          log += chunk.toString('utf8')
          poke()
        })
        spawned.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
        spawned.on(
          'close',
          (code, killedBy) => (closed = { code, signal: killedBy, at: Date.now() })
        )
      }
    })
    return { result, log, closed: closed!, signalledAt }
  } finally {
    clearInterval(poll)
  }
}

/** Each output set exactly once in GITHUB_OUTPUT. */
function expectOutputsOnce(result: ActionRun): void {
  for (const name of OUTPUT_NAMES) {
    const records = result.outputsText.split('\n').filter(line => line.startsWith(`${name}<<`))
    expect([name, records.length]).toEqual([name, 1])
  }
}

const failedOf = (result: ActionRun): FailedSample[] =>
  JSON.parse(result.outputs.failed ?? 'null') as FailedSample[]
const recordOf = (result: ActionRun): ResultsRecord =>
  JSON.parse(result.resultsText ?? 'null') as ResultsRecord

describe('a job cancelled before any upload started (bundle)', () => {
  it('a SIGTERM while the action is still loading: empty outputs written once, every sample not attempted, summary, results file, exit 1, nothing sent', async () => {
    await withFreshSandbox(API_KEY, async sandbox => {
      // The signal goes out the moment the entry says it holds signals: the rest of the bundle
      // (~100–200 ms) is still loading then.
      const { result, log, closed, signalledAt } = await runCancelled(sandbox, {}, text =>
        text.includes(HELD)
      )
      expect(signalledAt).toBeDefined()
      expect(closed.signal).toBeNull() // not killed by the signal
      expect(closed.code).toBe(1)
      expect(closed.at - signalledAt!).toBeLessThan(10_000)
      expect(log).toContain('Received SIGTERM while the action was starting')
      expect(result.outputs['sample-ids']).toBe('[]')
      expect(result.outputs.samples).toBe('[]')
      expect(result.outputs.truncated).toBe('[]')
      expect(failedOf(result).map(f => [f.path, f.status])).toEqual([
        ['reads/a.fastq', 'not attempted'],
        ['reads/b.fastq', 'not attempted'],
        ['reads/p_R1.fastq', 'not attempted']
      ])
      expect(failedOf(result)[2].paired_end_path).toBe('reads/p_R2.fastq')
      for (const failure of failedOf(result)) expect(failure.error).toMatch(/cancelled/)
      expectOutputsOnce(result)
      expect(recordOf(result)).toMatchObject({
        outcome: 'failed',
        totals: { samples: 3, not_attempted: 3, confirmed: 0 }
      })
      expect(result.summary).toContain('One Codex upload')
      expect(result.summary).toContain('3 not attempted')
      expect(log).toMatch(/::error::The job was cancelled\. None of the 3 samples was uploaded/)
      expect(sandbox.requests).toEqual([])
    })
  })

  it('a SIGINT 20–200 ms into the start (loading, or just started): outputs written once, exit 1', async () => {
    await withFreshSandbox(API_KEY, async sandbox => {
      // Before node runs the entry's first line (its own start-up, ~30–150 ms on a busy
      // machine) no JavaScript can catch a signal; from that line on, each of these must count.
      for (const delay of [20, 50, 100, 200]) {
        let heldAt: number | undefined
        const { result, closed } = await runCancelled(
          sandbox,
          {},
          log => {
            if (heldAt === undefined && log.includes(HELD)) heldAt = Date.now()
            return heldAt !== undefined && Date.now() - heldAt >= delay
          },
          'SIGINT'
        )
        expect([delay, closed.signal, closed.code]).toEqual([delay, null, 1])
        expectOutputsOnce(result)
        // Every sample accounted for once (a late signal may find one already confirmed).
        const samples = JSON.parse(result.outputs.samples) as unknown[]
        expect(samples.length + failedOf(result).length).toBe(3)
        expect(recordOf(result).outcome).toBe('failed')
      }
    })
  })
})

describe('a job cancelled during the skip-existing lookup (bundle)', () => {
  /** Sends SIGTERM once the (stalled) listing request reached the sandbox. */
  const whenListing = (sandbox: Sandbox) => (): boolean =>
    sandbox.requests.some(r => r.route === 'list_samples')

  it('a stalled listing is aborted at once: every sample not attempted, summary and results file written, exit 1 within 10 s', async () => {
    await withFreshSandbox(API_KEY, async sandbox => {
      sandbox.faults.add('list_samples', { kind: 'stall' })
      const { result, log, closed, signalledAt } = await runCancelled(
        sandbox,
        { 'skip-existing': 'true', 'max-attempts': '3' },
        whenListing(sandbox)
      )
      expect(signalledAt).toBeDefined()
      expect(closed.signal).toBeNull()
      expect(closed.code).toBe(1)
      // Aborted, not waited out: far less than the last-resort exit (9 s).
      expect(closed.at - signalledAt!).toBeLessThan(5000)
      expect(result.outputs['sample-ids']).toBe('[]')
      expect(failedOf(result).map(f => [f.path, f.status])).toEqual([
        ['reads/a.fastq', 'not attempted'],
        ['reads/b.fastq', 'not attempted'],
        ['reads/p_R1.fastq', 'not attempted']
      ])
      for (const failure of failedOf(result))
        expect(failure.error).toBe(
          'not attempted: the job was cancelled before this sample started.'
        )
      expectOutputsOnce(result)
      expect(recordOf(result)).toMatchObject({ outcome: 'failed', totals: { not_attempted: 3 } })
      expect(result.summary).toContain('3 not attempted')
      // Nothing after the signal but the one stalled listing: no retry, no upload.
      expect(sandbox.requests.map(r => r.route)).toEqual(['list_samples'])
      const afterSignal = log.slice(log.indexOf('Received SIGTERM'))
      expect(afterSignal).not.toMatch(/Retrying in/)
      expect(afterSignal).not.toMatch(/could not be reached|could not ask One Codex/)
      expect(log).toMatch(/::error::The job was cancelled\. None of the 3 samples was uploaded/)
    })
  })

  it('a listing answering 503 after the signal is not retried, and says no "Retrying in"', async () => {
    await withFreshSandbox(API_KEY, async sandbox => {
      // The answer (a 503) comes 600 ms after the request: the signal lands in between.
      sandbox.faults.add('list_samples', { kind: 'status', status: 503, afterMs: 600, times: 5 })
      const { result, log, closed } = await runCancelled(
        sandbox,
        { 'skip-existing': 'true', 'max-attempts': '5' },
        whenListing(sandbox)
      )
      expect(closed.code).toBe(1)
      expect(sandbox.requests.filter(r => r.route === 'list_samples')).toHaveLength(1)
      expect(log).not.toMatch(/Retrying in/)
      expect(failedOf(result).map(f => f.status)).toEqual([
        'not attempted',
        'not attempted',
        'not attempted'
      ])
    })
  })

  it('a dry run cancelled during its read-only listing still writes its report and exits 1', async () => {
    await withFreshSandbox(API_KEY, async sandbox => {
      sandbox.faults.add('list_samples', { kind: 'stall' })
      const { result, log, closed, signalledAt } = await runCancelled(
        sandbox,
        { 'skip-existing': 'true', 'dry-run': 'true' },
        whenListing(sandbox)
      )
      expect(closed.signal).toBeNull()
      expect(closed.code).toBe(1)
      expect(closed.at - signalledAt!).toBeLessThan(5000)
      expectOutputsOnce(result)
      expect(result.outputs['sample-ids']).toBe('[]')
      expect(JSON.parse(result.outputs.plan)).toHaveLength(3)
      expect(recordOf(result).outcome).toBe('dry-run')
      expect(result.summary).toContain('One Codex upload (dry run)')
      expect(result.summary).toMatch(/cancelled/)
      expect(sandbox.requests.map(r => r.route)).toEqual(['list_samples'])
      expect(log).toMatch(/::error::The job was cancelled/)
    })
  })
})
