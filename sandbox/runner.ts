/**
 * Runs the bundled action (`node dist/index.js`) the way a GitHub runner does: every input of
 * action.yml as INPUT_<NAME> (declared defaults filled in), GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, GITHUB_WORKSPACE as working directory. Returns the exit code, the
 * output and the outputs and summary the step wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// ONECODEX_ACTION_ENTRY runs another build (e.g. a private bundle while dist/ is being rebuilt).
export const ACTION_ENTRY =
  process.env.ONECODEX_ACTION_ENTRY || join(PROJECT_ROOT, 'dist', 'index.js')

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  /** Outputs set through GITHUB_OUTPUT, by name. */
  outputs: Record<string, string>
  /** GITHUB_OUTPUT as written (e.g. to see that no output was set twice). */
  outputsText: string
  /** The text of the file the results-file output names, read before the step's temp is removed. */
  resultsText?: string
  /** The job summary (GITHUB_STEP_SUMMARY) the step wrote. */
  summary: string
}

export interface RunOptions {
  workspace: string
  /** Input values by their action.yml name (`api-key`, `files`, ...). */
  inputs: Record<string, string>
  /** Extra environment (e.g. ONECODEX_UPLOAD_RETRY_BASE_MS). */
  env?: Record<string, string>
  /**
   * Echo the step's log while it runs, as a runner's log view shows it: ::debug:: and
   * ::add-mask:: lines hidden, masked values replaced by ***.
   */
  echo?: boolean
  /** Called with the action's process once started (e.g. to signal it as a runner would). */
  onSpawn?: (child: ChildProcess) => void
}

function unquote(raw: string): string {
  const value = raw.trim()
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

/** Each input's declared default ('' when none), read from action.yml's `inputs:` block. */
export function inputDefaults(actionYml: string): Record<string, string> {
  const defaults: Record<string, string> = {}
  let inInputs = false
  let current: string | undefined
  for (const line of actionYml.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inInputs = /^inputs:\s*$/.test(line)
      current = undefined
      continue
    }
    if (!inInputs) continue
    const input = /^ {2}([\w-]+):\s*$/.exec(line)
    if (input) {
      current = input[1]
      defaults[current] = ''
      continue
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line)
    if (value && current) defaults[current] = unquote(value[1])
  }
  return defaults
}

/** The `name<<DELIMITER ... DELIMITER` records @actions/core appends to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      if (end < 0) break
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
      continue
    }
    const eq = lines[i].indexOf('=')
    if (eq > 0) outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
  }
  return outputs
}

/** Inputs as a runner passes them: `INPUT_<NAME>`, spaces as `_`, upper-cased (hyphens kept). */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

/** The files and directories a runner gives one step. */
export interface StepFiles {
  workspace: string
  outputFile: string
  summaryFile?: string
  tempDir: string
}

/**
 * The environment a runner gives the action's node process: ours without our own inputs,
 * step files, NODE_OPTIONS or tsx settings (the runner does not pass them on), then the step's
 * GITHUB_* / RUNNER_TEMP and `inputs` as INPUT_*.
 */
export function runnerEnv(inputs: Record<string, string>, step: StepFiles): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === 'NODE_OPTIONS') continue
    if (!/^(INPUT_|GITHUB_|RUNNER_|TSX)/.test(name)) env[name] = value
  }
  Object.assign(env, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: step.workspace,
    GITHUB_OUTPUT: step.outputFile,
    RUNNER_TEMP: step.tempDir
  })
  if (step.summaryFile !== undefined) env.GITHUB_STEP_SUMMARY = step.summaryFile
  return Object.assign(env, inputEnv(inputs))
}

/** Turns raw step output into what a runner's log view shows, line by line. */
export function runnerView(): (chunk: string) => string {
  const masks = new Set<string>()
  let partial = ''
  return chunk => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    const shown: string[] = []
    for (const line of lines) {
      const mask = /^::add-mask::(.*)$/.exec(line)
      if (mask) {
        if (mask[1]) masks.add(mask[1])
        continue
      }
      if (line.startsWith('::debug::')) continue
      let text = line
      for (const value of masks) text = text.split(value).join('***')
      shown.push(`${text}\n`)
    }
    return shown.join('')
  }
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const temp = await mkdtemp(join(tmpdir(), 'action-run-'))
  try {
    const outputFile = join(temp, 'output')
    const summaryFile = join(temp, 'summary')
    await writeFile(outputFile, '')
    await writeFile(summaryFile, '')
    const defaults = inputDefaults(await readFile(join(PROJECT_ROOT, 'action.yml'), 'utf8'))
    const env = {
      ...runnerEnv(
        { ...defaults, ...options.inputs },
        { workspace: options.workspace, outputFile, summaryFile, tempDir: temp }
      ),
      ...options.env
    }

    const child = spawn(process.execPath, [ACTION_ENTRY], {
      cwd: options.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    const view = { out: runnerView(), err: runnerView() }
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      if (options.echo) process.stdout.write(view.out(chunk.toString('utf8')))
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      if (options.echo) process.stderr.write(view.err(chunk.toString('utf8')))
    })
    const exitCode = await new Promise<number>((done, fail) => {
      child.on('error', fail)
      child.on('close', code => done(code ?? 1))
    })
    const outputsText = await readFile(outputFile, 'utf8')
    const outputs = parseOutputFile(outputsText)
    const resultsFile = outputs['results-file']
    return {
      exitCode,
      stdout,
      stderr,
      outputs,
      outputsText,
      ...(resultsFile
        ? { resultsText: await readFile(resultsFile, 'utf8').catch(() => undefined) }
        : {}),
      summary: await readFile(summaryFile, 'utf8')
    }
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}
