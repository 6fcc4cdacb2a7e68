/** The HTTP plumbing the API client and the storage client share. */
import { HttpClient } from '@actions/http-client'
import type { IncomingMessage } from 'node:http'

const USER_AGENT = 'onecodex-upload-action'

/**
 * An http-client for our requests: keep-alive, no redirect followed (a consumed upload stream
 * cannot be replayed), and a request given up when no bytes move for `socketTimeoutMs` (default
 * 120 s). It retries nothing: retries belong to the RetryPolicy.
 */
export function createHttpClient(socketTimeoutMs = 120_000): HttpClient {
  return new HttpClient(USER_AGENT, [], {
    keepAlive: true,
    allowRedirects: false,
    socketTimeout: socketTimeoutMs
  })
}

/**
 * Reads a response body as text, keeping at most `limit` bytes (the rest is drained, so a
 * keep-alive socket can be reused). Unlike HttpClientResponse.readBody it rejects when the
 * connection breaks mid-response instead of waiting forever.
 */
export function readBodyText(message: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let kept = 0
    let done = false
    const finish = (error?: Error): void => {
      if (done) return
      done = true
      if (error) reject(error)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    message.on('data', (chunk: Buffer) => {
      if (kept >= limit) return
      const part = chunk.subarray(0, limit - kept)
      chunks.push(part)
      kept += part.length
    })
    message.on('end', () => finish())
    message.on('error', error => finish(error))
    message.on('close', () => {
      if (!message.complete) {
        const error = new Error('the connection closed before the response was complete')
        ;(error as NodeJS.ErrnoException).code = 'ECONNRESET'
        finish(error)
      } else finish()
    })
  })
}
