/**
 * The sandbox storage's S3 plumbing on its own: which operation a request is, whose key signed
 * it, what the log keeps of it, the aws-chunked decoder and the CompleteMultipartUpload parser.
 */
import { describe, expect, it } from '@jest/globals'
import type { IncomingMessage } from 'node:http'
import { AwsChunkedDecoder, AwsChunkedError, isAwsChunked } from '../../sandbox/aws-chunked.js'
import type { LoggedRequest } from '../../sandbox/http-util.js'
import { accessKeyOf, classify, describeS3 } from '../../sandbox/s3-ops.js'
import { parseCompleteMultipartXml } from '../../sandbox/s3-xml.js'

describe('classify', () => {
  it.each<[string, string, string]>([
    ['POST', '/bucket', 'storage'],
    ['POST', '/bucket/', 'storage'],
    ['POST', '/bucket/a/b.fq?uploads', 's3:CreateMultipartUpload'],
    ['POST', '/bucket/a/b.fq?uploads=', 's3:CreateMultipartUpload'],
    ['PUT', '/bucket/a/b.fq?partNumber=3&uploadId=xyz', 's3:UploadPart'],
    ['PUT', '/bucket/a/b.fq?x-id=UploadPart&partNumber=3&uploadId=xyz', 's3:UploadPart'],
    ['POST', '/bucket/a/b.fq?uploadId=xyz', 's3:CompleteMultipartUpload'],
    ['DELETE', '/bucket/a/b.fq?uploadId=xyz', 's3:AbortMultipartUpload'],
    ['GET', '/bucket/a/b.fq?uploadId=xyz', 's3:ListParts'],
    ['GET', '/bucket?uploads', 's3:ListMultipartUploads'],
    ['GET', '/bucket/?uploads&prefix=user_1%2F', 's3:ListMultipartUploads'],
    ['PUT', '/bucket/a/b.fq', 's3:PutObject'],
    ['PUT', '/bucket/a/b.fq?x-id=PutObject', 's3:PutObject'],
    ['HEAD', '/bucket/a/b.fq', 's3:HeadObject'],
    ['GET', '/bucket/a/b.fq', 's3:GetObject'],
    ['DELETE', '/bucket/a/b.fq', 's3:DeleteObject'],
    ['GET', '/bucket?list-type=2', 's3:ListObjects'],
    ['POST', '/bucket?delete', 's3:Other'],
    ['PATCH', '/bucket/a', 's3:Other']
  ])('%s %s is %s', (method, url, op) => {
    expect(classify(method, url).op).toBe(op)
  })

  it('decodes the key and keeps bucket and query apart', () => {
    const request = classify(
      'PUT',
      '/bkt/user_1/file_2/Run%20%5B1%5D%20(a).fastq?partNumber=1&uploadId=u%2B1'
    )
    expect(request).toMatchObject({ bucket: 'bkt', key: 'user_1/file_2/Run [1] (a).fastq' })
    expect(request.query.get('uploadId')).toBe('u+1')
  })
})

const fakeRequest = (headers: Record<string, string>): IncomingMessage =>
  ({ headers }) as unknown as IncomingMessage

describe('accessKeyOf and the log entry', () => {
  it('reads the key of SigV4, SigV2 and presigned requests', () => {
    const none = new URLSearchParams()
    expect(
      accessKeyOf(
        fakeRequest({
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc'
        }),
        none
      )
    ).toBe('AKIDEXAMPLE')
    expect(accessKeyOf(fakeRequest({ authorization: 'AWS AKID2:c2ln' }), none)).toBe('AKID2')
    expect(
      accessKeyOf(
        fakeRequest({}),
        new URLSearchParams({ 'X-Amz-Credential': 'AKID3/20250101/us-east-1/s3/aws4_request' })
      )
    ).toBe('AKID3')
    expect(accessKeyOf(fakeRequest({}), none)).toBeUndefined()
  })

  it('keeps the key id and drops signatures and tokens from the log', () => {
    const url =
      '/b/k.fq?partNumber=2&uploadId=u1&X-Amz-Credential=AKID4%2Fx&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok'
    const entry: LoggedRequest = {
      route: 's3:UploadPart',
      method: 'PUT',
      url,
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID4/x, Signature=feed',
        'x-amz-security-token': 'tok'
      },
      status: 0
    }
    const details = describeS3(
      entry,
      fakeRequest(entry.headers as Record<string, string>),
      classify('PUT', url)
    )
    expect(details).toEqual({
      bucket: 'b',
      key: 'k.fq',
      uploadId: 'u1',
      partNumber: 2,
      accessKeyId: 'AKID4'
    })
    expect(entry.headers).toEqual({
      authorization: '[redacted]',
      'x-amz-security-token': '[redacted]'
    })
    expect(entry.url).not.toMatch(/deadbeef|tok/)
    expect(entry.fileName).toBe('k.fq')
  })
})

describe('AwsChunkedDecoder', () => {
  const body = Buffer.from(
    '5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n0;chunk-signature=cccc\r\n' +
      'x-amz-checksum-crc32:AAAAAA==\r\n\r\n'
  )

  it('decodes chunks split anywhere and reads the trailers', () => {
    for (const step of [1, 2, 3, 7, body.length]) {
      const out: Buffer[] = []
      const decoder = new AwsChunkedDecoder(chunk => out.push(Buffer.from(chunk)))
      for (let at = 0; at < body.length; at += step) decoder.write(body.subarray(at, at + step))
      decoder.end()
      expect(Buffer.concat(out).toString()).toBe('hello world')
      expect(decoder.trailers).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==' })
    }
  })

  it('refuses a truncated body, a bad size line and data without CRLF', () => {
    const truncated = new AwsChunkedDecoder(() => undefined)
    truncated.write(body.subarray(0, 20))
    expect(() => truncated.end()).toThrow(AwsChunkedError)
    expect(() => new AwsChunkedDecoder(() => undefined).write(Buffer.from('zz\r\n'))).toThrow(
      /size line/
    )
    expect(() => new AwsChunkedDecoder(() => undefined).write(Buffer.from('2\r\nabXY'))).toThrow(
      /CRLF/
    )
  })

  it('is recognised by Content-Encoding or a STREAMING- payload hash', () => {
    expect(isAwsChunked({ 'content-encoding': 'aws-chunked' })).toBe(true)
    expect(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' })).toBe(true)
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' })).toBe(
      true
    )
    expect(isAwsChunked({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false)
  })
})

describe('parseCompleteMultipartXml', () => {
  it('reads the parts in the order given, unescaping ETags', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Part><ETag>&quot;abc&quot;</ETag><PartNumber>1</PartNumber></Part>' +
      '<Part><PartNumber>2</PartNumber><ETag>"def"</ETag></Part></CompleteMultipartUpload>'
    expect(parseCompleteMultipartXml(xml)).toEqual([
      { partNumber: 1, etag: '"abc"' },
      { partNumber: 2, etag: '"def"' }
    ])
  })

  it('gives undefined for other documents and parts without a number', () => {
    expect(parseCompleteMultipartXml('<Other/>')).toBeUndefined()
    expect(
      parseCompleteMultipartXml(
        '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>'
      )
    ).toBeUndefined()
  })
})
