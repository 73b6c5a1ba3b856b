// Writes the attestation test vectors in packages/core/test/attestation/fixtures/ from a real
// TPM (swtpm). Run once, by hand, when the evidence format changes:
//   node --import tsx packages/device/test/keys/tpmFixtures.ts
// The vectors are then fixed files; never regenerate them to make a test pass.

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { attestationEvidenceToJson, PCR_RESET_VALUE, pcrExtend } from '@veriot/core'
import { createSoftwareAttester, createTpmAttester, createTpmKeyStore } from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'
import { startTpmSimulator } from './tpmSimulator.ts'

const out = new URL('../../../core/test/attestation/fixtures/', import.meta.url).pathname
const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`
const tpm = await startTpmSimulator()
try {
  const device = await createTpmKeyStore({ path: join(tpm.dir, 'a.tpmkey'), tcti: tpm.tcti })
  const other = await createTpmKeyStore({ path: join(tpm.dir, 'b.tpmkey'), tcti: tpm.tcti })
  const image = sha256(utf8ToBytes('veriot simulated firmware 1.0.0'))
  await device.extendPcr(16, image)
  const nonce = sha256(utf8ToBytes('veriot attestation vector nonce'))
  const evidence = await createTpmAttester({ store: device }).attest(nonce)
  // The same nonce quoted by the other device's attestation key, for the "unregistered key" twins.
  const otherEvidence = await createTpmAttester({ store: other }).attest(nonce)
  // A deterministic software key (test only).
  const softwareKey = createSoftwareKey(sha256(utf8ToBytes('veriot software attester test key')))
  const software = await createSoftwareAttester({
    key: softwareKey,
    measurement: pcrExtend(PCR_RESET_VALUE, image),
  }).attest(nonce)
  const write = (name: string, value: unknown) =>
    writeFile(join(out, name), `${JSON.stringify(value, null, 2)}\n`)
  await write('tpm-quote.json', {
    comment: 'TPM quote from swtpm 0.7 / tpm2-tools 5.4; PCR 16 extended once with sha256(image)',
    inputs: {
      nonce: hex(nonce),
      boundKey: hex(device.identityKey.publicKey),
      expectedMeasurement: hex(pcrExtend(PCR_RESET_VALUE, image)),
    },
    evidence: attestationEvidenceToJson(evidence),
    otherDevice: {
      boundKey: hex(other.identityKey.publicKey),
      evidence: attestationEvidenceToJson(otherEvidence),
    },
  })
  await write('software.json', {
    comment: 'software attester, in-memory key sha256("veriot software attester test key")',
    inputs: {
      nonce: hex(nonce),
      boundKey: hex(softwareKey.publicKey),
      expectedMeasurement: hex(pcrExtend(PCR_RESET_VALUE, image)),
    },
    evidence: attestationEvidenceToJson(software),
  })
  await device.close()
  await other.close()
} finally {
  await tpm.stop()
}
