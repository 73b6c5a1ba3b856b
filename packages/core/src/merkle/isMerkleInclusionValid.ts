// Boolean form of verifyMerkleInclusion, for callers that only branch on the result.

import { type MerkleInclusion, verifyMerkleInclusion } from './verifyMerkleInclusion.ts'

/**
 * True when the inclusion proof holds (see {@link verifyMerkleInclusion}); false for every
 * failure, including malformed input. Never throws.
 */
export function isMerkleInclusionValid(inclusion: MerkleInclusion): boolean {
  try {
    verifyMerkleInclusion(inclusion)
    return true
  } catch {
    return false
  }
}
