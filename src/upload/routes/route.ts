import type { RetryPolicy } from '../../net/retry-helper.js'
import type { OneCodexClient } from '../../onecodex/client.js'
import type { FileCounts, Sample, Settings } from '../../shared/types.js'
import type { ContentGate } from '../content-gate.js'

/** What a route needs from the uploader for one sample. */
export interface RouteContext {
  readonly settings: Settings
  readonly api: OneCodexClient
  /** The retry policy, its lines going through `say`. */
  readonly retry: RetryPolicy
  /** One scrubbed log line of this sample. */
  readonly say: (line: string) => void
  /** One scrubbed warning of this sample (something may be left behind). Default core.warning. */
  readonly warn?: (line: string) => void
  /**
   * Values to scrub from every line and error of this sample (the API key's forms to start
   * with). A route adds each secret it receives (policies, signatures, temporary keys) the
   * moment it arrives, after masking it.
   */
  readonly secrets: string[]
  /**
   * Called as soon as One Codex created (or matched) the sample, before any byte is sent, so
   * that a sample that ends in failure or is interrupted can be cancelled.
   */
  readonly onCreated: (sampleId: string) => void
  /** Aborted when the job is cancelled: stop sending, fail fast. */
  readonly signal?: AbortSignal
  /**
   * The sample's content check: each file's upload paces its scan (`pace`), and the sample is
   * completed (confirm_upload, the callback) only after `verdict` passed. Its `signal` aborts
   * as soon as a file failed.
   */
  readonly gate: ContentGate
}

/**
 * A sample completed on One Codex's side. `sha256` holds one hash per source, R1 first, and
 * `counts` (validate full) what the check counted in each.
 */
export interface RouteResult {
  readonly sampleId: string
  readonly sha256: readonly string[]
  readonly counts?: readonly FileCounts[]
}

/**
 * One way of getting a sample's sources into One Codex. Planning chooses the route; the
 * uploader only calls it. A route throws an UploadError when the sample did not complete, after
 * cleaning up what it started on the storage side (the uploader cancels the sample itself).
 */
export interface UploadRoute {
  send(sample: Sample, context: RouteContext): Promise<RouteResult>
  dispose(): void
}
