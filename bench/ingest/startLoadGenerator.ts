// Starts the load generator (mqttLoadGenerator.ts) in a child process, hands it the fleet and
// its pre-signed messages, and waits until every connection is up.

import { type ChildProcess, fork } from 'node:child_process'
import type { LoadCommand, LoadReport, LoadTask } from './mqttLoadGenerator.ts'

const ENTRY = new URL('./mqttLoadGenerator.ts', import.meta.url)

export type LoadDone = Extract<LoadReport, { kind: 'done' }>

export type LoadGenerator = {
  /** Starts publishing; resolves with the generator's report after the last PUBACK. */
  go(): Promise<LoadDone>
  stop(): void
}

function nextReport<K extends LoadReport['kind']>(
  child: ChildProcess,
  kind: K,
): Promise<Extract<LoadReport, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: LoadReport) => {
      if (m.kind === 'failed') {
        cleanup()
        reject(new Error(`load generator failed: ${m.message}`))
      } else if (m.kind === kind) {
        cleanup()
        resolve(m as Extract<LoadReport, { kind: K }>)
      }
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`load generator exited (code ${code}) before "${kind}"`))
    }
    const cleanup = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/** A connected load generator for `task` (tsx is passed on through the parent's execArgv). */
export async function startLoadGenerator(task: LoadTask): Promise<LoadGenerator> {
  // advanced: the messages cross as Uint8Arrays, not as JSON arrays of numbers.
  const child = fork(ENTRY, { serialization: 'advanced', stdio: 'inherit' })
  try {
    const ready = nextReport(child, 'ready')
    child.send({ kind: 'task', task } satisfies LoadCommand)
    await ready
  } catch (err) {
    child.kill()
    throw err
  }
  return {
    go() {
      const done = nextReport(child, 'done')
      child.send({ kind: 'go' } satisfies LoadCommand)
      return done
    },
    stop() {
      if (child.exitCode === null) child.kill()
    },
  }
}
