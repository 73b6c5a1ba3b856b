// Files the CLI keeps in the data directory: how to reach the chain (network.json) and the
// running embedded stack (run.json). The deployment record is @veriot/node's deployment.json.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { VeriotError } from '@veriot/core'
import { writeJsonFileDurably } from '@veriot/node'
import { z } from 'zod'

const network = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('embedded') }),
  z.object({ mode: z.literal('remote'), rpcUrl: z.string().url() }),
])
export type NetworkConfig = z.infer<typeof network>

const run = z.object({
  pid: z.number().int().positive(),
  rpcUrl: z.string().url(),
  startedAt: z.string(),
  mqttUrl: z.string().optional(),
  httpUrl: z.string().optional(),
  authorities: z.array(z.object({ url: z.string(), signer: z.string() })).optional(),
})
export type RunInfo = z.infer<typeof run>

export function resolveDataDir(dir: string | undefined): string {
  return resolve(dir ?? process.env.VERIOT_DATA_DIR ?? '.veriot')
}

export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
}

function readJson<T>(path: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(path)) return undefined
  try {
    return schema.parse(JSON.parse(readFileSync(path, 'utf8')))
  } catch (cause) {
    throw new VeriotError('CONFIG_INVALID', `${path} is not valid; fix or delete it`, {
      cause,
      context: { path },
    })
  }
}

export const readNetworkConfig = (dataDir: string) =>
  readJson(join(dataDir, 'network.json'), network)
export const writeNetworkConfig = (dataDir: string, value: NetworkConfig) =>
  writeJsonFileDurably(join(dataDir, 'network.json'), value)

/** The running embedded stack, or undefined when none runs (a stale run.json is ignored). */
export function readRunInfo(dataDir: string): RunInfo | undefined {
  const info = readJson(join(dataDir, 'run.json'), run)
  return info && isAlive(info.pid) ? info : undefined
}
export const writeRunInfo = (dataDir: string, value: RunInfo) =>
  writeJsonFileDurably(join(dataDir, 'run.json'), value)
export const removeRunInfo = (dataDir: string) => rmSync(join(dataDir, 'run.json'), { force: true })

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
