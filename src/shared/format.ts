/**
 * How sizes, rates and durations read in logs, the job summary and error messages. Decimal units
 * throughout: One Codex's limit is 20 GB (20 * 1000^3 bytes) and network speeds are quoted in MB/s.
 */

/** 999 → "999 B"; 4816 → "4.8 kB"; 2147483648 → "2.1 GB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

/**
 * 4816 → "4,816"; 20000000001 → "20,000,000,001". Written out rather than toLocaleString('en-US'):
 * the first Intl call loads ICU data, about 15 ms of a dry run's start.
 */
export function formatCount(n: number): string {
  const [whole, fraction] = String(Math.abs(n)).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${n < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`
}

/** `4.8 kB (4,816 bytes)`: for messages where the exact count matters. */
export function describeSize(bytes: number): string {
  return `${formatBytes(bytes)} (${formatCount(bytes)} bytes)`
}

/** Throughput in MB/s. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return '– MB/s'
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`
}

/** 1234 → "1.2 s"; 125000 → "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const total = Math.round(ms / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${seconds} s`
}
