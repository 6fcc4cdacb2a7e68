import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { workerSource } from '../../src/verify/worker-source.js'
import { fastaRecords, fastqRecords, gzip, scratch } from './content-files.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = scratch()
afterAll(() => dir.remove())

describe('workerSource', () => {
  it('is built from modules that import nothing but types', () => {
    // The worker runs these as text: a value imported from elsewhere would not exist there.
    for (const module of ['fastq-checker', 'fasta-checker', 'gzip-checker', 'scan-thread']) {
      const text = readFileSync(path.join(root, 'src', 'verify', `${module}.ts`), 'utf8')
      const imports = text.split('\n').filter(line => /^import\b/.test(line))
      expect({ module, values: imports.filter(line => !/^import type\b/.test(line)) }).toEqual({
        module,
        values: []
      })
    }
    expect(workerSource()).toContain('class FastqChecker')
  })

  it('works from an ncc bundle, as the action runs it', () => {
    const out = path.join(dir.dir, 'bundle')
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
        'build',
        '__tests__/verify/bundle-entry.ts',
        '-o',
        out,
        '--quiet'
      ],
      { cwd: root, stdio: 'pipe' }
    )
    const run = (...args: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [path.join(out, 'index.js'), ...args], { encoding: 'utf8' })
      )

    const text = fastqRecords(5000, 120, 3)
    const good = dir.write('good.fastq.gz', Buffer.concat([gzip(text), gzip(text)]))
    expect(run('full', good)).toMatchObject({
      reads: 10_000,
      bases: 1_200_000,
      sha256: createHash('sha256').update(readFileSync(good)).digest('hex'),
      problems: []
    })
    const cut = dir.write('cut.fastq.gz', gzip(text).subarray(0, 20_000))
    expect(run('full', cut).messages).toEqual([
      expect.stringMatching(
        /cut\.fastq\.gz: the gzip stream ends inside a member after .* of output: the file is truncated$/
      )
    ])
    const fasta = dir.write('bad.fasta', `${fastaRecords(10)}>x\nAC\u0001GT\n`)
    expect(run('full', fasta).messages).toEqual([
      expect.stringMatching(/bad\.fasta: line \d+, column 3 .*byte 0x01/)
    ])
    expect(run('head', cut)).toMatchObject({ validate: 'head', problems: [] })
  }, 240_000)
})
