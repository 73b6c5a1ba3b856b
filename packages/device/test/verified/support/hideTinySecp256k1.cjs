// Preloaded with `node --require` by verifyAttestationSignature.fallback.test.ts: makes
// tiny-secp256k1 unresolvable, as on a device where it is not installed, so the check falls
// back to noble.
const Module = require('node:module')
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === 'tiny-secp256k1') {
    const error = new Error(`Cannot find module '${request}' (hidden by the test)`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolve.call(this, request, ...rest)
}
