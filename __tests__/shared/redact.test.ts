import { describe, expect, it } from '@jest/globals'
import {
  isSensitiveField,
  redactFields,
  redactText,
  redactUrl,
  sensitiveValues
} from '../../src/shared/redact.js'

describe('isSensitiveField', () => {
  it.each([
    'policy',
    'Policy',
    'signature',
    'AWSAccessKeyId',
    'x-amz-credential',
    'x-amz-signature',
    'x-amz-security-token',
    'X-Goog-Signature',
    'GoogleAccessId',
    'api_key',
    'session_token'
  ])('masks %s', name => expect(isSensitiveField(name)).toBe(true))
  it.each(['key', 'acl', 'success_action_status', 'x-amz-server-side-encryption', 'Content-Type'])(
    'keeps %s readable',
    name => expect(isSensitiveField(name)).toBe(false)
  )
})

describe('redactFields / sensitiveValues', () => {
  const fields = {
    key: 'user_1/file_2/${filename}',
    AWSAccessKeyId: 'AKIAEXAMPLEEXAMPLE',
    policy: 'eyJwb2xpY3kiOnRydWV9',
    signature: 'c2lnbmF0dXJlIQ=='
  }
  it('replaces credential values by *** and keeps the rest', () => {
    expect(redactFields(fields)).toEqual({
      key: 'user_1/file_2/${filename}',
      AWSAccessKeyId: '***',
      policy: '***',
      signature: '***'
    })
  })
  it('lists the credential values to scrub, and only those', () => {
    expect(sensitiveValues(fields).sort()).toEqual(
      ['AKIAEXAMPLEEXAMPLE', 'eyJwb2xpY3kiOnRydWV9', 'c2lnbmF0dXJlIQ=='].sort()
    )
  })
})

describe('redactUrl / redactText', () => {
  it('drops query values and user info from URLs', () => {
    expect(redactUrl('https://u:p@bucket.example.com/up?X-Amz-Signature=abc&x=1')).toBe(
      'https://bucket.example.com/up?X-Amz-Signature=***&x=***'
    )
  })
  it('replaces every occurrence of each secret', () => {
    expect(redactText('key sk_live_1234 and sk_live_1234 again', ['sk_live_1234'])).toBe(
      'key *** and *** again'
    )
  })
})
