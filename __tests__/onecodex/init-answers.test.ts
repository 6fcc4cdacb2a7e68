// The init answers read strictly, and the only paths init_multipart_upload's callback may take.
import { describe, expect, it } from '@jest/globals'
import {
  apiPathOf,
  parseInitMultipartResponse,
  parseInitResponse
} from '../../src/onecodex/init-answers.js'

describe('parseInitResponse', () => {
  it('stringifies field values and keeps their order', () => {
    const init = parseInitResponse(
      {
        sample_id: 's1',
        upload_url: 'https://bucket.s3.amazonaws.com',
        additional_fields: { key: 'k', success_action_status: 201, acl: 'private', dropped: null }
      },
      'init_upload for a.fq',
      false
    )
    expect(Object.entries(init.fields)).toEqual([
      ['key', 'k'],
      ['success_action_status', '201'],
      ['acl', 'private']
    ])
  })
  it('refuses answers without sample_id, upload_url, or the mate URL for a pair', () => {
    expect(() => parseInitResponse({ upload_url: 'https://x' }, 'init', false)).toThrow(
      'init answered without a sample_id.'
    )
    expect(() => parseInitResponse({ sample_id: 's' }, 'init', false)).toThrow('an upload_url')
    expect(() =>
      parseInitResponse({ sample_id: 's', upload_url: 'https://x' }, 'init', true)
    ).toThrow('a paired_end_upload_url')
  })
})

describe('the callback_url rule (the API key goes to the API host only)', () => {
  const api = 'https://app.onecodex.com'
  it('takes a path on the API host, or an absolute URL under api-url', () => {
    expect(apiPathOf('/api/import_file_from_s3', api)).toBe('/api/import_file_from_s3')
    expect(apiPathOf('https://app.onecodex.com/api/import_file_from_s3', api)).toBe(
      '/api/import_file_from_s3'
    )
    expect(apiPathOf('/api/x', 'http://127.0.0.1:8080/')).toBe('/api/x')
  })

  it.each([
    'https://evil.example/api/import_file_from_s3',
    '//evil.example/api',
    'https://app.onecodex.com.evil.example/api',
    'https://app.onecodex.com@evil.example/api',
    '@evil.example/api',
    'api/import_file_from_s3',
    '/\\evil.example/api',
    '/api/\nx',
    'http://app.onecodex.com/api/import_file_from_s3',
    ''
  ])('refuses %j', raw => {
    expect(apiPathOf(raw, api)).toBeUndefined()
  })
})

describe('parseInitMultipartResponse', () => {
  const answer = {
    sample_id: 'abc',
    s3_bucket: 'bucket',
    file_id: 'user_1/file_2/x_R1.fq',
    paired_end_file_id: 'user_1/file_3/x_R2.fq',
    upload_aws_access_key_id: 'AKID',
    upload_aws_secret_access_key: 'SECRET',
    callback_url: '/api/import_file_from_s3'
  }

  it('reads every field the route needs', () => {
    expect(parseInitMultipartResponse(answer, 'init', true)).toEqual({
      sampleId: 'abc',
      bucket: 'bucket',
      fileId: 'user_1/file_2/x_R1.fq',
      pairedEndFileId: 'user_1/file_3/x_R2.fq',
      accessKeyId: 'AKID',
      secretAccessKey: 'SECRET',
      callbackUrl: '/api/import_file_from_s3'
    })
  })

  it('refuses an answer without a field, naming it but never a value', () => {
    for (const field of Object.keys(answer)) {
      const partial: Record<string, unknown> = { ...answer }
      delete partial[field]
      const paired = field === 'paired_end_file_id'
      expect(() =>
        parseInitMultipartResponse(partial, 'init_multipart_upload for x', true)
      ).toThrow(`init_multipart_upload for x answered without a ${field}.`)
      if (paired)
        expect(parseInitMultipartResponse(partial, 'init', false).pairedEndFileId).toBeUndefined()
    }
    expect(() => parseInitMultipartResponse([], 'init', false)).toThrow('without a sample_id')
  })
})
