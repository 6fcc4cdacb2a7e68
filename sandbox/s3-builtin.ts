/**
 * The builtin storage's S3 REST side (path-style), enough for the official client's multipart
 * upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload,
 * ListMultipartUploads, ListParts, PutObject, HeadObject, DeleteObject; answers as S3 does
 * (XML bodies, ETags, S3 error codes).
 *
 * Authentication: a request must name the expected access key id (SigV4 `Credential=`, SigV2
 * `AWS key:`, or a presigned URL's query); **signatures are not verified** — that is radosgw's
 * job in the tests that run against it. Payload integrity is checked: Content-MD5,
 * x-amz-content-sha256 (when a digest), and x-amz-checksum-crc32/-sha1/-sha256 headers or
 * aws-chunked trailers (CRC32C and CRC64NVME are accepted unchecked).
 *
 * Parts are streamed to files in a temporary directory (never held in memory); completing an
 * upload hashes them in order, keeps the object's size and digests, and deletes them. Object
 * bytes are not kept, so GetObject answers 501.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import zlib from 'node:zlib'
import { AwsChunkedDecoder, AwsChunkedError, isAwsChunked } from './aws-chunked.js'
import { readBody, type LoggedRequest } from './http-util.js'
import type { S3Failure } from './policy.js'
import { accessKeyOf, type S3Request } from './s3-ops.js'
import {
  completeMultipartXml,
  initiateMultipartXml,
  listMultipartUploadsXml,
  listPartsXml,
  parseCompleteMultipartXml,
  s3ErrorXml
} from './s3-xml.js'

/** What a builtin S3 handler answers; undefined when the client went away mid-body. */
export interface S3Answer {
  status: number
  body?: string
  headers?: Record<string, string>
}

/** An object the builtin storage holds: its size and digests, not its bytes. */
export interface ObjectRecord {
  key: string
  size: number
  sha256: string
  etag: string
  lastModified: Date
  sse?: string
}

interface PartRecord {
  partNumber: number
  size: number
  etag: string
  md5: Buffer
  file: string
  lastModified: Date
}

export interface UploadRecord {
  uploadId: string
  key: string
  initiated: Date
  sse?: string
  parts: Map<number, PartRecord>
}

/** S3's limits for multipart uploads. */
export const MIN_PART_BYTES = 5 * 1024 * 1024
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024
export const MAX_PARTS = 10_000

const XML = { 'Content-Type': 'application/xml' }
const SSE_VALUES = ['AES256', 'aws:kms', 'aws:kms:dsse']
const MAX_XML_BYTES = 1024 * 1024

const fail = (failure: S3Failure, extra?: Record<string, string>): S3Answer => ({
  status: failure.status,
  body: s3ErrorXml(failure.code, failure.message, extra),
  headers: XML
})
const noSuchUpload = (uploadId: string): S3Answer =>
  fail(
    {
      status: 404,
      code: 'NoSuchUpload',
      message:
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'
    },
    { UploadId: uploadId }
  )
const quoted = (etag: string): string => `"${etag.replace(/^"|"$/g, '')}"`
const sseHeaders = (sse: string | undefined): Record<string, string> =>
  sse ? { 'x-amz-server-side-encryption': sse } : {}

type Digest = 'md5' | 'sha1' | 'sha256'

/** Hashes a payload as it streams, for the checks and for what is kept. */
class Digests {
  size = 0
  private readonly hashes: Record<Digest, Hash> = {
    md5: createHash('md5'),
    sha1: createHash('sha1'),
    sha256: createHash('sha256')
  }
  private crc = 0
  private readonly crc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32

  update(chunk: Buffer): void {
    this.size += chunk.length
    for (const hash of Object.values(this.hashes)) hash.update(chunk)
    if (this.crc32) this.crc = this.crc32(chunk, this.crc)
  }

  finish(): { md5: Buffer; sha1: Buffer; sha256: Buffer; crc32?: Buffer } {
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(this.crc >>> 0)
    return {
      md5: this.hashes.md5.digest(),
      sha1: this.hashes.sha1.digest(),
      sha256: this.hashes.sha256.digest(),
      ...(this.crc32 ? { crc32: crc } : {})
    }
  }
}

type Received =
  | { kind: 'gone' }
  | { kind: 'failed'; answer: S3Answer }
  | { kind: 'ok'; size: number; md5: Buffer; sha256: string; checksums: Record<string, string> }

/**
 * Reads an object or part payload (plain or aws-chunked), handing the decoded bytes to `sink`,
 * and checks its length and every digest the request carries.
 */
async function receive(
  req: IncomingMessage,
  sink: (chunk: Buffer) => void,
  onPause: (resume: () => void) => void
): Promise<Received> {
  const headers = req.headers
  const chunked = isAwsChunked(headers)
  const declared = chunked ? headers['x-amz-decoded-content-length'] : headers['content-length']
  if (declared === undefined && !chunked) {
    req.resume()
    return {
      kind: 'failed',
      answer: fail({
        status: 411,
        code: 'MissingContentLength',
        message: 'You must provide the Content-Length HTTP header.'
      })
    }
  }
  const expected = declared === undefined ? undefined : Number(declared)
  if (expected !== undefined && expected > MAX_PART_BYTES) {
    req.resume()
    return {
      kind: 'failed',
      answer: fail({
        status: 400,
        code: 'EntityTooLarge',
        message: `Your proposed upload exceeds the maximum allowed size (${MAX_PART_BYTES} bytes).`
      })
    }
  }

  const digests = new Digests()
  const accept = (chunk: Buffer): void => {
    digests.update(chunk)
    sink(chunk)
  }
  const decoder = chunked ? new AwsChunkedDecoder(accept) : undefined
  let malformed: string | undefined
  const complete = await readBody(req, chunk => {
    if (malformed) return
    try {
      if (decoder) decoder.write(chunk)
      else accept(chunk)
    } catch (error) {
      if (!(error instanceof AwsChunkedError)) throw error
      malformed = error.message
    }
    onPause(() => req.resume())
  })
  if (!complete) return { kind: 'gone' }
  if (!malformed && decoder && !decoder.done) malformed = 'the aws-chunked body is incomplete'
  if (malformed) {
    return {
      kind: 'failed',
      answer: fail({ status: 400, code: 'IncompleteBody', message: `${malformed}.` })
    }
  }
  if (expected !== undefined && digests.size !== expected) {
    return {
      kind: 'failed',
      answer: fail({
        status: 400,
        code: 'IncompleteBody',
        message: `You did not provide the number of bytes specified (${expected}); got ${digests.size}.`
      })
    }
  }

  const sums = digests.finish()
  const given: Record<string, string> = {}
  for (const source of [headers, decoder?.trailers ?? {}]) {
    for (const [name, value] of Object.entries(source)) {
      if (name.startsWith('x-amz-checksum-') && typeof value === 'string') given[name] = value
    }
  }
  const badDigest = (what: string): Received => ({
    kind: 'failed',
    answer: fail({
      status: 400,
      code: 'BadDigest',
      message: `The ${what} you specified did not match the calculated checksum.`
    })
  })
  const md5Header = headers['content-md5']
  if (typeof md5Header === 'string' && md5Header !== sums.md5.toString('base64')) {
    return badDigest('Content-MD5')
  }
  const contentSha = headers['x-amz-content-sha256']
  if (typeof contentSha === 'string' && /^[0-9a-f]{64}$/i.test(contentSha)) {
    if (contentSha.toLowerCase() !== sums.sha256.toString('hex')) {
      return {
        kind: 'failed',
        answer: fail({
          status: 400,
          code: 'XAmzContentSHA256Mismatch',
          message: "The provided 'x-amz-content-sha256' header does not match what was computed."
        })
      }
    }
  }
  const computed: Record<string, Buffer | undefined> = {
    'x-amz-checksum-crc32': sums.crc32,
    'x-amz-checksum-sha1': sums.sha1,
    'x-amz-checksum-sha256': sums.sha256
  }
  for (const [name, value] of Object.entries(given)) {
    const mine = computed[name]
    if (mine && value !== mine.toString('base64')) {
      return badDigest(name.slice('x-amz-checksum-'.length).toUpperCase())
    }
  }
  return {
    kind: 'ok',
    size: digests.size,
    md5: sums.md5,
    sha256: sums.sha256.toString('hex'),
    checksums: given
  }
}

/** Reads a small XML body (CompleteMultipartUpload). */
async function readXml(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let bytes = 0
  const complete = await readBody(req, chunk => {
    bytes += chunk.length
    if (bytes <= MAX_XML_BYTES) chunks.push(chunk)
  })
  if (!complete) return undefined
  if (bytes > MAX_XML_BYTES) return ''
  let text = Buffer.concat(chunks).toString('utf8')
  if (isAwsChunked(req.headers)) {
    const plain: Buffer[] = []
    const decoder = new AwsChunkedDecoder(chunk => plain.push(Buffer.from(chunk)))
    try {
      decoder.write(Buffer.concat(chunks))
      text = Buffer.concat(plain).toString('utf8')
    } catch {
      return ''
    }
  }
  return text
}

export interface BuiltinS3Options {
  bucket: string
  accessKey: string
  /** Shared with the browser-POST store: every object the storage holds, by key. */
  objects: Map<string, ObjectRecord>
  /** Where parts are spooled. */
  dir: string
  /** The storage endpoint's base URL (for Location). */
  url: () => string
}

export class BuiltinS3 {
  readonly uploads = new Map<string, UploadRecord>()

  constructor(private readonly options: BuiltinS3Options) {}

  /** Handles one S3 REST request whose body has not been read yet. */
  async handle(
    req: IncomingMessage,
    entry: LoggedRequest,
    request: S3Request
  ): Promise<S3Answer | undefined> {
    const { bucket, objects } = this.options
    const early = (answer: S3Answer): S3Answer => {
      req.resume()
      return answer
    }
    if (request.bucket !== bucket) {
      return early(
        fail({
          status: 404,
          code: 'NoSuchBucket',
          message: `The specified bucket does not exist (the sandbox has ${bucket}).`
        })
      )
    }
    const accessKey = accessKeyOf(req, request.query)
    if (accessKey === undefined) {
      return early(
        fail({ status: 403, code: 'AccessDenied', message: 'Anonymous access is forbidden.' })
      )
    }
    if (accessKey !== this.options.accessKey) {
      return early(
        fail({
          status: 403,
          code: 'InvalidAccessKeyId',
          message: 'The AWS Access Key Id you provided does not exist in our records.'
        })
      )
    }

    const { key, query } = request
    const uploadId = query.get('uploadId') ?? ''
    const upload = this.uploads.get(uploadId)
    const ownUpload = upload && upload.key === key ? upload : undefined

    switch (request.op) {
      case 's3:CreateMultipartUpload': {
        req.resume()
        const sse = this.sse(req)
        if (typeof sse !== 'string' && sse !== undefined) return sse
        const id = randomBytes(24).toString('base64url')
        this.uploads.set(id, { uploadId: id, key, initiated: new Date(), sse, parts: new Map() })
        return {
          status: 200,
          body: initiateMultipartXml(bucket, key, id),
          headers: { ...XML, ...sseHeaders(sse) }
        }
      }
      case 's3:UploadPart':
        if (!ownUpload) return early(noSuchUpload(uploadId))
        return this.uploadPart(req, entry, ownUpload, query.get('partNumber') ?? '')
      case 's3:CompleteMultipartUpload':
        if (!ownUpload) return early(noSuchUpload(uploadId))
        return this.complete(req, entry, ownUpload)
      case 's3:AbortMultipartUpload':
        req.resume()
        if (!ownUpload) return noSuchUpload(uploadId)
        await this.discard(ownUpload)
        return { status: 204 }
      case 's3:ListParts': {
        req.resume()
        if (!ownUpload) return noSuchUpload(uploadId)
        const parts = [...ownUpload.parts.values()].sort((a, b) => a.partNumber - b.partNumber)
        return { status: 200, body: listPartsXml(bucket, key, uploadId, parts), headers: XML }
      }
      case 's3:ListMultipartUploads': {
        req.resume()
        const prefix = query.get('prefix') ?? ''
        const urlEncoded = query.get('encoding-type') === 'url'
        const uploads = [...this.uploads.values()]
          .filter(u => u.key.startsWith(prefix))
          .sort((a, b) =>
            a.key === b.key ? a.initiated.getTime() - b.initiated.getTime() : a.key < b.key ? -1 : 1
          )
          .map(u => ({ ...u, key: urlEncoded ? encodeURIComponent(u.key) : u.key }))
        return {
          status: 200,
          body: listMultipartUploadsXml(
            bucket,
            urlEncoded ? encodeURIComponent(prefix) : prefix,
            uploads
          ),
          headers: XML
        }
      }
      case 's3:PutObject':
        if (req.headers['x-amz-copy-source'] !== undefined) {
          return early(
            fail({
              status: 501,
              code: 'NotImplemented',
              message: 'The sandbox storage does not copy objects.'
            })
          )
        }
        return this.putObject(req, entry, key)
      case 's3:HeadObject': {
        req.resume()
        const found = objects.get(key)
        if (!found) return { status: 404, headers: XML }
        return {
          status: 200,
          headers: {
            'Content-Type': 'binary/octet-stream',
            'Content-Length': String(found.size),
            ETag: found.etag,
            'Last-Modified': found.lastModified.toUTCString(),
            ...sseHeaders(found.sse)
          }
        }
      }
      case 's3:GetObject':
        req.resume()
        if (!objects.has(key)) {
          return fail(
            { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' },
            { Key: key }
          )
        }
        return fail({
          status: 501,
          code: 'NotImplemented',
          message:
            'The builtin sandbox storage keeps sizes and digests, not bytes (Sandbox.object(key) gives them).'
        })
      case 's3:DeleteObject':
        req.resume()
        objects.delete(key)
        return { status: 204 }
      default:
        return early(
          fail({
            status: 501,
            code: 'NotImplemented',
            message: `The sandbox storage does not implement ${entry.method} ${entry.url.split('?')[0]} with this query.`
          })
        )
    }
  }

  /** Deletes every part file and forgets the upload. */
  async discard(upload: UploadRecord): Promise<void> {
    this.uploads.delete(upload.uploadId)
    await Promise.all([...upload.parts.values()].map(part => rm(part.file, { force: true })))
  }

  /** The request's server-side encryption header: its value, none, or S3's refusal. */
  private sse(req: IncomingMessage): string | S3Answer | undefined {
    const value = req.headers['x-amz-server-side-encryption']
    if (value === undefined) return undefined
    if (typeof value === 'string' && SSE_VALUES.includes(value)) return value
    return fail({
      status: 400,
      code: 'InvalidArgument',
      message: `Server Side Encryption with ${String(value)} is not supported.`
    })
  }

  private async uploadPart(
    req: IncomingMessage,
    entry: LoggedRequest,
    upload: UploadRecord,
    rawNumber: string
  ): Promise<S3Answer | undefined> {
    const partNumber = Number(rawNumber)
    if (!/^\d+$/.test(rawNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      req.resume()
      return fail({
        status: 400,
        code: 'InvalidArgument',
        message: `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive.`
      })
    }
    const file = join(this.options.dir, `${upload.uploadId}.${partNumber}`)
    const spool = `${file}.${randomBytes(4).toString('hex')}.tmp`
    const out = createWriteStream(spool)
    const written = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve)
      out.on('error', reject)
    })
    let waiting = false
    entry.fileSize = 0
    const received = await receive(
      req,
      chunk => {
        entry.fileSize = (entry.fileSize ?? 0) + chunk.length
        if (!out.write(chunk)) waiting = true
      },
      resume => {
        if (!waiting) return
        req.pause()
        out.once('drain', () => {
          waiting = false
          resume()
        })
      }
    )
    out.end()
    await written
    if (received.kind !== 'ok' || this.uploads.get(upload.uploadId) !== upload) {
      await rm(spool, { force: true })
      if (received.kind === 'gone') return undefined
      if (received.kind === 'failed') return received.answer
      return noSuchUpload(upload.uploadId) // aborted or completed while this part was sent
    }
    await rename(spool, file)
    const etag = `"${received.md5.toString('hex')}"`
    upload.parts.set(partNumber, {
      partNumber,
      size: received.size,
      etag,
      md5: received.md5,
      file,
      lastModified: new Date()
    })
    return {
      status: 200,
      headers: { ETag: etag, ...sseHeaders(upload.sse), ...received.checksums }
    }
  }

  private async complete(
    req: IncomingMessage,
    entry: LoggedRequest,
    upload: UploadRecord
  ): Promise<S3Answer | undefined> {
    const xml = await readXml(req)
    if (xml === undefined) return undefined
    const listed = parseCompleteMultipartXml(xml)
    entry.body = listed ?? xml.slice(0, 2000)
    if (!listed || listed.length === 0) {
      return fail({
        status: 400,
        code: 'MalformedXML',
        message:
          'The XML you provided was not well-formed or did not validate against our published schema.'
      })
    }
    if (this.uploads.get(upload.uploadId) !== upload) return noSuchUpload(upload.uploadId)
    if (
      listed.some((item, index) => index > 0 && item.partNumber <= listed[index - 1].partNumber)
    ) {
      return fail({
        status: 400,
        code: 'InvalidPartOrder',
        message:
          'The list of parts was not in ascending order. The parts list must be specified in order by part number.'
      })
    }
    const parts: PartRecord[] = []
    for (const [index, item] of listed.entries()) {
      const part = upload.parts.get(item.partNumber)
      if (!part || quoted(item.etag) !== part.etag) {
        return fail(
          {
            status: 400,
            code: 'InvalidPart',
            message: `One or more of the specified parts could not be found, or its ETag did not match (part ${item.partNumber}).`
          },
          { PartNumber: String(item.partNumber), ETag: item.etag }
        )
      }
      if (index < listed.length - 1 && part.size < MIN_PART_BYTES) {
        return fail(
          {
            status: 400,
            code: 'EntityTooSmall',
            message: `Your proposed upload is smaller than the minimum allowed object size: part ${part.partNumber} has ${part.size} bytes, every part but the last needs ${MIN_PART_BYTES}.`
          },
          { PartNumber: String(part.partNumber), ProposedSize: String(part.size) }
        )
      }
      parts.push(part)
    }

    // Claimed before hashing, so that a concurrent Complete or Abort finds no upload.
    this.uploads.delete(upload.uploadId)
    const hash = createHash('sha256')
    let size = 0
    for (const part of parts) {
      for await (const chunk of createReadStream(part.file) as AsyncIterable<Buffer>) {
        hash.update(chunk)
        size += chunk.length
      }
    }
    const md5s = Buffer.concat(parts.map(part => part.md5))
    const etag = `"${createHash('md5').update(md5s).digest('hex')}-${parts.length}"`
    this.options.objects.set(upload.key, {
      key: upload.key,
      size,
      sha256: hash.digest('hex'),
      etag,
      lastModified: new Date(),
      sse: upload.sse
    })
    await this.discard(upload)
    const { bucket } = this.options
    const location = `${this.options.url()}/${bucket}/${upload.key.split('/').map(encodeURIComponent).join('/')}`
    return {
      status: 200,
      body: completeMultipartXml(location, bucket, upload.key, etag),
      headers: { ...XML, ...sseHeaders(upload.sse) }
    }
  }

  private async putObject(
    req: IncomingMessage,
    entry: LoggedRequest,
    key: string
  ): Promise<S3Answer | undefined> {
    const sse = this.sse(req)
    if (typeof sse !== 'string' && sse !== undefined) {
      req.resume()
      return sse
    }
    entry.fileSize = 0
    const received = await receive(
      req,
      chunk => {
        entry.fileSize = (entry.fileSize ?? 0) + chunk.length
      },
      () => undefined
    )
    if (received.kind === 'gone') return undefined
    if (received.kind === 'failed') return received.answer
    const etag = `"${received.md5.toString('hex')}"`
    this.options.objects.set(key, {
      key,
      size: received.size,
      sha256: received.sha256,
      etag,
      lastModified: new Date(),
      sse
    })
    return { status: 200, headers: { ETag: etag, ...sseHeaders(sse), ...received.checksums } }
  }
}
