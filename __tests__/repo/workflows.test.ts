// The repository's own habits, checked here because they only run on GitHub: every workflow and
// the Dependabot configuration parse and have the shape GitHub needs, every action is pinned,
// the release workflow checks what it must before it publishes, and the changelog it publishes
// from has the section it will look for.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { parseDocument } from 'yaml'

const root = path.resolve(import.meta.dirname ?? __dirname, '../..')
const read = (relative: string): string => readFileSync(path.join(root, relative), 'utf8')

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, Json> }
type Job = {
  'runs-on'?: string
  steps?: Step[]
  uses?: string
  needs?: string | string[]
  permissions?: Record<string, string> | string
}
type Workflow = {
  name?: string
  on?: Json
  permissions?: Record<string, string> | string
  jobs?: Record<string, Job>
}

/** Parses YAML as GitHub does (YAML 1.2), failing on any error or warning. */
function parseYaml(relative: string): unknown {
  const doc = parseDocument(read(relative), { prettyErrors: true, uniqueKeys: true })
  expect({ file: relative, errors: doc.errors.map(e => e.message) }).toEqual({
    file: relative,
    errors: []
  })
  expect({ file: relative, warnings: doc.warnings.map(e => e.message) }).toEqual({
    file: relative,
    warnings: []
  })
  return doc.toJS()
}

const workflowFiles = readdirSync(path.join(root, '.github/workflows'))
  .filter(name => /\.ya?ml$/.test(name))
  .map(name => `.github/workflows/${name}`)
const workflows = workflowFiles.map(file => [file, parseYaml(file) as Workflow] as const)

/** `owner/repo@ref` or `owner/repo/path@ref`; `./path` for an action of this repository. */
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[^@\s]+$/
const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/

describe('every workflow', () => {
  it('there are workflows to check (ci, check-dist, release)', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/check-dist.yml',
        '.github/workflows/release.yml'
      ])
    )
  })

  it.each(workflows)('%s has a name, triggers and jobs with runs-on and steps', (_file, flow) => {
    expect(typeof flow.name).toBe('string')
    expect(flow.on).toBeTruthy()
    expect(Object.keys(flow.jobs ?? {}).length).toBeGreaterThan(0)
    for (const [id, job] of Object.entries(flow.jobs ?? {})) {
      if (job.uses !== undefined) continue // a reusable workflow brings its own
      expect({ id, runsOn: typeof job['runs-on'] }).toEqual({ id, runsOn: 'string' })
      expect({ id, steps: Array.isArray(job.steps) && job.steps.length > 0 }).toEqual({
        id,
        steps: true
      })
      for (const step of job.steps ?? []) {
        // Each step does exactly one thing: runs a script or uses an action.
        expect({ id, step, kinds: Number('uses' in step) + Number('run' in step) }).toEqual({
          id,
          step,
          kinds: 1
        })
      }
      for (const needed of [job.needs ?? []].flat())
        expect(Object.keys(flow.jobs!)).toContain(needed)
    }
  })

  it.each(workflows)('%s pins every action it uses (owner/repo@ref)', (_file, flow) => {
    for (const job of Object.values(flow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        if (step.uses === undefined || step.uses.startsWith('./')) continue
        expect(step.uses).toMatch(PINNED)
      }
    }
  })

  it.each(workflows)('%s asks for the least permissions: read by default', (_file, flow) => {
    // Top level: none, or read-only contents; a job that needs more says so itself.
    const top = flow.permissions
    expect(top === undefined || typeof top === 'string').toBe(false)
    for (const scope of Object.values(top as Record<string, string>)) expect(scope).toBe('read')
  })
})

describe('the release workflow', () => {
  const file = '.github/workflows/release.yml'
  const flow = workflows.find(([name]) => name === file)![1]
  const jobs = Object.entries(flow.jobs ?? {})
  const runs = (job: Job): string => (job.steps ?? []).map(s => s.run ?? '').join('\n')
  const jobWith = (pattern: RegExp): [string, Job] => {
    const found = jobs.find(([, job]) => pattern.test(runs(job)))
    expect(found).toBeDefined()
    return found!
  }

  it('runs on a pushed vX.Y.Z tag, and on nothing else', () => {
    expect(flow.on).toEqual({ push: { tags: ['v*.*.*'] } })
  })

  it('checks dist/ is the bundle of the tagged sources, after npm ci, and runs the tests', () => {
    const [, verify] = jobWith(/npm run bundle/)
    const script = runs(verify)
    expect(script).toMatch(/npm ci[\s\S]*npm run bundle[\s\S]*git status --porcelain dist/)
    expect(script).toMatch(/exit 1/)
    expect(script).toMatch(/npm test/)
    expect(script).toMatch(/require\("\.\/package\.json"\)\.version/)
    // The job that runs npm's code holds no write token.
    expect(verify.permissions).toEqual({ contents: 'read' })
  })

  it('publishes the release with the changelog section and moves the major tag, with contents: write', () => {
    const [id, release] = jobWith(/gh release create/)
    expect(release.permissions).toEqual({ contents: 'write' })
    const script = runs(release)
    expect(script).toMatch(/--notes-file "\$RUNNER_TEMP\/notes\.md"/)
    expect(script).toMatch(/git tag --force "\$major"/)
    expect(script).toMatch(/git push --force origin "refs\/tags\/\$major"/)
    expect(release.steps!.some(s => s.run?.includes('scripts/changelog-section.mjs'))).toBe(true)
    // Only after everything was verified; and no npm install in the job that may write.
    expect(release.needs).toBe(jobWith(/npm run bundle/)[0])
    expect(script).not.toMatch(/npm (ci|install)/)
    expect(id).toBe('release')
  })

  it('publishes the immutable action package with only the permissions it needs', () => {
    const [, job] = jobs.find(([, j]) =>
      (j.steps ?? []).some(s => s.uses?.startsWith('actions/publish-immutable-action@'))
    )!
    expect(job.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      packages: 'write',
      attestations: 'write'
    })
  })

  it('pins every action by full commit SHA, with the version in a comment', () => {
    const lines = read(file)
      .split('\n')
      .filter(line => /^\s*(- )?uses:/.test(line))
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) {
      const match = /uses:\s*(\S+)\s*#\s*(v\d+(\.\d+)*)\s*$/.exec(line)
      expect({ line, pinned: match !== null && SHA_PIN.test(match[1]) }).toEqual({
        line,
        pinned: true
      })
    }
  })
})

describe('Dependabot', () => {
  const config = parseYaml('.github/dependabot.yml') as {
    version: number
    updates: {
      'package-ecosystem': string
      directory: string
      schedule: { interval: string }
      groups?: Record<string, unknown>
      ignore?: { 'dependency-name': string; versions?: string[] }[]
    }[]
  }

  it('updates npm and the workflows’ actions weekly, in groups', () => {
    expect(config.version).toBe(2)
    expect(config.updates.map(u => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
    for (const update of config.updates) {
      expect(update.directory).toBe('/')
      expect(update.schedule.interval).toBe('weekly')
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0)
    }
  })

  it('keeps TypeScript on 5.x (7.x breaks ts-jest and ncc), saying why', () => {
    const npm = config.updates.find(u => u['package-ecosystem'] === 'npm')!
    expect(npm.ignore).toContainEqual({ 'dependency-name': 'typescript', versions: ['>=6.0.0'] })
    expect(read('.github/dependabot.yml')).toMatch(/#.*7\.x.*breaks ts-jest and @vercel\/ncc/)
  })
})

describe('CHANGELOG.md', () => {
  const changelog = read('CHANGELOG.md')
  const version = (JSON.parse(read('package.json')) as { version: string }).version
  const script = path.join(root, 'scripts/changelog-section.mjs')
  const section = (args: string[]) =>
    spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' })

  it(`has a section for package.json's version or [Unreleased], in Keep a Changelog's terms`, () => {
    const headings = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map(m => m[1])
    expect(headings.includes(version) || headings[0] === 'Unreleased').toBe(true)
    for (const kind of changelog.matchAll(/^### (.+)$/gm)) {
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(kind[1])
    }
    const found = section([headings.includes(version) ? `v${version}` : 'Unreleased'])
    expect(found.status).toBe(0)
    expect(found.stdout).toMatch(/^### /)
  })

  it('the release notes script prints a version’s section, without link references', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ocu-changelog-'))
    try {
      const file = path.join(dir, 'CHANGELOG.md')
      writeFileSync(
        file,
        '# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2027-01-10\n\n### Fixed\n\n- A thing.\n\n## [1.1.0] - 2026-12-01\n\n### Added\n\n- Another.\n\n[1.2.0]: https://example.test/v1.2.0\n'
      )
      const out = path.join(dir, 'notes.md')
      const ok = section(['v1.2.0', file, '--output', out])
      expect(ok.status).toBe(0)
      expect(readFileSync(out, 'utf8')).toBe('### Fixed\n\n- A thing.\n')
      expect(section(['1.1.0', file]).stdout).toBe('### Added\n\n- Another.\n')
      // A tag without its entry, or with an empty one, is refused with an annotation.
      for (const tag of ['v1.3.0', 'Unreleased']) {
        const missing = section([tag, file, '--output', path.join(dir, 'none.md')])
        expect(missing.status).toBe(1)
        expect(missing.stdout).toMatch(/^::error file=.*has no section "## \[/)
        expect(existsSync(path.join(dir, 'none.md'))).toBe(false)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('SECURITY.md', () => {
  it('says how to report privately, which versions are supported and what counts', () => {
    const policy = read('SECURITY.md')
    expect(policy).toMatch(/private vulnerability reporting/)
    expect(policy).toMatch(/Report a vulnerability/)
    expect(policy).toMatch(/\| `v1` \(latest `v1\.x\.y`\)\s*\| yes/)
    expect(policy).toMatch(/API key/)
    expect(policy).toMatch(/host it does not belong to/)
  })
})
