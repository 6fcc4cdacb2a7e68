import { describe, expect, it } from '@jest/globals'
import { findOrphans, parseCreatedAt, withDeadline } from '../../src/onecodex/cancel.js'
import type { ListedSample } from '../../src/onecodex/samples.js'

const T0 = Date.parse('2026-05-01T12:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString()
const item = (sampleId: string, over: Partial<ListedSample> = {}): ListedSample => ({
  sampleId,
  filename: 'x.fq',
  size: 10,
  visibility: 'awaiting data',
  createdAt: iso(T0 + 500),
  project: null,
  ...over
})

describe('findOrphans', () => {
  it('takes samples with the filename, awaiting data, created since the first init, but not the kept one', () => {
    const listed = [
      item('orphan'),
      item('kept', { visibility: 'private', createdAt: iso(T0 + 900) }),
      item('older', { createdAt: iso(T0 - 3_600_000) }),
      item('done', { visibility: 'private' }),
      item('other', { filename: 'y.fq' })
    ]
    const orphans = findOrphans(listed, {
      filename: 'x.fq',
      keep: 'kept',
      initStartedAt: T0,
      keptAnsweredAt: T0 + 1000
    })
    expect(orphans.map(o => o.sampleId)).toEqual(['orphan'])
  })

  it('never takes the kept sample even while it still awaits data', () => {
    const orphans = findOrphans([item('kept'), item('orphan')], {
      filename: 'x.fq',
      keep: 'kept',
      initStartedAt: T0
    })
    expect(orphans.map(o => o.sampleId)).toEqual(['orphan'])
  })

  it("follows One Codex's clock when it is behind the runner's (offset from the kept sample)", () => {
    // One Codex's clock is 30 s behind: the orphan's created_at is "before" the runner's T0.
    const skew = -30_000
    const listed = [
      item('orphan', { createdAt: iso(T0 + 200 + skew) }),
      item('kept', { createdAt: iso(T0 + 800 + skew) }),
      item('before', { createdAt: iso(T0 - 60_000 + skew) })
    ]
    const query = { filename: 'x.fq', keep: 'kept', initStartedAt: T0, keptAnsweredAt: T0 + 900 }
    expect(findOrphans(listed, query).map(o => o.sampleId)).toEqual(['orphan'])
    // Without the kept sample to go by, the runner's clock is all there is.
    expect(findOrphans(listed, { ...query, keep: undefined })).toEqual([])
  })

  it('skips samples whose created_at is missing or unreadable', () => {
    const listed = [item('a', { createdAt: undefined }), item('b', { createdAt: 'yesterday' })]
    expect(findOrphans(listed, { filename: 'x.fq', initStartedAt: T0 })).toEqual([])
  })
})

describe('parseCreatedAt', () => {
  it('reads ISO 8601 with Z or an offset, and takes a time without a zone as UTC', () => {
    expect(parseCreatedAt('2026-05-01T12:00:00Z')).toBe(T0)
    expect(parseCreatedAt('2026-05-01T14:00:00+02:00')).toBe(T0)
    expect(parseCreatedAt('2026-05-01T12:00:00.000000')).toBe(T0)
    expect(parseCreatedAt(undefined)).toBeNaN()
  })
})

describe('withDeadline', () => {
  it('gives the fallback when the work overruns, the work otherwise', async () => {
    const never = new Promise<string>(() => {})
    expect(await withDeadline(never, Date.now() + 20, () => 'late')).toBe('late')
    expect(await withDeadline(Promise.resolve('done'), Date.now() + 1000, () => 'late')).toBe(
      'done'
    )
    expect(await withDeadline(Promise.resolve('done'), undefined, () => 'late')).toBe('done')
  })
})
