/**
 * A local One Codex for tests, the demo and `npm run sandbox`: the upload API
 * (init_upload, confirm_upload) on one port and object storage on another, either builtin
 * (S3's POST rules, in process) or a real S3 server (radosgw) behind a logging proxy.
 * Every request is logged; faults can be queued per route.
 */
import { randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { checkConfirmBody, checkInitBody } from './api-schema.js'
import { FaultBook, type FaultControl, type Route } from './faults.js'
import {
  listen,
  logEntry,
  readBody,
  send,
  sendJson,
  sleep,
  trackSockets,
  type Cut,
  type LoggedRequest
} from './http-util.js'
import { buildPostFields, type Credentials } from './policy.js'
import { hashObject, headObject, type S3Target } from './s3-client.js'
import { startStorage, type StoredObject } from './storage.js'

export type { Fault, Route } from './faults.js'
export type { LoggedRequest } from './http-util.js'
export type { StoredObject } from './storage.js'

export interface SandboxOptions {
  /** Default 'sandbox-key'. */
  apiKey?: string
  /** Default 'builtin'. */
  storage?: 'builtin' | { endpoint: string; bucket: string; accessKey: string; secretKey: string }
  /** Default 3600; negative gives already-expired policies. */
  policyTtlSeconds?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (ephemeral). */
  apiPort?: number
  storagePort?: number
}

export interface SandboxSample {
  sample_id: string
  filename: string
  paired_end_filename?: string
  confirmed: boolean
  /** The init_upload body as received. */
  body: unknown
}

export interface Sandbox {
  /** Base URL of the API (what the action's `api-url` takes). */
  apiUrl: string
  /** Base URL of the storage endpoint; uploads go to `${storageUrl}/${bucket}`. */
  storageUrl: string
  apiKey: string
  requests: LoggedRequest[]
  faults: FaultControl
  /** Registers a pre-uploaded sample; returns its sample_id. */
  preupload(opts: { externalSampleId?: string }): string
  /** What storage holds under `key` (builtin or radosgw). */
  object(key: string): Promise<StoredObject | undefined>
  /** Every sample init_upload created or matched, in order. */
  samples(): SandboxSample[]
  close(): Promise<void>
}

interface SampleRecord extends SandboxSample {
  size: number
  keys: string[]
}

const BUILTIN_BUCKET = 'onecodex-sandbox'
const MAX_JSON_BYTES = 1024 * 1024
const hex16 = (): string => randomBytes(8).toString('hex')

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = options.apiKey ?? 'sandbox-key'
  const host = options.host ?? '127.0.0.1'
  const ttlSeconds = options.policyTtlSeconds ?? 3600
  const external = options.storage === 'builtin' ? undefined : options.storage
  const bucket = external?.bucket ?? BUILTIN_BUCKET
  const credentials: Credentials = external ?? {
    accessKey: `SANDBOX${randomBytes(7).toString('hex').toUpperCase()}`,
    secretKey: randomBytes(30).toString('base64')
  }
  const s3: S3Target | undefined = external && { ...external }

  const requests: LoggedRequest[] = []
  const faults = new FaultBook()
  const userId = hex16()
  const preuploaded = new Map<string, { externalSampleId?: string }>()
  const samples = new Map<string, SampleRecord>()

  const storage = await startStorage({
    bucket,
    credentials,
    faults,
    log: requests,
    host,
    port: options.storagePort ?? 0,
    upstream: external?.endpoint
  })
  const uploadUrl = `${storage.url}/${bucket}`

  const sizeInStorage = async (key: string): Promise<number | undefined> =>
    s3 ? headObject(s3, key) : storage.get(key)?.size

  const authorized = (req: IncomingMessage): boolean => {
    if (req.headers['x-api-key'] === apiKey) return true
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!match) return false
    return Buffer.from(match[1], 'base64').toString('utf8') === `${apiKey}:`
  }

  const initUpload = (res: ServerResponse, entry: LoggedRequest, body: unknown): void => {
    const problem = checkInitBody(body, '')
    if (problem) {
      sendJson(res, entry, 400, { message: `Invalid init_upload request: ${problem}` })
      return
    }
    const init = body as {
      filename: string
      size: number
      paired_end_filename?: string | null
      sample_id?: string | null
      external_sample_id?: string | null
    }
    let sampleId = hex16()
    if (init.sample_id != null) {
      if (!preuploaded.has(init.sample_id)) {
        sendJson(res, entry, 400, {
          message: `sample_id ${init.sample_id} does not match any pre-uploaded sample.`
        })
        return
      }
      sampleId = init.sample_id
    }
    if (init.external_sample_id != null) {
      const match = [...preuploaded].find(
        ([id, pre]) =>
          pre.externalSampleId === init.external_sample_id &&
          (init.sample_id == null || id === init.sample_id)
      )
      if (!match) {
        sendJson(res, entry, 400, {
          message: `external_sample_id ${init.external_sample_id} does not match any pre-uploaded sample.`
        })
        return
      }
      sampleId = match[0]
    }

    const prefix = `user_${userId}/file_${sampleId}/`
    const fields = (keyPrefix: string): ReturnType<typeof buildPostFields> =>
      buildPostFields({ bucket, keyPrefix, credentials, ttlSeconds })
    const answer: Record<string, unknown> = {
      sample_id: sampleId,
      upload_url: uploadUrl,
      additional_fields: fields(prefix)
    }
    const keys = [`${prefix}${init.filename}`]
    if (init.paired_end_filename != null) {
      const matePrefix = `user_${userId}/file_${hex16()}/`
      answer.paired_end_upload_url = uploadUrl
      answer.paired_end_additional_fields = fields(matePrefix)
      keys.push(`${matePrefix}${init.paired_end_filename}`)
    }
    samples.set(sampleId, {
      sample_id: sampleId,
      filename: init.filename,
      ...(init.paired_end_filename != null
        ? { paired_end_filename: init.paired_end_filename }
        : {}),
      confirmed: false,
      body,
      size: init.size,
      keys
    })
    sendJson(res, entry, 200, answer)
  }

  const confirmUpload = async (
    res: ServerResponse,
    entry: LoggedRequest,
    body: unknown
  ): Promise<void> => {
    const problem = checkConfirmBody(body, '')
    if (problem) {
      sendJson(res, entry, 400, { message: `Invalid confirm_upload request: ${problem}` })
      return
    }
    const sampleId = (body as { sample_id: string }).sample_id
    const sample = samples.get(sampleId)
    if (!sample) {
      sendJson(res, entry, 404, { message: `Sample ${sampleId} not found.` })
      return
    }
    let total = 0
    for (const key of sample.keys) {
      const size = await sizeInStorage(key)
      if (size === undefined) {
        sendJson(res, entry, 400, {
          message: `Sample ${sampleId} cannot be confirmed: nothing was uploaded to ${key}.`
        })
        return
      }
      total += size
    }
    if (total !== sample.size) {
      sendJson(res, entry, 400, {
        message: `Sample ${sampleId} cannot be confirmed: storage holds ${total} bytes, init_upload announced ${sample.size}.`
      })
      return
    }
    sample.confirmed = true
    sendJson(res, entry, 200, {
      success: true,
      message: 'Upload confirmed.',
      sample: { $ref: `/api/v1/samples/${sampleId}` }
    })
  }

  const filenamesOf = (route: Route, body: unknown): (string | undefined)[] => {
    if (typeof body !== 'object' || body === null) return []
    const fields = body as Record<string, unknown>
    if (route === 'init_upload') {
      return [fields.filename, fields.paired_end_filename].map(v =>
        typeof v === 'string' ? v : undefined
      )
    }
    const sample = samples.get(String(fields.sample_id))
    return sample ? [sample.filename, sample.paired_end_filename] : []
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0].replace(/\/$/, '')
    const route: LoggedRequest['route'] =
      path === '/api/v1/samples/init_upload'
        ? 'init_upload'
        : path === '/api/v1/samples/confirm_upload'
          ? 'confirm_upload'
          : 'other'
    const entry = logEntry(route, req)
    requests.push(entry)
    if (route === 'other') {
      req.resume()
      sendJson(res, entry, 404, { message: `Not found: ${req.method} ${path}` })
      return
    }

    let fault = faults.next(route)
    if (fault?.kind === 'delay') {
      await sleep(fault.ms)
      fault = undefined
    }
    const cut: Cut | undefined =
      fault?.kind === 'reset' || fault?.kind === 'stall' ? fault : undefined
    const chunks: Buffer[] = []
    let bytes = 0
    const complete = await readBody(
      req,
      chunk => {
        bytes += chunk.length
        if (bytes <= MAX_JSON_BYTES) chunks.push(chunk)
      },
      cut
    )
    if (!complete) return
    const raw = Buffer.concat(chunks).toString('utf8')
    let body: unknown
    let parsed = true
    try {
      body = JSON.parse(raw)
    } catch {
      body = raw
      parsed = false
    }
    entry.body = body

    // A queued status fault, else a permanent one for a file this request concerns.
    const failure:
      { status: number; body?: string; contentType?: string; retryAfter?: string } | undefined =
      fault?.kind === 'status' ? fault : faults.forFile(route, filenamesOf(route, body))
    if (failure) {
      send(
        res,
        entry,
        failure.status,
        failure.body ?? JSON.stringify({ message: `Sandbox fault: status ${failure.status}.` }),
        {
          'Content-Type': failure.contentType ?? 'application/json',
          ...(failure.retryAfter ? { 'Retry-After': failure.retryAfter } : {})
        }
      )
      return
    }
    if (req.method !== 'POST') {
      sendJson(res, entry, 405, { message: `${path} only accepts POST.` })
      return
    }
    if (!authorized(req)) {
      sendJson(res, entry, 401, { message: 'Invalid API key or no API key provided.' })
      return
    }
    if (bytes > MAX_JSON_BYTES) {
      sendJson(res, entry, 413, { message: 'The request body is too large.' })
      return
    }
    if (!parsed) {
      sendJson(res, entry, 400, { message: 'The request body is not valid JSON.' })
      return
    }
    if (route === 'init_upload') initUpload(res, entry, body)
    else await confirmUpload(res, entry, body)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(error => {
      console.error('sandbox api: unexpected error', error)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  const closeApi = trackSockets(server)
  const apiUrl = await listen(server, host, options.apiPort ?? 0)

  return {
    apiUrl,
    storageUrl: storage.url,
    apiKey,
    requests,
    faults,
    preupload: ({ externalSampleId }) => {
      const id = hex16()
      preuploaded.set(id, { externalSampleId })
      return id
    },
    object: async key => {
      if (!s3) return storage.get(key)
      const found = await hashObject(s3, key)
      return found && { key, ...found }
    },
    samples: () =>
      [...samples.values()].map(
        ({ sample_id, filename, paired_end_filename, confirmed, body }) => ({
          sample_id,
          filename,
          ...(paired_end_filename !== undefined ? { paired_end_filename } : {}),
          confirmed,
          body
        })
      ),
    close: async () => {
      await Promise.all([closeApi(), storage.close()])
    }
  }
}
