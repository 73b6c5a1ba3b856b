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
  type Verdict,
} from '@veriot/node'
import { getAnvilAccount } from '@veriot/node/anvil'
import { type Hex, type LocalAccount, parseEther } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields, toJsonLine } from '../context/output.ts'
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

type WatchdogOptions = {
  sample?: string
  evidence?: string
  blocks?: string
  every?: string
  rounds?: string
  checkpoints?: boolean
}

type SourcedVerdict = { source: string; verdict: Verdict | { kind: 'unanswered' } }

/**
 * One round without --every/--rounds (a JSON list of verdicts); with them, a service: a round
 * every N seconds until SIGINT/SIGTERM or the round limit, one JSON line per round with --json.
 * Evidence is examined once, in the first round; a node that gives no answer is "unanswered",
 * not an error, so one node down never stops the watch over the others.
 */
export async function watchdogCommand(ctx: CommandContext, o: WatchdogOptions): Promise<void> {
  const blocks = parseIntegerOption('--blocks', o.blocks ?? '3', 1, 64)
  const everyMs =
    o.every === undefined ? undefined : parseIntegerOption('--every', o.every, 1, 86_400) * 1000
  const rounds =
    o.rounds === undefined ? undefined : parseIntegerOption('--rounds', o.rounds, 1, 1e9)
  const evidence = o.evidence ? readEvidence(o.evidence) : []
  const urls = (o.sample ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const url of urls) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--sample" expected http(s) URLs, comma-separated, got ${JSON.stringify(url.slice(0, 80))}`,
      )
    }
  }
  const service = everyMs !== undefined || rounds !== undefined
  if (!service && evidence.length === 0 && urls.length === 0 && !o.checkpoints) {
    ctx.out.result([], () => 'nothing to examine: pass --sample <urls> and/or --evidence <file>')
    return
  }
  const conn = await ctx.connect({ needsAccount: true })
  const watchdog = createWatchdog({
    conn,
    authorityRegistry: ctx.deployment().contracts.AuthorityRegistry.address,
    onEvent: (e) =>
      ctx.out.progress(
        `${e.kind}${e.signer ? ` ${e.signer}` : ''}${e.detail ? `: ${e.detail}` : ''}`,
      ),
  })

  const round = async (first: boolean) => {
    const verdicts: SourcedVerdict[] = []
    if (first && o.evidence) {
      for (const e of evidence) {
        const verdict =
          'signers' in e ? await watchdog.examineAggregate(e) : await watchdog.examine(e)
        verdicts.push({ source: o.evidence, verdict })
      }
    }
    for (const url of urls) {
      const found = await watchdog.sample(url, blocks)
      if (found.length === 0) verdicts.push({ source: url, verdict: { kind: 'unanswered' } })
      for (const verdict of found) verdicts.push({ source: url, verdict })
    }
    const checkpoints = o.checkpoints ? await watchdog.saveCheckpoints() : []
    return { verdicts, checkpoints }
  }
  const text = (r: { verdicts: SourcedVerdict[]; checkpoints: bigint[] }) =>
    [
      ...r.verdicts.map((v) => `${v.source}: ${v.verdict.kind}`),
      ...(o.checkpoints
        ? [`checkpoints saved: ${r.checkpoints.length ? r.checkpoints.join(', ') : 'none due'}`]
        : []),
    ].join('\n')

  if (!service) {
    const r = await round(true)
    ctx.out.result(o.checkpoints ? r : r.verdicts, () => text(r))
    return
  }

  let stopping = false
  let wake: (() => void) | undefined
  const stop = () => {
    stopping = true
    wake?.()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    for (let n = 1; rounds === undefined || n <= rounds; n++) {
      const started = Date.now()
      let line: Record<string, unknown>
      try {
        const r = await round(n === 1)
        line = { round: n, at: new Date(started).toISOString(), ...r }
        if (!ctx.out.json) process.stdout.write(`round ${n} (${line.at})\n${text(r)}\n`)
      } catch (err) {
        // The chain or the watchdog's account failed this round: report it, try again next.
        const code = err instanceof VeriotError ? err.code : 'INTERNAL'
        const message = err instanceof Error ? err.message : String(err)
        line = { round: n, at: new Date(started).toISOString(), error: { code, message } }
        if (!ctx.out.json) process.stderr.write(`round ${n}: ${code}: ${message}\n`)
      }
      if (ctx.out.json) process.stdout.write(`${toJsonLine(line)}\n`)
      if (stopping || (rounds !== undefined && n >= rounds)) break
      const wait = Math.max(0, started + (everyMs ?? 0) - Date.now())
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      if (stopping) break
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

/** Evidence from devices: a JSON object or list of secp256k1 or BLS aggregate signed hashes. */
function readEvidence(path: string): Array<SignedBlockHash | AggregateSignedBlockHash> {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>
    return (Array.isArray(raw) ? raw : [raw]).map((e) =>
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
      `"--evidence" ${path} is not a JSON list of {signer, blockNumber, blockHash, signature} or {signers, blockNumber, blockHash, aggregateSignature}`,
      { cause },
    )
  }
}
