// The action's entry point: dist/index.js is bundled from this file.
import { run } from './main.js'

await run()
