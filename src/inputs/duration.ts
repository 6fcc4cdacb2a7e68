/**
 * Duration inputs (`analysis-timeout`): `90s`, `45m` (or `45min`), `2h`, or a bare number of
 * minutes; decimals allowed (`1.5h`); more than 0 and at most a limit.
 */

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** `analysis-timeout`: 60 min by default, at most 6 h (a GitHub-hosted job's limit). */
export const ANALYSIS_TIMEOUT = { defaultMs: 60 * MINUTE, maxMs: 6 * HOUR } as const

const UNITS: Record<string, number> = { s: SECOND, m: MINUTE, min: MINUTE, h: HOUR }

export type DurationResult = { ok: true; ms: number } | { ok: false; problem: string }

/**
 * Reads the duration input `name` given as `raw`: '' is `limits.defaultMs`; anything that is
 * not a duration, is 0, or is over `limits.maxMs` is refused with a sentence naming the input.
 */
export function parseDuration(
  raw: string,
  name: string,
  limits: { defaultMs: number; maxMs: number }
): DurationResult {
  const text = raw.trim()
  if (text === '') return { ok: true, ms: limits.defaultMs }
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(text)
  const unit = match ? UNITS[match[2].toLowerCase() || 'm'] : undefined
  if (!match || unit === undefined) {
    return {
      ok: false,
      problem: `Input ${name} is "${raw}": it must be a duration such as 90s, 45m or 2h, or a number of minutes.`
    }
  }
  const ms = Math.round(Number(match[1]) * unit)
  if (ms <= 0) {
    return { ok: false, problem: `Input ${name} is "${raw}": it must be longer than 0.` }
  }
  if (ms > limits.maxMs) {
    return {
      ok: false,
      problem: `Input ${name} is "${raw}": it may be at most ${describeDuration(limits.maxMs)} (a job's time limit on GitHub-hosted runners).`
    }
  }
  return { ok: true, ms }
}

/** A duration as inputs spell it, for messages: "90 s", "45 min", "2 h", "1 h 30 min". */
export function describeDuration(ms: number): string {
  const seconds = Math.round(ms / SECOND)
  if (seconds < 60 || seconds % 60 !== 0) {
    return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`
  }
  const minutes = seconds / 60
  if (minutes < 60 || minutes % 60 !== 0) {
    return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  }
  return `${minutes / 60} h`
}
