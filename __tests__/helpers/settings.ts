import type { Settings } from '../../src/shared/types.js'

/**
 * A full `Settings` as the action's defaults give it (paired, concurrency 4, 5 attempts,
 * `if-no-files-found: error`, `upload-method: auto`), with `overrides` on top. The default
 * api-url is a loopback port nothing listens on, so a test that forgets to point it at a
 * sandbox fails instead of reaching a real host.
 */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    apiKey: 'key-never-used',
    patterns: ['**'],
    tags: [],
    paired: true,
    apiUrl: 'http://127.0.0.1:9',
    concurrency: 4,
    maxAttempts: 5,
    ifNoFilesFound: 'error',
    dryRun: false,
    uploadMethod: 'auto',
    workspace: process.cwd(),
    ...overrides
  }
}
