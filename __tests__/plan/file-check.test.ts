import { afterAll, describe, expect, it } from '@jest/globals'
import { truncateSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import {
  ACCEPTED_ENDINGS,
  HEAD_BYTES,
  checkFile,
  extensionViolation,
  fileKind,
  filenameViolation,
  looksLikeSequence,
  gunzipHead,
  parseExtension,
  sizeViolation,
  sniffHead
} from '../../src/plan/file-check.js'
import { MAX_OBJECT_BYTES, MAX_UPLOAD_BYTES } from '../../src/contract/spec.js'
import { fasta, fastq, gz, tempWorkspace } from '../helpers/fixtures.js'

describe('filenameViolation (spec pattern, ECMAScript semantics)', () => {
  it.each([
    'test.fa',
    'test_paired_filtering_R1_001.fastq.gz',
    'Sample-7 (rerun) [a] {b}.fq',
    '.hidden.fq',
    'a.b.c.fastq.gzip'
  ])('accepts %s', name => {
    expect(filenameViolation(name)).toBeUndefined()
  })

  it.each([
    ['François.fq', /"ç"/],
    ['sample:1.fq', /":"/],
    ['día_ñ.fq', /"í", "ñ"/],
    ['tab\there.fq', /U\+0009/],
    ['a+b@c.fq', /"\+", "@"/]
  ])('refuses %s and names the characters that are not allowed', (name, chars) => {
    const message = filenameViolation(name)
    expect(message).toMatch(/contains characters that are not allowed/)
    expect(message).toMatch(chars)
    expect(message).toContain('ASCII letters, digits')
  })

  it.each(['-start.fq', ' space.fq', 'noextension', 'trailing.'])(
    'refuses %s (allowed characters in a shape the pattern refuses)',
    name => {
      expect(filenameViolation(name)).toMatch(/does not match the filename rule/)
    }
  )
})

describe('parseExtension', () => {
  const cases: [string, string, 'FASTA' | 'FASTQ'][] = [
    ['.fa', 'none', 'FASTA'],
    ['.fasta', 'none', 'FASTA'],
    ['.fna', 'none', 'FASTA'],
    ['.ffn', 'none', 'FASTA'],
    ['.fas', 'none', 'FASTA'],
    ['.fq', 'none', 'FASTQ'],
    ['.fastq', 'none', 'FASTQ']
  ]
  it.each(
    cases.flatMap(([e, , f]) => [
      [`x${e}`, e, 'none', f],
      [`x${e}.gz`, `${e}.gz`, 'gzip', f],
      [`x${e}.gzip`, `${e}.gzip`, 'gzip', f]
    ])
  )('%s is %s (%s, %s)', (name, extension, compression, format) => {
    expect(parseExtension(name)).toEqual({ stem: 'x', extension, compression, format })
  })

  it.each<[string, string, string, string, 'FASTA' | 'FASTQ']>([
    ['UPPER.FASTQ.GZ', 'UPPER', '.FASTQ.GZ', 'gzip', 'FASTQ'],
    ['x.FQ', 'x', '.FQ', 'none', 'FASTQ'],
    ['Contigs.Fa.Gzip', 'Contigs', '.Fa.Gzip', 'gzip', 'FASTA'],
    ['s.fastq.GZ', 's', '.fastq.GZ', 'gzip', 'FASTQ']
  ])(
    'matches endings case-insensitively: %s (stem %s, ending %s as written)',
    (name, stem, extension, compression, format) => {
      expect(parseExtension(name)).toEqual({ stem, extension, compression, format })
    }
  )

  it.each([
    'x.fq.bz2',
    'x.fastq.zip',
    'x.txt',
    'x.FQ.BZ2',
    'x.fq.gz.bak',
    'x.fa.gz.gz',
    'x.fq.tar.gz',
    'fq'
  ])('refuses %s', name => {
    expect(parseExtension(name)).toBeUndefined()
  })

  it('explains a refused ending with the accepted list and a hint', () => {
    expect(extensionViolation('test_R1_L001.fq.bz2')).toBe(
      `"test_R1_L001.fq.bz2" does not end in an accepted extension: ${ACCEPTED_ENDINGS}. .bz2 compression is not accepted: decompress it and recompress with gzip.`
    )
    expect(extensionViolation('x.FQ.BZ2')).toMatch(/\.bz2 compression is not accepted/)
    expect(extensionViolation('notes.txt')).toMatch(
      /\.fa, \.fasta, \.fna, \.ffn, \.fas, \.fq, \.fastq \(each optionally followed by \.gz or \.gzip\)\.$/
    )
  })
})

describe('fileKind and looksLikeSequence (what a wildcard may skip)', () => {
  it.each([
    ['reads.fq.gz.md5', '.md5'],
    ['SampleSheet.CSV', '.csv'],
    ['stats.json', '.json'],
    ['README', 'no extension'],
    ['.hidden', 'no extension'],
    ['trailing.', 'no extension']
  ])('%s is of kind %s', (name, kind) => {
    expect(fileKind(name)).toBe(kind)
  })

  it.each(['x.fq', 'X.FASTQ.GZ', 'x.fa.gzip', 'x.fq.bz2', 'x.FASTQ.ZIP', 'x.fasta.xz'])(
    '%s is named like a sequence file (checked, never skipped)',
    name => {
      expect(looksLikeSequence(name)).toBe(true)
    }
  )

  it.each(['x.fq.gz.md5', 'x.json', 'SampleSheet.csv', 'x.bam', 'README', 'x.bz2'])(
    '%s is not named like a sequence file',
    name => {
      expect(looksLikeSequence(name)).toBe(false)
    }
  )
})

describe('sizeViolation', () => {
  it.each([
    [0, /is empty \(0 bytes\): One Codex needs at least 1 byte/],
    [
      MAX_OBJECT_BYTES + 1,
      /larger than 5\.5 TB \(5,497,558,138,880 bytes\), the largest object S3 stores/
    ]
  ])('refuses %d bytes', (size, message) => {
    expect(sizeViolation(size)).toMatch(message)
  })
  it.each([1, 1000, MAX_UPLOAD_BYTES + 1, MAX_OBJECT_BYTES])('accepts %d bytes', size => {
    expect(sizeViolation(size)).toBeUndefined()
  })
})

describe('sniffHead', () => {
  const bigFastq = Buffer.from(fastq(20_000))
  it.each<[string, Buffer, 'none' | 'gzip', 'FASTA' | 'FASTQ']>([
    ['plain FASTA', Buffer.from(fasta()), 'none', 'FASTA'],
    ['plain FASTQ', Buffer.from(fastq()), 'none', 'FASTQ'],
    ['a BOM and blank lines before >', Buffer.from('\ufeff\n\r\n  >s\nAC\n'), 'none', 'FASTA'],
    ['gzip FASTA', gz(fasta()), 'gzip', 'FASTA'],
    ['gzip FASTQ', gz(fastq()), 'gzip', 'FASTQ'],
    ['the cut first 64 KiB of a larger gzip', gz(bigFastq).subarray(0, 4096), 'gzip', 'FASTQ']
  ])('recognises %s', async (_label, head, compression, format) => {
    expect(await sniffHead(head, compression)).toEqual({ format })
  })

  it.each<[string, Buffer, 'none' | 'gzip', RegExp]>([
    [
      'bzip2 bytes in a .gz file',
      Buffer.from('BZh91AY&SY'),
      'gzip',
      /gzip magic bytes 1f 8b: it looks bzip2-compressed/
    ],
    ['plain text in a .gz file', Buffer.from(fastq()), 'gzip', /gzip magic .*uncompressed text/],
    [
      'gzip bytes without a .gz ending',
      gz(fastq()),
      'none',
      /gzip-compressed but its name has no \.gz\/\.gzip ending: add \.gz/
    ],
    [
      'zstd bytes without a .gz ending',
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2]),
      'none',
      /zstd-compressed/
    ],
    [
      'binary data',
      Buffer.from([0x40, 0x41, 0x00, 0x42]),
      'none',
      /binary data \(a NUL byte at offset 2\)/
    ],
    [
      'gzip of binary data',
      gz(Buffer.from([0x3e, 0x00])),
      'gzip',
      /NUL byte at offset 1 after decompression/
    ],
    ['a gzip of nothing', gz(''), 'gzip', /decompresses to nothing/],
    [
      'corrupt gzip',
      Buffer.concat([
        Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
      ]),
      'gzip',
      /not valid gzip data/
    ],
    ['only whitespace', Buffer.from(' \n\t\n'), 'none', /only whitespace/],
    [
      'another text format',
      Buffer.from('##gff-version 3\n'),
      'none',
      /starts with "##gff-ve" instead of ">" \(FASTA\) or "@" \(FASTQ\)/
    ],
    [
      'random bytes',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d]),
      'none',
      /starts with bytes 89 50 4e 47/
    ]
  ])('refuses %s', async (_label, head, compression, message) => {
    const sniff = await sniffHead(head, compression)
    expect('reason' in sniff && sniff.reason).toMatch(message)
  })

  it('decompresses at most the requested head of a highly compressible stream', async () => {
    const head = await gunzipHead(
      gz(Buffer.alloc(50_000_000, 0x41)).subarray(0, HEAD_BYTES),
      HEAD_BYTES
    )
    expect(head.length).toBe(HEAD_BYTES)
  })
})

describe('checkFile (real files)', () => {
  const ws = tempWorkspace()
  afterAll(() => ws.remove())

  const check = async (name: string, content: string | Buffer) => {
    const file = ws.write(name, content)
    return checkFile(file, Buffer.byteLength(content), name)
  }

  it.each<[string, string | Buffer, 'FASTA' | 'FASTQ', 'none' | 'gzip']>([
    ['ok.fa', fasta(), 'FASTA', 'none'],
    ['ok.fastq', fastq(), 'FASTQ', 'none'],
    ['ok_R1_001.fastq.gz', gz(fastq()), 'FASTQ', 'gzip'],
    ['ok.fna.gzip', gz(fasta()), 'FASTA', 'gzip'],
    ['UPPER.FASTQ.GZ', gz(fastq()), 'FASTQ', 'gzip'],
    ['Mixed.Fa', fasta(), 'FASTA', 'none']
  ])('accepts %s as a frozen Source', async (name, content, format, compression) => {
    const result = await check(name, content)
    expect(result.problems).toEqual([])
    expect(result.file).toMatchObject({
      filename: name,
      size: Buffer.byteLength(content),
      format,
      compression
    })
    expect(Object.isFrozen(result.file)).toBe(true)
  })

  it.each<[string, string | Buffer, RegExp[]]>([
    [
      'François.fq',
      fastq(),
      [/^François\.fq: filename "François\.fq" contains characters that are not allowed: "ç"/]
    ],
    [
      'test_R1_L001.fq.bz2',
      Buffer.from('BZh91AY&SY\x00\x01'),
      [/does not end in an accepted extension.*\.bz2 compression/]
    ],
    ['reads.fa', fastq(), [/content is FASTQ \(starts with "@"\) but the ending \.fa says FASTA/]],
    ['contigs.fq.gz', gz(fasta()), [/content is FASTA .* ending \.fq\.gz says FASTQ/]],
    ['LOUD.FQ.GZ', Buffer.from(fastq()), [/\.FQ\.GZ.*gzip magic bytes|gzip magic bytes/]],
    ['empty.fq', '', [/the file is empty \(0 bytes\)/]],
    ['bad name+bad.fq.gz', Buffer.from(fastq()), [/"\+"/, /gzip magic/]]
  ])('refuses %s with every broken rule', async (name, content, messages) => {
    const result = await check(name, content)
    expect(result.file).toBeUndefined()
    expect(result.problems).toHaveLength(messages.length)
    result.problems.forEach((problem, i) => {
      expect(problem.file).toBe(name)
      expect(problem.message.startsWith(`${name}: `)).toBe(true)
      expect(problem.message).toMatch(messages[i])
    })
  })

  it('accepts a file over 20 GB (the multipart route takes it) and refuses one over 5 TiB (sparse files)', async () => {
    // A real head (longer than the bytes sniffed), then a sparse hole up to the size.
    const file = ws.write('huge.fastq', fastq(5000))
    truncateSync(file, MAX_UPLOAD_BYTES + 1)
    expect((await checkFile(file, MAX_UPLOAD_BYTES + 1, 'huge.fastq')).problems).toEqual([])
    const result = await checkFile(file, MAX_OBJECT_BYTES + 1, 'huge.fastq')
    expect(result.problems).toEqual([
      {
        file: 'huge.fastq',
        message:
          'huge.fastq: the file is 5.5 TB (5,497,558,138,881 bytes): larger than 5.5 TB (5,497,558,138,880 bytes), the largest object S3 stores (even in 10,000 parts).'
      }
    ])
  })

  it('reads only the head of a large gzip file', async () => {
    // Random sequence so that it does not compress to almost nothing.
    const seq = [...randomBytes(400_000)].map(b => 'ACGT'[b & 3]).join('')
    const result = await check('long.fq.gz', gz(`@r\n${seq}\n+\n${'I'.repeat(seq.length)}\n`))
    expect(result.problems).toEqual([])
  })

  it('reports a file that vanished as unreadable instead of throwing', async () => {
    const result = await checkFile(`${ws.dir}/gone.fq`, 10, 'gone.fq')
    expect(result.problems[0].message).toMatch(/^gone\.fq: the content cannot be read: ENOENT/)
    // Node's error text quotes the path it was given: it is shown as the display path too.
    expect(result.problems[0].message).toContain("open 'gone.fq'")
    expect(result.problems[0].message).not.toContain(ws.dir)
  })
})
