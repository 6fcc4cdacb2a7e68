/**
 * The content check's section: src/verify's scan of a real-content FASTQ.gz (content-fixture.ts)
 * against `gzip -t` of the same file, the physical limit for checking one gzip stream, and its
 * hash-only read (`validate: head`) against `openssl dgst -sha256`. Rounds alternate the four
 * commands; every figure is a median. The file is read once before timing, so every run finds
 * it in the page cache.
 *
 * The scan runs in its own process (bench/scan-runner.ts under tsx) and reports its own wall
 * and CPU time from startScan to the result, so tsx's start is not counted; gzip and openssl
 * are timed whole (their start is a millisecond). Peak RSS is the process's (GNU time).
 */
import { join } from 'node:path'
import { ROOT } from './action-runner.js'
import { contentFixture, type ContentFixture } from './content-fixture.js'
import { GiB, log, logFile, MiB, quick, workDir } from './config.js'
import { warmPageCache } from './fixtures.js'
import { measure } from './measure.js'
import { fmt, median, round, targetMet, verdict, type Row, type Target } from './report.js'

const num = (name: string, fallback: number, quickValue: number): number =>
  Number(process.env[name] ?? (quick ? quickValue : fallback))

export const contentConfig = {
  /** Size of the real-content FASTQ.gz (gzip bytes). */
  gzipBytes: num('BENCH_CHECK_MIB', 512, 64) * MiB,
  repeats: num('BENCH_CHECK_RUNS', 3, 1)
}

interface Timed {
  readonly wallS: number
  readonly cpuS: number
  readonly peakRss: number
}

interface Side {
  readonly runs: readonly Timed[]
  /** File (gzip) bytes per second of wall time, MB/s. */
  readonly mbps: number
  readonly cpuPerGiB: number
  readonly peakRss: number
}

export interface ContentCheckResult {
  readonly file: Omit<ContentFixture, 'path'> & { ratio: number }
  readonly full: Side
  readonly gzipT: Side
  readonly head: Side
  readonly openssl: Side
}

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')

async function scanRun(validate: 'full' | 'head', fixture: ContentFixture): Promise<Timed> {
  const run = await measure(
    process.execPath,
    [TSX, join(ROOT, 'bench', 'scan-runner.ts'), validate, fixture.path],
    { logFile, scratchDir: workDir, captureStdout: true, cwd: ROOT, timeoutS: 600 }
  )
  if (run.exitCode !== 0)
    throw new Error(`scan-runner ${validate} exited ${run.exitCode} (see ${logFile})`)
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
    wallS: number
    cpuS: number
    sha256?: string
    reads?: number
    bases?: number
    problems: string[]
  }
  if (out.problems.length > 0)
    throw new Error(`the scan refused the fixture: ${out.problems.join('; ')}`)
  if (validate === 'full' && (out.reads !== fixture.reads || out.bases !== fixture.bases))
    throw new Error(
      `the scan counted ${out.reads} reads and ${out.bases} bases, the fixture holds ${fixture.reads} and ${fixture.bases}`
    )
  scanDigests.add(out.sha256 ?? 'none')
  return { wallS: out.wallS, cpuS: out.cpuS, peakRss: run.peakRss }
}

const scanDigests = new Set<string>()

async function commandRun(command: string, args: string[]): Promise<Timed & { stdout: string }> {
  const run = await measure(command, args, {
    logFile,
    scratchDir: workDir,
    captureStdout: true,
    timeoutS: 600
  })
  if (run.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.exitCode}`)
  return { wallS: run.wallS, cpuS: run.cpuS, peakRss: run.peakRss, stdout: run.stdout }
}

function side(runs: Timed[], bytes: number): Side {
  return {
    runs: runs.map(r => ({ wallS: round(r.wallS), cpuS: round(r.cpuS), peakRss: r.peakRss })),
    mbps: bytes / median(runs.map(r => r.wallS)) / 1e6,
    cpuPerGiB: median(runs.map(r => r.cpuS)) / (bytes / GiB),
    peakRss: median(runs.map(r => r.peakRss))
  }
}

export async function contentCheck(): Promise<ContentCheckResult> {
  const fixture = await contentFixture(contentConfig.gzipBytes)
  warmPageCache(fixture.path)
  const full: Timed[] = []
  const gzipT: Timed[] = []
  const head: Timed[] = []
  const openssl: Timed[] = []
  const opensslDigests = new Set<string>()
  scanDigests.clear()
  for (let pass = 1; pass <= contentConfig.repeats; pass++) {
    gzipT.push(await commandRun('gzip', ['-t', fixture.path]))
    full.push(await scanRun('full', fixture))
    const o = await commandRun('openssl', ['dgst', '-sha256', fixture.path])
    opensslDigests.add(/= ([0-9a-f]{64})/.exec(o.stdout)?.[1] ?? o.stdout)
    openssl.push(o)
    head.push(await scanRun('head', fixture))
    const mbps = (t: Timed): string => fmt(fixture.bytes / t.wallS / 1e6, 0)
    log(
      `  round ${pass}: scan full ${mbps(full.at(-1)!)} MB/s, gzip -t ${mbps(gzipT.at(-1)!)} MB/s, ` +
        `scan head ${mbps(head.at(-1)!)} MB/s, openssl sha256 ${mbps(openssl.at(-1)!)} MB/s`
    )
  }
  const digests = new Set([...scanDigests, ...opensslDigests])
  if (digests.size !== 1)
    throw new Error(`the scan's sha256 differs from openssl's: ${[...digests].join(' ')}`)
  return {
    file: {
      bytes: fixture.bytes,
      textBytes: fixture.textBytes,
      reads: fixture.reads,
      bases: fixture.bases,
      generatedS: fixture.generatedS,
      ratio: round(fixture.textBytes / fixture.bytes)
    },
    full: side(full, fixture.bytes),
    gzipT: side(gzipT, fixture.bytes),
    head: side(head, fixture.bytes),
    openssl: side(openssl, fixture.bytes)
  }
}

/** The section's targets (named as issue 19 names them). */
export function contentTargets(c: ContentCheckResult | undefined): Target[] {
  return [
    {
      name: 'content check / gzip -t',
      value: c ? c.full.mbps / c.gzipT.mbps : NaN,
      kind: 'min',
      limit: 0.9,
      unit: 'x'
    }
  ]
}

/** The section's rows of the printed table. */
export function contentRows(c: ContentCheckResult | undefined, targets: readonly Target[]): Row[] {
  const row = (
    metric: string,
    action = '',
    baseline = '',
    ratio = '',
    target = '',
    x?: Target
  ): Row => ({
    metric,
    action,
    baseline,
    ratio,
    target,
    verdict: x ? verdict(targetMet(x)) : ''
  })
  if (!c) return [row('CONTENT CHECK', 'failed')]
  const label = `${fmt(c.file.bytes / MiB, 0)} MiB FASTQ.gz (${fmt(c.file.ratio, 2)}x)`
  const [check] = targets
  return [
    row(`CONTENT CHECK, ${label}, median of ${contentConfig.repeats}`),
    row(
      'validate full (src/verify scan), MB/s of gzip',
      fmt(c.full.mbps, 0),
      `${fmt(c.gzipT.mbps, 0)} gzip -t`,
      fmt(check.value),
      '>= 0.90',
      check
    ),
    row(
      '  CPU s per GiB of gzip',
      fmt(c.full.cpuPerGiB),
      `${fmt(c.gzipT.cpuPerGiB)} gzip -t`,
      fmt(c.full.cpuPerGiB / c.gzipT.cpuPerGiB)
    ),
    row(
      'validate head (sha256 only), MB/s',
      fmt(c.head.mbps, 0),
      `${fmt(c.openssl.mbps, 0)} openssl`,
      fmt(c.head.mbps / c.openssl.mbps),
      'info'
    ),
    row(
      '  CPU s per GiB',
      fmt(c.head.cpuPerGiB),
      `${fmt(c.openssl.cpuPerGiB)} openssl`,
      fmt(c.head.cpuPerGiB / c.openssl.cpuPerGiB)
    ),
    row(
      'peak RSS MiB, scan full / head (tsx process)',
      `${fmt(c.full.peakRss / MiB, 0)} / ${fmt(c.head.peakRss / MiB, 0)}`,
      `${fmt(c.gzipT.peakRss / MiB, 1)} gzip -t`
    )
  ]
}
