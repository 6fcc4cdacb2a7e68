// The five S3 calls of a multipart upload, each one SDK command, every failure an UploadError
// scrubbed of the sample's secrets (s3-errors.ts).
import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import { s3Error } from './s3-errors.js'

export type Sdk = typeof import('@aws-sdk/client-s3')

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

/** The S3 calls of `client` on `bucket`; errors are scrubbed of `secrets`. */
export function s3Calls(sdk: Sdk, client: S3Client, bucket: string, secrets: string[]): S3Calls {
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
