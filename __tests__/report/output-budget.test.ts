import { describe, expect, it } from '@jest/globals'
import {
  fitListOutputs,
  LIST_OUTPUTS_BUDGET_BYTES,
  OUTPUT_LIMIT_BYTES,
  outputBytes
} from '../../src/report/output-budget.js'

const utf16 = (text: string): number => Buffer.byteLength(text, 'utf16le')

describe('fitListOutputs', () => {
  it('counts the way GitHub does: UTF-16', () => {
    expect(outputBytes('["a"]')).toBe(utf16('["a"]'))
    expect(LIST_OUTPUTS_BUDGET_BYTES).toBeLessThan(OUTPUT_LIMIT_BYTES)
  })

  it('keeps lists that fit whole and byte-identical to JSON.stringify', () => {
    const items = [{ a: 1, path: 'x/é.fq' }, { b: [1, 2] }]
    const [fitted] = fitListOutputs([{ name: 'samples', items }])
    expect(fitted).toEqual({ name: 'samples', value: JSON.stringify(items), total: 2, kept: 2 })
    expect(fitListOutputs([{ name: 'failed', items: [] }])[0].value).toBe('[]')
  })

  it('cuts a long list to its first items, as valid JSON, under the budget', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, pad: 'p'.repeat(90) }))
    const [fitted] = fitListOutputs([{ name: 'samples', items }], 100_000)
    expect(utf16(fitted.value)).toBeLessThanOrEqual(100_000)
    const parsed = JSON.parse(fitted.value) as { id: number }[]
    expect(parsed).toHaveLength(fitted.kept)
    expect(parsed.map(p => p.id)).toEqual(Array.from({ length: fitted.kept }, (_, i) => i))
    expect(fitted.kept).toBeGreaterThan(400)
    // Nearly all of the budget is used: one more item would not have fitted.
    expect(utf16(fitted.value) + utf16(`,${JSON.stringify(items[fitted.kept])}`)).toBeGreaterThan(
      100_000
    )
  })

  it('lets a short list stay whole next to a long one, which takes what is left', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => i.toString(16).padStart(16, '0'))
    const samples = ids.map(id => ({
      sample_id: id,
      path: `reads/${id}.fastq.gz`,
      pad: 'x'.repeat(300)
    }))
    const fitted = fitListOutputs([
      { name: 'sample-ids', items: ids },
      { name: 'samples', items: samples },
      { name: 'failed', items: [] }
    ])
    const [sampleIds, kept, failed] = fitted
    expect(sampleIds.kept).toBe(3000)
    expect(failed.value).toBe('[]')
    expect(kept.kept).toBeLessThan(3000)
    const total = fitted.reduce((sum, f) => sum + utf16(f.value), 0)
    expect(total).toBeLessThanOrEqual(LIST_OUTPUTS_BUDGET_BYTES)
    expect(total).toBeGreaterThan(LIST_OUTPUTS_BUDGET_BYTES - 1000)
  })

  it('shares the budget evenly between lists that are all too long', () => {
    const big = (tag: string) =>
      Array.from({ length: 5000 }, (_, i) => `${tag}-${i}-${'z'.repeat(200)}`)
    const fitted = fitListOutputs(
      [
        { name: 'a', items: big('a') },
        { name: 'b', items: big('b') }
      ],
      200_000
    )
    for (const f of fitted) {
      expect(utf16(f.value)).toBeLessThanOrEqual(100_000)
      expect(utf16(f.value)).toBeGreaterThan(99_000)
    }
  })
})
