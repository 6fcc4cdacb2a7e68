// reportProblems and reportWarnings: a run refused before upload, and the planning warnings.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { reportProblems, reportWarnings } from '../../src/report/problems-report.js'
import type { FailedSample, Source } from '../../src/shared/types.js'
import { captureStdout } from '../helpers/fixtures.js'
import { errorLines, file, SETTINGS, useReportRunner, WORKSPACE } from '../helpers/report.js'

const runner = useReportRunner()
const { outputs, resultsFile } = runner

describe('reportProblems', () => {
  it('fills failed with each refused file and its rule, the summary, and one annotation per problem', async () => {
    const problems = [
      { message: 'Input concurrency is "0": it must be a whole number from 1 to 16.' },
      {
        file: 'extra/François.fq',
        message:
          'extra/François.fq: filename "François.fq" contains characters that are not allowed.'
      },
      { file: 'extra/empty.fq', message: 'extra/empty.fq: the file is empty (0 bytes).' },
      {
        file: 'extra/empty.fq',
        message: 'extra/empty.fq: the content is empty.'
      }
    ]
    const held = { file: { ...file('ok.fq.gz', 5), path: path.join(WORKSPACE, 'in', 'ok.fq.gz') } }
    const stdout = await captureStdout(() =>
      reportProblems(problems, SETTINGS, { samples: [], problems, warnings: [], heldBack: [held] })
    )
    expect(JSON.parse(outputs().failed)).toEqual([
      {
        path: 'extra/François.fq',
        status: 'refused',
        error: problems[1].message,
        rule: 'filename "François.fq" contains characters that are not allowed.'
      },
      {
        path: 'extra/empty.fq',
        status: 'refused',
        error: `${problems[2].message} ${problems[3].message}`,
        rule: 'the file is empty (0 bytes). the content is empty.'
      },
      {
        path: 'in/ok.fq.gz',
        status: 'not attempted',
        error: 'not attempted: other files or inputs broke a rule, so nothing was sent.'
      }
    ])
    expect(outputs()['sample-ids']).toBe('[]')
    expect(errorLines(stdout)).toEqual([
      '::error::Input concurrency is "0": it must be a whole number from 1 to 16.',
      `::error file=extra/François.fq::${problems[1].message}`,
      `::error file=extra/empty.fq::${problems[2].message}`,
      `::error file=extra/empty.fq::${problems[3].message}`,
      '::error::4 problems found before upload; nothing was sent.'
    ])
    expect(process.exitCode).toBe(1)
    const summary = readFileSync(runner.summaryFile, 'utf8')
    expect(summary).toContain(
      'Nothing was sent: 4 problems found before upload. 2 files refused, 1 sample held back.'
    )
    expect(summary).toContain('<td>extra/François.fq</td>')
    expect(resultsFile()).toMatchObject({
      outcome: 'refused',
      totals: { refused: 2, not_attempted: 1 }
    })
    expect(resultsFile().problems).toHaveLength(4)
  })

  it('refuses every file a problem of several files names, once, and lists held-back files as not attempted', async () => {
    const clash = {
      file: 'a/S1_L001.fq.gz',
      files: ['a/S1_L001.fq.gz', 'a/S1_L002.fq.gz', 'b/S1.fq.gz'],
      message:
        '2 uploads would share the filename "S1.fq.gz": a/S1_L001.fq.gz + a/S1_L002.fq.gz; b/S1.fq.gz.'
    }
    const bad = { file: 'p/x_R2.fq', message: 'p/x_R2.fq: the content starts with "nope".' }
    const problems = [clash, bad]
    const stdout = await captureStdout(() =>
      reportProblems(problems, SETTINGS, {
        samples: [],
        problems,
        warnings: [],
        heldBackFiles: ['p/x_R1.fq']
      })
    )
    const why = 'not attempted: other files or inputs broke a rule, so nothing was sent.'
    expect(JSON.parse(outputs().failed)).toEqual([
      ...clash.files.map(path => ({
        path,
        status: 'refused',
        error: clash.message,
        rule: clash.message
      })),
      {
        path: 'p/x_R2.fq',
        status: 'refused',
        error: bad.message,
        rule: 'the content starts with "nope".'
      },
      { path: 'p/x_R1.fq', status: 'not attempted', error: why }
    ])
    // Each problem is still one annotation, however many files it refuses.
    expect(errorLines(stdout)).toEqual([
      `::error file=a/S1_L001.fq.gz::${clash.message}`,
      `::error file=p/x_R2.fq::${bad.message}`,
      '::error::2 problems found before upload; nothing was sent.'
    ])
    expect(readFileSync(runner.summaryFile, 'utf8')).toContain(
      'Nothing was sent: 2 problems found before upload. 4 files refused, 1 file held back.'
    )
    expect(resultsFile()).toMatchObject({ totals: { refused: 4, not_attempted: 1 } })
  })

  it('a held-back merged sample names every lane (paths, paired_end_paths), as samples does', async () => {
    const lanes = (read: 1 | 2): Source => {
      const names = [1, 2].map(lane => path.join(WORKSPACE, 'run', `S1_L00${lane}_R${read}.fq.gz`))
      return {
        ...file(`S1_R${read}.fq.gz`, 20),
        path: names[0],
        segments: names.map(name => ({ path: name, size: 10 }))
      }
    }
    const problems = [{ file: 'x.fq', message: 'x.fq: the file is empty (0 bytes).' }]
    await captureStdout(() =>
      reportProblems(problems, SETTINGS, {
        samples: [],
        problems,
        warnings: [],
        heldBack: [{ file: lanes(1), mate: lanes(2) }]
      })
    )
    const held = (JSON.parse(outputs().failed) as FailedSample[]).find(
      f => f.status === 'not attempted'
    )
    expect(held).toEqual({
      path: 'run/S1_L001_R1.fq.gz',
      paths: ['run/S1_L001_R1.fq.gz', 'run/S1_L002_R1.fq.gz'],
      paired_end_path: 'run/S1_L001_R2.fq.gz',
      paired_end_paths: ['run/S1_L001_R2.fq.gz', 'run/S1_L002_R2.fq.gz'],
      status: 'not attempted',
      error: 'not attempted: other files or inputs broke a rule, so nothing was sent.'
    })
  })

  it('caps 40 problems at 9 annotations plus the failure line, and lists all of them in the log', async () => {
    const problems = Array.from({ length: 40 }, (_, i) => ({
      file: `bad/x${i}.txt`,
      message: `bad/x${i}.txt: does not end in an accepted extension.`
    }))
    const stdout = await captureStdout(() => reportProblems(problems, SETTINGS))
    const errors = errorLines(stdout)
    expect(errors).toHaveLength(10)
    expect(errors[8]).toMatch(/^::error::… and 32 more problems/)
    for (const p of problems) expect(stdout).toContain(`  ${p.message}`)
    expect(JSON.parse(outputs().failed)).toHaveLength(40)
  })
})

describe('reportWarnings', () => {
  it('shows at most 10 warning annotations and prints the rest plainly', async () => {
    const warnings = Array.from({ length: 14 }, (_, i) => ({
      file: `w${i}_1.fq`,
      message: `w${i}_1.fq: lone mate.`
    }))
    const stdout = await captureStdout(() => reportWarnings(warnings))
    const lines = stdout.split('\n').filter(l => l.startsWith('::warning'))
    expect(lines).toHaveLength(10)
    expect(lines[9]).toBe('::warning::… and 5 more warnings, listed below and in the results file.')
    for (let i = 9; i < 14; i++) expect(stdout).toContain(`Warning: w${i}_1.fq: lone mate.`)
  })
})
