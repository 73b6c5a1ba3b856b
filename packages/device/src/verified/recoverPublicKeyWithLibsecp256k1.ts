// The fast secp256k1 engine: bitcoin-core's libsecp256k1 compiled to WebAssembly, through
// tiny-secp256k1, loaded lazily and only when present, so a device without it runs on noble.

import { createRequire } from 'node:module'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

// The one part of tiny-secp256k1 2.2.4 used here (its own types live in lib/index.d.ts).
type TinySecp256k1 = {
  recover(
    h: Uint8Array,
    signature: Uint8Array,
    recoveryId: 0 | 1 | 2 | 3,
    compressed?: boolean,
  ): Uint8Array | null
}

let lib: TinySecp256k1 | null | undefined

/**
 * The loaded module, or null when tiny-secp256k1 is missing, its WebAssembly does not
 * instantiate, or it fails the known-answer self-test. Tried once per process (or worker);
 * loading compiles the 1 MB module synchronously, about 15 ms.
 */
export function loadLibsecp256k1(): TinySecp256k1 | null {
  if (lib !== undefined) return lib
  try {
    // A literal specifier, so the device package's import allow-list test sees it. Node picks
    // the package's CommonJS build, which reads lib/secp256k1.wasm from disk: no network.
    const require = createRequire(import.meta.url)
    const loaded = require('tiny-secp256k1') as TinySecp256k1
    lib = isLibsecp256k1Sound(loaded) ? loaded : null
  } catch {
    lib = null
  }
  return lib
}

/**
 * The 65-byte uncompressed public key that `signature` (64 bytes r ‖ s) with `recoveryId`
 * (0 or 1: v − 27) recovers to over the 32-byte `digest`, or undefined when none does.
 * libsecp256k1's recovery accepts high s as well: the low-s rule and the range checks are the
 * caller's (verifyAttestationSignature), made before either engine runs.
 * @throws Error when the engine is not loaded or an input is out of range; callers fail closed
 */
export function recoverPublicKeyWithLibsecp256k1(
  digest: Uint8Array,
  signature: Uint8Array,
  recoveryId: 0 | 1,
): Uint8Array | undefined {
  const loaded = loadLibsecp256k1()
  if (loaded === null) throw new Error('tiny-secp256k1 is not loaded')
  return loaded.recover(digest, signature, recoveryId, false) ?? undefined
}

// Known answer, made with noble: secret key keccak256("veriot secp256k1 self-test key"),
// digest keccak256("veriot secp256k1 self-test"), signed with recovery id 0; the signer's address.
const SELF_TEST_DIGEST = hexToBytes(
  'cddce105ca103bdbb056b9fb165b3ea71919c877fa84c0a196597b55d3c7937e',
)
const SELF_TEST_SIGNATURE = hexToBytes(
  '0cef7483f85836dcf80ca272c0bccdf7d09a94cd8bd757237fe6c9b9c7f5112d' +
    '4ed7e33dd08ff998b5bd429b0bb86c646d322a1799ad603f7cd76e1aff845a56',
)
const SELF_TEST_ADDRESS = 'af393a964b072c4c7259e1fcbeb58d2ea00b3b54'

/**
 * True when the module gives the project's answers on a known signature: the signer's key
 * with recovery id 0, another key with 1 and over another digest.
 */
function isLibsecp256k1Sound(candidate: TinySecp256k1): boolean {
  const address = (digest: Uint8Array, recoveryId: 0 | 1) => {
    const key = candidate.recover(digest, SELF_TEST_SIGNATURE, recoveryId, false)
    return key instanceof Uint8Array && key.length === 65
      ? bytesToHex(keccak_256(key.subarray(1)).subarray(12))
      : undefined
  }
  const other = new Uint8Array(SELF_TEST_DIGEST)
  other[0] = (other[0] as number) ^ 1
  const otherAddress = address(other, 0)
  const flippedAddress = address(SELF_TEST_DIGEST, 1)
  return (
    address(SELF_TEST_DIGEST, 0) === SELF_TEST_ADDRESS &&
    otherAddress !== undefined &&
    otherAddress !== SELF_TEST_ADDRESS &&
    flippedAddress !== undefined &&
    flippedAddress !== SELF_TEST_ADDRESS
  )
}
