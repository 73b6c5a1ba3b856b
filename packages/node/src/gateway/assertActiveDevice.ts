// The gateway's first check on a device's record, once it has one: registered and Active.

import { VeriotError } from '@veriot/core'
import type { Hex } from 'viem'
import type { DeviceRecord } from '../registry/createRegistryClient.ts'

/**
 * `device` when it is registered (not undefined) and Active.
 * @throws DEVICE_UNKNOWN, DEVICE_NOT_ACTIVE
 */
export function assertActiveDevice(device: DeviceRecord | undefined, deviceId: Hex): DeviceRecord {
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
