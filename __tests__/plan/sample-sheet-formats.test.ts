// Sample sheets as people save them: a TSV exported with a .csv name, cells written `a, "b, c"`
// (a space after the comma, as many spreadsheets and hand edits do, read by Python's csv module
// with skipinitialspace), and the same external sample ID pasted into two rows.
import { afterAll, describe, expect, it } from '@jest/globals'
import { parseDelimited, readSampleSheet } from '../../src/plan/sample-sheet.js'
import { tempWorkspace } from '../helpers/fixtures.js'

const ws = tempWorkspace('ocu-sheet-formats-')
afterAll(() => ws.remove())
const read = (name: string, content: string) => readSampleSheet(ws.write(name, content), name)

describe('a .csv whose header holds a tab', () => {
  it('is read as TSV, as the README says', async () => {
    const sheet = await read(
      'export.csv',
      'filename\tplatform\tnote\nx.fq\tIllumina NovaSeq 6000\ta, b\n'
    )
    expect(sheet.problems).toEqual([])
    expect(sheet.rows).toEqual([
      {
        row: 2,
        filename: 'x.fq',
        init: { metadata: { platform: 'Illumina NovaSeq 6000', custom: { note: 'a, b' } } }
      }
    ])
  })

  it('a .csv without a tab in its header stays comma-separated (tabs in cells are text)', async () => {
    const sheet = await read('plain.csv', 'filename,note\nx.fq,a\tb\n')
    expect(sheet.problems).toEqual([])
    expect(sheet.rows[0].init).toEqual({ metadata: { custom: { note: 'a\tb' } } })
  })
})

describe('a space between the separator and an opening quote', () => {
  it('reads the quoted cell, its separators and "" inside', () => {
    expect(parseDelimited('a, "b, c", "say ""hi"""\n', ',')).toEqual({
      records: [{ row: 1, cells: ['a', 'b, c', 'say "hi"'] }]
    })
  })

  it('allows spaces after the closing quote too, and in TSV', () => {
    expect(parseDelimited('"a" , "b"  \n', ',').records).toEqual([{ row: 1, cells: ['a', 'b'] }])
    expect(parseDelimited('x\t  "a\tb"\n', '\t').records).toEqual([
      { row: 1, cells: ['x', 'a\tb'] }
    ])
  })

  it('still refuses other text after a closing quote, naming the row', () => {
    expect(parseDelimited('a,b\nx, "y" z\n', ',').error).toBe(
      'row 2: text after the closing quote of a quoted cell (write "" for a quote inside quotes)'
    )
  })

  it('reads a whole sheet written that way', async () => {
    const sheet = await read(
      'spaced.csv',
      'filename, name, platform, tags\n' +
        'S1_R1_001.fastq.gz, "Soil plot 2, wet", Illumina MiSeq, "soil; wet"\n'
    )
    expect(sheet.problems).toEqual([])
    expect(sheet.rows).toEqual([
      {
        row: 2,
        filename: 'S1_R1_001.fastq.gz',
        init: {
          metadata: { name: 'Soil plot 2, wet', platform: 'Illumina MiSeq' },
          tags: ['soil', 'wet']
        }
      }
    ])
  })
})

describe('two rows with the same external_sample_id', () => {
  it('are refused, naming both rows and the ID', async () => {
    const sheet = await read(
      'dup.csv',
      'filename,external_sample_id\na.fq,LIMS-1\nb.fq,LIMS-2\nc.fq,LIMS-1\nd.fq,\n'
    )
    expect(sheet.problems).toEqual([
      {
        file: 'dup.csv',
        message:
          'Input sample-sheet: dup.csv rows 2 and 4 have the same external_sample_id "LIMS-1" (a.fq, c.fq): an external sample ID names one sample; give each row its own, or leave the cell empty.'
      }
    ])
  })

  it('names every row sharing one, once per ID', async () => {
    const sheet = await read(
      'dup3.tsv',
      'filename\texternal_sample_id\na.fq\tX\nb.fq\tY\nc.fq\tX\nd.fq\tY\ne.fq\tX\n'
    )
    expect(sheet.problems.map(p => p.message)).toEqual([
      'Input sample-sheet: dup3.tsv rows 2, 4 and 6 have the same external_sample_id "X" (a.fq, c.fq, e.fq): an external sample ID names one sample; give each row its own, or leave the cell empty.',
      'Input sample-sheet: dup3.tsv rows 3 and 5 have the same external_sample_id "Y" (b.fq, d.fq): an external sample ID names one sample; give each row its own, or leave the cell empty.'
    ])
  })

  it('different IDs, or IDs that differ in case, pass', async () => {
    const sheet = await read('ok.csv', 'filename,external_sample_id\na.fq,L-1\nb.fq,l-1\n')
    expect(sheet.problems).toEqual([])
  })
})
