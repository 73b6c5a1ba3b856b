// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// BLS12-381 signatures (minimal-pubkey-size: G1 keys, G2 signatures) checked through the
// EIP-2537 precompiles (Prague): hash to G2 as in RFC 9380 (suite
// BLS12381G2_XMD:SHA-256_SSWU_RO_), keys summed with G1ADD, then one pairing check. Used for
// proofs of possession and for aggregate attestations (one signature by many keys over one
// message; safe against rogue keys because every key came with a proof of possession).

/// @title Bls12381
/// @notice Keys and proofs use the uncompressed ZCash serialization that BLS libraries
///         write (noble-curves `toBytes(false)`, blst `serialize`): a G1 public key is
///         x ‖ y (96 bytes), a G2 signature is x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0 (192 bytes), each
///         coordinate 48 bytes big-endian, the three flag bits of the first byte all zero.
///         The precompiles use another layout (each Fp padded to 64 bytes, c0 before c1);
///         this library converts. Compressed keys would need a square root mod p on chain.
///
///         Every precompile answer is checked for its length, so on a chain without EIP-2537
///         (where a call to 0x0b..0x11 succeeds with empty output) every check fails closed;
///         `isAvailable` tells that case apart.
library Bls12381 {
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G2ADD = address(0x0d);
    address internal constant PAIRING_CHECK = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);

    /// @notice Domain separation tag of proofs of possession in the IETF BLS signature draft
    ///         (draft-irtf-cfrg-bls-signature-05 §4.2.3, minimal-pubkey-size, PoP scheme).
    bytes internal constant POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice Domain separation tag of signatures in the same draft's proof-of-possession
    ///         scheme (§4.2.3): what authority nodes sign attestation digests with.
    bytes internal constant SIG_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @dev The base field prime p, split into its top 16 bytes and its low 32 bytes.
    bytes16 internal constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @dev The G1 generator and its negation (x, p − y), in the same split.
    uint256 internal constant G1_X_HI = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 internal constant G1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 internal constant G1_Y_HI = 0x08b3f481e3aaa0f1a09e30ed741d8ae4;
    uint256 internal constant G1_Y_LO = 0xfcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1;
    uint256 internal constant G1_NEG_Y_HI = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 internal constant G1_NEG_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    uint256 internal constant PUBLIC_KEY_LENGTH = 96;
    uint256 internal constant SIGNATURE_LENGTH = 192;

    error DstTooLong(uint256 length);
    error EncodingTooShort(uint256 length, uint256 needed);

    /// @notice True when the EIP-2537 precompiles answer: G1ADD(G, O) must return G.
    function isAvailable() internal view returns (bool) {
        bytes memory generator = abi.encodePacked(G1_X_HI, G1_X_LO, G1_Y_HI, G1_Y_LO);
        (bool ok, bytes memory out) = G1ADD.staticcall(abi.encodePacked(generator, new bytes(128)));
        return ok && out.length == 128 && keccak256(out) == keccak256(generator);
    }

    /// @notice True when `proof` is a BLS signature by `publicKey` over `message` with the
    ///         proof-of-possession tag POP_DST: e(pk, H(message)) == e(G1, proof). The pairing
    ///         precompile checks that both points are on their curves and in their subgroups;
    ///         the point at infinity is refused as a key.
    /// @dev Differs from the IETF draft's PopProve, which signs the 48-byte compressed key:
    ///      callers here choose the message (the registry binds the uncompressed key to a
    ///      signer address), because decompression on chain needs a square root mod p.
    function verifyProofOfPossession(bytes memory publicKey, bytes memory proof, bytes memory message)
        internal
        view
        returns (bool)
    {
        (bool ok, bytes memory key) = g1FromUncompressed(publicKey);
        return ok && verify(key, proof, message, POP_DST);
    }

    /// @notice A 96-byte uncompressed G1 key (x ‖ y) in the precompiles' 128-byte layout.
    ///         Not ok for another length, any flag bit set, or the point at infinity (all
    ///         zeros, which with infinity as the signature satisfies the pairing equation for
    ///         any message). Whether the point is on the curve is left to the precompiles.
    function g1FromUncompressed(bytes memory publicKey) internal pure returns (bool ok, bytes memory point) {
        if (publicKey.length != PUBLIC_KEY_LENGTH || uint8(publicKey[0]) & 0xe0 != 0) return (false, "");
        (uint256 xHi, uint256 xLo) = _fp48(publicKey, 0);
        (uint256 yHi, uint256 yLo) = _fp48(publicKey, 48);
        if ((xHi | xLo | yHi | yLo) == 0) return (false, "");
        return (true, abi.encodePacked(xHi, xLo, yHi, yLo));
    }

    /// @notice The sum of two G1 points in the precompiles' layout (G1ADD). Not ok when the
    ///         precompile refuses a point (not on the curve) or answers with another length.
    function g1Add(bytes memory a, bytes memory b) internal view returns (bool ok, bytes memory sum) {
        (ok, sum) = G1ADD.staticcall(abi.encodePacked(a, b));
        ok = ok && sum.length == 128;
    }

    /// @notice True when `signature` (192 bytes, uncompressed G2) is a BLS signature over
    ///         `message` with tag `dst` by the key `publicKey`, given as a G1 point in the
    ///         precompiles' 128-byte layout (one key, or the sum of many for an aggregate over
    ///         one message): e(pk, H(message)) == e(G1, signature), one pairing check. The
    ///         key at infinity (all zeros) is refused; so is a signature with a flag bit set.
    function verify(bytes memory publicKey, bytes memory signature, bytes memory message, bytes memory dst)
        internal
        view
        returns (bool)
    {
        if (publicKey.length != 128 || signature.length != SIGNATURE_LENGTH) return false;
        if (uint8(signature[0]) & 0xe0 != 0 || _isZero(publicKey)) return false;
        (bool ok, bytes memory hashed) = hashToG2(message, dst);
        if (!ok) return false;
        bytes memory input = abi.encodePacked(
            publicKey,
            hashed,
            abi.encodePacked(G1_X_HI, G1_X_LO, G1_NEG_Y_HI, G1_NEG_Y_LO),
            g2FromUncompressed(signature)
        );
        bytes memory out;
        (ok, out) = PAIRING_CHECK.staticcall(input);
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// @notice hash_to_curve of RFC 9380 §3 for G2 (BLS12381G2_XMD:SHA-256_SSWU_RO_), as a
    ///         256-byte point in the precompiles' layout. MAP_FP2_TO_G2 clears the cofactor of
    ///         each mapped point, which equals clearing it once on their sum.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bool ok, bytes memory point) {
        bytes memory uniform = expandMessageXmd(message, dst);
        bytes memory q0;
        bytes memory q1;
        (ok, q0) = _mapToG2(uniform, 0);
        if (!ok) return (false, "");
        (ok, q1) = _mapToG2(uniform, 128);
        if (!ok) return (false, "");
        (ok, point) = G2ADD.staticcall(abi.encodePacked(q0, q1));
        ok = ok && point.length == 256;
    }

    /// @notice expand_message_xmd of RFC 9380 §5.3.1 with SHA-256, for the 256 bytes that
    ///         hash_to_field needs for two Fp2 elements (count 2, m 2, L 64).
    function expandMessageXmd(bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        if (dst.length > 255) revert DstTooLong(dst.length);
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(256), uint8(0), dstPrime));
        bytes32[8] memory b;
        b[0] = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        for (uint8 i = 1; i < 8; i++) {
            b[i] = sha256(abi.encodePacked(b0 ^ b[i - 1], i + 1, dstPrime));
        }
        return abi.encodePacked(b);
    }

    /// @notice A 192-byte uncompressed G2 point (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0) in the
    ///         precompiles' 256-byte layout (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, each padded to 64).
    function g2FromUncompressed(bytes memory point) internal pure returns (bytes memory) {
        (uint256 xc1Hi, uint256 xc1Lo) = _fp48(point, 0);
        (uint256 xc0Hi, uint256 xc0Lo) = _fp48(point, 48);
        (uint256 yc1Hi, uint256 yc1Lo) = _fp48(point, 96);
        (uint256 yc0Hi, uint256 yc0Lo) = _fp48(point, 144);
        return abi.encodePacked(xc0Hi, xc0Lo, xc1Hi, xc1Lo, yc0Hi, yc0Lo, yc1Hi, yc1Lo);
    }

    /// @dev Maps the Fp2 element made of uniform[offset..offset+128) (two 64-byte strings,
    ///      each reduced mod p) to G2.
    function _mapToG2(bytes memory uniform, uint256 offset) private view returns (bool ok, bytes memory point) {
        (bool ok0, uint256 c0Hi, uint256 c0Lo) = _reduce(uniform, offset);
        (bool ok1, uint256 c1Hi, uint256 c1Lo) = _reduce(uniform, offset + 64);
        if (!ok0 || !ok1) return (false, "");
        (ok, point) = MAP_FP2_TO_G2.staticcall(abi.encodePacked(c0Hi, c0Lo, c1Hi, c1Lo));
        ok = ok && point.length == 256;
    }

    /// @dev OS2IP(uniform[offset..offset+64)) mod p through the MODEXP precompile (base^1 mod p).
    function _reduce(bytes memory uniform, uint256 offset) private view returns (bool, uint256 hi, uint256 lo) {
        uint256 w0;
        uint256 w1;
        assembly ("memory-safe") {
            let at := add(add(uniform, 32), offset)
            w0 := mload(at)
            w1 := mload(add(at, 32))
        }
        (bool ok, bytes memory out) = MODEXP.staticcall(
            abi.encodePacked(uint256(64), uint256(1), uint256(48), w0, w1, uint8(1), P_HI, P_LO)
        );
        if (!ok || out.length != 48) return (false, 0, 0);
        (hi, lo) = _fp48(out, 0);
        return (true, hi, lo);
    }

    function _isZero(bytes memory b) private pure returns (bool) {
        for (uint256 i = 0; i < b.length; i++) {
            if (b[i] != 0) return false;
        }
        return true;
    }

    /// @dev The 48-byte big-endian number at b[offset..offset+48) as (top 16 bytes, low 32
    ///      bytes), which abi.encodePacked writes as the precompiles' 64-byte padded Fp.
    function _fp48(bytes memory b, uint256 offset) private pure returns (uint256 hi, uint256 lo) {
        if (b.length < offset + 48) revert EncodingTooShort(b.length, offset + 48);
        assembly ("memory-safe") {
            let at := add(add(b, 32), offset)
            hi := shr(128, mload(at))
            lo := mload(add(at, 16))
        }
    }
}
