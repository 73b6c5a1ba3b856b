// The update flow's own steps with a stand-in verifying client (the chain-backed run is in
// firmwareUpdate.test.ts): the post-boot self-check, recording, and one update at a time.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  type ErrorCode,
  firmwareVersionFromUint64,
  firmwareVersionToUint64,
  isVeriotError,
  PCR_RESET_VALUE,
  pcrExtend,
} from '@veriot/core'
import {
  createFirmwareUpdater,
  createMemoryKey,
  createSoftwareAttester,
  type FirmwareUpdater,
  type InstallableRelease,
  releaseInstallSlots,
  type VerifiedRead,
} from '../../src/index.ts'

const v = firmwareVersionToUint64
const MODEL = 'sensor-a'
const REGISTRY = '0x00000000000000000000000000000000000f1e00'
const image = utf8ToBytes('firmware sensor-a 1.1.0\n'.repeat(50))
const approved = pcrExtend(PCR_RESET_VALUE, sha256(image))

/** A client whose every read proves release 1.1.0 Approved with `measurement`. */
function clientProving(measurement: Uint8Array) {
  return {
    read: async (): Promise<VerifiedRead> => {
      const s = releaseInstallSlots(MODEL, v('1.1.0'))
      return {
        blockNumber: 7n,
        blockHash: `0x${'cd'.repeat(32)}`,
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
        signers: [],
        values: new Map<`0x${string}`, bigint>([
          [s.releaseHeader, 2n | (2n << 16n)],
          [s.imageHash, BigInt(`0x${bytesToHex(sha256(image))}`)],
          [s.measurement, BigInt(`0x${bytesToHex(measurement)}`)],
          [s.imageSizeRevokedAt, BigInt(image.length)],
          [s.modelVersions, 0n],
        ]),
      }
    },
  }
}

function hasCode(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

function updaterWith(
  measurementOnChain: Uint8Array,
  bootTo: (image: Uint8Array) => Uint8Array,
  onInstalled?: (r: InstallableRelease) => void,
) {
  let measurement: Uint8Array = new Uint8Array(32)
  const updater: FirmwareUpdater = createFirmwareUpdater({
    client: clientProving(measurementOnChain),
    firmwareRegistry: REGISTRY,
    model: MODEL,
    installedVersion: v('1.0.0'),
    boot: async (img) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      measurement = bootTo(img)
    },
    attester: createSoftwareAttester({
      key: createMemoryKey(),
      measurement: () => measurement,
      firmwareVersion: () => firmwareVersionFromUint64(updater.installedVersion),
    }),
    ...(onInstalled ? { onInstalled } : {}),
  })
  return updater
}
const nonce = () => crypto.getRandomValues(new Uint8Array(32))
const candidate = { model: MODEL, version: v('1.1.0'), image }

test('default: boots, checks the measurement, records the version, calls onInstalled', async () => {
  const installed: bigint[] = []
  const updater = updaterWith(
    approved,
    (img) => pcrExtend(PCR_RESET_VALUE, sha256(img)),
    (r) => installed.push(r.version),
  )
  const { evidence, firmwareVersion } = await updater.install(candidate, { nonce: nonce() })
  assert.equal(evidence.kind, 'software')
  // The attester reads installedVersion: the evidence already claims the booted release.
  assert.equal(evidence.firmwareVersion, '1.1.0')
  assert.equal(firmwareVersion, '1.1.0')
  assert.deepEqual(installed, [v('1.1.0')])
  assert.equal(updater.installedVersion, v('1.1.0'))
  assert.equal(updater.notBeforeBlock, 7n)
})

test('error: a boot that does not reach the approved measurement is ATTESTATION_PCR_MISMATCH; nothing recorded', async () => {
  const installed: bigint[] = []
  // The vendor's measurement describes another image than the one it approved.
  const updater = updaterWith(
    pcrExtend(PCR_RESET_VALUE, sha256(utf8ToBytes('other'))),
    (img) => pcrExtend(PCR_RESET_VALUE, sha256(img)),
    (r) => installed.push(r.version),
  )
  await assert.rejects(
    updater.install(candidate, { nonce: nonce() }),
    hasCode('ATTESTATION_PCR_MISMATCH'),
  )
  assert.deepEqual(installed, [])
  assert.equal(updater.installedVersion, v('1.0.0'))
})

test('error: when onInstalled fails the installed version goes back to the old one', async () => {
  const updater = updaterWith(
    approved,
    (img) => pcrExtend(PCR_RESET_VALUE, sha256(img)),
    () => {
      throw new Error('disk full')
    },
  )
  await assert.rejects(updater.install(candidate, { nonce: nonce() }), /disk full/)
  assert.equal(updater.installedVersion, v('1.0.0'))
})

test('error: a second install while one runs is INVALID_ARGUMENT', async () => {
  const updater = updaterWith(approved, (img) => pcrExtend(PCR_RESET_VALUE, sha256(img)))
  const first = updater.install(candidate, { nonce: nonce() })
  await assert.rejects(updater.install(candidate, { nonce: nonce() }), hasCode('INVALID_ARGUMENT'))
  await first
  assert.equal(updater.installedVersion, v('1.1.0'))
})

test('error: bad options are INVALID_ARGUMENT', () => {
  const base = {
    client: clientProving(approved),
    firmwareRegistry: REGISTRY,
    model: MODEL,
    installedVersion: v('1.0.0'),
    boot: async () => {},
    attester: createSoftwareAttester({ key: createMemoryKey(), measurement: approved }),
  } as const
  for (const change of [
    { firmwareRegistry: '0x1234' },
    { model: '' },
    { model: 'é' },
    { installedVersion: -1n },
  ]) {
    assert.throws(
      () => createFirmwareUpdater({ ...base, ...change } as typeof base),
      hasCode('INVALID_ARGUMENT'),
    )
  }
})
