// The sample listing's answer (GET /api/v1/samples): what a listed sample holds, read strictly.
import { UploadError } from '../shared/upload-error.js'

/** A sample as GET /api/v1/samples lists it (the fields the action uses). */
export interface ListedSample {
  /** From `$uri` (`/api/v1/samples/<id>`). */
  sampleId: string
  filename?: string
  size?: number
  /** `private`, `public`, `shared`, `importing`, or `awaiting data` (upload never completed). */
  visibility?: string
  /** ISO 8601, as One Codex sends it. */
  createdAt?: string
  /** The project's id (from `{"$ref": "/api/v1/projects/<id>"}`), null when none. */
  project?: string | null
}

/** Visibility of a sample whose upload never completed. */
export const AWAITING_DATA = 'awaiting data'

/** Page size of sample listings (One Codex allows up to 1000). */
export const LIST_PAGE_SIZE = 500
/** A listing never legitimately needs more pages than this. */
export const MAX_LIST_PAGES = 1000

/** Reads one listed sample; anything but an object with a `$uri` is a bad answer. */
export function parseListedSample(item: unknown, label: string): ListedSample {
  const data = (item ?? {}) as Record<string, unknown>
  const uri = typeof data.$uri === 'string' ? data.$uri : ''
  const id = /^\/api\/v1\/samples\/([^/]+)$/.exec(uri)?.[1]
  if (!id)
    throw new UploadError(`${label} answered with a sample without a valid $uri.`, {
      retryable: false
    })
  const ref = (data.project as { $ref?: unknown } | null | undefined)?.$ref
  const project =
    data.project === null || data.project === undefined
      ? null
      : typeof ref === 'string'
        ? (/^\/api\/v1\/projects\/([^/]+)$/.exec(ref)?.[1] ?? ref)
        : null
  return {
    sampleId: id,
    ...(typeof data.filename === 'string' ? { filename: data.filename } : {}),
    ...(typeof data.size === 'number' ? { size: data.size } : {}),
    ...(typeof data.visibility === 'string' ? { visibility: data.visibility } : {}),
    ...(typeof data.created_at === 'string' ? { createdAt: data.created_at } : {}),
    project
  }
}
