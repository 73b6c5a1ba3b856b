// `veriot authority` runs a staked authority node (with its built-in watchdog); `veriot
// watchdog` checks authorities' signed block hashes and convicts liars. `veriot up
// --authorities N` starts N nodes itself (startEmbeddedAuthorities).

import { readFileSync } from 'node:fs'
import { authorityRegistryAbi } from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import {
  type AggregateSignedBlockHash,
  type AuthorityNode,
  accountToBlsSecretKey,
  type ChainConnection,
  connectChain,
  createWatchdog,
  type Deployment,
  registerAuthority,
  type SignedBlockHash,
  startAuthorityNode,
} from '@veriot/node'
import { getAnvilAccount } from '@veriot/node/anvil'
import { type Hex, type LocalAccount, parseEther } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'

/** Development accounts the embedded authorities use (0 operator, 8 watchdog, 9 gateway). */
const AUTHORITY_ACCOUNTS = [5, 6, 7, 2, 3, 4]

function parseCount(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > AUTHORITY_ACCOUNTS.length) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--authorities" expected 1..${AUTHORITY_ACCOUNTS.length}, got ${JSON.stringify(value)}`,
    )
  }
  return n
}

async function isRegistered(conn: ChainConnection, registry: Hex, signer: Hex): Promise<boolean> {
  const status = await conn.publicClient.readContract({
    address: registry,
    abi: authorityRegistryAbi,
    functionName: 'statusOf',
    args: [signer],
  })
  return status !== 0
}

/** Embedded only: N authority nodes with development keys, registered with 2 ETH each. */
export async function startEmbeddedAuthorities(
  rpcUrl: string,
  deployment: Deployment,
  countArg: string,
  finalityDepth = 2,
): Promise<AuthorityNode[]> {
  const registry = deployment.contracts.AuthorityRegistry.address
  const nodes: AuthorityNode[] = []
  for (const index of AUTHORITY_ACCOUNTS.slice(0, parseCount(countArg))) {
    const account = getAnvilAccount(index)
    const conn = await connectChain({ rpcUrl, account })
    const watchdog = createWatchdog({ conn, authorityRegistry: registry })
    const blsSecretKey = await accountToBlsSecretKey(account)
    const node = await startAuthorityNode({
      conn,
      account,
      registry,
      finalityDepth,
      watchdog,
      blsSecretKey,
    })
    nodes.push(node)
    if (!(await isRegistered(conn, registry, account.address))) {
      await registerAuthority(conn, {
        authorityRegistry: registry,
        signer: account,
        url: node.url,
        deposit: parseEther('2'),
        blsSecretKey,
      })
    }
  }
  for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
  return nodes
}

export async function authorityCommand(
  ctx: CommandContext,
  o: {
    port?: string
    host?: string
    peers?: string
    finalityDepth?: string
    register?: boolean
    deposit?: string
  },
): Promise<void> {
  const conn = await ctx.connect({ needsAccount: true })
  const account = conn.account as LocalAccount
  const registry = ctx.deployment().contracts.AuthorityRegistry.address
  const depth = parseIntegerOption('--finality-depth', o.finalityDepth ?? '2', 0, 10_000)
  // Derived from the signer key (one key to keep); registered with a proof of possession.
  const blsSecretKey = await accountToBlsSecretKey(account)
  const node = await startAuthorityNode({
    blsSecretKey,
    conn,
    account,
    registry,
    finalityDepth: depth,
    host: o.host ?? '127.0.0.1',
    port: Number(o.port ?? '0'),
    peers: o.peers
      ? o.peers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    watchdog: createWatchdog({ conn, authorityRegistry: registry }),
  })
  if (o.register && !(await isRegistered(conn, registry, account.address))) {
    ctx.out.progress(`registering ${account.address} with a deposit of ${o.deposit ?? '1'} ETH`)
    await registerAuthority(conn, {
      authorityRegistry: registry,
      signer: account,
      url: node.url,
      deposit: parseEther(o.deposit ?? '1'),
      blsSecretKey,
    })
  }
  ctx.out.result(
    { status: 'ready', url: node.url, signer: node.signer, blsPublicKey: node.blsPublicKey },
    () =>
      formatFields([
        ['status', 'ready (Ctrl-C stops it)'],
        ['url', node.url],
        ['signer', node.signer],
        ['bls key', node.blsPublicKey ?? '-'],
        ['registry', registry],
      ]),
  )
  const stop = async () => {
    await node.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
  await new Promise(() => {})
}

export async function watchdogCommand(
  ctx: CommandContext,
  o: { sample?: string; evidence?: string; blocks?: string },
): Promise<void> {
  const conn = await ctx.connect({ needsAccount: true })
  const watchdog = createWatchdog({
    conn,
    authorityRegistry: ctx.deployment().contracts.AuthorityRegistry.address,
    onEvent: (e) =>
      ctx.out.progress(
        `${e.kind}${e.signer ? ` ${e.signer}` : ''}${e.detail ? `: ${e.detail}` : ''}`,
      ),
  })
  const verdicts: Array<{ source: string; verdict: unknown }> = []
  if (o.evidence) {
    let items: Array<SignedBlockHash | AggregateSignedBlockHash>
    try {
      const raw = JSON.parse(readFileSync(o.evidence, 'utf8')) as Array<Record<string, unknown>>
      items = (Array.isArray(raw) ? raw : [raw]).map((e) =>
        Array.isArray(e.signers)
          ? {
              signers: e.signers as Hex[],
              blockNumber: BigInt(e.blockNumber as string),
              blockHash: e.blockHash as Hex,
              aggregateSignature: e.aggregateSignature as Hex,
            }
          : {
              signer: e.signer as Hex,
              blockNumber: BigInt(e.blockNumber as string),
              blockHash: e.blockHash as Hex,
              signature: e.signature as Hex,
            },
      )
    } catch (cause) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--evidence" ${o.evidence} is not a JSON list of {signer, blockNumber, blockHash, signature} or {signers, blockNumber, blockHash, aggregateSignature}`,
        { cause },
      )
    }
    for (const e of items) {
      const verdict =
        'signers' in e ? await watchdog.examineAggregate(e) : await watchdog.examine(e)
      verdicts.push({ source: o.evidence, verdict })
    }
  }
  for (const url of (o.sample ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    for (const v of await watchdog.sample(url, Number(o.blocks ?? '3')))
      verdicts.push({ source: url, verdict: v })
  }
  const safe = JSON.parse(
    JSON.stringify(verdicts, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
  )
  ctx.out.result(safe, () =>
    verdicts.length === 0
      ? 'nothing to examine: pass --sample <urls> and/or --evidence <file>'
      : verdicts.map((v) => `${v.source}: ${(v.verdict as { kind: string }).kind}`).join('\n'),
  )
}
