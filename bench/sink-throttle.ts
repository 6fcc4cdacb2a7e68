/**
 * The WAN profile's per-connection cap: a token bucket per TCP connection on the sink's side.
 * When a connection has read more than its share, the sink stops reading the request body
 * (`req.pause()`), the kernel's receive buffer fills, TCP's window closes and the client's
 * writes block: exactly what a slow path to S3 does to the sender. Nothing is simulated on the
 * sending side and the shared loopback interface is left alone.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

interface Bucket {
  /** Bytes the connection may still read now; negative while it owes time. */
  tokens: number
  /** When `tokens` was last brought up to date (seconds, monotonic). */
  last: number
}

/** One bucket per connection, shared by the requests a kept-alive connection carries. */
const buckets = new WeakMap<Socket, Bucket>()

const now = (): number => Number(process.hrtime.bigint()) / 1e9

/**
 * Reads `req`'s body from its connection at most at `bytesPerS` (long-run), with a burst of
 * 20 ms worth. A connection that idles earns no more than the burst.
 */
export function throttle(req: IncomingMessage, bytesPerS: number): void {
  if (!(bytesPerS > 0)) return
  const burst = Math.max(64 * 1024, bytesPerS / 50)
  let bucket = buckets.get(req.socket)
  if (!bucket) {
    bucket = { tokens: burst, last: now() }
    buckets.set(req.socket, bucket)
  }
  const state = bucket
  let waiting = false
  req.on('data', (chunk: Buffer) => {
    const t = now()
    state.tokens = Math.min(burst, state.tokens + (t - state.last) * bytesPerS)
    state.last = t
    state.tokens -= chunk.length
    if (state.tokens < 0 && !waiting) {
      // Sleep until the debt is paid and half a burst is earned: a few ms per pause rather
      // than a timer per 64 KiB chunk.
      waiting = true
      req.pause()
      const waitMs = ((-state.tokens + burst / 2) / bytesPerS) * 1000
      setTimeout(() => {
        waiting = false
        if (!req.destroyed) req.resume()
      }, waitMs)
    }
  })
}
