// jest globalTeardown: stop the radosgw instance that global-setup.ts started, and only that.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
// same name as in global-setup.ts (global hooks are loaded without jest's module mapping)
const STARTED_DIR = 'ONECODEX_TEST_RADOSGW_DIR'

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[STARTED_DIR]
  if (!dir) return
  delete process.env[STARTED_DIR]
  await run('bash', [join(process.cwd(), 'scripts', 'radosgw.sh'), 'stop'], {
    env: { ...process.env, RADOSGW_DIR: dir },
    timeout: 60_000
  })
}
