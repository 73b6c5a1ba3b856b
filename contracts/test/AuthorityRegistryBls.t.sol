// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Tests of the optional BLS12-381 key: hash to G2 against RFC 9380's vectors, proofs of
// possession made by noble-curves (each with tampered twins), and registration with a key.

import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {Bls12381} from "../src/Bls12381.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";

/// @dev Exposes the library's internal functions.
contract Bls12381Harness {
    function isAvailable() external view returns (bool) {
        return Bls12381.isAvailable();
    }

    function hashToG2(bytes calldata message, bytes calldata dst) external view returns (bool, bytes memory) {
        return Bls12381.hashToG2(message, dst);
    }

    function verifyProofOfPossession(bytes calldata publicKey, bytes calldata proof, bytes calldata message)
        external
        view
        returns (bool)
    {
        return Bls12381.verifyProofOfPossession(publicKey, proof, message);
    }

    function g2FromUncompressed(bytes calldata point) external pure returns (bytes memory) {
        return Bls12381.g2FromUncompressed(point);
    }
}

contract AuthorityRegistryBlsTest is AuthorityRegistryFixture {
    // RFC 9380 Appendix J.10.1, suite BLS12381G2_XMD:SHA-256_SSWU_RO_: P.x = x.c0 + I·x.c1,
    // P.y likewise, each 48 bytes.
    bytes internal constant RFC9380_DST = "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_";
    bytes internal constant RFC9380_EMPTY =
        hex"0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a"
        hex"05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d"
        hex"0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92"
        hex"12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6";
    bytes internal constant RFC9380_ABC =
        hex"02c2d18e033b960562aae3cab37a27ce00d80ccd5ba4b7fe0e7a210245129dbec7780ccc7954725f4168aff2787776e6"
        hex"139cddbccdc5e91b9623efd38c49f81a6f83f175e80b06fc374de9eb4b41dfe4ca3a230ed250fbe3a2acf73a41177fd8"
        hex"1787327b68159716a37440985269cf584bcb1e621d3a7202be6ea05c4cfe244aeb197642555a0645fb87bf7466b2ba48"
        hex"00aa65dae3c8d732d10ecd2c50f8a1baf3001578f71c694e03866e9f3d49ac1e1ce70dd94a733534f106d4cec0eddd16";

    // Proofs of possession made with @noble/curves 2.4.0 (bls12_381.longSignatures:
    // sign(hash(key ‖ signer, "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"), sk)), keys and
    // proofs serialized with toBytes(false).
    // A: BLS sk 0xb15ec7e7, signer 0x7ec8aa7f7b887980050c08c7ccf97a12c2a1af3c (SIGNER_PK).
    bytes internal constant A_KEY =
        hex"192a35eb90bfe0ee3a643570c1284bb1aeeec35c19f9408c84ffcd95b44c90e3a9d22a14f269508367fcf637b18f6e5b"
        hex"113ac0c4e3b757591676e8d506a227d59668663c2f1879112d8e4a02c3e1c2f0959ec2ebe5f71aa8f775f456a13a784a";
    bytes internal constant A_POP =
        hex"11fac5dee2eb18e3627a66eec1cd4a3d84eb80e139b779bd29188cab60d3f6974999b515f018ab5f4190345591761aa8"
        hex"119cb52f4cf27f5a0551efb19d5c1bf6a10610ac7c2098911b770ee2f41920a49219a240bcacb0a2ec9fc5b19d0b573d"
        hex"1361f90253296753abd9dde67322405f289cd93af24f1b3defaaf15c232e61df1ca1466bd0d8491606bb9876a266c699"
        hex"039c714e460c749fa5308fd787399a6b7a26513f4eb5cffc0a9a523e815327c3a1d0e6f0ac9de795e1ff6a436f306f26";
    // B: the same BLS key, signer 0xfa3d0373806fc3861180802f6b376a5cb2f2a3a4 (OTHER_SIGNER_PK).
    bytes internal constant B_POP =
        hex"0cb65e4dbc7802141118376bf8762fed460c6a9d306bbf481d97c2122119309dde3da4fffd2ed7eed09736927248b038"
        hex"0c17218b779741ae2792caa602974e04a1aaf91d6310fdabb919f9de19ec6b3f0051d7c232a919046114e36ab42cebc3"
        hex"1275e4ddfb07839fe62baa59cc092a69b7f733d89213530617812b27da82c17daf1ac92fe8931b093f974a41d8cb0e61"
        hex"18ef98b55aaedbb63b22875612796940d7b9f24db307d6dd77cfbb046b5bdf63e51bf4ae28c4b22e2e0d11df6e4d453a";
    // C: BLS sk 0xb15ec7e8, signer 0xfa3d0373806fc3861180802f6b376a5cb2f2a3a4 (OTHER_SIGNER_PK).
    bytes internal constant C_KEY =
        hex"1007c38e5c4a8b5b9f1465d29c72e58a46ff2892af050ce9c95529a4dc3147e9547895d1f376836a8d090d68e5bf5eaa"
        hex"0b419b9a643410464474d98be00e8830aa4e02a947a775820382f0409b4fe3262aab0c29584cecedb692e320d07f102c";
    bytes internal constant C_POP =
        hex"18db93650aaff65b681926e1eae446a6633e25ce55c94968b5727fc68b753fe631e5b1c32a2d34bae5dae784f209440a"
        hex"13fec19cd19d4c95200f2d20ccf26344469cb576e64e6a674bb856e89ed576ed51455e55be8d88d0fe8dc302960f3051"
        hex"07798dafc1b69a866dd140a52edf386a298f8bd8b7a9a122ac066674b963b5c5b2166995b0dc6ff32742e48d7f1f129d"
        hex"11528d6fbc1bb6baa8a7463284344726f5e260a9e21fa2ee58c4a9e257d2766fa83ae3f5333ffd84a3be3a594ba49d82";

    Bls12381Harness internal bls;

    function setUp() public override {
        super.setUp();
        bls = new Bls12381Harness();
    }

    // ================================================================ library

    function test_isAvailable_onOsaka() public view {
        assertTrue(bls.isAvailable(), "EIP-2537 precompiles");
    }

    function test_hashToG2_matchesRfc9380() public view {
        assertHashToG2("", RFC9380_EMPTY);
        assertHashToG2("abc", RFC9380_ABC);
    }

    function test_signerAddresses_matchTheVectors() public pure {
        assertEq(vm.addr(SIGNER_PK), 0x7EC8Aa7f7B887980050c08C7CcF97A12C2a1Af3c, "signer of A");
        assertEq(vm.addr(OTHER_SIGNER_PK), 0xFa3D0373806fC3861180802f6b376A5cb2f2A3a4, "signer of B and C");
    }

    function test_verifyProofOfPossession_acceptsTheVectors() public view {
        assertTrue(bls.verifyProofOfPossession(A_KEY, A_POP, popMessage(A_KEY, SIGNER_PK)), "A");
        assertTrue(bls.verifyProofOfPossession(A_KEY, B_POP, popMessage(A_KEY, OTHER_SIGNER_PK)), "B");
        assertTrue(bls.verifyProofOfPossession(C_KEY, C_POP, popMessage(C_KEY, OTHER_SIGNER_PK)), "C");
    }

    function test_verifyProofOfPossession_refusesTamperedTwins() public view {
        bytes memory message = popMessage(A_KEY, SIGNER_PK);
        bytes memory otherMessage = popMessage(A_KEY, OTHER_SIGNER_PK);
        assertFalse(bls.verifyProofOfPossession(A_KEY, A_POP, otherMessage), "A's proof for another signer");
        assertFalse(bls.verifyProofOfPossession(A_KEY, B_POP, message), "B's proof for A's signer");
        assertFalse(bls.verifyProofOfPossession(C_KEY, A_POP, popMessage(C_KEY, SIGNER_PK)), "A's proof for key C");
        assertFalse(bls.verifyProofOfPossession(A_KEY, flipped(A_POP, 150), message), "flipped proof bit");
        assertFalse(bls.verifyProofOfPossession(flipped(A_KEY, 90), A_POP, message), "flipped key bit");
        assertFalse(bls.verifyProofOfPossession(A_KEY, A_POP, flipped(message, 100)), "flipped signer bit");
    }

    function test_verifyProofOfPossession_refusesMalformedInputs() public view {
        bytes memory message = popMessage(A_KEY, SIGNER_PK);
        // The point at infinity as key and proof satisfies the pairing equation for any message.
        assertFalse(bls.verifyProofOfPossession(new bytes(96), new bytes(192), message), "infinity");
        assertFalse(bls.verifyProofOfPossession(A_KEY, new bytes(192), message), "infinity as proof");
        assertFalse(bls.verifyProofOfPossession(withFlags(A_KEY, 0x80), A_POP, message), "compression flag");
        assertFalse(bls.verifyProofOfPossession(withFlags(A_KEY, 0x20), A_POP, message), "sort flag");
        assertFalse(bls.verifyProofOfPossession(A_KEY, withFlags(A_POP, 0x40), message), "infinity flag");
        assertFalse(bls.verifyProofOfPossession(slice(A_KEY, 48), A_POP, message), "48-byte key");
        assertFalse(bls.verifyProofOfPossession(A_KEY, slice(A_POP, 96), message), "96-byte proof");
        assertFalse(bls.verifyProofOfPossession(bytes.concat(A_KEY, hex"00"), A_POP, message), "97-byte key");
        // A coordinate ≥ p: the precompile refuses, the check says false instead of reverting.
        bytes memory big = bytes.concat(A_KEY);
        big[0] = 0x1f;
        assertFalse(bls.verifyProofOfPossession(big, A_POP, message), "x >= p");
    }

    function test_g2FromUncompressed_putsC0BeforeC1AndPadsTo64Bytes() public view {
        bytes memory point = new bytes(192);
        for (uint256 i = 0; i < 192; i++) {
            point[i] = bytes1(uint8(i / 48 + 1)); // x.c1 = 0x01.., x.c0 = 0x02.., y.c1 = 0x03.., y.c0 = 0x04..
        }
        bytes memory out = bls.g2FromUncompressed(point);
        assertEq(out.length, 256, "length");
        uint8[4] memory order = [2, 1, 4, 3];
        for (uint256 k = 0; k < 4; k++) {
            for (uint256 i = 0; i < 16; i++) {
                assertEq(uint256(uint8(out[k * 64 + i])), 0, "padding");
            }
            assertEq(uint256(uint8(out[k * 64 + 16])), order[k], "coordinate order");
            assertEq(uint256(uint8(out[k * 64 + 63])), order[k], "coordinate order (last byte)");
        }
    }

    // ================================================================ registration with a key

    function test_register_storesAVerifiedBlsKey() public {
        address signer = registerWithKey(SIGNER_PK, owner, A_KEY, A_POP);
        assertEq(registry.getNode(signer).blsPublicKey, A_KEY, "blsPublicKey");
        assertEq(registry.blsKeySigner(keccak256(A_KEY)), signer, "blsKeySigner");
        assertTrue(registry.isActiveSigner(signer), "active");
    }

    function test_register_revertsInvalidBlsProofOfPossession_forACopiedProof() public {
        // A front-runner copies A's key and proof for its own signer: the proof names A's signer.
        address other = vm.addr(OTHER_SIGNER_PK);
        bytes memory proof = signerProofOf(OTHER_SIGNER_PK, otherOwner, URL, A_KEY);
        vm.deal(otherOwner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidBlsProofOfPossession.selector, other));
        vm.prank(otherOwner);
        registry.register{value: MIN_DEPOSIT}(other, URL, A_KEY, A_POP, proof);
    }

    function test_register_revertsBlsKeyAlreadyRegistered_forAKeyInUse() public {
        address first = registerWithKey(SIGNER_PK, owner, A_KEY, A_POP);
        // B_POP is a valid proof of the same key for the other signer, yet one key counts once.
        address other = vm.addr(OTHER_SIGNER_PK);
        bytes memory proof = signerProofOf(OTHER_SIGNER_PK, otherOwner, URL, A_KEY);
        vm.deal(otherOwner, MIN_DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.BlsKeyAlreadyRegistered.selector, keccak256(A_KEY), first)
        );
        vm.prank(otherOwner);
        registry.register{value: MIN_DEPOSIT}(other, URL, A_KEY, B_POP, proof);
    }

    function test_register_keepsAKeyTakenAfterItsNodeIsConvicted() public {
        address first = registerWithKey(SIGNER_PK, owner, A_KEY, A_POP);
        convictOfLie(watchdog, SIGNER_PK, block.number - 1);
        assertEq(registry.blsKeySigner(keccak256(A_KEY)), first, "blsKeySigner");
        address other = vm.addr(OTHER_SIGNER_PK);
        bytes memory proof = signerProofOf(OTHER_SIGNER_PK, otherOwner, URL, A_KEY);
        vm.deal(otherOwner, MIN_DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.BlsKeyAlreadyRegistered.selector, keccak256(A_KEY), first)
        );
        vm.prank(otherOwner);
        registry.register{value: MIN_DEPOSIT}(other, URL, A_KEY, B_POP, proof);
    }

    function test_register_acceptsTwoSignersWithDistinctKeys() public {
        registerWithKey(SIGNER_PK, owner, A_KEY, A_POP);
        address other = registerWithKey(OTHER_SIGNER_PK, otherOwner, C_KEY, C_POP);
        assertEq(registry.blsKeySigner(keccak256(C_KEY)), other, "blsKeySigner of C");
        assertEq(registry.activeSignerCount(), 2, "activeSignerCount");
    }

    function test_register_revertsInvalidBlsProofOfPossession_forAMissingOrTamperedProof() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, URL, A_KEY);
        bytes[3] memory pops = [bytes(""), flipped(A_POP, 5), new bytes(192)];
        vm.deal(owner, MIN_DEPOSIT);
        for (uint256 i = 0; i < pops.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidBlsProofOfPossession.selector, signer));
            vm.prank(owner);
            registry.register{value: MIN_DEPOSIT}(signer, URL, A_KEY, pops[i], proof);
        }
    }

    function test_register_revertsInvalidSignerProof_whenTheConsentNamesAnotherBlsKey() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory consentWithoutKey = signerProofOf(SIGNER_PK, owner, URL, "");
        vm.deal(owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer));
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT}(signer, URL, A_KEY, A_POP, consentWithoutKey);
    }

    // ================================================================ helpers

    function registerWithKey(uint256 pk, address by, bytes memory key, bytes memory pop)
        internal
        returns (address signer)
    {
        signer = vm.addr(pk);
        bytes memory proof = signerProofOf(pk, by, URL, key);
        vm.deal(by, MIN_DEPOSIT);
        vm.prank(by);
        registry.register{value: MIN_DEPOSIT}(signer, URL, key, pop, proof);
    }

    function popMessage(bytes memory key, uint256 signerPk) internal pure returns (bytes memory) {
        return abi.encodePacked(key, vm.addr(signerPk));
    }

    function assertHashToG2(bytes memory message, bytes memory want) internal view {
        (bool ok, bytes memory got) = bls.hashToG2(message, RFC9380_DST);
        assertTrue(ok, "hashToG2 ok");
        // want is x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (48 bytes each); the precompile layout pads each to 64.
        bytes memory padded;
        for (uint256 k = 0; k < 4; k++) {
            padded = bytes.concat(padded, new bytes(16), slice(want, k * 48, 48));
        }
        assertEq(got, padded, string.concat("hashToG2(\"", string(message), "\")"));
    }

    function flipped(bytes memory b, uint256 index) internal pure returns (bytes memory out) {
        out = bytes.concat(b);
        out[index] ^= 0x01;
    }

    function withFlags(bytes memory b, uint8 flags) internal pure returns (bytes memory out) {
        out = bytes.concat(b);
        out[0] |= bytes1(flags);
    }

    function slice(bytes memory b, uint256 length) internal pure returns (bytes memory) {
        return slice(b, 0, length);
    }

    function slice(bytes memory b, uint256 start, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            out[i] = b[start + i];
        }
    }
}
