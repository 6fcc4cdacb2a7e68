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

/**
 * Builds init_upload's body: only fields the user set are sent. The key is never part of it.
 * `size` is the total bytes of the sample (both mates for a pair).
 */
export function buildInitBody(sample: Sample, settings: Settings): InitUploadBody {
  const body: InitUploadBody = {
    filename: sample.file.filename,
    size: sampleBytes(sample),
    upload_type: 'standard'
  }
  if (sample.mate) body.paired_end_filename = sample.mate.filename
  if (settings.metadata) body.metadata = { ...settings.metadata }
  if (settings.tags.length > 0) body.tags = settings.tags.map(name => ({ name }))
  if (settings.project !== undefined) body.project = settings.project
  if (settings.interleaved !== undefined) body.interleaved = settings.interleaved
  if (settings.sampleId !== undefined) body.sample_id = settings.sampleId
  if (settings.externalSampleId !== undefined) body.external_sample_id = settings.externalSampleId
  return body
}
