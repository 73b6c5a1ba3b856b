// `veriot role …`: grant and revoke registry roles (admin, manufacturer, guardian).

import { VeriotError } from '@veriot/core'
import type { RoleName } from '@veriot/node'
import type { CommandContext } from '../context/createContext.ts'
import { parseAddress } from './device.ts'

const roles = ['admin', 'manufacturer', 'guardian'] as const

export async function roleCommand(
  ctx: CommandContext,
  action: 'grant' | 'revoke',
  role: string,
  address: string,
): Promise<void> {
  const name = roles.find((r) => r === role)
  if (!name) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"role" expected one of ${roles.join(', ')}, got ${JSON.stringify(role)}`,
    )
  }
  const account = parseAddress('address', address)
  const registry = await ctx.registry({ needsAccount: true })
  const tx =
    action === 'grant'
      ? await registry.grantRole(name as RoleName, account)
      : await registry.revokeRole(name as RoleName, account)
  ctx.out.result(
    { role: name, account, action, tx },
    () =>
      `${action === 'grant' ? 'granted' : 'revoked'} ${name} ${action === 'grant' ? 'to' : 'from'} ${account} (tx ${tx.txHash})`,
  )
}
