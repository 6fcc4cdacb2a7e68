import { describe, expect, it } from '@jest/globals'
import { insecureUrlReason, isLoopbackHost } from '../../src/shared/url-policy.js'

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.5.6.7', 'localhost', 'LOCALHOST', '::1', '[::1]'])(
    'treats %s as loopback',
    host => expect(isLoopbackHost(host)).toBe(true)
  )
  it.each([
    '10.0.0.1',
    '192.168.1.1',
    '128.0.0.1',
    '127.0.0.256',
    'example.com',
    'localhost.example.com',
    'api.localhost',
    '::2'
  ])('treats %s as remote', host => expect(isLoopbackHost(host)).toBe(false))
})

describe('insecureUrlReason', () => {
  it('accepts https anywhere and http on loopback', () => {
    expect(insecureUrlReason('https://app.onecodex.com', 'api-url')).toBeUndefined()
    expect(insecureUrlReason('http://127.0.0.1:8080', 'api-url')).toBeUndefined()
    expect(insecureUrlReason('http://[::1]:8080/x', 'upload_url')).toBeUndefined()
  })
  it('refuses http to a remote host, naming the URL and the rule', () => {
    const reason = insecureUrlReason('http://s3.example.com/bucket', 'upload_url')
    expect(reason).toContain('upload_url "http://s3.example.com"')
    expect(reason).toContain('only https is allowed')
  })
  it('refuses other schemes and garbage', () => {
    expect(insecureUrlReason('ftp://127.0.0.1', 'api-url')).toContain('ftp')
    expect(insecureUrlReason('not a url', 'api-url')).toContain('not a valid URL')
  })
})
