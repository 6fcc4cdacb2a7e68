/**
 * Connections to S3 for the multipart route, through `@aws-sdk/client-s3`. The SDK is loaded with a
 * dynamic import() the first time a sample takes this route, so ncc puts it in its own chunk and
 * runs that only need the standard route never load it (dist/index.js starts as fast as before).
 */
import type * as http from 'node:http'
import type * as https from 'node:https'
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { createAgent } from '../net/proxy.js'
import { s3Calls, type S3Calls, type Sdk } from './s3-calls.js'

/** The temporary key pair init_multipart_upload hands out (no session token). */
export interface S3Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface S3ConnectionOptions {
  /** A request with no bytes moving for this long fails (and is retried). Default 120 s. */
  socketTimeoutMs?: number
  /** AWS_ENDPOINT_URL_S3's origin, already checked; undefined for AWS's own endpoint. */
  endpoint?: string
}

/** The region asked first; S3 names the bucket's region when it is another one. */
const DEFAULT_REGION = 'us-east-1'
const CONNECT_TIMEOUT_MS = 30_000
const USER_AGENT = 'onecodex-upload-action'

const SILENT_LOGGER = {
  debug: (): void => undefined,
  info: (): void => undefined,
  warn: (): void => undefined,
  error: (): void => undefined
}

let sdkPromise: Promise<Sdk> | undefined

/** Loads the SDK once (its Node-version notice silenced: the action runs on node20 runners). */
export function loadS3Sdk(): Promise<Sdk> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  sdkPromise ??= import('@aws-sdk/client-s3')
  return sdkPromise
}

/**
 * Starts loading the SDK (reading and compiling its chunk) without waiting for it, so that it
 * overlaps the requests made before the first S3 call (init_multipart_upload). A failure shows
 * where the SDK is needed (loadS3Sdk()).
 */
export function preloadS3Sdk(): void {
  loadS3Sdk().catch(() => undefined)
}

/**
 * Connections to S3 shared by every multipart sample of a run: one keep-alive agent per
 * protocol (parts reuse their connections instead of opening one each), and one SDK client per
 * sample, since each sample has its own temporary keys. dispose() destroys the connections,
 * which fails every request in flight.
 */
export class S3Connections {
  private readonly httpsAgent: https.Agent
  private readonly httpAgent: http.Agent

  constructor(private readonly options: S3ConnectionOptions = {}) {
    // The project's transport agents: kept-alive connections through HTTPS_PROXY / NO_PROXY,
    // a request on which no byte moves for the socket timeout destroyed (ETIMEDOUT, retried).
    // Given as instances, the SDK uses them as they are (it would otherwise open a one-off
    // connection for every request it sends with `Expect: 100-continue`).
    const agent = { idleTimeoutMs: options.socketTimeoutMs ?? 120_000, maxSockets: 64 }
    this.httpsAgent = createAgent('https:', agent) as https.Agent
    this.httpAgent = createAgent('http:', agent)
  }

  /** The S3 calls signed with `credentials`; errors are scrubbed of `secrets`. */
  async calls(credentials: S3Credentials, bucket: string, secrets: string[]): Promise<S3Calls> {
    const sdk = await loadS3Sdk()
    const client = this.client(sdk, credentials)
    return s3Calls(sdk, client, bucket, secrets)
  }

  /** Closes the kept-alive connections. */
  dispose(): void {
    this.httpsAgent.destroy()
    this.httpAgent.destroy()
  }

  private client(sdk: Sdk, credentials: S3Credentials): S3Client {
    // The SDK's region redirect re-sends a request in the bucket's region, which a part's
    // stream cannot be (it is consumed). The region it learns is kept here so that every later
    // request (the parts after CreateMultipartUpload) goes to the right region first.
    let region = DEFAULT_REGION
    const config: S3ClientConfig & { ignoreConfiguredEndpointUrls?: boolean } = {
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
      customUserAgent: USER_AGENT,
      // The SDK would print to the console (e.g. a warning for every failed part, which it
      // cannot retry itself); our own lines say what happened.
      logger: SILENT_LOGGER,
      requestHandler: {
        httpsAgent: this.httpsAgent,
        httpAgent: this.httpAgent,
        connectionTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: this.options.socketTimeoutMs ?? 120_000
      }
    }
    if (this.options.endpoint) {
      config.endpoint = this.options.endpoint
      config.forcePathStyle = true
    }
    const client = new sdk.S3Client(config)
    client.middlewareStack.add(
      (next, context) => async args => {
        try {
          return await next(args)
        } finally {
          const learned = (context as { __s3RegionRedirect?: unknown }).__s3RegionRedirect
          if (typeof learned === 'string' && learned !== '') region = learned
        }
      },
      { step: 'initialize', priority: 'high', name: 'onecodexKeepBucketRegion' }
    )
    return client
  }
}
