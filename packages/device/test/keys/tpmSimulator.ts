// Starts and stops a swtpm TPM 2.0 simulator for one test file, on 127.0.0.1 ephemeral ports,
// with its state in a temporary directory.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Why the TPM tests are skipped, or false when swtpm and tpm2-tools are installed. */
export const tpmSkipReason: string | false =
  spawnSync('swtpm', ['--version']).status !== 0
    ? 'swtpm not installed: apt-get install swtpm swtpm-tools tpm2-tools'
    : spawnSync('tpm2_createprimary', ['--version']).status !== 0
      ? 'tpm2-tools not installed: apt-get install tpm2-tools'
      : false

export type TpmSimulator = {
  /** TPM2TOOLS_TCTI for this simulator. */
  readonly tcti: string
  /** The directory for key files, removed by stop(). */
  readonly dir: string
  stop(): Promise<void>
}

/** Starts swtpm; retries on another port pair if the one picked was taken meanwhile. */
export async function startTpmSimulator(): Promise<TpmSimulator> {
  const dir = await mkdtemp(join(tmpdir(), 'veriot-swtpm-'))
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    // The tools' swtpm TCTI talks to the control channel on port + 1.
    const port = await freePortPair()
    const ctrlPort = port + 1
    const child = spawn(
      'swtpm',
      [
        'socket',
        '--tpmstate',
        `dir=${dir}`,
        '--tpm2',
        '--server',
        `type=tcp,port=${port},bindaddr=127.0.0.1`,
        '--ctrl',
        `type=tcp,port=${ctrlPort},bindaddr=127.0.0.1`,
        '--flags',
        'not-need-init,startup-clear',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    try {
      await waitForPort(port, child)
      return {
        tcti: `swtpm:host=127.0.0.1,port=${port}`,
        dir,
        async stop() {
          await stopChild(child)
          await rm(dir, { recursive: true, force: true })
        },
      }
    } catch (err) {
      lastError = err
      await stopChild(child)
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw new Error(`swtpm did not start: ${String(lastError)}`)
}

/** A port p such that p and p + 1 are both free on 127.0.0.1 (at the moment of asking). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await listenOn(0)
    if (
      port < 65535 &&
      (await listenOn(port + 1).then(
        () => true,
        () => false,
      ))
    )
      return port
  }
  throw new Error('no two consecutive free ports on 127.0.0.1')
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(bound))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`swtpm exited (${child.exitCode}): ${stderr}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`swtpm did not listen on ${port}: ${stderr}`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
