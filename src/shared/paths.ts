import * as path from 'node:path'

/**
 * How a file is named in messages and `::error file=` annotations: relative to the workspace
 * (with `/`) when it lies inside it, as GitHub expects for annotations; absolute otherwise.
 */
export function displayPath(file: string, workspace: string): string {
  const relative = path.relative(path.resolve(workspace), file)
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join('/')
}
