// The action's entry point: dist/index.js is bundled from this file. A cancelled job's signals
// are held from the first line on (loading the rest takes ~100–200 ms, and a signal in that
// window would otherwise kill the process with no outputs written); then the action is loaded
// and run, and its own cancellation watch takes over, honouring a signal that came early.
import { holdEarlySignals } from './shared/early-signals.js'

holdEarlySignals()
// A debug line (hidden in the log unless step debugging is on), written synchronously: from
// here on a signal is held. The end-to-end test of an early cancel waits for it.
process.stdout.write('::debug::cancellation signals are held from now on\n')
const { run } = await import('./main.js')
await run()
