/**
 * The sandbox's checks of the API's JSON bodies (init_upload, confirm_upload,
 * init_multipart_upload, cancel_upload, the multipart callback), per One Codex's schema
 * (additionalProperties false everywhere). Each returns the first problem, naming the field.
 */
import {
  EXTERNAL_SAMPLE_ID_MAX_LENGTH,
  FILENAME_PATTERN,
  LIBRARY_TYPES,
  PLATFORMS,
  PROJECT_MAX_LENGTH,
  SAMPLE_TYPES,
  TAG_MAX_LENGTH
} from '../src/contract/spec.js'

type Check = (value: unknown, path: string) => string | undefined

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const nullable =
  (check: Check): Check =>
  (value, path) =>
    value === null ? undefined : check(value, path)

const string =
  (opts: { maxLength?: number; pattern?: RegExp; enum?: readonly string[] } = {}): Check =>
  (value, path) => {
    if (typeof value !== 'string') return `${path} must be a string.`
    if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      return `${path} must be at most ${opts.maxLength} characters long.`
    }
    if (opts.pattern && !opts.pattern.test(value)) {
      return `${path} "${value}" does not match the pattern ${String(opts.pattern)}.`
    }
    if (opts.enum && !opts.enum.includes(value)) {
      return `${path} "${value}" is not one of: ${opts.enum.join(', ')}.`
    }
    return undefined
  }

const boolean: Check = (value, path) =>
  typeof value === 'boolean' ? undefined : `${path} must be true or false.`

const number =
  (min: number, max: number): Check =>
  (value, path) =>
    typeof value !== 'number' || !Number.isFinite(value)
      ? `${path} must be a number.`
      : value < min || value > max
        ? `${path} must be between ${min} and ${max}.`
        : undefined

// RFC 3339 date-time (the schema's "date-time" format); a bare date is accepted too.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/
const dateTime: Check = (value, path) =>
  typeof value !== 'string'
    ? `${path} must be a date-time string.`
    : !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))
      ? `${path} "${value}" is not a date-time (e.g. 2024-05-01T12:00:00Z).`
      : undefined

const object =
  (properties: Record<string, Check>, required: readonly string[] = []): Check =>
  (value, path) => {
    if (!isObject(value)) return `${path} must be a JSON object.`
    for (const name of required) {
      if (!(name in value)) return `${path ? `${path}.` : ''}${name} is required.`
    }
    for (const [name, field] of Object.entries(value)) {
      const fieldPath = path ? `${path}.${name}` : name
      const check = properties[name]
      if (!check) return `${fieldPath} is not an allowed field.`
      const problem = check(field, fieldPath)
      if (problem) return problem
    }
    return undefined
  }

const custom: Check = (value, path) => {
  if (!isObject(value)) return `${path} must be a JSON object.`
  for (const [name, field] of Object.entries(value)) {
    if (field !== null && !['string', 'number', 'boolean'].includes(typeof field)) {
      return `${path}.${name} must be a string, number, boolean or null (custom has depth one).`
    }
  }
  return undefined
}

const metadata = object({
  custom,
  date_collected: nullable(dateTime),
  date_sequenced: nullable(dateTime),
  description: nullable(string()),
  external_sample_id: nullable(string({ maxLength: EXTERNAL_SAMPLE_ID_MAX_LENGTH })),
  library_type: nullable(string({ enum: LIBRARY_TYPES })),
  location_lat: nullable(number(-90, 90)),
  location_lon: nullable(number(-180, 180)),
  location_string: nullable(string({ maxLength: 255 })),
  name: nullable(string({ maxLength: 255 })),
  platform: nullable(string({ enum: PLATFORMS })),
  sample_type: nullable(string({ enum: SAMPLE_TYPES })),
  starred: boolean
})

const tags: Check = (value, path) => {
  if (!Array.isArray(value)) return `${path} must be an array of {name} objects.`
  const tag = object({ name: string({ maxLength: TAG_MAX_LENGTH }) }, ['name'])
  for (const [index, item] of value.entries()) {
    const problem = tag(item, `${path}[${index}]`)
    if (problem) return problem
  }
  return undefined
}

const project: Check = (value, path) =>
  isObject(value)
    ? object({ $ref: string({ pattern: /^\/api\/v1\/projects\/[^/]+$/ }) }, ['$ref'])(value, path)
    : string({ maxLength: PROJECT_MAX_LENGTH })(value, path)

const size: Check = (value, path) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1
    ? undefined
    : `${path} must be a whole number of bytes, at least 1.`

/**
 * init_upload. `size` is required here although the schema lets it be null: confirm_upload
 * checks the stored bytes against it.
 */
export const checkInitBody = object(
  {
    external_sample_id: nullable(string()),
    filename: string({ pattern: FILENAME_PATTERN }),
    interleaved: nullable(boolean),
    metadata: nullable(metadata),
    paired_end_filename: nullable(string({ pattern: FILENAME_PATTERN })),
    project: nullable(project),
    sample_id: nullable(string()),
    size,
    tags,
    upload_type: string({ enum: ['standard'] })
  },
  ['filename', 'size']
)

const optionalString = nullable(string())
const optionalCount = nullable(size)
const optionalArray = nullable((value, path) =>
  Array.isArray(value) ? undefined : `${path} must be an array.`
)

/** confirm_upload (its schema's optional statistics are accepted and ignored). */
export const checkConfirmBody = object(
  {
    sample_id: string(),
    coercions: optionalArray,
    file_type: nullable(string({ enum: ['FASTA', 'FASTQ'] })),
    md5: optionalString,
    n_bases: optionalCount,
    n_lines: optionalCount,
    n_sequences: optionalCount,
    s3_key: optionalString,
    sample_headers: optionalArray,
    sample_sequences: optionalArray,
    sha256: optionalString,
    size: optionalCount,
    uncompressed_md5: optionalString,
    uncompressed_sha256: optionalString,
    uncompressed_size: optionalCount,
    upload_type: string({ enum: ['standard'] }),
    validated: nullable(boolean)
  },
  ['sample_id']
)

const MULTIPART_FIELDS = {
  external_sample_id: nullable(string()),
  filename: string({ pattern: FILENAME_PATTERN }),
  interleaved: nullable(boolean),
  metadata: nullable(metadata),
  paired_end_filename: nullable(string({ pattern: FILENAME_PATTERN })),
  project: nullable(project),
  sample_id: nullable(string()),
  tags
}
const checkMultipartFields = object(MULTIPART_FIELDS, ['filename'])

/**
 * init_multipart_upload: init_upload's fields without `size` and `upload_type` (the schema has
 * neither), refused by name. `filename` is required here although the schema lets it be null:
 * the object key and the callback are made from it.
 */
export const checkInitMultipartBody: Check = (value, path) => {
  if (isObject(value)) {
    for (const name of ['size', 'upload_type']) {
      if (name in value) {
        return `${name} is not a field of init_multipart_upload (the multipart route takes neither size nor upload_type).`
      }
    }
  }
  return checkMultipartFields(value, path)
}

/** cancel_upload. */
export const checkCancelBody = object({ sample_id: string() }, ['sample_id'])

/** The multipart callback (`callback_url`), as the official client sends it. */
export const checkCallbackBody = object(
  { s3_path: string({ pattern: /^s3:\/\/[^/]+\/.+$/ }), filename: string() },
  ['s3_path', 'filename']
)
