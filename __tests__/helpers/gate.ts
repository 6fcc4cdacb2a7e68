import type { Settings } from '../../src/shared/types.js'
import { ContentGate } from '../../src/upload/content-gate.js'

/** The content gate a route gets from uploadOne: `settings.validate` (full by default). */
export function gateFor(settings: Settings, say: (line: string) => void): ContentGate {
  return new ContentGate({
    validate: settings.validate ?? 'full',
    workspace: settings.workspace,
    interleaved: settings.interleaved,
    say,
    warn: say
  })
}
