import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Two lane files of random bytes (L001.fq, L002.fq) in a fresh temporary directory. */
export interface TwoLanes {
  readonly dir: string
  /** The bytes of lane 1 and lane 2, as written. */
  readonly a: Buffer
  readonly b: Buffer
  /** A source's segments: lane 1 then lane 2, back to back. */
  segments(): { segments: { path: string; size: number }[] }
  remove(): Promise<void>
}

export async function twoRandomLanes(prefix: string, sizes: [number, number]): Promise<TwoLanes> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const [a, b] = sizes.map(size => randomBytes(size))
  const paths = [join(dir, 'L001.fq'), join(dir, 'L002.fq')]
  await writeFile(paths[0], a)
  await writeFile(paths[1], b)
  return {
    dir,
    a,
    b,
    segments: () => ({
      segments: [
        { path: paths[0], size: a.length },
        { path: paths[1], size: b.length }
      ]
    }),
    remove: () => rm(dir, { recursive: true, force: true })
  }
}
