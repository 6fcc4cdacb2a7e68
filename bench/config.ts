/** The bench's settings (knobs from the environment, `--quick`), work directory and log. */
import { join } from 'node:path'
import { ROOT } from './action-runner.js'

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

export const quick = process.argv.includes('--quick')
const num = (name: string, fallback: number, quickValue: number): number =>
  Number(process.env[name] ?? (quick ? quickValue : fallback))
const list = (name: string, fallback: string, quickValue: string): number[] =>
  (process.env[name] ?? (quick ? quickValue : fallback))
    .split(',')
    .map(Number)
    .filter(n => Number.isFinite(n) && n >= 0)

export const config = {
  bigBytes: num('BENCH_BIG_MIB', 2048, 256) * MiB,
  /** Lanes in the lane group; together they are as big as the throughput file. */
  lanes: num('BENCH_LANES', 4, 4),
  smallFiles: num('BENCH_FILES', 200, 40),
  smallFileBytes: 20_000,
  repeats: num('BENCH_REPEATS', 3, 1),
  coldRuns: num('BENCH_COLD_RUNS', 10, 3),
  rgwBytes: num('BENCH_RGW_MIB', 64, 32) * MiB,
  rgwRepeats: num('BENCH_RGW_REPEATS', 2, 1),
  /** The WAN profile: each TCP connection's bodies are read at most this fast (bytes/s). */
  wanCapBytesPerS: num('BENCH_WAN_MBPS', 100, 100) * 1e6,
  wanBytes: num('BENCH_WAN_MIB', 2048, 256) * MiB,
  wanRepeats: num('BENCH_WAN_REPEATS', 3, 1),
  /** Rounds (of the WAN rounds) in which One Codex's official client's strategy runs too. */
  officialRepeats: num('BENCH_OFFICIAL_REPEATS', 1, 1),
  /** The auto-threshold sweep: file sizes (MiB), rounds, and the round trip the sink adds. */
  thresholdMiB: list('BENCH_THRESHOLD_MIB', '16,32,48,64,100', '16,48'),
  thresholdRepeats: num('BENCH_THRESHOLD_REPEATS', 3, 1),
  thresholdRttMs: list('BENCH_THRESHOLD_RTT_MS', '0,30', '0'),
  /** Also the multipart route with every file in 8 parts (an experiment, off by default). */
  thresholdSplit: process.env.BENCH_THRESHOLD_SPLIT === '1',
  /** Where in the file the WAN profile's sink resets the connection once (fraction). */
  resetAt: 0.9,
  concurrencies: [1, 4, 8],
  apiKey: 'bench-api-key'
}

export const workDir = join(ROOT, 'bench', 'work', `run-${process.pid}`)
export const logFile = join(workDir, 'curl.log')

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

/** `2 GiB`, `256 MiB`. */
export function sizeLabel(bytes: number): string {
  return bytes >= GiB && bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`
}
