// `veriot key …`: create a device key in a key store and show its public key and device id.

import { deviceIdFromPublicKey } from '@veriot/core'
import { createDeviceKey, openDeviceKey } from '@veriot/device'
import { bytesToHex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { keySecretsFromEnv } from '../context/keySecrets.ts'
import { formatFields } from '../context/output.ts'

export async function keyCommand(
  ctx: CommandContext,
  action: 'create' | 'show',
  ref: string,
): Promise<void> {
  const secrets = keySecretsFromEnv()
  const key =
    action === 'create' ? await createDeviceKey(ref, secrets) : await openDeviceKey(ref, secrets)
  try {
    const value = {
      ref,
      kind: key.kind,
      publicKey: bytesToHex(key.publicKey),
      deviceId: deviceIdFromPublicKey(key.publicKey),
    }
    ctx.out.result(value, () =>
      formatFields([
        ['key', `${ref} (${key.kind}${action === 'create' ? ', created' : ''})`],
        ['public key', value.publicKey],
        ['device id', value.deviceId],
      ]),
    )
  } finally {
    await key.close()
  }
}
