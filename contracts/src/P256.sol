// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// ECDSA P-256 (secp256r1) checks through a verifier with the RIP-7212 / EIP-7951 calling
// convention: input h ‖ r ‖ s ‖ x ‖ y (5 × 32 bytes), output 32 bytes of 1 when valid and
// empty output when not.

/// @title P256
/// @notice High-S rule: accepted, as the precompile and Wycheproof do. Veriot never uses a
///         signature as an identifier (replay is stopped by nonces and sequence numbers), so
///         malleability is harmless; see docs/contracts.md.
library P256 {
    /// @notice The P256VERIFY precompile (Osaka, EIP-7951; RIP-7212 on rollups).
    address internal constant PRECOMPILE = address(0x100);

    uint256 internal constant P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff;
    uint256 internal constant A = 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc;
    uint256 internal constant B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b;

    /// @notice True when (r, s) is a valid signature of digest `h` by public key (x, y).
    function verify(address verifier, bytes32 h, bytes32 r, bytes32 s, bytes32 x, bytes32 y)
        internal
        view
        returns (bool)
    {
        (bool ok, bytes memory out) = verifier.staticcall(abi.encode(h, r, s, x, y));
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// @notice True when (x, y) is an affine point on P-256 (not the point at infinity).
    function isOnCurve(bytes32 xb, bytes32 yb) internal pure returns (bool) {
        uint256 x = uint256(xb);
        uint256 y = uint256(yb);
        if (x >= P || y >= P || (x == 0 && y == 0)) return false;
        uint256 lhs = mulmod(y, y, P);
        uint256 rhs = addmod(addmod(mulmod(mulmod(x, x, P), x, P), mulmod(A, x, P), P), B, P);
        return lhs == rhs;
    }

    /// @notice Checks that `verifier` accepts a known-valid signature and rejects its
    ///         tampered twin, so a missing precompile is detected rather than read as "invalid".
    function selfTest(address verifier) internal view returns (bool) {
        // Test vector from RIP-7212 (the P256VERIFY precompile proposal).
        bytes32 h = 0xbb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023;
        bytes32 r = 0x2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18;
        bytes32 s = 0x4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76;
        bytes32 x = 0x2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838;
        bytes32 y = 0xc7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e;
        return verify(verifier, h, r, s, x, y) && !verify(verifier, bytes32(uint256(h) ^ 1), r, s, x, y);
    }
}
