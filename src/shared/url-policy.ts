/**
 * Where the action may send data: https anywhere, plain http only to this machine.
 * The API key and the file bytes must never cross a network in clear text.
 */

/**
 * True for 127.0.0.0/8, localhost and ::1. Not for other `*.localhost` names: Node resolves
 * those through DNS, which could point them anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost') return true
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return v4 !== null && v4.slice(1).every(octet => Number(octet) <= 255)
}

/**
 * Returns why `raw` may not be used as a destination, or undefined when it may.
 * `what` names the URL in the message (e.g. "api-url", "upload_url").
 */
export function insecureUrlReason(raw: string, what: string): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `${what} "${raw}" is not a valid URL.`
  }
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return undefined
    return `${what} "${url.origin}" uses http: only https is allowed, except for loopback hosts (127.0.0.0/8, localhost, ::1).`
  }
  return `${what} "${url.origin}" uses ${url.protocol.replace(/:$/, '')}: only https is allowed.`
}

/** Throws when `raw` may not be used as a destination (see insecureUrlReason). */
export function assertSecureUrl(raw: string, what: string): void {
  const reason = insecureUrlReason(raw, what)
  if (reason) throw new Error(reason)
}

/** The URL's origin only (never the credentials or path a URL may carry); "the API" when unparsable. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'the API'
  }
}
