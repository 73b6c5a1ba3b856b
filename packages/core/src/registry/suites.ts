// Signature suites a device can register, with the numeric ids the contracts use.

/** Suite ids as stored on chain (DeviceRegistry.SUITE_*). */
export const Suite = {
  p256: 1,
  ed25519: 2,
  mldsa44P256: 3,
} as const
export type SuiteName = keyof typeof Suite
export type SuiteId = (typeof Suite)[SuiteName]

/** The suite name for an on-chain id, or undefined for an unknown id. */
export function suiteNameOf(id: number): SuiteName | undefined {
  return (Object.keys(Suite) as SuiteName[]).find((name) => Suite[name] === id)
}
