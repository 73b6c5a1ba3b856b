// An authority node's BLS12-381 secret key, derived from its secp256k1 signer key, so a node
// has one key to keep (keystore, VERIOT_PRIVATE_KEY) and gets the same BLS key on every start.

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { expand, extract } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import { hexToBytes, keccak256, type LocalAccount, stringToHex } from 'viem'

/** What the signer key signs (raw) to seed its BLS key; never published, never a digest of ours. */
export const BLS_KEY_SEED_MESSAGE = 'VERIOT/authority-bls-key/v1'
/** `key_info` of KeyGen: separates Veriot authority keys from any other use of the same seed. */
const KEY_INFO = utf8ToBytes('VERIOT/authority-bls-key/v1')

/**
 * The BLS secret key (32 bytes, big-endian, in [1, r − 1]) of the authority whose signer is
 * `account`: KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3 (HKDF-SHA-256, salt
 * "BLS-SIG-KEYGEN-SALT-", L = 48) with IKM = the account's raw secp256k1 signature over
 * keccak256("VERIOT/authority-bls-key/v1"). viem's local accounts sign deterministically
 * (RFC 6979), so the key is the same on every start; a signer that adds randomness to its
 * signatures would get a new key each time, which the node detects by comparing the derived
 * public key with the registered one.
 *
 * @throws ACCOUNT_MISSING when the account cannot sign raw digests
 * @example
 * const blsSecretKey = await accountToBlsSecretKey(privateKeyToAccount(key))
 */
export async function accountToBlsSecretKey(account: LocalAccount): Promise<Uint8Array> {
  if (!account.sign) {
    throw new VeriotError('ACCOUNT_MISSING', 'the authority account cannot sign raw digests')
  }
  const seed = await account.sign({ hash: keccak256(stringToHex(BLS_KEY_SEED_MESSAGE)) })
  return keyGen(hexToBytes(seed), KEY_INFO)
}

/** KeyGen(IKM, key_info) of the IETF BLS signature draft (§2.3). */
function keyGen(ikm: Uint8Array, keyInfo: Uint8Array): Uint8Array {
  const r = bls12_381.fields.Fr.ORDER
  const L = 48
  let salt: Uint8Array = utf8ToBytes('BLS-SIG-KEYGEN-SALT-')
  for (;;) {
    salt = sha256(salt)
    const prk = extract(sha256, concatBytes(ikm, new Uint8Array([0])), salt)
    const okm = expand(sha256, prk, concatBytes(keyInfo, numberToBytesBE(L, 2)), L)
    const sk = bytesToNumberBE(okm) % r
    if (sk !== 0n) return numberToBytesBE(sk, 32)
  }
}
