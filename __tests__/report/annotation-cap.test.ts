import { describe, expect, it } from '@jest/globals'
import type { AnnotationProperties } from '@actions/core'
import {
  annotateCapped,
  ANNOTATIONS_SHOWN_PER_STEP,
  ERROR_ANNOTATION_LIMIT,
  type Annotation
} from '../../src/report/annotation-cap.js'

function record(): {
  emit: (message: string, properties?: AnnotationProperties) => void
  seen: [string, AnnotationProperties | undefined][]
} {
  const seen: [string, AnnotationProperties | undefined][] = []
  return { emit: (message, properties) => seen.push([message, properties]), seen }
}

const items = (n: number): Annotation[] =>
  Array.from({ length: n }, (_, i) => ({
    message: `failure ${i}`,
    properties: { file: `f${i}.fq` }
  }))

describe('annotateCapped', () => {
  it('leaves room for the step’s own failure line among the 10 GitHub shows', () => {
    expect(ANNOTATIONS_SHOWN_PER_STEP).toBe(10)
    expect(ERROR_ANNOTATION_LIMIT).toBe(9)
  })

  it('emits every item, with its file, when they fit', () => {
    const { emit, seen } = record()
    expect(annotateCapped(items(9), { limit: 9, more: n => `${n} more`, emit })).toBe(9)
    expect(seen).toHaveLength(9)
    expect(seen[8]).toEqual(['failure 8', { file: 'f8.fq' }])
  })

  it('emits limit - 1 items then one "and N more" line without a file', () => {
    const { emit, seen } = record()
    const shown = annotateCapped(items(2000), {
      limit: 9,
      more: n => `… and ${n} more failed samples`,
      emit
    })
    expect(shown).toBe(8)
    expect(seen).toHaveLength(9)
    expect(seen.slice(0, 8).map(([m]) => m)).toEqual(
      Array.from({ length: 8 }, (_, i) => `failure ${i}`)
    )
    expect(seen[8]).toEqual(['… and 1992 more failed samples', {}])
  })

  it('one over the limit still ends in one line, counting two', () => {
    const { emit, seen } = record()
    annotateCapped(items(10), { limit: 9, more: n => `${n} more`, emit })
    expect(seen.map(([m]) => m).at(-1)).toBe('2 more')
    expect(seen).toHaveLength(9)
  })

  it('emits nothing for no items', () => {
    const { emit, seen } = record()
    expect(annotateCapped([], { limit: 9, more: n => `${n} more`, emit })).toBe(0)
    expect(seen).toEqual([])
  })
})
