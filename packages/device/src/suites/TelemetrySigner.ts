// What signTelemetry needs: a suite and a way to sign its signing bytes under that suite.

import type { SuiteId } from '@veriot/core'

/** Signs telemetry signing bytes under one suite (see createTelemetrySigner). */
export type TelemetrySigner = {
  readonly suite: SuiteId
  /** The auxiliary public key (ed25519 and mldsa44P256), to put in a message's `a` field. */
  readonly auxPublicKey?: Uint8Array
  /** The suite's signature over `signingBytes` (for the hybrid: P-256 r ‖ s ‖ ML-DSA-44). */
  sign(signingBytes: Uint8Array): Promise<Uint8Array>
}
