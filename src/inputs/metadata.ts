import { LIBRARY_TYPES, PLATFORMS, SAMPLE_TYPES } from '../contract/spec.js'
import type { Json } from '../shared/types.js'

type Check = (value: Json, at: string) => string[]

/** init_upload's metadata fields and the rule each must follow (from the OpenAPI block). */
const FIELDS: { readonly [key: string]: Check } = {
  custom: checkCustom,
  date_collected: nullable(checkDateTime),
  date_sequenced: nullable(checkDateTime),
  description: nullable(checkString()),
  external_sample_id: nullable(checkString(60)),
  library_type: nullable(checkEnum(LIBRARY_TYPES)),
  location_lat: nullable(checkNumber(-90, 90)),
  location_lon: nullable(checkNumber(-180, 180)),
  location_string: nullable(checkString(255)),
  name: nullable(checkString(255)),
  platform: nullable(checkEnum(PLATFORMS)),
  sample_type: nullable(checkEnum(SAMPLE_TYPES)),
  starred: checkBoolean
}

/** The metadata fields init_upload knows. */
export const METADATA_FIELDS: readonly string[] = Object.keys(FIELDS)

/**
 * Checks one metadata field's value against its rule; `at` names where the value came from in
 * the messages (`metadata.platform`, or a sample sheet's row and column). Undefined when `key`
 * is not a metadata field init_upload knows.
 */
export function checkMetadataField(key: string, value: Json, at: string): string[] | undefined {
  return Object.hasOwn(FIELDS, key) ? FIELDS[key](value, at) : undefined
}

/**
 * Checks a parsed `metadata` input against init_upload's metadata schema.
 * Returns one message per violation, each naming its JSON path (e.g. `metadata.platform`).
 */
export function validateMetadata(value: Json): string[] {
  if (!isObject(value)) {
    return [
      `metadata is ${describe(value)}: it must be a JSON object such as {"platform": "Illumina MiSeq"}.`
    ]
  }
  const violations: string[] = []
  for (const [key, field] of Object.entries(value)) {
    const at = jsonPath('metadata', key)
    const found = checkMetadataField(key, field, at)
    if (found) {
      for (const violation of found) violations.push(violation)
    } else {
      violations.push(
        `${at} is not a known metadata field (known: ${METADATA_FIELDS.join(', ')}). ` +
          `Put free-form fields under metadata.custom, e.g. {"custom": {${JSON.stringify(key)}: ...}}.`
      )
    }
  }
  return violations
}

function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `metadata.name`, or `metadata.custom["lab tech"]` for keys that are not identifiers. */
function jsonPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

function describe(value: Json): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `${typeof value === 'string' ? 'the string' : `the ${typeof value}`} ${JSON.stringify(value)}`
}

function nullable(check: Check): Check {
  return (value, at) => (value === null ? [] : check(value, at))
}

function checkString(maxLength?: number): Check {
  return (value, at) => {
    if (typeof value !== 'string')
      return [`${at} is ${describe(value)}: it must be a string or null.`]
    const length = [...value].length
    if (maxLength !== undefined && length > maxLength) {
      return [`${at} is ${length} characters long: at most ${maxLength} are allowed.`]
    }
    return []
  }
}

function checkNumber(min: number, max: number): Check {
  return (value, at) => {
    if (typeof value !== 'number') {
      return [`${at} is ${describe(value)}: it must be a number from ${min} to ${max}, or null.`]
    }
    if (!Number.isFinite(value) || value < min || value > max) {
      return [`${at} is ${value}: it must be from ${min} to ${max}.`]
    }
    return []
  }
}

function checkBoolean(value: Json, at: string): string[] {
  return typeof value === 'boolean'
    ? []
    : [`${at} is ${describe(value)}: it must be true or false.`]
}

function checkEnum(allowed: readonly string[]): Check {
  return (value, at) => {
    if (typeof value === 'string' && allowed.includes(value)) return []
    const squash = (s: string): string =>
      s
        .toLowerCase()
        .replace(/[\s_-]+/g, ' ')
        .trim()
    const near =
      typeof value === 'string' ? allowed.find(a => squash(a) === squash(value)) : undefined
    const hint = near
      ? `did you mean "${near}"? Values are matched with their exact spelling`
      : `it must be one of (exact spelling) ${allowed.map(a => `"${a}"`).join(', ')}, or null`
    return [`${at} is ${describe(value)}: ${hint}.`]
  }
}

// ISO 8601 / RFC 3339: a date, optionally a time (T or space), optionally an offset.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-](\d{2}):?(\d{2}))?)?$/

/** True for an ISO 8601 / RFC 3339 date or date-time that names a real calendar instant. */
export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text)
  if (!m) return false
  const [year, month, day] = [m[1], m[2], m[3]].map(Number)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59)) return false
  if (m[6] !== undefined && Number(m[6]) > 59) return false
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false
  return !Number.isNaN(Date.parse(text.toUpperCase()))
}

function checkDateTime(value: Json, at: string): string[] {
  if (typeof value !== 'string') {
    return [`${at} is ${describe(value)}: it must be a date-time string or null.`]
  }
  if (isDateTime(value)) return []
  return [
    `${at} is ${JSON.stringify(value)}: it must be an ISO 8601 date or date-time such as "2024-05-01" or "2024-05-01T13:45:00Z".`
  ]
}

function checkCustom(value: Json, at: string): string[] {
  if (!isObject(value)) {
    return [`${at} is ${describe(value)}: it must be a JSON object of free-form fields.`]
  }
  const violations: string[] = []
  for (const [key, field] of Object.entries(value)) {
    if (field !== null && typeof field === 'object') {
      violations.push(
        `${jsonPath(at, key)} is ${describe(field)}: custom values must be strings, numbers, booleans or null (custom has a depth of one, no nesting).`
      )
    }
  }
  return violations
}
