import * as core from '@actions/core'
import type { Plan, Sample, Settings } from '../shared/types.js'
import { describeShare, selectShard } from './shard.js'

/** The samples this job uploads, in plan order, and what its log and summary say of them. */
export interface Share {
  samples: Sample[]
  /** "shard 2/8: 13 of 97 samples" when the job is a shard; absent otherwise. */
  scope?: string
}

/**
 * The shard stage: every shard validated the whole plan; each job uploads only its share (the
 * whole plan without the shard input), and says which share it took.
 */
export function shareOf(plan: Plan, settings: Pick<Settings, 'shard'>): Share {
  const samples = selectShard(plan.samples, settings.shard)
  const scope = settings.shard && describeShare(settings.shard, samples.length, plan.samples.length)
  if (scope) core.info(`${scope[0].toUpperCase()}${scope.slice(1)}.`)
  return { samples, ...(scope ? { scope } : {}) }
}
