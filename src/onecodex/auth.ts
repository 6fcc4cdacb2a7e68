/**
 * The API key in the forms it travels in. One Codex takes it as HTTP Basic username with an empty
 * password, so besides the key itself, `base64(key + ':')` is a credential too: both must be
 * masked and scrubbed wherever text may reach a log.
 */

/** `base64(key + ':')`: the token of the Basic `Authorization` header. */
function basicToken(apiKey: string): string {
  return Buffer.from(`${apiKey}:`).toString('base64')
}

/** The `Authorization` header value for the key. */
export function basicAuthorization(apiKey: string): string {
  return `Basic ${basicToken(apiKey)}`
}

/** Every form of the key that must never be shown: the key and its Basic token. */
export function keyForms(apiKey: string): string[] {
  return apiKey === '' ? [] : [apiKey, basicToken(apiKey)]
}
