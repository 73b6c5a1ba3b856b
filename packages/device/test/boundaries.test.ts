import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'

// The device SDK must fit a gateway-class device and never pull in a server library.
const allowed = [
  /^\./,
  /^node:/,
  /^@noble\/(curves|hashes|ciphers|post-quantum)\//,
  /^@veriot\/core$/,
  /^zod$/,
  /^pkcs11js$/,
  // MQTT client (mqtt.js) for the telemetry publisher; a client only, never a broker.
  /^mqtt$/,
  // Merkle-Patricia proofs and RLP for verified reads (ethereumjs; no client, no network).
  /^@ethereumjs\/(mpt|rlp)$/,
  // CBOR (cborg, no dependencies) for the compact binary verified-read form.
  /^cborg$/,
  // Optional native BLS12-381 (blst through prebuilt N-API binaries, no install script, no
  // download): verifyAggregateAttestation falls back to noble when it does not load.
  /^@chainsafe\/blst$/,
  // Optional secp256k1 engine: bitcoin-core's libsecp256k1 compiled to WebAssembly (its one
  // dependency, uint8array-tools, is plain JavaScript; no install script, no native build, no
  // download; the .wasm ships in the package). verifyAttestationSignature takes it for the
  // k signature recoveries of a verified read, about twice as fast as noble with kept keys,
  // and falls back to noble when it does not load or fails its self-test.
  /^tiny-secp256k1$/,
  // Keccak-256 in WebAssembly (hash-wasm: no dependencies, no install script, the .wasm inlined
  // in the package): the trie-node, header and key hashes of a verified read, about 9× noble;
  // noble stays the fallback and the reference it must match before it is used.
  /^hash-wasm$/,
]
const src = new URL('../src/', import.meta.url).pathname

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  )
  return nested.flat().filter((f) => f.endsWith('.ts'))
}

test('behavior: src imports only device-safe modules', async () => {
  const files = await sourceFiles(src)
  assert.ok(files.length > 10)
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    // require() too: an optional native module is loaded with createRequire.
    const specifiers = [...text.matchAll(/(?:from|import|require)\s*\(?\s*'([^']+)'/g)].map(
      (m) => m[1] as string,
    )
    for (const specifier of specifiers) {
      assert.ok(
        allowed.some((pattern) => pattern.test(specifier)),
        `${file} imports ${specifier}, which the device SDK does not allow`,
      )
    }
  }
})

test('behavior: package dependencies are device-safe', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), [
    '@chainsafe/blst',
    '@ethereumjs/mpt',
    '@ethereumjs/rlp',
    '@noble/ciphers',
    '@noble/curves',
    '@noble/hashes',
    '@noble/post-quantum',
    '@veriot/core',
    'cborg',
    'hash-wasm',
    'mqtt',
    'pkcs11js',
    'tiny-secp256k1',
    'zod',
  ])
})
