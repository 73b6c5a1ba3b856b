// Authority nodes against anvil: one node answers a verified read with signatures it collects
// from its peers; the device-side verifier (pure, @veriot/device) accepts it only with k
// distinct trusted signers and rejects a lying peer's signature. With BLS keys registered on
// AuthorityRegistry, one aggregate stands for k signers, and an aggregate lie is convicted.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { authorityRegistryAbi } from '@veriot/contracts'
import { capabilityToBytes32, firmwareVersionToUint64, isVeriotError } from '@veriot/core'
import {
  attestationDigest,
  BLS_ATTESTATION_DST,
  createVerifyingClient,
  decodeDeviceWord,
  deviceRegistrySlots,
  readAuthoritySet,
  verifyVerifiedRead,
} from '@veriot/device'
import { bytesToHex, type Hex, keccak256, parseEther, stringToBytes } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { accountToBlsSecretKey } from '../src/authority/accountToBlsSecretKey.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { createWatchdog, type Verdict } from '../src/authority/createWatchdog.ts'
import { registerAuthority } from '../src/authority/registerAuthority.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

describe('authority nodes: verified reads', () => {
  let chain: TestChain
  const nodes: AuthorityNode[] = []
  let deviceId: Hex
  // Any address serves as the digest's registry here; AuthorityRegistry wiring is separate.
  const registry = '0x000000000000000000000000000000000000a11c' as Hex
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  const call = async (node: AuthorityNode, method: string, params: unknown) => {
    const r = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: [params] }),
    })
    return (await r.json()) as { result?: any; error?: any }
  }

  before(async () => {
    chain = await startTestChain()
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    deviceId = (
      await admin.register(key, { model: 'car', firmwareVersion: firmwareVersionToUint64('1.0.0') })
    ).id
    await admin.provision(deviceId, getAnvilAccount(0).address)
    await admin.activate(deviceId)
    await admin.grantCapability(deviceId, 'command:unlock')
    for (const index of [5, 6, 7]) {
      nodes.push(
        await startAuthorityNode({
          conn: await chain.as(0),
          account: getAnvilAccount(index),
          registry,
          finalityDepth: 2,
        }),
      )
    }
    for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
    await rpc('anvil_mine', ['0x3']) // let the device's state become final
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    await chain?.stop()
  })

  const policy = () => ({
    chainId: 31337,
    registry,
    trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
    k: 2,
    address: chain.deployment.contracts.DeviceRegistry.address,
    slots: [
      deviceRegistrySlots.device(deviceId),
      deviceRegistrySlots.capability(deviceId, capabilityToBytes32('command:unlock')),
    ],
  })

  test('default: one round trip gives a read that k = 2 of 3 trusted authorities signed', async () => {
    const p = policy()
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: p.address,
      slots: p.slots,
      signers: nodes.slice(1).map((n) => n.signer),
    })
    assert.equal(answer.error, undefined, JSON.stringify(answer.error))
    assert.equal(answer.result.signatures.length, 2) // the two peers the device named
    const read = await verifyVerifiedRead(answer.result, p)
    const word = decodeDeviceWord(read.values.get(p.slots[0] as Hex) ?? 0n)
    assert.equal(word.status, 'active')
    assert.equal(word.owner.toLowerCase(), getAnvilAccount(0).address.toLowerCase())
    assert.notEqual(read.values.get(p.slots[1] as Hex), 0n)
  })

  test('error: a too-new or unknown block is refused with its code', async () => {
    const head = BigInt(await (await chain.as(0)).publicClient.getBlockNumber({ cacheTime: 0 }))
    const tooNew = await call(nodes[0] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: head.toString(),
    })
    assert.equal(tooNew.error?.data?.code, 'BLOCK_NOT_FINAL')
    const unknown = await call(nodes[0] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: (head + 100n).toString(),
    })
    assert.equal(unknown.error?.data?.code, 'BLOCK_UNKNOWN')
    const bad = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: 'nope',
      slots: [],
    })
    assert.equal(bad.error?.data?.code, 'INVALID_ARGUMENT')
  })

  test('error: a signature over another block hash does not count', async () => {
    const p = policy()
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: p.address,
      slots: p.slots,
      signers: [nodes[1]?.signer],
    })
    // Replace node 1's signature by one it made over another block: a lie about this block.
    const other = await call(nodes[1] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: (BigInt(answer.result.block.number) - 1n).toString(),
    })
    answer.result.signatures = [{ signer: nodes[1]?.signer, signature: other.result.signature }]
    await assert.rejects(verifyVerifiedRead(answer.result, { ...p, k: 1 }), (e) =>
      isVeriotError(e, 'ATTESTATION_QUORUM_MISSING'),
    )
  })
})

describe('authority nodes: BLS aggregate attestations', () => {
  let chain: TestChain
  const nodes: AuthorityNode[] = []
  const blsSecretKeys: Uint8Array[] = []
  let keyless: AuthorityNode // registered without a BLS key
  let registry: Hex
  let deviceId: Hex
  const mine = (n: number) =>
    fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'anvil_mine',
        params: [`0x${n.toString(16)}`],
      }),
    })
  const call = async (node: AuthorityNode, method: string, params: unknown) => {
    const r = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: [params] }),
    })
    return (await r.json()) as { result?: any; error?: any }
  }

  before(async () => {
    chain = await startTestChain()
    registry = chain.deployment.contracts.AuthorityRegistry.address
    const admin = await chain.registry(0)
    deviceId = (
      await admin.register(createMemoryKey(), {
        model: 'car',
        firmwareVersion: firmwareVersionToUint64('1.0.0'),
      })
    ).id
    for (const index of [5, 6, 7, 4]) {
      const account = getAnvilAccount(index)
      const conn = await chain.as(index)
      const blsSecretKey = index === 4 ? undefined : await accountToBlsSecretKey(account)
      const node = await startAuthorityNode({
        conn,
        account,
        registry,
        finalityDepth: 2,
        ...(blsSecretKey ? { blsSecretKey } : {}),
        // The last BLS node runs the built-in watchdog (veriot_submitEvidence).
        ...(index === 7
          ? { watchdog: createWatchdog({ conn, authorityRegistry: registry }), sampleEveryMs: 0 }
          : {}),
      })
      await registerAuthority(conn, {
        authorityRegistry: registry,
        signer: account,
        url: node.url,
        deposit: parseEther('2'),
        ...(blsSecretKey ? { blsSecretKey } : {}),
      })
      if (blsSecretKey) {
        nodes.push(node)
        blsSecretKeys.push(blsSecretKey)
      } else keyless = node
    }
    const all = [...nodes, keyless]
    for (const n of all) n.setPeers(all.filter((m) => m !== n).map((m) => m.url))
    await mine(3)
  })
  after(async () => {
    for (const n of [...nodes, keyless]) await n?.stop()
    await chain?.stop()
  })

  const slots = () => [deviceRegistrySlots.device(deviceId)]
  const clientOptions = () => ({
    nodes: [nodes[0]?.url as string],
    chainId: 31337,
    registry,
    trustedSigners: new Set([...nodes, keyless].map((n) => n.signer.toLowerCase() as Hex)),
    k: 3,
  })
  /** The authority set with BLS keys, read with proofs through per-signer verified reads. */
  const readSet = () => readAuthoritySet(createVerifyingClient(clientOptions()), registry)

  test('default: keys are registered with proofs of possession and read back with proofs', async () => {
    const set = await readSet()
    assert.equal(set.signers.size, 4)
    assert.equal(set.blsPublicKeys.size, 3)
    for (const n of nodes) {
      assert.equal(set.blsPublicKeys.get(n.signer.toLowerCase() as Hex), n.blsPublicKey)
    }
    assert.equal(set.blsPublicKeys.has(keyless.signer.toLowerCase() as Hex), false)
    // The key is derived from the signer key: the same on every start.
    assert.deepEqual(await accountToBlsSecretKey(getAnvilAccount(5)), blsSecretKeys[0])
  })

  test('default: a verified read with one aggregate over 3 honest nodes verifies', async () => {
    const set = await readSet()
    const client = createVerifyingClient({ ...clientOptions(), aggregate: true })
    client.setAuthoritySet(set)
    const read = await client.read({
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: slots(),
    })
    assert.deepEqual([...read.signers].sort(), nodes.map((n) => n.signer.toLowerCase()).sort())
    assert.equal(decodeDeviceWord(read.values.get(slots()[0] as Hex) ?? 0n).status, 'manufactured')
    // The answer itself: no per-signer signatures, one 192-byte aggregate naming 3 signers.
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: slots(),
      signers: nodes.map((n) => n.signer),
      aggregate: true,
    })
    assert.deepEqual(answer.result.signatures, [])
    assert.equal(answer.result.aggregate.signers.length, 3)
    assert.equal(answer.result.aggregate.signature.length, 2 + 384)
  })

  test('error: tampered aggregate, wrong signer list, keyless or duplicated signer: refused with codes', async () => {
    const set = await readSet()
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: slots(),
      signers: nodes.map((n) => n.signer),
      aggregate: true,
    })
    const policy = {
      chainId: 31337,
      registry,
      trustedSigners: set.signers,
      trustedBlsKeys: set.blsPublicKeys,
      k: 2,
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: slots(),
    }
    const good = answer.result.aggregate as { signers: Hex[]; signature: Hex }
    await verifyVerifiedRead(answer.result, policy) // the untampered twin verifies
    const flipped = `${good.signature.slice(0, 100)}${good.signature[100] === '0' ? '1' : '0'}${good.signature.slice(101)}`
    const cases: [string, unknown, string][] = [
      ['tampered aggregate', { ...good, signature: flipped }, 'ATTESTATION_AGGREGATE_INVALID'],
      [
        'a signer left off the list',
        { ...good, signers: good.signers.slice(1) },
        'ATTESTATION_AGGREGATE_INVALID',
      ],
      [
        'a keyless signer added',
        { ...good, signers: [...good.signers, keyless.signer] },
        'ATTESTATION_BLS_KEY_MISSING',
      ],
      [
        'a duplicated signer',
        { ...good, signers: [...good.signers, good.signers[0]] },
        'ATTESTATION_SIGNER_DUPLICATE',
      ],
    ]
    for (const [name, aggregate, code] of cases) {
      await assert.rejects(verifyVerifiedRead({ ...answer.result, aggregate }, policy), (e) => {
        assert.ok(isVeriotError(e), name)
        assert.equal(e.code, code, `${name}: ${e.message}`)
        return true
      })
    }
    // Without BLS keys in the policy an aggregate cannot count.
    await assert.rejects(
      verifyVerifiedRead(answer.result, { ...policy, trustedBlsKeys: new Map() }),
      (e) => isVeriotError(e, 'ATTESTATION_BLS_KEY_MISSING'),
    )
    // A keyless node asked for an aggregate leaves itself out: k = 4 cannot be met.
    await assert.rejects(
      verifyVerifiedRead(
        (
          await call(keyless, 'veriot_verifiedRead', {
            address: policy.address,
            slots: slots(),
            signers: [...nodes, keyless].map((n) => n.signer),
            aggregate: true,
          })
        ).result,
        { ...policy, k: 4 },
      ),
      (e) => isVeriotError(e, 'ATTESTATION_QUORUM_MISSING'),
    )
  })

  test('behavior: a BLS-signed lie is handed over as evidence and convicted on anvil; the deposits move', async () => {
    const set = await readSet()
    const watchdogConn = await chain.as(8)
    const watchdog = createWatchdog({ conn: watchdogConn, authorityRegistry: registry })
    const verdicts: Promise<Verdict>[] = []
    // Nodes 0 and 1 collude: their aggregate over a forged hash of a real block reaches the
    // device through a proxy that rewrites an honest answer.
    const liars = [0, 1]
    const lyingFetch: typeof fetch = async (url, init) => {
      const real = (await (await fetch(url, init)).json()) as { result: any }
      const number = BigInt(real.result.block.number)
      const fake = keccak256(stringToBytes(`not block ${number}`))
      const digest = attestationDigest({
        chainId: 31337,
        registry,
        blockNumber: number,
        blockHash: fake,
      })
      const sig = bls12_381.longSignatures.aggregateSignatures(
        liars.map((i) =>
          bls12_381.longSignatures.sign(
            bls12_381.longSignatures.hash(digest, BLS_ATTESTATION_DST),
            blsSecretKeys[i] as Uint8Array,
          ),
        ),
      )
      real.result.block.hash = fake
      real.result.aggregate = {
        signers: liars.map((i) => nodes[i]?.signer),
        signature: bytesToHex(sig.toBytes(false)),
      }
      return new Response(JSON.stringify(real))
    }
    const client = createVerifyingClient({
      ...clientOptions(),
      k: 2,
      aggregate: true,
      fetch: lyingFetch,
      onAggregateEvidence: (e) => verdicts.push(watchdog.examineAggregate(e)),
    })
    client.setAuthoritySet(set)
    await assert.rejects(
      client.read({ address: chain.deployment.contracts.DeviceRegistry.address, slots: slots() }),
      (e) => isVeriotError(e, 'HEADER_INVALID'),
    )
    assert.equal(client.aggregateEvidence.length, 1)
    assert.equal(verdicts.length, 1)

    const read = (fn: 'statusOf' | 'treasuryOwed' | 'getNode', args: unknown[] = []) =>
      watchdogConn.publicClient.readContract({
        address: registry,
        abi: authorityRegistryAbi,
        functionName: fn,
        args: args as never,
      })
    const owedBefore = (await read('treasuryOwed')) as bigint
    // anvil mines on transactions only; the reveal needs a block after the commitment's.
    const miner = setInterval(() => void mine(1), 200)
    const verdict = await verdicts[0].finally(() => clearInterval(miner))
    assert.equal(
      verdict?.kind,
      'convicted',
      JSON.stringify(verdict, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
    )
    // 2 ETH each, 50 % to the prover: 2 ETH to the watchdog, 2 ETH owed to the treasury.
    assert.equal(verdict?.kind === 'convicted' ? verdict.reward : 0n, parseEther('2'))
    assert.equal((await read('treasuryOwed')) as bigint, owedBefore + parseEther('2'))
    for (const i of liars) {
      assert.equal(await read('statusOf', [nodes[i]?.signer]), 4) // Convicted
      const node = (await read('getNode', [nodes[i]?.signer])) as { deposit: bigint }
      assert.equal(node.deposit, 0n)
    }
    assert.equal(await read('statusOf', [nodes[2]?.signer]), 1) // the honest node stays Active
    // The same evidence again changes nothing; an honest aggregate is no lie.
    const again = await watchdog.examineAggregate(client.aggregateEvidence[0] as never)
    assert.equal(again.kind, 'convicted')
    const honest = await call(nodes[2] as AuthorityNode, 'veriot_verifiedRead', {
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: slots(),
      signers: [nodes[2]?.signer],
      aggregate: true,
    })
    const submitted = await call(nodes[2] as AuthorityNode, 'veriot_submitEvidence', {
      signers: honest.result.aggregate.signers,
      blockNumber: honest.result.block.number,
      blockHash: honest.result.block.hash,
      aggregateSignature: honest.result.aggregate.signature,
    })
    assert.equal(submitted.result?.kind, 'honest', JSON.stringify(submitted.error))
    // The same aggregate claimed for another signer set is no signature of theirs.
    const forged = await call(nodes[2] as AuthorityNode, 'veriot_submitEvidence', {
      signers: [nodes[0]?.signer],
      blockNumber: honest.result.block.number,
      blockHash: keccak256(stringToBytes('a lie nobody signed')),
      aggregateSignature: honest.result.aggregate.signature,
    })
    assert.equal(forged.result?.kind, 'invalid-signature', JSON.stringify(forged.error))
  })
})
