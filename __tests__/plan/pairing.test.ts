import { describe, expect, it } from '@jest/globals'
import { pairFiles, readName } from '../../src/plan/pairing.js'

describe('readName', () => {
  it.each<[string, 1 | 2, 'R' | 'val' | 'digit', string]>([
    ['X_R1_001.fastq.gz', 1, 'R', 'X_R2_001.fastq.gz'],
    ['X_R2_001.fastq.gz', 2, 'R', 'X_R1_001.fastq.gz'],
    ['X_R1.fq', 1, 'R', 'X_R2.fq'],
    ['X.R2.fq', 2, 'R', 'X.R1.fq'],
    ['X.R1.001.fa', 1, 'R', 'X.R2.001.fa'],
    ['X_R2.fasta.gz', 2, 'R', 'X_R1.fasta.gz'],
    ['test_R1_L001.fq.gz', 1, 'R', 'test_R2_L001.fq.gz'],
    ['X_L001_R1_001.fastq.gz', 1, 'R', 'X_L001_R2_001.fastq.gz'],
    ['X_1.fastq', 1, 'digit', 'X_2.fastq'],
    ['X.2.fq.gzip', 2, 'digit', 'X.1.fq.gzip'],
    ['SRR123_1.fastq.gz', 1, 'digit', 'SRR123_2.fastq.gz'],
    // Trim Galore's paired-end output.
    ['X_R1_val_1.fq.gz', 1, 'val', 'X_R2_val_2.fq.gz'],
    ['X_R2_val_2.fq.gz', 2, 'val', 'X_R1_val_1.fq.gz'],
    ['X_1_val_1.fq.gz', 1, 'val', 'X_2_val_2.fq.gz'],
    ['X_2_val_2.fq', 2, 'val', 'X_1_val_1.fq'],
    ['S1_L001_R1_001_val_1.fq.gz', 1, 'val', 'S1_L001_R2_001_val_2.fq.gz'],
    ['asm_1_val_1.fa', 1, 'val', 'asm_2_val_2.fa']
  ])('%s is read %d (%s), mate %s', (name, read, style, mateName) => {
    expect(readName(name)).toMatchObject({ read, style, mateName })
  })

  it.each([
    'X.fastq.gz',
    'X_R3_001.fastq.gz',
    'X_R12.fq',
    'X_3.fq',
    'X_12.fq',
    'X_R1_001_trimmed.fq',
    'R1.fq',
    '_1.fq',
    'X_R1.fq.bz2',
    'X_R1_val_2.fq.gz',
    'X_1_val_2.fq',
    'X1.fq',
    // `_1`/`_2` mark reads only on FASTQ: numbered FASTA files are assemblies, contigs, ...
    'contig_1.fa',
    'contig_2.fasta.gz',
    'genome.1.fna'
  ])('%s carries no read number', name => {
    expect(readName(name)).toBeUndefined()
  })

  it('gives two mates the same key and lane-split files different keys', () => {
    expect(readName('X_R1_001.fq')!.key).toBe(readName('X_R2_001.fq')!.key)
    expect(readName('X_L001_R1_001.fq')!.key).not.toBe(readName('X_L002_R1_001.fq')!.key)
    expect(readName('X_R1.fq')!.key).not.toBe(readName('X_R2.fq.gz')!.key)
  })
})

describe('pairFiles', () => {
  it.each<[string, string[], { file: string; mate?: string }[]]>([
    [
      'Illumina _R1_001/_R2_001 mates',
      ['/w/X_R2_001.fastq.gz', '/w/X_R1_001.fastq.gz'],
      [{ file: '/w/X_R1_001.fastq.gz', mate: '/w/X_R2_001.fastq.gz' }]
    ],
    ['_R1/_R2 mates', ['/w/X_R1.fq', '/w/X_R2.fq'], [{ file: '/w/X_R1.fq', mate: '/w/X_R2.fq' }]],
    ['.R1/.R2 mates', ['/w/X.R1.fq', '/w/X.R2.fq'], [{ file: '/w/X.R1.fq', mate: '/w/X.R2.fq' }]],
    [
      '_1/_2 mates',
      ['/w/X_1.fastq', '/w/X_2.fastq'],
      [{ file: '/w/X_1.fastq', mate: '/w/X_2.fastq' }]
    ],
    [
      'FASTA _R1/_R2 mates (explicit read markers)',
      ['/w/X_R2.fa', '/w/X_R1.fa'],
      [{ file: '/w/X_R1.fa', mate: '/w/X_R2.fa' }]
    ],
    [
      '_1/_2 FASTQ mates with a gzip ending',
      ['/w/X.2.fq.gz', '/w/X.1.fq.gz'],
      [{ file: '/w/X.1.fq.gz', mate: '/w/X.2.fq.gz' }]
    ],
    [
      'lane-split pairs as separate samples',
      [
        '/w/X_L002_R2_001.fq.gz',
        '/w/X_L001_R1_001.fq.gz',
        '/w/X_L002_R1_001.fq.gz',
        '/w/X_L001_R2_001.fq.gz'
      ],
      [
        { file: '/w/X_L001_R1_001.fq.gz', mate: '/w/X_L001_R2_001.fq.gz' },
        { file: '/w/X_L002_R1_001.fq.gz', mate: '/w/X_L002_R2_001.fq.gz' }
      ]
    ],
    [
      "Trim Galore's _R1_val_1/_R2_val_2 mates",
      ['/w/X_R2_val_2.fq.gz', '/w/X_R1_val_1.fq.gz'],
      [{ file: '/w/X_R1_val_1.fq.gz', mate: '/w/X_R2_val_2.fq.gz' }]
    ],
    [
      "Trim Galore's _1_val_1/_2_val_2 mates, beside untrimmed _1/_2 mates",
      ['/w/X_2_val_2.fq.gz', '/w/X_1_val_1.fq.gz', '/w/X_1.fq.gz', '/w/X_2.fq.gz'],
      [
        { file: '/w/X_1.fq.gz', mate: '/w/X_2.fq.gz' },
        { file: '/w/X_1_val_1.fq.gz', mate: '/w/X_2_val_2.fq.gz' }
      ]
    ],
    [
      'upper-case endings',
      ['/w/X_R2_001.FASTQ.GZ', '/w/X_R1_001.FASTQ.GZ'],
      [{ file: '/w/X_R1_001.FASTQ.GZ', mate: '/w/X_R2_001.FASTQ.GZ' }]
    ],
    [
      'pairs mixed with single files, sorted by path',
      ['/w/z.fa', '/w/b_R2.fq', '/w/a.fq', '/w/b_R1.fq'],
      [{ file: '/w/a.fq' }, { file: '/w/b_R1.fq', mate: '/w/b_R2.fq' }, { file: '/w/z.fa' }]
    ]
  ])('pairs %s', (_label, files, units) => {
    const pairing = pairFiles(files, true)
    expect(pairing.units).toEqual(units)
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings).toEqual([])
  })

  it('refuses a lone R1 among pairs, naming the missing mate', () => {
    const pairing = pairFiles(
      ['/w/d/X_R1_001.fastq.gz', '/w/d/Y_R1_001.fastq.gz', '/w/d/Y_R2_001.fastq.gz'],
      true,
      f => f.replace('/w/', '')
    )
    expect(pairing.problems).toEqual([
      {
        file: 'd/X_R1_001.fastq.gz',
        message: expect.stringMatching(
          /^d\/X_R1_001\.fastq\.gz: this is read 1 .* its mate X_R2_001\.fastq\.gz is not among the matched files .*paired: false/
        )
      }
    ])
  })

  it('refuses a lone Trim Galore mate (a _val_ file comes from paired-end trimming)', () => {
    const pairing = pairFiles(['/w/X_1_val_1.fq.gz'], true)
    expect(pairing.units).toEqual([{ file: '/w/X_1_val_1.fq.gz' }])
    expect(pairing.warnings).toEqual([])
    expect(pairing.problems[0].message).toMatch(
      /read 1 of a paired-end sample \(_1_val_1\) but its mate X_2_val_2\.fq\.gz is not among .* every _1_val_1 file needs its _2_val_2 mate/
    )
  })

  it('refuses a lone R2, naming the missing R1', () => {
    const pairing = pairFiles(['/w/X_R2.fq'], true)
    expect(pairing.problems[0].message).toMatch(
      /read 2 .*\(_R2\) but its mate X_R1\.fq is not among/
    )
  })

  it('does not pair mates in different directories', () => {
    const pairing = pairFiles(['/w/a/X_R1.fq', '/w/b/X_R2.fq'], true)
    expect(pairing.problems.map(p => p.file)).toEqual(['/w/a/X_R1.fq', '/w/b/X_R2.fq'])
  })

  it('does not pair mates whose endings differ', () => {
    const pairing = pairFiles(['/w/X_R1.fq.gz', '/w/X_R2.fq'], true)
    expect(pairing.problems).toHaveLength(2)
  })

  it('uploads a lone _1 file alone, with a warning', () => {
    const pairing = pairFiles(['/w/SRR1_1.fastq.gz', '/w/other.fq'], true)
    expect(pairing.units).toEqual([{ file: '/w/SRR1_1.fastq.gz' }, { file: '/w/other.fq' }])
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings).toEqual([
      {
        file: '/w/SRR1_1.fastq.gz',
        message: expect.stringMatching(
          /no SRR1_2\.fastq\.gz was matched .* uploaded as a single-end sample/
        )
      }
    ])
  })

  it('keeps numbered FASTA files (_1/_2, .1/.2) as separate samples, without a warning', () => {
    const pairing = pairFiles(
      [
        '/w/contig_2.fa',
        '/w/contig_1.fa',
        '/w/asm.1.fasta.gz',
        '/w/asm.2.fasta.gz',
        '/w/lone_1.fna'
      ],
      true
    )
    expect(pairing.units).toEqual([
      { file: '/w/asm.1.fasta.gz' },
      { file: '/w/asm.2.fasta.gz' },
      { file: '/w/contig_1.fa' },
      { file: '/w/contig_2.fa' },
      { file: '/w/lone_1.fna' }
    ])
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings).toEqual([])
  })

  it('does not pair a _1 FASTQ with a _2 FASTA', () => {
    const pairing = pairFiles(['/w/X_1.fq', '/w/X_2.fa'], true)
    expect(pairing.units).toEqual([{ file: '/w/X_1.fq' }, { file: '/w/X_2.fa' }])
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings.map(w => w.file)).toEqual(['/w/X_1.fq'])
  })

  it('makes every file its own sample when paired is false', () => {
    const pairing = pairFiles(['/w/X_R2.fq', '/w/X_R1.fq', '/w/Y_R1.fq'], false)
    expect(pairing.units).toEqual([
      { file: '/w/X_R1.fq' },
      { file: '/w/X_R2.fq' },
      { file: '/w/Y_R1.fq' }
    ])
    expect(pairing.problems).toEqual([])
    expect(pairing.warnings).toEqual([])
  })
})
