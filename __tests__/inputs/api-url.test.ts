// api-url names One Codex's origin: the action appends /api/v1/... itself, so a path copied
// from the API docs (https://app.onecodex.com/api/v1) would make every request a 404.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getInputs } from '../../src/inputs/input-helper.js'
import { captureStdout, setInputs } from '../helpers/fixtures.js'

const saved = { ...process.env }

async function read(apiUrl: string) {
  setInputs({ 'api-key': 'k3y', files: '*.fq', 'api-url': apiUrl })
  let result!: ReturnType<typeof getInputs>
  await captureStdout(() => {
    result = getInputs()
  })
  return { settings: result.settings, messages: result.problems.map(p => p.message) }
}

beforeEach(() => {
  process.env.GITHUB_WORKSPACE = '/ws'
})
afterEach(() => {
  process.env = { ...saved }
})

describe('api-url must be an origin', () => {
  it.each([
    ['https://app.onecodex.com/api/v1', 'a path (/api/v1)', 'https://app.onecodex.com'],
    ['https://app.onecodex.com/api/v1/', 'a path (/api/v1)', 'https://app.onecodex.com'],
    ['https://app.onecodex.com/', undefined, undefined],
    ['https://app.onecodex.com?team=1', 'a query (?team=1)', 'https://app.onecodex.com'],
    ['https://app.onecodex.com/#samples', 'a fragment (#samples)', 'https://app.onecodex.com'],
    ['http://127.0.0.1:8080/onecodex', 'a path (/onecodex)', 'http://127.0.0.1:8080']
  ])(
    'refuses %s before any request, naming api-url and what to write',
    async (raw, part, origin) => {
      const { messages } = await read(raw)
      if (part === undefined) {
        expect(messages).toEqual([])
        return
      }
      expect(messages).toEqual([
        `Input api-url is "${raw}": it must be the origin of the One Codex API only (scheme, host and port), but it holds ${part}. The action adds the /api/v1/... paths itself: write ${origin}.`
      ])
    }
  )

  it('refuses credentials in the URL without repeating them', async () => {
    const { messages } = await read('https://user:s3cret@app.onecodex.com')
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/^Input api-url holds a user name or password/)
    expect(messages[0]).toContain('api-key')
    expect(messages[0]).toContain('https://app.onecodex.com')
    expect(messages[0]).not.toContain('s3cret')
    expect(messages[0]).not.toContain('user:')
  })

  it.each([
    ['https://app.onecodex.com', 'https://app.onecodex.com'],
    ['https://app.onecodex.com/', 'https://app.onecodex.com'],
    ['https://app.onecodex.com//', 'https://app.onecodex.com'],
    ['https://eu.onecodex.example:8443/', 'https://eu.onecodex.example:8443'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080']
  ])('accepts %s (a trailing slash stays fine) as %s', async (raw, apiUrl) => {
    const { settings, messages } = await read(raw)
    expect(messages).toEqual([])
    expect(settings.apiUrl).toBe(apiUrl)
  })

  it('still says http is refused for a non-loopback host (one message, not two)', async () => {
    const { messages } = await read('http://example.test/api/v1')
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/^Input api-url "http:\/\/example\.test" uses http/)
  })
})
