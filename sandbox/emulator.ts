/**
 * A local One Codex for tests, the demo and `npm run sandbox`: the upload API on one port and
 * object storage on another, either builtin (in process) or a real S3 server (radosgw) behind a
 * logging proxy. Every request is logged; faults can be queued per route.
 *
 * API routes (HTTP Basic with the key as username, or X-API-Key):
 * - POST /api/v1/samples/init_upload, POST /api/v1/samples/confirm_upload: the standard upload
 *   (a browser-form POST of each file to storage in between);
 * - POST /api/v1/samples/init_multipart_upload, then S3 multipart uploads to storage with the
 *   credentials it hands out, then POST {callback_url} (/api/import_file_from_s3);
 * - POST /api/v1/samples/cancel_upload;
 * - GET /api/v1/samples (listing, see samples.ts), GET /api/v1/samples/{id};
 * - the analysis of each imported sample (see classifications.ts): GET /api/v1/classifications
 *   (listing), GET /api/v1/classifications/{id}, GET /api/v1/classifications/{id}/results.
 */
import { randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { FILENAME_PATTERN } from '../src/contract/spec.js'
import {
  checkCallbackBody,
  checkCancelBody,
  checkConfirmBody,
  checkInitBody,
  checkInitMultipartBody
} from './api-schema.js'
import { Analyses, type AnalysisOptions, type SandboxClassification } from './classifications.js'
import { FaultBook, type ApiRoute, type Fault, type FaultControl, type Route } from './faults.js'
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
import { hashObject, headObject, listMultipartUploads, type S3Target } from './s3-client.js'
import {
  listSamples,
  visibilityOf,
  type SampleOrigin,
  type SampleRecord,
  type SampleState
} from './samples.js'
import { startStorage, type PendingUpload, type StoredObject } from './storage.js'

export type { ApiRoute, Fault, FaultControl, Route, S3Operation } from './faults.js'
export type {
  AnalysisOptions,
  AnalysisRule,
  ResultsTable,
  SandboxClassification,
  TaxonRow
} from './classifications.js'
export type { LoggedRequest, S3Details } from './http-util.js'
export type { SampleOrigin, SampleState } from './samples.js'
export type { PendingUpload, StoredObject } from './storage.js'

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
  /**
   * GET /api/v1/samples and GET /api/v1/classifications: the page size when the request gives
   * no per_page, and the most it hands out in one page (a larger per_page is cut to it), so
   * that clients meet several pages. Default 3.
   */
  pageSize?: number
  /**
   * How each imported sample's analysis goes (start delay, run time, failures by filename,
   * the clock); see classifications.ts. Default: every sample's analysis starts 1 s after its
   * import and succeeds 3 s later.
   */
  analysis?: AnalysisOptions
  /**
   * The sandbox's clock, in epoch ms: when samples are created and imported, and so when their
   * analyses start and complete. Default Date.now; tests pass one they move themselves.
   */
  now?: () => number
  /** Samples that exist before anything is uploaded ("from an earlier run"); see `seed`. */
  seed?: SeedSample[]
}

/** A sample that exists before the run, as `seed` (or `--seed-file`) takes it. */
export interface SeedSample {
  filename: string
  /** Bytes (R1 + R2 for a pair); null when One Codex would not know it yet. */
  size: number | null
  paired_end_filename?: string
  /** Project id (or null/absent for none). */
  project?: string | null
  /** Tag names. */
  tags?: string[]
  /** An upload that never completed: listed with visibility "awaiting data". Default false. */
  awaitingData?: boolean
  /** ISO date-time or Date; default a day before the sandbox started. */
  createdAt?: string | Date
  /** Default a fresh 16-hex id. */
  sampleId?: string
}

export interface SandboxSample {
  sample_id: string
  filename: string
  paired_end_filename?: string
  /** Completed: confirm_upload, the multipart callback, or seeded as complete. */
  confirmed: boolean
  state: SampleState
  /** The route that created it, or 'seed'. */
  origin: SampleOrigin
  /** See SampleRecord.size: init_upload's size, or after the callback what storage holds. */
  size: number | null
  created_at: string
  project: string | null
  /** The object keys of its files (R1 or the file first, then R2). */
  keys: string[]
  /** The init body as received (undefined for a seeded sample). */
  body: unknown
}

export interface Sandbox {
  /** Base URL of the API (what the action's `api-url` takes). */
  apiUrl: string
  /**
   * Base URL of the storage endpoint: browser POSTs go to `${storageUrl}/${bucket}`; it is the
   * S3 endpoint (AWS_ENDPOINT_URL_S3, path-style) for the multipart route.
   */
  storageUrl: string
  /** The bucket (`s3_bucket` of init_multipart_upload). */
  bucket: string
  /** The path init_multipart_upload gives as `callback_url`. */
  callbackPath: string
  apiKey: string
  requests: LoggedRequest[]
  faults: FaultControl
  /** Registers a pre-uploaded sample; returns its sample_id. */
  preupload(opts: { externalSampleId?: string }): string
  /** Adds a sample "from an earlier run" (listed like any other); returns its sample_id. */
  seed(sample: SeedSample): string
  /** What storage holds under `key` (builtin or radosgw). */
  object(key: string): Promise<StoredObject | undefined>
  /** Multipart uploads to this sandbox's keys that were neither completed nor aborted. */
  pendingUploads(): Promise<PendingUpload[]>
  /** Every sample, in creation order: seeded, and created or matched by an init route. */
  samples(): SandboxSample[]
  /** Every scheduled analysis (started or not yet), in creation order, as of the sandbox's clock. */
  classifications(): SandboxClassification[]
  /** Requests received so far on `route` (all routes when omitted), answered or not. */
  requestCount(route?: Route | 'other'): number
  close(): Promise<void>
}

interface Answer {
  status: number
  json: unknown
  headers?: Record<string, string>
}

const BUILTIN_BUCKET = 'onecodex-sandbox'
const CALLBACK_PATH = '/api/import_file_from_s3'
const MAX_JSON_BYTES = 1024 * 1024
const DAY_MS = 24 * 3600 * 1000
const hex16 = (): string => randomBytes(8).toString('hex')
const message = (status: number, text: string): Answer => ({ status, json: { message: text } })

const API_PATHS: Record<string, { route: ApiRoute; method: 'GET' | 'POST' }> = {
  '/api/v1/samples/init_upload': { route: 'init_upload', method: 'POST' },
  '/api/v1/samples/confirm_upload': { route: 'confirm_upload', method: 'POST' },
  '/api/v1/samples/init_multipart_upload': { route: 'init_multipart_upload', method: 'POST' },
  '/api/v1/samples/cancel_upload': { route: 'cancel_upload', method: 'POST' },
  '/api/v1/samples': { route: 'list_samples', method: 'GET' },
  '/api/v1/classifications': { route: 'list_classifications', method: 'GET' },
  [CALLBACK_PATH]: { route: 'callback', method: 'POST' }
}

/** Fields shared by both init routes. */
interface InitFields {
  filename: string
  paired_end_filename?: string | null
  sample_id?: string | null
  external_sample_id?: string | null
  project?: string | { $ref: string } | null
  tags?: { name: string }[]
}

const classificationRef = (id: string | null): { $ref: string } | null =>
  id === null ? null : { $ref: `/api/v1/classifications/${id}` }

const projectId = (project: InitFields['project']): string | null =>
  project == null
    ? null
    : typeof project === 'string'
      ? project
      : (/^\/api\/v1\/projects\/([^/]+)$/.exec(project.$ref)?.[1] ?? null)

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = options.apiKey ?? 'sandbox-key'
  const host = options.host ?? '127.0.0.1'
  const ttlSeconds = options.policyTtlSeconds ?? 3600
  const pageSize = options.pageSize ?? 3
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new Error(`pageSize must be a whole number ≥ 1, got ${String(options.pageSize)}`)
  }
  const external = options.storage === 'builtin' ? undefined : options.storage
  const bucket = external?.bucket ?? BUILTIN_BUCKET
  const credentials: Credentials = external ?? {
    accessKey: `SANDBOX${randomBytes(7).toString('hex').toUpperCase()}`,
    secretKey: randomBytes(30).toString('base64')
  }
  const s3: S3Target | undefined = external && { ...external }

  const requests: LoggedRequest[] = []
  const faults = new FaultBook()
  const now = options.now ?? Date.now
  const analyses = new Analyses(options.analysis, now)
  const userId = hex16()
  const startedAt = now()
  const preuploaded = new Map<string, { externalSampleId?: string }>()
  const samples = new Map<string, SampleRecord>()
  const tagIds = new Map<string, string>()
  const metadataIds = new Map<string, string>()
  let seq = 0

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

  const addSample = (record: Omit<SampleRecord, 'seq'>): SampleRecord => {
    const stored = { ...record, seq: seq++ }
    samples.set(record.sample_id, stored)
    return stored
  }

  const render = (s: SampleRecord): Record<string, unknown> => {
    const tagId = (name: string): string => {
      if (!tagIds.has(name)) tagIds.set(name, hex16())
      return tagIds.get(name) as string
    }
    if (!metadataIds.has(s.sample_id)) metadataIds.set(s.sample_id, hex16())
    return {
      $uri: `/api/v1/samples/${s.sample_id}`,
      created_at: s.createdAt.toISOString(),
      filename: s.filename,
      size: s.size,
      status: s.state === 'complete' ? 'available' : 'awaiting data',
      visibility: visibilityOf(s),
      owner: { $ref: `/api/v1/users/${userId}` },
      project: s.project === null ? null : { $ref: `/api/v1/projects/${s.project}` },
      tags: s.tags.map(name => ({ $ref: `/api/v1/tags/${tagId(name)}` })),
      metadata: { $ref: `/api/v1/metadata/${metadataIds.get(s.sample_id)}` },
      primary_classification: classificationRef(analyses.primaryOf(s.sample_id))
    }
  }

  /** The sample id an init body asks for: fresh, or a pre-uploaded one it names. */
  const resolveSampleId = (init: InitFields): string | Answer => {
    let sampleId = hex16()
    if (init.sample_id != null) {
      if (!preuploaded.has(init.sample_id)) {
        return message(400, `sample_id ${init.sample_id} does not match any pre-uploaded sample.`)
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
        return message(
          400,
          `external_sample_id ${init.external_sample_id} does not match any pre-uploaded sample.`
        )
      }
      sampleId = match[0]
    }
    return sampleId
  }

  const newRecord = (
    sampleId: string,
    init: InitFields,
    origin: SampleOrigin,
    size: number | null,
    keys: string[],
    body: unknown
  ): Omit<SampleRecord, 'seq'> => ({
    sample_id: sampleId,
    filename: init.filename,
    ...(init.paired_end_filename != null ? { paired_end_filename: init.paired_end_filename } : {}),
    origin,
    state: 'awaiting data',
    size,
    createdAt: new Date(now()),
    project: projectId(init.project),
    tags: (init.tags ?? []).map(tag => tag.name),
    body,
    keys
  })

  const initUpload = (body: unknown): Answer => {
    const problem = checkInitBody(body, '')
    if (problem) return message(400, `Invalid init_upload request: ${problem}`)
    const init = body as InitFields & { size: number }
    const sampleId = resolveSampleId(init)
    if (typeof sampleId !== 'string') return sampleId

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
    addSample(newRecord(sampleId, init, 'init_upload', init.size, keys, body))
    return { status: 200, json: answer }
  }

  const confirmUpload = async (body: unknown): Promise<Answer> => {
    const problem = checkConfirmBody(body, '')
    if (problem) return message(400, `Invalid confirm_upload request: ${problem}`)
    const sampleId = (body as { sample_id: string }).sample_id
    const sample = samples.get(sampleId)
    if (!sample || sample.state === 'cancelled') {
      return message(
        404,
        `Sample ${sampleId} not found${sample ? ' (its upload was cancelled)' : ''}.`
      )
    }
    if (sample.origin !== 'init_upload') {
      return message(
        400,
        sample.origin === 'seed'
          ? `Sample ${sampleId} was seeded; it has no upload to confirm.`
          : `Sample ${sampleId} was started with init_multipart_upload: it completes through its callback_url, not confirm_upload.`
      )
    }
    let total = 0
    for (const key of sample.keys) {
      const size = await sizeInStorage(key)
      if (size === undefined) {
        return message(
          400,
          `Sample ${sampleId} cannot be confirmed: nothing was uploaded to ${key}.`
        )
      }
      total += size
    }
    if (total !== sample.size) {
      return message(
        400,
        `Sample ${sampleId} cannot be confirmed: storage holds ${total} bytes, init_upload announced ${sample.size}.`
      )
    }
    sample.state = 'complete'
    analyses.imported(sample)
    return {
      status: 200,
      json: {
        success: true,
        message: 'Upload confirmed.',
        sample: { $ref: `/api/v1/samples/${sampleId}` }
      }
    }
  }

  const initMultipartUpload = (body: unknown): Answer => {
    const problem = checkInitMultipartBody(body, '')
    if (problem) return message(400, `Invalid init_multipart_upload request: ${problem}`)
    const init = body as InitFields
    const sampleId = resolveSampleId(init)
    if (typeof sampleId !== 'string') return sampleId

    const fileId = `user_${userId}/file_${sampleId}/${init.filename}`
    const answer: Record<string, unknown> = {
      sample_id: sampleId,
      s3_bucket: bucket,
      file_id: fileId,
      upload_aws_access_key_id: credentials.accessKey,
      upload_aws_secret_access_key: credentials.secretKey,
      callback_url: CALLBACK_PATH
    }
    const keys = [fileId]
    if (init.paired_end_filename != null) {
      const mateId = `user_${userId}/file_${hex16()}/${init.paired_end_filename}`
      answer.paired_end_file_id = mateId
      keys.push(mateId)
    }
    addSample(newRecord(sampleId, init, 'init_multipart_upload', null, keys, body))
    return { status: 200, json: answer }
  }

  /** The multipart sample whose R1 (or single file) is at `s3://bucket/key`. */
  const sampleAt = (s3Path: string): SampleRecord | undefined => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Path)
    if (!match || match[1] !== bucket) return undefined
    return [...samples.values()].find(
      s => s.origin === 'init_multipart_upload' && s.keys[0] === match[2]
    )
  }

  const callback = async (body: unknown): Promise<Answer> => {
    const problem = checkCallbackBody(body, '')
    if (problem) return message(400, `Invalid upload callback: ${problem}`)
    const { s3_path: s3Path, filename } = body as { s3_path: string; filename: string }
    const sample = sampleAt(s3Path)
    if (!sample) {
      return message(
        400,
        `s3_path ${s3Path} is not the file_id of any init_multipart_upload in bucket ${bucket}.`
      )
    }
    if (filename !== sample.filename) {
      return message(
        400,
        `filename ${filename} is not the filename init_multipart_upload was given (${sample.filename}).`
      )
    }
    if (sample.state === 'cancelled') {
      return message(400, `Sample ${sample.sample_id} was cancelled; it cannot be completed.`)
    }
    if (sample.state === 'complete') return { status: 200, json: { sample_id: sample.sample_id } }
    let total = 0
    for (const [index, key] of sample.keys.entries()) {
      const size = await sizeInStorage(key)
      const which = index === 0 ? 'file_id' : 'paired_end_file_id (R2)'
      if (size === undefined || size === 0) {
        return message(
          400,
          `Sample ${sample.sample_id} cannot be imported: ${
            size === undefined ? 'there is no object' : 'the object is empty'
          } at s3://${bucket}/${key} (its ${which}); complete the multipart upload first.`
        )
      }
      total += size
    }
    sample.state = 'complete'
    sample.size = total
    analyses.imported(sample)
    return { status: 200, json: { sample_id: sample.sample_id } }
  }

  const cancelUpload = (body: unknown): Answer => {
    const problem = checkCancelBody(body, '')
    if (problem) return message(400, `Invalid cancel_upload request: ${problem}`)
    const sampleId = (body as { sample_id: string }).sample_id
    const sample = samples.get(sampleId)
    if (!sample) return message(404, `Sample ${sampleId} not found.`)
    if (sample.state === 'complete') {
      return { status: 200, json: { success: false, message: 'Upload already successful' } }
    }
    sample.state = 'cancelled'
    return { status: 200, json: { success: true, message: 'Upload cancelled.' } }
  }

  const getSample = (path: string): Answer => {
    const sampleId = decodeURIComponent(path.slice('/api/v1/samples/'.length))
    const sample = samples.get(sampleId)
    if (!sample || sample.state === 'cancelled') {
      return message(404, `Sample ${sampleId} not found.`)
    }
    return { status: 200, json: render(sample) }
  }

  /** The filenames a request concerns, for per-file faults. */
  const filenamesOf = (
    route: ApiRoute,
    path: string,
    body: unknown,
    query: URLSearchParams
  ): string[] => {
    const names = (sample: SampleRecord | undefined): string[] =>
      sample ? [sample.filename, sample.paired_end_filename ?? ''].filter(Boolean) : []
    const fields =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
    const strings = (...values: unknown[]): string[] =>
      values.filter((v): v is string => typeof v === 'string')
    switch (route) {
      case 'init_upload':
      case 'init_multipart_upload':
        return strings(fields.filename, fields.paired_end_filename)
      case 'callback':
        return [
          ...strings(fields.filename),
          ...names(typeof fields.s3_path === 'string' ? sampleAt(fields.s3_path) : undefined)
        ]
      case 'list_samples': {
        try {
          const where = JSON.parse(query.get('where') ?? '{}') as { filename?: unknown }
          const condition = where.filename as { $in?: unknown; $eq?: unknown } | string
          if (typeof condition === 'string') return [condition]
          return strings(condition?.$eq, ...(Array.isArray(condition?.$in) ? condition.$in : []))
        } catch {
          return []
        }
      }
      case 'get_sample':
        return names(samples.get(decodeURIComponent(path.split('/')[4] ?? '')))
      case 'get_classification':
      case 'classification_results':
        return strings(analyses.filenameOf(decodeURIComponent(path.split('/')[4] ?? '')))
      case 'list_classifications':
        return []
      default:
        return names(samples.get(String(fields.sample_id)))
    }
  }

  const routeOf = (path: string): { route: ApiRoute | 'other'; method?: 'GET' | 'POST' } => {
    const known = API_PATHS[path]
    if (known) return known
    if (/^\/api\/v1\/samples\/[^/]+$/.test(path)) return { route: 'get_sample', method: 'GET' }
    if (/^\/api\/v1\/classifications\/[^/]+$/.test(path)) {
      return { route: 'get_classification', method: 'GET' }
    }
    if (/^\/api\/v1\/classifications\/[^/]+\/results$/.test(path)) {
      return { route: 'classification_results', method: 'GET' }
    }
    return { route: 'other' }
  }

  const deliver = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: LoggedRequest,
    answer: Answer,
    fault: Fault | undefined
  ): Promise<void> => {
    if (fault?.kind === 'late-answer') {
      // The work is done; the answer leaves only later, if the client is still there.
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, fault.ms)
        req.socket.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      if (req.socket.destroyed) {
        entry.lostStatus = answer.status
        return
      }
    }
    if (fault?.kind !== 'lost-answer') {
      sendJson(res, entry, answer.status, answer.json, answer.headers)
      return
    }
    entry.lostStatus = answer.status
    if (fault.reset) {
      req.socket.destroy()
      return
    }
    const status = fault.status ?? 504
    send(
      res,
      entry,
      status,
      fault.body ??
        `<html><head><title>${status} Gateway Time-out</title></head><body>Sandbox fault: the answer was lost.</body></html>`,
      { 'Content-Type': fault.body === undefined ? 'text/html' : 'application/json' }
    )
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const path = url.pathname.replace(/\/$/, '')
    const { route, method } = routeOf(path)
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
      body = raw === '' ? undefined : raw
      parsed = false
    }
    if (body !== undefined) entry.body = body

    // A queued status fault, else a permanent one for a file this request concerns.
    const failure:
      { status: number; body?: string; contentType?: string; retryAfter?: string } | undefined =
      fault?.kind === 'status'
        ? fault
        : faults.forFile(route, filenamesOf(route, path, body, url.searchParams))
    if (failure) {
      if (fault?.kind === 'status' && fault.afterMs) await sleep(fault.afterMs)
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
    await deliver(
      req,
      res,
      entry,
      await answerFor(req, url, route, method, body, parsed, bytes),
      fault
    )
  }

  /** The answer to an API request whose body was read (before any lost-answer fault). */
  const answerFor = async (
    req: IncomingMessage,
    url: URL,
    route: ApiRoute,
    method: 'GET' | 'POST' | undefined,
    body: unknown,
    parsed: boolean,
    bytes: number
  ): Promise<Answer> => {
    if (req.method !== method) return message(405, `${url.pathname} only accepts ${method}.`)
    if (!authorized(req)) return message(401, 'Invalid API key or no API key provided.')
    if (bytes > MAX_JSON_BYTES) return message(413, 'The request body is too large.')
    if (method === 'POST' && !parsed) return message(400, 'The request body is not valid JSON.')
    switch (route) {
      case 'init_upload':
        return initUpload(body)
      case 'confirm_upload':
        return confirmUpload(body)
      case 'init_multipart_upload':
        return initMultipartUpload(body)
      case 'callback':
        return callback(body)
      case 'cancel_upload':
        return cancelUpload(body)
      case 'list_samples':
        return listSamples(samples.values(), url.searchParams, {
          pageSize,
          cursorStyle: String(req.headers['x-pagination-style'] ?? '').toLowerCase() === 'cursor',
          render
        })
      case 'get_sample':
        return getSample(url.pathname.replace(/\/$/, ''))
      case 'list_classifications':
        return analyses.list(
          url.searchParams,
          pageSize,
          String(req.headers['x-pagination-style'] ?? '').toLowerCase() === 'cursor'
        )
      case 'get_classification':
        return analyses.get(decodeURIComponent(url.pathname.split('/')[4] ?? ''))
      case 'classification_results':
        return analyses.results(decodeURIComponent(url.pathname.split('/')[4] ?? ''))
    }
  }

  const seed = (sample: SeedSample): string => {
    if (typeof sample.filename !== 'string' || !FILENAME_PATTERN.test(sample.filename)) {
      throw new Error(`seed: filename ${JSON.stringify(sample.filename)} is not a valid filename`)
    }
    if (sample.size !== null && !(Number.isInteger(sample.size) && sample.size >= 1)) {
      throw new Error(`seed: size must be a whole number ≥ 1 or null, got ${String(sample.size)}`)
    }
    const sampleId = sample.sampleId ?? hex16()
    if (!/^[\w-]+$/.test(sampleId) || samples.has(sampleId)) {
      throw new Error(`seed: sampleId ${sampleId} is not a usable, unused id`)
    }
    const createdAt =
      sample.createdAt === undefined ? new Date(startedAt - DAY_MS) : new Date(sample.createdAt)
    if (Number.isNaN(createdAt.getTime())) {
      throw new Error(`seed: createdAt ${String(sample.createdAt)} is not a date-time`)
    }
    const record = addSample({
      sample_id: sampleId,
      filename: sample.filename,
      ...(sample.paired_end_filename !== undefined
        ? { paired_end_filename: sample.paired_end_filename }
        : {}),
      origin: 'seed',
      state: sample.awaitingData ? 'awaiting data' : 'complete',
      size: sample.size,
      createdAt,
      project: sample.project ?? null,
      tags: sample.tags ?? [],
      body: undefined,
      keys: []
    })
    // Imported when it was created: one from a day ago finished its analysis long ago.
    if (record.state === 'complete') analyses.imported(record, createdAt.getTime())
    return sampleId
  }
  for (const sample of options.seed ?? []) seed(sample)

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
    bucket,
    callbackPath: CALLBACK_PATH,
    apiKey,
    requests,
    faults,
    preupload: ({ externalSampleId }) => {
      const id = hex16()
      preuploaded.set(id, { externalSampleId })
      return id
    },
    seed,
    object: async key => {
      if (!s3) return storage.get(key)
      const found = await hashObject(s3, key)
      return found && { key, ...found }
    },
    pendingUploads: async () =>
      s3 ? listMultipartUploads(s3, `user_${userId}/`) : storage.pendingUploads(),
    samples: () =>
      [...samples.values()].map(s => ({
        sample_id: s.sample_id,
        filename: s.filename,
        ...(s.paired_end_filename !== undefined
          ? { paired_end_filename: s.paired_end_filename }
          : {}),
        confirmed: s.state === 'complete',
        state: s.state,
        origin: s.origin,
        size: s.size,
        created_at: s.createdAt.toISOString(),
        project: s.project,
        keys: [...s.keys],
        body: s.body
      })),
    classifications: () => analyses.snapshot(),
    requestCount: route =>
      route === undefined ? requests.length : requests.filter(r => r.route === route).length,
    close: async () => {
      await Promise.all([closeApi(), storage.close()])
    }
  }
}
