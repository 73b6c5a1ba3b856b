// The secure firmware update, end to end on an embedded chain: a vendor's release keys (k = 2
// of 3, P-256) approve releases on FirmwareRegistry; a device learns what is approved only
// through verified reads (storage proofs against a block that 2 of 3 authority nodes signed),
// checks the image, boots it (simulated measured boot), and re-attests to a verifier. Then the
// attacks: rollback, a release signed by one key only, an image of another model, a tampered
// image, and a node that serves an old block.
//
//   node --import tsx examples/firmware-update/firmwareUpdate.ts

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  createAttestationChallenges,
  deviceIdFromPublicKey,
  firmwareVersionFromUint64,
  firmwareVersionToUint64,
  PCR_RESET_VALUE,
  pcrExtend,
  verifyAttestation,
} from '@veriot/core'
import {
  createFirmwareUpdater,
  createMemoryKey,
  createSoftwareAttester,
  createVerifyingClient,
  type FirmwareCandidate,
} from '@veriot/device'
import {
  type AuthorityNode,
  connectChain,
  createFirmwareClient,
  deployContracts,
  startAuthorityNode,
} from '@veriot/node'
import { getAnvilAccount, startAnvil } from '@veriot/node/anvil'

type Hex = `0x${string}`
const v = firmwareVersionToUint64
const MODEL = 'coldchain-sensor'

/** A stand-in firmware image of (model, version). */
export function imageOf(model: string, version: string): Uint8Array {
  return utf8ToBytes(`${model} firmware ${version}\n`.repeat(256))
}

export type Outcome = { ok: boolean; code?: string; detail: string }
export type FirmwareUpdateResult = {
  update: Outcome
  attestation: Outcome
  attacks: Record<
    'rollback' | 'underSigned' | 'otherModel' | 'tampered' | 'staleNode' | 'forgedNode',
    Outcome
  >
  installedVersion: string
}

/** Runs the whole story; every part is real (anvil, contracts, HTTP authority nodes). */
export async function runFirmwareUpdateScenario(
  options: { log?: (line: string) => void } = {},
): Promise<FirmwareUpdateResult> {
  const log = options.log ?? (() => {})
  const anvil = await startAnvil()
  const stoppers: Array<() => Promise<void>> = [() => anvil.stop()]
  const rpc = (method: string, params: unknown[]) =>
    fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  try {
    // 1. The vendor: three release keys, any two approve.
    const conn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    const deployment = await deployContracts(conn, { grantOperatorRoles: true })
    const firmwareRegistry = deployment.contracts.FirmwareRegistry?.address as Hex
    const vendor = createFirmwareClient(conn, deployment)
    const keys = [createMemoryKey(), createMemoryKey(), createMemoryKey()]
    await vendor.setReleaseKeys(
      MODEL,
      keys.map((k) => k.publicKey),
      2,
    )
    const publish = async (version: string, signers: typeof keys) => {
      const image = imageOf(MODEL, version)
      await vendor.publishRelease(
        {
          model: MODEL,
          version: v(version),
          imageHash: `0x${bytesToHex(sha256(image))}`,
          imageSize: BigInt(image.length),
          measurement: `0x${bytesToHex(pcrExtend(PCR_RESET_VALUE, sha256(image)))}`,
        },
        signers,
      )
      const r = await vendor.readRelease(MODEL, v(version))
      log(`release ${MODEL} ${version}: ${r.status} (${r.approvals} of ${r.threshold} keys)`)
    }
    await publish('1.0.0', keys.slice(0, 2))
    await publish('1.1.0', keys.slice(1, 3))
    await publish('1.2.0', keys.slice(0, 1))

    // 2. Three authority nodes; the device pins them and needs 2 signatures per block.
    const nodes: AuthorityNode[] = []
    for (const index of [5, 6, 7]) {
      const node = await startAuthorityNode({
        conn,
        account: getAnvilAccount(index),
        registry: deployment.contracts.AuthorityRegistry.address,
        finalityDepth: 2,
      })
      stoppers.push(() => node.stop())
      nodes.push(node)
    }
    for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
    const oldBlock = await conn.publicClient.getBlockNumber()
    await rpc('anvil_mine', ['0x3'])

    // A node that answers with an old block (genuinely signed): a frozen view of the chain.
    const stale = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      body.params[0].blockNumber = oldBlock.toString()
      const answer = await fetch((nodes[0] as AuthorityNode).url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      res.setHeader('content-type', 'application/json')
      res.end(await answer.text())
    })
    await new Promise<void>((resolve) => stale.listen(0, '127.0.0.1', resolve))
    stoppers.push(() => new Promise((resolve) => stale.close(() => resolve())))
    const staleUrl = `http://127.0.0.1:${(stale.address() as AddressInfo).port}`
    // The device's clock runs an hour ahead of that block (so does the chain, below).
    await rpc('evm_increaseTime', [3600])
    await rpc('anvil_mine', ['0x3'])
    const now = () => Date.now() + 3_600_000

    // 3. The device: runs 1.0.0, key in software (level software), measurement of its image.
    const deviceKey = createMemoryKey()
    let measurement = pcrExtend(PCR_RESET_VALUE, sha256(imageOf(MODEL, '1.0.0')))
    const device = (urls: readonly string[]) =>
      createFirmwareUpdater({
        client: createVerifyingClient({
          nodes: urls,
          chainId: conn.chainId,
          registry: deployment.contracts.AuthorityRegistry.address,
          trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
          k: 2,
          now,
        }),
        firmwareRegistry,
        model: MODEL,
        installedVersion: v('1.0.0'),
        boot: async (image) => {
          measurement = pcrExtend(PCR_RESET_VALUE, sha256(image))
        },
        attester: createSoftwareAttester({ key: deviceKey, measurement: () => measurement }),
        maxAgeSeconds: 300,
        now,
      })
    const updater = device(nodes.map((n) => n.url))
    const attempt = async (label: string, run: () => Promise<unknown>): Promise<Outcome> => {
      try {
        await run()
        log(`${label}: accepted`)
        return { ok: true, detail: 'accepted' }
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'UNKNOWN'
        log(`${label}: REFUSED ${code} (${(err as Error).message})`)
        return { ok: false, code, detail: (err as Error).message }
      }
    }
    const offer = (version: string, image = imageOf(MODEL, version), model = MODEL) =>
      ({ model, version: v(version), image }) satisfies FirmwareCandidate

    // 4. The update 1.0.0 → 1.1.0, then re-attestation to a verifier.
    const deviceId = deviceIdFromPublicKey(deviceKey.publicKey)
    const challenges = createAttestationChallenges({ ttlMs: 60_000, now })
    const nonce = challenges.issue(deviceId)
    let evidence: Awaited<ReturnType<typeof updater.install>>['evidence'] | undefined
    const update = await attempt('update 1.0.0 → 1.1.0', async () => {
      const result = await updater.install(offer('1.1.0'), { nonce })
      evidence = result.evidence
      log(
        `  proven at block ${result.release.blockNumber} signed by ${result.release.signers.join(', ')}`,
      )
    })
    const attestation = await attempt('verifier checks the new measurement', async () => {
      if (evidence === undefined) throw new Error('no evidence')
      challenges.redeem(deviceId, evidence.nonce)
      const approved = await vendor.readRelease(MODEL, v('1.1.0'))
      const r = verifyAttestation(evidence, {
        nonce,
        boundKey: deviceKey.publicKey,
        expectedMeasurement: hexToBytes(approved.measurement.slice(2)),
        maxAgeMs: 600_000,
        now: now(),
      })
      log(`  attested at level ${r.level}, measurement of release 1.1.0`)
    })

    // 5. The attacks.
    const tampered = imageOf(MODEL, '1.1.0')
    tampered[42] = (tampered[42] as number) ^ 0x01
    const attacks = {
      rollback: await attempt('rollback to 1.0.0', () =>
        updater.install(offer('1.0.0'), { nonce: challenges.issue(deviceId) }),
      ),
      underSigned: await attempt('1.2.0, signed by 1 of k = 2 keys', () =>
        updater.install(offer('1.2.0'), { nonce: challenges.issue(deviceId) }),
      ),
      otherModel: await attempt('an image for another model', () =>
        updater.install(offer('1.2.0', imageOf('door-lock', '1.2.0'), 'door-lock'), {
          nonce: challenges.issue(deviceId),
        }),
      ),
      tampered: await attempt('a tampered 1.1.0 image (one bit)', () =>
        device(nodes.map((n) => n.url)).install(offer('1.1.0', tampered), {
          nonce: challenges.issue(deviceId),
        }),
      ),
      staleNode: await attempt('a node serving a block an hour old', () =>
        device([staleUrl]).install(offer('1.1.0'), { nonce: challenges.issue(deviceId) }),
      ),
      forgedNode: await attempt('a node claiming 1.2.0 is approved', async () => {
        const liar = createServer(async (req, res) => {
          const chunks: Buffer[] = []
          for await (const c of req) chunks.push(c as Buffer)
          const answer = (await (
            await fetch((nodes[1] as AuthorityNode).url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: Buffer.concat(chunks),
            })
          ).json()) as { result?: { storage: { value?: string }[] } }
          // The status word of an approved release, claimed for 1.2.0's slot.
          const first = answer.result?.storage[0]
          if (first) first.value = '0x2'
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(answer))
        })
        await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve))
        try {
          await device([`http://127.0.0.1:${(liar.address() as AddressInfo).port}`]).install(
            offer('1.2.0'),
            { nonce: challenges.issue(deviceId) },
          )
        } finally {
          await new Promise<void>((resolve) => liar.close(() => resolve()))
        }
      }),
    }
    const installedVersion = firmwareVersionFromUint64(updater.installedVersion)
    log(`installed version: ${installedVersion}`)
    return { update, attestation, attacks, installedVersion }
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => {})
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runFirmwareUpdateScenario({ log: (line) => console.log(line) })
}
