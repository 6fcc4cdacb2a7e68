/**
 * Runs one command and measures it: wall time (from this process), CPU seconds (user + sys) and
 * peak resident memory of the command itself.
 *
 * With GNU time (/usr/bin/time, on Debian/Ubuntu runners) the numbers come from the kernel's
 * rusage of the waited-for child, which is exact. Without it, CPU comes from bash's `times`
 * (children's user/sys) and the peak from polling /proc/<pid>/status VmHWM (a high-water mark,
 * so polling only misses growth in the last few milliseconds).
 */
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export interface Measured {
  readonly wallS: number
  readonly userS: number
  readonly sysS: number
  /** user + sys */
  readonly cpuS: number
  /** Peak RSS in bytes (VmHWM / ru_maxrss). */
  readonly peakRss: number
  readonly exitCode: number
  /** The command's stdout (only if `captureStdout`), else ''. */
  readonly stdout: string
  /** process.hrtime at the spawn (the machine's monotonic clock, ns), to place the run in time. */
  readonly startedNs: bigint
}

export interface MeasureOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** File that receives the command's stdout and stderr (unless captureStdout). */
  readonly logFile: string
  readonly captureStdout?: boolean
  /** Directory for the measurement's scratch files. */
  readonly scratchDir: string
  /** Kill the command (its whole process group) after this many seconds. Default 240. */
  readonly timeoutS?: number
}

const GNU_TIME = '/usr/bin/time'
export const measurementMethod = existsSync(GNU_TIME)
  ? 'GNU time (rusage of the child)'
  : 'bash times + /proc VmHWM polling'

let counter = 0

export async function measure(
  command: string,
  args: readonly string[],
  options: MeasureOptions
): Promise<Measured> {
  const id = `${process.pid}-${++counter}`
  const timeFile = join(options.scratchDir, `time-${id}.txt`)
  const pidFile = join(options.scratchDir, `pid-${id}.txt`)
  const useGnuTime = existsSync(GNU_TIME)
  const [file, argv] = useGnuTime
    ? [GNU_TIME, ['-f', '%U %S %M %x', '-o', timeFile, command, ...args]]
    : [
        'bash',
        [
          '-c',
          // Start the command, note its pid, wait for it, then write children's CPU times.
          `"$@" & echo $! > '${pidFile}'; wait $!; rc=$?; times > '${timeFile}'; exit $rc`,
          'measure',
          command,
          ...args
        ]
      ]

  const log = openSync(options.logFile, 'a')
  const started = process.hrtime.bigint()
  const child = spawn(file, argv, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', options.captureStdout ? 'pipe' : log, log],
    detached: true // its own process group, so a timeout kills the wrapper and the command
  })
  let timedOut = false
  const timer = setTimeout(
    () => {
      timedOut = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    },
    (options.timeoutS ?? 240) * 1000
  )
  let stdout = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text))

  let polledPeak = 0
  const poller = useGnuTime
    ? undefined
    : setInterval(() => {
        polledPeak = Math.max(polledPeak, readVmHwm(pidFile))
      }, 10)

  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve(code ?? -1))
  })
  const wallS = Number(process.hrtime.bigint() - started) / 1e9
  clearTimeout(timer)
  if (poller) clearInterval(poller)
  if (timedOut) {
    closeSync(log)
    throw new Error(
      `${command} was killed after ${options.timeoutS ?? 240} s (see ${options.logFile})`
    )
  }
  closeSync(log)

  const text = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : ''
  rmSync(timeFile, { force: true })
  rmSync(pidFile, { force: true })
  let userS = NaN
  let sysS = NaN
  let peakRss = NaN
  if (useGnuTime) {
    // GNU time may print "Command exited with non-zero status" first: read the last line.
    const last = text.trim().split('\n').at(-1) ?? ''
    const [u, s, m] = last.split(/\s+/).map(Number)
    userS = u
    sysS = s
    peakRss = m * 1024
  } else {
    // bash `times`: line 1 the shell's own, line 2 its children's: "0m1.234s 0m0.567s".
    const children = text.trim().split('\n')[1] ?? ''
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
      m => Number(m[1]) * 60 + Number(m[2])
    )
    userS = seconds[0] ?? NaN
    sysS = seconds[1] ?? NaN
    peakRss = polledPeak > 0 ? polledPeak : NaN
  }
  return { wallS, userS, sysS, cpuS: userS + sysS, peakRss, exitCode, stdout, startedNs: started }
}

function readVmHwm(pidFile: string): number {
  try {
    const pid = readFileSync(pidFile, 'utf8').trim()
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]
    return kb ? Number(kb) * 1024 : 0
  } catch {
    return 0
  }
}
