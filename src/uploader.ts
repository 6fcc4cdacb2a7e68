import type { FailedSample, Sample, Settings, UploadedSample } from './types.js'

export interface UploadResults {
  /** One entry per planned sample, in plan order: the confirmed sample or its failure. */
  readonly outcomes: readonly (
    { ok: true; sample: UploadedSample } | { ok: false; failure: FailedSample }
  )[]
}

/** Placeholder until the upload engine lands. */
export async function uploadSamples(
  _samples: readonly Sample[],
  _settings: Settings
): Promise<UploadResults> {
  return { outcomes: [] }
}
