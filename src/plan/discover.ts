import * as glob from '@actions/glob'
import { lstat, readlink, realpath, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { Inputs } from '../shared/constants.js'
import { displayPath, fsErrorText } from '../shared/paths.js'
import { byPath } from './pairing.js'
import type { Problem } from '../shared/types.js'

/** A regular file matched by the `files` patterns. */
export interface DiscoveredFile {
  /** Absolute path (symlinks kept as matched, their target's size). */
  readonly path: string
  readonly size: number
  /**
   * True when a pattern without wildcards names this very file (not a directory above it): the
   * user asked for it by name, so it is checked even when it is no FASTA/FASTQ file.
   */
  readonly explicit?: boolean
}

/** A symbolic link a pattern matched whose target does not exist. */
export interface DanglingLink {
  /** Absolute path of the link. */
  readonly path: string
  /** What the link points to, as stored in it. */
  readonly target: string
  readonly explicit: boolean
}

export interface Discovery {
  /**
   * Regular files only, sorted by path, one path per underlying file: a file reached through
   * several paths (symlinked directories, symlinks to it) keeps the first in sorted order.
   */
  readonly files: readonly DiscoveredFile[]
  readonly problems: readonly Problem[]
  /** Matched links to nothing (glob drops them silently), sorted by path. */
  readonly dangling?: readonly DanglingLink[]
  /** One note per `[`/`]` pattern that matched nothing, on how to match brackets literally. */
  readonly bracketHints?: readonly string[]
}

const GLOB_OPTIONS: glob.GlobOptions = {
  followSymbolicLinks: true,
  implicitDescendants: true,
  matchDirectories: false,
  omitBrokenSymbolicLinks: true
}

// The same walk without following links: a link is then an entry of its own, so a link whose
// target is missing shows up instead of being dropped.
const LINK_OPTIONS: glob.GlobOptions = { ...GLOB_OPTIONS, followSymbolicLinks: false }

/** Escapes glob characters of a literal path (the workspace) so it matches only itself. */
function escapeGlob(literal: string, windows = process.platform === 'win32'): string {
  return (windows ? literal : literal.replace(/\\/g, '\\\\'))
    .replace(/\[/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]')
}

/** The pattern without its leading `!`s, and whether it excludes (an odd number of them). */
function splitNegation(pattern: string): { negation: string; rest: string; excludes: boolean } {
  const negation = /^!*/.exec(pattern)![0]
  return { negation, rest: pattern.slice(negation.length), excludes: negation.length % 2 === 1 }
}

/**
 * Makes a pattern relative to `workspace` (@actions/glob would use the process's cwd) and
 * normalises `.` and `..` segments, which @actions/glob refuses, lexically: `../reads/*.fq`
 * names the `reads` directory beside the workspace. `!` excludes keep their `!`; `~` patterns
 * are left alone.
 */
export function rootPattern(
  pattern: string,
  workspace: string,
  paths: path.PlatformPath = path
): string {
  // `paths` is the platform's path module; tests pass path.win32 for a Windows runner's rules.
  const windows = paths.sep === '\\'
  const { negation, rest } = splitNegation(pattern)
  if (rest === '' || rest === '~' || /^~[\\/]/.test(rest)) return pattern
  if (paths.isAbsolute(rest)) return `${negation}${paths.normalize(rest)}`
  const normalized = paths.normalize(rest)
  const separators = windows ? /[\\/]+/ : /\/+/
  const segments = normalized.split(separators).filter(s => s !== '' && s !== '.')
  const trailing = separators.test(normalized.slice(-1))
  let base = paths.resolve(workspace)
  while (segments[0] === '..') {
    segments.shift()
    base = paths.dirname(base)
  }
  const tail = segments.join(paths.sep) + (segments.length > 0 && trailing ? paths.sep : '')
  return `${negation}${escapeGlob(base, windows)}${tail ? (base.endsWith(paths.sep) ? '' : paths.sep) + tail : ''}`
}

/**
 * The path a pattern names when it holds no wildcard (`*`, `?`, `[...]`), resolved against the
 * workspace; undefined for a glob or an exclude.
 */
export function literalPath(pattern: string, workspace: string): string | undefined {
  const { rest, excludes } = splitNegation(pattern)
  if (excludes || rest === '' || rest === '~' || /^~[\\/]/.test(rest)) return undefined
  const escapes = process.platform !== 'win32'
  let literal = ''
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]
    if (escapes && c === '\\' && i + 1 < rest.length) literal += rest[++i]
    else if (c === '*' || c === '?') return undefined
    else if (c === '[' && /^[^/\\]*\]/.test(rest.slice(i + 1))) return undefined
    else literal += c
  }
  return path.resolve(workspace, literal)
}

/**
 * Finds the files the patterns match: relative to `workspace`, `!` excludes, symlinks followed,
 * directories dropped, sorted by path, each underlying file once (compared by real path). Never
 * throws: bad patterns and unreadable paths become problems. Also reports the links to nothing
 * that the patterns matched, and how to escape brackets in a pattern that matched nothing.
 */
export async function discoverFiles(
  patterns: readonly string[],
  workspace: string
): Promise<Discovery> {
  const problems: Problem[] = []
  const rooted: string[] = []
  for (const pattern of patterns) {
    const candidate = rootPattern(pattern, workspace)
    try {
      await glob.create(candidate, GLOB_OPTIONS)
      rooted.push(candidate)
    } catch (error) {
      problems.push({
        message: `Input ${Inputs.Files}: pattern "${pattern}" is not usable: ${(error as Error).message}`
      })
    }
  }
  if (problems.length > 0 || rooted.length === 0) return { files: [], problems }

  let matches: string[]
  let linkMatches: string[]
  try {
    matches = await (await glob.create(rooted.join('\n'), GLOB_OPTIONS)).glob()
    linkMatches = await (await glob.create(rooted.join('\n'), LINK_OPTIONS)).glob()
  } catch (error) {
    problems.push({
      message: `Input ${Inputs.Files}: searching for files failed: ${(error as Error).message}`
    })
    return { files: [], problems }
  }

  const named = new Set(
    patterns.map(p => literalPath(p, workspace)).filter((p): p is string => p !== undefined)
  )
  const files: DiscoveredFile[] = []
  const seen = new Set<string>()
  for (const match of [...new Set(matches)].sort(byPath)) {
    try {
      const info = await stat(match)
      if (!info.isFile()) continue
      const real = await realpath(match)
      if (seen.has(real)) continue
      seen.add(real)
      const explicit = named.has(path.resolve(match))
      files.push(
        explicit ? { path: match, size: info.size, explicit } : { path: match, size: info.size }
      )
    } catch (error) {
      // `file` stays absolute (the planner makes it relative); the message is read as is.
      const shown = displayPath(match, workspace)
      problems.push({
        message: `${shown}: cannot be read: ${fsErrorText(error, match, shown)}`,
        file: match
      })
    }
  }

  // The first walk kept every link that leads somewhere: only the others need a look.
  const found = new Set(matches)
  const dangling: DanglingLink[] = []
  for (const match of [...new Set(linkMatches)].filter(m => !found.has(m)).sort(byPath)) {
    const target = await brokenLinkTarget(match)
    if (target !== undefined) {
      dangling.push({ path: match, target, explicit: named.has(path.resolve(match)) })
    }
  }

  const bracketHints = await bracketPatternHints(patterns, workspace)
  return { files, problems, dangling, bracketHints }
}

/** The target of `file` when it is a symbolic link to nothing (or a loop); else undefined. */
async function brokenLinkTarget(file: string): Promise<string | undefined> {
  try {
    if (!(await lstat(file)).isSymbolicLink()) return undefined
  } catch {
    return undefined
  }
  try {
    await stat(file)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ELOOP') return undefined
    try {
      return await readlink(file)
    } catch {
      return '(unreadable)'
    }
  }
}

/**
 * For each including pattern with `[` or `]` that matches nothing on its own: a note that
 * brackets form a character class, with the escaped pattern (`[[]`) to write instead and how
 * many files that one matches. Brackets are rare in patterns, so the extra walks are few.
 */
async function bracketPatternHints(
  patterns: readonly string[],
  workspace: string
): Promise<string[]> {
  const hints: string[] = []
  for (const pattern of patterns) {
    const { excludes } = splitNegation(pattern)
    if (excludes || !/[[\]]/.test(pattern)) continue
    const count = async (p: string): Promise<number> => {
      try {
        const globber = await glob.create(rootPattern(p, workspace), GLOB_OPTIONS)
        return (await globber.glob()).length
      } catch {
        return 0
      }
    }
    if ((await count(pattern)) > 0) continue
    const escaped = pattern.replace(/\[/g, '[[]')
    const found = escaped === pattern ? 0 : await count(escaped)
    hints.push(
      `Pattern "${pattern}" matched nothing: in a pattern "[...]" is a character class ("[12]" matches "1" or "2"), not the brackets themselves. ` +
        `To match "[" literally write "[[]" ("]" alone is literal): "${escaped}"` +
        (found > 0 ? `, which matches ${found} file${found === 1 ? '' : 's'}.` : '.')
    )
  }
  return hints
}

/** At most this many alternatives are worked out for one pattern. */
const MAX_ALTERNATIVES = 16

/**
 * What a shell would make of `pattern` by expanding its `{a,b}` groups (nested ones too), which
 * @actions/glob does not do: it matches `{` and `}` literally. Undefined when the pattern holds
 * no such group. Stops after {@link MAX_ALTERNATIVES}.
 */
export function braceAlternatives(pattern: string): string[] | undefined {
  const out: string[] = []
  expandBraces(pattern, out)
  return out.length === 1 && out[0] === pattern ? undefined : out
}

function expandBraces(pattern: string, out: string[]): void {
  if (out.length >= MAX_ALTERNATIVES) return
  const group = firstBraceGroup(pattern)
  if (!group) {
    out.push(pattern)
    return
  }
  const before = pattern.slice(0, group.start)
  const after = pattern.slice(group.end + 1)
  for (const part of group.parts) expandBraces(before + part + after, out)
}

/** The first `{...}` holding a top-level comma: its bounds and its comma-separated parts. */
function firstBraceGroup(
  pattern: string
): { start: number; end: number; parts: string[] } | undefined {
  const escapes = process.platform !== 'win32'
  for (let start = 0; start < pattern.length; start++) {
    if (escapes && pattern[start] === '\\') {
      start++
      continue
    }
    if (pattern[start] !== '{') continue
    let depth = 0
    const commas: number[] = []
    for (let i = start + 1; i < pattern.length; i++) {
      const c = pattern[i]
      if (escapes && c === '\\') i++
      else if (c === '{') depth++
      else if (c === ',' && depth === 0) commas.push(i)
      else if (c === '}' && depth-- === 0) {
        if (commas.length === 0) break
        const cuts = [start, ...commas, i]
        const parts = cuts.slice(1).map((cut, k) => pattern.slice(cuts[k] + 1, cut))
        return { start, end: i, parts }
      }
    }
  }
  return undefined
}
