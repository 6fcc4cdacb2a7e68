import type { Plan, Settings } from './types.js'

/** Placeholder until the planning stage lands. */
export async function planUploads(_settings: Settings): Promise<Plan> {
  return { samples: [], problems: [], warnings: [] }
}
