/**
 * The baselines the action is compared with: plain curl doing the same three-step flow.
 * `curl -F` is what the One Codex docs' shell example amounts to, and curl computes the
 * multipart Content-Length itself.
 */
import { execFileSync, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { measure, type Measured } from './measure.js'

export interface InitResponse {
  readonly sample_id: string
  readonly upload_url: string
  readonly additional_fields: Record<string, string | number>
}

/** init_upload through fetch (untimed setup for the throughput baseline). */
export async function initUpload(api: string, apiKey: string, path: string): Promise<InitResponse> {
  const response = await fetch(`${api}/api/v1/samples/init_upload`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`,
      'content-type': 'application/json'
    },
    body: JSON.stringify({ filename: basename(path), size: statSync(path).size })
  })
  if (response.status !== 200) throw new Error(`init_upload answered ${response.status}`)
  return (await response.json()) as InitResponse
}

function formArgs(init: InitResponse, path: string): string[] {
  const args: string[] = []
  for (const [name, value] of Object.entries(init.additional_fields))
    args.push('--form-string', `${name}=${value}`)
  args.push('-F', `file=@${path}`)
  return args
}

/** One measured `curl -F` of `path` with the issued fields to the sink. Throws unless 201. */
export async function curlUpload(
  init: InitResponse,
  path: string,
  options: { workDir: string; logFile: string; timeoutS?: number }
): Promise<Measured> {
  const measured = await measure(
    'curl',
    ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...formArgs(init, path), init.upload_url],
    { ...options, scratchDir: options.workDir, captureStdout: true }
  )
  if (measured.exitCode !== 0 || measured.stdout.trim() !== '201')
    throw new Error(`curl -F ${basename(path)}: exit ${measured.exitCode}, HTTP ${measured.stdout}`)
  return measured
}

/**
 * `openssl dgst -sha256 -out sum FILE && curl -F ...`: how a curl user gets the checksum the
 * action reports, measured as one command (GNU time counts both processes' CPU; the peak is the
 * larger one's). OpenSSL's sha256 is the fast one on a runner (coreutils' `sha256sum` is about
 * four times slower and would flatter the action).
 */
export async function opensslThenCurl(
  init: InitResponse,
  path: string,
  options: { workDir: string; logFile: string; timeoutS?: number }
): Promise<Measured> {
  const script = 'openssl dgst -sha256 -out "$2" -- "$1" && shift 2 && exec curl "$@"'
  const curlArgs = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...formArgs(init, path)]
  const sumFile = join(options.workDir, 'sha256.txt')
  const measured = await measure(
    'bash',
    ['-c', script, 'openssl-then-curl', path, sumFile, ...curlArgs, init.upload_url],
    { ...options, scratchDir: options.workDir, captureStdout: true }
  )
  if (measured.exitCode !== 0 || measured.stdout.trim() !== '201')
    throw new Error(
      `openssl dgst -sha256 && curl -F ${basename(path)}: exit ${measured.exitCode}, HTTP ${measured.stdout}`
    )
  return measured
}

/**
 * `openssl dgst -sha256 FILE` alone, measured: with a curl upload's CPU, the CPU floor of what
 * the action does (read the file once, hash it, send it).
 */
export async function opensslSha256(
  path: string,
  options: { workDir: string; logFile: string }
): Promise<Measured> {
  const measured = await measure(
    'openssl',
    ['dgst', '-sha256', '-out', join(options.workDir, 'sha256.txt'), '--', path],
    { ...options, scratchDir: options.workDir }
  )
  if (measured.exitCode !== 0)
    throw new Error(`openssl dgst -sha256 ${basename(path)}: exit ${measured.exitCode}`)
  return measured
}

/** `openssl version`, for the machine description. */
export function opensslVersion(): string {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim()
  } catch {
    return 'openssl ?'
  }
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t))
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t))
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** Splits curl's `-w '\n%{http_code}'` trailer off the body. */
function withStatus(stdout: string): { body: string; status: string } {
  const cut = stdout.lastIndexOf('\n')
  return { body: stdout.slice(0, cut), status: stdout.slice(cut + 1).trim() }
}

/**
 * The sequential shell-loop baseline: per file, curl init_upload (JSON, Basic auth), curl -F to
 * the storage URL, curl confirm_upload; one file after the other. Returns wall seconds.
 */
export async function curlSequentialLoop(
  api: string,
  apiKey: string,
  paths: readonly string[]
): Promise<number> {
  const started = process.hrtime.bigint()
  const auth = ['-u', `${apiKey}:`, '-H', 'Content-Type: application/json']
  for (const path of paths) {
    const body = JSON.stringify({ filename: basename(path), size: statSync(path).size })
    const init = await run([
      '-sS',
      ...auth,
      '--data-binary',
      body,
      '-w',
      '\n%{http_code}',
      `${api}/api/v1/samples/init_upload`
    ])
    const initReply = withStatus(init.stdout)
    if (init.code !== 0 || initReply.status !== '200')
      throw new Error(`curl init_upload ${basename(path)}: ${initReply.status} ${init.stderr}`)
    const response = JSON.parse(initReply.body) as InitResponse

    const upload = await run([
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      ...formArgs(response, path),
      response.upload_url
    ])
    if (upload.code !== 0 || upload.stdout.trim() !== '201')
      throw new Error(`curl -F ${basename(path)}: HTTP ${upload.stdout} ${upload.stderr}`)

    const confirm = await run([
      '-sS',
      ...auth,
      '--data-binary',
      JSON.stringify({ sample_id: response.sample_id }),
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${api}/api/v1/samples/confirm_upload`
    ])
    if (confirm.code !== 0 || confirm.stdout.trim() !== '200')
      throw new Error(`curl confirm_upload ${basename(path)}: HTTP ${confirm.stdout}`)
  }
  return Number(process.hrtime.bigint() - started) / 1e9
}

/** `curl --version`'s first line, for the machine description. */
export async function curlVersion(): Promise<string> {
  const { stdout } = await run(['--version'])
  return stdout.split('\n')[0] ?? 'curl ?'
}
