/** Input names, exactly as declared in action.yml. */
export const Inputs = {
  ApiKey: 'api-key',
  Files: 'files',
  Metadata: 'metadata',
  Project: 'project',
  Tags: 'tags',
  Paired: 'paired',
  Interleaved: 'interleaved',
  SampleId: 'sample-id',
  ExternalSampleId: 'external-sample-id',
  ApiUrl: 'api-url',
  Concurrency: 'concurrency',
  MaxAttempts: 'max-attempts',
  IfNoFilesFound: 'if-no-files-found',
  DryRun: 'dry-run',
  UploadMethod: 'upload-method',
  Validate: 'validate',
  SkipExisting: 'skip-existing',
  Shard: 'shard',
  Lanes: 'lanes',
  SampleSheet: 'sample-sheet',
  PrefixWithDir: 'prefix-with-dir',
  WaitForAnalysis: 'wait-for-analysis',
  AnalysisTimeout: 'analysis-timeout'
} as const

/** Output names, exactly as declared in action.yml. */
export const Outputs = {
  SampleIds: 'sample-ids',
  Samples: 'samples',
  Failed: 'failed',
  Plan: 'plan',
  ResultsFile: 'results-file',
  Truncated: 'truncated',
  Analyses: 'analyses'
} as const

export const UPLOAD_METHOD_VALUES = ['auto', 'standard', 'multipart'] as const
export type UploadMethod = (typeof UPLOAD_METHOD_VALUES)[number]

/** `full`: every byte checked before a sample is confirmed; `head`: ending, first bytes, size. */
export const VALIDATE_VALUES = ['full', 'head'] as const
export type Validate = (typeof VALIDATE_VALUES)[number]

export const LANES_VALUES = ['merge', 'separate'] as const
export type LanesMode = (typeof LANES_VALUES)[number]

export const IF_NO_FILES_FOUND_VALUES = ['error', 'warn', 'ignore'] as const
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND_VALUES)[number]

export const DEFAULT_API_URL = 'https://app.onecodex.com'
export const CONCURRENCY_RANGE = { min: 1, max: 16, default: 4 } as const
export const MAX_ATTEMPTS_RANGE = { min: 1, max: 10, default: 5 } as const
/** `shard: k/n`: how many jobs a run may be split across. */
export const SHARD_COUNT_RANGE = { min: 1, max: 256 } as const
