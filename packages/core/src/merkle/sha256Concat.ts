// SHA-256 of the Merkle tree (leaf, node and empty-tree hashes): node:crypto (OpenSSL) where the
// runtime has it and it passes a known-answer self-test, @noble/hashes otherwise.

import type * as NodeCrypto from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'

// Looked up, not imported, so that @veriot/core still loads where node:crypto does not exist
// (browsers, some device runtimes); the tree then hashes with noble. Node has it from 20.16.
const nodeCrypto: typeof NodeCrypto | undefined =
  globalThis.process?.getBuiltinModule?.('node:crypto')

/** What computes SHA-256 for the tree: OpenSSL through node:crypto, or noble (pure JS). */
export type Sha256Engine = 'node-crypto' | 'noble'

// node:crypto's one-shot hash() takes one input, so the parts are copied together here first:
// for inputs up to a telemetry leaf (0x00 ‖ a 16 KiB message) that is quicker than an
// incremental createHash() without the copy (measured on Node 20: ~0.9 against ~1.4 µs for a
// 167-byte leaf, ~1.0 against ~1.7 µs for an inner node). Larger inputs go to createHash().
// Only used synchronously, so one buffer per module (and worker) is enough.
const SCRATCH_BYTES = 16 * 1024 + 1
const scratch = new Uint8Array(SCRATCH_BYTES)

/**
 * SHA-256 of the concatenation of `parts`, on the engine {@link getSha256Engine} chose. The
 * result is a plain Uint8Array of 32 bytes (never a Buffer), whatever the engine.
 *
 * @example
 * const leafHash = sha256Concat([Uint8Array.of(0x00), leaf])
 */
export function sha256Concat(parts: readonly Uint8Array[]): Uint8Array {
  return sha256ConcatWith(getSha256Engine(), parts)
}

/** {@link sha256Concat} on a given engine, for the tests that hold the two engines equal. */
export function sha256ConcatWith(engine: Sha256Engine, parts: readonly Uint8Array[]): Uint8Array {
  if (engine === 'node-crypto' && nodeCrypto !== undefined) return nodeSha256(nodeCrypto, parts)
  const hash = sha256.create()
  for (const part of parts) hash.update(part)
  return hash.digest()
}

function nodeSha256(crypto: typeof NodeCrypto, parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  let digest: Buffer
  // crypto.hash() is in Node from 20.12 (and 21.7); other runtimes may have createHash only.
  if (length <= SCRATCH_BYTES && typeof crypto.hash === 'function') {
    let offset = 0
    for (const part of parts) {
      scratch.set(part, offset)
      offset += part.length
    }
    digest = crypto.hash('sha256', scratch.subarray(0, length), 'buffer')
  } else {
    const hash = crypto.createHash('sha256')
    for (const part of parts) hash.update(part)
    digest = hash.digest()
  }
  // A view of the digest's own 32-byte buffer, not a Buffer: callers compare hashes with
  // equalBytes and deepStrictEqual, for which a Buffer is not equal to a Uint8Array.
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

let engine: Sha256Engine | undefined

/**
 * The engine {@link sha256Concat} uses: node:crypto when the runtime has it and it passes a
 * known-answer self-test on first use, noble otherwise. Chosen once per process (or worker).
 */
export function getSha256Engine(): Sha256Engine {
  engine ??= nodeCrypto !== undefined && isNodeCryptoSound() ? 'node-crypto' : 'noble'
  return engine
}

// Known answers: FIPS 180-2 appendix B ("abc", the 448-bit two-block message), the empty string,
// and 16 KiB + 2 zero bytes (computed with sha256sum), which is too long for the scratch buffer
// and so takes the createHash() path.
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
const TWO_BLOCKS = '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const ZEROS_LONG = '976b921d02c38a2738eccec2a697db41ee033595427bd39ff8f4b605fb4eaeb8'

/**
 * True when node:crypto gives the known answers, the parts split at odd places included (so
 * the copy into the scratch buffer is checked too). Elsewhere than Node, node:crypto may be a
 * different implementation; one that disagrees is not used. Any throw counts as a failure.
 */
function isNodeCryptoSound(): boolean {
  try {
    const answer = (parts: Uint8Array[]) => bytesToHex(sha256ConcatWith('node-crypto', parts))
    const abc = utf8ToBytes('abc')
    const twoBlocks = utf8ToBytes('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')
    return (
      answer([abc]) === ABC &&
      answer([abc.subarray(0, 1), new Uint8Array(0), abc.subarray(1)]) === ABC &&
      answer([twoBlocks.subarray(0, 13), twoBlocks.subarray(13)]) === TWO_BLOCKS &&
      answer([]) === EMPTY &&
      answer([new Uint8Array(1), new Uint8Array(SCRATCH_BYTES)]) === ZEROS_LONG &&
      // After the long input, the scratch path again: nothing is left over from before.
      answer([abc]) === ABC
    )
  } catch {
    return false
  }
}
