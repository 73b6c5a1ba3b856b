// Anvil-only helpers (embedded chain, development accounts). Production code never imports these.
export { ANVIL_MNEMONIC, getAnvilAccount } from './devAccounts.ts'
export { type Anvil, type AnvilOptions, getAnvilPath, startAnvil } from './startAnvil.ts'
