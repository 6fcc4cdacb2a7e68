import { FastaChecker } from './fasta-checker.js'
import { FastqChecker } from './fastq-checker.js'
import { GzipChecker } from './gzip-checker.js'
import { scanThread } from './scan-thread.js'

/**
 * The scan worker's program, as text for `new Worker(source, { eval: true })`: the checkers and
 * the thread's loop, each written as an ordinary module (so they are type-checked, linted and
 * unit-tested on the main thread) and turned back into source with `Function.prototype.toString`.
 * The action is one bundle with no file of its own to start a worker from; this needs none.
 *
 * What makes that safe: the four pieces name nothing from outside their own bodies but their
 * parameters and the globals (their modules import types only, which `__tests__/verify/
 * worker-source.test.ts` checks), so the text means the same wherever it is evaluated, whatever
 * the bundler or the test runner renamed around it. Two things a tool may add are allowed for:
 * esbuild (tsx, `npm run bench`) wraps functions in `__name(fn, "name")`, given here as a
 * no-op; a coverage run's counters (`cov_...`) are not, so the scan tests fail under --coverage.
 */
let cached: string | undefined

export function workerSource(): string {
  cached ??= `'use strict';
var __name = (target) => target;
const engine = {
  FastqChecker: (${FastqChecker.toString()}),
  FastaChecker: (${FastaChecker.toString()}),
  GzipChecker: (${GzipChecker.toString()})
};
(${scanThread.toString()})({
  fs: require('node:fs'),
  zlib: require('node:zlib'),
  crypto: require('node:crypto'),
  workerThreads: require('node:worker_threads'),
  v8: require('node:v8'),
  vm: require('node:vm')
}, engine);
`
  return cached
}
