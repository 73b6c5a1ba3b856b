// Starts and stops a real Mosquitto broker (Debian `mosquitto`) on loopback for the MQTT tests.

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { userInfo } from 'node:os'
import { join } from 'node:path'

export const MOSQUITTO = '/usr/sbin/mosquitto'
export const hasMosquitto = existsSync(MOSQUITTO)

/** A port that was free a moment ago (Mosquitto cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export type Mosquitto = {
  readonly port: number
  readonly url: string
  /** Everything the broker logged so far (log_type all). */
  log(): string
  /** Starts the broker (again); resolves when it accepts connections. */
  start(): Promise<void>
  /** SIGTERM, then waits for the exit (Mosquitto saves its persistence file on the way out). */
  stop(): Promise<void>
}

/**
 * A broker on 127.0.0.1:`port` with its config and persistence file in `dir`. With
 * `persistence`, sessions and queued QoS 1 messages survive stop() → start().
 */
export async function createMosquitto(
  dir: string,
  options: { port?: number; persistence?: boolean } = {},
): Promise<Mosquitto> {
  const port = options.port ?? (await freePort())
  const conf = join(dir, 'mosquitto.conf')
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Started as root, Mosquitto switches to the user `mosquitto`, which cannot write its
      // persistence file into our private temp directory; stay who we are.
      `user ${userInfo().username}`,
      options.persistence ? 'persistence true' : 'persistence false',
      `persistence_location ${dir}/`,
      'log_dest stdout',
      'log_type all',
      '',
    ].join('\n'),
  )
  let child: ChildProcess | undefined
  let output = ''
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => output,
    async start() {
      if (child !== undefined) throw new Error('mosquitto already running')
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
      child = proc
      proc.stdout?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      proc.stderr?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      const deadline = Date.now() + 10_000
      while (!(await accepts(port))) {
        if (proc.exitCode !== null) {
          child = undefined
          throw new Error(`mosquitto exited with ${proc.exitCode}:\n${output}`)
        }
        if (Date.now() > deadline)
          throw new Error(`mosquitto did not listen on ${port}:\n${output}`)
        await sleep(20)
      }
    },
    async stop() {
      const proc = child
      if (proc === undefined) return
      child = undefined
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `check` every 20 ms until it is true; fails after `timeoutMs` naming `what`. */
export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}
