import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { deviceRegistryAbi } from '@veriot/contracts'
import { encodeRegistrationMessage, firmwareVersionToUint64, isVeriotError } from '@veriot/core'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

describe('DeviceRegistry client against anvil', () => {
  let chain: TestChain
  before(async () => {
    chain = await startTestChain()
  })
  after(async () => {
    await chain?.stop()
  })

  test('default: register → provision → activate → transfer → suspend → history', async () => {
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    const { id } = await admin.register(key, {
      model: 'coldchain-sensor',
      firmwareVersion: firmwareVersionToUint64('1.2.3'),
    })
    let device = await admin.getDevice(id)
    assert.equal(device.status, 'manufactured')
    assert.equal(device.model, 'coldchain-sensor')
    assert.equal(device.firmwareVersion, '1.2.3')
    assert.equal(device.suite, 'p256')

    const owner = getAnvilAccount(1).address
    await admin.provision(id, owner)
    const ownerClient = await chain.registry(1)
    await ownerClient.activate(id)
    await ownerClient.grantCapability(id, 'telemetry:temperature')
    const newOwner = getAnvilAccount(2).address
    await ownerClient.transfer(id, newOwner)
    await admin.suspend(id, 'tamper alarm') // admin is also guardian
    device = await admin.getDevice(id)
    assert.equal(device.status, 'suspended')
    assert.equal(device.owner, newOwner)
    assert.deepEqual(device.capabilities, ['telemetry:temperature'])

    const history = await admin.getHistory(id)
    assert.deepEqual(
      history.map((h) => h.event),
      [
        'DeviceRegistered',
        'DeviceProvisioned',
        'DeviceActivated',
        'CapabilityGranted',
        'DeviceTransferred',
        'DeviceSuspended',
      ],
    )
    assert.equal(history[5]?.details.reason, 'tamper alarm')
    assert.equal(history[4]?.sender, owner)
    const counts = await admin.getCounts()
    assert.ok(counts.byStatus.suspended >= 1)
  })

  test('behavior: the TypeScript registration message equals the contract view', async () => {
    const conn = await chain.as(0)
    const key = createMemoryKey()
    const registration = {
      pubKeyX: `0x${Buffer.from(key.publicKey.subarray(1, 33)).toString('hex')}`,
      pubKeyY: `0x${Buffer.from(key.publicKey.subarray(33)).toString('hex')}`,
      suite: 1,
      model: `0x${'11'.repeat(32)}`,
      firmwareVersion: 7n,
      metadataHash: `0x${'22'.repeat(32)}`,
      auxKeyHash: `0x${'00'.repeat(32)}`,
    } as const
    const manufacturer = getAnvilAccount(0).address
    const fromContract = await conn.publicClient.readContract({
      address: chain.deployment.contracts.DeviceRegistry.address,
      abi: deviceRegistryAbi,
      functionName: 'registrationMessage',
      args: [registration, manufacturer],
    })
    const id = await conn.publicClient.readContract({
      address: chain.deployment.contracts.DeviceRegistry.address,
      abi: deviceRegistryAbi,
      functionName: 'deviceIdOf',
      args: [registration.pubKeyX, registration.pubKeyY],
    })
    const fromTs = encodeRegistrationMessage(registration, {
      chainId: BigInt(conn.chainId),
      registry: chain.deployment.contracts.DeviceRegistry.address,
      nonce: 0n,
      manufacturer,
      deviceId: id,
    })
    assert.equal(fromTs, fromContract)
  })

  test('error: forbidden transitions and non-owners change nothing', async () => {
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    const { id } = await admin.register(key, { model: 'lock', firmwareVersion: 1n })
    await assert.rejects(admin.activate(id), (e) => isVeriotError(e, 'DEVICE_TRANSITION_FORBIDDEN'))
    await admin.provision(id, getAnvilAccount(1).address)
    const stranger = await chain.registry(3)
    await assert.rejects(stranger.transfer(id, getAnvilAccount(3).address), (e) =>
      isVeriotError(e, 'DEVICE_NOT_OWNER'),
    )
    await assert.rejects(stranger.activate(id), (e) => isVeriotError(e, 'NOT_AUTHORIZED'))
    await assert.rejects(admin.register(key, { model: 'lock', firmwareVersion: 1n }), (e) =>
      isVeriotError(e, 'DEVICE_ALREADY_REGISTERED'),
    )
    await assert.rejects(
      stranger.register(createMemoryKey(), { model: 'x', firmwareVersion: 1n }),
      (e) => isVeriotError(e, 'ROLE_MISSING'),
    )
    const device = await admin.getDevice(id)
    assert.equal(device.status, 'provisioned')
    assert.equal(device.owner, getAnvilAccount(1).address)
    const history = await admin.getHistory(id)
    assert.equal(history.length, 2)
  })

  test('error: a signature by another key is rejected on chain', async () => {
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    const impostor = createMemoryKey()
    const forged = { publicKey: key.publicKey, sign: impostor.sign }
    await assert.rejects(admin.register(forged, { model: 'x', firmwareVersion: 1n }), (e) =>
      isVeriotError(e, 'REGISTRATION_SIGNATURE_INVALID'),
    )
  })

  test('error: unknown device', async () => {
    const admin = await chain.registry(0)
    await assert.rejects(admin.getDevice(`0x${'ab'.repeat(32)}`), (e) =>
      isVeriotError(e, 'DEVICE_UNKNOWN'),
    )
  })
})
