// Loads the transaction account for a real network: an Ethereum V3 keystore file (password
// from the environment) or a raw private key from the environment. Secrets never reach messages.

import { existsSync, readFileSync } from 'node:fs'
import { Wallet } from '@ethereumjs/wallet'
import { VeriotError } from '@veriot/core'
import { bytesToHex, type Hex, isHex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'

export type AccountSource =
  | { keystore: string; password: string | undefined }
  | { privateKey: string }

/**
 * Loads an account from a keystore file or a private key.
 * @throws KEY_FILE_NOT_FOUND, KEY_FILE_MALFORMED, KEY_PASSPHRASE_MISSING, KEY_PASSPHRASE_WRONG, KEY_MALFORMED
 */
export async function loadAccount(source: AccountSource): Promise<PrivateKeyAccount> {
  if ('privateKey' in source) {
    const key = source.privateKey.startsWith('0x') ? source.privateKey : `0x${source.privateKey}`
    if (!isHex(key) || key.length !== 66) {
      throw new VeriotError(
        'KEY_MALFORMED',
        `"private key" expected 32 bytes of hex, got ${Math.max(0, (key.length - 2) / 2)} bytes`,
      )
    }
    return privateKeyToAccount(key as Hex)
  }
  const { keystore, password } = source
  if (!existsSync(keystore)) {
    throw new VeriotError('KEY_FILE_NOT_FOUND', `keystore ${keystore} does not exist`, {
      context: { path: keystore },
    })
  }
  if (password === undefined) {
    throw new VeriotError(
      'KEY_PASSPHRASE_MISSING',
      `keystore ${keystore} needs its password in VERIOT_KEYSTORE_PASSWORD`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(keystore, 'utf8'))
  } catch (cause) {
    throw new VeriotError('KEY_FILE_MALFORMED', `keystore ${keystore} is not JSON`, { cause })
  }
  let wallet: Wallet
  try {
    wallet = await Wallet.fromV3(json as never, password, true)
  } catch (cause) {
    const wrong = cause instanceof Error && /pass(word|phrase)|mac/i.test(cause.message)
    throw new VeriotError(
      wrong ? 'KEY_PASSPHRASE_WRONG' : 'KEY_FILE_MALFORMED',
      wrong
        ? `keystore ${keystore}: wrong password`
        : `keystore ${keystore} is not a valid Ethereum V3 keystore`,
      { cause, context: { path: keystore } },
    )
  }
  return privateKeyToAccount(bytesToHex(wallet.getPrivateKey()))
}
