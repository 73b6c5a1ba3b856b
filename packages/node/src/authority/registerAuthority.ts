// Registers an authority node on AuthorityRegistry: the owner account pays the deposit; the
// node's signer key consents by signing the registration digest; with a BLS key, a proof of
// possession (made and checked here first: a bad one would burn the EIP-2537 call's gas).

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { authorityRegistryAbi } from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import { bytesToHex, concatBytes, type Hex, hexToBytes, type LocalAccount } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx, type TxResult } from '../chain/sendContractTx.ts'

/** Proof-of-possession tag of the IETF BLS draft; AuthorityRegistry checks with the same. */
const POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

/**
 * @param params.blsSecretKey a BLS12-381 secret key (see accountToBlsSecretKey) to register
 *   with its proof of possession, so the node's BLS signatures can be aggregated and convicted.
 *   On a chain without the EIP-2537 precompiles (the registry refuses keys there) the node is
 *   registered without it: its attestations are then per-signer secp256k1 only.
 * @throws ACCOUNT_MISSING and the contract's errors (deposit too low, signer convicted or
 *   already registered, BLS key already registered or precompiles unavailable), decoded to codes
 */
export async function registerAuthority(
  owner: ChainConnection,
  params: {
    authorityRegistry: Hex
    signer: LocalAccount
    url: string
    deposit: bigint
    blsSecretKey?: Uint8Array
  },
): Promise<TxResult> {
  if (!owner.account)
    throw new VeriotError('ACCOUNT_MISSING', 'registering an authority needs an owner account')
  if (!params.signer.sign)
    throw new VeriotError('ACCOUNT_MISSING', 'the signer key cannot sign raw digests')
  let blsPublicKey: Hex = '0x'
  let proofOfPossession: Hex = '0x'
  if (params.blsSecretKey && (await hasBlsPrecompiles(owner))) {
    const sigs = bls12_381.longSignatures
    const key = sigs.getPublicKey(params.blsSecretKey)
    const keyBytes = key.toBytes(false)
    // blsPopMessage(signer, key) = key ‖ signer (docs/contracts.md)
    const message = concatBytes([keyBytes, hexToBytes(params.signer.address)])
    const hashed = sigs.hash(message, POP_DST)
    const proof = sigs.sign(hashed, params.blsSecretKey)
    if (!sigs.verify(proof, hashed, key)) {
      throw new VeriotError('INTERNAL', 'the BLS proof of possession does not verify locally')
    }
    blsPublicKey = bytesToHex(keyBytes)
    proofOfPossession = bytesToHex(proof.toBytes(false))
  }
  const digest = await owner.publicClient.readContract({
    address: params.authorityRegistry,
    abi: authorityRegistryAbi,
    functionName: 'registrationDigest',
    args: [owner.account.address, params.url, blsPublicKey],
  })
  const signerProof = await params.signer.sign({ hash: digest })
  return sendContractTx(owner, {
    address: params.authorityRegistry,
    abi: authorityRegistryAbi,
    functionName: 'register',
    args: [params.signer.address, params.url, blsPublicKey, proofOfPossession, signerProof],
    value: params.deposit,
  })
}

/** G1 generator, x ‖ y, each coordinate padded to 64 bytes (EIP-2537 layout). */
const G1_GENERATOR: Hex =
  '0x0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1'

/**
 * The known-answer test Bls12381.isAvailable makes: G1ADD(G, O) = G. On a chain without
 * EIP-2537 a call to 0x0b succeeds with empty output.
 */
async function hasBlsPrecompiles(conn: ChainConnection): Promise<boolean> {
  const answer = await conn.publicClient
    .call({
      to: '0x000000000000000000000000000000000000000b',
      data: `${G1_GENERATOR}${'0'.repeat(256)}`,
    })
    .catch(() => undefined)
  return answer?.data?.toLowerCase() === G1_GENERATOR
}
