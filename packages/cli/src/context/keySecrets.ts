// Secrets for device key references come from the environment, never from arguments
// (arguments show up in process lists and shell history).

export function keySecretsFromEnv(): { passphrase?: string; pin?: string } {
  const secrets: { passphrase?: string; pin?: string } = {}
  if (process.env.VERIOT_KEY_PASSPHRASE) secrets.passphrase = process.env.VERIOT_KEY_PASSPHRASE
  if (process.env.VERIOT_PKCS11_PIN) secrets.pin = process.env.VERIOT_PKCS11_PIN
  return secrets
}
