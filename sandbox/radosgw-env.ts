/**
 * Where the sandbox finds the real S3 (radosgw) to store uploads in: the RADOSGW_* variables that
 * `bash scripts/radosgw.sh env` prints and jest's global setup exports.
 */
import type { SandboxOptions } from './emulator.js'

/** The `RADOSGW_*` settings in `scripts/radosgw.sh env` output (`export NAME=value` lines). */
export function parseRadosgwExports(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const match of text.matchAll(/^(?:export\s+)?(RADOSGW_\w+)=(.*)$/gm)) {
    vars[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2')
  }
  return vars
}

export function radosgwFromEnv(
  env: NodeJS.ProcessEnv = process.env
): Exclude<SandboxOptions['storage'], 'builtin' | undefined> | undefined {
  if (!env.RADOSGW_ENDPOINT) return undefined
  const missing = ['RADOSGW_BUCKET', 'RADOSGW_ACCESS_KEY', 'RADOSGW_SECRET_KEY'].filter(
    name => !env[name]
  )
  if (missing.length > 0) {
    throw new Error(`RADOSGW_ENDPOINT is set but ${missing.join(', ')} is not.`)
  }
  return {
    endpoint: env.RADOSGW_ENDPOINT.replace(/\/+$/, ''),
    bucket: env.RADOSGW_BUCKET ?? '',
    accessKey: env.RADOSGW_ACCESS_KEY ?? '',
    secretKey: env.RADOSGW_SECRET_KEY ?? ''
  }
}
