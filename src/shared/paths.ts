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

/**
 * The text of a file-system error about `file` with that path shown as `shown` (its display
 * path): Node's messages quote the path they were given ("ENOENT: …, stat '/home/…/a.fq'").
 */
export function fsErrorText(error: unknown, file: string, shown: string): string {
  // Not `instanceof Error`: errors from another realm (a vm context) are not.
  const message = (error as { message?: unknown } | null)?.message
  const text = typeof message === 'string' ? message : String(error)
  return file && file !== shown ? text.split(file).join(shown) : text
}

/**
 * `text` (a message) with each of `files` (absolute paths) named by its display path, longest
 * first (so `/ws/a.fq.gz` is not half-replaced by `/ws/a.fq`): for messages whose words come
 * from below (a failed read, a file that changed), which only know the absolute path.
 */
export function withDisplayPaths(
  text: string,
  files: readonly string[],
  workspace: string
): string {
  let shown = text
  for (const file of [...new Set(files)].sort((a, b) => b.length - a.length)) {
    const display = displayPath(file, workspace)
    if (display !== file) shown = shown.split(file).join(display)
  }
  return shown
}

/**
 * `file` relative to the workspace, always (with `/`): `.` for the workspace itself, `../x` for
 * a file beside it; absolute only on another drive. For naming what an input points at, as the
 * user wrote it relative to the workspace.
 */
export function relativeName(
  file: string,
  workspace: string,
  paths: path.PlatformPath = path
): string {
  const relative = paths.relative(paths.resolve(workspace), file)
  if (relative === '') return '.'
  return paths.isAbsolute(relative) ? file : relative.split(paths.sep).join('/')
}
