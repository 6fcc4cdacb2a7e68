import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getInputs, parsePatterns, parseTags } from '../../src/inputs/input-helper.js'
import { captureStdout, setInputs } from '../helpers/fixtures.js'

const saved = { ...process.env }

async function read(inputs: Record<string, string>) {
  setInputs({ 'api-key': 'k3y', files: '*.fq', ...inputs })
  let result!: ReturnType<typeof getInputs>
  const out = await captureStdout(() => {
    result = getInputs()
  })
  return { ...result, messages: result.problems.map(p => p.message), out }
}

beforeEach(() => {
  process.env.GITHUB_WORKSPACE = '/ws'
})
afterEach(() => {
  process.env = { ...saved }
})

describe('getInputs', () => {
  it('reads defaults into settings with no problem, masking the key', async () => {
    const { settings, problems, out } = await read({})
    expect(problems).toEqual([])
    expect(settings).toEqual({
      apiKey: 'k3y',
      patterns: ['*.fq'],
      metadata: undefined,
      project: undefined,
      tags: [],
      paired: true,
      interleaved: undefined,
      sampleId: undefined,
      externalSampleId: undefined,
      apiUrl: 'https://app.onecodex.com',
      concurrency: 4,
      maxAttempts: 5,
      ifNoFilesFound: 'error',
      dryRun: false,
      uploadMethod: 'auto',
      validate: 'full',
      workspace: '/ws',
      lanes: 'merge',
      sampleSheet: undefined,
      prefixWithDir: false,
      skipExisting: false,
      shard: undefined,
      waitForAnalysis: false,
      analysisTimeoutMs: 60 * 60_000
    })
    expect(out).toContain('::add-mask::k3y')
  })

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'concurrency 0',
      { concurrency: '0' },
      /^Input concurrency is "0": it must be a whole number from 1 to 16\.$/
    ],
    ['concurrency 17', { concurrency: '17' }, /concurrency is "17"/],
    ['concurrency 2.5', { concurrency: '2.5' }, /concurrency is "2\.5"/],
    [
      'max-attempts 11',
      { 'max-attempts': '11' },
      /^Input max-attempts is "11": it must be a whole number from 1 to 10\.$/
    ],
    ['max-attempts abc', { 'max-attempts': 'abc' }, /max-attempts is "abc"/],
    [
      'paired yes',
      { paired: 'yes' },
      /^Input paired is "yes": it must be a boolean \(one of true, True, TRUE, false, False, FALSE\)\.$/
    ],
    ['interleaved 1', { interleaved: '1' }, /^Input interleaved is "1": it must be a boolean/],
    ['dry-run on', { 'dry-run': 'on' }, /^Input dry-run is "on"/],
    [
      'if-no-files-found fail',
      { 'if-no-files-found': 'fail' },
      /^Input if-no-files-found is "fail": it must be one of error, warn, ignore\.$/
    ],
    [
      'a 31-character tag',
      { tags: `ok, ${'t'.repeat(31)}` },
      /^Input tags: tag "t{31}" is 31 characters long: at most 30/
    ],
    [
      'a 17-character project',
      { project: 'p'.repeat(17) },
      /^Input project is 17 characters long: at most 16/
    ],
    [
      'a 61-character external-sample-id',
      { 'external-sample-id': 'e'.repeat(61) },
      /^Input external-sample-id is 61 characters long: at most 60/
    ],
    [
      'both sample ids',
      { 'sample-id': 'a', 'external-sample-id': 'b' },
      /^Inputs sample-id and external-sample-id are both set/
    ],
    [
      'metadata that is not JSON',
      { metadata: '{platform: x}' },
      /^Input metadata is not valid JSON: .*must be a JSON object/
    ],
    [
      'metadata that breaks the schema',
      { metadata: '{"platform": "miseq"}' },
      /^Input metadata: metadata\.platform is the string "miseq"/
    ],
    ['metadata that is an array', { metadata: '[1]' }, /^Input metadata: metadata is an array/],
    ['files with only comments', { files: '# nothing\n\n' }, /^Input files holds no pattern/],
    [
      'validate quick',
      { validate: 'quick' },
      /^Input validate is "quick": it must be one of full, head\.$/
    ],
    [
      'lanes mixed',
      { lanes: 'mixed' },
      /^Input lanes is "mixed": it must be one of merge, separate\.$/
    ],
    [
      'prefix-with-dir yes',
      { 'prefix-with-dir': 'yes' },
      /^Input prefix-with-dir is "yes": it must be a boolean/
    ],
    [
      'a plain-http api-url',
      { 'api-url': 'http://example.test' },
      /^Input api-url "http:\/\/example\.test" uses http/
    ],
    [
      'wait-for-analysis yes',
      { 'wait-for-analysis': 'yes' },
      /^Input wait-for-analysis is "yes": it must be a boolean/
    ],
    [
      'analysis-timeout soon',
      { 'analysis-timeout': 'soon', 'wait-for-analysis': 'true' },
      /^Input analysis-timeout is "soon": it must be a duration such as 90s, 45m or 2h, or a number of minutes\.$/
    ],
    [
      'analysis-timeout 7h',
      { 'analysis-timeout': '7h', 'wait-for-analysis': 'true' },
      /^Input analysis-timeout is "7h": it may be at most 6 h \(a job's time limit on GitHub-hosted runners\)\.$/
    ],
    [
      'analysis-timeout 0 even without wait-for-analysis',
      { 'analysis-timeout': '0' },
      /^Input analysis-timeout is "0": it must be longer than 0\.$/
    ]
  ])('refuses %s', async (_label, inputs, message) => {
    const { messages } = await read(inputs)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(message)
  })

  it.each<[string, Record<string, string>]>([
    ['boolean spellings True/FALSE', { paired: 'True', 'dry-run': 'TRUE', interleaved: 'FALSE' }],
    [
      'limits reached exactly',
      { concurrency: '16', 'max-attempts': '1', project: 'p'.repeat(16), tags: 't'.repeat(30) }
    ],
    ['a loopback http api-url', { 'api-url': 'http://127.0.0.1:8080/' }],
    ['one sample id', { 'external-sample-id': 'e'.repeat(60) }]
  ])('accepts %s', async (_label, inputs) => {
    expect((await read(inputs)).problems).toEqual([])
  })

  it('collects a missing api-key and files together with every other problem', async () => {
    setInputs({ concurrency: '99', metadata: '{"starred": 1}' })
    let result!: ReturnType<typeof getInputs>
    const out = await captureStdout(() => {
      result = getInputs()
    })
    expect(result.problems.map(p => p.message)).toEqual([
      'Input required and not supplied: api-key.',
      'Input required and not supplied: files.',
      'Input metadata: metadata.starred is the number 1: it must be true or false.',
      'Input concurrency is "99": it must be a whole number from 1 to 16.'
    ])
    expect(out).not.toContain('::add-mask::')
  })

  it.each<[string, number]>([
    ['90s', 90_000],
    ['45m', 45 * 60_000],
    ['2h', 2 * 3_600_000],
    ['30', 30 * 60_000],
    ['6h', 6 * 3_600_000]
  ])('reads wait-for-analysis with analysis-timeout %s', async (raw, ms) => {
    const { settings, problems } = await read({
      'wait-for-analysis': 'true',
      'analysis-timeout': raw
    })
    expect(problems).toEqual([])
    expect(settings).toMatchObject({ waitForAnalysis: true, analysisTimeoutMs: ms })
  })

  it('reads validate head', async () => {
    const { settings, problems } = await read({ validate: 'head' })
    expect(problems).toEqual([])
    expect(settings.validate).toBe('head')
  })

  it('reads lanes, sample-sheet and prefix-with-dir', async () => {
    const { settings, problems } = await read({
      lanes: 'separate',
      'sample-sheet': '  sheets/run 42.csv \n',
      'prefix-with-dir': 'true'
    })
    expect(problems).toEqual([])
    expect(settings).toMatchObject({
      lanes: 'separate',
      sampleSheet: 'sheets/run 42.csv',
      prefixWithDir: true
    })
  })

  it('parses booleans, numbers, tags and the api-url into settings', async () => {
    const { settings } = await read({
      paired: 'false',
      interleaved: 'true',
      'dry-run': 'true',
      concurrency: '8',
      'max-attempts': '3',
      tags: ' soil , batch 2\nsoil,,\n',
      'api-url': 'https://onecodex.example.test///',
      'if-no-files-found': 'warn',
      metadata: '{"name": "S"}'
    })
    expect(settings).toMatchObject({
      paired: false,
      interleaved: true,
      dryRun: true,
      concurrency: 8,
      maxAttempts: 3,
      tags: ['soil', 'batch 2'],
      apiUrl: 'https://onecodex.example.test',
      ifNoFilesFound: 'warn',
      metadata: { name: 'S' }
    })
  })
})

describe('getInputs: the proxy environment', () => {
  beforeEach(() => {
    for (const name of [
      'HTTPS_PROXY',
      'https_proxy',
      'HTTP_PROXY',
      'http_proxy',
      'NO_PROXY',
      'no_proxy'
    ])
      delete process.env[name]
  })

  it('refuses an unusable HTTPS_PROXY before any request, naming the variable, never its password', async () => {
    process.env.HTTPS_PROXY = 'socks5://ci:pr0xy-s3cret@proxy.corp:1080'
    const { messages } = await read({})
    expect(messages).toEqual([
      "HTTPS_PROXY uses socks5://: only http:// and https:// proxies are supported: every https request of this step (api-url https://app.onecodex.com and One Codex's storage) would go through it. Write it as http://host:port (user:password@host:port when the proxy needs credentials, https:// for a TLS proxy), or unset it."
    ])
    expect(messages.join('')).not.toContain('s3cret')
  })

  it('names https_proxy when that is the one read', async () => {
    process.env.https_proxy = 'http://proxy corp:3128'
    const { messages } = await read({})
    expect(messages).toEqual([expect.stringMatching(/^https_proxy is not a valid URL: /)])
  })

  it('refuses nothing no request would use: NO_PROXY=*, a loopback api-url, HTTP_PROXY', async () => {
    process.env.HTTPS_PROXY = 'socks5://proxy.corp:1080'
    process.env.NO_PROXY = '*'
    expect((await read({})).messages).toEqual([])
    delete process.env.NO_PROXY
    expect((await read({ 'api-url': 'http://127.0.0.1:8080' })).messages).toEqual([])
    delete process.env.HTTPS_PROXY
    process.env.HTTP_PROXY = 'socks5://proxy.corp:1080'
    expect((await read({})).messages).toEqual([])
  })
})

describe('parsePatterns', () => {
  it('keeps one pattern a line, dropping blanks and # comments, keeping ! excludes', () => {
    expect(parsePatterns('# reads\nreads/*.fq.gz\r\n\n  !reads/bad*  \n#x\nref/*.fa')).toEqual([
      'reads/*.fq.gz',
      '!reads/bad*',
      'ref/*.fa'
    ])
  })
})

describe('parseTags', () => {
  it('trims, drops empty tags and de-duplicates', () => {
    const problems: string[] = []
    expect(parseTags(' a, b ,\n a,,  ,c\r\nb', problems)).toEqual(['a', 'b', 'c'])
    expect(problems).toEqual([])
  })
})
