// Worker thread of createSignatureVerifierPool: verifies batches of P-256 signatures with
// @veriot/core's verifyP256 (the gateway's one rule), off the gateway's event loop.
//
// A batch is one transferred buffer of jobs, each `signature (64) ‖ public key (65) ‖
// uint32be(length) ‖ signing bytes`; the answer is one byte per job, 1 = valid.

import { parentPort } from 'node:worker_threads'
import { verifyP256 } from '@veriot/core'

export type VerifyBatch = { id: number; count: number; buffer: ArrayBuffer }
export type VerifyBatchResult = { id: number; valid: Uint8Array }

const SIGNATURE_BYTES = 64
const PUBLIC_KEY_BYTES = 65

const port = parentPort
if (!port) throw new Error('signatureVerifierWorker.ts runs only as a worker thread')

port.on('message', ({ id, count, buffer }: VerifyBatch) => {
  const bytes = new Uint8Array(buffer)
  const view = new DataView(buffer)
  const valid = new Uint8Array(count)
  let at = 0
  for (let i = 0; i < count; i++) {
    const keyAt = at + SIGNATURE_BYTES
    const lengthAt = keyAt + PUBLIC_KEY_BYTES
    const messageAt = lengthAt + 4
    const end = messageAt + view.getUint32(lengthAt)
    const signature = bytes.subarray(at, keyAt)
    const publicKey = bytes.subarray(keyAt, lengthAt)
    const message = bytes.subarray(messageAt, end)
    at = end
    // verifyP256 fails closed: any malformed input or exception is "invalid".
    valid[i] = verifyP256(signature, message, publicKey) ? 1 : 0
  }
  port.postMessage({ id, valid } satisfies VerifyBatchResult, [valid.buffer])
})
