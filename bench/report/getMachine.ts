// The machine a benchmark ran on, recorded beside its numbers (they mean little without it).

import { readFileSync } from 'node:fs'
import { availableParallelism, totalmem } from 'node:os'

export type Machine = {
  cpuModel: string
  nproc: number
  memoryGiB: number
  node: string
  platform: string
}

/** CPU model (from /proc/cpuinfo where there is one), usable cores, memory, Node version. */
export function getMachine(): Machine {
  let cpuModel = 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim()
  } catch {
    // Not Linux: the model stays unknown rather than guessed.
  }
  return {
    cpuModel,
    nproc: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}
