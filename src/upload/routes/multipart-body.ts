import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ReadPace, Source } from '../../shared/types.js'
import { pipeRange } from '../../net/source-reader.js'

export { READ_CHUNK_BYTES } from '../../net/source-reader.js'
/** Buffers cycling between the file and the socket: the body's whole memory footprint. */
export const BUFFERS_IN_FLIGHT = 4

/** The source to send: `filename` is what the file part carries, `segments` its bytes in order. */
export type MultipartFile = Pick<Source, 'filename' | 'size' | 'segments'>

/** Quotes a name for Content-Disposition as browsers do (WHATWG: `"` → %22, CR/LF escaped). */
function quoted(value: string): string {
  return `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`
}

/**
 * A multipart/form-data body for an S3-style POST upload (every field, then the file last) that
 * streams the file from disk into the request through a few reused buffers, letting the scan that
 * hashes and checks the file (`pace`) read each chunk right after it. Nothing is copied or allocated per chunk, so memory stays flat whatever the
 * file size and the garbage collector has nothing to do.
 *
 * It must be piped (`body.pipe(request)`, as HttpClient.request does): the pipe reuses a
 * buffer only after the request's write callback said the socket has taken its bytes. The pipe
 * ends the destination itself, then emits 'close'. On failure (the file shrank, a read failed,
 * the request closed early) the body is destroyed with the error.
 */
export class MultipartFileBody extends Readable {
  readonly boundary = `--------------------------${randomBytes(12).toString('hex')}`
  /** Exact byte length of the whole body: the request's Content-Length. */
  readonly length: number
  /** Bytes of the file read and handed to the request so far. */
  sent = 0
  /**
   * Set when sending failed because of the source itself (a file missing, unreadable or shorter
   * than planned), not because of the request: no other attempt can fix that.
   */
  sourceError?: Error
  private readonly head: Buffer
  private readonly tail: Buffer
  private started = false
  private stop?: (error: Error) => void

  constructor(
    fields: Readonly<Record<string, string>>,
    private readonly file: MultipartFile,
    private readonly onProgress?: (sentBytes: number) => void,
    /** The scan that follows the body's reads (it hashes the file off the main thread). */
    private readonly pace?: Pick<ReadPace, 'allow'>
  ) {
    super()
    let head = ''
    for (const [name, value] of Object.entries(fields)) {
      head += `--${this.boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${value}\r\n`
    }
    head +=
      `--${this.boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoted(file.filename)}\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'
    this.head = Buffer.from(head, 'utf8')
    this.tail = Buffer.from(`\r\n--${this.boundary}--\r\n`, 'utf8')
    this.length = this.head.length + file.size + this.tail.length
  }

  /** Content-Type and Content-Length of this body. */
  getHeaders(): Record<string, string> {
    return {
      'content-type': `multipart/form-data; boundary=${this.boundary}`,
      'content-length': String(this.length)
    }
  }

  override _read(): void {
    // Data flows only through pipe(), which knows when the socket is done with each buffer.
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop?.(error ?? new Error('the upload body was destroyed before it was sent'))
    callback(error)
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T): T {
    if (this.started) throw new Error('a MultipartFileBody can be piped only once')
    this.started = true
    this.send(destination, error => {
      if (error) {
        this.destroy(error)
        ;(destination as unknown as { destroy?: (e: Error) => void }).destroy?.(error)
      } else {
        this.destroy()
      }
    })
    return destination
  }

  /** Head, source, tail into `destination`; at most one read and BUFFERS_IN_FLIGHT writes at once. */
  private send(destination: NodeJS.WritableStream, done: (error?: Error) => void): void {
    this.stop = pipeRange(
      destination,
      {
        source: this.file,
        start: 0,
        end: this.file.size,
        buffers: BUFFERS_IN_FLIGHT,
        head: this.head,
        tail: this.tail,
        what: 'the body',
        onChunk: chunk => {
          this.sent += chunk.length
          this.pace?.allow(this.sent)
          this.onProgress?.(this.sent)
        },
        onSourceError: error => {
          this.sourceError = error
        }
      },
      error => {
        this.stop = undefined
        done(error)
      }
    )
  }
}
