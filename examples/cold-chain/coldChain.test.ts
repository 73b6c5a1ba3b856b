// Runs the cold-chain example: breach on chain and checked by a third party, a compliant
// shipment's result, spoofed evidence refused, a compromised device locked down.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runColdChainScenario } from './coldChain.ts'

test('example: cold chain — breach, compliance, spoofing refused, compromised device locked down', async () => {
  const r = await runColdChainScenario()
  // A breach recorded from the sensor's own signed −12 °C reading, verified from the bundle.
  assert.equal(r.breach.bundleVerified, true)
  assert.equal(r.breach.bundleValue, -12)
  assert.equal(r.breach.result, 'breached')
  // The compliant shipment: no breach, and the anchored batches covering its window.
  assert.equal(r.compliance.result, 'compliant')
  assert.equal(r.compliance.breachCount, 0)
  assert.ok(r.compliance.batches >= 1)
  // Spoofed evidence refused by the contract.
  assert.equal(r.spoofed.wrongKey, 'SIGNATURE_INVALID')
  assert.equal(r.spoofed.replayedFromOtherShipment, 'EVIDENCE_DEVICE_MISMATCH')
  // The compromised device: refused within seconds, suspended on chain, back after reactivation.
  assert.ok(r.compromise.msToLockdown < 5000, `locked after ${r.compromise.msToLockdown} ms`)
  assert.equal(r.compromise.refusedAfter, 'DEVICE_LOCKED_DOWN')
  assert.equal(r.compromise.statusOnChain, 'suspended')
  assert.equal(r.compromise.acceptedAfterReactivation, true)
})
