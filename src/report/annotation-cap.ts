/**
 * Annotations inside GitHub's limits: a step shows at most 10 error annotations (and 10
 * warnings; 50 of each per job), the rest are dropped from the annotation list. So a run never
 * emits more than that: the first items one by one, then one "… and N more" line pointing to
 * where the complete list is.
 */
import type { AnnotationProperties } from '@actions/core'

/** Error (and warning) annotations GitHub shows for one step. */
export const ANNOTATIONS_SHOWN_PER_STEP = 10

/**
 * Error annotations the action emits before its final failure line: that line (core.setFailed)
 * is an error annotation too, and must be among the ones shown.
 */
export const ERROR_ANNOTATION_LIMIT = ANNOTATIONS_SHOWN_PER_STEP - 1

export interface Annotation {
  readonly message: string
  readonly properties?: AnnotationProperties
}

export interface CapOptions {
  /** Annotations in all, the "… and N more" line included. */
  readonly limit: number
  /** The line emitted in place of the items left out, e.g. `… and 12 more failed samples`. */
  readonly more: (count: number) => string
  readonly emit: (message: string, properties?: AnnotationProperties) => void
}

/**
 * Emits `items` through `emit`, at most `limit` annotations in all: every item when they fit,
 * otherwise the first `limit - 1` and one `more(rest)` line. Returns how many items were
 * emitted one by one.
 */
export function annotateCapped(items: readonly Annotation[], options: CapOptions): number {
  const limit = Math.max(1, Math.floor(options.limit))
  const shown = items.length <= limit ? items.length : limit - 1
  for (const item of items.slice(0, shown)) options.emit(item.message, item.properties ?? {})
  if (shown < items.length) options.emit(options.more(items.length - shown), {})
  return shown
}
