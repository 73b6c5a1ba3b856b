// Which ingest failures say nothing about the message itself: the gateway could not check or
// store it (chain or store unavailable, a fault of its own). Such a message is never
// acknowledged, so the device (or broker) sends it again; HTTP answers 5xx.

const RETRYABLE: ReadonlySet<string> = new Set(['RPC_UNREACHABLE', 'STORE_FAILED', 'INTERNAL'])

/** True when a message refused with `code` was not judged and must be delivered again. */
export function isRetryableFailure(code: string): boolean {
  return RETRYABLE.has(code)
}
