// `veriot attest <device> --key <ref>`: one attestation round against the running gateway with
// the device's own key store: a TPM quote for `tpm:` keys, else the key signs the measurement
// of the firmware image (--image) or the given one (--measurement).

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  assertDeviceId,
  deviceIdFromPublicKey,
  PCR_RESET_VALUE,
  pcrExtend,
  VeriotError,
} from '@veriot/core'
import {
  type Attester,
  createGatewayAttestationClient,
  createSoftwareAttester,
  createTpmAttester,
  type DeviceKey,
  openDeviceKey,
  openTpmKeyStore,
  parseKeyRef,
  type TpmKeyStore,
} from '@veriot/device'
import { type Hex, hexToBytes, isHex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { readRunInfo } from '../context/dataDir.ts'
import { keySecretsFromEnv } from '../context/keySecrets.ts'
import { formatFields } from '../context/output.ts'

export type AttestOptions = {
  key: string
  image?: string
  measurement?: string
  httpUrl?: string
}

export async function attestCommand(
  ctx: CommandContext,
  id: string,
  o: AttestOptions,
): Promise<void> {
  assertDeviceId(id)
  const httpUrl = o.httpUrl ?? readRunInfo(ctx.dataDir)?.httpUrl
  if (!httpUrl) {
    throw new VeriotError(
      'NOT_INITIALIZED',
      'no gateway HTTP URL: start the stack with `veriot up` or pass --http-url',
    )
  }
  const ref = parseKeyRef(o.key)
  let store: TpmKeyStore | undefined
  let key: DeviceKey | undefined
  try {
    let attester: Attester
    let publicKey: Uint8Array
    if (ref.kind === 'tpm') {
      store = await openTpmKeyStore({ path: ref.path })
      attester = createTpmAttester({ store })
      publicKey = store.identityKey.publicKey
    } else {
      key = await openDeviceKey(o.key, keySecretsFromEnv())
      attester = createSoftwareAttester({ key, measurement: measurementOf(o) })
      publicKey = key.publicKey
    }
    if (deviceIdFromPublicKey(publicKey) !== id.toLowerCase()) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--key" expected the key of device ${id}, got the key of ${deviceIdFromPublicKey(publicKey)}`,
      )
    }
    const result = await createGatewayAttestationClient({
      baseUrl: httpUrl,
      deviceId: id.toLowerCase() as Hex,
      attester,
    }).attest()
    ctx.out.result(result, () =>
      formatFields([
        ['device', result.deviceId],
        ['level', result.level],
        ['release', `${result.model} ${result.firmwareVersion} (approved)`],
        ['measurement', result.measurement],
        ['verified', new Date(result.verifiedAt).toISOString()],
        ['expires', new Date(result.expiresAt).toISOString()],
      ]),
    )
  } finally {
    await store?.close()
    await key?.close()
  }
}

/** The PCR value a measured boot of --image leaves, or --measurement as given. */
function measurementOf(o: AttestOptions): Uint8Array {
  if (o.image !== undefined && o.measurement === undefined) {
    const digest = createHash('sha256').update(readFileSync(o.image)).digest()
    return pcrExtend(PCR_RESET_VALUE, new Uint8Array(digest))
  }
  if (o.measurement !== undefined && o.image === undefined) {
    if (!isHex(o.measurement) || o.measurement.length !== 66) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--measurement" expected 0x and 64 hex digits, got ${JSON.stringify(o.measurement.slice(0, 80))}`,
      )
    }
    return hexToBytes(o.measurement)
  }
  throw new VeriotError(
    'INVALID_ARGUMENT',
    'a key without a TPM reports its measurement: give --image <firmware file> or --measurement <0x…> (one of them)',
  )
}
