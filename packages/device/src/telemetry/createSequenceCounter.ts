// The device's telemetry sequence numbers: strictly increasing across restarts and crashes, as
// the gateway requires (a number at or below the last accepted one is SEQUENCE_REPLAYED).

import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { VeriotError } from '@veriot/core'
import { z } from 'zod'
import { createSerialQueue } from './createSerialQueue.ts'
import { errnoOf } from './errnoOf.ts'
import { syncDirectory } from './syncDirectory.ts'

const DEFAULT_RESERVE = 100

const counterFileSchema = z.strictObject({
  version: z.literal(1),
  /** Every number up to this one may have been handed out; the next run starts above it. */
  reserved: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
})

export type SequenceCounterOptions = {
  /**
   * How many numbers one durable write reserves (default 100, at least 1). Larger blocks
   * mean fewer fsyncs and larger gaps after a crash.
   */
  reserve?: number
}

export type SequenceCounter = {
  /**
   * The next number, 1, 2, 3, …; never one handed out before, in this run or an earlier one.
   * @throws STORE_FAILED when the reservation cannot be persisted (no number is handed out);
   *   INTERNAL after close()
   */
  next(): Promise<number>
  /** Persists the last handed-out number, so a clean restart leaves no gap. Idempotent. */
  close(): Promise<void>
}

/**
 * Opens (creating it if needed) the sequence counter stored in `file`. The file holds the
 * high-water mark `reserved`: no number above it was ever handed out. When next() runs past
 * the mark it first persists a new mark `reserve` numbers ahead (temp file, fsync, rename,
 * directory fsync) and only then returns a number, so a number is never reused.
 *
 * After a crash the next run starts at `reserved + 1`: the numbers between the last one used
 * and the mark (at most `reserve − 1` of them) are skipped. Gaps are harmless (the gateway only
 * requires an increase); close() writes the exact last number, so a clean stop leaves none.
 *
 * A missing file starts at 1; a file that cannot be parsed is an error, never a reset.
 * Only one process may use a counter file at a time.
 *
 * @throws STORE_FAILED when the file cannot be read or is malformed; INVALID_ARGUMENT for a
 *   bad `reserve`
 * @example
 * const counter = await createSequenceCounter('.veriot-device/sequence.json')
 * const sequence = await counter.next()
 */
export async function createSequenceCounter(
  file: string,
  options: SequenceCounterOptions = {},
): Promise<SequenceCounter> {
  const reserve = options.reserve ?? DEFAULT_RESERVE
  if (!Number.isSafeInteger(reserve) || reserve < 1) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"reserve" expected an integer ≥ 1, got ${String(reserve)}`,
    )
  }
  let reserved = await readMark(file)
  let last = reserved
  let closed = false
  const serial = createSerialQueue()

  return {
    next: () =>
      serial(async () => {
        if (closed) throw new VeriotError('INTERNAL', `sequence counter ${file} is closed`)
        if (last >= Number.MAX_SAFE_INTEGER) {
          throw new VeriotError(
            'STORE_FAILED',
            `sequence counter ${file} reached 2^53 − 1, the largest sequence number`,
            { context: { file } },
          )
        }
        const candidate = last + 1
        if (candidate > reserved) {
          const mark = Math.min(candidate - 1 + reserve, Number.MAX_SAFE_INTEGER)
          await writeMark(file, mark)
          reserved = mark
        }
        last = candidate
        return candidate
      }),
    close: () =>
      serial(async () => {
        if (closed) return
        closed = true
        if (last < reserved) {
          await writeMark(file, last)
          reserved = last
        }
      }),
  }
}

async function readMark(file: string): Promise<number> {
  let text: string
  try {
    await mkdir(dirname(file), { recursive: true })
    await removeTempFiles(file)
    text = await readFile(file, 'utf8')
  } catch (cause) {
    if (errnoOf(cause) === 'ENOENT') return 0
    throw new VeriotError(
      'STORE_FAILED',
      `sequence counter ${file}: read failed with ${errnoOf(cause)}`,
      {
        cause,
        context: { file },
      },
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw malformed(file, 'not JSON', cause)
  }
  const result = counterFileSchema.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw malformed(file, `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`)
  }
  return result.data.reserved
}

async function writeMark(file: string, reserved: number): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const text = `${JSON.stringify({ version: 1, reserved })}\n`
  try {
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
    await syncDirectory(dirname(file))
  } catch (cause) {
    await unlink(temp).catch(() => {})
    throw new VeriotError(
      'STORE_FAILED',
      `sequence counter ${file}: write failed with ${errnoOf(cause)}`,
      { cause, context: { file } },
    )
  }
}

async function removeTempFiles(file: string): Promise<void> {
  const prefix = `.${basename(file)}.`
  const entries = await readdir(dirname(file))
  await Promise.all(
    entries
      .filter((e) => e.startsWith(prefix) && e.endsWith('.tmp'))
      .map((e) => unlink(join(dirname(file), e)).catch(() => {})),
  )
}

function malformed(file: string, detail: string, cause?: unknown): VeriotError {
  return new VeriotError(
    'STORE_FAILED',
    `sequence counter ${file} expected {"version":1,"reserved":<integer>}, got ${detail}; refusing to restart at 1 (that would reuse numbers)`,
    { context: { file }, ...(cause === undefined ? {} : { cause }) },
  )
}
