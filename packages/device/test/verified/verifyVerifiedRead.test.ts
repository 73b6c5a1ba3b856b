// Verified reads against a real chain: a DeviceRegistry on anvil, proofs from eth_getProof,
// headers from eth_getBlockByNumber, attestations signed by three authority keys. Every valid
// response has tampered twins that must fail with their code.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import {
  capabilityToBytes32,
  type ErrorCode,
  firmwareVersionToUint64,
  isVeriotError,
  VeriotError,
} from '@veriot/core'
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, numberToHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  attestationDigest,
  decodeDeviceWord,
  deviceRegistrySlots,
  type VerifiedReadPolicy,
  verifyAccountProof,
  verifyBlockHeader,
  verifyStorageProof,
  verifyVerifiedRead,
} from '../../src/index.ts'
import {
  AUTHORITY_REGISTRY,
  createRegistryFixture,
  FIRMWARE,
  type RegistryFixture,
  type TestResponse,
  UNLOCK,
} from './support/createRegistryFixture.ts'
import { headerFieldsFromRpcBlock, rlpHeaderFromRpcBlock } from './support/rlpHeaderFromRpcBlock.ts'

type Response = TestResponse

const READ_CODES: readonly ErrorCode[] = [
  'READ_MALFORMED',
  'READ_MISMATCH',
  'HEADER_INVALID',
  'ATTESTATION_QUORUM_MISSING',
  'READ_STALE',
  'STATE_PROOF_INVALID',
  'READ_CONTRACT_MISSING',
]

let fx: RegistryFixture
let slots: {
  head: Hex
  unlock: Hex
  notGranted: Hex
  nonce: Hex
  manufacturer: Hex
  pubKeyX: Hex
  capabilityCount: Hex
  deviceCount: Hex
  firstDevice: Hex
  activeCount: Hex
}
let asked: Hex[]
let response: Response
let policy: VerifiedReadPolicy

before(async () => {
  fx = await createRegistryFixture()
  const id = fx.deviceId
  slots = {
    head: deviceRegistrySlots.device(id),
    unlock: deviceRegistrySlots.capability(id, UNLOCK),
    notGranted: deviceRegistrySlots.capability(id, capabilityToBytes32('command:open-trunk')),
    nonce: deviceRegistrySlots.nonce(id),
    manufacturer: deviceRegistrySlots.deviceWord(id, 'manufacturer'),
    pubKeyX: deviceRegistrySlots.deviceWord(id, 'pubKeyX'),
    capabilityCount: deviceRegistrySlots.capabilityCount(id),
    deviceCount: deviceRegistrySlots.deviceCount(),
    firstDevice: deviceRegistrySlots.deviceIdAt(0n),
    activeCount: deviceRegistrySlots.statusCount('active'),
  }
  asked = Object.values(slots)
  response = await fx.createResponse(asked)
  policy = {
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    trustedSigners: fx.trustedSigners,
    k: 2,
    address: fx.registry,
    slots: asked,
  }
})

after(async () => {
  await fx?.anvil.stop()
})

/** A deep copy of the valid response with `change` applied. */
function twin(change: (r: Response) => void): Response {
  const copy = structuredClone(response)
  change(copy)
  return copy
}

/** `hex` with the byte at `index` (from the end when negative) flipped. */
function flipByte(hex: Hex, index: number): Hex {
  const bytes = hexToBytes(hex)
  const at = index < 0 ? bytes.length + index : index
  bytes[at] = (bytes[at] as number) ^ 0x01
  return bytesToHex(bytes)
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, detail?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    if (detail !== undefined) assert.match(err.message, detail)
    return true
  })
}

test('behavior: the test header encoder reproduces the hash anvil reports for every block', async () => {
  const latest = await fx.publicClient.getBlockNumber({ cacheTime: 0 })
  assert.ok(latest >= 6n)
  for (let n = 0n; n <= latest; n++) {
    const block = await fx.getRawBlock(n)
    const rlp = rlpHeaderFromRpcBlock(block)
    assert.equal(keccak256(rlp), block.hash, `block ${n}`)
    const header = verifyBlockHeader(rlp, block.hash)
    assert.equal(header.number, n)
    assert.equal(header.stateRoot, block.stateRoot)
    assert.equal(header.parentHash, block.parentHash)
    assert.equal(header.timestamp, BigInt(block.timestamp as Hex))
    assert.ok(Object.isFrozen(header))
  }
  // Osaka headers carry 21 fields, up to requestsHash.
  assert.equal(headerFieldsFromRpcBlock(await fx.getRawBlock()).length, 21)
})

test('default: proves status, owner, suite, firmware and capabilities of a registered device', async () => {
  const read = await verifyVerifiedRead(response, policy)
  const device = await fx.publicClient.readContract({
    ...fx.contract,
    functionName: 'getDevice',
    args: [fx.deviceId],
  })
  const head = decodeDeviceWord(read.values.get(slots.head) as bigint)
  assert.deepEqual(head, {
    owner: fx.owner.toLowerCase(),
    status: 'active',
    suite: 1,
    firmwareVersion: firmwareVersionToUint64(FIRMWARE),
  })
  assert.equal(device.owner.toLowerCase(), head.owner)
  assert.equal(device.status, 3)
  assert.equal(device.firmwareVersion, head.firmwareVersion)
  // Word 1 packs manufacturer (low 20 bytes) and registeredAt (next 8).
  const word1 = read.values.get(slots.manufacturer) as bigint
  assert.equal(word1 & ((1n << 160n) - 1n), BigInt(fx.admin))
  assert.equal(word1 >> 160n, device.registeredAt)
  assert.equal(read.values.get(slots.pubKeyX), BigInt(fx.pubKeyX))
  // EnumerableSet: _positions[cap] is the 1-based index, 0 when absent (a proof of absence).
  assert.equal(read.values.get(slots.unlock), 1n)
  assert.equal(read.values.get(slots.notGranted), 0n)
  assert.equal(read.values.get(slots.capabilityCount), 1n)
  assert.equal(read.values.get(slots.nonce), 1n)
  assert.equal(read.values.get(slots.deviceCount), 1n)
  assert.equal(read.values.get(slots.firstDevice), BigInt(fx.deviceId))
  assert.equal(read.values.get(slots.activeCount), 1n)

  assert.equal(read.blockNumber, BigInt(response.block.number))
  assert.equal(read.blockHash, response.block.hash)
  assert.deepEqual(
    read.signers,
    fx.authorities.slice(0, 2).map((a) => a.address.toLowerCase()),
  )
  assert.ok(Object.isFrozen(read) && Object.isFrozen(read.signers) && Object.isFrozen(read.values))
  assert.throws(() => (read.values as Map<Hex, bigint>).set(slots.head, 0n), TypeError)
  assert.equal(read.values.size, asked.length)
})

test('behavior: every proven word equals eth_getStorageAt at that block', async () => {
  const read = await verifyVerifiedRead(response, policy)
  for (const slot of asked) {
    const raw = await fx.publicClient.getStorageAt({
      address: fx.registry,
      slot,
      blockNumber: read.blockNumber,
    })
    assert.equal(read.values.get(slot), BigInt(raw ?? '0x0'), slot)
  }
})

test('behavior: the layout helpers name the slots the contract reads', async () => {
  // Revoking the capability must zero its position; the contract's own view agrees.
  const hasUnlock = await fx.publicClient.readContract({
    ...fx.contract,
    functionName: 'hasCapability',
    args: [fx.deviceId, UNLOCK],
  })
  const read = await verifyVerifiedRead(response, policy)
  assert.equal(hasUnlock, true)
  assert.notEqual(read.values.get(slots.unlock), 0n)
  // A never-registered id decodes as status none with no owner.
  const unknown = keccak256('0x1234')
  const r = await fx.createResponse([deviceRegistrySlots.device(unknown)])
  const unknownRead = await verifyVerifiedRead(r, {
    ...policy,
    slots: [deviceRegistrySlots.device(unknown)],
  })
  assert.deepEqual(
    decodeDeviceWord(unknownRead.values.get(deviceRegistrySlots.device(unknown)) ?? -1n),
    {
      owner: '0x0000000000000000000000000000000000000000',
      status: 'none',
      suite: 0,
      firmwareVersion: 0n,
    },
  )
})

test('behavior: quorum settings pick how many signatures are needed', async () => {
  const three = await fx.createResponse(asked, { signWith: fx.authorities })
  const read = await verifyVerifiedRead(three, { ...policy, k: 3 })
  assert.equal(read.signers.length, 3)
  const one = await fx.createResponse(asked, { signWith: fx.authorities.slice(2) })
  assert.equal((await verifyVerifiedRead(one, { ...policy, k: 1 })).signers.length, 1)
  await rejectsWith(verifyVerifiedRead(one, policy), 'ATTESTATION_QUORUM_MISSING')
})

test('behavior: an older block verifies with its own proofs', async () => {
  const older = await fx.createResponse(asked, { blockNumber: BigInt(response.block.number) - 1n })
  const read = await verifyVerifiedRead(older, policy)
  // Before grantCapability was mined, the device had no capability.
  assert.equal(read.values.get(slots.unlock), 0n)
  assert.equal(decodeDeviceWord(read.values.get(slots.head) as bigint).status, 'active')
})

test('behavior: proofs of absence for a slot, an account, and a contract that is not there', async () => {
  const block = await fx.getRawBlock(BigInt(response.block.number))
  const stranger = privateKeyToAccount(generatePrivateKey()).address
  const proof = await fx.publicClient.request({
    method: 'eth_getProof',
    params: [stranger, [], numberToHex(BigInt(response.block.number))],
  })
  assert.deepEqual(await verifyAccountProof(block.stateRoot, stranger, proof.accountProof), {
    exists: false,
  })
  const account = await verifyAccountProof(block.stateRoot, fx.registry, response.account.proof)
  assert.ok(account.exists)
  const unset = keccak256('0xdead')
  const unsetProof = await fx.publicClient.request({
    method: 'eth_getProof',
    params: [fx.registry, [unset], numberToHex(BigInt(response.block.number))],
  })
  const entry = unsetProof.storageProof[0] as { proof: Hex[] }
  assert.equal(await verifyStorageProof(account.storageRoot, unset, entry.proof), 0n)

  const noAccount = await fx.createResponse(asked, { address: stranger })
  await rejectsWith(
    verifyVerifiedRead(noAccount, { ...policy, address: stranger }),
    'READ_CONTRACT_MISSING',
    /not an account/,
  )
  const eoa = await fx.createResponse(asked, { address: fx.owner })
  await rejectsWith(
    verifyVerifiedRead(eoa, { ...policy, address: fx.owner }),
    'READ_CONTRACT_MISSING',
    /without code/,
  )
})

test('behavior: a contract without storage proves every slot 0 (empty storage trie)', async () => {
  // Init code that deploys the one-byte runtime 0x00 (STOP) and writes no storage.
  const empty = await fx.deploy('0x6001600c60003960016000f300')
  const slot = deviceRegistrySlots.device(fx.deviceId)
  const r = await fx.createResponse([slot], { address: empty })
  // anvil proves the empty storage trie with the empty node alone; geth sends no nodes.
  assert.deepEqual(r.storage[0]?.proof, ['0x80'])
  const emptyPolicy = { ...policy, address: empty, slots: [slot] }
  assert.equal((await verifyVerifiedRead(r, emptyPolicy)).values.get(slot), 0n)
  const gethStyle = structuredClone(r)
  ;(gethStyle.storage[0] as Response['storage'][number]).proof = []
  assert.equal((await verifyVerifiedRead(gethStyle, emptyPolicy)).values.get(slot), 0n)
})

test('error: tampered twins of the block header', async () => {
  const header = response.block.header as Hex
  const block = await fx.getRawBlock(BigInt(response.block.number))
  const cases: [string, Response, RegExp?][] = [
    [
      'a header byte flipped',
      twin((r) => {
        r.block.header = flipByte(header, 40)
      }),
      /hash to/,
    ],
    [
      'the header truncated',
      twin((r) => {
        r.block.header = header.slice(0, -2) as Hex
      }),
    ],
    [
      'a byte appended',
      twin((r) => {
        r.block.header = `${header}00` as Hex
      }),
    ],
    [
      'another block hash',
      twin((r) => {
        r.block.hash = block.parentHash as Hex
      }),
    ],
    [
      'another block number',
      twin((r) => {
        r.block.number = String(BigInt(r.block.number) + 1n)
      }),
      /block\.number/,
    ],
  ]
  for (const [name, tampered, detail] of cases) {
    await rejectsWith(verifyVerifiedRead(tampered, policy), 'HEADER_INVALID', detail).catch(
      (err: Error) => {
        err.message = `${name}: ${err.message}`
        throw err
      },
    )
  }
})

test('error: a header with another state root fails the account proof even when attested', async () => {
  // Two lying authorities sign a forged header: the proofs still do not lead to its root.
  const block = await fx.getRawBlock(BigInt(response.block.number))
  const parent = await fx.getRawBlock(BigInt(response.block.number) - 1n)
  const fields = headerFieldsFromRpcBlock(block)
  fields[3] = hexToBytes(parent.stateRoot)
  const forged = RLP.encode(fields)
  const forgedHash = keccak256(forged)
  const blockNumber = BigInt(response.block.number)
  const tampered = twin((r) => {
    r.block.header = bytesToHex(forged)
    r.block.hash = forgedHash
  })
  tampered.signatures = await Promise.all(
    fx.authorities.slice(0, 2).map(async (a) => ({
      signer: a.address,
      signature: await fx.attest(a, { blockNumber, blockHash: forgedHash }),
    })),
  )
  await assert.rejects(verifyVerifiedRead(tampered, policy), (err: unknown) => {
    assert.ok(err instanceof VeriotError)
    assert.equal(err.code, 'STATE_PROOF_INVALID')
    assert.equal(err.context.proof, 'account')
    assert.match(err.message, /^account proof/)
    return true
  })
})

test('error: tampered twins of the account and storage proofs', async () => {
  const accountProof = response.account.proof
  const firstStorage = response.storage[0] as Response['storage'][number]
  const cases: [string, Response, 'account' | 'storage'][] = [
    [
      'account leaf altered',
      twin((r) => {
        r.account.proof[accountProof.length - 1] = flipByte(accountProof.at(-1) as Hex, -3)
      }),
      'account',
    ],
    [
      'account root node altered',
      twin((r) => {
        r.account.proof[0] = flipByte(accountProof[0] as Hex, 10)
      }),
      'account',
    ],
    [
      'account proof missing a node',
      twin((r) => {
        r.account.proof.splice(1, 1)
      }),
      'account',
    ],
    [
      'account proof empty',
      twin((r) => {
        r.account.proof = []
      }),
      'account',
    ],
    [
      'storage leaf altered',
      twin((r) => {
        const entry = r.storage[0] as Response['storage'][number]
        entry.proof[entry.proof.length - 1] = flipByte(firstStorage.proof.at(-1) as Hex, -1)
      }),
      'storage',
    ],
    [
      'storage root node altered',
      twin((r) => {
        const entry = r.storage[0] as Response['storage'][number]
        entry.proof[0] = flipByte(firstStorage.proof[0] as Hex, 5)
      }),
      'storage',
    ],
    [
      'storage proof empty',
      twin((r) => {
        ;(r.storage[0] as Response['storage'][number]).proof = []
      }),
      'storage',
    ],
    [
      'value claimed differently',
      twin((r) => {
        ;(r.storage[0] as Response['storage'][number]).value = '0x1234'
      }),
      'storage',
    ],
    [
      'absent value claimed present',
      twin((r) => {
        const entry = r.storage.find(
          (e) => e.slot === slots.notGranted,
        ) as Response['storage'][number]
        entry.value = '0x1'
      }),
      'storage',
    ],
  ]
  for (const [name, tampered, which] of cases) {
    await assert.rejects(verifyVerifiedRead(tampered, policy), (err: unknown) => {
      assert.ok(err instanceof VeriotError, name)
      assert.equal(err.code, 'STATE_PROOF_INVALID', `${name}: ${err.message}`)
      assert.equal(err.context.proof, which, name)
      return true
    })
  }
})

test('error: a response about something the device did not ask', async () => {
  const other = keccak256('0x0abc')
  const cases: [string, Response, Partial<VerifiedReadPolicy>?][] = [
    [
      'a slot not asked',
      twin((r) => {
        ;(r.storage[0] as Response['storage'][number]).slot = other
      }),
    ],
    [
      'an extra slot',
      twin((r) => {
        r.storage.push({ ...(r.storage[0] as Response['storage'][number]), slot: other })
      }),
    ],
    [
      'a slot answered twice',
      twin((r) => {
        r.storage.push(r.storage[0] as Response['storage'][number])
      }),
    ],
    [
      'a slot not answered',
      twin((r) => {
        r.storage.pop()
      }),
    ],
    ['another contract', response, { address: AUTHORITY_REGISTRY }],
    [
      'another chain',
      twin((r) => {
        r.chainId = 1
      }),
    ],
    [
      'another authority registry',
      twin((r) => {
        r.registry = fx.registry
      }),
    ],
    ['the policy asks another chain', response, { chainId: 1 }],
  ]
  for (const [name, tampered, change] of cases) {
    await rejectsWith(
      verifyVerifiedRead(tampered, { ...policy, ...change }),
      'READ_MISMATCH',
    ).catch((err: Error) => {
      err.message = `${name}: ${err.message}`
      throw err
    })
  }
  // Asking the slots in another order or spelling (upper-case hex) is the same question.
  const reordered = await verifyVerifiedRead(response, {
    ...policy,
    slots: [...asked].reverse().map((s) => `0x${s.slice(2).toUpperCase()}` as Hex),
  })
  assert.equal(reordered.values.size, asked.length)
})

test('error: attestations that must not count', async () => {
  const blockNumber = BigInt(response.block.number)
  const blockHash = response.block.hash as Hex
  const [a, b, c] = fx.authorities as [
    (typeof fx.authorities)[0],
    (typeof fx.authorities)[0],
    (typeof fx.authorities)[0],
  ]
  const stranger = privateKeyToAccount(generatePrivateKey())
  const sig = (
    account: typeof a,
    subject: Partial<{
      blockNumber: bigint
      blockHash: Hex
      chainId: number
      registry: Address
    }> = {},
  ) => fx.attest(account, { blockNumber, blockHash, ...subject })
  const valid = { signer: a.address, signature: await sig(a) }
  const highS = (() => {
    const bytes = hexToBytes(valid.signature)
    const s = BigInt(bytesToHex(bytes.subarray(32, 64)))
    const twinS = secp256k1.Point.CURVE().n - s
    bytes.set(hexToBytes(numberToHex(twinS, { size: 32 })), 32)
    bytes[64] = bytes[64] === 27 ? 28 : 27
    return bytesToHex(bytes)
  })()
  // The high-s twin is a valid ECDSA signature of the same key: only the low-s rule rejects it.
  const digest = attestationDigest({
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    blockNumber,
    blockHash,
  })
  const twinBytes = hexToBytes(highS)
  const recovered = secp256k1.Signature.fromBytes(
    Uint8Array.of((twinBytes[64] as number) - 27, ...twinBytes.subarray(0, 64)),
    'recovered',
  )
    .recoverPublicKey(digest)
    .toBytes(false)
  assert.equal(bytesToHex(keccak_256(recovered.subarray(1)).subarray(12)), a.address.toLowerCase())
  const validB = { signer: b.address, signature: await sig(b) }

  const cases: [string, { signer: Address; signature: Hex }[]][] = [
    ['none', []],
    ['one of two', [valid]],
    ['the same signer twice', [valid, valid]],
    ['the same signer twice, re-signed', [valid, { signer: a.address, signature: await sig(a) }]],
    ['an untrusted key', [valid, { signer: stranger.address, signature: await sig(stranger) }]],
    ['a trusted name, another key', [valid, { signer: b.address, signature: await sig(stranger) }]],
    [
      'over another block hash',
      [valid, { signer: b.address, signature: await sig(b, { blockHash: keccak256('0x01') }) }],
    ],
    [
      'over another block number',
      [valid, { signer: b.address, signature: await sig(b, { blockNumber: blockNumber + 1n }) }],
    ],
    [
      'over another chain id',
      [valid, { signer: b.address, signature: await sig(b, { chainId: 1 }) }],
    ],
    [
      'over another registry',
      [valid, { signer: b.address, signature: await sig(b, { registry: fx.registry }) }],
    ],
    ['high-s', [{ signer: a.address, signature: highS }, validB]],
    ['v = 0', [valid, { signer: b.address, signature: `${(await sig(b)).slice(0, -2)}00` as Hex }]],
    [
      'v = 29',
      [valid, { signer: b.address, signature: `${(await sig(b)).slice(0, -2)}1d` as Hex }],
    ],
    [
      'r = 0',
      [
        valid,
        { signer: b.address, signature: `0x${'00'.repeat(32)}${(await sig(b)).slice(66)}` as Hex },
      ],
    ],
  ]
  for (const [name, signatures] of cases) {
    await rejectsWith(
      verifyVerifiedRead(
        twin((r) => {
          r.signatures = signatures
        }),
        policy,
      ),
      'ATTESTATION_QUORUM_MISSING',
    ).catch((err: Error) => {
      err.message = `${name}: ${err.message}`
      throw err
    })
  }
  // The twin is rejected for its s alone: the same signatures with the low-s one verify.
  const validC = { signer: c.address, signature: await sig(c) }
  const ok = await verifyVerifiedRead(
    twin((r) => {
      r.signatures = [{ signer: a.address, signature: highS }, valid, validC]
    }),
    policy,
  )
  assert.deepEqual(ok.signers, [a.address.toLowerCase(), c.address.toLowerCase()])
})

test('error: a block older than maxAgeSeconds is stale', async () => {
  const timestamp = Number((await fx.getRawBlock(BigInt(response.block.number))).timestamp)
  const at = (seconds: number) => ({
    ...policy,
    maxAgeSeconds: 60,
    now: (timestamp + seconds) * 1000,
  })
  await rejectsWith(verifyVerifiedRead(response, at(61)), 'READ_STALE', /61 s old/)
  assert.ok(await verifyVerifiedRead(response, at(60)))
  // The limit is exact to the millisecond of the device's clock.
  await rejectsWith(
    verifyVerifiedRead(response, { ...at(60), now: (timestamp + 60) * 1000 + 1 }),
    'READ_STALE',
  )
  // A device clock behind the chain is accepted: only age is bounded.
  assert.ok(await verifyVerifiedRead(response, at(-30)))
  await rejectsWith(
    verifyVerifiedRead(response, { ...policy, maxAgeSeconds: 60 }),
    'INVALID_ARGUMENT',
  )
})

/** Fails unless `run` rejects with a VeriotError carrying one of the verified-read codes. */
async function rejectsWithReadCode(name: string, run: () => Promise<unknown>) {
  let outcome: unknown
  try {
    await run()
    outcome = 'accepted'
  } catch (err) {
    outcome = err
  }
  assert.ok(
    outcome instanceof VeriotError && READ_CODES.includes(outcome.code),
    `${name}: expected a verified-read code, got ${outcome instanceof Error ? `${(outcome as VeriotError).code ?? outcome.name}: ${outcome.message}` : String(outcome)}`,
  )
}

test('error: hostile response shapes give only verified-read codes', async () => {
  const huge = Array.from({ length: 100_000 }, () => ({ signer: fx.admin, signature: '0x' }))
  const hostile: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['NaN', Number.NaN],
    ['a string', 'response'],
    ['an array', [response]],
    ['empty object', {}],
    ['extra field', { ...response, extra: 1 }],
    ['chainId NaN', { ...response, chainId: Number.NaN }],
    ['chainId Infinity', { ...response, chainId: Number.POSITIVE_INFINITY }],
    ['chainId -1', { ...response, chainId: -1 }],
    ['chainId 2^53', { ...response, chainId: 2 ** 53 }],
    ['chainId bigint', { ...response, chainId: 31337n }],
    ['chainId string', { ...response, chainId: '31337' }],
    ['registry short', { ...response, registry: '0x1234' }],
    ['block null', { ...response, block: null }],
    [
      'block.number -1',
      twin((r) => {
        r.block.number = '-1'
      }),
    ],
    [
      'block.number leading zero',
      twin((r) => {
        r.block.number = `0${r.block.number}`
      }),
    ],
    [
      'block.number 1e30',
      twin((r) => {
        r.block.number = '1000000000000000000000000000000'
      }),
    ],
    [
      'block.number as number',
      twin((r) => {
        ;(r.block as { number: unknown }).number = 7
      }),
    ],
    [
      'block.hash truncated',
      twin((r) => {
        r.block.hash = r.block.hash.slice(0, 40) as Hex
      }),
    ],
    [
      'block.header odd hex',
      twin((r) => {
        r.block.header = `${r.block.header}0` as Hex
      }),
    ],
    [
      'block.header not hex',
      twin((r) => {
        r.block.header = `0xzz${r.block.header.slice(4)}` as Hex
      }),
    ],
    [
      'block.header empty',
      twin((r) => {
        r.block.header = '0x'
      }),
    ],
    [
      'block.header huge',
      twin((r) => {
        r.block.header = `0x${'00'.repeat(20_000)}`
      }),
    ],
    [
      'block.header an RLP byte string',
      twin((r) => {
        r.block.header = '0x8180'
      }),
    ],
    [
      'account.proof a string',
      twin((r) => {
        ;(r.account as { proof: unknown }).proof = '0x'
      }),
    ],
    [
      'account.proof 100 nodes',
      twin((r) => {
        r.account.proof = Array(100).fill(r.account.proof[0])
      }),
    ],
    [
      'account.proof node too big',
      twin((r) => {
        r.account.proof[0] = `0x${'ab'.repeat(2000)}`
      }),
    ],
    [
      'account.proof node 0x',
      twin((r) => {
        r.account.proof[0] = '0x'
      }),
    ],
    [
      'account.proof node number',
      twin((r) => {
        ;(r.account.proof as unknown[])[0] = 5
      }),
    ],
    [
      'storage not an array',
      twin((r) => {
        ;(r as { storage: unknown }).storage = {}
      }),
    ],
    [
      'storage huge',
      twin((r) => {
        ;(r as { storage: unknown }).storage = Array(100_000).fill(r.storage[0])
      }),
    ],
    [
      'storage slot 31 bytes',
      twin((r) => {
        ;(r.storage[0] as { slot: string }).slot = `0x${'11'.repeat(31)}`
      }),
    ],
    [
      'storage value leading zero',
      twin((r) => {
        ;(r.storage[0] as { value?: string }).value = '0x01'
      }),
    ],
    [
      'storage value 33 bytes',
      twin((r) => {
        ;(r.storage[0] as { value?: string }).value = `0x1${'0'.repeat(64)}`
      }),
    ],
    [
      'storage extra field',
      twin((r) => {
        ;(r.storage[0] as Record<string, unknown>).key = '0x00'
      }),
    ],
    [
      'signatures huge',
      twin((r) => {
        ;(r as { signatures: unknown }).signatures = huge
      }),
    ],
    [
      'signature 64 bytes',
      twin((r) => {
        ;(r.signatures[0] as { signature: string }).signature = `0x${'11'.repeat(64)}`
      }),
    ],
    [
      'signature null',
      twin((r) => {
        ;(r.signatures as unknown[])[0] = null
      }),
    ],
    [
      'signer missing',
      twin((r) => {
        delete (r.signatures[0] as { signer?: string }).signer
      }),
    ],
    [
      'a throwing getter',
      Object.defineProperty({ ...response }, 'chainId', {
        enumerable: true,
        get() {
          throw new Error('boom')
        },
      }),
    ],
    [
      'a header of 14 fields (hash recomputed)',
      twin((r) => {
        const few = RLP.encode(
          (RLP.decode(hexToBytes(r.block.header)) as Uint8Array[]).slice(0, 14),
        )
        r.block.header = bytesToHex(few)
        r.block.hash = keccak256(few)
      }),
    ],
  ]
  for (const [name, value] of hostile) {
    await rejectsWithReadCode(name, () => verifyVerifiedRead(value, policy))
  }
})

test('error: hostile policies give INVALID_ARGUMENT', async () => {
  const bad: [string, unknown][] = [
    ['k 0', { ...policy, k: 0 }],
    ['k above the trusted set', { ...policy, k: 4 }],
    ['k NaN', { ...policy, k: Number.NaN }],
    ['k 1.5', { ...policy, k: 1.5 }],
    [
      'upper-case trusted signer',
      { ...policy, trustedSigners: new Set([fx.authorities[0]?.address]) },
    ],
    ['trusted signers as an array', { ...policy, trustedSigners: [...fx.trustedSigners] }],
    ['slots duplicated', { ...policy, slots: [asked[0], asked[0]] }],
    ['slot short', { ...policy, slots: ['0x01'] }],
    ['chainId 0', { ...policy, chainId: 0 }],
    ['address short', { ...policy, address: '0x12' }],
    ['maxAgeSeconds -1', { ...policy, maxAgeSeconds: -1, now: Date.now() }],
    ['now NaN', { ...policy, maxAgeSeconds: 10, now: Number.NaN }],
    ['null', null],
  ]
  for (const [name, value] of bad) {
    await rejectsWith(
      verifyVerifiedRead(response, value as VerifiedReadPolicy),
      'INVALID_ARGUMENT',
    ).catch((err: Error) => {
      err.message = `${name}: ${err.message}`
      throw err
    })
  }
})

test('behavior: random mutations never yield other values, only verified-read codes', async () => {
  const truth = await verifyVerifiedRead(response, policy)
  // A small deterministic PRNG (mulberry32), so a failure replays.
  let seed = 0x5eed
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  // Half the mutations keep the shape (one bit of a hex string flipped, so the checks behind
  // the schema are reached); half replace the value with something hostile.
  const flipBit = (hex: string): string => {
    const at = 2 + Math.floor(random() * (hex.length - 2))
    const nibble = Number.parseInt(hex[at] as string, 16) ^ (1 << Math.floor(random() * 4))
    return `${hex.slice(0, at)}${nibble.toString(16)}${hex.slice(at + 1)}`
  }
  const hostileValues = (current: unknown): unknown[] => [
    null,
    undefined,
    0,
    -1,
    Number.NaN,
    2 ** 64,
    '',
    '0x',
    [],
    {},
    true,
    typeof current === 'string' ? current.slice(0, Math.floor(random() * current.length)) : 'x',
    typeof current === 'string' && current.length > 4
      ? flipByte(current as Hex, Math.floor(random() * ((current.length - 2) / 2)))
      : '0x00',
    typeof current === 'string' ? current.toUpperCase() : 1,
    typeof current === 'string' ? `${current}00` : [current],
  ]
  const leaves = (value: unknown, path: (string | number)[] = []): (string | number)[][] =>
    value !== null && typeof value === 'object'
      ? Object.entries(value)
          .flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]))
          .concat(path.length > 0 ? [path] : [])
      : [path]
  const paths = leaves(response)
  for (let i = 0; i < 400; i++) {
    const copy = structuredClone(response) as unknown as Record<string | number, unknown>
    const path = pick(paths)
    let parent = copy
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
    const last = path.at(-1) as string | number
    const current = parent[last]
    parent[last] =
      random() < 0.5 && typeof current === 'string' && /^0x[0-9a-fA-F]+$/.test(current)
        ? flipBit(current)
        : pick(hostileValues(current))
    try {
      const read = await verifyVerifiedRead(copy, policy)
      // Accepted only if the mutation changed nothing that matters (e.g. hex case).
      assert.deepEqual([...read.values], [...truth.values], `mutation at ${path.join('.')}`)
      assert.equal(read.blockHash, truth.blockHash)
    } catch (err) {
      assert.ok(
        err instanceof VeriotError && READ_CODES.includes(err.code),
        `mutation at ${path.join('.')}: ${String(err)}`,
      )
    }
  }
})
