/**
 * `npm run sandbox [-- --port 8080 --storage-port 8081 --key my-key --ttl 3600 --page-size 3
 * --seed-file seed.json --faults-file faults.json --analysis-start-ms 1000 --analysis-run-ms 3000
 * --analysis-file analysis.json]`: a local One Codex upload API until Ctrl-C.
 * Storage is radosgw when RADOSGW_ENDPOINT (and the other RADOSGW_* variables) are set, builtin
 * otherwise. Each request is printed as it is answered (route, method, path, status, S3 part;
 * never headers or bodies, which hold keys and policies).
 *
 * --seed-file: a JSON array of samples that exist before the run (SeedSample: filename, size,
 *   and optionally paired_end_filename, project, tags, awaitingData, createdAt, sampleId); their
 *   ids are printed as `seeded <id> <filename>` lines.
 * --faults-file: a JSON array of faults armed at start, each `{"route": ..., "fault": {...}}`
 *   (a queued Fault) or `{"route": ..., "failFile": "<filename>", "status": 500, "body"?: ...}`.
 * --analysis-start-ms / --analysis-run-ms: how long after its import each sample's analysis
 *   starts, and how long it runs (defaults 1000 and 3000).
 * --analysis-file: a JSON array of AnalysisRule (`{"filename": "<name or glob>", "error"?: ...,
 *   "runTimeMs"?: null, "startDelayMs"?: ..., "noAnalysis"?: true, "species"?: 12}`), first
 *   match wins.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { checkAnalysisOptions } from './classifications.js'
import { isRoute } from './faults.js'
import {
  startSandbox,
  type AnalysisRule,
  type Fault,
  type FaultControl,
  type LoggedRequest,
  type SeedSample
} from './emulator.js'
import { radosgwFromEnv } from './radosgw-env.js'

export function describeRequest(entry: LoggedRequest): string {
  const file =
    entry.fileName !== undefined ? ` file=${entry.fileName} (${entry.fileSize ?? 0} bytes)` : ''
  const part = entry.s3?.partNumber !== undefined ? ` part ${entry.s3.partNumber}` : ''
  const status = entry.status === 0 ? 'no answer (reset/stalled/aborted)' : String(entry.status)
  const lost = entry.lostStatus !== undefined ? ` (answer ${entry.lostStatus} lost)` : ''
  return `${entry.route.padEnd(14)} ${entry.method} ${entry.url.split('?')[0]}${part} → ${status}${lost}${file}`
}

async function readJsonArray(path: string, flag: string): Promise<unknown[]> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new Error(`--${flag} ${path}: ${(error as Error).message}`)
  }
  if (!Array.isArray(value)) throw new Error(`--${flag} ${path}: expected a JSON array`)
  return value
}

/** Arms the faults of a --faults-file. */
export function armFaults(faults: FaultControl, items: unknown[]): void {
  for (const [index, item] of items.entries()) {
    const spec = item as {
      route?: unknown
      fault?: Fault
      failFile?: unknown
      status?: unknown
      body?: unknown
    }
    if (!isRoute(spec.route)) throw new Error(`faults[${index}].route is not a sandbox route`)
    if (typeof spec.failFile === 'string' && typeof spec.status === 'number') {
      faults.failFile(
        spec.failFile,
        spec.route,
        spec.status,
        typeof spec.body === 'string' ? spec.body : undefined
      )
    } else if (typeof spec.fault === 'object' && spec.fault !== null) {
      faults.add(spec.route, spec.fault)
    } else {
      throw new Error(`faults[${index}] needs "fault", or "failFile" and "status"`)
    }
  }
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
      'page-size': { type: 'string' },
      'seed-file': { type: 'string' },
      'faults-file': { type: 'string' },
      'analysis-start-ms': { type: 'string' },
      'analysis-run-ms': { type: 'string' },
      'analysis-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    console.log(
      'usage: npm run sandbox -- [--port 8080] [--storage-port 8081] [--host 127.0.0.1] [--key sandbox-key] [--ttl 3600]\n' +
        '                         [--page-size 3] [--seed-file seed.json] [--faults-file faults.json]\n' +
        '                         [--analysis-start-ms 1000] [--analysis-run-ms 3000] [--analysis-file analysis.json]'
    )
    return
  }
  const pageSize = values['page-size']
  if (pageSize !== undefined && !/^[1-9]\d*$/.test(pageSize)) {
    throw new Error(`--page-size must be a whole number ≥ 1, got "${pageSize}".`)
  }
  const seed = values['seed-file']
    ? ((await readJsonArray(values['seed-file'], 'seed-file')) as SeedSample[])
    : []
  const millis = (name: 'analysis-start-ms' | 'analysis-run-ms'): number | undefined => {
    const raw = values[name]
    if (raw === undefined) return undefined
    if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number of ms, got "${raw}".`)
    return Number(raw)
  }
  const analysis = {
    startDelayMs: millis('analysis-start-ms'),
    runTimeMs: millis('analysis-run-ms'),
    rules: values['analysis-file']
      ? ((await readJsonArray(values['analysis-file'], 'analysis-file')) as AnalysisRule[])
      : []
  }
  try {
    checkAnalysisOptions(analysis)
  } catch (error) {
    throw new Error(`${values['analysis-file'] ?? 'analysis options'}: ${(error as Error).message}`)
  }
  const radosgw = radosgwFromEnv()
  const sandbox = await startSandbox({
    apiKey: values.key,
    host: values.host ?? '127.0.0.1',
    apiPort: port(values.port, 'port', 8080),
    storagePort: port(values['storage-port'], 'storage-port', 8081),
    policyTtlSeconds: values.ttl === undefined ? undefined : Number(values.ttl),
    storage: radosgw ?? 'builtin',
    pageSize: pageSize === undefined ? undefined : Number(pageSize),
    analysis
  })
  const seeded = seed.map(sample => [sandbox.seed(sample), sample.filename])
  if (values['faults-file']) {
    armFaults(sandbox.faults, await readJsonArray(values['faults-file'], 'faults-file'))
  }
  console.log(`One Codex sandbox
  api-url:  ${sandbox.apiUrl}
  api-key:  ${sandbox.apiKey}
  storage:  ${sandbox.storageUrl} (${radosgw ? `radosgw at ${radosgw.endpoint}, bucket ${radosgw.bucket}` : 'builtin'})
  S3:       AWS_ENDPOINT_URL_S3=${sandbox.storageUrl} (path-style), bucket ${sandbox.bucket}
Ctrl-C stops it.`)
  for (const [id, filename] of seeded) console.log(`seeded ${id} ${filename}`)

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
