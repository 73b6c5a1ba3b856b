// A real DeviceRegistry on a fresh anvil with one registered, provisioned, activated device
// holding one capability, plus three authority keys that sign blocks, and a builder of
// verified-read responses from eth_getProof and eth_getBlockByNumber. Test support only.

import { deviceRegistryAbi, deviceRegistryBytecode } from '@veriot/contracts'
import {
  capabilityToBytes32,
  deviceIdFromPublicKey,
  encodeRegistrationMessage,
  firmwareVersionToUint64,
  publicKeyToCoordinates,
  shortStringToBytes32,
} from '@veriot/core'
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  numberToHex,
  type PrivateKeyAccount,
  type PublicClient,
  zeroAddress,
  zeroHash,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { createMemoryKey } from '../../../src/keys/software/createMemoryKey.ts'
import { attestationDigest } from '../../../src/verified/attestationDigest.ts'
import { startTestAnvil, type TestAnvil } from './anvil.ts'
import { rlpHeaderFromRpcBlock } from './rlpHeaderFromRpcBlock.ts'

/** Stands for the AuthorityRegistry address; the digest only binds it, it needs no code here. */
export const AUTHORITY_REGISTRY: Address = '0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'
export const FIRMWARE = '1.2.3'
export const UNLOCK = capabilityToBytes32('command:unlock')

export type ResponseOptions = {
  /** Default: latest. */
  blockNumber?: bigint
  /** Default: the first two authorities. */
  signWith?: readonly PrivateKeyAccount[]
  /** Default: the registry contract. */
  address?: Address
}

/** A verified-read response as an honest gateway sends it (the device sees it as unknown JSON). */
export type TestResponse = {
  chainId: number
  registry: Address
  block: { number: string; hash: Hex; header: Hex }
  account: { address: Address; proof: Hex[] }
  storage: { slot: Hex; proof: Hex[]; value?: Hex }[]
  signatures: { signer: Address; signature: Hex }[]
}

export type RawBlock = Record<string, unknown> & {
  hash: Hex
  number: Hex
  parentHash: Hex
  stateRoot: Hex
  timestamp: Hex
}

export type AttestationTarget = {
  blockNumber: bigint
  blockHash: Hex
  chainId?: number
  registry?: Address
}

export type RegistryFixture = {
  readonly anvil: TestAnvil
  readonly publicClient: PublicClient
  readonly registry: Address
  readonly contract: { readonly address: Address; readonly abi: typeof deviceRegistryAbi }
  readonly admin: Address
  readonly owner: Address
  readonly deviceId: Hex
  readonly pubKeyX: Hex
  readonly authorities: readonly PrivateKeyAccount[]
  readonly trustedSigners: ReadonlySet<Address>
  /** Signs (chainId, registry, number, hash) raw with `account`: 65 bytes r ‖ s ‖ v. */
  attest(account: PrivateKeyAccount, target: AttestationTarget): Promise<Hex>
  /** eth_getBlockByNumber as JSON; default latest. */
  getRawBlock(blockNumber?: bigint): Promise<RawBlock>
  /** Deploys raw init code from the admin account; returns the contract address. */
  deploy(initCode: Hex): Promise<Address>
  /** A verified-read response for `slots` of the registry, as an honest gateway builds it. */
  createResponse(slots: readonly Hex[], options?: ResponseOptions): Promise<TestResponse>
}

export async function createRegistryFixture(): Promise<RegistryFixture> {
  const anvil = await startTestAnvil()
  try {
    const transport = http(anvil.rpcUrl)
    const publicClient: PublicClient = createPublicClient({ chain: foundry, transport })
    const [admin, owner] = (await createWalletClient({
      chain: foundry,
      transport,
    }).getAddresses()) as [Address, Address]
    const adminWallet = createWalletClient({ chain: foundry, transport, account: admin })
    const ownerWallet = createWalletClient({ chain: foundry, transport, account: owner })
    const mined = async (hash: Hex) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
      return receipt
    }

    const deployed = await mined(
      await adminWallet.deployContract({
        abi: deviceRegistryAbi,
        bytecode: deviceRegistryBytecode,
        args: [admin, zeroAddress],
      }),
    )
    const registry = deployed.contractAddress as Address
    const contract = { address: registry, abi: deviceRegistryAbi } as const
    const manufacturerRole = await publicClient.readContract({
      ...contract,
      functionName: 'MANUFACTURER_ROLE',
    })
    await mined(
      await adminWallet.writeContract({
        ...contract,
        functionName: 'grantRole',
        args: [manufacturerRole, admin],
      }),
    )

    const key = createMemoryKey()
    const deviceId = deviceIdFromPublicKey(key.publicKey) as Hex
    const { x, y } = publicKeyToCoordinates(key.publicKey)
    const registration = {
      pubKeyX: x,
      pubKeyY: y,
      suite: 1,
      model: shortStringToBytes32('model', 'lock-7'),
      firmwareVersion: firmwareVersionToUint64(FIRMWARE),
      metadataHash: zeroHash,
      auxKeyHash: zeroHash,
    }
    const message = encodeRegistrationMessage(registration, {
      chainId: BigInt(foundry.id),
      registry,
      nonce: 0n,
      manufacturer: admin,
      deviceId,
    })
    const signature = await key.sign(hexToBytes(message))
    await key.close()
    await mined(
      await adminWallet.writeContract({
        ...contract,
        functionName: 'register',
        args: [
          registration,
          bytesToHex(signature.subarray(0, 32)),
          bytesToHex(signature.subarray(32, 64)),
        ],
      }),
    )
    await mined(
      await adminWallet.writeContract({
        ...contract,
        functionName: 'provision',
        args: [deviceId, owner],
      }),
    )
    await mined(
      await ownerWallet.writeContract({ ...contract, functionName: 'activate', args: [deviceId] }),
    )
    await mined(
      await ownerWallet.writeContract({
        ...contract,
        functionName: 'grantCapability',
        args: [deviceId, UNLOCK],
      }),
    )

    const authorities = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()))
    const trustedSigners = new Set(authorities.map((a) => a.address.toLowerCase() as Address))

    const attest = (account: PrivateKeyAccount, subject: AttestationTarget) =>
      account.sign({
        hash: bytesToHex(
          attestationDigest({
            chainId: subject.chainId ?? foundry.id,
            registry: subject.registry ?? AUTHORITY_REGISTRY,
            blockNumber: subject.blockNumber,
            blockHash: subject.blockHash,
          }),
        ),
      })

    const getRawBlock = async (blockNumber?: bigint) =>
      (await publicClient.request({
        method: 'eth_getBlockByNumber',
        params: [blockNumber === undefined ? 'latest' : numberToHex(blockNumber), false],
      })) as unknown as RawBlock

    const createResponse = async (
      slots: readonly Hex[],
      options: ResponseOptions = {},
    ): Promise<TestResponse> => {
      const block = await getRawBlock(options.blockNumber)
      const blockNumber = BigInt(block.number)
      const address = options.address ?? registry
      const proof = await publicClient.request({
        method: 'eth_getProof',
        params: [address, [...slots], numberToHex(blockNumber)],
      })
      const signWith = options.signWith ?? authorities.slice(0, 2)
      return {
        chainId: foundry.id,
        registry: AUTHORITY_REGISTRY,
        block: {
          number: blockNumber.toString(),
          hash: block.hash,
          header: bytesToHex(rlpHeaderFromRpcBlock(block)),
        },
        account: { address, proof: proof.accountProof },
        storage: proof.storageProof.map((entry, i) => ({
          slot: slots[i] as Hex,
          proof: entry.proof,
          value: entry.value,
        })),
        signatures: await Promise.all(
          signWith.map(async (account) => ({
            signer: account.address,
            signature: await attest(account, { blockNumber, blockHash: block.hash }),
          })),
        ),
      }
    }

    const deploy = async (initCode: Hex) => {
      const hash = await adminWallet.sendTransaction({ data: initCode, to: null })
      return (await mined(hash)).contractAddress as Address
    }

    return {
      anvil,
      deploy,
      publicClient,
      registry,
      contract,
      admin,
      owner,
      deviceId,
      pubKeyX: x,
      authorities,
      trustedSigners,
      attest,
      getRawBlock,
      createResponse,
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
