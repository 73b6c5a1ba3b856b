// Receipt and event proofs against a real chain: a DeviceRegistry on anvil emits
// CapabilityGranted; a block of several transactions (legacy, EIP-1559, reverted) gives
// receipts at other indices. Every valid answer has tampered twins that must fail with their
// precise code; receipts the device must not read are forged under a re-signed header; and
// fast-check fuzzes the parser and the verifier from the real answer.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { type ErrorCode, ErrorCodes, isVeriotError } from '@veriot/core'
import fc from 'fast-check'
import {
  type Address,
  bytesToHex,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  parseEther,
  stringToBytes,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import {
  type AttestedBlockPolicy,
  findLog,
  parseVerifiedReceiptResponse,
  VERIFIED_RECEIPT_MAX_NODE_BYTES,
  VERIFIED_RECEIPT_MAX_PROOF_NODES,
  type VerifiedReceipt,
  verifyVerifiedReceipt,
} from '../../src/index.ts'
import {
  createReceiptResponse,
  createReceiptsTrie,
  type TestReceiptResponse,
} from './support/createReceiptResponse.ts'
import {
  AUTHORITY_REGISTRY,
  createRegistryFixture,
  type RegistryFixture,
  UNLOCK,
} from './support/createRegistryFixture.ts'
import { headerFieldsFromRpcBlock } from './support/rlpHeaderFromRpcBlock.ts'

const CAPABILITY_GRANTED = keccak256(stringToBytes('CapabilityGranted(bytes32,bytes32,address)'))
/** The codes a refused receipt answer may carry (docs/verified-reads.md). */
const RECEIPT_CODES = new Set<ErrorCode>([
  'READ_MALFORMED',
  'READ_MISMATCH',
  'HEADER_INVALID',
  'ATTESTATION_QUORUM_MISSING',
  'READ_STALE',
  'RECEIPT_PROOF_INVALID',
])

let fx: RegistryFixture
let policy: AttestedBlockPolicy
/** The CapabilityGranted transaction of the fixture, alone in its block. */
let grant: TestReceiptResponse
let grantTruth: VerifiedReceipt
/** A block of three: a legacy transfer, an EIP-1559 grant, a reverted call. */
let multi: {
  legacy: TestReceiptResponse
  grant: TestReceiptResponse
  reverted: TestReceiptResponse
}

const clone = <T>(value: T): T => structuredClone(value)
const flip = (hex: string, byte: number): Hex => {
  const bytes = hexToBytes(hex as Hex)
  bytes[byte] = (bytes[byte] as number) ^ 0x01
  return bytesToHex(bytes)
}

async function rejects(response: unknown, code: ErrorCode, name: string, p = policy) {
  await assert.rejects(verifyVerifiedReceipt(response, p), (e: unknown) => {
    assert.ok(isVeriotError(e), `${name}: expected a VeriotError, got ${String(e)}`)
    assert.equal(e.code, code, `${name}: ${e.message}`)
    return true
  })
}

before(async () => {
  fx = await createRegistryFixture()
  policy = {
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    trustedSigners: fx.trustedSigners,
    k: 2,
  }
  const logs = await fx.publicClient.getLogs({ address: fx.registry, fromBlock: 0n })
  const granted = logs.find((l) => l.topics[0] === CAPABILITY_GRANTED)
  assert.ok(granted?.transactionHash)
  grant = await createReceiptResponse(fx, granted.transactionHash)
  grantTruth = await verifyVerifiedReceipt(grant, policy)

  const transport = http(fx.anvil.rpcUrl)
  const adminWallet = createWalletClient({ chain: foundry, transport, account: fx.admin })
  const ownerWallet = createWalletClient({ chain: foundry, transport, account: fx.owner })
  // A key signed here, so the legacy type is what goes on chain (anvil picks the type of an
  // eth_sendTransaction request itself).
  const sender = privateKeyToAccount(generatePrivateKey())
  await fx.publicClient.waitForTransactionReceipt({
    hash: await adminWallet.sendTransaction({ to: sender.address, value: parseEther('2') }),
  })
  const senderWallet = createWalletClient({ chain: foundry, transport, account: sender })
  await fx.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never)
  let hashes: Hex[]
  try {
    hashes = [
      await senderWallet.sendTransaction({
        to: fx.owner,
        value: parseEther('1'),
        type: 'legacy',
        gas: 21_000n,
      }),
      await ownerWallet.writeContract({
        ...fx.contract,
        functionName: 'grantCapability',
        args: [fx.deviceId, keccak256(stringToBytes('other'))],
        gas: 300_000n,
      }),
      // The admin is not the device's owner: reverts on chain.
      await adminWallet.writeContract({
        ...fx.contract,
        functionName: 'grantCapability',
        args: [fx.deviceId, keccak256(stringToBytes('not yours'))],
        gas: 300_000n,
      }),
    ]
    await fx.publicClient.request({ method: 'evm_mine', params: [] } as never)
  } finally {
    await fx.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never)
  }
  const [legacy, typed, reverted] = await Promise.all(
    hashes.map((h) => createReceiptResponse(fx, h)),
  )
  multi = {
    legacy: legacy as TestReceiptResponse,
    grant: typed as TestReceiptResponse,
    reverted: reverted as TestReceiptResponse,
  }
})

after(async () => {
  await fx?.anvil.stop()
})

test('default: a real receipt proves the CapabilityGranted event', async () => {
  const receipt = grantTruth
  assert.equal(receipt.status, 1)
  assert.equal(receipt.type, 2)
  assert.equal(receipt.blockHash, grant.block.hash)
  assert.equal(receipt.blockNumber, BigInt(grant.block.number))
  assert.equal(receipt.transactionIndex, grant.receipt.transactionIndex)
  assert.deepEqual(
    [...receipt.signers],
    fx.authorities.slice(0, 2).map((a) => a.address.toLowerCase()),
  )
  const log = findLog(receipt, { address: fx.registry, topic0: CAPABILITY_GRANTED })
  assert.ok(log)
  assert.equal(log.address, fx.registry.toLowerCase())
  assert.equal(log.topics[1], fx.deviceId.toLowerCase())
  assert.equal(log.topics[2], UNLOCK.toLowerCase())
  assert.ok(Object.isFrozen(receipt) && Object.isFrozen(receipt.logs) && Object.isFrozen(log))
  assert.ok(Object.isFrozen(log.topics))
  // Case does not matter to findLog; another event or contract is not found.
  assert.equal(
    findLog(receipt, {
      address: fx.registry.toUpperCase().replace('0X', '0x') as Address,
      topic0: CAPABILITY_GRANTED,
    }),
    log,
  )
  assert.equal(findLog(receipt, { address: fx.admin, topic0: CAPABILITY_GRANTED }), undefined)
  assert.equal(findLog(receipt, { address: fx.registry, topic0: keccak256('0x00') }), undefined)
  assert.throws(
    () => findLog(receipt, { address: '0x12' as Address, topic0: CAPABILITY_GRANTED }),
    (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
  )
})

test('behavior: in a block of three, each receipt is proven at its index (legacy, typed, reverted)', async () => {
  assert.equal(multi.legacy.block.hash, multi.grant.block.hash)
  assert.equal(multi.grant.block.hash, multi.reverted.block.hash)
  const indices = [multi.legacy, multi.grant, multi.reverted].map((r) => r.receipt.transactionIndex)
  assert.deepEqual([...indices].sort(), [0, 1, 2])
  const legacy = await verifyVerifiedReceipt(multi.legacy, policy)
  assert.equal(legacy.type, 0)
  assert.equal(legacy.status, 1)
  assert.equal(legacy.logs.length, 0)
  const typed = await verifyVerifiedReceipt(multi.grant, policy)
  assert.equal(typed.type, 2)
  assert.equal(typed.status, 1)
  assert.equal(
    findLog(typed, { address: fx.registry, topic0: CAPABILITY_GRANTED })?.topics[2],
    keccak256(stringToBytes('other')),
  )
  const reverted = await verifyVerifiedReceipt(multi.reverted, policy)
  assert.equal(reverted.status, 0, 'a reverted transaction is returned with status 0')
  assert.equal(reverted.logs.length, 0)
})

test('error: a changed header byte, hash or number is HEADER_INVALID', async () => {
  const header = clone(grant)
  header.block.header = flip(grant.block.header, 40)
  await rejects(header, 'HEADER_INVALID', 'header byte')
  const hash = clone(grant)
  hash.block.hash = flip(grant.block.hash, 31)
  await rejects(hash, 'HEADER_INVALID', 'block hash')
  const number = clone(grant)
  number.block.number = (BigInt(grant.block.number) + 1n).toString()
  await rejects(number, 'HEADER_INVALID', 'block number')
  // Another block's header with this block's hash.
  const other = clone(grant)
  other.block.header = multi.grant.block.header
  await rejects(other, 'HEADER_INVALID', 'another header')
})

test('error: a changed byte in any proof node, or a node left out, is RECEIPT_PROOF_INVALID', async () => {
  const proofs = [grant, multi.legacy, multi.grant, multi.reverted]
  for (const [p, response] of proofs.entries()) {
    for (const [i, node] of response.receipt.proof.entries()) {
      for (const at of [0, 1, 2, hexToBytes(node as Hex).length - 1]) {
        const tampered = clone(response)
        tampered.receipt.proof[i] = flip(node, at)
        await rejects(tampered, 'RECEIPT_PROOF_INVALID', `proof ${p} node ${i} byte ${at}`)
      }
      if (response.receipt.proof.length > 1) {
        const dropped = clone(response)
        dropped.receipt.proof.splice(i, 1)
        await rejects(dropped, 'RECEIPT_PROOF_INVALID', `proof ${p} without node ${i}`)
      }
    }
  }
})

test("error: another transactionIndex, or another index's proof, is RECEIPT_PROOF_INVALID", async () => {
  for (const response of [grant, multi.legacy, multi.grant, multi.reverted]) {
    for (const index of [0, 1, 2, 3, 127, 128, 0xffff_ffff]) {
      if (index === response.receipt.transactionIndex) continue
      const tampered = clone(response)
      tampered.receipt.transactionIndex = index
      await rejects(tampered, 'RECEIPT_PROOF_INVALID', `index ${index}`)
    }
  }
  // The legacy receipt's proof presented as the grant's index.
  const swapped = clone(multi.grant)
  swapped.receipt.proof = clone(multi.legacy.receipt.proof)
  await rejects(swapped, 'RECEIPT_PROOF_INVALID', "another index's proof")
  // A proof from another block.
  const foreign = clone(multi.grant)
  foreign.receipt.proof = clone(grant.receipt.proof)
  await rejects(foreign, 'RECEIPT_PROOF_INVALID', "another block's proof")
})

test('error: signatures that do not make k trusted signers are ATTESTATION_QUORUM_MISSING', async () => {
  const [a0, a1] = fx.authorities as [
    (typeof fx.authorities)[number],
    (typeof fx.authorities)[number],
  ]
  const tampered = clone(grant)
  tampered.signatures[1] = {
    signer: grant.signatures[1]?.signer as Hex,
    signature: flip(grant.signatures[1]?.signature as Hex, 5),
  }
  await rejects(tampered, 'ATTESTATION_QUORUM_MISSING', 'tampered signature')
  const few = clone(grant)
  few.signatures = few.signatures.slice(0, 1)
  await rejects(few, 'ATTESTATION_QUORUM_MISSING', 'one signer of k = 2')
  const duplicate = clone(grant)
  duplicate.signatures = [
    grant.signatures[0],
    grant.signatures[0],
  ] as TestReceiptResponse['signatures']
  await rejects(duplicate, 'ATTESTATION_QUORUM_MISSING', 'one signer twice')
  const stranger = privateKeyToAccount(generatePrivateKey())
  const untrusted = await createReceiptResponse(fx, await txHashOf(grant), [a0, stranger])
  await rejects(untrusted, 'ATTESTATION_QUORUM_MISSING', 'an untrusted signer')
  // Signatures made for another chain or registry do not count for this one.
  const digestFor = async (chainId: number, registry: Address) =>
    Promise.all(
      [a0, a1].map(async (a) => ({
        signer: a.address,
        signature: await fx.attest(a, {
          blockNumber: BigInt(grant.block.number),
          blockHash: grant.block.hash,
          chainId,
          registry,
        }),
      })),
    )
  const otherChain = clone(grant)
  otherChain.signatures = await digestFor(1, AUTHORITY_REGISTRY)
  await rejects(otherChain, 'ATTESTATION_QUORUM_MISSING', 'signed for another chain')
  const otherRegistry = clone(grant)
  otherRegistry.signatures = await digestFor(31337, fx.registry)
  await rejects(otherRegistry, 'ATTESTATION_QUORUM_MISSING', 'signed for another registry')
  // Signatures over another block of the same chain.
  const otherBlock = clone(grant)
  otherBlock.signatures = clone(multi.grant.signatures)
  await rejects(otherBlock, 'ATTESTATION_QUORUM_MISSING', "another block's signatures")
})

test('error: another chain id or registry in the answer is READ_MISMATCH', async () => {
  await rejects({ ...clone(grant), chainId: 1 }, 'READ_MISMATCH', 'chainId')
  await rejects({ ...clone(grant), registry: fx.registry }, 'READ_MISMATCH', 'registry')
})

test('error: an old block is READ_STALE when the device bounds age', async () => {
  const { timestamp } = grantTruth
  const now = Number(timestamp) * 1000 + 61_000
  await rejects(grant, 'READ_STALE', 'stale', { ...policy, maxAgeSeconds: 60, now })
  const fresh = await verifyVerifiedReceipt(grant, { ...policy, maxAgeSeconds: 61, now })
  assert.equal(fresh.status, 1)
})

test('error: oversized and malformed answers are READ_MALFORMED', async () => {
  const node = grant.receipt.proof[0] as Hex
  const cases: [string, unknown][] = [
    ['null', null],
    ['array', []],
    ['string', 'receipt'],
    ['number', 7],
    ['missing receipt', { ...clone(grant), receipt: undefined }],
    ['extra field', { ...clone(grant), extra: 1 }],
    ['extra receipt field', { ...clone(grant), receipt: { ...grant.receipt, value: '0x01' } }],
    ['aggregate is not served', { ...clone(grant), aggregate: { signers: [], signature: '0x' } }],
    ['index -1', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: -1 } }],
    ['index 1.5', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: 1.5 } }],
    ['index NaN', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: Number.NaN } }],
    [
      'index Infinity',
      { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: Infinity } },
    ],
    ['index 2^32', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: 2 ** 32 } }],
    ['index as string', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: '0' } }],
    ['index as bigint', { ...clone(grant), receipt: { ...grant.receipt, transactionIndex: 0n } }],
    ['empty proof', { ...clone(grant), receipt: { ...grant.receipt, proof: [] } }],
    [
      'too many nodes',
      {
        ...clone(grant),
        receipt: {
          ...grant.receipt,
          proof: Array(VERIFIED_RECEIPT_MAX_PROOF_NODES + 1).fill(node),
        },
      },
    ],
    [
      '100 000 nodes',
      { ...clone(grant), receipt: { ...grant.receipt, proof: Array(100_000).fill(node) } },
    ],
    [
      'a node too large',
      {
        ...clone(grant),
        receipt: {
          ...grant.receipt,
          proof: [`0x${'00'.repeat(VERIFIED_RECEIPT_MAX_NODE_BYTES + 1)}`],
        },
      },
    ],
    ['odd hex node', { ...clone(grant), receipt: { ...grant.receipt, proof: ['0xabc'] } }],
    ['non-hex node', { ...clone(grant), receipt: { ...grant.receipt, proof: ['0xzz00'] } }],
    [
      'header too large',
      { ...clone(grant), block: { ...grant.block, header: `0x${'00'.repeat(16 * 1024 + 1)}` } },
    ],
    ['block number -1', { ...clone(grant), block: { ...grant.block, number: '-1' } }],
    ['block number hex', { ...clone(grant), block: { ...grant.block, number: '0x10' } }],
    ['chainId 0', { ...clone(grant), chainId: 0 }],
    ['chainId as string', { ...clone(grant), chainId: '31337' }],
    ['short signature', { ...clone(grant), signatures: [{ signer: fx.admin, signature: '0x00' }] }],
    ['65 signatures', { ...clone(grant), signatures: Array(65).fill(grant.signatures[0]) }],
  ]
  for (const [name, response] of cases) await rejects(response, 'READ_MALFORMED', name)
  // A getter that throws while the schema reads it.
  const hostile = clone(grant) as Record<string, unknown>
  Object.defineProperty(hostile, 'receipt', {
    enumerable: true,
    get() {
      throw new Error('boom')
    },
  })
  await rejects(hostile, 'READ_MALFORMED', 'throwing getter')
})

test('error: a bad policy is INVALID_ARGUMENT', async () => {
  for (const bad of [
    { ...policy, k: 0 },
    { ...policy, k: 4 },
    { ...policy, chainId: 0 },
    { ...policy, registry: '0x12' as Address },
    { ...policy, trustedSigners: new Set([fx.admin as Address]) }, // not lowercase
    { ...policy, maxAgeSeconds: 10 }, // no clock
  ]) {
    await assert.rejects(verifyVerifiedReceipt(grant, bad), (e: unknown) =>
      isVeriotError(e, 'INVALID_ARGUMENT'),
    )
  }
})

/**
 * An answer for a receipts trie holding `values` under a header that commits to it: the real
 * block's header with its receiptsRoot replaced, re-hashed and signed by trusted keys, so only
 * the receipt itself can be at fault.
 */
async function forge(values: readonly Uint8Array[], index = 0): Promise<TestReceiptResponse> {
  const trie = await createReceiptsTrie(values)
  const block = await fx.getRawBlock(BigInt(grant.block.number))
  const fields = headerFieldsFromRpcBlock(block)
  fields[5] = hexToBytes(trie.root)
  const header = RLP.encode(fields)
  const blockHash = keccak256(header)
  const blockNumber = BigInt(grant.block.number)
  return {
    ...clone(grant),
    block: { number: grant.block.number, hash: blockHash, header: bytesToHex(header) },
    receipt: { transactionIndex: index, proof: await trie.prove(index) },
    signatures: await Promise.all(
      fx.authorities.slice(0, 2).map(async (a) => ({
        signer: a.address,
        signature: await fx.attest(a, { blockNumber, blockHash }),
      })),
    ),
  }
}

test('error: a proven receipt the device does not read is RECEIPT_PROOF_INVALID', async () => {
  const bloom = new Uint8Array(256)
  const address = hexToBytes(fx.registry)
  const topic = hexToBytes(CAPABILITY_GRANTED)
  const receipt = (fields: unknown[], type?: number) => {
    const list = RLP.encode(fields as never)
    return type === undefined ? list : Uint8Array.from([type, ...list])
  }
  const good = [Uint8Array.of(1), 21000n, bloom, [[address, [topic], new Uint8Array(0)]]]
  // The forging itself is sound: a well-formed receipt under a forged, re-signed header passes.
  const control = await verifyVerifiedReceipt(await forge([receipt(good, 2)]), policy)
  assert.equal(control.logs[0]?.topics[0], CAPABILITY_GRANTED)
  const withField = (i: number, value: unknown) => good.map((f, j) => (j === i ? value : f))
  const cases: [string, Uint8Array][] = [
    ['pre-Byzantium state root', receipt(withField(0, new Uint8Array(32)))],
    ['status 2', receipt(withField(0, Uint8Array.of(2)))],
    ['status 0x0001', receipt(withField(0, Uint8Array.of(0, 1)))],
    ['unknown type 5', receipt(good, 5)],
    ['type 0x7e', receipt(good, 0x7e)],
    ['type byte 0', receipt(good, 0)],
    ['five fields', receipt([...good, new Uint8Array(0)])],
    ['three fields', receipt(good.slice(0, 3))],
    ['bloom of 255 bytes', receipt(withField(2, new Uint8Array(255)))],
    ['gas with a leading zero', receipt(withField(1, Uint8Array.of(0, 1)))],
    ['gas of 9 bytes', receipt(withField(1, new Uint8Array(9).fill(1)))],
    ['logs not a list', receipt(withField(3, Uint8Array.of(1)))],
    ['a log of two items', receipt(withField(3, [[address, [topic]]]))],
    [
      'a 19-byte address',
      receipt(withField(3, [[address.subarray(1), [topic], new Uint8Array(0)]])),
    ],
    ['a 31-byte topic', receipt(withField(3, [[address, [topic.subarray(1)], new Uint8Array(0)]]))],
    ['five topics', receipt(withField(3, [[address, Array(5).fill(topic), new Uint8Array(0)]]))],
    ['a nested data list', receipt(withField(3, [[address, [topic], [new Uint8Array(1)]]]))],
    ['a byte string', RLP.encode(new Uint8Array(40))],
    ['trailing bytes', Uint8Array.from([...receipt(good), 0])],
  ]
  for (const [name, value] of cases) {
    await rejects(await forge([value]), 'RECEIPT_PROOF_INVALID', name)
  }
  // An index the forged trie does not hold: proven absent.
  const absent = await forge([receipt(good, 2)])
  absent.receipt.transactionIndex = 1
  await rejects(absent, 'RECEIPT_PROOF_INVALID', 'absent index')
})

/** Refused with a documented code, or accepted with exactly the grant's true receipt. */
async function neverAcceptedWrongly(response: unknown): Promise<void> {
  let receipt: VerifiedReceipt
  try {
    receipt = await verifyVerifiedReceipt(response, policy)
  } catch (e) {
    assert.ok(isVeriotError(e), `expected a VeriotError, got ${String(e)}`)
    assert.ok(RECEIPT_CODES.has(e.code), `undocumented code: ${e.code} ${e.message}`)
    assert.ok(e.code in ErrorCodes)
    return
  }
  assert.deepEqual(receipt, grantTruth)
}

test('behavior: random input never throws anything but READ_MALFORMED from the parser', () => {
  fc.assert(
    fc.property(
      fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
      (value) => {
        try {
          parseVerifiedReceiptResponse(value)
        } catch (e) {
          assert.ok(isVeriotError(e, 'READ_MALFORMED'), String(e))
          return
        }
        assert.fail('random input was accepted')
      },
    ),
    { numRuns: 500 },
  )
})

test('behavior: random mutations of a real answer are refused with receipt codes, never accepted wrongly', async () => {
  const hostile = fc.oneof(
    fc.anything(),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 2 ** 53, '0x', '0xzz', '', null, []),
    fc.string({ maxLength: 200 }),
    fc.integer(),
  )
  const paths = [
    ['chainId'],
    ['registry'],
    ['block'],
    ['block', 'number'],
    ['block', 'hash'],
    ['block', 'header'],
    ['receipt'],
    ['receipt', 'transactionIndex'],
    ['receipt', 'proof'],
    ['receipt', 'proof', 0],
    ['signatures'],
    ['signatures', 0],
    ['signatures', 0, 'signer'],
    ['signatures', 1, 'signature'],
  ] as const
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths), hostile, async (path, value) => {
      const mutated = clone(grant) as unknown as Record<string | number, any>
      let at = mutated
      for (const key of path.slice(0, -1)) at = at[key]
      at[path[path.length - 1] as string | number] = value
      await neverAcceptedWrongly(mutated)
    }),
    { numRuns: 300 },
  )
  // Bytes changed, cut or added in the header and every proof node: never accepted.
  const byteFields = [
    (r: TestReceiptResponse) => ({
      get: () => r.block.header,
      set: (v: Hex) => {
        r.block.header = v
      },
    }),
    ...grant.receipt.proof.map((_, i) => (r: TestReceiptResponse) => ({
      get: () => r.receipt.proof[i] as Hex,
      set: (v: Hex) => {
        r.receipt.proof[i] = v
      },
    })),
  ]
  await fc.assert(
    fc.asyncProperty(
      fc.nat(byteFields.length - 1),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('xor', 'cut', 'add'),
      async (field, position, mask, how) => {
        const mutated = clone(grant)
        const f = (
          byteFields[field] as (r: TestReceiptResponse) => { get(): Hex; set(v: Hex): void }
        )(mutated)
        const bytes = hexToBytes(f.get())
        const at = position % bytes.length
        if (how === 'xor') bytes[at] = (bytes[at] as number) ^ mask
        const next =
          how === 'cut'
            ? bytes.subarray(0, at)
            : how === 'add'
              ? Uint8Array.from([...bytes, mask])
              : bytes
        f.set(bytesToHex(next))
        await assert.rejects(verifyVerifiedReceipt(mutated, policy), (e: unknown) => {
          assert.ok(isVeriotError(e) && RECEIPT_CODES.has(e.code), String(e))
          return true
        })
      },
    ),
    { numRuns: 300 },
  )
})

async function txHashOf(response: TestReceiptResponse): Promise<Hex> {
  const block = await fx.publicClient.getBlock({
    blockHash: response.block.hash,
    includeTransactions: false,
  })
  return block.transactions[response.receipt.transactionIndex] as Hex
}
