/**
 * Step outputs inside GitHub's limit: "Outputs can be a maximum of 1 MB per job … Size is
 * approximated based on UTF-16 encoding." A workflow that forwards the action's outputs as job
 * outputs must stay under it, so the list outputs together fit one budget, counted the way
 * GitHub counts (two bytes per UTF-16 code unit). A list that does not fit keeps its first
 * entries (plan order), stays valid JSON, and is named in the `truncated` output; the complete
 * lists are in the results file.
 */

/** GitHub's limit for a job's outputs, counted as UTF-16. */
export const OUTPUT_LIMIT_BYTES = 1_000_000

/**
 * What the list outputs may take together: the limit less room for the small outputs
 * (results-file, truncated) and the GITHUB_OUTPUT framing.
 */
export const LIST_OUTPUTS_BUDGET_BYTES = OUTPUT_LIMIT_BYTES - 32 * 1024

/** How much an output value counts for: GitHub approximates its size as UTF-16. */
export function outputBytes(value: string): number {
  return value.length * 2
}

export interface ListOutput {
  readonly name: string
  readonly items: readonly unknown[]
}

export interface FittedOutput {
  readonly name: string
  /** The JSON array as set: every item, or the first `kept`. */
  readonly value: string
  readonly total: number
  readonly kept: number
}

/**
 * Fits the lists into `budget` bytes together. Each list is owed an equal share; a list that
 * needs less than its share leaves the rest to the others (so a short `sample-ids` stays whole
 * next to a long `samples`). A list over its share keeps as many of its first items as fit.
 */
export function fitListOutputs(
  lists: readonly ListOutput[],
  budget: number = LIST_OUTPUTS_BUDGET_BYTES
): FittedOutput[] {
  const encoded = lists.map(list => list.items.map(item => JSON.stringify(item)))
  // `[` `]` and a comma between items: a list of n items takes sum + n + 1 code units.
  const need = encoded.map(
    items => (items.reduce((sum, e) => sum + e.length, 0) + items.length + 1) * 2
  )

  const allowance: number[] = new Array(lists.length).fill(0)
  let left = budget
  const order = lists.map((_, i) => i).sort((a, b) => need[a] - need[b])
  order.forEach((index, position) => {
    const share = Math.floor(left / (order.length - position))
    allowance[index] = Math.min(need[index], share)
    left -= allowance[index]
  })

  return lists.map((list, index) => {
    const items = encoded[index]
    let used = 2 * 2
    let kept = 0
    for (const item of items) {
      const size = (item.length + (kept > 0 ? 1 : 0)) * 2
      if (used + size > allowance[index]) break
      used += size
      kept++
    }
    return {
      name: list.name,
      value: `[${items.slice(0, kept).join(',')}]`,
      total: items.length,
      kept
    }
  })
}
