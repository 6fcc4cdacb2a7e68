/**
 * The samples the sandbox holds, and `GET /api/v1/samples` over them: `where` (the schema's
 * field conditions on $uri, created_at, filename, project, size and visibility), `sort`, and
 * both paginations (`page` + X-Total-Count; with `X-Pagination-Style: cursor`, `cursor` +
 * X-Next-Cursor). Cancelled samples are gone from every listing, as on One Codex.
 */
import { createHash } from 'node:crypto'

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

export interface ListAnswer {
  status: number
  json: unknown
  headers?: Record<string, string>
}

type Value = string | number | null

interface Field {
  value(sample: SampleRecord): Value
  /** The operand of a condition in the same domain as `value`; throws when it cannot be. */
  operand(raw: unknown): Value
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

class QueryError extends Error {}

const PROJECT_REF = /^\/api\/v1\/projects\/([^/]+)$/
const SAMPLE_REF = /^\/api\/v1\/samples\/([^/]+)$/

const text =
  (what: string) =>
  (raw: unknown): Value => {
    if (raw === null || typeof raw === 'string') return raw
    throw new QueryError(`${what} must be compared with a string or null.`)
  }

const FIELDS: Record<string, Field> = {
  $uri: {
    value: s => `/api/v1/samples/${s.sample_id}`,
    operand: raw => {
      if (typeof raw === 'string' && SAMPLE_REF.test(raw)) return raw
      throw new QueryError('$uri must be compared with /api/v1/samples/<id>.')
    }
  },
  created_at: {
    value: s => s.createdAt.getTime(),
    operand: raw => {
      const time = typeof raw === 'string' ? Date.parse(raw) : NaN
      if (Number.isNaN(time)) throw new QueryError('created_at must be compared with a date-time.')
      return time
    }
  },
  filename: { value: s => s.filename, operand: text('filename') },
  project: {
    value: s => s.project,
    operand: raw => {
      if (raw === null || typeof raw === 'string') return raw
      if (isObject(raw) && typeof raw.$ref === 'string') {
        const match = PROJECT_REF.exec(raw.$ref)
        if (match) return match[1]
      }
      throw new QueryError(
        'project must be compared with an id, {"$ref": "/api/v1/projects/<id>"} or null.'
      )
    }
  },
  size: {
    value: s => s.size,
    operand: raw => {
      if (raw === null || typeof raw === 'number') return raw
      throw new QueryError('size must be compared with a number or null.')
    }
  },
  visibility: { value: s => visibilityOf(s), operand: text('visibility') }
}

/** Fields of the schema's `where`/`sort` that the sandbox does not emulate. */
const UNSUPPORTED = ['metadata', 'owner', 'primary_classification', 'tags']

export const visibilityOf = (s: SampleRecord): string =>
  s.state === 'complete' ? 'private' : 'awaiting data'

function compare(a: Value, b: Value): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}

const stringTest =
  (test: (value: string, operand: string) => boolean, fold = false) =>
  (value: Value, operand: unknown): boolean => {
    if (typeof operand !== 'string' || operand === '') {
      throw new QueryError('a text operator needs a non-empty string.')
    }
    if (typeof value !== 'string') return false
    return fold ? test(value.toLowerCase(), operand.toLowerCase()) : test(value, operand)
  }

function matches(field: Field, value: Value, condition: unknown): boolean {
  const operators = isObject(condition) ? Object.keys(condition).filter(k => k !== '$ref') : []
  if (!isObject(condition) || operators.length === 0) {
    return compare(value, field.operand(condition)) === 0
  }
  return Object.entries(condition).every(([op, operand]) => {
    const ordered = (test: (order: number) => boolean): boolean => {
      const other = field.operand(operand)
      return value !== null && other !== null && test(compare(value, other))
    }
    switch (op) {
      case '$eq':
        return compare(value, field.operand(operand)) === 0
      case '$ne':
        return compare(value, field.operand(operand)) !== 0
      case '$in':
        if (!Array.isArray(operand)) throw new QueryError('$in needs an array.')
        return operand.some(item => compare(value, field.operand(item)) === 0)
      case '$lt':
        return ordered(order => order < 0)
      case '$lte':
        return ordered(order => order <= 0)
      case '$gt':
        return ordered(order => order > 0)
      case '$gte':
        return ordered(order => order >= 0)
      case '$between': {
        if (!Array.isArray(operand) || operand.length !== 2) {
          throw new QueryError('$between needs an array of two values.')
        }
        const [low, high] = operand.map(item => field.operand(item))
        return value !== null && compare(value, low) >= 0 && compare(value, high) <= 0
      }
      case '$contains':
        return stringTest((v, o) => v.includes(o))(value, operand)
      case '$icontains':
        return stringTest((v, o) => v.includes(o), true)(value, operand)
      case '$startswith':
        return stringTest((v, o) => v.startsWith(o))(value, operand)
      case '$istartswith':
        return stringTest((v, o) => v.startsWith(o), true)(value, operand)
      case '$endswith':
        return stringTest((v, o) => v.endsWith(o))(value, operand)
      case '$iendswith':
        return stringTest((v, o) => v.endsWith(o), true)(value, operand)
      default:
        throw new QueryError(`${op} is not an operator the sandbox knows.`)
    }
  })
}

function fieldFor(name: string, where: 'where' | 'sort'): Field {
  const field = FIELDS[name]
  if (field) return field
  if (UNSUPPORTED.includes(name)) {
    throw new QueryError(
      `${where}.${name} is in One Codex's schema but the sandbox does not emulate it.`
    )
  }
  throw new QueryError(`${where}.${name} is not a field of samples.`)
}

function parseJson(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    throw new QueryError(`${name} is not valid JSON.`)
  }
}

interface SortKey {
  name: string
  field: Field
  descending: boolean
}

/**
 * `sort` as the schema has it (`{"created_at": true}`, true = descending) or as the official
 * client writes it (`["^created_at"]`, ^ = ascending, else descending). Default: newest first.
 */
function parseSort(raw: string | null): SortKey[] {
  if (raw === null || raw === '') {
    return [{ name: 'created_at', field: FIELDS.created_at, descending: true }]
  }
  const sort = parseJson(raw, 'sort')
  const keys: [string, boolean][] = []
  if (isObject(sort)) {
    for (const [name, descending] of Object.entries(sort)) {
      if (typeof descending !== 'boolean') {
        throw new QueryError(`sort.${name} must be true (descending) or false (ascending).`)
      }
      keys.push([name, descending])
    }
  } else if (typeof sort === 'string' || Array.isArray(sort)) {
    for (const item of typeof sort === 'string' ? [sort] : sort) {
      if (typeof item !== 'string') throw new QueryError('sort items must be field names.')
      keys.push(item.startsWith('^') ? [item.slice(1), false] : [item, true])
    }
  } else {
    throw new QueryError('sort must be a JSON object or array.')
  }
  return keys.map(([name, descending]) => ({ name, field: fieldFor(name, 'sort'), descending }))
}

function parseWhere(raw: string | null): [Field, unknown][] {
  if (raw === null || raw === '') return []
  const where = parseJson(raw, 'where')
  if (!isObject(where)) throw new QueryError('where must be a JSON object.')
  return Object.entries(where).map(([name, condition]) => [fieldFor(name, 'where'), condition])
}

function parseCount(raw: string | null, name: string, max: number): number | undefined {
  if (raw === null) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new QueryError(`${name} must be a whole number from 1 to ${max}.`)
  }
  return value
}

export interface ListOptions {
  /** The page size without per_page, and the most the sandbox hands out per page. */
  pageSize: number
  /** The request asked for cursor pagination (`X-Pagination-Style: cursor`). */
  cursorStyle: boolean
  render(sample: SampleRecord): unknown
}

/** Answers `GET /api/v1/samples?{query}` over `samples`. */
export function listSamples(
  samples: Iterable<SampleRecord>,
  query: URLSearchParams,
  options: ListOptions
): ListAnswer {
  try {
    const where = parseWhere(query.get('where'))
    const sort = parseSort(query.get('sort'))
    const perPage = Math.min(
      parseCount(query.get('per_page'), 'per_page', 1000) ?? options.pageSize,
      options.pageSize
    )
    const keyOf = (s: SampleRecord): Value[] => [...sort.map(k => k.field.value(s)), s.seq]
    const order = (a: Value[], b: Value[]): number => {
      for (const [index, key] of sort.entries()) {
        const result = compare(a[index], b[index])
        if (result !== 0) return key.descending ? -result : result
      }
      return compare(a[sort.length], b[sort.length])
    }
    const found = [...samples]
      .filter(s => s.state !== 'cancelled')
      .filter(s => where.every(([field, condition]) => matches(field, field.value(s), condition)))
      .sort((a, b) => order(keyOf(a), keyOf(b)))

    if (!options.cursorStyle) {
      const page = parseCount(query.get('page'), 'page', Number.MAX_SAFE_INTEGER) ?? 1
      const items = found.slice((page - 1) * perPage, page * perPage)
      return {
        status: 200,
        json: items.map(options.render),
        headers: { 'X-Total-Count': String(found.length) }
      }
    }

    // A cursor names the last sample handed out, by its sort key, and the query it belongs to.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([where.map(([, c]) => c), sort.map(k => [k.name, k.descending])]))
      .digest('base64url')
      .slice(0, 12)
    let rest = found
    const cursor = query.get('cursor')
    if (cursor !== null && cursor !== '') {
      let after: Value[]
      try {
        const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
          q?: unknown
          after?: unknown
        }
        if (decoded.q !== fingerprint) {
          throw new QueryError('cursor belongs to another where/sort: start again without one.')
        }
        if (!Array.isArray(decoded.after) || decoded.after.length !== sort.length + 1) {
          throw new Error('bad cursor')
        }
        after = decoded.after as Value[]
      } catch (error) {
        if (error instanceof QueryError) throw error
        throw new QueryError('cursor is not a cursor this server handed out.')
      }
      rest = found.filter(s => order(keyOf(s), after) > 0)
    }
    const items = rest.slice(0, perPage)
    const headers: Record<string, string> = {}
    if (rest.length > items.length) {
      const last = items[items.length - 1]
      headers['X-Next-Cursor'] = Buffer.from(
        JSON.stringify({ q: fingerprint, after: keyOf(last) })
      ).toString('base64url')
    }
    return { status: 200, json: items.map(options.render), headers }
  } catch (error) {
    if (!(error instanceof QueryError)) throw error
    return { status: 400, json: { message: `Invalid samples query: ${error.message}` } }
  }
}
