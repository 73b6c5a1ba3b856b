// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// BLS12-381 keys, proofs of possession and (aggregate) signatures made inside Forge tests with
// the EIP-2537 multiplication precompiles, so fuzz and invariant tests can use any number of
// keys. Cross-checked against noble-curves by fixed vectors in AuthorityRegistryBls.t.sol.

import {Bls12381} from "../../src/Bls12381.sol";

library BlsTestKeys {
    address internal constant G1MSM = address(0x0c);
    address internal constant G2ADD = address(0x0d);
    address internal constant G2MSM = address(0x0e);
    /// @dev Order r of the BLS12-381 groups.
    uint256 internal constant R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @notice A secret key in [1, r − 1] derived from any seed.
    function secretKey(uint256 seed) internal pure returns (uint256) {
        return 1 + uint256(keccak256(abi.encode("veriot.test.bls", seed))) % (R - 1);
    }

    /// @notice sk·G1 as a 96-byte uncompressed key (x ‖ y).
    function publicKey(uint256 sk) internal view returns (bytes memory) {
        bytes memory generator = abi.encodePacked(
            Bls12381.G1_X_HI, Bls12381.G1_X_LO, Bls12381.G1_Y_HI, Bls12381.G1_Y_LO
        );
        (bool ok, bytes memory point) = G1MSM.staticcall(abi.encodePacked(generator, sk));
        require(ok && point.length == 128, "G1MSM");
        return bytes.concat(_unpad(point, 0), _unpad(point, 64));
    }

    /// @notice sk·H(message) in the precompiles' 256-byte G2 layout.
    function signPadded(uint256 sk, bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        (bool ok, bytes memory hashed) = Bls12381.hashToG2(message, dst);
        require(ok, "hashToG2");
        bytes memory point;
        (ok, point) = G2MSM.staticcall(abi.encodePacked(hashed, sk));
        require(ok && point.length == 256, "G2MSM");
        return point;
    }

    /// @notice A 192-byte uncompressed signature (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0).
    function sign(uint256 sk, bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        return g2ToUncompressed(signPadded(sk, message, dst));
    }

    /// @notice The proof of possession AuthorityRegistry wants for `signer` registering `key`.
    function proofOfPossession(uint256 sk, bytes memory key, address signer) internal view returns (bytes memory) {
        return sign(sk, abi.encodePacked(key, signer), Bls12381.POP_DST);
    }

    /// @notice The aggregate (sum) of every key's signature over the 32-byte digest with SIG_DST.
    function aggregateSign(uint256[] memory sks, bytes32 digest) internal view returns (bytes memory) {
        bytes memory message = abi.encodePacked(digest);
        bytes memory sum = signPadded(sks[0], message, Bls12381.SIG_DST);
        for (uint256 i = 1; i < sks.length; i++) {
            bool ok;
            (ok, sum) = G2ADD.staticcall(abi.encodePacked(sum, signPadded(sks[i], message, Bls12381.SIG_DST)));
            require(ok && sum.length == 256, "G2ADD");
        }
        return g2ToUncompressed(sum);
    }

    /// @notice The precompiles' G2 layout (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each padded to 64) as
    ///         the 192-byte uncompressed serialization (c1 before c0, 48 bytes each).
    function g2ToUncompressed(bytes memory point) internal pure returns (bytes memory) {
        return bytes.concat(_unpad(point, 64), _unpad(point, 0), _unpad(point, 192), _unpad(point, 128));
    }

    function _unpad(bytes memory point, uint256 offset) private pure returns (bytes memory out) {
        out = new bytes(48);
        for (uint256 i = 0; i < 48; i++) {
            out[i] = point[offset + 16 + i];
        }
    }
}
