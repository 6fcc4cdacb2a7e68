import { afterAll, describe, expect, it } from '@jest/globals'
import { planOutput, plannedSamples, printPlan } from '../../src/report/dry-run.js'
import { planUploads } from '../../src/plan/planner.js'
import { captureStdout, fasta, fastq, gz, tempWorkspace } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

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
    const settings = testSettings({
      apiKey: 'sk_live_SECRET_never_printed',
      metadata: { platform: 'Illumina MiSeq', custom: { run: 7 } },
      project: 'p123',
      tags: ['soil', 'batch 2'],
      apiUrl: 'https://user:pw@api.example.test',
      dryRun: true,
      workspace: ws.dir
    })
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

describe('the plan as data (plannedSamples) and merged lanes in the printed plan', () => {
  const ws = tempWorkspace('ocu-dry-lanes-')
  afterAll(() => ws.remove())

  const base = testSettings({
    apiKey: 'sk_live_SECRET_never_printed',
    metadata: { platform: 'Illumina', sample_type: 'Metagenomic', custom: { run: 7, site: 'x' } },
    project: 'proj0',
    tags: ['nightly', 'deep'],
    apiUrl: 'https://api.example.test',
    dryRun: true,
    workspace: ws.dir
  })

  it('lists each sample: name, route, size, sources with their segments (relative paths), init call and body', async () => {
    const lanes = [1, 2].map(lane => [1, 2].map(read => gz(fastq(lane * 10 + read))))
    lanes.forEach((reads, i) =>
      reads.forEach((bytes, r) => ws.write(`run/S1_L00${i + 1}_R${r + 1}_001.fastq.gz`, bytes))
    )
    ws.write('sA/contigs.fa', fasta(4))
    ws.write(
      'sheet.csv',
      'filename,platform,tags,project,site,depth\nrun_S1_R1_001.fastq.gz,Illumina MiSeq,deep;wet,proj1,north,3\n'
    )
    const settings = { ...base, prefixWithDir: true, sampleSheet: 'sheet.csv' }
    const plan = await planUploads(settings)
    expect(plan.problems).toEqual([])

    const r1 = lanes.map(l => l[0].length)
    const r2 = lanes.map(l => l[1].length)
    const sum = (a: number[]): number => a.reduce((x, y) => x + y)
    const planned = plannedSamples(plan.samples, settings)
    // S1's names and the sheet row's fields over the run-wide ones (custom merged key by key),
    // the same whichever init call starts it.
    const s1Init = {
      filename: 'run_S1_R1_001.fastq.gz',
      paired_end_filename: 'run_S1_R2_001.fastq.gz',
      metadata: {
        platform: 'Illumina MiSeq',
        sample_type: 'Metagenomic',
        custom: { run: 7, site: 'north', depth: '3' }
      },
      tags: [{ name: 'nightly' }, { name: 'deep' }, { name: 'wet' }],
      project: 'proj1'
    }
    expect(planned).toEqual([
      {
        name: 'run_S1_R1_001.fastq.gz',
        route: 'standard',
        size: sum(r1) + sum(r2),
        sources: [
          {
            role: 'R1',
            filename: 'run_S1_R1_001.fastq.gz',
            path: 'run/S1_L001_R1_001.fastq.gz',
            size: sum(r1),
            format: 'FASTQ',
            compression: 'gzip',
            segments: [
              { path: 'run/S1_L001_R1_001.fastq.gz', size: r1[0] },
              { path: 'run/S1_L002_R1_001.fastq.gz', size: r1[1] }
            ]
          },
          {
            role: 'R2',
            filename: 'run_S1_R2_001.fastq.gz',
            path: 'run/S1_L001_R2_001.fastq.gz',
            size: sum(r2),
            format: 'FASTQ',
            compression: 'gzip',
            segments: [
              { path: 'run/S1_L001_R2_001.fastq.gz', size: r2[0] },
              { path: 'run/S1_L002_R2_001.fastq.gz', size: r2[1] }
            ]
          }
        ],
        init: {
          call: 'init_upload',
          body: { ...s1Init, size: sum(r1) + sum(r2), upload_type: 'standard' }
        }
      },
      {
        name: 'sA_contigs.fa',
        route: 'standard',
        size: fasta(4).length,
        sources: [
          {
            role: 'file',
            filename: 'sA_contigs.fa',
            path: 'sA/contigs.fa',
            size: fasta(4).length,
            format: 'FASTA',
            compression: 'none',
            segments: [{ path: 'sA/contigs.fa', size: fasta(4).length }]
          }
        ],
        init: {
          call: 'init_upload',
          body: {
            filename: 'sA_contigs.fa',
            size: fasta(4).length,
            upload_type: 'standard',
            metadata: base.metadata,
            tags: [{ name: 'nightly' }, { name: 'deep' }],
            project: 'proj0'
          }
        }
      }
    ])
    expect(JSON.stringify(planned)).not.toContain('SECRET')
    expect(planOutput(plan.samples, settings)).toEqual({ name: 'plan', items: planned })

    // A multipart sample starts with init_multipart_upload: no size, no upload_type.
    const multipart = plannedSamples(
      plan.samples.map(s => ({ ...s, route: 'multipart' as const })),
      settings
    )
    expect(multipart[0].init).toEqual({ call: 'init_multipart_upload', body: s1Init })
    expect(multipart[1].init).toEqual({
      call: 'init_multipart_upload',
      body: {
        filename: 'sA_contigs.fa',
        metadata: base.metadata,
        tags: [{ name: 'nightly' }, { name: 'deep' }],
        project: 'proj0'
      }
    })

    const out = await captureStdout(() => printPlan(plan, settings))
    expect(out).toContain(
      `  R1: run_S1_R1_001.fastq.gz — 2 lanes merged, ${sum(r1)} B (${sum(r1)} bytes), FASTQ, gzip-compressed\n` +
        `    lane 1: run/S1_L001_R1_001.fastq.gz — ${r1[0]} B (${r1[0]} bytes)\n` +
        `    lane 2: run/S1_L002_R1_001.fastq.gz — ${r1[1]} B (${r1[1]} bytes)\n`
    )
    expect(out).toContain('  file: sA/contigs.fa (uploaded as sA_contigs.fa) — ')
    expect(out).toMatch(
      /Dry run: 2 samples \(5 files, .*\) would be uploaded to https:\/\/api\.example\.test; nothing was sent\./
    )
    expect(out).not.toContain('SECRET')
  })
})
