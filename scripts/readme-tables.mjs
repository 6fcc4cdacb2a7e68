#!/usr/bin/env node
// Regenerates the inputs and outputs tables in README.md from action.yml, so the two never drift.
//   node scripts/readme-tables.mjs --write   rewrite README.md in place
//   node scripts/readme-tables.mjs --check   exit 1 (with a hint) when README.md is stale
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))
const action = parse(readFileSync(`${root}/action.yml`, 'utf8'))
const readmePath = `${root}/README.md`
const readme = readFileSync(readmePath, 'utf8')

const cell = text =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()

function inputsTable() {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const def = input.default === undefined || input.default === '' ? '' : `\`${input.default}\``
    return `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${def} | ${cell(input.description)} |`
  })
  return [
    '| Input | Required | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}

function outputsTable() {
  const rows = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`
  )
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

function replaceSection(text, name, table) {
  const start = `<!-- ${name}:start (generated from action.yml by scripts/readme-tables.mjs) -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from)
    throw new Error(`README.md lacks the markers for ${name}: ${start} … ${end}`)
  return `${text.slice(0, from)}${start}\n\n${table}\n\n${text.slice(to)}`
}

// Formatted as Prettier would, so that `npm run format:check` and `--check` agree.
const updated = await format(
  replaceSection(replaceSection(readme, 'inputs', inputsTable()), 'outputs', outputsTable()),
  { ...(await resolveConfig(readmePath)), parser: 'markdown' }
)
const mode = process.argv[2] ?? '--check'
if (mode === '--write') {
  if (updated !== readme) writeFileSync(readmePath, updated)
  console.log(
    updated === readme
      ? 'README.md tables are up to date.'
      : 'README.md tables rewritten from action.yml.'
  )
} else if (updated !== readme) {
  console.error('README.md inputs/outputs tables differ from action.yml. Run: npm run docs')
  process.exit(1)
} else {
  console.log('README.md tables match action.yml.')
}
