/**
 * The sandbox's object storage endpoint, on its own port (its own "host"). Two modes:
 * - builtin: an in-process stand-in for S3, for the browser POST of the standard upload
 *   (enforcing S3's rules, see `checkPostFields`, hashing the file as it streams and keeping
 *   only its size and digests) and for S3's REST multipart upload (see s3-builtin.ts);
 * - proxy: a transparent pass-through to a real S3 server (radosgw), so that storage requests
 *   are still logged and faults can still be injected. REST calls are forwarded byte for byte
 *   with their Host header unchanged (so that SigV4 signatures still match) and streamed.
 * Each request is logged under its operation: `storage` for the browser POST (whose multipart
 * body is always parsed as a stream, for the log), `s3:<Operation>` for REST calls.
 */
import { createHash, type Hash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Fault, FaultBook } from './faults.js'
import { listen, logEntry, readBody, send, sleep, trackSockets, type Cut } from './http-util.js'
import type { LoggedRequest } from './http-util.js'
import { boundaryOf, MultipartError, MultipartParser } from './multipart.js'
import { checkPostFields, contentLengthRange, type Credentials, type S3Failure } from './policy.js'
import { BuiltinS3, type ObjectRecord, type S3Answer } from './s3-builtin.js'
import { classify, describeS3, type S3Request } from './s3-ops.js'
import { parseCompleteMultipartXml, postResponseXml, s3CodeFor, s3ErrorXml } from './s3-xml.js'

export interface StoredObject {
  key: string
  size: number
  sha256: string
}

/** A multipart upload that was created and neither completed nor aborted. */
export interface PendingUpload {
  key: string
  uploadId: string
  initiated: Date
  /** Part numbers received so far (builtin storage only). */
  parts?: number[]
}

export interface StorageServer {
  url: string
  /** What the builtin store holds under `key` (undefined in proxy mode). */
  get(key: string): StoredObject | undefined
  /** The builtin store's multipart uploads in progress (empty in proxy mode). */
  pendingUploads(): PendingUpload[]
  close(): Promise<void>
}

export interface StorageOptions {
  bucket: string
  credentials: Credentials
  faults: FaultBook
  log: LoggedRequest[]
  host: string
  port: number
  /** Proxy mode: forward every request to this S3 endpoint instead of storing. */
  upstream?: string
}

const XML = { 'Content-Type': 'application/xml' }

function sendS3Error(res: ServerResponse, entry: LoggedRequest, failure: S3Failure): void {
  send(res, entry, failure.status, s3ErrorXml(failure.code, failure.message), XML)
}

/** What the parser saw of one POST body, for the log and for the builtin checks. */
class PostReader {
  readonly fields: Record<string, string> = {}
  fileName?: string
  fileSize = 0
  fileParts = 0
  partsAfterFile = 0
  /** First reason the body is malformed. */
  malformed?: string
  /** Called when the file part starts (the fields before it are known). */
  onFileStart?: (filename: string) => void
  private readonly sha256: Hash = createHash('sha256')
  private readonly md5: Hash = createHash('md5')
  private readonly parser?: MultipartParser

  constructor(boundary: string | undefined, entry: LoggedRequest) {
    entry.body = this.fields
    if (!boundary) return
    this.parser = new MultipartParser(boundary, {
      field: (name, value) => {
        if (this.fileParts > 0) this.partsAfterFile += 1
        this.fields[name] = value
      },
      fileStart: part => {
        if (this.fileParts > 0) this.partsAfterFile += 1
        this.fileParts += 1
        if (this.fileParts > 1) return
        this.fileName = part.filename
        entry.fileName = part.filename
        entry.fileSize = 0
        this.onFileStart?.(part.filename ?? '')
      },
      fileData: chunk => {
        if (this.fileParts > 1) return
        this.fileSize += chunk.length
        entry.fileSize = this.fileSize
        this.sha256.update(chunk)
        this.md5.update(chunk)
      },
      fileEnd: () => undefined
    })
  }

  write(chunk: Buffer): void {
    if (!this.parser || this.malformed) return
    try {
      this.parser.write(chunk)
    } catch (error) {
      this.malformed = (error as Error).message
    }
  }

  end(): void {
    if (!this.parser || this.malformed) return
    try {
      this.parser.end()
    } catch (error) {
      if (error instanceof MultipartError) this.malformed = error.message
      else throw error
    }
  }

  digests(): { sha256: string; md5: string } {
    return { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') }
  }
}

/** Answers with a fault's status; the body defaults to S3's XML error for that status. */
function sendFault(
  res: ServerResponse,
  entry: LoggedRequest,
  status: number,
  body: string | undefined,
  message = `Sandbox fault: status ${status}.`,
  extra: { contentType?: string; retryAfter?: string } = {}
): void {
  send(res, entry, status, body ?? s3ErrorXml(s3CodeFor(status, entry.route), message), {
    'Content-Type': extra.contentType ?? 'application/xml',
    ...(extra.retryAfter ? { 'Retry-After': extra.retryAfter } : {})
  })
}

export async function startStorage(options: StorageOptions): Promise<StorageServer> {
  const objects = new Map<string, ObjectRecord>()
  const { bucket, faults, log } = options
  let url = ''
  const spoolDir = await mkdtemp(join(tmpdir(), 'onecodex-sandbox-parts-'))
  const builtin = new BuiltinS3({
    bucket,
    accessKey: options.credentials.accessKey,
    objects,
    dir: spoolDir,
    url: () => url
  })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = classify(req.method ?? '', req.url ?? '')
    const entry = logEntry(request.op, req)
    log.push(entry)
    if (request.op !== 'storage') {
      describeS3(entry, req, request)
      await handleRest(req, res, entry, request)
      return
    }
    const path = (req.url ?? '').split('?')[0]
    if (path !== `/${bucket}` && path !== `/${bucket}/`) {
      req.resume()
      sendS3Error(res, entry, {
        status: 404,
        code: 'NoSuchBucket',
        message: `The sandbox storage only accepts POST /${bucket}.`
      })
      return
    }

    let fault = faults.next('storage')
    if (fault?.kind === 'delay') {
      await sleep(fault.ms)
      fault = undefined
    }
    const cut: Cut | undefined =
      fault?.kind === 'reset' || fault?.kind === 'stall' ? fault : undefined
    const statusFault = fault?.kind === 'status' ? fault : undefined
    const reader = new PostReader(boundaryOf(req.headers['content-type']), entry)

    if (cut || statusFault) {
      const complete = await readBody(req, chunk => reader.write(chunk), cut)
      if (!complete || !statusFault) return
      sendFault(res, entry, statusFault.status, statusFault.body, undefined, {
        contentType: statusFault.contentType,
        retryAfter: statusFault.retryAfter
      })
      return
    }

    if (options.upstream) await proxy(req, res, entry, reader, options.upstream, faults)
    else await store(req, res, entry, reader)
  }

  /** The builtin store: S3's POST rules, then keep the object's size and digests. */
  const store = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: LoggedRequest,
    reader: PostReader
  ): Promise<void> => {
    if (req.headers['content-length'] === undefined) {
      req.resume()
      sendS3Error(res, entry, {
        status: 411,
        code: 'MissingContentLength',
        message: 'You must provide the Content-Length HTTP header.'
      })
      return
    }
    if (!boundaryOf(req.headers['content-type'])) {
      req.resume()
      sendS3Error(res, entry, {
        status: 412,
        code: 'PreconditionFailed',
        message: 'Bucket POST must be of the enclosure-type multipart/form-data.'
      })
      return
    }

    let failure: S3Failure | undefined
    let fileFault: { status: number; body?: string } | undefined
    let key = ''
    reader.onFileStart = filename => {
      fileFault = faults.forFile('storage', [filename])
      if (fileFault) return
      const fields = { ...reader.fields }
      for (const name of Object.keys(fields)) {
        if (name.toLowerCase() !== 'key') continue
        key = fields[name].split('${filename}').join(filename)
        fields[name] = key
      }
      failure = checkPostFields(fields, bucket, options.credentials)
    }

    const complete = await readBody(req, chunk => reader.write(chunk))
    if (!complete) return
    reader.end()
    if (fileFault) {
      sendFault(
        res,
        entry,
        fileFault.status,
        fileFault.body,
        `Sandbox fault for ${reader.fileName}.`
      )
      return
    }
    if (reader.malformed) {
      failure = {
        status: 400,
        code: 'MalformedPOSTRequest',
        message: `The body of your POST request is not well-formed multipart/form-data: ${reader.malformed}.`
      }
    } else if (reader.partsAfterFile > 0) {
      // Checked first: a field after the file is the mistake to name, even when it was a
      // required field that the policy check then missed.
      failure = {
        status: 400,
        code: 'InvalidArgument',
        message: 'The file must be the last field in the form; fields after it are not allowed.'
      }
    } else if (reader.fileParts === 0) {
      failure = {
        status: 400,
        code: 'InvalidArgument',
        message: 'POST requires exactly one file upload per request.'
      }
    }
    if (!failure) {
      const range = contentLengthRange(reader.fields.policy ?? '') ?? [0, Infinity]
      if (reader.fileSize < range[0]) {
        failure = {
          status: 400,
          code: 'EntityTooSmall',
          message: `Your proposed upload (${reader.fileSize} bytes) is smaller than the minimum allowed size (${range[0]}).`
        }
      } else if (reader.fileSize > range[1]) {
        failure = {
          status: 400,
          code: 'EntityTooLarge',
          message: `Your proposed upload (${reader.fileSize} bytes) exceeds the maximum allowed size (${range[1]}).`
        }
      }
    }
    if (failure) {
      sendS3Error(res, entry, failure)
      return
    }

    const { sha256, md5 } = reader.digests()
    const etag = `"${md5}"`
    const sse = Object.entries(reader.fields).find(
      ([name]) => name.toLowerCase() === 'x-amz-server-side-encryption'
    )?.[1]
    objects.set(key, { key, size: reader.fileSize, sha256, etag, lastModified: new Date(), sse })
    const location = `${url}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
    const status = Number(reader.fields.success_action_status)
    const headers = { ...XML, ETag: etag, Location: location }
    if (status === 201) send(res, entry, 201, postResponseXml(location, bucket, key, etag), headers)
    else send(res, entry, status === 200 ? 200 : 204, '', headers)
  }

  /**
   * An S3 REST call: queued faults, then per-file faults (by the key's last segment), then
   * radosgw (proxy) or the builtin store.
   */
  const handleRest = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: LoggedRequest,
    request: S3Request
  ): Promise<void> => {
    const op = request.op as Exclude<S3Request['op'], 'storage'>
    let fault: Fault | undefined = faults.next(op)
    if (fault?.kind === 'delay') {
      await sleep(fault.ms)
      fault = undefined
    }
    if (fault?.kind === 'reset' || fault?.kind === 'stall') {
      await readBody(req, () => undefined, fault)
      return
    }
    const refusal =
      fault?.kind === 'status' ? fault : faults.forFile(op, [entry.fileName ?? undefined])
    if (refusal) {
      // The body is read first, as S3 does for an error it finds after the upload.
      if (!(await readBody(req, () => undefined))) return
      const extra = fault?.kind === 'status' ? fault : {}
      sendFault(res, entry, refusal.status, refusal.body, undefined, extra)
      return
    }
    const lost = fault?.kind === 'lost-answer' ? fault : undefined
    if (options.upstream) {
      await proxyRest(req, res, entry, options.upstream, lost)
      return
    }
    const answer = await builtin.handle(req, entry, request)
    if (!answer) return
    if (lost) loseAnswer(res, entry, answer.status, lost)
    else sendAnswer(res, entry, answer)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(error => {
      console.error('sandbox storage: unexpected error', error)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  const closeServer = trackSockets(server)
  url = await listen(server, options.host, options.port)
  return {
    url,
    get: key => {
      const found = objects.get(key)
      return found && { key: found.key, size: found.size, sha256: found.sha256 }
    },
    pendingUploads: () =>
      [...builtin.uploads.values()].map(upload => ({
        key: upload.key,
        uploadId: upload.uploadId,
        initiated: upload.initiated,
        parts: [...upload.parts.keys()].sort((a, b) => a - b)
      })),
    close: async () => {
      await closeServer()
      await rm(spoolDir, { recursive: true, force: true })
    }
  }
}

/** Writes a builtin S3 answer (a HEAD keeps its Content-Length: the object's size). */
function sendAnswer(res: ServerResponse, entry: LoggedRequest, answer: S3Answer): void {
  if (res.headersSent || res.destroyed) return
  entry.status = answer.status
  const body = answer.body ?? ''
  res.writeHead(answer.status, {
    'Content-Length': String(Buffer.byteLength(body)),
    ...answer.headers
  })
  res.end(body)
}

/** A `lost-answer` fault: the work is done; the client gets the fault's status, or a reset. */
function loseAnswer(
  res: ServerResponse,
  entry: LoggedRequest,
  realStatus: number,
  lost: Extract<Fault, { kind: 'lost-answer' }>
): void {
  entry.lostStatus = realStatus
  if (lost.reset) {
    res.socket?.destroy()
    return
  }
  const status = lost.status ?? 504
  sendFault(res, entry, status, lost.body, `Sandbox fault: the answer was lost (${status}).`)
}

const COUNTED_OPS = new Set(['s3:UploadPart', 's3:PutObject'])

/**
 * Proxy mode for an S3 REST call: forwarded with the same method, raw path and query, and
 * headers (Host included: radosgw checks the SigV4 signature against the Host the client
 * signed), the body streamed through with backpressure; the answer relayed as it comes.
 */
function proxyRest(
  req: IncomingMessage,
  res: ServerResponse,
  entry: LoggedRequest,
  upstream: string,
  lost: Extract<Fault, { kind: 'lost-answer' }> | undefined
): Promise<void> {
  const target = new URL(upstream)
  const capture = entry.route === 's3:CompleteMultipartUpload'
  const counted = COUNTED_OPS.has(entry.route)
  return new Promise(resolve => {
    const forward = http.request({
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: target.pathname.replace(/\/$/, '') + (req.url ?? '/'),
      headers: { ...req.headers }
    })
    const captured: Buffer[] = []
    let bytes = 0
    if (counted) entry.fileSize = 0
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (counted) entry.fileSize = bytes
      if (capture && bytes <= 1024 * 1024) captured.push(chunk)
    })
    req.on('close', () => {
      if (!req.complete) forward.destroy()
    })
    req.pipe(forward)

    forward.on('response', answer => {
      if (capture) {
        const text = Buffer.concat(captured).toString('utf8')
        entry.body = parseCompleteMultipartXml(text) ?? text.slice(0, 2000)
      }
      const decoded = req.headers['x-amz-decoded-content-length']
      if (counted && req.complete && typeof decoded === 'string') entry.fileSize = Number(decoded)
      const status = answer.statusCode ?? 502
      if (lost) {
        answer.resume()
        answer.on('end', () => {
          loseAnswer(res, entry, status, lost)
          resolve()
        })
        return
      }
      entry.status = status
      res.writeHead(status, answer.headers)
      answer.pipe(res)
      res.on('close', resolve)
    })
    forward.on('error', error => {
      req.unpipe(forward)
      req.resume()
      if (!res.headersSent) {
        sendFault(res, entry, 502, undefined, `Sandbox proxy: ${error.message}`)
      }
      resolve()
    })
  })
}

/**
 * Proxy mode: the request is forwarded as sent (same headers but Host, Content-Length or
 * chunked, same bytes) once the fields before the file part have been seen, so that a per-file
 * fault can still answer instead; the upstream answer is relayed as it comes.
 */
async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  entry: LoggedRequest,
  reader: PostReader,
  upstream: string,
  faults: FaultBook
): Promise<void> {
  const target = new URL(upstream)
  const held: Buffer[] = []
  let heldBytes = 0
  let decided = false
  let fileFault: { status: number; body?: string } | undefined
  let forward: http.ClientRequest | undefined
  let relayed = false
  const answered = new Promise<void>(resolve => {
    res.on('finish', resolve)
    res.on('close', resolve)
  })

  const open = (): void => {
    decided = true
    const headers = { ...req.headers, host: target.host }
    forward = http.request({
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: target.pathname.replace(/\/$/, '') + (req.url ?? '/'),
      headers
    })
    forward.on('response', answer => {
      relayed = true
      entry.status = answer.statusCode ?? 0
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', error => {
      req.resume()
      if (!relayed) sendFault(res, entry, 502, undefined, `Sandbox proxy: ${error.message}`)
    })
    forward.on('drain', () => req.resume())
    for (const chunk of held) forward.write(chunk)
    held.length = 0
  }
  const pass = (chunk: Buffer): void => {
    if (forward && !forward.write(chunk)) req.pause()
  }

  reader.onFileStart = filename => {
    fileFault = faults.forFile('storage', [filename])
    if (fileFault) decided = true
    else open()
  }
  if (!boundaryOf(req.headers['content-type'])) open()

  const complete = await readBody(req, chunk => {
    if (decided) {
      reader.write(chunk)
      pass(chunk)
      return
    }
    held.push(chunk)
    heldBytes += chunk.length
    reader.write(chunk) // may open the upstream request, which sends what is held
    if (!decided && heldBytes > 1024 * 1024) open()
  })
  if (!complete) {
    forward?.destroy()
    return
  }
  reader.end()
  if (fileFault) {
    sendFault(res, entry, fileFault.status, fileFault.body, `Sandbox fault for ${reader.fileName}.`)
    return
  }
  if (!decided) open()
  forward?.end()
  await answered
}
