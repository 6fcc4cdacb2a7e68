import type { Sample, Source } from './types.js'

/** The sample's files: R1 (or the only file), then its R2 mate. */
export function sampleFiles(sample: Sample): Source[] {
  return sample.mate ? [sample.file, sample.mate] : [sample.file]
}

/** Total bytes of the sample: both mates for a pair (init_upload's `size`). */
export function sampleBytes(sample: Sample): number {
  return sample.file.size + (sample.mate?.size ?? 0)
}

/** "x.fq" or "x_R1.fq + x_R2.fq": how a sample is named in log lines and messages. */
export function sampleLabel(sample: Sample): string {
  return sampleFiles(sample)
    .map(file => file.filename)
    .join(' + ')
}
