// Group commit: writes requested in the same turn of the event loop are committed together, in
// one transaction and one fsync, and each caller hears of its own write only once that
// transaction has committed. A store stays "persist before acknowledge" at a fraction of the
// cost per write: with synchronous=FULL the fsync, not the insert, is what a commit costs.

/** What the commit function says about one item: its result, or why it was refused. */
export type GroupOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown }

export type GroupCommit<T, R> = {
  /**
   * Queues `item` for the next group; settles after that group's transaction committed (or
   * failed, then with the group's error).
   */
  submit(item: T): Promise<R>
  /** Commits the queued items now (for reads that must see them, and for close). */
  flush(): void
  /** Items queued and not yet committed. */
  readonly pending: number
}

export type GroupCommitOptions<T, R> = {
  /**
   * Writes `items` (in submission order) in ONE transaction and returns one outcome per item.
   * It must be all or nothing: when it throws, nothing of the group may remain written, and
   * every item of the group is refused with `onGroupError(error)`.
   */
  commit(items: readonly T[]): ReadonlyArray<GroupOutcome<R>>
  /**
   * The error each item of a failed group is refused with; `stage` says whether the commit
   * failed (nothing of the group is stored) or making it durable did.
   */
  onGroupError(cause: unknown, size: number, stage: 'commit' | 'durable'): unknown
  /** Largest group; more queued items wait for the next one. Default 1024. */
  maxGroup?: number
  /**
   * Makes a committed group durable (e.g. the fsync of the log, off the event loop); outcomes
   * settle only after it resolved. When it rejects, every item of the group is refused with
   * `onGroupError`. Default: none (the commit itself is durable).
   */
  durable?: () => Promise<void>
  /** Told after every commit attempt, for metrics (`ms`: time inside the commit). */
  onCommit?: (info: { size: number; ms: number; failed: boolean }) => void
}

type Waiter<T, R> = { item: T; resolve(value: R): void; reject(error: unknown): void }

/**
 * A group-commit queue over a synchronous, transactional `commit`. A group closes when the
 * event loop reaches its check phase (setImmediate): every write that arrived in the same poll
 * of the network joins it. Under light load a group holds one item and costs what a single
 * write did.
 *
 * Outcomes settle only after the commit returned (and, with `durable`, after the group is
 * durable), refusals included: a failed commit refuses every item of its group, also those the
 * group would have refused for their own reasons. The next group may commit while one waits
 * to be durable.
 *
 * @example
 * const group = createGroupCommit({ commit: (rows) => db.transaction(insertAll)(rows), onGroupError })
 * await group.submit(row) // on disk now
 */
export function createGroupCommit<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxGroup = options.maxGroup ?? 1024
  let queue: Array<Waiter<T, R>> = []
  let scheduled: NodeJS.Immediate | undefined

  function commitQueued(): void {
    if (scheduled !== undefined) {
      clearImmediate(scheduled)
      scheduled = undefined
    }
    while (queue.length > 0) {
      const group = queue.length > maxGroup ? queue.splice(0, maxGroup) : queue
      if (group === queue) queue = []
      commitGroup(group)
    }
  }

  function commitGroup(group: Array<Waiter<T, R>>): void {
    const start = performance.now()
    let outcomes: ReadonlyArray<GroupOutcome<R>>
    try {
      outcomes = options.commit(group.map((w) => w.item))
      if (outcomes.length !== group.length) {
        throw new Error(`commit returned ${outcomes.length} outcomes for ${group.length} items`)
      }
    } catch (cause) {
      options.onCommit?.({ size: group.length, ms: performance.now() - start, failed: true })
      const error = options.onGroupError(cause, group.length, 'commit')
      for (const w of group) w.reject(error)
      return
    }
    options.onCommit?.({ size: group.length, ms: performance.now() - start, failed: false })
    const settle = () =>
      group.forEach((w, i) => {
        const outcome = outcomes[i] as GroupOutcome<R>
        if (outcome.ok) w.resolve(outcome.value)
        else w.reject(outcome.error)
      })
    if (!options.durable) {
      settle()
      return
    }
    options.durable().then(settle, (cause) => {
      const error = options.onGroupError(cause, group.length, 'durable')
      for (const w of group) w.reject(error)
    })
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        scheduled ??= setImmediate(commitQueued)
      })
    },
    flush: commitQueued,
    get pending() {
      return queue.length
    },
  }
}
