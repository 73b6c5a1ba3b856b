// The schema parts of verified answers (bounded hex, words, addresses, arrays whose length is
// checked first) and one way to run a schema over untrusted parsed JSON: the first wrong field
// named, the sender's text cut short, and a getter or proxy that throws while being read still
// a READ_MALFORMED rather than an exception of its own.

import { VeriotError } from '@veriot/core'
import { z } from 'zod'

/** 0x hex bytes, at most `maxBytes` of them (the length is checked before the pattern). */
export const hexBytes = (maxBytes: number) =>
  z
    .string()
    .max(2 + 2 * maxBytes, `expected at most ${maxBytes} bytes of 0x hex`)
    .regex(/^0x(?:[0-9a-fA-F]{2})*$/, 'expected 0x hex bytes')
/** Exactly `bytes` bytes of 0x hex. */
export const hexWord = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `expected ${what}`)
export const address = hexWord(20, 'a 0x address (40 hex digits)')
/** An array of at most `max` items; the length is checked before the elements are parsed. */
export const boundedArray = <T extends z.ZodType>(element: T, max: number) =>
  z.array(z.unknown()).max(max, `expected at most ${max} items`).pipe(z.array(element))

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
