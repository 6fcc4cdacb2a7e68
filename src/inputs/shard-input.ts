import { Inputs, SHARD_COUNT_RANGE } from '../shared/constants.js'
import type { Shard } from '../shared/types.js'

/**
 * Reads the `shard` input: empty means every sample; otherwise `k/n` (spaces allowed around
 * the numbers) with n from 1 to 256 and 1 ≤ k ≤ n. A bad value gives one sentence naming the
 * input, the value and the rule.
 */
export function parseShard(raw: string): { shard?: Shard; problem?: string } {
  const text = raw.trim()
  if (text === '') return {}
  const rule = `it must be k/n, this job's share k of n jobs, with n from ${SHARD_COUNT_RANGE.min} to ${SHARD_COUNT_RANGE.max} and k from 1 to n (e.g. 2/8, or \${{ matrix.shard }}/8 in a matrix job)`
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text)
  if (!match) return { problem: `Input ${Inputs.Shard} is "${raw}": ${rule}.` }
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < SHARD_COUNT_RANGE.min || count > SHARD_COUNT_RANGE.max)
    return {
      problem: `Input ${Inputs.Shard} is "${raw}": ${count} jobs is out of range; ${rule}.`
    }
  if (index < 1 || index > count)
    return {
      problem: `Input ${Inputs.Shard} is "${raw}": shard ${index} does not exist among ${count}; ${rule}.`
    }
  return { shard: { index, count } }
}
