// One sample's content check, as its upload runs: a scan per file (R1 and R2 each; merged lanes
// are one source whose lane files are checked each as its own stream) right behind the upload's
// reads, giving the sha256 of every file and, with validate full, the verdict the sample's
// completion waits for. A file that fails stops the sample's transfers and is never confirmed.
import { formatCount } from '../shared/format.js'
import { displayPath } from '../shared/paths.js'
import type { FileCounts, ReadPace, Sample, Source } from '../shared/types.js'
import type { Validate } from '../shared/constants.js'
import { UploadError } from '../shared/upload-error.js'
import { problemMessage, type ContentProblem } from '../verify/messages.js'
import { interleavedProblem, pairProblem } from '../verify/pairs.js'
import { ContentCheckError, startScan, type Scan, type ScanResult } from '../verify/scan.js'

/** A file of the sample failed the content check: the sample must not be confirmed. */
export class ContentRejected extends UploadError {
  /** The message without the file's name (as planning's refusals give their `rule`). */
  readonly rule: string

  constructor(
    readonly problem: ContentProblem,
    workspace: string
  ) {
    const message = sentence(problemMessage(problem, workspace))
    super(message, { code: 'CONTENT_CHECK', retryable: false })
    this.name = 'ContentRejected'
    this.rule = ruleOf(message, displayPath(problem.file, workspace))
  }
}

/** What the check gave for one source of the sample. */
export interface CheckedSource {
  readonly sha256: string
  /** validate full only. */
  readonly counts?: FileCounts
}

/** The sample's verdict: one entry per source, R1 (or the file) first. */
export interface SampleVerdict {
  readonly sha256: readonly string[]
  /** validate full only. */
  readonly counts?: readonly FileCounts[]
}

export interface ContentGateOptions {
  readonly validate: Validate
  readonly workspace: string
  /** The file holds R1, R2, R1, R2...: its record count must be even. */
  readonly interleaved?: boolean
  /** A scrubbed warning (trailing zero bytes after gzip data). */
  readonly warn: (line: string) => void
  /** A scrubbed log line. */
  readonly say: (line: string) => void
  /** How far a scan may fall behind its upload (tests). Default the engine's. */
  readonly maxLagBytes?: number
}

export class ContentGate {
  private readonly scans = new Map<Source, Scan>()
  private readonly results = new Map<Source, Promise<CheckedSource>>()
  private readonly controller = new AbortController()
  private rejected?: ContentRejected
  private readonly failed: Promise<never>
  private onFailed!: (error: ContentRejected) => void

  constructor(private readonly options: ContentGateOptions) {
    this.failed = new Promise<never>((_, reject) => (this.onFailed = reject))
    this.failed.catch(() => undefined)
  }

  /** Aborted as soon as a file of the sample failed the check: stop every transfer. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The check's failure, once a file failed. */
  get failure(): ContentRejected | undefined {
    return this.rejected
  }

  /**
   * The pace of `source`'s upload: its scan starts (once, however often the upload is retried)
   * and follows the upload's reads. `lagBehind` rejects with a ContentRejected as soon as any
   * file of the sample failed.
   */
  pace(source: Source): ReadPace {
    const scan = this.scanOf(source)
    return {
      allow: limit => scan.allow(limit),
      lagBehind: offset => {
        if (this.rejected) return Promise.reject(this.rejected)
        return Promise.race([
          scan.lagBehind(offset).catch(error => this.explainOrThrow(error)),
          this.failed
        ])
      }
    }
  }

  /**
   * `error` as the sample's failure: the ContentRejected when a file failed the check (the
   * transfer was stopped because of it), else `error` itself.
   */
  explain(error: unknown): unknown {
    if (error instanceof ContentCheckError) return this.reject(error.problem)
    return this.rejected ?? error
  }

  /** Throws the check's failure if a file already failed (before sending another one). */
  throwIfFailed(): void {
    if (this.rejected) throw this.rejected
  }

  /**
   * Waits until every source of `sample` was read whole and checked, then applies the pair rule
   * (R1 and R2 hold as many records; interleaved: an even count). Resolves with each source's
   * sha256 (and counts with validate full); throws a ContentRejected when a file failed, or the
   * read's error (a file removed or shortened while it was sent).
   */
  async verdict(sample: Sample): Promise<SampleVerdict> {
    const sources = sample.mate ? [sample.file, sample.mate] : [sample.file]
    const checked = await Promise.all(sources.map(source => this.checked(source)))
    this.throwIfFailed()
    const full = this.options.validate === 'full'
    if (!full) return { sha256: checked.map(c => c.sha256) }
    const counts = checked.map(c => c.counts ?? { reads: 0, bases: 0 })
    const problem =
      sample.mate !== undefined
        ? pairProblem(
            { path: sample.file.path, reads: counts[0].reads },
            { path: sample.mate.path, reads: counts[1].reads }
          )
        : this.options.interleaved
          ? interleavedProblem({ path: sample.file.path, reads: counts[0].reads })
          : undefined
    if (problem) throw this.reject(problem)
    return { sha256: checked.map(c => c.sha256), counts }
  }

  /** Stops every scan still running (safe at any time, more than once). */
  close(): void {
    for (const scan of this.scans.values()) scan.abort()
  }

  private scanOf(source: Source): Scan {
    let scan = this.scans.get(source)
    if (scan) return scan
    scan = startScan(source, {
      validate: this.options.validate,
      paced: true,
      ...(this.options.maxLagBytes !== undefined ? { maxLagBytes: this.options.maxLagBytes } : {})
    })
    this.scans.set(source, scan)
    // A check failed: as soon as the scan says so while it reads (this rejects then; it
    // resolves once every byte was read), or with its result (a problem at the very end).
    scan.lagBehind(Number.MAX_SAFE_INTEGER).catch(error => {
      if (error instanceof ContentCheckError) this.reject(error.problem)
    })
    scan.done.then(
      result => {
        if (result.problems.length > 0) this.reject(result.problems[0])
      },
      () => undefined
    )
    return scan
  }

  /** `source` read to its end (the upload read it all) and checked. */
  private checked(source: Source): Promise<CheckedSource> {
    let result = this.results.get(source)
    if (!result) {
      const scan = this.scanOf(source)
      scan.allow(source.size)
      result = scan.done.then(done => this.judge(source, done))
      this.results.set(source, result)
    }
    return result
  }

  private judge(source: Source, result: ScanResult): CheckedSource {
    const { workspace } = this.options
    for (const warning of result.warnings)
      this.options.warn(sentence(problemMessage(warning, workspace)))
    if (result.problems.length > 0) throw this.reject(result.problems[0])
    if (result.sha256 === undefined)
      throw (
        this.rejected ??
        new UploadError(`${source.filename}: the check stopped before the end of the file.`, {
          retryable: false
        })
      )
    if (result.validate === 'full' && result.reads !== undefined && result.bases !== undefined) {
      const lanes =
        result.segments.length > 1
          ? ` (${result.segments.map(s => `${displayPath(s.path, workspace)}: ${formatCount(s.reads)}`).join(', ')})`
          : ''
      this.options.say(
        `${source.filename}: content checked: ${formatCount(result.reads)} reads, ${formatCount(result.bases)} bases${lanes}; sha256 ${result.sha256}.`
      )
      return { sha256: result.sha256, counts: { reads: result.reads, bases: result.bases } }
    }
    this.options.say(`${source.filename}: sha256 ${result.sha256}.`)
    return { sha256: result.sha256 }
  }

  private explainOrThrow(error: unknown): never {
    throw this.explain(error)
  }

  /** The sample's failure (the first problem found); stops its transfers. */
  private reject(problem: ContentProblem): ContentRejected {
    if (!this.rejected) {
      this.rejected = new ContentRejected(problem, this.options.workspace)
      this.onFailed(this.rejected)
      this.controller.abort(this.rejected)
    }
    return this.rejected
  }
}

/** Ends `text` with a full stop unless it ends with one already. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/** The message without the file's name in front: `line 40,004 (record 10,001): ...`. */
function ruleOf(message: string, file: string): string {
  if (message.startsWith(`${file}: `)) return message.slice(file.length + 2)
  if (message.startsWith(`${file} `)) return message.slice(file.length + 1)
  return message
}
