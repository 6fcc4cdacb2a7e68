/**
 * The WAN profile: a sink process that reads each TCP connection at most at BENCH_WAN_MBPS
 * (100 MB/s, what one connection from a runner to S3 gets), speaking both the form POST and
 * S3's multipart calls. `curl -F`, the action's standard route and its multipart route send the
 * same file to it, in turns, and 8 `curl -F` at once the same bytes in 8 files (the ceiling for
 * 8 connections on this machine); then each route once more with the connection reset at 90 %.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runAction, type ActionRun } from './action-runner.js'
import {
  checkMultipart,
  checkSink,
  summarize,
  throughputRun,
  type ThroughputRun
} from './checks.js'
import { config, log, logFile, sizeLabel, workDir } from './config.js'
import { curlUpload, initUpload } from './curl-baseline.js'
import { warmPageCache, writeSparseFastq } from './fixtures.js'
import { fmt } from './report.js'
import type { SinkProcess, SinkStats } from './sink-process.js'

export interface WanFile {
  readonly dir: string
  readonly path: string
  readonly bytes: number
}

export function writeWanFile(): WanFile {
  const dir = join(workDir, 'wan')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `bench_wan_${config.wanBytes / (1024 * 1024)}MiB.fastq`)
  writeSparseFastq(path, config.wanBytes)
  warmPageCache(path)
  return { dir, path, bytes: config.wanBytes }
}

/** The same bytes cut in `CEILING_CONNECTIONS` files, for the parallel-curl ceiling. */
export function writeCeilingFiles(file: WanFile): string[] {
  const paths: string[] = []
  for (let i = 1; i <= CEILING_CONNECTIONS; i++) {
    const path = join(file.dir, 'ceiling', `bench_ceiling_${i}.fastq`)
    mkdirSync(dirname(path), { recursive: true })
    writeSparseFastq(path, file.bytes / CEILING_CONNECTIONS)
    warmPageCache(path)
    paths.push(path)
  }
  return paths
}

export function removeWanFile(file: WanFile): void {
  rmSync(file.dir, { recursive: true, force: true })
}

type Method = 'standard' | 'multipart'

/**
 * The ceiling: this many `curl -F` at once, each with 1/n of the file, to the same capped sink.
 * curl costs almost no CPU, so this is what the machine and the sink can take through as many
 * connections as the multipart route keeps busy (its default parts in flight).
 */
export const CEILING_CONNECTIONS = 8

/** One run of the action on the WAN sink with `upload-method: method`, checked. */
async function runRoute(
  sink: SinkProcess,
  file: WanFile,
  method: Method,
  label: string,
  resets = 0
): Promise<{ run: ActionRun; before: SinkStats; after: SinkStats }> {
  const before = await sink.stats()
  const run = await runAction(
    { 'api-key': config.apiKey, files: '*.fastq', 'api-url': sink.api, 'upload-method': method },
    {
      workspace: file.dir,
      workDir,
      expectSamples: 1,
      label,
      // Loopback may be plain http; the action warns that it overrides S3's endpoint.
      env: method === 'multipart' ? { AWS_ENDPOINT_URL_S3: sink.sink } : {}
    }
  )
  const after = await sink.stats()
  if (method === 'multipart') checkMultipart(after, file.bytes, { resets })
  else checkSink(after, { uploads: 1, confirms: 1, resets })
  return { run, before, after }
}

/** MB/s, CPU and peak RSS of curl -F, the standard route and the multipart route, in turns. */
export async function wanThroughput(sink: SinkProcess, file: WanFile, multipart: boolean) {
  const curl: ThroughputRun[] = []
  const standard: ThroughputRun[] = []
  const parts: ThroughputRun[] = []
  const parallel: ThroughputRun[] = []
  const ceiling = writeCeilingFiles(file)
  for (let pass = 1; pass <= config.wanRepeats; pass++) {
    await sink.reset()
    const init = await initUpload(sink.api, config.apiKey, file.path)
    const before = await sink.stats()
    const c = await curlUpload(init, file.path, { workDir, logFile })
    const after = await sink.stats()
    checkSink(after, { uploads: 1 })
    curl.push(throughputRun(c, file.bytes, before, after))

    await sink.reset()
    const s = await runRoute(sink, file, 'standard', `WAN standard run ${pass}`)
    standard.push(throughputRun(s.run, file.bytes, s.before, s.after))

    if (multipart) {
      await sink.reset()
      const r = await runRoute(sink, file, 'multipart', `WAN multipart run ${pass}`)
      parts.push(throughputRun(r.run, file.bytes, r.before, r.after))
    }
    await sink.reset()
    const ceilingBefore = await sink.stats()
    const inits = await Promise.all(ceiling.map(p => initUpload(sink.api, config.apiKey, p)))
    const started = process.hrtime.bigint()
    const each = await Promise.all(
      inits.map((init, i) => curlUpload(init, ceiling[i], { workDir, logFile }))
    )
    const wallS = Number(process.hrtime.bigint() - started) / 1e9
    const ceilingAfter = await sink.stats()
    checkSink(ceilingAfter, { uploads: ceiling.length })
    const together = {
      ...each[0],
      wallS,
      cpuS: each.reduce((sum, m) => sum + m.cpuS, 0),
      peakRss: Math.max(...each.map(m => m.peakRss))
    }
    parallel.push(throughputRun(together, file.bytes, ceilingBefore, ceilingAfter))

    log(
      `  WAN round ${pass}: curl ${fmt(curl.at(-1)!.mbps, 0)} MB/s, standard ` +
        `${fmt(standard.at(-1)!.mbps, 0)} MB/s` +
        (multipart ? `, multipart ${fmt(parts.at(-1)!.mbps, 0)} MB/s` : '') +
        `, ${CEILING_CONNECTIONS} x curl ${fmt(parallel.at(-1)!.mbps, 0)} MB/s`
    )
  }
  return {
    bytes: file.bytes,
    capMBps: config.wanCapBytesPerS / 1e6,
    curl: summarize(curl, file.bytes),
    standard: summarize(standard, file.bytes),
    multipart: multipart ? summarize(parts, file.bytes) : undefined,
    ceiling: { connections: CEILING_CONNECTIONS, ...summarize(parallel, file.bytes) }
  }
}

export interface ResetResult {
  /** File bytes the storage received beyond the file's size. */
  readonly resentBytes: number
  readonly wallS: number
  /** Multipart: the part size the route used. */
  readonly partSize?: number
}

/**
 * Each route once with the connection reset when the storage has received 90 % of the file
 * (for multipart: inside the part that holds that byte). Re-sent = file bytes received in all
 * minus the file's size.
 */
export async function wanResets(sink: SinkProcess, file: WanFile, multipart: boolean) {
  const resetAtByte = Math.floor(file.bytes * config.resetAt)
  const result: { resetAtByte: number; standard?: ResetResult; multipart?: ResetResult } = {
    resetAtByte
  }
  await sink.reset({ resetAtByte })
  const s = await runRoute(sink, file, 'standard', 'WAN standard with a reset', 1)
  result.standard = { resentBytes: s.after.payloadBytes - file.bytes, wallS: s.run.wallS }
  log(
    `  reset at ${sizeLabel(file.bytes)} x ${config.resetAt}: standard re-sent ` +
      `${fmt(result.standard.resentBytes / 2 ** 20, 1)} MiB`
  )
  if (multipart) {
    await sink.reset({ resetAtByte })
    const m = await runRoute(sink, file, 'multipart', 'WAN multipart with a reset', 1)
    result.multipart = {
      resentBytes: m.after.payloadBytes - file.bytes,
      wallS: m.run.wallS,
      partSize: m.after.objects[0]?.partSize
    }
    log(`  multipart re-sent ${fmt(result.multipart.resentBytes / 2 ** 20, 1)} MiB`)
  }
  return result
}
