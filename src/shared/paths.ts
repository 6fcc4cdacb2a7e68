import * as path from 'node:path'

/**
 * How a file is named in messages and `::error file=` annotations: relative to the workspace
 * (with `/`) when it lies inside it, as GitHub expects for annotations; absolute otherwise.
 * `paths` is the platform's path module (tests pass `path.win32` or `path.posix`).
 */
export function displayPath(
  file: string,
  workspace: string,
  paths: path.PlatformPath = path
): string {
  const relative = paths.relative(paths.resolve(workspace), file)
  const outside =
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${paths.sep}`) ||
    paths.isAbsolute(relative)
  return outside ? file : relative.split(paths.sep).join('/')
}
