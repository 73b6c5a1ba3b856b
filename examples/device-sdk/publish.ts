// Device SDK example: open a device key (key file or PKCS#11 token), attest to the gateway with
// the measurement of the firmware image it runs, sign readings and publish them over MQTT;
// every message is queued on disk first and the broker's PUBACK means the gateway has stored it.
//
//   node --import tsx examples/device-sdk/publish.ts <mqtt-url> <http-url> <key-ref> \
//     <device-data-dir> <firmware-image> [count]
//
// The device must be registered, active and granted `telemetry:temperature`, and FirmwareRegistry
// must approve its model and version with this image's measurement (see README). Without a TPM
// the device reports the measurement itself (software attester: level `software`, or `hsm` for
// a PKCS#11 key); createTpmAttester gives level `tpm`.
// Secrets come from the environment: VERIOT_KEY_PASSPHRASE (file:) or VERIOT_PKCS11_PIN (pkcs11:).
import { readFileSync } from 'node:fs'
import { sha256 } from '@noble/hashes/sha2.js'
import { PCR_RESET_VALUE, pcrExtend } from '@veriot/core'
import {
  createMqttPublisher,
  createSoftwareAttester,
  createTelemetryDevice,
  openDeviceKey,
} from '@veriot/device'

const [url, httpUrl, keyRef, dataDir, image, countArg] = process.argv.slice(2)
if (!url || !httpUrl || !keyRef || !dataDir || !image) {
  console.error(
    'usage: publish.ts <mqtt-url> <http-url> <key-ref> <device-data-dir> <firmware-image> [count]',
  )
  process.exit(2)
}
const secrets = {
  ...(process.env.VERIOT_KEY_PASSPHRASE ? { passphrase: process.env.VERIOT_KEY_PASSPHRASE } : {}),
  ...(process.env.VERIOT_PKCS11_PIN ? { pin: process.env.VERIOT_PKCS11_PIN } : {}),
}

const key = await openDeviceKey(keyRef, secrets)
const device = await createTelemetryDevice({ key, dataDir })
// Measured boot: the PCR value an extend of the image's SHA-256 leaves (docs/attestation.md).
const measurement = pcrExtend(PCR_RESET_VALUE, sha256(readFileSync(image)))
const publisher = await createMqttPublisher({
  url,
  device,
  dataDir,
  attester: createSoftwareAttester({ key, measurement }),
  attestationUrl: httpUrl, // the gateway's HTTP API: challenge, then evidence
})
const { level, expiresAt } = await publisher.attestation!.ensure()
console.log(`attested at level ${level}, valid until ${new Date(expiresAt).toISOString()}`)
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
