// Device-side telemetry signing for every suite, end to end through the wire form:
// sign → encode → decode → verifyTelemetrySignature, and a tampered twin of each that fails.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  decodeTelemetry,
  type ErrorCode,
  encodeTelemetry,
  isVeriotError,
  type SuiteName,
  type TelemetryMessage,
  type UnsignedTelemetry,
  verifyTelemetrySignature,
} from '@veriot/core'
import {
  type AuxKey,
  createEd25519Key,
  createMlDsa44Key,
  createTelemetrySigner,
  signTelemetry,
  type TelemetrySigner,
} from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'

const seed = (label: string) => sha256(new TextEncoder().encode(label))
const p256Key = createSoftwareKey(seed('device p256'))
const ed25519Key = createEd25519Key(seed('device ed25519'))
const mlDsa44Key = createMlDsa44Key(seed('device ml-dsa-44'))
const otherEd25519 = createEd25519Key(seed('other ed25519'))
const otherMlDsa44 = createMlDsa44Key(seed('other ml-dsa-44'))
const otherP256 = createSoftwareKey(seed('other p256'))

type Setup = { signer: TelemetrySigner; aux?: AuxKey; otherAux?: AuxKey }
const setups: Record<SuiteName, Setup> = {
  p256: { signer: createTelemetrySigner('p256', { p256: p256Key }) },
  ed25519: {
    signer: createTelemetrySigner('ed25519', { ed25519: ed25519Key }),
    aux: ed25519Key,
    otherAux: otherEd25519,
  },
  mldsa44P256: {
    signer: createTelemetrySigner('mldsa44P256', { p256: p256Key, mlDsa44: mlDsa44Key }),
    aux: mlDsa44Key,
    otherAux: otherMlDsa44,
  },
}

function unsignedFor({ signer }: Setup): UnsignedTelemetry {
  return {
    version: 1,
    deviceId: new Uint8Array(32).fill(0xd1),
    sequence: 42,
    timestamp: 1_750_000_000_000,
    type: 'cold-chain.temp',
    readings: [
      { name: 'temp', value: -21.25, unit: 'Cel' },
      { name: 'door', value: 0, unit: '1' },
    ],
    suite: signer.suite,
    ...(signer.auxPublicKey === undefined ? {} : { auxPublicKey: signer.auxPublicKey }),
  }
}

function keysFor(setup: Setup, aux = setup.aux) {
  return aux === undefined
    ? { p256PublicKey: p256Key.publicKey }
    : { p256PublicKey: p256Key.publicKey, auxPublicKey: aux.publicKey }
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice()
  const i = (index + copy.length) % copy.length
  copy[i] = (copy[i] as number) ^ 0x01
  return copy
}

/** A changed copy of `message`; through the wire form when it still encodes. */
function twin(message: TelemetryMessage, change: Partial<TelemetryMessage>): TelemetryMessage {
  const changed = { ...message, ...change } as TelemetryMessage
  try {
    return decodeTelemetry(encodeTelemetry(changed))
  } catch {
    return changed // e.g. a suite whose signature length differs: verify must still say false
  }
}

function throwsCode(promise: Promise<unknown> | (() => unknown), code: ErrorCode) {
  const check = (err: unknown) => isVeriotError(err, code)
  return typeof promise === 'function'
    ? assert.throws(promise, check)
    : assert.rejects(promise, check)
}

for (const [name, setup] of Object.entries(setups) as [SuiteName, Setup][]) {
  const keys = keysFor(setup)

  test(`default: ${name}: sign → encode → decode → verify`, async () => {
    const message = await signTelemetry(unsignedFor(setup), setup.signer)
    assert.ok(Object.isFrozen(message))
    const decoded = decodeTelemetry(encodeTelemetry(message))
    assert.deepEqual(decoded, message)
    assert.equal(verifyTelemetrySignature(decoded, keys), true)
  })

  test(`behavior: ${name}: every tampered twin fails`, async () => {
    const message = await signTelemetry(unsignedFor(setup), setup.signer)
    const [first, second] = message.readings as [
      TelemetryMessage['readings'][0],
      TelemetryMessage['readings'][0],
    ]
    const { signature } = message
    const twins: [string, TelemetryMessage][] = [
      ['deviceId', twin(message, { deviceId: flip(message.deviceId, 31) })],
      ['sequence + 1', twin(message, { sequence: message.sequence + 1 })],
      ['timestamp + 1 ms', twin(message, { timestamp: message.timestamp + 1 })],
      ['type', twin(message, { type: 'cold-chain.tamp' })],
      ['reading value', twin(message, { readings: [{ ...first, value: -21.5 }, second] })],
      ['reading value 0 → 1', twin(message, { readings: [first, { ...second, value: 1 }] })],
      ['reading name', twin(message, { readings: [{ ...first, name: 'tamp' }, second] })],
      ['reading unit', twin(message, { readings: [{ ...first, unit: 'K' }, second] })],
      ['readings reordered', twin(message, { readings: [second, first] })],
      ['reading dropped', twin(message, { readings: [first] })],
      ['signature first bit', twin(message, { signature: flip(signature, 0) })],
      ['signature last bit', twin(message, { signature: flip(signature, -1) })],
      [
        'signature truncated',
        { ...message, signature: signature.subarray(0, signature.length - 1) },
      ],
      ...(['p256', 'ed25519', 'mldsa44P256'] as const)
        .filter((other) => other !== name)
        .map((other): [string, TelemetryMessage] => [
          `suite changed to ${other}`,
          twin(message, { suite: { p256: 1, ed25519: 2, mldsa44P256: 3 }[other] as 1 | 2 | 3 }),
        ]),
    ]
    if (name === 'mldsa44P256') {
      twins.push(['ML-DSA half bit', twin(message, { signature: flip(signature, 64 + 100) })])
      twins.push([
        'halves swapped',
        {
          ...message,
          signature: Uint8Array.of(...signature.subarray(64), ...signature.subarray(0, 64)),
        },
      ])
    }
    if (setup.aux !== undefined && setup.otherAux !== undefined) {
      const { auxPublicKey: _, ...withoutAux } = message
      twins.push(['aux key dropped from the message', twin(withoutAux as TelemetryMessage, {})])
      twins.push([
        'aux key in the message swapped',
        twin(message, { auxPublicKey: setup.otherAux.publicKey }),
      ])
    }
    assert.equal(verifyTelemetrySignature(message, keys), true, 'the original must verify')
    for (const [label, tampered] of twins) {
      assert.equal(verifyTelemetrySignature(tampered, keys), false, label)
    }
  })

  test(`behavior: ${name}: wrong keys fail`, async () => {
    const message = await signTelemetry(unsignedFor(setup), setup.signer)
    const wrongP256 = { ...keys, p256PublicKey: otherP256.publicKey }
    // The ed25519 suite does not use the P-256 key at all; the others must fail.
    assert.equal(verifyTelemetrySignature(message, wrongP256), name === 'ed25519')
    if (setup.otherAux !== undefined) {
      const { auxPublicKey: _, ...withoutAux } = message
      const resigned = await signTelemetry(withoutAux, setup.signer)
      assert.equal(verifyTelemetrySignature(resigned, keys), true)
      assert.equal(
        verifyTelemetrySignature(resigned, keysFor(setup, setup.otherAux)),
        false,
        'aux key swapped',
      )
      assert.equal(
        verifyTelemetrySignature(resigned, { p256PublicKey: p256Key.publicKey }),
        false,
        'aux key missing',
      )
    }
  })
}

test('behavior: a signer over a hardware-like DeviceKey (sign only) works', async () => {
  const hardware = { sign: (bytes: Uint8Array) => p256Key.sign(bytes) }
  const signer = createTelemetrySigner('p256', { p256: hardware })
  const message = await signTelemetry(unsignedFor(setups.p256), signer)
  assert.equal(verifyTelemetrySignature(message, { p256PublicKey: p256Key.publicKey }), true)
})

test('behavior: in-memory keys from the same seed are the same key', async () => {
  assert.deepEqual(createEd25519Key(seed('device ed25519')).publicKey, ed25519Key.publicKey)
  assert.deepEqual(createMlDsa44Key(seed('device ml-dsa-44')).publicKey, mlDsa44Key.publicKey)
  assert.notDeepEqual(createEd25519Key().publicKey, createEd25519Key().publicKey)
  assert.equal(ed25519Key.publicKey.length, 32)
  assert.equal(mlDsa44Key.publicKey.length, 1312)
  assert.equal((await mlDsa44Key.sign(new Uint8Array(1))).length, 2420)
})

test('error: the message must fit the signer', async () => {
  const unsigned = unsignedFor(setups.ed25519)
  await throwsCode(
    signTelemetry({ ...unsigned, suite: 1 }, setups.ed25519.signer),
    'SUITE_MISMATCH',
  )
  await throwsCode(signTelemetry(unsigned, setups.mldsa44P256.signer), 'SUITE_MISMATCH')
  await throwsCode(
    signTelemetry({ ...unsigned, auxPublicKey: otherEd25519.publicKey }, setups.ed25519.signer),
    'AUX_KEY_MISMATCH',
  )
  await throwsCode(
    signTelemetry(
      { ...unsignedFor(setups.p256), auxPublicKey: ed25519Key.publicKey },
      setups.p256.signer,
    ),
    'AUX_KEY_MISMATCH',
  )
  await throwsCode(
    signTelemetry(
      { ...unsigned, readings: [{ name: 'temp', value: Number.NaN, unit: 'Cel' }] },
      setups.ed25519.signer,
    ),
    'TELEMETRY_VALUE_INVALID',
  )
  await throwsCode(
    signTelemetry({ ...unsigned, sequence: 0 }, setups.ed25519.signer),
    'TELEMETRY_MALFORMED',
  )
})

test('error: createTelemetrySigner refuses missing, mismatched and malformed keys', () => {
  const anyKeys = (keys: object) => keys as { p256: typeof p256Key; mlDsa44: AuxKey }
  throwsCode(() => createTelemetrySigner('p256', anyKeys({})), 'KEY_MALFORMED')
  throwsCode(() => createTelemetrySigner('ed25519', { ed25519: mlDsa44Key }), 'KEY_MALFORMED')
  throwsCode(
    () => createTelemetrySigner('mldsa44P256', anyKeys({ mlDsa44: mlDsa44Key })),
    'KEY_MALFORMED',
  )
  throwsCode(
    () => createTelemetrySigner('mldsa44P256', { p256: p256Key, mlDsa44: ed25519Key }),
    'KEY_MALFORMED',
  )
  const shortKey: AuxKey = {
    algorithm: 'ed25519',
    publicKey: new Uint8Array(31),
    sign: ed25519Key.sign,
  }
  throwsCode(() => createTelemetrySigner('ed25519', { ed25519: shortKey }), 'KEY_MALFORMED')
  throwsCode(
    () => createTelemetrySigner('rsa' as SuiteName, anyKeys({ p256: p256Key })),
    'SUITE_UNSUPPORTED',
  )
  throwsCode(() => createEd25519Key(new Uint8Array(31)), 'KEY_MALFORMED')
  throwsCode(() => createMlDsa44Key(new Uint8Array(33)), 'KEY_MALFORMED')
})

test('error: a key that returns a signature of the wrong length → SIGNATURE_MALFORMED', async () => {
  const broken = { sign: async () => new Uint8Array(63) }
  const signer = createTelemetrySigner('mldsa44P256', { p256: broken, mlDsa44: mlDsa44Key })
  await throwsCode(signTelemetry(unsignedFor(setups.mldsa44P256), signer), 'SIGNATURE_MALFORMED')
})
