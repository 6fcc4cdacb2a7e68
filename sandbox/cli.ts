/**
 * `npm run sandbox [-- --port 8080 --storage-port 8081 --key my-key --ttl 3600]`: a local
 * One Codex upload API until Ctrl-C. Storage is radosgw when RADOSGW_ENDPOINT (and the other
 * RADOSGW_* variables) are set, builtin otherwise. Each request is printed as it is answered
 * (route, method, path, status; never headers or bodies, which hold keys and policies).
 */
import { parseArgs } from 'node:util'
import { startSandbox, type LoggedRequest } from './emulator.js'
import { radosgwFromEnv } from './radosgw-env.js'

export function describeRequest(entry: LoggedRequest): string {
  const file =
    entry.fileName !== undefined ? ` file=${entry.fileName} (${entry.fileSize ?? 0} bytes)` : ''
  const status = entry.status === 0 ? 'no answer (reset/stalled/aborted)' : String(entry.status)
  return `${entry.route.padEnd(14)} ${entry.method} ${entry.url.split('?')[0]} → ${status}${file}`
}

const port = (value: string | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new Error(`--${name} must be a port number (0-65535), got "${value}".`)
  }
  return Number(value)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'storage-port': { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    console.log(
      'usage: npm run sandbox -- [--port 8080] [--storage-port 8081] [--host 127.0.0.1] [--key sandbox-key] [--ttl 3600]'
    )
    return
  }
  const radosgw = radosgwFromEnv()
  const sandbox = await startSandbox({
    apiKey: values.key,
    host: values.host ?? '127.0.0.1',
    apiPort: port(values.port, 'port', 8080),
    storagePort: port(values['storage-port'], 'storage-port', 8081),
    policyTtlSeconds: values.ttl === undefined ? undefined : Number(values.ttl),
    storage: radosgw ?? 'builtin'
  })
  console.log(`One Codex sandbox
  api-url:  ${sandbox.apiUrl}
  api-key:  ${sandbox.apiKey}
  storage:  ${sandbox.storageUrl} (${radosgw ? `radosgw at ${radosgw.endpoint}, bucket ${radosgw.bucket}` : 'builtin'})
Ctrl-C stops it.`)

  let printed = 0
  const pending = new Set<LoggedRequest>()
  const timer = setInterval(() => {
    for (; printed < sandbox.requests.length; printed++) pending.add(sandbox.requests[printed])
    for (const entry of pending) {
      if (entry.status === 0) continue
      console.log(describeRequest(entry))
      pending.delete(entry)
    }
  }, 100)

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(timer)
  await sandbox.close()
  console.log(`sandbox stopped after ${sandbox.requests.length} requests`)
}

if (process.argv[1] && /cli\.[tj]s$/.test(process.argv[1])) {
  main().catch(error => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
