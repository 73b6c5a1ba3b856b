// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Tests of the checkpoint store: BlockHeaderParent against OpenZeppelin's header decoder on
// realistic RLP headers (built with OpenZeppelin's RLP encoder) and a table of malformed
// prefixes, then extendCheckpoint over chained headers and a conviction about an old block.

import {BlockHeader} from "@openzeppelin/contracts/utils/BlockHeader.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {BlockHeaderParent} from "../src/BlockHeaderParent.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";

/// @dev BlockHeaderParent reads calldata, so the tests reach it through an external call.
contract HeaderParentReader {
    function tryGetParentHash(bytes calldata header) external pure returns (bool, bytes32) {
        return BlockHeaderParent.tryGetParentHash(header);
    }
}

contract AuthorityRegistryCheckpointsTest is AuthorityRegistryFixture {
    using RLP for RLP.Encoder;

    HeaderParentReader internal reader;

    function setUp() public override {
        super.setUp();
        reader = new HeaderParentReader();
    }

    // ================================================================ header building

    /// @notice A Prague-shaped header (21 fields) of block `number` with parent `parent`;
    ///         `extraData` sets its size (and so its RLP prefix).
    function headerOf(uint256 number, bytes32 parent, bytes memory extraData) internal pure returns (bytes memory) {
        RLP.Encoder memory e = RLP.encoder();
        e.push(parent);
        e.push(keccak256(hex"c0")); // ommersHash
        e.push(address(0xC0FFEE)); // coinbase
        e.push(keccak256(abi.encode("state", number)));
        e.push(keccak256(abi.encode("transactions", number)));
        e.push(keccak256(abi.encode("receipts", number)));
        e.push(new bytes(256)); // logsBloom
        e.push(uint256(0)); // difficulty
        e.push(number);
        e.push(uint256(36_000_000)); // gasLimit
        e.push(uint256(12_345_678)); // gasUsed
        e.push(uint256(1_750_000_000 + number * 12)); // timestamp
        e.push(extraData);
        e.push(keccak256(abi.encode("prevRandao", number)));
        e.push(new bytes(8)); // nonce
        e.push(uint256(7 gwei)); // baseFeePerGas
        e.push(keccak256(abi.encode("withdrawals", number)));
        e.push(uint256(131_072)); // blobGasUsed
        e.push(uint256(0)); // excessBlobGas
        e.push(keccak256(abi.encode("beacon", number)));
        e.push(keccak256(abi.encode("requests", number)));
        return e.encode();
    }

    /// @notice headers[i] is block `newest - i`; headers[count - 1] has parent `root`. Returns
    ///         the chain and the hash of the newest header.
    function chainOf(uint256 newest, uint256 count, bytes32 root)
        internal
        pure
        returns (bytes[] memory headers, bytes32 newestHash)
    {
        headers = new bytes[](count);
        bytes32 parent = root;
        for (uint256 i = count; i > 0; i--) {
            headers[i - 1] = headerOf(newest - (i - 1), parent, "veriot");
            parent = keccak256(headers[i - 1]);
        }
        newestHash = parent;
    }

    // ================================================================ BlockHeaderParent

    function test_tryGetParentHash_readsRealisticHeadersLikeOpenZeppelin() public view {
        uint256[4] memory extraSizes = [uint256(0), 32, 1_000, 70_000];
        bytes1[4] memory prefixes = [bytes1(0xf9), 0xf9, 0xf9, 0xfa];
        for (uint256 i = 0; i < extraSizes.length; i++) {
            bytes32 parent = keccak256(abi.encode("parent", i));
            bytes memory header = headerOf(20_000_000 + i, parent, new bytes(extraSizes[i]));
            assertEq(uint256(uint8(header[0])), uint256(uint8(prefixes[i])), "prefix");
            (bool ok, bytes32 got) = reader.tryGetParentHash(header);
            assertTrue(ok, "ok");
            assertEq(got, parent, "parent hash");
            assertEq(got, BlockHeader.getParentHash(header), "same as OpenZeppelin's BlockHeader");
        }
    }

    function test_tryGetParentHash_readsShortAndOneByteLengthLists() public view {
        bytes32 parent = keccak256("parent");
        // 0xe1: a short list holding the parent hash only (33 bytes).
        (bool ok, bytes32 got) = reader.tryGetParentHash(abi.encodePacked(hex"e1a0", parent));
        assertTrue(ok, "short list ok");
        assertEq(got, parent, "short list parent");
        // 0xf8: parent, ommers hash and state root (99 bytes).
        bytes memory header = RLP.encoder().push(parent).push(bytes32("ommers")).push(bytes32("state")).encode();
        assertEq(uint256(uint8(header[0])), 0xf8, "prefix");
        (ok, got) = reader.tryGetParentHash(header);
        assertTrue(ok, "0xf8 ok");
        assertEq(got, parent, "0xf8 parent");
    }

    function test_tryGetParentHash_refusesMalformedPrefixes() public view {
        bytes32 p = keccak256("parent");
        bytes memory real = headerOf(1, p, "");
        bytes memory truncated = new bytes(real.length - 1);
        for (uint256 i = 0; i < truncated.length; i++) {
            truncated[i] = real[i];
        }
        bytes[14] memory malformed = [
            bytes(""), // empty
            abi.encodePacked(hex"a0", p), // a string, not a list
            abi.encodePacked(hex"c0"), // an empty list
            abi.encodePacked(hex"c180"), // a list too short for a hash
            abi.encodePacked(hex"f8"), // long form without its length
            abi.encodePacked(hex"f821a0", p), // long form for 33 bytes (must be short)
            abi.encodePacked(hex"f90021a0", p), // length with a leading zero
            abi.encodePacked(hex"fb00000021a0", p), // 4 length bytes
            abi.encodePacked(hex"e1a0", p, hex"00"), // a byte after the list
            abi.encodePacked(hex"e2a0", p), // the list claims a byte more than there is
            truncated, // a real header missing its last byte
            abi.encodePacked(hex"e09f", bytes31(p)), // first item a 31-byte string
            abi.encodePacked(hex"e2e1a0", p), // first item a list
            abi.encodePacked(hex"e1a1", bytes32(p)) // first item claims 33 bytes
        ];
        for (uint256 i = 0; i < malformed.length; i++) {
            (bool ok, bytes32 got) = reader.tryGetParentHash(malformed[i]);
            assertFalse(ok, string.concat("malformed[", vm.toString(i), "] ok"));
            assertEq(got, bytes32(0), string.concat("malformed[", vm.toString(i), "] parent"));
        }
    }

    function testFuzz_tryGetParentHash_agreesWithOpenZeppelin(bytes32 parent, uint256 number, uint16 extraSize)
        public
        view
    {
        bytes memory header = headerOf(bound(number, 0, type(uint64).max), parent, new bytes(extraSize));
        (bool ok, bytes32 got) = reader.tryGetParentHash(header);
        assertTrue(ok, "ok");
        assertEq(got, parent, "parent hash");
        assertEq(got, BlockHeader.getParentHash(header), "same as OpenZeppelin's BlockHeader");
    }

    // ================================================================ extendCheckpoint

    function test_extendCheckpoint_savesOnlyTheOldestHashAndEmitsCheckpointSaved() public {
        uint256 newest = block.number - 1;
        bytes32 root = keccak256("root");
        (bytes[] memory headers, bytes32 newestHash) = chainOf(newest, 5, root);
        vm.setBlockhash(newest, newestHash);

        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.CheckpointSaved(newest - 5, root);
        vm.recordLogs();
        assertEq(registry.extendCheckpoint(newest, headers), newest - 5, "oldest");
        assertEq(vm.getRecordedLogs().length, 1, "one event");
        assertEq(registry.checkpoints(newest - 5), root, "checkpoint of the oldest block");
        for (uint256 i = 0; i < 5; i++) {
            assertEq(registry.checkpoints(newest - i), bytes32(0), "no checkpoint in between");
        }
    }

    function test_extendCheckpoint_continuesFromASavedCheckpoint() public {
        uint256 newest = block.number - 1;
        bytes32 root = keccak256("root");
        (bytes[] memory all, bytes32 newestHash) = chainOf(newest, 6, root);
        vm.setBlockhash(newest, newestHash);
        bytes[] memory first = new bytes[](3);
        bytes[] memory second = new bytes[](3);
        for (uint256 i = 0; i < 3; i++) {
            first[i] = all[i];
            second[i] = all[i + 3];
        }
        registry.extendCheckpoint(newest, first);
        vm.roll(block.number + 1_000); // the newest block is out of BLOCKHASH's reach now
        assertEq(registry.extendCheckpoint(newest - 3, second), newest - 6, "oldest");
        assertEq(registry.checkpoints(newest - 6), root, "checkpoint");
    }

    function test_extendCheckpoint_reachesGenesisButNotPast() public {
        vm.roll(10);
        (bytes[] memory headers, bytes32 newestHash) = chainOf(3, 3, keccak256("genesis"));
        vm.setBlockhash(3, newestHash);
        assertEq(registry.extendCheckpoint(3, headers), 0, "oldest");
        assertEq(registry.checkpoints(0), keccak256("genesis"), "genesis hash");

        (headers, newestHash) = chainOf(3, 4, keccak256("before genesis"));
        vm.setBlockhash(3, newestHash);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.HeaderChainPastGenesis.selector));
        registry.extendCheckpoint(3, headers);
    }

    function test_extendCheckpoint_revertsNoHeaders() public {
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NoHeaders.selector));
        registry.extendCheckpoint(block.number - 1, new bytes[](0));
    }

    function test_extendCheckpoint_revertsCanonicalHashUnknown_forAnUnknownStart() public {
        uint256 old = block.number - 300;
        (bytes[] memory headers,) = chainOf(old, 2, "root");
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, old));
        registry.extendCheckpoint(old, headers);
    }

    function test_extendCheckpoint_revertsHeaderHashMismatch_forAWrongFirstHeader() public {
        uint256 newest = block.number - 1;
        (bytes[] memory headers, bytes32 newestHash) = chainOf(newest, 3, "root");
        bytes32 canonical = keccak256("another block");
        vm.setBlockhash(newest, canonical);
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.HeaderHashMismatch.selector, newest, canonical, newestHash)
        );
        registry.extendCheckpoint(newest, headers);
    }

    function test_extendCheckpoint_revertsHeaderHashMismatch_whenTheChainBreaks() public {
        uint256 newest = block.number - 1;
        (bytes[] memory headers, bytes32 newestHash) = chainOf(newest, 4, "root");
        vm.setBlockhash(newest, newestHash);
        bytes32 expected = keccak256(headers[2]);
        headers[2] = headerOf(newest - 2, "forged parent", "veriot");
        vm.expectRevert(
            abi.encodeWithSelector(
                AuthorityRegistry.HeaderHashMismatch.selector, newest - 2, expected, keccak256(headers[2])
            )
        );
        registry.extendCheckpoint(newest, headers);
    }

    function test_extendCheckpoint_revertsMalformedHeader_forAHeaderThatHashesRight() public {
        // A block whose "header" is not a canonical RLP list: only a chain configured this way
        // could have it, but the parser must still refuse rather than read garbage.
        uint256 newest = block.number - 1;
        bytes memory header = abi.encodePacked(hex"f821a0", keccak256("parent"));
        bytes[] memory headers = new bytes[](1);
        headers[0] = header;
        vm.setBlockhash(newest, keccak256(header));
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.MalformedHeader.selector, newest));
        registry.extendCheckpoint(newest, headers);
    }

    function test_extendCheckpoint_letsAWatchdogConvictALieAboutAnOldBlock() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 newest = block.number - 1;
        bytes32 root = keccak256("canonical block 40 back");
        (bytes[] memory headers, bytes32 newestHash) = chainOf(newest, 40, root);
        vm.setBlockhash(newest, newestHash);
        uint256 old = registry.extendCheckpoint(newest, headers);
        vm.roll(block.number + 100_000);

        bytes32 lie = keccak256("forged block");
        bytes memory signature = signAttestation(SIGNER_PK, old, lie);
        commitAs(watchdog, signer, old, lie, signature);
        vm.roll(block.number + 1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeConvicted(signer, watchdog, old, lie, root, 0.25 ether, 0.75 ether);
        vm.prank(watchdog);
        registry.revealConviction(signer, old, lie, signature, "salt");
        assertStatus(signer, CONVICTED, "status");
    }

    function testFuzz_extendCheckpoint_reachesTheOldestBlockOfAnyChain(uint8 countSeed, bytes32 root, uint8 ageSeed)
        public
    {
        uint256 count = bound(countSeed, 1, 24);
        uint256 newest = block.number - bound(ageSeed, 1, 256);
        (bytes[] memory headers, bytes32 newestHash) = chainOf(newest, count, root);
        vm.setBlockhash(newest, newestHash);
        assertEq(registry.extendCheckpoint(newest, headers), newest - count, "oldest");
        assertEq(registry.checkpoints(newest - count), root, "checkpoint");
    }
}
