// run() in process, against the One Codex emulator (which logs every request it receives, API
// and storage): invalid input and dry runs send nothing; uploads set the outputs, job summary
// and annotations, fail the step when a sample fails, and never print the API key.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { startSandbox, type Sandbox } from '../sandbox/emulator.js'
import { parseOutputFile } from '../sandbox/runner.js'
import type { AnalysisRule } from '../sandbox/emulator.js'
import type { AnalysisResult } from '../src/analysis/types.js'
import { run } from '../src/main.js'
import type { ResultsRecord } from '../src/report/results-file.js'
import { describeSize } from '../src/shared/format.js'
import {
  captureOutput,
  fastq,
  gz,
  setInputs,
  tempWorkspace,
  vanishedFileLink
} from './helpers/fixtures.js'

const API_KEY = 'sk_main_5f3c9a1e7d'
const savedEnv = { ...process.env }
let sandbox: Sandbox
let ws: ReturnType<typeof tempWorkspace>
// The step's files live outside the workspace, in one directory for the whole file:
// core.summary remembers the summary path it first used.
let stepFiles: ReturnType<typeof tempWorkspace>
let outputFile: string
let summaryFile: string

beforeAll(() => {
  stepFiles = tempWorkspace('ocu-main-step-')
  outputFile = path.join(stepFiles.dir, 'github_output')
  summaryFile = path.join(stepFiles.dir, 'step_summary')
})
afterAll(() => stepFiles.remove())
beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: API_KEY })
  ws = tempWorkspace('ocu-main-')
})
afterEach(async () => {
  await sandbox.close()
  process.env = { ...savedEnv }
  process.exitCode = undefined
  ws.remove()
})

/**
 * Runs the action in-process with these inputs (api-key and api-url default to the sandbox's);
 * returns what it printed, the outputs and summary it wrote, and its exit code.
 */
async function runAction(inputs: Record<string, string>) {
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  setInputs({ 'api-key': API_KEY, 'api-url': sandbox.apiUrl, ...inputs })
  Object.assign(process.env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: ws.dir,
    ONECODEX_UPLOAD_RETRY_BASE_MS: '1'
  })
  process.exitCode = undefined
  const { stdout, stderr } = await captureOutput(() => run())
  const outputsText = readFileSync(outputFile, 'utf8')
  return {
    stdout,
    stderr,
    errors: stdout.split('\n').filter(l => l.startsWith('::error')),
    outputs: parseOutputFile(outputsText),
    outputsText,
    summary: readFileSync(summaryFile, 'utf8'),
    exitCode: process.exitCode
  }
}

/** The key may reach stdout only inside the runner's ::add-mask:: command. */
function expectNoKey(result: Awaited<ReturnType<typeof runAction>>): void {
  const printed = result.stdout.split('\n').filter(l => !l.startsWith('::add-mask::'))
  expect(printed.join('\n')).not.toContain(API_KEY)
  expect(result.stderr).not.toContain(API_KEY)
  expect(result.outputsText).not.toContain(API_KEY)
  expect(result.summary).not.toContain(API_KEY)
  const basic = Buffer.from(`${API_KEY}:`).toString('base64')
  expect(result.stdout + result.stderr + result.summary).not.toContain(basic)
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

const EMPTY_OUTPUTS = { 'sample-ids': '[]', samples: '[]', failed: '[]' }

describe('run: any invalid input makes zero requests', () => {
  beforeEach(() => {
    ws.write('in/good_R1_001.fastq.gz', gz(fastq()))
    ws.write('in/good_R2_001.fastq.gz', gz(fastq()))
  })

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
    ],
    [
      'an analysis-timeout over 6 h',
      { files: 'in/*', 'wait-for-analysis': 'true', 'analysis-timeout': '361' },
      [/^::error::Input analysis-timeout is "361": it may be at most 6 h/]
    ]
  ])('%s', async (_label, inputs, expected) => {
    ws.write('extra/François.fq', fastq())
    ws.write('extra/lonely_R1.fq', fastq())
    ws.write('extra/x.fq.bz2', 'BZh91AY&SY')
    ws.write('extra/ok.fa', '>a\nACGT\n')

    const result = await runAction(inputs)
    const { errors, outputs, exitCode, stdout } = result

    expect(sandbox.requests).toEqual([])
    expect(exitCode).toBe(1)
    expect(outputs).toMatchObject({ 'sample-ids': '[]', samples: '[]', truncated: '[]' })
    // `failed` accounts for every file: refused ones with their rule, the others not attempted.
    const failed = JSON.parse(outputs.failed) as { status: string; rule?: string }[]
    for (const entry of failed) expect(['refused', 'not attempted']).toContain(entry.status)
    // One ::error line per problem, then the summary that fails the step.
    expect(errors).toHaveLength(expected.length + 1)
    for (const pattern of expected) expect(errors.some(line => line.match(pattern))).toBe(true)
    expect(errors[errors.length - 1]).toMatch(
      new RegExp(`^::error::${expected.length} problems? found before upload; nothing was sent\\.$`)
    )
    // The key appears only in the command that masks it.
    expect(stdout.replace(`::add-mask::${API_KEY}`, '')).not.toContain(API_KEY)
    expectNoKey(result)
  })

  it('a valid dry run also makes zero requests, prints the plan and succeeds', async () => {
    const result = await runAction({ files: 'in/*', 'dry-run': 'true' })
    const { errors, outputs, exitCode, stdout } = result
    expect(sandbox.requests).toEqual([])
    expect(errors).toEqual([])
    expect(exitCode).toBeUndefined()
    expect(outputs).toMatchObject(EMPTY_OUTPUTS)
    expect(stdout).toContain('"paired_end_filename":"good_R2_001.fastq.gz"')
    expect(stdout).toMatch(
      /Dry run: 1 sample \(2 files, .*\) would be uploaded to http:\/\/127\.0\.0\.1:\d+; nothing was sent\./
    )
    expectNoKey(result)
  })
})

describe('run: wait-for-analysis', () => {
  /** A sandbox whose analyses start 0.2 s after the upload and take 0.3 s (or as `rules` say). */
  async function analysingSandbox(rules: AnalysisRule[] = []): Promise<void> {
    await sandbox.close()
    sandbox = await startSandbox({
      apiKey: API_KEY,
      analysis: { startDelayMs: 200, runTimeMs: 300, rules }
    })
    process.env.ONECODEX_UPLOAD_ANALYSIS_POLL_MS = '50'
  }

  it('a dry run says what it would wait for and sends nothing', async () => {
    ws.write('in/a.fq', fastq())
    ws.write('in/b.fq', fastq(4))
    const result = await runAction({
      files: 'in/*',
      'dry-run': 'true',
      'wait-for-analysis': 'true',
      'analysis-timeout': '45m'
    })
    expect(sandbox.requests).toEqual([])
    expect(result.exitCode).toBeUndefined()
    const line =
      "With wait-for-analysis, the run would wait up to 45 min for One Codex's analyses of 2 samples; nothing was awaited."
    expect(result.stdout).toContain(line)
    expect(result.summary).toContain(line)
    expect(result.outputs.analyses).toBeUndefined()
  })

  it('uploads, waits, and sets analyses next to sample-ids; the summary shows the species', async () => {
    await analysingSandbox()
    ws.write('w/a.fq', fastq(3))
    ws.write('w/b.fq', fastq(5))
    const result = await runAction({ files: 'w/*.fq', 'wait-for-analysis': 'true' })
    expect(result.exitCode ?? 0).toBe(0)
    const ids = JSON.parse(result.outputs['sample-ids']) as string[]
    const analyses = JSON.parse(result.outputs.analyses) as AnalysisResult[]
    expect(analyses.map(a => [a.sample_id, a.path, a.status, a.top.length > 0])).toEqual([
      [ids[0], 'w/a.fq', 'complete', true],
      [ids[1], 'w/b.fq', 'complete', true]
    ])
    expect(result.summary).toContain('## One Codex analyses')
    expect(result.summary).toContain(`<i>${analyses[0].top[0].name}</i>`)
    expect(result.stdout).toContain('All 2 analyses are complete.')
    expectNoKey(result)
  })

  it('fails the step when an analysis fails, the upload outputs still set', async () => {
    await analysingSandbox([
      { filename: 'b.fq', error: 'Sample contains no reads we could classify.' }
    ])
    ws.write('w/a.fq', fastq(3))
    ws.write('w/b.fq', fastq(5))
    const result = await runAction({ files: 'w/*.fq', 'wait-for-analysis': 'true' })
    expect(result.exitCode).toBe(1)
    const ids = JSON.parse(result.outputs['sample-ids']) as string[]
    expect(ids).toHaveLength(2)
    expect(JSON.parse(result.outputs.samples)).toHaveLength(2)
    expect(result.errors).toEqual([
      `::error title=Analysis failed,file=w/b.fq::b.fq (sample ${ids[1]}): analysis failed: Sample contains no reads we could classify.`,
      '::error::All 2 samples were uploaded and confirmed. 1 of 2 analyses complete: 1 failed. See the list above, the job summary and the file named by the results-file output.'
    ])
    expectNoKey(result)
  })

  it('a failed upload is not waited for; the confirmed sample is', async () => {
    await analysingSandbox()
    ws.write('w/a.fq', fastq(3))
    ws.write('w/bad.fq', fastq(4))
    sandbox.faults.failFile('bad.fq', 'init_upload', 400, JSON.stringify({ message: 'No.' }))
    const result = await runAction({ files: 'w/*.fq', 'wait-for-analysis': 'true' })
    expect(result.exitCode).toBe(1)
    const analyses = JSON.parse(result.outputs.analyses) as AnalysisResult[]
    expect(analyses.map(a => [a.filename, a.status])).toEqual([['a.fq', 'complete']])
    expect(result.errors.at(-1)).toBe(
      "::error::1 of 2 samples were uploaded and confirmed: 1 failed. The sample's analysis is complete. See the list above, the job summary and the file named by the results-file output."
    )
  })
})

describe('run: upload', () => {
  it('uploads a pair and a single file through flaky storage, sets outputs and the summary', async () => {
    const r1 = gz(fastq(40))
    const r2 = gz(fastq(40).replace(/@read/g, '@mate')) // as many reads as R1: the pair rule
    const single = gz(fastq(7))
    ws.write('ok/s1_R1_001.fastq.gz', r1)
    ws.write('ok/s1_R2_001.fastq.gz', r2)
    ws.write('ok/solo.fastq.gz', single)
    sandbox.faults.add('storage', { kind: 'status', status: 503 })

    const result = await runAction({ files: 'ok/*', tags: 'ci', concurrency: '2' })

    expect(result.exitCode ?? 0).toBe(0)
    const ids = JSON.parse(result.outputs['sample-ids']) as string[]
    expect(ids).toHaveLength(2)
    const samples = JSON.parse(result.outputs.samples) as Record<string, unknown>[]
    const pair = samples.find(s => s.filename === 's1_R1_001.fastq.gz')
    expect(pair).toMatchObject({
      sha256: sha256(r1),
      reads: 40,
      bases: 320,
      paired_end_filename: 's1_R2_001.fastq.gz',
      paired_end_sha256: sha256(r2),
      paired_end_reads: 40,
      paired_end_bases: 320
    })
    expect(samples.find(s => s.filename === 'solo.fastq.gz')).toMatchObject({
      sha256: sha256(single)
    })
    expect(result.outputs.failed).toBe('[]')
    expect(sandbox.samples().every(s => s.confirmed)).toBe(true)
    expect(result.summary).toContain('2 of 2 samples confirmed.')
    for (const id of ids) expect(result.summary).toContain(id)
    expect(result.stdout).toContain('attempt 1 of 5 failed')
    expectNoKey(result)
  })

  it('keeps the others when one sample fails, then fails the step naming it', async () => {
    ws.write('mix/a.fq', fastq(3))
    ws.write('mix/bad.fq', fastq(4))
    ws.write('mix/c.fq', fastq(5))
    sandbox.faults.failFile(
      'bad.fq',
      'init_upload',
      400,
      JSON.stringify({ message: 'This file cannot be uploaded.' })
    )

    const result = await runAction({ files: 'mix/*.fq', concurrency: '3' })

    expect(result.exitCode).toBe(1)
    expect(JSON.parse(result.outputs['sample-ids'])).toHaveLength(2)
    const failed = JSON.parse(result.outputs.failed) as { path: string; error: string }[]
    expect(failed).toEqual([
      {
        path: 'mix/bad.fq',
        status: 'failed',
        error: 'init_upload for bad.fq failed with HTTP 400 (This file cannot be uploaded.).'
      }
    ])
    expect(result.errors).toEqual([
      '::error title=Upload failed,file=mix/bad.fq::init_upload for bad.fq failed with HTTP 400 (This file cannot be uploaded.).',
      '::error::2 of 3 samples were uploaded and confirmed: 1 failed. See the list above, the job summary and the file named by the results-file output.'
    ])
    expect(result.summary).toContain('2 of 3 samples confirmed.')
    expect(
      sandbox
        .samples()
        .filter(s => s.confirmed)
        .map(s => s.filename)
        .sort()
    ).toEqual(['a.fq', 'c.fq'])
    expectNoKey(result)
  })

  it('fails fast on a wrong key, with the key named as the cause and never printed', async () => {
    ws.write('one/x.fq', fastq(3))
    const result = await runAction({ files: 'one/x.fq', 'api-key': `${API_KEY}_revoked` })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('HTTP 401')
    expect(result.stdout).toContain('check the api-key input')
    expect(sandbox.requests.map(r => r.route)).toEqual(['init_upload'])
    expect(
      result.stdout
        .split('\n')
        .filter(l => !l.startsWith('::add-mask::'))
        .join('\n')
    ).not.toContain(`${API_KEY}_revoked`)
  })
})

describe('run: what a dry run with skip-existing and an empty shard say they did', () => {
  const recordOf = (result: Awaited<ReturnType<typeof runAction>>): ResultsRecord =>
    JSON.parse(readFileSync(result.outputs['results-file'], 'utf8')) as ResultsRecord
  const lastLine = (stdout: string): string =>
    stdout
      .trimEnd()
      .split('\n')
      .filter(l => !l.startsWith('::debug::'))
      .pop() ?? ''

  it('dry run + skip-existing, all already there: "3 samples: 0 would be uploaded, 3 already in One Codex"', async () => {
    for (const [name, reads] of [
      ['a.fq', 3],
      ['b.fq', 4],
      ['c.fq', 5]
    ] as const) {
      const file = ws.write(`ex/${name}`, fastq(reads))
      sandbox.seed({ filename: name, size: readFileSync(file).length })
    }
    const result = await runAction({
      files: 'ex/*',
      'dry-run': 'true',
      'skip-existing': 'true',
      paired: 'false'
    })
    expect(result.exitCode).toBeUndefined()
    expect(sandbox.requests.map(r => r.route)).toEqual(['list_samples'])
    const totals =
      '3 samples: 0 would be uploaded, 3 already in One Codex; nothing was uploaded (only read-only listing requests were sent).'
    expect(lastLine(result.stdout)).toBe(`Dry run: ${totals}`)
    expect(result.summary).toContain(`**Dry run: ${totals}**`)
    expect(result.stdout).not.toMatch(/3 samples \(.*\) would be uploaded/)
  })

  it('dry run + skip-existing, one of three there: counts the files and bytes of the two to upload', async () => {
    const sizes: number[] = []
    for (const [name, reads] of [
      ['a.fq', 3],
      ['b.fq', 4],
      ['c.fq', 5]
    ] as const)
      sizes.push(readFileSync(ws.write(`ex/${name}`, fastq(reads))).length)
    sandbox.seed({ filename: 'b.fq', size: sizes[1] })
    const result = await runAction({
      files: 'ex/*',
      'dry-run': 'true',
      'skip-existing': 'true',
      paired: 'false'
    })
    const bytes = sizes[0] + sizes[2]
    expect(lastLine(result.stdout)).toBe(
      `Dry run: 3 samples: 2 would be uploaded (2 files, ${describeSize(bytes)}) to ${sandbox.apiUrl}, 1 already in One Codex; nothing was uploaded (only read-only listing requests were sent).`
    )
    expect(recordOf(result).totals).toMatchObject({ samples: 3, existing: 1 })
  })

  it('a shard that got no sample says "Shard k/n: 0 of N planned samples", not "No sample was planned"', async () => {
    ws.write('one/only.fq', fastq())
    // A shard of 256 that this one sample does not fall in.
    const { shardOf } = await import('../src/plan/shard.js')
    const own = shardOf({ file: { filename: 'only.fq' } } as Parameters<typeof shardOf>[0], 256)
    const k = own === 1 ? 2 : 1
    const result = await runAction({ files: 'one/*', shard: `${k}/256` })
    expect(result.exitCode).toBeUndefined()
    expect(sandbox.requests).toEqual([])
    const headline = `Shard ${k}/256: 0 of 1 planned sample; this job has nothing to upload.`
    // The tally, then where the complete record is.
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines.slice(-2)).toEqual([headline, expect.stringMatching(/^Complete record: /)])
    expect(result.summary).toContain(`**${headline}**`)
    expect(result.stdout + result.summary).not.toContain('No sample was planned')
    expect(JSON.parse(result.outputs['sample-ids'])).toEqual([])
  })
})

describe('run: a shard says which share it covers; every path is workspace-relative', () => {
  // Six samples; with shard n = 2 (the README's hash of the upload filename): shard 1 holds
  // c.fq, g.fq and the merged lanes L_S1_R1_001.fastq.gz (a pair); shard 2 holds a.fq, b.fq and
  // the pair p.
  beforeEach(() => {
    for (const name of ['a.fq', 'b.fq', 'c.fq', 'g.fq']) ws.write(`sh/${name}`, fastq())
    ws.write('sh/p_R1_001.fastq.gz', gz(fastq()))
    ws.write('sh/p_R2_001.fastq.gz', gz(fastq()))
    for (const lane of [1, 2])
      for (const read of [1, 2]) ws.write(`sh/L_S1_L00${lane}_R${read}_001.fastq.gz`, gz(fastq()))
  })

  const recordOf = (result: Awaited<ReturnType<typeof runAction>>): ResultsRecord =>
    JSON.parse(readFileSync(result.outputs['results-file'], 'utf8')) as ResultsRecord
  /** What the run wrote for the user (glob's ::debug:: lines aside) never names the workspace. */
  function expectNoWorkspacePath(result: Awaited<ReturnType<typeof runAction>>): void {
    const log = result.stdout
      .split('\n')
      .filter(l => !l.startsWith('::debug::'))
      .join('\n')
    expect(log).not.toContain(ws.dir)
    expect(result.stderr).not.toContain(ws.dir)
    expect(result.outputsText).not.toContain(ws.dir)
    expect(result.summary).not.toContain(ws.dir)
    expect(readFileSync(result.outputs['results-file'], 'utf8')).not.toContain(ws.dir)
  }

  it('a dry run of shard 1/2 names its share in the log, the summary and the results file', async () => {
    const result = await runAction({ files: 'sh/*', shard: '1/2', 'dry-run': 'true' })
    expect(sandbox.requests).toEqual([])
    expect(result.exitCode).toBeUndefined()
    expect(result.stdout).toMatch(
      /Dry run \(shard 1\/2: 3 of 6 samples\): 3 samples \(6 files, .*\) would be uploaded to/
    )
    expect(result.summary).toContain('One Codex upload (dry run)')
    expect(result.summary).toContain('**Shard 1/2: 3 of 6 samples. Dry run: 3 samples (')
    // The log and the summary give the same totals (files on disk: each lane counts).
    const totals = /3 samples \(6 files, [^)]*\)\) would be uploaded to [^;]+; nothing was sent\./
    expect(result.summary).toMatch(totals)
    expect(result.stdout).toMatch(totals)
    const record = recordOf(result)
    expect(record).toMatchObject({ outcome: 'dry-run', scope: 'shard 1/2: 3 of 6 samples' })
    expect(record.planned?.map(p => [p.path, p.paired_end_path])).toEqual([
      ['sh/L_S1_L001_R1_001.fastq.gz', 'sh/L_S1_L001_R2_001.fastq.gz'],
      ['sh/c.fq', undefined],
      ['sh/g.fq', undefined]
    ])
    // The plan output: every path of every source and lane, workspace-relative.
    const plan = JSON.parse(result.outputs.plan) as {
      name: string
      sources: { path: string; segments: { path: string }[] }[]
    }[]
    expect(plan.map(p => p.name)).toEqual(['L_S1_R1_001.fastq.gz', 'c.fq', 'g.fq'])
    expect(plan[0].sources.flatMap(s => s.segments.map(g => g.path))).toEqual([
      'sh/L_S1_L001_R1_001.fastq.gz',
      'sh/L_S1_L002_R1_001.fastq.gz',
      'sh/L_S1_L001_R2_001.fastq.gz',
      'sh/L_S1_L002_R2_001.fastq.gz'
    ])
    expect(result.stdout).toContain('    lane 2: sh/L_S1_L002_R2_001.fastq.gz — ')
    expectNoWorkspacePath(result)
  })

  it('a failed skip-existing lookup in shard 2/2 names the share in its summary and results file', async () => {
    sandbox.faults.add('list_samples', { kind: 'status', status: 503, times: 20 })
    const result = await runAction({ files: 'sh/*', shard: '2/2', 'skip-existing': 'true' })
    expect(result.exitCode).toBe(1)
    expect(new Set(sandbox.requests.map(r => r.route))).toEqual(new Set(['list_samples']))
    expect(result.summary).toContain('Shard 2/2: 3 of 6 samples. 0 of 3 samples confirmed.')
    const record = recordOf(result)
    expect(record).toMatchObject({
      outcome: 'failed',
      scope: 'shard 2/2: 3 of 6 samples',
      totals: { samples: 3, not_attempted: 3 }
    })
    expect(JSON.parse(result.outputs.failed)).toEqual([
      expect.objectContaining({ path: 'sh/a.fq', status: 'not attempted' }),
      expect.objectContaining({ path: 'sh/b.fq', status: 'not attempted' }),
      expect.objectContaining({
        path: 'sh/p_R1_001.fastq.gz',
        paired_end_path: 'sh/p_R2_001.fastq.gz',
        status: 'not attempted'
      })
    ])
    expectNoWorkspacePath(result)
  })

  const linuxIt = process.platform === 'linux' ? it : it.skip
  linuxIt(
    'a file that vanished after it matched is refused by its workspace-relative path',
    async () => {
      const close = vanishedFileLink(`${ws.dir}/sh/gone.fq`)
      try {
        const result = await runAction({ files: 'sh/*', 'dry-run': 'true' })
        expect(sandbox.requests).toEqual([])
        expect(result.exitCode).toBe(1)
        const cause = "ENOENT: no such file or directory, realpath 'sh/gone.fq'"
        expect(result.errors[0]).toBe(
          `::error file=sh/gone.fq::sh/gone.fq: cannot be read: ${cause}`
        )
        const failed = JSON.parse(result.outputs.failed) as Record<string, string>[]
        expect(failed[0]).toEqual({
          path: 'sh/gone.fq',
          status: 'refused',
          error: `sh/gone.fq: cannot be read: ${cause}`,
          rule: `cannot be read: ${cause}`
        })
        // The six others are held back, each by its workspace-relative path.
        expect(failed.slice(1).map(f => [f.status, f.path])).toEqual(
          ['L_S1_L001_R1_001.fastq.gz', 'a.fq', 'b.fq', 'c.fq', 'g.fq', 'p_R1_001.fastq.gz'].map(
            name => ['not attempted', `sh/${name}`]
          )
        )
        expect(result.summary).toContain(`sh/gone.fq: cannot be read: ${cause}`)
        expect(recordOf(result).problems).toEqual([
          { file: 'sh/gone.fq', message: `sh/gone.fq: cannot be read: ${cause}` }
        ])
        expectNoWorkspacePath(result)
      } finally {
        close()
      }
    }
  )
})

describe('run: a facility-wide sample sheet and an api-url with a path', () => {
  it('a 200,000-row sheet with rows of other runs: no crash, zero requests, every output written', async () => {
    const name = (i: number): string => `Sample${i}_S${i}_R1_001.fastq.gz`
    for (let i = 1; i <= 3; i++) {
      ws.write(`run/${name(i)}`, gz(fastq()))
      ws.write(`run/${name(i).replace('_R1_', '_R2_')}`, gz(fastq()))
    }
    const lines = ['filename,external_sample_id,platform']
    for (let i = 1; i <= 200_000; i++) lines.push(`${name(i)},LIMS-${i},Illumina NovaSeq 6000`)
    ws.write('facility.csv', lines.join('\n'))
    const result = await runAction({ files: 'run/*.fastq.gz', 'sample-sheet': 'facility.csv' })
    expect(sandbox.requests).toEqual([])
    expect(result.exitCode).toBe(1)
    // 20 unmatched rows told, one line for the other 199,977: as annotations, within the cap.
    expect(result.errors[0]).toContain('facility.csv row 5, column filename is "Sample4_S4_R1_001')
    expect(result.stdout).toContain(
      'facility.csv: 199,977 more rows match no planned sample (rows 25 to 200001).'
    )
    const failed = JSON.parse(result.outputs.failed) as Record<string, string>[]
    expect(failed.map(f => [f.status, f.path])).toEqual([
      ['refused', 'facility.csv'],
      ...[1, 2, 3].map(i => ['not attempted', `run/${name(i)}`])
    ])
    expect(result.summary).toContain('Nothing was sent: 21 problems found before upload.')
    const record = JSON.parse(readFileSync(result.outputs['results-file'], 'utf8')) as ResultsRecord
    expect(record.problems).toHaveLength(21)
  })

  it('api-url https://app.onecodex.com/api/v1 is refused before any request', async () => {
    ws.write('in/x.fq', fastq())
    const result = await runAction({ files: 'in/x.fq', 'api-url': `${sandbox.apiUrl}/api/v1` })
    expect(sandbox.requests).toEqual([])
    expect(result.exitCode).toBe(1)
    expect(result.errors[0]).toBe(
      `::error::Input api-url is "${sandbox.apiUrl}/api/v1": it must be the origin of the One Codex API only (scheme, host and port), but it holds a path (/api/v1). The action adds the /api/v1/... paths itself: write ${sandbox.apiUrl}.`
    )
    expect(result.outputs['sample-ids']).toBe('[]')
  })
})
