// Benchmark b (gas): gas per reading of TelemetryAnchor.anchor at batch sizes 1, 256 and 8192
// (gasUsed of the transaction ÷ batch size), beside NaiveReadingLog.post, which stores one
// reading per transaction, measured on the same anvil. Target: ≤ 10 gas per reading at 8192.

import { randomBytes } from 'node:crypto'
import {
  naiveReadingLogAbi,
  naiveReadingLogBytecode,
  telemetryAnchorAbi,
  telemetryAnchorBytecode,
} from '@veriot/contracts'
import { merkleRoot } from '@veriot/core'
import { type ChainConnection, connectChain, sendContractTx } from '@veriot/node'
import { getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import { type Address, bytesToHex, type Hex } from 'viem'
import type { Benchmark } from '../Benchmark.ts'
import { getMachine } from '../report/getMachine.ts'
import { roundTo } from '../report/roundTo.ts'

const BATCH_SIZES = [1, 256, 8192] as const
const ANCHORS_PER_SIZE = 4
const NAIVE_POSTS = 32
const TARGET = 10

export const gasBench: Benchmark = {
  name: 'gas',
  description: 'gas per reading: TelemetryAnchor.anchor vs NaiveReadingLog.post',
  async run() {
    const anvil = await startAnvil()
    try {
      const conn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(9) })
      const nodeInfo = (await conn.publicClient
        .request({ method: 'anvil_nodeInfo' } as never)
        .catch(() => undefined)) as { hardFork?: string } | undefined
      const anchor = await deploy(conn, telemetryAnchorAbi, telemetryAnchorBytecode)
      const naive = await deploy(conn, naiveReadingLogAbi, naiveReadingLogBytecode)
      const gasOf = async (txHash: Hex) =>
        Number((await conn.publicClient.getTransactionReceipt({ hash: txHash })).gasUsed)

      const naiveGas: number[] = []
      for (let i = 0; i < NAIVE_POSTS; i++) {
        const { txHash } = await sendContractTx(conn, {
          address: naive,
          abi: naiveReadingLogAbi,
          functionName: 'post',
          args: [bytesToHex(randomBytes(32))],
        })
        naiveGas.push(await gasOf(txHash))
      }
      const naivePerReading = mean(naiveGas)

      let batchId = 0n
      const sizes = []
      for (const size of BATCH_SIZES) {
        const gas: number[] = []
        for (let i = 0; i < ANCHORS_PER_SIZE; i++) {
          const leaves = Array.from({ length: size }, () => new Uint8Array(randomBytes(32)))
          const first = BigInt(Date.now())
          const { txHash } = await sendContractTx(conn, {
            address: anchor,
            abi: telemetryAnchorAbi,
            functionName: 'anchor',
            args: [++batchId, bytesToHex(merkleRoot(leaves)), size, first, first + 60_000n],
          })
          gas.push(await gasOf(txHash))
        }
        const perTx = mean(gas)
        sizes.push({
          batchSize: size,
          anchors: gas.length,
          gasPerTx: roundTo(perTx, 1),
          gasPerTxMin: Math.min(...gas),
          gasPerTxMax: Math.max(...gas),
          gasPerReading: roundTo(perTx / size, 2),
          naiveOverAnchor: roundTo(naivePerReading / (perTx / size), 2),
        })
      }
      const at8192 = sizes.find((s) => s.batchSize === 8192)?.gasPerReading ?? Number.NaN
      const result = {
        benchmark: 'gas',
        date: new Date().toISOString(),
        machine: getMachine(),
        chain: { node: 'anvil (@foundry-rs/anvil)', hardFork: nodeInfo?.hardFork ?? 'unknown' },
        method: [
          'gasUsed from the receipt of each transaction (includes the 21 000 intrinsic gas and calldata), divided by the readings it covers.',
          `TelemetryAnchor.anchor: ${ANCHORS_PER_SIZE} anchors per batch size, each a fresh batch id (a new storage slot) and the RFC 6962 root of that many random leaves.`,
          `Baseline NaiveReadingLog.post: one transaction per reading (a storage slot and an event each), ${NAIVE_POSTS} posts of random reading hashes; gas per reading = mean gasUsed per post.`,
        ],
        baseline: {
          contract: 'NaiveReadingLog.post',
          posts: naiveGas.length,
          gasPerReading: roundTo(naivePerReading, 1),
          gasPerTxMin: Math.min(...naiveGas),
          gasPerTxMax: Math.max(...naiveGas),
        },
        anchor: sizes,
        target: {
          metric: 'TelemetryAnchor gas per reading at batch size 8192',
          threshold: TARGET,
          value: at8192,
          met: at8192 <= TARGET,
        },
      }
      const summary = [
        `  NaiveReadingLog.post: ${roundTo(naivePerReading, 1)} gas per reading (baseline); chain: anvil, ${result.chain.hardFork}`,
        ...sizes.map(
          (s) =>
            `  TelemetryAnchor.anchor, batch ${String(s.batchSize).padStart(4)}: ${s.gasPerTx} gas/tx = ${s.gasPerReading} gas per reading (naive ÷ anchor = ${s.naiveOverAnchor})`,
        ),
        `  target: ≤ ${TARGET} gas per reading at 8192: ${at8192} → ${at8192 <= TARGET ? 'MET' : 'MISSED'}`,
      ]
      return { result, summary }
    } finally {
      await anvil.stop()
    }
  },
}

async function deploy(
  conn: ChainConnection,
  abi: typeof telemetryAnchorAbi | typeof naiveReadingLogAbi,
  bytecode: Hex,
): Promise<Address> {
  const wallet = conn.walletClient
  if (!wallet?.account) throw new Error('gas benchmark needs an account')
  const hash = await wallet.deployContract({
    abi,
    bytecode,
    account: wallet.account,
    chain: conn.chain,
  })
  const receipt = await conn.publicClient.waitForTransactionReceipt({ hash })
  if (!receipt.contractAddress) throw new Error(`deployment ${hash} created no contract`)
  return receipt.contractAddress
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}
