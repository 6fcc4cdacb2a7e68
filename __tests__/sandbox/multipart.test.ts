/** The sandbox's streaming multipart parser, on bodies built by form-data and split anywhere. */
import { describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import FormData from 'form-data'
import { boundaryOf, MultipartError, MultipartParser } from '../../sandbox/multipart.js'

async function formBody(form: FormData): Promise<{ body: Buffer; boundary: string }> {
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    form.on('data', chunk => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)))
    form.on('end', () => resolve())
    form.on('error', reject)
    form.resume()
  })
  return { body: Buffer.concat(chunks), boundary: form.getBoundary() }
}

function parse(body: Buffer, boundary: string, chunkSize: number) {
  const seen = { fields: [] as [string, string][], file: '', filename: '', size: 0, ends: 0 }
  const hash = createHash('sha256')
  const parser = new MultipartParser(boundary, {
    field: (name, value) => seen.fields.push([name, value]),
    fileStart: part => (seen.filename = part.filename ?? ''),
    fileData: chunk => {
      hash.update(chunk)
      seen.size += chunk.length
    },
    fileEnd: () => (seen.ends += 1)
  })
  for (let at = 0; at < body.length; at += chunkSize)
    parser.write(body.subarray(at, at + chunkSize))
  parser.end()
  seen.file = hash.digest('hex')
  return seen
}

describe('MultipartParser', () => {
  it('gives the same fields and file digest however the body is split', async () => {
    const file = Buffer.concat([Buffer.from('\r\n--\r\n'), randomBytes(5000), Buffer.from('\r\n-')])
    const form = new FormData()
    form.append('key', 'user_1/file_2/${filename}')
    form.append('acl', 'private')
    form.append('file', file, { filename: 'a b [1].fq' })
    const { body, boundary } = await formBody(form)
    const expected = createHash('sha256').update(file).digest('hex')
    for (const size of [1, 2, 7, 61, 4096, body.length]) {
      expect(parse(body, boundary, size)).toEqual({
        fields: [
          ['key', 'user_1/file_2/${filename}'],
          ['acl', 'private']
        ],
        file: expected,
        filename: 'a b [1].fq',
        size: file.length,
        ends: 1
      })
    }
  })

  it('refuses a body cut before its closing boundary', async () => {
    const form = new FormData()
    form.append('file', Buffer.from('>x\nACGT\n'), { filename: 'x.fa' })
    const { body, boundary } = await formBody(form)
    expect(() => parse(body.subarray(0, body.length - 10), boundary, 16)).toThrow(MultipartError)
  })

  it('reads the boundary only from a multipart/form-data Content-Type', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc')
    expect(boundaryOf('Multipart/Form-Data; charset=utf-8; boundary="q r"')).toBe('q r')
    expect(boundaryOf('application/x-www-form-urlencoded')).toBeUndefined()
    expect(boundaryOf('multipart/form-data')).toBeUndefined()
    expect(boundaryOf(undefined)).toBeUndefined()
  })
})
