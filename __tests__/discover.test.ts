import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, symlinkSync } from 'node:fs'
import * as path from 'node:path'
import { braceAlternatives, discoverFiles, rootPattern } from '../src/plan/discover.js'
import { fastq, tempWorkspace } from './helpers/fixtures.js'

describe('discoverFiles (real directory tree)', () => {
  const ws = tempWorkspace('ocu-disc[1]*-')
  const rel = (files: readonly { path: string }[]) =>
    files.map(f => path.relative(ws.dir, f.path).split(path.sep).join('/'))

  beforeAll(() => {
    ws.write('reads/a_R1.fq', fastq())
    ws.write('reads/a_R2.fq', fastq())
    ws.write('reads/b.fastq.gz', 'x')
    ws.write('reads/nested/c.fa', '>c\nA\n')
    ws.write('reads/skip.fq', fastq())
    ws.write('other/d.fq', '')
    mkdirSync(path.join(ws.dir, 'reads', 'dir.fq'))
    symlinkSync(path.join(ws.dir, 'other', 'd.fq'), path.join(ws.dir, 'reads', 'link.fq'))
  })
  afterAll(() => ws.remove())

  it('resolves patterns against the workspace, not the current directory', async () => {
    expect(process.cwd()).not.toBe(ws.dir)
    const { files, problems } = await discoverFiles(['reads/*.fq'], ws.dir)
    expect(problems).toEqual([])
    expect(rel(files)).toEqual(['reads/a_R1.fq', 'reads/a_R2.fq', 'reads/link.fq', 'reads/skip.fq'])
  })

  it('drops directories, follows symlinks (with the target size) and sorts by path', async () => {
    const { files } = await discoverFiles(['reads/**'], ws.dir)
    expect(rel(files)).toEqual([
      'reads/a_R1.fq',
      'reads/a_R2.fq',
      'reads/b.fastq.gz',
      'reads/link.fq',
      'reads/nested/c.fa',
      'reads/skip.fq'
    ])
    expect(files.find(f => f.path.endsWith('b.fastq.gz'))!.size).toBe(1)
    expect(files.find(f => f.path.endsWith('link.fq'))!.size).toBe(0)
  })

  it('applies ! excludes and de-duplicates overlapping patterns', async () => {
    const { files } = await discoverFiles(
      ['reads/*.fq', './reads/a_*.fq', 'reads/**/*.fa', '!reads/skip.fq', '!reads/link.fq'],
      ws.dir
    )
    expect(rel(files)).toEqual(['reads/a_R1.fq', 'reads/a_R2.fq', 'reads/nested/c.fa'])
  })

  it('expands a directory pattern to the files below it', async () => {
    const { files } = await discoverFiles(['other'], ws.dir)
    expect(rel(files)).toEqual(['other/d.fq'])
  })

  it('accepts absolute patterns', async () => {
    // Another tree, whose path holds no glob characters (an absolute pattern is a glob).
    const elsewhere = tempWorkspace('ocu-abs-')
    try {
      const file = elsewhere.write('x/e.fq', fastq())
      const { files } = await discoverFiles([path.join(elsewhere.dir, 'x', '*.fq')], ws.dir)
      expect(files.map(f => f.path)).toEqual([file])
    } finally {
      elsewhere.remove()
    }
  })

  it('keeps one path per file reached through a symlinked directory (the first in sorted order)', async () => {
    const tree = tempWorkspace('ocu-linkdir-')
    try {
      tree.write('run1/x.fq', fastq())
      tree.write('run1/y.fq', fastq())
      symlinkSync(path.join(tree.dir, 'run1'), path.join(tree.dir, 'current'))
      symlinkSync(path.join(tree.dir, 'run1', 'y.fq'), path.join(tree.dir, 'alias.fq'))
      const { files, problems } = await discoverFiles(['**/*.fq'], tree.dir)
      expect(problems).toEqual([])
      expect(files.map(f => path.relative(tree.dir, f.path).split(path.sep).join('/'))).toEqual([
        'alias.fq',
        'current/x.fq'
      ])
    } finally {
      tree.remove()
    }
  })

  it('returns nothing (and no problem) when nothing matches', async () => {
    expect(await discoverFiles(['nothing/*.fq'], ws.dir)).toEqual({ files: [], problems: [] })
  })

  it('reports an unusable pattern by name instead of throwing', async () => {
    const { files, problems } = await discoverFiles(['reads/*.fq', '../elsewhere/*.fq'], ws.dir)
    expect(files).toEqual([])
    expect(problems).toEqual([
      {
        message: expect.stringMatching(
          /^Input files: pattern "\.\.\/elsewhere\/\*\.fq" is not usable: .*'\.\.' is not allowed/
        )
      }
    ])
  })
})

describe('rootPattern', () => {
  it.each([
    ['*.fq', '/ws/*.fq'],
    ['!*.fq', '!/ws/*.fq'],
    ['./a/*.fq', '/ws/a/*.fq'],
    ['.', '/ws'],
    ['/abs/*.fq', '/abs/*.fq'],
    ['!/abs/x.fq', '!/abs/x.fq'],
    ['~/x.fq', '~/x.fq']
  ])('roots %s as %s', (pattern, rooted) => {
    expect(rootPattern(pattern, '/ws')).toBe(rooted)
  })

  it('escapes glob characters in the workspace path', () => {
    expect(rootPattern('*.fq', '/w[1]/a*b?')).toBe('/w[[]1]/a[*]b[?]/*.fq')
  })
})

describe('braceAlternatives', () => {
  it.each([
    ['data/*.{fq,fastq}', ['data/*.fq', 'data/*.fastq']],
    ['{a,b}/x_{1,2}.fq', ['a/x_1.fq', 'a/x_2.fq', 'b/x_1.fq', 'b/x_2.fq']],
    ['x.{fa,fq{,.gz}}', ['x.fa', 'x.fq', 'x.fq.gz']],
    ['{x}/{a,b}.fq', ['{x}/a.fq', '{x}/b.fq']],
    ['!data/*.{fq,fa}', ['!data/*.fq', '!data/*.fa']]
  ])('expands %s', (pattern, alternatives) => {
    expect(braceAlternatives(pattern)).toEqual(alternatives)
  })

  it.each(['data/*.fq', 'data/{x}.fq', 'data/{a.fq', 'data/a,b}.fq', 'data/\\{a,b}.fq'])(
    'finds no {a,b} group in %s',
    pattern => {
      expect(braceAlternatives(pattern)).toBeUndefined()
    }
  )

  it('stops after a bounded number of alternatives', () => {
    expect(braceAlternatives('{a,b}{c,d}{e,f}{g,h}{i,j}')!.length).toBeLessThanOrEqual(16)
  })
})
