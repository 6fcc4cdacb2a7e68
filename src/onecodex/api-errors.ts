// How One Codex API failures are worded: the account-level cause of a 401/402, the hint of a
// 403, and the route (proxy or not) named when api-url could not be reached. Every call of the
// action (uploads, the skip-existing listing, the wait for analyses) words them here.
import { proxyFor } from '../net/proxy-env.js'
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

/** The hint and account-level cause of an API error status. */
export function apiErrorOptions(
  status: number,
  project?: string,
  purpose: ApiPurpose = 'uploads'
): { hint?: string; account?: (said: string) => AccountIssue } {
  if (status === 403) return { hint: forbiddenHint(project, purpose) }
  return { account: accountIssue(status, purpose) }
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
