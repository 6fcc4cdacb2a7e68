import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { inputEnv } from '../../sandbox/runner.js'
import type { Compression, Source } from '../../src/shared/types.js'

/** `n` FASTQ records of 8 bases each. */
export function fastq(n = 3): string {
  let text = ''
  for (let i = 0; i < n; i++) text += `@read${i}\nACGTACGT\n+\nIIIIIIII\n`
  return text
}

/** `n` FASTA records of 16 bases each. */
export function fasta(n = 3): string {
  let text = ''
  for (let i = 0; i < n; i++) text += `>seq${i}\nACGTACGTACGTACGT\n`
  return text
}

export function gz(content: string | Buffer): Buffer {
  return gzipSync(typeof content === 'string' ? Buffer.from(content) : content)
}

/** A fresh temporary directory with a `write` helper; `remove()` deletes it. */
export function tempWorkspace(prefix = 'ocu-plan-'): {
  dir: string
  write: (relative: string, content: string | Buffer) => string
  remove: () => void
} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  return {
    dir,
    write(relative, content) {
      const file = path.join(dir, relative)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
      return file
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Sends what `stream` is written to into `sink` until the returned function restores it. */
function divert(stream: NodeJS.WriteStream, sink: (text: string) => void): () => void {
  const original = stream.write
  stream.write = ((chunk: string | Uint8Array) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
    return true
  }) as typeof stream.write
  return () => {
    stream.write = original
  }
}

/** Captures what is written to stdout (where @actions/core prints) while `fn` runs. */
export async function captureStdout(fn: () => unknown): Promise<string> {
  let out = ''
  const restore = divert(process.stdout, text => (out += text))
  try {
    await fn()
  } finally {
    restore()
  }
  return out
}

/** Captures stdout and stderr while `fn` runs. */
export async function captureOutput(
  fn: () => unknown
): Promise<{ stdout: string; stderr: string }> {
  const seen = { stdout: '', stderr: '' }
  const restoreOut = divert(process.stdout, text => (seen.stdout += text))
  const restoreErr = divert(process.stderr, text => (seen.stderr += text))
  try {
    await fn()
  } finally {
    restoreErr()
    restoreOut()
  }
  return seen
}

/**
 * Sets the action's inputs the way a runner passes them (`INPUT_<NAME>`), after removing every
 * INPUT_* variable already in the environment.
 */
export function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  Object.assign(process.env, inputEnv(inputs))
}

/** A one-segment source of the file at `file` as it is on disk (what planning hands out). */
export function wholeFile(
  file: string,
  filename = path.basename(file)
): { path: string; filename: string; size: number; segments: { path: string; size: number }[] } {
  const size = statSync(file).size
  return { path: file, filename, size, segments: [{ path: file, size }] }
}

/** A one-segment FASTQ `Source` said to be `size` bytes at `file`, sent under its base name. */
export function sourceAt(file: string, size: number, compression: Compression = 'none'): Source {
  const filename = path.basename(file)
  return {
    path: file,
    filename,
    size,
    segments: [{ path: file, size }],
    format: 'FASTQ',
    compression
  }
}

/** An uncompressed FASTQ `Source` of the whole file at `file` as it is on disk. */
export const fastqSource = (file: string): Source => sourceAt(file, statSync(file).size)

/**
 * Linux only: makes `link` a path that stat() sees as a regular file but realpath() cannot
 * resolve (ENOENT), as a file deleted between the two calls would be: a symbolic link to
 * /proc/self/fd/N, the descriptor of a file this process holds open after deleting it. Real
 * file system calls, no mock; as root too. Returns the function that closes the descriptor.
 */
export function vanishedFileLink(link: string, content: string | Buffer = fastq()): () => void {
  const doomed = `${link}.doomed`
  mkdirSync(path.dirname(link), { recursive: true })
  writeFileSync(doomed, content)
  const fd = openSync(doomed, 'r')
  unlinkSync(doomed)
  symlinkSync(`/proc/self/fd/${fd}`, link)
  return () => closeSync(fd)
}
