/** The XML bodies S3 answers a POST with. */

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, c =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;'
  )
}

export function s3ErrorXml(
  code: string,
  message: string,
  extra: Record<string, string> = {}
): string {
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('')
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>${fields}` +
    `<RequestId>sandbox</RequestId></Error>`
  )
}

export function postResponseXml(
  location: string,
  bucket: string,
  key: string,
  etag: string
): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket)}</Bucket>` +
    `<Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`
  )
}

/** S3's usual error code for a status the sandbox was told to answer with. */
export function s3CodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'InvalidRequest'
    case 403:
      return 'AccessDenied'
    case 404:
      return 'NoSuchBucket'
    case 500:
      return 'InternalError'
    case 503:
      return 'SlowDown'
    default:
      return 'ServiceUnavailable'
  }
}
