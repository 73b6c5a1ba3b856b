// The car-unlock flow, end to end on an embedded chain: a car that trusts no single server.
// The owner grants a phone key `command:unlock` on chain (AccessGrants); the phone sends a
// signed unlock command with a nonce; the car checks the phone's signature and then reads the
// grant itself through a verified read — a storage proof against a block header that k = 2 of
// 3 staked authority nodes signed. In the lying variant one authority signs a wrong block
// hash: the car never acts on it, retries through the honest nodes, hands the signature to a
// watchdog, and the watchdog convicts the liar on chain and collects part of its deposit.
//
//   node --import tsx examples/car-unlock/carUnlock.ts [--lying]

import { serve } from '@hono/node-server'
import { accessGrantsAbi, authorityRegistryAbi } from '@veriot/contracts'
import { capabilityToBytes32, deviceIdFromPublicKey, verifyP256 } from '@veriot/core'
import {
  attestationDigest,
  createMemoryKey,
  createVerifyingClient,
  type Evidence,
  mappingSlot,
  readAuthoritySet,
} from '@veriot/device'
import {
  connectChain,
  createRegistryClient,
  createWatchdog,
  deployContracts,
  registerAuthority,
  sendContractTx,
  startAuthorityNode,
} from '@veriot/node'
import { getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import { Hono } from 'hono'
import {
  bytesToHex,
  concatBytes,
  type Hex,
  hexToBytes,
  keccak256,
  numberToBytes,
  stringToBytes,
} from 'viem'

const UNLOCK = capabilityToBytes32('command:unlock')

/** The phone's signed unlock command: domain ‖ car id ‖ phone key id ‖ nonce ‖ time (ms). */
export function unlockCommandBytes(
  carId: Hex,
  keyId: Hex,
  nonce: Hex,
  timestamp: number,
): Uint8Array {
  return concatBytes([
    stringToBytes('VERIOT/unlock/v1\0'),
    hexToBytes(carId),
    hexToBytes(keyId),
    hexToBytes(nonce),
    numberToBytes(BigInt(timestamp), { size: 8 }),
  ])
}

export type UnlockCommand = {
  carId: Hex
  phoneKey: Hex
  nonce: Hex
  timestamp: number
  signature: Hex
}
export type UnlockResult = { unlocked: boolean; reason: string; detail?: string }

export type ScenarioResult = {
  firstUnlock: UnlockResult
  replay: UnlockResult
  afterRevoke: UnlockResult
  evidence: Evidence[]
  conviction?: { signer: Hex; status: number; reward: bigint; depositBefore: bigint }
  authorities: Hex[]
}

/** Runs the whole story; every part is real (anvil, contracts, HTTP authority nodes). */
export async function runCarUnlockScenario(options: {
  lying: boolean
  log?: (line: string) => void
}): Promise<ScenarioResult> {
  const log = options.log ?? (() => {})
  const anvil = await startAnvil()
  const stoppers: Array<() => Promise<void>> = [() => anvil.stop()]
  const mine = (blocks: number) =>
    fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'anvil_mine',
        params: [`0x${blocks.toString(16)}`],
      }),
    })
  try {
    const operator = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    const deployment = await deployContracts(operator, {
      grantOperatorRoles: true,
      authorities: { minDeposit: 10n ** 18n, exitLockSeconds: 86_400n, proverRewardBps: 5000 },
    })
    const { AuthorityRegistry, AccessGrants, DeviceRegistry } = deployment.contracts
    log(
      `contracts: DeviceRegistry ${DeviceRegistry.address}, AuthorityRegistry ${AuthorityRegistry.address}, AccessGrants ${AccessGrants.address}`,
    )

    // The car: a device with its own key, owned by account 1.
    const ownerConn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(1) })
    const carKey = createMemoryKey()
    const registry = createRegistryClient(operator, deployment)
    const { id: carId } = await registry.register(carKey, {
      model: 'car',
      firmwareVersion: 1n << 32n,
    })
    await registry.provision(carId, ownerConn.account?.address as Hex)
    await createRegistryClient(ownerConn, deployment).activate(carId)
    log(`car ${carId} registered and active, owner ${ownerConn.account?.address}`)

    // Three staked authority nodes (accounts 5, 6, 7), 2 ETH each.
    const nodes = []
    for (const index of [5, 6, 7]) {
      const account = getAnvilAccount(index)
      const conn = await connectChain({ rpcUrl: anvil.rpcUrl, account })
      const node = await startAuthorityNode({
        conn,
        account,
        registry: AuthorityRegistry.address,
        finalityDepth: 2,
      })
      stoppers.push(() => node.stop())
      await registerAuthority(conn, {
        authorityRegistry: AuthorityRegistry.address,
        signer: account,
        url: node.url,
        deposit: 2n * 10n ** 18n,
      })
      nodes.push(node)
    }
    for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
    log(`authorities: ${nodes.map((n) => n.signer).join(', ')}`)

    // In the lying variant, the car reaches authority 7 through a front that swaps in a
    // wrong block hash and signs it with the authority's own key.
    let liarUrl: string | undefined
    const liar = getAnvilAccount(7)
    if (options.lying) {
      const app = new Hono()
      app.post('/', async (c) => {
        const body = await c.req.json()
        const real = (await (
          await fetch((nodes[2] as { url: string }).url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { result?: { block: { number: string; hash: Hex }; signatures: unknown[] } }
        if (body.method === 'veriot_verifiedRead' && real.result) {
          const fake = keccak256(stringToBytes(`not block ${real.result.block.number}`))
          const digest = attestationDigest({
            chainId: operator.chainId,
            registry: AuthorityRegistry.address,
            blockNumber: BigInt(real.result.block.number),
            blockHash: fake,
          })
          const signature = await liar.sign({ hash: bytesToHex(digest) })
          real.result.block.hash = fake
          real.result.signatures = [{ signer: liar.address, signature }]
        }
        return c.json(real)
      })
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
      })
      stoppers.push(() => new Promise((r) => server.close(() => r())))
      const address = server.address()
      liarUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    }

    // The watchdog (account 8) convicts provable lies handed to it.
    const watchdogConn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(8) })
    const watchdog = createWatchdog({
      conn: watchdogConn,
      authorityRegistry: AuthorityRegistry.address,
    })
    const verdicts: Array<Promise<unknown>> = []

    // The car's verifying client: pinned bootstrap set, k = 2; the liar is asked first.
    const bootstrap = new Set(nodes.map((n) => n.signer.toLowerCase() as Hex))
    const order = options.lying
      ? [liarUrl as string, (nodes[0] as { url: string }).url, (nodes[1] as { url: string }).url]
      : nodes.map((n) => n.url)
    const client = createVerifyingClient({
      nodes: order,
      chainId: operator.chainId,
      registry: AuthorityRegistry.address,
      trustedSigners: bootstrap,
      k: 2,
      onEvidence: (e) => {
        log(
          `evidence: ${e.signer} signed ${e.blockHash} for block ${e.blockNumber} (${e.reason}) via ${e.node}`,
        )
        verdicts.push(watchdog.examine(e))
      },
    })
    await mine(3)
    client.setAuthoritySet(await readAuthoritySet(client, AuthorityRegistry.address))

    // The phone key and the owner's grant.
    const phone = createMemoryKey()
    const phoneKeyId = deviceIdFromPublicKey(phone.publicKey)
    const latest = await operator.publicClient.getBlock()
    await sendContractTx(ownerConn, {
      address: AccessGrants.address,
      abi: accessGrantsAbi,
      functionName: 'grant',
      args: [carId, phoneKeyId, UNLOCK, latest.timestamp + 3600n],
    })
    await mine(3)
    log(`owner granted command:unlock to phone key ${phoneKeyId}`)

    // The car: checks the command, then the grant with a verified read.
    const usedNonces = new Set<string>()
    const grantSlot = mappingSlot(UNLOCK, mappingSlot(phoneKeyId, mappingSlot(carId, 0n)))
    const car = async (cmd: UnlockCommand, phonePublicKey: Uint8Array): Promise<UnlockResult> => {
      if (cmd.carId !== carId) return { unlocked: false, reason: 'command for another car' }
      if (deviceIdFromPublicKey(phonePublicKey) !== cmd.phoneKey)
        return { unlocked: false, reason: 'key mismatch' }
      const bytes = unlockCommandBytes(cmd.carId, cmd.phoneKey, cmd.nonce, cmd.timestamp)
      if (!verifyP256(hexToBytes(cmd.signature), bytes, phonePublicKey))
        return { unlocked: false, reason: 'bad signature' }
      if (usedNonces.has(cmd.nonce)) return { unlocked: false, reason: 'replayed command' }
      if (Math.abs(Date.now() - cmd.timestamp) > 60_000)
        return { unlocked: false, reason: 'stale command' }
      usedNonces.add(cmd.nonce)
      try {
        const read = await client.read({
          address: AccessGrants.address,
          slots: [grantSlot],
          maxAgeSeconds: 600,
        })
        const expiry = read.values.get(grantSlot) ?? 0n
        if (expiry <= read.timestamp)
          return { unlocked: false, reason: 'no unlock grant for this key' }
        return {
          unlocked: true,
          reason: `grant valid until ${expiry}, signed by ${read.signers.join(', ')} at block ${read.blockNumber}`,
        }
      } catch (err) {
        return {
          unlocked: false,
          reason: `no verified answer: ${(err as { code?: string }).code ?? String(err)}`,
          detail: (err as Error).message,
        }
      }
    }
    const command = async (): Promise<UnlockCommand> => {
      const nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
      const timestamp = Date.now()
      const signature = bytesToHex(
        await phone.sign(unlockCommandBytes(carId, phoneKeyId, nonce, timestamp)),
      )
      return { carId, phoneKey: phoneKeyId, nonce, timestamp, signature }
    }

    const depositBefore = (
      await operator.publicClient.readContract({
        address: AuthorityRegistry.address,
        abi: authorityRegistryAbi,
        functionName: 'getNode',
        args: [liar.address],
      })
    ).deposit
    const first = await command()
    const firstUnlock = await car(first, phone.publicKey)
    log(`unlock: ${firstUnlock.unlocked ? 'UNLOCKED' : 'REFUSED'} (${firstUnlock.reason})`)
    const replay = await car(first, phone.publicKey)
    log(`replayed command: ${replay.unlocked ? 'UNLOCKED' : 'REFUSED'} (${replay.reason})`)

    await Promise.all(verdicts)
    let conviction: ScenarioResult['conviction']
    if (options.lying) {
      const v = (await Promise.all(verdicts)).find(
        (x) => (x as { kind: string }).kind === 'convicted',
      ) as { reward: bigint } | undefined
      const node = await operator.publicClient.readContract({
        address: AuthorityRegistry.address,
        abi: authorityRegistryAbi,
        functionName: 'getNode',
        args: [liar.address],
      })
      conviction = {
        signer: liar.address,
        status: node.status,
        reward: v?.reward ?? 0n,
        depositBefore,
      }
      log(
        `liar ${liar.address}: status ${node.status} (4 = convicted), watchdog reward ${v?.reward ?? 0n} wei of ${depositBefore}`,
      )
    }

    await sendContractTx(ownerConn, {
      address: AccessGrants.address,
      abi: accessGrantsAbi,
      functionName: 'revoke',
      args: [carId, phoneKeyId, UNLOCK],
    })
    await mine(3)
    const afterRevoke = await car(await command(), phone.publicKey)
    log(`after revoke: ${afterRevoke.unlocked ? 'UNLOCKED' : 'REFUSED'} (${afterRevoke.reason})`)
    return {
      firstUnlock,
      replay,
      afterRevoke,
      evidence: [...client.evidence],
      ...(conviction ? { conviction } : {}),
      authorities: nodes.map((n) => n.signer),
    }
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => {})
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lying = process.argv.includes('--lying')
  await runCarUnlockScenario({ lying, log: (line) => console.log(line) })
}
