// `veriot down`: stops the stack that `veriot up` runs from this data directory.

import { setTimeout as sleep } from 'node:timers/promises'
import { VeriotError } from '@veriot/core'
import type { CommandContext } from '../context/createContext.ts'
import { isAlive, readRunInfo } from '../context/dataDir.ts'

export async function downCommand(ctx: CommandContext): Promise<void> {
  const run = readRunInfo(ctx.dataDir)
  if (!run) {
    throw new VeriotError('NOT_INITIALIZED', `no Veriot stack runs from ${ctx.dataDir}`)
  }
  process.kill(run.pid, 'SIGTERM')
  const deadline = Date.now() + 20_000
  while (isAlive(run.pid) && Date.now() < deadline) await sleep(100)
  if (isAlive(run.pid)) {
    throw new VeriotError('INTERNAL', `pid ${run.pid} did not stop within 20 s`)
  }
  ctx.out.result({ status: 'stopped', pid: run.pid }, () => `stopped (pid ${run.pid})`)
}
