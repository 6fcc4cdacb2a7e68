/**
 * A plain client for the sandbox, independent of the action's engine: JSON calls to the API
 * (POST, GET, the paginated sample listing) and the storage form POST (form-data, streamed from
 * disk). Tests use it to drive the sandbox, including deliberately broken uploads.
 */
import { createReadStream } from 'node:fs'
import http from 'node:http'
import FormData from 'form-data'

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown
}

async function collect(res: http.IncomingMessage): Promise<Reply> {
  const chunks: Buffer[] = []
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode ?? 0, headers: res.headers, text, json }
}

export type Auth = { basic?: string; header?: string } | string

function authHeaders(auth: Auth): Record<string, string> {
  const headers: Record<string, string> = {}
  const how = typeof auth === 'string' ? { basic: auth } : auth
  if (how.basic !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${how.basic}:`).toString('base64')}`
  }
  if (how.header !== undefined) headers['X-API-Key'] = how.header
  return headers
}

/** POSTs JSON to `${apiUrl}${path}`, with the key as HTTP Basic username unless `auth` says otherwise. */
export function apiPost(apiUrl: string, path: string, body: unknown, auth: Auth): Promise<Reply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(payload)),
    ...authHeaders(auth)
  }
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${path}`, { method: 'POST', headers })
    req.on('response', res => collect(res).then(resolve, reject))
    req.on('error', reject)
    req.end(payload)
  })
}

/** GETs `${apiUrl}${path}` (path with its query), authenticated as `apiPost` is. */
export function apiGet(
  apiUrl: string,
  path: string,
  auth: Auth,
  headers: Record<string, string> = {}
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${path}`, {
      method: 'GET',
      headers: { ...authHeaders(auth), ...headers }
    })
    req.on('response', res => collect(res).then(resolve, reject))
    req.on('error', reject)
    req.end()
  })
}

/**
 * Lists samples with cursor pagination (`X-Pagination-Style: cursor`), following X-Next-Cursor;
 * returns each page's items.
 */
export async function listAllPages(
  apiUrl: string,
  query: { where?: unknown; sort?: unknown; per_page?: number },
  auth: Auth,
  maxPages = 100
): Promise<unknown[][]> {
  const pages: unknown[][] = []
  let cursor: string | undefined
  do {
    const params = new URLSearchParams()
    if (query.where !== undefined) params.set('where', JSON.stringify(query.where))
    if (query.sort !== undefined) params.set('sort', JSON.stringify(query.sort))
    if (query.per_page !== undefined) params.set('per_page', String(query.per_page))
    if (cursor !== undefined) params.set('cursor', cursor)
    const reply = await apiGet(apiUrl, `/api/v1/samples?${params.toString()}`, auth, {
      'X-Pagination-Style': 'cursor'
    })
    if (reply.status !== 200) throw new Error(`listing answered ${reply.status}: ${reply.text}`)
    pages.push(reply.json as unknown[])
    const next = reply.headers['x-next-cursor']
    cursor = typeof next === 'string' ? next : undefined
  } while (cursor !== undefined && pages.length < maxPages)
  return pages
}

export interface FormOptions {
  /** Fields sent before the file, in order. */
  fields: Record<string, string | number>
  /** The file to stream, and the filename its part carries. */
  file: { path: string; filename: string }
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean
  /** Fields appended after the file part. */
  fieldsAfterFile?: Record<string, string>
}

/** POSTs a multipart/form-data upload to `url`, streaming the file from disk. */
export async function postForm(url: string, options: FormOptions): Promise<Reply> {
  const form = new FormData()
  for (const [name, value] of Object.entries(options.fields)) form.append(name, String(value))
  form.append('file', createReadStream(options.file.path), { filename: options.file.filename })
  for (const [name, value] of Object.entries(options.fieldsAfterFile ?? {})) {
    form.append(name, value)
  }
  const headers: Record<string, string> = { ...form.getHeaders() }
  if (options.chunked) headers['Transfer-Encoding'] = 'chunked'
  else {
    const length = await new Promise<number>((resolve, reject) =>
      form.getLength((error, value) => (error ? reject(error) : resolve(value)))
    )
    headers['Content-Length'] = String(length)
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers })
    let answered = false
    req.on('response', res => {
      answered = true
      collect(res).then(resolve, reject)
    })
    // A server may refuse (and close) before reading the whole body: its answer still counts.
    req.on('error', error => {
      if (!answered) reject(error)
    })
    form.pipe(req)
  })
}
