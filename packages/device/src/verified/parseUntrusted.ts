// One way to run a verified answer's schema over untrusted parsed JSON: the first wrong field
// named, the sender's text cut short, and a getter or proxy that throws while being read still
// a READ_MALFORMED rather than an exception of its own.

import { VeriotError } from '@veriot/core'
import type { z } from 'zod'

/**
 * `value` through `schema`.
 * @throws READ_MALFORMED naming the first wrong field
 */
export function parseUntrusted<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  let result: ReturnType<S['safeParse']>
  try {
    result = schema.safeParse(value) as ReturnType<S['safeParse']>
  } catch (cause) {
    // A getter or proxy that throws while being read.
    throw new VeriotError('READ_MALFORMED', 'response could not be read', { cause })
  }
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || '(root)'
    // Cut: an unrecognized key is quoted in the message, and its name is the sender's choice.
    const message = `"${field}" ${issue?.message ?? 'is invalid'}`.slice(0, 200)
    throw new VeriotError('READ_MALFORMED', message, { context: { field: field.slice(0, 100) } })
  }
  return result.data as z.infer<S>
}
