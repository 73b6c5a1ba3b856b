// Runs async tasks one after another in call order, whatever each one's outcome: the order
// guarantee the outbox and the sequence counter give their callers.

/** Returns `serial(task)`, which starts `task` after every earlier task has settled. */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task)
    tail = run.catch(() => {})
    return run
  }
}
