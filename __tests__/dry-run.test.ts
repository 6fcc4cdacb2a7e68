import { afterAll, describe, expect, it } from '@jest/globals'
import { printPlan } from '../src/report/dry-run.js'
import { planUploads } from '../src/plan/planner.js'
import type { Settings } from '../src/shared/types.js'
import { captureStdout, fasta, fastq, gz, tempWorkspace } from './helpers/fixtures.js'

describe('printPlan', () => {
  const ws = tempWorkspace()
  afterAll(() => ws.remove())

  it('prints each sample, its files, sizes, kinds and init_upload body, then a total — never the key', async () => {
    const r1 = gz(fastq(50))
    const r2 = gz(fastq(51))
    const single = fasta(100)
    ws.write('run/S1_R1_001.fastq.gz', r1)
    ws.write('run/S1_R2_001.fastq.gz', r2)
    ws.write('ref/contigs.fa', single)
    const settings: Settings = {
      apiKey: 'sk_live_SECRET_never_printed',
      patterns: ['**'],
      metadata: { platform: 'Illumina MiSeq', custom: { run: 7 } },
      project: 'p123',
      tags: ['soil', 'batch 2'],
      paired: true,
      apiUrl: 'https://user:pw@api.example.test',
      concurrency: 4,
      maxAttempts: 5,
      ifNoFilesFound: 'error',
      dryRun: true,
      uploadMethod: 'auto',
      workspace: ws.dir
    }
    const plan = await planUploads(settings)
    expect(plan.problems).toEqual([])

    const out = await captureStdout(() => printPlan(plan, settings))
    const lines = out.split('\n')

    expect(lines[0]).toBe('::group::Dry run: 2 samples planned')
    expect(out).toContain('Sample 1 of 2 (single file, standard route)')
    expect(out).toContain(
      `  file: ref/contigs.fa — ${(single.length / 1000).toFixed(1)} kB (${single.length.toLocaleString('en-US')} bytes), FASTA, uncompressed`
    )
    expect(out).toContain('Sample 2 of 2 (paired-end, standard route)')
    expect(out).toContain(
      `  R1: run/S1_R1_001.fastq.gz — ${r1.length} B (${r1.length} bytes), FASTQ, gzip-compressed`
    )
    expect(out).toContain(
      `  R2: run/S1_R2_001.fastq.gz — ${r2.length} B (${r2.length} bytes), FASTQ, gzip-compressed`
    )

    const bodies = lines
      .filter(l => l.startsWith('  init_upload body: '))
      .map(l => JSON.parse(l.slice('  init_upload body: '.length)))
    expect(bodies).toEqual([
      {
        filename: 'contigs.fa',
        size: single.length,
        upload_type: 'standard',
        metadata: { platform: 'Illumina MiSeq', custom: { run: 7 } },
        tags: [{ name: 'soil' }, { name: 'batch 2' }],
        project: 'p123'
      },
      {
        filename: 'S1_R1_001.fastq.gz',
        paired_end_filename: 'S1_R2_001.fastq.gz',
        size: r1.length + r2.length,
        upload_type: 'standard',
        metadata: { platform: 'Illumina MiSeq', custom: { run: 7 } },
        tags: [{ name: 'soil' }, { name: 'batch 2' }],
        project: 'p123'
      }
    ])

    const total = single.length + r1.length + r2.length
    expect(lines).toContain('::endgroup::')
    expect(lines[lines.length - 2]).toBe(
      `Dry run: 2 samples (3 files, ${(total / 1000).toFixed(1)} kB (${total.toLocaleString('en-US')} bytes)) would be uploaded to https://api.example.test; nothing was sent.`
    )
    expect(out).not.toContain('SECRET')
    expect(out).not.toContain('pw@')
  })
})
