/** Fault injection for the sandbox: queued one-shot faults per route, and permanent per-file faults. */

export type Route = 'init_upload' | 'confirm_upload' | 'storage'

export type Fault =
  | {
      kind: 'status'
      status: number
      retryAfter?: string
      body?: string
      contentType?: string
      times?: number
    }
  | { kind: 'delay'; ms: number; times?: number }
  | { kind: 'reset'; afterBytes?: number; times?: number }
  | { kind: 'stall'; afterBytes?: number; times?: number }

export interface FaultControl {
  /** Queues a fault for the next request(s) on `route` (FIFO; `times` requests, default 1). */
  add(route: Route, fault: Fault): void
  /** Every request on `route` concerning `filename` gets `status` (and `body`), forever. */
  failFile(filename: string, route: Route, status: number, body?: string): void
  clear(): void
}

interface Queued {
  fault: Fault
  left: number
}

export class FaultBook implements FaultControl {
  private readonly queues = new Map<Route, Queued[]>()
  private readonly fileFaults: {
    filename: string
    route: Route
    status: number
    body?: string
  }[] = []

  add(route: Route, fault: Fault): void {
    const times = fault.times ?? 1
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`fault times must be a whole number ≥ 1, got ${String(fault.times)}`)
    }
    const queue = this.queues.get(route) ?? []
    queue.push({ fault, left: times })
    this.queues.set(route, queue)
  }

  failFile(filename: string, route: Route, status: number, body?: string): void {
    this.fileFaults.push({ filename, route, status, body })
  }

  clear(): void {
    this.queues.clear()
    this.fileFaults.length = 0
  }

  /** Takes the next queued fault for a request on `route`, if any. */
  next(route: Route): Fault | undefined {
    const queue = this.queues.get(route)
    const head = queue?.[0]
    if (!queue || !head) return undefined
    head.left -= 1
    if (head.left <= 0) queue.shift()
    return head.fault
  }

  /** The permanent fault for a request on `route` concerning any of `filenames`, if any. */
  forFile(
    route: Route,
    filenames: readonly (string | undefined)[]
  ): { status: number; body?: string } | undefined {
    return this.fileFaults.find(f => f.route === route && filenames.includes(f.filename))
  }
}
