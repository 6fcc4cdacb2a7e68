// How One Codex API failures are worded: the account-level cause of a 401/402 and of a 404 from
// a route that must exist, the hint of a 403, and the cause when api-url never answered. Every
// call of the action (uploads, the skip-existing listing, the wait for analyses) words them here.
import type { AccountIssue } from '../shared/upload-error.js'

/** What the request was for, as a 402 or 403 names it: uploads (default) or reading analyses. */
export type ApiPurpose = 'uploads' | 'analyses'

/**
 * 401 and 402 concern the account, not one sample: the error carries the cause for the whole
 * run (see AccountIssue), said once, naming the api-key input.
 */
function accountIssue(
  status: number,
  purpose: ApiPurpose
): ((said: string) => AccountIssue) | undefined {
  if (status === 401)
    return said => ({
      input: 'api-key',
      message: `One Codex did not accept the API key (HTTP 401${said ? `: ${said}` : ''}): check the api-key input; a wrong, revoked or mistyped key is the likely cause.`
    })
  if (status === 402)
    return said => ({
      input: 'api-key',
      message: `One Codex refused ${purpose === 'analyses' ? 'to show analyses' : 'uploads'} for the account of the API key (HTTP 402 Payment Required${said ? `: ${said}` : ''}): check the account's plan or credits, or the api-key input if the key belongs to another account.`
    })
  return undefined
}

/** A 403 refuses this request only: the key was accepted but may not do this. */
function forbiddenHint(project: string | undefined, purpose: ApiPurpose): string {
  if (purpose === 'analyses')
    return "The API key was accepted but may not read these samples' analyses: check the api-key input (a key of another account, or with too few rights, is the likely cause)."
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
  route?: { apiUrl: string; path: string },
  purpose: ApiPurpose = 'uploads'
): { hint?: string; account?: (said: string) => AccountIssue } {
  if (status === 403) return { hint: forbiddenHint(project, purpose) }
  if (status === 404 && route) {
    const issue = missingRouteIssue(route.apiUrl, route.path)
    return { account: () => issue }
  }
  return { account: accountIssue(status, purpose) }
}

/**
 * The run's cause when api-url never answered, said in one place: either the request never got
 * through ("could not be reached": refused, DNS, TLS, the proxy), or it did (`sent`: written
 * whole) and the connection dropped before any answer, so One Codex may have acted on it.
 * `route` says which way the requests went (see describeRoute); `reason` is the failure.
 */
export function unansweredIssue(
  origin: string,
  route: { via: string; proxied: boolean; variable?: string },
  reason: string,
  sent: boolean
): AccountIssue {
  const why = reason.replace(/\.+$/, '')
  const check = `Check the api-url input${route.proxied ? ` and the proxy settings (${route.variable ?? 'HTTPS_PROXY'}, NO_PROXY)` : ''}`
  return {
    input: 'api-url',
    message: sent
      ? `Requests to api-url ${origin} (${route.via}) were sent, but the connection dropped before any answer came: ${why}. One Codex may have acted on them: the samples they may have made are looked for and cancelled. ${check}; a proxy, gateway or firewall that cuts connections, or a server there that is not One Codex, is a likely cause.`
      : `One Codex could not be reached at api-url ${origin} (${route.via}): ${why}. ${check}.`
  }
}
