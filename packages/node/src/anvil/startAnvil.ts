// Starts anvil from the @foundry-rs/anvil npm package (no global install) on loopback, with
// its state kept in a file. Anvil-only: production code paths never import this folder.

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { VeriotError } from '@veriot/core'

export type AnvilOptions = {
  /** Port on 127.0.0.1; 0 (default) lets the OS pick one. */
  port?: number
  /** File where anvil loads and dumps its state (blocks, transactions, accounts). */
  stateFile?: string
  /** Seconds between state dumps, so a hard kill loses at most this much. Default 1. */
  stateInterval?: number
  chainId?: number
  /** Seconds between blocks; default: a block per transaction (automine). */
  blockTime?: number
  /** Milliseconds to wait for anvil to listen. Default 20 000. */
  startTimeoutMs?: number
  /** EVM hardfork (anvil's `--hardfork`), e.g. "cancun" for a chain without EIP-2935. */
  hardfork?: string
}

export type Anvil = {
  readonly rpcUrl: string
  readonly port: number
  readonly process: ChildProcess
  /** Stops anvil gracefully (it dumps its state on SIGINT). Idempotent. */
  stop(): Promise<void>
}

/** Path of the anvil binary inside its platform package. */
export function getAnvilPath(): string {
  const require = createRequire(import.meta.url)
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  let dir: string
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`))
  } catch (cause) {
    throw new VeriotError(
      'ANVIL_START_FAILED',
      `anvil binary package ${pkg} is not installed; run npm ci (platform ${process.platform}/${process.arch})`,
      { cause },
    )
  }
  return join(dir, 'bin', 'anvil')
}

/**
 * Starts anvil and resolves once it listens.
 * @throws ANVIL_START_FAILED
 * @example
 * const anvil = await startAnvil({ stateFile: '.veriot/chain/state.json' })
 * await anvil.stop()
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0)]
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId))
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime))
  if (options.hardfork !== undefined) args.push('--hardfork', options.hardfork)
  if (options.stateFile !== undefined) {
    mkdirSync(dirname(options.stateFile), { recursive: true })
    args.push('--state', options.stateFile, '--state-interval', String(options.stateInterval ?? 1))
    // Keep historical states so reads at older blocks (proofs, history) work after a restart.
    args.push('--preserve-historical-states')
  }
  const child = spawn(getAnvilPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await waitForListening(child, options.startTimeoutMs ?? 20_000, options.stateFile)
  let stopped: Promise<void> | undefined
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(killer)
          resolve()
        })
        child.kill('SIGINT')
      })
      return stopped
    },
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number, stateFile?: string) {
  return new Promise<number>((resolve, reject) => {
    let output = ''
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      const hint = stateFile && existsSync(stateFile) ? ` (state file ${stateFile})` : ''
      reject(
        new VeriotError('ANVIL_START_FAILED', `${message}${hint}: ${output.trim().slice(-500)}`, {
          cause,
        }),
      )
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
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString('utf8')
    })
    child.once('error', (err) => fail('anvil could not be started', err))
    child.once('exit', (code, signal) =>
      fail(`anvil exited early (code ${code}, signal ${signal})`),
    )
  })
}
