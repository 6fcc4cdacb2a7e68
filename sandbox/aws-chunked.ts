/**
 * A streaming decoder for S3's `aws-chunked` content encoding, which the AWS SDKs use to send a
 * body of known length in chunks, optionally signed per chunk (`STREAMING-AWS4-HMAC-SHA256-
 * PAYLOAD`) or followed by trailing checksums (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...]\r\n
 *
 * Chunk signatures are not checked (the builtin storage checks no signature at all).
 */

export class AwsChunkedError extends Error {}

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done'

const MAX_LINE = 4096

export class AwsChunkedDecoder {
  /** Trailing headers (lower-cased names), once the body is done. */
  readonly trailers: Record<string, string> = {}
  private state: State = 'size'
  private line = ''
  private left = 0
  private crlf = 0

  constructor(private readonly onData: (chunk: Buffer) => void) {}

  get done(): boolean {
    return this.state === 'done'
  }

  write(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      switch (this.state) {
        case 'size':
        case 'trailers': {
          const byte = chunk[at++]
          if (byte !== 0x0a) {
            this.line += String.fromCharCode(byte)
            if (this.line.length > MAX_LINE) throw new AwsChunkedError('aws-chunked line too long')
            break
          }
          const line = this.line.replace(/\r$/, '')
          this.line = ''
          if (this.state === 'size') this.sizeLine(line)
          else this.trailerLine(line)
          break
        }
        case 'data': {
          const take = Math.min(this.left, chunk.length - at)
          this.onData(chunk.subarray(at, at + take))
          at += take
          this.left -= take
          if (this.left === 0) {
            this.state = 'data-end'
            this.crlf = 0
          }
          break
        }
        case 'data-end': {
          const expected = this.crlf === 0 ? 0x0d : 0x0a
          if (chunk[at++] !== expected) {
            throw new AwsChunkedError('aws-chunked data not followed by CRLF')
          }
          this.crlf += 1
          if (this.crlf === 2) this.state = 'size'
          break
        }
        case 'done':
          throw new AwsChunkedError('bytes after the end of an aws-chunked body')
      }
    }
  }

  /** Throws when the body ended before its last chunk and trailers. */
  end(): void {
    if (this.state !== 'done') throw new AwsChunkedError('the aws-chunked body is incomplete')
  }

  private sizeLine(line: string): void {
    const size = /^([0-9a-fA-F]+)(;.*)?$/.exec(line)
    if (!size) throw new AwsChunkedError(`bad aws-chunked size line "${line.slice(0, 80)}"`)
    this.left = parseInt(size[1], 16)
    this.state = this.left === 0 ? 'trailers' : 'data'
  }

  private trailerLine(line: string): void {
    if (line === '') {
      this.state = 'done'
      return
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw new AwsChunkedError(`bad aws-chunked trailer "${line.slice(0, 80)}"`)
    this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
}

/** Whether a request body is aws-chunked (by its headers). */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase()
  const sha = String(headers['x-amz-content-sha256'] ?? '')
  return encoding.split(',').some(e => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-')
}
