// Builds receipt-proof responses (the veriot_verifiedReceipt answer) from a real chain:
// eth_getBlockReceipts, re-encoded here in consensus form (independently of the node's
// encoder), a receipts trie built with @ethereumjs/mpt and checked against the header's
// receiptsRoot, and attestations by the fixture's authority keys. Test support only.

import { createMerkleProof, createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, type Hex, hexToBytes, numberToHex, type PrivateKeyAccount } from 'viem'
import { foundry } from 'viem/chains'
import { AUTHORITY_REGISTRY, type RegistryFixture } from './createRegistryFixture.ts'
import { rlpHeaderFromRpcBlock } from './rlpHeaderFromRpcBlock.ts'

export type TestReceiptResponse = {
  chainId: number
  registry: Hex
  block: { number: string; hash: Hex; header: Hex }
  receipt: { transactionIndex: number; proof: Hex[] }
  signatures: { signer: Hex; signature: Hex }[]
}

type RpcReceipt = {
  type: Hex
  status: Hex
  cumulativeGasUsed: Hex
  logsBloom: Hex
  logs: { address: Hex; topics: Hex[]; data: Hex }[]
  transactionIndex: Hex
  blockNumber: Hex
}

/** The consensus bytes of a JSON-RPC receipt: [type byte ‖] rlp([status, gas, bloom, logs]). */
export function encodeRpcReceipt(r: RpcReceipt): Uint8Array {
  const list = RLP.encode([
    hexToBytes(r.status === '0x1' ? '0x01' : '0x'),
    BigInt(r.cumulativeGasUsed),
    hexToBytes(r.logsBloom),
    r.logs.map((l) => [
      hexToBytes(l.address),
      l.topics.map((t) => hexToBytes(t)),
      hexToBytes(l.data),
    ]),
  ])
  const type = Number(r.type)
  return type === 0 ? list : Uint8Array.from([type, ...list])
}

/** A receipts trie holding `values` at rlp(index); its root and a proof builder. */
export async function createReceiptsTrie(values: readonly Uint8Array[]) {
  const trie = await createMPT()
  for (const [i, value] of values.entries()) await trie.put(RLP.encode(i), value)
  return {
    root: bytesToHex(trie.root()),
    prove: async (index: number) =>
      (await createMerkleProof(trie, RLP.encode(index))).map((n) => bytesToHex(n)),
  }
}

/** The honest answer for `txHash`, signed by `signWith` (default: the first two authorities). */
export async function createReceiptResponse(
  fx: RegistryFixture,
  txHash: Hex,
  signWith: readonly PrivateKeyAccount[] = fx.authorities.slice(0, 2),
): Promise<TestReceiptResponse> {
  const request = fx.publicClient.request as (args: {
    method: string
    params: unknown[]
  }) => Promise<unknown>
  const receipt = (await request({
    method: 'eth_getTransactionReceipt',
    params: [txHash],
  })) as RpcReceipt
  const blockNumber = BigInt(receipt.blockNumber)
  const block = await fx.getRawBlock(blockNumber)
  const receipts = (await request({
    method: 'eth_getBlockReceipts',
    params: [numberToHex(blockNumber)],
  })) as RpcReceipt[]
  receipts.sort((a, b) => Number(a.transactionIndex) - Number(b.transactionIndex))
  const trie = await createReceiptsTrie(receipts.map(encodeRpcReceipt))
  if (trie.root !== block.receiptsRoot) throw new Error('test encoder: receiptsRoot differs')
  const transactionIndex = Number(receipt.transactionIndex)
  return {
    chainId: foundry.id,
    registry: AUTHORITY_REGISTRY,
    block: {
      number: blockNumber.toString(),
      hash: block.hash,
      header: bytesToHex(rlpHeaderFromRpcBlock(block)),
    },
    receipt: { transactionIndex, proof: await trie.prove(transactionIndex) },
    signatures: await Promise.all(
      signWith.map(async (account) => ({
        signer: account.address,
        signature: await fx.attest(account, { blockNumber, blockHash: block.hash }),
      })),
    ),
  }
}
