// Keccak-256 for the verifying client: hash-wasm's WebAssembly Keccak when it has been loaded
// (about 9× noble's JavaScript on a 532-byte trie node), noble otherwise. Both give the same
// bytes — the WebAssembly engine is taken only after it matches noble on known inputs — so which
// engine ran never changes a verdict, only how long it took. A verified read hashes every trie
// node of its proofs (18 on a DeviceRegistry of 100 001 devices), the header and the signers'
// keys: on a device that is most of the check after the k signature recoveries.

import { equalBytes } from '@noble/curves/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak, type IHasher } from 'hash-wasm'

let hasher: IHasher | null | undefined
let loading: Promise<boolean> | undefined
let nobleOnly = false

/**
 * Loads the WebAssembly engine once per process (or worker): true when it is in use from now
 * on, false when it did not instantiate or failed the self-test (noble stays in use).
 * Never throws.
 */
export function loadKeccakWasm(): Promise<boolean> {
  if (hasher !== undefined) return Promise.resolve(hasher !== null)
  loading ??= createKeccak(256).then(
    (candidate) => {
      hasher = isSound(candidate) ? candidate : null
      return hasher !== null
    },
    () => {
      hasher = null
      return false
    },
  )
  return loading
}

/**
 * 'noble' keeps every hash on noble even when the WebAssembly engine is loaded (a device that
 * must run only JavaScript it has audited; benchmarks comparing the two in one run);
 * 'auto' (the default) takes the WebAssembly engine once loadKeccakWasm has loaded it.
 */
export function useKeccakEngine(choice: 'auto' | 'noble'): void {
  nobleOnly = choice === 'noble'
}

/** Which engine keccak256 runs on now. */
export function keccakEngine(): 'hash-wasm' | 'noble' {
  return hasher && !nobleOnly ? 'hash-wasm' : 'noble'
}

/** Keccak-256 of `data` (a fresh 32-byte array), on the loaded engine. */
export function keccak256(data: Uint8Array): Uint8Array {
  if (!hasher || nobleOnly) return keccak_256(data)
  // init/update/digest run synchronously, so no other call can interleave on the one hasher.
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

/**
 * True when `candidate` gives noble's digest at the sponge's edges (empty, one byte short of a
 * 136-byte block, a block, one over, several) and returns a fresh array each time.
 */
function isSound(candidate: IHasher): boolean {
  try {
    const digests: Uint8Array[] = []
    for (const length of [0, 1, 32, 135, 136, 137, 272, 532, 1000]) {
      const input = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff)
      candidate.init()
      candidate.update(input)
      const digest = candidate.digest('binary')
      if (!(digest instanceof Uint8Array) || !equalBytes(digest, keccak_256(input))) return false
      digests.push(digest)
    }
    // A digest must not be a view that the next call overwrites.
    return equalBytes(digests[0] as Uint8Array, keccak_256(new Uint8Array(0)))
  } catch {
    return false
  }
}
