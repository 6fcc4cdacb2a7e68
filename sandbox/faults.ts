/**
 * Fault injection for the sandbox: queued one-shot faults per route, and permanent per-file faults.
 *
 * Routes are the API's routes, `storage` (the browser-form POST of the standard upload) and one
 * route per S3 REST operation that the storage endpoint classifies (`s3:UploadPart`, ...).
 */

/** The API's routes (see emulator.ts for the paths). */
export type ApiRoute =
  | 'init_upload'
  | 'confirm_upload'
  | 'init_multipart_upload'
  | 'callback'
  | 'cancel_upload'
  | 'list_samples'
  | 'get_sample'
  | 'list_classifications'
  | 'get_classification'
  | 'classification_results'

/** The S3 REST operations the storage endpoint tells apart (by method, path and query). */
export type S3Operation =
  | 's3:CreateMultipartUpload'
  | 's3:UploadPart'
  | 's3:CompleteMultipartUpload'
  | 's3:AbortMultipartUpload'
  | 's3:ListMultipartUploads'
  | 's3:ListParts'
  | 's3:PutObject'
  | 's3:HeadObject'
  | 's3:GetObject'
  | 's3:DeleteObject'
  | 's3:ListObjects'
  | 's3:Other'

export type Route = ApiRoute | 'storage' | S3Operation

export const S3_OPERATIONS: readonly S3Operation[] = [
  's3:CreateMultipartUpload',
  's3:UploadPart',
  's3:CompleteMultipartUpload',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploads',
  's3:ListParts',
  's3:PutObject',
  's3:HeadObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:ListObjects',
  's3:Other'
]

export const API_ROUTES: readonly ApiRoute[] = [
  'init_upload',
  'confirm_upload',
  'init_multipart_upload',
  'callback',
  'cancel_upload',
  'list_samples',
  'get_sample',
  'list_classifications',
  'get_classification',
  'classification_results'
]

export const isRoute = (value: unknown): value is Route =>
  value === 'storage' ||
  (API_ROUTES as readonly unknown[]).includes(value) ||
  (S3_OPERATIONS as readonly unknown[]).includes(value)

export type Fault =
  | {
      /** Answer `status` (and `body`) without doing the work; S3 routes default to S3's XML error. */
      kind: 'status'
      status: number
      retryAfter?: string
      body?: string
      contentType?: string
      /** Wait this long (after reading the body) before answering: a slow error. */
      afterMs?: number
      times?: number
    }
  | { kind: 'delay'; ms: number; times?: number }
  /** Read `afterBytes` bytes of the request body (default 0), then destroy the connection. */
  | { kind: 'reset'; afterBytes?: number; times?: number }
  /** Read `afterBytes` bytes of the request body (default 0), then never read or answer again. */
  | { kind: 'stall'; afterBytes?: number; times?: number }
  /**
   * Do the work in full (the sample is created, the part stored, the upload completed...), then
   * lose the answer: send `status` (default 504, as a gateway that timed out) and `body` instead
   * (default: on API routes a gateway's HTML page, a given body goes out as JSON; on S3
   * operations S3's XML error), or with `reset` destroy the connection without answering. The
   * log entry keeps the status the work produced in `lostStatus`. API routes and S3 REST
   * operations (not `storage`).
   */
  | { kind: 'lost-answer'; status?: number; body?: string; reset?: boolean; times?: number }
  /**
   * Do the work in full (the sample is created, the upload confirmed...), then hold the answer
   * back for `ms` before sending it, as a slow gateway would: a client that gives up (or is
   * cancelled) first never learns what was done. API routes only.
   */
  | { kind: 'late-answer'; ms: number; times?: number }

export interface FaultControl {
  /** Queues a fault for the next request(s) on `route` (FIFO; `times` requests, default 1). */
  add(route: Route, fault: Fault): void
  /**
   * Every request on `route` concerning `filename` gets `status` (and `body`), forever. For S3
   * operations a request concerns the last segment of its object key (keys end in the filename);
   * GET of a sample, of a classification or of its results concerns that sample's filename; a
   * classification listing concerns no file.
   */
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
    if (!isRoute(route)) throw new Error(`unknown sandbox route for a fault: ${String(route)}`)
    const times = fault.times ?? 1
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`fault times must be a whole number ≥ 1, got ${String(fault.times)}`)
    }
    if (fault.kind === 'lost-answer' && route === 'storage') {
      throw new Error('lost-answer faults apply to API routes and S3 operations, not storage')
    }
    if (fault.kind === 'late-answer' && !(API_ROUTES as readonly string[]).includes(route)) {
      throw new Error('late-answer faults apply to API routes only')
    }
    const queue = this.queues.get(route) ?? []
    queue.push({ fault, left: times })
    this.queues.set(route, queue)
  }

  failFile(filename: string, route: Route, status: number, body?: string): void {
    if (!isRoute(route)) throw new Error(`unknown sandbox route for a fault: ${String(route)}`)
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
