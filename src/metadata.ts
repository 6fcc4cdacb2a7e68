import type { Json } from './types.js'

/**
 * Checks a parsed `metadata` input against init_upload's metadata schema.
 * Returns one message per violation, each naming its JSON path (e.g. `metadata.platform`).
 * (Placeholder: the planning issue fills in every rule.)
 */
export function validateMetadata(value: Json): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['metadata must be a JSON object.']
  }
  return []
}
