/**
 * A plain client for the sandbox, independent of the action's engine: JSON calls to the API
 * and the storage form POST (form-data, streamed from disk). Tests use it to drive the sandbox,
 * including deliberately broken uploads.
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

/** POSTs JSON to `${apiUrl}${path}`, with the key as HTTP Basic username unless `auth` says otherwise. */
export function apiPost(
  apiUrl: string,
  path: string,
  body: unknown,
  auth: { basic?: string; header?: string } | string
): Promise<Reply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(payload))
  }
  const how = typeof auth === 'string' ? { basic: auth } : auth
  if (how.basic !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${how.basic}:`).toString('base64')}`
  }
  if (how.header !== undefined) headers['X-API-Key'] = how.header
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${path}`, { method: 'POST', headers })
    req.on('response', res => collect(res).then(resolve, reject))
    req.on('error', reject)
    req.end(payload)
  })
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
