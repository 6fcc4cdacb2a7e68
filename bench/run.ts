/**
 * `npm run bench`: the bundled action (dist/index.js) against curl, side by side in one run.
 * See bench/README.md for what each section measures and how to read the ratios.
 *
 * Knobs (environment): BENCH_BIG_MIB (2048), BENCH_FILES (200), BENCH_REPEATS (3),
 * BENCH_COLD_RUNS (10), BENCH_RGW_MIB (64), BENCH_RGW_REPEATS (2), BENCH_KEEP_WORK=1 keeps bench/work/,
 * BENCH_ACTION=path/to/index.js measures another build. `--quick` shrinks everything for a
 * smoke run (its results are not written to bench/results.json).
 *
 * The radosgw section runs when RADOSGW_ENDPOINT (+ _BUCKET, _ACCESS_KEY, _SECRET_KEY) is set,
 * or when `bash scripts/radosgw.sh status` finds the default instance running.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { basename, join } from 'node:path'
import { parseRadosgwExports, radosgwFromEnv } from '../sandbox/radosgw-env.js'
import { objectPath, signV2 } from '../sandbox/s3-client.js'
import { ACTION_ENTRY, ROOT, runAction, type ActionRun } from './action-runner.js'
import { curlSequentialLoop, curlUpload, curlVersion, initUpload } from './curl-baseline.js'
import { warmPageCache, writeFastq, writeSmallFiles, writeSparseFastq } from './fixtures.js'
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
import {
  sinkCpuSeconds,
  startSink,
  type S3Storage,
  type SinkProcess,
  type SinkStats
} from './sink-process.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const quick = process.argv.includes('--quick')
const num = (name: string, fallback: number, quickValue: number): number =>
  Number(process.env[name] ?? (quick ? quickValue : fallback))

const config = {
  bigBytes: num('BENCH_BIG_MIB', 2048, 256) * MiB,
  smallFiles: num('BENCH_FILES', 200, 40),
  smallFileBytes: 20_000,
  repeats: num('BENCH_REPEATS', 3, 1),
  coldRuns: num('BENCH_COLD_RUNS', 10, 3),
  rgwBytes: num('BENCH_RGW_MIB', 64, 32) * MiB,
  rgwRepeats: num('BENCH_RGW_REPEATS', 2, 1),
  concurrencies: [1, 4, 8],
  apiKey: 'bench-api-key'
}

const workDir = join(ROOT, 'bench', 'work', `run-${process.pid}`)
const logFile = join(workDir, 'curl.log')
const errors: string[] = []

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

/** Runs one section; a failure is recorded and the other sections still run. */
async function section<T>(name: string, body: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now()
  log(`${name}...`)
  try {
    const result = await body()
    log(`${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return result
  } catch (error) {
    const message = `${name}: ${(error as Error).message}`
    errors.push(message)
    log(`FAILED ${message}`)
    return undefined
  }
}

/** Checks the sink saw exactly the expected traffic and nothing it refused. */
function checkSink(after: SinkStats, expect: { uploads: number; confirms?: number }): void {
  if (after.errors.length > 0) throw new Error(`sink refused: ${after.errors.join('; ')}`)
  if (after.uploads !== expect.uploads)
    throw new Error(`sink got ${after.uploads} uploads, expected ${expect.uploads}`)
  if (expect.confirms !== undefined && after.confirms !== expect.confirms)
    throw new Error(`sink got ${after.confirms} confirms, expected ${expect.confirms}`)
}

interface ThroughputRun {
  readonly wallS: number
  readonly mbps: number
  readonly cpuS: number
  readonly cpuPerGiB: number
  readonly peakRss: number
  /** Sink-side seconds from request head to body end. */
  readonly transferS: number
  readonly sinkCpuShare: number
}

function throughputRun(m: Measured, bytes: number, before: SinkStats, after: SinkStats) {
  const sinkCpu = sinkCpuSeconds(before, after)
  return {
    wallS: m.wallS,
    mbps: bytes / m.wallS / 1e6,
    cpuS: m.cpuS,
    cpuPerGiB: m.cpuS / (bytes / GiB),
    peakRss: m.peakRss,
    transferS: after.lastTransferS,
    sinkCpuShare: sinkCpu / m.wallS
  } satisfies ThroughputRun
}

async function throughput(sink: SinkProcess) {
  const dir = join(workDir, 'big')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `bench_${config.bigBytes / MiB}MiB.fastq`)
  writeSparseFastq(path, config.bigBytes)
  warmPageCache(path)
  const action: ThroughputRun[] = []
  const curl: ThroughputRun[] = []
  for (let pass = 1; pass <= config.repeats; pass++) {
    await sink.reset()
    let before = await sink.stats()
    const a = await runAction(
      { 'api-key': config.apiKey, files: '*.fastq', 'api-url': sink.api },
      { workspace: dir, workDir, expectSamples: 1, label: `throughput action run ${pass}` }
    )
    let after = await sink.stats()
    checkSink(after, { uploads: 1, confirms: 1 })
    action.push(throughputRun(a, config.bigBytes, before, after))

    await sink.reset()
    const init = await initUpload(sink.api, config.apiKey, path)
    before = await sink.stats()
    const c = await curlUpload(init, path, { workDir, logFile })
    after = await sink.stats()
    checkSink(after, { uploads: 1 })
    curl.push(throughputRun(c, config.bigBytes, before, after))
    log(
      `  round ${pass}: action ${fmt(action.at(-1)!.mbps, 0)} MB/s, curl ${fmt(curl.at(-1)!.mbps, 0)} MB/s`
    )
  }
  const summary = (runs: ThroughputRun[]) => ({
    mbps: median(runs.map(r => r.mbps)),
    cpuPerGiB: median(runs.map(r => r.cpuPerGiB)),
    transferMbps: median(runs.map(r => config.bigBytes / r.transferS / 1e6)),
    peakRss: median(runs.map(r => r.peakRss)),
    sinkCpuShare: median(runs.map(r => r.sinkCpuShare)),
    runs
  })
  rmSync(path, { force: true })
  return { bytes: config.bigBytes, action: summary(action), curl: summary(curl) }
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
  const server = await startSink(config.apiKey, s3)
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
        { 'api-key': config.apiKey, files: '*.fastq', 'api-url': server.api },
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
  const sink = await startSink(config.apiKey)
  let sections
  try {
    const tp = await section('throughput', () => throughput(sink))
    const small = await section('memory (1 MiB file)', () => smallFilePeak(sink))
    const many = await section('many files', () => manyFiles(sink))
    const cold = await section('cold start', () => coldStart(sink))
    const s3 = findRadosgw()
    const rgw = s3 ? await section('radosgw (real S3)', () => radosgw(s3)) : undefined
    if (!s3) log('radosgw: not running, section skipped (bash scripts/radosgw.sh start)')
    sections = { tp, small, many, cold, rgw }
  } finally {
    await sink.stop()
    if (process.env.BENCH_KEEP_WORK !== '1') rmSync(workDir, { recursive: true, force: true })
  }
  const { tp, small, many, cold, rgw } = sections

  const throughputRatio = tp ? tp.action.mbps / tp.curl.mbps : NaN
  const cpuRatio = tp ? tp.action.cpuPerGiB / tp.curl.cpuPerGiB : NaN
  const bigPeak = tp ? tp.action.peakRss : NaN
  const memoryRatio = small ? bigPeak / small.peakRss : NaN
  const c8 = many?.action.find(a => a.concurrency === 8)
  const c8Ratio = many && c8 ? c8.wallS / many.curlLoopS : NaN
  const bigLabel = `${config.bigBytes / MiB >= 1024 ? `${config.bigBytes / GiB} GiB` : `${config.bigBytes / MiB} MiB`}`

  const targets: Target[] = [
    {
      name: 'throughput ratio action/curl',
      value: throughputRatio,
      kind: 'min',
      limit: 0.95,
      unit: 'x'
    },
    { name: 'CPU per GiB ratio action/curl', value: cpuRatio, kind: 'max', limit: 1.5, unit: 'x' },
    { name: 'memory ratio big/1 MiB', value: memoryRatio, kind: 'max', limit: 1.15, unit: 'x' },
    { name: `peak RSS, ${bigLabel}`, value: bigPeak / MiB, kind: 'max', limit: 128, unit: 'MiB' },
    { name: 'concurrency 8 / curl loop', value: c8Ratio, kind: 'max', limit: 0.2, unit: 'x' },
    {
      name: 'cold start (dry-run)',
      value: cold ? cold.medianS * 1000 : NaN,
      kind: 'max',
      limit: 250,
      unit: 'ms'
    }
  ]
  const ok = (i: number): string => verdict(targetMet(targets[i]))

  const rows: Row[] = []
  if (tp) {
    rows.push(
      {
        metric: `throughput ${bigLabel}, MB/s (median of ${config.repeats})`,
        action: fmt(tp.action.mbps, 0),
        baseline: `${fmt(tp.curl.mbps, 0)} curl`,
        ratio: fmt(throughputRatio),
        target: '>= 0.95',
        verdict: ok(0)
      },
      {
        metric: '  transfer only (sink: head to body end), MB/s',
        action: fmt(tp.action.transferMbps, 0),
        baseline: `${fmt(tp.curl.transferMbps, 0)} curl`,
        ratio: fmt(tp.action.transferMbps / tp.curl.transferMbps),
        target: '',
        verdict: ''
      },
      {
        metric: 'CPU s per GiB (user+sys)',
        action: fmt(tp.action.cpuPerGiB),
        baseline: `${fmt(tp.curl.cpuPerGiB)} curl`,
        ratio: fmt(cpuRatio),
        target: '<= 1.5',
        verdict: ok(1)
      },
      {
        metric: '  sink CPU share of wall (1.00 = sink-bound)',
        action: fmt(tp.action.sinkCpuShare),
        baseline: `${fmt(tp.curl.sinkCpuShare)} curl`,
        ratio: '',
        target: '',
        verdict: ''
      }
    )
  }
  if (tp || small) {
    rows.push(
      {
        metric: `peak RSS, MiB (${bigLabel} vs 1 MiB file)`,
        action: fmt(bigPeak / MiB, 1),
        baseline: `${fmt((small?.peakRss ?? NaN) / MiB, 1)} 1 MiB`,
        ratio: fmt(memoryRatio),
        target: '<= 1.15',
        verdict: ok(2)
      },
      {
        metric: `peak RSS ${bigLabel}, MiB`,
        action: fmt(bigPeak / MiB, 1),
        baseline: tp ? `${fmt(tp.curl.peakRss / MiB, 1)} curl` : '',
        ratio: '',
        target: '<= 128',
        verdict: ok(3)
      }
    )
  }
  if (many) {
    for (const a of many.action) {
      rows.push({
        metric: `${many.files} files, concurrency ${a.concurrency}, wall s`,
        action: fmt(a.wallS),
        baseline: `${fmt(many.curlLoopS)} curl loop`,
        ratio: fmt(a.wallS / many.curlLoopS),
        target: a.concurrency === 8 ? '<= 0.20' : '',
        verdict: a.concurrency === 8 ? ok(4) : ''
      })
    }
  }
  if (cold) {
    rows.push({
      metric: `cold start, dry-run 1 file, ms (median of ${cold.runs})`,
      action: fmt(cold.medianS * 1000, 0),
      baseline: `${fmt(cold.bareNodeMedianS * 1000, 0)} node -e 0`,
      ratio: '',
      target: '<= 250',
      verdict: ok(5)
    })
  }
  rows.push(
    rgw
      ? {
          metric: `radosgw (real S3) ${config.rgwBytes / MiB} MiB, MB/s (median of ${config.rgwRepeats})`,
          action: fmt(rgw.action.mbps, 0),
          baseline: `${fmt(rgw.curl.mbps, 0)} curl`,
          ratio: fmt(rgw.action.mbps / rgw.curl.mbps),
          target: 'info',
          verdict: ''
        }
      : {
          metric: 'radosgw (real S3), optional',
          action: 'not run',
          baseline: '',
          ratio: '',
          target: '',
          verdict: ''
        }
  )

  const info = await machine()
  const totalS = (Date.now() - started) / 1000
  console.log(
    `\nonecodex-upload bench: ${new Date().toISOString()}, ${info.cpus} x ${info.cpuModel}, ` +
      `node ${info.node}, ${info.curl.split(' (')[0]}, ${totalS.toFixed(0)} s\n`
  )
  console.log(formatTable(rows))
  if (errors.length > 0) console.log(`\nFailed sections:\n  ${errors.join('\n  ')}`)

  const results = {
    schema: 1,
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    worktreeDirty: git(['status', '--porcelain']) !== '',
    machine: info,
    config,
    durationS: round(totalS, 1),
    targets: targets.map(t => ({
      ...t,
      value: round(t.value),
      met: targetMet(t) ?? null
    })),
    throughput: tp && roundDeep(tp),
    memory: small && {
      oneMiBFileBytes: small.bytes,
      oneMiBPeakRss: small.peakRss,
      bigPeakRss: bigPeak,
      ratio: round(memoryRatio),
      oneMiBRuns: small.runs
    },
    manyFiles: many && roundDeep(many),
    coldStart: cold && roundDeep(cold),
    radosgw: rgw ? roundDeep(rgw) : null,
    errors
  }
  if (!quick) {
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    console.log('\nWrote bench/results.json')
  }
  process.exitCode = errors.length > 0 ? 1 : 0
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
