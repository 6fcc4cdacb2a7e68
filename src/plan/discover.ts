import * as glob from '@actions/glob'
import { realpath, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { Inputs } from '../shared/constants.js'
import { byPath } from './pairing.js'
import type { Problem } from '../shared/types.js'

/** A regular file matched by the `files` patterns. */
export interface DiscoveredFile {
  /** Absolute path (symlinks kept as matched, their target's size). */
  readonly path: string
  readonly size: number
}

export interface Discovery {
  /**
   * Regular files only, sorted by path, one path per underlying file: a file reached through
   * several paths (symlinked directories, symlinks to it) keeps the first in sorted order.
   */
  readonly files: readonly DiscoveredFile[]
  readonly problems: readonly Problem[]
}

const GLOB_OPTIONS: glob.GlobOptions = {
  followSymbolicLinks: true,
  implicitDescendants: true,
  matchDirectories: false,
  omitBrokenSymbolicLinks: true
}

/** Escapes glob characters of a literal path (the workspace) so it matches only itself. */
function escapeGlob(literal: string): string {
  return (process.platform === 'win32' ? literal : literal.replace(/\\/g, '\\\\'))
    .replace(/\[/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]')
}

/**
 * Makes a pattern relative to `workspace` (@actions/glob would use the process's cwd).
 * `!` excludes keep their `!`; absolute and `~` patterns are left alone.
 */
export function rootPattern(pattern: string, workspace: string): string {
  const negation = /^!*/.exec(pattern)![0]
  let rest = pattern.slice(negation.length)
  if (rest === '' || path.isAbsolute(rest) || rest === '~' || /^~[\\/]/.test(rest)) return pattern
  if (rest === '.') rest = ''
  rest = rest.replace(/^\.[\\/]+/, '')
  return `${negation}${escapeGlob(path.resolve(workspace))}${rest ? path.sep + rest : ''}`
}

/**
 * Finds the files the patterns match: relative to `workspace`, `!` excludes, symlinks followed,
 * directories dropped, sorted by path, each underlying file once (compared by real path). Never
 * throws: bad patterns and unreadable paths become problems.
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
  try {
    const globber = await glob.create(rooted.join('\n'), GLOB_OPTIONS)
    matches = await globber.glob()
  } catch (error) {
    problems.push({
      message: `Input ${Inputs.Files}: searching for files failed: ${(error as Error).message}`
    })
    return { files: [], problems }
  }

  const files: DiscoveredFile[] = []
  const seen = new Set<string>()
  for (const match of [...new Set(matches)].sort(byPath)) {
    try {
      const info = await stat(match)
      if (!info.isFile()) continue
      const real = await realpath(match)
      if (seen.has(real)) continue
      seen.add(real)
      files.push({ path: match, size: info.size })
    } catch (error) {
      problems.push({
        message: `${match}: cannot be read: ${(error as Error).message}`,
        file: match
      })
    }
  }
  return { files, problems }
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
