// The gateway's attestation rule against real parts: anvil (DeviceRegistry, FirmwareRegistry),
// swtpm (a TPM-backed device), the device SDK's publishers over HTTP and MQTT, SQLite on disk.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  attestationEvidenceToJson,
  firmwareVersionToUint64,
  isVeriotError,
  PCR_RESET_VALUE,
  pcrExtend,
} from '@veriot/core'
import {
  type Attester,
  createMemoryKey as createDeviceMemoryKey,
  createHttpPublisher,
  createMqttPublisher,
  createSoftwareAttester,
  createTelemetryDevice,
  createTpmAttester,
  createTpmKeyStore,
  createTpmMeasuredBoot,
  type DeviceKey,
  type TpmKeyStore,
} from '@veriot/device'
import { bytesToHex, type Hex } from 'viem'
import {
  startTpmSimulator,
  type TpmSimulator,
  tpmSkipReason,
} from '../../device/test/keys/tpmSimulator.ts'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { createFirmwareClient } from '../src/firmware/createFirmwareClient.ts'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

const readings = [{ name: 'temp', value: -20.5, unit: 'Cel' }]
const imageOf = (name: string) => sha256(utf8ToBytes(name))
const measurementOf = (name: string) => pcrExtend(PCR_RESET_VALUE, imageOf(name))
const VERDICT_TTL_MS = 100

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

describe('gateway: attestation rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-gw-attest-'))
  let chain: TestChain
  let gateway: Gateway
  let firmware: ReturnType<typeof createFirmwareClient>
  const releaseKey = createMemoryKey()

  /** Publishes (model, version) approved (1 of 1), with the measurement of image `name`. */
  async function approve(model: string, version: string, name: string) {
    await firmware.publishRelease(
      {
        model,
        version: firmwareVersionToUint64(version),
        imageHash: bytesToHex(imageOf(name)),
        imageSize: 1024n,
        measurement: bytesToHex(measurementOf(name)),
      },
      [releaseKey],
    )
  }

  /** Registers, activates and allows `key` to send temperature. */
  async function register(key: Pick<DeviceKey, 'publicKey' | 'sign'>, model: string) {
    const admin = await chain.registry(0)
    const { id } = await admin.register(key, {
      model,
      firmwareVersion: firmwareVersionToUint64('1.0.0'),
    })
    await admin.provision(id, getAnvilAccount(0).address)
    await admin.activate(id)
    await admin.grantCapability(id, 'telemetry:temperature')
    return id
  }

  async function httpDevice(key: DeviceKey, attester?: Attester) {
    const device = await createTelemetryDevice({
      key,
      dataDir: join(dir, bytesToHex(key.publicKey.subarray(1, 9))),
    })
    return createHttpPublisher({
      baseUrl: gateway.httpUrl,
      device,
      ...(attester ? { attester } : {}),
    })
  }

  const postJson = (path: string, body: unknown) =>
    fetch(`${gateway.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }))

  const challenge = async (deviceId: Hex) => {
    const r = await postJson('/v1/attestation/challenge', { deviceId })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return Uint8Array.from(Buffer.from((r.body.nonce as string).slice(2), 'hex'))
  }

  const statusOf = async (deviceId: Hex) =>
    (await fetch(`${gateway.httpUrl}/v1/devices/${deviceId}/attestation`)).json() as Promise<any>

  before(async () => {
    chain = await startTestChain()
    firmware = createFirmwareClient(await chain.as(0), chain.deployment)
    for (const model of [
      'tpm-sensor',
      'sw-sensor',
      'sw-revoked',
      'sw-rollback',
      'sw-unknown',
      'sw-update',
    ]) {
      await firmware.setReleaseKeys(model, [releaseKey.publicKey], 1)
    }
    await approve('tpm-sensor', '1.0.0', 'tpm-sensor 1.0.0')
    await approve('tpm-sensor', '1.1.0', 'tpm-sensor 1.1.0')
    await approve('sw-sensor', '1.0.0', 'sw-sensor 1.0.0')
    await approve('sw-revoked', '1.0.0', 'sw-revoked 1.0.0')
    await approve('sw-rollback', '1.0.0', 'sw-rollback 1.0.0')
    await approve('sw-rollback', '1.1.0', 'sw-rollback 1.1.0')
    for (const version of ['0.9.0', '1.0.0', '1.1.0']) {
      await approve('sw-update', version, `sw-update ${version}`)
    }
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: join(dir, 'gateway.sqlite'),
      mqttPort: 0,
      httpPort: 0,
      noAnchor: true,
      anomaly: false,
      attestation: { maxAgeMs: 600_000, verdictTtlMs: VERDICT_TTL_MS },
    })
  })
  after(async () => {
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('error: readings of a device that never attested are ATTESTATION_REQUIRED, nothing stored', async () => {
    const key = createDeviceMemoryKey()
    await register(key, 'sw-sensor')
    const before = (await gateway.store.getCounts()).readings
    const publisher = await httpDevice(key)
    await assert.rejects(publisher.send('temperature', readings), hasCode('ATTESTATION_REQUIRED'))
    assert.equal((await gateway.store.getCounts()).readings, before)
  })

  test('default: a software device attests over HTTP; its readings are stored with level software', async () => {
    const key = createDeviceMemoryKey()
    const id = await register(key, 'sw-sensor')
    const attester = createSoftwareAttester({ key, measurement: measurementOf('sw-sensor 1.0.0') })
    const publisher = await httpDevice(key, attester)
    const sent = await publisher.send('temperature', readings)
    assert.equal(sent.status, 'accepted')
    assert.equal((await gateway.store.getReading(sent.readingId))?.assuranceLevel, 'software')
    const status = await statusOf(id)
    assert.equal(status.enabled, true)
    assert.equal(status.fresh, true)
    assert.equal(status.attestation.level, 'software')
    assert.equal(status.attestation.measurement, bytesToHex(measurementOf('sw-sensor 1.0.0')))
    assert.equal(status.release.verdict, 'approved')
    assert.equal(status.attestation.expiresAt - status.attestation.verifiedAt, 600_000)
  })

  test('default: a software device attests for its MQTT publisher; readings stored with its level', async () => {
    const key = createDeviceMemoryKey()
    await register(key, 'sw-sensor')
    const attester = createSoftwareAttester({ key, measurement: measurementOf('sw-sensor 1.0.0') })
    const dataDir = join(dir, 'mqtt-device')
    const device = await createTelemetryDevice({ key, dataDir })
    const publisher = await createMqttPublisher({
      url: gateway.mqttUrl,
      device,
      dataDir,
      attester,
      attestationUrl: gateway.httpUrl,
    })
    const rejected: string[] = []
    publisher.onError((r) => rejected.push(r.code))
    try {
      const { readingId } = await publisher.publish('temperature', readings)
      await publisher.flush()
      assert.deepEqual(rejected, [])
      assert.equal((await gateway.store.getReading(readingId))?.assuranceLevel, 'software')
    } finally {
      await publisher.close()
      await device.close()
    }
  })

  test('error: after revokeRelease its readings are FIRMWARE_RELEASE_REVOKED, and so is a new attestation', async () => {
    const key = createDeviceMemoryKey()
    await register(key, 'sw-revoked')
    const attester = createSoftwareAttester({ key, measurement: measurementOf('sw-revoked 1.0.0') })
    const publisher = await httpDevice(key, attester)
    assert.equal((await publisher.send('temperature', readings)).status, 'accepted')
    await firmware.revokeRelease('sw-revoked', firmwareVersionToUint64('1.0.0'), 'CVE-2026-1')
    await new Promise((resolve) => setTimeout(resolve, VERDICT_TTL_MS + 50))
    const before = (await gateway.store.getCounts()).readings
    await assert.rejects(
      publisher.send('temperature', readings),
      hasCode('FIRMWARE_RELEASE_REVOKED'),
    )
    await assert.rejects(
      publisher.attestation?.attest() as Promise<unknown>,
      hasCode('FIRMWARE_RELEASE_REVOKED'),
    )
    assert.equal((await gateway.store.getCounts()).readings, before)
  })

  test('error: after the minimum is raised above its version its readings are FIRMWARE_VERSION_BELOW_MINIMUM', async () => {
    const key = createDeviceMemoryKey()
    await register(key, 'sw-rollback')
    const attester = createSoftwareAttester({
      key,
      measurement: measurementOf('sw-rollback 1.0.0'),
    })
    const publisher = await httpDevice(key, attester)
    assert.equal((await publisher.send('temperature', readings)).status, 'accepted')
    await firmware.setMinimumVersion('sw-rollback', firmwareVersionToUint64('1.1.0'))
    await new Promise((resolve) => setTimeout(resolve, VERDICT_TTL_MS + 50))
    await assert.rejects(
      publisher.send('temperature', readings),
      hasCode('FIRMWARE_VERSION_BELOW_MINIMUM'),
    )
  })

  test('behavior: registered at 1.0.0, updated to approved 1.1.0, it attests claiming 1.1.0 and its readings count until 1.1.0 is revoked', async () => {
    const key = createDeviceMemoryKey()
    const id = await register(key, 'sw-update')
    // The device's own state: the image it booted (measured) and the version it runs.
    let running = '1.0.0'
    const attester = createSoftwareAttester({
      key,
      measurement: () => measurementOf(`sw-update ${running}`),
      firmwareVersion: () => running,
    })
    const publisher = await httpDevice(key, attester)
    assert.equal((await publisher.send('temperature', readings)).status, 'accepted')
    assert.equal((await statusOf(id)).attestation.firmwareVersion, '1.0.0')

    running = '1.1.0' // the update: new image booted; DeviceRegistry still says 1.0.0
    const result = await publisher.attestation?.attest()
    assert.equal(result?.firmwareVersion, '1.1.0')
    const sent = await publisher.send('temperature', readings)
    assert.equal(sent.status, 'accepted')
    assert.equal((await gateway.store.getReading(sent.readingId))?.assuranceLevel, 'software')
    const status = await statusOf(id)
    assert.equal(status.fresh, true)
    assert.equal(status.attestation.firmwareVersion, '1.1.0')
    assert.equal(status.attestation.measurement, bytesToHex(measurementOf('sw-update 1.1.0')))
    assert.deepEqual(status.release, {
      model: 'sw-update',
      firmwareVersion: '1.1.0',
      verdict: 'approved',
    })

    // Claims the registry cannot be fooled with; each leaves the stored attestation alone.
    const refused = async (version: string, image: string, status: number, code: string) => {
      const nonce = await challenge(id)
      const evidence = await createSoftwareAttester({
        key,
        measurement: measurementOf(image),
        firmwareVersion: version,
      }).attest(nonce)
      const r = await postJson('/v1/attestation', attestationEvidenceToJson(evidence))
      assert.equal(r.body.error?.code, code, JSON.stringify(r.body))
      assert.equal(r.status, status)
      assert.equal((await statusOf(id)).attestation.firmwareVersion, '1.1.0')
    }
    // 1.1.0 claimed by a device that still shows 1.0.0's measurement.
    await refused('1.1.0', 'sw-update 1.0.0', 403, 'ATTESTATION_PCR_MISMATCH')
    // An approved release below the registered version: the per-device rollback floor.
    await refused('0.9.0', 'sw-update 0.9.0', 403, 'FIRMWARE_VERSION_BELOW_MINIMUM')

    // Revoking 1.1.0 reaches the device that attested for it (1.0.0 stays approved).
    await firmware.revokeRelease('sw-update', firmwareVersionToUint64('1.1.0'), 'CVE-2026-2')
    await new Promise((resolve) => setTimeout(resolve, VERDICT_TTL_MS + 50))
    const before = (await gateway.store.getCounts()).readings
    await assert.rejects(
      publisher.send('temperature', readings),
      hasCode('FIRMWARE_RELEASE_REVOKED'),
    )
    assert.equal((await gateway.store.getCounts()).readings, before)
    assert.equal((await statusOf(id)).release.verdict, 'revoked')
  })

  test('error: a release never published is FIRMWARE_RELEASE_UNKNOWN; nothing stored', async () => {
    const key = createDeviceMemoryKey()
    const id = await register(key, 'sw-unknown')
    const attester = createSoftwareAttester({ key, measurement: measurementOf('sw-unknown 1.0.0') })
    const publisher = await httpDevice(key, attester)
    await assert.rejects(
      publisher.send('temperature', readings),
      hasCode('FIRMWARE_RELEASE_UNKNOWN'),
    )
    assert.equal((await statusOf(id)).attestation, null)
  })

  test('error: challenge for an unknown device is DEVICE_UNKNOWN, a malformed id INVALID_DEVICE_ID', async () => {
    const unknown = await postJson('/v1/attestation/challenge', {
      deviceId: `0x${'ab'.repeat(32)}`,
    })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.error.code, 'DEVICE_UNKNOWN')
    const bad = await postJson('/v1/attestation/challenge', { deviceId: 'nope' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'INVALID_DEVICE_ID')
    const garbage = await postJson('/v1/attestation', { kind: 'software' })
    assert.equal(garbage.status, 400)
    assert.equal(garbage.body.error.code, 'ATTESTATION_MALFORMED')
  })

  describe('a TPM-backed device (swtpm)', { skip: tpmSkipReason }, () => {
    let tpm: TpmSimulator
    let store: TpmKeyStore
    let intruder: TpmKeyStore
    let deviceId: Hex

    before(async () => {
      tpm = await startTpmSimulator()
      store = await createTpmKeyStore({ path: join(tpm.dir, 'device.tpmkey'), tcti: tpm.tcti })
      intruder = await createTpmKeyStore({ path: join(tpm.dir, 'intruder.tpmkey'), tcti: tpm.tcti })
      // Measured boot of the approved image.
      await store.extendPcr(16, imageOf('tpm-sensor 1.0.0'))
      deviceId = await register(store.identityKey, 'tpm-sensor')
    })
    after(async () => {
      await intruder?.close()
      await store?.close()
      await tpm?.stop()
    })

    test('default: it attests with a quote and its readings are stored with level tpm', async () => {
      const publisher = await httpDevice(store.identityKey, createTpmAttester({ store }))
      const sent = await publisher.send('temperature', readings)
      assert.equal(sent.status, 'accepted')
      assert.equal((await gateway.store.getReading(sent.readingId))?.assuranceLevel, 'tpm')
      const status = await statusOf(deviceId)
      assert.equal(status.attestation.level, 'tpm')
      assert.equal(status.attestation.pcr, 16)
      assert.equal(status.fresh, true)
    })

    /** Posts evidence and checks the code, and that the stored attestation did not change. */
    async function refused(evidence: unknown, status: number, code: string) {
      const before = (await statusOf(deviceId)).attestation
      const r = await postJson('/v1/attestation', evidence)
      assert.equal(r.body.error?.code, code, JSON.stringify(r.body))
      assert.equal(r.status, status)
      assert.deepEqual((await statusOf(deviceId)).attestation, before)
    }

    test('error: evidence for a nonce the gateway never issued is ATTESTATION_NONCE_MISMATCH', async () => {
      const evidence = await createTpmAttester({ store }).attest(new Uint8Array(32).fill(7))
      await refused(attestationEvidenceToJson(evidence), 401, 'ATTESTATION_NONCE_MISMATCH')
    })

    test('error: the same evidence presented twice is ATTESTATION_REPLAYED', async () => {
      const evidence = attestationEvidenceToJson(
        await createTpmAttester({ store }).attest(await challenge(deviceId)),
      )
      const first = await postJson('/v1/attestation', evidence)
      assert.equal(first.status, 200, JSON.stringify(first.body))
      await refused(evidence, 409, 'ATTESTATION_REPLAYED')
    })

    test('error: a quote by another TPM attestation key is ATTESTATION_KEY_UNKNOWN', async () => {
      const nonce = await challenge(deviceId)
      const evidence = { ...(await createTpmAttester({ store: intruder }).attest(nonce)), deviceId }
      await refused(attestationEvidenceToJson(evidence), 401, 'ATTESTATION_KEY_UNKNOWN')
    })

    test('error: software evidence with a bad signature is ATTESTATION_SIGNATURE_INVALID', async () => {
      const nonce = await challenge(deviceId)
      const json = attestationEvidenceToJson(
        await createSoftwareAttester({
          key: createDeviceMemoryKey(),
          measurement: measurementOf('tpm-sensor 1.0.0'),
        }).attest(nonce),
      )
      await refused({ ...json, deviceId }, 401, 'ATTESTATION_SIGNATURE_INVALID')
    })

    test('behavior: after a measured boot into approved 1.1.0 its quote claiming 1.1.0 is accepted (registered 1.0.0)', async () => {
      await refused(
        attestationEvidenceToJson(
          await createTpmAttester({ store, firmwareVersion: '1.1.0' }).attest(
            await challenge(deviceId),
          ),
        ),
        403,
        'ATTESTATION_PCR_MISMATCH', // still 1.0.0's PCR
      )
      await createTpmMeasuredBoot({ store, tcti: tpm.tcti })(utf8ToBytes('tpm-sensor 1.1.0'))
      let running = '1.1.0'
      const publisher = await httpDevice(
        store.identityKey,
        createTpmAttester({ store, firmwareVersion: () => running }),
      )
      const sent = await publisher.send('temperature', readings)
      assert.equal(sent.status, 'accepted')
      assert.equal((await gateway.store.getReading(sent.readingId))?.assuranceLevel, 'tpm')
      const status = await statusOf(deviceId)
      assert.equal(status.attestation.firmwareVersion, '1.1.0')
      assert.equal(status.attestation.measurement, bytesToHex(measurementOf('tpm-sensor 1.1.0')))
      assert.equal(status.fresh, true)
      // The old version's claim no longer matches what the TPM quotes.
      running = '1.0.0'
      await assert.rejects(
        publisher.attestation?.attest() as Promise<unknown>,
        hasCode('ATTESTATION_PCR_MISMATCH'),
      )
    })

    // Last: it changes the shared PCR 16 for good.
    test('error: a quote of another measurement (unapproved image booted) is ATTESTATION_PCR_MISMATCH', async () => {
      await store.extendPcr(16, imageOf('tpm-sensor 6.6.6'))
      const evidence = await createTpmAttester({ store }).attest(await challenge(deviceId))
      await refused(attestationEvidenceToJson(evidence), 403, 'ATTESTATION_PCR_MISMATCH')
    })
  })
})
