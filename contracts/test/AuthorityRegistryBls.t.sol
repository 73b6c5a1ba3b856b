// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Tests of the optional BLS12-381 key: hash to G2 against RFC 9380's vectors, proofs of
// possession and aggregate signatures made by noble-curves (each with tampered twins),
// registration with a key, and conviction of a lie signed by one BLS aggregate.

import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {Bls12381} from "../src/Bls12381.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";
import {BlsTestKeys} from "./utils/BlsTestKeys.sol";

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

    /// @dev Bls12381.verify under the sum of `keys` (96-byte uncompressed each).
    function verifyAggregate(bytes[] calldata keys, bytes calldata signature, bytes calldata message)
        external
        view
        returns (bool)
    {
        (bool ok, bytes memory sum) = Bls12381.g1FromUncompressed(keys[0]);
        for (uint256 i = 1; ok && i < keys.length; i++) {
            bytes memory key;
            (ok, key) = Bls12381.g1FromUncompressed(keys[i]);
            if (ok) (ok, sum) = Bls12381.g1Add(sum, key);
        }
        return ok && Bls12381.verify(sum, signature, message, Bls12381.SIG_DST);
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

    // Attestation signatures made with @noble/curves 2.4.0 (longSignatures, DST
    // "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_") over the 32-byte message 0x0102…20 by the
    // keys of A (sk 0xb15ec7e7) and C (sk 0xb15ec7e8); AGG_AC is the sum of both signatures.
    bytes internal constant VECTOR_MESSAGE = hex"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    bytes internal constant A_SIG =
        hex"025c481cde456a161f203b4915d32bd369afa8476bb079635caf2c91bf95986b898df69b10c8c71f5bb8c67a63771884"
        hex"13b9be9f4e2f8a5a18a28a0288d2b215ffff48d049101fcae8c9fe27a9d5b2bcc3ca42c134292bfd1aaf80aeadd3440c"
        hex"013c302eb368cef52404c484bfa5fd82ddd914874d5c2a8767ba8e657eb15ce37d370de0009ce79833460e0a90e0973e"
        hex"05103dd62660275c402810f6d02d30c24a30aac84a3583b3ea096e0cbfbf2932741bafb84754da505ba76da2906bc6eb";
    bytes internal constant AGG_AC =
        hex"13cf22e0e6630eeb1202bb619f12a22e70c06176b0716f4ddedab3739ada6905a8427271ff8e6c12cbea3ae8a9bff20c"
        hex"0e3b5114dd0639ee266cb0ece5d19b75f43a843f10b5ab30a3b9335d0f3fa53d6bd809bc8983a06b9a0918bdfd6b274d"
        hex"003fe4358fa4d0d9b2ffc4629c9abc88cc22e2109a9b0a733387d6121e0dbf4edb6cdbfaea380216ec181d96ced601d6"
        hex"15d879c5d62d3ab785f3b92aa1694f7e448ed7cf820b082444b2018d0330dbe2e45df2af332f25db2a9ef93cf4a0d396";

    /// @dev secp256k1 keys of the three nodes in the aggregate-conviction tests (BLS keys are
    ///      derived from them by BlsTestKeys).
    uint256 internal constant PK_1 = 0xa11ce;
    uint256 internal constant PK_2 = 0xb0b;
    uint256 internal constant PK_3 = 0xca401;

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

    // ================================================================ aggregate signatures

    function test_verify_acceptsNobleSignaturesAndTheirAggregate() public view {
        assertTrue(bls.verifyAggregate(keys1(A_KEY), A_SIG, VECTOR_MESSAGE), "A alone");
        assertTrue(bls.verifyAggregate(keys2(A_KEY, C_KEY), AGG_AC, VECTOR_MESSAGE), "A + C");
        assertTrue(bls.verifyAggregate(keys2(C_KEY, A_KEY), AGG_AC, VECTOR_MESSAGE), "C + A");
    }

    function test_verify_refusesTamperedTwins() public view {
        assertFalse(bls.verifyAggregate(keys1(C_KEY), A_SIG, VECTOR_MESSAGE), "A's signature, C's key");
        assertFalse(bls.verifyAggregate(keys1(A_KEY), AGG_AC, VECTOR_MESSAGE), "aggregate, one key");
        assertFalse(bls.verifyAggregate(keys2(A_KEY, C_KEY), A_SIG, VECTOR_MESSAGE), "one signature, two keys");
        assertFalse(bls.verifyAggregate(keys2(A_KEY, A_KEY), AGG_AC, VECTOR_MESSAGE), "A twice");
        assertFalse(bls.verifyAggregate(keys2(A_KEY, C_KEY), flipped(AGG_AC, 100), VECTOR_MESSAGE), "flipped bit");
        assertFalse(bls.verifyAggregate(keys2(A_KEY, C_KEY), AGG_AC, flipped(VECTOR_MESSAGE, 31)), "other message");
        assertFalse(bls.verifyAggregate(keys1(A_KEY), withFlags(A_SIG, 0x80), VECTOR_MESSAGE), "compression flag");
        assertFalse(bls.verifyAggregate(keys1(A_KEY), new bytes(192), VECTOR_MESSAGE), "infinity signature");
        assertFalse(bls.verifyAggregate(keys1(new bytes(96)), new bytes(192), VECTOR_MESSAGE), "infinity key");
        assertFalse(bls.verifyAggregate(keys1(A_KEY), slice(A_SIG, 96), VECTOR_MESSAGE), "96-byte signature");
    }

    function test_blsTestKeys_matchNoble() public view {
        assertEq(BlsTestKeys.publicKey(0xb15ec7e7), A_KEY, "public key of A");
        assertEq(BlsTestKeys.sign(0xb15ec7e7, VECTOR_MESSAGE, Bls12381.SIG_DST), A_SIG, "signature of A");
        uint256[] memory sks = new uint256[](2);
        (sks[0], sks[1]) = (0xb15ec7e7, 0xb15ec7e8);
        assertEq(BlsTestKeys.aggregateSign(sks, bytes32(VECTOR_MESSAGE)), AGG_AC, "aggregate of A and C");
    }

    // ================================================================ aggregate conviction

    function test_revealAggregateConviction_slashesEverySigner() public {
        address[] memory signers = registerBlsNodes3();
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes32 canonical = registry.canonicalHash(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);
        commitAggregate(watchdog, signers, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        uint256 reward = MIN_DEPOSIT * REWARD_BPS / 10_000;
        for (uint256 i = 0; i < 3; i++) {
            vm.expectEmit(true, true, true, true, address(registry));
            emit AuthorityRegistry.NodeConvicted(
                signers[i], watchdog, blockNumber, lie, canonical, reward, MIN_DEPOSIT - reward
            );
        }
        vm.prank(watchdog);
        registry.revealAggregateConviction(signers, blockNumber, lie, signature, "salt");

        for (uint256 i = 0; i < 3; i++) {
            assertStatus(signers[i], CONVICTED, "status");
            assertEq(registry.getNode(signers[i]).deposit, 0, "deposit");
        }
        assertEq(watchdog.balance, 3 * reward, "prover reward, paid once for all three");
        assertEq(registry.treasuryOwed(), 3 * (MIN_DEPOSIT - reward), "treasuryOwed");
        assertEq(address(registry).balance, registry.treasuryOwed(), "registry balance");
        assertEq(registry.activeSignerCount(), 0, "active set");
    }

    function test_revealAggregateConviction_convictsASingleSignerAndAnExitingOne() public {
        address[] memory signers = registerBlsNodes3();
        vm.prank(owner);
        registry.requestExit(signers[1]);
        address[] memory one = new address[](1);
        one[0] = signers[1];
        convictAggregate(watchdog, one, block.number - 1);
        assertStatus(signers[1], CONVICTED, "exiting signer");
        assertStatus(signers[0], ACTIVE, "not named");
    }

    function test_revealAggregateConviction_skipsConvictedOrWithdrawnCoSigners() public {
        address[] memory signers = registerBlsNodes3();
        convictOfLie(watchdog, PK_1, block.number - 1); // per-signer path first
        vm.prank(owner);
        registry.requestExit(signers[2]);
        vm.warp(block.timestamp + EXIT_LOCK);
        vm.prank(owner);
        registry.withdraw(signers[2]);
        uint256 before = watchdog.balance;
        uint256 owedBefore = registry.treasuryOwed();

        convictAggregate(watchdog, signers, block.number - 1);

        uint256 reward = MIN_DEPOSIT * REWARD_BPS / 10_000;
        assertStatus(signers[1], CONVICTED, "the one still slashable");
        assertStatus(signers[2], WITHDRAWN, "withdrawn stays withdrawn");
        assertEq(watchdog.balance - before, reward, "one reward, not two");
        assertEq(registry.treasuryOwed() - owedBefore, MIN_DEPOSIT - reward, "one treasury share");
    }

    function test_revealAggregateConviction_revertsNothingToSlash_andNoDoubleConviction() public {
        address[] memory signers = registerBlsNodes3();
        convictAggregate(watchdog, signers, block.number - 1);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);
        commitAggregate(watchdog, signers, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NothingToSlash.selector));
        vm.prank(watchdog);
        registry.revealAggregateConviction(signers, blockNumber, lie, signature, "salt");
    }

    function test_revealAggregateConviction_revertsInvalidAggregateSignature() public {
        address[] memory signers = registerBlsNodes3();
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);
        address[] memory two = new address[](2);
        (two[0], two[1]) = (signers[0], signers[1]);
        bytes[5] memory signatures = [
            flipped(signature, 120), // tampered
            aggregateOf(two, blockNumber, lie), // only two of the three named signed
            aggregateOf(signers, blockNumber, keccak256("another lie")), // over another hash
            aggregateOf(signers, blockNumber - 1, lie), // over another block
            new bytes(192) // infinity
        ];
        for (uint256 i = 0; i < signatures.length; i++) {
            commitAggregate(watchdog, signers, blockNumber, lie, signatures[i]);
            vm.roll(block.number + 1);
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidAggregateSignature.selector));
            vm.prank(watchdog);
            registry.revealAggregateConviction(signers, blockNumber, lie, signatures[i], "salt");
        }
        // The two who did sign, named alone, are convicted.
        commitAggregate(watchdog, two, blockNumber, lie, signatures[1]);
        vm.roll(block.number + 1);
        vm.prank(watchdog);
        registry.revealAggregateConviction(two, blockNumber, lie, signatures[1], "salt");
        assertStatus(signers[0], CONVICTED, "first");
        assertStatus(signers[1], CONVICTED, "second");
        assertStatus(signers[2], ACTIVE, "not a signer of that aggregate");
    }

    function test_revealAggregateConviction_revertsForABadSignerList() public {
        address[] memory signers = registerBlsNodes3();
        address plain = registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT); // no BLS key
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);

        address[] memory twice = new address[](4);
        (twice[0], twice[1], twice[2], twice[3]) = (signers[0], signers[1], signers[2], signers[0]);
        expectAggregateRevert(
            twice, blockNumber, lie, signature, abi.encodeWithSelector(AuthorityRegistry.DuplicateSigner.selector, signers[0])
        );
        address[] memory withPlain = new address[](4);
        (withPlain[0], withPlain[1], withPlain[2], withPlain[3]) = (signers[0], signers[1], signers[2], plain);
        expectAggregateRevert(
            withPlain,
            blockNumber,
            lie,
            signature,
            abi.encodeWithSelector(AuthorityRegistry.SignerWithoutBlsKey.selector, plain)
        );
        address[] memory stranger_ = new address[](1);
        stranger_[0] = stranger;
        expectAggregateRevert(
            stranger_,
            blockNumber,
            lie,
            signature,
            abi.encodeWithSelector(AuthorityRegistry.SignerWithoutBlsKey.selector, stranger)
        );
        expectAggregateRevert(
            new address[](0),
            blockNumber,
            lie,
            signature,
            abi.encodeWithSelector(AuthorityRegistry.InvalidSignerCount.selector, 0)
        );
        address[] memory tooMany = new address[](65);
        expectAggregateRevert(
            tooMany, blockNumber, lie, signature, abi.encodeWithSelector(AuthorityRegistry.InvalidSignerCount.selector, 65)
        );
    }

    function test_revealAggregateConviction_revertsNotALie_forTheCanonicalHash() public {
        address[] memory signers = registerBlsNodes3();
        uint256 blockNumber = block.number - 1;
        bytes32 canonical = registry.canonicalHash(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, canonical);
        expectAggregateRevert(
            signers,
            blockNumber,
            canonical,
            signature,
            abi.encodeWithSelector(AuthorityRegistry.NotALie.selector, blockNumber, canonical)
        );
    }

    function test_revealAggregateConviction_refusesAFrontRunnerWithoutItsOwnCommitment() public {
        address[] memory signers = registerBlsNodes3();
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);
        commitAggregate(watchdog, signers, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        bytes32 theirs =
            registry.aggregateConvictionCommitment(stranger, signers, blockNumber, lie, signature, "salt");
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CommitmentUnknown.selector, theirs));
        vm.prank(stranger);
        registry.revealAggregateConviction(signers, blockNumber, lie, signature, "salt");
        // A per-signer commitment of the same values is another commitment.
        assertTrue(
            registry.aggregateConvictionCommitment(watchdog, signers, blockNumber, lie, signature, "salt")
                != commitmentOf(watchdog, signers[0], blockNumber, lie, signature, "salt"),
            "commitment kinds differ"
        );
    }

    function test_aggregateConvictionCommitment_isWrittenOut() public view {
        address[] memory signers = new address[](2);
        (signers[0], signers[1]) = (owner, stranger);
        bytes32 want = keccak256(
            abi.encode(
                bytes32("VERIOT/aggregate-conviction/v1"),
                watchdog,
                keccak256(abi.encode(owner, stranger)), // each address as a 32-byte word
                uint256(7),
                bytes32(uint256(8)),
                keccak256(hex"0909"),
                bytes32("salt")
            )
        );
        assertEq(
            registry.aggregateConvictionCommitment(watchdog, signers, 7, bytes32(uint256(8)), hex"0909", "salt"),
            want,
            "aggregateConvictionCommitment"
        );
    }

    /// @notice Any 1..4 nodes with random BLS keys and deposits, any reward rate: the aggregate
    ///         conviction moves every wei of every deposit to the prover or the treasury.
    function testFuzz_revealAggregateConviction_splitsEveryWei(
        uint256 keySeed,
        uint8 countSeed,
        uint256 depositSeed,
        uint16 bpsSeed
    ) public {
        uint16 bps = uint16(bound(bpsSeed, 0, 10_000));
        uint256 count = bound(countSeed, 1, 4);
        registry = new AuthorityRegistry(admin, 1, EXIT_LOCK, bps, treasury);
        address[] memory signers = new address[](count);
        uint256 total;
        for (uint256 i = 0; i < count; i++) {
            uint256 deposit = bound(uint256(keccak256(abi.encode(depositSeed, i))), 1, 1e30);
            signers[i] = registerBlsNode(uint256(keccak256(abi.encode(keySeed, i))) % (SECP256K1_N - 1) + 1, deposit);
            total += deposit;
        }
        uint256 before = watchdog.balance;
        convictAggregate(watchdog, signers, block.number - 1);
        uint256 reward = watchdog.balance - before;
        assertEq(reward + registry.treasuryOwed(), total, "reward + treasury share");
        assertEq(address(registry).balance, registry.treasuryOwed(), "registry holds only the treasury share");
        for (uint256 i = 0; i < count; i++) {
            assertStatus(signers[i], CONVICTED, "status");
        }
    }

    // ================================================================ helpers

    /// @notice Registers the signer of `pk` (by `owner`) with `deposit` and the BLS key
    ///         BlsTestKeys derives from `pk`, with its proof of possession.
    function registerBlsNode(uint256 pk, uint256 deposit) internal returns (address signer) {
        signer = vm.addr(pk);
        uint256 sk = BlsTestKeys.secretKey(pk);
        bytes memory key = BlsTestKeys.publicKey(sk);
        bytes memory pop = BlsTestKeys.proofOfPossession(sk, key, signer);
        bytes memory proof = signerProofOf(pk, owner, URL, key);
        vm.deal(owner, owner.balance + deposit);
        vm.prank(owner);
        registry.register{value: deposit}(signer, URL, key, pop, proof);
        pkOfSigner[signer] = pk;
    }

    function registerBlsNodes3() internal returns (address[] memory signers) {
        signers = new address[](3);
        signers[0] = registerBlsNode(PK_1, MIN_DEPOSIT);
        signers[1] = registerBlsNode(PK_2, MIN_DEPOSIT);
        signers[2] = registerBlsNode(PK_3, MIN_DEPOSIT);
    }

    /// @notice The signers' aggregate BLS signature over attestationDigest(blockNumber, hash).
    function aggregateOf(address[] memory signers, uint256 blockNumber, bytes32 hash)
        internal
        view
        returns (bytes memory)
    {
        uint256[] memory sks = new uint256[](signers.length);
        for (uint256 i = 0; i < signers.length; i++) {
            sks[i] = BlsTestKeys.secretKey(pkOf(signers[i]));
        }
        return BlsTestKeys.aggregateSign(sks, attestationDigestOf(blockNumber, hash));
    }

    /// @dev The secp256k1 key of a signer registered by these tests.
    mapping(address signer => uint256 pk) internal pkOfSigner;

    function pkOf(address signer) internal view returns (uint256) {
        return pkOfSigner[signer];
    }

    function commitAggregate(
        address committer,
        address[] memory signers,
        uint256 blockNumber,
        bytes32 hash,
        bytes memory signature
    ) internal {
        vm.prank(committer);
        registry.commitConviction(
            registry.aggregateConvictionCommitment(committer, signers, blockNumber, hash, signature, "salt")
        );
    }

    /// @notice Commits and reveals an aggregate lie of `signers` about `blockNumber`.
    function convictAggregate(address prover, address[] memory signers, uint256 blockNumber) internal {
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = aggregateOf(signers, blockNumber, lie);
        commitAggregate(prover, signers, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        vm.prank(prover);
        registry.revealAggregateConviction(signers, blockNumber, lie, signature, "salt");
    }

    function expectAggregateRevert(
        address[] memory signers,
        uint256 blockNumber,
        bytes32 hash,
        bytes memory signature,
        bytes memory revertData
    ) internal {
        commitAggregate(watchdog, signers, blockNumber, hash, signature);
        vm.roll(block.number + 1);
        vm.expectRevert(revertData);
        vm.prank(watchdog);
        registry.revealAggregateConviction(signers, blockNumber, hash, signature, "salt");
    }

    function keys1(bytes memory a) internal pure returns (bytes[] memory keys) {
        keys = new bytes[](1);
        keys[0] = a;
    }

    function keys2(bytes memory a, bytes memory b) internal pure returns (bytes[] memory keys) {
        keys = new bytes[](2);
        (keys[0], keys[1]) = (a, b);
    }

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
