// How One Codex API failures are worded: the account-level cause of a 401/402, the hint of a
// 403, and the route (proxy or not) named when api-url could not be reached.
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

/** The hint and account-level cause of an API error status. */
export function apiErrorOptions(
  status: number,
  project?: string
): { hint?: string; account?: (said: string) => AccountIssue } {
  if (status === 403) return { hint: forbiddenHint(project) }
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
