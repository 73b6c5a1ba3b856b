// transparency-dev/merkle inclusion-proof test data through verifyMerkleInclusion: every case
// gives its listed result (wantErr), and the happy paths are rebuilt by merkleRoot and
// merkleInclusionProof from the RFC 6962 reference leaves.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  isMerkleInclusionValid,
  isVeriotError,
  type MerkleInclusion,
  merkleInclusionProof,
  merkleLeafHash,
  merkleRoot,
  verifyMerkleInclusion,
} from '../src/index.ts'
import { withVectors } from './support/vectors.ts'

// Pinned copy: transparency-dev/merkle testdata at 417fb0c314750d94e53942e9f92e79b6d35915db.
const VECTORS = new URL('../../../../shared/vectors/rfc6962/inclusion/', import.meta.url)
// Cases in the pinned copy; a new version changes it (re-run, re-read, then update).
const PINNED_CASES = 98

// The leaves of the RFC 6962 reference tree (certificate-transparency and transparency-dev
// tests), from which the vectors' happy paths are built.
const REFERENCE_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => merkleLeafHash(Uint8Array.from(Buffer.from(hex, 'hex'))))

type Case = { name: string; inclusion: MerkleInclusion; wantErr: boolean; desc: string }

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = `${dir}/${name}`
      return statSync(path).isDirectory() ? filesUnder(path) : [path]
    })
    .filter((path) => path.endsWith('.json'))
    .sort()
}

function base64(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value, 'base64'))
}

function caseOf(path: string, root: string): Case {
  const text = readFileSync(path, 'utf8')
  const json = JSON.parse(text)
  // JSON numbers lose precision past 2^53 (one case has leafIdx 2^64 − 1): read the digits.
  // Such an index reaches the verifier as a non-safe number, which it must refuse.
  const leafIdx = BigInt(/"leafIdx":\s*(\d+)/.exec(text)?.[1] ?? Number.NaN)
  const treeSize = BigInt(/"treeSize":\s*(\d+)/.exec(text)?.[1] ?? Number.NaN)
  return {
    name: path.slice(root.length),
    desc: json.desc,
    wantErr: json.wantErr,
    inclusion: {
      leafHash: base64(json.leafHash),
      index: Number(leafIdx),
      treeSize: Number(treeSize),
      // transparency-dev writes an empty proof as null.
      proof: (json.proof ?? []).map(base64),
      root: base64(json.root),
    },
  }
}

withVectors('vectors: RFC 6962 inclusion proofs', VECTORS, () => {
  const root = fileURLToPath(VECTORS)
  const cases = filesUnder(root).map((path) => caseOf(path, root))

  test(`vectors: rfc6962/inclusion (${cases.length} cases)`, () => {
    assert.equal(cases.length, PINNED_CASES, 'case count differs from the pinned version')
    assert.ok(cases.some((c) => c.wantErr) && cases.some((c) => !c.wantErr))
    const failures: string[] = []
    for (const c of cases) {
      let error: unknown
      try {
        verifyMerkleInclusion(c.inclusion)
      } catch (err) {
        error = err ?? new Error('thrown nullish')
      }
      if (c.wantErr && error === undefined) failures.push(`${c.name} (${c.desc}): accepted`)
      if (!c.wantErr && error !== undefined)
        failures.push(`${c.name} (${c.desc}): ${String(error)}`)
      if (error !== undefined && !isVeriotError(error, 'MERKLE_PROOF_INVALID')) {
        failures.push(`${c.name}: threw something else than MERKLE_PROOF_INVALID: ${String(error)}`)
      }
      if (isMerkleInclusionValid(c.inclusion) !== !c.wantErr) {
        failures.push(`${c.name}: isMerkleInclusionValid disagrees`)
      }
    }
    assert.deepEqual(failures, [])
  })

  // The numbered folders' happy paths are on the reference tree (single-entry/ uses its own leaf).
  const happy = cases.filter(
    ({ wantErr, inclusion }) =>
      !wantErr &&
      inclusion.treeSize <= REFERENCE_LEAVES.length &&
      bytesToHex(REFERENCE_LEAVES[inclusion.index] as Uint8Array) ===
        bytesToHex(inclusion.leafHash),
  )
  test(`behavior: happy paths are rebuilt from the reference leaves (${happy.length} cases)`, () => {
    assert.ok(happy.length >= 5, 'expected the happy paths of folders 0–4')
    for (const { name, inclusion } of happy) {
      const leaves = REFERENCE_LEAVES.slice(0, inclusion.treeSize)
      assert.equal(bytesToHex(merkleRoot(leaves)), bytesToHex(inclusion.root), name)
      assert.deepEqual(
        merkleInclusionProof(leaves, inclusion.index).map(bytesToHex),
        inclusion.proof.map(bytesToHex),
        name,
      )
    }
  })
})
