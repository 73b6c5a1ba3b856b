// Runs the firmware-update example: the update goes through, every attack is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runFirmwareUpdateScenario } from './firmwareUpdate.ts'

test('example: update 1.0.0 → 1.1.0 through 2-of-3 verified reads, re-attested; attacks refused', async () => {
  const r = await runFirmwareUpdateScenario()
  assert.equal(r.update.ok, true, r.update.detail)
  assert.equal(r.attestation.ok, true, r.attestation.detail)
  assert.equal(r.installedVersion, '1.1.0')
  const codes = Object.fromEntries(Object.entries(r.attacks).map(([k, o]) => [k, o.code]))
  assert.deepEqual(codes, {
    rollback: 'FIRMWARE_VERSION_NOT_NEWER',
    underSigned: 'FIRMWARE_RELEASE_NOT_APPROVED',
    otherModel: 'FIRMWARE_MODEL_MISMATCH',
    tampered: 'FIRMWARE_IMAGE_MISMATCH',
    staleNode: 'READ_STALE',
    forgedNode: 'STATE_PROOF_INVALID',
  })
})
