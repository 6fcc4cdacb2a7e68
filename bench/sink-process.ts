/** Starts bench/sink-server.ts in its own process and talks to its control routes. */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ROOT } from './action-runner.js'
import type { Fault, Stats } from './sink-state.js'

/** The sink's counters (see sink-state.ts) and its own CPU time so far. */
export type SinkStats = Readonly<Stats> & {
  readonly cpuUserUs: number
  readonly cpuSystemUs: number
}

export interface SinkProcess {
  readonly api: string
  readonly sink: string
  stats(): Promise<SinkStats>
  /** Clears the counters and what was issued; arms `fault` for the next run. */
  reset(fault?: Fault): Promise<void>
  stop(): Promise<void>
}

/** Real S3 (radosgw) for init_upload to point at instead of the sink. */
export interface S3Storage {
  readonly endpoint: string
  readonly bucket: string
  readonly accessKey: string
  readonly secretKey: string
}

export interface SinkOptions {
  /** Init_upload hands out POST fields for this real S3 instead of the sink. */
  readonly s3?: S3Storage
  /** The WAN profile: read each TCP connection at most at this many bytes per second. */
  readonly capBytesPerS?: number
}

export async function startSink(apiKey: string, options: SinkOptions = {}): Promise<SinkProcess> {
  const { s3, capBytesPerS } = options
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'sink-server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_API_KEY: apiKey,
        BENCH_S3: s3 ? JSON.stringify(s3) : '',
        BENCH_CAP_BYTES_PER_S: capBytesPerS ? String(capBytesPerS) : '',
        NODE_OPTIONS: ''
      },
      stdio: ['ignore', 'pipe', 'inherit']
    }
  )
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', line => {
      lines.close()
      resolve(line)
    })
    child.once('exit', code => reject(new Error(`sink server exited early (code ${code})`)))
    child.once('error', reject)
  })
  const { api, sink } = JSON.parse(firstLine) as { api: string; sink: string }
  return {
    api,
    sink,
    async stats() {
      const response = await fetch(`${api}/__bench/stats`)
      return (await response.json()) as SinkStats
    },
    async reset(fault: Fault = {}) {
      await fetch(`${api}/__bench/reset`, { method: 'POST', body: JSON.stringify(fault) })
    },
    stop() {
      return new Promise<void>(resolve => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    }
  }
}

/** Sink CPU seconds between two stats snapshots. */
export function sinkCpuSeconds(before: SinkStats, after: SinkStats): number {
  return (after.cpuUserUs - before.cpuUserUs + after.cpuSystemUs - before.cpuSystemUs) / 1e6
}
