// Picks an event out of a proven receipt: "did this contract emit this event here?"

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address } from './VerifiedRead.ts'
import type { ProvenLog, VerifiedReceipt } from './VerifiedReceipt.ts'

/**
 * The first log of `receipt` emitted by `address` whose first topic (the event signature's
 * hash) is `topic0`, or undefined. Case does not matter. Only logs of a receipt that
 * verifyVerifiedReceipt returned are proven; a reverted receipt (status 0) has none.
 * @throws INVALID_ARGUMENT for a malformed address or topic
 * @example
 * const grant = findLog(receipt, { address: accessGrants, topic0: toEventSelector(grantedEvent) })
 */
export function findLog(
  receipt: Pick<VerifiedReceipt, 'logs'>,
  filter: { readonly address: Address; readonly topic0: Hex },
): ProvenLog | undefined {
  const { address, topic0 } = filter
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new VeriotError('INVALID_ARGUMENT', '"address" expected 0x + 40 hex digits')
  }
  if (typeof topic0 !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(topic0)) {
    throw new VeriotError('INVALID_ARGUMENT', '"topic0" expected 0x + 64 hex digits')
  }
  const a = address.toLowerCase()
  const t = topic0.toLowerCase()
  return receipt.logs.find((log) => log.address === a && log.topics[0] === t)
}
