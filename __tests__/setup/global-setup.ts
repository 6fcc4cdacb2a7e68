// jest globalSetup (parent process): give the tests a real S3 (radosgw on 127.0.0.1).
// - RADOSGW_ENDPOINT already set: use that server as is (e.g. after
//   `bash scripts/radosgw.sh start && eval "$(bash scripts/radosgw.sh env)"`).
// - otherwise start a private instance for this jest run (own state dir and free ports, so
//   several jest runs on one machine do not share or stop each other's server) and export
//   RADOSGW_* to the test workers; global-teardown.ts stops it.
// - it cannot start: under CI=true the run fails; locally one warning, and the tests that need
//   real S3 skip (RADOSGW_ENDPOINT stays unset).
import { execFile } from 'node:child_process'
import { accessSync, constants, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SCRIPT = join(process.cwd(), 'scripts', 'radosgw.sh')
const DIR_PREFIX = 'onecodex-radosgw-jest-'
/** state dir of the instance this setup started; global-teardown.ts stops only that */
const STARTED_DIR = 'ONECODEX_TEST_RADOSGW_DIR'

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some(dir => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Stop instances left by jest runs that were killed before their teardown. */
async function stopLeftovers(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue
    const owner = Number(name.slice(DIR_PREFIX.length))
    if (!Number.isInteger(owner) || pidAlive(owner)) continue
    const env = { ...process.env, RADOSGW_DIR: join(tmpdir(), name) }
    await run('bash', [SCRIPT, 'stop'], { env, timeout: 30_000 }).catch(() => undefined)
  }
}

// Its own copy of sandbox/radosgw-env.ts parseRadosgwExports: jest loads global setup outside
// its module mapper, so this file cannot import project modules by their .js names.
function exportLines(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const match of stdout.matchAll(/^export (RADOSGW_[A-Z_]+)=(.*)$/gm)) {
    vars[match[1]] = match[2]
  }
  return vars
}

function unavailable(reason: string): void {
  if (process.env.CI === 'true') {
    throw new Error(`real S3 for tests: ${reason} (CI=true: tests that need it must not skip)`)
  }
  console.warn(
    `\n[radosgw] ${reason}; tests that need real S3 are skipped. ` +
      `Set up with: bash scripts/dev-setup.sh --s3\n`
  )
}

async function start(dir: string): Promise<Record<string, string>> {
  const env = {
    ...process.env,
    RADOSGW_DIR: dir,
    RADOSGW_PORT: String(await freePort()),
    RADOSGW_MON_PORT: String(await freePort())
  }
  const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 120_000 })
  const vars = exportLines(stdout)
  if (!vars.RADOSGW_ENDPOINT)
    throw new Error('scripts/radosgw.sh start printed no RADOSGW_ENDPOINT')
  return vars
}

export default async function globalSetup(): Promise<void> {
  if (process.env.RADOSGW_ENDPOINT) return
  if (!onPath('radosgw')) {
    unavailable('radosgw is not installed')
    return
  }
  await stopLeftovers()
  const dir = join(tmpdir(), `${DIR_PREFIX}${process.pid}`)
  process.env[STARTED_DIR] = dir
  let lastError: unknown
  // a second try covers a port taken between choosing it and radosgw binding it
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      Object.assign(process.env, await start(dir))
      return
    } catch (err) {
      lastError = err
    }
  }
  const e = lastError as { stderr?: string; message?: string }
  if (e.stderr) console.error(e.stderr)
  await run('bash', [SCRIPT, 'stop'], { env: { ...process.env, RADOSGW_DIR: dir } }).catch(
    () => undefined
  )
  delete process.env[STARTED_DIR]
  unavailable(`scripts/radosgw.sh start failed: ${String(e.message).split('\n')[0]}`)
}
