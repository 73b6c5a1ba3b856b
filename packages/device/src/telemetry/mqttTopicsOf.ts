// The MQTT topics of one device, shared by the device SDK and the gateway.

import { VeriotError } from '@veriot/core'

const DEVICE_ID = /^0x[0-9a-f]{64}$/

/** A device's topics: it publishes to `telemetry` and subscribes to `errors`. */
export type MqttTopics = {
  /** `veriot/devices/<deviceId>/telemetry`: encoded telemetry messages, QoS 1. */
  readonly telemetry: string
  /** `veriot/devices/<deviceId>/errors`: the gateway's rejections as JSON, QoS 1. */
  readonly errors: string
}

/**
 * The topics of `deviceId` (0x + 64 lowercase hex digits, the MQTT username too).
 *
 * @throws INVALID_DEVICE_ID for any other spelling (uppercase hex would be another topic)
 * @example
 * client.subscribe(mqttTopicsOf(deviceId).errors, { qos: 1 })
 */
export function mqttTopicsOf(deviceId: string): MqttTopics {
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    throw new VeriotError(
      'INVALID_DEVICE_ID',
      `"deviceId" expected 0x followed by 64 lowercase hex digits, got ${JSON.stringify(String(deviceId).slice(0, 80))}`,
    )
  }
  const base = `veriot/devices/${deviceId}`
  return { telemetry: `${base}/telemetry`, errors: `${base}/errors` }
}
