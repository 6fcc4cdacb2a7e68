import * as core from '@actions/core'
import {
  CONCURRENCY_RANGE,
  DEFAULT_API_URL,
  IF_NO_FILES_FOUND_VALUES,
  Inputs,
  LANES_VALUES,
  MAX_ATTEMPTS_RANGE,
  UPLOAD_METHOD_VALUES,
  VALIDATE_VALUES
} from '../shared/constants.js'
import { ANALYSIS_TIMEOUT, parseDuration } from './duration.js'
import { validateMetadata } from './metadata.js'
import { parseShard } from './shard-input.js'
import {
  EXTERNAL_SAMPLE_ID_MAX_LENGTH,
  PROJECT_MAX_LENGTH,
  TAG_MAX_LENGTH
} from '../contract/spec.js'
import type { Json, Problem, Settings } from '../shared/types.js'
import { insecureUrlReason } from '../shared/url-policy.js'
import { proxyEnvProblem } from '../net/proxy-env.js'

export interface InputResult {
  readonly settings: Settings
  /** Every input problem found; the settings hold defaults where a value was refused. */
  readonly problems: readonly Problem[]
}

// YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
const TRUE_VALUES = ['true', 'True', 'TRUE']
const FALSE_VALUES = ['false', 'False', 'FALSE']

/**
 * Reads every input into one typed settings object. Every problem, a missing required input
 * included, is collected, so that all of them can be reported together before any request.
 */
export function getInputs(): InputResult {
  const problems: string[] = []
  const required = (name: string): string => {
    const raw = core.getInput(name)
    if (raw === '') problems.push(`Input required and not supplied: ${name}.`)
    return raw
  }
  const apiKey = required(Inputs.ApiKey)
  // The Basic token (auth.ts) is not registered: `::add-mask::` would print it. Texts that may
  // echo it back are scrubbed by the uploader instead.
  if (apiKey !== '') core.setSecret(apiKey)
  const files = required(Inputs.Files)

  const bool = (name: string, fallback: boolean | undefined): boolean | undefined => {
    const raw = core.getInput(name)
    if (raw === '') return fallback
    if (TRUE_VALUES.includes(raw)) return true
    if (FALSE_VALUES.includes(raw)) return false
    problems.push(
      `Input ${name} is "${raw}": it must be a boolean (one of ${[...TRUE_VALUES, ...FALSE_VALUES].join(', ')}).`
    )
    return fallback
  }
  const int = (name: string, range: { min: number; max: number; default: number }): number => {
    const raw = core.getInput(name)
    if (raw === '') return range.default
    const value = Number(raw)
    if (!/^[+-]?\d+$/.test(raw) || value < range.min || value > range.max) {
      problems.push(
        `Input ${name} is "${raw}": it must be a whole number from ${range.min} to ${range.max}.`
      )
      return range.default
    }
    return value
  }
  const optional = (name: string, maxLength?: number): string | undefined => {
    const raw = core.getInput(name)
    if (raw === '') return undefined
    if (maxLength !== undefined && raw.length > maxLength) {
      problems.push(
        `Input ${name} is ${raw.length} characters long: at most ${maxLength} are allowed.`
      )
    }
    return raw
  }

  const patterns = parsePatterns(files)
  if (patterns.length === 0 && files !== '') {
    problems.push(`Input ${Inputs.Files} holds no pattern (only blank lines and # comments).`)
  }

  const metadata = parseMetadata(core.getInput(Inputs.Metadata), problems)
  const tags = parseTags(core.getInput(Inputs.Tags), problems)
  const project = optional(Inputs.Project, PROJECT_MAX_LENGTH)
  const sampleId = optional(Inputs.SampleId)
  const externalSampleId = optional(Inputs.ExternalSampleId, EXTERNAL_SAMPLE_ID_MAX_LENGTH)
  if (sampleId !== undefined && externalSampleId !== undefined) {
    problems.push(
      `Inputs ${Inputs.SampleId} and ${Inputs.ExternalSampleId} are both set: give at most one of them.`
    )
  }

  const api = parseApiUrl(core.getInput(Inputs.ApiUrl) || DEFAULT_API_URL)
  if (api.problem) problems.push(api.problem)
  const apiUrl = api.apiUrl
  // A proxy variable every request would take must be usable before the first one is sent.
  const proxyProblem = api.problem ? undefined : proxyEnvProblem(apiUrl)
  if (proxyProblem) problems.push(proxyProblem)

  const ifNoFilesFound = parseEnum(
    Inputs.IfNoFilesFound,
    core.getInput(Inputs.IfNoFilesFound) || 'error',
    IF_NO_FILES_FOUND_VALUES,
    problems
  )

  const shard = parseShard(core.getInput(Inputs.Shard))
  if (shard.problem) problems.push(shard.problem)

  // Refused even without wait-for-analysis: a value given wrong is a mistake worth saying.
  const analysisTimeout = parseDuration(
    core.getInput(Inputs.AnalysisTimeout),
    Inputs.AnalysisTimeout,
    ANALYSIS_TIMEOUT
  )
  if (!analysisTimeout.ok) problems.push(analysisTimeout.problem)

  const settings: Settings = {
    apiKey,
    patterns,
    metadata,
    project,
    tags,
    paired: bool(Inputs.Paired, true) ?? true,
    interleaved: bool(Inputs.Interleaved, undefined),
    sampleId,
    externalSampleId,
    apiUrl,
    concurrency: int(Inputs.Concurrency, CONCURRENCY_RANGE),
    maxAttempts: int(Inputs.MaxAttempts, MAX_ATTEMPTS_RANGE),
    ifNoFilesFound,
    dryRun: bool(Inputs.DryRun, false) ?? false,
    uploadMethod: parseEnum(
      Inputs.UploadMethod,
      core.getInput(Inputs.UploadMethod) || 'auto',
      UPLOAD_METHOD_VALUES,
      problems
    ),
    validate: parseEnum(
      Inputs.Validate,
      core.getInput(Inputs.Validate) || 'full',
      VALIDATE_VALUES,
      problems
    ),
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    lanes: parseEnum(Inputs.Lanes, core.getInput(Inputs.Lanes) || 'merge', LANES_VALUES, problems),
    sampleSheet: core.getInput(Inputs.SampleSheet).trim() || undefined,
    prefixWithDir: bool(Inputs.PrefixWithDir, false) ?? false,
    skipExisting: bool(Inputs.SkipExisting, false) ?? false,
    shard: shard.shard,
    waitForAnalysis: bool(Inputs.WaitForAnalysis, false) ?? false,
    analysisTimeoutMs: analysisTimeout.ok ? analysisTimeout.ms : ANALYSIS_TIMEOUT.defaultMs
  }
  return { settings, problems: problems.map(message => ({ message })) }
}

/**
 * Reads `api-url`: One Codex's origin (scheme, host, optional port), to which the action adds
 * the `/api/v1/...` paths itself. Trailing slashes are dropped; a path, query or fragment (e.g.
 * `https://app.onecodex.com/api/v1`, copied from the API docs, which would make every request a
 * 404) or a user name and password are refused, saying what to write. https only, except for
 * loopback hosts (see insecureUrlReason). Returns the origin to use.
 */
export function parseApiUrl(raw: string): { apiUrl: string; problem?: string } {
  const trimmed = raw.trim().replace(/\/+$/, '')
  const insecure = insecureUrlReason(trimmed, `Input ${Inputs.ApiUrl}`)
  if (insecure) return { apiUrl: trimmed, problem: insecure }
  const url = new URL(trimmed)
  if (url.username !== '' || url.password !== '') {
    return {
      apiUrl: url.origin,
      problem: `Input ${Inputs.ApiUrl} holds a user name or password: it must be the origin of the One Codex API only, and the key goes in ${Inputs.ApiKey}. Write ${url.origin}.`
    }
  }
  const parts: string[] = []
  if (url.pathname !== '/' && url.pathname !== '') parts.push(`a path (${url.pathname})`)
  // An empty `?` or `#` leaves url.search / url.hash empty, yet would still break every path.
  const query = trimmed.indexOf('?')
  const hash = trimmed.indexOf('#')
  if (query >= 0 && (hash < 0 || query < hash)) parts.push(`a query (${url.search || '?'})`)
  if (hash >= 0) parts.push(`a fragment (${url.hash || '#'})`)
  if (parts.length === 0) return { apiUrl: url.origin }
  return {
    apiUrl: url.origin,
    problem: `Input ${Inputs.ApiUrl} is "${raw}": it must be the origin of the One Codex API only (scheme, host and port), but it holds ${parts.join(' and ')}. The action adds the /api/v1/... paths itself: write ${url.origin}.`
  }
}

/** Splits `files` into patterns: one a line, blank lines and `#` comments dropped. */
export function parsePatterns(files: string): string[] {
  return files
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
}

/** Splits `tags` on commas and newlines; trims, drops empties, de-duplicates, checks length. */
export function parseTags(raw: string, problems: string[]): string[] {
  const tags: string[] = []
  for (const tag of raw.split(/[,\r\n]+/).map(t => t.trim())) {
    if (tag === '' || tags.includes(tag)) continue
    if (tag.length > TAG_MAX_LENGTH) {
      problems.push(
        `Input ${Inputs.Tags}: tag "${tag}" is ${tag.length} characters long: at most ${TAG_MAX_LENGTH} are allowed.`
      )
    }
    tags.push(tag)
  }
  return tags
}

function parseMetadata(raw: string, problems: string[]): Settings['metadata'] {
  if (raw === '') return undefined
  let value: Json
  try {
    value = JSON.parse(raw) as Json
  } catch (error) {
    problems.push(
      `Input ${Inputs.Metadata} is not valid JSON: ${(error as Error).message}. It must be a JSON object such as {"platform": "Illumina MiSeq"}.`
    )
    return undefined
  }
  const violations = validateMetadata(value)
  for (const violation of violations) problems.push(`Input ${Inputs.Metadata}: ${violation}`)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  return value
}

function parseEnum<T extends string>(
  name: string,
  raw: string,
  allowed: readonly T[],
  problems: string[]
): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  problems.push(`Input ${name} is "${raw}": it must be one of ${allowed.join(', ')}.`)
  return allowed[0]
}
