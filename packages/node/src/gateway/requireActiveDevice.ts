// The gateway's first check on any device request (a reading, an attestation): registered and
// Active on chain, as the device cache last saw it.

import { VeriotError } from '@veriot/core'
import type { Hex } from 'viem'
import type { DeviceRecord } from '../registry/createRegistryClient.ts'
import type { DeviceCache } from './createDeviceCache.ts'

/**
 * The device's record when it is registered and Active.
 * @throws DEVICE_UNKNOWN, DEVICE_NOT_ACTIVE, RPC_UNREACHABLE (from the cache)
 */
export async function requireActiveDevice(
  devices: DeviceCache,
  deviceId: Hex,
): Promise<DeviceRecord> {
  const device = await devices.get(deviceId)
  if (!device) {
    throw new VeriotError('DEVICE_UNKNOWN', `device ${deviceId} is not registered`, {
      context: { deviceId },
    })
  }
  if (device.status !== 'active') {
    throw new VeriotError(
      'DEVICE_NOT_ACTIVE',
      `device ${deviceId} is ${device.status}, not active`,
      {
        context: { deviceId, status: device.status },
      },
    )
  }
  return device
}
