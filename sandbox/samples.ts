/**
 * The samples the sandbox holds, and `GET /api/v1/samples` over them (listing.ts): `where` on
 * $uri, created_at, filename, project, size and visibility, `sort`, both paginations. Cancelled
 * samples are gone from every listing, as on One Codex.
 */
import {
  dateOperand,
  listRecords,
  QueryError,
  refOperand,
  textOperand,
  uriOperand,
  type Collection,
  type ListAnswer,
  type ListOptions
} from './listing.js'

export type { ListAnswer } from './listing.js'

export type SampleState = 'awaiting data' | 'complete' | 'cancelled'
export type SampleOrigin = 'init_upload' | 'init_multipart_upload' | 'seed'

export interface SampleRecord {
  /** Creation order (the tie-breaker of every sort). */
  seq: number
  sample_id: string
  filename: string
  paired_end_filename?: string
  origin: SampleOrigin
  state: SampleState
  /**
   * Bytes: init_upload's `size` (R1 + R2 for a pair) from the start; for the multipart route,
   * null until the callback, then what storage holds (R1 + R2 for a pair).
   */
  size: number | null
  createdAt: Date
  /** Project id, or null. */
  project: string | null
  tags: string[]
  /** The init body as received (undefined for a seeded sample). */
  body: unknown
  /** The object keys of the sample's files (R1 or the file first, then R2). */
  keys: string[]
}

export const visibilityOf = (s: SampleRecord): string =>
  s.state === 'complete' ? 'private' : 'awaiting data'

const SAMPLES: Collection<SampleRecord> = {
  what: 'samples',
  fields: {
    $uri: {
      value: s => `/api/v1/samples/${s.sample_id}`,
      operand: uriOperand('/api/v1/samples')
    },
    created_at: { value: s => s.createdAt.getTime(), operand: dateOperand('created_at') },
    filename: { value: s => s.filename, operand: textOperand('filename') },
    project: { value: s => s.project, operand: refOperand('project', '/api/v1/projects') },
    size: {
      value: s => s.size,
      operand: raw => {
        if (raw === null || typeof raw === 'number') return raw
        throw new QueryError('size must be compared with a number or null.')
      }
    },
    visibility: { value: s => visibilityOf(s), operand: textOperand('visibility') }
  },
  unsupported: ['metadata', 'owner', 'primary_classification', 'tags'],
  seq: s => s.seq,
  defaultSort: 'created_at'
}

/** Answers `GET /api/v1/samples?{query}` over `samples`. */
export function listSamples(
  samples: Iterable<SampleRecord>,
  query: URLSearchParams,
  options: ListOptions<SampleRecord>
): ListAnswer {
  const listed = [...samples].filter(s => s.state !== 'cancelled')
  return listRecords(SAMPLES, listed, query, options)
}
