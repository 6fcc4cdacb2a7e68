import type { Sample } from '../shared/types.js'
import type { RouteContext, RouteResult, UploadRoute } from './route.js'
import { UploadError } from './upload-error.js'

/**
 * The route One Codex's own client takes for big files: init_multipart_upload → an S3 multipart
 * upload of each source with temporary keys (R2 first, then R1) → the callback.
 * (Being built: see issue 9.)
 */
export class MultipartRoute implements UploadRoute {
  constructor(private readonly options: { socketTimeoutMs?: number } = {}) {}

  async send(sample: Sample, context: RouteContext): Promise<RouteResult> {
    void context
    void this.options
    throw new UploadError(`${sample.file.filename}: the multipart route is not available yet.`, {
      retryable: false
    })
  }

  dispose(): void {}
}
