// MQTT topic scheme: a device publishes to veriot/devices/<id>/telemetry and hears its
// rejections on veriot/devices/<id>/errors. Nothing else is allowed to a device.

import type { Hex } from 'viem'

export const TELEMETRY_TOPIC_FILTER = 'veriot/devices/+/telemetry'

export const telemetryTopic = (deviceId: Hex) =>
  `veriot/devices/${deviceId.toLowerCase()}/telemetry`
export const errorsTopic = (deviceId: Hex) => `veriot/devices/${deviceId.toLowerCase()}/errors`

/** The device id in a telemetry topic, or undefined when the topic is not one. */
export function deviceIdOfTelemetryTopic(topic: string): Hex | undefined {
  const m = /^veriot\/devices\/(0x[0-9a-f]{64})\/telemetry$/.exec(topic)
  return m ? (m[1] as Hex) : undefined
}
