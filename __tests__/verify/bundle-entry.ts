// A tiny program bundled by worker-source.test.ts with ncc, as the action is: it scans the
// files named on its command line (one source, segments in order) and prints the result.
import { statSync } from 'node:fs'
import { closeScanThreads, startScan, type Validate } from '../../src/verify/scan.js'
import { problemMessage } from '../../src/verify/messages.js'

const [validate, ...files] = process.argv.slice(2)
const result = await startScan(
  {
    segments: files.map(path => ({ path, size: statSync(path).size })),
    format: /\.(fa|fasta|fna)(\.gz)?$/.test(files[0]) ? 'FASTA' : 'FASTQ',
    compression: files[0].endsWith('.gz') ? 'gzip' : 'none'
  },
  { validate: validate as Validate }
).done
console.log(
  JSON.stringify({ ...result, messages: result.problems.map(p => problemMessage(p, '/')) })
)
await closeScanThreads()
