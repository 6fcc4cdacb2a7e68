import type { Plan, Settings } from './types.js'

/** Placeholder until the planning stage lands. */
export function printPlan(_plan: Plan, _settings: Settings): void {}
