// `veriot attest` and the attestation part of `veriot device show`, through the real executable
// against a detached stack (anvil + gateway on ephemeral ports): a device with a key file attests
// with its firmware image's measurement; another image, and a revoked release, are refused.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { PCR_RESET_VALUE, pcrExtend } from '@veriot/core'
import { runCli } from './runCli.ts'

describe('veriot attest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-cli-attest-'))
  const dataDir = join(dir, 'data')
  const env = {
    VERIOT_DATA_DIR: dataDir,
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
    VERIOT_KEY_PASSPHRASE: 'attest test passphrase',
  }
  const cli = (...args: string[]) => runCli(args, env)

  after(async () => {
    if (existsSync(join(dataDir, 'run.json'))) await cli('down')
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: a device attests with its key and image; show prints the verdict and the attestation; a revocation is refused', async () => {
    const up = await cli('up', '--detach', '--json')
    assert.equal(up.code, 0, up.stderr)

    const deviceKey = `file:${join(dir, 'device.key')}`
    const provisioned = await cli(
      ...['device', 'provision', '--key', deviceKey, '--create-key', '--model', 'thermo'],
      ...['--firmware', '2.0.0', '--activate', '--json'],
    )
    assert.equal(provisioned.code, 0, provisioned.stderr)
    const id: string = provisioned.json.device.id

    // Not yet published: the gateway refuses to attest it.
    const image = join(dir, 'thermo-2.0.0.bin')
    writeFileSync(image, 'thermo firmware 2.0.0')
    const unknown = await cli('attest', id, '--key', deviceKey, '--image', image, '--json')
    assert.equal(unknown.json?.error?.code, 'FIRMWARE_RELEASE_UNKNOWN', unknown.stderr)
    assert.equal(unknown.code, 3)

    const releaseKey = `file:${join(dir, 'release.key')}`
    assert.equal((await cli('key', 'create', releaseKey)).code, 0)
    assert.equal(
      (await cli('firmware', 'set-keys', 'thermo', '--key', releaseKey, '--threshold', '1')).code,
      0,
    )
    const measurement = `0x${bytesToHex(pcrExtend(PCR_RESET_VALUE, sha256(readFileSync(image))))}`
    const published = await cli(
      ...['firmware', 'publish', 'thermo', '2.0.0', '--image', image],
      ...['--measurement', measurement, '--key', releaseKey],
    )
    assert.equal(published.code, 0, published.stderr)

    const attested = await cli('attest', id, '--key', deviceKey, '--image', image, '--json')
    assert.equal(attested.code, 0, attested.stderr)
    assert.equal(attested.json.level, 'software')
    assert.equal(attested.json.measurement, measurement)
    assert.equal(attested.json.firmwareVersion, '2.0.0')

    const show = await cli('device', 'show', id, '--json')
    assert.equal(show.code, 0, show.stderr)
    assert.equal(show.json.release.verdict, 'approved')
    assert.equal(show.json.attestation.level, 'software')
    assert.equal(show.json.attestation.fresh, true)
    const plain = await cli('device', 'show', id)
    assert.match(plain.stdout, /release\s+approved on FirmwareRegistry/)
    assert.match(plain.stdout, /attestation\s+software, verified /)

    // Another image booted: its measurement is not the release's.
    const other = join(dir, 'other.bin')
    writeFileSync(other, 'not the approved image')
    const mismatch = await cli('attest', id, '--key', deviceKey, '--image', other, '--json')
    assert.equal(mismatch.json?.error?.code, 'ATTESTATION_PCR_MISMATCH', mismatch.stderr)
    assert.equal(mismatch.code, 4)

    assert.equal((await cli('firmware', 'revoke', 'thermo', '2.0.0', '--reason', 'CVE')).code, 0)
    const revoked = await cli('attest', id, '--key', deviceKey, '--image', image, '--json')
    assert.equal(revoked.json?.error?.code, 'FIRMWARE_RELEASE_REVOKED', revoked.stderr)
    assert.equal(revoked.code, 4)
    const after = await cli('device', 'show', id, '--json')
    assert.equal(after.json.release.verdict, 'revoked')
    // The stored attestation is kept (and shown) but no longer admits readings.
    assert.equal(after.json.attestation.verifiedAt, show.json.attestation.verifiedAt)
    assert.equal(after.json.attestation.fresh, false)

    const wrongKey = await cli(
      'attest',
      `0x${'ab'.repeat(32)}`,
      '--key',
      deviceKey,
      '--image',
      image,
      '--json',
    )
    assert.equal(wrongKey.json?.error?.code, 'INVALID_ARGUMENT')
    assert.equal(wrongKey.code, 2)
  })
})
