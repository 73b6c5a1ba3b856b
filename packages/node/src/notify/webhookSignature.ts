// The signature on a webhook payload: HMAC-SHA256 over "<unix ms>.<body>" with the shared
// secret, sent as `veriot-signature: t=<unix ms>,v1=<hex>`. The time is signed so a captured
// request cannot be replayed later; receivers check it with verifyWebhookSignature.

import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header value for `body` signed at `timestamp` (ms since the epoch). */
export function createWebhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${mac}`
}

/**
 * True when `header` is a valid signature of `body` by `secret`, made at most `toleranceMs`
 * (default 5 minutes) from `now`. Compares in constant time; any malformed header is false.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { now?: number; toleranceMs?: number } = {},
): boolean {
  const match = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header ?? '')
  if (!match) return false
  const timestamp = Number(match[1])
  const now = options.now ?? Date.now()
  if (Math.abs(now - timestamp) > (options.toleranceMs ?? 5 * 60_000)) return false
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'))
}
