/**
 * `npx tsx bench/profile.ts`: where the action's CPU goes on each route under the WAN profile.
 * Runs the measured build (BENCH_ACTION, default dist/index.js) once per route with node's
 * `--cpu-prof` (every thread writes its own profile: the main thread, and the multipart
 * route's hash worker) on a sparse file of BENCH_PROFILE_MIB (2048) to the capped sink, then
 * prints per thread the sampled time, the top functions by self time (and by total time for the
 * project's own code) with the module each comes from, in ms and in CPU s per GiB.
 *
 * Module names come from the bundle's `// CONCATENATED MODULE: ./src/...` markers (ncc keeps
 * them); code in the lazily loaded AWS SDK chunk (`711.index.js` or similar) and numbered
 * modules are named by file. The profiles and a JSON summary stay in BENCH_PROFILE_DIR
 * (default bench/work/profile-<pid>/): open a .cpuprofile in Chrome DevTools for the flame graph.
 *
 * V8's profile sees JavaScript and the native calls it makes, not the kernel's side of a read
 * or a send, nor libuv's thread pool (where fs.read runs). For those, run it under perf with
 * node's perf map: `BENCH_PROFILE_NODE_ARGS=--perf-basic-prof perf record -g -o perf.data --
 * npx tsx bench/profile.ts`, then `perf script -i perf.data -F pid,tid,comm,ip,sym,dso` and
 * keep the samples of the action's pid (in each .cpuprofile's name; the sink and the harness are
 * node processes too).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ACTION_ENTRY, headOnlyInputs, ROOT, runAction } from './action-runner.js'
import { checkMultipart, checkSink } from './checks.js'
import { config, GiB, log, MiB } from './config.js'
import { warmPageCache, writeSparseFastq } from './fixtures.js'
import { fmt } from './report.js'
import { startSink } from './sink-process.js'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where each module of a bundle file starts (line, 0-based), from ncc's markers. */
const moduleStarts = new Map<string, { line: number; name: string }[]>()

function modulesOf(file: string): { line: number; name: string }[] {
  let starts = moduleStarts.get(file)
  if (starts) return starts
  starts = []
  try {
    const lines = readFileSync(file, 'utf8').split('\n')
    for (const [i, line] of lines.entries()) {
      const marker = /CONCATENATED MODULE: (.+)$/.exec(line)
      if (marker) starts.push({ line: i, name: marker[1].replace(/^\.\//, '') })
      const numbered = /^\/\*\*\*\/ (\d+):$/.exec(line)
      if (numbered) starts.push({ line: i, name: `${basename(file)} #${numbered[1]}` })
    }
  } catch {
    // not a readable file: named by its URL
  }
  moduleStarts.set(file, starts)
  return starts
}

/** The module a frame is in: `src/upload/progress.ts`, `node:internal/...`, `(native)`. */
function moduleOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? '' : '(native)'
  if (!frame.url.startsWith('file:')) return frame.url
  const file = fileURLToPath(frame.url)
  let name = basename(file)
  for (const start of modulesOf(file)) {
    if (start.line > frame.lineNumber) break
    name = start.name
  }
  return name
}

export interface FunctionTime {
  readonly name: string
  readonly module: string
  readonly selfMs: number
  readonly totalMs: number
}

export interface ThreadProfile {
  readonly file: string
  readonly sampledMs: number
  readonly idleMs: number
  readonly gcMs: number
  readonly functions: FunctionTime[]
}

/** Self and total time per function (name + module + line) of one .cpuprofile. */
export function analyse(path: string): ThreadProfile {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const selfUs = new Map<number, number>()
  // timeDeltas[i] is the time before sample i; the sample's node ran for the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta)
  }
  const keyOf = (node: ProfileNode): string => {
    const f = node.callFrame
    return `${f.functionName || '(anonymous)'}\u0000${moduleOf(f)}\u0000${f.url}:${f.lineNumber}`
  }
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let sampledUs = 0
  for (const [id, us] of selfUs) {
    sampledUs += us
    const node = byId.get(id)!
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + us)
    // Total: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at)!)
      if (seen.has(key)) continue
      seen.add(key)
      total.set(key, (total.get(key) ?? 0) + us)
    }
  }
  const functions = [...total.keys()].map(key => {
    const [name, module] = key.split('\u0000')
    return { name, module, selfMs: (self.get(key) ?? 0) / 1000, totalMs: total.get(key)! / 1000 }
  })
  const named = (name: string): number =>
    functions.filter(f => f.name === name).reduce((sum, f) => sum + f.selfMs, 0)
  return {
    file: basename(path),
    sampledMs: sampledUs / 1000,
    idleMs: named('(idle)'),
    gcMs: named('(garbage collector)'),
    functions
  }
}

function printThread(thread: ThreadProfile, bytes: number, top: number): void {
  const perGiB = (ms: number): string => fmt(ms / 1000 / (bytes / GiB), 3)
  const busy = thread.sampledMs - thread.idleMs
  console.log(
    `  ${thread.file}: ${fmt(busy, 0)} ms busy (${perGiB(busy)} s/GiB), idle ${fmt(thread.idleMs, 0)} ms, GC ${fmt(thread.gcMs, 0)} ms`
  )
  const rows = thread.functions
    .filter(f => f.name !== '(idle)' && f.name !== '(root)' && f.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
  console.log('    self ms   s/GiB   function (module)')
  for (const f of rows)
    console.log(
      `    ${fmt(f.selfMs, 0).padStart(7)}  ${perGiB(f.selfMs).padStart(6)}   ${f.name} (${f.module})`
    )
  const own = thread.functions
    .filter(f => f.module.startsWith('src/') && f.totalMs >= busy * 0.01)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top)
  if (own.length === 0) return
  console.log("    total ms  s/GiB   the project's code, with what it calls")
  for (const f of own)
    console.log(
      `    ${fmt(f.totalMs, 0).padStart(7)}  ${perGiB(f.totalMs).padStart(6)}   ${f.name} (${f.module})`
    )
}

async function main(): Promise<void> {
  const bytes = Number(process.env.BENCH_PROFILE_MIB ?? 2048) * MiB
  const top = Number(process.env.BENCH_PROFILE_TOP ?? 25)
  const dir = process.env.BENCH_PROFILE_DIR || join(ROOT, 'bench', 'work', `profile-${process.pid}`)
  const fileDir = join(dir, 'file')
  mkdirSync(fileDir, { recursive: true })
  const path = join(fileDir, `bench_profile_${bytes / MiB}MiB.fastq`)
  writeSparseFastq(path, bytes)
  warmPageCache(path)
  const sink = await startSink(config.apiKey, { capBytesPerS: config.wanCapBytesPerS })
  const summary: Record<string, unknown> = { action: ACTION_ENTRY, bytes }
  try {
    for (const route of ['standard', 'multipart'] as const) {
      const profiles = join(dir, route)
      rmSync(profiles, { recursive: true, force: true })
      mkdirSync(profiles, { recursive: true })
      await sink.reset()
      const run = await runAction(
        {
          'api-key': config.apiKey,
          files: '*.fastq',
          'api-url': sink.api,
          'upload-method': route,
          ...headOnlyInputs()
        },
        {
          workspace: fileDir,
          workDir: dir,
          expectSamples: 1,
          label: `profile ${route}`,
          env: route === 'multipart' ? { AWS_ENDPOINT_URL_S3: sink.sink } : {},
          nodeArgs: [
            '--cpu-prof',
            `--cpu-prof-dir=${profiles}`,
            ...(process.env.BENCH_PROFILE_NODE_ARGS ?? '').split(' ').filter(Boolean)
          ]
        }
      )
      const after = await sink.stats()
      if (route === 'multipart') checkMultipart(after, bytes)
      else checkSink(after, { uploads: 1, confirms: 1 })
      const threads = readdirSync(profiles)
        .filter(f => f.endsWith('.cpuprofile'))
        .sort()
        .map(f => analyse(join(profiles, f)))
      console.log(
        `\n${route} route, ${fmt(bytes / MiB, 0)} MiB, WAN ${fmt(config.wanCapBytesPerS / 1e6, 0)} MB/s per connection: ` +
          `wall ${fmt(run.wallS)} s, CPU ${fmt(run.cpuS)} s (${fmt(run.cpuS / (bytes / GiB), 3)} s/GiB, profiler included)`
      )
      for (const thread of threads) printThread(thread, bytes, top)
      summary[route] = { wallS: run.wallS, cpuS: run.cpuS, threads }
    }
  } finally {
    await sink.stop()
    rmSync(fileDir, { recursive: true, force: true })
  }
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  log(`profiles and summary.json in ${dir}`)
}

await main()
