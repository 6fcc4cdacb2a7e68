import { UploadError, type AccountIssue } from '../shared/upload-error.js'

/** What the stop needs to know of the API client. */
export interface ApiReachability {
  /** api-url answered at least one request. */
  readonly reached: boolean
  /** The first network failure of api-url while it never answered. */
  readonly unreachable?: AccountIssue
}

/**
 * Ends a run at the first account-level failure, like upload-artifact does: a key One Codex
 * does not accept (401), an account that may not upload (402), or an api-url that never
 * answered (DNS, refused, TLS) after a sample's retries. The worker loop stops taking samples;
 * the ones in flight finish; the rest are "not attempted"; the cause is said once. Anything
 * else — a 403 on one sample, a storage failure, a network failure after api-url answered —
 * stays that sample's failure.
 */
export class AccountStop {
  private issue?: AccountIssue

  /** The cause, once the run was stopped. */
  get cause(): AccountIssue | undefined {
    return this.issue
  }

  get stopped(): boolean {
    return this.issue !== undefined
  }

  /**
   * Looks at the error a sample ended with. Returns true when it was account-level: the run is
   * stopped (the first cause is kept) and the sample's own message need not repeat the cause.
   */
  consider(error: unknown, api: ApiReachability): boolean {
    let issue: AccountIssue | undefined
    if (error instanceof UploadError && error.account) issue = error.account
    // Before api-url ever answered, a sample can only have failed on its first API request.
    else if (!api.reached && api.unreachable && isNetworkFailure(error)) issue = api.unreachable
    if (!issue) return false
    this.issue ??= issue
    return true
  }
}

/** A failure without any HTTP answer. */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof UploadError ? error.status === undefined : error instanceof Error
}
