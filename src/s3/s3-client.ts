/**
 * The S3 calls of the multipart route, through `@aws-sdk/client-s3`. The SDK is loaded with a
 * dynamic import() the first time a sample takes this route, so ncc puts it in its own chunk and
 * runs that only need the standard route never load it (dist/index.js starts as fast as before).
 */
import type * as http from 'node:http'
import type * as https from 'node:https'
import type { Readable } from 'node:stream'
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { createAgent } from '../net/proxy.js'
import { s3Error } from './s3-errors.js'

/** The temporary key pair init_multipart_upload hands out (no session token). */
export interface S3Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface CompletedPart {
  readonly number: number
  readonly etag: string
}

/** The calls of one multipart upload; every failure is an UploadError scrubbed of `secrets`. */
export interface S3Calls {
  createMultipartUpload(key: string, what: string, signal?: AbortSignal): Promise<string>
  uploadPart(
    target: { key: string; uploadId: string; partNumber: number },
    body: Readable,
    length: number,
    what: string,
    signal?: AbortSignal
  ): Promise<string>
  completeMultipartUpload(
    target: { key: string; uploadId: string },
    parts: readonly CompletedPart[],
    what: string,
    signal?: AbortSignal
  ): Promise<void>
  abortMultipartUpload(
    target: { key: string; uploadId: string },
    what: string,
    signal?: AbortSignal
  ): Promise<void>
  /** One page of the open multipart uploads whose keys start with `prefix`. */
  listMultipartUploads(
    prefix: string,
    page: UploadsPageMarker | undefined,
    what: string,
    signal?: AbortSignal
  ): Promise<UploadsPage>
}

/** Where the next page of ListMultipartUploads starts. */
export interface UploadsPageMarker {
  readonly keyMarker: string
  readonly uploadIdMarker: string
}

export interface UploadsPage {
  readonly uploads: readonly { key: string; uploadId: string }[]
  /** Set when S3 said the listing is truncated. */
  readonly next?: UploadsPageMarker
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

type Sdk = typeof import('@aws-sdk/client-s3')
let sdkPromise: Promise<Sdk> | undefined

/** Loads the SDK once (its Node-version notice silenced: the action runs on node20 runners). */
export function loadS3Sdk(): Promise<Sdk> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  sdkPromise ??= import('@aws-sdk/client-s3')
  return sdkPromise
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
    const fail = (what: string, error: unknown): Error => s3Error(what, error, secrets)
    const send = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      try {
        return await run()
      } catch (error) {
        throw fail(what, error)
      }
    }
    return {
      createMultipartUpload: (key, what, signal) =>
        send(what, async () => {
          const out = await client.send(
            new sdk.CreateMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              ServerSideEncryption: 'AES256'
            }),
            { abortSignal: signal }
          )
          if (!out.UploadId) throw fail(what, new Error('S3 answered without an UploadId'))
          return out.UploadId
        }),
      uploadPart: (target, body, length, what, signal) =>
        send(what, async () => {
          const out = await client.send(
            new sdk.UploadPartCommand({
              Bucket: bucket,
              Key: target.key,
              UploadId: target.uploadId,
              PartNumber: target.partNumber,
              ContentLength: length,
              Body: body
            }),
            { abortSignal: signal }
          )
          if (!out.ETag) throw fail(what, new Error('S3 answered without an ETag'))
          return out.ETag
        }),
      completeMultipartUpload: (target, parts, what, signal) =>
        send(what, async () => {
          await client.send(
            new sdk.CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: target.key,
              UploadId: target.uploadId,
              MultipartUpload: {
                Parts: parts.map(part => ({ PartNumber: part.number, ETag: part.etag }))
              }
            }),
            { abortSignal: signal }
          )
        }),
      abortMultipartUpload: (target, what, signal) =>
        send(what, async () => {
          await client.send(
            new sdk.AbortMultipartUploadCommand({
              Bucket: bucket,
              Key: target.key,
              UploadId: target.uploadId
            }),
            { abortSignal: signal }
          )
        }),
      listMultipartUploads: (prefix, page, what, signal) =>
        send(what, async () => {
          const out = await client.send(
            new sdk.ListMultipartUploadsCommand({
              Bucket: bucket,
              Prefix: prefix,
              KeyMarker: page?.keyMarker,
              UploadIdMarker: page?.uploadIdMarker
            }),
            { abortSignal: signal }
          )
          const uploads = (out.Uploads ?? []).flatMap(upload =>
            upload.Key !== undefined && upload.UploadId
              ? [{ key: upload.Key, uploadId: upload.UploadId }]
              : []
          )
          const next =
            out.IsTruncated === true
              ? { keyMarker: out.NextKeyMarker ?? '', uploadIdMarker: out.NextUploadIdMarker ?? '' }
              : undefined
          return { uploads, next }
        })
    }
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
