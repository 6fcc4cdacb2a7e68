import { describe, expect, it } from '@jest/globals'
import { displayPath } from '../src/shared/paths.js'

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
