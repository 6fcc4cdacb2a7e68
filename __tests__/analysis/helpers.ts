/**
 * What the analysis tests share: a sandbox and the HTTP analysis client on one clock that
 * only moves when the wait sleeps (so a 60 min wait takes milliseconds, over real HTTP), and
 * the run's RetryPolicy without its backoff delays.
 */
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import {
  OneCodexAnalysisClient,
  type AnalysisHttpOptions
} from '../../src/analysis/analysis-client.js'
import { awaitAnalyses, type AwaitOptions } from '../../src/analysis/await-analyses.js'
import type { AnalysisResult, AnalysisSample } from '../../src/analysis/types.js'
import { RetryPolicy } from '../../src/net/retry-helper.js'

export interface World {
  box: Sandbox
  client: OneCodexAnalysisClient
  /** The shared clock, epoch ms. */
  now(): number
  /** Moves the shared clock. */
  advance(ms: number): void
  /** Every wait the waiter asked for, in order. */
  sleeps: number[]
  lines: string[]
  warnings: string[]
  /** The RetryPolicy's "retrying" lines. */
  retries: string[]
  /** A sample seeded as imported now (as if just uploaded). */
  upload(filename: string): AnalysisSample
  /** A sample seeded a day ago (as skip-existing finds one). */
  existing(filename: string): AnalysisSample
  wait(samples: AnalysisSample[], options?: Partial<AwaitOptions>): Promise<AnalysisResult[]>
  close(): Promise<void>
}

export const START = Date.UTC(2026, 2, 2, 9)

export async function world(
  options: {
    sandbox?: SandboxOptions
    client?: Partial<AnalysisHttpOptions>
    maxAttempts?: number
  } = {}
): Promise<World> {
  let t = START
  const box = await startSandbox({
    pageSize: 1000,
    ...options.sandbox,
    now: () => t,
    analysis: { startDelayMs: 10_000, runTimeMs: 30_000, ...options.sandbox?.analysis }
  })
  const retries: string[] = []
  const client = new OneCodexAnalysisClient({
    apiUrl: box.apiUrl,
    apiKey: box.apiKey,
    retry: new RetryPolicy({
      maxAttempts: options.maxAttempts ?? 3,
      log: line => retries.push(line),
      sleep: async () => {},
      random: () => 0
    }),
    ...options.client
  })
  const w: World = {
    box,
    client,
    now: () => t,
    advance: ms => {
      t += ms
    },
    sleeps: [],
    lines: [],
    warnings: [],
    retries,
    upload: filename => ({
      sampleId: box.seed({ filename, size: 100, createdAt: new Date(t) }),
      path: `reads/${filename}`,
      filename
    }),
    existing: filename => ({
      sampleId: box.seed({ filename, size: 100 }),
      path: `reads/${filename}`,
      filename,
      existing: true
    }),
    wait: (samples, overrides = {}) =>
      awaitAnalyses(samples, {
        client,
        timeoutMs: 60 * 60_000,
        log: line => w.lines.push(line),
        warn: line => w.warnings.push(line),
        now: () => t,
        sleep: async ms => {
          w.sleeps.push(ms)
          t += ms
        },
        random: () => 0.5,
        ...overrides
      }),
    close: async () => {
      client.dispose()
      await box.close()
    }
  }
  return w
}
