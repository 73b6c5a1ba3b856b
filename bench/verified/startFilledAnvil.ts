// A second anvil that starts from a copy of a running anvil's state plus extra storage words
// and accounts, loaded from a state file at start (anvil_loadState refuses bodies this big):
// the fastest way to a chain holding 100 000 devices.

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { getAnvilPath } from '@veriot/node/anvil'
import type { Hex } from 'viem'

export type FilledAnvil = {
  readonly rpcUrl: string
  /** Bytes of the state file anvil loaded. */
  readonly stateFileBytes: number
  /** Accounts in the loaded state. */
  readonly accounts: number
  stop(): Promise<void>
}

/**
 * Dumps `sourceRpcUrl`'s state (anvil_dumpState), adds `storageEntries` (`"0xslot":"0xword"`
 * pairs; they win over words already there) to `contract`, adds each of `accounts` as an
 * externally owned account with `balance` and nonce 1, and starts a fresh anvil on it.
 */
export async function startFilledAnvil(options: {
  sourceRpcUrl: string
  contract: Hex
  storageEntries: readonly string[]
  accounts: readonly string[]
  balance: bigint
}): Promise<FilledAnvil> {
  const response = await fetch(options.sourceRpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_dumpState', params: [] }),
  })
  const { result } = (await response.json()) as { result: Hex }
  const raw = Buffer.from(result.slice(2), 'hex')
  const state = JSON.parse(
    (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8'),
  ) as { accounts: Record<string, { storage: Record<string, string> }> }
  const key = options.contract.toLowerCase()
  const target = state.accounts[key]
  if (!target) throw new Error(`the dumped state has no account ${options.contract}`)
  // Splice the big parts in as text: building a million-key object only to stringify it
  // again would cost seconds and gigabytes.
  const existing = Object.entries(target.storage).map(([s, v]) => `"${s}":"${v}"`)
  const added = new Set(options.storageEntries.map((e) => e.slice(1, 67)))
  const storage = `{${[...existing.filter((e) => !added.has(e.slice(1, 67))), ...options.storageEntries].join(',')}}`
  ;(target as { storage: unknown }).storage = '@@STORAGE@@'
  ;(state.accounts as Record<string, unknown>)['@@ACCOUNTS@@'] = 0
  const balance = `0x${options.balance.toString(16)}`
  const accounts = options.accounts
    .map((a) => `"${a}":{"nonce":1,"balance":"${balance}","code":"0x","storage":{}}`)
    .join(',')
  const text = JSON.stringify(state)
    .replace('"@@STORAGE@@"', () => storage)
    .replace('"@@ACCOUNTS@@":0', () => accounts)

  const dir = mkdtempSync(join(tmpdir(), 'veriot-bench-verified-'))
  const file = join(dir, 'state.json')
  writeFileSync(file, text)
  const child = spawn(
    getAnvilPath(),
    ['--host', '127.0.0.1', '--port', '0', '--load-state', file],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let port: number
  try {
    port = await waitForListening(child, 120_000)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  let stopped: Promise<void> | undefined
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    stateFileBytes: Buffer.byteLength(text),
    accounts: Object.keys(state.accounts).length - 1 + options.accounts.length,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        }
        if (child.exitCode !== null || child.signalCode !== null) return done()
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(killer)
          done()
        })
        child.kill('SIGINT')
      })
      return stopped
    },
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = ''
    const fail = (message: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${message}: ${output.trim().slice(-500)}`))
    }
    const timer = setTimeout(() => fail(`anvil did not listen within ${timeoutMs} ms`), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        child.removeAllListeners('exit')
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString('utf8')
    })
    child.once('error', (err) => fail(`anvil could not be started: ${err.message}`))
    child.once('exit', (code, signal) =>
      fail(`anvil exited early (code ${code}, signal ${signal})`),
    )
  })
}
