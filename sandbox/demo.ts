/**
 * `npm run demo`: three steps of the bundled action against a local One Codex sandbox: one for
 * each upload route — the demo fixtures (a plain FASTQ, a gzip FASTA and a paired R1/R2
 * .fastq.gz set) on the standard route, then a generated 72 MiB FASTQ as an S3 multipart
 * upload — and last the fixtures again with `skip-existing` and `wait-for-analysis`: nothing is
 * sent, and the step waits for One Codex's analyses (the sandbox's: each starts 1 s after its
 * upload and takes 3 s) and shows their most abundant species in the job summary. Prints each
 * step's outputs and job summary; exits non-zero when any step failed.
 * Storage: radosgw from RADOSGW_* when set; else a radosgw started with scripts/radosgw.sh when
 * that can work here (script, binary, root), stopped afterwards; else the builtin storage.
 *
 * Hooks (for showing both upload routes): ONECODEX_DEMO_INPUTS, a JSON object of action inputs
 * laid over the demo's own (e.g. another `files` list, or an input that picks the multipart
 * route); ONECODEX_DEMO_ENV, a JSON object of extra environment for the step. The step always
 * gets AWS_ENDPOINT_URL_S3 = the sandbox's storage URL (the S3 endpoint of the multipart route,
 * path-style). The closing table shows each sample's route and state.
 */
import { execFile } from 'node:child_process'
import { access, constants, mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { parseRadosgwExports, radosgwFromEnv } from './radosgw-env.js'
import { startSandbox, type SandboxOptions } from './emulator.js'
import { ACTION_ENTRY, PROJECT_ROOT, runAction, type ActionRun } from './runner.js'

const run = promisify(execFile)
const SCRIPT = join(PROJECT_ROOT, 'scripts', 'radosgw.sh')

const exists = async (path: string, mode = constants.F_OK): Promise<boolean> =>
  access(path, mode).then(
    () => true,
    () => false
  )

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await exists(join(dir, command), constants.X_OK))) return true
  }
  return false
}

interface StorageChoice {
  storage: SandboxOptions['storage']
  label: string
  stop?: () => Promise<void>
}

async function chooseStorage(): Promise<StorageChoice> {
  const fromEnv = radosgwFromEnv()
  if (fromEnv)
    return { storage: fromEnv, label: `radosgw at ${fromEnv.endpoint} (RADOSGW_ENDPOINT)` }

  const why: string[] = []
  if (!(await exists(SCRIPT))) why.push('scripts/radosgw.sh is missing')
  if (!(await onPath('radosgw'))) why.push('no radosgw binary on PATH')
  if (process.getuid?.() !== 0) why.push('not running as root')
  if (why.length === 0) {
    try {
      const status = await run('bash', [SCRIPT, 'status']).catch(() => ({ stdout: '' }))
      const running = /^running/m.test(status.stdout)
      if (!running) {
        console.log('demo: starting radosgw with scripts/radosgw.sh ...')
        await run('bash', [SCRIPT, 'start'])
      }
      const storage = radosgwFromEnv(
        parseRadosgwExports((await run('bash', [SCRIPT, 'env'])).stdout)
      )
      if (storage) {
        return {
          storage,
          label: `radosgw at ${storage.endpoint} (${running ? 'already running' : 'started for the demo'})`,
          stop: running
            ? undefined
            : async () => {
                await run('bash', [SCRIPT, 'stop'])
              }
        }
      }
      why.push('scripts/radosgw.sh env printed no RADOSGW_* settings')
    } catch (error) {
      why.push(`radosgw did not start: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  return { storage: 'builtin', label: `builtin (${why.join('; ')})` }
}

/** A JSON object of strings from the environment variable `name` (empty when unset). */
function jsonObjectEnv(name: string, env = process.env): Record<string, string> {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    throw new Error(`${name} is not JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${name} must be a JSON object of strings`)
  }
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new Error(`${name}.${key} must be a string`)
    out[key] = item
  }
  return out
}

/** A FASTQ of about `mib` MiB in a fresh directory: big enough for several multipart parts. */
async function bigFastq(mib: number): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'onecodex-demo-'))
  const file = join(dir, 'demo_big.fastq')
  const seq = 'ACGTTGCAAGCTTAGGCATCGATCGGATCCATGCAAGTCGAACGGTAACAGGAAGAAGCTTGCTTCTTTGCTGACGAGTGGCG'
  const records: string[] = []
  for (let i = 0; records.join('').length < 1024 * 1024; i++) {
    records.push(`@DEMO:${i} 1:N:0:1\n${seq}\n+\n${'I'.repeat(seq.length)}\n`)
  }
  const block = records.join('')
  const handle = await open(file, 'w')
  try {
    for (let i = 0; i < mib; i++) await handle.write(block)
  } finally {
    await handle.close()
  }
  return { dir, file }
}

/** Prints a step's outputs and job summary. */
function show(result: ActionRun): void {
  console.log('\n── outputs ─────────────────────────────────────')
  for (const [name, value] of Object.entries(result.outputs)) {
    let shown = value
    try {
      shown = JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      // not JSON: print as is
    }
    console.log(`${name}:\n${shown}`)
  }
  console.log('\n── job summary (GITHUB_STEP_SUMMARY) ───────────')
  console.log(result.summary.trim() || '(empty)')
}

async function main(): Promise<number> {
  const extraInputs = jsonObjectEnv('ONECODEX_DEMO_INPUTS')
  const extraEnv = jsonObjectEnv('ONECODEX_DEMO_ENV')
  if (!(await exists(ACTION_ENTRY))) {
    console.error(`demo: ${ACTION_ENTRY} is missing; run npm run bundle first.`)
    return 1
  }
  const choice = await chooseStorage()
  const sandbox = await startSandbox({ storage: choice.storage })
  const big = await bigFastq(72)
  try {
    console.log(`demo: One Codex sandbox API at ${sandbox.apiUrl}`)
    console.log(`demo: storage: ${choice.label}`)
    const common = {
      'api-key': sandbox.apiKey,
      'api-url': sandbox.apiUrl,
      metadata: JSON.stringify({
        platform: 'Illumina MiSeq',
        library_type: 'WGS',
        sample_type: 'Metagenomic',
        custom: { source: 'npm run demo' }
      }),
      tags: 'demo, sandbox',
      project: 'demo-project'
    }
    const env = { AWS_ENDPOINT_URL_S3: sandbox.storageUrl, ...extraEnv }
    const fixtures =
      'sandbox/fixtures/*.fastq\nsandbox/fixtures/*.fa.gz\nsandbox/fixtures/*_R[12]_001.fastq.gz'

    console.log(
      '\ndemo: step 1 of 3: node dist/index.js on sandbox/fixtures/ as a runner would (upload-method: auto, so the standard route)\n'
    )
    const standard = await runAction({
      workspace: PROJECT_ROOT,
      echo: true,
      inputs: {
        ...common,
        files: fixtures,
        ...extraInputs
      },
      env
    })
    show(standard)

    console.log(
      '\ndemo: step 2 of 3: a 72 MiB FASTQ with upload-method: multipart (what auto picks for a file over 5 GB): init_multipart_upload, 32 MiB S3 parts, callback\n'
    )
    const multipart = await runAction({
      workspace: big.dir,
      echo: true,
      inputs: { ...common, files: 'demo_big.fastq', 'upload-method': 'multipart', ...extraInputs },
      env
    })
    show(multipart)

    console.log(
      "\ndemo: step 3 of 3: the fixtures again with skip-existing and wait-for-analysis: already in One Codex, so nothing is sent; the step waits for One Codex's analyses and puts their species in the analyses output and the job summary\n"
    )
    const analysed = await runAction({
      workspace: PROJECT_ROOT,
      echo: true,
      inputs: {
        ...common,
        files: fixtures,
        'skip-existing': 'true',
        'wait-for-analysis': 'true',
        'analysis-timeout': '2m',
        ...extraInputs
      },
      env
    })
    show(analysed)

    console.log('\n── sandbox ─────────────────────────────────────')
    for (const sample of sandbox.samples()) {
      const mate = sample.paired_end_filename ? ` + ${sample.paired_end_filename}` : ''
      const route = sample.origin === 'init_multipart_upload' ? 'multipart' : 'standard'
      console.log(
        `${sample.sample_id}  ${sample.filename}${mate}  ${route}  ${sample.confirmed ? 'complete' : `NOT complete (${sample.state})`}`
      )
    }
    for (const analysis of sandbox.classifications()) {
      console.log(
        `${analysis.sample_id}  ${analysis.filename}  analysis ${analysis.classification_id}  ${analysis.complete ? (analysis.success ? 'complete' : `failed: ${analysis.error_msg}`) : 'running'}`
      )
    }
    console.log(`storage: ${choice.label}`)
    console.log(
      `action exit codes: ${standard.exitCode} (standard), ${multipart.exitCode} (multipart), ${analysed.exitCode} (wait-for-analysis)`
    )
    return standard.exitCode || multipart.exitCode || analysed.exitCode
  } finally {
    await sandbox.close()
    await rm(big.dir, { recursive: true, force: true })
    if (choice.stop) {
      console.log('demo: stopping radosgw')
      await choice.stop().catch(error => console.error(`demo: radosgw stop failed: ${error}`))
    }
  }
}

main().then(
  code => process.exit(code),
  error => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
