/**
 * The WAN profile: a sink process that reads each TCP connection at most at BENCH_WAN_MBPS
 * (100 MB/s, what one connection from a runner to S3 gets), speaking both the form POST and
 * S3's multipart calls. `curl -F`, the action's standard route, its multipart route and `auto`
 * send the same file to it, in turns, and 8 `curl -F` at once the same bytes in 8 files (the
 * ceiling for 8 connections on this machine); `openssl dgst -sha256` of the file gives, with
 * curl's, the CPU floor; One Codex's official client's strategy (boto3, bench/official.ts) sends
 * it too. Then each route once more with the connection reset at 90 %.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { headOnlyInputs, runAction, type ActionRun } from './action-runner.js'
import {
  checkMultipart,
  checkSink,
  summarize,
  throughputRun,
  type ThroughputRun
} from './checks.js'
import { config, GiB, log, logFile, sizeLabel, workDir } from './config.js'
import { curlUpload, initUpload, opensslSha256 } from './curl-baseline.js'
import { warmPageCache, writeSparseFastq } from './fixtures.js'
import { findOfficialClient, officialClientUpload } from './official.js'
import { fmt, median } from './report.js'
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

export type Route = 'standard' | 'multipart'
/** `auto`: no `upload-method` input, so action.yml's default; the build picks the route. */
export type Method = Route | 'auto'

/**
 * The ceiling: this many `curl -F` at once, each with 1/n of the file, to the same capped sink.
 * curl costs almost no CPU, so this is what the machine and the sink can take through as many
 * connections as the multipart route keeps busy (its default parts in flight).
 */
export const CEILING_CONNECTIONS = 8

/**
 * One run of the action on the WAN sink with `upload-method: method` (none for `auto`),
 * checked as the route it took: the sink's counters say which one that was.
 */
export async function runRoute(
  sink: SinkProcess,
  file: WanFile,
  method: Method,
  label: string,
  resets = 0,
  /** More environment for the action (the threshold sweep's part-size experiment). */
  extraEnv: Record<string, string> = {}
): Promise<{ run: ActionRun; before: SinkStats; after: SinkStats; route: Route }> {
  const before = await sink.stats()
  const run = await runAction(
    {
      'api-key': config.apiKey,
      files: '*.fastq',
      'api-url': sink.api,
      ...(method === 'auto' ? {} : { 'upload-method': method }),
      ...headOnlyInputs()
    },
    {
      workspace: file.dir,
      workDir,
      expectSamples: 1,
      label,
      // Loopback may be plain http; the action warns that it overrides S3's endpoint. Also set
      // for `auto`, which may choose the multipart route: S3 is the sink too.
      env: { ...(method === 'standard' ? {} : { AWS_ENDPOINT_URL_S3: sink.sink }), ...extraEnv }
    }
  )
  const after = await sink.stats()
  const route: Route = after.multipartInits > 0 ? 'multipart' : 'standard'
  if (method !== 'auto' && route !== method)
    throw new Error(`${label}: upload-method ${method} took the ${route} route`)
  if (route === 'multipart') checkMultipart(after, file.bytes, { resets })
  else checkSink(after, { uploads: 1, confirms: 1, resets })
  return { run, before, after, route }
}

/**
 * MB/s, CPU and peak RSS of curl -F, the standard route, the multipart route and `auto`, in
 * turns; 8 x curl at once; openssl's sha256 of the file (CPU only); the official client's
 * strategy in the first `config.officialRepeats` rounds.
 */
export async function wanThroughput(sink: SinkProcess, file: WanFile, multipart: boolean) {
  const curl: ThroughputRun[] = []
  const standard: ThroughputRun[] = []
  const parts: ThroughputRun[] = []
  const auto: ThroughputRun[] = []
  const autoRoutes: Route[] = []
  const parallel: ThroughputRun[] = []
  const openssl: number[] = []
  const official: ThroughputRun[] = []
  let officialParts: { partSize: number; parts: number } | undefined
  const ceiling = writeCeilingFiles(file)
  const client = config.officialRepeats > 0 ? findOfficialClient() : undefined
  const officialNote = client
    ? `boto3 ${client.boto3}`
    : config.officialRepeats > 0
      ? 'skipped: python3 with boto3 not found (Debian: apt-get install python3-boto3)'
      : 'skipped: BENCH_OFFICIAL_REPEATS=0'
  if (!client) log(`  official client strategy ${officialNote}`)
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

    // A build whose `auto` sends this file through the standard route makes each auto run a
    // repeat of the standard one (22 s at the cap): then one round of it is enough.
    if (pass === 1 || autoRoutes[0] !== 'standard') {
      await sink.reset()
      const a = await runRoute(sink, file, 'auto', `WAN auto run ${pass}`)
      auto.push(throughputRun(a.run, file.bytes, a.before, a.after))
      autoRoutes.push(a.route)
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

    const hash = await opensslSha256(file.path, { workDir, logFile })
    openssl.push(hash.cpuS / (file.bytes / GiB))

    if (client && pass <= config.officialRepeats) {
      await sink.reset()
      const officialBefore = await sink.stats()
      const o = await officialClientUpload(client, sink.api, sink.sink, file.path, {
        workDir,
        logFile
      })
      const officialAfter = await sink.stats()
      checkMultipart(officialAfter, file.bytes)
      if (officialAfter.maxInFlight > 1)
        throw new Error(`official client strategy: ${officialAfter.maxInFlight} parts at once`)
      official.push(throughputRun(o, file.bytes, officialBefore, officialAfter))
      officialParts = { partSize: o.partSize, parts: o.parts }
    }

    log(
      `  WAN round ${pass}: curl ${fmt(curl.at(-1)!.mbps, 0)} MB/s, standard ` +
        `${fmt(standard.at(-1)!.mbps, 0)} MB/s` +
        (multipart ? `, multipart ${fmt(parts.at(-1)!.mbps, 0)} MB/s` : '') +
        (auto.length === pass
          ? `, auto (${autoRoutes.at(-1)}) ${fmt(auto.at(-1)!.mbps, 0)} MB/s`
          : '') +
        `, ${CEILING_CONNECTIONS} x curl ${fmt(parallel.at(-1)!.mbps, 0)} MB/s` +
        `, openssl sha256 ${fmt(openssl.at(-1)!)} CPU s/GiB` +
        (official.length === pass ? `, official client ${fmt(official.at(-1)!.mbps, 0)} MB/s` : '')
    )
  }
  return {
    bytes: file.bytes,
    capMBps: config.wanCapBytesPerS / 1e6,
    curl: summarize(curl, file.bytes),
    standard: summarize(standard, file.bytes),
    multipart: multipart ? summarize(parts, file.bytes) : undefined,
    auto: { routes: autoRoutes, ...summarize(auto, file.bytes) },
    ceiling: { connections: CEILING_CONNECTIONS, ...summarize(parallel, file.bytes) },
    openssl: { cpuPerGiB: median(openssl), runs: openssl },
    official:
      official.length > 0
        ? { note: officialNote, ...officialParts, ...summarize(official, file.bytes) }
        : { note: officialNote }
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
