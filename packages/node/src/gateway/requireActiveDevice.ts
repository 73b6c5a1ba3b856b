// The gateway's first check on any device request (a reading, an attestation): registered and
// Active on chain, as the device cache last saw it.

import type { Hex } from 'viem'
import type { DeviceRecord } from '../registry/createRegistryClient.ts'
import { assertActiveDevice } from './assertActiveDevice.ts'
import type { DeviceCache } from './createDeviceCache.ts'

/**
 * The device's record when it is registered and Active.
 * @throws DEVICE_UNKNOWN, DEVICE_NOT_ACTIVE, RPC_UNREACHABLE (from the cache)
 */
export async function requireActiveDevice(
  devices: DeviceCache,
  deviceId: Hex,
): Promise<DeviceRecord> {
  return assertActiveDevice(await devices.get(deviceId), deviceId)
}
