/**
 * The evidence for `upload-method: auto`'s threshold: under the WAN profile, one file of each
 * size around the crossover (8 ... 100 MiB) through the standard route and through the
 * multipart route, alternating, several rounds; the wall time of the whole action run (node's
 * start, the API requests, the transfer) per route and size, medians. The multipart route pays
 * for more requests (init_multipart_upload, CreateMultipartUpload, the parts, Complete, the
 * callback, against init_upload, one POST, confirm_upload) and wins by sending parts on several
 * connections at once; the smallest size from which it wins at every larger size swept is the
 * crossover. The WAN sink has no latency of its own, so the sweep runs again with a round trip
 * added to every request (`latencyMs`, sink-state.ts): that is what the extra requests cost on
 * a real path. Last, `auto` once per size: which route the measured build takes there.
 *
 * BENCH_THRESHOLD_SPLIT=1 adds an experiment: the multipart route with every file cut into
 * `CEILING_CONNECTIONS` parts (at least 5 MiB each, through the route's test-only part-size
 * variable), i.e. what the crossover would be if small files got smaller parts.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { config, log, MiB, workDir } from './config.js'
import { warmPageCache, writeSparseFastq } from './fixtures.js'
import { fmt, median } from './report.js'
import type { SinkProcess } from './sink-process.js'
import { CEILING_CONNECTIONS, runRoute, type Route, type WanFile } from './wan.js'

/** The route's test-only override of its smallest part size (src/upload/s3-part-size.ts). */
const PART_BYTES_ENV = 'ONECODEX_UPLOAD_PART_BYTES'

/** `split`: the multipart route with parts of max(5 MiB, size / 8) (the experiment). */
type Variant = Route | 'split'

/** Parts of about size / 8, whole MiB, at least S3's 5 MiB. */
export function splitPartBytes(size: number): number {
  return Math.max(5, Math.ceil(size / CEILING_CONNECTIONS / MiB)) * MiB
}

export interface SizeFigures {
  readonly mib: number
  /** Median wall seconds of the whole action run. */
  readonly standardS: number
  readonly multipartS: number
  /** standard / multipart: above 1 the multipart route is faster. */
  readonly speedup: number
  readonly standardRuns: number[]
  readonly multipartRuns: number[]
  /** The experiment (BENCH_THRESHOLD_SPLIT=1): multipart with parts of max(5 MiB, size / 8). */
  readonly splitS?: number
  readonly splitRuns?: number[]
}

/**
 * The smallest swept size at which the multipart route wins and keeps winning at every larger
 * size; NaN when it does not win at the largest one.
 */
export function crossoverMiB(sizes: readonly SizeFigures[]): number {
  let crossover = NaN
  for (const size of [...sizes].sort((a, b) => b.mib - a.mib)) {
    if (!(size.multipartS < size.standardS)) break
    crossover = size.mib
  }
  return crossover
}

export async function autoThreshold(sink: SinkProcess) {
  const root = join(workDir, 'threshold')
  const files: WanFile[] = config.thresholdMiB.map(mib => {
    // One directory per size: the action uploads every *.fastq of its workspace.
    const dir = join(root, `${mib}MiB`)
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `bench_threshold_${mib}MiB.fastq`)
    const bytes = Math.round(mib * MiB)
    writeSparseFastq(path, bytes)
    warmPageCache(path)
    return { dir, path, bytes }
  })
  const byRtt: {
    rttMs: number
    crossoverMiB: number
    splitCrossoverMiB?: number
    sizes: SizeFigures[]
  }[] = []
  try {
    for (const rttMs of config.thresholdRttMs) {
      const runs = new Map<WanFile, Record<Variant, number[]>>(
        files.map(f => [f, { standard: [], multipart: [], split: [] }])
      )
      for (let pass = 1; pass <= config.thresholdRepeats; pass++) {
        for (const [i, file] of files.entries()) {
          // Alternate which route goes first, so that neither always follows the other.
          const order: Variant[] =
            (pass + i) % 2 ? ['standard', 'multipart'] : ['multipart', 'standard']
          if (config.thresholdSplit) order.push('split')
          for (const variant of order) {
            await sink.reset({ latencyMs: rttMs })
            const label = `threshold ${config.thresholdMiB[i]} MiB ${variant}, RTT ${rttMs} ms, run ${pass}`
            const { run } =
              variant === 'split'
                ? await runRoute(sink, file, 'multipart', label, 0, {
                    [PART_BYTES_ENV]: String(splitPartBytes(file.bytes))
                  })
                : await runRoute(sink, file, variant, label)
            runs.get(file)![variant].push(run.wallS)
          }
        }
      }
      const sizes = files.map((file, i): SizeFigures => {
        const { standard, multipart, split } = runs.get(file)!
        const standardS = median(standard)
        const multipartS = median(multipart)
        return {
          mib: config.thresholdMiB[i],
          standardS,
          multipartS,
          speedup: standardS / multipartS,
          standardRuns: standard,
          multipartRuns: multipart,
          ...(config.thresholdSplit ? { splitS: median(split), splitRuns: split } : {})
        }
      })
      const crossover = crossoverMiB(sizes)
      const splitCrossover = config.thresholdSplit
        ? crossoverMiB(sizes.map(s => ({ ...s, multipartS: s.splitS ?? NaN })))
        : undefined
      byRtt.push({ rttMs, crossoverMiB: crossover, splitCrossoverMiB: splitCrossover, sizes })
      log(
        `  RTT ${rttMs} ms: ` +
          sizes
            .map(
              s =>
                `${s.mib} MiB ${fmt(s.standardS)} / ${fmt(s.multipartS)}` +
                (s.splitS !== undefined ? ` / ${fmt(s.splitS)}` : '') +
                ' s'
            )
            .join(', ') +
          ` (standard / multipart${splitCrossover !== undefined ? ' / in 8 parts' : ''});` +
          ` multipart wins from ${fmt(crossover, 0)} MiB` +
          (splitCrossover !== undefined ? `, in 8 parts from ${fmt(splitCrossover, 0)} MiB` : '')
      )
    }
    const autoRoutes: { mib: number; route: Route }[] = []
    for (const [i, file] of files.entries()) {
      await sink.reset()
      const { route } = await runRoute(sink, file, 'auto', `threshold ${file.bytes} B auto`)
      autoRoutes.push({ mib: config.thresholdMiB[i], route })
    }
    log(`  auto took: ${autoRoutes.map(a => `${a.mib} MiB ${a.route}`).join(', ')}`)
    const crossovers = byRtt.map(r => r.crossoverMiB)
    return {
      repeats: config.thresholdRepeats,
      /** The largest crossover over the round trips swept: multipart wins above it at each. */
      recommendedMiB: crossovers.some(c => !Number.isFinite(c)) ? NaN : Math.max(...crossovers),
      byRtt,
      autoRoutes
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
