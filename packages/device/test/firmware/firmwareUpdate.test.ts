// The secure update flow against the real parts: anvil with FirmwareRegistry, releases approved
// by P-256 release keys (k = 2 of 3), three authority nodes answering verified reads (k = 2),
// and a TPM device on swtpm. The happy path updates 1.0.0 → 1.1.0 and re-attests; every
// attack of issue 5 item 4 is refused with its code, and a lying or freezing node is refused.

import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  type ErrorCode,
  firmwareVersionToUint64,
  isVeriotError,
  PCR_RESET_VALUE,
  pcrExtend,
  verifyAttestation,
} from '@veriot/core'
import {
  type AuthorityNode,
  type ChainConnection,
  connectChain,
  createFirmwareClient,
  deployContracts,
  type FirmwareClient,
  startAuthorityNode,
} from '@veriot/node'
import { type Anvil, getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import {
  attestationDigest,
  createFirmwareUpdater,
  createMemoryKey,
  createSoftwareAttester,
  createTpmAttester,
  createTpmKeyStore,
  createTpmMeasuredBoot,
  createVerifyingClient,
  type FirmwareCandidate,
  type FirmwareUpdater,
  releaseInstallSlots,
  type TpmKeyStore,
  verifyReleaseForInstall,
} from '../../src/index.ts'
import { startTpmSimulator, type TpmSimulator, tpmSkipReason } from '../keys/tpmSimulator.ts'

type Hex = `0x${string}`
const v = firmwareVersionToUint64
const MODEL = 'sensor-a'
const OTHER = 'sensor-b'
const MAX_AGE = 300

/** A deterministic image of (model, version), a few KB. */
function imageOf(model: string, version: string): Uint8Array {
  return utf8ToBytes(`firmware ${model} ${version}\n`.repeat(200))
}
const hex = (b: Uint8Array) => `0x${bytesToHex(b)}` as Hex
const measurementOf = (image: Uint8Array) => pcrExtend(PCR_RESET_VALUE, sha256(image))
const candidate = (model: string, version: string, image = imageOf(model, version)) =>
  ({ model, version: v(version), image }) satisfies FirmwareCandidate

function hasCode(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

/**
 * A node between the device and an honest authority node that can misbehave: `stale` asks for
 * an old block (genuinely signed, a frozen view), `forge` swaps the storage proof of the first
 * asked slot for the proof of `forgeFrom` at the same block (forged release data),
 * `forgeHeader` alters the header's state root and signs the new hash with `liar`'s own key.
 */
type Front = {
  url: string
  mode: 'honest' | 'stale' | 'forge' | 'forgeHeader'
  staleBlock: bigint
  forgeFrom: Hex
  stop(): Promise<void>
}
async function startFront(
  target: string,
  liar: { address: Hex; sign(p: { hash: Hex }): Promise<Hex> },
  digestOf: (blockNumber: bigint, blockHash: Hex) => Uint8Array,
): Promise<Front> {
  const front: Front = {
    url: '',
    mode: 'honest',
    staleBlock: 0n,
    forgeFrom: '0x',
    stop: async () => {},
  }
  const forward = async (body: unknown) =>
    (await (
      await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { result?: any; error?: unknown }
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    const params = body.params?.[0] ?? {}
    if (front.mode === 'stale') params.blockNumber = front.staleBlock.toString()
    const answer = await forward(body)
    if (front.mode === 'forge' && answer.result) {
      const other = await forward({
        ...body,
        params: [{ ...params, blockNumber: answer.result.block.number, slots: [front.forgeFrom] }],
      })
      answer.result.storage[0].proof = other.result.storage[0].proof
    }
    if (front.mode === 'forgeHeader' && answer.result) {
      // RLP list head (3 bytes), parentHash, ommersHash (33 each), coinbase (21), stateRoot.
      const header = hexToBytes(answer.result.block.header.slice(2))
      header[3 + 33 + 33 + 21 + 1 + 5] ^= 0x01
      const hash = hex(keccak_256(header))
      answer.result.block.header = hex(header)
      answer.result.block.hash = hash
      const digest = digestOf(BigInt(answer.result.block.number), hash)
      answer.result.signatures = [
        { signer: liar.address, signature: await liar.sign({ hash: hex(digest) }) },
        ...answer.result.signatures, // genuine, but over the real hash: they do not count
      ]
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(answer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  front.stop = () => new Promise((resolve) => server.close(() => resolve()))
  return front
}

describe('secure firmware update through verified reads', () => {
  let anvil: Anvil
  let vendor: FirmwareClient
  let conn: ChainConnection
  let firmwareRegistry: Hex
  let authorityRegistry: Hex
  const nodes: AuthorityNode[] = []
  let front: Front
  let clockOffsetMs = 0
  const now = () => Date.now() + clockOffsetMs
  const releaseKeys = [createMemoryKey(), createMemoryKey(), createMemoryKey()]
  const otherKeys = [createMemoryKey(), createMemoryKey()]
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  const mine = (n = 3) => rpc('anvil_mine', [`0x${n.toString(16)}`])

  async function publish(
    model: string,
    version: string,
    signers: readonly { publicKey: Uint8Array; sign(m: Uint8Array): Promise<Uint8Array> }[],
  ) {
    const image = imageOf(model, version)
    await vendor.publishRelease(
      {
        model,
        version: v(version),
        imageHash: hex(sha256(image)),
        imageSize: BigInt(image.length),
        measurement: hex(measurementOf(image)),
      },
      [...signers],
    )
  }

  /** The device's verifying client: k = 2 of the three pinned authorities. */
  const clientFor = (urls: readonly string[]) =>
    createVerifyingClient({
      nodes: urls,
      chainId: conn.chainId,
      registry: authorityRegistry,
      trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
      k: 2,
      now,
    })

  /** A device without a TPM running `installed` (software attester, level software). */
  function softwareDevice(
    urls: readonly string[],
    installed: string,
    extra: { maxAgeSeconds?: number; notBeforeBlock?: bigint } = {},
  ): FirmwareUpdater {
    const key = createMemoryKey()
    let measurement = measurementOf(imageOf(MODEL, installed))
    return createFirmwareUpdater({
      client: clientFor(urls),
      firmwareRegistry,
      model: MODEL,
      installedVersion: v(installed),
      boot: async (image) => {
        measurement = measurementOf(image)
      },
      attester: createSoftwareAttester({ key, measurement: () => measurement }),
      maxAgeSeconds: extra.maxAgeSeconds ?? MAX_AGE,
      ...(extra.notBeforeBlock !== undefined ? { notBeforeBlock: extra.notBeforeBlock } : {}),
      now,
    })
  }
  const honest = () => nodes.map((n) => n.url)
  const nonce = () => crypto.getRandomValues(new Uint8Array(32))

  before(async () => {
    anvil = await startAnvil()
    try {
      conn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
      const deployment = await deployContracts(conn, { grantOperatorRoles: true })
      firmwareRegistry = deployment.contracts.FirmwareRegistry?.address as Hex
      authorityRegistry = deployment.contracts.AuthorityRegistry.address
      vendor = createFirmwareClient(conn, deployment)
      await vendor.setReleaseKeys(
        MODEL,
        releaseKeys.map((k) => k.publicKey),
        2,
      )
      await vendor.setReleaseKeys(
        OTHER,
        otherKeys.map((k) => k.publicKey),
        2,
      )
      const [k0, k1, k2] = releaseKeys as [
        (typeof releaseKeys)[0],
        (typeof releaseKeys)[0],
        (typeof releaseKeys)[0],
      ]
      await publish(MODEL, '1.0.0', [k0, k1])
      await publish(MODEL, '1.1.0', [k0, k2])
      await publish(MODEL, '1.2.0', [k1, k2])
      await publish(MODEL, '1.3.0', [k0]) // one signature of k = 2: stays Pending
      await publish(OTHER, '1.1.0', otherKeys)
      await publish(OTHER, '2.0.0', otherKeys)
      for (const index of [5, 6, 7]) {
        nodes.push(
          await startAuthorityNode({
            conn,
            account: getAnvilAccount(index),
            registry: authorityRegistry,
            finalityDepth: 2,
          }),
        )
      }
      for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
      front = await startFront((nodes[0] as AuthorityNode).url, getAnvilAccount(5), (n, h) =>
        attestationDigest({
          chainId: conn.chainId,
          registry: authorityRegistry,
          blockNumber: n,
          blockHash: h,
        }),
      )
      await mine()
    } catch (err) {
      await anvil.stop()
      throw err
    }
  })
  after(async () => {
    await front?.stop()
    for (const n of nodes) await n.stop()
    await anvil?.stop()
  })

  describe('tpm device on swtpm', { skip: tpmSkipReason }, () => {
    let tpm: TpmSimulator
    let store: TpmKeyStore
    before(async () => {
      tpm = await startTpmSimulator()
      store = await createTpmKeyStore({ path: join(tpm.dir, 'device.tpmkey'), tcti: tpm.tcti })
    })
    after(async () => {
      await store?.close()
      await tpm?.stop()
    })

    test('default: 1.0.0 → 1.1.0 through a verified read; the PCR changes; re-attestation verifies', async () => {
      const boot = createTpmMeasuredBoot({ store, tcti: tpm.tcti })
      const attester = createTpmAttester({ store })
      await boot(imageOf(MODEL, '1.0.0')) // measured boot of what the device runs
      const old = await vendor.readRelease(MODEL, v('1.0.0'))
      const booted = await attester.attest(nonce())
      assert.equal(booted.kind, 'tpm')
      if (booted.kind === 'tpm')
        assert.equal(hex(booted.pcrValues['16'] as Uint8Array), old.measurement)

      const updater = createFirmwareUpdater({
        client: clientFor(honest()),
        firmwareRegistry,
        model: MODEL,
        installedVersion: v('1.0.0'),
        boot,
        attester,
        maxAgeSeconds: MAX_AGE,
        now,
      })
      const n = nonce()
      const { release, evidence } = await updater.install(candidate(MODEL, '1.1.0'), { nonce: n })
      assert.equal(updater.installedVersion, v('1.1.0'))
      assert.equal(release.version, v('1.1.0'))
      assert.equal(release.signers.length >= 2, true)
      const onChain = await vendor.readRelease(MODEL, v('1.1.0'))
      assert.equal(hex(release.measurement), onChain.measurement)
      assert.equal(release.imageHash, onChain.imageHash)

      // The verifier checks the new evidence against the new release's measurement.
      const verify = (expected: Uint8Array) =>
        verifyAttestation(evidence, {
          nonce: n,
          boundKey: store.identityKey.publicKey,
          expectedMeasurement: expected,
          maxAgeMs: 60_000,
          now: Date.now(),
        })
      const result = verify(measurementOf(imageOf(MODEL, '1.1.0')))
      assert.equal(result.level, 'tpm')
      assert.throws(
        () => verify(measurementOf(imageOf(MODEL, '1.0.0'))),
        hasCode('ATTESTATION_PCR_MISMATCH'),
      )
      // Rollback on the same device: the installed version moved, 1.0.0 is refused.
      await assert.rejects(
        updater.install(candidate(MODEL, '1.0.0'), { nonce: nonce() }),
        hasCode('FIRMWARE_VERSION_NOT_NEWER'),
      )
    })
  })

  test('default: a software device updates and re-attests at level software', async () => {
    const updater = softwareDevice(honest(), '1.0.0')
    const n = nonce()
    const { evidence, release } = await updater.install(candidate(MODEL, '1.1.0'), { nonce: n })
    assert.equal(evidence.kind, 'software')
    assert.deepEqual(
      evidence.kind === 'software' ? evidence.measurement : undefined,
      release.measurement,
    )
    assert.equal(updater.installedVersion, v('1.1.0'))
    assert.ok(updater.notBeforeBlock !== undefined)
  })

  test('error: rollback to an older or the same approved version is FIRMWARE_VERSION_NOT_NEWER', async () => {
    const updater = softwareDevice(honest(), '1.1.0')
    for (const version of ['1.0.0', '1.1.0']) {
      await assert.rejects(
        updater.install(candidate(MODEL, version), { nonce: nonce() }),
        hasCode('FIRMWARE_VERSION_NOT_NEWER'),
      )
    }
    assert.equal(updater.installedVersion, v('1.1.0'))
  })

  test('error: a release signed by fewer than k keys stays Pending: FIRMWARE_RELEASE_NOT_APPROVED', async () => {
    assert.equal((await vendor.readRelease(MODEL, v('1.3.0'))).status, 'pending')
    const updater = softwareDevice(honest(), '1.1.0')
    await assert.rejects(
      updater.install(candidate(MODEL, '1.3.0'), { nonce: nonce() }),
      hasCode('FIRMWARE_RELEASE_NOT_APPROVED'),
    )
    assert.equal(updater.installedVersion, v('1.1.0'))
  })

  test("error: mix-and-match: another model's package, or its image relabelled, is refused", async () => {
    const updater = softwareDevice(honest(), '1.0.0')
    // Labelled for the other model.
    await assert.rejects(
      updater.install(candidate(OTHER, '1.1.0'), { nonce: nonce() }),
      hasCode('FIRMWARE_MODEL_MISMATCH'),
    )
    // The other model's approved 1.1.0 image, labelled as this model's 1.1.0: hash differs.
    await assert.rejects(
      updater.install(candidate(MODEL, '1.1.0', imageOf(OTHER, '1.1.0')), { nonce: nonce() }),
      hasCode('FIRMWARE_IMAGE_MISMATCH'),
    )
    // The other model's 2.0.0, labelled as this model's: this model has no 2.0.0.
    await assert.rejects(
      updater.install(candidate(MODEL, '2.0.0', imageOf(OTHER, '2.0.0')), { nonce: nonce() }),
      hasCode('FIRMWARE_RELEASE_UNKNOWN'),
    )
    assert.equal(updater.installedVersion, v('1.0.0'))
  })

  test('error: a tampered image (one bit, truncated, extended) is FIRMWARE_IMAGE_MISMATCH', async () => {
    const updater = softwareDevice(honest(), '1.0.0')
    const good = imageOf(MODEL, '1.1.0')
    const flipped = good.slice()
    flipped[100] = (flipped[100] as number) ^ 0x01
    const extended = new Uint8Array(good.length + 1)
    extended.set(good)
    for (const image of [flipped, good.subarray(0, good.length - 1), extended]) {
      await assert.rejects(
        updater.install(candidate(MODEL, '1.1.0', image), { nonce: nonce() }),
        hasCode('FIRMWARE_IMAGE_MISMATCH'),
      )
    }
    assert.equal(updater.installedVersion, v('1.0.0'))
  })

  test('error: a lying node serving forged release data is refused; the honest nodes decide', async () => {
    // The liar presents the proof of approved 1.1.0's status word as pending 1.3.0's.
    front.mode = 'forge'
    front.forgeFrom = releaseInstallSlots(MODEL, v('1.1.0')).releaseHeader
    try {
      await assert.rejects(
        softwareDevice([front.url], '1.1.0').install(candidate(MODEL, '1.3.0'), { nonce: nonce() }),
        hasCode('STATE_PROOF_INVALID'),
      )
      // With honest nodes after the liar, the device learns the truth: still pending.
      await assert.rejects(
        softwareDevice([front.url, ...honest()], '1.1.0').install(candidate(MODEL, '1.3.0'), {
          nonce: nonce(),
        }),
        hasCode('FIRMWARE_RELEASE_NOT_APPROVED'),
      )
    } finally {
      front.mode = 'honest'
    }
  })

  test('error: an authority signing a forged header alone is below quorum; its signature is evidence', async () => {
    front.mode = 'forgeHeader'
    const liar = getAnvilAccount(5).address.toLowerCase()
    try {
      const client = clientFor([front.url])
      const key = createMemoryKey()
      const updater = createFirmwareUpdater({
        client,
        firmwareRegistry,
        model: MODEL,
        installedVersion: v('1.0.0'),
        boot: async () => {},
        attester: createSoftwareAttester({ key, measurement: new Uint8Array(32) }),
        now,
      })
      await assert.rejects(
        updater.install(candidate(MODEL, '1.1.0'), { nonce: nonce() }),
        hasCode('ATTESTATION_QUORUM_MISSING'),
      )
      assert.equal(updater.installedVersion, v('1.0.0'))
      // The liar's own signature over the forged hash is kept for the watchdog.
      assert.deepEqual(
        client.evidence.map((e) => e.signer),
        [liar],
      )
    } finally {
      front.mode = 'honest'
    }
  })

  test('error: release information older than the max age is READ_STALE (pure check)', async () => {
    const slots = releaseInstallSlots(MODEL, v('1.1.0'))
    const read = await clientFor(honest()).read({ address: firmwareRegistry, slots: slots.all })
    const policy = { model: MODEL, installedVersion: v('1.0.0'), maxAgeSeconds: MAX_AGE }
    const fresh = Number(read.timestamp) * 1000
    assert.equal(
      verifyReleaseForInstall(read, candidate(MODEL, '1.1.0'), { ...policy, now: fresh }).version,
      v('1.1.0'),
    )
    assert.throws(
      () =>
        verifyReleaseForInstall(read, candidate(MODEL, '1.1.0'), {
          ...policy,
          now: fresh + (MAX_AGE + 1) * 1000,
        }),
      hasCode('READ_STALE'),
    )
    assert.throws(
      () =>
        verifyReleaseForInstall(read, candidate(MODEL, '1.1.0'), {
          ...policy,
          now: fresh,
          notBeforeBlock: read.blockNumber + 1n,
        }),
      hasCode('READ_STALE'),
    )
  })

  test('error: rollback below the minimum version is FIRMWARE_VERSION_BELOW_MINIMUM', async () => {
    await vendor.setMinimumVersion(MODEL, v('1.2.0'))
    await mine()
    // A device that missed updates may not step onto 1.1.0 (approved, now below the minimum).
    const updater = softwareDevice(honest(), '1.0.0')
    await assert.rejects(
      updater.install(candidate(MODEL, '1.1.0'), { nonce: nonce() }),
      hasCode('FIRMWARE_VERSION_BELOW_MINIMUM'),
    )
    await updater.install(candidate(MODEL, '1.2.0'), { nonce: nonce() })
    assert.equal(updater.installedVersion, v('1.2.0'))
  })

  test('error: a frozen view (a node serving an old block from before a revocation) is READ_STALE', async () => {
    // 1.2.0 is approved at this block; then it is revoked an hour later.
    const approvedBlock = await conn.publicClient.getBlockNumber()
    const seen = softwareDevice([front.url], '1.1.0', { maxAgeSeconds: 7200 })
    await seen.check(candidate(MODEL, '1.2.0'))
    await rpc('evm_increaseTime', [3600])
    clockOffsetMs = 3600_000
    await vendor.revokeRelease(MODEL, v('1.2.0'), 'CVE-2026-0002')
    await mine()
    front.mode = 'stale'
    front.staleBlock = approvedBlock - 4n // below what `seen` read (head − finality depth)
    try {
      // Older than the max age: the verifying client refuses the genuinely signed old block.
      await assert.rejects(
        softwareDevice([front.url], '1.1.0').install(candidate(MODEL, '1.2.0'), { nonce: nonce() }),
        hasCode('READ_STALE'),
      )
      // Within a long max age, but older than a block this device already believed.
      await assert.rejects(seen.check(candidate(MODEL, '1.2.0')), hasCode('READ_STALE'))
      // What the bound leaves: a device that never saw a newer block, with a max age longer
      // than the freeze, believes the frozen view (keep maxAgeSeconds short).
      const naive = softwareDevice([front.url], '1.1.0', { maxAgeSeconds: 7200 })
      assert.equal((await naive.check(candidate(MODEL, '1.2.0'))).blockNumber, front.staleBlock)
      // Past the freezing node, honest nodes show the revocation.
      await assert.rejects(
        softwareDevice([front.url, ...honest()], '1.1.0').install(candidate(MODEL, '1.2.0'), {
          nonce: nonce(),
        }),
        hasCode('FIRMWARE_RELEASE_REVOKED'),
      )
    } finally {
      front.mode = 'honest'
    }
  })
})
