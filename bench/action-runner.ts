/**
 * Runs the bundled action (`node dist/index.js`), measured, in the step environment
 * sandbox/runner.ts builds: every input as `INPUT_<NAME>` with action.yml's defaults for the
 * ones not given, GITHUB_OUTPUT pointing at a fresh file, GITHUB_WORKSPACE at the directory the
 * patterns are relative to.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  ACTION_ENTRY as BUNDLED_ACTION,
  PROJECT_ROOT,
  inputDefaults,
  parseOutputFile,
  runnerEnv
} from '../sandbox/runner.js'
import { measure, type Measured } from './measure.js'

export const ROOT = PROJECT_ROOT
/** The bundled action; BENCH_ACTION points the bench at another build (before/after runs). */
export const ACTION_ENTRY = process.env.BENCH_ACTION || BUNDLED_ACTION

export interface ActionRun extends Measured {
  readonly outputs: Record<string, string>
}

let runCounter = 0

/**
 * `validate: head` when the measured build has a `validate` input, else nothing: the sparse
 * files (a FASTQ head, then zeros) pass only the head checks, and the upload pipeline, not the
 * content check, is what those runs measure.
 */
export function headOnlyInputs(): Record<string, string> {
  const defaults = inputDefaults(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
  return 'validate' in defaults ? { validate: 'head' } : {}
}

/**
 * Runs the action once, measured. Throws (with the log's tail) unless it exits 0 and, when
 * `expectSamples` is given, reports exactly that many confirmed samples and no failures.
 */
export async function runAction(
  inputs: Record<string, string>,
  options: {
    workspace: string
    workDir: string
    expectSamples?: number
    label: string
    timeoutS?: number
    /** Extra environment, e.g. AWS_ENDPOINT_URL_S3 for the multipart route. */
    env?: Record<string, string>
    /** Options for node itself before the bundle, e.g. `--cpu-prof` (bench/profile.ts). */
    nodeArgs?: readonly string[]
  }
): Promise<ActionRun> {
  const id = ++runCounter
  const outputFile = join(options.workDir, `github-output-${id}.txt`)
  const logFile = join(options.workDir, `action-${id}.log`)
  writeFileSync(outputFile, '')
  writeFileSync(logFile, '')
  const defaults = inputDefaults(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
  const env = {
    ...runnerEnv(
      // The bench's big files are sparse (zeros past their first records): validate head,
      // unless a run asks for full on real content.
      { ...defaults, validate: 'head', ...inputs },
      { workspace: options.workspace, outputFile, tempDir: options.workDir }
    ),
    ...options.env
  }
  const measured = await measure(process.execPath, [...(options.nodeArgs ?? []), ACTION_ENTRY], {
    env,
    cwd: options.workspace,
    logFile,
    scratchDir: options.workDir,
    timeoutS: options.timeoutS
  })
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  const problem = checkRun(measured, outputs, options.expectSamples)
  if (problem) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
    throw new Error(`${options.label}: ${problem}\n--- action log (tail) ---\n${tail}`)
  }
  return { ...measured, outputs }
}

function checkRun(
  measured: Measured,
  outputs: Record<string, string>,
  expectSamples: number | undefined
): string | undefined {
  if (measured.exitCode !== 0) return `the action exited with code ${measured.exitCode}`
  if (expectSamples === undefined) return undefined
  let ids: unknown
  let failed: unknown
  try {
    ids = JSON.parse(outputs['sample-ids'] ?? 'null')
    failed = JSON.parse(outputs.failed ?? 'null')
  } catch {
    return 'outputs sample-ids / failed are not JSON'
  }
  if (!Array.isArray(ids) || ids.length !== expectSamples)
    return `expected ${expectSamples} sample IDs, got ${JSON.stringify(ids)?.slice(0, 200)}`
  if (Array.isArray(failed) && failed.length > 0)
    return `${failed.length} samples failed: ${JSON.stringify(failed).slice(0, 300)}`
  return undefined
}
