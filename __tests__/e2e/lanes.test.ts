/**
 * End to end, lanes and the sample sheet: the bundled action run as a runner runs it, against
 * the sandbox API with radosgw storage (real S3; builtin storage when RADOSGW_ENDPOINT is unset).
 * 4 gzip lanes × R1/R2 plus a sample sheet become one paired sample: the objects storage holds
 * must be byte for byte the lanes back to back, and init_upload must carry the sheet's metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { gunzipSync, gzipSync } from 'node:zlib'
import { type Sandbox } from '../../sandbox/emulator.js'
import { type ActionRun } from '../../sandbox/runner.js'
import type { FailedSample, UploadedSample } from '../../src/shared/types.js'
import {
  bundleWorkspace,
  runAgainst,
  storageLabel,
  withFreshSandbox,
  writeUnder
} from '../helpers/e2e.js'

const API_KEY = 'e2e-lanes-key-9f8e7d6c5b'
const LANES = [1, 2, 3, 4]
const lanePath = (lane: number, read: 1 | 2): string => `run/S1_S1_L00${lane}_R${read}_001.fastq.gz`

const bigLanePath = (lane: number, read: 1 | 2): string =>
  `big/B7_S7_L00${lane}_R${read}_001.fastq.gz`
const PART = 5 * 1024 * 1024

let workspace: string
const bytes = new Map<string, Buffer>()
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/**
 * `count` FASTQ records of 100 random bases with random qualities: real FASTQ that gzip cannot
 * shrink much, so that lanes have a real size.
 */
function reads(lane: number, read: 1 | 2, count: number): string {
  const random = randomBytes(count * 200)
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    const at = i * 200
    for (let j = at; j < at + 100; j++) random[j] = BASES[random[j] & 3]
    for (let j = at + 100; j < at + 200; j++) random[j] = 33 + (random[j] % 94)
    parts.push(
      `@M00001:42:FC:${lane}:1:${i} ${read}:N:0:1\n${random.toString('latin1', at, at + 100)}\n+\n${random.toString('latin1', at + 100, at + 200)}\n`
    )
  }
  return parts.join('')
}
const BASES = Buffer.from('ACGT')

/** The plain text of each lane file, to check the merged gzip decompresses to all of them. */
const plain = new Map<string, string>()

async function write(relative: string, data: Buffer | string): Promise<void> {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data
  await writeUnder(workspace, relative, buffer)
  bytes.set(relative, buffer)
}

/** The lanes of one read back to back: what One Codex must receive. */
const merged = (read: 1 | 2, lane = lanePath): Buffer =>
  Buffer.concat(LANES.map(n => bytes.get(lane(n, read))!))

const SHEET =
  'filename,name,platform,library_type,date_sequenced,location_lat,tags,project,flowcell\n' +
  'S1_S1_R1_001.fastq.gz,"Soil, plot 1",Illumina NovaSeq 6000,WGS,2024-05-03,47.37,deep;wet,proj0123456789ab,HXXXXDSX5\n'

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-lanes-')
  for (const lane of LANES) {
    for (const read of [1, 2] as const) {
      const text = reads(lane, read, 400 + lane * 50)
      plain.set(lanePath(lane, read), text)
      await write(lanePath(lane, read), gzipSync(Buffer.from(text), { level: 1 }))
    }
  }
  // What bcl2fastq leaves beside the reads: skipped with a notice, not an error.
  await write('run/S1_S1_L001_R1_001.fastq.gz.md5', 'd41d8cd98f00b204e9800998ecf8427e\n')
  await write('run/Stats.json', '{}\n')
  await write('SampleSheet.csv', SHEET)
  // Lanes of ~3 MiB for the multipart route, whose 5 MiB parts then span lanes.
  for (const lane of LANES) {
    for (const read of [1, 2] as const) {
      const text = reads(lane, read, 24_000 + lane * 500)
      await write(bigLanePath(lane, read), gzipSync(Buffer.from(text), { level: 1 }))
    }
  }
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

const withSandbox = <T>(fn: (sandbox: Sandbox) => Promise<T>) => withFreshSandbox(API_KEY, fn)

const run = (sandbox: Sandbox, inputs: Record<string, string>): Promise<ActionRun> =>
  runAgainst(sandbox, workspace, API_KEY, {
    'max-attempts': '4',
    files: 'run',
    'sample-sheet': 'SampleSheet.csv',
    metadata: '{"sample_type": "Metagenomic", "custom": {"run": "42"}}',
    tags: 'nightly',
    ...inputs
  })

/** What storage holds for the one sample: R1's object, then R2's, each as size and sha256. */
async function storedObjects(sandbox: Sandbox): Promise<{ size: number; sha256: string }[]> {
  const [sample] = sandbox.samples()
  expect(sample.keys).toHaveLength(2)
  const objects = []
  for (const key of sample.keys) {
    const object = await sandbox.object(key)
    expect(object).toBeDefined()
    objects.push({ size: object!.size, sha256: object!.sha256 })
  }
  return objects
}

describe(`lanes merged by streaming (${storageLabel})`, () => {
  it('uploads 4 gzip lanes × R1/R2 as one paired sample: stored bytes are the lanes back to back, init carries the sheet', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, {})
      expect(result.stderr).toBe('')
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain(
        '::notice::2 files skipped: .json, .md5. They are not FASTA/FASTQ'
      )
      const r1 = merged(1)
      const r2 = merged(2)
      // Still valid gzip: the reads of every lane, in lane order.
      expect(gunzipSync(r1).toString()).toBe(
        LANES.map(lane => plain.get(lanePath(lane, 1))).join('')
      )

      expect(sandbox.samples()).toHaveLength(1)
      const [sample] = sandbox.samples()
      expect(sample.confirmed).toBe(true)
      expect(sample.body).toEqual({
        filename: 'S1_S1_R1_001.fastq.gz',
        paired_end_filename: 'S1_S1_R2_001.fastq.gz',
        size: r1.length + r2.length,
        upload_type: 'standard',
        metadata: {
          sample_type: 'Metagenomic',
          name: 'Soil, plot 1',
          platform: 'Illumina NovaSeq 6000',
          library_type: 'WGS',
          date_sequenced: '2024-05-03',
          location_lat: 47.37,
          custom: { run: '42', flowcell: 'HXXXXDSX5' }
        },
        tags: [{ name: 'nightly' }, { name: 'deep' }, { name: 'wet' }],
        project: 'proj0123456789ab'
      })
      // Two storage POSTs, one a read, each the whole merged file.
      const posts = sandbox.requests.filter(r => r.route === 'storage')
      expect(posts.map(p => [p.fileName, p.fileSize, p.status])).toEqual([
        ['S1_S1_R1_001.fastq.gz', r1.length, 201],
        ['S1_S1_R2_001.fastq.gz', r2.length, 201]
      ])
      expect(await storedObjects(sandbox)).toEqual([
        { size: r1.length, sha256: sha256(r1) },
        { size: r2.length, sha256: sha256(r2) }
      ])

      const samples = JSON.parse(result.outputs.samples) as UploadedSample[]
      expect(samples).toEqual([
        expect.objectContaining({
          sample_id: sample.sample_id,
          path: lanePath(1, 1),
          filename: 'S1_S1_R1_001.fastq.gz',
          size: r1.length,
          sha256: sha256(r1),
          paths: LANES.map(lane => lanePath(lane, 1)),
          paired_end_path: lanePath(1, 2),
          paired_end_filename: 'S1_S1_R2_001.fastq.gz',
          paired_end_size: r2.length,
          paired_end_sha256: sha256(r2),
          paired_end_paths: LANES.map(lane => lanePath(lane, 2))
        })
      ])
      expect(JSON.parse(result.outputs['sample-ids'])).toEqual([sample.sample_id])
      expect(result.stdout.replace(`::add-mask::${API_KEY}`, '')).not.toContain(API_KEY)
    })
  })

  it('a merged sample that fails names every lane in failed (paths, paired_end_paths), and its sample is cancelled', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.failFile('S1_S1_R2_001.fastq.gz', 'storage', 400)
      const result = await run(sandbox, {})
      expect(result.exitCode).not.toBe(0)
      const failed = JSON.parse(result.outputs.failed) as FailedSample[]
      expect(failed).toEqual([
        expect.objectContaining({
          status: 'failed',
          path: lanePath(1, 1),
          paths: LANES.map(lane => lanePath(lane, 1)),
          paired_end_path: lanePath(1, 2),
          paired_end_paths: LANES.map(lane => lanePath(lane, 2)),
          sample_cancelled: true
        })
      ])
    })
  })

  it('a connection reset inside lane 2 resends the merged file from lane 1: stored bytes still identical', async () => {
    await withSandbox(async sandbox => {
      // The form fields come first (~2 kB), then the file: cut halfway through lane 2.
      const lane1 = bytes.get(lanePath(1, 1))!.length
      const lane2 = bytes.get(lanePath(2, 1))!.length
      sandbox.faults.add('storage', { kind: 'reset', afterBytes: lane1 + Math.floor(lane2 / 2) })
      const result = await run(sandbox, {})
      expect(result.exitCode).toBe(0)
      const posts = sandbox.requests.filter(r => r.route === 'storage')
      expect(posts.map(p => p.status)).toEqual([0, 201, 201])
      expect(await storedObjects(sandbox)).toEqual([
        { size: merged(1).length, sha256: sha256(merged(1)) },
        { size: merged(2).length, sha256: sha256(merged(2)) }
      ])
    })
  })

  it('the multipart route reads its 5 MiB parts from the same merged source, parts spanning lanes', async () => {
    await withSandbox(async sandbox => {
      const r1 = merged(1, bigLanePath)
      const r2 = merged(2, bigLanePath)
      const lane1 = bytes.get(bigLanePath(1, 1))!.length
      // Part 1 ends inside lane 2: it spans two lanes.
      expect(lane1).toBeLessThan(PART)
      expect(lane1 + bytes.get(bigLanePath(2, 1))!.length).toBeGreaterThan(PART)
      const result = await runAgainst(
        sandbox,
        workspace,
        API_KEY,
        { files: 'big', 'upload-method': 'multipart', metadata: '{"name": "B7"}' },
        { ONECODEX_UPLOAD_PART_BYTES: String(PART), AWS_ENDPOINT_URL_S3: sandbox.storageUrl }
      )
      expect(result.exitCode).toBe(0)
      const [sample] = sandbox.samples()
      expect(sample.confirmed).toBe(true)
      expect(sample.body).toEqual({
        filename: 'B7_S7_R1_001.fastq.gz',
        paired_end_filename: 'B7_S7_R2_001.fastq.gz',
        metadata: { name: 'B7' }
      })
      const parts = sandbox.requests.filter(r => r.route === 's3:UploadPart' && r.status === 200)
      expect(parts).toHaveLength(Math.ceil(r1.length / PART) + Math.ceil(r2.length / PART))
      expect(await storedObjects(sandbox)).toEqual([
        { size: r1.length, sha256: sha256(r1) },
        { size: r2.length, sha256: sha256(r2) }
      ])
      const [output] = JSON.parse(result.outputs.samples) as UploadedSample[]
      expect(output).toMatchObject({
        sha256: sha256(r1),
        paired_end_sha256: sha256(r2),
        paths: LANES.map(lane => bigLanePath(lane, 1)),
        paired_end_paths: LANES.map(lane => bigLanePath(lane, 2))
      })
    })
  })

  it('with lanes: separate, uploads 4 pairs and refuses the sheet row that now matches none (zero requests)', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { lanes: 'separate' })
      expect(result.exitCode).toBe(1)
      expect(sandbox.requests).toEqual([])
      expect(result.stdout).toMatch(
        /::error file=SampleSheet\.csv::Input sample-sheet: SampleSheet\.csv row 2, column filename is "S1_S1_R1_001\.fastq\.gz", which matches no planned sample/
      )
    })
  })
})
