import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, symlinkSync } from 'node:fs'
import * as path from 'node:path'
import {
  braceAlternatives,
  discoverFiles,
  literalPath,
  rootPattern
} from '../../src/plan/discover.js'
import { fastq, tempWorkspace, vanishedFileLink } from '../helpers/fixtures.js'

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
    expect(await discoverFiles(['nothing/*.fq'], ws.dir)).toEqual({
      files: [],
      problems: [],
      dangling: [],
      bracketHints: []
    })
  })

  it('normalises ./ and .. against the workspace instead of failing', async () => {
    const { files, problems } = await discoverFiles(
      ['./reads/./nested/../a_R1.fq', 'other/../reads/b.fastq.gz', 'reads/nested/./../skip.fq'],
      ws.dir
    )
    expect(problems).toEqual([])
    expect(rel(files)).toEqual(['reads/a_R1.fq', 'reads/b.fastq.gz', 'reads/skip.fq'])
  })

  it('finds files beside the workspace through ../', async () => {
    const parent = tempWorkspace('ocu-parent-')
    try {
      const reads = parent.write('reads/x.fq.gz', 'x')
      parent.write('checkout/README', 'x')
      const { files, problems } = await discoverFiles(
        ['../reads/*.fq.gz'],
        path.join(parent.dir, 'checkout')
      )
      expect(problems).toEqual([])
      expect(files.map(f => f.path)).toEqual([reads])
    } finally {
      parent.remove()
    }
  })

  it('marks the files a pattern names without wildcards as explicit, not those under a directory', async () => {
    const { files } = await discoverFiles(
      ['reads/a_R1.fq', './reads/b.fastq.gz', 'other', 'reads/*_R2.fq'],
      ws.dir
    )
    expect(files.map(f => [rel([f])[0], f.explicit === true])).toEqual([
      ['other/d.fq', false],
      ['reads/a_R1.fq', true],
      ['reads/a_R2.fq', false],
      ['reads/b.fastq.gz', true]
    ])
  })
})

describe('discoverFiles: dangling symlinks and bracket patterns', () => {
  const ws = tempWorkspace('ocu-dangle-')
  beforeAll(() => {
    ws.write('run/ok.fq', fastq())
    ws.write('run [1]/x.fq', fastq())
    symlinkSync(path.join(ws.dir, 'staging', 'never.fq.gz'), path.join(ws.dir, 'run', 'S9.fq.gz'))
  })
  afterAll(() => ws.remove())

  it('reports each matched link to nothing, with its target, unless excluded', async () => {
    const { files, dangling } = await discoverFiles(['run/*'], ws.dir)
    expect(files.map(f => path.basename(f.path))).toEqual(['ok.fq'])
    expect(dangling).toEqual([
      {
        path: path.join(ws.dir, 'run', 'S9.fq.gz'),
        target: path.join(ws.dir, 'staging', 'never.fq.gz'),
        explicit: false
      }
    ])
    const named = await discoverFiles(['run/S9.fq.gz'], ws.dir)
    expect(named.dangling).toEqual([expect.objectContaining({ explicit: true })])
    expect((await discoverFiles(['run/*', '!run/S9.fq.gz'], ws.dir)).dangling).toEqual([])
  })

  it('explains character classes when a pattern with brackets matched nothing, with the escaped pattern', async () => {
    const { files, bracketHints } = await discoverFiles(['run [1]/*.fq'], ws.dir)
    expect(files).toEqual([])
    expect(bracketHints).toEqual([
      'Pattern "run [1]/*.fq" matched nothing: in a pattern "[...]" is a character class ("[12]" matches "1" or "2"), not the brackets themselves. ' +
        'To match "[" literally write "[[]" ("]" alone is literal): "run [[]1]/*.fq", which matches 1 file.'
    ])
    const escaped = await discoverFiles(['run [[]1]/*.fq'], ws.dir)
    expect(escaped.files.map(f => path.basename(f.path))).toEqual(['x.fq'])
    expect(escaped.bracketHints).toEqual([])
  })

  it('gives no bracket hint for a class that matched, or for an exclude', async () => {
    const { bracketHints } = await discoverFiles(['run/[o]k.fq', '!run/[z].fq'], ws.dir)
    expect(bracketHints).toEqual([])
  })
})

describe('discoverFiles: a matched file that cannot be read', () => {
  const ws = tempWorkspace('ocu-vanish-')
  let close = (): void => {}
  beforeAll(() => {
    ws.write('reads/ok.fq', fastq())
    if (process.platform === 'linux')
      close = vanishedFileLink(path.join(ws.dir, 'reads', 'gone.fq'))
  })
  afterAll(() => {
    close()
    ws.remove()
  })
  const linuxIt = process.platform === 'linux' ? it : it.skip

  linuxIt(
    'names it by its workspace-relative path, in the message and its error text',
    async () => {
      const { files, problems } = await discoverFiles(['reads/*'], ws.dir)
      expect(files.map(f => path.basename(f.path))).toEqual(['ok.fq'])
      expect(problems).toEqual([
        {
          // `file` stays absolute here: the planner makes it relative with every other problem.
          file: path.join(ws.dir, 'reads', 'gone.fq'),
          message:
            "reads/gone.fq: cannot be read: ENOENT: no such file or directory, realpath 'reads/gone.fq'"
        }
      ])
    }
  )
})

describe('rootPattern', () => {
  it.each([
    ['*.fq', '/ws/*.fq'],
    ['!*.fq', '!/ws/*.fq'],
    ['./a/*.fq', '/ws/a/*.fq'],
    ['.', '/ws'],
    ['/abs/*.fq', '/abs/*.fq'],
    ['!/abs/x.fq', '!/abs/x.fq'],
    ['~/x.fq', '~/x.fq'],
    ['../reads/*.fq', '/reads/*.fq'],
    ['../../up/*.fq', '/up/*.fq'],
    ['a/../b/./*.fq', '/ws/b/*.fq'],
    ['!./a/../x.fq', '!/ws/x.fq'],
    ['/abs/../other/*.fq', '/other/*.fq'],
    ['reads/', '/ws/reads/']
  ])('roots %s as %s', (pattern, rooted) => {
    expect(rootPattern(pattern, '/ws')).toBe(rooted)
  })

  it('escapes glob characters in the workspace path', () => {
    expect(rootPattern('*.fq', '/w[1]/a*b?')).toBe('/w[[]1]/a[*]b[?]/*.fq')
  })
})

describe('literalPath', () => {
  it.each([
    ['reads/x.fq', '/ws/reads/x.fq'],
    ['./reads/../x.fq', '/ws/x.fq'],
    ['/abs/x.fq', '/abs/x.fq'],
    ['reads/x\\*.fq', '/ws/reads/x*.fq'],
    ['reads/[x.fq', '/ws/reads/[x.fq']
  ])('%s names %s', (pattern, literal) => {
    expect(literalPath(pattern, '/ws')).toBe(literal)
  })

  it.each(['reads/*.fq', 'reads/x?.fq', 'reads/[ab].fq', '!reads/x.fq', '**', '~/x.fq'])(
    '%s names no single file',
    pattern => {
      expect(literalPath(pattern, '/ws')).toBeUndefined()
    }
  )
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
