/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every item as an
 * argument on the stack and throws "Maximum call stack size exceeded" past ~100,000 of them (a
 * facility-wide sample sheet's problems, a run's files): never spread a list that can grow
 * with the input.
 */
export function append<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item)
}
