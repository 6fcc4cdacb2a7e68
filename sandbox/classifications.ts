/**
 * One Codex's standard analysis as the sandbox plays it: once a sample's upload is imported
 * (confirm_upload, the multipart callback, or seeded as complete), its classification starts
 * after `startDelayMs` (the sample's `primary_classification` appears), and completes
 * `runTimeMs` later, succeeding, or failing with an `error_msg`, as the rules say per filename.
 * Its results table is made up but deterministic: the same filename always gets the same table.
 *
 * Routes: GET /api/v1/classifications (listing.ts: `where` on $uri, sample, complete, success,
 * error_msg, job, created_at), GET /api/v1/classifications/{id}, and
 * GET /api/v1/classifications/{id}/results (n_reads, host_tax_ids, table).
 *
 * Time is read from the sandbox's clock (SandboxOptions.now), so tests can move it themselves.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  booleanOperand,
  dateOperand,
  listRecords,
  refOperand,
  textOperand,
  uriOperand,
  type Collection,
  type ListAnswer
} from './listing.js'

/** How the analyses of the samples whose filename matches go; the first matching rule counts. */
export interface AnalysisRule {
  /** The sample's filename (R1's for a pair): exact, a glob (`*`, `?`), or a RegExp. */
  filename: string | RegExp
  /** Overrides AnalysisOptions.startDelayMs. */
  startDelayMs?: number
  /** Overrides AnalysisOptions.runTimeMs; null: the analysis never completes. */
  runTimeMs?: number | null
  /** The analysis completes with success false and this `error_msg` (at most 255 characters). */
  error?: string
  /** The sample never gets a primary classification (an account without analyses). */
  noAnalysis?: boolean
  /** How many species the results table has (default: 4 to 12, from the filename). */
  species?: number
}

export interface AnalysisOptions {
  /** From the upload's import to the start of its analysis. Default 1000 ms. */
  startDelayMs?: number
  /** From the start to the end of the analysis. Default 3000 ms. */
  runTimeMs?: number
  /** Per-sample behaviour by filename; the first match wins. */
  rules?: AnalysisRule[]
}

/** A classification as the sandbox keeps it. */
export interface ClassificationRecord {
  seq: number
  classification_id: string
  sample_id: string
  /** The sample's filename (what rules and per-file faults match). */
  filename: string
  /** Epoch ms: when it started (its created_at; listed from then on). */
  startAt: number
  /** Epoch ms when it completes; null: never. */
  completeAt: number | null
  /** Set: it fails with this error_msg. */
  error?: string
  species?: number
}

/** A classification as `Sandbox.classifications()` shows it, at the sandbox's current time. */
export interface SandboxClassification {
  classification_id: string
  sample_id: string
  filename: string
  /** Started: listed, and its sample shows it as primary_classification. */
  started: boolean
  complete: boolean
  success: boolean
  error_msg: string | null
  startAt: string
  completeAt: string | null
}

export interface TaxonRow {
  tax_id: string
  name: string
  rank: string
  parent_tax_id: string
  readcount: number
  readcount_w_children: number
  abundance: number | null
  abundance_w_children: number | null
}

export interface ResultsTable {
  n_reads: number
  host_tax_ids: string[]
  table: TaxonRow[]
}

export const DEFAULT_START_DELAY_MS = 1000
export const DEFAULT_RUN_TIME_MS = 3000
/** The job every sandbox classification belongs to (One Codex's database of the standard analysis). */
export const SANDBOX_JOB_ID = 'f9e4a5506b154953'
const MAX_ERROR_MSG = 255

const hex16 = (): string => randomBytes(8).toString('hex')

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`)
}

function checkDelay(value: unknown, what: string, nullable = false): void {
  if (value === undefined || (nullable && value === null)) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${what} must be a number of milliseconds ≥ 0, got ${String(value)}`)
  }
}

/** Checks analysis options (a clear error for a bad knob), as startSandbox and the CLI take them. */
export function checkAnalysisOptions(options: AnalysisOptions): void {
  checkDelay(options.startDelayMs, 'analysis.startDelayMs')
  checkDelay(options.runTimeMs, 'analysis.runTimeMs')
  for (const [index, rule] of (options.rules ?? []).entries()) {
    const where = `analysis.rules[${index}]`
    if (typeof rule.filename !== 'string' && !(rule.filename instanceof RegExp)) {
      throw new Error(`${where}.filename must be a filename, a glob or a RegExp`)
    }
    checkDelay(rule.startDelayMs, `${where}.startDelayMs`)
    checkDelay(rule.runTimeMs, `${where}.runTimeMs`, true)
    if (rule.error !== undefined) {
      if (typeof rule.error !== 'string' || rule.error === '') {
        throw new Error(`${where}.error must be a non-empty string`)
      }
      if (rule.error.length > MAX_ERROR_MSG) {
        throw new Error(`${where}.error must be at most ${MAX_ERROR_MSG} characters (error_msg)`)
      }
    }
    if (
      rule.species !== undefined &&
      !(Number.isInteger(rule.species) && rule.species >= 1 && rule.species <= SPECIES.length)
    ) {
      throw new Error(`${where}.species must be a whole number from 1 to ${SPECIES.length}`)
    }
  }
}

/** [species, tax id, genus, genus tax id, family, family tax id] (NCBI taxonomy). */
const SPECIES: readonly [string, string, string, string, string, string][] = [
  ['Escherichia coli', '562', 'Escherichia', '561', 'Enterobacteriaceae', '543'],
  ['Klebsiella pneumoniae', '573', 'Klebsiella', '570', 'Enterobacteriaceae', '543'],
  ['Salmonella enterica', '28901', 'Salmonella', '590', 'Enterobacteriaceae', '543'],
  ['Bacteroides fragilis', '817', 'Bacteroides', '816', 'Bacteroidaceae', '815'],
  ['Bacteroides thetaiotaomicron', '818', 'Bacteroides', '816', 'Bacteroidaceae', '815'],
  ['Bacteroides ovatus', '28116', 'Bacteroides', '816', 'Bacteroidaceae', '815'],
  ['Staphylococcus aureus', '1280', 'Staphylococcus', '1279', 'Staphylococcaceae', '90964'],
  ['Staphylococcus epidermidis', '1282', 'Staphylococcus', '1279', 'Staphylococcaceae', '90964'],
  ['Enterococcus faecalis', '1351', 'Enterococcus', '1350', 'Enterococcaceae', '81852'],
  ['Enterococcus faecium', '1352', 'Enterococcus', '1350', 'Enterococcaceae', '81852'],
  ['Pseudomonas aeruginosa', '287', 'Pseudomonas', '286', 'Pseudomonadaceae', '135621'],
  [
    'Faecalibacterium prausnitzii',
    '853',
    'Faecalibacterium',
    '216851',
    'Oscillospiraceae',
    '216572'
  ],
  ['Bifidobacterium longum', '216816', 'Bifidobacterium', '1678', 'Bifidobacteriaceae', '31953'],
  [
    'Bifidobacterium adolescentis',
    '1680',
    'Bifidobacterium',
    '1678',
    'Bifidobacteriaceae',
    '31953'
  ],
  ['Akkermansia muciniphila', '239935', 'Akkermansia', '239934', 'Akkermansiaceae', '1647988'],
  ['Streptococcus pneumoniae', '1313', 'Streptococcus', '1301', 'Streptococcaceae', '1300'],
  ['Streptococcus salivarius', '1304', 'Streptococcus', '1301', 'Streptococcaceae', '1300'],
  ['Listeria monocytogenes', '1639', 'Listeria', '1637', 'Listeriaceae', '186820'],
  ['Bacillus subtilis', '1423', 'Bacillus', '1386', 'Bacillaceae', '186817'],
  ['Acinetobacter baumannii', '470', 'Acinetobacter', '469', 'Moraxellaceae', '468'],
  [
    'Clostridioides difficile',
    '1496',
    'Clostridioides',
    '1870884',
    'Peptostreptococcaceae',
    '186804'
  ],
  ['Prevotella copri', '165179', 'Prevotella', '838', 'Prevotellaceae', '171552'],
  ['Lactobacillus acidophilus', '1579', 'Lactobacillus', '1578', 'Lactobacillaceae', '33958'],
  ['Vibrio cholerae', '666', 'Vibrio', '662', 'Vibrionaceae', '641']
]

/** The most species a sandbox results table can have. */
export const MAX_SPECIES = SPECIES.length

/** A small deterministic PRNG (mulberry32) seeded from `text`. */
function randomFrom(text: string): () => number {
  let state = createHash('sha256').update(text).digest().readUInt32LE(0)
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000

/**
 * The results table of the sample named `filename`: `species` species (default 4 to 12, from
 * the filename) of distinct, decreasing abundances that sum to about 1, the last one (of 5 or
 * more) without an abundance estimate (null), their genera and families, and Bacteria; an
 * abridged lineage (families hang from Bacteria). Rows in no particular order.
 */
export function resultsFor(filename: string, species?: number): ResultsTable {
  const random = randomFrom(filename)
  const count = Math.min(species ?? 4 + Math.floor(random() * 9), SPECIES.length)
  const pool = [...SPECIES]
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  const picked = pool.slice(0, count)
  const n_reads = 50_000 + Math.floor(random() * 450_000)
  const classified = n_reads * (0.85 + random() * 0.1)

  // Decreasing weights with some spread; the last of five or more is a trace without estimate.
  const estimated = count >= 5 ? count - 1 : count
  const weights = picked.map((_, i) => Math.exp(-0.45 * i) * (0.75 + random() * 0.5))
  for (let i = 1; i < weights.length; i++) weights[i] = Math.min(weights[i], weights[i - 1] * 0.9)
  const total = weights.slice(0, estimated).reduce((a, b) => a + b, 0)

  const rows: TaxonRow[] = []
  const speciesRows = picked.map(([name, taxId, , genusId], i): TaxonRow => {
    const abundance = i < estimated ? round4(weights[i] / total) : null
    const reads =
      abundance === null
        ? 10 + Math.floor(random() * 50)
        : Math.max(1, Math.round(abundance * classified * (0.8 + random() * 0.4)))
    return {
      tax_id: taxId,
      name,
      rank: 'species',
      parent_tax_id: genusId,
      readcount: reads,
      readcount_w_children: reads,
      abundance,
      abundance_w_children: abundance
    }
  })
  rows.push(...speciesRows)

  const group = (
    level: 'genus' | 'family',
    children: TaxonRow[],
    idOf: (row: TaxonRow) => [string, string, string]
  ): TaxonRow[] => {
    const byId = new Map<string, { name: string; parent: string; children: TaxonRow[] }>()
    for (const child of children) {
      const [id, name, parent] = idOf(child)
      const entry = byId.get(id) ?? { name, parent, children: [] }
      entry.children.push(child)
      byId.set(id, entry)
    }
    return [...byId].map(([id, entry]) => {
      const below = entry.children.reduce((sum, c) => sum + c.readcount_w_children, 0)
      const own = 1 + Math.floor(below * 0.02 * random())
      const abundance = entry.children.reduce((sum, c) => sum + (c.abundance_w_children ?? 0), 0)
      return {
        tax_id: id,
        name: entry.name,
        rank: level,
        parent_tax_id: entry.parent,
        readcount: own,
        readcount_w_children: own + below,
        abundance: null,
        abundance_w_children: round4(abundance)
      }
    })
  }
  const lineage = new Map(SPECIES.map(s => [s[1], s]))
  const genusOf = new Map(SPECIES.map(s => [s[3], s]))
  const genera = group('genus', speciesRows, row => {
    const s = lineage.get(row.tax_id) as (typeof SPECIES)[number]
    return [s[3], s[2], s[5]]
  })
  const families = group('family', genera, row => {
    const s = genusOf.get(row.tax_id) as (typeof SPECIES)[number]
    return [s[5], s[4], '2']
  })
  rows.push(...genera, ...families)
  const bacteria = families.reduce((sum, f) => sum + f.readcount_w_children, 0)
  rows.push({
    tax_id: '2',
    name: 'Bacteria',
    rank: 'superkingdom',
    parent_tax_id: '131567',
    readcount: 1 + Math.floor(bacteria * 0.01),
    readcount_w_children: 1 + Math.floor(bacteria * 0.01) + bacteria,
    abundance: null,
    abundance_w_children: round4(families.reduce((s, f) => s + (f.abundance_w_children ?? 0), 0))
  })
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[rows[i], rows[j]] = [rows[j], rows[i]]
  }
  return { n_reads, host_tax_ids: ['9606'], table: rows }
}

const CLASSIFICATIONS: Collection<ClassificationRecord & { now: number }> = {
  what: 'classifications',
  fields: {
    $uri: {
      value: c => `/api/v1/classifications/${c.classification_id}`,
      operand: uriOperand('/api/v1/classifications')
    },
    sample: { value: c => c.sample_id, operand: refOperand('sample', '/api/v1/samples') },
    job: { value: () => SANDBOX_JOB_ID, operand: refOperand('job', '/api/v1/jobs') },
    complete: { value: c => isComplete(c, c.now), operand: booleanOperand('complete') },
    success: { value: c => succeeded(c, c.now), operand: booleanOperand('success') },
    error_msg: { value: c => errorMsg(c, c.now), operand: textOperand('error_msg') },
    created_at: { value: c => c.startAt, operand: dateOperand('created_at') }
  },
  unsupported: [],
  seq: c => c.seq,
  defaultSort: 'created_at'
}

const isComplete = (c: ClassificationRecord, now: number): boolean =>
  c.completeAt !== null && now >= c.completeAt
const succeeded = (c: ClassificationRecord, now: number): boolean =>
  isComplete(c, now) && c.error === undefined
/** null while running; '' once succeeded (as One Codex's fixtures have it); the reason when failed. */
const errorMsg = (c: ClassificationRecord, now: number): string | null =>
  isComplete(c, now) ? (c.error ?? '') : null

interface Answer extends ListAnswer {
  status: number
  json: unknown
}

const notFound = (id: string): Answer => ({
  status: 404,
  json: { message: `Classification ${id} not found.` }
})

/** The classifications of a sandbox. */
export class Analyses {
  private readonly records = new Map<string, ClassificationRecord>()
  private readonly bySample = new Map<string, string>()
  private readonly rules: { test: (filename: string) => boolean; rule: AnalysisRule }[]
  private seq = 0

  constructor(
    private readonly options: AnalysisOptions = {},
    private readonly now: () => number = Date.now
  ) {
    checkAnalysisOptions(options)
    this.rules = (options.rules ?? []).map(rule => {
      const pattern = rule.filename instanceof RegExp ? rule.filename : globToRegExp(rule.filename)
      return { test: (filename: string) => pattern.test(filename), rule }
    })
  }

  /** A sample's upload was imported at `at` (epoch ms): its analysis is scheduled. */
  imported(sample: { sample_id: string; filename: string }, at: number = this.now()): void {
    if (this.bySample.has(sample.sample_id)) return
    const rule: Partial<AnalysisRule> = this.rules.find(r => r.test(sample.filename))?.rule ?? {}
    if (rule.noAnalysis) return
    const startAt = at + (rule.startDelayMs ?? this.options.startDelayMs ?? DEFAULT_START_DELAY_MS)
    const runTime =
      rule.runTimeMs === undefined
        ? (this.options.runTimeMs ?? DEFAULT_RUN_TIME_MS)
        : rule.runTimeMs
    const record: ClassificationRecord = {
      seq: this.seq++,
      classification_id: hex16(),
      sample_id: sample.sample_id,
      filename: sample.filename,
      startAt,
      completeAt: runTime === null ? null : startAt + runTime,
      ...(rule.error !== undefined ? { error: rule.error } : {}),
      ...(rule.species !== undefined ? { species: rule.species } : {})
    }
    this.records.set(record.classification_id, record)
    this.bySample.set(sample.sample_id, record.classification_id)
  }

  /** The sample's primary classification id, once its analysis has started. */
  primaryOf(sampleId: string): string | null {
    const id = this.bySample.get(sampleId)
    const record = id === undefined ? undefined : this.records.get(id)
    return record && this.started(record, this.now()) ? record.classification_id : null
  }

  /** The filename of the sample a started classification belongs to (for per-file faults). */
  filenameOf(classificationId: string): string | undefined {
    const record = this.records.get(classificationId)
    return record && this.started(record, this.now()) ? record.filename : undefined
  }

  /** GET /api/v1/classifications/{id}. */
  get(classificationId: string): Answer {
    const now = this.now()
    const record = this.records.get(classificationId)
    if (!record || !this.started(record, now)) return notFound(classificationId)
    return { status: 200, json: this.render(record, now) }
  }

  /** GET /api/v1/classifications?{query}: the started classifications. */
  list(query: URLSearchParams, pageSize: number, cursorStyle: boolean): ListAnswer {
    const now = this.now()
    const started = [...this.records.values()]
      .filter(record => this.started(record, now))
      .map(record => ({ ...record, now }))
    return listRecords(CLASSIFICATIONS, started, query, {
      pageSize,
      cursorStyle,
      render: record => this.render(record, now)
    })
  }

  /**
   * GET /api/v1/classifications/{id}/results: the table once it completed and succeeded. What
   * One Codex answers before that is not documented; the sandbox answers 404 with a message.
   */
  results(classificationId: string): Answer {
    const now = this.now()
    const record = this.records.get(classificationId)
    if (!record || !this.started(record, now)) return notFound(classificationId)
    if (!isComplete(record, now)) {
      return {
        status: 404,
        json: { message: `Classification ${classificationId} is not complete: no results yet.` }
      }
    }
    if (record.error !== undefined) {
      return {
        status: 404,
        json: { message: `Classification ${classificationId} failed: it has no results.` }
      }
    }
    return { status: 200, json: resultsFor(record.filename, record.species) }
  }

  /** Every scheduled classification, in creation order, as of now. */
  snapshot(): SandboxClassification[] {
    const now = this.now()
    return [...this.records.values()].map(record => ({
      classification_id: record.classification_id,
      sample_id: record.sample_id,
      filename: record.filename,
      started: this.started(record, now),
      complete: isComplete(record, now),
      success: succeeded(record, now),
      error_msg: errorMsg(record, now),
      startAt: new Date(record.startAt).toISOString(),
      completeAt: record.completeAt === null ? null : new Date(record.completeAt).toISOString()
    }))
  }

  private started(record: ClassificationRecord, now: number): boolean {
    return now >= record.startAt
  }

  private render(record: ClassificationRecord, now: number): Record<string, unknown> {
    return {
      $uri: `/api/v1/classifications/${record.classification_id}`,
      created_at: new Date(record.startAt).toISOString(),
      complete: isComplete(record, now),
      success: succeeded(record, now),
      error_msg: errorMsg(record, now),
      job: { $ref: `/api/v1/jobs/${SANDBOX_JOB_ID}` },
      sample: { $ref: `/api/v1/samples/${record.sample_id}` }
    }
  }
}
