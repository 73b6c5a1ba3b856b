// Test support: runs gatewayProcess.ts as a child process (node + tsx) and waits until it
// reports its URLs, so a test can SIGKILL the gateway and start another on the same store.

import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type GatewayProcessConfig = {
  rpcUrl: string
  /** Directory holding deployment.json (writeDeploymentFile). */
  deploymentDir: string
  /** Anvil development account the gateway anchors with. */
  accountIndex: number
  store: string
  mqttPort: number
  httpPort: number
  batchSize: number
  maxBatchAgeMs: number
  mqttUrl?: string
}

export type GatewayProcess = {
  readonly child: ChildProcess
  readonly mqttUrl: string
  readonly httpUrl: string
  readonly mqttPort: number
  readonly httpPort: number
  /** What the child wrote on stderr so far (anchoring errors, crashes). */
  stderr(): string
  /** SIGKILL: no cleanup at all, like a power cut of the process. */
  kill(): Promise<void>
  /** SIGTERM: the gateway stops gracefully. */
  stop(): Promise<void>
}

const SCRIPT = fileURLToPath(new URL('./gatewayProcess.ts', import.meta.url))

export async function spawnGateway(
  config: GatewayProcessConfig,
  workDir: string,
): Promise<GatewayProcess> {
  const configFile = join(workDir, `gateway-${Date.now()}-${Math.random()}.json`)
  writeFileSync(configFile, JSON.stringify(config))
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c) => {
    stderr += c
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig)
    await exited
  }
  try {
    const urls = await new Promise<{ mqttUrl: string; httpUrl: string }>((resolve, reject) => {
      let stdout = ''
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 30_000)
      child.stdout?.on('data', (c) => {
        stdout += c
        const line = stdout.split('\n')[0]
        if (stdout.includes('\n') && line) {
          clearTimeout(timer)
          resolve(JSON.parse(line))
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`gateway exited with ${code}: ${stderr}`))
      })
    })
    return {
      child,
      ...urls,
      mqttPort: Number(new URL(urls.mqttUrl).port),
      httpPort: Number(new URL(urls.httpUrl).port),
      stderr: () => stderr,
      kill: () => signal('SIGKILL'),
      stop: () => signal('SIGTERM'),
    }
  } catch (err) {
    await signal('SIGKILL')
    throw err
  }
}
