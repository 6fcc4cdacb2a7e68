/**
 * `npx tsx bench/content-run.ts [--quick]`: only the content-check section of `npm run bench`
 * (content-check.ts), for working on src/verify. Prints its rows; writes no results.json.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { workDir } from './config.js'
import { contentCheck, contentRows, contentTargets } from './content-check.js'
import { fmt, formatTable } from './report.js'

const busy = (): [number, number] => {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  const used = user + nice + system + irq + softirq + steal
  return [used, used + idle + iowait]
}

mkdirSync(workDir, { recursive: true })
const before = busy()
const load = os.loadavg()[0]
try {
  const result = await contentCheck()
  const after = busy()
  console.log(
    `machine CPU ${fmt(((after[0] - before[0]) / (after[1] - before[1])) * 100, 0)} % busy during the section ` +
      `(everything on it, this included); load average ${fmt(load)} at start, ${fmt(os.loadavg()[0])} at end\n`
  )
  console.log(formatTable(contentRows(result, contentTargets(result))))
  if (result.file.generatedS > 0)
    console.log(`\n(the fixture was generated in ${fmt(result.file.generatedS, 1)} s)`)
} finally {
  if (process.env.BENCH_KEEP_WORK !== '1') rmSync(workDir, { recursive: true, force: true })
}
