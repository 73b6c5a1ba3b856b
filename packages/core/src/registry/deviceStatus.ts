// Device lifecycle states, in the order of DeviceRegistry.Status.

export const deviceStatuses = [
  'none',
  'manufactured',
  'provisioned',
  'active',
  'suspended',
  'decommissioned',
] as const
export type DeviceStatus = (typeof deviceStatuses)[number]

/** The status name for the contract's enum value. */
export function deviceStatusOf(value: number): DeviceStatus {
  const status = deviceStatuses[value]
  if (status === undefined) throw new RangeError(`"status" expected 0..5, got ${value}`)
  return status
}
