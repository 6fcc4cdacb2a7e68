#!/usr/bin/env node
// Prints the body of one version's section of CHANGELOG.md (Keep a Changelog: `## [1.2.3] - date`
// up to the next `## ` heading), for the release workflow's release notes.
//   node scripts/changelog-section.mjs v1.2.3 [CHANGELOG.md] [--output notes.md]
// (the version as a tag, v1.2.3, or as 1.2.3, or Unreleased).
// Exits 1, with a GitHub error annotation, when the section is missing or empty: a release
// without its changelog entry is not published.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The section's body (headings `###` and text), trimmed; undefined when there is none. */
export function changelogSection(text, version) {
  const wanted = version.replace(/^v(?=\d)/, '')
  const lines = text.split(/\r?\n/)
  const heading = /^## \[([^\]]+)\](?:\s+-\s+.*)?\s*$/
  const start = lines.findIndex(line => heading.exec(line)?.[1] === wanted)
  if (start < 0) return undefined
  let end = lines.length
  for (let i = start + 1; i < lines.length; i++) {
    if (/^## /.test(lines[i])) {
      end = i
      break
    }
  }
  // Link references (`[1.2.3]: https://...`) at the end of the file are not part of a section.
  const body = lines
    .slice(start + 1, end)
    .filter(line => !/^\[[^\]]+\]:\s/.test(line))
    .join('\n')
    .trim()
  return body === '' ? undefined : body
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [version, ...rest] = process.argv.slice(2)
  const at = rest.indexOf('--output')
  const output = at >= 0 ? rest[at + 1] : undefined
  const file = rest.find((_, i) => at < 0 || (i !== at && i !== at + 1)) ?? 'CHANGELOG.md'
  if (!version || (at >= 0 && !output)) {
    console.error(
      'usage: changelog-section.mjs <version or tag> [CHANGELOG.md] [--output notes.md]'
    )
    process.exit(2)
  }
  const section = changelogSection(readFileSync(file, 'utf8'), version)
  if (section === undefined) {
    // On stdout (the log) when the notes go to a file: that is where GitHub reads annotations.
    const say = output ? console.log : console.error
    say(
      `::error file=${file}::${file} has no section "## [${version.replace(/^v(?=\d)/, '')}]" (or it is empty): write the release's entry (move [Unreleased] under the new version) and tag again.`
    )
    process.exit(1)
  }
  if (output) writeFileSync(output, `${section}\n`)
  else console.log(section)
}
