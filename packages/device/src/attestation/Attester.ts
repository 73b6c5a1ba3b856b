// What every attester offers: evidence for a verifier's nonce.

import type { AssuranceLevel, AttestationEvidence } from '@veriot/core'

export type Attester = {
  /** The level a verifier will grant this attester's evidence. */
  readonly level: AssuranceLevel
  /**
   * Evidence bound to `nonce` (the verifier's, 16 to 64 bytes). Send it as
   * `attestationEvidenceToJson(evidence)`.
   * @throws INVALID_ARGUMENT, and the key store's errors
   */
  attest(nonce: Uint8Array): Promise<AttestationEvidence>
}
