// The gateway against real parts: anvil (registry + anchor contracts), SQLite on disk, the
// embedded aedes broker with mqtt.js, HTTP with fetch.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  decodeTelemetry,
  encodeTelemetry,
  firmwareVersionToUint64,
  type Reading,
  readingIdOf,
  Suite,
} from '@veriot/core'
import { createMqttConnectToken, createTelemetrySigner, signTelemetry } from '@veriot/device'
import mqtt from 'mqtt'
import { bytesToHex, hexToBytes } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { errorsTopic, telemetryTopic } from '../src/gateway/topics.ts'
import { createProofBundle } from '../src/proofs/createProofBundle.ts'
import { verifyProofBundle } from '../src/proofs/verifyProofBundle.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

const readings: Reading[] = [{ name: 'temp', value: -21.5, unit: 'Cel' }]

describe('gateway: ingest, persistence, anchoring and proofs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-gw-'))
  let chain: TestChain
  let gateway: Gateway
  const key = createMemoryKey()
  let deviceId: `0x${string}`
  let seq = 0
  const signer = createTelemetrySigner('p256', { p256: key })

  async function message(
    overrides: { sequence?: number; timestamp?: number; type?: string; values?: Reading[] } = {},
  ) {
    const m = await signTelemetry(
      {
        version: 1,
        deviceId: hexToBytes(deviceId),
        sequence: overrides.sequence ?? ++seq,
        timestamp: overrides.timestamp ?? Date.now(),
        type: overrides.type ?? 'temperature',
        readings: overrides.values ?? readings,
        suite: Suite.p256,
      },
      signer,
    )
    return encodeTelemetry(m)
  }

  async function tamperedSignature(bytes: Uint8Array): Promise<Uint8Array> {
    const m = decodeTelemetry(bytes)
    const signature = m.signature.slice()
    signature[5] = (signature[5] as number) ^ 1
    return encodeTelemetry({ ...m, signature })
  }

  const post = (body: Uint8Array) =>
    fetch(`${gateway.httpUrl}/v1/telemetry`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/cbor' },
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }))

  before(async () => {
    chain = await startTestChain()
    const admin = await chain.registry(0)
    const registered = await admin.register(key, {
      model: 'cold-sensor',
      firmwareVersion: firmwareVersionToUint64('1.0.0'),
    })
    deviceId = registered.id
    await admin.provision(deviceId, getAnvilAccount(0).address)
    await admin.activate(deviceId)
    await admin.grantCapability(deviceId, 'telemetry:temperature')
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: join(dir, 'gateway.sqlite'),
      attestation: false,
      mqttPort: 0,
      httpPort: 0,
      batchSize: 4,
      maxBatchAgeMs: 60_000,
      noAnchor: true,
    })
  })
  after(async () => {
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: HTTP accepts a signed reading (202) and a retransmission is a duplicate (200)', async () => {
    const bytes = await message()
    const first = await post(bytes)
    assert.equal(first.status, 202, JSON.stringify(first.body))
    assert.equal(first.body.status, 'accepted')
    const again = await post(bytes)
    assert.equal(again.status, 200)
    assert.equal(again.body.status, 'duplicate')
    const stored = await gateway.store.getReading(first.body.readingId)
    assert.equal(bytesToHex(stored?.message ?? new Uint8Array()), bytesToHex(bytes))
  })

  test('behavior: a reading queued offline for an hour is still accepted', async () => {
    const r = await post(await message({ timestamp: Date.now() - 3_600_000 }))
    assert.equal(r.status, 202, JSON.stringify(r.body))
  })

  test('error: each check rejects with its code and stores nothing', async () => {
    const before = (await gateway.store.getCounts()).readings
    const tampered = await tamperedSignature(await message())
    const cases: Array<[string, Uint8Array, number, string]> = [
      ['garbage', new Uint8Array([1, 2, 3]), 400, 'TELEMETRY_MALFORMED'],
      ['oversized', new Uint8Array(20_000), 413, 'TELEMETRY_TOO_LARGE'],
      ['bad signature', tampered, 401, 'SIGNATURE_INVALID'],
      ['replayed sequence', await message({ sequence: 1 }), 409, 'SEQUENCE_REPLAYED'],
      ['clock ahead', await message({ timestamp: Date.now() + 3_600_000 }), 422, 'TIMESTAMP_SKEW'],
      [
        'older than a day',
        await message({ timestamp: Date.now() - 25 * 3_600_000 }),
        422,
        'TIMESTAMP_SKEW',
      ],
      ['no capability', await message({ type: 'humidity' }), 403, 'CAPABILITY_MISSING'],
    ]
    for (const [name, body, status, code] of cases) {
      const r = await post(body)
      assert.equal(r.body.error?.code, code, name)
      assert.equal(r.status, status, name)
    }
    // An unknown device: signed by a key that was never registered.
    const stranger = createMemoryKey()
    const strangerMsg = encodeTelemetry(
      await signTelemetry(
        {
          version: 1,
          deviceId: new Uint8Array(32).fill(7),
          sequence: 1,
          timestamp: Date.now(),
          type: 'temperature',
          readings,
          suite: Suite.p256,
        },
        createTelemetrySigner('p256', { p256: stranger }),
      ),
    )
    assert.equal((await post(strangerMsg)).body.error.code, 'DEVICE_UNKNOWN')
    assert.equal((await gateway.store.getCounts()).readings, before)
    const stats = await gateway.stats()
    assert.equal(stats.rejected.SIGNATURE_INVALID, 1)
    assert.equal(stats.rejected.SEQUENCE_REPLAYED, 1)
  })

  test('default: MQTT with a connect token; PUBACK only after the reading is stored', async () => {
    const client = await mqtt.connectAsync(gateway.mqttUrl, {
      clientId: `veriot-${deviceId}`,
      username: deviceId,
      password: await createMqttConnectToken(key, deviceId, Date.now()),
      clean: false,
      reconnectPeriod: 0,
    })
    try {
      const bytes = await message()
      await client.publishAsync(telemetryTopic(deviceId), Buffer.from(bytes), { qos: 1 })
      // publishAsync resolves on PUBACK: the reading must already be on disk.
      assert.ok(await gateway.store.getReading(readingIdOf(bytes)))

      // A rejection comes back on the device's errors topic.
      await client.subscribeAsync(errorsTopic(deviceId), { qos: 1 })
      const rejection = new Promise<any>((resolve) =>
        client.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
      )
      await client.publishAsync(telemetryTopic(deviceId), Buffer.from(bytes.slice(0, 10)), {
        qos: 1,
      })
      assert.equal((await rejection).code, 'TELEMETRY_MALFORMED')
    } finally {
      await client.endAsync()
    }
  })

  test("error: MQTT refuses a bad token and another device's topic", async () => {
    await assert.rejects(
      mqtt.connectAsync(gateway.mqttUrl, {
        username: deviceId,
        password: 'v1.0.AAAA',
        reconnectPeriod: 0,
        clientId: 'x1',
      }),
    )
    const client = await mqtt.connectAsync(gateway.mqttUrl, {
      clientId: `veriot-${deviceId}-2`,
      username: deviceId,
      password: await createMqttConnectToken(key, deviceId, Date.now()),
      reconnectPeriod: 0,
    })
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    client.publish(telemetryTopic(`0x${'11'.repeat(32)}`), Buffer.from(await message()), { qos: 1 })
    await closed // the broker drops a client that publishes outside its own topic
    client.end(true)
    const stats = await gateway.stats()
    assert.equal(stats.rejected.TOPIC_FORBIDDEN, undefined) // refused before ingest; nothing stored
  })

  test('behavior: batches anchor on chain; the proof bundle verifies and every tampered twin fails', async () => {
    await gateway.flushAnchors()
    const counts = await gateway.store.getCounts()
    assert.equal(counts.anchored, counts.readings)
    assert.ok(counts.batches.anchored >= 1)
    const [latest] = await gateway.store.listReadings({ limit: 1 })
    assert.ok(latest)
    const conn = await chain.as(0)
    const bundle = await createProofBundle(
      gateway.store,
      conn,
      chain.deployment,
      latest.id,
      getAnvilAccount(9).address,
    )
    const ok = await verifyProofBundle(JSON.parse(JSON.stringify(bundle)), conn)
    assert.equal(ok.onChain, true)
    assert.equal(bytesToHex(ok.message.deviceId), deviceId)

    const forgedBytes = await tamperedSignature(hexToBytes(bundle.reading.message as `0x${string}`))
    const forged = { hex: bytesToHex(forgedBytes), id: readingIdOf(forgedBytes) }
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.at(-1) === '0' ? '1' : '0'}`
    const twins: Array<[string, (b: any) => void, string]> = [
      [
        'reading.id',
        (b) => {
          b.reading.id = flip(b.reading.id)
        },
        'BUNDLE_MALFORMED',
      ],
      [
        'reading.message',
        (b) => {
          b.reading.message = forged.hex
          b.reading.id = forged.id
        },
        'SIGNATURE_INVALID',
      ],
      [
        'reading.message (id not updated)',
        (b) => {
          b.reading.message = forged.hex
        },
        'BUNDLE_MALFORMED',
      ],
      [
        'device.id',
        (b) => {
          b.device.id = flip(b.device.id)
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'device.publicKey',
        (b) => {
          b.device.publicKey = flip(b.device.publicKey)
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'device.suite',
        (b) => {
          b.device.suite = 'ed25519'
        },
        'SUITE_MISMATCH',
      ],
      [
        'device.auxKeyHash',
        (b) => {
          b.device.auxKeyHash = flip(b.device.auxKeyHash)
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'device.status',
        (b) => {
          b.device.status = 'suspended'
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'device.registry',
        (b) => {
          b.device.registry = b.anchor.contract
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'device.registrationTx',
        (b) => {
          b.device.registrationTx = b.anchor.txHash
        },
        'BUNDLE_KEY_MISMATCH',
      ],
      [
        'inclusion.leafIndex',
        (b) => {
          b.inclusion.leafIndex = (b.inclusion.leafIndex + 1) % b.inclusion.treeSize
        },
        'MERKLE_PROOF_INVALID',
      ],
      [
        'inclusion.treeSize',
        (b) => {
          b.inclusion.treeSize += 1
        },
        'MERKLE_PROOF_INVALID',
      ],
      [
        'inclusion.path',
        (b) => {
          b.inclusion.path[0] = flip(b.inclusion.path[0])
        },
        'MERKLE_PROOF_INVALID',
      ],
      [
        'batch.root',
        (b) => {
          b.batch.root = flip(b.batch.root)
        },
        'MERKLE_PROOF_INVALID',
      ],
      [
        'batch.count',
        (b) => {
          b.batch.count += 1
        },
        'MERKLE_PROOF_INVALID',
      ],
      [
        'batch.id',
        (b) => {
          b.batch.id += 1000
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'batch.gateway',
        (b) => {
          b.batch.gateway = getAnvilAccount(3).address
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'batch.firstTimestamp',
        (b) => {
          b.batch.firstTimestamp -= 1
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'batch.lastTimestamp',
        (b) => {
          b.batch.lastTimestamp += 1
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'anchor.chainId',
        (b) => {
          b.anchor.chainId = 1
        },
        'CHAIN_ID_MISMATCH',
      ],
      [
        'anchor.contract',
        (b) => {
          b.anchor.contract = b.device.registry
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'anchor.txHash',
        (b) => {
          b.anchor.txHash = b.device.registrationTx
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'anchor.blockNumber',
        (b) => {
          b.anchor.blockNumber = String(BigInt(b.anchor.blockNumber) + 1n)
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'anchor.blockHash',
        (b) => {
          b.anchor.blockHash = flip(b.anchor.blockHash)
        },
        'BUNDLE_ROOT_NOT_ON_CHAIN',
      ],
      [
        'format',
        (b) => {
          b.format = 'veriot.proof-bundle.v0'
        },
        'BUNDLE_MALFORMED',
      ],
      [
        'extra field',
        (b) => {
          b.extra = 1
        },
        'BUNDLE_MALFORMED',
      ],
    ]
    for (const [field, tamper, code] of twins) {
      const twin = JSON.parse(JSON.stringify(bundle))
      tamper(twin)
      await assert.rejects(verifyProofBundle(twin, conn), (e: any) => {
        assert.equal(e.code, code, `${field}: ${e.message}`)
        return true
      })
    }
  })
})
