// Test support: the Debian Mosquitto broker on 127.0.0.1 with a given ACL file, no persistence,
// anonymous logins allowed (the username still drives the ACL's %u patterns).

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const MOSQUITTO_PATH = '/usr/sbin/mosquitto'

export type Mosquitto = {
  readonly url: string
  readonly port: number
  /** What the broker logged (errors only). */
  log(): string
  stop(): Promise<void>
}

export const isMosquittoInstalled = () => existsSync(MOSQUITTO_PATH)

/** A port that was free a moment ago (Mosquitto cannot listen on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export async function startMosquitto(dir: string, acl: string): Promise<Mosquitto> {
  const port = await freePort()
  const aclFile = join(dir, 'mosquitto.acl')
  const confFile = join(dir, 'mosquitto.conf')
  writeFileSync(aclFile, acl)
  writeFileSync(
    confFile,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `acl_file ${aclFile}`,
      // Started as root, Mosquitto would switch to the `mosquitto` user, who cannot read a
      // private temp directory; stay the user who runs the test.
      `user ${userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(MOSQUITTO_PATH, ['-c', confFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr?.on('data', (c) => {
    log += c
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 10_000
  while (!(await isListening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`mosquitto did not start on port ${port}: ${log}`)
    }
    await sleep(50)
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, log: () => log, stop }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
