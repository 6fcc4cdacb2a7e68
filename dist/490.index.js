export const id = 490;
export const ids = [490];
export const modules = {

/***/ 1490:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(6421);
;// CONCATENATED MODULE: ./src/inputs/duration.ts
/**
 * Duration inputs (`analysis-timeout`): `90s`, `45m` (or `45min`), `2h`, or a bare number of
 * minutes; decimals allowed (`1.5h`); more than 0 and at most a limit.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** `analysis-timeout`: 60 min by default, at most 6 h (a GitHub-hosted job's limit). */
const ANALYSIS_TIMEOUT = { defaultMs: 60 * MINUTE, maxMs: 6 * HOUR };
const UNITS = { s: SECOND, m: MINUTE, min: MINUTE, h: HOUR };
/**
 * Reads the duration input `name` given as `raw`: '' is `limits.defaultMs`; anything that is
 * not a duration, is 0, or is over `limits.maxMs` is refused with a sentence naming the input.
 */
function parseDuration(raw, name, limits) {
    const text = raw.trim();
    if (text === '')
        return { ok: true, ms: limits.defaultMs };
    const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(text);
    const unit = match ? UNITS[match[2].toLowerCase() || 'm'] : undefined;
    if (!match || unit === undefined) {
        return {
            ok: false,
            problem: `Input ${name} is "${raw}": it must be a duration such as 90s, 45m or 2h, or a number of minutes.`
        };
    }
    const ms = Math.round(Number(match[1]) * unit);
    if (ms <= 0) {
        return { ok: false, problem: `Input ${name} is "${raw}": it must be longer than 0.` };
    }
    if (ms > limits.maxMs) {
        return {
            ok: false,
            problem: `Input ${name} is "${raw}": it may be at most ${describeDuration(limits.maxMs)} (a job's time limit on GitHub-hosted runners).`
        };
    }
    return { ok: true, ms };
}
/** A duration as inputs spell it, for messages: "90 s", "45 min", "2 h", "1 h 30 min". */
function describeDuration(ms) {
    const seconds = Math.round(ms / SECOND);
    if (seconds < 60 || seconds % 60 !== 0) {
        return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
    }
    const minutes = seconds / 60;
    if (minutes < 60 || minutes % 60 !== 0) {
        return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
    }
    return `${minutes / 60} h`;
}

;// CONCATENATED MODULE: ./src/shared/upload-error.ts
/**
 * The one error type every upload step throws, carrying what the retry policy needs to decide
 * (HTTP status, S3 error code, network error code, Retry-After) and a message fit for users.
 */
/** HTTP statuses worth another attempt. */
const RETRYABLE_STATUSES = [408, 429, 500, 502, 503, 504];
/** S3 XML error codes worth another attempt, whatever the status. */
const RETRYABLE_S3_CODES = ['SlowDown', 'RequestTimeout', 'InternalError'];
/** Node network error codes worth another attempt. */
const RETRYABLE_NETWORK_CODES = [
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'ESOCKETTIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'ENETUNREACH',
    'ENETDOWN',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'ERR_STREAM_PREMATURE_CLOSE'
];
class UploadError extends Error {
    status;
    code;
    retryAfterMs;
    retryable;
    account;
    requestSent;
    constructor(message, details = {}) {
        super(message);
        this.name = 'UploadError';
        this.status = details.status;
        this.code = details.code;
        this.retryAfterMs = details.retryAfterMs;
        this.retryable = details.retryable ?? isRetryableDetails(details.status, details.code);
        this.account = details.account;
        this.requestSent = details.requestSent;
    }
}
function isRetryableDetails(status, code) {
    if (code !== undefined &&
        (RETRYABLE_S3_CODES.includes(code) || RETRYABLE_NETWORK_CODES.includes(code)))
        return true;
    return status !== undefined && RETRYABLE_STATUSES.includes(status);
}
/** True when another attempt may succeed: typed errors say so, bare network errors by code. */
function isRetryable(error) {
    if (error instanceof UploadError)
        return error.retryable;
    const code = error?.code;
    if (typeof code === 'string')
        return RETRYABLE_NETWORK_CODES.includes(code);
    const message = error instanceof Error ? error.message : '';
    // http-client's own socket timeout and node's "socket hang up" carry no code.
    return /socket hang up|Request timeout|aborted/i.test(message);
}
/**
 * Wraps a network-level failure (no HTTP response) of `what` into an UploadError.
 * Keeps the node code (ECONNRESET...) for classification; never includes request data.
 */
function networkError(what, error) {
    if (error instanceof UploadError)
        return error;
    const err = error;
    let code = typeof err?.code === 'string' ? err.code : undefined;
    // Not `instanceof Error`: errors from another realm (a vm context) are not.
    const message = typeof err?.message === 'string' ? err.message : String(error);
    // http-client's own socket timeout and node's "socket hang up" carry no code.
    const timedOut = /Request timeout/i.test(message);
    if (code === undefined && timedOut)
        code = 'ETIMEDOUT';
    if (code === undefined && /socket hang up/i.test(message))
        code = 'ECONNRESET';
    const reason = code === 'ETIMEDOUT' && timedOut ? 'no data moved within the socket timeout' : message;
    return new UploadError(`${what} failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`, { code });
}
/** Parses Retry-After (delta seconds or HTTP date) into milliseconds, capped at `capMs`. */
function parseRetryAfter(value, capMs = Infinity, now = Date.now()) {
    const raw = Array.isArray(value) ? value[0] : value;
    if (raw === undefined || raw.trim() === '')
        return undefined;
    const text = raw.trim();
    let ms;
    if (/^\d+(\.\d+)?$/.test(text))
        ms = Number(text) * 1000;
    else {
        const date = Date.parse(text);
        if (Number.isNaN(date))
            return undefined;
        ms = date - now;
    }
    return Math.min(Math.max(ms, 0), capMs);
}
/**
 * Extracts the server's own words from an error body: JSON `message`/`msg`/`error`/`detail`, or
 * S3 XML `<Code>`/`<Message>`. Nothing else of the body is kept (S3 bodies may echo signatures).
 */
function parseServerMessage(body, contentType) {
    const text = body.trim();
    if (text === '')
        return {};
    if (text.startsWith('{') || /json/i.test(contentType ?? '')) {
        try {
            const json = JSON.parse(text);
            for (const key of ['message', 'msg', 'error', 'detail']) {
                const value = json[key];
                if (typeof value === 'string' && value !== '')
                    return { message: clip(value) };
            }
        }
        catch {
            // not JSON after all
        }
        return {};
    }
    if (text.startsWith('<') || /xml/i.test(contentType ?? '')) {
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
        const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
        return { code: code || undefined, message: message ? clip(decodeXml(message)) : undefined };
    }
    if (/html/i.test(contentType ?? ''))
        return {};
    return { message: clip(text.split(/\r?\n/)[0]) };
}
function clip(text) {
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
function decodeXml(text) {
    return text
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
}
/**
 * Builds the UploadError for an HTTP error response of `what` (e.g. "init_upload for x.fq").
 * `hint` is appended for fatal statuses (e.g. the API-key hint for 401/403). Retry-After is
 * kept as sent unless `retryAfterCapMs` is given: the RetryPolicy caps the delay it waits.
 */
function httpError(what, status, body, headers, options = {}) {
    const contentType = headers['content-type'];
    const { message, code } = parseServerMessage(body, Array.isArray(contentType) ? contentType[0] : contentType);
    const said = [code, message].filter(Boolean).join(': ');
    const hint = options.hint && !isRetryableDetails(status, code) ? ` ${options.hint}` : '';
    return new UploadError(`${what} failed with HTTP ${status}${said ? ` (${said})` : ''}.${hint}`, {
        status,
        code,
        retryAfterMs: parseRetryAfter(headers['retry-after'], options.retryAfterCapMs),
        account: options.account?.(said)
    });
}

;// CONCATENATED MODULE: ./src/net/retry-helper.ts


const DEFAULT_BASE_DELAY_MS = 1000;
const DEFAULT_MAX_DELAY_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Undocumented, test-only: shortens the backoff base for end-to-end tests of the bundle. */
const RETRY_BASE_ENV = 'ONECODEX_UPLOAD_RETRY_BASE_MS';
/** The backoff base: the test-only environment override when it is a number, else `fallback`. */
function baseDelayFromEnv(fallback = DEFAULT_BASE_DELAY_MS) {
    const raw = process.env[RETRY_BASE_ENV];
    if (raw === undefined || !/^\d+$/.test(raw.trim()))
        return fallback;
    return Number(raw.trim());
}
/**
 * One retry policy for every step: exponential backoff with full jitter, `maxAttempts` in total,
 * Retry-After honoured (capped). Only errors classified as retryable are tried again; anything
 * else (400/401/403/404, bad responses, our own checks) fails at once.
 */
class RetryPolicy {
    options;
    maxAttempts;
    baseDelayMs;
    maxDelayMs;
    maxRetryAfterMs;
    log;
    sleep;
    random;
    constructor(options) {
        this.options = options;
        this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts));
        this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
        this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
        this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
        this.log = options.log ?? core/* info */.pq;
        this.sleep = options.sleep ?? abortableSleep;
        this.random = options.random ?? Math.random;
    }
    /** The same policy, its "retrying" lines going to `log` (e.g. one that scrubs secrets). */
    withLog(log) {
        return new RetryPolicy({ ...this.options, log });
    }
    /**
     * Runs `fn` until it succeeds, a fatal error occurs, or attempts run out. `label` names the
     * step in log lines and in the final error (e.g. "reads.fq: storage upload"). When `signal`
     * aborts, a backoff delay in progress ends at once and no further attempt is made: a stopped
     * step leaves no timer behind to keep the process alive. An attempt that fails once `signal`
     * aborted ends the step as stopped (code ABORTED), without a "Retrying" line.
     */
    async execute(label, fn, options = {}) {
        const { signal } = options;
        const stopped = () => new UploadError(`${label} was stopped.`, { code: 'ABORTED', retryable: false });
        for (let attempt = 1;; attempt++) {
            // A stopped step starts no attempt, and a failure after the stop (often caused by it:
            // its sockets were torn down) is neither retried nor told as a retry.
            if (signal?.aborted)
                throw stopped();
            try {
                return await fn(attempt);
            }
            catch (error) {
                if (signal?.aborted)
                    throw stopped();
                const message = error instanceof Error ? error.message : String(error);
                if (!isRetryable(error))
                    throw error;
                if (attempt >= this.maxAttempts) {
                    const note = this.maxAttempts > 1 ? ` (gave up after ${this.maxAttempts} attempts)` : '';
                    const typed = error instanceof UploadError ? error : undefined;
                    // Inside the sentence: "… HTTP 503 (gave up after 3 attempts)." not "… 503. (gave …)".
                    const said = message.endsWith('.')
                        ? `${message.slice(0, -1)}${note}.`
                        : `${message}${note}`;
                    throw new UploadError(said, {
                        status: typed?.status,
                        code: typed?.code,
                        retryable: false
                    });
                }
                const delay = this.delayFor(attempt, error);
                this.log(`${label}: attempt ${attempt} of ${this.maxAttempts} failed: ${message} Retrying in ${formatDelay(delay)}.`);
                await this.sleep(delay, signal);
                if (signal?.aborted)
                    throw stopped();
            }
        }
    }
    /** Delay before attempt `attempt + 1`: Retry-After when given, else full-jitter backoff. */
    delayFor(attempt, error) {
        const retryAfter = error instanceof UploadError ? error.retryAfterMs : undefined;
        if (retryAfter !== undefined)
            return Math.min(retryAfter, this.maxRetryAfterMs);
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        return Math.floor(this.random() * ceiling);
    }
}
/** Waits `ms`, or less when `signal` aborts; the timer is cleared either way. */
function abortableSleep(ms, signal) {
    return new Promise(resolve => {
        if (signal?.aborted)
            return resolve();
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
    });
}
function formatDelay(ms) {
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

;// CONCATENATED MODULE: ./src/onecodex/auth.ts
/**
 * The API key in the forms it travels in. One Codex takes it as HTTP Basic username with an empty
 * password, so besides the key itself, `base64(key + ':')` is a credential too: both must be
 * masked and scrubbed wherever text may reach a log.
 */
/** `base64(key + ':')`: the token of the Basic `Authorization` header. */
function basicToken(apiKey) {
    return Buffer.from(`${apiKey}:`).toString('base64');
}
/** The `Authorization` header value for the key. */
function basicAuthorization(apiKey) {
    return `Basic ${basicToken(apiKey)}`;
}
/** Every form of the key that must never be shown: the key and its Basic token. */
function keyForms(apiKey) {
    return apiKey === '' ? [] : [apiKey, basicToken(apiKey)];
}

;// CONCATENATED MODULE: ./src/shared/constants.ts
/** Input names, exactly as declared in action.yml. */
const Inputs = {
    ApiKey: 'api-key',
    Files: 'files',
    Metadata: 'metadata',
    Project: 'project',
    Tags: 'tags',
    Paired: 'paired',
    Interleaved: 'interleaved',
    SampleId: 'sample-id',
    ExternalSampleId: 'external-sample-id',
    ApiUrl: 'api-url',
    Concurrency: 'concurrency',
    MaxAttempts: 'max-attempts',
    IfNoFilesFound: 'if-no-files-found',
    DryRun: 'dry-run',
    UploadMethod: 'upload-method',
    Validate: 'validate',
    SkipExisting: 'skip-existing',
    Shard: 'shard',
    Lanes: 'lanes',
    SampleSheet: 'sample-sheet',
    PrefixWithDir: 'prefix-with-dir',
    WaitForAnalysis: 'wait-for-analysis',
    AnalysisTimeout: 'analysis-timeout'
};
/** Output names, exactly as declared in action.yml. */
const Outputs = {
    SampleIds: 'sample-ids',
    Samples: 'samples',
    Failed: 'failed',
    Plan: 'plan',
    ResultsFile: 'results-file',
    Truncated: 'truncated',
    Analyses: 'analyses'
};
const UPLOAD_METHOD_VALUES = ['auto', 'standard', 'multipart'];
/** `full`: every byte checked before a sample is confirmed; `head`: ending, first bytes, size. */
const VALIDATE_VALUES = ['full', 'head'];
const LANES_VALUES = ['merge', 'separate'];
const IF_NO_FILES_FOUND_VALUES = ['error', 'warn', 'ignore'];
const DEFAULT_API_URL = 'https://app.onecodex.com';
const CONCURRENCY_RANGE = { min: 1, max: 16, default: 4 };
const MAX_ATTEMPTS_RANGE = { min: 1, max: 10, default: 5 };
/** `shard: k/n`: how many jobs a run may be split across. */
const SHARD_COUNT_RANGE = { min: 1, max: 256 };

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/shared/paths.ts

/**
 * How a file is named in messages and `::error file=` annotations: relative to the workspace
 * (with `/`) when it lies inside it, as GitHub expects for annotations; absolute otherwise.
 * `paths` is the platform's path module (tests pass `path.win32` or `path.posix`).
 */
function displayPath(file, workspace, paths = external_node_path_) {
    const relative = paths.relative(paths.resolve(workspace), file);
    const outside = relative === '' ||
        relative === '..' ||
        relative.startsWith(`..${paths.sep}`) ||
        paths.isAbsolute(relative);
    return outside ? file : relative.split(paths.sep).join('/');
}
/**
 * The text of a file-system error about `file` with that path shown as `shown` (its display
 * path): Node's messages quote the path they were given ("ENOENT: …, stat '/home/…/a.fq'").
 */
function fsErrorText(error, file, shown) {
    // Not `instanceof Error`: errors from another realm (a vm context) are not.
    const message = error?.message;
    const text = typeof message === 'string' ? message : String(error);
    return file && file !== shown ? text.split(file).join(shown) : text;
}
/**
 * `text` (a message) with each of `files` (absolute paths) named by its display path, longest
 * first (so `/ws/a.fq.gz` is not half-replaced by `/ws/a.fq`): for messages whose words come
 * from below (a failed read, a file that changed), which only know the absolute path.
 */
function withDisplayPaths(text, files, workspace) {
    let shown = text;
    for (const file of [...new Set(files)].sort((a, b) => b.length - a.length)) {
        const display = displayPath(file, workspace);
        if (display !== file)
            shown = shown.split(file).join(display);
    }
    return shown;
}
/**
 * `file` relative to the workspace, always (with `/`): `.` for the workspace itself, `../x` for
 * a file beside it; absolute only on another drive. For naming what an input points at, as the
 * user wrote it relative to the workspace.
 */
function relativeName(file, workspace, paths = external_node_path_) {
    const relative = paths.relative(paths.resolve(workspace), file);
    if (relative === '')
        return '.';
    return paths.isAbsolute(relative) ? file : relative.split(paths.sep).join('/');
}

;// CONCATENATED MODULE: ./src/shared/redact.ts
/**
 * Masking of credential-like values: init_upload's `additional_fields` carry a signed policy,
 * its signature and access-key IDs; none of them may ever reach a log line.
 */
const MASK = '***';
// Field names whose values are credentials (S3 POST v2/v4, GCS, Azure-like and generic names).
// The object `key` is a path, not a credential, and stays readable.
const SENSITIVE_NAME = /(policy|signature|credential|secret|token|password|passwd|session|auth|private[-_]?key|access[-_]?(key|id)|api[-_]?key)/i;
/** True when a field of that name holds a credential-like value. */
function isSensitiveField(name) {
    return SENSITIVE_NAME.test(name);
}
/** A copy of `fields` with every credential-like value replaced by `***`. */
function redactFields(fields) {
    const copy = {};
    for (const [name, value] of Object.entries(fields))
        copy[name] = isSensitiveField(name) ? MASK : value;
    return copy;
}
/**
 * The credential-like values among `fields`, to scrub from any text we did not write (a server's
 * error message may echo a policy back). They are never registered with `::add-mask::`: that
 * command would itself print them to the raw log.
 */
function sensitiveValues(fields) {
    return Object.entries(fields)
        .filter(([name]) => isSensitiveField(name))
        .map(([, value]) => value);
}
/** A URL fit for logs: query values (pre-signed URL signatures) and user info removed. */
function redactUrl(raw) {
    try {
        const url = new URL(raw);
        url.username = '';
        url.password = '';
        for (const name of [...url.searchParams.keys()])
            url.searchParams.set(name, MASK);
        return url.toString();
    }
    catch {
        return '(invalid URL)';
    }
}
/** `text` with every occurrence of each secret replaced by `***` (for texts we did not write). */
function redactText(text, secrets) {
    let out = text;
    for (const secret of secrets) {
        if (secret.length >= 4)
            out = out.split(secret).join(MASK);
    }
    return out;
}

;// CONCATENATED MODULE: ./src/onecodex/api-errors.ts
/**
 * 401 and 402 concern the account, not one sample: the error carries the cause for the whole
 * run (see AccountIssue), said once, naming the api-key input.
 */
function accountIssue(status, purpose) {
    if (status === 401)
        return said => ({
            input: 'api-key',
            message: `One Codex did not accept the API key (HTTP 401${said ? `: ${said}` : ''}): check the api-key input; a wrong, revoked or mistyped key is the likely cause.`
        });
    if (status === 402)
        return said => ({
            input: 'api-key',
            message: `One Codex refused ${purpose === 'analyses' ? 'to show analyses' : 'uploads'} for the account of the API key (HTTP 402 Payment Required${said ? `: ${said}` : ''}): check the account's plan or credits, or the api-key input if the key belongs to another account.`
        });
    return undefined;
}
/** A 403 refuses this request only: the key was accepted but may not do this. */
function forbiddenHint(project, purpose) {
    if (purpose === 'analyses')
        return "The API key was accepted but may not read these samples' analyses: check the api-key input (a key of another account, or with too few rights, is the likely cause).";
    return project
        ? `The API key's account may not upload into project ${project}: check the project input (or the sample sheet's project column) and the key's access to that project.`
        : 'The API key was accepted but may not do this: check the api-key input (a key with too few rights is the likely cause).';
}
/**
 * A 404 from a route every One Codex API has (init_upload, init_multipart_upload, the sample
 * listing) says api-url is not One Codex's API: every sample would get it, so the run stops
 * once, naming api-url (without credentials or query) and the route.
 */
function missingRouteIssue(apiUrl, path) {
    let shown = apiUrl;
    try {
        const url = new URL(apiUrl);
        shown = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    }
    catch {
        // shown as given
    }
    return {
        input: 'api-url',
        message: `api-url ${shown} answered HTTP 404 for ${path.split('?')[0]}: is it One Codex's origin? It must be the origin only (scheme, host and port, like https://app.onecodex.com), with no path: check the api-url input.`
    };
}
/**
 * The hint and account-level cause of an API error status. `route` is given for a route that
 * must exist on One Codex's API: its 404 concerns every sample alike.
 */
function apiErrorOptions(status, project, route, purpose = 'uploads') {
    if (status === 403)
        return { hint: forbiddenHint(project, purpose) };
    if (status === 404 && route) {
        const issue = missingRouteIssue(route.apiUrl, route.path);
        return { account: () => issue };
    }
    return { account: accountIssue(status, purpose) };
}
/**
 * The run's cause when api-url never answered, said in one place: either the request never got
 * through ("could not be reached": refused, DNS, TLS, the proxy), or it did (`sent`: written
 * whole) and the connection dropped before any answer, so One Codex may have acted on it.
 * `route` says which way the requests went (see describeRoute); `reason` is the failure.
 */
function unansweredIssue(origin, route, reason, sent) {
    const why = reason.replace(/\.+$/, '');
    const check = `Check the api-url input${route.proxied ? ` and the proxy settings (${route.variable ?? 'HTTPS_PROXY'}, NO_PROXY)` : ''}`;
    return {
        input: 'api-url',
        message: sent
            ? `Requests to api-url ${origin} (${route.via}) were sent, but the connection dropped before any answer came: ${why}. One Codex may have acted on them: the samples they may have made are looked for and cancelled. ${check}; a proxy, gateway or firewall that cuts connections, or a server there that is not One Codex, is a likely cause.`
            : `One Codex could not be reached at api-url ${origin} (${route.via}): ${why}. ${check}.`
    };
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/shared/url-policy.ts
/**
 * Where the action may send data: https anywhere, plain http only to this machine.
 * The API key and the file bytes must never cross a network in clear text.
 */
/**
 * True for 127.0.0.0/8, localhost and ::1. Not for other `*.localhost` names: Node resolves
 * those through DNS, which could point them anywhere.
 */
function isLoopbackHost(hostname) {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost')
        return true;
    if (host === '::1' || host === '0:0:0:0:0:0:0:1')
        return true;
    const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    return v4 !== null && v4.slice(1).every(octet => Number(octet) <= 255);
}
/**
 * Returns why `raw` may not be used as a destination, or undefined when it may.
 * `what` names the URL in the message (e.g. "api-url", "upload_url").
 */
function insecureUrlReason(raw, what) {
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        return `${what} "${raw}" is not a valid URL.`;
    }
    if (url.protocol === 'https:')
        return undefined;
    if (url.protocol === 'http:') {
        if (isLoopbackHost(url.hostname))
            return undefined;
        return `${what} "${url.origin}" uses http: only https is allowed, except for loopback hosts (127.0.0.0/8, localhost, ::1).`;
    }
    return `${what} "${url.origin}" uses ${url.protocol.replace(/:$/, '')}: only https is allowed.`;
}
/** Throws when `raw` may not be used as a destination (see insecureUrlReason). */
function assertSecureUrl(raw, what) {
    const reason = insecureUrlReason(raw, what);
    if (reason)
        throw new Error(reason);
}
/** The URL's origin only (never the credentials or path a URL may carry); "the API" when unparsable. */
function originOf(url) {
    try {
        return new URL(url).origin;
    }
    catch {
        return 'the API';
    }
}

;// CONCATENATED MODULE: ./src/net/proxy-env.ts
/**
 * Which proxy a request takes, from the environment: `HTTPS_PROXY` / `HTTP_PROXY`, minus
 * `NO_PROXY` (names, subdomains, IP addresses and CIDR ranges, ports), never for loopback.
 */


const DEFAULT_PORTS = { 'http:': 80, 'https:': 443 };
/** `host` without IPv6 brackets and a trailing dot, lowercased. */
function bareHost(host) {
    return host
        .replace(/^\[|\]$/g, '')
        .replace(/\.$/, '')
        .toLowerCase();
}
/**
 * True when NO_PROXY (`noProxy`) exempts `hostname`:`port`, as curl reads it: entries separated
 * by commas or spaces; `*` exempts everything; a name exempts itself and its subdomains
 * (`example.com` and `.example.com` both match `example.com` and `a.example.com`, never
 * `badexample.com`); an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`) exempts IP
 * addresses in it (names are never resolved to check). An entry may end in `:port` (`[v6]:port`
 * for IPv6), then it exempts that port only.
 */
function bypassesProxy(hostname, port, noProxy) {
    const host = bareHost(hostname);
    const hostIp = (0,external_node_net_.isIP)(host);
    for (const raw of noProxy.split(/[\s,]+/)) {
        let entry = raw.trim().toLowerCase();
        if (entry === '')
            continue;
        if (entry === '*')
            return true;
        let entryPort;
        const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
        if (bracketed) {
            entry = bracketed[1];
            entryPort = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
        }
        else {
            const withPort = /^([^:]+):(\d+)$/.exec(entry);
            if (withPort) {
                entry = withPort[1];
                entryPort = Number(withPort[2]);
            }
        }
        if (entryPort !== undefined && entryPort !== port)
            continue;
        const slash = entry.indexOf('/');
        if (slash !== -1) {
            if (hostIp && inRange(host, hostIp, entry.slice(0, slash), entry.slice(slash + 1)))
                return true;
            continue;
        }
        if ((0,external_node_net_.isIP)(entry)) {
            if (hostIp && inRange(host, hostIp, entry, hostIp === 4 ? '32' : '128'))
                return true;
            continue;
        }
        const domain = bareHost(entry.replace(/^\*?\./, ''));
        if (domain !== '' && (host === domain || host.endsWith(`.${domain}`)))
            return true;
    }
    return false;
}
/** True when IP `host` (of `family`) lies in `network`/`prefix`; a malformed range never matches. */
function inRange(host, family, network, prefix) {
    const networkFamily = (0,external_node_net_.isIP)(network);
    if (networkFamily !== family || !/^\d{1,3}$/.test(prefix))
        return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const bits = Number(prefix);
    if (bits > (family === 4 ? 32 : 128))
        return false;
    const list = new external_node_net_.BlockList();
    list.addSubnet(network, bits, type);
    return list.check(host, type);
}
/** The variable that carries the proxy for `protocol`, and its value: lowercase first, as curl. */
function proxyVariable(protocol, env) {
    const names = protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
    for (const name of names) {
        const value = env[name]?.trim();
        if (value)
            return { name, value };
    }
    return undefined;
}
/** The NO_PROXY variable that is read (lowercase first), and its value. */
function noProxyVariable(env) {
    for (const name of ['no_proxy', 'NO_PROXY']) {
        const value = env[name]?.trim();
        if (value)
            return { name, value };
    }
    return undefined;
}
/**
 * A proxy variable's value as a URL (no scheme: http://), or why it cannot be used, worded to
 * follow the variable's name ("is not a valid URL"). Never quotes the value: it may hold a
 * password.
 */
function parseProxy(value) {
    let proxy;
    try {
        proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    }
    catch {
        return { reason: 'is not a valid URL' };
    }
    if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
        return {
            reason: `uses ${proxy.protocol.replace(/:$/, '')}://: only http:// and https:// proxies are supported`
        };
    if (proxy.hostname === '')
        return { reason: 'names no host' };
    return { proxy };
}
/**
 * Which way a request to `target` goes. https takes `https_proxy` / `HTTPS_PROXY`, http
 * `http_proxy` / `HTTP_PROXY` (lowercase first, as curl); `no_proxy` / `NO_PROXY` exempts hosts
 * (see bypassesProxy); loopback hosts never take a proxy (a proxy cannot reach this machine's
 * loopback). A proxy URL without a scheme is http://; a scheme other than http or https (e.g.
 * socks5), an unparsable URL or one without a host is `invalid`.
 */
function proxyChoice(target, env = process.env) {
    const host = bareHost(target.hostname);
    const set = proxyVariable(target.protocol, env);
    if (isLoopbackHost(host)) {
        const any = set ?? proxyVariable('https:', env) ?? proxyVariable('http:', env);
        return { kind: 'loopback', ...(any ? { variable: any.name } : {}) };
    }
    if (!set)
        return { kind: 'none' };
    const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
    const noProxy = noProxyVariable(env);
    if (noProxy && bypassesProxy(host, port, noProxy.value))
        return { kind: 'exempt', variable: set.name, noProxy: noProxy.name };
    const parsed = parseProxy(set.value);
    return 'proxy' in parsed
        ? { kind: 'proxy', variable: set.name, proxy: parsed.proxy }
        : { kind: 'invalid', variable: set.name, reason: parsed.reason };
}
/**
 * The proxy a request to `target` goes through, or undefined for a direct connection (see
 * proxyChoice). Throws, naming the variable, when the proxy variable it would take is unusable.
 */
function proxyFor(target, env = process.env) {
    const choice = proxyChoice(target, env);
    if (choice.kind === 'invalid')
        throw new Error(`${choice.variable} ${choice.reason}.`);
    return choice.kind === 'proxy' ? choice.proxy : undefined;
}
/**
 * Why the proxy settings must be fixed before any request, or undefined. Checked: the variable
 * every https request would take (`https_proxy`, else `HTTPS_PROXY`) — api-url's requests, and
 * the storage's, whose hosts init_upload names only later — unless no request could take it:
 * NO_PROXY is `*`, or api-url is a loopback host (a local stand-in of One Codex, its storage
 * local too; each request still checks its own way). `HTTP_PROXY` is never checked: plain http
 * goes to loopback hosts only (see url-policy), and those never take a proxy.
 */
function proxyEnvProblem(apiUrl, env = process.env) {
    let api;
    try {
        api = new URL(apiUrl);
    }
    catch {
        return undefined; // api-url's own check says what is wrong with it
    }
    if (isLoopbackHost(bareHost(api.hostname)))
        return undefined;
    if (noProxyVariable(env)?.value === '*')
        return undefined;
    const set = proxyVariable('https:', env);
    if (!set)
        return undefined;
    const parsed = parseProxy(set.value);
    if ('proxy' in parsed)
        return undefined;
    return `${set.name} ${parsed.reason}: every https request of this step (api-url ${api.origin} and One Codex's storage) would go through it. Write it as http://host:port (user:password@host:port when the proxy needs credentials, https:// for a TLS proxy), or unset it.`;
}
/**
 * How messages name the way to `target`: "no proxy" only when no proxy variable is set; else
 * the variable and what it did ("through the proxy http://proxy:3128 from HTTPS_PROXY", "direct:
 * NO_PROXY exempts x from HTTPS_PROXY", ...). Origins only: never credentials. `proxied` when a
 * proxy was, or should have been, in the way.
 */
function describeRoute(target, env = process.env) {
    const choice = proxyChoice(target, env);
    switch (choice.kind) {
        case 'none':
            return { via: 'no proxy', proxied: false };
        case 'loopback':
            return choice.variable
                ? { via: `direct: ${choice.variable} is not used for loopback hosts`, proxied: false }
                : { via: 'no proxy', proxied: false };
        case 'exempt':
            return {
                via: `direct: ${choice.noProxy} exempts ${bareHost(target.hostname)} from ${choice.variable}`,
                proxied: false
            };
        case 'proxy':
            return {
                via: `through the proxy ${describeProxy(choice.proxy)} from ${choice.variable}`,
                proxied: true,
                variable: choice.variable
            };
        case 'invalid':
            return {
                via: `${choice.variable} unusable: it ${choice.reason}`,
                proxied: true,
                variable: choice.variable
            };
    }
}
/** The proxy as logs may show it: scheme, host and port, never the credentials. */
function describeProxy(proxy) {
    return `${proxy.protocol}//${proxy.host}`;
}

;// CONCATENATED MODULE: ./src/net/stall-watchdog.ts
const systemClock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: handle => clearTimeout(handle)
};
/**
 * Calls `onIdle` every `idleEveryMs` and `onStall` once after `timeoutMs` in which nothing made
 * progress. Progress is `touch()` (cheap: one clock read, no timer work) or a change of the
 * `probe`. Stops by itself after `onStall`; call `stop()` when the watched thing ends.
 */
class StallWatchdog {
    options;
    clock;
    last;
    lastProbe;
    /** Idle marks reported since the last progress. */
    marks = 0;
    marksSince;
    timer;
    stopped = false;
    constructor(options) {
        this.options = options;
        this.clock = options.clock ?? systemClock;
        this.last = this.clock.now();
        this.marksSince = this.last;
        this.lastProbe = options.probe?.() ?? 0;
        this.schedule();
    }
    /** Something moved just now (`at`: the clock's reading of now, when the caller has it). */
    touch(at = this.clock.now()) {
        this.last = at;
    }
    /** Milliseconds since the last progress. */
    get idleMs() {
        return this.clock.now() - this.last;
    }
    stop() {
        if (this.stopped)
            return;
        this.stopped = true;
        if (this.timer !== undefined)
            this.clock.clearTimeout(this.timer);
        this.timer = undefined;
    }
    schedule() {
        const { timeoutMs, idleEveryMs, probe, pollMs } = this.options;
        const idle = this.clock.now() - this.last;
        let wait = Infinity;
        if (timeoutMs !== undefined)
            wait = Math.min(wait, timeoutMs - idle);
        if (idleEveryMs !== undefined && this.options.onIdle)
            wait = Math.min(wait, (this.marks + 1) * idleEveryMs - idle);
        if (probe && pollMs !== undefined)
            wait = Math.min(wait, pollMs);
        if (wait === Infinity)
            return;
        this.timer = this.clock.setTimeout(() => this.check(), Math.max(1, wait));
    }
    check() {
        this.timer = undefined;
        if (this.stopped)
            return;
        const now = this.clock.now();
        const { probe, timeoutMs, idleEveryMs, onIdle, onStall } = this.options;
        if (probe) {
            const value = probe();
            if (value !== this.lastProbe) {
                this.lastProbe = value;
                this.last = now;
            }
        }
        if (this.last !== this.marksSince) {
            this.marksSince = this.last;
            this.marks = 0;
        }
        const idle = now - this.last;
        if (timeoutMs !== undefined && idle >= timeoutMs) {
            this.stop();
            onStall?.(idle);
            return;
        }
        if (idleEveryMs !== undefined && onIdle && idle >= (this.marks + 1) * idleEveryMs) {
            this.marks = Math.floor(idle / idleEveryMs);
            onIdle(this.marks * idleEveryMs);
            if (this.stopped)
                return;
        }
        this.schedule();
    }
}
/**
 * Bytes a socket has moved so far: received, plus handed to the kernel (what was dispatched
 * minus what still waits in node's and libuv's queues). Grows while anything moves.
 */
function socketProgress(socket) {
    const queued = socket._handle
        ?.writeQueueSize;
    return ((socket.bytesRead || 0) +
        (socket.bytesWritten || 0) -
        socket.writableLength -
        (typeof queued === 'number' ? queued : 0));
}
/** How often a request's socket is looked at: an eighth of the timeout, 50 ms to 5 s. */
function pollInterval(timeoutMs) {
    return Math.min(5000, Math.max(50, Math.floor(timeoutMs / 8)));
}
const stalls = new WeakMap();
/** The error a request was destroyed with because it stalled, if it was. */
function stallErrorOf(request) {
    return request ? stalls.get(request) : undefined;
}
/** `no bytes moved for 120 s`, code ETIMEDOUT (retryable). */
function stallError(idleMs) {
    const seconds = idleMs >= 10_000 ? Math.round(idleMs / 1000) : Math.round(idleMs / 100) / 10;
    const error = new Error(`no bytes moved for ${seconds} s`);
    error.code = 'ETIMEDOUT';
    return error;
}
/**
 * Destroys `request` with a retryable ETIMEDOUT error once nothing moved on it for
 * `idleTimeoutMs`, from the moment it has a socket: while connecting, sending, waiting and
 * receiving (not while it waits in an agent's queue for a free socket; a CONNECT through a proxy
 * has its own timeout). The watch ends with the request ('close').
 */
function watchRequest(request, idleTimeoutMs, clock = systemClock) {
    let watchdog;
    let ended = false;
    request.once('socket', (socket) => {
        if (ended)
            return;
        watchdog = new StallWatchdog({
            timeoutMs: idleTimeoutMs,
            pollMs: pollInterval(idleTimeoutMs),
            probe: () => socketProgress(socket),
            clock,
            onStall: idleMs => {
                const error = stallError(idleMs);
                stalls.set(request, error);
                request.destroy(error);
            }
        });
    });
    request.once('close', () => {
        ended = true;
        watchdog?.stop();
    });
}

;// CONCATENATED MODULE: ./src/net/proxy.ts
/**
 * Connections for every request the action makes: kept alive and reused, through the proxy the
 * environment names (`HTTPS_PROXY` / `HTTP_PROXY`, minus `NO_PROXY`), and watched for stalls.
 *
 * Why not @actions/http-client's agent: behind a proxy it uses `tunnel`, whose agent destroys
 * each tunnel as soon as its request is done unless another request for the same host is
 * already queued, so sequential requests (init, upload, confirm; sample after sample) each pay a
 * new CONNECT (and a new TLS handshake). Here a proxied connection is an ordinary keep-alive
 * socket of an ordinary node Agent that happens to be opened with CONNECT, so the Agent pools it
 * like any other. And its NO_PROXY check knows no CIDR ranges.
 */




/** How long an unused kept-alive connection is kept (node's own global agent keeps 5 s). */
const FREE_SOCKET_TIMEOUT_MS = 5000;
function splitOptions(options) {
    const { idleTimeoutMs, env, clock, ...agentOptions } = options;
    return [
        { keepAlive: true, scheduling: 'lifo', timeout: FREE_SOCKET_TIMEOUT_MS, ...agentOptions },
        {
            idleTimeoutMs: idleTimeoutMs ?? 120_000,
            env: env ?? process.env,
            clock: clock ?? systemClock
        }
    ];
}
/**
 * Opens a CONNECT tunnel to `host`:`port` through `proxy`; hands over the raw socket (the
 * caller speaks TLS over it for https). Fails with a retryable code when the proxy cannot be
 * reached or answers 5xx, a fatal one when it refuses (407, 403, ...).
 */
function openTunnel(proxy, options, defaultPort, transport, callback) {
    const host = bareHost(String(options.host ?? options.hostname ?? 'localhost'));
    const port = Number(options.port) || defaultPort;
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers = { host: authority };
    if (proxy.username || proxy.password) {
        const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
        headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
    }
    const via = describeProxy(proxy);
    let done = false;
    const finish = (error, socket) => {
        if (done) {
            socket?.destroy();
            return;
        }
        done = true;
        callback(error, socket);
    };
    const fail = (message, code) => {
        const error = new Error(message);
        error.code = code;
        finish(error);
    };
    const request = (proxy.protocol === 'https:' ? (external_node_https_default()) : (external_node_http_default())).request({
        host: bareHost(proxy.hostname),
        port: Number(proxy.port) || DEFAULT_PORTS[proxy.protocol],
        method: 'CONNECT',
        path: authority,
        headers,
        agent: false,
        setHost: false
    });
    // A CONNECT has no body, so node's socket timeout fires after one period here.
    if (transport.idleTimeoutMs > 0)
        request.setTimeout(transport.idleTimeoutMs, () => {
            fail(`the proxy ${via} did not answer CONNECT ${authority} in time`, 'ETIMEDOUT');
            request.destroy();
        });
    request.once('connect', (response, socket, head) => {
        socket.setTimeout(0);
        const status = response.statusCode ?? 0;
        if (status !== 200) {
            socket.destroy();
            // 5xx: the proxy could not reach the host, another attempt may; anything else is a refusal.
            return fail(`the proxy ${via} answered CONNECT ${authority} with HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`, status >= 500 ? 'ECONNRESET' : 'EPROXYREFUSED');
        }
        if (head.length > 0)
            socket.unshift(head);
        finish(null, socket);
    });
    request.once('error', (error) => {
        const wrapped = new Error(`could not open a tunnel through the proxy ${via}: ${error.message}`);
        wrapped.code = error.code ?? 'ECONNRESET';
        finish(wrapped);
    });
    request.end();
}
/**
 * The proxy a new connection of an agent for `protocol` goes through (undefined: direct), or
 * null when the proxy settings are unusable: `callback` then already has the error.
 */
function connectionProxy(protocol, options, transport, callback) {
    try {
        return proxyFor({ protocol, hostname: String(options.host ?? ''), port: options.port ?? '' }, transport.env);
    }
    catch (error) {
        callback?.(error, undefined);
        return null;
    }
}
/** Watches `request` for stalls, unless the transport's watch is off. */
function watch(request, transport) {
    if (transport.idleTimeoutMs > 0)
        watchRequest(request, transport.idleTimeoutMs, transport.clock);
}
/**
 * Keep-alive agent for https: direct connections as node's own, or TLS through a CONNECT tunnel
 * when the environment names a proxy for the host. Tunnels are pooled like any socket, so N
 * requests to one host open one tunnel (per concurrent request), not N.
 */
class TransportHttpsAgent extends (external_node_https_default()).Agent {
    transport;
    constructor(options = {}) {
        const [agentOptions, transport] = splitOptions(options);
        super(agentOptions);
        this.transport = transport;
    }
    createConnection(options, callback) {
        const proxy = connectionProxy('https:', options, this.transport, callback);
        if (proxy === null)
            return undefined;
        if (!proxy)
            return super.createConnection(options);
        openTunnel(proxy, options, 443, this.transport, (error, socket) => {
            if (error || !socket)
                return callback?.(error ?? new Error('no tunnel'), undefined);
            let tls;
            try {
                tls = super.createConnection({ ...options, socket });
            }
            catch (failure) {
                socket.destroy();
                return callback?.(failure, undefined);
            }
            if (tls)
                callback?.(null, tls);
        });
        return undefined;
    }
    /** Every request through this agent is watched for stalls. */
    addRequest(request, options) {
        watch(request, this.transport);
        external_node_https_default().Agent.prototype.addRequest.call(this, request, options);
    }
}
/** The same for plain http (loopback in practice; a tunnel when a proxy is named for the host). */
class TransportHttpAgent extends (external_node_http_default()).Agent {
    transport;
    constructor(options = {}) {
        const [agentOptions, transport] = splitOptions(options);
        super(agentOptions);
        this.transport = transport;
    }
    createConnection(options, callback) {
        const proxy = connectionProxy('http:', options, this.transport, callback);
        if (proxy === null)
            return undefined;
        const create = (external_node_http_default()).Agent.prototype.createConnection;
        if (!proxy)
            return create.call(this, options);
        openTunnel(proxy, options, 80, this.transport, (error, socket) => {
            if (error || !socket)
                return callback?.(error ?? new Error('no tunnel'), undefined);
            if (options.timeout)
                socket.setTimeout(options.timeout);
            callback?.(null, socket);
        });
        return undefined;
    }
    addRequest(request, options) {
        watch(request, this.transport);
        external_node_http_default().Agent.prototype.addRequest.call(this, request, options);
    }
}
/** A new keep-alive, proxy-aware, stall-watching agent for `protocol` ('http:' or 'https:'). */
function createAgent(protocol, options = {}) {
    if (protocol === 'https:')
        return new TransportHttpsAgent(options);
    if (protocol === 'http:')
        return new TransportHttpAgent(options);
    throw new Error(`unsupported protocol ${protocol}`);
}
const shared = new Map();
/**
 * The process-wide agent for requests to `url` (its protocol), for code whose requests are made
 * by a library: e.g. the AWS SDK's `new NodeHttpHandler({ httpsAgent: agentFor('https://s3…'),
 * httpAgent: agentFor('http://…') })`. Keep-alive, HTTPS_PROXY / NO_PROXY as curl reads them,
 * and a request stalled for `idleTimeoutMs` (default 120 s) destroyed with ETIMEDOUT.
 */
function agentFor(url, options = {}) {
    const protocol = typeof url === 'string' ? new URL(url).protocol : url.protocol;
    const idle = options.idleTimeoutMs ?? 120_000;
    const key = `${protocol}${idle}`;
    let agent = shared.get(key);
    if (!agent) {
        agent = createAgent(protocol, { idleTimeoutMs: idle });
        shared.set(key, agent);
    }
    return agent;
}

;// CONCATENATED MODULE: ./src/net/http.ts
/**
 * The HTTP plumbing the API client and the storage client share: node's own http/https over
 * the agents of proxy.ts (keep-alive, HTTPS_PROXY / NO_PROXY, one stall timeout). Nothing here
 * retries and nothing follows a redirect: retries belong to the RetryPolicy, and a consumed
 * upload stream cannot be replayed.
 */




const USER_AGENT = 'onecodex-upload-action';
/** The default stall timeout: a request on which no byte moved for this long is given up. */
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/**
 * Requests over keep-alive connections (one pool per client and protocol), through the proxy
 * the environment names, each destroyed with a retryable ETIMEDOUT error when no byte moves on
 * it for the stall timeout: while connecting, sending, waiting or receiving, as long as the
 * response is being read.
 */
class HttpClient {
    agentOptions;
    agents = new Map();
    disposed = false;
    constructor(agentOptions = {}) {
        this.agentOptions = agentOptions;
    }
    /**
     * One request. Resolves once the response head arrived; rejects on a network failure before
     * that (the stall timeout included). A string or Buffer body gets its Content-Length; a
     * stream body must set its own headers.
     */
    request(method, url, body, headers, options = {}) {
        return new Promise((resolve, reject) => {
            if (this.disposed)
                throw new Error('the HTTP client was disposed');
            const target = new URL(url);
            const module = target.protocol === 'https:' ? (external_node_https_default()) : target.protocol === 'http:' ? (external_node_http_default()) : undefined;
            if (!module)
                throw new Error(`unsupported protocol in ${target.origin}`);
            const all = { 'user-agent': USER_AGENT };
            for (const [name, value] of Object.entries(headers))
                all[name.toLowerCase()] = value;
            if (typeof body === 'string' || Buffer.isBuffer(body))
                all['content-length'] = String(Buffer.byteLength(body));
            let settled = false;
            const request = module.request({
                method,
                host: target.hostname.replace(/^\[|\]$/g, ''),
                port: target.port || undefined,
                path: `${target.pathname}${target.search}`,
                headers: all,
                agent: this.agentFor(target.protocol),
                signal: options.signal
            });
            request.on('response', message => {
                settled = true;
                resolve({ message, request });
            });
            // Stays attached: a failure after the answer arrived reaches the reader of the body.
            request.on('error', error => {
                if (settled)
                    return;
                settled = true;
                const failure = stallErrorOf(request) ?? error;
                failure.requestSent = request.writableFinished;
                reject(failure);
            });
            if (body === undefined)
                request.end();
            else if (typeof body === 'string' || Buffer.isBuffer(body))
                request.end(body);
            else
                body.pipe(request);
        });
    }
    get(url, headers = {}) {
        return this.request('GET', url, undefined, headers);
    }
    post(url, body, headers = {}) {
        return this.request('POST', url, body, headers);
    }
    /** Closes the kept-alive connections. */
    dispose() {
        this.disposed = true;
        for (const agent of this.agents.values())
            agent.destroy();
        this.agents.clear();
    }
    agentFor(protocol) {
        let agent = this.agents.get(protocol);
        if (!agent) {
            agent = createAgent(protocol, this.agentOptions);
            this.agents.set(protocol, agent);
        }
        return agent;
    }
}
/**
 * For a failure of HttpClient.request: true when the whole request had gone out (the server
 * may have acted on it), false when it failed before that, undefined when unknown.
 */
function requestWasSent(error) {
    const mark = error?.requestSent;
    return typeof mark === 'boolean' ? mark : undefined;
}
/** A client whose requests are given up when no byte moves for `idleTimeoutMs` (120 s). */
function createHttpClient(idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {
    return new HttpClient({ idleTimeoutMs });
}
/**
 * Reads a response body as text, keeping at most `limit` bytes (the rest is drained, so a
 * keep-alive socket can be reused). Rejects when the connection breaks mid-response, with the
 * stall error when the stall timeout ended it.
 */
function readBodyText(message, limit = 64 * 1024) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let kept = 0;
        let done = false;
        const request = message.req;
        const finish = (error) => {
            if (done)
                return;
            done = true;
            if (error)
                reject(stallErrorOf(request) ?? error);
            else
                resolve(Buffer.concat(chunks).toString('utf8'));
        };
        message.on('data', (chunk) => {
            if (kept >= limit)
                return;
            const part = chunk.subarray(0, limit - kept);
            chunks.push(part);
            kept += part.length;
        });
        message.on('end', () => finish());
        message.on('error', error => finish(error));
        message.on('close', () => {
            if (!message.complete) {
                const error = new Error('the connection closed before the response was complete');
                error.code = 'ECONNRESET';
                finish(error);
            }
            else
                finish();
        });
    });
}

;// CONCATENATED MODULE: ./src/onecodex/connection.ts






/**
 * The connection to api-url under every One Codex call: one HTTP client, HTTP Basic (key as
 * username, empty password; the key goes to api-url only), JSON requests and answers, and
 * whether api-url ever answered. One request per call: retries belong to the caller.
 */
class ApiConnection {
    apiUrl;
    http;
    authorization;
    purpose;
    signal;
    answered = false;
    /** While api-url never answered: the first failure that never reached it, if any. */
    firstRefused;
    /** While api-url never answered: the first failure after a request had gone out in full. */
    firstDropped;
    constructor(apiUrl, apiKey, options = {}) {
        assertSecureUrl(apiUrl, 'api-url');
        this.apiUrl = apiUrl.replace(/\/+$/, '');
        this.authorization = basicAuthorization(apiKey);
        this.http = createHttpClient(options.socketTimeoutMs);
        this.purpose = options.purpose ?? 'uploads';
        this.signal = options.signal;
    }
    /** True once api-url answered any request (whatever the status). */
    get reached() {
        return this.answered;
    }
    /**
     * While api-url has never answered: the run's cause, naming api-url and whether a proxy was
     * in the way. Undefined once it answered. When every request went out in full and only the
     * answers were lost (each connection dropped after sending), it says that, not that One
     * Codex could not be reached.
     */
    get unreachable() {
        if (this.answered)
            return undefined;
        const origin = new URL(this.apiUrl).origin;
        const route = describeRoute(new URL(this.apiUrl));
        if (this.firstRefused !== undefined)
            return unansweredIssue(origin, route, this.firstRefused, false);
        if (this.firstDropped !== undefined)
            return unansweredIssue(origin, route, this.firstDropped, true);
        return undefined;
    }
    dispose() {
        this.http.dispose();
    }
    /** What the error wording needs of a route that must exist (see RouteOptions). */
    routeOf(path, options) {
        return options.mustExist ? { apiUrl: this.apiUrl, path } : undefined;
    }
    /**
     * A request to api-url that got no answer: the message names api-url and which way it went
     * (the proxy, or why none); before any answer, the first such failure of each kind (never
     * reached it, or dropped after the request was sent) is kept for the run's cause.
     */
    unreachableError(label, error) {
        if (this.signal?.aborted)
            return new UploadError(`${label} was stopped: the job was cancelled.`, {
                code: 'ABORTED',
                retryable: false
            });
        const failure = networkError(label, error);
        const origin = new URL(this.apiUrl).origin;
        const route = describeRoute(new URL(this.apiUrl));
        const sent = requestWasSent(error);
        if (!this.answered) {
            const reason = failure.message.replace(`${label} failed: `, '');
            if (sent)
                this.firstDropped ??= reason;
            else
                this.firstRefused ??= reason;
        }
        return new UploadError(`${failure.message}${sent ? ' after the request was sent' : ''} (api-url ${origin}, ${route.via})`, {
            code: failure.code,
            status: failure.status,
            retryable: failure.retryable,
            ...(sent !== undefined ? { requestSent: sent } : {})
        });
    }
    /**
     * GET `pathAndQuery` on api-url: the parsed JSON answer and its headers. Any status but 2xx,
     * and a body that is not JSON (an empty one included), is an error.
     */
    async getJson(pathAndQuery, label, extraHeaders, options = {}) {
        let status;
        let text;
        let headers;
        try {
            const response = await this.http.request('GET', `${this.apiUrl}${pathAndQuery}`, undefined, { authorization: this.authorization, accept: 'application/json', ...extraHeaders }, { signal: either(this.signal, options.signal) });
            status = response.message.statusCode ?? 0;
            this.answered = true;
            headers = response.message.headers;
            text = await readBodyText(response.message, options.bodyLimit ?? 16 * 1024 * 1024);
        }
        catch (error) {
            throw this.unreachableError(label, error);
        }
        if (status < 200 || status >= 300)
            throw httpError(label, status, text, headers, apiErrorOptions(status, undefined, this.routeOf(pathAndQuery, options), this.purpose));
        try {
            return { json: JSON.parse(text), headers };
        }
        catch {
            throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
                retryable: false
            });
        }
    }
    /** POST `body` as JSON to `path` on api-url: the parsed answer ({} for an empty one). */
    async postJson(path, body, label, options = {}) {
        let status;
        let text;
        let headers;
        try {
            const response = await this.http.request('POST', `${this.apiUrl}${path}`, JSON.stringify(body), {
                authorization: this.authorization,
                'content-type': 'application/json',
                accept: 'application/json'
            }, { signal: this.signal });
            status = response.message.statusCode ?? 0;
            this.answered = true;
            headers = response.message.headers;
            text = await readBodyText(response.message);
        }
        catch (error) {
            throw this.unreachableError(label, error);
        }
        if (status < 200 || status >= 300) {
            const project = body?.project;
            throw httpError(label, status, text, headers, apiErrorOptions(status, typeof project === 'string' ? project : undefined, this.routeOf(path, options), this.purpose));
        }
        if (text.trim() === '')
            return {};
        try {
            return JSON.parse(text);
        }
        catch {
            throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
                retryable: false
            });
        }
    }
}
/**
 * Whether a failed API request may still have been acted on (for init_upload: a sample made
 * whose answer never arrived): a 5xx (a gateway may have lost the answer), an answer that
 * could not be read, a failure after the request was sent in full. Not: a 4xx (refused), or a
 * failure before the request went out (refused connection, DNS, TLS).
 */
function mayHaveBeenActedOn(error) {
    if (!(error instanceof UploadError))
        return true;
    if (error.status !== undefined)
        return error.status >= 500 || error.status < 400;
    return error.requestSent !== false;
}
/** The job's signal and a call's own, as one (either aborts the request). */
function either(a, b) {
    return a && b ? AbortSignal.any([a, b]) : (a ?? b);
}

;// CONCATENATED MODULE: ./src/analysis/analysis-client.ts


const MAX_REQUEST_CHARS = 3000;
const PER_PAGE = 1000;
const MAX_PAGES = 1000;
const LIST_BODY_LIMIT = 16 * 1024 * 1024;
const RESULTS_BODY_LIMIT = 64 * 1024 * 1024;
const SAMPLE_URI = /^\/api\/v1\/samples\/([^/]+)$/;
const CLASSIFICATION_URI = /^\/api\/v1\/classifications\/([^/]+)$/;
/** Length of `text` once form-encoded in a query (each character encodes on its own). */
const encodedLength = (text) => new URLSearchParams({ q: text }).toString().length - 2;
/**
 * Splits `uris` into lists whose `where={"$uri":{"$in":[...]}}` query stays within `room`
 * characters once encoded (at least one URI per list).
 */
function splitByLength(uris, room) {
    const base = encodedLength(JSON.stringify({ $uri: { $in: [] } }));
    const chunks = [];
    let chunk = [];
    let used = base;
    for (const uri of uris) {
        const piece = encodedLength(JSON.stringify(uri)) + (chunk.length > 0 ? encodedLength(',') : 0);
        if (chunk.length > 0 && used + piece > room) {
            chunks.push(chunk);
            chunk = [];
            used = base;
            used += encodedLength(JSON.stringify(uri));
        }
        else
            used += piece;
        chunk.push(uri);
    }
    if (chunk.length > 0)
        chunks.push(chunk);
    return chunks;
}
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The id of `{"$ref": "<uri>"}` when the URI matches `pattern`, else null. */
function refId(value, pattern) {
    if (!isObject(value) || typeof value.$ref !== 'string')
        return null;
    return pattern.exec(value.$ref)?.[1] ?? null;
}
const numberOrNull = (value) => typeof value === 'number' && Number.isFinite(value) ? value : null;
class OneCodexAnalysisClient extends ApiConnection {
    retry;
    maxRequestChars;
    perPage;
    constructor(options) {
        super(options.apiUrl, options.apiKey, {
            socketTimeoutMs: options.socketTimeoutMs,
            purpose: 'analyses'
        });
        this.retry = options.retry;
        this.maxRequestChars = options.maxRequestChars ?? MAX_REQUEST_CHARS;
        this.perPage = options.perPage ?? PER_PAGE;
    }
    async listSamples(sampleIds, signal) {
        const items = await this.listAll('/api/v1/samples', sampleIds.map(id => `/api/v1/samples/${id}`), 'sample', signal);
        return items.map(({ item, label }) => {
            const id = typeof item.$uri === 'string' ? SAMPLE_URI.exec(item.$uri)?.[1] : undefined;
            if (!id)
                throw bad(`${label} answered with a sample without a valid $uri.`);
            return {
                sampleId: id,
                classificationId: refId(item.primary_classification, CLASSIFICATION_URI),
                ...(typeof item.visibility === 'string' ? { visibility: item.visibility } : {})
            };
        });
    }
    async listClassifications(classificationIds, signal) {
        const items = await this.listAll('/api/v1/classifications', classificationIds.map(id => `/api/v1/classifications/${id}`), 'classification', signal);
        return items.map(({ item, label }) => {
            const id = typeof item.$uri === 'string' ? CLASSIFICATION_URI.exec(item.$uri)?.[1] : undefined;
            if (!id)
                throw bad(`${label} answered with a classification without a valid $uri.`);
            if (typeof item.complete !== 'boolean')
                throw bad(`${label} answered with classification ${id} without "complete".`);
            const sampleId = refId(item.sample, SAMPLE_URI);
            return {
                classificationId: id,
                ...(sampleId ? { sampleId } : {}),
                complete: item.complete,
                success: item.success === true,
                error: typeof item.error_msg === 'string' ? item.error_msg : null
            };
        });
    }
    async getResults(classificationId, signal) {
        const label = `reading the results of classification ${classificationId}`;
        const path = `/api/v1/classifications/${encodeURIComponent(classificationId)}/results`;
        const { json } = await this.retry.execute(label, () => this.getPage(path, label, RESULTS_BODY_LIMIT, signal), { signal });
        if (!isObject(json) || !Array.isArray(json.table))
            throw bad(`${label}: One Codex answered without a results table.`);
        const table = [];
        for (const row of json.table) {
            if (!isObject(row))
                continue;
            const taxId = typeof row.tax_id === 'string' || typeof row.tax_id === 'number' ? String(row.tax_id) : '';
            if (taxId === '' || typeof row.name !== 'string' || typeof row.rank !== 'string')
                continue;
            table.push({
                tax_id: taxId,
                name: row.name,
                rank: row.rank,
                readcount: numberOrNull(row.readcount),
                readcount_w_children: numberOrNull(row.readcount_w_children),
                abundance: numberOrNull(row.abundance),
                abundance_w_children: numberOrNull(row.abundance_w_children)
            });
        }
        return {
            n_reads: numberOrNull(json.n_reads),
            host_tax_ids: Array.isArray(json.host_tax_ids) ? json.host_tax_ids.map(String) : [],
            table
        };
    }
    /**
     * Every item of `path` whose `$uri` is one of `uris`: one request per split of the list (to
     * keep each request line within maxRequestChars), following each split's cursor pages.
     */
    async listAll(path, uris, noun, signal) {
        const fixed = `${path}?where=&per_page=${this.perPage}`.length;
        const room = Math.max(1, this.maxRequestChars - fixed);
        const out = [];
        for (const chunk of splitByLength([...new Set(uris)], room)) {
            const label = `listing ${chunk.length} ${noun}${chunk.length === 1 ? '' : 's'}`;
            const seen = new Set();
            let cursor;
            for (let page = 1;; page++) {
                const query = new URLSearchParams({ where: JSON.stringify({ $uri: { $in: chunk } }) });
                query.set('per_page', String(this.perPage));
                if (cursor !== undefined)
                    query.set('cursor', cursor);
                const pageLabel = page > 1 ? `${label} (page ${page})` : label;
                const { json, next } = await this.retry.execute(pageLabel, () => this.getPage(`${path}?${query}`, pageLabel, LIST_BODY_LIMIT, signal), { signal });
                if (!Array.isArray(json))
                    throw bad(`${pageLabel} answered with something not a list.`);
                for (const item of json) {
                    if (!isObject(item))
                        throw bad(`${pageLabel} answered with an item not an object.`);
                    out.push({ item, label: pageLabel });
                }
                if (!next)
                    break;
                if (seen.has(next) || page >= MAX_PAGES)
                    throw bad(`${label}: One Codex kept handing out more pages (${page}); giving up.`);
                seen.add(next);
                cursor = next;
            }
        }
        return out;
    }
    /** One GET of `path` on api-url: its JSON body and X-Next-Cursor. */
    async getPage(path, label, bodyLimit, signal) {
        const { json, headers } = await this.getJson(path, label, { 'x-pagination-style': 'cursor' }, { signal, bodyLimit });
        const raw = headers['x-next-cursor'];
        const next = (Array.isArray(raw) ? raw[0] : raw)?.trim();
        return { json, ...(next ? { next } : {}) };
    }
}
const bad = (message) => new UploadError(message, { retryable: false });

;// CONCATENATED MODULE: ./src/shared/format.ts
/**
 * How sizes, rates and durations read in logs, the job summary and error messages. Decimal units
 * throughout: One Codex's limit is 20 GB (20 * 1000^3 bytes) and network speeds are quoted in MB/s.
 */
/** 999 → "999 B"; 4816 → "4.8 kB"; 2147483648 → "2.1 GB". */
function formatBytes(bytes) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
/**
 * 4816 → "4,816"; 20000000001 → "20,000,000,001". Written out rather than toLocaleString('en-US'):
 * the first Intl call loads ICU data, about 15 ms of a dry run's start.
 */
function formatCount(n) {
    const [whole, fraction] = String(Math.abs(n)).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return `${n < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
/** `4.8 kB (4,816 bytes)`: for messages where the exact count matters. */
function describeSize(bytes) {
    return `${formatBytes(bytes)} (${formatCount(bytes)} bytes)`;
}
/** Throughput in MB/s. */
function formatRate(bytes, ms) {
    if (ms <= 0)
        return '– MB/s';
    return `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
}
/** 1234 → "1.2 s"; 125000 → "2 min 5 s". */
function formatDuration(ms) {
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)} s`;
    const total = Math.round(ms / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${seconds} s`;
}

;// CONCATENATED MODULE: ./src/analysis/top-species.ts
/** How many species an `analyses` entry keeps. */
const TOP_SPECIES = 10;
const num = (value) => typeof value === 'number' && Number.isFinite(value) ? value : null;
/**
 * The rows of rank `species`, most abundant first (rows without an estimate last, by reads),
 * at most `limit`. A species counts with its strains: `abundance_w_children` and
 * `readcount_w_children` where given, else `abundance` and `readcount`.
 */
function topSpecies(table, limit = TOP_SPECIES) {
    const species = table
        .filter(row => row.rank === 'species')
        .map(row => ({
        tax_id: row.tax_id,
        name: row.name,
        abundance: num(row.abundance_w_children) ?? num(row.abundance),
        readcount: num(row.readcount_w_children) ?? num(row.readcount) ?? 0
    }));
    species.sort((a, b) => (b.abundance ?? -1) - (a.abundance ?? -1) ||
        b.readcount - a.readcount ||
        a.name.localeCompare(b.name));
    return species.slice(0, limit);
}
/** 0.523 → "52 %"; 0.042 → "4.2 %"; 0.0004 → "<0.1 %"; null → "–". */
function formatPercent(fraction) {
    if (fraction === null)
        return '–';
    const percent = fraction * 100;
    if (percent >= 9.95)
        return `${Math.round(percent)} %`;
    if (percent >= 0.05)
        return `${percent.toFixed(1)} %`;
    return percent > 0 ? '<0.1 %' : '0 %';
}
/** "Escherichia coli 52 %, Bacteroides fragilis 11 %, …": the first `shown` of `top`. */
function describeTop(top, shown = 3) {
    if (top.length === 0)
        return 'no species identified';
    const named = top.slice(0, shown).map(s => `${s.name} ${formatPercent(s.abundance)}`);
    return `${named.join(', ')}${top.length > shown ? ', …' : ''}`;
}

;// CONCATENATED MODULE: ./src/analysis/await-analyses.ts
/**
 * Waiting for One Codex's analyses of a whole run at once. Each round asks about every sample
 * still waiting together: one sample listing for those whose analysis has not started (to learn
 * their primary classification), one classification listing for those running, each split by
 * the client only to keep request lines short. The first look is after 5 s (at once when some
 * samples were found by skip-existing: theirs finished long ago), then each wait is 1.5× the
 * last, at most 2 min, with ±20 % jitter, and the last look is at the timeout. Each finished
 * classification's results are fetched once.
 *
 * A line is logged when each analysis finishes, and every 5 min how many are still waiting.
 * 401/402 stop the wait (AnalysisStop). A round that fails after its retries is tried again
 * the next round; a refusal (another 4xx) is final for the samples it concerned. When `signal`
 * aborts, the wait returns at once with what it knows, the rest `cancelled`.
 */




const FIRST_LOOK_MS = 5000;
const BACKOFF_FACTOR = 1.5;
const MAX_DELAY_MS = 120_000;
/** Each wait is the scheduled one × (1 ± JITTER). */
const JITTER = 0.2;
const PROGRESS_EVERY_MS = 300_000;
/** 401/402 while waiting: the cause (said once) and what was known when the wait stopped. */
class AnalysisStop extends Error {
    issue;
    analyses;
    constructor(issue, analyses) {
        super(issue.message);
        this.issue = issue;
        this.analyses = analyses;
        this.name = 'AnalysisStop';
    }
}
/** The reason of an entry the stop cut short (the report tells the stop's cause once). */
function stoppedReason(cause) {
    return `Stopped waiting for the analysis: ${cause.message}`;
}
/** The wait before look `n + 1`, without jitter: 5 s, 7.5 s, 11.25 s, … at most 2 min. */
function scheduledDelay(look, firstMs = FIRST_LOOK_MS, maxMs = MAX_DELAY_MS) {
    return Math.min(maxMs, firstMs * BACKOFF_FACTOR ** Math.max(0, look - 1));
}
const isPermanent = (error) => {
    const status = error?.status;
    return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
};
const accountOf = (error) => error?.account;
const messageOf = (error) => error instanceof Error ? error.message : String(error);
const samplesText = (n) => (n === 1 ? '1 sample' : `${n} samples`);
const analysesText = (n) => (n === 1 ? '1 analysis' : `${n} analyses`);
/**
 * Waits for the analyses of `samples` (their primary classifications) and returns one entry
 * per sample, in their order. Throws AnalysisStop on 401/402.
 */
async function awaitAnalyses(samples, options) {
    const { client, signal, log } = options;
    const warn = options.warn ?? log;
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? abortableSleep;
    const random = options.random ?? Math.random;
    const firstLookMs = options.firstLookMs ?? FIRST_LOOK_MS;
    const maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
    const progressEveryMs = options.progressEveryMs ?? PROGRESS_EVERY_MS;
    const concurrency = Math.max(1, options.resultsConcurrency ?? 4);
    const started = now();
    const deadline = started + options.timeoutMs;
    const all = samples.map(sample => ({
        sample,
        classificationId: null,
        succeeded: false
    }));
    const waiting = () => all.filter(w => !w.result);
    /** Records how `w` ended; a line for a finished analysis unless `quiet`. */
    const end = (w, status, error, results, quiet = false) => {
        w.result = {
            sample_id: w.sample.sampleId,
            path: w.sample.path,
            filename: w.sample.filename,
            classification_id: w.classificationId,
            status,
            error,
            n_reads: results?.n_reads ?? null,
            top: results ? topSpecies(results.table) : []
        };
        if (quiet)
            return;
        if (status === 'complete') {
            log(`${w.sample.filename}: analysis complete — ${describeTop(w.result.top)}`);
        }
        else if (status === 'failed') {
            log(`${w.sample.filename}: analysis failed — ${error} (sample ${w.sample.sampleId})`);
        }
    };
    const results = () => all.map(w => w.result);
    const stop = (cause) => {
        for (const w of waiting()) {
            end(w, 'failed', stoppedReason(cause), undefined, true);
        }
        throw new AnalysisStop(cause, results());
    };
    /**
     * Handles an error of a call about `concerned`: 401/402 stop everything; a refusal ends the
     * samples concerned; anything else is said and tried again next round.
     */
    const failed = (error, concerned, what) => {
        if (signal?.aborted)
            return;
        const account = accountOf(error);
        if (account)
            stop(account);
        if (isPermanent(error)) {
            const reason = `One Codex refused to show ${what}: ${messageOf(error)}`;
            warn(reason);
            for (const w of concerned)
                end(w, 'failed', reason, undefined, true);
            return;
        }
        warn(`Could not ask One Codex about ${what} this round: ${messageOf(error)} Trying again next round.`);
    };
    const fetchResults = async (ready) => {
        let next = 0;
        let stopCause;
        const worker = async () => {
            while (next < ready.length && !signal?.aborted && !stopCause) {
                const w = ready[next++];
                const id = w.classificationId;
                try {
                    end(w, 'complete', null, await client.getResults(id, signal));
                }
                catch (error) {
                    if (signal?.aborted)
                        return;
                    stopCause ??= accountOf(error);
                    if (stopCause)
                        return;
                    if (isPermanent(error)) {
                        end(w, 'failed', `One Codex's analysis completed, but its results could not be read: ${messageOf(error)}`);
                    }
                    else {
                        warn(`${w.sample.filename}: could not read the analysis results yet: ${messageOf(error)}`);
                    }
                }
            }
        };
        // Every worker ends before a stop is passed on: no request is left running.
        await Promise.all(Array.from({ length: Math.min(concurrency, ready.length) }, worker));
        if (stopCause)
            stop(stopCause);
    };
    const look = async () => {
        const unstarted = waiting().filter(w => w.classificationId === null);
        if (unstarted.length > 0) {
            try {
                const listed = await client.listSamples(unstarted.map(w => w.sample.sampleId), signal);
                const byId = new Map(listed.map(view => [view.sampleId, view]));
                for (const w of unstarted) {
                    const view = byId.get(w.sample.sampleId);
                    if (!view) {
                        end(w, 'failed', `One Codex does not list sample ${w.sample.sampleId} (deleted?).`);
                    }
                    else if (view.classificationId !== null) {
                        w.classificationId = view.classificationId;
                    }
                    else if (view.visibility === 'awaiting data') {
                        end(w, 'failed', `Sample ${w.sample.sampleId}'s upload never completed: it gets no analysis.`);
                    }
                }
            }
            catch (error) {
                failed(error, unstarted, `${samplesText(unstarted.length)}`);
            }
        }
        if (signal?.aborted)
            return;
        const running = waiting().filter(w => w.classificationId !== null && !w.succeeded);
        if (running.length > 0) {
            try {
                const listed = await client.listClassifications(running.map(w => w.classificationId), signal);
                const byId = new Map(listed.map(view => [view.classificationId, view]));
                for (const w of running) {
                    const view = byId.get(w.classificationId);
                    if (!view?.complete)
                        continue;
                    if (view.success)
                        w.succeeded = true;
                    else
                        end(w, 'failed', view.error || 'One Codex gave no reason.');
                }
            }
            catch (error) {
                failed(error, running, analysesText(running.length));
            }
        }
        if (signal?.aborted)
            return;
        await fetchResults(waiting().filter(w => w.succeeded));
    };
    let lastProgress = started;
    const progress = () => {
        const left = waiting();
        if (left.length === 0 || now() - lastProgress < progressEveryMs)
            return;
        lastProgress = now();
        const notStarted = left.filter(w => w.classificationId === null).length;
        log(`Waiting for One Codex's analyses: ${left.length} of ${all.length} not finished${notStarted > 0 ? ` (${notStarted} not started yet)` : ''} after ${formatDuration(now() - started)}; analysis-timeout is ${describeDuration(options.timeoutMs)}.`);
    };
    if (all.length > 0) {
        const first = samples.some(s => s.existing) ? 0 : firstLookMs;
        let wait = Math.min(first, Math.max(0, deadline - now()));
        for (let lookNumber = 1;; lookNumber++) {
            if (wait > 0)
                await sleep(wait, signal);
            if (signal?.aborted)
                break;
            await look();
            if (signal?.aborted || waiting().length === 0 || now() >= deadline)
                break;
            progress();
            const scheduled = scheduledDelay(first === 0 ? lookNumber : lookNumber + 1, firstLookMs, maxDelayMs);
            const jittered = scheduled * (1 - JITTER + 2 * JITTER * random());
            wait = Math.min(jittered, Math.max(0, deadline - now()));
        }
    }
    const limit = describeDuration(options.timeoutMs);
    for (const w of waiting()) {
        if (signal?.aborted) {
            end(w, 'cancelled', w.classificationId === null
                ? 'The job was cancelled before One Codex started the analysis.'
                : "The job was cancelled while One Codex's analysis was running.");
        }
        else {
            end(w, 'timed out', w.classificationId === null
                ? `One Codex did not start an analysis of this sample within analysis-timeout (${limit}).`
                : w.succeeded
                    ? `One Codex's analysis completed, but its results could not be read within analysis-timeout (${limit}).`
                    : `One Codex's analysis did not finish within analysis-timeout (${limit}).`);
        }
    }
    return results();
}

;// CONCATENATED MODULE: ./src/analysis/wait-stage.ts
/**
 * The analysis stage of a run (`wait-for-analysis: true`): after the uploads, the wait for One
 * Codex's analysis of every sample in `sample-ids` — uploaded now, or found by skip-existing
 * (those are looked at once: theirs finished long ago) — through the HTTP client on the run's
 * retry policy, every line scrubbed of the API key. A cancelled job ends the wait at once;
 * 401/402 stop it with the cause said once; nothing else it meets escapes: the report always
 * gets one entry per sample.
 */









/**
 * Undocumented, test-only: the first look of the wait in ms (each later wait grows ×1.5 to at
 * most 4× it), so that end-to-end tests of the bundle need not wait 5 s for their first look.
 */
const ANALYSIS_POLL_ENV = 'ONECODEX_UPLOAD_ANALYSIS_POLL_MS';
/** The samples of `sample-ids`: each confirmed outcome (uploaded now, or existing), in order. */
function samplesToAwait(results, workspace) {
    return results.outcomes.flatMap(outcome => outcome.ok
        ? [
            {
                sampleId: outcome.sample.sample_id,
                path: displayPath(outcome.sample.path, workspace),
                filename: outcome.sample.filename,
                ...(outcome.sample.existing ? { existing: true } : {})
            }
        ]
        : []);
}
/** "… would wait up to 60 min for One Codex's analyses of 3 samples; …": what a dry run says. */
function wouldAwait(samples, timeoutMs = ANALYSIS_TIMEOUT.defaultMs) {
    return `With ${Inputs.WaitForAnalysis}, the run would wait up to ${describeDuration(timeoutMs)} for One Codex's analyses of ${samples === 1 ? '1 sample' : `${samples} samples`}; nothing was awaited.`;
}
function pollFromEnv() {
    const raw = process.env[ANALYSIS_POLL_ENV]?.trim();
    if (!raw || !/^\d+$/.test(raw) || Number(raw) === 0)
        return {};
    return { firstLookMs: Number(raw), maxDelayMs: 4 * Number(raw) };
}
const entry = (sample, status, error) => ({
    sample_id: sample.sampleId,
    path: sample.path,
    filename: sample.filename,
    classification_id: null,
    status,
    error,
    n_reads: null,
    top: []
});
/**
 * The analysis stage: undefined without wait-for-analysis; else one entry per sample of the
 * run's `sample-ids`, however the wait ended.
 */
async function awaitRunAnalyses(results, settings, options = {}) {
    if (!settings.waitForAnalysis)
        return undefined;
    const timeoutMs = settings.analysisTimeoutMs ?? ANALYSIS_TIMEOUT.defaultMs;
    const secrets = keyForms(settings.apiKey);
    const scrub = (text) => redactText(text, secrets);
    const log = (line) => (options.log ?? core/* info */.pq)(scrub(line));
    const { signal } = options;
    const samples = samplesToAwait(results, settings.workspace);
    const done = (analyses, waitedMs, extra = {}) => ({
        analyses: analyses.map(a => (a.error === null ? a : { ...a, error: scrub(a.error) })),
        waitedMs,
        timeoutMs,
        ...extra,
        ...(signal?.aborted ? { cancelled: true } : {})
    });
    if (samples.length === 0)
        return done([], 0);
    if (results.stopped) {
        const why = `Not waited for: the run stopped at an account-level failure; check the ${results.stopped.input} input.`;
        return done(samples.map(s => entry(s, 'failed', why)), 0);
    }
    if (signal?.aborted) {
        const why = 'The job was cancelled before the wait for the analysis began.';
        return done(samples.map(s => entry(s, 'cancelled', why)), 0);
    }
    const existing = samples.filter(s => s.existing).length;
    log(`${Inputs.WaitForAnalysis}: waiting up to ${describeDuration(timeoutMs)} (${Inputs.AnalysisTimeout}) for One Codex's analyses of ${samples.length === 1 ? 'the sample' : `${samples.length} samples`}${existing > 0 ? ` (${existing} found by ${Inputs.SkipExisting}: looked at once)` : ''}.`);
    const policy = new RetryPolicy({
        maxAttempts: settings.maxAttempts,
        baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
        log
    });
    const client = new OneCodexAnalysisClient({
        apiUrl: settings.apiUrl,
        apiKey: settings.apiKey,
        retry: policy,
        socketTimeoutMs: options.socketTimeoutMs
    });
    const schedule = {
        ...pollFromEnv(),
        ...(options.firstLookMs !== undefined ? { firstLookMs: options.firstLookMs } : {}),
        ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {})
    };
    const started = Date.now();
    try {
        const analyses = await awaitAnalyses(samples, {
            client,
            timeoutMs,
            signal,
            log,
            ...schedule
        });
        return done(analyses, Date.now() - started);
    }
    catch (error) {
        if (error instanceof AnalysisStop) {
            const stopped = { input: error.issue.input, message: scrub(error.issue.message) };
            return done(error.analyses, Date.now() - started, { stopped });
        }
        // Not expected: every sample still gets its entry, and the report its outputs.
        const why = `The wait for the analysis failed: ${error instanceof Error ? error.message : String(error)}`;
        return done(samples.map(s => entry(s, 'failed', why)), Date.now() - started);
    }
    finally {
        client.dispose();
    }
}

;// CONCATENATED MODULE: ./src/contract/spec.ts
/**
 * Facts from One Codex's init_upload contract (the OpenAPI block of the standard upload doc).
 * Every limit the action enforces before sending comes from here.
 */
/** `filename` / `paired_end_filename` pattern, ECMAScript semantics (`\w` is ASCII only). */
const FILENAME_PATTERN = /^[\w.]+[\w\-.[\](){} ]*\.[\w.]+$/;
/** The standard upload's size limit: 20 GB. */
const MAX_UPLOAD_BYTES = 20 * 1000 ** 3;
// Object storage facts (S3, which both routes end in; see onecodex-other-routes.md).
/** The most S3 takes in one request, so in one form POST of the standard route: 5 GB. */
const MAX_SINGLE_REQUEST_BYTES = 5 * 1000 ** 3;
/** S3 multipart limits: at most 10,000 parts of 5 MiB (the last may be smaller) to 5 GiB. */
const MAX_PARTS = 10_000;
const MIN_PART_BYTES = 5 * 1024 ** 2;
const MAX_PART_BYTES = 5 * 1024 ** 3;
/** The largest S3 object, so the largest file the multipart route can send: 5 TiB. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
const FASTA_EXTENSIONS = ['.fa', '.fasta', '.fna', '.ffn', '.fas'];
const FASTQ_EXTENSIONS = ['.fq', '.fastq'];
const GZIP_SUFFIXES = ['.gz', '.gzip'];
const TAG_MAX_LENGTH = 30;
const PROJECT_MAX_LENGTH = 16;
const EXTERNAL_SAMPLE_ID_MAX_LENGTH = 60;
const PLATFORMS = [
    '454 sequencing',
    '454 GS FLX',
    '454 GS FLX Titanium',
    'Illumina',
    'Illumina Genome Analyzer II',
    'Illumina HiSeq',
    'Illumina HiSeq 1500',
    'Illumina HiSeq 2000',
    'Illumina HiSeq 2500',
    'Illumina HiSeq 3000',
    'Illumina HiSeq 4000',
    'Illumina HiSeq X',
    'Illumina iSeq 100',
    'Illumina MiniSeq',
    'Illumina MiSeq',
    'Illumina NextSeq',
    'Illumina NextSeq 500',
    'Illumina NextSeq 550',
    'Illumina NovaSeq',
    'Illumina NovaSeq 5000',
    'Illumina NovaSeq 6000',
    'BGISEQ',
    'BGISEQ 50',
    'Element',
    'Element AVITI',
    'Ion',
    'Ion S5',
    'Ion S5 XL',
    'Ion PGM',
    'Ion Proton',
    'Ion Torrent',
    'Oxford Nanopore',
    'Oxford Nanopore GridION X5',
    'Oxford Nanopore MinION',
    'Oxford Nanopore PromethION',
    'PacBio',
    'PacBio RS II',
    'PacBio Sequel',
    'PacBio Sequel II System',
    'PacBio Revio',
    'PacBio Onso',
    'SOLiD',
    'Solexa Genome Analyzer',
    'Sanger',
    'Other'
];
const LIBRARY_TYPES = ['WGS', 'Targeted/16S', 'Other'];
const SAMPLE_TYPES = ['Isolate', 'Metagenomic', 'Other'];

;// CONCATENATED MODULE: ./src/inputs/metadata.ts

/** init_upload's metadata fields and the rule each must follow (from the OpenAPI block). */
const FIELDS = {
    custom: checkCustom,
    date_collected: nullable(checkDateTime),
    date_sequenced: nullable(checkDateTime),
    description: nullable(checkString()),
    external_sample_id: nullable(checkString(60)),
    library_type: nullable(checkEnum(LIBRARY_TYPES)),
    location_lat: nullable(checkNumber(-90, 90)),
    location_lon: nullable(checkNumber(-180, 180)),
    location_string: nullable(checkString(255)),
    name: nullable(checkString(255)),
    platform: nullable(checkEnum(PLATFORMS)),
    sample_type: nullable(checkEnum(SAMPLE_TYPES)),
    starred: checkBoolean
};
/** The metadata fields init_upload knows. */
const METADATA_FIELDS = Object.keys(FIELDS);
/**
 * Checks one metadata field's value against its rule; `at` names where the value came from in
 * the messages (`metadata.platform`, or a sample sheet's row and column). Undefined when `key`
 * is not a metadata field init_upload knows.
 */
function checkMetadataField(key, value, at) {
    return Object.hasOwn(FIELDS, key) ? FIELDS[key](value, at) : undefined;
}
/**
 * Checks a parsed `metadata` input against init_upload's metadata schema.
 * Returns one message per violation, each naming its JSON path (e.g. `metadata.platform`).
 */
function validateMetadata(value) {
    if (!metadata_isObject(value)) {
        return [
            `metadata is ${describe(value)}: it must be a JSON object such as {"platform": "Illumina MiSeq"}.`
        ];
    }
    const violations = [];
    for (const [key, field] of Object.entries(value)) {
        const at = jsonPath('metadata', key);
        const found = checkMetadataField(key, field, at);
        if (found) {
            for (const violation of found)
                violations.push(violation);
        }
        else {
            violations.push(`${at} is not a known metadata field (known: ${METADATA_FIELDS.join(', ')}). ` +
                `Put free-form fields under metadata.custom, e.g. {"custom": {${JSON.stringify(key)}: ...}}.`);
        }
    }
    return violations;
}
function metadata_isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}
/** `metadata.name`, or `metadata.custom["lab tech"]` for keys that are not identifiers. */
function jsonPath(parent, key) {
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
function describe(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an array';
    if (typeof value === 'object')
        return 'an object';
    return `${typeof value === 'string' ? 'the string' : `the ${typeof value}`} ${JSON.stringify(value)}`;
}
function nullable(check) {
    return (value, at) => (value === null ? [] : check(value, at));
}
function checkString(maxLength) {
    return (value, at) => {
        if (typeof value !== 'string')
            return [`${at} is ${describe(value)}: it must be a string or null.`];
        const length = [...value].length;
        if (maxLength !== undefined && length > maxLength) {
            return [`${at} is ${length} characters long: at most ${maxLength} are allowed.`];
        }
        return [];
    };
}
function checkNumber(min, max) {
    return (value, at) => {
        if (typeof value !== 'number') {
            return [`${at} is ${describe(value)}: it must be a number from ${min} to ${max}, or null.`];
        }
        if (!Number.isFinite(value) || value < min || value > max) {
            return [`${at} is ${value}: it must be from ${min} to ${max}.`];
        }
        return [];
    };
}
function checkBoolean(value, at) {
    return typeof value === 'boolean'
        ? []
        : [`${at} is ${describe(value)}: it must be true or false.`];
}
function checkEnum(allowed) {
    return (value, at) => {
        if (typeof value === 'string' && allowed.includes(value))
            return [];
        const squash = (s) => s
            .toLowerCase()
            .replace(/[\s_-]+/g, ' ')
            .trim();
        const near = typeof value === 'string' ? allowed.find(a => squash(a) === squash(value)) : undefined;
        const hint = near
            ? `did you mean "${near}"? Values are matched with their exact spelling`
            : `it must be one of (exact spelling) ${allowed.map(a => `"${a}"`).join(', ')}, or null`;
        return [`${at} is ${describe(value)}: ${hint}.`];
    };
}
// ISO 8601 / RFC 3339: a date, optionally a time (T or space), optionally an offset.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-](\d{2}):?(\d{2}))?)?$/;
/** True for an ISO 8601 / RFC 3339 date or date-time that names a real calendar instant. */
function isDateTime(text) {
    const m = DATE_TIME.exec(text);
    if (!m)
        return false;
    const [year, month, day] = [m[1], m[2], m[3]].map(Number);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth)
        return false;
    if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59))
        return false;
    if (m[6] !== undefined && Number(m[6]) > 59)
        return false;
    if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59))
        return false;
    return !Number.isNaN(Date.parse(text.toUpperCase()));
}
function checkDateTime(value, at) {
    if (typeof value !== 'string') {
        return [`${at} is ${describe(value)}: it must be a date-time string or null.`];
    }
    if (isDateTime(value))
        return [];
    return [
        `${at} is ${JSON.stringify(value)}: it must be an ISO 8601 date or date-time such as "2024-05-01" or "2024-05-01T13:45:00Z".`
    ];
}
function checkCustom(value, at) {
    if (!metadata_isObject(value)) {
        return [`${at} is ${describe(value)}: it must be a JSON object of free-form fields.`];
    }
    const violations = [];
    for (const [key, field] of Object.entries(value)) {
        if (field !== null && typeof field === 'object') {
            violations.push(`${jsonPath(at, key)} is ${describe(field)}: custom values must be strings, numbers, booleans or null (custom has a depth of one, no nesting).`);
        }
    }
    return violations;
}

;// CONCATENATED MODULE: ./src/inputs/shard-input.ts

/**
 * Reads the `shard` input: empty means every sample; otherwise `k/n` (spaces allowed around
 * the numbers) with n from 1 to 256 and 1 ≤ k ≤ n. A bad value gives one sentence naming the
 * input, the value and the rule.
 */
function parseShard(raw) {
    const text = raw.trim();
    if (text === '')
        return {};
    const rule = `it must be k/n, this job's share k of n jobs, with n from ${SHARD_COUNT_RANGE.min} to ${SHARD_COUNT_RANGE.max} and k from 1 to n (e.g. 2/8, or \${{ matrix.shard }}/8 in a matrix job)`;
    const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
    if (!match)
        return { problem: `Input ${Inputs.Shard} is "${raw}": ${rule}.` };
    const index = Number(match[1]);
    const count = Number(match[2]);
    if (count < SHARD_COUNT_RANGE.min || count > SHARD_COUNT_RANGE.max)
        return {
            problem: `Input ${Inputs.Shard} is "${raw}": ${count} jobs is out of range; ${rule}.`
        };
    if (index < 1 || index > count)
        return {
            problem: `Input ${Inputs.Shard} is "${raw}": shard ${index} does not exist among ${count}; ${rule}.`
        };
    return { shard: { index, count } };
}

;// CONCATENATED MODULE: ./src/inputs/input-helper.ts








// YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];
/**
 * Reads every input into one typed settings object. Every problem, a missing required input
 * included, is collected, so that all of them can be reported together before any request.
 */
function getInputs() {
    const problems = [];
    const required = (name) => {
        const raw = core/* getInput */.V4(name);
        if (raw === '')
            problems.push(`Input required and not supplied: ${name}.`);
        return raw;
    };
    const apiKey = required(Inputs.ApiKey);
    // The Basic token (auth.ts) is not registered: `::add-mask::` would print it. Texts that may
    // echo it back are scrubbed by the uploader instead.
    if (apiKey !== '')
        core/* setSecret */.Pq(apiKey);
    const files = required(Inputs.Files);
    const bool = (name, fallback) => {
        const raw = core/* getInput */.V4(name);
        if (raw === '')
            return fallback;
        if (TRUE_VALUES.includes(raw))
            return true;
        if (FALSE_VALUES.includes(raw))
            return false;
        problems.push(`Input ${name} is "${raw}": it must be a boolean (one of ${[...TRUE_VALUES, ...FALSE_VALUES].join(', ')}).`);
        return fallback;
    };
    const int = (name, range) => {
        const raw = core/* getInput */.V4(name);
        if (raw === '')
            return range.default;
        const value = Number(raw);
        if (!/^[+-]?\d+$/.test(raw) || value < range.min || value > range.max) {
            problems.push(`Input ${name} is "${raw}": it must be a whole number from ${range.min} to ${range.max}.`);
            return range.default;
        }
        return value;
    };
    const optional = (name, maxLength) => {
        const raw = core/* getInput */.V4(name);
        if (raw === '')
            return undefined;
        if (maxLength !== undefined && raw.length > maxLength) {
            problems.push(`Input ${name} is ${raw.length} characters long: at most ${maxLength} are allowed.`);
        }
        return raw;
    };
    const patterns = parsePatterns(files);
    if (patterns.length === 0 && files !== '') {
        problems.push(`Input ${Inputs.Files} holds no pattern (only blank lines and # comments).`);
    }
    const metadata = parseMetadata(core/* getInput */.V4(Inputs.Metadata), problems);
    const tags = parseTags(core/* getInput */.V4(Inputs.Tags), problems);
    const project = optional(Inputs.Project, PROJECT_MAX_LENGTH);
    const sampleId = optional(Inputs.SampleId);
    const externalSampleId = optional(Inputs.ExternalSampleId, EXTERNAL_SAMPLE_ID_MAX_LENGTH);
    if (sampleId !== undefined && externalSampleId !== undefined) {
        problems.push(`Inputs ${Inputs.SampleId} and ${Inputs.ExternalSampleId} are both set: give at most one of them.`);
    }
    const api = parseApiUrl(core/* getInput */.V4(Inputs.ApiUrl) || DEFAULT_API_URL);
    if (api.problem)
        problems.push(api.problem);
    const apiUrl = api.apiUrl;
    // A proxy variable every request would take must be usable before the first one is sent.
    const proxyProblem = api.problem ? undefined : proxyEnvProblem(apiUrl);
    if (proxyProblem)
        problems.push(proxyProblem);
    const ifNoFilesFound = parseEnum(Inputs.IfNoFilesFound, core/* getInput */.V4(Inputs.IfNoFilesFound) || 'error', IF_NO_FILES_FOUND_VALUES, problems);
    const shard = parseShard(core/* getInput */.V4(Inputs.Shard));
    if (shard.problem)
        problems.push(shard.problem);
    // Refused even without wait-for-analysis: a value given wrong is a mistake worth saying.
    const analysisTimeout = parseDuration(core/* getInput */.V4(Inputs.AnalysisTimeout), Inputs.AnalysisTimeout, ANALYSIS_TIMEOUT);
    if (!analysisTimeout.ok)
        problems.push(analysisTimeout.problem);
    const settings = {
        apiKey,
        patterns,
        metadata,
        project,
        tags,
        paired: bool(Inputs.Paired, true) ?? true,
        interleaved: bool(Inputs.Interleaved, undefined),
        sampleId,
        externalSampleId,
        apiUrl,
        concurrency: int(Inputs.Concurrency, CONCURRENCY_RANGE),
        maxAttempts: int(Inputs.MaxAttempts, MAX_ATTEMPTS_RANGE),
        ifNoFilesFound,
        dryRun: bool(Inputs.DryRun, false) ?? false,
        uploadMethod: parseEnum(Inputs.UploadMethod, core/* getInput */.V4(Inputs.UploadMethod) || 'auto', UPLOAD_METHOD_VALUES, problems),
        validate: parseEnum(Inputs.Validate, core/* getInput */.V4(Inputs.Validate) || 'full', VALIDATE_VALUES, problems),
        workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
        lanes: parseEnum(Inputs.Lanes, core/* getInput */.V4(Inputs.Lanes) || 'merge', LANES_VALUES, problems),
        sampleSheet: core/* getInput */.V4(Inputs.SampleSheet).trim() || undefined,
        prefixWithDir: bool(Inputs.PrefixWithDir, false) ?? false,
        skipExisting: bool(Inputs.SkipExisting, false) ?? false,
        shard: shard.shard,
        waitForAnalysis: bool(Inputs.WaitForAnalysis, false) ?? false,
        analysisTimeoutMs: analysisTimeout.ok ? analysisTimeout.ms : ANALYSIS_TIMEOUT.defaultMs
    };
    return { settings, problems: problems.map(message => ({ message })) };
}
/**
 * Reads `api-url`: One Codex's origin (scheme, host, optional port), to which the action adds
 * the `/api/v1/...` paths itself. Trailing slashes are dropped; a path, query or fragment (e.g.
 * `https://app.onecodex.com/api/v1`, copied from the API docs, which would make every request a
 * 404) or a user name and password are refused, saying what to write. https only, except for
 * loopback hosts (see insecureUrlReason). Returns the origin to use.
 */
function parseApiUrl(raw) {
    const trimmed = raw.trim().replace(/\/+$/, '');
    const insecure = insecureUrlReason(trimmed, `Input ${Inputs.ApiUrl}`);
    if (insecure)
        return { apiUrl: trimmed, problem: insecure };
    const url = new URL(trimmed);
    if (url.username !== '' || url.password !== '') {
        return {
            apiUrl: url.origin,
            problem: `Input ${Inputs.ApiUrl} holds a user name or password: it must be the origin of the One Codex API only, and the key goes in ${Inputs.ApiKey}. Write ${url.origin}.`
        };
    }
    const parts = [];
    if (url.pathname !== '/' && url.pathname !== '')
        parts.push(`a path (${url.pathname})`);
    // An empty `?` or `#` leaves url.search / url.hash empty, yet would still break every path.
    const query = trimmed.indexOf('?');
    const hash = trimmed.indexOf('#');
    if (query >= 0 && (hash < 0 || query < hash))
        parts.push(`a query (${url.search || '?'})`);
    if (hash >= 0)
        parts.push(`a fragment (${url.hash || '#'})`);
    if (parts.length === 0)
        return { apiUrl: url.origin };
    return {
        apiUrl: url.origin,
        problem: `Input ${Inputs.ApiUrl} is "${raw}": it must be the origin of the One Codex API only (scheme, host and port), but it holds ${parts.join(' and ')}. The action adds the /api/v1/... paths itself: write ${url.origin}.`
    };
}
/** Splits `files` into patterns: one a line, blank lines and `#` comments dropped. */
function parsePatterns(files) {
    return files
        .split(/\r?\n/)
        .map(line => line.trim())
        .filter(line => line !== '' && !line.startsWith('#'));
}
/** Splits `tags` on commas and newlines; trims, drops empties, de-duplicates, checks length. */
function parseTags(raw, problems) {
    const tags = [];
    for (const tag of raw.split(/[,\r\n]+/).map(t => t.trim())) {
        if (tag === '' || tags.includes(tag))
            continue;
        if (tag.length > TAG_MAX_LENGTH) {
            problems.push(`Input ${Inputs.Tags}: tag "${tag}" is ${tag.length} characters long: at most ${TAG_MAX_LENGTH} are allowed.`);
        }
        tags.push(tag);
    }
    return tags;
}
function parseMetadata(raw, problems) {
    if (raw === '')
        return undefined;
    let value;
    try {
        value = JSON.parse(raw);
    }
    catch (error) {
        problems.push(`Input ${Inputs.Metadata} is not valid JSON: ${error.message}. It must be a JSON object such as {"platform": "Illumina MiSeq"}.`);
        return undefined;
    }
    const violations = validateMetadata(value);
    for (const violation of violations)
        problems.push(`Input ${Inputs.Metadata}: ${violation}`);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
        return undefined;
    return value;
}
function parseEnum(name, raw, allowed, problems) {
    if (allowed.includes(raw))
        return raw;
    problems.push(`Input ${name} is "${raw}": it must be one of ${allowed.join(', ')}.`);
    return allowed[0];
}

// EXTERNAL MODULE: ./node_modules/@actions/glob/lib/glob.js + 17 modules
var glob = __webpack_require__(2377);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./src/plan/file-check.ts






/** How many bytes of each file (and of each gzip file's decompressed stream) are looked at. */
const HEAD_BYTES = 64 * 1024;
/** Every accepted ending, for messages: `.fa, .fasta, ... (each optionally followed by .gz or .gzip)`. */
const ACCEPTED_ENDINGS = `${[...FASTA_EXTENSIONS, ...FASTQ_EXTENSIONS].join(', ')} (each optionally followed by ${GZIP_SUFFIXES.join(' or ')})`;
/**
 * Splits `filename` at its accepted ending, or returns undefined when it has none. Endings are
 * matched case-insensitively (`X.FASTQ.GZ`); `extension` keeps the name's own spelling.
 */
function parseExtension(filename) {
    const lower = filename.toLowerCase();
    const gzip = GZIP_SUFFIXES.find(suffix => lower.endsWith(suffix));
    const inner = gzip ? lower.slice(0, -gzip.length) : lower;
    const kinds = [
        ['FASTA', FASTA_EXTENSIONS],
        ['FASTQ', FASTQ_EXTENSIONS]
    ];
    for (const [format, endings] of kinds) {
        const ending = endings.find(e => inner.endsWith(e));
        if (ending === undefined)
            continue;
        const length = ending.length + (gzip?.length ?? 0);
        return {
            stem: filename.slice(0, -length),
            extension: filename.slice(-length),
            format,
            compression: gzip ? 'gzip' : 'none'
        };
    }
    return undefined;
}
/**
 * What kind of file a name is, for the notice about skipped files: its last extension in lower
 * case (`.md5`, `.json`), or `no extension`.
 */
function fileKind(filename) {
    const dot = filename.lastIndexOf('.');
    return dot <= 0 || dot === filename.length - 1
        ? 'no extension'
        : filename.slice(dot).toLowerCase();
}
/**
 * True when a name looks like FASTA/FASTQ, even with a compression or case One Codex does not
 * take (`x.fq.bz2`): such a file is meant as a sample, so it is checked, never skipped.
 */
function looksLikeSequence(filename) {
    const lower = filename.toLowerCase();
    if (parseExtension(lower))
        return true;
    const inner = lower.replace(/\.(bz2|bzip2|xz|zst|zstd|zip|lz4|7z|rar|tar|z)$/, '');
    return inner !== lower && parseExtension(inner) !== undefined;
}
// Characters the spec's filename pattern allows anywhere (ECMAScript \w is ASCII only).
const ALLOWED_CHAR = /[\w\-.[\](){} ]/;
/** Why `filename` breaks the spec's filename pattern, or undefined when it matches. */
function filenameViolation(filename) {
    if (FILENAME_PATTERN.test(filename))
        return undefined;
    const bad = [...new Set([...filename].filter(c => !ALLOWED_CHAR.test(c)))];
    const rule = 'One Codex accepts only ASCII letters, digits, "_", "-", ".", "[", "]", "(", ")", "{", "}" and spaces, ' +
        'starting with a letter, digit, "_" or "." and ending in an extension ' +
        `(pattern ${FILENAME_PATTERN.source})`;
    if (bad.length > 0) {
        const shown = bad.map(c => (/\s|\p{C}/u.test(c) ? escapeChar(c) : `"${c}"`)).join(', ');
        return `filename "${filename}" contains characters that are not allowed: ${shown}. ${rule}.`;
    }
    return `filename "${filename}" does not match the filename rule: ${rule}.`;
}
function escapeChar(c) {
    return `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
/** Why `filename` has no accepted ending (with a hint for common mistakes). */
function extensionViolation(filename) {
    let hint = '';
    const lower = filename.toLowerCase();
    if (/\.(bz2|bzip2|xz|zst|zstd|zip|lz4|7z|rar|tar|z)$/.test(lower)) {
        const ending = lower.slice(lower.lastIndexOf('.'));
        hint = ` ${ending} compression is not accepted: decompress it and recompress with gzip.`;
    }
    return `"${filename}" does not end in an accepted extension: ${ACCEPTED_ENDINGS}.${hint}`;
}
/** Why `size` is outside 1 byte .. 20 GB, or undefined when it is fine. */
function sizeViolation(size) {
    if (size < 1)
        return 'is empty (0 bytes): One Codex needs at least 1 byte per file.';
    if (size > MAX_OBJECT_BYTES) {
        return `is ${describeSize(size)}: larger than ${describeSize(MAX_OBJECT_BYTES)}, the largest object S3 stores (even in 10,000 parts).`;
    }
    return undefined;
}
/** Known magic numbers, to say what a file is when it is not what its name claims. */
const MAGICS = [
    ['gzip', [0x1f, 0x8b]],
    ['bzip2', [0x42, 0x5a, 0x68]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
    ['zip', [0x50, 0x4b, 0x03, 0x04]]
];
function magicOf(head) {
    return MAGICS.find(([, bytes]) => bytes.every((b, i) => head[i] === b))?.[0];
}
/**
 * Decides from a file's first bytes whether it is FASTA or FASTQ (gzip-compressed when
 * `compression` says so). `head` may be cut anywhere: only the decompressed head is checked.
 */
async function sniffHead(head, compression) {
    const magic = magicOf(head);
    let text = head;
    if (compression === 'gzip') {
        if (magic !== 'gzip') {
            const what = magic
                ? `it looks ${magic}-compressed`
                : startOfRecord(head)
                    ? 'it looks like uncompressed text (drop the .gz/.gzip ending, or gzip the file)'
                    : `it starts with ${describeBytes(head)}`;
            return { reason: `does not start with the gzip magic bytes 1f 8b: ${what}.` };
        }
        try {
            text = await gunzipHead(head, HEAD_BYTES);
        }
        catch (error) {
            return { reason: `is not valid gzip data: ${error.message}.` };
        }
        if (text.length === 0)
            return { reason: 'decompresses to nothing: it holds no record.' };
    }
    else if (magic) {
        const fix = magic === 'gzip' ? 'add .gz to its name' : 'decompress it, or recompress with gzip';
        return { reason: `is ${magic}-compressed but its name has no .gz/.gzip ending: ${fix}.` };
    }
    const nul = text.indexOf(0);
    if (nul >= 0) {
        return {
            reason: `holds binary data (a NUL byte at offset ${nul}${compression === 'gzip' ? ' after decompression' : ''}), not FASTA/FASTQ text.`
        };
    }
    const first = startOfRecord(text);
    if (first === '>')
        return { format: 'FASTA' };
    if (first === '@')
        return { format: 'FASTQ' };
    if (first === undefined)
        return { reason: 'holds only whitespace: no FASTA/FASTQ record.' };
    return {
        reason: `starts with ${describeBytes(text.subarray(recordStart(text)))} instead of ">" (FASTA) or "@" (FASTQ).`
    };
}
/** The first character after an optional UTF-8 BOM and whitespace; undefined if none. */
function startOfRecord(buf) {
    const i = recordStart(buf);
    return i < buf.length ? String.fromCharCode(buf[i]) : undefined;
}
/** Index of the first byte after an optional UTF-8 BOM and whitespace. */
function recordStart(buf) {
    let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    while (i < buf.length && [0x20, 0x09, 0x0d, 0x0a, 0x0b, 0x0c].includes(buf[i]))
        i++;
    return i;
}
function describeBytes(buf) {
    const start = buf.subarray(0, 8);
    const printable = [...start].every(b => b >= 0x20 && b < 0x7f);
    return printable
        ? `"${start.toString('latin1')}"`
        : `bytes ${[...start.subarray(0, 4)].map(b => b.toString(16).padStart(2, '0')).join(' ')}`;
}
/** Decompresses the start of a (possibly cut) gzip stream, up to `limit` bytes of output. */
function gunzipHead(compressed, limit) {
    return new Promise((resolve, reject) => {
        const gunzip = external_node_zlib_.createGunzip({ finishFlush: external_node_zlib_.constants.Z_SYNC_FLUSH });
        const chunks = [];
        let total = 0;
        let settled = false;
        const finish = () => {
            if (settled)
                return;
            settled = true;
            gunzip.destroy();
            resolve(Buffer.concat(chunks).subarray(0, limit));
        };
        gunzip.on('data', (chunk) => {
            chunks.push(chunk);
            total += chunk.length;
            if (total >= limit)
                finish();
        });
        gunzip.on('end', finish);
        gunzip.on('error', error => {
            if (settled)
                return;
            settled = true;
            reject(error);
        });
        gunzip.end(compressed);
    });
}
async function readHead(file, size) {
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        return buffer.subarray(0, bytesRead);
    }
    finally {
        await handle.close();
    }
}
/**
 * Applies every per-file rule to one discovered file: filename pattern, accepted ending, size
 * (1 byte .. 20 GB) and content (gzip magic, FASTA/FASTQ start, kind matching the ending).
 * `display` is the path used in messages and annotations. Never throws.
 */
async function checkFile(file, size, display) {
    const filename = external_node_path_.basename(file);
    const problems = [];
    const fail = (message) => {
        problems.push({ message: `${display}: ${message}`, file: display });
    };
    const badName = filenameViolation(filename);
    if (badName)
        fail(badName);
    const ext = parseExtension(filename);
    if (!ext)
        fail(extensionViolation(filename));
    const badSize = sizeViolation(size);
    if (badSize)
        fail(`the file ${badSize}`);
    if (ext && size > 0) {
        let sniff;
        try {
            sniff = await sniffHead(await readHead(file, size), ext.compression);
        }
        catch (error) {
            sniff = { reason: `cannot be read: ${fsErrorText(error, file, display)}.` };
        }
        if ('reason' in sniff) {
            fail(`the content ${sniff.reason}`);
        }
        else if (sniff.format !== ext.format) {
            fail(`the content is ${sniff.format} (starts with "${sniff.format === 'FASTA' ? '>' : '@'}") but the ending ${ext.extension} says ${ext.format}: rename it with a ${sniff.format} ending.`);
        }
    }
    if (problems.length > 0 || !ext)
        return { problems };
    return {
        file: Object.freeze({
            path: file,
            filename,
            size,
            segments: Object.freeze([Object.freeze({ path: file, size })]),
            format: ext.format,
            compression: ext.compression
        }),
        problems
    };
}

;// CONCATENATED MODULE: ./src/plan/pairing.ts



// `X_R1`, `X.R2`, optionally followed by a `_001`-style (or `_L001` lane-style) suffix, and
// optionally by Trim Galore's `_val_1` / `_val_2` (the same number again; tried first).
const R_VAL_STEM = /^(.+([._])R)([12])([._]L?\d+)?(_val_([12]))$/;
const R_STEM = /^(.+([._])R)([12])([._]L?\d+)?()()$/;
// Trim Galore's `X_1_val_1` / `X_2_val_2` (tried first), or `X_1`, `X.2` before the extension.
const DIGIT_VAL_STEM = /^(.+([._]))([12])(_val_([12]))$/;
const DIGIT_STEM = /^(.+([._]))([12])()()$/;
/**
 * Reads the read number from a filename with an accepted ending; undefined when it has none.
 * A bare `_1`/`_2` counts only on FASTQ: reads come as FASTQ, while numbered FASTA files
 * (`contig_1.fa`, `contig_2.fa`) are usually distinct assemblies. An explicit `_R1`/`_R2`, or
 * Trim Galore's `_val_1`/`_val_2` suffix, marks a read on either format.
 */
function readName(filename) {
    const ext = parseExtension(filename);
    if (!ext)
        return undefined;
    const rMatch = R_VAL_STEM.exec(ext.stem) ?? R_STEM.exec(ext.stem);
    const digitMatch = rMatch
        ? null
        : (DIGIT_VAL_STEM.exec(ext.stem) ?? (ext.format === 'FASTQ' ? DIGIT_STEM.exec(ext.stem) : null));
    let before, separator, digit, after, val;
    let valDigit;
    if (rMatch) {
        ;
        [, before, separator, digit, after = '', val, valDigit] = rMatch;
    }
    else if (digitMatch) {
        ;
        [, before, separator, digit, val, valDigit] = digitMatch;
        after = '';
    }
    else {
        return undefined;
    }
    // Trim Galore repeats the read number: `_R1_val_1`; `_R1_val_2` is no read name.
    if (val !== '' && valDigit !== digit)
        return undefined;
    const read = digit === '1' ? 1 : 2;
    const other = read === 1 ? 2 : 1;
    const r = rMatch ? 'R' : '';
    const suffix = (n) => (val === '' ? '' : `_val_${n}`);
    return {
        read,
        style: val !== '' ? 'val' : rMatch ? 'R' : 'digit',
        token: `${separator}${r}${read}${suffix(read)}`,
        mateToken: `${separator}${r}${other}${suffix(other)}`,
        key: `${before}#${after}${suffix(0)}${ext.extension}`,
        mateName: `${before}${other}${after}${suffix(other)}${ext.extension}`
    };
}
/**
 * Groups files into samples. With `paired`, two files in one directory whose names differ only
 * in the read number (`_R1`/`_R2`, or `_1`/`_2` on FASTQ; see {@link readName}) and share their
 * ending become one sample (R1 as `file`, R2 as `mate`); a lone `_R1`/`_R2` file is an error
 * naming its missing mate, a lone FASTQ `_1`/`_2` file is uploaded alone with a warning.
 * A run where no file is read 2 (a MiSeq or NextSeq single-end run: only `*_R1_001.fastq.gz`)
 * is single-end: its `_R1` files are samples of their own, with one notice, as One Codex's CLI
 * uploads them. Trim Galore's `_val_1` files come from paired-end trimming only, so a lone one
 * stays an error. Without `paired`, every file is its own sample.
 * `display` turns a path into the form used in messages and annotations.
 */
function pairFiles(files, paired, display = file => file) {
    const sorted = [...new Set(files)].sort(byPath);
    const unpaired = (notices = [], singleEnd = false) => ({
        units: sorted.map(file => ({ file })),
        problems: [],
        warnings: [],
        notices,
        singleEnd
    });
    if (!paired)
        return unpaired();
    const mates = new Map();
    const names = new Map();
    for (const file of sorted) {
        const name = readName(external_node_path_.basename(file));
        if (!name)
            continue;
        names.set(file, name);
        const key = `${external_node_path_.dirname(file)}\0${name.key}`;
        mates.set(key, { ...mates.get(key), [name.read]: file });
    }
    const singleEnd = singleEndNotice(sorted, names, display);
    if (singleEnd)
        return unpaired([singleEnd], true);
    const units = [];
    const problems = [];
    const warnings = [];
    for (const file of sorted) {
        const name = names.get(file);
        if (!name) {
            units.push({ file });
            continue;
        }
        const pair = mates.get(`${external_node_path_.dirname(file)}\0${name.key}`);
        if (pair[1] && pair[2]) {
            if (name.read === 1)
                units.push({ file: pair[1], mate: pair[2] });
            continue;
        }
        const shown = display(file);
        if (name.style !== 'digit') {
            problems.push({
                file: shown,
                message: `${shown}: this is read ${name.read} of a paired-end sample (${name.token}) but its mate ${name.mateName} is not among the matched files in the same directory. ` +
                    `With paired: true every ${name.token} file needs its ${name.mateToken} mate; add the mate to files, or set paired: false to upload each file as its own sample.`
            });
        }
        else {
            warnings.push({
                file: shown,
                message: `${shown}: the name ends in ${name.token} like read ${name.read} of a pair, but no ${name.mateName} was matched in the same directory; it is uploaded as a single-end sample.`
            });
        }
        units.push({ file });
    }
    // In path order already: a pair is placed where its R1 file is.
    return { units, problems, warnings, notices: [], singleEnd: false };
}
/**
 * The notice of a single-end run: no matched file is read 2 (in any style), no Trim Galore
 * `_val_` file is among them, and some are `_R1` files. Undefined for any other run.
 */
function singleEndNotice(sorted, names, display) {
    const r1 = [];
    let token = '';
    for (const file of sorted) {
        const name = names.get(file);
        if (!name)
            continue;
        if (name.read === 2 || name.style === 'val')
            return undefined;
        if (name.style === 'R') {
            r1.push(file);
            token ||= name.token;
        }
    }
    if (r1.length === 0)
        return undefined;
    const files = r1.length === 1 ? `the ${token} file` : `the ${r1.length} ${token} files`;
    const mates = token.replace('1', '2');
    return {
        message: `No matched file is read 2 of a pair, so ${files} (${display(r1[0])}${r1.length > 1 ? ', ...' : ''}) ${r1.length === 1 ? 'is' : 'are'} uploaded as single-end ${r1.length === 1 ? 'sample' : 'samples'}, as for a single-end run (MiSeq, NextSeq). If this run is paired-end, its ${mates} files are missing from ${Inputs.Files}.`
    };
}
/** Plain code-unit order: the same on every machine and locale. */
function byPath(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/plan/discover.ts






const GLOB_OPTIONS = {
    followSymbolicLinks: true,
    implicitDescendants: true,
    matchDirectories: false,
    omitBrokenSymbolicLinks: true
};
// The same walk without following links: a link is then an entry of its own, so a link whose
// target is missing shows up instead of being dropped.
const LINK_OPTIONS = { ...GLOB_OPTIONS, followSymbolicLinks: false };
/** Escapes glob characters of a literal path (the workspace) so it matches only itself. */
function escapeGlob(literal, windows = process.platform === 'win32') {
    return (windows ? literal : literal.replace(/\\/g, '\\\\'))
        .replace(/\[/g, '[[]')
        .replace(/\?/g, '[?]')
        .replace(/\*/g, '[*]');
}
/** The pattern without its leading `!`s, and whether it excludes (an odd number of them). */
function splitNegation(pattern) {
    const negation = /^!*/.exec(pattern)[0];
    return { negation, rest: pattern.slice(negation.length), excludes: negation.length % 2 === 1 };
}
/**
 * Makes a pattern relative to `workspace` (@actions/glob would use the process's cwd) and
 * normalises `.` and `..` segments, which @actions/glob refuses, lexically: `../reads/*.fq`
 * names the `reads` directory beside the workspace. `!` excludes keep their `!`; `~` patterns
 * are left alone.
 */
function rootPattern(pattern, workspace, paths = external_node_path_) {
    // `paths` is the platform's path module; tests pass path.win32 for a Windows runner's rules.
    const windows = paths.sep === '\\';
    const { negation, rest } = splitNegation(pattern);
    if (rest === '' || rest === '~' || /^~[\\/]/.test(rest))
        return pattern;
    if (paths.isAbsolute(rest))
        return `${negation}${paths.normalize(rest)}`;
    const normalized = paths.normalize(rest);
    const separators = windows ? /[\\/]+/ : /\/+/;
    const segments = normalized.split(separators).filter(s => s !== '' && s !== '.');
    const trailing = separators.test(normalized.slice(-1));
    let base = paths.resolve(workspace);
    while (segments[0] === '..') {
        segments.shift();
        base = paths.dirname(base);
    }
    const tail = segments.join(paths.sep) + (segments.length > 0 && trailing ? paths.sep : '');
    return `${negation}${escapeGlob(base, windows)}${tail ? (base.endsWith(paths.sep) ? '' : paths.sep) + tail : ''}`;
}
/**
 * The path a pattern names when it holds no wildcard (`*`, `?`, `[...]`), resolved against the
 * workspace; undefined for a glob or an exclude.
 */
function literalPath(pattern, workspace) {
    const { rest, excludes } = splitNegation(pattern);
    if (excludes || rest === '' || rest === '~' || /^~[\\/]/.test(rest))
        return undefined;
    const escapes = process.platform !== 'win32';
    let literal = '';
    for (let i = 0; i < rest.length; i++) {
        const c = rest[i];
        if (escapes && c === '\\' && i + 1 < rest.length)
            literal += rest[++i];
        else if (c === '*' || c === '?')
            return undefined;
        else if (c === '[' && /^[^/\\]*\]/.test(rest.slice(i + 1)))
            return undefined;
        else
            literal += c;
    }
    return external_node_path_.resolve(workspace, literal);
}
/**
 * Finds the files the patterns match: relative to `workspace`, `!` excludes, symlinks followed,
 * directories dropped, sorted by path, each underlying file once (compared by real path). Never
 * throws: bad patterns and unreadable paths become problems. Also reports the links to nothing
 * that the patterns matched, and how to escape brackets in a pattern that matched nothing.
 */
async function discoverFiles(patterns, workspace) {
    const problems = [];
    const rooted = [];
    for (const pattern of patterns) {
        const candidate = rootPattern(pattern, workspace);
        try {
            await glob/* create */.v(candidate, GLOB_OPTIONS);
            rooted.push(candidate);
        }
        catch (error) {
            problems.push({
                message: `Input ${Inputs.Files}: pattern "${pattern}" is not usable: ${error.message}`
            });
        }
    }
    if (problems.length > 0 || rooted.length === 0)
        return { files: [], problems };
    let matches;
    let linkMatches;
    try {
        matches = await (await glob/* create */.v(rooted.join('\n'), GLOB_OPTIONS)).glob();
        linkMatches = await (await glob/* create */.v(rooted.join('\n'), LINK_OPTIONS)).glob();
    }
    catch (error) {
        problems.push({
            message: `Input ${Inputs.Files}: searching for files failed: ${error.message}`
        });
        return { files: [], problems };
    }
    const named = new Set(patterns.map(p => literalPath(p, workspace)).filter((p) => p !== undefined));
    const files = [];
    const seen = new Set();
    for (const match of [...new Set(matches)].sort(byPath)) {
        try {
            const info = await (0,promises_.stat)(match);
            if (!info.isFile())
                continue;
            const real = await (0,promises_.realpath)(match);
            if (seen.has(real))
                continue;
            seen.add(real);
            const explicit = named.has(external_node_path_.resolve(match));
            files.push(explicit ? { path: match, size: info.size, explicit } : { path: match, size: info.size });
        }
        catch (error) {
            // `file` stays absolute (the planner makes it relative); the message is read as is.
            const shown = displayPath(match, workspace);
            problems.push({
                message: `${shown}: cannot be read: ${fsErrorText(error, match, shown)}`,
                file: match
            });
        }
    }
    // The first walk kept every link that leads somewhere: only the others need a look.
    const found = new Set(matches);
    const dangling = [];
    for (const match of [...new Set(linkMatches)].filter(m => !found.has(m)).sort(byPath)) {
        const target = await brokenLinkTarget(match);
        if (target !== undefined) {
            dangling.push({ path: match, target, explicit: named.has(external_node_path_.resolve(match)) });
        }
    }
    const bracketHints = await bracketPatternHints(patterns, workspace);
    return { files, problems, dangling, bracketHints };
}
/** The target of `file` when it is a symbolic link to nothing (or a loop); else undefined. */
async function brokenLinkTarget(file) {
    try {
        if (!(await (0,promises_.lstat)(file)).isSymbolicLink())
            return undefined;
    }
    catch {
        return undefined;
    }
    try {
        await (0,promises_.stat)(file);
        return undefined;
    }
    catch (error) {
        const code = error.code;
        if (code !== 'ENOENT' && code !== 'ELOOP')
            return undefined;
        try {
            return await (0,promises_.readlink)(file);
        }
        catch {
            return '(unreadable)';
        }
    }
}
/**
 * For each including pattern with `[` or `]` that matches nothing on its own: a note that
 * brackets form a character class, with the escaped pattern (`[[]`) to write instead and how
 * many files that one matches. Brackets are rare in patterns, so the extra walks are few.
 */
async function bracketPatternHints(patterns, workspace) {
    const hints = [];
    for (const pattern of patterns) {
        const { excludes } = splitNegation(pattern);
        if (excludes || !/[[\]]/.test(pattern))
            continue;
        const count = async (p) => {
            try {
                const globber = await glob/* create */.v(rootPattern(p, workspace), GLOB_OPTIONS);
                return (await globber.glob()).length;
            }
            catch {
                return 0;
            }
        };
        if ((await count(pattern)) > 0)
            continue;
        const escaped = pattern.replace(/\[/g, '[[]');
        const found = escaped === pattern ? 0 : await count(escaped);
        hints.push(`Pattern "${pattern}" matched nothing: in a pattern "[...]" is a character class ("[12]" matches "1" or "2"), not the brackets themselves. ` +
            `To match "[" literally write "[[]" ("]" alone is literal): "${escaped}"` +
            (found > 0 ? `, which matches ${found} file${found === 1 ? '' : 's'}.` : '.'));
    }
    return hints;
}
/** At most this many alternatives are worked out for one pattern. */
const MAX_ALTERNATIVES = 16;
/**
 * What a shell would make of `pattern` by expanding its `{a,b}` groups (nested ones too), which
 * @actions/glob does not do: it matches `{` and `}` literally. Undefined when the pattern holds
 * no such group. Stops after {@link MAX_ALTERNATIVES}.
 */
function braceAlternatives(pattern) {
    const out = [];
    expandBraces(pattern, out);
    return out.length === 1 && out[0] === pattern ? undefined : out;
}
function expandBraces(pattern, out) {
    if (out.length >= MAX_ALTERNATIVES)
        return;
    const group = firstBraceGroup(pattern);
    if (!group) {
        out.push(pattern);
        return;
    }
    const before = pattern.slice(0, group.start);
    const after = pattern.slice(group.end + 1);
    for (const part of group.parts)
        expandBraces(before + part + after, out);
}
/** The first `{...}` holding a top-level comma: its bounds and its comma-separated parts. */
function firstBraceGroup(pattern) {
    const escapes = process.platform !== 'win32';
    for (let start = 0; start < pattern.length; start++) {
        if (escapes && pattern[start] === '\\') {
            start++;
            continue;
        }
        if (pattern[start] !== '{')
            continue;
        let depth = 0;
        const commas = [];
        for (let i = start + 1; i < pattern.length; i++) {
            const c = pattern[i];
            if (escapes && c === '\\')
                i++;
            else if (c === '{')
                depth++;
            else if (c === ',' && depth === 0)
                commas.push(i);
            else if (c === '}' && depth-- === 0) {
                if (commas.length === 0)
                    break;
                const cuts = [start, ...commas, i];
                const parts = cuts.slice(1).map((cut, k) => pattern.slice(cuts[k] + 1, cut));
                return { start, end: i, parts };
            }
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/plan/lanes.ts








/** Illumina's lane token in a filename: `_L001_`, `.L2.`, `_L01.` (the separators are kept). */
const LANE_TOKEN = /[._]L(\d+)(?=[._])/g;
/**
 * The lane token of a filename (`[._]L(\d+)[._]`), or undefined when it has none. When a name
 * holds several, the last one counts: lanes come after the sample name, which may itself hold
 * an `_L2_`-like part.
 */
function laneToken(filename) {
    let last;
    for (const match of filename.matchAll(LANE_TOKEN))
        last = match;
    if (!last)
        return undefined;
    const start = last.index;
    const end = start + last[0].length;
    return {
        lane: Number(last[1]),
        text: last[0].slice(1),
        without: filename.slice(0, start) + filename.slice(end)
    };
}
/**
 * Groups the lane files of one sample: units (files or pairs, see pairing.ts) in one directory
 * whose names differ only in the lane token (and, for pairs, the read token) merge into one
 * unit when there are at least two lanes numbered 1..n without gaps and, for pairs, every lane
 * has both mates. Any other group stays one unit per file or pair, with a warning saying why.
 * `lanes: separate` keeps every unit as it is, silently. Endings are left out of the grouping
 * key, so that lanes that differ in compression or format meet (and are refused) when merged.
 */
function groupLanes(units, mode, paired, display = file => file) {
    const single = (unit) => ({
        files: [unit.file],
        filename: external_node_path_.basename(unit.file),
        ...(unit.mate ? { mates: [unit.mate], mateName: external_node_path_.basename(unit.mate) } : {})
    });
    if (mode === 'separate')
        return { units: units.map(single), warnings: [] };
    const groups = new Map();
    const out = [];
    for (const unit of units) {
        const name = external_node_path_.basename(unit.file);
        const lane = laneToken(name);
        const ext = lane && parseExtension(lane.without);
        if (!lane || !ext) {
            out.push(single(unit));
            continue;
        }
        // Pairs and lone mates of one sample share a key: the read number is blanked out.
        const read = paired ? readName(lane.without) : undefined;
        const stem = read ? read.key.slice(0, read.key.length - ext.extension.length) : ext.stem;
        const key = `${external_node_path_.dirname(unit.file)}\0${stem}`;
        const lone = read && !unit.mate ? readName(name)?.mateName : undefined;
        const member = { unit, lane, ...(lone ? { missingMate: lone } : {}) };
        const group = groups.get(key);
        if (group)
            group.push(member);
        else
            groups.set(key, [member]);
    }
    const warnings = [];
    for (const members of groups.values()) {
        members.sort((a, b) => a.lane.lane - b.lane.lane || byPath(a.unit.file, b.unit.file));
        const reasons = whyNotMerged(members);
        if (members.length === 1 && reasons.length === 0) {
            out.push(single(members[0].unit));
            continue;
        }
        if (reasons.length > 0) {
            const first = members[0].unit.file;
            const shown = display(first);
            const files = members.reduce((n, m) => n + (m.unit.mate ? 2 : 1), 0);
            warnings.push({
                file: shown,
                message: `${shown}: the lane files of ${members[0].lane.without} (${files} file${files === 1 ? '' : 's'}) are not merged into one sample because ${reasons.join('; ')}. ` +
                    `Each lane is uploaded as its own sample (${Inputs.Lanes}: separate does so without this warning).`
            });
            for (const member of members)
                out.push(single(member.unit));
            continue;
        }
        const firstMate = members[0].unit.mate;
        out.push({
            files: members.map(m => m.unit.file),
            filename: members[0].lane.without,
            ...(firstMate
                ? {
                    mates: members.map(m => m.unit.mate),
                    mateName: laneToken(external_node_path_.basename(firstMate))?.without ?? external_node_path_.basename(firstMate)
                }
                : {})
        });
    }
    out.sort((a, b) => byPath(a.files[0], b.files[0]));
    return { units: out, warnings };
}
/** Why a lane group cannot merge: missing mates, a lane number twice, gaps. Empty when it can. */
function whyNotMerged(members) {
    const reasons = [];
    const lone = members.filter(m => m.missingMate);
    if (lone.length === 1) {
        reasons.push(`lane ${lone[0].lane.text}'s mate ${lone[0].missingMate} is missing`);
    }
    else if (lone.length > 1) {
        reasons.push(`the mates of lanes ${lone.map(m => m.lane.text).join(', ')} are missing (${lone[0].missingMate}, ...)`);
    }
    const byLane = new Map();
    for (const member of members) {
        const same = byLane.get(member.lane.lane);
        if (same)
            same.push(member);
        else
            byLane.set(member.lane.lane, [member]);
    }
    for (const [lane, same] of byLane) {
        if (same.length > 1) {
            reasons.push(`lane ${lane} appears ${same.length} times (${same.map(m => external_node_path_.basename(m.unit.file)).join(', ')})`);
        }
    }
    const width = members[0].lane.text.length - 1;
    // Lanes are numbered from 1: an L000 file is no lane of the run (a gap-free 1..n says so).
    if (byLane.has(0))
        reasons.push(`lanes are numbered from 1, but ${members[0].lane.text} is lane 0`);
    let highest = 0;
    for (const lane of byLane.keys())
        highest = Math.max(highest, lane);
    const missing = [];
    for (let lane = 1; lane <= highest; lane++) {
        if (!byLane.has(lane))
            missing.push(`L${String(lane).padStart(width, '0')}`);
    }
    if (missing.length === 1)
        reasons.push(`lane ${missing[0]} is missing`);
    else if (missing.length > 1)
        reasons.push(`lanes ${missing.join(', ')} are missing`);
    return reasons;
}
/**
 * Joins checked lane files into one source named `filename`: its segments are the lanes in
 * order, its size their sum. gzip lanes concatenate into a valid gzip stream (RFC 1952
 * members); plain-text lanes only when every lane but the last ends with a newline, else the
 * seam would glue two records together. Lanes that mix gzip and plain text, or FASTA and FASTQ,
 * are refused. Reads one byte per plain-text lane; never throws.
 */
async function mergeLanes(lanes, filename, display) {
    const problems = [];
    const first = lanes[0];
    const shownFirst = display(first.path);
    // A problem of the group as a whole concerns every lane file (each is reported as refused).
    const everyLane = lanes.flatMap(lane => lane.segments.map(segment => display(segment.path)));
    const list = (describe) => lanes.map(lane => `${external_node_path_.basename(lane.path)} (${describe(lane)})`).join(', ');
    if (lanes.some(lane => lane.compression !== first.compression)) {
        problems.push({
            file: shownFirst,
            files: everyLane,
            message: `${shownFirst}: the lanes of ${filename} mix gzip-compressed and uncompressed files: ${list(l => (l.compression === 'gzip' ? 'gzip' : 'uncompressed'))}. ` +
                `Lanes are sent back to back as one file, so they must all be gzip or all plain text: compress them alike, or set ${Inputs.Lanes}: separate.`
        });
    }
    if (lanes.some(lane => lane.format !== first.format)) {
        problems.push({
            file: shownFirst,
            files: everyLane,
            message: `${shownFirst}: the lanes of ${filename} mix FASTA and FASTQ files: ${list(l => l.format)}. One sample holds one format; set ${Inputs.Lanes}: separate, or narrow files.`
        });
    }
    if (problems.length === 0 && first.compression === 'none') {
        for (let i = 0; i < lanes.length - 1; i++) {
            const lane = lanes[i];
            const shown = display(lane.path);
            let ends;
            try {
                ends = await endsWithNewline(lane.path, lane.size);
            }
            catch (error) {
                problems.push({
                    file: shown,
                    message: `${shown}: cannot be read: ${fsErrorText(error, lane.path, shown)}.`
                });
                continue;
            }
            if (!ends) {
                problems.push({
                    file: shown,
                    message: `${shown}: does not end with a newline, so merging it with the next lane (${external_node_path_.basename(lanes[i + 1].path)}) into ${filename} would join its last line with that lane's first record. ` +
                        `Add a final newline to it, or set ${Inputs.Lanes}: separate.`
                });
            }
        }
    }
    const size = lanes.reduce((sum, lane) => sum + lane.size, 0);
    if (size > MAX_OBJECT_BYTES) {
        problems.push({
            file: shownFirst,
            files: everyLane,
            message: `${shownFirst}: the lanes of ${filename} add up to ${describeSize(size)}: larger than ${describeSize(MAX_OBJECT_BYTES)}, the largest object S3 stores. Set ${Inputs.Lanes}: separate.`
        });
    }
    if (problems.length > 0)
        return { problems };
    return {
        source: Object.freeze({
            path: first.path,
            filename,
            size,
            segments: Object.freeze(lanes.flatMap(lane => lane.segments)),
            format: first.format,
            compression: first.compression
        }),
        problems
    };
}
/** Whether the file's last byte is `\n` (reads that byte only). */
async function endsWithNewline(file, size) {
    if (size === 0)
        return false;
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const byte = Buffer.alloc(1);
        const { bytesRead } = await handle.read(byte, 0, 1, size - 1);
        return bytesRead === 1 && byte[0] === 0x0a;
    }
    finally {
        await handle.close();
    }
}

;// CONCATENATED MODULE: ./src/plan/layout.ts



/** How many kinds the notice about skipped files names before "...". */
const LISTED_KINDS = 8;
/**
 * Drops the files a wildcard or directory pattern matched that are not FASTA/FASTQ (`.md5`,
 * `.json`, `SampleSheet.csv` beside the reads), with one notice counting them by kind. A file a
 * pattern names explicitly is kept (and refused by the checks if it is no sequence file), and so
 * is one whose name says FASTA/FASTQ in a compression One Codex does not take (`x.fq.bz2`): it
 * was meant as a sample.
 */
function skipNonSequence(files) {
    const kept = [];
    const kinds = new Map();
    for (const file of files) {
        const name = external_node_path_.basename(file.path);
        if (file.explicit || looksLikeSequence(name)) {
            kept.push(file);
            continue;
        }
        const kind = fileKind(name);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const skipped = files.length - kept.length;
    if (skipped === 0)
        return { kept, skipped };
    const sorted = [...kinds].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const listed = sorted
        .slice(0, LISTED_KINDS)
        .map(([kind, n]) => (sorted.length > 1 && n > 1 ? `${kind} (${n})` : kind));
    if (sorted.length > LISTED_KINDS)
        listed.push('...');
    return {
        kept,
        skipped,
        notice: {
            message: `${skipped} file${skipped === 1 ? '' : 's'} skipped: ${listed.join(', ')}. They are not FASTA/FASTQ and were matched only through a wildcard or a directory in ${Inputs.Files}; a file named there explicitly is checked like any other.`
        }
    };
}
/** The dangling links worth an error: named explicitly, or named like a sequence file. */
function danglingProblems(links, display) {
    return links
        .filter(link => link.explicit || looksLikeSequence(external_node_path_.basename(link.path)))
        .map(link => {
        const shown = display(link.path);
        return {
            file: shown,
            message: `${shown}: is a symbolic link to ${link.target}, which does not exist (a sample that was never staged?). Stage the file it points to, or exclude the link with a !pattern in ${Inputs.Files}.`
        };
    });
}
/** `<parent dir>_<name>`: the upload name of `file` under `name` with prefix-with-dir. */
function prefixedName(file, name) {
    return `${external_node_path_.basename(external_node_path_.dirname(file))}_${name}`;
}
/**
 * Gives each unit its upload names: with `prefix`, `<parent dir>_<name>` for the file and its
 * mate, each checked against One Codex's filename pattern (a problem naming the file and the
 * directory otherwise).
 */
function nameUnits(units, prefix, display) {
    const problems = [];
    const named = units.map(unit => {
        if (!prefix) {
            return { ...unit, baseName: unit.filename, baseMateName: unit.mateName };
        }
        const rename = (files, name) => {
            const prefixed = prefixedName(files[0], name);
            const violation = filenameViolation(prefixed);
            if (violation) {
                const shown = display(files[0]);
                problems.push({
                    file: shown,
                    message: `${shown}: with ${Inputs.PrefixWithDir}: true it is uploaded as "${prefixed}" (its directory's name, "_", its own name), but ${violation} Rename the directory ${external_node_path_.basename(external_node_path_.dirname(files[0]))}, or turn ${Inputs.PrefixWithDir} off.`
                });
            }
            return prefixed;
        };
        return {
            ...unit,
            filename: rename(unit.files, unit.filename),
            baseName: unit.filename,
            ...(unit.mates && unit.mateName !== undefined
                ? { mateName: rename(unit.mates, unit.mateName), baseMateName: unit.mateName }
                : {})
        };
    });
    return { units: named, problems };
}
/**
 * One Codex identifies uploads by filename: two uploads of one run (files, mates, merged lanes)
 * may not share one. One problem per shared name, naming every file of every upload that has
 * it; when the uploads lie in different directories, the message suggests prefix-with-dir.
 */
function nameClashes(units, prefix, display) {
    const byName = new Map();
    for (const unit of units) {
        const uploads = [[unit.filename, unit.files]];
        if (unit.mates && unit.mateName !== undefined)
            uploads.push([unit.mateName, unit.mates]);
        for (const [name, files] of uploads) {
            const same = byName.get(name);
            if (same)
                same.push(files);
            else
                byName.set(name, [files]);
        }
    }
    const problems = [];
    for (const [name, uploads] of byName) {
        if (uploads.length < 2)
            continue;
        const shown = uploads.map(files => files.map(display).join(' + '));
        const dirs = new Set(uploads.map(files => external_node_path_.dirname(files[0])));
        const dirNames = new Set([...dirs].map(dir => external_node_path_.basename(dir)));
        const hint = !prefix && dirs.size === uploads.length && dirNames.size === dirs.size
            ? ` For one directory per sample, set ${Inputs.PrefixWithDir}: true to upload each as <parent dir>_<file name>.`
            : '';
        problems.push({
            file: display(uploads[0][0]),
            files: uploads.flat().map(display),
            message: `${uploads.length} uploads would share the filename "${name}": ${shown.join('; ')}. One Codex identifies uploads by filename, so each one in a run needs a distinct name: rename them or narrow ${Inputs.Files}.${hint}`
        });
    }
    return problems;
}

;// CONCATENATED MODULE: ./src/shared/sample.ts
/** The sample's files: R1 (or the only file), then its R2 mate. */
function sampleFiles(sample) {
    return sample.mate ? [sample.file, sample.mate] : [sample.file];
}
/** Total bytes of the sample: both mates for a pair (init_upload's `size`). */
function sampleBytes(sample) {
    return sample.file.size + (sample.mate?.size ?? 0);
}
/** "x.fq" or "x_R1.fq + x_R2.fq": how a sample is named in log lines and messages. */
function sampleLabel(sample) {
    return sampleFiles(sample)
        .map(file => file.filename)
        .join(' + ');
}

;// CONCATENATED MODULE: ./src/plan/route-choice.ts





/**
 * The environment variable that points the multipart route at another S3 endpoint than AWS's
 * (tests, an S3-compatible mirror). The AWS SDK's own name for it; no other AWS_* setting is
 * read (not AWS_ENDPOINT_URL, not a profile): the temporary keys belong to One Codex's bucket.
 */
const S3_ENDPOINT_ENV = 'AWS_ENDPOINT_URL_S3';
/**
 * Reads AWS_ENDPOINT_URL_S3: unset or empty means AWS's own endpoint; otherwise it must be an
 * https origin (plain http only on loopback hosts, as for every destination), without
 * credentials, path or query.
 */
function s3EndpointChoice(env = process.env) {
    const raw = env[S3_ENDPOINT_ENV]?.trim();
    if (!raw)
        return {};
    const reason = insecureUrlReason(raw, S3_ENDPOINT_ENV);
    if (reason)
        return { problem: `${reason} It would receive the temporary upload keys.` };
    const url = new URL(raw);
    if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, ''))
        return {
            problem: `${S3_ENDPOINT_ENV} "${url.origin}" must be a bare origin (scheme, host, port): no user, path, query or fragment.`
        };
    return { url: url.origin };
}
const MiB = 1024 * 1024;
/**
 * `upload-method: auto` sends a sample by the multipart route when its largest file (either mate
 * of a pair; merged lanes count as the one file they become) is at least this big, by the
 * standard route below it. Measured (`npm run bench`, WAN auto threshold: the whole action run,
 * 100 MB/s per connection, medians of 5, standard / multipart wall seconds): 48 MiB 0.82 / 0.82
 * at 0 ms round trip and 0.90 / 1.02 at 30 ms; 64 MiB 0.99 / 0.84 and 1.07 / 0.99; 100 MiB
 * 1.35 / 0.84 and 1.45 / 0.99. Multipart wins from 64 MiB at both round trips, and by more the
 * bigger the file (a 2 GiB file: about 6x the standard route). Below it the multipart route's
 * fixed cost (loading the S3 SDK, CreateMultipartUpload, CompleteMultipartUpload, the callback:
 * 0.17-0.23 s) outweighs what parallel parts buy. On a starved CPU the crossover moved up to
 * 100 MiB; either way the two routes differ by under 0.5 s there.
 */
const AUTO_MULTIPART_MIN_BYTES = 64 * MiB;
/**
 * Picks the route of one sample. `auto` takes the multipart route (as One Codex's own client
 * does for every file) for a sample whose largest file is at least AUTO_MULTIPART_MIN_BYTES, the
 * standard route below it; with `interleaved` set it keeps the standard route up to 5 GB (what S3
 * takes in one request), since init_multipart_upload cannot carry that field. A forced
 * `standard` keeps the standard route's 20 GB limit and warns above 5 GB. A sample on the
 * multipart route is refused when AWS_ENDPOINT_URL_S3 is set to a destination that may not have
 * the keys. It warns when `interleaved` is set, which init_multipart_upload does not take.
 * `display` turns a path into the form used in messages; `env` is where AWS_ENDPOINT_URL_S3 is
 * read (tests pass their own).
 */
function chooseRoute(sample, method, display, options = {}) {
    const files = sampleFiles(sample);
    const biggest = files.reduce((a, b) => (b.size > a.size ? b : a));
    if (method === 'multipart' || (method === 'auto' && autoTakesMultipart(biggest.size, options)))
        return multipartChoice(sample, display, options);
    if (method === 'auto')
        return { route: 'standard', problems: [], warnings: [] };
    const problems = [];
    const warnings = [];
    for (const file of files) {
        const shown = display(file.path);
        if (file.size > MAX_UPLOAD_BYTES) {
            problems.push({
                file: shown,
                message: `${shown}: ${file.filename} is ${describeSize(file.size)}, larger than the ${describeSize(MAX_UPLOAD_BYTES)} limit of the standard upload (${Inputs.UploadMethod}: standard). Use ${Inputs.UploadMethod}: auto or multipart.`
            });
        }
        else if (file.size > MAX_SINGLE_REQUEST_BYTES) {
            warnings.push({
                file: shown,
                message: `${shown}: ${file.filename} is ${describeSize(file.size)}; S3 refuses a single request over ${describeSize(MAX_SINGLE_REQUEST_BYTES)}, so the standard route (${Inputs.UploadMethod}: standard) will likely fail for it. ${Inputs.UploadMethod}: auto sends it in parts.`
            });
        }
    }
    return { route: 'standard', problems, warnings };
}
/** `auto`'s rule for a sample whose largest file has `biggest` bytes. */
function autoTakesMultipart(biggest, options) {
    if (biggest > MAX_SINGLE_REQUEST_BYTES)
        return true;
    return options.interleaved === undefined && biggest >= AUTO_MULTIPART_MIN_BYTES;
}
function multipartChoice(sample, display, options) {
    const { problem } = s3EndpointChoice(options.env);
    const shown = display(sample.file.path);
    return {
        route: 'multipart',
        problems: problem ? [{ file: shown, message: `${shown}: ${problem}` }] : [],
        warnings: options.interleaved === undefined
            ? []
            : [
                {
                    file: shown,
                    message: `${shown}: ${Inputs.Interleaved}: ${options.interleaved} is not sent for ${sampleLabel(sample)}: it goes by the multipart route, whose init_multipart_upload takes no interleaved field.`
                }
            ]
    };
}

;// CONCATENATED MODULE: ./src/plan/sample-sheet.ts







/** The init_upload metadata fields a sheet may hold as columns (the rest go to `custom`). */
const SHEET_METADATA_COLUMNS = [
    'name',
    'description',
    'platform',
    'library_type',
    'sample_type',
    'date_collected',
    'date_sequenced',
    'location_lat',
    'location_lon',
    'location_string',
    'external_sample_id'
];
const NUMBER_COLUMNS = ['location_lat', 'location_lon'];
/** A sheet bigger than this is surely not a sample sheet. */
const MAX_SHEET_BYTES = 16 * 1024 * 1024;
/** How many planned names an "unmatched row" message lists. */
const LISTED_NAMES = 5;
/**
 * Splits CSV/TSV text into records as RFC 4180 describes: `delimiter` between cells, CRLF or LF
 * (or a lone CR) between records, a cell in double quotes may hold the delimiter, line breaks
 * and `""` for a quote. Spaces between a delimiter and an opening quote, and between a closing
 * quote and the next delimiter, are dropped (`a, "b, c"` is two cells, as spreadsheets write it
 * and Python's csv module reads it with skipinitialspace). A quote inside an unquoted cell is
 * kept as text. Fails on a quote left open or other text after a closing quote, naming the row.
 * Linear in the text: cells are sliced out, never built a character at a time.
 */
function parseDelimited(text, delimiter) {
    const records = [];
    const length = text.length;
    const delimiterCode = delimiter.charCodeAt(0);
    let cells = [];
    let line = 1;
    let recordLine = 1;
    let i = 0;
    for (;;) {
        // One cell from i: quoted when its first non-space character is a quote.
        let start = i;
        while (start < length && text.charCodeAt(start) === SPACE)
            start++;
        let quoted = false;
        if (start < length && text.charCodeAt(start) === QUOTE) {
            quoted = true;
            let value = '';
            let from = start + 1;
            for (;;) {
                const close = text.indexOf('"', from);
                if (close < 0)
                    return { records, error: `row ${recordLine}: a quoted cell is never closed` };
                value += text.slice(from, close);
                if (text.charCodeAt(close + 1) === QUOTE) {
                    value += '"';
                    from = close + 2;
                    continue;
                }
                line += countLineFeeds(text, start, close);
                i = close + 1;
                break;
            }
            while (i < length && text.charCodeAt(i) === SPACE)
                i++;
            const next = text.charCodeAt(i);
            if (i < length && next !== delimiterCode && next !== LF && next !== CR) {
                return {
                    records,
                    error: `row ${recordLine}: text after the closing quote of a quoted cell (write "" for a quote inside quotes)`
                };
            }
            cells.push(value);
        }
        else {
            let end = i;
            while (end < length) {
                const c = text.charCodeAt(end);
                if (c === delimiterCode || c === LF || c === CR)
                    break;
                end++;
            }
            cells.push(text.slice(i, end));
            i = end;
        }
        if (i >= length) {
            // The last record, unless the text ended with a line break (or is empty).
            if (quoted || cells.length > 1 || cells[0] !== '')
                records.push({ row: recordLine, cells });
            return { records };
        }
        const c = text.charCodeAt(i);
        i++;
        if (c === delimiterCode)
            continue;
        if (c === CR && text.charCodeAt(i) === LF)
            i++;
        records.push({ row: recordLine, cells });
        cells = [];
        line++;
        recordLine = line;
        if (i >= length)
            return { records };
    }
}
const SPACE = 0x20;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** How many `\n` lie in text[from, to). */
function countLineFeeds(text, from, to) {
    let count = 0;
    for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) {
        count++;
    }
    return count;
}
/** `Date Collected`, `date-collected` → `date_collected`: how a header is matched to a field. */
function canonical(header) {
    return header
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
}
/**
 * Reads the sample sheet at `file` (CSV, or TSV for `.tsv`/`.tab` files and for other files
 * whose first line holds a tab): a header row, then one row per sample. `filename` names the
 * sample by its upload name; the init_upload metadata fields are columns of their own
 * (headers matched case-insensitively, spaces and `-` as `_`); `tags` is `;`-separated;
 * `project` a project ID; any other column is a `metadata.custom` field under its header. Empty
 * cells are unset; cells are trimmed. Every cell is checked as the `metadata` input is, each
 * problem naming the sheet, the row, the column and the value. Never throws.
 */
async function readSampleSheet(file, display) {
    const fail = (message) => ({
        display,
        rows: [],
        problems: [{ file: display, message: `Input ${Inputs.SampleSheet}: ${message}` }]
    });
    let bytes;
    try {
        const info = await (0,promises_.stat)(file);
        if (!info.isFile())
            return fail(`${display} is not a file.`);
        if (info.size > MAX_SHEET_BYTES) {
            return fail(`${display} is ${info.size} bytes: a sample sheet may be at most ${MAX_SHEET_BYTES}.`);
        }
        bytes = await (0,promises_.readFile)(file);
    }
    catch (error) {
        return fail(`cannot read ${display}: ${fsErrorText(error, file, display)}.`);
    }
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    }
    catch {
        return fail(`${display} is not UTF-8 text: save it as UTF-8 CSV or TSV.`);
    }
    const extension = external_node_path_.extname(file).toLowerCase();
    const firstLine = text.slice(0, text.search(/\r|\n|$/));
    // A spreadsheet's "tab-delimited" export keeps whatever name it was given, .csv included.
    const delimiter = extension === '.tsv' || extension === '.tab' || firstLine.includes('\t') ? '\t' : ',';
    const parsed = parseDelimited(text, delimiter);
    if (parsed.error)
        return fail(`${display} ${parsed.error}.`);
    const records = parsed.records.filter(r => r.cells.some(c => c.trim() !== ''));
    if (records.length === 0)
        return fail(`${display} is empty: it needs a header row.`);
    const problems = [];
    // Every problem of a row names that row; past the first few, they are only counted.
    const cellProblems = [];
    const problem = (message) => {
        problems.push({ file: display, message: `Input ${Inputs.SampleSheet}: ${message}` });
    };
    const columns = readHeader(records[0], display, problem);
    if (!columns)
        return { display, rows: [], problems };
    const rows = [];
    for (let r = 1; r < records.length; r++) {
        const record = records[r];
        const rowProblem = (message) => {
            cellProblems.push({ row: record.row, message });
        };
        const at = (column) => `${display} row ${record.row}, column ${column.header}`;
        if (record.cells.length > columns.length) {
            const extra = record.cells.slice(columns.length).filter(c => c.trim() !== '');
            if (extra.length > 0) {
                rowProblem(`${display} row ${record.row} has ${record.cells.length} cells but the header has ${columns.length} columns (extra: ${extra.map(c => JSON.stringify(c)).join(', ')}).`);
            }
        }
        let filename;
        const metadata = {};
        const custom = {};
        let tags;
        let project;
        columns.forEach((column, index) => {
            const value = (record.cells[index] ?? '').trim();
            if (value === '')
                return;
            switch (column.kind) {
                case 'ignored':
                    rowProblem(`${display} row ${record.row} has ${JSON.stringify(value)} in column ${column.header}, whose header is empty: name the column, or clear it.`);
                    break;
                case 'filename':
                    filename = value;
                    break;
                case 'project':
                    if (value.length > PROJECT_MAX_LENGTH) {
                        rowProblem(`${at(column)} is ${JSON.stringify(value)}: a project ID has at most ${PROJECT_MAX_LENGTH} characters.`);
                    }
                    project = value;
                    break;
                case 'tags':
                    tags = [];
                    for (const tag of value.split(';').map(t => t.trim())) {
                        if (tag === '' || tags.includes(tag))
                            continue;
                        if (tag.length > TAG_MAX_LENGTH) {
                            rowProblem(`${at(column)}: tag ${JSON.stringify(tag)} is ${tag.length} characters long: at most ${TAG_MAX_LENGTH} are allowed (tags are separated by ";").`);
                        }
                        tags.push(tag);
                    }
                    break;
                case 'metadata': {
                    const typed = NUMBER_COLUMNS.includes(column.field) &&
                        /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)
                        ? Number(value)
                        : value;
                    for (const violation of checkMetadataField(column.field, typed, at(column)) ?? []) {
                        rowProblem(violation);
                    }
                    metadata[column.field] = typed;
                    break;
                }
                case 'custom':
                    custom[column.header] = value;
                    break;
            }
        });
        if (filename === undefined) {
            rowProblem(`${display} row ${record.row} has no filename: each row names the sample it is for by its upload name.`);
            continue;
        }
        if (Object.keys(custom).length > 0)
            metadata.custom = custom;
        const init = {
            ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
            ...(tags && tags.length > 0 ? { tags } : {}),
            ...(project !== undefined ? { project } : {})
        };
        rows.push({ row: record.row, filename, init });
    }
    for (const duplicate of duplicateIds(rows, display)) {
        cellProblems.push(duplicate);
    }
    cellProblems.sort((a, b) => a.row - b.row);
    const more = (count, span) => `${display}: ${plural(count, 'more problem')} in ${span} (the first ${LISTED_ROW_PROBLEMS} are listed above).`;
    for (const message of capRowMessages(cellProblems, p => p.message, more))
        problem(message);
    return { display, rows, problems };
}
/** How many problems of a sheet's rows are told in full before the rest are counted. */
const LISTED_ROW_PROBLEMS = 20;
/** How many rows a duplicate external_sample_id message names. */
const LISTED_DUPLICATE_ROWS = 10;
/**
 * The messages of the first LISTED_ROW_PROBLEMS items (in row order, told by `tell`), then one
 * from `more` that counts the rest and names the rows they span: a facility-wide sheet may hold
 * 100,000 rows that break a rule, and a list of them helps nobody (nor does reporting each in
 * the log, the summary and the annotations). Only the items told are looked at.
 */
function capRowMessages(items, tell, more) {
    const shown = items.slice(0, LISTED_ROW_PROBLEMS).map(tell);
    const rest = items.length - shown.length;
    if (rest <= 0)
        return shown;
    const first = items[LISTED_ROW_PROBLEMS].row;
    const last = items[items.length - 1].row;
    shown.push(more(rest, first === last ? `row ${first}` : `rows ${first} to ${last}`));
    return shown;
}
/**
 * An external sample ID names one sample: rows that share one (exactly, after trimming) are
 * one problem per ID, naming every row that has it, at the first of them.
 */
function duplicateIds(rows, display) {
    const byId = new Map();
    for (const row of rows) {
        const id = row.init.metadata?.external_sample_id;
        if (typeof id !== 'string')
            continue;
        const same = byId.get(id);
        if (same)
            same.push(row);
        else
            byId.set(id, [row]);
    }
    const found = [];
    for (const [id, same] of byId) {
        if (same.length < 2)
            continue;
        const named = same.slice(0, LISTED_DUPLICATE_ROWS);
        const more = same.length - named.length;
        const numbers = named.map(r => String(r.row));
        const list = more > 0
            ? `${numbers.join(', ')} and ${formatCount(more)} more`
            : `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
        const files = named.map(r => r.filename).join(', ');
        found.push({
            row: same[0].row,
            message: `${display} rows ${list} have the same external_sample_id ${JSON.stringify(id)} (${files}${more > 0 ? ', ...' : ''}): an external sample ID names one sample; give each row its own, or leave the cell empty.`
        });
    }
    return found;
}
function readHeader(header, display, problem) {
    const columns = [];
    const seen = new Map();
    let ok = true;
    header.cells.forEach((cell, index) => {
        const text = cell.trim();
        if (text === '') {
            columns.push({ kind: 'ignored', header: `${index + 1}` });
            return;
        }
        const key = canonical(text);
        const metadataField = SHEET_METADATA_COLUMNS.includes(key);
        const column = key === 'filename' || key === 'tags' || key === 'project'
            ? { kind: key, header: text }
            : metadataField
                ? { kind: 'metadata', field: key, header: text }
                : { kind: 'custom', header: text };
        const identity = column.kind === 'custom' ? `custom:${text}` : key;
        const earlier = seen.get(identity);
        if (earlier !== undefined) {
            problem(`${display}: the header has two columns for ${column.kind === 'custom' ? JSON.stringify(text) : key} (${JSON.stringify(earlier)} and ${JSON.stringify(text)}); keep one.`);
            ok = false;
        }
        seen.set(identity, text);
        columns.push(column);
    });
    if (!columns.some(c => c.kind === 'filename')) {
        problem(`${display} has no filename column (header row: ${header.cells.map(c => JSON.stringify(c.trim())).join(', ')}): its first row must name the columns, one of them filename.`);
        ok = false;
    }
    return ok ? columns : undefined;
}
/**
 * Matches the sheet's rows to the planned samples by upload name, in one pass over the rows
 * (Map lookups only: a facility-wide sheet has 200,000 rows). A row that matches none is a
 * problem (a typo must not pass silently), with the right name when the row used an alias or a
 * different case; so are two rows for one sample. The first LISTED_ROW_PROBLEMS rows of each
 * kind are told in full, the rest counted in one more problem. Returns each matched name's
 * init fields.
 */
function matchSheetRows(sheet, targets) {
    const init = new Map();
    const rowOf = new Map();
    const names = new Set(targets.names);
    let byLowerCase;
    const where = (row) => `Input ${Inputs.SampleSheet}: ${sheet.display} row ${row.row}, column filename`;
    const unmatched = [];
    const twice = [];
    for (const row of sheet.rows) {
        if (!names.has(row.filename)) {
            unmatched.push(row);
            continue;
        }
        const earlier = rowOf.get(row.filename);
        if (earlier !== undefined) {
            twice.push({ row: row.row, filename: row.filename, earlier });
            continue;
        }
        rowOf.set(row.filename, row.row);
        init.set(row.filename, row.init);
    }
    // Hints only for the rows told in full.
    const tell = (row) => {
        byLowerCase ??= new Map(targets.names.map(n => [n.toLowerCase(), n]));
        const base = external_node_path_.basename(row.filename);
        const alias = targets.aliases.get(row.filename) ??
            targets.aliases.get(base) ??
            byLowerCase.get(row.filename.toLowerCase()) ??
            byLowerCase.get(base.toLowerCase());
        let hint;
        if (alias !== undefined) {
            hint = `did you mean ${JSON.stringify(alias)}? Rows name a sample by its upload name (R1's name for a pair, the merged name for lanes).`;
        }
        else if (targets.names.length === 0) {
            hint = 'no sample is planned.';
        }
        else {
            const shown = targets.names.slice(0, LISTED_NAMES).map(n => JSON.stringify(n));
            const more = targets.names.length - shown.length;
            hint = `planned samples: ${shown.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}.`;
        }
        return `${where(row)} is ${JSON.stringify(row.filename)}, which matches no planned sample: ${hint}`;
    };
    const problems = [];
    const add = (message) => {
        problems.push({ file: sheet.display, message });
    };
    const unmatchedMore = (count, span) => `Input ${Inputs.SampleSheet}: ${sheet.display}: ${plural(count, 'more row')} ${count === 1 ? 'matches' : 'match'} no planned sample (${span}). Each row names one of this run's samples by its upload name: keep only this run's rows in the sheet.`;
    for (const message of capRowMessages(unmatched, tell, unmatchedMore))
        add(message);
    const twiceMore = (count, span) => `Input ${Inputs.SampleSheet}: ${sheet.display}: ${plural(count, 'more row')} name${count === 1 ? 's' : ''} a sample that already has a row (${span}); give each sample one row.`;
    const again = (row) => `${where(row)}: ${JSON.stringify(row.filename)} already has row ${row.earlier}; give each sample one row.`;
    for (const message of capRowMessages(twice, again, twiceMore))
        add(message);
    return { init, problems };
}
/** `1 more row`, `2 more rows`, `119,980 more rows`. */
function plural(count, noun) {
    return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

;// CONCATENATED MODULE: ./src/shared/arrays.ts
/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every item as an
 * argument on the stack and throws "Maximum call stack size exceeded" past ~100,000 of them (a
 * facility-wide sample sheet's problems, a run's files): never spread a list that can grow
 * with the input.
 */
function append(target, items) {
    for (const item of items)
        target.push(item);
}

;// CONCATENATED MODULE: ./src/plan/planner.ts












/** How many files are opened at once while sniffing their first bytes. */
const CHECK_CONCURRENCY = 16;
/**
 * Turns the settings into an immutable, validated list of samples, or every problem found.
 * No network I/O: only glob, stat, the first bytes of each file, the last byte of each
 * plain-text lane and the sample sheet. Never throws for a bad file.
 * `samples` is empty whenever `problems` is not.
 *
 * Steps: discover (skipping non-sequence files a wildcard matched) → check each file → pair
 * R1/R2 → group lanes → upload names (prefix-with-dir) and clashes → sources (lanes merged,
 * seams checked) → route → sample-sheet rows → per-sample rules.
 */
async function planUploads(settings) {
    const problems = [];
    const warnings = [];
    const notices = [];
    // No pattern at all was already reported by the input checks.
    if (settings.patterns.length === 0)
        return freezePlan([], problems, warnings, notices);
    const display = (file) => displayPath(file, settings.workspace);
    const discovery = await discoverFiles(settings.patterns, settings.workspace);
    append(problems, discovery.problems.map(p => (p.file ? { ...p, file: display(p.file) } : p)));
    append(problems, danglingProblems(discovery.dangling ?? [], display));
    const { kept, skipped, notice } = skipNonSequence(discovery.files);
    if (notice)
        notices.push(notice);
    const bracketHints = discovery.bracketHints ?? [];
    if (kept.length === 0) {
        if (problems.length > 0)
            return freezePlan([], problems, warnings, notices);
        const tried = settings.patterns.map(p => `"${p}"`).join(', ');
        const message = skipped > 0
            ? `No FASTA/FASTQ files matched the ${Inputs.Files} patterns (tried: ${tried}, relative to ${settings.workspace}; ${skipped} other file${skipped === 1 ? ' was' : 's were'} skipped).`
            : `No files matched the ${Inputs.Files} patterns (tried: ${tried}, relative to ${settings.workspace}).`;
        const hint = braceHint(settings.patterns) + bracketHints.map(h => ` ${h}`).join('');
        if (settings.ifNoFilesFound === 'error') {
            problems.push({
                message: `${message} With ${Inputs.IfNoFilesFound}: error an empty match fails the step; set it to warn or ignore to allow it.${hint}`
            });
        }
        else if (settings.ifNoFilesFound === 'warn') {
            warnings.push({ message: `${message} Nothing will be uploaded.${hint}` });
        }
        return freezePlan([], problems, warnings, notices);
    }
    append(warnings, bracketHints.map(message => ({ message })));
    const checks = await checkAll(kept, display);
    // In path order: the checks finish in any order, the problems must not.
    for (const file of kept)
        append(problems, checks.get(file.path)?.problems ?? []);
    const pairing = pairFiles(kept.map(f => f.path), settings.paired, display);
    append(problems, pairing.problems);
    append(warnings, pairing.warnings);
    append(notices, pairing.notices);
    // A single-end run's R1 lanes group as single-end files do, without waiting for mates.
    const lanes = groupLanes(pairing.units, settings.lanes ?? 'merge', settings.paired && !pairing.singleEnd, display);
    append(warnings, lanes.warnings);
    const prefix = settings.prefixWithDir ?? false;
    const naming = nameUnits(lanes.units, prefix, display);
    append(problems, naming.problems);
    append(problems, nameClashes(naming.units, prefix, display));
    let inits = new Map();
    if (settings.sampleSheet !== undefined) {
        const file = external_node_path_.resolve(settings.workspace, settings.sampleSheet);
        // Named as the input points at it, even outside the workspace (`../sheet.csv`) or `.`.
        const sheet = await readSampleSheet(file, relativeName(file, settings.workspace));
        append(problems, sheet.problems);
        const matched = matchSheetRows(sheet, sheetTargets(naming.units));
        append(problems, matched.problems);
        inits = matched.init;
    }
    const samples = [];
    // Files of the units that could not become a sample (one of their files broke a rule).
    const unplanned = [];
    for (const unit of naming.units) {
        const file = await unitSource(unit.files, unit.filename, checks, display, problems);
        const mate = unit.mates && unit.mateName !== undefined
            ? await unitSource(unit.mates, unit.mateName, checks, display, problems)
            : undefined;
        if (unit.mates && settings.interleaved === true) {
            const shown = display(unit.files[0]);
            problems.push({
                file: shown,
                message: `${shown}: ${Inputs.Interleaved} is true but this file is paired with ${external_node_path_.basename(unit.mates[0])}: interleaved files hold both reads in one file, so a pair cannot be interleaved. Set ${Inputs.Interleaved}: false (or leave it unset), or ${Inputs.Paired}: false.`
            });
        }
        if (!file || (unit.mates && !mate)) {
            append(unplanned, [...unit.files, ...(unit.mates ?? [])]);
            continue;
        }
        const init = inits.get(unit.filename);
        const sample = { file, ...(mate ? { mate } : {}), ...(init ? { init } : {}) };
        const choice = chooseRoute(sample, settings.uploadMethod, display, {
            interleaved: settings.interleaved
        });
        append(problems, choice.problems);
        append(warnings, choice.warnings);
        samples.push(Object.freeze({ ...sample, route: choice.route }));
    }
    append(problems, sharedIdentityProblems(settings, naming.units, inits));
    append(problems, sampleCountProblems(settings, naming.units.length));
    if (problems.length === 0)
        return freezePlan(samples, problems, warnings, notices);
    // Reported as "not attempted": the samples no problem names a file of, and the files no
    // problem names of the samples that could not be planned.
    const blamed = new Set(problems.flatMap(p => [p.file, ...(p.files ?? [])]));
    const heldBack = samples.filter(sample => sampleFiles(sample).every(source => source.segments.every(s => !blamed.has(display(s.path)))));
    const heldBackFiles = unplanned.map(display).filter(file => !blamed.has(file));
    return freezePlan([], problems, warnings, notices, heldBack, heldBackFiles);
}
/**
 * The source of one upload: the checked file renamed to its upload name, or its lanes merged.
 * Undefined (problems already recorded) when a file failed its checks or the lanes cannot merge.
 */
async function unitSource(files, filename, checks, display, problems) {
    const parts = files.map(file => checks.get(file)?.file);
    if (parts.some(part => part === undefined))
        return undefined;
    const sources = parts;
    if (sources.length === 1) {
        const [only] = sources;
        return only.filename === filename ? only : Object.freeze({ ...only, filename });
    }
    const merged = await mergeLanes(sources, filename, display);
    append(problems, merged.problems);
    return merged.source;
}
/** The upload names a sheet's rows may name, and the other names users may write for them. */
function sheetTargets(units) {
    const aliases = new Map();
    for (const unit of units) {
        const other = [
            unit.baseName,
            ...unit.files.map(f => external_node_path_.basename(f)),
            ...(unit.mates ?? []).map(f => external_node_path_.basename(f)),
            ...(unit.mateName !== undefined ? [unit.mateName] : []),
            ...(unit.baseMateName !== undefined ? [unit.baseMateName] : [])
        ];
        for (const name of other)
            if (name !== unit.filename)
                aliases.set(name, unit.filename);
    }
    return { names: units.map(u => u.filename), aliases };
}
/**
 * `metadata.name` and `metadata.external_sample_id` name one sample: the run-wide value may not
 * reach more than one planned sample (those whose sheet row sets their own do not count).
 */
function sharedIdentityProblems(settings, units, inits) {
    const problems = [];
    for (const field of ['name', 'external_sample_id']) {
        const value = settings.metadata?.[field];
        if (value === undefined || value === null)
            continue;
        const receiving = units.filter(u => inits.get(u.filename)?.metadata?.[field] === undefined);
        if (receiving.length < 2)
            continue;
        const listed = receiving.slice(0, 3).map(u => u.filename);
        const more = receiving.length - listed.length;
        problems.push({
            message: `Input ${Inputs.Metadata} sets ${field} ${JSON.stringify(value)} for every sample, so ${receiving.length} samples would share it (${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}). ` +
                `A ${field === 'name' ? 'name' : 'external sample ID'} belongs to one sample: give each sample its own in a sample sheet (input ${Inputs.SampleSheet}: a CSV or TSV file with a filename column and a ${field} column), or drop ${field} from ${Inputs.Metadata}.`
        });
    }
    return problems;
}
/**
 * After an empty match: names each including pattern with a `{a,b}` group and the lines to write
 * instead, since @actions/glob does not expand braces. Empty when no pattern has one. (Braces are
 * legal in filenames, so a pattern that matched something is never questioned.)
 */
function braceHint(patterns) {
    const hints = [];
    for (const pattern of patterns) {
        // An odd number of leading `!` excludes: its braces cannot be why nothing matched.
        if (/^!*/.exec(pattern)[0].length % 2 === 1)
            continue;
        const alternatives = braceAlternatives(pattern);
        if (alternatives) {
            hints.push(`instead of "${pattern}" write ${alternatives.map(a => `"${a}"`).join(', ')}`);
        }
    }
    if (hints.length === 0)
        return '';
    return (` Braces are not expanded: @actions/glob matches "{" and "}" literally, so a {a,b} group matches only a name holding those characters. ` +
        `Write one line per alternative in ${Inputs.Files}: ${hints.join('; ')}.`);
}
/** Checks every file, a few at a time; keyed by path. */
async function checkAll(files, display) {
    const results = new Map();
    let next = 0;
    const worker = async () => {
        while (next < files.length) {
            const { path: file, size } = files[next++];
            results.set(file, await checkFile(file, size, display(file)));
        }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, worker));
    return results;
}
/** sample-id and external-sample-id name one pre-uploaded sample: the plan must hold exactly one. */
function sampleCountProblems(settings, count) {
    const problems = [];
    for (const [name, value] of [
        [Inputs.SampleId, settings.sampleId],
        [Inputs.ExternalSampleId, settings.externalSampleId]
    ]) {
        if (value === undefined || count === 1)
            continue;
        problems.push({
            message: `Input ${name} is set, so exactly one sample may be uploaded, but the files make ${count} samples. Narrow ${Inputs.Files} to one file (or one pair), or drop ${name}.`
        });
    }
    return problems;
}
function freezePlan(samples, problems, warnings, notices, heldBack = [], heldBackFiles = []) {
    return Object.freeze({
        samples: Object.freeze(samples),
        problems: Object.freeze(problems.map(p => Object.freeze(p))),
        warnings: Object.freeze(warnings.map(p => Object.freeze(p))),
        notices: Object.freeze(notices.map(p => Object.freeze(p))),
        ...(heldBack.length > 0 ? { heldBack: Object.freeze(heldBack) } : {}),
        ...(heldBackFiles.length > 0 ? { heldBackFiles: Object.freeze(heldBackFiles) } : {})
    });
}

;// CONCATENATED MODULE: ./src/plan/shard.ts
/** FNV-1a (32 bit) of the UTF-8 bytes of `text` (the published algorithm and test vectors). */
function fnv1a32(text) {
    let hash = 0x811c9dc5;
    for (const byte of Buffer.from(text, 'utf8')) {
        hash ^= byte;
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
}
/**
 * murmur3's 32-bit finaliser (fmix32): after it every output bit depends on every input bit.
 * FNV-1a alone does not mix downwards: its low k bits depend only on the low k bits of each
 * byte, so `mod 2^k` of names whose digits repeat (Sample7_S7_...) cancelled out and 96 pairs
 * went 96 + 0 over 2 shards.
 */
function fmix32(value) {
    let h = value >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
}
/**
 * The hash a sample's shard comes from: `fmix32(fnv1a32(text))`, an unsigned 32-bit number.
 * Small, stable across platforms and versions, and documented in the README (with a Python
 * function) so that a user can predict a sample's shard.
 */
function shardHash(text) {
    return fmix32(fnv1a32(text));
}
/**
 * The shard (1..count) a sample belongs to: `shardHash(upload filename) mod count + 1`. The
 * upload filename is the file's (R1's for a pair, the merged name for a lane group), so pairs
 * and lane groups stay whole, and adding a sample never moves another one.
 */
function shardOf(sample, count) {
    return (shardHash(sample.file.filename) % count) + 1;
}
/** The planned samples that belong to `shard`, in plan order; every sample without a shard. */
function selectShard(samples, shard) {
    if (!shard)
        return [...samples];
    return samples.filter(sample => shardOf(sample, shard.count) === shard.index);
}
/**
 * "shard 2/8: 13 of 97 samples": what a job's log and summary say about its share; "shard 2/8:
 * 0 of 97 planned samples" for a share that got none (the plan was not empty: this one share is).
 */
function describeShare(shard, share, planned) {
    return `shard ${shard.index}/${shard.count}: ${share} of ${planned} ${share === 0 ? 'planned ' : ''}sample${planned === 1 ? '' : 's'}`;
}

;// CONCATENATED MODULE: ./src/plan/share.ts


/**
 * The shard stage: every shard validated the whole plan; each job uploads only its share (the
 * whole plan without the shard input), and says which share it took.
 */
function shareOf(plan, settings) {
    const samples = selectShard(plan.samples, settings.shard);
    const scope = settings.shard && describeShare(settings.shard, samples.length, plan.samples.length);
    if (scope)
        core/* info */.pq(`${scope[0].toUpperCase()}${scope.slice(1)}.`);
    return { samples, ...(scope ? { scope } : {}) };
}

;// CONCATENATED MODULE: ./src/onecodex/init-answers.ts
// The answers of init_upload and init_multipart_upload, checked field by field, and the path
// init_multipart_upload's callback may be posted to (on api-url's host only).

/**
 * An init answer as an object, and the error for a field it lacks ("init_upload for x answered
 * without a sample_id."); throws that error when the answer is not a JSON object at all.
 */
function initAnswer(json, label) {
    const bad = (what) => new UploadError(`${label} answered without ${what}.`, { retryable: false });
    if (!json || typeof json !== 'object')
        throw bad('a JSON object');
    return { data: json, bad };
}
/** Checks init_upload's answer and normalizes its field values to strings. */
function parseInitResponse(json, label, paired) {
    const { data, bad } = initAnswer(json, label);
    if (typeof data.sample_id !== 'string' || data.sample_id === '')
        throw bad('a sample_id');
    if (typeof data.upload_url !== 'string' || data.upload_url === '')
        throw bad('an upload_url');
    const response = {
        sampleId: data.sample_id,
        uploadUrl: data.upload_url,
        fields: stringFields(data.additional_fields, label, 'additional_fields')
    };
    if (paired) {
        if (typeof data.paired_end_upload_url !== 'string' || data.paired_end_upload_url === '')
            throw bad('a paired_end_upload_url for the R2 mate');
        response.pairedEndUploadUrl = data.paired_end_upload_url;
        response.pairedEndFields = stringFields(data.paired_end_additional_fields, label, 'paired_end_additional_fields');
    }
    return response;
}
function stringFields(value, label, name) {
    if (value === undefined || value === null)
        return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
        throw new UploadError(`${label} answered with ${name} that is not an object.`, {
            retryable: false
        });
    }
    const fields = {};
    for (const [key, v] of Object.entries(value)) {
        if (v === null || v === undefined)
            continue;
        fields[key] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return fields;
}
/**
 * The path to POST to for a `callback_url`: a path on the API host (`/api/...`), or an absolute
 * URL under api-url. Undefined for anything else (another host, a protocol-relative `//host`,
 * backslashes or control characters, which URL parsers read differently).
 */
function apiPathOf(callbackUrl, apiUrl) {
    const raw = callbackUrl.trim();
    // eslint-disable-next-line no-control-regex
    if (raw === '' || /[\\\x00-\x20\x7f]/.test(raw))
        return undefined;
    const base = apiUrl.replace(/\/+$/, '');
    let path;
    if (raw.startsWith('/') && !raw.startsWith('//'))
        path = raw;
    else if (raw.startsWith(`${base}/`))
        path = raw.slice(base.length);
    else
        return undefined;
    try {
        const target = new URL(`${base}${path}`);
        const origin = new URL(base);
        if (target.origin !== origin.origin || target.username || target.password)
            return undefined;
    }
    catch {
        return undefined;
    }
    return path;
}
/** Checks init_multipart_upload's answer: every field the route needs, as non-empty strings. */
function parseInitMultipartResponse(json, label, paired) {
    const { data, bad } = initAnswer(json, label);
    const text = (name) => {
        const value = data[name];
        if (typeof value !== 'string' || value === '')
            throw bad(`a ${name}`);
        return value;
    };
    const response = {
        sampleId: text('sample_id'),
        bucket: text('s3_bucket'),
        fileId: text('file_id'),
        accessKeyId: text('upload_aws_access_key_id'),
        secretAccessKey: text('upload_aws_secret_access_key'),
        callbackUrl: text('callback_url')
    };
    if (paired)
        response.pairedEndFileId = text('paired_end_file_id');
    return response;
}

;// CONCATENATED MODULE: ./src/onecodex/samples.ts
// The sample listing's answer (GET /api/v1/samples): what a listed sample holds, read strictly.

/** Visibility of a sample whose upload never completed. */
const AWAITING_DATA = 'awaiting data';
/** Page size of sample listings (One Codex allows up to 1000). */
const LIST_PAGE_SIZE = 500;
/** A listing never legitimately needs more pages than this. */
const MAX_LIST_PAGES = 1000;
/** Reads one listed sample; anything but an object with a `$uri` is a bad answer. */
function parseListedSample(item, label) {
    const data = (item ?? {});
    const uri = typeof data.$uri === 'string' ? data.$uri : '';
    const id = /^\/api\/v1\/samples\/([^/]+)$/.exec(uri)?.[1];
    if (!id)
        throw new UploadError(`${label} answered with a sample without a valid $uri.`, {
            retryable: false
        });
    const ref = data.project?.$ref;
    const project = data.project === null || data.project === undefined
        ? null
        : typeof ref === 'string'
            ? (/^\/api\/v1\/projects\/([^/]+)$/.exec(ref)?.[1] ?? ref)
            : null;
    return {
        sampleId: id,
        ...(typeof data.filename === 'string' ? { filename: data.filename } : {}),
        ...(typeof data.size === 'number' ? { size: data.size } : {}),
        ...(typeof data.visibility === 'string' ? { visibility: data.visibility } : {}),
        ...(typeof data.created_at === 'string' ? { createdAt: data.created_at } : {}),
        project
    };
}

;// CONCATENATED MODULE: ./src/onecodex/client.ts





const ALREADY_SUCCESSFUL = /upload already successful/i;
/**
 * Routes every One Codex API has: their 404 stops the run. Not confirm_upload or cancel_upload,
 * whose 404 says that one sample was not found (init_upload on the same api-url worked).
 */
const MUST_EXIST = { mustExist: true };
/**
 * The One Codex API calls of the action, by route family: the standard route (init_upload,
 * confirm_upload), the multipart route (init_multipart_upload, its callback), cancel_upload,
 * and the sample listing. One request per call: retries belong to the caller's RetryPolicy.
 */
class OneCodexClient extends ApiConnection {
    // ── standard route ──
    /** POST /api/v1/samples/init_upload. `what` names the sample in errors. */
    async initUpload(body, what) {
        const label = `init_upload for ${what}`;
        const json = await this.postJson('/api/v1/samples/init_upload', body, label, MUST_EXIST);
        return parseInitResponse(json, label, body.paired_end_filename !== undefined);
    }
    /** POST /api/v1/samples/confirm_upload with `{sample_id}`. */
    async confirmUpload(sampleId, what) {
        const label = `confirm_upload of sample ${sampleId} (${what})`;
        const json = await this.postJson('/api/v1/samples/confirm_upload', { sample_id: sampleId }, label);
        if (json && typeof json === 'object' && json.success === false) {
            const message = json.message;
            throw new UploadError(`${label} was refused${typeof message === 'string' ? `: ${message}` : ''}.`, { retryable: false });
        }
    }
    // ── multipart route ──
    /** POST /api/v1/samples/init_multipart_upload. `what` names the sample in errors. */
    async initMultipartUpload(body, what) {
        const label = `init_multipart_upload for ${what}`;
        const json = await this.postJson('/api/v1/samples/init_multipart_upload', body, label, MUST_EXIST);
        return parseInitMultipartResponse(json, label, body.paired_end_filename !== undefined);
    }
    /**
     * POSTs `{s3_path, filename}` to init_multipart_upload's `callback_url` once every file is in
     * S3, and returns the sample_id of the answer (undefined when it names none). The callback
     * must be a path on api-url's host: the API key goes nowhere else.
     */
    async callback(callbackUrl, body, what) {
        const label = `callback for ${what}`;
        const path = apiPathOf(callbackUrl, this.apiUrl);
        if (path === undefined)
            throw new UploadError(`${label} refused: callback_url "${callbackUrl.slice(0, 200)}" is not a path on ${new URL(this.apiUrl).origin}, and the API key goes nowhere else.`, { retryable: false });
        const json = await this.postJson(path, body, label);
        const sampleId = json?.sample_id;
        return typeof sampleId === 'string' && sampleId !== '' ? sampleId : undefined;
    }
    // ── cancel ──
    /**
     * POST /api/v1/samples/cancel_upload with `{sample_id}`, so that a sample whose upload did
     * not complete is not left awaiting data. One request. An answer saying the upload already
     * succeeded (200 with success false, or an error status) is not an error: 'already complete'.
     */
    async cancelUpload(sampleId, what) {
        const label = `cancel_upload of sample ${sampleId} (${what})`;
        let json;
        try {
            json = await this.postJson('/api/v1/samples/cancel_upload', { sample_id: sampleId }, label);
        }
        catch (error) {
            if (error instanceof UploadError && ALREADY_SUCCESSFUL.test(error.message))
                return 'already complete';
            throw error;
        }
        const answer = (json ?? {});
        const message = typeof answer.message === 'string' ? answer.message : '';
        if (ALREADY_SUCCESSFUL.test(message))
            return 'already complete';
        if (answer.success === false)
            throw new UploadError(`${label} was refused${message ? `: ${message}` : ''}.`, {
                retryable: false
            });
        return 'cancelled';
    }
    // ── sample listing ──
    /**
     * One page of GET /api/v1/samples?where=…, cursor-paginated (`X-Pagination-Style: cursor`;
     * the `X-Next-Cursor` answer header, sent back as `cursor`, leads to the next page).
     */
    async listSamplesPage(where, options = {}) {
        const label = options.label ?? 'listing samples';
        const query = new URLSearchParams({ where: JSON.stringify(where) });
        query.set('per_page', String(options.perPage ?? LIST_PAGE_SIZE));
        if (options.cursor !== undefined)
            query.set('cursor', options.cursor);
        const { json, headers } = await this.getJson(`/api/v1/samples?${query}`, label, { 'x-pagination-style': 'cursor' }, MUST_EXIST);
        if (!Array.isArray(json))
            throw new UploadError(`${label} answered with ${typeof json}, not a list of samples.`, {
                retryable: false
            });
        const raw = headers['x-next-cursor'];
        const next = (Array.isArray(raw) ? raw[0] : raw)?.trim();
        return {
            samples: json.map(item => parseListedSample(item, label)),
            ...(next ? { nextCursor: next } : {})
        };
    }
    /**
     * Every sample matching `where`, following every page; each page request goes through
     * `retry` (so a failed page is retried alone, and a final failure throws).
     */
    async listSamples(where, retry, options = {}) {
        const label = options.label ?? 'listing samples';
        const samples = [];
        const seen = new Set();
        let cursor;
        for (let page = 1;; page++) {
            const result = await retry.execute(`${label} (page ${page})`, () => this.listSamplesPage(where, { cursor, perPage: options.perPage, label }));
            append(samples, result.samples);
            if (!result.nextCursor)
                return samples;
            if (seen.has(result.nextCursor) || page >= MAX_LIST_PAGES)
                throw new UploadError(`${label}: One Codex kept handing out more pages (${page} so far, cursor repeated or limit reached); giving up.`, { retryable: false });
            seen.add(result.nextCursor);
            cursor = result.nextCursor;
        }
    }
}

;// CONCATENATED MODULE: ./src/upload/outcome.ts
/**
 * For a sample whose file (or mate) is merged lanes: `paths` / `paired_end_paths`, every lane
 * file in the order sent. Confirmed and failed entries alike, so every lane is accounted for.
 */
function lanePaths(sample) {
    const all = (source) => source && source.segments.length > 1 ? source.segments.map(s => s.path) : undefined;
    const paths = all(sample.file);
    const mates = all(sample.mate);
    return { ...(paths ? { paths } : {}), ...(mates ? { paired_end_paths: mates } : {}) };
}
/**
 * The `samples` entry of `sample` as One Codex sample `sampleId`: its files (R1, then the
 * mate's), with the sha256 of each when they were sent (`sha256`: R1 first), and what the
 * content check counted in each (validate full).
 */
function sampleEntry(sample, sampleId, sha256, counts) {
    const entry = {
        sample_id: sampleId,
        path: sample.file.path,
        filename: sample.file.filename,
        size: sample.file.size
    };
    if (sha256)
        entry.sha256 = sha256[0];
    if (counts?.[0]) {
        entry.reads = counts[0].reads;
        entry.bases = counts[0].bases;
    }
    if (sample.mate) {
        entry.paired_end_path = sample.mate.path;
        entry.paired_end_filename = sample.mate.filename;
        entry.paired_end_size = sample.mate.size;
        if (sha256)
            entry.paired_end_sha256 = sha256[1];
        if (counts?.[1]) {
            entry.paired_end_reads = counts[1].reads;
            entry.paired_end_bases = counts[1].bases;
        }
    }
    return { ...entry, ...lanePaths(sample) };
}
/**
 * The `failed` entry of a sample: its path(s) (every lane of merged lanes), the error, and how
 * it ended when not plainly failed.
 */
function failureOf(sample, error, status) {
    const { paths, paired_end_paths } = lanePaths(sample);
    return {
        path: sample.file.path,
        ...(paths ? { paths } : {}),
        error,
        ...(sample.mate ? { paired_end_path: sample.mate.path } : {}),
        ...(paired_end_paths ? { paired_end_paths } : {}),
        ...(status ? { status } : {})
    };
}

;// CONCATENATED MODULE: ./src/upload/existing.ts












/**
 * Longest `where` JSON of one listing request, before URL encoding (names are plain ASCII
 * words, so encoding grows it little): keeps each request line well under the 8 KB most
 * servers and proxies accept.
 */
const MAX_WHERE_CHARS = 3000;
/**
 * The skip-existing rule: a listed sample counts as `sample` already uploaded when it has the
 * same filename (R1's for a pair, the merged name for lanes), is in `project` when one is set,
 * is not awaiting data, and its size equals the local size: for a pair the sum of both mates,
 * which is what One Codex records for a pair (init_upload's `size`). A sample with R1's name
 * and R1's size alone may hold R1 only: it is reported in `lacksMate`, never matched.
 */
function matchExisting(sample, listed, project) {
    const size = sampleBytes(sample);
    const candidates = listed.filter(item => item.filename === sample.file.filename &&
        item.visibility !== AWAITING_DATA &&
        (project === undefined || item.project === project));
    const matches = candidates.filter(item => item.size === size).sort(byCreation);
    const lacksMate = sample.mate ? candidates.filter(item => item.size === sample.file.size) : [];
    return {
        ...(matches[0] ? { match: matches[0] } : {}),
        otherSize: candidates.filter(item => item.size !== size && !lacksMate.includes(item)),
        lacksMate
    };
}
/** Oldest first; samples without a creation time last; then by id, so the choice is stable. */
function byCreation(a, b) {
    const ta = a.createdAt ? Date.parse(a.createdAt) : Infinity;
    const tb = b.createdAt ? Date.parse(b.createdAt) : Infinity;
    if (ta !== tb)
        return ta < tb ? -1 : 1;
    return a.sampleId < b.sampleId ? -1 : a.sampleId > b.sampleId ? 1 : 0;
}
/**
 * Groups names into `where` queries (`{"filename": {"$in": [...]}}`) of at most
 * {@link MAX_WHERE_CHARS} characters each: few requests, none too long.
 */
function filenameQueries(names, maxChars = MAX_WHERE_CHARS) {
    const queries = [];
    let chunk = [];
    const size = (list) => JSON.stringify({ filename: { $in: list } }).length;
    for (const name of [...new Set(names)]) {
        if (chunk.length > 0 && size([...chunk, name]) > maxChars) {
            queries.push({ filename: { $in: chunk } });
            chunk = [];
        }
        chunk.push(name);
    }
    if (chunk.length > 0)
        queries.push({ filename: { $in: chunk } });
    return queries;
}
/** The `samples` entry of a sample skipped because One Codex already holds it. */
function existingEntry(sample, found) {
    const entry = sampleEntry(sample, found.sampleId);
    entry.existing = true;
    return entry;
}
/**
 * Asks One Codex which of `samples` it already holds: one listing per chunk of filenames, every
 * page followed, each request retried under the RetryPolicy. Read-only (safe in dry-run).
 * Throws an UploadError naming skip-existing when the listing fails after its retries: the
 * caller must then upload nothing, rather than risk duplicates.
 */
async function findExisting(samples, settings, options = {}) {
    const secrets = keyForms(settings.apiKey);
    const log = (line) => (options.log ?? core/* info */.pq)(redactText(line, secrets));
    const warn = (line) => (options.warn ?? core/* warning */.$e)(redactText(line, secrets));
    const policy = new RetryPolicy({
        maxAttempts: settings.maxAttempts,
        baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
        log
    });
    const { signal } = options;
    const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
        socketTimeoutMs: options.socketTimeoutMs,
        signal
    });
    const listed = [];
    let requests = 0;
    const counting = {
        execute: (label, fn) => policy.execute(label, attempt => {
            requests++;
            return fn(attempt);
        }, { signal })
    };
    try {
        const queries = filenameQueries(samples.map(s => s.file.filename));
        for (const [i, where] of queries.entries()) {
            const label = `${Inputs.SkipExisting}: listing samples${queries.length > 1 ? ` (query ${i + 1} of ${queries.length})` : ''}`;
            append(listed, await api.listSamples(where, counting, { perPage: options.perPage, label }));
        }
    }
    catch (error) {
        if (signal?.aborted)
            throw cancelledLookup();
        const typed = error instanceof UploadError ? error : undefined;
        // A key One Codex refuses (and the like) is said the way the whole run says it.
        // The listing's own words name skip-existing already: said once.
        const message = (typed?.account?.message ?? (error instanceof Error ? error.message : String(error))).replace(new RegExp(`^${Inputs.SkipExisting}: `), '');
        throw new UploadError(redactText(`${Inputs.SkipExisting}: could not ask One Codex which samples it already holds: ${message.replace(/\.?$/, '.')} Nothing was uploaded: uploading without knowing that could make duplicates.`, secrets), { retryable: false, account: typed?.account });
    }
    finally {
        api.dispose();
    }
    const existing = new Map();
    samples.forEach((sample, index) => {
        const { match, otherSize, lacksMate } = matchExisting(sample, listed, 
        // A sample-sheet row may put its sample in another project than the input.
        sample.init?.project ?? settings.project);
        const name = sampleLabel(sample);
        if (match) {
            existing.set(index, existingEntry(sample, match));
            log(`${name}: already in One Codex as sample ${match.sampleId} (${formatBytes(match.size ?? 0)}${match.createdAt ? `, created ${match.createdAt}` : ''}): ${settings.dryRun ? 'would be skipped (dry run)' : 'skipped'}.`);
            return;
        }
        const again = settings.dryRun ? 'a real run would upload it again' : 'uploading it again';
        for (const held of lacksMate) {
            warn(`${name}: One Codex already holds sample ${held.sampleId} named ${sample.file.filename} with ${held.size} bytes, R1's size alone (this pair is ${sampleBytes(sample)} bytes with R2): it may lack R2 (an earlier run with paired: false, or an upload of R1 only), so ${again} as a new paired sample.`);
        }
        for (const other of otherSize) {
            warn(`${name}: One Codex already holds sample ${other.sampleId} named ${other.filename ?? sample.file.filename} with ${other.size === undefined ? 'an unknown size' : `${other.size} bytes`}, but this ${sample.mate ? 'pair has' : 'file has'} ${sampleBytes(sample)} bytes${sample.mate ? ' (both mates)' : ''}: ${again} as a new sample.`);
        }
    });
    return { existing, requests };
}
/** The error of a lookup the job's cancellation stopped. */
function cancelledLookup() {
    return new UploadError(`${Inputs.SkipExisting}: the job was cancelled while asking One Codex which samples it already holds.`, { code: 'ABORTED', retryable: false });
}
/** True for the error of a lookup the job's cancellation stopped. */
function isCancelledLookup(error) {
    return error instanceof UploadError && error.code === 'ABORTED';
}
/**
 * The skip-existing stage: a read-only lookup before any upload. When it fails, its reason is
 * said as an error (a 401/402 as the account-level cause, naming the input to check) and the
 * stage says why nothing will be uploaded.
 */
async function lookUpExisting(share, settings, options = {}) {
    try {
        return settings.skipExisting
            ? { found: await findExisting(share.samples, settings, options) }
            : {};
    }
    catch (error) {
        // Not an error of its own: the cancellation is said once, when the signal came.
        if (isCancelledLookup(error))
            return { failed: 'the job was cancelled before this sample started.', cancelled: true };
        const reason = error instanceof UploadError && error.account
            ? error.account.message
            : error instanceof Error
                ? error.message
                : String(error);
        core/* error */.z3(reason);
        return {
            failed: `${Inputs.SkipExisting} could not ask One Codex which samples it already holds (see the error above).`
        };
    }
}
/**
 * The upload's results with the skipped samples put back in plan order: `share` is the plan (or
 * this shard's part of it), `results` the outcomes of the samples that were not skipped, in order.
 */
function withExisting(share, existing, results) {
    if (!existing || existing.size === 0)
        return results;
    const uploaded = results.outcomes[Symbol.iterator]();
    const outcomes = share.map((_, index) => {
        const found = existing.get(index);
        if (found)
            return { ok: true, sample: found, durationMs: 0 };
        const next = uploaded.next();
        if (next.done)
            throw new Error('internal: fewer upload outcomes than samples to upload');
        return next.value;
    });
    return { ...results, outcomes };
}
/**
 * Dry run with skip-existing: the same read-only lookup, then which samples a real run would
 * skip and which it would upload. Nothing is sent but the listing requests.
 */
async function previewExisting(share, settings, options = {}) {
    const log = options.log ?? core/* info */.pq;
    const lookup = await findExisting(share, settings, options);
    const skipped = lookup.existing.size;
    log(`Dry run with ${Inputs.SkipExisting}: ${skipped} of ${share.length} sample${share.length === 1 ? ' is' : 's are'} already in One Codex and would be skipped; ${share.length - skipped} would be uploaded (${lookup.requests} read-only listing request${lookup.requests === 1 ? '' : 's'} made).`);
    return lookup;
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
;// CONCATENATED MODULE: ./src/verify/messages.ts


/** A finding of the checkers on `file`, in words. */
function contentProblem(finding, file, format) {
    return {
        rule: finding.rule,
        severity: finding.rule === 'gzip-trailing-zeros' ? 'warning' : 'error',
        file,
        detail: describeFinding(finding, format),
        ...(finding.line !== undefined ? { line: finding.line } : {}),
        ...(finding.record !== undefined ? { record: finding.record } : {}),
        ...(finding.offset !== undefined ? { offset: finding.offset } : {})
    };
}
/**
 * The whole sentence, the file named relative to the workspace:
 * `reads/S1_R1_001.fastq.gz: line 40,004 (record 10,001): 149 quality characters for 150 bases`,
 * `reads/S3_R1_001.fastq.gz has 1,000,000 reads but its mate reads/S3_R2_001.fastq.gz has 999,998`.
 */
function problemMessage(problem, workspace) {
    const file = displayPath(problem.file, workspace);
    if (problem.mate !== undefined)
        return `${file} has ${formatCount(problem.reads ?? 0)} reads but its mate ${displayPath(problem.mate, workspace)} has ${formatCount(problem.mateReads ?? 0)}`;
    return `${file}${/^(holds|is) /.test(problem.detail) ? ' ' : ': '}${problem.detail}`;
}
/** As a planning problem (a refused file's `failed` entry, an annotation on the file). */
function toProblem(problem, workspace) {
    const file = displayPath(problem.file, workspace);
    return {
        message: problemMessage(problem, workspace),
        file,
        ...(problem.mate !== undefined ? { files: [file, displayPath(problem.mate, workspace)] } : {})
    };
}
/** `"A"` for a printable byte, `byte 0x00` for any other. */
function shown(byte) {
    if (byte === undefined)
        return 'nothing';
    if (byte > 32 && byte < 127)
        return `"${String.fromCharCode(byte)}"`;
    if (byte === 32)
        return 'a space';
    return `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
function where(finding) {
    let text = finding.line !== undefined ? `line ${formatCount(finding.line)}` : '';
    if (finding.column !== undefined)
        text += `, column ${formatCount(finding.column)}`;
    if (finding.record !== undefined)
        text += ` (record ${formatCount(finding.record)})`;
    return text;
}
function compressed(finding) {
    const range = finding.from !== undefined && finding.to !== undefined && finding.to > finding.from
        ? `compressed bytes ${formatCount(finding.from)}–${formatCount(finding.to)}`
        : '';
    const output = finding.output !== undefined ? `after ${formatBytes(finding.output)} of output` : '';
    return [range, output].filter(Boolean).join(', ');
}
const RECORD_LINES = {
    header: 'header',
    sequence: 'sequence',
    separator: '"+"',
    quality: 'quality'
};
/** What the finding means, without the file's name. */
function describeFinding(finding, format) {
    const at = where(finding);
    switch (finding.rule) {
        case 'fastq-header':
            return `${at}: expected a record's header line, starting with "@", found ${shown(finding.byte)}`;
        case 'fastq-blank-line':
            return `${at}: an empty line between records (a FASTQ record is four lines, with no empty lines)`;
        case 'fastq-sequence':
            return `${at}: ${shown(finding.byte)} is not a base (a sequence line holds IUPAC letters, "." and "-")`;
        case 'fastq-separator':
            return `${at}: expected the "+" line after the sequence, found ${shown(finding.byte)}`;
        case 'fastq-quality':
            return `${at}: ${shown(finding.byte)} is not a quality character ("!" to "~")`;
        case 'fastq-quality-length':
            return `${at}: ${formatCount(finding.found ?? 0)} quality characters for ${formatCount(finding.expected ?? 0)} bases`;
        case 'fastq-truncated': {
            const part = finding.part ?? 'header';
            const counts = part === 'quality'
                ? `, ${formatCount(finding.found ?? 0)} of ${formatCount(finding.expected ?? 0)} quality characters`
                : '';
            return `the text ends inside record ${formatCount(finding.record ?? 0)} (line ${formatCount(finding.line ?? 0)}, its ${RECORD_LINES[part]} line${counts}): the file is truncated`;
        }
        case 'fasta-header':
            return `${at}: a FASTA file starts with a header line beginning with ">", found ${shown(finding.byte)}`;
        case 'fasta-sequence':
            return `${at}: ${shown(finding.byte)} is not a sequence letter (a sequence line holds IUPAC letters, "*" and "-")`;
        case 'fasta-control':
            return `${at}: control ${shown(finding.byte)} in a header line`;
        case 'line-too-long':
            return `${at}: a header line longer than ${formatBytes(finding.limit ?? 0)} (${formatCount(finding.limit ?? 0)} bytes): not ${format} text`;
        case 'no-records':
            return `holds no ${format} records`;
        case 'gzip-not-gzip':
            return `is not gzip data (${finding.zlib ?? 'no gzip header'}), though its name says gzip`;
        case 'gzip-truncated':
            return finding.to === 0
                ? 'the file is empty: no gzip data'
                : `the gzip stream ends inside a member after ${formatBytes(finding.output ?? 0)} of output: the file is truncated`;
        case 'gzip-damaged':
            return `the gzip data is damaged (${finding.zlib ?? 'zlib error'}; ${compressed(finding)}): the file is corrupt`;
        case 'gzip-crc':
            return `a gzip member's CRC32 does not match its data (${compressed(finding)}): the file is corrupt`;
        case 'gzip-length':
            return `a gzip member's length (ISIZE) does not match its data (${compressed(finding)}): the file is corrupt`;
        case 'gzip-trailing-data':
            return finding.zlib === undefined
                ? `bytes after the last gzip member (from byte ${formatCount(finding.from ?? 0)}) are not gzip data: ${shown(finding.byte)} at byte ${formatCount(finding.to ?? 0)}`
                : `data that is not gzip follows a gzip member (${finding.zlib}; ${compressed(finding)}): trailing bytes or a damaged member`;
        case 'gzip-trailing-zeros':
            return `${formatCount(finding.bytes ?? 0)} zero bytes follow the last gzip member (from byte ${formatCount(finding.from ?? 0)}); they are ignored`;
        case 'pair-count':
        case 'interleaved-odd':
            return finding.rule;
    }
}

;// CONCATENATED MODULE: ./src/verify/pairs.ts

/**
 * R1 and R2 must hold the same number of records (as BaseSpace requires): a pair whose mates
 * differ lost reads in one of them, and aligners pair reads by position.
 */
function pairProblem(r1, r2) {
    if (r1.reads === r2.reads)
        return undefined;
    return {
        rule: 'pair-count',
        severity: 'error',
        file: r1.path,
        mate: r2.path,
        reads: r1.reads,
        mateReads: r2.reads,
        detail: `has ${formatCount(r1.reads)} reads but its mate has ${formatCount(r2.reads)}`
    };
}
/** An interleaved file holds R1, R2, R1, R2...: an odd count lost a mate. */
function interleavedProblem(file) {
    if (file.reads % 2 === 0)
        return undefined;
    return {
        rule: 'interleaved-odd',
        severity: 'error',
        file: file.path,
        reads: file.reads,
        detail: `holds ${formatCount(file.reads)} records: an interleaved file holds pairs (R1, R2, R1, R2, ...), so the count must be even`
    };
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
;// CONCATENATED MODULE: ./src/verify/scan-thread.ts
/**
 * Slots of the BigInt64Array shared by a scan and its thread. LIMIT: reading is allowed up to
 * this offset of the source (main thread writes); READ: bytes read and hashed so far (thread
 * writes); STOP: non-zero stops the scan (main); WAKE: post a progress message once READ
 * reaches this, then clear it (main arms, thread clears).
 */
const SLOTS = { LIMIT: 0, READ: 1, STOP: 2, WAKE: 3, COUNT: 4 };
/**
 * The scan thread: takes one ScanJob at a time and reads its segments once, in order, with
 * blocking reads (it is its own thread), never past LIMIT. Every byte goes into one sha256;
 * with `validate: full` each segment is also checked as its own stream (its own gzip members,
 * its own records). Posts `done` (or `problem`, `failed`, `stopped`) and waits for the next job.
 *
 * Sent to the worker as source text with the checkers (worker-source.ts): it names nothing
 * outside its own body but its parameters and the globals.
 */
function scanThread(modules, engine) {
    const { fs, zlib, crypto, workerThreads, v8, vm } = modules;
    const port = workerThreads.parentPort;
    // V8's collector, for GzipChecker's output buffers (see COLLECT_BYTES there): exposed to a
    // fresh context of this thread only.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const collect = () => gc({ type: 'minor' });
    const LIMIT = 0;
    const READ = 1;
    const STOP = 2;
    const WAKE = 3;
    const STOPPED = new Error('stopped');
    const waitAsync = Atomics.waitAsync;
    port.on('message', (job) => {
        run(job).then(message => port.postMessage(message), (error) => port.postMessage(error === STOPPED
            ? { type: 'stopped' }
            : { type: 'failed', message: error instanceof Error ? error.message : String(error) }));
    });
    async function run(job) {
        const state = new BigInt64Array(job.shared);
        const hash = crypto.createHash('sha256');
        const full = job.validate === 'full';
        const gzip = full && job.compression === 'gzip';
        // Read buffers: one when each chunk is done with before the next read, more when zlib holds
        // chunks while the next ones are read.
        const free = [];
        let allocated = 0;
        const maxBuffers = gzip ? Math.max(1, job.gzipBuffers) : 1;
        let bufferBack;
        const giveBack = (buffer) => {
            free.push(buffer);
            const wake = bufferBack;
            bufferBack = undefined;
            wake?.();
        };
        const stopRequested = () => Atomics.load(state, STOP) !== 0n;
        /** Resolves once reading up to at least `read + 1` is allowed; the limit. */
        const allowed = async (read) => {
            for (;;) {
                if (stopRequested())
                    throw STOPPED;
                const limit = Atomics.load(state, LIMIT);
                if (limit > BigInt(read))
                    return Number(limit);
                const waited = waitAsync(state, LIMIT, limit);
                if (waited.async)
                    await waited.value;
            }
        };
        let read = 0;
        /** Every byte was read (so the sha256 is of the whole source). */
        let complete = true;
        const results = [];
        let reported = false;
        for (let index = 0; index < job.segments.length; index++) {
            const segment = job.segments[index];
            const text = full
                ? job.format === 'FASTQ'
                    ? new engine.FastqChecker()
                    : new engine.FastaChecker()
                : undefined;
            const inflater = text && gzip
                ? new engine.GzipChecker(zlib, text, job.outputBytes, job.readBytes, collect)
                : undefined;
            const fd = fs.openSync(segment.path, 'r');
            let stopped;
            try {
                for (let offset = 0; offset < segment.size;) {
                    const limit = await allowed(read);
                    let buffer = free.pop();
                    if (!buffer && allocated < maxBuffers) {
                        buffer = Buffer.allocUnsafeSlow(job.readBytes);
                        allocated++;
                    }
                    while (!buffer) {
                        await new Promise(resolve => (bufferBack = resolve));
                        if (stopRequested())
                            throw STOPPED;
                        buffer = free.pop();
                    }
                    const want = Math.min(buffer.length, segment.size - offset, limit - read);
                    const n = fs.readSync(fd, buffer, 0, want, offset);
                    if (n === 0) {
                        free.push(buffer);
                        throw new Error(`${segment.path} has ${offset} bytes now, ${segment.size} were planned (was the file changed while uploading?).`);
                    }
                    const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
                    hash.update(chunk);
                    offset += n;
                    read += n;
                    Atomics.store(state, READ, BigInt(read));
                    const wake = Atomics.load(state, WAKE);
                    if (wake > 0n && BigInt(read) >= wake) {
                        Atomics.compareExchange(state, WAKE, wake, 0n);
                        port.postMessage({ type: 'progress', read });
                    }
                    if (inflater) {
                        const own = buffer;
                        inflater.write(chunk, () => giveBack(own));
                        if (inflater.failed) {
                            complete = complete && offset === segment.size;
                            break;
                        }
                    }
                    else {
                        if (text && !text.push(chunk)) {
                            free.push(buffer);
                            complete = complete && offset === segment.size;
                            break;
                        }
                        free.push(buffer);
                    }
                }
            }
            catch (error) {
                stopped = error;
            }
            finally {
                fs.closeSync(fd);
            }
            if (stopped !== undefined) {
                inflater?.destroy();
                throw stopped;
            }
            if (!text)
                continue;
            const outcome = inflater
                ? await inflater.end()
                : { error: text.end(), warnings: [] };
            const result = {
                reads: text.reads,
                bases: text.bases,
                warnings: outcome.warnings,
                ...(outcome.error ? { error: outcome.error } : {})
            };
            results.push(result);
            if (outcome.error) {
                if (!reported) {
                    reported = true;
                    port.postMessage({ type: 'problem', segment: index, finding: outcome.error });
                }
                if (!job.keepGoing) {
                    complete = complete && index === job.segments.length - 1;
                    break;
                }
                // The rest of this segment is not read: later segments start at their own offset.
                read = job.segments.slice(0, index + 1).reduce((sum, s) => sum + s.size, 0);
                Atomics.store(state, READ, BigInt(read));
            }
        }
        return complete
            ? { type: 'done', sha256: hash.digest('hex'), segments: results }
            : { type: 'done', segments: results };
    }
}

;// CONCATENATED MODULE: ./src/verify/fasta-checker.ts
/**
 * Checks a FASTA text streamed in chunks of any size, holding nothing but a few numbers:
 *
 * - the first non-empty line starts with `>`;
 * - every other line is a header (`>`...), empty, or sequence: IUPAC letters in any case, `*`
 *   and `-`;
 * - no NUL or other control byte anywhere (a header may hold tabs);
 * - `\r\n` line endings are accepted.
 *
 * Header lines are capped at MAX_HEADER_BYTES; sequence lines may be of any length (a genome on
 * one line is common) since nothing of them is held. Counts: `reads` (`>` records) and `bases`
 * (sequence letters). The first problem is kept in `finding` and ends the check.
 *
 * Runs on the scan worker: sent there as source text (worker-source.ts), so it uses nothing from
 * outside itself.
 */
class FastaChecker {
    static MAX_HEADER_BYTES = 1024 * 1024;
    /** 1 for the bytes a sequence line may hold: IUPAC codes in both cases, `*` and `-`. */
    static SEQUENCE = FastaChecker.table('ACGTURYSWKMBDHVN', '*-');
    /** The same for two bytes at once (index: first byte + 256 * second). */
    static PAIRS = FastaChecker.pairs(FastaChecker.SEQUENCE);
    static table(letters, others) {
        const table = new Uint8Array(256);
        for (const c of letters) {
            table[c.charCodeAt(0)] = 1;
            table[c.toLowerCase().charCodeAt(0)] = 1;
        }
        for (const c of others)
            table[c.charCodeAt(0)] = 1;
        return table;
    }
    static pairs(table) {
        const pairs = new Uint8Array(65536);
        for (let i = 0; i < 65536; i++)
            pairs[i] = table[i & 255] & table[i >>> 8];
        return pairs;
    }
    reads = 0;
    bases = 0;
    finding;
    /** 1-based number of the current line. */
    line = 1;
    /** The current line: 0 not started yet, 1 header, 2 sequence (or empty so far). */
    kind = 0;
    /** Bytes of the current line so far (its line ending excluded). */
    length = 0;
    position = 0;
    /** The last chunk ended with `\r`: `\n` must come next. */
    carriageReturn = false;
    /** Checks the next chunk; false once a problem was found. */
    push(chunk) {
        if (this.finding)
            return false;
        const n = chunk.length;
        let i = 0;
        if (this.carriageReturn && n > 0) {
            this.carriageReturn = false;
            if (chunk[0] !== 10) {
                this.position -= 1;
                this.badByte(13, 0);
                return false;
            }
            this.line++;
            this.kind = 0;
            this.length = 0;
            i = 1;
        }
        const sequence = FastaChecker.SEQUENCE;
        const pairs = FastaChecker.PAIRS;
        // Sequence lines are checked four bytes at a time where they can be: `words` views the
        // chunk from its first 4-aligned byte, `head`.
        const head = (4 - (chunk.byteOffset & 3)) & 3;
        const words = n >= head + 4
            ? new Uint32Array(chunk.buffer, chunk.byteOffset + head, (n - head) >> 2)
            : new Uint32Array(0);
        while (i < n) {
            if (this.kind === 0) {
                const c = chunk[i];
                if (c === 62) {
                    this.kind = 1;
                    this.reads++;
                }
                else if (c === 10) {
                    this.line++;
                    i++;
                    continue;
                }
                else {
                    if (this.reads === 0 && c !== 13) {
                        this.fail('fasta-header', { byte: c, offset: this.position + i });
                        return false;
                    }
                    this.kind = 2;
                }
            }
            if (this.kind === 2) {
                let j = i;
                while (j < n && ((j - head) & 3) !== 0 && sequence[chunk[j]] === 1)
                    j++;
                if (j < n && ((j - head) & 3) === 0) {
                    let k = (j - head) >> 2;
                    const last = words.length;
                    while (k < last) {
                        const w = words[k];
                        if ((pairs[w & 0xffff] & pairs[w >>> 16]) === 0)
                            break;
                        k++;
                    }
                    j = head + (k << 2);
                }
                while (j < n && sequence[chunk[j]] === 1)
                    j++;
                this.bases += j - i;
                this.length += j - i;
                if (j === n)
                    return this.done(n);
                i = j;
            }
            else {
                // Header: anything printable (tabs too), up to the line's end.
                let j = i;
                for (; j < n; j++) {
                    const c = chunk[j];
                    if ((c < 32 && c !== 9) || c === 127)
                        break;
                }
                this.length += j - i;
                if (this.length > FastaChecker.MAX_HEADER_BYTES) {
                    this.fail('line-too-long', { limit: FastaChecker.MAX_HEADER_BYTES });
                    return false;
                }
                if (j === n)
                    return this.done(n);
                i = j;
            }
            // chunk[i] ends the run: a line ending, or a byte that may not be there.
            const c = chunk[i];
            if (c === 13 && i + 1 === n) {
                this.carriageReturn = true;
                return this.done(n);
            }
            if (c === 10 || (c === 13 && chunk[i + 1] === 10)) {
                i += c === 10 ? 1 : 2;
                this.line++;
                this.kind = 0;
                this.length = 0;
                continue;
            }
            this.badByte(c, i);
            return false;
        }
        return this.done(n);
    }
    /** Call after the last chunk. */
    end() {
        this.carriageReturn = false;
        if (!this.finding && this.reads === 0)
            this.finding = { rule: 'no-records' };
        return this.finding;
    }
    done(n) {
        this.position += n;
        return true;
    }
    badByte(byte, at) {
        const rule = this.kind === 1 ? 'fasta-control' : 'fasta-sequence';
        this.fail(rule, { byte, column: this.length + 1, offset: this.position + at });
    }
    fail(rule, details) {
        this.finding = {
            rule,
            line: this.line,
            ...(this.reads > 0 ? { record: this.reads } : {}),
            ...details
        };
    }
}

;// CONCATENATED MODULE: ./src/verify/fastq-checker.ts
/**
 * Checks a FASTQ text streamed in chunks of any size, byte by byte, holding nothing but a few
 * numbers (no line is copied, so a line may span chunks and be of any length):
 *
 * - four-line records: a header line starting with `@`, a sequence line of IUPAC letters in any
 *   case plus `.` and `-`, a line starting with `+`, and a quality line exactly as long as the
 *   sequence, in `!`..`~`;
 * - `\r\n` line endings are accepted (the `\r` is not part of the line);
 * - a record of length 0 (empty sequence and quality lines) is allowed;
 * - the text ends with a complete record, the final newline optional; empty lines after the last
 *   record are ignored, anywhere else they break the four-line structure;
 * - header and `+` lines may hold anything but are capped at MAX_LABEL_BYTES, the only lines
 *   whose content is not checked byte by byte.
 *
 * The first problem is kept in `finding` and ends the check. Counts: `reads` (complete records)
 * and `bases` (their sequence letters).
 *
 * Runs on the scan worker: the class is sent there as source text (worker-source.ts), so it uses
 * nothing from outside itself, not even module constants.
 */
class FastqChecker {
    /** Header and `+` lines longer than this are refused (1 MiB; real headers are < 1 kB). */
    static MAX_LABEL_BYTES = 1024 * 1024;
    /** 1 for the bytes a sequence line may hold: IUPAC codes in both cases, `.` and `-`. */
    static SEQUENCE = FastqChecker.table('ACGTURYSWKMBDHVN', '.-');
    /** The same for two bytes at once (index: first byte + 256 * second): half the lookups. */
    static PAIRS = FastqChecker.pairs(FastqChecker.SEQUENCE);
    static table(letters, others) {
        const table = new Uint8Array(256);
        for (const c of letters) {
            table[c.charCodeAt(0)] = 1;
            table[c.toLowerCase().charCodeAt(0)] = 1;
        }
        for (const c of others)
            table[c.charCodeAt(0)] = 1;
        return table;
    }
    static pairs(table) {
        const pairs = new Uint8Array(65536);
        for (let i = 0; i < 65536; i++)
            pairs[i] = table[i & 255] & table[i >>> 8];
        return pairs;
    }
    reads = 0;
    bases = 0;
    finding;
    /** The line being read: 0 header, 1 sequence, 2 `+`, 3 quality. */
    phase = 0;
    /** Bytes of the current line so far (its line ending excluded). */
    length = 0;
    /** First byte of the current header-phase line (for lines that turn out empty). */
    first = 0;
    sequenceLength = 0;
    /** Offset in the text of the next chunk's first byte. */
    position = 0;
    /** The last chunk ended with `\r` in a sequence or quality line: `\n` must come next. */
    carriageReturn = false;
    /** Empty lines seen where a record would begin (fine only at the very end). */
    blankLines = 0;
    /** Checks the next chunk; false once a problem was found (later chunks are ignored). */
    push(chunk) {
        if (this.finding)
            return false;
        const n = chunk.length;
        let i = 0;
        if (this.carriageReturn) {
            this.carriageReturn = false;
            if (n === 0) {
                this.carriageReturn = true;
                return true;
            }
            if (chunk[0] !== 10) {
                // The `\r` was inside the line, not the start of its ending.
                this.position -= 1;
                this.badByte(13, 0);
                return false;
            }
            if (!this.endLine())
                return false;
            i = 1;
        }
        const sequence = FastqChecker.SEQUENCE;
        const pairs = FastqChecker.PAIRS;
        const maxLabel = FastqChecker.MAX_LABEL_BYTES;
        // Sequence and quality lines are checked four bytes at a time where they can be: `words`
        // views the chunk from its first 4-aligned byte, `head`.
        const head = (4 - (chunk.byteOffset & 3)) & 3;
        const words = n >= head + 4
            ? new Uint32Array(chunk.buffer, chunk.byteOffset + head, (n - head) >> 2)
            : new Uint32Array(0);
        let phase = this.phase;
        let length = this.length;
        while (i < n) {
            if (phase === 1) {
                // Sequence: letters up to the line's end.
                let j = i;
                while (j < n && ((j - head) & 3) !== 0 && sequence[chunk[j]] === 1)
                    j++;
                if (j < n && ((j - head) & 3) === 0) {
                    let k = (j - head) >> 2;
                    const last = words.length;
                    while (k < last) {
                        const w = words[k];
                        if ((pairs[w & 0xffff] & pairs[w >>> 16]) === 0)
                            break;
                        k++;
                    }
                    j = head + (k << 2);
                }
                while (j < n && sequence[chunk[j]] === 1)
                    j++;
                length += j - i;
                if (j === n) {
                    i = n;
                    break;
                }
                const c = chunk[j];
                if (c === 10)
                    i = j + 1;
                else if (c === 13 && j + 1 === n) {
                    this.carriageReturn = true;
                    i = n;
                    break;
                }
                else if (c === 13 && chunk[j + 1] === 10)
                    i = j + 2;
                else {
                    this.length = length;
                    this.phase = phase;
                    this.badByte(c, j);
                    return false;
                }
                this.sequenceLength = length;
                length = 0;
                phase = 2;
            }
            else if (phase === 3) {
                // Quality: as many characters as the sequence had bases.
                const expected = this.sequenceLength;
                let j = i;
                const stop = i + expected - length;
                if (stop < n) {
                    // The line should end inside this chunk: check up to there, then its ending.
                    while (j < stop && ((j - head) & 3) !== 0) {
                        const c = chunk[j];
                        if (c < 33 || c > 126)
                            break;
                        j++;
                    }
                    if (j < stop && ((j - head) & 3) === 0) {
                        // A word holds a byte outside 33..126 when one is below 0x21 (the first term) or
                        // above 0x7e (the second); the byte loop below then finds which.
                        let k = (j - head) >> 2;
                        const last = (stop - head) >> 2;
                        while (k < last) {
                            const w = words[k];
                            if ((((w - 0x21212121) & ~w) | (w + 0x01010101) | w) & 0x80808080)
                                break;
                            k++;
                        }
                        j = head + (k << 2);
                    }
                    while (j < stop) {
                        const c = chunk[j];
                        if (c < 33 || c > 126)
                            break;
                        j++;
                    }
                    if (j === stop) {
                        const c = chunk[j];
                        if (c === 10) {
                            i = j + 1;
                            this.reads++;
                            this.bases += expected;
                            length = 0;
                            phase = 0;
                            continue;
                        }
                        if (c === 13 && j + 1 < n && chunk[j + 1] === 10) {
                            i = j + 2;
                            this.reads++;
                            this.bases += expected;
                            length = 0;
                            phase = 0;
                            continue;
                        }
                    }
                }
                // Slow path: the line ends in a later chunk, early, late, or with a bad byte.
                while (j < n) {
                    const c = chunk[j];
                    if (c < 33 || c > 126)
                        break;
                    j++;
                }
                length += j - i;
                if (j === n) {
                    i = n;
                    break;
                }
                const c = chunk[j];
                if (c === 10)
                    i = j + 1;
                else if (c === 13 && j + 1 === n) {
                    this.carriageReturn = true;
                    i = n;
                    break;
                }
                else if (c === 13 && chunk[j + 1] === 10)
                    i = j + 2;
                else {
                    this.length = length;
                    this.phase = phase;
                    this.badByte(c, j);
                    return false;
                }
                if (length !== expected) {
                    this.length = length;
                    this.phase = phase;
                    this.fail('fastq-quality-length', { expected, found: length });
                    return false;
                }
                this.reads++;
                this.bases += expected;
                length = 0;
                phase = 0;
            }
            else {
                // Header (phase 0) or `+` line (phase 2): the first byte decides, the rest is a label.
                if (length === 0) {
                    const c = chunk[i];
                    if (phase === 0) {
                        this.first = c;
                        if (c !== 64 && c !== 10 && c !== 13) {
                            this.length = length;
                            this.phase = phase;
                            this.fail('fastq-header', { byte: c, offset: this.position + i });
                            return false;
                        }
                        if (c === 64 && this.blankLines > 0) {
                            this.phase = phase;
                            this.fail('fastq-blank-line', {});
                            return false;
                        }
                    }
                    else if (c !== 43) {
                        this.length = length;
                        this.phase = phase;
                        this.fail('fastq-separator', { byte: c, offset: this.position + i });
                        return false;
                    }
                }
                const newline = chunk.indexOf(10, i);
                const end = newline < 0 ? n : newline;
                length += end - i;
                if (length > maxLabel) {
                    this.length = length;
                    this.phase = phase;
                    this.fail('line-too-long', { limit: maxLabel });
                    return false;
                }
                if (newline < 0) {
                    i = n;
                    break;
                }
                i = newline + 1;
                if (phase === 0 && this.first !== 64) {
                    // An empty line (`\n` or `\r\n`) where a record would begin.
                    if (length > 1 || (length === 1 && this.first !== 13)) {
                        this.length = length;
                        this.phase = phase;
                        this.fail('fastq-header', { byte: this.first });
                        return false;
                    }
                    this.blankLines++;
                    length = 0;
                    continue;
                }
                length = 0;
                phase++;
            }
        }
        this.phase = phase;
        this.length = length;
        this.position += n;
        return true;
    }
    /** Call after the last chunk: checks the text ended with a complete record. */
    end() {
        if (this.finding)
            return this.finding;
        // A final `\r` with no `\n`: the line ended with the text, like a line without a newline.
        this.carriageReturn = false;
        const phase = this.phase;
        if (phase === 3 && this.length === this.sequenceLength) {
            // The last quality line without its newline: complete.
            this.reads++;
            this.bases += this.sequenceLength;
            this.phase = 0;
            this.length = 0;
        }
        else if (phase === 0 && (this.length === 0 || this.first !== 64)) {
            // Ended between records (trailing empty lines are fine).
            if (this.length > 0 && this.length > (this.first === 13 ? 1 : 0))
                this.fail('fastq-header', { byte: this.first });
        }
        else {
            const part = ['header', 'sequence', 'separator', 'quality'][phase];
            this.fail('fastq-truncated', phase === 3 ? { part, expected: this.sequenceLength, found: this.length } : { part });
        }
        if (!this.finding && this.reads === 0)
            this.finding = { rule: 'no-records' };
        return this.finding;
    }
    /** A byte that may not stand where it is: `at` is its index in the current chunk. */
    badByte(byte, at) {
        const rule = this.phase === 1 ? 'fastq-sequence' : 'fastq-quality';
        this.fail(rule, { byte, column: this.length + 1, offset: this.position + at });
    }
    fail(rule, details) {
        this.finding = {
            rule,
            line: this.reads * 4 + this.phase + 1 + (rule === 'fastq-blank-line' ? 0 : this.blankLines),
            record: this.reads + 1,
            ...details
        };
    }
    /** The line held back by a chunk ending in `\r` ends here (phase 1 or 3). */
    endLine() {
        if (this.phase === 1) {
            this.sequenceLength = this.length;
            this.phase = 2;
            this.length = 0;
            return true;
        }
        if (this.length !== this.sequenceLength) {
            this.fail('fastq-quality-length', { expected: this.sequenceLength, found: this.length });
            return false;
        }
        this.reads++;
        this.bases += this.sequenceLength;
        this.phase = 0;
        this.length = 0;
        return true;
    }
}

;// CONCATENATED MODULE: ./src/verify/gzip-checker.ts
/**
 * Inflates one gzip file streamed in chunks and hands its text to a TextChecker.
 *
 * zlib itself checks what makes a member sound: it inflates every member, compares each
 * member's CRC32 and ISIZE with its data, and Node's gunzip starts the next member wherever one
 * ends and a byte other than 0 follows (so concatenated and BGZF files are one stream). What it
 * does not decide is left to this class:
 *
 * - a stream that ends inside a member: zlib's `unexpected end of file` at the end, reported
 *   with how much output had been produced;
 * - bytes after the last member: Node stops at a zero byte and drops the rest without a word,
 *   so from where it stopped (`bytesWritten`, the input it consumed) every byte is looked at
 *   here: all zero is a warning, anything else an error;
 * - which problem is the cause: damaged deflate data often inflates to garbage for a while
 *   before zlib notices (at the latest at the member's CRC), so after the text checker refuses
 *   something the inflating goes on for up to GRACE_BYTES of output, and a gzip error found
 *   there is reported instead.
 *
 * The inflating runs on libuv's thread pool (zlib's asynchronous API), the text check on the
 * calling thread, so the two overlap: the readable side is read in `readable` events, which
 * come after zlib was already handed its next piece of work.
 *
 * Runs on the scan worker: sent there as source text (worker-source.ts), so it uses nothing
 * from outside itself; zlib is passed in.
 */
class GzipChecker {
    text;
    collect;
    /** How much more output is inflated after the text checker found a problem. */
    static GRACE_BYTES = 16 * 1024 * 1024;
    /**
     * zlib's stream hands out each piece of output in a new buffer: garbage that V8 collects only
     * once 64 MiB of such memory piled up (its external-memory trigger), about 40 MiB of a scan's
     * peak RSS. A young-generation collection every COLLECT_BYTES frees them at about 1 ms each.
     */
    static COLLECT_BYTES = 4 * 1024 * 1024;
    /** Bytes of output so far. */
    output = 0;
    collected = 0;
    gunzip;
    /** Chunks handed to zlib and not yet consumed, in order. */
    pending = [];
    /** File offset after the last chunk written. */
    written = 0;
    /** Where the bytes after the last member begin, once zlib stopped consuming; else -1. */
    trailingFrom = -1;
    trailingZeros = 0;
    zeros;
    /** The file's first four bytes (ID1 ID2 CM FLG), to tell "not gzip" from what follows a member. */
    head = -1;
    error;
    /** Output count when the text checker refused something; else -1. */
    textFailedAt = -1;
    /** zlib is done with this file (its stream ended, failed or was stopped). */
    stopped = false;
    ended = false;
    settle;
    constructor(zlib, text, 
    /** Bytes of output per piece handed to the text checker. */
    outputChunk = 256 * 1024, 
    /** The largest chunk `write` is given (for the comparison with zeros). */
    inputChunk = 1024 * 1024, 
    /** Called after every COLLECT_BYTES of output (see there). */
    collect) {
        this.text = text;
        this.collect = collect;
        this.zeros = Buffer.alloc(inputChunk);
        // The readable side buffers two pieces, so zlib inflates the next while one is checked.
        const options = {
            chunkSize: outputChunk,
            readableHighWaterMark: 2 * outputChunk
        };
        this.gunzip = zlib.createGunzip(options);
        this.gunzip.on('readable', () => this.drain());
        this.gunzip.on('end', () => this.streamEnded());
        this.gunzip.on('error', error => this.zlibError(error));
    }
    /** True once the outcome is known: stop feeding and call `end`. */
    get failed() {
        return this.error !== undefined;
    }
    /**
     * Feeds the next `chunk` of the file; `release` is called once the chunk's memory may be
     * reused (zlib consumed it, or it was looked at here).
     */
    write(chunk, release) {
        const from = this.written;
        this.written += chunk.length;
        if (from === 0)
            this.head = chunk.length >= 4 ? chunk.readUInt32BE(0) : 0;
        if (this.error)
            return release();
        if (this.trailingFrom >= 0) {
            this.checkTrailing(chunk, from);
            return release();
        }
        if (this.stopped)
            return release();
        const entry = { chunk, from, to: this.written, release };
        this.pending.push(entry);
        this.gunzip.write(chunk, () => this.consumed(entry));
    }
    /** Call after the last chunk; resolves with what the check found. */
    end() {
        this.ended = true;
        const outcome = new Promise(resolve => (this.settle = resolve));
        if (this.stopped || this.error)
            this.conclude();
        else
            this.gunzip.end(); // its 'end' or 'error' concludes
        return outcome;
    }
    /** Stops inflating: the scan was stopped, or failed elsewhere. */
    destroy() {
        this.stop();
    }
    stop() {
        if (!this.stopped) {
            this.stopped = true;
            this.gunzip.destroy();
        }
        for (const entry of this.pending.splice(0))
            entry.release();
    }
    drain() {
        let piece;
        while (!this.error && (piece = this.gunzip.read()) !== null) {
            this.output += piece.length;
            if (this.collect && this.output - this.collected >= GzipChecker.COLLECT_BYTES) {
                this.collected = this.output;
                this.collect();
            }
            if (this.textFailedAt < 0) {
                if (!this.text.push(piece))
                    this.textFailedAt = this.output;
            }
            else if (this.output - this.textFailedAt > GzipChecker.GRACE_BYTES) {
                // The gzip data held up well past the text's problem: the text is what is wrong.
                this.error = this.text.finding;
                this.stop();
                this.conclude();
            }
        }
    }
    /** zlib consumed `entry` (chunks complete in order): did it stop early? */
    consumed(entry) {
        if (!this.stopped && !this.error && this.gunzip.bytesWritten < entry.to) {
            this.trailing();
            return;
        }
        const at = this.pending.indexOf(entry);
        if (at >= 0)
            this.pending.splice(at, 1);
        entry.release();
    }
    /** zlib's readable side ended: all output is out. Was all input consumed? */
    streamEnded() {
        if (!this.stopped && !this.error) {
            if (this.gunzip.bytesWritten < this.written)
                this.trailing();
            else
                this.stopped = true;
        }
        this.conclude();
    }
    /**
     * zlib took only part of the input: the last member ended and a zero byte follows (after
     * any other byte Node would have tried another member). Its output was all pushed by now:
     * check it, stop zlib, and look at every byte from there on here, the chunks zlib still held
     * included (a chunk is released only after this, so its bytes are still there).
     */
    trailing() {
        this.drain();
        const from = this.gunzip.bytesWritten;
        this.trailingFrom = from;
        const held = this.pending.splice(0);
        this.stop();
        for (const entry of held) {
            if (entry.to > from)
                this.checkTrailing(entry.chunk.subarray(Math.max(0, from - entry.from)), Math.max(from, entry.from));
            entry.release();
        }
        if (this.error)
            this.conclude();
    }
    checkTrailing(bytes, from) {
        if (this.error)
            return;
        if (bytes.length <= this.zeros.length && bytes.equals(this.zeros.subarray(0, bytes.length))) {
            this.trailingZeros += bytes.length;
            return;
        }
        let i = 0;
        while (i < bytes.length && bytes[i] === 0)
            i++;
        if (i === bytes.length) {
            this.trailingZeros += bytes.length;
            return;
        }
        this.error = {
            rule: 'gzip-trailing-data',
            from: this.trailingFrom,
            to: from + i,
            byte: bytes[i],
            output: this.output
        };
    }
    zlibError(error) {
        if (this.stopped || this.error)
            return;
        const at = this.pending[0];
        const where = at ? { from: at.from, to: at.to } : { from: this.written, to: this.written };
        const words = error.message;
        const output = this.output;
        const head = this.head >>> 16; // ID1 ID2
        // CM 8 (deflate), no reserved FLG bit: the first member's header was sound.
        const firstHeaderSound = head === 0x1f8b && ((this.head >>> 8) & 0xff) === 8 && (this.head & 0xe0) === 0;
        let finding;
        if (error.code === 'Z_BUF_ERROR' || words === 'unexpected end of file') {
            finding = { rule: 'gzip-truncated', output, to: this.written };
        }
        else if (words === 'incorrect data check') {
            finding = { rule: 'gzip-crc', output, ...where };
        }
        else if (words === 'incorrect length check') {
            finding = { rule: 'gzip-length', output, ...where };
        }
        else if (/header|unknown compression method/.test(words) && head !== 0x1f8b) {
            finding = { rule: 'gzip-not-gzip', zlib: words };
        }
        else if (/incorrect header check|unknown compression method/.test(words) &&
            firstHeaderSound) {
            // Something after a complete member that is not another member.
            finding = { rule: 'gzip-trailing-data', output, zlib: words, ...where };
        }
        else {
            finding = { rule: 'gzip-damaged', output, zlib: words, ...where };
        }
        // A problem the text checker found first stands unless the gzip data explains it.
        this.error = finding;
        this.stop();
        this.conclude();
    }
    /** Settles `end`'s promise once the outcome is known and `end` was called. */
    conclude() {
        if (!this.ended || !this.settle)
            return;
        if (!this.error && !this.stopped)
            return;
        const settle = this.settle;
        this.settle = undefined;
        if (!this.error) {
            // zlib is done and found nothing: the text must end well.
            this.error = this.textFailedAt < 0 ? this.text.end() : this.text.finding;
        }
        const warnings = [];
        if (!this.error && this.trailingZeros > 0)
            warnings.push({
                rule: 'gzip-trailing-zeros',
                bytes: this.trailingZeros,
                from: this.trailingFrom
            });
        settle(this.error ? { error: this.error, warnings } : { warnings });
    }
}

;// CONCATENATED MODULE: ./src/verify/worker-source.ts




/**
 * The scan worker's program, as text for `new Worker(source, { eval: true })`: the checkers and
 * the thread's loop, each written as an ordinary module (so they are type-checked, linted and
 * unit-tested on the main thread) and turned back into source with `Function.prototype.toString`.
 * The action is one bundle with no file of its own to start a worker from; this needs none.
 *
 * What makes that safe: the four pieces name nothing from outside their own bodies but their
 * parameters and the globals (their modules import types only, which `__tests__/verify/
 * worker-source.test.ts` checks), so the text means the same wherever it is evaluated, whatever
 * the bundler or the test runner renamed around it. Two things a tool may add are allowed for:
 * esbuild (tsx, `npm run bench`) wraps functions in `__name(fn, "name")`, given here as a
 * no-op; a coverage run's counters (`cov_...`) are not, so the scan tests fail under --coverage.
 */
let cached;
function workerSource() {
    cached ??= `'use strict';
var __name = (target) => target;
const engine = {
  FastqChecker: (${FastqChecker.toString()}),
  FastaChecker: (${FastaChecker.toString()}),
  GzipChecker: (${GzipChecker.toString()})
};
(${scanThread.toString()})({
  fs: require('node:fs'),
  zlib: require('node:zlib'),
  crypto: require('node:crypto'),
  workerThreads: require('node:worker_threads'),
  v8: require('node:v8'),
  vm: require('node:vm')
}, engine);
`;
    return cached;
}

;// CONCATENATED MODULE: ./src/verify/scan.ts





/** How far a paced scan may fall behind the upload: the bytes the page cache keeps for it. */
const SCAN_MAX_LAG_BYTES = 512 * 1024 * 1024;
/** Bytes per read: 1 MiB reads keep syscalls few. */
const SCAN_READ_BYTES = 1024 * 1024;
/**
 * Checking gzip, reads are smaller and several are in flight into zlib, so that inflating never
 * waits for the next read: 4 x 256 KiB of gzip is about 4 MiB of text ahead.
 */
const GZIP_READ_BYTES = 256 * 1024;
const GZIP_BUFFERS = 4;
/** Decompressed bytes per piece handed to the text check (smaller: more overlap, more calls). */
const OUTPUT_BYTES = 256 * 1024;
/** A check failed: what `lagBehind` rejects with once the content is known to be bad. */
class ContentCheckError extends Error {
    problem;
    constructor(problem) {
        super(problem.detail);
        this.problem = problem;
        this.name = 'ContentCheckError';
    }
}
/** Starts scanning `source` on a scan thread. */
function startScan(source, options) {
    return new RunningScan(source, options);
}
/**
 * The scan threads: at most `limit` at once, each running one scan at a time and kept (idle,
 * not holding the process up) for the next. A scan that finds every thread busy waits for one:
 * that costs a paced scan nothing as long as every running scan's upload is itself running (so
 * start a paced scan when its upload starts, not before), since each frees its thread when its
 * own upload has been read. Starting a thread costs ~30 ms of CPU and ~8 MiB; one per core
 * keeps both down (200 scans of 20 kB files, 8 at once: 8.7 s of CPU when threads came and went,
 * under 0.3 s reused).
 */
const threads = {
    limit: Math.max(2, external_node_os_default().availableParallelism()),
    busy: 0,
    idle: [],
    waiting: []
};
/** How many scan threads may run at once (default: one per core, at least 2). */
function setScanThreadLimit(limit) {
    threads.limit = Math.max(1, Math.floor(limit));
}
/** Hands `start` a thread now, or once one is free; returns a function that stops waiting. */
function takeThread(start) {
    if (threads.busy < threads.limit) {
        threads.busy++;
        const worker = threads.idle.pop() ?? new external_node_worker_threads_.Worker(workerSource(), { eval: true });
        worker.ref();
        start(worker);
        return () => undefined;
    }
    threads.waiting.push(start);
    return () => {
        const at = threads.waiting.indexOf(start);
        if (at >= 0)
            threads.waiting.splice(at, 1);
    };
}
/** Removes the listeners a scan added (not all: node's own on the worker must stay). */
function detach(worker) {
    for (const event of ['message', 'error', 'exit'])
        worker.removeAllListeners(event);
}
/** A thread whose scan ended cleanly serves the next waiting scan, or waits idle. */
function returnThread(worker) {
    detach(worker);
    const next = threads.waiting.shift();
    if (next)
        return next(worker);
    threads.busy--;
    worker.unref();
    const forget = () => {
        const at = threads.idle.indexOf(worker);
        if (at >= 0)
            threads.idle.splice(at, 1);
    };
    worker.once('error', forget);
    worker.once('exit', forget);
    threads.idle.push(worker);
}
/** A thread was lost (it failed or was ended): a waiting scan gets a new one. */
function threadLost(worker) {
    detach(worker);
    void worker.terminate();
    threads.busy--;
    const next = threads.waiting.shift();
    if (next)
        takeThread(next);
}
/** Ends the idle scan threads (tests; the process ends without it). */
async function closeScanThreads() {
    await Promise.all(threads.idle.splice(0).map(worker => worker.terminate()));
}
class RunningScan {
    source;
    options;
    done;
    state = new BigInt64Array(new SharedArrayBuffer(SLOTS.COUNT * 8));
    size;
    maxLag;
    paced;
    limit = 0;
    waiters = [];
    failure;
    settled = false;
    worker;
    /** Set while the scan waits for a thread. */
    leaveQueue;
    settle;
    constructor(source, options) {
        this.source = source;
        this.options = options;
        this.size = source.segments.reduce((sum, s) => sum + s.size, 0);
        this.maxLag = options.maxLagBytes ?? SCAN_MAX_LAG_BYTES;
        this.paced = options.paced ?? false;
        this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
        this.done.catch(() => undefined); // also reaches every waiter; the caller may not await it
        if (!this.paced)
            this.allowAll();
        const job = {
            segments: source.segments.map(({ path, size }) => ({ path, size })),
            validate: options.validate,
            format: source.format,
            compression: source.compression,
            shared: this.state.buffer,
            keepGoing: options.keepGoing ?? false,
            readBytes: options.validate === 'full' && source.compression === 'gzip'
                ? GZIP_READ_BYTES
                : SCAN_READ_BYTES,
            gzipBuffers: GZIP_BUFFERS,
            outputBytes: OUTPUT_BYTES
        };
        this.leaveQueue = takeThread(worker => {
            this.leaveQueue = undefined;
            if (this.settled)
                return returnThread(worker); // stopped while it waited
            this.worker = worker;
            worker.on('message', (message) => this.onMessage(message));
            worker.on('error', error => this.lost(error));
            worker.on('exit', () => this.lost(new Error('the scan thread ended')));
            worker.postMessage(job);
        });
    }
    get read() {
        return Number(Atomics.load(this.state, SLOTS.READ));
    }
    allow(limit) {
        if (!this.paced || limit <= this.limit)
            return;
        this.limit = Math.min(limit, this.size);
        Atomics.store(this.state, SLOTS.LIMIT, BigInt(this.limit));
        Atomics.notify(this.state, SLOTS.LIMIT);
    }
    lagBehind(offset) {
        if (this.failure)
            return Promise.reject(this.failure);
        const target = Math.min(offset - this.maxLag, this.size);
        if (target <= 0 || this.read >= target)
            return Promise.resolve();
        return new Promise((resolve, reject) => {
            this.waiters.push({ target, resolve, reject });
            this.arm();
        });
    }
    abort() {
        if (this.settled)
            return;
        this.leaveQueue?.();
        this.leaveQueue = undefined;
        this.fail(new Error('the scan was stopped'));
        Atomics.store(this.state, SLOTS.STOP, 1n);
        Atomics.notify(this.state, SLOTS.LIMIT);
    }
    allowAll() {
        this.limit = this.size;
        Atomics.store(this.state, SLOTS.LIMIT, BigInt(Number.MAX_SAFE_INTEGER));
        Atomics.notify(this.state, SLOTS.LIMIT);
    }
    /** Asks the thread to post progress when it reaches the nearest waiter's target. */
    arm() {
        if (this.waiters.length === 0)
            return;
        const target = Math.min(...this.waiters.map(w => w.target));
        Atomics.store(this.state, SLOTS.WAKE, BigInt(target));
        // The thread may have passed the target before it saw the request.
        this.progress(this.read);
    }
    progress(read) {
        let resolved = false;
        for (let i = this.waiters.length - 1; i >= 0; i--) {
            if (read >= this.waiters[i].target) {
                this.waiters.splice(i, 1)[0].resolve();
                resolved = true;
            }
        }
        if (resolved)
            this.arm();
    }
    onMessage(message) {
        switch (message.type) {
            case 'progress':
                return this.progress(message.read);
            case 'problem': {
                const segment = this.source.segments[message.segment];
                const problem = contentProblem(message.finding, segment.path, this.source.format);
                this.fail(new ContentCheckError(problem));
                return;
            }
            case 'done':
                this.finish();
                return this.complete(message.sha256, message.segments);
            case 'failed':
                this.finish();
                return this.fail(new Error(message.message));
            case 'stopped':
                this.finish();
                return this.fail(new Error('the scan was stopped'));
        }
    }
    complete(sha256, findings) {
        const full = this.options.validate === 'full';
        const segments = findings.map((found, i) => {
            const { path, size } = this.source.segments[i];
            return {
                path,
                size,
                reads: found.reads,
                bases: found.bases,
                ...(found.error ? { problem: contentProblem(found.error, path, this.source.format) } : {}),
                warnings: found.warnings.map(w => contentProblem(w, path, this.source.format))
            };
        });
        const problems = segments.flatMap(s => (s.problem ? [s.problem] : []));
        const passed = full && problems.length === 0;
        const result = {
            validate: this.options.validate,
            bytes: this.size,
            ...(sha256 !== undefined ? { sha256 } : {}),
            ...(passed
                ? {
                    reads: segments.reduce((sum, s) => sum + s.reads, 0),
                    bases: segments.reduce((sum, s) => sum + s.bases, 0)
                }
                : {}),
            segments,
            problems,
            warnings: segments.flatMap(s => s.warnings)
        };
        if (problems.length > 0)
            this.fail(new ContentCheckError(problems[0]));
        else
            this.progress(Number.MAX_SAFE_INTEGER);
        if (!this.settled) {
            this.settled = true;
            this.settle.resolve(result);
        }
    }
    /** The thread is done with this job: it goes back to the pool. */
    finish() {
        const worker = this.worker;
        this.worker = undefined;
        if (worker)
            returnThread(worker);
    }
    lost(error) {
        if (!this.worker)
            return;
        const worker = this.worker;
        this.worker = undefined;
        threadLost(worker);
        this.fail(error);
    }
    /** Rejects the waiters (and `done`, unless it already settled or this is a content verdict). */
    fail(error) {
        this.failure ??= error;
        for (const waiter of this.waiters.splice(0))
            waiter.reject(this.failure);
        if (!this.settled && !(error instanceof ContentCheckError)) {
            this.settled = true;
            this.settle.reject(error);
        }
    }
}

;// CONCATENATED MODULE: ./src/verify/check-files.ts
// The content check of a dry run (validate full): every file of the planned samples read and
// checked before the plan is printed, so that `dry-run: true` checks a run's files without
// sending a byte. Each lane file is checked even after another failed (every failing lane is
// reported), and pairs must hold as many reads in R1 as in R2.







/**
 * Checks every file of `samples` (not paced: as fast as the disk and the cores go, a few files
 * at once), logging each file's counts. Reading failures (a file gone) are problems too.
 */
async function checkFiles(samples, settings) {
    const workspace = settings.workspace;
    const sources = samples.flatMap(sample => sample.mate ? [sample.file, sample.mate] : [sample.file]);
    const bytes = sources.reduce((sum, source) => sum + source.size, 0);
    const files = sources.reduce((sum, source) => sum + source.segments.length, 0);
    core/* info */.pq(`Checking the content of ${formatCount(files)} file${files === 1 ? '' : 's'} (${formatBytes(bytes)}) before the dry run's plan (validate: full).`);
    const started = Date.now();
    const results = new Map();
    let next = 0;
    const lanes = Math.max(1, Math.min(settings.concurrency, (0,external_node_os_.availableParallelism)(), sources.length));
    await Promise.all(Array.from({ length: lanes }, async () => {
        while (next < sources.length) {
            const source = sources[next++];
            const result = await startScan(source, { validate: 'full', keepGoing: true }).done.catch((error) => (error instanceof Error ? error : new Error(String(error))));
            results.set(source, result);
            logSource(source, result, workspace);
        }
    }));
    const counts = new Map();
    const problems = [];
    const warnings = [];
    const failedSources = new Set();
    for (const source of sources) {
        const result = results.get(source);
        if (result instanceof Error) {
            failedSources.add(source);
            problems.push({ message: result.message, file: displayPath(source.path, workspace) });
            continue;
        }
        result.segments.forEach((segment, index) => {
            if (!segment.problem)
                counts.set(source.segments[index], { reads: segment.reads, bases: segment.bases });
        });
        for (const problem of result.problems)
            problems.push(asSentence(toProblem(problem, workspace)));
        for (const warning of result.warnings)
            warnings.push(asSentence(toProblem(warning, workspace)));
        if (result.problems.length > 0 || result.reads === undefined || result.bases === undefined)
            failedSources.add(source);
        else
            counts.set(source, { reads: result.reads, bases: result.bases });
    }
    const passed = [];
    for (const sample of samples) {
        const own = sample.mate ? [sample.file, sample.mate] : [sample.file];
        if (own.some(source => failedSources.has(source)))
            continue;
        const pair = pairRule(sample, counts, settings.interleaved === true);
        if (pair) {
            problems.push(asSentence(toProblem(pair, workspace)));
            continue;
        }
        passed.push(sample);
    }
    for (const warning of warnings)
        core/* warning */.$e(warning.message, warning.file ? { file: warning.file } : {});
    core/* info */.pq(`Content check: ${formatCount(files)} file${files === 1 ? '' : 's'} in ${formatDuration(Date.now() - started)}, ${problems.length === 0 ? 'every one passed' : `${formatCount(problems.length)} problem${problems.length === 1 ? '' : 's'}`}.`);
    return { counts, problems, warnings, passed };
}
/** The problem's message ending with a full stop, as planning's (and the upload's) do. */
function asSentence(problem) {
    return /[.!?]$/.test(problem.message) ? problem : { ...problem, message: `${problem.message}.` };
}
function pairRule(sample, counts, interleaved) {
    const r1 = counts.get(sample.file);
    if (!r1)
        return undefined;
    if (sample.mate) {
        const r2 = counts.get(sample.mate);
        if (!r2)
            return undefined;
        return pairProblem({ path: sample.file.path, reads: r1.reads }, { path: sample.mate.path, reads: r2.reads });
    }
    return interleaved ? interleavedProblem({ path: sample.file.path, reads: r1.reads }) : undefined;
}
function logSource(source, result, workspace) {
    if (result instanceof Error) {
        core/* info */.pq(`  ${displayPath(source.path, workspace)}: could not be read: ${result.message}`);
        return;
    }
    for (const segment of result.segments) {
        const file = displayPath(segment.path, workspace);
        core/* info */.pq(segment.problem
            ? `  ${file}: failed the check.`
            : `  ${file}: ${formatCount(segment.reads)} reads, ${formatCount(segment.bases)} bases.`);
    }
}

;// CONCATENATED MODULE: ./src/contract/init-body.ts

/** The body the sample's route starts with: init_upload's, or init_multipart_upload's. */
function buildRouteInitBody(sample, settings) {
    return sample.route === 'multipart'
        ? buildMultipartInitBody(sample, settings)
        : buildInitBody(sample, settings);
}
/** Builds init_multipart_upload's body: only fields the user set are sent, never the key. */
function buildMultipartInitBody(sample, settings) {
    const { size, upload_type, interleaved, ...body } = buildInitBody(sample, settings);
    void size;
    void upload_type;
    void interleaved;
    return body;
}
/**
 * The run-wide `metadata` input with a sample's own fields (its sample-sheet row) over it:
 * a sample's field replaces the run-wide one, `custom` is merged key by key.
 */
function mergeMetadata(run, own) {
    if (!own)
        return run ? { ...run } : undefined;
    const merged = { ...run, ...own };
    const custom = (value) => value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
    if (run?.custom !== undefined && own.custom !== undefined) {
        merged.custom = { ...custom(run.custom), ...custom(own.custom) };
    }
    return merged;
}
/**
 * Builds init_upload's body: only fields the user set are sent. A sample's own init fields
 * (sample sheet) override the run-wide `metadata` and `project` inputs; its tags are added. The key is never part of it.
 * `size` is the total bytes of the sample (both mates for a pair).
 */
function buildInitBody(sample, settings) {
    const body = {
        filename: sample.file.filename,
        size: sampleBytes(sample),
        upload_type: 'standard'
    };
    if (sample.mate)
        body.paired_end_filename = sample.mate.filename;
    const metadata = mergeMetadata(settings.metadata, sample.init?.metadata);
    if (metadata)
        body.metadata = metadata;
    const tags = [...new Set([...settings.tags, ...(sample.init?.tags ?? [])])];
    if (tags.length > 0)
        body.tags = tags.map(name => ({ name }));
    const project = sample.init?.project ?? settings.project;
    if (project !== undefined)
        body.project = project;
    if (settings.interleaved !== undefined)
        body.interleaved = settings.interleaved;
    if (settings.sampleId !== undefined)
        body.sample_id = settings.sampleId;
    if (settings.externalSampleId !== undefined)
        body.external_sample_id = settings.externalSampleId;
    return body;
}

;// CONCATENATED MODULE: ./src/report/dry-run.ts









function roles(sample) {
    return sample.mate
        ? [
            ['R1', sample.file],
            ['R2', sample.mate]
        ]
        : [['file', sample.file]];
}
/** The plan as data: one entry per sample, paths workspace-relative, no secret anywhere. */
function plannedSamples(samples, settings, counts) {
    const relative = (file) => displayPath(file, settings.workspace);
    return samples.map(sample => {
        const route = sample.route ?? 'standard';
        return {
            name: sample.file.filename,
            route,
            size: sampleBytes(sample),
            sources: roles(sample).map(([role, source]) => ({
                role,
                filename: source.filename,
                path: relative(source.path),
                size: source.size,
                format: source.format,
                compression: source.compression,
                ...counts?.get(source),
                segments: source.segments.map(segment => ({
                    path: relative(segment.path),
                    size: segment.size,
                    ...counts?.get(segment)
                }))
            })),
            init: {
                call: route === 'multipart' ? 'init_multipart_upload' : 'init_upload',
                body: { ...buildRouteInitBody(sample, settings) }
            }
        };
    });
}
/**
 * The `plan` output: the planned samples as a JSON list, fitted by the report into GitHub's
 * output limit together with the other lists (the results file holds them all).
 */
function planOutput(samples, settings, counts) {
    return { name: Outputs.Plan, items: plannedSamples(samples, settings, counts) };
}
/**
 * Prints what a run would upload: each sample with its file(s) — each lane of merged lanes —
 * size, format and compression, and the JSON body its init call would carry (the API key is
 * never part of it), then a total. `scope` names a shard's share ("shard 2/8: 13 of 97 samples").
 */
function printPlan(plan, settings, scope, counts) {
    const counted = (of) => {
        const found = counts?.get(of);
        return found ? `, ${formatCount(found.reads)} reads, ${formatCount(found.bases)} bases` : '';
    };
    const count = plan.samples.length;
    const shown = (file) => displayPath(file, settings.workspace);
    const kind = (file) => `${file.format}, ${file.compression === 'gzip' ? 'gzip-compressed' : 'uncompressed'}`;
    const describe = (role, file) => {
        if (file.segments.length === 1) {
            const renamed = external_node_path_.basename(file.path) === file.filename ? '' : ` (uploaded as ${file.filename})`;
            return [
                `  ${role}: ${shown(file.path)}${renamed} — ${describeSize(file.size)}, ${kind(file)}${counted(file)}`
            ];
        }
        return [
            `  ${role}: ${file.filename} — ${file.segments.length} lanes merged, ${describeSize(file.size)}, ${kind(file)}${counted(file)}`,
            ...file.segments.map((segment, index) => `    lane ${index + 1}: ${shown(segment.path)} — ${describeSize(segment.size)}${counted(segment)}`)
        ];
    };
    core/* startGroup */.Oh(`Dry run: ${count} sample${count === 1 ? '' : 's'} planned`);
    try {
        plan.samples.forEach((sample, index) => {
            const route = sample.route ?? 'standard';
            core/* info */.pq(`Sample ${index + 1} of ${count} (${sample.mate ? 'paired-end' : 'single file'}, ${route} route)`);
            for (const [role, source] of roles(sample)) {
                for (const line of describe(role, source))
                    core/* info */.pq(line);
            }
            const call = route === 'multipart' ? 'init_multipart_upload' : 'init_upload';
            core/* info */.pq(`  ${call} body: ${JSON.stringify(buildRouteInitBody(sample, settings))}`);
        });
    }
    finally {
        core/* endGroup */.N4();
    }
    // With skip-existing the totals wait for the lookup (see printDryRunTotals).
    if (!settings.skipExisting)
        printDryRunTotals(plan.samples, settings.apiUrl, scope);
}
/** The dry run's totals line ("Dry run (shard 2/8: …): 3 samples …"); see dryRunTotals. */
function printDryRunTotals(samples, apiUrl, scope, skipped) {
    core/* info */.pq(`Dry run${scope ? ` (${scope})` : ''}: ${dryRunTotals(samples, apiUrl, skipped)}`);
}
/**
 * "3 samples (8 files, 1.2 GB (…)) would be uploaded to https://…; nothing was sent.": the
 * dry run's totals, in the log and the job summary alike. Files are the files on disk (each
 * lane counts), the size is what would be sent. With skip-existing, `skipped` holds the plan
 * indexes One Codex already holds: "3 samples: 1 would be uploaded (2 files, …) to https://…,
 * 2 already in One Codex; …", files and bytes counting only what would be uploaded.
 */
function dryRunTotals(samples, apiUrl, skipped) {
    const sent = skipped ? samples.filter((_, index) => !skipped.has(index)) : samples;
    const files = sent.reduce((n, sample) => n + sampleFiles(sample).reduce((m, source) => m + source.segments.length, 0), 0);
    const bytes = sent.reduce((n, sample) => n + sampleBytes(sample), 0);
    const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;
    const what = `${plural(files, 'file')}, ${describeSize(bytes)}`;
    if (!skipped)
        return `${plural(samples.length, 'sample')} (${what}) would be uploaded to ${originOf(apiUrl)}; nothing was sent.`;
    const upload = sent.length > 0
        ? `${sent.length} would be uploaded (${what}) to ${originOf(apiUrl)}`
        : '0 would be uploaded';
    return `${plural(samples.length, 'sample')}: ${upload}, ${samples.length - sent.length} already in One Codex; nothing was uploaded (only read-only listing requests were sent).`;
}

;// CONCATENATED MODULE: ./src/report/annotation-cap.ts
/** Error (and warning) annotations GitHub shows for one step. */
const ANNOTATIONS_SHOWN_PER_STEP = 10;
/**
 * Error annotations the action emits before its final failure line: that line (core.setFailed)
 * is an error annotation too, and must be among the ones shown.
 */
const ERROR_ANNOTATION_LIMIT = ANNOTATIONS_SHOWN_PER_STEP - 1;
/**
 * Emits `items` through `emit`, at most `limit` annotations in all: every item when they fit,
 * otherwise the first `limit - 1` and one `more(rest)` line. Returns how many items were
 * emitted one by one.
 */
function annotateCapped(items, options) {
    const limit = Math.max(1, Math.floor(options.limit));
    const shown = items.length <= limit ? items.length : limit - 1;
    for (const item of items.slice(0, shown))
        options.emit(item.message, item.properties ?? {});
    if (shown < items.length)
        options.emit(options.more(items.length - shown), {});
    return shown;
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./src/report/output-budget.ts
/**
 * Step outputs inside GitHub's limit: "Outputs can be a maximum of 1 MB per job … Size is
 * approximated based on UTF-16 encoding." A workflow that forwards the action's outputs as job
 * outputs must stay under it, so the list outputs together fit one budget, counted the way
 * GitHub counts (two bytes per UTF-16 code unit). A list that does not fit keeps its first
 * entries (plan order), stays valid JSON, and is named in the `truncated` output; the complete
 * lists are in the results file.
 */
/** GitHub's limit for a job's outputs, counted as UTF-16. */
const OUTPUT_LIMIT_BYTES = 1_000_000;
/**
 * What the list outputs may take together: the limit less room for the small outputs
 * (results-file, truncated) and the GITHUB_OUTPUT framing.
 */
const LIST_OUTPUTS_BUDGET_BYTES = OUTPUT_LIMIT_BYTES - 32 * 1024;
/** How much an output value counts for: GitHub approximates its size as UTF-16. */
function outputBytes(value) {
    return value.length * 2;
}
/**
 * Fits the lists into `budget` bytes together. Each list is owed an equal share; a list that
 * needs less than its share leaves the rest to the others (so a short `sample-ids` stays whole
 * next to a long `samples`). A list over its share keeps as many of its first items as fit.
 */
function fitListOutputs(lists, budget = LIST_OUTPUTS_BUDGET_BYTES) {
    const encoded = lists.map(list => list.items.map(item => JSON.stringify(item)));
    // `[` `]` and a comma between items: a list of n items takes sum + n + 1 code units.
    const need = encoded.map(items => (items.reduce((sum, e) => sum + e.length, 0) + items.length + 1) * 2);
    const allowance = new Array(lists.length).fill(0);
    let left = budget;
    const order = lists.map((_, i) => i).sort((a, b) => need[a] - need[b]);
    order.forEach((index, position) => {
        const share = Math.floor(left / (order.length - position));
        allowance[index] = Math.min(need[index], share);
        left -= allowance[index];
    });
    return lists.map((list, index) => {
        const items = encoded[index];
        let used = 2 * 2;
        let kept = 0;
        for (const item of items) {
            const size = (item.length + (kept > 0 ? 1 : 0)) * 2;
            if (used + size > allowance[index])
                break;
            used += size;
            kept++;
        }
        return {
            name: list.name,
            value: `[${items.slice(0, kept).join(',')}]`,
            total: items.length,
            kept
        };
    });
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/report/results-file.ts
/**
 * The complete record of a run, written as JSON to a file under RUNNER_TEMP (os.tmpdir() off a
 * runner) whatever its size, and given as the `results-file` output: the outputs and the job
 * summary are bounded by GitHub's limits, this file is not. A later step reads it, or uploads it
 * as an artifact. It holds no secret: every message in it was scrubbed before it got here.
 */




/** Bumped when a field changes meaning or goes away (adding fields keeps it). */
const RESULTS_FILE_VERSION = 1;
/** The directory the file goes to: RUNNER_TEMP on a runner, the OS temp dir elsewhere. */
function resultsDirectory(env = process.env) {
    const runnerTemp = env.RUNNER_TEMP?.trim();
    return runnerTemp ? runnerTemp : (0,external_node_os_.tmpdir)();
}
/**
 * Writes `record` to a new file `onecodex-upload-<random>.json` (unique: a job may run the
 * action more than once) and returns its absolute path.
 */
async function writeResultsFile(record, directory = resultsDirectory()) {
    await (0,promises_.mkdir)(directory, { recursive: true });
    const file = external_node_path_.resolve(directory, `onecodex-upload-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.json`);
    await (0,promises_.writeFile)(file, `${JSON.stringify(record, null, 1)}\n`, { flag: 'wx' });
    return file;
}

;// CONCATENATED MODULE: ./src/report/summary-budget.ts
/**
 * The job summary inside GitHub's limit. GitHub refuses a step summary over 1 MiB whole ("upload
 * aborted, supports content up to a size of 1024k"), so a summary is built against a byte budget:
 * what matters most goes first (totals, then failures, then successes), every table stops at the
 * row that would not fit and ends with one "… and N more" line, and what follows always keeps
 * room for its own closing line.
 */
/** GitHub's limit for one step's summary file. */
const SUMMARY_LIMIT_BYTES = (/* unused pure expression or super */ null && (1024 * 1024));
/** What the action allows itself: the limit less a margin (UTF-8 bytes). */
const SUMMARY_BUDGET_BYTES = 1_000_000;
/** Longest text a table cell keeps (an error message is one line; this only stops a runaway). */
const MAX_CELL_CHARS = 1000;
/** Marks `text` as HTML that is already safe (built with `escapeHtml`). */
function html(text) {
    return { html: text };
}
function escapeHtml(text) {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
}
const bytes = (text) => Buffer.byteLength(text, 'utf8');
function cellHtml(cell) {
    if (typeof cell !== 'string')
        return cell.html;
    const clipped = cell.length > MAX_CELL_CHARS ? `${cell.slice(0, MAX_CELL_CHARS)}…` : cell;
    return escapeHtml(clipped.replace(/\r?\n/g, ' '));
}
/**
 * A summary under construction that never grows past `limit` bytes. Every `add` and `table`
 * takes a `reserve`: bytes that must stay free for what the caller still means to write.
 */
class SummaryBudget {
    limit;
    parts = [];
    used = 0;
    constructor(limit = SUMMARY_BUDGET_BYTES) {
        this.limit = limit;
    }
    /** Bytes written so far. */
    get size() {
        return this.used;
    }
    get remaining() {
        return Math.max(0, this.limit - this.used);
    }
    /** Adds `text` (a line is ended with `\n`) when it fits with `reserve` bytes to spare. */
    add(text, reserve = 0) {
        const line = text.endsWith('\n') ? text : `${text}\n`;
        if (this.used + bytes(line) + reserve > this.limit)
            return false;
        this.parts.push(line);
        this.used += bytes(line);
        return true;
    }
    /**
     * Adds an HTML table of `spec.items` in order, as many rows as fit with `reserve` bytes to
     * spare, then — when rows were left out — `spec.more(count)`, for which room is always kept.
     * Returns how many rows were written.
     */
    table(spec, reserve = 0) {
        const total = spec.items.length;
        if (total === 0)
            return 0;
        const moreLine = (count) => `\n${spec.more(count)}\n`;
        // Room for the longest "… and N more" line this table could need.
        const moreRoom = bytes(moreLine(total));
        const open = `${spec.heading ? `${spec.heading}\n\n` : ''}<table>\n<tr>${spec.header
            .map(h => `<th>${escapeHtml(h)}</th>`)
            .join('')}</tr>\n`;
        const close = '</table>\n';
        const fixed = bytes(open) + bytes(close);
        const rows = [];
        let rowBytes = 0;
        for (const item of spec.items) {
            const row = `<tr>${spec
                .row(item)
                .map(cell => `<td>${cellHtml(cell)}</td>`)
                .join('')}</tr>\n`;
            const size = bytes(row);
            const left = total - rows.length - 1;
            const after = left > 0 ? moreRoom : 0;
            if (this.used + fixed + rowBytes + size + after + reserve > this.limit)
                break;
            rows.push(row);
            rowBytes += size;
        }
        if (rows.length > 0) {
            const text = open + rows.join('') + close;
            this.parts.push(text);
            this.used += bytes(text);
        }
        const left = total - rows.length;
        if (left > 0)
            this.add(moreLine(left), reserve);
        return rows.length;
    }
    toString() {
        return this.parts.join('');
    }
}

;// CONCATENATED MODULE: ./src/report/publish.ts
/**
 * What every outcome's report shares (the outcomes have a file each: upload-report.ts,
 * problems-report.ts, dry-run-report.ts, nothing-to-upload.ts). However a run ends (uploaded,
 * failed, refused before upload, dry run, nothing matched), every file is accounted for once,
 * inside GitHub's limits.
 * - The complete record goes to a JSON file under RUNNER_TEMP (output `results-file`).
 * - The list outputs fit GitHub's 1 MB together (output-budget.ts); `truncated` names any list
 *   that had to be cut. Every path in them is workspace-relative. `analyses` is one of them.
 * - The job summary stays under 1 MiB (summary-budget.ts): totals, failures, successes.
 * - At most 10 error annotations (annotation-cap.ts): an account-level cause once, then each
 *   failure, then one "… and N more" line, then the step's failure line. Every failure is also
 *   listed once, plainly, at the end of the log (the tally); the step's failure line counts.
 */









const HEADING = 'One Codex upload';
const WHERE_TO_LOOK = 'the job summary and the file named by the results-file output';
/** A path as the outputs give it: workspace-relative (with `/`) when inside the workspace. */
function outputPath(file, workspace) {
    return external_node_path_.isAbsolute(file) ? displayPath(file, workspace) : file.split(external_node_path_.sep).join('/');
}
/** A copy of an output entry with every path field (`path`, `*_path`, `*paths`) made relative. */
function relativeEntry(entry, workspace) {
    const copy = { ...entry };
    for (const [key, value] of Object.entries(copy)) {
        if ((key === 'path' || key.endsWith('_path')) && typeof value === 'string')
            copy[key] = outputPath(value, workspace);
        else if ((key === 'paths' || key.endsWith('_paths')) && Array.isArray(value))
            copy[key] = value.map(v => (typeof v === 'string' ? outputPath(v, workspace) : v));
    }
    return copy;
}
function emptyTotals() {
    return {
        samples: 0,
        confirmed: 0,
        existing: 0,
        failed: 0,
        cancelled: 0,
        not_attempted: 0,
        refused: 0
    };
}
/** "Shard 2/8: 13 of 97 samples. " to lead a totals line; empty when the job is no shard. */
function scopeLead(scope) {
    return scope ? `${scope[0].toUpperCase()}${scope.slice(1)}. ` : '';
}
/**
 * Writes the results file, then sets the outputs: the list outputs fitted into GitHub's limit
 * (plan order kept; `truncated` names a list that was cut), `results-file` and `truncated`.
 * Returns the results file's path (undefined when it could not be written).
 */
async function publish(record, extraLists = []) {
    let file;
    try {
        // Further list outputs (a dry run's `plan`) go into the file whole, under their name.
        const extra = Object.fromEntries(extraLists.map(list => [list.name, list.items]));
        file = await writeResultsFile({ version: RESULTS_FILE_VERSION, ...record, ...extra });
    }
    catch (error) {
        core/* warning */.$e(`The results file could not be written (${error instanceof Error ? error.message : String(error)}); the outputs and the job summary still hold what fits.`);
    }
    const fitted = fitListOutputs([
        { name: Outputs.SampleIds, items: record.sample_ids },
        { name: Outputs.Samples, items: record.samples },
        { name: Outputs.Failed, items: record.failed },
        ...(record.analyses ? [{ name: Outputs.Analyses, items: record.analyses }] : []),
        ...extraLists
    ]);
    const cut = fitted.filter(f => f.kept < f.total);
    for (const output of fitted)
        core/* setOutput */.uH(output.name, output.value);
    core/* setOutput */.uH(Outputs.ResultsFile, file ?? '');
    core/* setOutput */.uH(Outputs.Truncated, JSON.stringify(cut.map(c => c.name)));
    if (cut.length > 0) {
        const what = cut
            .map(c => `${c.name} holds the first ${formatCount(c.kept)} of ${formatCount(c.total)}`)
            .join('; ');
        core/* info */.pq(`Outputs cut to stay within GitHub's 1 MB for outputs: ${what}. ${file ? `The complete lists are in ${file} (output results-file).` : ''}`.trim());
    }
    return file;
}
/** Appends to the job summary (when the runner gives one), within what the step has left. */
async function writeSummary(build) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file)
        return;
    let existing = 0;
    try {
        existing = (0,external_node_fs_.statSync)(file).size;
    }
    catch {
        existing = 0;
    }
    const limit = SUMMARY_BUDGET_BYTES - existing;
    if (limit < 1024)
        return;
    try {
        await core/* summary */.z.addRaw(build(limit)).write();
    }
    catch (error) {
        core/* summary */.z.emptyBuffer();
        core/* warning */.$e(`The job summary could not be written: ${error instanceof Error ? error.message : String(error)}`);
    }
}

;// CONCATENATED MODULE: ./src/report/summary.ts
/**
 * The job summary's content, built against the byte budget (summary-budget.ts): totals first,
 * then what went wrong, then what went right, each table ending in "… and N more" when the
 * budget runs out. The complete record is in the results file, which every cut points to.
 */



/** Bytes kept free for the tables that follow one (their "… and N more" lines). */
const TAIL_RESERVE = 1024;
const SEE_RESULTS = 'the complete list is in the file named by the `results-file` output';
/** "1 sample", "2 samples". */
function count(n, noun, plural = `${noun}s`) {
    return `${formatCount(n)} ${n === 1 ? noun : plural}`;
}
/** The link to a sample in One Codex's web app, on api-url's host. */
function sampleLink(apiUrl, sampleId) {
    let origin;
    try {
        origin = new URL(apiUrl).origin;
    }
    catch {
        origin = 'https://app.onecodex.com';
    }
    return `${origin}/sample/${encodeURIComponent(sampleId)}`;
}
function filesCell(sample, fallback) {
    if (!sample)
        return fallback;
    return html(sampleFiles(sample)
        .map(file => escapeHtml(file.filename))
        .join('<br>'));
}
/** A sample ID as a summary cell: code, linked to the sample in One Codex. */
function idCell(apiUrl, sampleId) {
    return html(`<a href="${escapeHtml(sampleLink(apiUrl, sampleId))}"><code>${escapeHtml(sampleId)}</code></a>`);
}
const STATUS_LABEL = {
    failed: '❌ failed',
    cancelled: '⛔ cancelled',
    'not attempted': '⏭️ not attempted',
    refused: '🚫 refused'
};
/** Reads of a sample as a cell: `1,000` for one file, `1,000 pairs` for a pair. */
function readsCell(reads, paired) {
    if (reads === undefined)
        return '';
    return paired ? `${formatCount(reads)} pairs` : formatCount(reads);
}
/** The summary of an upload: totals, the samples not uploaded, then the confirmed ones. */
function uploadSummary(spec, limit) {
    const budget = new SummaryBudget(limit - (spec.after?.reserve ?? 0));
    budget.add(`## ${spec.heading}\n`);
    budget.add(`**${spec.totals}**\n`);
    if (spec.stopped)
        budget.add(`> **Stopped:** ${escapeHtml(spec.stopped)}\n`, TAIL_RESERVE);
    const failed = spec.entries.filter(e => e.failure);
    const confirmed = spec.entries.filter(e => e.uploaded);
    budget.table({
        heading: `### Not uploaded (${formatCount(failed.length)})`,
        header: ['File(s)', 'Size', 'Status', 'Reason'],
        items: failed,
        row: e => {
            const failure = e.failure;
            const status = failure.status ?? 'failed';
            const size = e.sample ? formatBytes(sampleBytes(e.sample)) : '';
            return [
                filesCell(e.sample, failure.path),
                size,
                STATUS_LABEL[status] ?? status,
                failure.error
            ];
        },
        more: n => `… and ${count(n, 'more sample')} not uploaded: ${SEE_RESULTS}.`
    }, confirmed.length > 0 ? TAIL_RESERVE : 0);
    // validate full: the reads the check counted in each sample.
    const counted = confirmed.some(e => e.uploaded?.reads !== undefined);
    budget.table({
        heading: `### Confirmed (${formatCount(confirmed.length)})`,
        header: ['File(s)', 'Size', ...(counted ? ['Reads'] : []), 'Sample ID', 'Status', 'Time'],
        items: confirmed,
        row: e => {
            const uploaded = e.uploaded;
            const size = e.sample ? formatBytes(sampleBytes(e.sample)) : formatBytes(uploaded.size);
            return [
                filesCell(e.sample, uploaded.filename),
                size,
                ...(counted ? [readsCell(uploaded.reads, uploaded.paired_end_filename !== undefined)] : []),
                idCell(spec.apiUrl, uploaded.sample_id),
                uploaded.existing
                    ? '☑️ already in One Codex'
                    : uploaded.note
                        ? `✅ confirmed (${uploaded.note})`
                        : '✅ confirmed',
                uploaded.existing ? '' : formatDuration(e.durationMs)
            ];
        },
        more: n => `… and ${count(n, 'more confirmed sample')}: ${SEE_RESULTS}.`
    });
    return `${budget.toString()}${spec.after?.text(limit - budget.size) ?? ''}`;
}
/** The summary of a run refused before upload: what was wrong, nothing sent. */
function problemsSummary(spec, limit) {
    return singleTable(spec, limit, {
        heading: `### Problems (${formatCount(spec.problems.length)})`,
        header: ['File', 'Problem'],
        items: spec.problems,
        row: p => [p.file ?? '(inputs)', p.message],
        more: n => `… and ${count(n, 'more problem')}: ${SEE_RESULTS}.`
    });
}
/** The summary of a dry run: the plan, nothing sent. */
function planSummary(spec, limit) {
    const counts = spec.counts;
    return singleTable(spec, limit, {
        heading: `### Planned samples (${formatCount(spec.samples.length)})`,
        header: ['File(s)', 'Size', ...(counts ? ['Reads'] : []), 'Type', 'Route'],
        items: spec.samples,
        row: sample => [
            filesCell(sample, sample.file.filename),
            formatBytes(sampleBytes(sample)),
            ...(counts ? [readsCell(counts.get(sample.file)?.reads, sample.mate !== undefined)] : []),
            sample.mate ? 'paired-end' : 'single file',
            sample.route ?? 'standard'
        ],
        more: n => `… and ${count(n, 'more planned sample')}: ${SEE_RESULTS}.`
    });
}
/** A summary of one table: the heading, the totals line in bold, then the table. */
function singleTable(spec, limit, table) {
    const budget = new SummaryBudget(limit);
    budget.add(`## ${spec.heading}\n`);
    budget.add(`**${spec.totals}**\n`);
    budget.table(table);
    return budget.toString();
}

;// CONCATENATED MODULE: ./src/report/problems-report.ts
// The report of a run refused before upload (inputs or files broke a rule: nothing was sent),
// and the planning warnings of any run.







/** What planning noted that does not stop the run: its warnings, then its notices. */
function reportPlanNotes(plan) {
    reportWarnings(plan.warnings);
    for (const notice of plan.notices ?? [])
        core/* notice */.lm(notice.message);
}
/** Planning warnings: at most 10 annotations (GitHub shows 10), the rest as plain lines. */
function reportWarnings(warnings) {
    const items = warnings.map(w => ({
        message: w.message,
        properties: w.file ? { file: w.file } : {}
    }));
    const shown = annotateCapped(items, {
        limit: ANNOTATIONS_SHOWN_PER_STEP,
        more: n => `… and ${count(n, 'more warning')}, listed below and in the results file.`,
        emit: core/* warning */.$e
    });
    for (const warning of warnings.slice(shown))
        core/* info */.pq(`Warning: ${warning.message}`);
}
/**
 * Reports a run refused before upload (inputs or files broke a rule): nothing was sent. `failed`
 * lists every refused file with its rule, and the samples held back by the others' problems
 * (`plan.heldBack`, and `plan.heldBackFiles` for the files of a sample that one of its own
 * files kept from planning) as not attempted.
 */
async function reportProblems(problems, settings, plan) {
    const workspace = settings.workspace;
    const refused = refusedEntries(problems, workspace);
    const why = 'not attempted: other files or inputs broke a rule, so nothing was sent.';
    const held = [
        ...(plan?.heldBack ?? []).map(sample => notAttempted(sample, why, workspace)),
        // The files of a sample that another of its files (its mate, a lane) kept from planning.
        ...(plan?.heldBackFiles ?? []).map(file => relativeEntry({ path: file, status: 'not attempted', error: why }, workspace))
    ];
    const failed = [...refused, ...held];
    const totals = {
        ...emptyTotals(),
        samples: held.length,
        not_attempted: held.length,
        refused: refused.length
    };
    const headline = `${count(problems.length, 'problem')} found before upload; nothing was sent.`;
    await publish({
        outcome: 'refused',
        api_url: originOf(settings.apiUrl),
        totals,
        sample_ids: [],
        samples: [],
        failed,
        problems: problems.map(p => relativeEntry(p, workspace)),
        warnings: plan?.warnings ?? []
    });
    const files = [
        refused.length > 0 ? `${count(refused.length, 'file')} refused` : '',
        held.length > 0
            ? `${[
                plan?.heldBack?.length ? count(plan.heldBack.length, 'sample') : '',
                plan?.heldBackFiles?.length ? count(plan.heldBackFiles.length, 'file') : ''
            ]
                .filter(Boolean)
                .join(' and ')} held back`
            : ''
    ].filter(Boolean);
    await writeSummary(limit => problemsSummary({
        heading: HEADING,
        totals: `Nothing was sent: ${count(problems.length, 'problem')} found before upload.${files.length > 0 ? ` ${files.join(', ')}.` : ''}`,
        problems
    }, limit));
    annotateCapped(problems.map(p => ({ message: p.message, properties: p.file ? { file: p.file } : {} })), {
        limit: ERROR_ANNOTATION_LIMIT,
        more: n => `… and ${count(n, 'more problem')}: each is listed at the end of the log, in ${WHERE_TO_LOOK}.`,
        emit: core/* error */.z3
    });
    core/* info */.pq(`Problems found before upload (${formatCount(problems.length)}):`);
    for (const problem of problems)
        core/* info */.pq(`  ${problem.message}`);
    core/* setFailed */.C1(headline);
}
/** Groups the problems by file: one `refused` entry per file, with the rule(s) it broke. */
function refusedEntries(problems, workspace) {
    const byFile = new Map();
    for (const problem of problems) {
        // A problem of several files (a name clash, a lane group) refuses each of them.
        for (const file of new Set([problem.file, ...(problem.files ?? [])])) {
            if (!file)
                continue;
            const list = byFile.get(file);
            if (list)
                list.push(problem);
            else
                byFile.set(file, [problem]);
        }
    }
    return [...byFile].map(([file, list]) => {
        const rules = list.map(p => p.message.startsWith(`${file}: `) ? p.message.slice(file.length + 2) : p.message);
        return relativeEntry({
            path: file,
            status: 'refused',
            error: list.map(p => p.message).join(' '),
            rule: rules.join(' ')
        }, workspace);
    });
}
function notAttempted(sample, error, workspace) {
    return relativeEntry(failureOf(sample, error, 'not attempted'), workspace);
}

;// CONCATENATED MODULE: ./src/report/dry-run-report.ts
// The report of a dry run: empty upload outputs, the plan in the results file and the job
// summary.











/**
 * The dry-run stage: the plan of this job's share printed, what One Codex already holds of it
 * (with skip-existing; read-only), what wait-for-analysis would wait for, and the report.
 * Nothing is uploaded, nothing awaited. A lookup that fails or that the job's cancellation
 * (`signal`) stops still ends in the report, and fails the step.
 */
async function dryRun(share, plan, settings, options = {}) {
    // validate full: every file checked first (nothing sent); a failure fails the dry run.
    const checked = (settings.validate ?? 'full') === 'full' ? await checkFiles(share.samples, settings) : undefined;
    if (checked && checked.problems.length > 0)
        return await reportProblems(checked.problems, settings, {
            ...plan,
            samples: share.samples,
            warnings: [...plan.warnings, ...checked.warnings],
            heldBack: checked.passed
        });
    const counts = checked?.counts;
    printPlan({ ...plan, samples: share.samples }, settings, share.scope, counts);
    let stopped;
    let skipped;
    if (settings.skipExisting) {
        try {
            const lookup = await previewExisting(share.samples, settings, { signal: options.signal });
            skipped = new Set(lookup.existing.keys());
        }
        catch (error) {
            if (isCancelledLookup(error))
                stopped = `The job was cancelled during the ${Inputs.SkipExisting} lookup of the dry run.`;
            else {
                core/* error */.z3(error instanceof UploadError && error.account
                    ? error.account.message
                    : error instanceof Error
                        ? error.message
                        : String(error));
                stopped = `The dry run's ${Inputs.SkipExisting} lookup failed (see the error above).`;
            }
        }
    }
    const awaiting = settings.waitForAnalysis
        ? wouldAwait(share.samples.length, settings.analysisTimeoutMs)
        : undefined;
    if (awaiting)
        core/* info */.pq(awaiting);
    await reportDryRun({ ...plan, samples: share.samples, warnings: [...plan.warnings, ...(checked?.warnings ?? [])] }, settings, {
        extraLists: [planOutput(share.samples, settings, counts)],
        scope: share.scope,
        stopped,
        skipped,
        awaiting,
        counts
    });
    // The last line: what a real run would do (after the lookup, with skip-existing).
    if (stopped)
        core/* setFailed */.C1(stopped);
    else if (skipped)
        printDryRunTotals(share.samples, settings.apiUrl, share.scope, skipped);
}
/** Reports a dry run: empty upload outputs, the plan in the results file and the job summary. */
async function reportDryRun(plan, settings, report = {}) {
    const { extraLists = [], scope, stopped, skipped, awaiting, counts } = report;
    const samples = plan.samples;
    await publish({
        outcome: 'dry-run',
        api_url: originOf(settings.apiUrl),
        totals: { ...emptyTotals(), samples: samples.length, existing: skipped?.size ?? 0 },
        ...(scope ? { scope } : {}),
        sample_ids: [],
        samples: [],
        failed: [],
        problems: [],
        warnings: plan.warnings,
        planned: samples.map(s => plannedRecord(s, settings.workspace, counts))
    }, extraLists);
    await writeSummary(limit => planSummary({
        heading: `${HEADING} (dry run)`,
        totals: `${stopped ? `${stopped} ` : ''}${scopeLead(scope)}Dry run: ${dryRunTotals(samples, settings.apiUrl, skipped)}${awaiting ? ` ${awaiting}` : ''}`,
        samples,
        counts
    }, limit));
}
function plannedRecord(sample, workspace, counts) {
    const r1 = counts?.get(sample.file);
    const r2 = sample.mate ? counts?.get(sample.mate) : undefined;
    return relativeEntry({
        path: sample.file.path,
        filename: sample.file.filename,
        size: sample.file.size,
        ...(r1 ? { reads: r1.reads, bases: r1.bases } : {}),
        ...(sample.mate
            ? {
                paired_end_path: sample.mate.path,
                paired_end_filename: sample.mate.filename,
                paired_end_size: sample.mate.size,
                ...(r2 ? { paired_end_reads: r2.reads, paired_end_bases: r2.bases } : {})
            }
            : {}),
        route: sample.route ?? 'standard'
    }, workspace);
}

;// CONCATENATED MODULE: ./src/report/nothing-to-upload.ts
// The report of a run with nothing to upload: no file matched the files patterns.


/** Reports a run with nothing to upload (no file matched, if-no-files-found warn or ignore). */
async function reportNothingToUpload(settings, plan) {
    await publish({
        outcome: 'nothing to upload',
        api_url: originOf(settings.apiUrl),
        totals: emptyTotals(),
        sample_ids: [],
        samples: [],
        failed: [],
        problems: [],
        warnings: plan?.warnings ?? []
    });
    await writeSummary(() => `## ${HEADING}\n**No file matched the files patterns: nothing was uploaded.**\n`);
}

;// CONCATENATED MODULE: ./src/report/analysis-summary.ts




/** Species shown per sample (the `analyses` output has up to 10). */
const SUMMARY_SPECIES = 5;
/** A bar of abundance 1 is this many full blocks. */
const BAR_WIDTH = 10;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const analysis_summary_TAIL_RESERVE = 1024;
const SEE_OUTPUT = 'every analysis is in the `analyses` output and the file named by `results-file`';
/** An abundance in 0..1 as a bar of eighth blocks: 0.52 → "█████▎"; any share > 0 shows. */
function abundanceBar(fraction, width = BAR_WIDTH) {
    const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * width * 8);
    const shown = fraction > 0 ? Math.max(1, eighths) : 0;
    return '█'.repeat(Math.floor(shown / 8)) + EIGHTHS[shown % 8];
}
const analysis_summary_STATUS_LABEL = {
    complete: '✅ complete',
    failed: '❌ failed',
    'timed out': '⏱️ timed out',
    cancelled: '⛔ cancelled'
};
/** Failures first, then what ran out of time, then what the job's cancellation cut short. */
const PROBLEM_ORDER = ['failed', 'timed out', 'cancelled'];
function speciesCell(top) {
    if (top.length === 0)
        return 'no species identified';
    const lines = top.slice(0, SUMMARY_SPECIES).map(s => {
        const bar = s.abundance === null ? '' : `<code>${abundanceBar(s.abundance)}</code> `;
        return `${bar}${escapeHtml(formatPercent(s.abundance))} <i>${escapeHtml(s.name)}</i>`;
    });
    const more = top.length - SUMMARY_SPECIES;
    if (more > 0)
        lines.push(`<sub>+ ${count(more, 'more species', 'more species')}</sub>`);
    return html(lines.join('<br>'));
}
/** "30 analyses: 27 complete, 2 failed, 1 timed out (waited 14 min 3 s)". */
function analysisTotals(analyses, waitedMs) {
    const parts = ['complete', ...PROBLEM_ORDER]
        .map(status => [status, analyses.filter(a => a.status === status).length])
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${formatCount(n)} ${status}`);
    const waited = waitedMs === undefined ? '' : ` (waited ${formatDuration(waitedMs)})`;
    return `${count(analyses.length, 'analysis', 'analyses')}${parts.length ? `: ${parts.join(', ')}` : ''}${waited}`;
}
/** Adds the analyses section to `budget` (e.g. after the upload summary). */
function addAnalysisSummary(budget, spec) {
    budget.add(`## ${spec.heading ?? 'One Codex analyses'}\n`, analysis_summary_TAIL_RESERVE);
    budget.add(`**${analysisTotals(spec.analyses, spec.waitedMs)}**\n`, analysis_summary_TAIL_RESERVE);
    if (spec.stopped)
        budget.add(`> **Stopped:** ${escapeHtml(spec.stopped)}\n`, analysis_summary_TAIL_RESERVE);
    const problems = PROBLEM_ORDER.flatMap(status => spec.analyses.filter(a => a.status === status));
    const complete = spec.analyses.filter(a => a.status === 'complete');
    budget.table({
        heading: `### Not complete (${formatCount(problems.length)})`,
        header: ['File', 'Sample', 'Status', 'Reason'],
        items: problems,
        row: a => [
            a.filename,
            idCell(spec.apiUrl, a.sample_id),
            analysis_summary_STATUS_LABEL[a.status],
            a.error ?? ''
        ],
        more: n => `… and ${count(n, 'more analysis', 'more analyses')} not complete: ${SEE_OUTPUT}.`
    }, complete.length > 0 ? analysis_summary_TAIL_RESERVE : 0);
    budget.table({
        heading: `### Complete (${formatCount(complete.length)})`,
        header: ['File', 'Sample', 'Reads', 'Most abundant species'],
        items: complete,
        row: a => [
            a.filename,
            idCell(spec.apiUrl, a.sample_id),
            a.n_reads === null ? '' : formatCount(a.n_reads),
            speciesCell(a.top)
        ],
        more: n => `… and ${count(n, 'more complete analysis', 'more complete analyses')}: ${SEE_OUTPUT}.`
    });
}
/** The analyses section on its own, within `limit` bytes. */
function analysisSummary(spec, limit) {
    const budget = new SummaryBudget(limit);
    addAnalysisSummary(budget, spec);
    return budget.toString();
}

;// CONCATENATED MODULE: ./src/report/analysis-report.ts
/**
 * The analyses' part of an upload's report (`wait-for-analysis: true`), which upload-report.ts
 * weaves into its own: the job summary's section after the upload tables, an error annotation
 * for each analysis that failed or timed out (within the step's cap, after the upload's own),
 * the list at the end of the log, and the tally that joins the step's last line. The
 * `analyses` output is published with the other lists (publish.ts).
 */




const PROBLEMS = ['failed', 'timed out', 'cancelled'];
/** The analyses that did not complete (failed, timed out, cancelled). */
function notComplete(stage) {
    return stage ? stage.analyses.filter(a => a.status !== 'complete') : [];
}
/** True for an entry the account-level stop cut short: the stop's one error covers it. */
function cutByStop(stage, analysis) {
    return stage.stopped !== undefined && analysis.error === stoppedReason(stage.stopped);
}
/**
 * "All 3 analyses are complete.", "1 of 3 analyses complete: 1 failed, 1 timed out.": the
 * line that follows the upload's tally.
 */
function analysisTally(stage) {
    const n = stage.analyses.length;
    if (n === 0)
        return 'No sample was confirmed, so no analysis was awaited.';
    const complete = n - notComplete(stage).length;
    if (complete === n)
        return n === 1
            ? "The sample's analysis is complete."
            : `All ${formatCount(n)} analyses are complete.`;
    const parts = PROBLEMS.map(status => [status, stage.analyses.filter(a => a.status === status).length])
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${formatCount(n)} ${status}`);
    return `${formatCount(complete)} of ${count(n, 'analysis', 'analyses')} complete: ${parts.join(', ')}.`;
}
/** "S1_R1_001.fastq.gz (sample 4f0c…): analysis failed: <One Codex's reason>". */
function describeAnalysisProblem(analysis) {
    return `${analysis.filename} (sample ${analysis.sample_id}): analysis ${analysis.status}: ${analysis.error ?? 'no reason given'}`;
}
/**
 * The error annotations of the wait: its account-level stop once, then each analysis that
 * failed or timed out on its own (a cancelled one is told by the step's last line), on its file.
 */
function analysisAnnotations(stage) {
    const annotations = stage.stopped
        ? [{ message: stage.stopped.message, properties: { title: 'Analysis wait stopped' } }]
        : [];
    for (const analysis of stage.analyses) {
        if (analysis.status !== 'failed' && analysis.status !== 'timed out')
            continue;
        if (cutByStop(stage, analysis))
            continue;
        annotations.push({
            message: describeAnalysisProblem(analysis),
            properties: {
                title: analysis.status === 'failed' ? 'Analysis failed' : 'Analysis timed out',
                file: analysis.path
            }
        });
    }
    return annotations;
}
/** The list at the end of the log: each analysis not complete, once (those the stop cut short as a count). */
function logAnalysisProblems(stage, info) {
    const problems = notComplete(stage);
    if (problems.length === 0)
        return;
    const own = problems.filter(a => !cutByStop(stage, a));
    info(`Analyses not complete (${formatCount(problems.length)}):`);
    for (const analysis of own)
        info(`  ${analysis.path}: ${describeAnalysisProblem(analysis)}`);
    const cut = problems.length - own.length;
    if (cut > 0)
        info(`  ${count(cut, 'analysis was', 'analyses were')} not waited for to the end: the wait stopped at the account-level failure above.`);
}
function summarySpec(stage, apiUrl) {
    return {
        analyses: stage.analyses,
        apiUrl,
        waitedMs: stage.waitedMs,
        ...(stage.stopped ? { stopped: stage.stopped.message } : {})
    };
}
/**
 * The analyses section of the job summary, to follow the upload tables within the same limit:
 * `reserve` is what it takes when given at most half of `limit` (what the upload tables leave
 * free for it), `text` writes it within what they left.
 */
function analysisSection(stage, apiUrl, limit) {
    const spec = summarySpec(stage, apiUrl);
    return {
        reserve: Buffer.byteLength(analysisSummary(spec, Math.floor(limit / 2)), 'utf8'),
        text: left => analysisSummary(spec, left)
    };
}

;// CONCATENATED MODULE: ./src/report/upload-report.ts
// The report of an upload: every sample confirmed, skipped as existing, failed, cancelled or
// not attempted; the tally at the end of the log; a failed step when any sample did not end
// confirmed. With wait-for-analysis, the analyses too (analysis-report.ts): the step also
// fails when one did not complete.







function totalsOf(samples, uploaded, failed) {
    const of = (status) => failed.filter(f => (f.status ?? 'failed') === status).length;
    return {
        samples,
        confirmed: uploaded.length,
        existing: uploaded.filter(u => u.existing).length,
        failed: of('failed'),
        cancelled: of('cancelled'),
        not_attempted: of('not attempted'),
        refused: of('refused')
    };
}
/** "2 failed, 1 not attempted". */
function breakdown(totals) {
    return [
        totals.failed > 0 ? `${formatCount(totals.failed)} failed` : '',
        totals.cancelled > 0 ? `${formatCount(totals.cancelled)} cancelled` : '',
        totals.not_attempted > 0 ? `${formatCount(totals.not_attempted)} not attempted` : ''
    ]
        .filter(Boolean)
        .join(', ');
}
/**
 * The run's one-line tally: "All 3 samples were uploaded and confirmed.", "The sample was not
 * uploaded: 1 failed.", "197 of 200 samples were uploaded and confirmed: 2 failed, 1 not
 * attempted."; for a shard that got no sample "Shard 2/4: 0 of 96 planned samples; this job has
 * nothing to upload." (`scope` names the share).
 */
function tallyLine(totals, scope) {
    const n = totals.samples;
    const all = formatCount(n);
    const existing = totals.existing > 0
        ? ` (${formatCount(totals.existing)} of them already in One Codex, not sent again)`
        : '';
    if (n === 0)
        return scope
            ? `${scope[0].toUpperCase()}${scope.slice(1)}; this job has nothing to upload.`
            : 'No sample was planned.';
    if (totals.confirmed >= n)
        return n === 1
            ? `The sample was uploaded and confirmed${existing}.`
            : `All ${all} samples were uploaded and confirmed${existing}.`;
    const head = totals.confirmed === 0
        ? n === 1
            ? 'The sample was not uploaded'
            : `None of the ${all} samples was uploaded`
        : `${formatCount(totals.confirmed)} of ${all} samples were uploaded and confirmed${existing}`;
    const parts = breakdown(totals);
    return `${head}${parts ? `: ${parts}` : ''}.`;
}
/** The summary's totals: "2 of 3 samples confirmed. 1 failed." */
function summaryTotals(totals) {
    const n = totals.samples;
    const parts = breakdown(totals);
    const existing = totals.existing > 0 ? ` ${formatCount(totals.existing)} already in One Codex.` : '';
    return `${formatCount(totals.confirmed)} of ${count(n, 'sample')} confirmed.${existing}${parts ? ` ${parts[0].toUpperCase()}${parts.slice(1)}.` : ''}`;
}
/**
 * Reports an upload: outputs, results file, summary, annotations, the tally, and a failed step
 * when any sample did not end confirmed. `samples` are the planned samples, in the order of
 * `results.outcomes`. `analysis` is the wait for the analyses (wait-for-analysis), reported
 * after the upload's parts; the step also fails when one did not complete.
 */
async function reportResults(samples, results, settings, warnings = [], analysis) {
    const workspace = settings.workspace;
    const uploaded = [];
    const failed = [];
    const entries = [];
    const annotations = [];
    results.outcomes.forEach((outcome, index) => {
        const sample = samples[index];
        if (outcome.ok) {
            const entry = relativeEntry(outcome.sample, workspace);
            uploaded.push(entry);
            entries.push({ sample, durationMs: outcome.durationMs, uploaded: entry });
            return;
        }
        const entry = relativeEntry({ ...outcome.failure, status: outcome.failure.status ?? 'failed' }, workspace);
        failed.push(entry);
        entries.push({ sample, durationMs: outcome.durationMs, failure: entry });
        // The failures that stopped the run are told once, by the stop's cause.
        if (entry.status === 'failed' && !outcome.accountLevel)
            annotations.push({
                message: entry.error,
                properties: { title: 'Upload failed', file: entry.path }
            });
    });
    const totals = totalsOf(results.outcomes.length, uploaded, failed);
    const analysisFailed = notComplete(analysis).length > 0;
    const file = await publish({
        outcome: failed.length > 0 || analysisFailed ? 'failed' : 'uploaded',
        api_url: originOf(settings.apiUrl),
        totals,
        ...(results.scope ? { scope: results.scope } : {}),
        ...(results.stopped ? { stopped: results.stopped } : {}),
        sample_ids: uploaded.map(u => u.sample_id),
        samples: uploaded,
        failed,
        problems: [],
        warnings,
        ...(analysis ? { analyses: analysis.analyses } : {})
    });
    await writeSummary(limit => uploadSummary({
        heading: HEADING,
        totals: totals.samples === 0
            ? tallyLine(totals, results.scope)
            : `${scopeLead(results.scope)}${summaryTotals(totals)}`,
        stopped: results.stopped?.message,
        entries,
        apiUrl: settings.apiUrl,
        ...(analysis ? { after: analysisSection(analysis, settings.apiUrl, limit) } : {})
    }, limit));
    const tally = tallyLine(totals, results.scope);
    const analysisLine = analysis ? ` ${analysisTally(analysis)}` : '';
    if (failed.length === 0 && !analysisFailed) {
        if (!results.cancelled) {
            core/* info */.pq(tally);
            if (analysisLine)
                core/* info */.pq(analysisLine.trim());
        }
        if (file)
            core/* info */.pq(`Complete record: ${file} (output results-file).`);
        // Every sample had completed when the job was cancelled: the step still ends cancelled.
        if (results.cancelled)
            core/* setFailed */.C1(`The job was cancelled. ${tally}${analysisLine}`);
        return;
    }
    const ofAnalyses = analysis ? analysisAnnotations(analysis) : [];
    const errors = results.stopped
        ? [
            { message: results.stopped.message, properties: { title: 'Upload stopped' } },
            ...annotations,
            ...ofAnalyses
        ]
        : [...annotations, ...ofAnalyses];
    annotateCapped(errors, {
        limit: ERROR_ANNOTATION_LIMIT,
        more: n => `… and ${count(n, ofAnalyses.length > 0 ? 'more failure' : 'more failed sample')}: each is listed at the end of the log, in ${WHERE_TO_LOOK}.`,
        emit: core/* error */.z3
    });
    // The tally: each sample that was tried and not uploaded, once; the rest as a count.
    const listed = failed.filter(f => f.status !== 'not attempted');
    if (listed.length > 0) {
        core/* info */.pq(`Not uploaded (${formatCount(listed.length)}):`);
        for (const failure of listed)
            core/* info */.pq(`  ${failure.path}: ${failure.error}`);
    }
    if (totals.not_attempted > 0) {
        const first = failed.find(f => f.status === 'not attempted');
        const why = results.stopped
            ? 'the run stopped at the account-level failure above'
            : results.cancelled
                ? 'the job was cancelled'
                : (first?.error.replace(/^not attempted: /, '').replace(/\.$/, '') ?? 'not started');
        core/* info */.pq(`${count(totals.not_attempted, 'sample was', 'samples were')} not attempted (${why}); each is in the failed output and the results file.`);
    }
    if (analysis)
        logAnalysisProblems(analysis, core/* info */.pq);
    if (file)
        core/* info */.pq(`Complete record: ${file} (output results-file).`);
    const cancelled = results.cancelled || analysis?.cancelled;
    core/* setFailed */.C1(`${cancelled ? 'The job was cancelled. ' : ''}${tally}${analysisLine} See the list above, ${WHERE_TO_LOOK}.`);
}

// EXTERNAL MODULE: ./src/shared/early-signals.ts
var early_signals = __webpack_require__(886);
;// CONCATENATED MODULE: ./src/upload/signals.ts



/**
 * Everything must be done within 10 s of the first signal: clean-up (cancel_upload) gets this
 * much, leaving time to write outputs and the summary.
 */
const CLEANUP_BUDGET_MS = 5000;
/** Last resort: exit (outputs written so far stay written) this long after the first signal. */
const HARD_EXIT_MS = 9000;
/**
 * Watches for the runner's cancellation signals. The first one aborts `signal` (the uploader
 * stops starting samples, aborts transfers, cancels unconfirmed samples) and arms a last-resort
 * exit; later ones only say they were received. While watched, a signal no longer kills the
 * process at once, so the run can clean up and report. A signal the entry held while the action
 * was loading counts as the first one: the run then starts cancelled.
 */
function watchCancellation(options = {}) {
    const emitter = options.emitter ?? process;
    const log = options.log ?? core/* info */.pq;
    const controller = new AbortController();
    let cancelledAt;
    let timer;
    const cancel = (signal, at, early) => {
        cancelledAt = at;
        log(early
            ? `Received ${signal} while the action was starting: the job is being cancelled. Nothing is sent; outputs are written with every sample not attempted.`
            : `Received ${signal}: the job is being cancelled. No new sample starts; transfers in flight are aborted and their samples cancelled on One Codex; outputs are written for what finished.`);
        const left = (options.hardExitMs ?? HARD_EXIT_MS) - (Date.now() - at);
        timer = setTimeout(() => {
            process.exitCode = 1;
            core/* error */.z3('The job was cancelled and clean-up did not finish in time: exiting.');
            (options.exit ?? (() => process.exit(1)))();
        }, Math.max(0, left));
        timer.unref();
        controller.abort(new Error(`the job was cancelled (${signal})`));
    };
    const handler = (signal) => {
        if (cancelledAt !== undefined) {
            log(`Received ${signal} again: still cleaning up; exiting within seconds.`);
            return;
        }
        cancel(signal, Date.now(), false);
    };
    // Ours first, then the entry's early ones off: no signal can fall in between.
    for (const signal of early_signals/* CANCEL_SIGNALS */.DH)
        emitter.on(signal, handler);
    const early = (options.early ?? early_signals/* takeEarlySignals */.Cz)();
    if (early && cancelledAt === undefined)
        cancel(early.signal, early.at, true);
    return {
        signal: controller.signal,
        cancelledAt: () => cancelledAt,
        dispose: () => {
            for (const signal of early_signals/* CANCEL_SIGNALS */.DH)
                emitter.off(signal, handler);
            if (timer)
                clearTimeout(timer);
        }
    };
}

;// CONCATENATED MODULE: ./src/onecodex/account-stop.ts

/**
 * Ends a run at the first account-level failure, like upload-artifact does: a key One Codex
 * does not accept (401), an account that may not upload (402), or an api-url that never
 * answered (DNS, refused, TLS) after a sample's retries. The worker loop stops taking samples;
 * the ones in flight finish; the rest are "not attempted"; the cause is said once. Anything
 * else — a 403 on one sample, a storage failure, a network failure after api-url answered —
 * stays that sample's failure.
 */
class AccountStop {
    issue;
    /** The cause, once the run was stopped. */
    get cause() {
        return this.issue;
    }
    get stopped() {
        return this.issue !== undefined;
    }
    /**
     * Looks at the error a sample ended with. Returns true when it was account-level: the run is
     * stopped (the first cause is kept) and the sample's own message need not repeat the cause.
     */
    consider(error, api) {
        let issue;
        if (error instanceof UploadError && error.account)
            issue = error.account;
        // Before api-url ever answered, a sample can only have failed on its first API request.
        else if (!api.reached && api.unreachable && isNetworkFailure(error))
            issue = api.unreachable;
        if (!issue)
            return false;
        this.issue ??= issue;
        return true;
    }
}
/** A failure without any HTTP answer. */
function isNetworkFailure(error) {
    return error instanceof UploadError ? error.status === undefined : error instanceof Error;
}

;// CONCATENATED MODULE: ./src/s3/s3-errors.ts
/**
 * Turns what the AWS SDK throws into the project's UploadError, so that the RetryPolicy decides
 * about S3 calls by the same rules as about every other request: network errors, 408/429/5xx and
 * S3's SlowDown / RequestTimeout / InternalError are retried; 4xx such as AccessDenied fail at once.
 */


/** Error names the SDK uses for a failure without a usable S3 error code. */
const GENERIC_NAMES = ['Error', 'UnknownError', 'Unknown', 'S3ServiceException'];
/** Node and SDK errors that mean the request was cut (no answer): worth another attempt. */
const CONNECTION_NAMES = {
    TimeoutError: 'ETIMEDOUT',
    RequestTimeout: 'RequestTimeout'
};
const ACCESS_HINT = 'S3 refused the temporary upload keys One Codex handed out (expired, or not valid for this bucket and key).';
/** S3 error codes that say the temporary keys are the problem. */
const KEY_CODES = [
    'AccessDenied',
    'InvalidAccessKeyId',
    'SignatureDoesNotMatch',
    'ExpiredToken',
    'TokenRefreshRequired'
];
/** True for the error an aborted SDK call rejects with (the job or the file was stopped). */
function isAbortError(error) {
    const name = error?.name;
    return name === 'AbortError';
}
/**
 * Builds the UploadError for a failed S3 call `what` (e.g. "x.fq: UploadPart 3 of 12"). The
 * message keeps only S3's code and message (never a request, header or signature) and is
 * scrubbed of `secrets` (the temporary keys), since S3 may echo an access key id back.
 */
function s3Error(what, error, secrets) {
    if (error instanceof UploadError)
        return new UploadError(redactText(error.message, secrets), {
            status: error.status,
            code: error.code,
            retryAfterMs: error.retryAfterMs,
            retryable: error.retryable
        });
    const e = (error ?? {});
    const rawStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    const status = typeof rawStatus === 'number' && rawStatus > 0 ? rawStatus : undefined;
    const name = typeof e.name === 'string' ? e.name : undefined;
    const nodeCode = typeof e.code === 'string' ? e.code : undefined;
    // The SDK wraps what is not an Error of its own realm (e.g. under a test runner's VM) into
    // "AWS SDK error wrapper for <the error as text>": the text is all that is left of it.
    const message = redactText(typeof e.message === 'string'
        ? e.message.replace(/^AWS SDK error wrapper for (?:TimeoutError: )?/, '').trim()
        : '', secrets);
    if (isAbortError(error))
        return new UploadError(`${what} was stopped.`, { code: 'ABORTED', retryable: false });
    if (status === undefined) {
        // No answer from S3: a network error (ECONNRESET, EPIPE...) or the socket timeout.
        let code = nodeCode ?? /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message)?.[1];
        code ??= name ? CONNECTION_NAMES[name] : undefined;
        if (code === undefined && /socket hang up/i.test(message))
            code = 'ECONNRESET';
        const reason = name === 'TimeoutError' && nodeCode === undefined
            ? 'no data moved within the socket timeout'
            : message.replace(/\.$/, '') || 'no answer';
        return new UploadError(`${what} failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}.`, { code });
    }
    const code = name && !GENERIC_NAMES.includes(name) ? name : undefined;
    const said = [code, message && message !== code ? message : undefined].filter(Boolean).join(': ');
    const headers = e.$response?.headers ?? {};
    const details = {
        status,
        code,
        retryAfterMs: parseRetryAfter(headers['retry-after'] ?? headers['Retry-After'])
    };
    const typed = new UploadError('', details);
    const hint = !typed.retryable && (status === 403 || (code !== undefined && KEY_CODES.includes(code)))
        ? ` ${ACCESS_HINT}`
        : '';
    return new UploadError(`${what} failed with HTTP ${status}${said ? ` (${s3_errors_clip(said)})` : ''}.${hint}`, details);
}
function s3_errors_clip(text) {
    const line = text.split(/\r?\n/)[0];
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

;// CONCATENATED MODULE: ./src/s3/s3-calls.ts

/** The S3 calls of `client` on `bucket`; errors are scrubbed of `secrets`. */
function s3Calls(sdk, client, bucket, secrets) {
    const fail = (what, error) => s3Error(what, error, secrets);
    const send = async (what, run) => {
        try {
            return await run();
        }
        catch (error) {
            throw fail(what, error);
        }
    };
    return {
        createMultipartUpload: (key, what, signal) => send(what, async () => {
            const out = await client.send(new sdk.CreateMultipartUploadCommand({
                Bucket: bucket,
                Key: key,
                ServerSideEncryption: 'AES256'
            }), { abortSignal: signal });
            if (!out.UploadId)
                throw fail(what, new Error('S3 answered without an UploadId'));
            return out.UploadId;
        }),
        uploadPart: (target, body, length, what, signal) => send(what, async () => {
            const out = await client.send(new sdk.UploadPartCommand({
                Bucket: bucket,
                Key: target.key,
                UploadId: target.uploadId,
                PartNumber: target.partNumber,
                ContentLength: length,
                Body: body
            }), { abortSignal: signal });
            if (!out.ETag)
                throw fail(what, new Error('S3 answered without an ETag'));
            return out.ETag;
        }),
        completeMultipartUpload: (target, parts, what, signal) => send(what, async () => {
            await client.send(new sdk.CompleteMultipartUploadCommand({
                Bucket: bucket,
                Key: target.key,
                UploadId: target.uploadId,
                MultipartUpload: {
                    Parts: parts.map(part => ({ PartNumber: part.number, ETag: part.etag }))
                }
            }), { abortSignal: signal });
        }),
        abortMultipartUpload: (target, what, signal) => send(what, async () => {
            await client.send(new sdk.AbortMultipartUploadCommand({
                Bucket: bucket,
                Key: target.key,
                UploadId: target.uploadId
            }), { abortSignal: signal });
        }),
        listMultipartUploads: (prefix, page, what, signal) => send(what, async () => {
            const out = await client.send(new sdk.ListMultipartUploadsCommand({
                Bucket: bucket,
                Prefix: prefix,
                KeyMarker: page?.keyMarker,
                UploadIdMarker: page?.uploadIdMarker
            }), { abortSignal: signal });
            const uploads = (out.Uploads ?? []).flatMap(upload => upload.Key !== undefined && upload.UploadId
                ? [{ key: upload.Key, uploadId: upload.UploadId }]
                : []);
            const next = out.IsTruncated === true
                ? { keyMarker: out.NextKeyMarker ?? '', uploadIdMarker: out.NextUploadIdMarker ?? '' }
                : undefined;
            return { uploads, next };
        })
    };
}

;// CONCATENATED MODULE: ./src/s3/s3-client.ts


/** The region asked first; S3 names the bucket's region when it is another one. */
const DEFAULT_REGION = 'us-east-1';
const CONNECT_TIMEOUT_MS = 30_000;
const s3_client_USER_AGENT = 'onecodex-upload-action';
const SILENT_LOGGER = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined
};
let sdkPromise;
/** Loads the SDK once (its Node-version notice silenced: the action runs on node20 runners). */
function loadS3Sdk() {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    sdkPromise ??= __webpack_require__.e(/* import() */ 711).then(__webpack_require__.t.bind(__webpack_require__, 3711, 19));
    return sdkPromise;
}
/**
 * Starts loading the SDK (reading and compiling its chunk) without waiting for it, so that it
 * overlaps the requests made before the first S3 call (init_multipart_upload). A failure shows
 * where the SDK is needed (loadS3Sdk()).
 */
function preloadS3Sdk() {
    loadS3Sdk().catch(() => undefined);
}
/**
 * Connections to S3 shared by every multipart sample of a run: one keep-alive agent per
 * protocol (parts reuse their connections instead of opening one each), and one SDK client per
 * sample, since each sample has its own temporary keys. dispose() destroys the connections,
 * which fails every request in flight.
 */
class S3Connections {
    options;
    httpsAgent;
    httpAgent;
    constructor(options = {}) {
        this.options = options;
        // The project's transport agents: kept-alive connections through HTTPS_PROXY / NO_PROXY,
        // a request on which no byte moves for the socket timeout destroyed (ETIMEDOUT, retried).
        // Given as instances, the SDK uses them as they are (it would otherwise open a one-off
        // connection for every request it sends with `Expect: 100-continue`).
        const agent = { idleTimeoutMs: options.socketTimeoutMs ?? 120_000, maxSockets: 64 };
        this.httpsAgent = createAgent('https:', agent);
        this.httpAgent = createAgent('http:', agent);
    }
    /** The S3 calls signed with `credentials`; errors are scrubbed of `secrets`. */
    async calls(credentials, bucket, secrets) {
        const sdk = await loadS3Sdk();
        const client = this.client(sdk, credentials);
        return s3Calls(sdk, client, bucket, secrets);
    }
    /** Closes the kept-alive connections. */
    dispose() {
        this.httpsAgent.destroy();
        this.httpAgent.destroy();
    }
    client(sdk, credentials) {
        // The SDK's region redirect re-sends a request in the bucket's region, which a part's
        // stream cannot be (it is consumed). The region it learns is kept here so that every later
        // request (the parts after CreateMultipartUpload) goes to the right region first.
        let region = DEFAULT_REGION;
        const config = {
            region: async () => region,
            // Explicit keys: never a credential from the environment, a profile or instance metadata.
            credentials: {
                accessKeyId: credentials.accessKeyId,
                secretAccessKey: credentials.secretAccessKey
            },
            followRegionRedirects: true,
            // Retries are the RetryPolicy's, one part at a time, each re-reading its byte range.
            maxAttempts: 1,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            expectContinueHeader: false,
            useFipsEndpoint: false,
            useDualstackEndpoint: false,
            // Only AWS_ENDPOINT_URL_S3, read and checked by us: never AWS_ENDPOINT_URL or a profile's.
            ignoreConfiguredEndpointUrls: true,
            customUserAgent: s3_client_USER_AGENT,
            // The SDK would print to the console (e.g. a warning for every failed part, which it
            // cannot retry itself); our own lines say what happened.
            logger: SILENT_LOGGER,
            requestHandler: {
                httpsAgent: this.httpsAgent,
                httpAgent: this.httpAgent,
                connectionTimeout: CONNECT_TIMEOUT_MS,
                socketTimeout: this.options.socketTimeoutMs ?? 120_000
            }
        };
        if (this.options.endpoint) {
            config.endpoint = this.options.endpoint;
            config.forcePathStyle = true;
        }
        const client = new sdk.S3Client(config);
        client.middlewareStack.add((next, context) => async (args) => {
            try {
                return await next(args);
            }
            finally {
                const learned = context.__s3RegionRedirect;
                if (typeof learned === 'string' && learned !== '')
                    region = learned;
            }
        }, { step: 'initialize', priority: 'high', name: 'onecodexKeepBucketRegion' });
        return client;
    }
}

;// CONCATENATED MODULE: ./src/net/progress.ts
/**
 * Progress lines for one file's transfer: a line each time the next 10 % step is reached (never
 * two within 1 s, so a fast upload of a small file stays quiet), and a line after 5 s without
 * one, so a slow transfer of a large file never looks hung. While no byte moves at all, a line
 * every 30 s says so ("big.fq: 0 B/s for 30 s, waiting"), until bytes move again or the stall
 * timeout gives the attempt up. Each line names the file, which keeps concurrent uploads apart.
 */


class ProgressReporter {
    label;
    totalBytes;
    log;
    stepPercent;
    minIntervalMs;
    heartbeatMs;
    idleEveryMs;
    clock;
    now;
    /** `now` reads the watchdog's clock: one reading serves both. */
    oneClock;
    startedAt = 0;
    lastLineAt = 0;
    nextStep = 0;
    sent = 0;
    watchdog;
    /** `label` prefixes each line (the file name); `log` receives the lines. */
    constructor(label, totalBytes, log, options = {}) {
        this.label = label;
        this.totalBytes = totalBytes;
        this.log = log;
        this.stepPercent = options.stepPercent ?? 10;
        this.minIntervalMs = options.minIntervalMs ?? 1000;
        this.heartbeatMs = options.heartbeatMs ?? 5000;
        this.idleEveryMs = options.idleEveryMs ?? 30_000;
        this.clock = options.clock ?? systemClock;
        this.now = options.now ?? (() => this.clock.now());
        this.oneClock = options.now === undefined;
        this.reset();
    }
    /**
     * Starts (or, for a retry that re-sends from byte 0, starts over) counting, and the "0 B/s"
     * lines while nothing moves. Call stop() when the attempt ends, however it ends.
     */
    start() {
        this.reset();
        this.watchdog?.stop();
        this.watchdog = new StallWatchdog({
            idleEveryMs: this.idleEveryMs,
            onIdle: idleMs => this.log(this.idleLine(idleMs)),
            clock: this.clock
        });
    }
    /** The same as start(). */
    restart() {
        this.start();
    }
    /** Ends the "0 B/s" lines (the attempt is over: done, failed, or waiting for a retry). */
    stop() {
        this.watchdog?.stop();
        this.watchdog = undefined;
    }
    /**
     * Call with the bytes sent so far (once per chunk: one clock reading, no timer work); logs
     * when a step or the heartbeat is due.
     */
    update(sentBytes) {
        const now = this.now();
        this.watchdog?.touch(this.oneClock ? now : undefined);
        this.sent = sentBytes;
        if (this.totalBytes <= 0 || sentBytes >= this.totalBytes)
            return;
        const percent = (sentBytes * 100) / this.totalBytes;
        const sinceLast = now - this.lastLineAt;
        const stepDue = percent >= this.nextStep && sinceLast >= this.minIntervalMs;
        const heartbeatDue = sinceLast >= this.heartbeatMs;
        if (!stepDue && !heartbeatDue)
            return;
        this.lastLineAt = now;
        this.nextStep = (Math.floor(percent / this.stepPercent) + 1) * this.stepPercent;
        this.log(`${this.label}: ${formatBytes(sentBytes)} of ${formatBytes(this.totalBytes)} (${Math.floor(percent)} %), ${formatRate(sentBytes, now - this.startedAt)}`);
    }
    reset() {
        this.startedAt = this.now();
        this.lastLineAt = this.startedAt;
        this.nextStep = this.stepPercent;
        this.sent = 0;
    }
    idleLine(idleMs) {
        const seconds = idleMs >= 10_000 ? Math.round(idleMs / 1000) : Math.round(idleMs / 100) / 10;
        if (this.totalBytes > 0 && this.sent >= this.totalBytes)
            return `${this.label}: all ${formatBytes(this.totalBytes)} sent, no answer for ${seconds} s, waiting`;
        return `${this.label}: 0 B/s for ${seconds} s (${formatBytes(this.sent)} of ${formatBytes(this.totalBytes)} sent), waiting`;
    }
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
;// CONCATENATED MODULE: ./src/net/source-reader.ts

/**
 * Reads bytes [start, end) of a source — its segments back to back — in order, into buffers the
 * caller owns. Each segment's file is opened only when the range reaches it and closed as soon
 * as the range leaves it, so a range that spans two lanes holds one descriptor at a time and a
 * part of one lane never opens the others. Nothing is copied to disk or held in memory.
 *
 * One read at a time (the callback style keeps the hot path free of promise allocations).
 */
class SourceReader {
    source;
    end;
    /** Absolute offset of the next byte to read. */
    position;
    index = -1;
    fd;
    /** Absolute offset at which segment `index` begins. */
    segmentStart = 0;
    closed = false;
    constructor(source, start = 0, end = source.segments.reduce((sum, s) => sum + s.size, 0)) {
        this.source = source;
        this.end = end;
        this.position = start;
    }
    /** Bytes still to read. */
    get remaining() {
        return this.end - this.position;
    }
    /**
     * Reads up to `buffer.length` bytes at the current position. `bytesRead` is 0 only at the end
     * of the range; a segment that is shorter than planned is an error naming its file.
     */
    read(buffer, callback) {
        if (this.closed)
            return callback(new Error('the source reader is closed'), 0);
        const want = Math.min(buffer.length, this.end - this.position);
        if (want <= 0)
            return callback(null, 0);
        this.ensureOpen((error, segment) => {
            if (error || !segment)
                return callback(error ?? new Error('no segment'), 0);
            const offset = this.position - this.segmentStart;
            const length = Math.min(want, segment.size - offset);
            external_node_fs_.read(this.fd, buffer, 0, length, offset, (readError, bytesRead) => {
                if (readError)
                    return callback(readError, 0);
                if (bytesRead === 0)
                    return callback(new Error(`${segment.path} has ${offset} bytes now, ${segment.size} were planned (was the file changed while uploading?).`), 0);
                this.position += bytesRead;
                callback(null, bytesRead);
            });
        });
    }
    /** Closes the open descriptor, if any. Safe to call more than once; never while a read is pending. */
    close(callback = () => undefined) {
        this.closed = true;
        const fd = this.fd;
        this.fd = undefined;
        if (fd === undefined)
            return callback();
        external_node_fs_.close(fd, () => callback());
    }
    /** Opens the segment holding `position` (closing the previous one) and hands it over. */
    ensureOpen(callback) {
        const segments = this.source.segments;
        if (this.index >= 0 && this.position < this.segmentStart + segments[this.index].size) {
            return callback(null, segments[this.index]);
        }
        // Find the segment that holds `position` (usually the next one).
        let index = this.index < 0 ? 0 : this.index;
        let start = this.index < 0 ? 0 : this.segmentStart;
        while (index < segments.length && start + segments[index].size <= this.position) {
            start += segments[index].size;
            index++;
        }
        if (index >= segments.length)
            return callback(new Error('read past the end of the source'));
        const previous = this.fd;
        this.fd = undefined;
        const open = () => {
            external_node_fs_.open(segments[index].path, 'r', (error, fd) => {
                if (error)
                    return callback(error);
                if (this.closed) {
                    external_node_fs_.close(fd, () => undefined);
                    return callback(new Error('the source reader is closed'));
                }
                this.fd = fd;
                this.index = index;
                this.segmentStart = start;
                callback(null, segments[index]);
            });
        };
        if (previous === undefined)
            open();
        else
            external_node_fs_.close(previous, open);
    }
}
/** Read size: 1 MiB reads keep syscalls few (64 KiB reads cost about twice the CPU per byte). */
const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Read buffers of READ_CHUNK_BYTES given back by finished pipes, for the next pipe: a part or a
 * body then reads into memory that is already mapped instead of faulting in fresh pages (a
 * 2 GiB file in 32 MiB parts allocated ~150 MiB of buffers, one part after the other). It never
 * holds more than the most buffers in use at once, up to POOL_MAX_BUFFERS.
 */
const pool = [];
const POOL_MAX_BUFFERS = 32;
function takeBuffer(bytes) {
    if (bytes === READ_CHUNK_BYTES)
        return pool.pop() ?? Buffer.allocUnsafeSlow(bytes);
    return Buffer.allocUnsafeSlow(bytes);
}
function giveBuffer(buffer) {
    if (buffer.length === READ_CHUNK_BYTES && pool.length < POOL_MAX_BUFFERS)
        pool.push(buffer);
}
/** Read buffers waiting in the pool (tests). */
function pooledBuffers() {
    return pool.length;
}
/**
 * Writes `head`, bytes [start, end) of a source and `tail` into `destination` (a request), then
 * ends it: at most one read and `buffers` writes at once, each buffer reused only after the
 * request's write callback said the socket took its bytes, so nothing is copied or allocated
 * per chunk. `done` is called once, after the file is closed, with the error that stopped the
 * pipe if any (a failed read or write, the request closing early). Returns a function that
 * stops the pipe with an error (safe to call at any time, more than once).
 */
function pipeRange(destination, options, done) {
    const { start, end, tail } = options;
    const length = end - start;
    const reader = new SourceReader(options.source, start, end);
    let sent = 0;
    let finished = false;
    let reading = false;
    let writing = 0;
    let outcome;
    const free = [];
    // Close the file only when no read is pending on it (its number could be reused). The buffers
    // back with the pipe (not with the socket, which may still hold one after a failure) go back
    // to the pool.
    const release = () => {
        for (const buffer of free.splice(0))
            giveBuffer(buffer);
        reader.close(() => done(outcome));
    };
    const finish = (error) => {
        if (finished)
            return;
        finished = true;
        outcome = error;
        destination.removeListener('close', onClose);
        if (!reading)
            release();
    };
    const sourceFailed = (error) => {
        options.onSourceError?.(error);
        finish(error);
    };
    const onClose = () => finish(new Error(`the request closed before ${options.what} was sent`));
    destination.on('close', onClose);
    const next = () => {
        if (finished || reading)
            return;
        if (sent === length) {
            if (writing === 0) {
                if (tail)
                    destination.end(tail, () => finish());
                else
                    destination.end(() => finish());
            }
            return;
        }
        const buffer = free.pop();
        if (!buffer)
            return; // every buffer is with the socket: the next write callback resumes
        reading = true;
        reader.read(buffer, (error, bytesRead) => {
            reading = false;
            if (finished)
                return release();
            if (error)
                return sourceFailed(error);
            if (bytesRead === 0)
                return sourceFailed(new Error(`the source ended before ${options.what} did`));
            const chunk = buffer.subarray(0, bytesRead);
            sent += bytesRead;
            options.onChunk(chunk);
            writing++;
            destination.write(chunk, writeError => {
                writing--;
                if (writeError)
                    return finish(writeError);
                free.push(buffer);
                next();
            });
            next(); // read the next chunk while the socket takes this one
        });
    };
    const bufferBytes = Math.min(READ_CHUNK_BYTES, Math.max(length, 1));
    for (let i = 0; i < options.buffers; i++)
        free.push(takeBuffer(bufferBytes));
    if (options.head) {
        writing++;
        destination.write(options.head, writeError => {
            writing--;
            if (writeError)
                return finish(writeError);
            next();
        });
    }
    next();
    return finish;
}
/**
 * Checks that no segment changed size since planning: a file rewritten while it was sent would
 * otherwise be stored with bytes from two versions. Returns the first change found, if any.
 */
async function changedSegment(source) {
    for (const segment of source.segments) {
        const now = await external_node_fs_.promises.stat(segment.path);
        if (now.size !== segment.size)
            return `${segment.path} changed size while uploading (${segment.size} → ${now.size} bytes).`;
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/s3/s3-part-body.ts


/**
 * Buffers one part cycles between the file and the socket: one being read while the socket
 * takes the other. With 8 parts in flight that is 16 MiB per file, whatever the part size.
 */
const PART_BUFFERS = 2;
/**
 * The body of one UploadPart request: bytes [start, end) of a source, read straight from its
 * segment files (a part may span two lanes) through a couple of reused buffers. No part is ever
 * held in memory, and a retry simply makes a new body that reads the range again.
 *
 * It must be piped (the SDK's node handler does `body.pipe(request)`): a buffer is reused only
 * after the request's write callback said the socket took its bytes. On failure (the file
 * shrank, a read failed) the request is destroyed with the error, which the SDK rejects with.
 */
class PartBody extends external_node_stream_.Readable {
    source;
    start;
    end;
    onBytes;
    onSent;
    /** Bytes of the range handed to the request so far. */
    sent = 0;
    length;
    started = false;
    stop;
    constructor(source, start, end, 
    /** Receives the bytes of each chunk as it is handed to the request. */
    onBytes, 
    /**
     * Called once when the whole range is handed to the socket (the request ended): from then on
     * the part only waits for its answer, and the next part may start sending.
     */
    onSent) {
        super();
        this.source = source;
        this.start = start;
        this.end = end;
        this.onBytes = onBytes;
        this.onSent = onSent;
        this.length = end - start;
    }
    _read() {
        // Data flows only through pipe(), which knows when the socket is done with each buffer.
    }
    _destroy(error, callback) {
        this.stop?.(error ?? new Error('the part body was destroyed before it was sent'));
        callback(error);
    }
    pipe(destination) {
        if (this.started)
            throw new Error('a PartBody can be piped only once');
        this.started = true;
        this.send(destination, error => {
            // The request carries the error to the SDK; the body itself has no 'error' listener.
            if (error)
                destination.destroy?.(error);
            else
                this.onSent?.();
            this.destroy();
        });
        return destination;
    }
    send(destination, done) {
        this.stop = pipeRange(destination, {
            source: this.source,
            start: this.start,
            end: this.end,
            buffers: PART_BUFFERS,
            what: 'the part',
            onChunk: chunk => {
                this.sent += chunk.length;
                this.onBytes?.(chunk.length);
            }
        }, error => {
            this.stop = undefined;
            done(error);
        });
    }
}

;// CONCATENATED MODULE: ./src/s3/s3-sweep.ts


/** One request of the clean-up may take this long before it is given up (and retried). */
const CALL_TIMEOUT_MS = 10_000;
/** ... once the job is being cancelled: the runner gives a cancelled step only seconds. */
const CANCELLING_CALL_TIMEOUT_MS = 2_000;
/** A guard against a listing that never ends (1,000 uploads a page). */
const s3_sweep_MAX_PAGES = 50;
/** What stays behind, and what a user can do about it: the upload is in One Codex's bucket. */
const LEFT_OPEN = 'its parts kept (billed storage) until a lifecycle rule removes them. Nothing in the workflow needs to change; if this repeats, tell One Codex support the key and upload ID so they can abort it.';
/**
 * True unless `error` is S3 refusing the request (a 4xx answer): a 5xx, a reset or a timeout
 * may come after S3 created the upload.
 */
function mayHaveCreated(error) {
    return !(error instanceof UploadError && error.status !== undefined && error.status < 500);
}
/**
 * AbortMultipartUpload of the upload the file used, once its upload failed or the job was
 * cancelled: S3 keeps (and bills) the parts of an upload that is neither completed nor aborted.
 * Retried under the policy like any request, also on cancellation; what cannot be aborted is a
 * warning naming the upload and its key. Never throws.
 */
async function abortUpload(name, uploadId, options) {
    const { key, say, warn } = options;
    try {
        await abortOne(`${name}: AbortMultipartUpload`, uploadId, options);
        say(`${name}: aborted the multipart upload (S3 keeps no part of it).`);
    }
    catch (error) {
        warn(`${name}: could not abort its multipart upload ${uploadId} of key ${key} (${reasonOf(error)}); it is left open in One Codex's bucket, ${LEFT_OPEN}`);
    }
}
/** Aborts the open multipart uploads of `key` other than `keep`; never throws. */
async function abortExtraUploads(name, options) {
    const { key, keep, warn, say } = options;
    let open;
    try {
        open = await openUploads(name, options);
    }
    catch (error) {
        warn(`${name}: CreateMultipartUpload lost an answer and may have opened a multipart upload that nothing completes; listing the open uploads to abort it failed (${reasonOf(error)}). An open multipart upload of ${name} (key ${key}) may be left in One Codex's bucket, ${LEFT_OPEN}`);
        return;
    }
    const extra = open.filter(id => id !== keep);
    if (extra.length === 0) {
        say(`${name}: CreateMultipartUpload lost an answer; no extra multipart upload was left open.`);
        return;
    }
    const failed = [];
    for (const uploadId of extra) {
        try {
            await abortOne(`${name}: AbortMultipartUpload of an extra upload`, uploadId, options);
        }
        catch (error) {
            failed.push(`upload ${uploadId} of key ${key} (${reasonOf(error)})`);
        }
    }
    const count = `${extra.length} extra multipart upload${extra.length === 1 ? '' : 's'}`;
    say(`${name}: CreateMultipartUpload lost an answer and left ${count} open; aborted ${extra.length - failed.length} of them.`);
    if (failed.length > 0)
        warn(`${name}: could not abort ${failed.length} of the ${count} a retried CreateMultipartUpload left open: ${failed.join('; ')}. They stay open in One Codex's bucket, ${LEFT_OPEN}`);
}
/** One AbortMultipartUpload under the policy; an upload already gone counts as aborted. */
function abortOne(what, uploadId, options) {
    const { calls, key } = options;
    return attempt(what, signal => calls.abortMultipartUpload({ key, uploadId }, what, signal).catch(error => {
        // Already gone (aborted or completed by someone else): nothing left to do.
        if (error instanceof UploadError && error.code === 'NoSuchUpload')
            return;
        throw error;
    }), options);
}
/** The IDs of the open uploads of exactly `key`, every page followed. */
async function openUploads(name, options) {
    const { calls, key } = options;
    const what = `${name}: ListMultipartUploads`;
    const ids = [];
    let marker;
    for (let page = 0; page < s3_sweep_MAX_PAGES; page++) {
        const from = marker;
        const listed = await attempt(what, signal => calls.listMultipartUploads(key, from, what, signal), options);
        // The prefix also matches longer keys ("x.fq" and "x.fq.1"): only the exact key counts.
        for (const upload of listed.uploads)
            if (upload.key === key)
                ids.push(upload.uploadId);
        const next = listed.next;
        // Keys are listed in order and `key` sorts before every longer key with it as prefix: once
        // the next page starts past `key`, no upload of `key` is left to list.
        if (!next || next.keyMarker !== key)
            return ids;
        if (from && next.uploadIdMarker === from.uploadIdMarker)
            return ids;
        marker = next;
    }
    return ids;
}
/**
 * `once` under the retry policy, each call given up after its own timeout (a stalled request
 * is retried like a reset, not the end of the clean-up). The job's cancellation does not cut
 * the retries short (cleaning up is what is left to do) but shortens each call's timeout.
 */
function attempt(what, once, { retry, signal, callTimeoutMs }) {
    return retry.execute(what, async () => {
        const limit = callTimeoutMs ?? CALL_TIMEOUT_MS;
        const ms = signal?.aborted ? Math.min(limit, CANCELLING_CALL_TIMEOUT_MS) : limit;
        const timeout = AbortSignal.timeout(ms);
        try {
            return await once(timeout);
        }
        catch (error) {
            if (!timeout.aborted)
                throw error;
            throw new UploadError(`${what} got no answer within ${formatDuration(ms)}.`, {
                code: 'ETIMEDOUT'
            });
        }
    });
}
/** Why a call failed, in a few words (an AccessDenied is most likely the keys' scope). */
function reasonOf(error) {
    if (error instanceof UploadError && (error.code === 'AccessDenied' || error.status === 403))
        return `S3 answered ${error.code ?? 'HTTP 403'}: the temporary upload keys may not allow it`;
    return error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
}

;// CONCATENATED MODULE: ./src/s3/s3-part-size.ts
/**
 * How a file is cut into the parts of an S3 multipart upload, and how many go at once.
 */

const s3_part_size_MiB = 1024 * 1024;
/**
 * Smallest part size the route uses: 32 MiB, measured. Under a 100 MB/s-per-connection cap
 * (`npm run bench`, WAN profile, 2 GiB, 8 parts in flight) 16 MiB parts reached 5.4-5.9x one
 * `curl -F` and kept 6.4-7.0 of the 8 connections busy: the gap between one part's end and the
 * next one's first byte is paid per part. 32 MiB parts reached 6.2x with 7.5 busy. Still small
 * enough that a part lost to a reset costs well under a second to send again at that speed, and
 * parts are streamed, so memory does not grow with them. Files over 312 GiB get bigger parts so
 * they stay within 10,000 parts.
 */
const DEFAULT_MIN_PART_BYTES = 32 * s3_part_size_MiB;
/**
 * Parts of one file in flight at once (one HTTP connection each). One connection rarely fills a
 * runner's uplink to S3 (TCP windows, per-connection throttling on S3's side); eight do, and
 * with the default `concurrency` of 4 samples that is at most 32 connections. `npm run bench`
 * measures it.
 */
const PARTS_IN_FLIGHT = 8;
/**
 * Undocumented, test-only: the smallest part size in bytes (instead of 32 MiB), so that tests
 * get several parts out of small files. Below S3's 5 MiB minimum it is raised to 5 MiB.
 */
const PART_BYTES_ENV = 'ONECODEX_UPLOAD_PART_BYTES';
/** The minimum part size: the test-only override when it is a whole number, else 32 MiB. */
function minPartBytesFromEnv(env = process.env) {
    const raw = env[PART_BYTES_ENV]?.trim();
    if (raw === undefined || !/^\d+$/.test(raw))
        return DEFAULT_MIN_PART_BYTES;
    return Math.max(MIN_PART_BYTES, Number(raw));
}
/**
 * The part size for a file of `size` bytes: `max(minimum, ceil(size / 10,000))` rounded up to a
 * whole MiB, so that no file up to S3's 5 TiB object limit needs more than 10,000 parts (5 TiB
 * gives 525 MiB parts, within S3's 5 GiB part limit).
 */
function partBytesFor(size, minimum = DEFAULT_MIN_PART_BYTES) {
    if (!Number.isSafeInteger(size) || size < 1)
        throw new RangeError(`invalid file size ${size}`);
    if (size > MAX_OBJECT_BYTES)
        throw new RangeError(`${size} bytes is more than S3's ${MAX_OBJECT_BYTES}-byte object limit`);
    const floor = Math.max(MIN_PART_BYTES, minimum);
    const bytes = Math.ceil(Math.max(floor, Math.ceil(size / MAX_PARTS)) / s3_part_size_MiB) * s3_part_size_MiB;
    return Math.min(bytes, MAX_PART_BYTES);
}
/** Once 1/partsInFlight of what is left is under this (8 MiB), the rest is one last round. */
const FINAL_ROUND_BELOW = 8 * s3_part_size_MiB;
/**
 * The parts of a file of `size` bytes sent `partsInFlight` at a time with parts of `partBytes`
 * (partBytesFor): numbered from 1 in byte order, contiguous, computed once, up front, so a retry
 * re-sends exactly the range it had, and CompleteMultipartUpload lists the same plan.
 *
 * The point is that the last parts end together, so no connection idles while others finish:
 * - A file of at most `partsInFlight` × `partBytes` is one round: `partsInFlight` equal parts
 *   (fewer when they would be under S3's 5 MiB): 64 MiB goes as 8 parts of 8 MiB, not 2 of 32.
 * - A bigger one is sent in parts of `partBytes` while at least `partsInFlight` such parts
 *   remain; then each next part carries 1/`partsInFlight` of what is left (in whole MiB), so
 *   the parts get shorter towards the end; once that share would be under 8 MiB, the rest is one
 *   last round of at most `partsInFlight` equal parts of at least 5 MiB. The parts that start
 *   last are the shortest, and whichever connection is free first takes the next one. A 2 GiB
 *   file with 32 MiB parts: 57 of 32 MiB, then 28, 25, 22, 19, 17, 15, 13, 11, 10, 8, then 8 of
 *   7 MiB (75 parts instead of 64).
 * In a model of 8 connections each at its own pace (±10 %), taking the next part as they come
 * free (as sendParts does) with 5 ms lost per part, the transfer ends 3.0 % after the ideal for
 * 2 GiB (7.4 % with equal parts), 10 % for 200 MiB (40 %), 14 % for 64 MiB (4.2x: 2 parts).
 * Every part but the last is at least 5 MiB and at most `partBytes`; when `partBytes` leaves no
 * room to shorten (the 5 MiB minimum), or the plan would pass S3's
 * 10,000 parts, the file is cut in equal parts of `partBytes` (partRanges).
 */
function planParts(size, partBytes, partsInFlight) {
    const slots = Math.max(1, Math.floor(partsInFlight));
    const lengths = [];
    let left = size;
    if (size > slots * partBytes) {
        for (;;) {
            const share = Math.ceil(left / slots / s3_part_size_MiB) * s3_part_size_MiB;
            if (share < FINAL_ROUND_BELOW)
                break;
            const length = Math.min(partBytes, share);
            lengths.push(length);
            left -= length;
        }
    }
    const round = lastRound(left, partBytes, slots);
    if (!round || lengths.length + round.length > MAX_PARTS)
        return partRanges(size, partBytes);
    lengths.push(...round);
    const parts = [];
    let start = 0;
    for (const [i, length] of lengths.entries()) {
        parts.push({ number: i + 1, start, end: start + length });
        start += length;
    }
    return parts;
}
/**
 * `bytes` as at most `slots` parts of 5 MiB to `partBytes`, whole MiB but the last (which takes
 * what is left under a MiB); undefined when no count of parts fits those bounds.
 */
function lastRound(bytes, partBytes, slots) {
    const fewest = Math.ceil(bytes / partBytes);
    const most = Math.floor(bytes / MIN_PART_BYTES);
    if (fewest > most)
        return undefined;
    const count = Math.max(fewest, Math.min(slots, most));
    const base = Math.floor(bytes / count / s3_part_size_MiB) * s3_part_size_MiB;
    // Whole MiB left over go one each to the first parts; the bytes under a MiB to the last.
    const extra = Math.floor((bytes - count * base) / s3_part_size_MiB);
    const lengths = Array.from({ length: count }, (_, i) => base + (i < extra ? s3_part_size_MiB : 0));
    lengths[count - 1] += bytes - count * base - extra * s3_part_size_MiB;
    return lengths;
}
/** The parts of a file of `size` bytes cut in `partBytes` pieces (the last one may be shorter). */
function partRanges(size, partBytes) {
    const count = Math.ceil(size / partBytes);
    if (count > MAX_PARTS)
        throw new RangeError(`${count} parts of ${partBytes} bytes exceed S3's ${MAX_PARTS}-part limit`);
    const parts = [];
    for (let i = 0; i < count; i++) {
        parts.push({ number: i + 1, start: i * partBytes, end: Math.min(size, (i + 1) * partBytes) });
    }
    return parts;
}

;// CONCATENATED MODULE: ./src/s3/s3-multipart.ts
/**
 * One file (a source: a file or lanes back to back) sent as an S3 multipart upload: parts read
 * straight from disk by byte range, several in flight, each retried on its own; the parts
 * completed in order; the scan that hashes and checks the file kept right behind the parts
 * (`pace`); on a final failure the upload aborted.
 */








/** Sends `file` to `key`; throws an UploadError after aborting the upload when it fails. */
async function sendMultipartFile(file, options) {
    const { calls, key, parts, retry, say, signal } = options;
    const name = file.filename;
    const stopped = () => new UploadError(`${name}: the upload was cancelled.`, { code: 'ABORTED', retryable: false });
    if (signal?.aborted)
        throw stopped();
    // CreateMultipartUpload is not idempotent: an attempt whose answer was lost may have opened an
    // upload the retry then duplicates. Only then are the key's open uploads swept at the end.
    let uncertain = false;
    const sweep = (keep) => abortExtraUploads(name, {
        calls,
        key,
        keep,
        retry,
        say,
        warn: options.warn ?? core/* warning */.$e,
        signal
    });
    let uploadId;
    try {
        uploadId = await retry.execute(`${name}: CreateMultipartUpload`, () => calls.createMultipartUpload(key, `${name}: CreateMultipartUpload`, signal).catch(error => {
            if (mayHaveCreated(error))
                uncertain = true;
            throw error;
        }), { signal });
    }
    catch (error) {
        if (uncertain)
            await sweep();
        throw error;
    }
    core/* debug */.Yz(`${name}: multipart upload ${uploadId} of ${parts.length} parts to key ${key}`);
    const target = { key, uploadId };
    // Stops the other parts as soon as one fails for good, or the job is cancelled.
    const local = new AbortController();
    const onCancel = () => local.abort();
    signal?.addEventListener('abort', onCancel, { once: true });
    const pace = options.pace;
    let sent;
    try {
        const etags = await sendParts(file, parts, target, pace, local, options);
        pace.allow(file.size);
        const changed = await changedSegment(file);
        if (changed)
            throw new UploadError(`${name}: ${changed}`, { retryable: false });
        await complete(name, target, etags, retry, calls, local.signal);
        sent = { bytes: file.size, parts: parts.length };
    }
    catch (error) {
        local.abort();
        const failure = signal?.aborted ? stopped() : error;
        await abortUpload(name, uploadId, {
            calls,
            key,
            retry,
            say,
            warn: options.warn ?? core/* warning */.$e,
            signal
        });
        // (the upload in use was just aborted above: the sweep leaves it alone)
        if (uncertain)
            await sweep(uploadId);
        throw failure;
    }
    finally {
        signal?.removeEventListener('abort', onCancel);
    }
    if (uncertain)
        await sweep(uploadId);
    return sent;
}
/**
 * Parts whose answer may be awaited beside the `partsInFlight` parts being sent: a part counts as
 * sending only while its body goes out; once its last byte is handed to the socket the next
 * part starts on another kept-alive connection while its answer is awaited. With the default
 * `concurrency` of 4 that is at most 4 × (8 + 8) = 64 connections, the S3 agent's limit.
 */
const PARTS_AWAITING_ANSWER = PARTS_IN_FLIGHT;
/**
 * Sends every part: at most `partsInFlight` bodies going out at once, and at most
 * PARTS_AWAITING_ANSWER more parts sent and awaiting S3's answer (or a retry's backoff). Parts
 * start in order; a retry takes the next free sending slot before any new part. Resolves with
 * the ETags in part order.
 */
async function sendParts(file, parts, target, hash, local, { calls, retry, say, partsInFlight }) {
    const name = file.filename;
    const progress = new ProgressReporter(name, file.size, say);
    const etags = new Array(parts.length);
    const sendingAtOnce = Math.max(1, Math.min(partsInFlight, parts.length));
    const sending = new Slots(sendingAtOnce);
    const started = new Slots(sendingAtOnce + Math.min(PARTS_AWAITING_ANSWER, partsInFlight));
    // Bytes of completed parts plus what each attempt in flight has handed to its request so far.
    let sent = 0;
    let failure;
    const stop = (error) => {
        failure ??= error;
        local.abort();
    };
    // One listener on the file's signal, whatever the number of parts: each part has its own
    // signal (the SDK, the retry's backoff and untilAborted listen there), aborted from here.
    const partStops = new Set();
    const onStop = () => {
        for (const controller of partStops)
            controller.abort();
        const stopped = new UploadError(`${name}: the upload was stopped.`, { retryable: false });
        sending.close(stopped);
        started.close(stopped);
    };
    local.signal.addEventListener('abort', onStop, { once: true });
    const sendPart = async (part) => {
        const what = `${name}: part ${part.number} of ${parts.length}`;
        const length = part.end - part.start;
        const partStop = new AbortController();
        partStops.add(partStop);
        try {
            const attempts = retry.execute(what, async (attempt) => {
                // The first attempt was given its sending slot when it was started.
                if (attempt > 1)
                    await sending.take(true);
                let holding = true;
                const release = () => {
                    if (holding)
                        sending.give();
                    holding = false;
                };
                let bytes = 0;
                try {
                    if (partStop.signal.aborted)
                        throw new UploadError(`${what} was stopped.`, { retryable: false });
                    const body = new PartBody(file, part.start, part.end, chunk => {
                        bytes += chunk;
                        sent += chunk;
                        progress.update(sent);
                    }, release);
                    try {
                        return await calls.uploadPart({ ...target, partNumber: part.number }, body, length, what, partStop.signal);
                    }
                    finally {
                        body.destroy();
                    }
                }
                catch (error) {
                    // What this attempt had sent is sent again by the next one.
                    sent -= bytes;
                    throw error;
                }
                finally {
                    release();
                }
            }, 
            // A backoff delay ends when the file is stopped: no timer outlives the upload.
            { signal: partStop.signal });
            // A part waiting out a backoff delay must not hold up a stop.
            const etag = await untilAborted(attempts, partStop.signal, what);
            etags[part.number - 1] = { number: part.number, etag };
        }
        catch (error) {
            stop(error);
        }
        finally {
            partStops.delete(partStop);
            started.give();
        }
    };
    const running = [];
    // The heartbeat ("0 B/s for 30 s, waiting") runs while the parts are in flight.
    progress.start();
    try {
        for (const part of parts) {
            if (failure !== undefined || local.signal.aborted)
                break;
            try {
                await started.take(false);
                // Never let the ordered hash fall so far behind that it reads from disk again.
                await hash.lagBehind(part.start);
                await sending.take(false);
            }
            catch (error) {
                stop(error);
                break;
            }
            hash.allow(part.end);
            running.push(sendPart(part));
        }
        await Promise.all(running);
    }
    finally {
        progress.stop();
        local.signal.removeEventListener('abort', onStop);
    }
    if (failure !== undefined)
        throw failure;
    if (local.signal.aborted)
        throw new UploadError(`${name}: the upload was cancelled.`);
    return etags;
}
/**
 * A counted set of slots, handed out first come first served, `urgent` takers (a part's retry)
 * before the others. close() refuses every taker, waiting or to come.
 */
class Slots {
    free;
    queue = [];
    closed;
    constructor(free) {
        this.free = free;
    }
    take(urgent) {
        if (this.closed)
            return Promise.reject(this.closed);
        if (this.free > 0 && this.queue.length === 0) {
            this.free--;
            return Promise.resolve();
        }
        return new Promise((grant, refuse) => {
            const waiter = { urgent, grant, refuse };
            const at = urgent ? this.queue.findIndex(w => !w.urgent) : -1;
            if (at < 0)
                this.queue.push(waiter);
            else
                this.queue.splice(at, 0, waiter);
        });
    }
    give() {
        const next = this.queue.shift();
        if (next)
            next.grant();
        else
            this.free++;
    }
    close(error) {
        this.closed ??= error;
        for (const waiter of this.queue.splice(0))
            waiter.refuse(this.closed);
    }
}
/** `promise`, or a rejection as soon as `signal` aborts (the promise is left to settle alone). */
function untilAborted(promise, signal, what) {
    promise.catch(() => undefined);
    if (signal.aborted)
        return Promise.reject(new UploadError(`${what} was stopped.`, { retryable: false }));
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(new UploadError(`${what} was stopped.`, { retryable: false }));
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then(value => {
            signal.removeEventListener('abort', onAbort);
            resolve(value);
        }, error => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
        });
    });
}
/**
 * CompleteMultipartUpload with the ETags in order. When an attempt's answer was lost, the next
 * one finds the upload gone (NoSuchUpload): nothing else ends an upload we never aborted, so
 * that means the first attempt completed it.
 */
async function complete(name, target, parts, retry, calls, signal) {
    const what = `${name}: CompleteMultipartUpload`;
    await retry.execute(what, async (attempt) => {
        try {
            await calls.completeMultipartUpload(target, parts, what, signal);
        }
        catch (error) {
            if (attempt > 1 && error instanceof UploadError && error.code === 'NoSuchUpload')
                return;
            throw error;
        }
    }, { signal });
}
/**
 * "64 parts of 32 MiB, 8 at a time", or "75 parts of 32 MiB down to 7 MiB, 8 at a time" when the
 * plan shortens its last parts, for the line that starts a file.
 */
function describeParts(parts, partsInFlight) {
    const count = parts.length;
    const at = Math.min(count, partsInFlight);
    const lengths = parts.map(part => part.end - part.start);
    // The last part is whatever is left: it does not count for the sizes shown.
    const sized = count > 1 ? lengths.slice(0, -1) : lengths;
    const largest = Math.max(...sized);
    const smallest = Math.min(...sized);
    const each = smallest === largest ? size(largest) : `${size(largest)} down to ${size(smallest)}`;
    return `${count} part${count === 1 ? '' : 's'} of ${each}, ${at} at a time`;
}
function size(bytes) {
    const MiB = 1024 * 1024;
    return bytes % MiB === 0 ? `${bytes / MiB} MiB` : formatBytes(bytes);
}

;// CONCATENATED MODULE: ./src/upload/routes/multipart-route.ts











/** S3 bucket names (legacy us-east-1 ones too), never an ARN or anything with a `/` or `:`. */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;
const MAX_KEY_BYTES = 1024;
/**
 * The route One Codex's own client takes for big files: init_multipart_upload → an S3 multipart
 * upload of each source with the temporary keys it hands out (for a pair R2 first, to
 * `paired_end_file_id`, then R1 to `file_id`) → one POST to its `callback_url` on the API host,
 * which answers with the sample_id. The API key goes to the API only, the S3 keys to S3 only.
 */
class MultipartRoute {
    options;
    connections;
    warned = false;
    /** Aborted by dispose(): the run is over (or torn down on cancellation). */
    stop = new AbortController();
    constructor(options = {}) {
        this.options = options;
    }
    async send(sample, context) {
        const { api, retry, secrets, settings } = context;
        const name = sampleLabel(sample);
        const endpoint = this.endpoint(name);
        // The SDK's chunk loads while init_multipart_upload is under way (if not yet loaded).
        preloadS3Sdk();
        const init = await retry.execute(`${name}: init_multipart_upload`, () => api.initMultipartUpload(buildMultipartInitBody(sample, settings), name), { signal: context.signal });
        // The temporary keys: masked and scrubbed before anything else can print them.
        for (const secret of [init.accessKeyId, init.secretAccessKey]) {
            core/* setSecret */.Pq(secret);
            secrets.push(secret);
        }
        context.onCreated(init.sampleId);
        // Refuse a bad answer before sending a single byte of either mate.
        const refuse = (reason) => new UploadError(`init_multipart_upload for ${name} ${reason}`, { retryable: false });
        if (!BUCKET_NAME.test(init.bucket))
            throw refuse(`answered with s3_bucket "${init.bucket.slice(0, 80)}", not a bucket name.`);
        const targets = [];
        if (sample.mate)
            targets.push([sample.mate, init.pairedEndFileId ?? '']);
        targets.push([sample.file, init.fileId]);
        for (const [, key] of targets) {
            if (Buffer.byteLength(key) > MAX_KEY_BYTES)
                throw refuse(`answered with an object key longer than S3's ${MAX_KEY_BYTES} bytes.`);
        }
        if (apiPathOf(init.callbackUrl, settings.apiUrl) === undefined)
            throw refuse(`answered with callback_url "${init.callbackUrl.slice(0, 200)}", which is not a path on the API host: the API key goes nowhere else.`);
        const linked = linkSignals(context.signal, this.stop.signal);
        try {
            return await this.transfer(sample, context, init, targets, endpoint, linked.signal);
        }
        finally {
            linked.release();
        }
    }
    /** The S3 part of send(): every file, then the callback. */
    async transfer(sample, { api, retry, say, warn, secrets, gate }, init, targets, endpoint, signal) {
        const name = sampleLabel(sample);
        const calls = await this.connectionsFor(endpoint).calls({ accessKeyId: init.accessKeyId, secretAccessKey: init.secretAccessKey }, init.bucket, secrets);
        const partsInFlight = this.options.partsInFlight ?? PARTS_IN_FLIGHT;
        const minPartBytes = this.options.minPartBytes ?? minPartBytesFromEnv(this.options.env);
        for (const [file, key] of targets) {
            gate.throwIfFailed();
            const parts = planParts(file.size, partBytesFor(file.size, minPartBytes), partsInFlight);
            say(`${file.filename}: S3 multipart upload of ${formatBytes(file.size)} in ${describeParts(parts, partsInFlight)}.`);
            const started = Date.now();
            const sent = await sendMultipartFile(file, {
                pace: gate.pace(file),
                calls,
                key,
                parts,
                partsInFlight,
                retry,
                say,
                // Scrubbed of the temporary keys whatever the caller passed (or core.warning).
                warn: line => (warn ?? core/* warning */.$e)(redactText(line, secrets)),
                signal
            }).catch((error) => {
                throw gate.explain(error);
            });
            const ms = Date.now() - started;
            say(`${file.filename}: sent ${formatBytes(sent.bytes)} in ${formatDuration(ms)} (${formatRate(sent.bytes, ms)}), ${sent.parts} part${sent.parts === 1 ? '' : 's'}.`);
        }
        // The callback (which completes the sample) only once every file passed the check and the
        // pair rule: a completed S3 object of a bad file is never handed to One Codex.
        const verdict = await gate.verdict(sample);
        const body = { s3_path: `s3://${init.bucket}/${init.fileId}`, filename: sample.file.filename };
        const answered = await retry.execute(`${name}: callback`, () => api.callback(init.callbackUrl, body, name), { signal });
        if (answered !== undefined && answered !== init.sampleId)
            say(`${name}: the callback answered with sample ${answered} (init_multipart_upload had named ${init.sampleId}).`);
        return { sampleId: answered ?? init.sampleId, ...verdict };
    }
    dispose() {
        this.stop.abort();
        this.connections?.dispose();
        this.connections = undefined;
    }
    /** AWS_ENDPOINT_URL_S3's origin (warned about once), or undefined for AWS itself. */
    endpoint(name) {
        const choice = s3EndpointChoice(this.options.env);
        if (choice.problem)
            throw new UploadError(`${name}: ${choice.problem}`, { retryable: false });
        if (choice.url && !this.warned) {
            this.warned = true;
            core/* warning */.$e(`${S3_ENDPOINT_ENV} is set: multipart uploads go to ${new URL(choice.url).host} instead of AWS S3, and so do the temporary upload keys One Codex hands out. Unset it unless that host is meant to receive them.`);
        }
        return choice.url;
    }
    connectionsFor(endpoint) {
        this.connections ??= new S3Connections({
            socketTimeoutMs: this.options.socketTimeoutMs,
            endpoint
        });
        return this.connections;
    }
}
/**
 * Starts loading what the multipart route needs (the S3 SDK) when any of `samples` takes it, so
 * that it overlaps the requests before the first S3 call; nothing for a standard-only run.
 */
function prepareMultipartRoute(samples) {
    if (samples.some(sample => sample.route === 'multipart'))
        preloadS3Sdk();
}
/** A signal that aborts when any of `signals` does; `release` drops its listeners. */
function linkSignals(...signals) {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const sources = signals.filter((s) => s !== undefined);
    for (const source of sources) {
        if (source.aborted)
            controller.abort();
        else
            source.addEventListener('abort', abort, { once: true });
    }
    return {
        signal: controller.signal,
        release: () => {
            for (const source of sources)
                source.removeEventListener('abort', abort);
        }
    };
}

;// CONCATENATED MODULE: ./src/onecodex/cancel.ts

/** Rejects (well, resolves to `fallback`) once `deadline` (epoch ms) passes. */
function withDeadline(work, deadline, fallback) {
    if (deadline === undefined)
        return work;
    let timer;
    const late = new Promise(resolve => {
        timer = setTimeout(() => resolve(fallback()), Math.max(0, deadline - Date.now()));
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
/**
 * cancel_upload for `sampleId`, retried under `retry`, best effort: never throws. "Upload
 * already successful" is not a failure. `deadline` bounds the whole attempt (job cancellation).
 */
async function cancelSample(api, retry, sampleId, what, deadline) {
    const work = retry
        .execute(`${what}: cancel_upload of sample ${sampleId}`, () => api.cancelUpload(sampleId, what))
        .then((outcome) => ({ outcome }), (error) => ({
        outcome: 'failed',
        error: error instanceof Error ? error.message : String(error)
    }));
    return withDeadline(work, deadline, () => ({
        outcome: 'failed',
        error: `cancel_upload of sample ${sampleId} did not finish in time`
    }));
}
/** Parses One Codex's `created_at`; a time without a zone is taken as UTC. NaN when unreadable. */
function parseCreatedAt(text) {
    if (!text)
        return NaN;
    const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text.trim()) ? text.trim() : `${text.trim()}Z`;
    return Date.parse(zoned);
}
/** Allowance for created_at being rounded (to the second) on One Codex's side. */
const CREATED_AT_SLACK_MS = 1000;
/**
 * The orphans among `listed`: samples with the filename, awaiting data, created since the
 * sample's first init request (on One Codex's clock, offset estimated from the kept sample
 * when it is listed), other than the one kept. Samples from before the step are never orphans.
 */
function findOrphans(listed, query) {
    const kept = listed.find(item => item.sampleId === query.keep);
    const keptCreated = parseCreatedAt(kept?.createdAt);
    // created_at is One Codex's clock; the kept sample was created before its answer arrived, so
    // this offset is at most the true one: the window below can only grow, never miss an orphan.
    const offset = query.keptAnsweredAt !== undefined && Number.isFinite(keptCreated)
        ? Math.min(0, keptCreated - query.keptAnsweredAt)
        : 0;
    const since = query.initStartedAt + offset - CREATED_AT_SLACK_MS;
    return listed.filter(item => {
        if (item.sampleId === query.keep || item.filename !== query.filename)
            return false;
        if (item.visibility !== AWAITING_DATA)
            return false;
        const created = parseCreatedAt(item.createdAt);
        return Number.isFinite(created) && created >= since;
    });
}

;// CONCATENATED MODULE: ./src/upload/routes/multipart-body.ts




/** Buffers cycling between the file and the socket: the body's whole memory footprint. */
const BUFFERS_IN_FLIGHT = 4;
/** Quotes a name for Content-Disposition as browsers do (WHATWG: `"` → %22, CR/LF escaped). */
function quoted(value) {
    return `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;
}
/**
 * A multipart/form-data body for an S3-style POST upload (every field, then the file last) that
 * streams the file from disk into the request through a few reused buffers, letting the scan that
 * hashes and checks the file (`pace`) read each chunk right after it. Nothing is copied or allocated per chunk, so memory stays flat whatever the
 * file size and the garbage collector has nothing to do.
 *
 * It must be piped (`body.pipe(request)`, as HttpClient.request does): the pipe reuses a
 * buffer only after the request's write callback said the socket has taken its bytes. The pipe
 * ends the destination itself, then emits 'close'. On failure (the file shrank, a read failed,
 * the request closed early) the body is destroyed with the error.
 */
class MultipartFileBody extends external_node_stream_.Readable {
    file;
    onProgress;
    pace;
    boundary = `--------------------------${(0,external_node_crypto_.randomBytes)(12).toString('hex')}`;
    /** Exact byte length of the whole body: the request's Content-Length. */
    length;
    /** Bytes of the file read and handed to the request so far. */
    sent = 0;
    /**
     * Set when sending failed because of the source itself (a file missing, unreadable or shorter
     * than planned), not because of the request: no other attempt can fix that.
     */
    sourceError;
    head;
    tail;
    started = false;
    stop;
    constructor(fields, file, onProgress, 
    /** The scan that follows the body's reads (it hashes the file off the main thread). */
    pace) {
        super();
        this.file = file;
        this.onProgress = onProgress;
        this.pace = pace;
        let head = '';
        for (const [name, value] of Object.entries(fields)) {
            head += `--${this.boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${value}\r\n`;
        }
        head +=
            `--${this.boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoted(file.filename)}\r\n` +
                'Content-Type: application/octet-stream\r\n\r\n';
        this.head = Buffer.from(head, 'utf8');
        this.tail = Buffer.from(`\r\n--${this.boundary}--\r\n`, 'utf8');
        this.length = this.head.length + file.size + this.tail.length;
    }
    /** Content-Type and Content-Length of this body. */
    getHeaders() {
        return {
            'content-type': `multipart/form-data; boundary=${this.boundary}`,
            'content-length': String(this.length)
        };
    }
    _read() {
        // Data flows only through pipe(), which knows when the socket is done with each buffer.
    }
    _destroy(error, callback) {
        this.stop?.(error ?? new Error('the upload body was destroyed before it was sent'));
        callback(error);
    }
    pipe(destination) {
        if (this.started)
            throw new Error('a MultipartFileBody can be piped only once');
        this.started = true;
        this.send(destination, error => {
            if (error) {
                this.destroy(error);
                destination.destroy?.(error);
            }
            else {
                this.destroy();
            }
        });
        return destination;
    }
    /** Head, source, tail into `destination`; at most one read and BUFFERS_IN_FLIGHT writes at once. */
    send(destination, done) {
        this.stop = pipeRange(destination, {
            source: this.file,
            start: 0,
            end: this.file.size,
            buffers: BUFFERS_IN_FLIGHT,
            head: this.head,
            tail: this.tail,
            what: 'the body',
            onChunk: chunk => {
                this.sent += chunk.length;
                this.pace?.allow(this.sent);
                this.onProgress?.(this.sent);
            },
            onSourceError: error => {
                this.sourceError = error;
            }
        }, error => {
            this.stop = undefined;
            done(error);
        });
    }
}

;// CONCATENATED MODULE: ./src/upload/routes/storage-upload.ts






/**
 * The storage refused the form because its policy expired (S3: 403 AccessDenied "Invalid
 * according to Policy: Policy expired."). Sending the same form again cannot succeed: only a
 * fresh init_upload can.
 */
class ExpiredPolicyError extends UploadError {
}
/** True for storage's answer to a form whose policy expired. */
function isExpiredPolicyAnswer(status, body) {
    return status === 403 && /policy expired/i.test(body);
}
/**
 * Streams files to object storage as multipart/form-data POSTs (S3 browser-upload style).
 * Sends no Authorization or API-key header, follows no redirect (a consumed stream cannot be
 * replayed), and sets the exact Content-Length (S3 refuses chunked bodies). Connections are kept
 * alive and go through HTTPS_PROXY unless NO_PROXY exempts the host; a transfer on which no byte
 * moves for the socket timeout is aborted with a retryable error.
 */
class StorageClient {
    http;
    constructor(options = {}) {
        this.http = createHttpClient(options.socketTimeoutMs);
    }
    /**
     * Sends `file` to `target` once, from byte 0 (call again to retry: the file is re-opened).
     * `onProgress` receives the bytes read into the request so far.
     */
    async upload(target, file, onProgress, options = {}) {
        const what = `Storage upload of ${file.filename}`;
        const reason = insecureUrlReason(target.url, 'upload_url');
        if (reason)
            throw new UploadError(`${what} refused: ${reason}`, { retryable: false });
        const expected = expectedStatuses(target.fields);
        const form = new MultipartFileBody(target.fields, file, onProgress, options.pace);
        let request;
        // The body destroys the request itself when it fails; its error is read from it below.
        form.on('error', () => undefined);
        let status;
        let body;
        let responseHeaders;
        try {
            const response = await this.http.request('POST', target.url, form, form.getHeaders(), {
                signal: options.signal
            });
            request = response.request;
            status = response.message.statusCode ?? 0;
            responseHeaders = response.message.headers;
            body = await readBodyText(response.message);
        }
        catch (error) {
            form.destroy();
            if (form.sourceError)
                throw new UploadError(`${what} failed: ${form.sourceError.message}`, {
                    code: form.sourceError.code,
                    retryable: false
                });
            throw networkError(what, stallErrorOf(request) ?? error);
        }
        if (!expected.includes(status)) {
            // An early answer (e.g. 403) may come while the body is still being sent: stop sending.
            request.destroy();
            form.destroy();
            if (status >= 300 && status < 400)
                throw new UploadError(`${what} was redirected (HTTP ${status}); redirects are not followed for uploads.`, { status, retryable: false });
            if (status >= 200 && status < 300)
                throw new UploadError(`${what} answered HTTP ${status}, expected ${expected.join(' or ')} (success_action_status).`, { status, retryable: false });
            if (isExpiredPolicyAnswer(status, body)) {
                const error = httpError(what, status, body, responseHeaders, {
                    hint: 'The upload form from init_upload expired before storage accepted the file.'
                });
                throw new ExpiredPolicyError(error.message, {
                    status,
                    code: error.code,
                    retryable: false
                });
            }
            throw httpError(what, status, body, responseHeaders, {
                hint: status === 403
                    ? 'The storage refused the signed upload form (expired or mismatched policy).'
                    : undefined
            });
        }
        if (form.sourceError)
            throw new UploadError(`${what} failed: ${form.sourceError.message}`, { retryable: false });
        const sent = form.sent;
        if (sent !== file.size)
            throw new UploadError(`${what}: storage answered HTTP ${status} after ${sent} of ${file.size} bytes.`, { status, retryable: false });
        const changed = await changedSegment(file);
        if (changed)
            throw new UploadError(`${what}: ${changed}`, { retryable: false });
        return { bytes: sent, status };
    }
    dispose() {
        this.http.dispose();
    }
}
/** The success status(es): success_action_status when given (S3 honours 200/201/204), else 200/204. */
function expectedStatuses(fields) {
    const raw = fields['success_action_status'];
    if (raw !== undefined && /^(200|201|204)$/.test(raw.trim()))
        return [Number(raw.trim())];
    return [200, 204];
}

;// CONCATENATED MODULE: ./src/upload/routes/standard-route.ts










/**
 * One Codex's documented route: init_upload → one multipart/form-data POST of each source to
 * the storage URL it hands out (R1, then R2) → confirm_upload. When storage refuses a form
 * because its policy expired, the sample is cancelled and init_upload asked once more.
 */
class StandardRoute {
    storage;
    idleLineEveryMs;
    /**
     * `socketTimeoutMs`: a transfer on which no byte moved for this long is aborted and retried
     * (default 120 s). `idleLineEveryMs`: how often a stalled transfer says so (default 30 s).
     */
    constructor(options = {}) {
        this.storage = new StorageClient({ socketTimeoutMs: options.socketTimeoutMs });
        this.idleLineEveryMs = options.idleLineEveryMs;
    }
    async send(sample, context) {
        const { api, retry, say, secrets, settings } = context;
        const name = sampleLabel(sample);
        const body = buildInitBody(sample, settings);
        // A form whose policy expired cannot succeed however often it is sent: one fresh
        // init_upload per sample replaces it (the abandoned sample is cancelled), never more.
        for (let round = 1;; round++) {
            const init = await retry.execute(`${name}: init_upload`, () => api.initUpload(body, name), {
                signal: context.signal
            });
            secrets.push(...sensitiveValues(init.fields), ...sensitiveValues(init.pairedEndFields ?? {}));
            context.onCreated(init.sampleId);
            try {
                await this.sendSources(sample, init, context);
            }
            catch (error) {
                if (round > 1 || !(error instanceof ExpiredPolicyError))
                    throw error;
                // A pre-uploaded sample (sample-id, external-sample-id) is the user's: init_upload
                // matches it again with a fresh form, and it must not be cancelled.
                const preuploaded = body.sample_id !== undefined || body.external_sample_id !== undefined;
                if (preuploaded) {
                    say(`${name}: storage refused the upload form of sample ${init.sampleId} because its policy expired; asking init_upload for a fresh form (once).`);
                    continue;
                }
                say(`${name}: storage refused the upload form of sample ${init.sampleId} because its policy expired; cancelling that sample and asking init_upload for a fresh form (once).`);
                const cancelled = await cancelSample(api, retry, init.sampleId, name);
                if (cancelled.outcome === 'failed')
                    say(`${name}: cancel_upload of the abandoned sample ${init.sampleId} failed (${cancelled.error}); it may be left awaiting data in One Codex.`);
                continue;
            }
            // Confirmed only once every file passed the check (and the pair rule).
            const verdict = await context.gate.verdict(sample);
            await retry.execute(`${name}: confirm_upload`, () => api.confirmUpload(init.sampleId, name), {
                signal: context.signal
            });
            return { sampleId: init.sampleId, ...verdict };
        }
    }
    /**
     * The storage POST of each source (R1, then R2) with init's forms, each followed by its scan
     * (the sha256, the check); stopped as soon as a file failed the check.
     */
    async sendSources(sample, init, context) {
        const { retry, say, gate } = context;
        const signal = context.signal ? AbortSignal.any([context.signal, gate.signal]) : gate.signal;
        // Refuse an insecure destination before sending a single byte of either mate.
        const targets = [
            [sample.file, { url: init.uploadUrl, fields: init.fields }]
        ];
        if (sample.mate)
            targets.push([
                sample.mate,
                { url: init.pairedEndUploadUrl ?? '', fields: init.pairedEndFields ?? {} }
            ]);
        for (const [file, target] of targets) {
            const reason = insecureUrlReason(target.url, file === sample.mate ? 'paired_end_upload_url' : 'upload_url');
            if (reason)
                throw new UploadError(`${file.filename}: ${reason}`, { retryable: false });
        }
        for (const [file, target] of targets) {
            gate.throwIfFailed();
            const pace = gate.pace(file);
            core/* debug */.Yz(`${file.filename}: POST ${redactUrl(target.url)} with fields ${JSON.stringify(redactFields(target.fields))}`);
            const progress = new ProgressReporter(file.filename, file.size, say, {
                idleEveryMs: this.idleLineEveryMs
            });
            const fileStarted = Date.now();
            const stored = await retry
                .execute(`${file.filename}: storage upload`, async () => {
                progress.start();
                try {
                    return await this.storage.upload(target, file, sent => progress.update(sent), {
                        signal,
                        pace
                    });
                }
                finally {
                    progress.stop();
                }
            }, { signal })
                .catch((error) => {
                throw gate.explain(error);
            });
            const ms = Date.now() - fileStarted;
            say(`${file.filename}: sent ${formatBytes(stored.bytes)} in ${formatDuration(ms)} (${formatRate(stored.bytes, ms)}).`);
        }
    }
    dispose() {
        this.storage.dispose();
    }
}

;// CONCATENATED MODULE: ./src/upload/init-track.ts
// An init whose answer was lost may leave orphans: an attempt that got no answer (a 504 from a
// gateway, a connection dropped after the request was sent, the job cancelled while it was in
// flight) may still have made a sample. The route's API client counts and times its init calls;
// after such a sample, the samples left awaiting data under its name are cancelled.



/** A fresh track: no init call yet. */
const newInitTrack = () => ({ calls: 0, uncertain: 0, inFlight: 0 });
/** How many init attempts may have made a sample this run does not know of. */
function unknownOutcomes(track) {
    return track.uncertain + track.inFlight;
}
/**
 * The API client as the route sees it: the same client, but every `init*` call (init_upload,
 * init_multipart_upload) is counted, timed and its failure classified, so the uploader knows
 * when an attempt may have made a sample it never heard of.
 */
function trackInits(api, track) {
    return new Proxy(api, {
        get(target, property) {
            const value = Reflect.get(target, property, target);
            if (typeof value !== 'function')
                return value;
            const method = value;
            if (typeof property === 'string' && /^init[A-Z]/.test(property)) {
                return async (...args) => {
                    track.calls++;
                    track.call ??= property.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
                    track.firstAt ??= Date.now();
                    track.inFlight++;
                    try {
                        const answer = await method.apply(target, args);
                        track.answeredAt = Date.now();
                        return answer;
                    }
                    catch (error) {
                        if (mayHaveBeenActedOn(error))
                            track.uncertain++;
                        throw error;
                    }
                    finally {
                        track.inFlight--;
                    }
                };
            }
            return method.bind(target);
        }
    });
}
/** "once", "3 times". */
const times = (n) => (n === 1 ? 'once' : `${n} times`);
/**
 * After a sample one of whose init attempts may have made a sample without its answer
 * arriving: lists the samples with its filename and cancels those awaiting data that were
 * created since its first init, other than `keep`. When listing is impossible (or the deadline
 * comes first), warns with the count of possible orphans.
 */
async function sweepOrphans(sample, inits, keep, context) {
    const { retry, admin, say, warn, deadline } = context;
    const name = sampleLabel(sample);
    const filename = sample.file.filename;
    const call = inits.call ?? 'init_upload';
    const sent = `${call} was sent ${times(inits.calls)}${context.why ? ` ${context.why}` : ''}`;
    const possible = Math.max(1, unknownOutcomes(inits));
    const mayBeLeft = `Up to ${possible} sample${possible === 1 ? '' : 's'} named ${filename} may be left awaiting data in One Codex.`;
    const listing = await withDeadline(admin
        .listSamples({ filename }, retry, {
        label: `${name}: listing samples named ${filename} (an answer of ${call} was lost)`
    })
        .then((listed) => ({ listed }), (error) => ({ error: error instanceof Error ? error.message : String(error) })), deadline, () => ({ error: 'the clean-up time after the job was cancelled ran out' }));
    if (!('listed' in listing)) {
        warn(`${name}: ${sent} and an attempt whose answer was lost may still have created a sample; listing samples to find them failed (${listing.error}). ${mayBeLeft}`);
        return;
    }
    const { listed } = listing;
    const orphans = findOrphans(listed, {
        filename,
        keep,
        initStartedAt: inits.firstAt ?? Date.now(),
        keptAnsweredAt: keep ? inits.answeredAt : undefined
    });
    if (orphans.length === 0) {
        say(`${name}: ${sent}; no extra sample was left behind.`);
        return;
    }
    const results = await Promise.all(orphans.map(orphan => cancelSample(admin, retry, orphan.sampleId, name, deadline)));
    const left = results.flatMap((result, i) => result.outcome === 'failed' ? [`${orphans[i].sampleId} (${result.error})`] : []);
    const ids = orphans.map(o => o.sampleId).join(', ');
    say(`${name}: ${sent} and left ${orphans.length} extra sample${orphans.length === 1 ? '' : 's'} awaiting data (${ids}); cancelled ${orphans.length - left.length} of them with cancel_upload.`);
    if (left.length > 0)
        warn(`${name}: could not cancel ${left.length} extra sample${left.length === 1 ? '' : 's'} left awaiting data by ${call} whose answer was lost: ${left.join('; ')}.`);
}

;// CONCATENATED MODULE: ./src/upload/content-gate.ts
// One sample's content check, as its upload runs: a scan per file (R1 and R2 each; merged lanes
// are one source whose lane files are checked each as its own stream) right behind the upload's
// reads, giving the sha256 of every file and, with validate full, the verdict the sample's
// completion waits for. A file that fails stops the sample's transfers and is never confirmed.






/** A file of the sample failed the content check: the sample must not be confirmed. */
class ContentRejected extends UploadError {
    problem;
    /** The message without the file's name (as planning's refusals give their `rule`). */
    rule;
    constructor(problem, workspace) {
        const message = sentence(problemMessage(problem, workspace));
        super(message, { code: 'CONTENT_CHECK', retryable: false });
        this.problem = problem;
        this.name = 'ContentRejected';
        this.rule = ruleOf(message, displayPath(problem.file, workspace));
    }
}
class ContentGate {
    options;
    scans = new Map();
    results = new Map();
    controller = new AbortController();
    rejected;
    failed;
    onFailed;
    constructor(options) {
        this.options = options;
        this.failed = new Promise((_, reject) => (this.onFailed = reject));
        this.failed.catch(() => undefined);
    }
    /** Aborted as soon as a file of the sample failed the check: stop every transfer. */
    get signal() {
        return this.controller.signal;
    }
    /** The check's failure, once a file failed. */
    get failure() {
        return this.rejected;
    }
    /**
     * The pace of `source`'s upload: its scan starts (once, however often the upload is retried)
     * and follows the upload's reads. `lagBehind` rejects with a ContentRejected as soon as any
     * file of the sample failed.
     */
    pace(source) {
        const scan = this.scanOf(source);
        return {
            allow: limit => scan.allow(limit),
            lagBehind: offset => {
                if (this.rejected)
                    return Promise.reject(this.rejected);
                return Promise.race([
                    scan.lagBehind(offset).catch(error => this.explainOrThrow(error)),
                    this.failed
                ]);
            }
        };
    }
    /**
     * `error` as the sample's failure: the ContentRejected when a file failed the check (the
     * transfer was stopped because of it), else `error` itself.
     */
    explain(error) {
        if (error instanceof ContentCheckError)
            return this.reject(error.problem);
        return this.rejected ?? error;
    }
    /** Throws the check's failure if a file already failed (before sending another one). */
    throwIfFailed() {
        if (this.rejected)
            throw this.rejected;
    }
    /**
     * Waits until every source of `sample` was read whole and checked, then applies the pair rule
     * (R1 and R2 hold as many records; interleaved: an even count). Resolves with each source's
     * sha256 (and counts with validate full); throws a ContentRejected when a file failed, or the
     * read's error (a file removed or shortened while it was sent).
     */
    async verdict(sample) {
        const sources = sample.mate ? [sample.file, sample.mate] : [sample.file];
        const checked = await Promise.all(sources.map(source => this.checked(source)));
        this.throwIfFailed();
        const full = this.options.validate === 'full';
        if (!full)
            return { sha256: checked.map(c => c.sha256) };
        const counts = checked.map(c => c.counts ?? { reads: 0, bases: 0 });
        const problem = sample.mate !== undefined
            ? pairProblem({ path: sample.file.path, reads: counts[0].reads }, { path: sample.mate.path, reads: counts[1].reads })
            : this.options.interleaved
                ? interleavedProblem({ path: sample.file.path, reads: counts[0].reads })
                : undefined;
        if (problem)
            throw this.reject(problem);
        return { sha256: checked.map(c => c.sha256), counts };
    }
    /** Stops every scan still running (safe at any time, more than once). */
    close() {
        for (const scan of this.scans.values())
            scan.abort();
    }
    scanOf(source) {
        let scan = this.scans.get(source);
        if (scan)
            return scan;
        scan = startScan(source, {
            validate: this.options.validate,
            paced: true,
            ...(this.options.maxLagBytes !== undefined ? { maxLagBytes: this.options.maxLagBytes } : {})
        });
        this.scans.set(source, scan);
        // A check failed: as soon as the scan says so while it reads (this rejects then; it
        // resolves once every byte was read), or with its result (a problem at the very end).
        scan.lagBehind(Number.MAX_SAFE_INTEGER).catch(error => {
            if (error instanceof ContentCheckError)
                this.reject(error.problem);
        });
        scan.done.then(result => {
            if (result.problems.length > 0)
                this.reject(result.problems[0]);
        }, () => undefined);
        return scan;
    }
    /** `source` read to its end (the upload read it all) and checked. */
    checked(source) {
        let result = this.results.get(source);
        if (!result) {
            const scan = this.scanOf(source);
            scan.allow(source.size);
            result = scan.done.then(done => this.judge(source, done));
            this.results.set(source, result);
        }
        return result;
    }
    judge(source, result) {
        const { workspace } = this.options;
        for (const warning of result.warnings)
            this.options.warn(sentence(problemMessage(warning, workspace)));
        if (result.problems.length > 0)
            throw this.reject(result.problems[0]);
        if (result.sha256 === undefined)
            throw (this.rejected ??
                new UploadError(`${source.filename}: the check stopped before the end of the file.`, {
                    retryable: false
                }));
        if (result.validate === 'full' && result.reads !== undefined && result.bases !== undefined) {
            const lanes = result.segments.length > 1
                ? ` (${result.segments.map(s => `${displayPath(s.path, workspace)}: ${formatCount(s.reads)}`).join(', ')})`
                : '';
            this.options.say(`${source.filename}: content checked: ${formatCount(result.reads)} reads, ${formatCount(result.bases)} bases${lanes}; sha256 ${result.sha256}.`);
            return { sha256: result.sha256, counts: { reads: result.reads, bases: result.bases } };
        }
        this.options.say(`${source.filename}: sha256 ${result.sha256}.`);
        return { sha256: result.sha256 };
    }
    explainOrThrow(error) {
        throw this.explain(error);
    }
    /** The sample's failure (the first problem found); stops its transfers. */
    reject(problem) {
        if (!this.rejected) {
            this.rejected = new ContentRejected(problem, this.options.workspace);
            this.onFailed(this.rejected);
            this.controller.abort(this.rejected);
        }
        return this.rejected;
    }
}
/** Ends `text` with a full stop unless it ends with one already. */
function sentence(text) {
    return /[.!?]$/.test(text) ? text : `${text}.`;
}
/** The message without the file's name in front: `line 40,004 (record 10,001): ...`. */
function ruleOf(message, file) {
    if (message.startsWith(`${file}: `))
        return message.slice(file.length + 2);
    if (message.startsWith(`${file} `))
        return message.slice(file.length + 1);
    return message;
}

;// CONCATENATED MODULE: ./src/upload/sample-upload.ts
// One sample's life cycle: started on its route, then confirmed, cancelled with the job, or
// failed; whatever it created on One Codex and did not confirm is cancelled.









/** The note of a sample One Codex completed before the job's cancellation reached it. */
const CANCELLED_AFTER_COMPLETION = 'the job was cancelled after this sample completed';
async function uploadOne(sample, settings, engine) {
    const gate = newGate(sample, settings, engine);
    try {
        return await uploadChecked(sample, settings, engine, gate);
    }
    finally {
        // Whatever ended the sample, no scan of its files goes on reading.
        gate.close();
    }
}
/** The sample's content check (validate full or head: the scans hash the files either way). */
function newGate(sample, settings, engine) {
    const secrets = keyForms(settings.apiKey);
    return new ContentGate({
        validate: settings.validate ?? 'full',
        workspace: settings.workspace,
        interleaved: settings.interleaved === true && !sample.mate,
        say: line => engine.log(redactText(line, secrets)),
        warn: line => engine.warn(redactText(line, secrets))
    });
}
async function uploadChecked(sample, settings, engine, gate) {
    const { routes, policy, log, signal, cancellation } = engine;
    const started = Date.now();
    const name = sampleLabel(sample);
    const total = sampleBytes(sample);
    // Server messages may echo the key or a policy back: every line of this sample, retry lines
    // included, and its error are scrubbed of them before they are shown.
    const secrets = keyForms(settings.apiKey);
    // …and name the sample's files by their workspace-relative paths (a failed read only knows
    // the absolute one).
    const files = sampleFiles(sample).flatMap(source => source.segments.map(s => s.path));
    const scrub = (text) => withDisplayPaths(redactText(text, secrets), files, settings.workspace);
    const say = (line) => log(scrub(line));
    const warn = (line) => engine.warn(scrub(line));
    const retry = policy.withLog(say);
    const route = sample.route ?? 'standard';
    const inits = newInitTrack();
    let createdId;
    say(`${name}: starting upload of ${formatBytes(total)}${route === 'standard' ? '' : ` (${route} route)`}.`);
    const sending = routes[route]
        .send(sample, {
        settings,
        api: trackInits(engine.api, inits),
        retry,
        say,
        warn,
        secrets,
        onCreated: id => {
            createdId = id;
        },
        signal,
        gate
    })
        .then(result => ({ kind: 'done', result }), (error) => ({ kind: 'error', error }));
    const abort = whenAborted(signal);
    const ended = await Promise.race([
        sending,
        abort.aborted.then(() => ({ kind: 'aborted' }))
    ]).finally(abort.release);
    const sweep = { retry, admin: engine.admin, say, warn };
    if (ended.kind === 'done') {
        const { result } = ended;
        const durationMs = Date.now() - started;
        say(`${name}: confirmed as sample ${result.sampleId} — ${formatBytes(total)} in ${formatDuration(durationMs)} (${formatRate(total, durationMs)}).`);
        if (unknownOutcomes(inits) > 0)
            await sweepOrphans(sample, inits, result.sampleId, sweep);
        const uploaded = sampleEntry(sample, result.sampleId, result.sha256, result.counts);
        uploaded.route = route;
        return { ok: true, sample: uploaded, durationMs };
    }
    // The job was cancelled while this sample was in flight (a failure caused by the teardown
    // of its transfers counts as that too).
    if (ended.kind === 'aborted' || cancellation.at !== undefined) {
        const deadline = (cancellation.at ?? Date.now()) + engine.cleanupBudgetMs;
        // An init in flight or in its retry backoff may have made a sample this run never heard
        // of: known now, before the teardown settles the call.
        const unknown = unknownOutcomes(inits) > 0;
        // The route cleans up what it started on the storage side (AbortMultipartUpload) once its
        // transfers fail: wait for that too, within the budget, or the run may end before it is sent.
        const routeCleanup = withDeadline(sending.then(() => true), deadline, () => false);
        // Everything to clean up at once: the clean-up budget is shared.
        const [result, , cleaned] = await Promise.all([
            createdId
                ? cancelSample(engine.admin, retry, createdId, name, deadline)
                : Promise.resolve(undefined),
            unknown
                ? sweepOrphans(sample, inits, createdId, {
                    ...sweep,
                    deadline,
                    why: 'before the job was cancelled'
                })
                : Promise.resolve(),
            routeCleanup
        ]);
        if (!cleaned && route === 'multipart')
            warn(`${name}: the job was cancelled and aborting its S3 multipart upload did not finish within the ${formatDuration(engine.cleanupBudgetMs)} of clean-up time; an open multipart upload of ${sample.file.filename} may be left in One Codex's bucket, its parts kept until a lifecycle rule removes them.`);
        const durationMs = Date.now() - started;
        if (createdId && result?.outcome === 'already complete') {
            // One Codex had completed the sample before the cancellation reached it.
            say(`${name}: confirmed as sample ${createdId}: ${CANCELLED_AFTER_COMPLETION} (cancel_upload: One Codex reports that its upload had already completed).`);
            const uploaded = sampleEntry(sample, createdId);
            uploaded.route = route;
            uploaded.note = CANCELLED_AFTER_COMPLETION;
            return { ok: true, sample: uploaded, durationMs };
        }
        let message = `cancelled: the job was cancelled while ${name} was uploading.`;
        if (createdId && result)
            message += ` ${cancelNote(createdId, result)}`;
        say(`${name}: ${scrub(message)}`);
        return {
            ok: false,
            failure: {
                ...failureOf(sample, scrub(message), 'cancelled'),
                ...(createdId ? { sample_id: createdId } : {}),
                ...(result ? { sample_cancelled: result.outcome === 'cancelled' } : {})
            },
            durationMs
        };
    }
    const { error } = ended;
    const accountLevel = engine.stop.consider(error, engine.api);
    let message = scrub(error instanceof Error ? error.message : String(error));
    let cancelled;
    let note = '';
    if (createdId) {
        const result = await cancelSample(engine.admin, retry, createdId, name);
        cancelled = result.outcome === 'cancelled';
        note = ` ${scrub(cancelNote(createdId, result))}`;
        // One sentence for the cause, one for what became of its sample.
        message = `${message.replace(/\.?$/, '.')}${note}`;
    }
    // The reason is told once, with the other failures at the end of the run.
    say(`${name}: failed after ${formatDuration(Date.now() - started)} (the reason is listed at the end).${note}`);
    // Also at an account-level stop (a 402 on confirm, every answer lost): the listing may work.
    if (unknownOutcomes(inits) > 0)
        await sweepOrphans(sample, inits, createdId, sweep);
    return {
        ok: false,
        failure: {
            ...failureOf(sample, message),
            // A file that failed the content check: the rule, as planning's refusals give it.
            ...(error instanceof ContentRejected ? { rule: scrub(error.rule) } : {}),
            ...(createdId ? { sample_id: createdId } : {}),
            ...(cancelled !== undefined ? { sample_cancelled: cancelled } : {})
        },
        durationMs: Date.now() - started,
        ...(accountLevel ? { accountLevel } : {})
    };
}
/**
 * Resolves when `signal` aborts (never, without one). `release` drops its listener: one per
 * sample would otherwise pile up on the job's signal for the whole run.
 */
function whenAborted(signal) {
    let release = () => undefined;
    const aborted = new Promise(resolve => {
        if (!signal)
            return;
        if (signal.aborted)
            return resolve();
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        release = () => signal.removeEventListener('abort', onAbort);
    });
    return { aborted, release };
}
/** The words for what cancel_upload did, appended to a failure's message. */
function cancelNote(sampleId, result) {
    switch (result.outcome) {
        case 'cancelled':
            return `Sample ${sampleId} was cancelled on One Codex (cancel_upload), so it is not left awaiting data.`;
        case 'already complete':
            return `cancel_upload of sample ${sampleId}: One Codex reports that its upload had already completed.`;
        default:
            return `cancel_upload of sample ${sampleId} failed too (${result.error}); it may be left awaiting data in One Codex.`;
    }
}

;// CONCATENATED MODULE: ./src/upload/uploader.ts
// The top of the upload room: this job's share uploaded (after the skip-existing lookup), every
// sample on its route, up to `concurrency` at a time, stopping at an account-level failure or
// when the job is cancelled.











/**
 * The upload stage: the samples of `share` that One Codex does not already hold uploaded, and
 * the outcome of every sample of the share (the existing ones included), with the share's
 * scope. When the skip-existing lookup failed, nothing is uploaded: every sample is not
 * attempted, for that reason.
 */
async function uploadShare(share, existing, settings, options = {}) {
    const scope = share.scope ? { scope: share.scope } : {};
    if (existing.failed !== undefined)
        return {
            ...uploader_notAttempted(share.samples, existing.failed),
            ...(existing.cancelled ? { cancelled: true } : {}),
            ...scope
        };
    const found = existing.found;
    const toUpload = found
        ? share.samples.filter((_, index) => !found.existing.has(index))
        : share.samples;
    const results = await uploadSamples(toUpload, settings, options);
    return { ...withExisting(share.samples, found?.existing, results), ...scope };
}
/** Results where no sample was started, each failed entry saying `reason` ("not attempted"). */
function uploader_notAttempted(samples, reason) {
    return {
        outcomes: samples.map(sample => ({
            ok: false,
            failure: failureOf(sample, `not attempted: ${reason}`, 'not attempted'),
            durationMs: 0
        }))
    };
}
/**
 * Uploads every sample (init_upload → storage POST of each file → confirm_upload) with up to
 * `settings.concurrency` samples in flight. A failing sample never stops the others: each ends
 * as an outcome, in plan order. Nothing is left behind on One Codex: a sample created by a
 * sample that then failed is cancelled, and so are the extra samples a retried init created.
 */
async function uploadSamples(samples, settings, options = {}) {
    const log = options.log ?? core/* info */.pq;
    const policy = new RetryPolicy({
        maxAttempts: settings.maxAttempts,
        baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
        log
    });
    // The routes' client carries the uploads' API calls and is torn down on cancellation (that
    // aborts requests in flight); clean-up calls (cancel_upload, listings) have their own.
    const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
        socketTimeoutMs: options.socketTimeoutMs
    });
    const admin = new OneCodexClient(settings.apiUrl, settings.apiKey, {
        socketTimeoutMs: options.socketTimeoutMs
    });
    const routes = {
        standard: new StandardRoute({ socketTimeoutMs: options.socketTimeoutMs }),
        multipart: new MultipartRoute({ socketTimeoutMs: options.socketTimeoutMs })
    };
    let disposed = false;
    const disposeTransfers = () => {
        if (disposed)
            return;
        disposed = true;
        api.dispose();
        for (const route of Object.values(routes))
            route.dispose();
    };
    const signal = options.signal;
    const cancellation = { at: undefined };
    const onAbort = () => {
        cancellation.at = Date.now();
        // Destroys the sockets of every transfer and API call in flight: the routes stop at once.
        disposeTransfers();
    };
    if (signal?.aborted)
        cancellation.at = Date.now();
    else
        signal?.addEventListener('abort', onAbort, { once: true });
    const engine = {
        api,
        admin,
        routes,
        policy,
        log,
        warn: options.warn ?? core/* warning */.$e,
        signal,
        cancellation,
        cleanupBudgetMs: options.cleanupBudgetMs ?? CLEANUP_BUDGET_MS,
        stop: new AccountStop()
    };
    // Groups keep one sample's lines together; they only stay readable one sample at a time.
    const grouped = settings.concurrency === 1 || samples.length === 1;
    const outcomes = new Array(samples.length);
    let next = 0;
    const worker = async () => {
        while (next < samples.length && !signal?.aborted && !engine.stop.stopped) {
            const index = next++;
            const sample = samples[index];
            if (grouped)
                core/* startGroup */.Oh(`Upload ${sampleLabel(sample)}`);
            try {
                outcomes[index] = await uploadOne(sample, settings, engine);
            }
            finally {
                if (grouped)
                    core/* endGroup */.N4();
            }
        }
    };
    try {
        const workers = Math.max(1, Math.min(settings.concurrency, samples.length));
        await Promise.all(Array.from({ length: workers }, worker));
    }
    finally {
        signal?.removeEventListener('abort', onAbort);
        disposeTransfers();
        admin.dispose();
    }
    const stopped = engine.stop.cause;
    const notStarted = stopped
        ? `not attempted: the run stopped at an account-level failure; check the ${stopped.input} input.`
        : 'not attempted: the job was cancelled before this sample started.';
    for (let index = 0; index < samples.length; index++) {
        outcomes[index] ??= {
            ok: false,
            failure: failureOf(samples[index], notStarted, 'not attempted'),
            durationMs: 0
        };
    }
    return {
        outcomes,
        ...(cancellation.at !== undefined ? { cancelled: true } : {}),
        ...(stopped ? { stopped } : {})
    };
}

;// CONCATENATED MODULE: ./src/main.ts













/**
 * The action: inputs → plan (discover, pair, validate) → shard → (dry run: check every file's
 * content, print the plan) → look up existing → upload (each file's content checked as it
 * streams, the sample confirmed once it passed) →
 * wait for the analyses (wait-for-analysis) → report. Nothing is sent unless every input and
 * every file passed validation.
 */
async function run() {
    // From here on SIGINT/SIGTERM (a cancelled job) no longer kill the process at once.
    const cancellation = watchCancellation();
    try {
        const { settings, problems: inputProblems } = getInputs();
        const plan = await planUploads(settings);
        reportPlanNotes(plan);
        // Outputs, summary and results file name every refused file; the step fails.
        const problems = [...inputProblems, ...plan.problems];
        if (problems.length > 0)
            return await reportProblems(problems, settings, plan);
        if (plan.samples.length === 0)
            return await reportNothingToUpload(settings, plan);
        const share = shareOf(plan, settings);
        const { signal } = cancellation;
        if (settings.dryRun)
            return await dryRun(share, plan, settings, { signal });
        prepareMultipartRoute(share.samples);
        const existing = await lookUpExisting(share, settings, { signal });
        const results = await uploadShare(share, existing, settings, { signal });
        const analyses = await awaitRunAnalyses(results, settings, { signal });
        await reportResults(share.samples, results, settings, plan.warnings, analyses);
    }
    catch (error) {
        core/* setFailed */.C1(error instanceof Error ? error.message : String(error));
    }
    finally {
        cancellation.dispose();
        // A cancelled job exits now that its outputs and summary are written, whatever transfer
        // may still be winding down (the runner kills the process soon after SIGTERM).
        if (cancellation.cancelledAt() !== undefined)
            process.exit(1);
    }
}


/***/ })

};

//# sourceMappingURL=490.index.js.map