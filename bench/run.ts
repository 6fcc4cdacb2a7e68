/**
 * `npm run bench`: the bundled action (dist/index.js) against curl, side by side in one run.
 * See bench/README.md for what each section measures and how to read the ratios.
 *
 * Two profiles: loopback (the sink reads as fast as it can) and WAN (the sink reads each TCP
 * connection at most at 100 MB/s; bench/wan.ts).
 *
 * Knobs (environment): BENCH_BIG_MIB (2048), BENCH_LANES (4), BENCH_FILES (200),
 * BENCH_REPEATS (3), BENCH_COLD_RUNS (10), BENCH_WAN_MIB (2048), BENCH_WAN_MBPS (100),
 * BENCH_WAN_REPEATS (3), BENCH_RGW_MIB (64), BENCH_RGW_REPEATS (2), BENCH_KEEP_WORK=1 keeps
 * bench/work/, BENCH_ACTION=path/to/index.js measures another build. `--quick` shrinks
 * everything for a smoke run (its results are not written to bench/results.json).
 *
 * The radosgw section runs when RADOSGW_ENDPOINT (+ _BUCKET, _ACCESS_KEY, _SECRET_KEY) is set,
 * or when `bash scripts/radosgw.sh status` finds the default instance running.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { basename, dirname, join } from 'node:path'
import { parseRadosgwExports, radosgwFromEnv } from '../sandbox/radosgw-env.js'
import { objectPath, signV2 } from '../sandbox/s3-client.js'
import { ACTION_ENTRY, headOnlyInputs, ROOT, runAction, type ActionRun } from './action-runner.js'
import { checkSink, summarize, throughputRun, type ThroughputRun } from './checks.js'
import { config, GiB, log, logFile, MiB, quick, sizeLabel, workDir } from './config.js'
import { contentCheck, contentRows, contentTargets } from './content-check.js'
import {
  curlSequentialLoop,
  curlUpload,
  curlVersion,
  initUpload,
  opensslThenCurl,
  opensslVersion
} from './curl-baseline.js'
import {
  warmPageCache,
  writeFastq,
  writeLaneGroup,
  writeSmallFiles,
  writeSparseFastq
} from './fixtures.js'
import { measure, measurementMethod, type Measured } from './measure.js'
import {
  fmt,
  formatTable,
  median,
  round,
  targetMet,
  verdict,
  type Row,
  type Target
} from './report.js'
import { startSink, type S3Storage, type SinkProcess } from './sink-process.js'
import { autoThreshold } from './threshold.js'
import { removeWanFile, wanResets, wanThroughput, writeWanFile } from './wan.js'

const errors: string[] = []

/** Busy and total CPU time of the whole machine so far (/proc/stat), to show how noisy it was. */
function cpuTimes(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number)
    const busy = user + nice + system + irq + softirq + steal
    return { busy, total: busy + idle + iowait }
  } catch {
    return { busy: NaN, total: NaN }
  }
}

const busyShare = (a: ReturnType<typeof cpuTimes>, b: ReturnType<typeof cpuTimes>): number =>
  (b.busy - a.busy) / (b.total - a.total)
const sectionBusy: Record<string, number> = {}

/**
 * `--only=threshold,reset`: run only the sections whose names contain one of these words
 * (case-insensitive); such a partial run does not write bench/results.json.
 */
const only = process.argv
  .find(arg => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map(word => word.trim().toLowerCase())
  .filter(Boolean)
const wanted = (name: string): boolean =>
  !only || only.some(word => name.toLowerCase().includes(word))

/** Runs one section; a failure is recorded and the other sections still run. */
async function section<T>(name: string, body: () => Promise<T>): Promise<T | undefined> {
  if (!wanted(name)) return undefined
  const started = Date.now()
  const cpu = cpuTimes()
  log(`${name}...`)
  try {
    const result = await body()
    sectionBusy[name] = round(busyShare(cpu, cpuTimes()))
    log(
      `${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(machine CPU ${fmt(sectionBusy[name] * 100, 0)} % busy)`
    )
    return result
  } catch (error) {
    const message = `${name}: ${(error as Error).message}`
    errors.push(message)
    log(`FAILED ${message}`)
    return undefined
  }
}

/**
 * The loopback sections measure the standard route against `curl -F` to the same sink: named
 * explicitly, since `auto` sends files of 64 MiB and more through the multipart route (and the
 * loopback sink gives no S3 endpoint override).
 */
const STANDARD_ROUTE = { 'upload-method': 'standard' }

/** What the measured build can do: features still being built are skipped, not failed. */
function features() {
  // The entry and the chunks it loads (the bundle is split: a small entry, main, the S3 SDK).
  const dir = dirname(ACTION_ENTRY)
  const bundle = readdirSync(dir)
    .filter(name => name.endsWith('.js'))
    .map(name => readFileSync(join(dir, name), 'utf8'))
    .join('\n')
  const actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8')
  return {
    multipart:
      /^ {2}upload-method:/m.test(actionYml) &&
      bundle.includes('init_multipart_upload') &&
      !bundle.includes('the multipart route is not available yet'),
    lanes: /^ {2}lanes:/m.test(actionYml)
  }
}

/**
 * Loopback: per round the action on one big file, the action on a lane group of the same total
 * size (merged into one sample), `curl -F`, and `openssl dgst -sha256 && curl -F`.
 */
async function throughput(sink: SinkProcess, lanes: boolean) {
  const dir = join(workDir, 'big')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `bench_${config.bigBytes / MiB}MiB.fastq`)
  writeSparseFastq(path, config.bigBytes)
  warmPageCache(path)
  const laneDir = join(workDir, 'lanes')
  const laneBytes = config.bigBytes / config.lanes
  const lanePaths = lanes ? writeLaneGroup(laneDir, 'bench_S1', config.lanes, laneBytes) : []
  for (const lane of lanePaths) warmPageCache(lane)
  const mergedName = 'bench_S1_R1_001.fastq.gz'

  const action: ThroughputRun[] = []
  const laneRuns: ThroughputRun[] = []
  const curl: ThroughputRun[] = []
  const opensslCurl: ThroughputRun[] = []
  let laneFailure: string | undefined
  for (let pass = 1; pass <= config.repeats; pass++) {
    await sink.reset()
    let before = await sink.stats()
    const a = await runAction(
      {
        'api-key': config.apiKey,
        files: '*.fastq',
        'api-url': sink.api,
        ...headOnlyInputs(),
        ...STANDARD_ROUTE
      },
      { workspace: dir, workDir, expectSamples: 1, label: `throughput action run ${pass}` }
    )
    let after = await sink.stats()
    checkSink(after, { uploads: 1, confirms: 1 })
    action.push(throughputRun(a, config.bigBytes, before, after))

    if (lanes && !laneFailure) {
      try {
        await sink.reset()
        before = await sink.stats()
        const l = await runAction(
          {
            'api-key': config.apiKey,
            files: '*.fastq.gz',
            'api-url': sink.api,
            lanes: 'merge',
            paired: 'false',
            ...headOnlyInputs(),
            ...STANDARD_ROUTE
          },
          { workspace: laneDir, workDir, expectSamples: 1, label: `lane group run ${pass}` }
        )
        after = await sink.stats()
        checkSink(after, { uploads: 1, confirms: 1 })
        if (after.filenames.join() !== mergedName)
          throw new Error(`uploaded as ${after.filenames.join(', ')}, not ${mergedName}`)
        laneRuns.push(throughputRun(l, config.bigBytes, before, after))
      } catch (error) {
        // The lane rows are lost, the single-file and curl figures are not.
        laneFailure = `lanes: ${(error as Error).message}`
        errors.push(laneFailure)
        log(`FAILED ${laneFailure}`)
      }
    }

    await sink.reset()
    let init = await initUpload(sink.api, config.apiKey, path)
    before = await sink.stats()
    const c = await curlUpload(init, path, { workDir, logFile })
    after = await sink.stats()
    checkSink(after, { uploads: 1 })
    curl.push(throughputRun(c, config.bigBytes, before, after))

    await sink.reset()
    init = await initUpload(sink.api, config.apiKey, path)
    before = await sink.stats()
    const sc = await opensslThenCurl(init, path, { workDir, logFile })
    after = await sink.stats()
    checkSink(after, { uploads: 1 })
    opensslCurl.push(throughputRun(sc, config.bigBytes, before, after))
    log(
      `  round ${pass}: action ${fmt(action.at(-1)!.mbps, 0)} MB/s, ` +
        (laneRuns.length === pass ? `lanes ${fmt(laneRuns.at(-1)!.mbps, 0)} MB/s, ` : '') +
        `curl ${fmt(curl.at(-1)!.mbps, 0)} MB/s, openssl sha256 && curl ${fmt(opensslCurl.at(-1)!.mbps, 0)} MB/s`
    )
  }
  rmSync(path, { force: true })
  rmSync(laneDir, { recursive: true, force: true })
  return {
    bytes: config.bigBytes,
    action: summarize(action, config.bigBytes),
    lanes:
      lanes && !laneFailure
        ? { lanes: config.lanes, laneBytes, ...summarize(laneRuns, config.bigBytes) }
        : undefined,
    curl: summarize(curl, config.bigBytes),
    opensslCurl: summarize(opensslCurl, config.bigBytes)
  }
}

async function smallFilePeak(sink: SinkProcess) {
  const dir = join(workDir, 'one-mib')
  mkdirSync(dir, { recursive: true })
  const bytes = writeFastq(join(dir, 'bench_1MiB.fastq'), MiB, 3)
  const runs: ActionRun[] = []
  for (let pass = 1; pass <= config.repeats; pass++) {
    await sink.reset()
    runs.push(
      await runAction(
        { 'api-key': config.apiKey, files: '*.fastq', 'api-url': sink.api },
        { workspace: dir, workDir, expectSamples: 1, label: `1 MiB action run ${pass}` }
      )
    )
    checkSink(await sink.stats(), { uploads: 1, confirms: 1 })
  }
  return { bytes, peakRss: median(runs.map(r => r.peakRss)), runs: runs.map(r => r.peakRss) }
}

async function manyFiles(sink: SinkProcess) {
  const dir = join(workDir, 'many')
  const paths = writeSmallFiles(dir, config.smallFiles, config.smallFileBytes)
  const curlLoop: number[] = []
  const byConcurrency = new Map<number, number[]>(config.concurrencies.map(c => [c, []]))
  for (let pass = 1; pass <= config.repeats; pass++) {
    await sink.reset()
    curlLoop.push(await curlSequentialLoop(sink.api, config.apiKey, paths))
    checkSink(await sink.stats(), { uploads: paths.length, confirms: paths.length })
    for (const concurrency of config.concurrencies) {
      await sink.reset()
      const run = await runAction(
        {
          'api-key': config.apiKey,
          files: '*.fastq',
          'api-url': sink.api,
          concurrency: String(concurrency)
        },
        {
          workspace: dir,
          workDir,
          expectSamples: paths.length,
          label: `${paths.length} files, concurrency ${concurrency}, run ${pass}`
        }
      )
      checkSink(await sink.stats(), { uploads: paths.length, confirms: paths.length })
      byConcurrency.get(concurrency)!.push(run.wallS)
    }
    log(
      `  round ${pass}: curl loop ${fmt(curlLoop.at(-1)!)} s, ` +
        config.concurrencies.map(c => `c${c} ${fmt(byConcurrency.get(c)!.at(-1)!)} s`).join(', ')
    )
  }
  return {
    files: paths.length,
    bytesEach: config.smallFileBytes,
    curlLoopS: median(curlLoop),
    curlLoopRuns: curlLoop,
    action: config.concurrencies.map(concurrency => ({
      concurrency,
      wallS: median(byConcurrency.get(concurrency)!),
      runs: byConcurrency.get(concurrency)!
    }))
  }
}

async function coldStart(sink: SinkProcess) {
  const dir = join(workDir, 'cold')
  mkdirSync(dir, { recursive: true })
  writeFastq(join(dir, 'bench_cold.fastq'), 50_000, 5)
  await sink.reset()
  const dryRuns: number[] = []
  const bareNode: number[] = []
  for (let i = 0; i < config.coldRuns; i++) {
    const run = await runAction(
      { 'api-key': config.apiKey, files: '*.fastq', 'api-url': sink.api, 'dry-run': 'true' },
      { workspace: dir, workDir, label: `dry-run ${i + 1}` }
    )
    dryRuns.push(run.wallS)
    const bare = await measure(process.execPath, ['-e', '0'], {
      logFile,
      scratchDir: workDir,
      env: { PATH: process.env.PATH }
    })
    bareNode.push(bare.wallS)
  }
  const after = await sink.stats()
  if (after.initUploads + after.uploads + after.confirms > 0)
    throw new Error('dry-run sent requests to the API or storage')
  return {
    runs: config.coldRuns,
    medianS: median(dryRuns),
    bareNodeMedianS: median(bareNode),
    samples: dryRuns
  }
}

/** radosgw's coordinates from RADOSGW_* or from a running default instance; else undefined. */
function findRadosgw(): S3Storage | undefined {
  let env: NodeJS.ProcessEnv = process.env
  if (!env.RADOSGW_ENDPOINT) {
    try {
      const script = join(ROOT, 'scripts', 'radosgw.sh')
      execFileSync('bash', [script, 'status'], { stdio: 'ignore' })
      const text = execFileSync('bash', [script, 'env'], { encoding: 'utf8' })
      env = parseRadosgwExports(text)
    } catch {
      return undefined
    }
  }
  try {
    return radosgwFromEnv(env)
  } catch {
    return undefined
  }
}

/** Optional: the same 3-step flow, storage being real S3 (radosgw), which is the bottleneck. */
async function radosgw(s3: S3Storage) {
  const server = await startSink(config.apiKey, { s3 })
  try {
    const dir = join(workDir, 'rgw')
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `bench_rgw_${config.rgwBytes / MiB}MiB.fastq`)
    writeSparseFastq(path, config.rgwBytes)
    warmPageCache(path)
    const action: Measured[] = []
    const curl: Measured[] = []
    const timeoutS = 60 // a full radosgw store stalls uploads instead of refusing them
    for (let pass = 1; pass <= config.rgwRepeats; pass++) {
      const run = await runAction(
        { 'api-key': config.apiKey, files: '*.fastq', 'api-url': server.api, ...STANDARD_ROUTE },
        {
          workspace: dir,
          workDir,
          expectSamples: 1,
          label: `radosgw action run ${pass}`,
          timeoutS
        }
      )
      action.push(run)
      const [sampleId] = JSON.parse(run.outputs['sample-ids']) as string[]
      await deleteObject(s3, `bench/file_${sampleId}/${basename(path)}`)
      const init = await initUpload(server.api, config.apiKey, path)
      curl.push(await curlUpload(init, path, { workDir, logFile, timeoutS }))
      await deleteObject(s3, `bench/file_${init.sample_id}/${basename(path)}`)
      log(
        `  round ${pass}: action ${fmt(config.rgwBytes / action.at(-1)!.wallS / 1e6, 0)} MB/s, ` +
          `curl ${fmt(config.rgwBytes / curl.at(-1)!.wallS / 1e6, 0)} MB/s`
      )
    }
    const errors = (await server.stats()).errors
    if (errors.length > 0) throw new Error(`API stand-in refused: ${errors.join('; ')}`)
    rmSync(path, { force: true })
    const summary = (runs: Measured[]) => ({
      mbps: median(runs.map(r => config.rgwBytes / r.wallS / 1e6)),
      cpuPerGiB: median(runs.map(r => r.cpuS / (config.rgwBytes / GiB))),
      wallS: runs.map(r => r.wallS)
    })
    return {
      endpoint: s3.endpoint,
      bytes: config.rgwBytes,
      action: summary(action),
      curl: summary(curl)
    }
  } finally {
    await server.stop()
  }
}

/**
 * Deletes the object again. radosgw.sh's store holds 1 GiB in all and radosgw frees deleted
 * data only in its garbage collection, hours later, so this slows the filling, no more.
 */
async function deleteObject(s3: S3Storage, key: string): Promise<void> {
  const resource = objectPath(s3.bucket, key)
  const date = new Date().toUTCString()
  const response = await fetch(`${s3.endpoint.replace(/\/$/, '')}${resource}`, {
    method: 'DELETE',
    headers: { date, authorization: signV2('DELETE', resource, date, s3) }
  })
  if (response.status !== 204 && response.status !== 200)
    throw new Error(`radosgw DELETE ${key} answered ${response.status}`)
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}

async function machine() {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: round(os.totalmem() / GiB, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    curl: await curlVersion(),
    openssl: opensslVersion(),
    measurement: measurementMethod
  }
}

async function main(): Promise<void> {
  if (!existsSync(ACTION_ENTRY)) {
    console.error(`${ACTION_ENTRY} is missing: the bench uses the bundled action (npm run bundle).`)
    process.exit(2)
  }
  mkdirSync(workDir, { recursive: true })
  const started = Date.now()
  const startCpu = cpuTimes()
  const startLoad = os.loadavg()[0]
  const can = features()
  if (!can.multipart) log('the multipart route is not in this build: its WAN runs are skipped')
  if (!can.lanes) log('lane merging is not in this build (no `lanes` input): lanes skipped')
  const sink = await startSink(config.apiKey)
  const wanSink = await startSink(config.apiKey, { capBytesPerS: config.wanCapBytesPerS })
  let sections
  try {
    const tp = await section('throughput (loopback)', () => throughput(sink, can.lanes))
    const small = await section('memory (1 MiB file)', () => smallFilePeak(sink))
    const many = await section('many files', () => manyFiles(sink))
    const cold = await section('cold start', () => coldStart(sink))
    const content = await section('content check', contentCheck)
    const wanFile = wanted('WAN throughput') || wanted('WAN reset') ? writeWanFile() : undefined
    const wan = await section('WAN throughput', () =>
      wanThroughput(wanSink, wanFile!, can.multipart)
    )
    const resets = await section('WAN reset at 90 %', () =>
      wanResets(wanSink, wanFile!, can.multipart)
    )
    if (wanFile) removeWanFile(wanFile)
    const threshold = can.multipart
      ? await section('WAN auto threshold', () => autoThreshold(wanSink))
      : undefined
    const s3 = wanted('radosgw (real S3)') ? findRadosgw() : undefined
    const rgw = s3 ? await section('radosgw (real S3)', () => radosgw(s3)) : undefined
    if (!s3 && wanted('radosgw (real S3)'))
      log('radosgw: not running, section skipped (bash scripts/radosgw.sh start)')
    sections = { tp, small, many, cold, content, wan, resets, threshold, rgw }
  } finally {
    await sink.stop()
    await wanSink.stop()
    if (process.env.BENCH_KEEP_WORK !== '1') rmSync(workDir, { recursive: true, force: true })
  }
  const { tp, small, many, cold, content, wan, resets, threshold, rgw } = sections

  const bigLabel = sizeLabel(config.bigBytes)
  const wanLabel = sizeLabel(config.wanBytes)
  const bigPeak = tp ? tp.action.peakRss : NaN
  const c8 = many?.action.find(a => a.concurrency === 8)
  const partsResent =
    resets?.multipart?.partSize !== undefined
      ? resets.multipart.resentBytes / resets.multipart.partSize
      : NaN
  const target = (
    name: string,
    value: number,
    kind: Target['kind'],
    limit: number,
    unit: string
  ): Target => ({ name, value, kind, limit, unit })
  /** The CPU floor under the WAN profile: openssl's sha256 of the file plus curl's upload. */
  const wanFloor = wan ? wan.openssl.cpuPerGiB + wan.curl.cpuPerGiB : NaN
  const official = wan?.official && 'mbps' in wan.official ? wan.official : undefined
  const t = {
    throughput: target(
      'loopback throughput action/curl',
      tp ? tp.action.mbps / tp.curl.mbps : NaN,
      'min',
      0.9,
      'x'
    ),
    shaPair: target(
      'loopback throughput action/(openssl sha256 && curl)',
      tp ? tp.action.mbps / tp.opensslCurl.mbps : NaN,
      'min',
      1.0,
      'x'
    ),
    cpu: target(
      'CPU per GiB ratio action/curl',
      tp ? tp.action.cpuPerGiB / tp.curl.cpuPerGiB : NaN,
      'max',
      1.5,
      'x'
    ),
    memory: target(
      `memory ratio ${bigLabel}/1 MiB`,
      small ? bigPeak / small.peakRss : NaN,
      'max',
      1.15,
      'x'
    ),
    peak: target(`peak RSS, ${bigLabel}`, bigPeak / MiB, 'max', 128, 'MiB'),
    lanesSpeed: target(
      'lane group throughput / one file',
      tp?.lanes ? tp.lanes.mbps / tp.action.mbps : NaN,
      'min',
      0.9,
      'x'
    ),
    lanesRss: target(
      'lane group peak RSS / one file',
      tp?.lanes ? tp.lanes.peakRss / tp.action.peakRss : NaN,
      'max',
      1.1,
      'x'
    ),
    c8: target(
      'concurrency 8 / curl loop',
      many && c8 ? c8.wallS / many.curlLoopS : NaN,
      'max',
      0.2,
      'x'
    ),
    cold: target('cold start (dry-run)', cold ? cold.medianS * 1000 : NaN, 'max', 250, 'ms'),
    wanStandard: target(
      'WAN standard/curl',
      wan ? wan.standard.mbps / wan.curl.mbps : NaN,
      'min',
      0.95,
      'x'
    ),
    wanMultipart: target(
      'WAN multipart/curl',
      wan?.multipart ? wan.multipart.mbps / wan.curl.mbps : NaN,
      'min',
      6,
      'x'
    ),
    wanStandardCpu: target(
      'WAN standard CPU / (openssl sha256 + curl)',
      wan ? wan.standard.cpuPerGiB / wanFloor : NaN,
      'max',
      1.1,
      'x'
    ),
    wanMultipartCpu: target(
      'WAN multipart CPU / (openssl sha256 + curl)',
      wan?.multipart ? wan.multipart.cpuPerGiB / wanFloor : NaN,
      'max',
      1.1,
      'x'
    ),
    wanCeiling: target(
      `WAN multipart / ${wan?.ceiling.connections ?? 8} x curl at once`,
      wan?.multipart ? wan.multipart.mbps / wan.ceiling.mbps : NaN,
      'min',
      0.95,
      'x'
    ),
    wanAuto: target(
      `WAN auto ${wanLabel} / curl`,
      wan ? wan.auto.mbps / wan.curl.mbps : NaN,
      'min',
      6,
      'x'
    ),
    wanOfficial: target(
      'WAN multipart / official client strategy',
      wan?.multipart && official ? wan.multipart.mbps / official.mbps : NaN,
      'min',
      5,
      'x'
    ),
    autoThreshold: target(
      'auto threshold',
      threshold ? threshold.recommendedMiB : NaN,
      'info',
      NaN,
      'MiB'
    ),
    wanPeak: target(
      `WAN multipart peak RSS, ${wanLabel}`,
      wan?.multipart ? wan.multipart.peakRss / MiB : NaN,
      'max',
      160,
      'MiB'
    ),
    resent: target('multipart re-sent after a reset', partsResent, 'max', 2, 'parts')
  }
  const contentT = contentTargets(content)
  const targets = [...Object.values(t), ...contentT]
  const ok = (x: Target): string => verdict(targetMet(x))
  const row = (
    metric: string,
    action = '',
    baseline = '',
    ratio = '',
    x?: Target,
    limit = ''
  ): Row => ({ metric, action, baseline, ratio, target: limit, verdict: x ? ok(x) : '' })
  const mib = (bytes: number, digits = 1): string => fmt(bytes / MiB, digits)

  const rows: Row[] = [row(`LOOPBACK (no cap)`)]
  if (tp) {
    rows.push(
      row(
        `throughput ${bigLabel}, MB/s (median of ${config.repeats})`,
        fmt(tp.action.mbps, 0),
        `${fmt(tp.curl.mbps, 0)} curl`,
        fmt(t.throughput.value),
        t.throughput,
        '>= 0.90'
      ),
      row(
        '  vs openssl dgst -sha256 FILE && curl -F',
        fmt(tp.action.mbps, 0),
        `${fmt(tp.opensslCurl.mbps, 0)} sha+curl`,
        fmt(t.shaPair.value),
        t.shaPair,
        '>= 1.00'
      ),
      row(
        '  transfer only (sink: head to body end), MB/s',
        fmt(tp.action.transferMbps, 0),
        `${fmt(tp.curl.transferMbps, 0)} curl`,
        fmt(tp.action.transferMbps / tp.curl.transferMbps)
      ),
      row(
        'CPU s per GiB (user+sys)',
        fmt(tp.action.cpuPerGiB),
        `${fmt(tp.curl.cpuPerGiB)} curl`,
        fmt(t.cpu.value),
        t.cpu,
        '<= 1.5'
      ),
      row(
        '  openssl sha256 && curl, CPU s per GiB',
        fmt(tp.action.cpuPerGiB),
        `${fmt(tp.opensslCurl.cpuPerGiB)} sha+curl`,
        fmt(tp.action.cpuPerGiB / tp.opensslCurl.cpuPerGiB)
      ),
      row(
        '  sink CPU share of wall (1.00 = sink-bound)',
        fmt(tp.action.sinkCpuShare),
        `${fmt(tp.curl.sinkCpuShare)} curl`
      )
    )
  }
  if (tp || small) {
    rows.push(
      row(
        `peak RSS, MiB (${bigLabel} vs 1 MiB file)`,
        mib(bigPeak),
        `${mib(small?.peakRss ?? NaN)} 1 MiB`,
        fmt(t.memory.value),
        t.memory,
        '<= 1.15'
      ),
      row(
        `peak RSS ${bigLabel}, MiB`,
        mib(bigPeak),
        tp ? `${mib(tp.curl.peakRss)} curl` : '',
        '',
        t.peak,
        '<= 128'
      )
    )
  }
  if (tp?.lanes) {
    const l = tp.lanes
    rows.push(
      row(
        `lanes ${l.lanes} x ${sizeLabel(l.laneBytes)} merged, MB/s`,
        fmt(l.mbps, 0),
        `${fmt(tp.action.mbps, 0)} one file`,
        fmt(t.lanesSpeed.value),
        t.lanesSpeed,
        '>= 0.90'
      ),
      row(
        '  peak RSS, MiB',
        mib(l.peakRss),
        `${mib(tp.action.peakRss)} one file`,
        fmt(t.lanesRss.value),
        t.lanesRss,
        '<= 1.10'
      )
    )
  } else if (wanted('throughput (loopback)'))
    rows.push(row('lanes merged', can.lanes ? 'failed' : 'not in build'))
  if (many) {
    for (const a of many.action) {
      const is8 = a.concurrency === 8
      rows.push(
        row(
          `${many.files} files, concurrency ${a.concurrency}, wall s`,
          fmt(a.wallS),
          `${fmt(many.curlLoopS)} curl loop`,
          fmt(a.wallS / many.curlLoopS),
          is8 ? t.c8 : undefined,
          is8 ? '<= 0.20' : ''
        )
      )
    }
  }
  if (cold) {
    rows.push(
      row(
        `cold start, dry-run 1 file, ms (median of ${cold.runs})`,
        fmt(cold.medianS * 1000, 0),
        `${fmt(cold.bareNodeMedianS * 1000, 0)} node -e 0`,
        '',
        t.cold,
        '<= 250'
      )
    )
  }
  rows.push(
    rgw
      ? row(
          `radosgw (real S3) ${config.rgwBytes / MiB} MiB, MB/s (median of ${config.rgwRepeats})`,
          fmt(rgw.action.mbps, 0),
          `${fmt(rgw.curl.mbps, 0)} curl`,
          fmt(rgw.action.mbps / rgw.curl.mbps),
          undefined,
          'info'
        )
      : row('radosgw (real S3), optional', 'not run')
  )

  rows.push(...contentRows(content, contentT))
  rows.push(
    row(
      `WAN (${fmt(config.wanCapBytesPerS / 1e6, 0)} MB/s per connection), ${wanLabel}, median of ${config.wanRepeats}`
    )
  )
  if (wan) {
    const m = wan.multipart
    rows.push(
      row(
        'standard route, MB/s',
        fmt(wan.standard.mbps, 0),
        `${fmt(wan.curl.mbps, 0)} curl`,
        fmt(t.wanStandard.value),
        t.wanStandard,
        '>= 0.95'
      ),
      row(
        'multipart route, MB/s',
        m ? fmt(m.mbps, 0) : 'not in build',
        `${fmt(wan.curl.mbps, 0)} curl`,
        fmt(t.wanMultipart.value),
        m ? t.wanMultipart : undefined,
        '>= 6.0'
      ),
      row(
        `  ceiling: ${wan.ceiling.connections} x curl -F at once, 1/${wan.ceiling.connections} each, MB/s`,
        m ? fmt(m.mbps, 0) : '-',
        `${fmt(wan.ceiling.mbps, 0)} ${wan.ceiling.connections} x curl`,
        fmt(t.wanCeiling.value),
        m ? t.wanCeiling : undefined,
        '>= 0.95'
      ),
      row(
        `auto (no upload-method), MB/s; took ${[...new Set(wan.auto.routes)].join(' / ')}` +
          (wan.auto.runs.length < config.wanRepeats ? `, ${wan.auto.runs.length} run` : ''),
        fmt(wan.auto.mbps, 0),
        `${fmt(wan.curl.mbps, 0)} curl`,
        fmt(t.wanAuto.value),
        t.wanAuto,
        '>= 6.0'
      ),
      official
        ? row(
            `  multipart vs official client strategy (${official.parts} x ${mib(official.partSize ?? NaN, 0)} MiB, one at a time), MB/s`,
            m ? fmt(m.mbps, 0) : '-',
            `${fmt(official.mbps, 0)} official`,
            fmt(t.wanOfficial.value),
            m ? t.wanOfficial : undefined,
            '>= 5.0'
          )
        : row('  official client strategy', wan.official.note),
      row(
        '  transfer only (sink: first head to last body end), MB/s',
        `${fmt(wan.standard.transferMbps, 0)} / ${m ? fmt(m.transferMbps, 0) : '-'}`,
        `${fmt(wan.curl.transferMbps, 0)} curl`
      ),
      row(
        'CPU s per GiB, standard / multipart',
        `${fmt(wan.standard.cpuPerGiB)} / ${m ? fmt(m.cpuPerGiB) : '-'}`,
        `${fmt(wan.curl.cpuPerGiB)} curl`
      ),
      row(
        '  vs openssl dgst -sha256 FILE + curl -F, standard',
        fmt(wan.standard.cpuPerGiB),
        `${fmt(wan.openssl.cpuPerGiB)} + ${fmt(wan.curl.cpuPerGiB)}`,
        fmt(t.wanStandardCpu.value),
        t.wanStandardCpu,
        '<= 1.10'
      ),
      row(
        '  vs openssl dgst -sha256 FILE + curl -F, multipart',
        m ? fmt(m.cpuPerGiB) : '-',
        `${fmt(wan.openssl.cpuPerGiB)} + ${fmt(wan.curl.cpuPerGiB)}`,
        fmt(t.wanMultipartCpu.value),
        m ? t.wanMultipartCpu : undefined,
        '<= 1.10'
      ),
      row(
        '  sink CPU share of wall, standard / multipart',
        `${fmt(wan.standard.sinkCpuShare)} / ${m ? fmt(m.sinkCpuShare) : '-'}`,
        `${fmt(wan.curl.sinkCpuShare)} curl`
      ),
      row(
        '  connections busy, multipart: mean / most at once',
        m ? `${fmt(m.meanConnections, 1)} / ${fmt(m.maxConnections, 0)}` : '-',
        `${fmt(wan.curl.meanConnections, 1)} curl`
      ),
      row(
        '  idle connection-s, multipart: ramp / gaps / tail',
        m ? `${fmt(m.idle.rampS)} / ${fmt(m.idle.gapS)} / ${fmt(m.idle.tailS)}` : '-',
        `${fmt(wan.ceiling.idle.rampS)} / ${fmt(wan.ceiling.idle.gapS)} / ${fmt(wan.ceiling.idle.tailS)} ${wan.ceiling.connections} x curl`
      ),
      row(
        '  wall s, multipart: start / to 1st part / transfer / to callback / exit',
        m?.phases
          ? [
              m.phases.startS,
              m.phases.setupS,
              wan.bytes / m.transferMbps / 1e6,
              m.phases.finishS,
              m.phases.exitS
            ]
              .map(x => fmt(x))
              .join(' / ')
          : '-',
        `${fmt(wan.ceiling.outsideTransferS)} + ${fmt(wan.bytes / wan.ceiling.transferMbps / 1e6)} ${wan.ceiling.connections} x curl`
      ),
      row(
        `  CPU s per GiB, multipart vs ${wan.ceiling.connections} x curl at once`,
        m ? fmt(m.cpuPerGiB) : '-',
        `${fmt(wan.ceiling.cpuPerGiB)} ${wan.ceiling.connections} x curl`
      ),
      row(
        'peak RSS MiB, standard / multipart',
        `${mib(wan.standard.peakRss)} / ${m ? mib(m.peakRss) : '-'}`,
        `${mib(wan.curl.peakRss)} curl`,
        '',
        m ? t.wanPeak : undefined,
        'mp <= 160'
      )
    )
  }
  if (resets) {
    const f = config.wanBytes
    const s = resets.standard
    const m = resets.multipart
    rows.push(
      row(
        `reset at ${config.resetAt * 100} %: re-sent MiB, standard`,
        s ? mib(s.resentBytes) : 'n/a',
        s ? `${fmt(s.resentBytes / f)} of the file` : '',
        '',
        undefined,
        'whole file'
      ),
      row(
        '  re-sent MiB, multipart',
        m ? mib(m.resentBytes) : 'not in build',
        m?.partSize ? `${fmt(partsResent)} parts of ${mib(m.partSize, 0)} MiB` : '',
        '',
        m ? t.resent : undefined,
        '<= 2 parts'
      ),
      row(
        '  wall s with the reset, standard / multipart',
        `${s ? fmt(s.wallS, 1) : '-'} / ${m ? fmt(m.wallS, 1) : '-'}`,
        wan
          ? `${fmt(medianWall(wan.standard), 1)} / ${wan.multipart ? fmt(medianWall(wan.multipart), 1) : '-'} no reset`
          : ''
      )
    )
  }

  if (threshold) {
    rows.push(
      row(`AUTO THRESHOLD (WAN, one file, wall s of the whole run, median of ${threshold.repeats})`)
    )
    for (const r of threshold.byRtt) {
      for (const size of r.sizes) {
        const auto = threshold.autoRoutes.find(a => a.mib === size.mib)?.route ?? '-'
        rows.push(
          row(
            `  ${size.mib} MiB, RTT ${r.rttMs} ms: standard / multipart` +
              (size.splitS !== undefined ? ' / in 8 parts' : ''),
            `${fmt(size.standardS)} / ${fmt(size.multipartS)}` +
              (size.splitS !== undefined ? ` / ${fmt(size.splitS)}` : ''),
            r.rttMs === 0 ? `auto: ${auto}` : '',
            fmt(size.speedup)
          )
        )
      }
      rows.push(
        row(
          `  RTT ${r.rttMs} ms: multipart wins from, MiB`,
          fmt(r.crossoverMiB, 0),
          r.splitCrossoverMiB !== undefined ? `${fmt(r.splitCrossoverMiB, 0)} in 8 parts` : '',
          '',
          undefined,
          'info'
        )
      )
    }
    rows.push(
      row(
        'auto threshold (largest of those), MiB',
        fmt(t.autoThreshold.value, 0),
        '',
        '',
        undefined,
        'info'
      )
    )
  } else if (wanted('WAN auto threshold'))
    rows.push(row('auto threshold', can.multipart ? 'failed' : 'not in build'))

  const info = await machine()
  const totalS = (Date.now() - started) / 1000
  const load = {
    busyShare: round(busyShare(startCpu, cpuTimes())),
    loadAvgStart: round(startLoad, 2),
    loadAvgEnd: round(os.loadavg()[0], 2),
    bySection: sectionBusy
  }
  console.log(
    `\nonecodex-upload bench: ${new Date().toISOString()}, ${info.cpus} x ${info.cpuModel}, ` +
      `node ${info.node}, ${info.curl.split(' (')[0]}, ${totalS.toFixed(0)} s` +
      (process.env.BENCH_ACTION ? `, BENCH_ACTION=${process.env.BENCH_ACTION}` : '') +
      `\nmachine CPU ${fmt(load.busyShare * 100, 0)} % busy during the run (everything on it, ` +
      `bench included); load average ${fmt(load.loadAvgStart)} at start, ${fmt(load.loadAvgEnd)} at end\n`
  )
  console.log(formatTable(rows))
  if (errors.length > 0) console.log(`\nFailed sections:\n  ${errors.join('\n  ')}`)

  const results = {
    schema: 2,
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    worktreeDirty: git(['status', '--porcelain']) !== '',
    action: process.env.BENCH_ACTION || 'dist/index.js',
    features: can,
    machine: info,
    load,
    config,
    durationS: round(totalS, 1),
    targets: targets.map(x => ({ ...x, value: round(x.value), met: targetMet(x) ?? null })),
    throughput: tp && roundDeep(tp),
    memory: small && {
      oneMiBFileBytes: small.bytes,
      oneMiBPeakRss: small.peakRss,
      bigPeakRss: bigPeak,
      ratio: round(t.memory.value),
      oneMiBRuns: small.runs
    },
    manyFiles: many && roundDeep(many),
    coldStart: cold && roundDeep(cold),
    wan: wan ? roundDeep(wan) : null,
    wanResets: resets ? roundDeep({ ...resets, multipartPartsResent: partsResent }) : null,
    autoThreshold: threshold ? roundDeep(threshold) : null,
    radosgw: rgw ? roundDeep(rgw) : null,
    contentCheck: content ? roundDeep(content) : null,
    errors
  }
  if (!quick && !only) {
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    console.log('\nWrote bench/results.json')
  }
  process.exitCode = errors.length > 0 ? 1 : 0
}

function medianWall(summary: { runs: readonly { wallS: number }[] }): number {
  return median(summary.runs.map(r => r.wallS))
}

/** Rounds every number in a plain object tree. */
function roundDeep<T>(value: T): T {
  if (typeof value === 'number') return round(value) as T
  if (Array.isArray(value)) return value.map(roundDeep) as T
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)])) as T
  return value
}

await main()
