import { describe, expect, it } from '@jest/globals'
import * as path from 'node:path'
import { rootPattern } from '../../src/plan/discover.js'
import { displayPath, fsErrorText, relativeName, withDisplayPaths } from '../../src/shared/paths.js'

describe('displayPath', () => {
  it('names files inside the workspace relative to it, with forward slashes (annotations)', () => {
    expect(displayPath('/ws/reads/a_R1.fq.gz', '/ws')).toBe('reads/a_R1.fq.gz')
    expect(displayPath('/ws/reads/a.fq', '/ws/')).toBe('reads/a.fq')
  })
  it('keeps files outside the workspace absolute', () => {
    expect(displayPath('/data/a.fq', '/ws')).toBe('/data/a.fq')
    expect(displayPath('/ws-other/a.fq', '/ws')).toBe('/ws-other/a.fq')
  })
  it('keeps the workspace itself absolute rather than an empty name', () => {
    expect(displayPath('/ws', '/ws')).toBe('/ws')
  })
})

describe('displayPath on Windows (path.win32)', () => {
  const win = path.win32
  it('names files inside the workspace relative to it, with forward slashes', () => {
    expect(
      displayPath('D:\\a\\repo\\repo\\reads\\S1_R1_001.fastq.gz', 'D:\\a\\repo\\repo', win)
    ).toBe('reads/S1_R1_001.fastq.gz')
    expect(displayPath('D:\\a\\repo\\repo\\x.fq', 'D:\\a\\repo\\repo\\', win)).toBe('x.fq')
    // Mixed separators, as a runner's GITHUB_WORKSPACE and a glob result can mix them.
    expect(displayPath('D:/a/repo/repo/reads/x.fq', 'D:\\a\\repo\\repo', win)).toBe('reads/x.fq')
  })
  it('compares drive letters and names case-insensitively, as Windows does', () => {
    expect(displayPath('d:\\A\\Repo\\reads\\x.fq', 'D:\\a\\repo', win)).toBe('reads/x.fq')
  })
  it('keeps files on another drive or outside the workspace absolute', () => {
    expect(displayPath('C:\\data\\x.fq', 'D:\\a\\repo', win)).toBe('C:\\data\\x.fq')
    expect(displayPath('D:\\a\\repo-other\\x.fq', 'D:\\a\\repo', win)).toBe(
      'D:\\a\\repo-other\\x.fq'
    )
    expect(displayPath('D:\\a\\repo', 'D:\\a\\repo', win)).toBe('D:\\a\\repo')
  })
  it('a name that merely starts with two dots is still inside', () => {
    expect(displayPath('D:\\ws\\..hidden.fq', 'D:\\ws', win)).toBe('..hidden.fq')
    expect(displayPath('/ws/..hidden.fq', '/ws', path.posix)).toBe('..hidden.fq')
  })
  it('on POSIX a backslash is part of a name, not a separator', () => {
    expect(displayPath('/ws/odd\\name.fq', '/ws', path.posix)).toBe('odd\\name.fq')
  })
})

describe('rootPattern: patterns as a Windows runner reads them (path.win32)', () => {
  const win = path.win32
  const ws = 'D:\\a\\repo\\repo'
  it('takes `\\` and `/` as separators, rooted at the workspace', () => {
    expect(rootPattern('reads\\*.fastq.gz', ws, win)).toBe('D:\\a\\repo\\repo\\reads\\*.fastq.gz')
    expect(rootPattern('reads/**/*.fq', ws, win)).toBe('D:\\a\\repo\\repo\\reads\\**\\*.fq')
    expect(rootPattern('.\\reads\\x_R1.fq', ws, win)).toBe('D:\\a\\repo\\repo\\reads\\x_R1.fq')
  })
  it('keeps excludes, climbs `..`, leaves absolute patterns on their drive', () => {
    expect(rootPattern('!reads\\undetermined*', ws, win)).toBe(
      '!D:\\a\\repo\\repo\\reads\\undetermined*'
    )
    expect(rootPattern('..\\shared\\*.fq', ws, win)).toBe('D:\\a\\repo\\shared\\*.fq')
    expect(rootPattern('C:\\data\\*.fq', ws, win)).toBe('C:\\data\\*.fq')
  })
  it('escapes glob characters of the workspace itself, not its backslashes', () => {
    expect(rootPattern('*.fq', 'D:\\runs\\[2024]', win)).toBe('D:\\runs\\[[]2024]\\*.fq')
  })
  it('on POSIX a backslash escapes the next character instead', () => {
    expect(rootPattern('reads\\*.fq', '/ws', path.posix)).toBe('/ws/reads\\*.fq')
    expect(rootPattern('*.fq', '/ws/a\\b', path.posix)).toBe('/ws/a\\\\b/*.fq')
  })
})

describe('fsErrorText', () => {
  it("shows the path Node's message quotes as the display path, however often it appears", () => {
    const error = Object.assign(
      new Error("ENOENT: no such file or directory, rename '/ws/a.fq' -> '/ws/a.fq.bak'"),
      { code: 'ENOENT' }
    )
    expect(fsErrorText(error, '/ws/a.fq', 'a.fq')).toBe(
      "ENOENT: no such file or directory, rename 'a.fq' -> 'a.fq.bak'"
    )
  })
  it('handles Windows paths and messages that are no Error', () => {
    expect(
      fsErrorText(
        new Error("EPERM: operation not permitted, open 'D:\\a\\ws\\reads\\x.fq'"),
        'D:\\a\\ws\\reads\\x.fq',
        'reads/x.fq'
      )
    ).toBe("EPERM: operation not permitted, open 'reads/x.fq'")
    expect(fsErrorText('gone', '/ws/a.fq', 'a.fq')).toBe('gone')
    // A file outside the workspace is shown absolute: the text stays as it is.
    expect(fsErrorText(new Error("EIO, read '/data/a.fq'"), '/data/a.fq', '/data/a.fq')).toBe(
      "EIO, read '/data/a.fq'"
    )
  })
})

describe('relativeName and withDisplayPaths', () => {
  it('relativeName: always relative to the workspace (. for itself, ../ beside it)', () => {
    expect(relativeName('/ws/sheets/s.csv', '/ws')).toBe('sheets/s.csv')
    expect(relativeName('/ws', '/ws/')).toBe('.')
    expect(relativeName('/data/s.csv', '/ws')).toBe('../data/s.csv')
    expect(relativeName('C:\\data\\s.csv', 'D:\\a\\repo', path.win32)).toBe('C:\\data\\s.csv')
  })

  it('withDisplayPaths: every absolute path of the files shown relative, the longest first', () => {
    const text = "ENOENT: open '/ws/reads/a.fq.gz'; /ws/reads/a.fq has 3 bytes; /data/b.fq"
    expect(
      withDisplayPaths(text, ['/ws/reads/a.fq', '/ws/reads/a.fq.gz', '/data/b.fq'], '/ws')
    ).toBe("ENOENT: open 'reads/a.fq.gz'; reads/a.fq has 3 bytes; /data/b.fq")
  })
})
