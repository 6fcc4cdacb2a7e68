// How One Codex API failures are worded: the account-level cause of a 401/402 and of a 404 from
// a route that must exist, the hint of a 403, and the route (proxy or not) named when api-url
// could not be reached.
import { proxyFor } from '../net/proxy-env.js'
import type { AccountIssue } from '../shared/upload-error.js'

/**
 * 401 and 402 concern the account, not one sample: the error carries the cause for the whole
 * run (see AccountIssue), said once, naming the api-key input.
 */
function accountIssue(status: number): ((said: string) => AccountIssue) | undefined {
  if (status === 401)
    return said => ({
      input: 'api-key',
      message: `One Codex did not accept the API key (HTTP 401${said ? `: ${said}` : ''}): check the api-key input; a wrong, revoked or mistyped key is the likely cause.`
    })
  if (status === 402)
    return said => ({
      input: 'api-key',
      message: `One Codex refused uploads for the account of the API key (HTTP 402 Payment Required${said ? `: ${said}` : ''}): check the account's plan or credits, or the api-key input if the key belongs to another account.`
    })
  return undefined
}

/** A 403 refuses this request only: the key was accepted but may not do this. */
function forbiddenHint(project: string | undefined): string {
  return project
    ? `The API key's account may not upload into project ${project}: check the project input (or the sample sheet's project column) and the key's access to that project.`
    : 'The API key was accepted but may not do this: check the api-key input (a key with too few rights is the likely cause).'
}

/**
 * A 404 from a route every One Codex API has (init_upload, init_multipart_upload, the sample
 * listing) says api-url is not One Codex's API: every sample would get it, so the run stops
 * once, naming api-url (without credentials or query) and the route.
 */
function missingRouteIssue(apiUrl: string, path: string): AccountIssue {
  let shown = apiUrl
  try {
    const url = new URL(apiUrl)
    shown = `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  } catch {
    // shown as given
  }
  return {
    input: 'api-url',
    message: `api-url ${shown} answered HTTP 404 for ${path.split('?')[0]}: is it One Codex's origin? It must be the origin only (scheme, host and port, like https://app.onecodex.com), with no path: check the api-url input.`
  }
}

/**
 * The hint and account-level cause of an API error status. `route` is given for a route that
 * must exist on One Codex's API: its 404 concerns every sample alike.
 */
export function apiErrorOptions(
  status: number,
  project?: string,
  route?: { apiUrl: string; path: string }
): { hint?: string; account?: (said: string) => AccountIssue } {
  if (status === 403) return { hint: forbiddenHint(project) }
  if (status === 404 && route) {
    const issue = missingRouteIssue(route.apiUrl, route.path)
    return { account: () => issue }
  }
  return { account: accountIssue(status) }
}

/** "no proxy" or "through the proxy http://proxy:3128" (origin only: no credentials). */
export function proxyRoute(url: string): { via: string; proxied: boolean } {
  let proxy = ''
  try {
    proxy = proxyFor(new URL(url))?.href ?? ''
  } catch {
    proxy = ''
  }
  if (!proxy) return { via: 'no proxy', proxied: false }
  try {
    return { via: `through the proxy ${new URL(proxy).origin}`, proxied: true }
  } catch {
    return { via: 'through a proxy', proxied: true }
  }
}
