/**
 * One Codex's official client's strategy as a baseline: bench/official-client.py (boto3
 * `upload_fileobj`, 10 MiB parts one after another, through init_multipart_upload and the
 * callback) against the same sink as the action. It needs `python3` with boto3 (Debian:
 * `python3-boto3`); without it the row is skipped with a note.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './action-runner.js'
import { config } from './config.js'
import { measure, type Measured } from './measure.js'

const SCRIPT = join(ROOT, 'bench', 'official-client.py')
const PYTHON = process.env.BENCH_PYTHON || 'python3'

/**
 * The environment the script runs in: nothing of the bench's own (no AWS_* settings, no proxy,
 * no profile), explicit "no config files" and "no instance metadata", so that boto3 reads no
 * file and asks no host for credentials or a region.
 */
function pythonEnv(scratchDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratchDir,
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    BENCH_API_KEY: config.apiKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_PROXY: '*'
  }
}

export interface OfficialClient {
  /** The interpreter itself (not a version manager's shim, whose start would be timed too). */
  readonly python: string
  readonly boto3: string
}

/** The interpreter and boto3's version when `python3 -c "import boto3"` works, else undefined. */
export function findOfficialClient(): OfficialClient | undefined {
  try {
    const probe = 'import boto3, sys; print(sys.executable); print(boto3.__version__)'
    const text = execFileSync(PYTHON, ['-c', probe], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // The shim of a version manager (pyenv) needs its own variables to find the interpreter.
      env: { ...pythonEnv('/nonexistent'), PYENV_ROOT: process.env.PYENV_ROOT },
      timeout: 30_000
    })
    const [python, boto3] = text.trim().split('\n')
    return python && boto3 ? { python, boto3 } : undefined
  } catch {
    return undefined
  }
}

export interface OfficialRun extends Measured {
  readonly sampleId: string
  readonly partSize: number
  readonly parts: number
}

/** One measured upload of `path` by the official client's strategy. Throws unless it worked. */
export async function officialClientUpload(
  client: OfficialClient,
  api: string,
  s3Endpoint: string,
  path: string,
  options: { workDir: string; logFile: string }
): Promise<OfficialRun> {
  const measured = await measure(client.python, [SCRIPT, api, s3Endpoint, path], {
    env: pythonEnv(options.workDir),
    logFile: options.logFile,
    scratchDir: options.workDir,
    captureStdout: true
  })
  let answer: { sample_id?: string; part_size?: number; parts?: number } = {}
  try {
    answer = JSON.parse(measured.stdout.trim().split('\n').at(-1) ?? '{}')
  } catch {
    // reported below
  }
  if (measured.exitCode !== 0 || !answer.sample_id)
    throw new Error(
      `official client strategy: exit ${measured.exitCode}, answer ${measured.stdout.slice(0, 200)} (see ${options.logFile})`
    )
  return {
    ...measured,
    sampleId: answer.sample_id,
    partSize: answer.part_size ?? NaN,
    parts: answer.parts ?? NaN
  }
}
