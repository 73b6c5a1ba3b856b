// `veriot firmware …`: release keys per model, publishing, approving (with P-256 release keys
// from any key store), revoking releases, the minimum version, and listing what is on chain.

import { createHash } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { firmwareVersionToUint64, VeriotError } from '@veriot/core'
import { type DeviceKey, openDeviceKey } from '@veriot/device'
import type { ModelRecord, ReleaseRecord, TxResult } from '@veriot/node'
import { type Hex, hexToBytes, isHex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { keySecretsFromEnv } from '../context/keySecrets.ts'
import { formatFields, formatTable } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'

export type SetKeysOptions = { key?: string[]; publicKey?: string[]; threshold: string }
export type PublishOptions = {
  image: string
  measurement: string
  metadata?: string
  metadataUri?: string
  key?: string[]
}
export type ApproveOptions = { key?: string[]; image?: string }
export type RevokeOptions = { reason?: string; lockdown?: boolean }

export async function setKeysCommand(
  ctx: CommandContext,
  model: string,
  o: SetKeysOptions,
): Promise<void> {
  const threshold = parseIntegerOption('--threshold', o.threshold, 1, 32)
  const publicKeys = (o.publicKey ?? []).map(parsePublicKey)
  const firmware = await ctx.firmware({ needsAccount: true })
  await withKeys(o.key ?? [], async (keys) => {
    publicKeys.push(...keys.map((k) => k.publicKey))
  })
  if (publicKeys.length === 0) {
    throw new VeriotError('INVALID_ARGUMENT', 'give at least one --key <ref> or --public-key <hex>')
  }
  const tx = await firmware.setReleaseKeys(model, publicKeys, threshold)
  const record = await firmware.readModel(model)
  ctx.out.result({ model: record, tx }, () =>
    [
      `release keys of ${model}: ${record.threshold} of ${record.keys.length} (round ${record.keyEpoch})`,
      formatModel(record),
      `tx ${tx.txHash} (block ${tx.blockNumber})`,
    ].join('\n'),
  )
}

export async function publishCommand(
  ctx: CommandContext,
  model: string,
  version: string,
  o: PublishOptions,
): Promise<void> {
  const versionNumber = firmwareVersionToUint64(version)
  const measurement = parseBytes32('--measurement', o.measurement)
  const image = await hashFile('--image', o.image)
  const metadataHash =
    o.metadata === undefined ? undefined : (await hashFile('--metadata', o.metadata)).hash
  const firmware = await ctx.firmware({ needsAccount: true })
  let tx: TxResult | undefined
  await withKeys(o.key ?? [], async (keys) => {
    ctx.out.progress(
      `publishing ${model} ${version} (image ${image.size} bytes${keys.length ? `, ${keys.length} signature(s)` : ''})`,
    )
    tx = await firmware.publishRelease(
      {
        model,
        version: versionNumber,
        imageHash: image.hash,
        imageSize: image.size,
        measurement,
        ...(metadataHash ? { metadataHash } : {}),
        ...(o.metadataUri !== undefined ? { metadataUri: o.metadataUri } : {}),
      },
      keys,
    )
  })
  const release = await firmware.readRelease(model, versionNumber)
  ctx.out.result({ release, tx }, () =>
    [`published ${model} ${version}`, formatRelease(release), `tx ${tx?.txHash}`].join('\n'),
  )
}

export async function approveCommand(
  ctx: CommandContext,
  model: string,
  version: string,
  o: ApproveOptions,
): Promise<void> {
  const versionNumber = firmwareVersionToUint64(version)
  if (!o.key || o.key.length === 0) {
    throw new VeriotError('INVALID_ARGUMENT', 'give at least one release key: --key <ref>')
  }
  const expected = o.image === undefined ? undefined : (await hashFile('--image', o.image)).hash
  // Submitting signatures needs an account, but the release keys need none.
  const firmware = await ctx.firmware({ needsAccount: true })
  let tx: TxResult | undefined
  await withKeys(o.key, async (keys) => {
    tx = await firmware.approveRelease(
      model,
      versionNumber,
      keys,
      expected ? { expectedImageHash: expected } : {},
    )
  })
  const release = await firmware.readRelease(model, versionNumber)
  ctx.out.result({ release, tx }, () =>
    [
      `${model} ${version}: ${release.approvals} of ${release.threshold} approvals, ${release.status}`,
      `tx ${tx?.txHash}`,
    ].join('\n'),
  )
}

export async function revokeCommand(
  ctx: CommandContext,
  model: string,
  version: string,
  o: RevokeOptions,
): Promise<void> {
  const versionNumber = firmwareVersionToUint64(version)
  const firmware = await ctx.firmware({ needsAccount: true })
  const tx = await firmware.revokeRelease(model, versionNumber, o.reason ?? '', {
    lockdown: o.lockdown === true,
  })
  const release = await firmware.readRelease(model, versionNumber)
  ctx.out.result({ release, tx }, () =>
    [
      `revoked ${model} ${version}${release.lockdown ? ' with lockdown: devices running it are to be locked down' : ''}`,
      `tx ${tx.txHash}`,
    ].join('\n'),
  )
}

export async function setMinimumCommand(
  ctx: CommandContext,
  model: string,
  version: string,
): Promise<void> {
  const versionNumber = firmwareVersionToUint64(version)
  const firmware = await ctx.firmware({ needsAccount: true })
  const tx = await firmware.setMinimumVersion(model, versionNumber)
  ctx.out.result({ model, minimumVersion: version, tx }, () =>
    [`minimum version of ${model} is now ${version}`, `tx ${tx.txHash}`].join('\n'),
  )
}

export async function listFirmwareCommand(ctx: CommandContext, model?: string): Promise<void> {
  const firmware = await ctx.firmware()
  if (model === undefined) {
    const models = await Promise.all((await firmware.listModels()).map(firmware.readModel))
    ctx.out.result(models, () =>
      models.length === 0
        ? 'no models'
        : formatTable(
            ['model', 'keys', 'minimum', 'latest', 'latest approved', 'vendor'],
            models.map((m) => [
              m.model,
              `${m.threshold} of ${m.keys.length}`,
              m.minimumVersion,
              m.latestVersion,
              m.latestApprovedVersion,
              m.vendor,
            ]),
          ),
    )
    return
  }
  const record = await firmware.readModel(model)
  const releases = await firmware.listReleases(model)
  ctx.out.result({ model: record, releases }, () =>
    [
      formatModel(record),
      '',
      releases.length === 0
        ? 'no releases'
        : formatTable(
            ['version', 'verdict', 'approvals', 'image', 'measurement'],
            releases.map((r) => [
              r.version,
              r.verdict,
              `${r.approvals} of ${r.threshold}`,
              r.imageHash,
              r.measurement,
            ]),
          ),
    ].join('\n'),
  )
}

export async function showFirmwareCommand(
  ctx: CommandContext,
  model: string,
  version: string,
): Promise<void> {
  const release = await (await ctx.firmware()).readRelease(model, firmwareVersionToUint64(version))
  ctx.out.result(release, () => formatRelease(release))
}

// ---------------------------------------------------------------- helpers

/** Opens every key reference, runs `fn`, and closes them all, whatever happens. */
async function withKeys(refs: string[], fn: (keys: DeviceKey[]) => Promise<void>): Promise<void> {
  const secrets = keySecretsFromEnv()
  const keys: DeviceKey[] = []
  try {
    for (const ref of refs) keys.push(await openDeviceKey(ref, secrets))
    await fn(keys)
  } finally {
    await Promise.allSettled(keys.map((k) => k.close()))
  }
}

async function hashFile(field: string, path: string): Promise<{ hash: Hex; size: bigint }> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new VeriotError('INVALID_ARGUMENT', `"${field}" file ${path} does not exist`)
  }
  const hash = createHash('sha256')
  let size = 0n
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer)
    size += BigInt((chunk as Buffer).length)
  }
  if (size === 0n) throw new VeriotError('INVALID_ARGUMENT', `"${field}" file ${path} is empty`)
  return { hash: `0x${hash.digest('hex')}`, size }
}

function parseBytes32(field: string, value: string): Hex {
  if (!isHex(value) || value.length !== 66 || /^0x0{64}$/.test(value)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${field}" expected 0x followed by 64 hex digits (not all zero), got ${JSON.stringify(value.slice(0, 80))}`,
    )
  }
  return value
}

function parsePublicKey(value: string): Uint8Array {
  if (!isHex(value) || value.length !== 132 || !value.startsWith('0x04')) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--public-key" expected 0x04 followed by 128 hex digits (uncompressed P-256), got ${JSON.stringify(value.slice(0, 140))}`,
    )
  }
  return hexToBytes(value)
}

function formatModel(m: ModelRecord): string {
  return formatFields([
    ['model', m.model],
    ['vendor', m.vendor],
    ['threshold', `${m.threshold} of ${m.keys.length}`],
    ['release keys', m.keys.map((k) => k.keyId).join('\n              ')],
    ['minimum', m.minimumVersion],
    ['latest', m.latestVersion],
    ['latest approved', m.latestApprovedVersion],
  ])
}

function formatRelease(r: ReleaseRecord): string {
  return formatFields([
    ['release', `${r.model} ${r.version}`],
    ['status', r.status],
    ['verdict', r.verdict],
    ['approvals', `${r.approvals} of ${r.threshold}`],
    ['image', `${r.imageHash} (${r.imageSize} bytes)`],
    ['measurement', r.measurement],
    ['metadata', r.metadataUri ? `${r.metadataUri} (${r.metadataHash})` : r.metadataHash],
    ['published', r.publishedAt],
    ['approved', r.approvedAt],
    ['revoked', r.revokedAt ? `${r.revokedAt.toISOString()} (${r.revocationReason})` : undefined],
  ])
}
