// Builds the receipts trie of a block from all its receipts and proves one of them: the
// Merkle-Patricia trie keyed by rlp(transactionIndex) whose root the header commits to as
// receiptsRoot. The root is checked, so a proof that would not verify is never served.

import { createMerkleProof, createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, type Hex } from 'viem'
import { type RpcReceipt, receiptToRlp } from '../chain/receiptToRlp.ts'

/**
 * The proof (trie nodes, root first) of the receipt at `transactionIndex` among `receipts`
 * (every receipt of one block, any order), built against `receiptsRoot`.
 * @throws Error when the receipts do not rebuild `receiptsRoot` (a chain node that returned
 *   other receipts than the block's, or an encoding this node gets wrong) or the index is
 *   not among them: an internal failure, never an answer
 */
export async function buildReceiptProof(
  receipts: readonly RpcReceipt[],
  transactionIndex: number,
  receiptsRoot: Hex,
): Promise<Hex[]> {
  const trie = await createMPT()
  const indices = new Set<number>()
  for (const receipt of receipts) {
    const index = Number(BigInt(receipt.transactionIndex))
    if (indices.has(index)) throw new Error(`receipt index ${index} appears twice`)
    indices.add(index)
    await trie.put(RLP.encode(index), receiptToRlp(receipt))
  }
  const root = bytesToHex(trie.root())
  if (root.toLowerCase() !== receiptsRoot.toLowerCase()) {
    throw new Error(`receipts rebuild root ${root}, the header has ${receiptsRoot}`)
  }
  if (!indices.has(transactionIndex)) {
    throw new Error(`no receipt at index ${transactionIndex} among ${receipts.length}`)
  }
  const proof = await createMerkleProof(trie, RLP.encode(transactionIndex))
  return proof.map((node) => bytesToHex(node))
}
