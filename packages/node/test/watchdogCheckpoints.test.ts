// The watchdog's checkpoints on anvil. On a Cancun chain (no EIP-2935, so AuthorityRegistry
// knows only the last 256 block hashes) a lie about a block long out of reach is still
// convicted: the watchdog saved a checkpoint while it could, and extends it backwards with
// headers from its own chain before the reveal. And sampling checks BLS signatures too.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { authorityRegistryAbi, authorityRegistryBytecode } from '@veriot/contracts'
import { attestationDigest } from '@veriot/device'
import {
  bytesToHex,
  type Hex,
  keccak256,
  parseEther,
  stringToBytes,
  zeroAddress,
  zeroHash,
} from 'viem'
import { type Anvil, getAnvilAccount, startAnvil } from '../src/anvil/index.ts'
import { accountToBlsSecretKey } from '../src/authority/accountToBlsSecretKey.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { createWatchdog, type Verdict } from '../src/authority/createWatchdog.ts'
import { registerAuthority } from '../src/authority/registerAuthority.ts'
import { type ChainConnection, connectChain } from '../src/chain/connectChain.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const mine = (conn: ChainConnection, blocks: number) =>
  conn.publicClient.request({
    method: 'anvil_mine' as never,
    params: [`0x${blocks.toString(16)}`] as never,
  })

describe('watchdog: checkpoints make old lies provable (Cancun, 256-block reach)', () => {
  let anvil: Anvil
  let admin: ChainConnection
  let registry: Hex

  before(async () => {
    anvil = await startAnvil({ hardfork: 'cancun' })
    admin = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    const wallet = admin.walletClient
    assert.ok(wallet)
    const hash = await wallet.deployContract({
      abi: authorityRegistryAbi,
      bytecode: authorityRegistryBytecode,
      args: [getAnvilAccount(0).address, parseEther('1'), 86_400n, 5000, zeroAddress],
      account: getAnvilAccount(0),
      chain: wallet.chain,
    })
    const receipt = await admin.publicClient.waitForTransactionReceipt({ hash })
    registry = receipt.contractAddress as Hex
  })
  after(async () => {
    await anvil?.stop()
  })

  test('behavior: a lie about a block 300+ blocks old is convicted from the nearest checkpoint', async () => {
    const liar = getAnvilAccount(5)
    await registerAuthority(await connectChain({ rpcUrl: anvil.rpcUrl, account: liar }), {
      authorityRegistry: registry,
      signer: liar,
      url: 'http://127.0.0.1:1',
      deposit: parseEther('2'),
    })
    const watchdogConn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(8) })
    const events: string[] = []
    const watchdog = createWatchdog({
      conn: watchdogConn,
      authorityRegistry: registry,
      checkpointEvery: 64,
      headersPerTx: 25,
      onEvent: (e) => events.push(`${e.kind} ${e.detail ?? ''}`),
    })
    const read = <T>(functionName: string, args: unknown[]) =>
      admin.publicClient.readContract({
        address: registry,
        abi: authorityRegistryAbi,
        functionName: functionName as never,
        args: args as never,
      }) as Promise<T>

    // The liar signs a forged hash of block 10.
    await mine(admin, 20)
    const lieBlock = 10n
    const forged = keccak256(stringToBytes('not block 10'))
    const signature = await liar.sign({
      hash: bytesToHex(
        attestationDigest({
          chainId: 31337,
          registry,
          blockNumber: lieBlock,
          blockHash: forged,
        }),
      ),
    })
    // The watchdog keeps saving checkpoints while the chain grows: 64 and 128 are due.
    await mine(admin, 120)
    assert.deepEqual(await watchdog.saveCheckpoints(), [64n, 128n])
    assert.deepEqual(await watchdog.saveCheckpoints(), []) // saved once
    const real64 = (await admin.publicClient.getBlock({ blockNumber: 64n })).hash
    assert.equal(await read<Hex>('checkpoints', [64n]), real64)

    // 300 blocks later, block 10 is far beyond BLOCKHASH: the registry cannot tell its hash.
    await mine(admin, 300)
    await assert.rejects(read('canonicalHash', [lieBlock]), /CanonicalHashUnknown/)

    const miner = setInterval(() => void mine(admin, 1).catch(() => {}), 200)
    let verdict: Verdict
    try {
      verdict = await watchdog.examine({
        signer: liar.address,
        blockNumber: lieBlock,
        blockHash: forged,
        signature,
      })
    } finally {
      clearInterval(miner)
    }
    assert.equal(
      verdict.kind,
      'convicted',
      JSON.stringify(verdict, (_k, v) => `${v}`),
    )
    assert.equal(verdict.kind === 'convicted' ? verdict.reward : 0n, parseEther('1'))
    assert.equal(await read('statusOf', [liar.address]), 4) // Convicted
    // It extended the checkpoint at 64 (not a block in reach): 54 headers, in 3 transactions.
    assert.ok(events.includes('checkpoint-extending from block 64 back to 10'), events.join('; '))
    const real10 = (await admin.publicClient.getBlock({ blockNumber: lieBlock })).hash
    assert.equal(await read<Hex>('canonicalHash', [lieBlock]), real10)
    assert.equal(
      await read<Hex>('checkpoints', [14n]),
      (await admin.publicClient.getBlock({ blockNumber: 14n })).hash,
    )
  })
})

describe('watchdog: sampling checks BLS signatures; EIP-2935 reach (Osaka)', () => {
  let chain: TestChain
  const nodes: AuthorityNode[] = []

  before(async () => {
    chain = await startTestChain()
    const registry = chain.deployment.contracts.AuthorityRegistry.address
    for (const index of [5, 6]) {
      const account = getAnvilAccount(index)
      const conn = await chain.as(index)
      const registered = await accountToBlsSecretKey(account)
      // Node 6 signs with another BLS key than the one it registered.
      const signing = index === 6 ? await accountToBlsSecretKey(getAnvilAccount(7)) : registered
      const node = await startAuthorityNode({
        conn,
        account,
        registry,
        finalityDepth: 2,
        blsSecretKey: signing,
      })
      await registerAuthority(conn, {
        authorityRegistry: registry,
        signer: account,
        url: node.url,
        deposit: parseEther('2'),
        blsSecretKey: registered,
      })
      nodes.push(node)
    }
    await mine(await chain.as(0), 5)
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    await chain?.stop()
  })

  test('behavior: an honest node passes both checks; a bad BLS signature is reported', async () => {
    const events: string[] = []
    const watchdog = createWatchdog({
      conn: await chain.as(8),
      authorityRegistry: chain.deployment.contracts.AuthorityRegistry.address,
      onEvent: (e) => events.push(e.kind),
    })
    const honest = await watchdog.sample((nodes[0] as AuthorityNode).url, 1)
    assert.deepEqual(
      honest.map((v) => v.kind),
      ['honest', 'honest'],
    )
    const mismatched = await watchdog.sample((nodes[1] as AuthorityNode).url, 1)
    assert.deepEqual(
      mismatched.map((v) => v.kind),
      ['honest', 'invalid-signature'],
    )
    assert.ok(events.includes('bls-signature-invalid'))
  })

  test('behavior: a lie about a block beyond BLOCKHASH but within EIP-2935 is saved, then convicted', async () => {
    const admin = await chain.as(0)
    const registry = chain.deployment.contracts.AuthorityRegistry.address
    const liar = getAnvilAccount(5)
    const lieBlock = 3n
    const forged = keccak256(stringToBytes('not block 3'))
    const signature = await liar.sign({
      hash: bytesToHex(
        attestationDigest({ chainId: 31337, registry, blockNumber: lieBlock, blockHash: forged }),
      ),
    })
    await mine(admin, 300)
    const read = <T>(functionName: string, args: unknown[]) =>
      admin.publicClient.readContract({
        address: registry,
        abi: authorityRegistryAbi,
        functionName: functionName as never,
        args: args as never,
      }) as Promise<T>
    assert.equal(await read<Hex>('checkpoints', [lieBlock]), zeroHash)
    const watchdog = createWatchdog({ conn: await chain.as(8), authorityRegistry: registry })
    const miner = setInterval(() => void mine(admin, 1).catch(() => {}), 200)
    const verdict = await watchdog
      .examine({ signer: liar.address, blockNumber: lieBlock, blockHash: forged, signature })
      .finally(() => clearInterval(miner))
    assert.equal(
      verdict.kind,
      'convicted',
      JSON.stringify(verdict, (_k, v) => `${v}`),
    )
    const real = (await admin.publicClient.getBlock({ blockNumber: lieBlock })).hash
    assert.equal(await read<Hex>('checkpoints', [lieBlock]), real)
  })
})
