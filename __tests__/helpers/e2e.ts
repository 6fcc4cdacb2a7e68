/**
 * What the end-to-end tests share: the storage the sandbox uses, a workspace for the bundle, a
 * fresh sandbox per case, and running the bundle against it as a runner does.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import { radosgwFromEnv } from '../../sandbox/radosgw-env.js'
import { ACTION_ENTRY, runAction, type ActionRun } from '../../sandbox/runner.js'

/** radosgw (real S3) when jest's global setup started one, else the sandbox's builtin storage. */
export const e2eStorage: SandboxOptions['storage'] = radosgwFromEnv() ?? 'builtin'
/** How describe titles name that storage. */
export const storageLabel = e2eStorage === 'builtin' ? 'builtin storage' : 'radosgw'

/** A fresh temporary workspace; fails at once when the bundle to run is missing. */
export async function bundleWorkspace(prefix: string): Promise<string> {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run bundle`)
  return mkdtemp(join(tmpdir(), prefix))
}

/** Writes `bytes` to `relative` under `workspace`, creating its directories. */
export async function writeUnder(
  workspace: string,
  relative: string,
  bytes: Buffer | string
): Promise<void> {
  await mkdir(join(workspace, relative, '..'), { recursive: true })
  await writeFile(join(workspace, relative), bytes)
}

/** `count` FASTQ records of 60 bases named `<prefix>:<i>`, with an Illumina comment for `mate`. */
export function reads(prefix: string, count: number, mate?: number): string {
  let text = ''
  for (let i = 1; i <= count; i++) {
    const seq = 'ACGTTGCAAGCT'.repeat(6).slice(i % 7, 60 + (i % 7))
    text += `@${prefix}:${i}${mate ? ` ${mate}:N:0:1` : ''}\n${seq}\n+\n${'I'.repeat(seq.length)}\n`
  }
  return text
}

/** Runs `fn` with a fresh sandbox (so its log holds that case's requests only), then closes it. */
export async function withFreshSandbox<T>(
  apiKey: string,
  fn: (sandbox: Sandbox) => Promise<T>,
  options: SandboxOptions = {}
): Promise<T> {
  const sandbox = await startSandbox({ apiKey, storage: e2eStorage, ...options })
  try {
    return await fn(sandbox)
  } finally {
    await sandbox.close()
  }
}

/**
 * Runs the bundle in `workspace` against `sandbox` with `apiKey`, a 5 ms retry backoff, and
 * `inputs` / `env` on top.
 */
export function runAgainst(
  sandbox: Sandbox,
  workspace: string,
  apiKey: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: { 'api-key': apiKey, 'api-url': sandbox.apiUrl, ...inputs },
    env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5', ...env }
  })
}
