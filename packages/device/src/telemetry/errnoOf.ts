// The errno code of a failed file operation, for error messages that say what went wrong.

/** `err.code` ('ENOENT', 'ENOSPC', …) when present, else the error's message. */
export function errnoOf(err: unknown): string {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code
  return err instanceof Error ? err.message : String(err)
}
