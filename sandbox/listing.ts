/**
 * One Codex's listing query language, over any of the sandbox's collections (samples,
 * classifications): `where` (field conditions: a value, or operators $eq, $ne, $in, $lt, $lte,
 * $gt, $gte, $between, $contains, $icontains, $startswith, $istartswith, $endswith,
 * $iendswith), `sort` (`{"field": true}` descending, or the official client's
 * `["^field"]` ascending), `per_page`, and both paginations (`page` + X-Total-Count; with
 * `X-Pagination-Style: cursor`, `cursor` + X-Next-Cursor).
 */
import { createHash } from 'node:crypto'

export type Value = string | number | boolean | null

export interface ListAnswer {
  status: number
  json: unknown
  headers?: Record<string, string>
}

/** A field of a collection that `where` and `sort` may name. */
export interface Field<R> {
  value(record: R): Value
  /** The operand of a condition in the same domain as `value`; throws a QueryError when it cannot be. */
  operand(raw: unknown): Value
}

/** What a listing needs to know of a collection. */
export interface Collection<R> {
  /** Plural noun for messages: "samples", "classifications". */
  readonly what: string
  readonly fields: Record<string, Field<R>>
  /** Fields of One Codex's schema the sandbox does not emulate (a clear 400, not "unknown"). */
  readonly unsupported: readonly string[]
  /** Creation order: the tie-breaker of every sort. */
  seq(record: R): number
  /** The field sorted on (descending) without `sort`. */
  readonly defaultSort: string
}

export class QueryError extends Error {}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A text field's operand: a string or null. */
export const textOperand =
  (what: string) =>
  (raw: unknown): Value => {
    if (raw === null || typeof raw === 'string') return raw
    throw new QueryError(`${what} must be compared with a string or null.`)
  }

/** A boolean field's operand. */
export const booleanOperand =
  (what: string) =>
  (raw: unknown): Value => {
    if (typeof raw === 'boolean') return raw
    throw new QueryError(`${what} must be compared with true or false.`)
  }

/** A date-time field's operand, as epoch milliseconds. */
export const dateOperand =
  (what: string) =>
  (raw: unknown): Value => {
    const time = typeof raw === 'string' ? Date.parse(raw) : NaN
    if (Number.isNaN(time)) throw new QueryError(`${what} must be compared with a date-time.`)
    return time
  }

/**
 * A reference field's operand (`project`, `sample`, `job`): an id, `{"$ref": "<base>/<id>"}`,
 * or null; compared as the id.
 */
export const refOperand =
  (what: string, base: string) =>
  (raw: unknown): Value => {
    if (raw === null || typeof raw === 'string') return raw
    if (isObject(raw) && typeof raw.$ref === 'string') {
      const prefix = `${base}/`
      const id = raw.$ref.startsWith(prefix) ? raw.$ref.slice(prefix.length) : ''
      if (id !== '' && !id.includes('/')) return id
    }
    throw new QueryError(`${what} must be compared with an id, {"$ref": "${base}/<id>"} or null.`)
  }

/** A `$uri` field's operand: `<base>/<id>`. */
export const uriOperand =
  (base: string) =>
  (raw: unknown): Value => {
    if (typeof raw === 'string' && raw.startsWith(`${base}/`)) {
      const id = raw.slice(base.length + 1)
      if (id !== '' && !id.includes('/')) return raw
    }
    throw new QueryError(`$uri must be compared with ${base}/<id>.`)
  }

export function compare(a: Value, b: Value): number {
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

function matches<R>(field: Field<R>, value: Value, condition: unknown): boolean {
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

function fieldFor<R>(collection: Collection<R>, name: string, where: 'where' | 'sort'): Field<R> {
  const field = collection.fields[name]
  if (field) return field
  if (collection.unsupported.includes(name)) {
    throw new QueryError(
      `${where}.${name} is in One Codex's schema but the sandbox does not emulate it.`
    )
  }
  throw new QueryError(`${where}.${name} is not a field of ${collection.what}.`)
}

function parseJson(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    throw new QueryError(`${name} is not valid JSON.`)
  }
}

interface SortKey<R> {
  name: string
  field: Field<R>
  descending: boolean
}

function parseSort<R>(collection: Collection<R>, raw: string | null): SortKey<R>[] {
  if (raw === null || raw === '') {
    const name = collection.defaultSort
    return [{ name, field: fieldFor(collection, name, 'sort'), descending: true }]
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
  return keys.map(([name, descending]) => ({
    name,
    field: fieldFor(collection, name, 'sort'),
    descending
  }))
}

function parseWhere<R>(collection: Collection<R>, raw: string | null): [Field<R>, unknown][] {
  if (raw === null || raw === '') return []
  const where = parseJson(raw, 'where')
  if (!isObject(where)) throw new QueryError('where must be a JSON object.')
  return Object.entries(where).map(([name, condition]) => {
    const field = fieldFor(collection, name, 'where')
    // Every operand is checked now, not only when some record reaches it.
    matches(field, null, condition)
    return [field, condition]
  })
}

function parseCount(raw: string | null, name: string, max: number): number | undefined {
  if (raw === null) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new QueryError(`${name} must be a whole number from 1 to ${max}.`)
  }
  return value
}

export interface ListOptions<R> {
  /** The page size without per_page, and the most the sandbox hands out per page. */
  pageSize: number
  /** The request asked for cursor pagination (`X-Pagination-Style: cursor`). */
  cursorStyle: boolean
  render(record: R): unknown
}

/** Answers `GET /api/v1/<collection>?{query}` over `records` (those a listing may show). */
export function listRecords<R>(
  collection: Collection<R>,
  records: Iterable<R>,
  query: URLSearchParams,
  options: ListOptions<R>
): ListAnswer {
  try {
    const where = parseWhere(collection, query.get('where'))
    const sort = parseSort(collection, query.get('sort'))
    const perPage = Math.min(
      parseCount(query.get('per_page'), 'per_page', 1000) ?? options.pageSize,
      options.pageSize
    )
    const keyOf = (r: R): Value[] => [...sort.map(k => k.field.value(r)), collection.seq(r)]
    const order = (a: Value[], b: Value[]): number => {
      for (const [index, key] of sort.entries()) {
        const result = compare(a[index], b[index])
        if (result !== 0) return key.descending ? -result : result
      }
      return compare(a[sort.length], b[sort.length])
    }
    const found = [...records]
      .filter(r => where.every(([field, condition]) => matches(field, field.value(r), condition)))
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

    // A cursor names the last record handed out, by its sort key, and the query it belongs to.
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
      rest = found.filter(r => order(keyOf(r), after) > 0)
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
    return { status: 400, json: { message: `Invalid ${collection.what} query: ${error.message}` } }
  }
}
