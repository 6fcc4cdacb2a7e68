import { Readable } from 'node:stream'
import { pipeRange, type SegmentedSource } from '../net/source-reader.js'

/**
 * Buffers one part cycles between the file and the socket: one being read while the socket
 * takes the other. With 8 parts in flight that is 16 MiB per file, whatever the part size.
 */
export const PART_BUFFERS = 2

/**
 * The body of one UploadPart request: bytes [start, end) of a source, read straight from its
 * segment files (a part may span two lanes) through a couple of reused buffers. No part is ever
 * held in memory, and a retry simply makes a new body that reads the range again.
 *
 * It must be piped (the SDK's node handler does `body.pipe(request)`): a buffer is reused only
 * after the request's write callback said the socket took its bytes. On failure (the file
 * shrank, a read failed) the request is destroyed with the error, which the SDK rejects with.
 */
export class PartBody extends Readable {
  /** Bytes of the range handed to the request so far. */
  sent = 0
  readonly length: number
  private started = false
  private stop?: (error: Error) => void

  constructor(
    private readonly source: SegmentedSource,
    private readonly start: number,
    private readonly end: number,
    /** Receives the bytes of each chunk as it is handed to the request. */
    private readonly onBytes?: (bytes: number) => void,
    /**
     * Called once when the whole range is handed to the socket (the request ended): from then on
     * the part only waits for its answer, and the next part may start sending.
     */
    private readonly onSent?: () => void
  ) {
    super()
    this.length = end - start
  }

  override _read(): void {
    // Data flows only through pipe(), which knows when the socket is done with each buffer.
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop?.(error ?? new Error('the part body was destroyed before it was sent'))
    callback(error)
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T): T {
    if (this.started) throw new Error('a PartBody can be piped only once')
    this.started = true
    this.send(destination, error => {
      // The request carries the error to the SDK; the body itself has no 'error' listener.
      if (error) (destination as unknown as { destroy?: (e: Error) => void }).destroy?.(error)
      else this.onSent?.()
      this.destroy()
    })
    return destination
  }

  private send(destination: NodeJS.WritableStream, done: (error?: Error) => void): void {
    this.stop = pipeRange(
      destination,
      {
        source: this.source,
        start: this.start,
        end: this.end,
        buffers: PART_BUFFERS,
        what: 'the part',
        onChunk: chunk => {
          this.sent += chunk.length
          this.onBytes?.(chunk.length)
        }
      },
      error => {
        this.stop = undefined
        done(error)
      }
    )
  }
}
