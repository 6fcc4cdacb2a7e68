import * as glob from '@actions/glob'
import { stat } from 'node:fs/promises'
import * as path from 'node:path'
import { Inputs } from './constants.js'
import { byPath } from './pairing.js'
import type { Problem } from './types.js'

/** A regular file matched by the `files` patterns. */
export interface DiscoveredFile {
  /** Absolute path (symlinks kept as matched, their target's size). */
  readonly path: string
  readonly size: number
}

export interface Discovery {
  /** Regular files only, de-duplicated, sorted by path. */
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
 * directories dropped, duplicates removed, sorted by path. Never throws: bad patterns and
 * unreadable paths become problems.
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
  for (const match of [...new Set(matches)].sort(byPath)) {
    try {
      const info = await stat(match)
      if (info.isFile()) files.push({ path: match, size: info.size })
    } catch (error) {
      problems.push({
        message: `${match}: cannot be read: ${(error as Error).message}`,
        file: match
      })
    }
  }
  return { files, problems }
}
