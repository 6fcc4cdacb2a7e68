import { describe, expect, it } from '@jest/globals'
import {
  AUTO_MULTIPART_MIN_BYTES,
  chooseRoute,
  s3EndpointChoice
} from '../../src/plan/route-choice.js'
import type { Sample, Source } from '../../src/shared/types.js'
import { sourceAt } from '../helpers/fixtures.js'

const display = (file: string): string => file.replace('/work/', '')

const source = (name: string, size: number): Source => sourceAt(`/work/reads/${name}`, size, 'gzip')

const single = (size: number): Sample => ({ file: source('s.fastq.gz', size) })
const pair = (r1: number, r2: number): Sample => ({
  file: source('p_R1_001.fastq.gz', r1),
  mate: source('p_R2_001.fastq.gz', r2)
})

/** Lanes merged into one upload: one source of `sizes.length` segments back to back. */
const lanes = (sizes: number[]): Sample => ({
  file: {
    ...source(
      'm_S1_R1_001.fastq.gz',
      sizes.reduce((a, b) => a + b, 0)
    ),
    segments: sizes.map((size, i) => ({
      path: `/work/reads/m_S1_L00${i + 1}_R1_001.fastq.gz`,
      size
    }))
  }
})

const MiB = 1024 * 1024
const THRESHOLD = 64 * MiB
const FIVE_GB = 5_000_000_000
const TWENTY_GB = 20_000_000_000
const auto = (sample: Sample, interleaved?: boolean): ReturnType<typeof chooseRoute> =>
  chooseRoute(sample, 'auto', display, { env: {}, interleaved })

describe('chooseRoute', () => {
  it('auto: multipart from exactly 64 MiB, standard up to one byte less', () => {
    expect(AUTO_MULTIPART_MIN_BYTES).toBe(THRESHOLD)
    expect(auto(single(THRESHOLD - 1))).toEqual({ route: 'standard', problems: [], warnings: [] })
    expect(auto(single(THRESHOLD))).toEqual({ route: 'multipart', problems: [], warnings: [] })
    expect(auto(single(1))).toEqual({ route: 'standard', problems: [], warnings: [] })
    expect(auto(single(FIVE_GB)).route).toBe('multipart')
    expect(auto(single(FIVE_GB + 1)).route).toBe('multipart')
  })

  it('auto: a pair goes multipart as a whole when only one mate reaches 64 MiB', () => {
    expect(auto(pair(1000, THRESHOLD)).route).toBe('multipart')
    expect(auto(pair(THRESHOLD, 1000)).route).toBe('multipart')
    // Two mates just under it stay standard: the rule is the largest file, not the sum.
    expect(auto(pair(THRESHOLD - 1, THRESHOLD - 1)).route).toBe('standard')
    expect(auto(pair(1000, FIVE_GB + 1)).route).toBe('multipart')
  })

  it('auto: merged lanes count as the one file they become', () => {
    // Four lanes of 20 MiB: each below the threshold, 80 MiB merged.
    expect(auto(lanes([20 * MiB, 20 * MiB, 20 * MiB, 20 * MiB])).route).toBe('multipart')
    expect(auto(lanes([32 * MiB, 32 * MiB])).route).toBe('multipart')
    expect(auto(lanes([32 * MiB, 32 * MiB - 1])).route).toBe('standard')
  })

  it('auto: with interleaved set, standard up to 5 GB (the multipart route cannot carry it)', () => {
    expect(auto(single(THRESHOLD), true)).toEqual({
      route: 'standard',
      problems: [],
      warnings: []
    })
    expect(auto(single(FIVE_GB), false).route).toBe('standard')
    const big = auto(single(FIVE_GB + 1), true)
    expect(big.route).toBe('multipart')
    expect(big.warnings).toEqual([
      {
        file: 'reads/s.fastq.gz',
        message:
          'reads/s.fastq.gz: interleaved: true is not sent for s.fastq.gz: it goes by the multipart route, whose init_multipart_upload takes no interleaved field.'
      }
    ])
  })

  it('auto: files over 20 GB simply go multipart, without a problem', () => {
    expect(chooseRoute(single(TWENTY_GB + 1), 'auto', display, { env: {} })).toEqual({
      route: 'multipart',
      problems: [],
      warnings: []
    })
  })

  it('multipart: every sample, however small', () => {
    expect(chooseRoute(single(1), 'multipart', display, { env: {} })).toEqual({
      route: 'multipart',
      problems: [],
      warnings: []
    })
    expect(chooseRoute(pair(10, 10), 'multipart', display, { env: {} }).route).toBe('multipart')
    expect(chooseRoute(single(THRESHOLD - 1), 'multipart', display, { env: {} }).route).toBe(
      'multipart'
    )
  })

  it('standard: every sample; a warning per file over 5 GB, a problem per file over 20 GB', () => {
    expect(chooseRoute(single(FIVE_GB), 'standard', display)).toEqual({
      route: 'standard',
      problems: [],
      warnings: []
    })
    expect(chooseRoute(single(THRESHOLD), 'standard', display).route).toBe('standard')
    expect(chooseRoute(lanes([FIVE_GB, FIVE_GB]), 'standard', display).warnings).toHaveLength(1)
    const warned = chooseRoute(pair(1000, FIVE_GB + 1), 'standard', display)
    expect(warned.route).toBe('standard')
    expect(warned.problems).toEqual([])
    expect(warned.warnings).toEqual([
      {
        file: 'reads/p_R2_001.fastq.gz',
        message: expect.stringMatching(
          /^reads\/p_R2_001\.fastq\.gz: p_R2_001\.fastq\.gz is 5\.0 GB \(5,000,000,001 bytes\); S3 refuses a single request over .*upload-method: auto sends it in parts\.$/
        )
      }
    ])
    const refused = chooseRoute(pair(TWENTY_GB + 1, TWENTY_GB), 'standard', display)
    expect(refused.problems).toEqual([
      {
        file: 'reads/p_R1_001.fastq.gz',
        message: expect.stringContaining(
          'larger than the 20.0 GB (20,000,000,000 bytes) limit of the standard upload (upload-method: standard). Use upload-method: auto or multipart.'
        )
      }
    ])
    expect(refused.warnings).toHaveLength(1)
    expect(refused.warnings[0].file).toBe('reads/p_R2_001.fastq.gz')
  })

  it('refuses multipart samples when AWS_ENDPOINT_URL_S3 may not receive the keys', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://minio.internal:9000' }
    const choice = chooseRoute(single(FIVE_GB + 1), 'auto', display, { env })
    expect(choice.route).toBe('multipart')
    expect(choice.problems).toEqual([
      {
        file: 'reads/s.fastq.gz',
        message:
          'reads/s.fastq.gz: AWS_ENDPOINT_URL_S3 "http://minio.internal:9000" uses http: only https is allowed, except for loopback hosts (127.0.0.0/8, localhost, ::1). It would receive the temporary upload keys.'
      }
    ])
    // A standard sample does not care.
    expect(chooseRoute(single(THRESHOLD - 1), 'auto', display, { env }).problems).toEqual([])
    expect(chooseRoute(single(THRESHOLD), 'auto', display, { env }).problems).toHaveLength(1)
  })

  it('warns that interleaved is not sent on the multipart route', () => {
    const choice = chooseRoute(single(10), 'multipart', display, { interleaved: true, env: {} })
    expect(choice.warnings).toEqual([
      {
        file: 'reads/s.fastq.gz',
        message:
          'reads/s.fastq.gz: interleaved: true is not sent for s.fastq.gz: it goes by the multipart route, whose init_multipart_upload takes no interleaved field.'
      }
    ])
    expect(chooseRoute(single(10), 'standard', display, { interleaved: true }).warnings).toEqual([])
  })
})

describe('s3EndpointChoice', () => {
  it('means AWS when unset or empty', () => {
    expect(s3EndpointChoice({})).toEqual({})
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: '  ' })).toEqual({})
  })

  it('takes an https origin anywhere and plain http on loopback hosts only', () => {
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'https://s3.example.org:9000/' })).toEqual({
      url: 'https://s3.example.org:9000'
    })
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8000' })).toEqual({
      url: 'http://127.0.0.1:8000'
    })
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'http://[::1]:8000' })).toEqual({
      url: 'http://[::1]:8000'
    })
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'http://10.0.0.5:9000' }).problem).toMatch(
      /uses http: only https is allowed/
    )
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'ftp://x' }).problem).toMatch(/uses ftp/)
    expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: 'not a url' }).problem).toMatch(
      /is not a valid URL/
    )
  })

  it('refuses credentials, a path or a query in the override', () => {
    for (const raw of [
      'https://user:pw@s3.example.org',
      'https://s3.example.org/bucket',
      'https://s3.example.org/?x=1'
    ]) {
      expect(s3EndpointChoice({ AWS_ENDPOINT_URL_S3: raw }).problem).toMatch(/bare origin/)
    }
  })
})
