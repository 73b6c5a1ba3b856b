// Anvil's well-known development accounts (from its default mnemonic). Anvil-only: these
// keys are public; never use them on a real network.

import { type HDAccount, mnemonicToAccount } from 'viem/accounts'

/** The mnemonic anvil derives its funded development accounts from. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

/** Anvil development account `index` (0..9 are funded with 10 000 ETH). */
export function getAnvilAccount(index: number): HDAccount {
  if (!Number.isInteger(index) || index < 0 || index > 9) {
    throw new RangeError(`"account index" expected 0..9, got ${index}`)
  }
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index })
}
