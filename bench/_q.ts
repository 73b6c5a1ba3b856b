import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { verifyP256 } from '@veriot/core'

const sk = p256.utils.randomSecretKey()
const pk = p256.getPublicKey(sk, false)
const msgs = Array.from({ length: 2000 }, (_, i) => new Uint8Array(100).fill(i & 255))
let t = performance.now()
const sigs = msgs.map((m) =>
  p256.sign(sha256(m), sk, { prehash: false, lowS: false, format: 'compact' }),
)
console.log('sign/s', (2000 / (performance.now() - t)) * 1000)
t = performance.now()
for (let i = 0; i < 2000; i++) verifyP256(sigs[i]!, msgs[i]!, pk)
console.log('verify/s', (2000 / (performance.now() - t)) * 1000)
t = performance.now()
for (let i = 0; i < 2000; i++) verifyP256(sigs[i]!, msgs[i]!, pk)
console.log('verify/s', (2000 / (performance.now() - t)) * 1000)

import { createPublicKey, verify } from 'node:crypto'

const key = createPublicKey({
  key: {
    kty: 'EC',
    crv: 'P-256',
    x: Buffer.from(pk.slice(1, 33)).toString('base64url'),
    y: Buffer.from(pk.slice(33)).toString('base64url'),
  },
  format: 'jwk',
})
t = performance.now()
let ok = 0
for (let i = 0; i < 2000; i++)
  ok += verify('sha256', msgs[i]!, { key, dsaEncoding: 'ieee-p1363' }, sigs[i]!) ? 1 : 0
console.log('openssl verify/s', (2000 / (performance.now() - t)) * 1000, ok)
