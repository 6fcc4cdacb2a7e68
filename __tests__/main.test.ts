import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { run } from '../src/main.js'
import { captureStdout, fastq, gz, tempWorkspace } from './helpers/fixtures.js'

/** Every request that reaches the fake API, whatever its path. */
const requests: string[] = []
let server: Server
let apiUrl: string
const savedEnv = { ...process.env }
let ws: ReturnType<typeof tempWorkspace>

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    req.resume()
    res.writeHead(500).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

beforeEach(() => {
  requests.length = 0
  ws = tempWorkspace('ocu-main-')
  ws.write('in/good_R1_001.fastq.gz', gz(fastq()))
  ws.write('in/good_R2_001.fastq.gz', gz(fastq()))
})
afterEach(() => {
  process.env = { ...savedEnv }
  process.exitCode = undefined
  ws.remove()
})

/** Runs the action in-process with these inputs; returns its stdout, outputs and exit code. */
async function runAction(inputs: Record<string, string>) {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  const outputFile = path.join(ws.dir, 'github_output')
  writeFileSync(outputFile, '')
  process.env.GITHUB_OUTPUT = outputFile
  process.env.GITHUB_WORKSPACE = ws.dir
  for (const [name, value] of Object.entries({
    'api-key': 'sk_e2e_key',
    'api-url': apiUrl,
    ...inputs
  }))
    process.env[`INPUT_${name.toUpperCase()}`] = value
  process.exitCode = undefined
  const stdout = await captureStdout(() => run())
  const outputs: Record<string, string> = {}
  const text = readFileSync(outputFile, 'utf8')
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]] = m[3]
  const errors = stdout.split('\n').filter(l => l.startsWith('::error'))
  return { stdout, outputs, errors, exitCode: process.exitCode }
}

const EMPTY_OUTPUTS = { 'sample-ids': '[]', samples: '[]', failed: '[]' }

describe('run: any invalid input makes zero requests', () => {
  it.each<[string, Record<string, string>, (string | RegExp)[]]>([
    [
      'bad files, a lone mate, bad metadata and bad numbers together',
      { files: 'in/*\nextra/*', concurrency: '0', metadata: '{"platform": "miseq", "colour": 1}' },
      [
        /^::error::Input metadata: metadata\.platform is the string "miseq"/,
        /^::error::Input metadata: metadata\.colour is not a known metadata field/,
        /^::error::Input concurrency is "0"/,
        /^::error file=extra\/François\.fq::extra\/François\.fq: filename "François\.fq" contains characters that are not allowed/,
        /^::error file=extra\/lonely_R1\.fq::.*its mate lonely_R2\.fq is not among the matched files/,
        /^::error file=extra\/x\.fq\.bz2::.*does not end in an accepted extension/
      ]
    ],
    [
      'a missing api-key',
      { 'api-key': '', files: 'in/*' },
      [/^::error::Input required and not supplied: api-key\./]
    ],
    [
      'no file matched',
      { files: 'nothing/*.fq' },
      [/^::error::No files matched the files patterns \(tried: "nothing\/\*\.fq"/]
    ],
    [
      'sample-id with two samples',
      { files: 'in/*\nextra/ok.fa', 'sample-id': 'abc123' },
      [
        /^::error::Input sample-id is set, so exactly one sample may be uploaded, but the files make 2 samples/
      ]
    ],
    [
      'interleaved with a pair',
      { files: 'in/*', interleaved: 'true' },
      [/^::error file=in\/good_R1_001\.fastq\.gz::.*interleaved is true/]
    ],
    [
      'a too-long tag',
      { files: 'in/*', tags: 'x'.repeat(31) },
      [/^::error::Input tags: tag "x{31}" is 31 characters long/]
    ]
  ])('%s', async (_label, inputs, expected) => {
    ws.write('extra/François.fq', fastq())
    ws.write('extra/lonely_R1.fq', fastq())
    ws.write('extra/x.fq.bz2', 'BZh91AY&SY')
    ws.write('extra/ok.fa', '>a\nACGT\n')

    const { errors, outputs, exitCode, stdout } = await runAction(inputs)

    expect(requests).toEqual([])
    expect(exitCode).toBe(1)
    expect(outputs).toEqual(EMPTY_OUTPUTS)
    // One ::error line per problem, then the summary that fails the step.
    expect(errors).toHaveLength(expected.length + 1)
    for (const pattern of expected) expect(errors.some(line => line.match(pattern))).toBe(true)
    expect(errors[errors.length - 1]).toMatch(
      new RegExp(`^::error::${expected.length} problems? found before upload; nothing was sent\\.$`)
    )
    // The key appears only in the command that masks it.
    expect(stdout.replace('::add-mask::sk_e2e_key', '')).not.toContain('sk_e2e_key')
  })

  it('a valid dry run also makes zero requests, prints the plan and succeeds', async () => {
    const { errors, outputs, exitCode, stdout } = await runAction({
      files: 'in/*',
      'dry-run': 'true'
    })
    expect(requests).toEqual([])
    expect(errors).toEqual([])
    expect(exitCode).toBeUndefined()
    expect(outputs).toEqual(EMPTY_OUTPUTS)
    expect(stdout).toContain('"paired_end_filename":"good_R2_001.fastq.gz"')
    expect(stdout).toMatch(
      /Dry run: 1 sample \(2 files, .*\) would be uploaded to http:\/\/127\.0\.0\.1:\d+; nothing was sent\./
    )
  })
})
