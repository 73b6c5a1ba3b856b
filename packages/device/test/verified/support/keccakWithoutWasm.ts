// Run by keccak256.test.ts under `node --jitless`, where WebAssembly is unavailable.
import { bytesToHex } from '@noble/hashes/utils.js'
import { keccak256, keccakEngine, loadKeccakWasm } from '../../../src/verified/keccak256.ts'

const loaded = await loadKeccakWasm()
process.stdout.write(
  JSON.stringify({
    loaded,
    engine: keccakEngine(),
    empty: bytesToHex(keccak256(new Uint8Array(0))),
  }),
)
