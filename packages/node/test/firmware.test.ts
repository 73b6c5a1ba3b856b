import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { firmwareRegistryAbi } from '@veriot/contracts'
import {
  decodeModelVersionsWord,
  decodeReleaseHeaderWord,
  encodeReleaseMessage,
  firmwareStorageSlots,
  firmwareVerdictFromWords,
  firmwareVersionToUint64,
  isVeriotError,
  shortStringToBytes32,
} from '@veriot/core'
import { type Hex, keccak256, zeroHash } from 'viem'
import { deployMissingContracts } from '../src/deployment/deployContracts.ts'
import { readDeploymentFile, writeDeploymentFile } from '../src/deployment/deploymentFile.ts'
import { createFirmwareClient, type FirmwareClient } from '../src/firmware/createFirmwareClient.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

const v = firmwareVersionToUint64

function releaseParams(model: string, version: string) {
  return {
    model,
    version: v(version),
    imageHash: keccak256(`0x${Buffer.from(`image ${model} ${version}`).toString('hex')}`),
    imageSize: 4096n,
    measurement: keccak256(`0x${Buffer.from(`pcr ${model} ${version}`).toString('hex')}`),
    metadataHash: zeroHash,
    metadataUri: `https://firmware.example/${model}/${version}.json`,
  }
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

describe('FirmwareRegistry client against anvil', () => {
  let chain: TestChain
  let vendor: FirmwareClient
  let stranger: FirmwareClient
  const k0 = createMemoryKey()
  const k1 = createMemoryKey()
  const k2 = createMemoryKey()
  const keys = [k0, k1, k2]
  const model = 'coldchain-sensor'

  before(async () => {
    chain = await startTestChain()
    vendor = createFirmwareClient(await chain.as(0), chain.deployment)
    stranger = createFirmwareClient(await chain.as(3), chain.deployment)
    await vendor.setReleaseKeys(
      model,
      keys.map((k) => k.publicKey),
      2,
    )
  })
  after(async () => {
    await chain?.stop()
  })

  test('default: publish with one key, approve with another, read it back', async () => {
    await vendor.publishRelease(releaseParams(model, '1.0.0'), [k0])
    let release = await vendor.readRelease(model, v('1.0.0'))
    assert.equal(release.status, 'pending')
    assert.equal(release.verdict, 'pending')
    assert.equal(release.approvals, 1)
    assert.equal(release.threshold, 2)
    await rejects(vendor.assertInstallable(model, v('1.0.0')), 'FIRMWARE_RELEASE_NOT_APPROVED')

    // Anyone may submit the signatures; the release key needs no account.
    await stranger.approveRelease(model, v('1.0.0'), [k2])
    release = await vendor.readRelease(model, v('1.0.0'))
    assert.equal(release.status, 'approved')
    assert.equal(release.verdict, 'approved')
    assert.equal(release.approvedBy.length, 2)
    assert.ok(release.approvedAt instanceof Date)
    await vendor.assertInstallable(model, v('1.0.0'))
    assert.deepEqual(await vendor.listModels(), [model])
    const m = await vendor.readModel(model)
    assert.equal(m.latestApprovedVersion, '1.0.0')
    assert.equal(m.keys.length, 3)
  })

  test('behavior: the release message equals the contract view byte for byte', async () => {
    const p = releaseParams(model, '9.9.9')
    const release = {
      ...p,
      model: shortStringToBytes32('model', model),
      metadataHash: zeroHash as Hex,
    }
    const conn = await chain.as(0)
    const onChain = await conn.publicClient.readContract({
      address: vendor.address,
      abi: firmwareRegistryAbi,
      functionName: 'releaseMessage',
      args: [
        release.model,
        release.version,
        release.imageHash,
        release.imageSize,
        release.measurement,
        release.metadataHash,
        release.metadataUri,
      ],
    })
    assert.equal(
      encodeReleaseMessage(release, { chainId: BigInt(conn.chainId), registry: vendor.address }),
      onChain,
    )
  })

  test('error: duplicate signer, foreign key, below-minimum, not increasing, revoked', async () => {
    await vendor.publishRelease(releaseParams(model, '2.0.0'), [k0, k1])
    await rejects(
      vendor.publishRelease(releaseParams(model, '1.5.0')),
      'FIRMWARE_VERSION_NOT_INCREASING',
    )
    await vendor.publishRelease(releaseParams(model, '3.0.0'), [k0])
    await rejects(vendor.approveRelease(model, v('3.0.0'), [k0]), 'FIRMWARE_APPROVAL_DUPLICATE')
    await rejects(
      vendor.approveRelease(model, v('3.0.0'), [createMemoryKey()]),
      'FIRMWARE_RELEASE_KEY_UNKNOWN',
    )
    await rejects(
      vendor.approveRelease(model, v('3.0.0'), [k1], { expectedImageHash: zeroHash }),
      'FIRMWARE_RELEASE_INVALID',
    )
    await rejects(stranger.setMinimumVersion(model, v('2.0.0')), 'FIRMWARE_NOT_AUTHORIZED')
    await rejects(vendor.setMinimumVersion(model, v('3.0.0')), 'FIRMWARE_RELEASE_NOT_APPROVED')
    await vendor.setMinimumVersion(model, v('2.0.0'))
    assert.equal(await vendor.readMinimumVersion(model), v('2.0.0'))
    await rejects(vendor.setMinimumVersion(model, v('1.0.0')), 'FIRMWARE_MINIMUM_INVALID')
    assert.equal(await vendor.readVerdict(model, v('1.0.0')), 'belowMinimum')
    await rejects(vendor.assertInstallable(model, v('1.0.0')), 'FIRMWARE_VERSION_BELOW_MINIMUM')

    await vendor.revokeRelease(model, v('3.0.0'), 'CVE-2026-0001')
    await rejects(vendor.approveRelease(model, v('3.0.0'), [k1]), 'FIRMWARE_RELEASE_REVOKED')
    assert.equal(await vendor.isLockdownRelease(model, v('3.0.0')), false)
    await vendor.revokeRelease(model, v('3.0.0'), 'exploited', { lockdown: true })
    assert.equal(await vendor.isLockdownRelease(model, v('3.0.0')), true)
    await rejects(vendor.revokeRelease(model, v('3.0.0'), 'again'), 'FIRMWARE_RELEASE_REVOKED')
    await rejects(vendor.assertInstallable(model, v('3.0.0')), 'FIRMWARE_RELEASE_REVOKED')
    await rejects(vendor.readRelease(model, v('7.0.0')), 'FIRMWARE_RELEASE_UNKNOWN')
    await rejects(vendor.readModel('no-such-model'), 'FIRMWARE_MODEL_UNKNOWN')
    await rejects(
      vendor.publishRelease(releaseParams('no-such-model', '1.0.0')),
      'FIRMWARE_MODEL_UNKNOWN',
    )
    await rejects(vendor.setReleaseKeys(model, [k0.publicKey], 2), 'FIRMWARE_THRESHOLD_INVALID')
    const releases = await vendor.listReleases(model)
    assert.deepEqual(
      releases.map((r) => [r.version, r.verdict]),
      [
        ['1.0.0', 'belowMinimum'],
        ['2.0.0', 'approved'],
        ['3.0.0', 'lockdown'],
      ],
    )
    assert.equal(releases[2]?.revocationReason, 'exploited')
  })

  test('behavior: the documented storage slots hold the release, readable by proof', async () => {
    const conn = await chain.as(0)
    const id = shortStringToBytes32('model', model)
    for (const [version, verdict] of [
      ['1.0.0', 'belowMinimum'],
      ['2.0.0', 'approved'],
      ['3.0.0', 'lockdown'],
      ['4.0.0', 'unknown'],
    ] as const) {
      const slots = firmwareStorageSlots(id, v(version))
      const word = async (slot: Hex) =>
        BigInt((await conn.publicClient.getStorageAt({ address: vendor.address, slot })) ?? '0x0')
      const header = await word(slots.releaseHeader)
      const versions = await word(slots.modelVersions)
      assert.equal(firmwareVerdictFromWords(v(version), header, versions), verdict, version)
      assert.equal(decodeModelVersionsWord(versions).minimumVersion, v('2.0.0'))
      if (verdict === 'unknown') continue
      const record = await vendor.readRelease(model, v(version))
      assert.equal(decodeReleaseHeaderWord(header).approvals, record.approvals)
      assert.equal(
        (
          await conn.publicClient.getStorageAt({ address: vendor.address, slot: slots.imageHash })
        )?.toLowerCase(),
        record.imageHash.toLowerCase(),
      )
      assert.equal(
        (
          await conn.publicClient.getStorageAt({ address: vendor.address, slot: slots.measurement })
        )?.toLowerCase(),
        record.measurement.toLowerCase(),
      )
    }
  })

  test('behavior: a new key set keeps approved releases approved and restarts pending ones', async () => {
    const other = 'car-lock'
    await vendor.setReleaseKeys(other, [k0.publicKey, k1.publicKey], 2)
    await vendor.publishRelease(releaseParams(other, '1.0.0'), [k0, k1])
    await vendor.publishRelease(releaseParams(other, '2.0.0'), [k0])
    assert.equal((await vendor.readRelease(other, v('2.0.0'))).approvals, 1)
    await vendor.setReleaseKeys(other, [k0.publicKey, k1.publicKey, k2.publicKey], 2)
    const approved = await vendor.readRelease(other, v('1.0.0'))
    assert.equal(approved.status, 'approved')
    assert.equal(approved.approvals, 2)
    const pending = await vendor.readRelease(other, v('2.0.0'))
    assert.equal(pending.approvals, 0)
    assert.deepEqual(pending.approvedBy, [])
    // The old signature counts again when submitted in the new round.
    await vendor.approveRelease(other, v('2.0.0'), [k0, k2])
    assert.equal((await vendor.readRelease(other, v('2.0.0'))).status, 'approved')
  })

  test('behavior: a deployment record from before FirmwareRegistry gets it added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veriot-deployment-'))
    try {
      writeDeploymentFile(dir, chain.deployment)
      const path = join(dir, 'deployment.json')
      const body = JSON.parse(readFileSync(path, 'utf8'))
      delete body.contracts.FirmwareRegistry
      writeFileSync(path, JSON.stringify(body))
      const old = readDeploymentFile(dir)
      assert.ok(old)
      assert.equal(old.contracts.FirmwareRegistry, undefined)
      assert.throws(
        () => createFirmwareClient({} as never, old),
        (err) => isVeriotError(err, 'CONTRACT_NOT_DEPLOYED'),
      )

      const conn = await chain.as(0)
      const upgraded = await deployMissingContracts(conn, old, { grantOperatorRoles: true })
      const added = upgraded.contracts.FirmwareRegistry
      assert.ok(added)
      assert.notEqual(added.address, chain.deployment.contracts.FirmwareRegistry?.address)
      assert.equal(upgraded.contracts.DeviceRegistry.address, old.contracts.DeviceRegistry.address)
      const read = (functionName: 'p256Verifier' | 'VENDOR_ROLE') =>
        conn.publicClient.readContract({
          address: added.address,
          abi: firmwareRegistryAbi,
          functionName,
        })
      assert.equal(await read('p256Verifier'), '0x0000000000000000000000000000000000000100')
      const hasVendorRole = await conn.publicClient.readContract({
        address: added.address,
        abi: firmwareRegistryAbi,
        functionName: 'hasRole',
        args: [(await read('VENDOR_ROLE')) as Hex, conn.account?.address as Hex],
      })
      assert.equal(hasVendorRole, true)
      assert.equal(await deployMissingContracts(conn, upgraded), upgraded, 'nothing left to add')
      writeDeploymentFile(dir, upgraded)
      assert.equal(readDeploymentFile(dir)?.contracts.FirmwareRegistry?.address, added.address)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
