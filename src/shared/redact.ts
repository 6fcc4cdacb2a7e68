/**
 * Masking of credential-like values: init_upload's `additional_fields` carry a signed policy,
 * its signature and access-key IDs; none of them may ever reach a log line.
 */

const MASK = '***'

// Field names whose values are credentials (S3 POST v2/v4, GCS, Azure-like and generic names).
// The object `key` is a path, not a credential, and stays readable.
const SENSITIVE_NAME =
  /(policy|signature|credential|secret|token|password|passwd|session|auth|private[-_]?key|access[-_]?(key|id)|api[-_]?key)/i

/** True when a field of that name holds a credential-like value. */
export function isSensitiveField(name: string): boolean {
  return SENSITIVE_NAME.test(name)
}

/** A copy of `fields` with every credential-like value replaced by `***`. */
export function redactFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {}
  for (const [name, value] of Object.entries(fields))
    copy[name] = isSensitiveField(name) ? MASK : value
  return copy
}

/**
 * The credential-like values among `fields`, to scrub from any text we did not write (a server's
 * error message may echo a policy back). They are never registered with `::add-mask::`: that
 * command would itself print them to the raw log.
 */
export function sensitiveValues(fields: Readonly<Record<string, string>>): string[] {
  return Object.entries(fields)
    .filter(([name]) => isSensitiveField(name))
    .map(([, value]) => value)
}

/** A URL fit for logs: query values (pre-signed URL signatures) and user info removed. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw)
    url.username = ''
    url.password = ''
    for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, MASK)
    return url.toString()
  } catch {
    return '(invalid URL)'
  }
}

/** `text` with every occurrence of each secret replaced by `***` (for texts we did not write). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(MASK)
  }
  return out
}
