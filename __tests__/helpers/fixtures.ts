import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'

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

/** Captures what is written to stdout (where @actions/core prints) while `fn` runs. */
export async function captureStdout(fn: () => unknown): Promise<string> {
  const original = process.stdout.write.bind(process.stdout)
  let out = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    return true
  }) as typeof process.stdout.write
  try {
    await fn()
  } finally {
    process.stdout.write = original
  }
  return out
}
