/**
 * S3 browser-POST policies (signature version 2), as One Codex hands them out in
 * init_upload's `additional_fields`, and the checks S3 applies to a POST that carries one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { MAX_UPLOAD_BYTES } from '../src/contract/spec.js'

export type Condition =
  | Record<string, string>
  | ['starts-with', string, string]
  | ['eq', string, string]
  | ['content-length-range', number, number]

export interface PolicyDocument {
  expiration: string
  conditions: Condition[]
}

export interface Credentials {
  accessKey: string
  secretKey: string
}

/** The form fields init_upload returns for one file (`additional_fields`). */
export interface PostFields {
  AWSAccessKeyId: string
  acl: 'private'
  key: string
  policy: string
  signature: string
  success_action_status: 201
  'x-amz-server-side-encryption': 'AES256'
}

/** base64(HMAC-SHA1(secret, policy-base64)): the SigV2 POST signature. */
export function signPolicy(policyBase64: string, secretKey: string): string {
  return createHmac('sha1', secretKey).update(policyBase64, 'utf8').digest('base64')
}

/** The fields that let a browser-style POST write one object under `keyPrefix` in `bucket`. */
export function buildPostFields(opts: {
  bucket: string
  keyPrefix: string
  credentials: Credentials
  /** Seconds the policy stays valid; negative gives one that has already expired. */
  ttlSeconds: number
  /** The upper bound of `content-length-range`; MAX_UPLOAD_BYTES unless given. */
  maxBytes?: number
  now?: Date
}): PostFields {
  const now = opts.now ?? new Date()
  const document: PolicyDocument = {
    expiration: new Date(now.getTime() + opts.ttlSeconds * 1000).toISOString(),
    conditions: [
      { bucket: opts.bucket },
      ['starts-with', '$key', opts.keyPrefix],
      { acl: 'private' },
      { success_action_status: '201' },
      { 'x-amz-server-side-encryption': 'AES256' },
      ['content-length-range', 1, opts.maxBytes ?? MAX_UPLOAD_BYTES]
    ]
  }
  const policy = Buffer.from(JSON.stringify(document), 'utf8').toString('base64')
  return {
    AWSAccessKeyId: opts.credentials.accessKey,
    acl: 'private',
    key: `${opts.keyPrefix}\${filename}`,
    policy,
    signature: signPolicy(policy, opts.credentials.secretKey),
    success_action_status: 201,
    'x-amz-server-side-encryption': 'AES256'
  }
}

/** An S3 error: HTTP status, S3 error code and message. */
export interface S3Failure {
  status: number
  code: string
  message: string
}

const denied = (message: string): S3Failure => ({ status: 403, code: 'AccessDenied', message })
const invalid = (message: string): S3Failure => ({ status: 400, code: 'InvalidArgument', message })

/** Fields S3 does not match against policy conditions. */
const UNCHECKED_FIELDS = new Set(['awsaccesskeyid', 'policy', 'signature', 'file'])

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Checks the fields of a POST (everything before the file part) against S3's rules: the
 * credentials and signature, the policy's expiry, and that every condition holds and every
 * field is allowed by one. `fields` keys are as sent; `key` is already `${filename}`-expanded.
 */
export function checkPostFields(
  fields: Record<string, string>,
  bucket: string,
  credentials: Credentials,
  now: Date = new Date()
): S3Failure | undefined {
  const lower: Record<string, string> = {}
  for (const [name, value] of Object.entries(fields)) lower[name.toLowerCase()] = value

  if (lower.key === undefined) return invalid("Bucket POST must contain a field named 'key'.")
  if (lower.policy === undefined) {
    return denied('Bucket POST without a policy is not allowed (the bucket is private).')
  }
  if (lower.awsaccesskeyid === undefined) {
    return invalid("Bucket POST must contain a field named 'AWSAccessKeyId'.")
  }
  if (lower.signature === undefined) {
    return invalid("Bucket POST must contain a field named 'Signature'.")
  }
  if (lower.awsaccesskeyid !== credentials.accessKey) {
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.'
    }
  }
  if (!sameText(lower.signature, signPolicy(lower.policy, credentials.secretKey))) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.'
    }
  }

  let document: PolicyDocument
  try {
    document = JSON.parse(Buffer.from(lower.policy, 'base64').toString('utf8')) as PolicyDocument
  } catch {
    return invalid('Invalid Policy: Invalid JSON.')
  }
  const expiration = Date.parse(document.expiration)
  if (Number.isNaN(expiration)) return invalid('Invalid Policy: Invalid expiration.')
  if (expiration <= now.getTime()) return denied('Invalid according to Policy: Policy expired.')
  if (!Array.isArray(document.conditions)) {
    return invalid('Invalid Policy: Policy missing conditions.')
  }

  const covered = new Set<string>(['bucket'])
  const valueOf = (name: string): string | undefined =>
    name === 'bucket' ? bucket : lower[name.toLowerCase()]
  const failed = (condition: unknown): S3Failure =>
    denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`)

  for (const condition of document.conditions) {
    if (Array.isArray(condition)) {
      const [op, rawName, expected] = condition
      if (op === 'content-length-range') continue // checked once the file size is known
      const name = String(rawName).replace(/^\$/, '').toLowerCase()
      covered.add(name)
      const actual = valueOf(name)
      if (actual === undefined) return failed(condition)
      if (op === 'eq' && actual !== expected) return failed(condition)
      if (op === 'starts-with' && !actual.startsWith(String(expected))) return failed(condition)
      if (op !== 'eq' && op !== 'starts-with') return invalid(`Invalid Policy: unknown "${op}".`)
    } else {
      for (const [rawName, expected] of Object.entries(condition)) {
        const name = rawName.replace(/^\$/, '').toLowerCase()
        covered.add(name)
        if (valueOf(name) !== String(expected)) return failed(condition)
      }
    }
  }

  for (const name of Object.keys(lower)) {
    if (UNCHECKED_FIELDS.has(name) || name.startsWith('x-ignore-')) continue
    if (!covered.has(name)) {
      return denied(`Invalid according to Policy: Extra input fields: ${name}`)
    }
  }
  return undefined
}

/** The policy's content-length-range, if any. */
export function contentLengthRange(policyBase64: string): [number, number] | undefined {
  try {
    const document = JSON.parse(
      Buffer.from(policyBase64, 'base64').toString('utf8')
    ) as PolicyDocument
    for (const condition of document.conditions) {
      if (Array.isArray(condition) && condition[0] === 'content-length-range') {
        return [Number(condition[1]), Number(condition[2])]
      }
    }
  } catch {
    return undefined
  }
  return undefined
}
