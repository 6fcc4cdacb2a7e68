import { describe, expect, it } from '@jest/globals'
import {
  escapeHtml,
  html,
  SUMMARY_BUDGET_BYTES,
  SUMMARY_LIMIT_BYTES,
  SummaryBudget
} from '../../src/report/summary-budget.js'

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')
const rows = (text: string): number => text.split('<tr><td>').length - 1

describe('SummaryBudget', () => {
  it('stays under GitHub’s 1 MiB by default', () => {
    expect(SUMMARY_BUDGET_BYTES).toBeLessThan(SUMMARY_LIMIT_BYTES)
    expect(new SummaryBudget().limit).toBe(SUMMARY_BUDGET_BYTES)
  })

  it('writes a whole table when it fits, with escaped text cells and raw html cells', () => {
    const budget = new SummaryBudget(10_000)
    const shown = budget.table({
      heading: '### Files',
      header: ['Name', 'Link'],
      items: ['a<b>.fq', 'c&d.fq'],
      row: name => [name, html(`<a href="x">${escapeHtml(name)}</a>`)],
      more: n => `… and ${n} more`
    })
    expect(shown).toBe(2)
    const text = budget.toString()
    expect(text).toBe(
      '### Files\n\n<table>\n<tr><th>Name</th><th>Link</th></tr>\n' +
        '<tr><td>a&lt;b&gt;.fq</td><td><a href="x">a&lt;b&gt;.fq</a></td></tr>\n' +
        '<tr><td>c&amp;d.fq</td><td><a href="x">c&amp;d.fq</a></td></tr>\n</table>\n'
    )
    expect(budget.size).toBe(bytes(text))
    expect(text).not.toContain('more')
  })

  it('cuts a table at the budget, in order, and ends it with one "… and N more" line that fits', () => {
    const budget = new SummaryBudget(5_000)
    const items = Array.from({ length: 1000 }, (_, i) => `sample_${i}.fastq.gz`)
    const shown = budget.table({
      header: ['File'],
      items,
      row: name => [name],
      more: n => `… and ${n} more samples: see results-file.`
    })
    const text = budget.toString()
    expect(bytes(text)).toBeLessThanOrEqual(5_000)
    expect(shown).toBeGreaterThan(50)
    expect(shown).toBeLessThan(1000)
    expect(rows(text)).toBe(shown)
    expect(text).toContain(`<td>sample_0.fastq.gz</td>`)
    expect(text).toContain(`<td>sample_${shown - 1}.fastq.gz</td>`)
    expect(text).not.toContain(`<td>sample_${shown}.fastq.gz</td>`)
    expect(text.trimEnd().endsWith(`… and ${1000 - shown} more samples: see results-file.`)).toBe(
      true
    )
  })

  it('keeps the reserve free for what follows: a second table still gets its line', () => {
    const budget = new SummaryBudget(4_000)
    const many = Array.from({ length: 500 }, (_, i) => `failure ${i}`)
    budget.table(
      { header: ['Failed'], items: many, row: f => [f], more: n => `… and ${n} more failed` },
      200
    )
    const before = budget.size
    expect(before).toBeLessThanOrEqual(3_800)
    budget.table({
      header: ['Confirmed'],
      items: Array.from({ length: 300 }, (_, i) => `ok ${i}`),
      row: f => [f],
      more: n => `… and ${n} more confirmed`
    })
    const text = budget.toString()
    expect(bytes(text)).toBeLessThanOrEqual(4_000)
    expect(text).toMatch(/… and \d+ more failed/)
    expect(text).toMatch(/… and \d+ more confirmed/)
  })

  it('writes only the "… and N more" line when not even one row fits', () => {
    const budget = new SummaryBudget(120)
    const shown = budget.table({
      heading: '### Big',
      header: ['Cell'],
      items: ['x'.repeat(500), 'y'],
      row: c => [c],
      more: n => `… and ${n} more`
    })
    expect(shown).toBe(0)
    expect(budget.toString()).toBe('\n… and 2 more\n')
  })

  it('counts multi-byte characters as the bytes they take', () => {
    const budget = new SummaryBudget(1_000)
    const shown = budget.table({
      header: ['Name'],
      items: Array.from({ length: 100 }, () => 'é'.repeat(40)),
      row: c => [c],
      more: n => `… and ${n} more`
    })
    expect(bytes(budget.toString())).toBeLessThanOrEqual(1_000)
    expect(shown).toBeLessThan(12)
  })

  it('clips a runaway cell and keeps a cell on one line', () => {
    const budget = new SummaryBudget(100_000)
    budget.table({
      header: ['E'],
      items: [`a\nb${'z'.repeat(5000)}`],
      row: c => [c],
      more: () => ''
    })
    const text = budget.toString()
    expect(text).toContain('<td>a b')
    expect(text).toContain('z…</td>')
    expect(bytes(text)).toBeLessThan(1_200)
  })

  it('refuses a line that would pass the budget with its reserve', () => {
    const budget = new SummaryBudget(100)
    expect(budget.add('x'.repeat(50))).toBe(true)
    expect(budget.add('y'.repeat(30), 30)).toBe(false)
    expect(budget.add('y'.repeat(30))).toBe(true)
    expect(budget.toString()).toBe(`${'x'.repeat(50)}\n${'y'.repeat(30)}\n`)
    expect(budget.remaining).toBe(18)
  })
})
