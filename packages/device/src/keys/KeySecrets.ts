// The secrets that unlock a key reference; the CLI fills them from the environment.

/**
 * `passphrase` unlocks a `file:` key (CLI: VERIOT_KEY_PASSPHRASE), `pin` a `pkcs11:` key
 * (CLI: VERIOT_PKCS11_PIN). `undefined` is accepted so `process.env` values pass straight in.
 */
export type KeySecrets = {
  readonly passphrase?: string | undefined
  readonly pin?: string | undefined
}
