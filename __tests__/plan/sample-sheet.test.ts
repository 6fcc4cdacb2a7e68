import { afterAll, describe, expect, it } from '@jest/globals'
import { matchSheetRows, parseDelimited, readSampleSheet } from '../../src/plan/sample-sheet.js'
import { tempWorkspace } from '../helpers/fixtures.js'

describe('parseDelimited (RFC 4180)', () => {
  it('splits cells and records, CRLF or LF, keeping the line each record starts on', () => {
    expect(parseDelimited('a,b,c\r\n1,2,3\n\n4,,6', ',')).toEqual({
      records: [
        { row: 1, cells: ['a', 'b', 'c'] },
        { row: 2, cells: ['1', '2', '3'] },
        { row: 3, cells: [''] },
        { row: 4, cells: ['4', '', '6'] }
      ]
    })
  })

  it('reads quoted cells: delimiters, line breaks and "" inside quotes', () => {
    const text = 'filename,description\n"a,b.fq","two\nlines, and ""quotes"""\nc.fq,"x"\n'
    expect(parseDelimited(text, ',')).toEqual({
      records: [
        { row: 1, cells: ['filename', 'description'] },
        { row: 2, cells: ['a,b.fq', 'two\nlines, and "quotes"'] },
        { row: 4, cells: ['c.fq', 'x'] }
      ]
    })
  })

  it('splits TSV on tabs only, keeping commas and a quote inside an unquoted cell', () => {
    expect(parseDelimited('filename\tnote\nx.fq\t5" disk, blue', '\t').records).toEqual([
      { row: 1, cells: ['filename', 'note'] },
      { row: 2, cells: ['x.fq', '5" disk, blue'] }
    ])
  })

  it('keeps an empty quoted last cell', () => {
    expect(parseDelimited('a,""', ',').records).toEqual([{ row: 1, cells: ['a', ''] }])
  })

  it.each([
    ['a,b\n"x,y\n', 'row 2: a quoted cell is never closed'],
    [
      'a,b\n"x"y,z\n',
      'row 2: text after the closing quote of a quoted cell (write "" for a quote inside quotes)'
    ]
  ])('refuses %j', (text, error) => {
    expect(parseDelimited(text, ',').error).toBe(error)
  })
})

describe('readSampleSheet (real files)', () => {
  const ws = tempWorkspace('ocu-sheet-')
  afterAll(() => ws.remove())
  const read = (name: string, content: string | Buffer) =>
    readSampleSheet(ws.write(name, content), name)

  it('reads every column kind from a CSV: metadata fields, tags, project, custom; empty cells unset', async () => {
    const sheet = await read(
      'samples.csv',
      '\uFEFFFilename,Name,Platform,library_type,Sample Type,date-collected,date_sequenced,location_lat,location_lon,location_string,external_sample_id,description,tags,project,Lab Tech,run\n' +
        'S1_R1_001.fastq.gz,Soil 1,Illumina MiSeq,WGS,Metagenomic,2024-05-01,2024-05-03T13:45:00Z,47.37,-122.5,"Zürich, CH",LIMS-1,"deep, wet",soil; batch 2 ;soil,p0123456789abcde,Ada,42\n' +
        'S2.fq,,,,,,,,,,,,,,,\n'
    )
    expect(sheet.problems).toEqual([])
    expect(sheet.rows).toEqual([
      {
        row: 2,
        filename: 'S1_R1_001.fastq.gz',
        init: {
          metadata: {
            name: 'Soil 1',
            platform: 'Illumina MiSeq',
            library_type: 'WGS',
            sample_type: 'Metagenomic',
            date_collected: '2024-05-01',
            date_sequenced: '2024-05-03T13:45:00Z',
            location_lat: 47.37,
            location_lon: -122.5,
            location_string: 'Zürich, CH',
            external_sample_id: 'LIMS-1',
            description: 'deep, wet',
            custom: { 'Lab Tech': 'Ada', run: '42' }
          },
          tags: ['soil', 'batch 2'],
          project: 'p0123456789abcde'
        }
      },
      { row: 3, filename: 'S2.fq', init: {} }
    ])
  })

  it('reads a TSV (by its .tsv ending, or a tab in the header of another file)', async () => {
    const text = 'filename\tplatform\tnote\nx.fq\tIllumina NovaSeq 6000\ta, b\n'
    for (const name of ['s.tsv', 's.txt']) {
      const sheet = await read(name, text)
      expect(sheet.problems).toEqual([])
      expect(sheet.rows).toEqual([
        {
          row: 2,
          filename: 'x.fq',
          init: { metadata: { platform: 'Illumina NovaSeq 6000', custom: { note: 'a, b' } } }
        }
      ])
    }
  })

  it('checks every cell like the metadata input, naming the sheet, row, column and value', async () => {
    const sheet = await read(
      'bad.csv',
      'filename,platform,library_type,location_lat,location_lon,date_collected,name,external_sample_id,tags,project\n' +
        `a.fq,illumina miseq,16S,91,east,2024-13-01,${'n'.repeat(256)},${'e'.repeat(61)},ok;${'t'.repeat(31)},${'p'.repeat(17)}\n`
    )
    expect(sheet.problems.map(p => p.file)).toEqual(new Array(9).fill('bad.csv'))
    expect(sheet.problems.map(p => p.message)).toEqual([
      'Input sample-sheet: bad.csv row 2, column platform is the string "illumina miseq": did you mean "Illumina MiSeq"? Values are matched with their exact spelling.',
      expect.stringMatching(
        /^Input sample-sheet: bad\.csv row 2, column library_type is the string "16S": it must be one of \(exact spelling\) "WGS", "Targeted\/16S", "Other", or null\.$/
      ),
      'Input sample-sheet: bad.csv row 2, column location_lat is 91: it must be from -90 to 90.',
      'Input sample-sheet: bad.csv row 2, column location_lon is the string "east": it must be a number from -180 to 180, or null.',
      'Input sample-sheet: bad.csv row 2, column date_collected is "2024-13-01": it must be an ISO 8601 date or date-time such as "2024-05-01" or "2024-05-01T13:45:00Z".',
      'Input sample-sheet: bad.csv row 2, column name is 256 characters long: at most 255 are allowed.',
      'Input sample-sheet: bad.csv row 2, column external_sample_id is 61 characters long: at most 60 are allowed.',
      `Input sample-sheet: bad.csv row 2, column tags: tag "${'t'.repeat(31)}" is 31 characters long: at most 30 are allowed (tags are separated by ";").`,
      `Input sample-sheet: bad.csv row 2, column project is "${'p'.repeat(17)}": a project ID has at most 16 characters.`
    ])
  })

  it.each<[string, string | Buffer, RegExp]>([
    [
      'no-filename.csv',
      'name,platform\nS1,Illumina\n',
      /no-filename\.csv has no filename column \(header row: "name", "platform"\)/
    ],
    [
      'twice.csv',
      'filename,Platform,platform\nx.fq,,\n',
      /the header has two columns for platform \("Platform" and "platform"\)/
    ],
    ['custom-twice.csv', 'filename,site,site\nx.fq,a,b\n', /the header has two columns for "site"/],
    ['no-name.csv', 'filename,platform\n,Illumina\n', /no-name\.csv row 2 has no filename/],
    [
      'wide.csv',
      'filename,platform\nx.fq,Illumina,oops\n',
      /wide\.csv row 2 has 3 cells but the header has 2 columns \(extra: "oops"\)/
    ],
    [
      'headless.csv',
      'filename,,platform\nx.fq,lost,Illumina\n',
      /headless\.csv row 2 has "lost" in column 2, whose header is empty/
    ],
    [
      'open.csv',
      'filename,description\nx.fq,"never closed\n',
      /open\.csv row 2: a quoted cell is never closed/
    ],
    ['empty.csv', '\n\n', /empty\.csv is empty: it needs a header row/],
    [
      'latin1.csv',
      Buffer.from([0x66, 0x69, 0x6c, 0x65, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xe9, 0x2e, 0x66, 0x71]),
      /latin1\.csv is not UTF-8 text/
    ]
  ])('refuses %s, naming the sheet', async (name, content, message) => {
    const sheet = await read(name, content)
    expect(sheet.problems).toEqual([{ file: name, message: expect.stringMatching(message) }])
    expect(sheet.problems[0].message.startsWith('Input sample-sheet: ')).toBe(true)
  })

  it('names a sheet that cannot be read', async () => {
    const sheet = await readSampleSheet(`${ws.dir}/missing.csv`, 'missing.csv')
    expect(sheet.problems).toEqual([
      {
        file: 'missing.csv',
        message: expect.stringMatching(/^Input sample-sheet: cannot read missing\.csv: .*ENOENT/)
      }
    ])
    expect(sheet.problems[0].message).not.toContain(ws.dir)
  })
})

describe('matchSheetRows', () => {
  const targets = {
    names: ['S1_R1_001.fastq.gz', 'sB_trimmed.fq', 'c.fa'],
    aliases: new Map([
      ['S1_L001_R1_001.fastq.gz', 'S1_R1_001.fastq.gz'],
      ['S1_R2_001.fastq.gz', 'S1_R1_001.fastq.gz'],
      ['trimmed.fq', 'sB_trimmed.fq']
    ])
  }
  const sheet = (rows: [number, string][]) => ({
    display: 's.csv',
    problems: [],
    rows: rows.map(([row, filename]) => ({ row, filename, init: { project: `p${row}` } }))
  })

  it('gives each planned name its row', () => {
    const { init, problems } = matchSheetRows(
      sheet([
        [2, 'c.fa'],
        [3, 'S1_R1_001.fastq.gz']
      ]),
      targets
    )
    expect(problems).toEqual([])
    expect([...init]).toEqual([
      ['c.fa', { project: 'p2' }],
      ['S1_R1_001.fastq.gz', { project: 'p3' }]
    ])
  })

  it.each<[string, RegExp]>([
    [
      'S1_R2_001.fastq.gz',
      /is "S1_R2_001\.fastq\.gz", which matches no planned sample: did you mean "S1_R1_001\.fastq\.gz"\? Rows name a sample by its upload name/
    ],
    ['S1_L001_R1_001.fastq.gz', /did you mean "S1_R1_001\.fastq\.gz"\?/],
    ['trimmed.fq', /did you mean "sB_trimmed\.fq"\?/],
    ['reads/c.FA', /did you mean "c\.fa"\?/],
    ['C.FA', /did you mean "c\.fa"\?/],
    [
      'typo.fq',
      /which matches no planned sample: planned samples: "S1_R1_001\.fastq\.gz", "sB_trimmed\.fq", "c\.fa"\.$/
    ]
  ])('refuses a row that matches no planned sample: %s', (filename, message) => {
    const { init, problems } = matchSheetRows(sheet([[4, filename]]), targets)
    expect(init.size).toBe(0)
    expect(problems).toEqual([
      {
        file: 's.csv',
        message: expect.stringMatching(/^Input sample-sheet: s\.csv row 4, column filename is /)
      }
    ])
    expect(problems[0].message).toMatch(message)
  })

  it('lists at most 5 planned names, then how many more', () => {
    const many = { names: Array.from({ length: 8 }, (_, i) => `s${i}.fq`), aliases: new Map() }
    const { problems } = matchSheetRows(sheet([[2, 'x.fq']]), many)
    expect(problems[0].message).toMatch(
      /"s0\.fq", "s1\.fq", "s2\.fq", "s3\.fq", "s4\.fq" and 3 more\.$/
    )
  })

  it('refuses two rows for one sample', () => {
    const { init, problems } = matchSheetRows(
      sheet([
        [2, 'c.fa'],
        [5, 'c.fa']
      ]),
      targets
    )
    expect(init.get('c.fa')).toEqual({ project: 'p2' })
    expect(problems).toEqual([
      {
        file: 's.csv',
        message:
          'Input sample-sheet: s.csv row 5, column filename: "c.fa" already has row 2; give each sample one row.'
      }
    ])
  })
})
