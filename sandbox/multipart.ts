/**
 * A streaming multipart/form-data parser for the sandbox's storage endpoint.
 * Field values are collected as strings; file bytes are handed out chunk by chunk and never
 * buffered, so a 20 GB upload costs a few kilobytes of memory.
 */

export interface PartHeaders {
  /** The form field name (`name="..."` of Content-Disposition). */
  name: string
  /** The `filename="..."` of Content-Disposition, when the part carries one. */
  filename?: string
  /** Lower-cased header names. */
  headers: Record<string, string>
}

export interface MultipartHandlers {
  /** A whole non-file field arrived. */
  field(name: string, value: string, part: PartHeaders): void
  /** A file part (one with a filename) starts; its bytes follow through `fileData`. */
  fileStart(part: PartHeaders): void
  fileData(chunk: Buffer): void
  fileEnd(): void
}

/** Why a body is not well-formed multipart/form-data. */
export class MultipartError extends Error {}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')
const MAX_HEADER_BYTES = 16 * 1024
const MAX_FIELD_BYTES = 64 * 1024

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done'

/** The boundary of a `multipart/form-data; boundary=...` Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined
  const [type, ...params] = contentType.split(';')
  if (type.trim().toLowerCase() !== 'multipart/form-data') return undefined
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq < 0) continue
    if (param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue
    let value = param.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    return value.length > 0 && value.length <= 70 ? value : undefined
  }
  return undefined
}

function parseDisposition(headers: Record<string, string>): PartHeaders {
  const disposition = headers['content-disposition']
  if (!disposition || !/^\s*form-data\s*(;|$)/i.test(disposition)) {
    throw new MultipartError('a part has no "Content-Disposition: form-data" header')
  }
  const param = (key: string): string | undefined => {
    const match = new RegExp(`;\\s*${key}="([^"]*)"`, 'i').exec(disposition)
    if (match) return match[1]
    const bare = new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition)
    return bare ? bare[1] : undefined
  }
  const name = param('name')
  if (name === undefined) throw new MultipartError('a part has no field name')
  return { name, filename: param('filename'), headers }
}

/**
 * Feed it the body with `write(chunk)` and finish with `end()`; it throws MultipartError on a
 * malformed body (from `write` or `end`).
 */
export class MultipartParser {
  private state: State = 'preamble'
  private pending: Buffer = Buffer.alloc(0)
  private readonly firstDelimiter: Buffer
  private readonly delimiter: Buffer
  private part?: PartHeaders
  private fieldChunks: Buffer[] = []
  private fieldBytes = 0

  constructor(
    boundary: string,
    private readonly handlers: MultipartHandlers
  ) {
    this.firstDelimiter = Buffer.from(`--${boundary}`)
    this.delimiter = Buffer.from(`\r\n--${boundary}`)
  }

  get finished(): boolean {
    return this.state === 'done'
  }

  write(chunk: Buffer): void {
    if (this.state === 'done') return // epilogue: ignored, as RFC 2046 says
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    let progressed = true
    while (progressed) progressed = this.step()
  }

  end(): void {
    if (this.state !== 'done') {
      throw new MultipartError('the body ended before the closing boundary')
    }
  }

  /** Consumes what it can of `pending`; returns false when it needs more bytes. */
  private step(): boolean {
    switch (this.state) {
      case 'preamble': {
        const at = this.pending.indexOf(this.firstDelimiter)
        if (at < 0) {
          if (this.pending.length > MAX_HEADER_BYTES) {
            throw new MultipartError('no boundary found at the start of the body')
          }
          return false
        }
        this.pending = this.pending.subarray(at + this.firstDelimiter.length)
        this.state = 'afterDelimiter'
        return true
      }
      case 'afterDelimiter': {
        if (this.pending.length < 2) return false
        if (this.pending[0] === 0x2d && this.pending[1] === 0x2d) {
          this.state = 'done'
          this.pending = Buffer.alloc(0)
          return false
        }
        const eol = this.pending.indexOf(CRLF)
        if (eol < 0) return false
        // Transport padding (spaces/tabs) may follow a delimiter.
        if (!/^[ \t]*$/.test(this.pending.subarray(0, eol).toString('latin1'))) {
          throw new MultipartError('garbage after a boundary')
        }
        this.pending = this.pending.subarray(eol + 2)
        this.state = 'headers'
        return true
      }
      case 'headers': {
        const at = this.pending.indexOf(HEADER_END)
        // A part without headers starts with CRLF directly.
        if (this.pending.length >= 2 && this.pending[0] === 0x0d && this.pending[1] === 0x0a) {
          throw new MultipartError('a part has no headers')
        }
        if (at < 0) {
          if (this.pending.length > MAX_HEADER_BYTES) {
            throw new MultipartError('part headers are too long')
          }
          return false
        }
        const headers: Record<string, string> = {}
        for (const line of this.pending.subarray(0, at).toString('utf8').split('\r\n')) {
          const colon = line.indexOf(':')
          if (colon <= 0) throw new MultipartError(`malformed part header "${line}"`)
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        this.pending = this.pending.subarray(at + HEADER_END.length)
        this.part = parseDisposition(headers)
        this.fieldChunks = []
        this.fieldBytes = 0
        if (this.part.filename !== undefined) this.handlers.fileStart(this.part)
        this.state = 'body'
        return true
      }
      case 'body': {
        const at = this.pending.indexOf(this.delimiter)
        if (at >= 0) {
          this.emit(this.pending.subarray(0, at))
          this.pending = this.pending.subarray(at + this.delimiter.length)
          this.finishPart()
          this.state = 'afterDelimiter'
          return true
        }
        // Keep a tail that could be the start of a delimiter split across chunks.
        const keep = Math.min(this.pending.length, this.delimiter.length - 1)
        const safe = this.pending.length - keep
        if (safe > 0) {
          this.emit(this.pending.subarray(0, safe))
          this.pending = Buffer.from(this.pending.subarray(safe))
        }
        return false
      }
      default:
        return false
    }
  }

  private emit(bytes: Buffer): void {
    if (bytes.length === 0 || !this.part) return
    if (this.part.filename !== undefined) {
      this.handlers.fileData(bytes)
      return
    }
    this.fieldBytes += bytes.length
    if (this.fieldBytes > MAX_FIELD_BYTES) {
      throw new MultipartError(`field ${this.part.name} is longer than ${MAX_FIELD_BYTES} bytes`)
    }
    this.fieldChunks.push(Buffer.from(bytes))
  }

  private finishPart(): void {
    const part = this.part
    if (!part) return
    if (part.filename !== undefined) this.handlers.fileEnd()
    else this.handlers.field(part.name, Buffer.concat(this.fieldChunks).toString('utf8'), part)
    this.part = undefined
  }
}
