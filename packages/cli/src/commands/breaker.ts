// `veriot breaker …`: the model-wide circuit breaker on DeviceRegistry. A guardian trips it
// (every device of the model stops being accepted, e.g. after a firmware revocation); only an
// admin resets it.

import type { CommandContext } from '../context/createContext.ts'

export async function breakerCommand(
  ctx: CommandContext,
  action: 'trip' | 'reset' | 'status',
  o: { model: string; reason?: string },
): Promise<void> {
  const registry = await ctx.registry({ needsAccount: action !== 'status' })
  if (action === 'status') {
    const paused = await registry.isModelPaused(o.model)
    ctx.out.result(
      { model: o.model, paused },
      () => `model ${o.model}: ${paused ? 'PAUSED (breaker tripped)' : 'running'}`,
    )
    return
  }
  const tx =
    action === 'trip'
      ? await registry.pauseModel(o.model, o.reason ?? '')
      : await registry.unpauseModel(o.model, o.reason ?? '')
  const paused = action === 'trip'
  ctx.out.result(
    { model: o.model, paused, tx },
    () =>
      `model ${o.model}: ${paused ? 'breaker tripped, no device of it is accepted' : 'breaker reset'} (tx ${tx.txHash}, block ${tx.blockNumber})`,
  )
}
