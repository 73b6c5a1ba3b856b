import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  attestationEvidenceToJson,
  createAttestationChallenges,
  deviceIdFromPublicKey,
  isVeriotError,
  PCR_RESET_VALUE,
  parseAttestationEvidence,
  pcrExtend,
  verifyAttestation,
} from '@veriot/core'
import {
  createMemoryKey,
  createSoftwareAttester,
  createTpmAttester,
  createTpmKeyStore,
  type DeviceKey,
  type TpmKeyStore,
} from '../../src/index.ts'
import { startTpmSimulator, type TpmSimulator, tpmSkipReason } from './tpmSimulator.ts'

// A TPM-backed simulated device attests to a verifier, against swtpm started by this file.
const image1 = sha256(utf8ToBytes('firmware 1.0.0'))
const image2 = sha256(utf8ToBytes('firmware 1.1.0'))
const approved1 = pcrExtend(PCR_RESET_VALUE, image1)
const maxAgeMs = 600_000

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

/** What travels on the wire: JSON text, parsed at the verifier's boundary. */
function overTheWire<T extends Parameters<typeof attestationEvidenceToJson>[0]>(evidence: T) {
  return parseAttestationEvidence(JSON.parse(JSON.stringify(attestationEvidenceToJson(evidence))))
}

describe('tpm attestation on swtpm', { skip: tpmSkipReason }, () => {
  let tpm: TpmSimulator
  let device: TpmKeyStore
  let deviceId: `0x${string}`
  const challenges = createAttestationChallenges({ ttlMs: 60_000, now: Date.now })

  before(async () => {
    tpm = await startTpmSimulator()
    device = await createTpmKeyStore({ path: join(tpm.dir, 'device.tpmkey'), tcti: tpm.tcti })
    deviceId = deviceIdFromPublicKey(device.identityKey.publicKey)
    // Measured boot of firmware 1.0.0.
    await device.extendPcr(16, image1)
  })
  after(async () => {
    await device?.close()
    await tpm?.stop()
  })

  const verify = (
    evidence: ReturnType<typeof overTheWire>,
    nonce: Uint8Array,
    expected = approved1,
  ) =>
    verifyAttestation(evidence, {
      nonce,
      boundKey: device.identityKey.publicKey,
      expectedMeasurement: expected,
      maxAgeMs,
      now: Date.now(),
    })

  test('default: a TPM quote for a fresh nonce verifies at level tpm', async () => {
    const attester = createTpmAttester({ store: device })
    assert.equal(attester.level, 'tpm')
    const nonce = challenges.issue(deviceId)
    const evidence = overTheWire(await attester.attest(nonce))
    challenges.redeem(deviceId, evidence.nonce)
    const result = verify(evidence, nonce)
    assert.equal(result.level, 'tpm')
    assert.equal(result.deviceId, deviceId)
    assert.deepEqual(result.measurement, approved1)
    assert.equal(result.expiresAt - result.verifiedAt, maxAgeMs)
  })

  test('error: the same evidence presented twice is ATTESTATION_REPLAYED', async () => {
    const nonce = challenges.issue(deviceId)
    const evidence = overTheWire(await createTpmAttester({ store: device }).attest(nonce))
    challenges.redeem(deviceId, evidence.nonce)
    verify(evidence, nonce)
    assert.throws(
      () => challenges.redeem(deviceId, evidence.nonce),
      hasCode('ATTESTATION_REPLAYED'),
    )
  })

  test('error: old evidence answering a new nonce is ATTESTATION_NONCE_MISMATCH', async () => {
    const old = overTheWire(
      await createTpmAttester({ store: device }).attest(challenges.issue(deviceId)),
    )
    const fresh = challenges.issue(deviceId)
    assert.throws(() => verify(old, fresh), hasCode('ATTESTATION_NONCE_MISMATCH'))
  })

  test('error: evidence of another device with this device id is ATTESTATION_KEY_UNKNOWN', async () => {
    const intruder = await createTpmKeyStore({
      path: join(tpm.dir, 'intruder.tpmkey'),
      tcti: tpm.tcti,
    })
    try {
      const nonce = challenges.issue(deviceId)
      const evidence = overTheWire({
        ...(await createTpmAttester({ store: intruder }).attest(nonce)),
        deviceId,
      })
      assert.throws(() => verify(evidence, nonce), hasCode('ATTESTATION_KEY_UNKNOWN'))
    } finally {
      await intruder.close()
    }
  })

  test('behavior: after an update the PCR carries the new chain; the old measurement fails', async () => {
    const other = await createTpmKeyStore({ path: join(tpm.dir, 'updated.tpmkey'), tcti: tpm.tcti })
    try {
      // Same TPM, so PCR 16 is shared: extend it once more, as an install of 1.1.0 would.
      await other.extendPcr(16, image2)
      const nonce = challenges.issue(deviceId)
      const evidence = overTheWire(await createTpmAttester({ store: device }).attest(nonce))
      assert.throws(() => verify(evidence, nonce), hasCode('ATTESTATION_PCR_MISMATCH'))
      assert.deepEqual(
        verify(evidence, nonce, pcrExtend(approved1, image2)).measurement,
        pcrExtend(approved1, image2),
      )
    } finally {
      await other.close()
    }
  })

  test('behavior: a software measurement signed by the TPM identity key is level hsm', async () => {
    const attester = createSoftwareAttester({ key: device.identityKey, measurement: approved1 })
    assert.equal(attester.level, 'hsm')
    const nonce = challenges.issue(deviceId)
    const result = verify(overTheWire(await attester.attest(nonce)), nonce)
    assert.equal(result.level, 'hsm')
  })

  test('error: bad nonces are refused by the attesters', async () => {
    const attester = createTpmAttester({ store: device })
    await assert.rejects(attester.attest(new Uint8Array(15)), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(attester.attest(new Uint8Array(65)), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(attester.attest('nonce' as never), hasCode('INVALID_ARGUMENT'))
  })
})

describe('software attester', () => {
  test('default: a software key gives level software, and the evidence verifies', async () => {
    const key = createMemoryKey()
    const attester = createSoftwareAttester({ key, measurement: async () => approved1 })
    assert.equal(attester.level, 'software')
    const nonce = new Uint8Array(32).fill(9)
    const evidence = overTheWire(await attester.attest(nonce))
    const result = verifyAttestation(evidence, {
      nonce,
      boundKey: key.publicKey,
      expectedMeasurement: approved1,
      maxAgeMs,
      now: 0,
    })
    assert.equal(result.level, 'software')
    assert.equal(result.expiresAt, maxAgeMs)
  })

  test('behavior: a key held in a PKCS#11 token gives level hsm', async () => {
    const inner = createMemoryKey()
    const pkcs11Like: DeviceKey = {
      ...inner,
      kind: 'pkcs11',
      publicKey: inner.publicKey,
      sign: (m) => inner.sign(m),
    }
    const attester = createSoftwareAttester({ key: pkcs11Like, measurement: approved1 })
    assert.equal(attester.level, 'hsm')
    const evidence = await attester.attest(new Uint8Array(16))
    assert.equal(evidence.kind === 'software' && evidence.level, 'hsm')
  })

  test('error: a measurement that is not 32 bytes is INVALID_ARGUMENT', async () => {
    const attester = createSoftwareAttester({
      key: createMemoryKey(),
      measurement: new Uint8Array(31),
    })
    await assert.rejects(attester.attest(new Uint8Array(32)), hasCode('INVALID_ARGUMENT'))
  })
})
