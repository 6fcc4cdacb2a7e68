/**
 * Scans one file with src/verify (what `validate: full` / `head` will run in the action) and
 * prints one JSON line: the scan's own wall time (from startScan, thread start included, to its
 * result) and the CPU seconds of the whole process over that time (every thread: the scan
 * thread, zlib's thread pool, this one), so that tsx's start is not counted.
 *
 * Usage: tsx bench/scan-runner.ts full|head FILE
 */
import { statSync } from 'node:fs'
import { closeScanThreads, startScan, type Validate } from '../src/verify/scan.js'

const [validate, file] = process.argv.slice(2)
const size = statSync(file).size
const cpu = process.cpuUsage()
const started = process.hrtime.bigint()
const result = await startScan(
  {
    segments: [{ path: file, size }],
    format: /\.(fa|fasta|fna)(\.gz)?$/.test(file) ? 'FASTA' : 'FASTQ',
    compression: file.endsWith('.gz') ? 'gzip' : 'none'
  },
  { validate: validate as Validate }
).done
const wallS = Number(process.hrtime.bigint() - started) / 1e9
const used = process.cpuUsage(cpu)
console.log(
  JSON.stringify({
    wallS,
    cpuS: (used.user + used.system) / 1e6,
    bytes: size,
    sha256: result.sha256,
    reads: result.reads,
    bases: result.bases,
    problems: result.problems.map(p => `${p.rule}: ${p.detail}`)
  })
)
await closeScanThreads()
