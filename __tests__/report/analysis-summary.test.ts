/** The job summary's analyses section (src/report/analysis-summary.ts). */
import { describe, expect, it } from '@jest/globals'
import type { AnalysisResult } from '../../src/analysis/types.js'
import { abundanceBar, analysisSummary, analysisTotals } from '../../src/report/analysis-summary.js'

const API = 'https://app.onecodex.com'

function entry(over: Partial<AnalysisResult> & { filename: string }): AnalysisResult {
  return {
    sample_id: `id_${over.filename.replace(/\W/g, '')}`,
    path: `reads/${over.filename}`,
    classification_id: 'c0ffee0000000000',
    status: 'complete',
    error: null,
    n_reads: 123456,
    top: [],
    ...over
  }
}

const species = (pairs: [string, number | null][]): AnalysisResult['top'] =>
  pairs.map(([name, abundance], i) => ({ tax_id: String(i), name, abundance, readcount: 10 }))

describe('abundanceBar', () => {
  it.each<[number, string]>([
    [1, '██████████'],
    [0.52, '█████▎'],
    [0.5, '█████'],
    [0.11, '█▏'],
    [0.001, '▏'],
    [0, '']
  ])('%p → "%s"', (fraction, bar) => {
    expect(abundanceBar(fraction)).toBe(bar)
  })
})

describe('analysisSummary', () => {
  const analyses = [
    entry({
      filename: 'S1_R1_001.fastq.gz',
      top: species([
        ['Escherichia coli', 0.52],
        ['Bacteroides fragilis', 0.11],
        ['A', 0.1],
        ['B', 0.09],
        ['C', 0.08],
        ['D', 0.07],
        ['E <script>', null]
      ])
    }),
    entry({ filename: 'slow.fastq', status: 'timed out', error: 'did not finish', n_reads: null }),
    entry({
      filename: 'blank.fastq',
      status: 'failed',
      error: 'Too few reads <12>',
      n_reads: null
    }),
    entry({ filename: 'cut.fastq', status: 'cancelled', error: 'cancelled', n_reads: null })
  ]

  it('totals, then failures, timeouts and cancellations first, then the complete ones with bars and links', () => {
    const text = analysisSummary({ analyses, apiUrl: `${API}/`, waitedMs: 843_000 })
    expect(text.startsWith('## One Codex analyses\n')).toBe(true)
    expect(text).toContain(
      '**4 analyses: 1 complete, 1 failed, 1 timed out, 1 cancelled (waited 14 min 3 s)**'
    )
    const order = ['blank.fastq', 'slow.fastq', 'cut.fastq', 'S1_R1_001.fastq.gz'].map(name =>
      text.indexOf(`<td>${name}</td>`)
    )
    expect(order.every(i => i > 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(text.indexOf('### Not complete (3)')).toBeLessThan(text.indexOf('### Complete (1)'))
    expect(text).toContain('<td>❌ failed</td><td>Too few reads &lt;12&gt;</td>')
    expect(text).toContain('<td>⏱️ timed out</td>')
    expect(text).toContain(
      '<a href="https://app.onecodex.com/sample/id_S1_R1_001fastqgz"><code>id_S1_R1_001fastqgz</code></a>'
    )
    expect(text).toContain('<td>123,456</td>')
    expect(text).toContain('<code>█████▎</code> 52 % <i>Escherichia coli</i><br>')
    expect(text).toContain('<code>█▏</code> 11 % <i>Bacteroides fragilis</i>')
    // Five species shown, the rest counted.
    expect(text).not.toContain('<i>D</i>')
    expect(text).toContain('<sub>+ 2 more species</sub>')
    expect(text).not.toContain('<script>')
  })

  it('links to the api-url host, and says a stop once', () => {
    const text = analysisSummary({
      analyses: [analyses[0]],
      apiUrl: 'http://127.0.0.1:8080',
      stopped: 'One Codex did not accept the API key'
    })
    expect(text).toContain('href="http://127.0.0.1:8080/sample/id_S1_R1_001fastqgz"')
    expect(text).toContain('> **Stopped:** One Codex did not accept the API key')
    expect(text).not.toContain('Not complete')
  })

  it('stays within its byte budget, ending a table with "… and N more"', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      entry({
        filename: `S${i}_R1_001.fastq.gz`,
        top: species([
          ['Escherichia coli', 0.5],
          ['Bacteroides fragilis', 0.2]
        ])
      })
    )
    const text = analysisSummary({ analyses: many, apiUrl: API }, 20_000)
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20_000)
    expect(text).toMatch(
      /… and \d+ more complete analyses: every analysis is in the `analyses` output and the file named by `results-file`\./
    )
  })

  it('analysisTotals counts only what is there', () => {
    expect(analysisTotals([analyses[0]])).toBe('1 analysis: 1 complete')
    expect(analysisTotals([])).toBe('0 analyses')
  })
})
