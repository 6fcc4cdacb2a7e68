/**
 * Runs the bundled action (`node dist/index.js`) the way a GitHub runner does: every input as
 * `INPUT_<NAME>` (upper-cased, hyphens kept), defaults from action.yml for the ones not given,
 * GITHUB_OUTPUT pointing at a fresh file, GITHUB_WORKSPACE at the directory the patterns are
 * relative to.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { measure, type Measured } from './measure.js'

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
/** The bundled action; BENCH_ACTION points the bench at another build (before/after runs). */
export const ACTION_ENTRY = process.env.BENCH_ACTION || join(ROOT, 'dist', 'index.js')

/** Input defaults as action.yml declares them (read with a line scan: the file is flat). */
export function actionDefaults(): Record<string, string> {
  const yaml = readFileSync(join(ROOT, 'action.yml'), 'utf8')
  const inputs = yaml.split(/^inputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? ''
  const defaults: Record<string, string> = {}
  let current: string | undefined
  for (const line of inputs.split('\n')) {
    const name = /^ {2}([\w-]+):\s*$/.exec(line)?.[1]
    if (name) current = name
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1]
    if (current && value !== undefined) defaults[current] = unquote(value.trim())
  }
  return defaults
}

function unquote(value: string): string {
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

/** The environment a runner gives the action's node process. */
export function runnerEnv(
  inputs: Record<string, string>,
  workspace: string,
  outputFile: string,
  tempDir: string
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('INPUT_') || key.startsWith('GITHUB_') || key.startsWith('RUNNER_')) continue
    if (key === 'NODE_OPTIONS' || key.startsWith('TSX')) continue
    env[key] = value
  }
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  env.GITHUB_ACTIONS = 'true'
  env.GITHUB_WORKSPACE = workspace
  env.GITHUB_OUTPUT = outputFile
  env.RUNNER_TEMP = tempDir
  return env
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIM` ... `DELIM` blocks, or `name=value` lines). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
      continue
    }
    const eq = lines[i].indexOf('=')
    if (eq > 0) outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
  }
  return outputs
}

export interface ActionRun extends Measured {
  readonly outputs: Record<string, string>
}

let runCounter = 0

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
  }
): Promise<ActionRun> {
  const id = ++runCounter
  const outputFile = join(options.workDir, `github-output-${id}.txt`)
  const logFile = join(options.workDir, `action-${id}.log`)
  writeFileSync(outputFile, '')
  writeFileSync(logFile, '')
  const env = runnerEnv(inputs, options.workspace, outputFile, options.workDir)
  const measured = await measure(process.execPath, [ACTION_ENTRY], {
    env,
    cwd: options.workspace,
    logFile,
    scratchDir: options.workDir,
    timeoutS: options.timeoutS
  })
  const outputs = parseOutputs(readFileSync(outputFile, 'utf8'))
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
