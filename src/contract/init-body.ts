import { sampleBytes } from '../shared/sample.js'
import type { Json, Sample, Settings } from '../shared/types.js'

/** The JSON body of POST /api/v1/samples/init_upload for one sample. */
export interface InitUploadBody {
  filename: string
  size: number
  upload_type: 'standard'
  paired_end_filename?: string
  metadata?: { [key: string]: Json }
  tags?: { name: string }[]
  project?: string
  interleaved?: boolean
  sample_id?: string
  external_sample_id?: string
}

/**
 * The JSON body of POST /api/v1/samples/init_multipart_upload: init_upload's fields without
 * `size`, `upload_type` and `interleaved`, which that route does not take (onecodex-other-routes.md).
 */
export type InitMultipartUploadBody = Omit<InitUploadBody, 'size' | 'upload_type' | 'interleaved'>

/** The body the sample's route starts with: init_upload's, or init_multipart_upload's. */
export function buildRouteInitBody(
  sample: Sample,
  settings: Settings
): InitUploadBody | InitMultipartUploadBody {
  return sample.route === 'multipart'
    ? buildMultipartInitBody(sample, settings)
    : buildInitBody(sample, settings)
}

/** Builds init_multipart_upload's body: only fields the user set are sent, never the key. */
export function buildMultipartInitBody(
  sample: Sample,
  settings: Settings
): InitMultipartUploadBody {
  const { size, upload_type, interleaved, ...body } = buildInitBody(sample, settings)
  void size
  void upload_type
  void interleaved
  return body
}

type Metadata = { readonly [key: string]: Json }

/**
 * The run-wide `metadata` input with a sample's own fields (its sample-sheet row) over it:
 * a sample's field replaces the run-wide one, `custom` is merged key by key.
 */
function mergeMetadata(
  run: Metadata | undefined,
  own: Metadata | undefined
): { [key: string]: Json } | undefined {
  if (!own) return run ? { ...run } : undefined
  const merged: { [key: string]: Json } = { ...run, ...own }
  const custom = (value: Json | undefined): Metadata =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}
  if (run?.custom !== undefined && own.custom !== undefined) {
    merged.custom = { ...custom(run.custom), ...custom(own.custom) }
  }
  return merged
}

/**
 * Builds init_upload's body: only fields the user set are sent. A sample's own init fields
 * (sample sheet) override the run-wide `metadata` and `project` inputs; its tags are added. The key is never part of it.
 * `size` is the total bytes of the sample (both mates for a pair).
 */
export function buildInitBody(sample: Sample, settings: Settings): InitUploadBody {
  const body: InitUploadBody = {
    filename: sample.file.filename,
    size: sampleBytes(sample),
    upload_type: 'standard'
  }
  if (sample.mate) body.paired_end_filename = sample.mate.filename
  const metadata = mergeMetadata(settings.metadata, sample.init?.metadata)
  if (metadata) body.metadata = metadata
  const tags = [...new Set([...settings.tags, ...(sample.init?.tags ?? [])])]
  if (tags.length > 0) body.tags = tags.map(name => ({ name }))
  const project = sample.init?.project ?? settings.project
  if (project !== undefined) body.project = project
  if (settings.interleaved !== undefined) body.interleaved = settings.interleaved
  if (settings.sampleId !== undefined) body.sample_id = settings.sampleId
  if (settings.externalSampleId !== undefined) body.external_sample_id = settings.externalSampleId
  return body
}
