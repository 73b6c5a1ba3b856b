// Device SDK example: open a device key (key file or PKCS#11 token), sign readings and publish
// them over MQTT to the gateway; every message is queued on disk first and the broker's
// PUBACK means the gateway has stored it.
//
//   node --import tsx examples/device-sdk/publish.ts <mqtt-url> <key-ref> <device-data-dir> [count]
//
// The device must be registered, active and granted `telemetry:temperature` (see README).
// Secrets come from the environment: VERIOT_KEY_PASSPHRASE (file:) or VERIOT_PKCS11_PIN (pkcs11:).
import { createMqttPublisher, createTelemetryDevice, openDeviceKey } from '@veriot/device'

const [url, keyRef, dataDir, countArg] = process.argv.slice(2)
if (!url || !keyRef || !dataDir) {
  console.error('usage: publish.ts <mqtt-url> <key-ref> <device-data-dir> [count]')
  process.exit(2)
}
const secrets = {
  ...(process.env.VERIOT_KEY_PASSPHRASE ? { passphrase: process.env.VERIOT_KEY_PASSPHRASE } : {}),
  ...(process.env.VERIOT_PKCS11_PIN ? { pin: process.env.VERIOT_PKCS11_PIN } : {}),
}

const key = await openDeviceKey(keyRef, secrets)
const device = await createTelemetryDevice({ key, dataDir })
const publisher = await createMqttPublisher({ url, device, dataDir })
let rejected = 0
publisher.onError((r) => {
  rejected++
  console.error(`rejected: ${r.code}: ${r.message}`)
})
for (let i = 0; i < Number(countArg ?? 3); i++) {
  const { readingId, sequence } = await publisher.publish('temperature', [
    { name: 'temp', value: -21.5 + i / 10, unit: 'Cel' },
  ])
  console.log(`queued reading ${readingId} (seq ${sequence})`)
}
await publisher.flush() // every message acknowledged = persisted by the gateway
console.log(`all acknowledged by the gateway; ${rejected} rejected`)
await publisher.close()
await device.close()
await key.close()
