/** The XML bodies S3 answers with (browser POST, errors, multipart uploads), and the one it reads. */

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

/** S3's usual error code for a status the sandbox was told to answer with (on `op`). */
export function s3CodeFor(status: number, op?: string): string {
  switch (status) {
    case 400:
      return 'InvalidRequest'
    case 403:
      return 'AccessDenied'
    case 404:
      if (op === 's3:HeadObject' || op === 's3:GetObject') return 'NoSuchKey'
      if (op && /Multipart|Part/.test(op)) return 'NoSuchUpload'
      return 'NoSuchBucket'
    case 500:
      return 'InternalError'
    case 503:
      return 'SlowDown'
    default:
      return 'ServiceUnavailable'
  }
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/'
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** `<name>value</name>` for each entry, escaped. */
const tags = (fields: Record<string, string | number>): string =>
  Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('')

export function initiateMultipartXml(bucket: string, key: string, uploadId: string): string {
  return (
    `${HEAD}<InitiateMultipartUploadResult xmlns="${XMLNS}">` +
    `${tags({ Bucket: bucket, Key: key, UploadId: uploadId })}</InitiateMultipartUploadResult>`
  )
}

export function completeMultipartXml(
  location: string,
  bucket: string,
  key: string,
  etag: string
): string {
  return (
    `${HEAD}<CompleteMultipartUploadResult xmlns="${XMLNS}">` +
    `${tags({ Location: location, Bucket: bucket, Key: key, ETag: etag })}` +
    '</CompleteMultipartUploadResult>'
  )
}

export function listMultipartUploadsXml(
  bucket: string,
  prefix: string,
  uploads: readonly { key: string; uploadId: string; initiated: Date }[]
): string {
  const items = uploads
    .map(
      u =>
        `<Upload>${tags({ Key: u.key, UploadId: u.uploadId })}` +
        '<Initiator><ID>sandbox</ID><DisplayName>sandbox</DisplayName></Initiator>' +
        '<Owner><ID>sandbox</ID><DisplayName>sandbox</DisplayName></Owner>' +
        `${tags({ StorageClass: 'STANDARD', Initiated: u.initiated.toISOString() })}</Upload>`
    )
    .join('')
  return (
    `${HEAD}<ListMultipartUploadsResult xmlns="${XMLNS}">` +
    tags({ Bucket: bucket, KeyMarker: '', UploadIdMarker: '', Prefix: prefix, MaxUploads: 1000 }) +
    `<IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`
  )
}

export function listPartsXml(
  bucket: string,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string; size: number; lastModified: Date }[]
): string {
  const items = parts
    .map(
      p =>
        `<Part>${tags({
          PartNumber: p.partNumber,
          LastModified: p.lastModified.toISOString(),
          ETag: p.etag,
          Size: p.size
        })}</Part>`
    )
    .join('')
  return (
    `${HEAD}<ListPartsResult xmlns="${XMLNS}">` +
    tags({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: 0 }) +
    tags({ NextPartNumberMarker: parts.at(-1)?.partNumber ?? 0, MaxParts: 1000 }) +
    `<IsTruncated>false</IsTruncated>${items}</ListPartsResult>`
  )
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#(\d+)|#x([0-9a-fA-F]+));/g, (all, name, dec, hex) =>
    dec !== undefined
      ? String.fromCodePoint(Number(dec))
      : hex !== undefined
        ? String.fromCodePoint(parseInt(hex, 16))
        : (({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' } as Record<string, string>)[name] ??
          all)
  )
}

/**
 * The parts listed in a CompleteMultipartUpload body, in the order given; undefined when the
 * body is not such a document (S3's MalformedXML).
 */
export function parseCompleteMultipartXml(
  xml: string
): { partNumber: number; etag: string }[] | undefined {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return undefined
  const parts: { partNumber: number; etag: string }[] = []
  for (const match of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(match[1])
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(match[1])
    if (!number || !etag) return undefined
    parts.push({ partNumber: Number(number[1]), etag: unescapeXml(etag[1].trim()) })
  }
  return parts
}
