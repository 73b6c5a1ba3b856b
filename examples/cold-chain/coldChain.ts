// The cold-chain example, end to end on an embedded chain with a real gateway:
//
// 1. Breach: shipment A's contract says its cold chamber stays at or below −20 °C. Three
//    sensors report; one reports −12 °C. The gateway's policy engine submits that signed
//    reading to ConditionRegistry, which checks the device's own P-256 signature on chain and
//    records the breach. A third party then checks it from the contract and the reading's
//    proof bundle alone — not trusting the gateway that relayed it.
// 2. Compliance: shipment B's three sensors stay cold; when its window closes, the result
//    "compliant" names the anchored batches that cover the window.
// 3. Spoofing: a −12 °C reading signed by a key that is not the sensor's, and shipment A's
//    real breach reading replayed against shipment B, are both refused on chain.
// 4. Compromise: a device floods the gateway with impossible values; it is locked out within
//    seconds (nothing more of it is accepted), suspended on chain by the gateway's guardian
//    key, and accepted again once its owner reactivates it.
//
//   node --import tsx examples/cold-chain/coldChain.ts

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  encodeTelemetry,
  firmwareVersionToUint64,
  isVeriotError,
  type Reading,
  Suite,
} from '@veriot/core'
import {
  createMemoryKey,
  createTelemetrySigner,
  type DeviceKey,
  signTelemetry,
} from '@veriot/device'
import {
  type Batch,
  batchToRef,
  connectChain,
  createConditionsClient,
  createProofBundle,
  createRegistryClient,
  deployContracts,
  startGateway,
  verifyProofBundle,
} from '@veriot/node'
import { getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import { type Hex, hexToBytes } from 'viem'

const GATEWAY_ACCOUNT = 9

type Sensor = { id: Hex; key: DeviceKey; next: number }

export type ColdChainResult = {
  breach: {
    conditionId: Hex
    onChain: { deviceId: Hex; firstReadingId: Hex }
    /** The third party's check: bundle verified offline and on chain, same reading, value. */
    bundleVerified: boolean
    bundleValue: number
    result: string
  }
  compliance: { conditionId: Hex; result: string; batches: number; breachCount: number }
  spoofed: { wrongKey: string; replayedFromOtherShipment: string }
  compromise: {
    msToLockdown: number
    refusedAfter: string
    statusOnChain: string
    acceptedAfterReactivation: boolean
  }
}

/** Runs the four scenarios; every part is real (anvil, contracts, gateway over HTTP). */
export async function runColdChainScenario(): Promise<ColdChainResult> {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-cold-chain-'))
  const anvil = await startAnvil()
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
  try {
    const admin = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    const deployment = await deployContracts(admin, { grantOperatorRoles: true })
    const registry = createRegistryClient(admin, deployment)
    const conditions = createConditionsClient(admin, deployment)
    const gatewayAddress = getAnvilAccount(GATEWAY_ACCOUNT).address
    await registry.grantRole('guardian', gatewayAddress)

    async function sensor(): Promise<Sensor> {
      const key = createMemoryKey()
      const { id } = await registry.register(key, {
        model: 'cold-sensor',
        firmwareVersion: firmwareVersionToUint64('1.0.0'),
      })
      await registry.provision(id, getAnvilAccount(0).address)
      await registry.activate(id)
      await registry.grantCapability(id, 'telemetry:temperature')
      return { id, key, next: 1 }
    }
    const shipmentA = [await sensor(), await sensor(), await sensor()]
    const shipmentB = [await sensor(), await sensor(), await sensor()]
    const rogue = await sensor()

    // "At or below −20 °C" for both shipments, over a window around now.
    const start = Date.now() - 60_000
    const end = Date.now() + 60_000
    const condition = (shipmentId: string, sensors: Sensor[]) =>
      conditions.createCondition({
        shipmentId,
        deviceIds: sensors.map((s) => s.id),
        metric: { type: 'temperature', name: 'temp', unit: 'Cel' },
        comparison: '<=',
        threshold: '-20',
        window: { start, end },
        parties: [{ account: getAnvilAccount(1).address, role: 'receiver' }],
      })
    const { conditionId: conditionA } = await condition('vaccine-A', shipmentA)
    const { conditionId: conditionB } = await condition('vaccine-B', shipmentB)

    gateway = await startGateway({
      conn: await connectChain({
        rpcUrl: anvil.rpcUrl,
        account: getAnvilAccount(GATEWAY_ACCOUNT),
      }),
      deployment,
      store: join(dir, 'gateway.sqlite'),
      mqttPort: 0,
      httpPort: 0,
      batchSize: 1000,
      maxBatchAgeMs: 60_000,
      anomaly: { declaredRanges: [{ name: 'temp', unit: 'Cel', min: -80, max: 60 }] },
      policy: { conditionIds: [conditionA, conditionB] },
      // This example is about conditions and lockdown; firmware attestation (on by default)
      // is shown in examples/firmware-update and docs/attestation.md.
      attestation: false,
    })
    const gw = gateway

    const sign = async (s: Sensor, value: number, key: DeviceKey = s.key) => {
      const readings: Reading[] = [{ name: 'temp', value, unit: 'Cel' }]
      const signed = await signTelemetry(
        {
          version: 1,
          deviceId: hexToBytes(s.id),
          sequence: s.next++,
          timestamp: Date.now(),
          type: 'temperature',
          readings,
          suite: Suite.p256,
        },
        createTelemetrySigner('p256', { p256: key }),
      )
      return encodeTelemetry(signed)
    }
    const post = async (bytes: Uint8Array) => {
      const r = await fetch(`${gw.httpUrl}/v1/telemetry`, { method: 'POST', body: bytes })
      const body = (await r.json()) as { readingId?: Hex; error?: { code: string } }
      return { status: r.status, readingId: body.readingId, code: body.error?.code }
    }

    // 1. Breach. Two sensors stay cold; sensor 2 reports −12 °C.
    for (const s of shipmentA) await post(await sign(s, -22.5))
    const warm = await post(await sign(shipmentA[1] as Sensor, -12))
    for (const s of shipmentB) {
      await post(await sign(s, -23))
      await post(await sign(s, -20)) // exactly −20 °C is no breach of "≤ −20 °C"
    }
    await gw.policy?.settled()
    const [breach] = await conditions.getBreaches(conditionA)
    if (!breach || breach.firstReadingId !== warm.readingId) {
      throw new Error(`the breach was not recorded: ${JSON.stringify(gw.policy?.jobs())}`)
    }
    // The third party: a proof bundle of the breaching reading, checked against the chain.
    await gw.flushAnchors()
    const bundle = await createProofBundle(
      gw.store,
      admin,
      deployment,
      breach.firstReadingId,
      gatewayAddress,
    )
    const auditor = await connectChain({ rpcUrl: anvil.rpcUrl })
    const verified = await verifyProofBundle(JSON.parse(JSON.stringify(bundle)), auditor)
    const bundleValue = verified.message.readings[0]?.value ?? Number.NaN

    // 3. Spoofing, refused on chain by the contract itself.
    const refusal = async (conditionId: Hex, message: Uint8Array) =>
      conditions.submitBreach(conditionId, [message]).then(
        () => 'ACCEPTED',
        (e: unknown) => (isVeriotError(e) ? e.code : String(e)),
      )
    const wrongKey = await refusal(
      conditionA,
      await sign(shipmentA[0] as Sensor, -12, createMemoryKey()),
    )
    const stored = await gw.store.getReading(breach.firstReadingId)
    const replayedFromOtherShipment = await refusal(conditionB, stored?.message as Uint8Array)

    // 4. Compromise: a burst of impossible values.
    const burstStart = performance.now()
    let msToLockdown = Number.NaN
    let refusedAfter = ''
    for (let i = 0; i < 50 && Number.isNaN(msToLockdown); i++) {
      const r = await post(await sign(rogue, 900))
      if (r.code === 'DEVICE_LOCKED_DOWN') {
        msToLockdown = performance.now() - burstStart
        refusedAfter = r.code
      }
    }
    const sane = await post(await sign(rogue, 4))
    refusedAfter = sane.code ?? 'ACCEPTED'
    let statusOnChain = ''
    for (let i = 0; i < 200 && statusOnChain !== 'suspended'; i++) {
      statusOnChain = (await registry.getDevice(rogue.id)).status
      if (statusOnChain !== 'suspended') await sleep(50)
    }
    await registry.activate(rogue.id, 'sensor replaced')
    let acceptedAfterReactivation = false
    for (let i = 0; i < 100 && !acceptedAfterReactivation; i++) {
      acceptedAfterReactivation = (await post(await sign(rogue, 4))).status === 202
      if (!acceptedAfterReactivation) await sleep(100)
    }

    // 2. Compliance: after the window, close both with the anchored batches covering it.
    await gw.flushAnchors()
    const batches: Batch[] = []
    for (let id = 1; ; id++) {
      const batch = await gw.store.getBatch(id)
      if (!batch) break
      if (batch.status === 'anchored' && batch.firstTimestamp < end && batch.lastTimestamp >= start)
        batches.push(batch)
    }
    const refs = batches.map((b) => batchToRef(gatewayAddress, b))
    // The chain's clock must pass the window's end: on the embedded chain, move it forward.
    await anvilRpc(anvil.rpcUrl, 'evm_increaseTime', [Math.ceil((end - Date.now()) / 1000) + 5])
    await anvilRpc(anvil.rpcUrl, 'evm_mine', [])
    await conditions.closeWindow(conditionA, refs)
    await conditions.closeWindow(conditionB, refs)
    const complianceA = await conditions.getCompliance(conditionA)
    const complianceB = await conditions.getCompliance(conditionB)

    return {
      breach: {
        conditionId: conditionA,
        onChain: { deviceId: breach.deviceId, firstReadingId: breach.firstReadingId },
        bundleVerified:
          verified.onChain && verified.bundle.reading.id === breach.firstReadingId.toLowerCase(),
        bundleValue,
        result: complianceA.result,
      },
      compliance: {
        conditionId: conditionB,
        result: complianceB.result,
        batches: complianceB.batches.length,
        breachCount: complianceB.breachCount,
      },
      spoofed: { wrongKey, replayedFromOtherShipment },
      compromise: {
        msToLockdown: Math.round(msToLockdown),
        refusedAfter,
        statusOnChain,
        acceptedAfterReactivation,
      },
    }
  } finally {
    await gateway?.stop()
    await anvil.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function anvilRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return ((await r.json()) as { result: unknown }).result
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runColdChainScenario()
  console.log(JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
}
