// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Unit and fuzz tests of TelemetryAnchor: anchoring and its event, the exact-match rule of
// isAnchored, the commitment encoding, every error, and batch ids scoped to their gateway.

import {TelemetryAnchor} from "../src/TelemetryAnchor.sol";
import {Vm} from "./utils/Vm.sol";
import {VeriotTest} from "./utils/VeriotTest.sol";

contract TelemetryAnchorTest is VeriotTest {
    /// @notice The six values isAnchored compares; `gateway` is msg.sender of anchor().
    struct Batch {
        address gateway;
        uint64 id;
        bytes32 root;
        uint32 count;
        uint64 first;
        uint64 last;
    }

    address internal gateway = _actor("gateway");
    address internal otherGateway = _actor("otherGateway");

    TelemetryAnchor internal anchors;

    function setUp() public {
        anchors = new TelemetryAnchor();
    }

    // ================================================================ anchor

    function test_anchor_storesTheCommitmentAndEmitsBatchAnchored() public {
        Batch memory b = sample();
        assertEq(anchors.commitments(b.gateway, b.id), bytes32(0), "commitment before");

        vm.expectEmit(true, true, true, true, address(anchors));
        emit TelemetryAnchor.BatchAnchored(b.gateway, b.id, b.root, b.count, b.first, b.last);
        anchorBatch(b);

        assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "commitment");
        assertTrue(isAnchored(b), "isAnchored");
    }

    /// @notice The event layout the gateway relies on: it looks batches up by the indexed
    ///         gateway and batch id (topics 1 and 2) and reads the rest from the data.
    function test_anchor_emitsBatchAnchoredWithGatewayAndIdIndexed() public {
        Batch memory b = sample();
        vm.recordLogs();
        anchorBatch(b);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(logs.length, 1, "logs");
        assertEq(logs[0].emitter, address(anchors), "emitter");
        assertEq(logs[0].topics.length, 3, "topics");
        assertEq(
            logs[0].topics[0],
            keccak256("BatchAnchored(address,uint64,bytes32,uint32,uint64,uint64)"),
            "topic 0 (event signature)"
        );
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(b.gateway))), "topic 1 (gateway)");
        assertEq(logs[0].topics[2], bytes32(uint256(b.id)), "topic 2 (batchId)");
        assertEq(logs[0].data, abi.encode(b.root, b.count, b.first, b.last), "data");
    }

    /// @notice Extreme but valid values: zero root, one reading at time 0, the largest id,
    ///         count and timestamps.
    function test_anchor_acceptsBoundaryValues() public {
        Batch[3] memory batches = [
            Batch(gateway, 0, bytes32(0), 1, 0, 0),
            Batch(gateway, type(uint64).max, bytes32(type(uint256).max), type(uint32).max, 0, type(uint64).max),
            Batch(gateway, 1, keccak256("root"), 1, type(uint64).max, type(uint64).max)
        ];
        for (uint256 i = 0; i < batches.length; i++) {
            anchorBatch(batches[i]);
            assertTrue(isAnchored(batches[i]), string.concat("isAnchored [", vm.toString(i), "]"));
            assertEq(
                anchors.commitments(gateway, batches[i].id),
                commitmentOf(batches[i]),
                string.concat("commitment [", vm.toString(i), "]")
            );
        }
    }

    function test_anchor_revertsBatchAlreadyAnchored_forTheSameGatewayAndId() public {
        Batch memory b = sample();
        anchorBatch(b);
        bytes memory want = abi.encodeWithSelector(TelemetryAnchor.BatchAlreadyAnchored.selector, b.gateway, b.id);

        // The same batch again (a gateway retrying after a crash), then with each value changed.
        Batch[5] memory retries = [b, sample(), sample(), sample(), sample()];
        retries[1].root = keccak256("another root");
        retries[2].count = b.count + 1;
        retries[3].first = b.first - 1;
        retries[4].last = b.last + 1;
        for (uint256 i = 0; i < retries.length; i++) {
            vm.expectRevert(want);
            anchorBatch(retries[i]);
        }

        assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "commitment unchanged");
        assertTrue(isAnchored(b), "isAnchored(first batch)");
        assertFalse(isAnchored(retries[1]), "isAnchored(other root)");
    }

    function test_anchor_revertsEmptyBatch() public {
        Batch memory b = sample();
        b.count = 0;
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.EmptyBatch.selector));
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), bytes32(0), "commitment");
        assertFalse(isAnchored(b), "isAnchored");
    }

    function test_anchor_revertsInvalidTimeRange_whenFirstIsAfterLast() public {
        Batch memory b = sample();
        (b.first, b.last) = (b.last, b.first);
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.InvalidTimeRange.selector, b.first, b.last));
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), bytes32(0), "commitment");

        // One second apart is enough.
        b.first = b.last + 1;
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.InvalidTimeRange.selector, b.first, b.last));
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), bytes32(0), "commitment");
    }

    /// @notice The arguments are checked before the batch id: a malformed retry of an anchored
    ///         batch names what is wrong with it.
    function test_anchor_checksTheArgumentsBeforeTheBatchId() public {
        Batch memory b = sample();
        anchorBatch(b);

        Batch memory empty = sample();
        empty.count = 0;
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.EmptyBatch.selector));
        anchorBatch(empty);

        Batch memory reversed = sample();
        (reversed.first, reversed.last) = (b.last, b.first);
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.InvalidTimeRange.selector, b.last, b.first));
        anchorBatch(reversed);

        // Both wrong: EmptyBatch first.
        empty.first = b.last;
        empty.last = b.first;
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.EmptyBatch.selector));
        anchorBatch(empty);
    }

    function test_anchor_sameIdOfDifferentGatewaysIsIndependent() public {
        Batch memory a = sample();
        Batch memory b = sample();
        b.gateway = otherGateway;
        b.root = keccak256("root of the other gateway");
        b.count = 3;

        anchorBatch(a);
        assertEq(anchors.commitments(otherGateway, a.id), bytes32(0), "other gateway's commitment before");
        assertFalse(isAnchored(b), "isAnchored(other gateway) before");

        vm.expectEmit(true, true, true, true, address(anchors));
        emit TelemetryAnchor.BatchAnchored(otherGateway, b.id, b.root, b.count, b.first, b.last);
        anchorBatch(b);

        assertEq(anchors.commitments(gateway, a.id), commitmentOf(a), "first gateway's commitment");
        assertEq(anchors.commitments(otherGateway, b.id), commitmentOf(b), "other gateway's commitment");
        assertTrue(isAnchored(a), "isAnchored(a)");
        assertTrue(isAnchored(b), "isAnchored(b)");
        // Each gateway's values count only for that gateway.
        (a.gateway, b.gateway) = (otherGateway, gateway);
        assertFalse(isAnchored(a), "isAnchored(a's values as the other gateway)");
        assertFalse(isAnchored(b), "isAnchored(b's values as the first gateway)");

        // Neither blocks the other's next batch.
        a.gateway = gateway;
        a.id += 1;
        anchorBatch(a);
        b.gateway = otherGateway;
        b.id += 1;
        anchorBatch(b);
    }

    function test_anchor_sameValuesUnderAnotherIdAreAnotherBatch() public {
        Batch memory b = sample();
        anchorBatch(b);
        b.id += 1;
        assertFalse(isAnchored(b), "isAnchored(next id) before");
        anchorBatch(b);
        assertTrue(isAnchored(b), "isAnchored(next id)");
        b.id -= 1;
        assertTrue(isAnchored(b), "isAnchored(first id)");
    }

    // ================================================================ isAnchored and commitmentOf

    function test_isAnchored_trueOnlyForTheExactValues() public {
        Batch memory b = sample();
        anchorBatch(b);
        assertTrue(isAnchored(b), "isAnchored(exact)");
        for (uint256 field = 0; field < 6; field++) {
            Batch memory changed = sample();
            if (field == 0) changed.gateway = otherGateway;
            if (field == 1) changed.id = b.id + 1;
            if (field == 2) changed.root = keccak256("another root");
            if (field == 3) changed.count = b.count - 1;
            if (field == 4) changed.first = b.first + 1;
            if (field == 5) changed.last = b.last - 1;
            assertFalse(isAnchored(changed), string.concat("isAnchored with field ", vm.toString(field), " changed"));
        }
    }

    function test_isAnchored_falseForNothingAnchored() public view {
        assertFalse(isAnchored(sample()), "isAnchored(sample)");
        assertFalse(isAnchored(Batch(address(0), 0, 0, 0, 0, 0)), "isAnchored(all zero)");
        assertEq(anchors.commitments(address(0), 0), bytes32(0), "commitments(0, 0)");
    }

    /// @notice keccak256 of the ABI encoding (four 32-byte words), written out here so that a
    ///         change of the encoding fails a test.
    function test_commitmentOf_isKeccakOfTheAbiEncodedValues() public view {
        Batch memory b = sample();
        bytes memory encoded = bytes.concat(
            b.root, bytes32(uint256(b.count)), bytes32(uint256(b.first)), bytes32(uint256(b.last))
        );
        assertEq(encoded.length, 128, "encoded length");
        assertEq(anchors.commitmentOf(b.root, b.count, b.first, b.last), keccak256(encoded), "commitmentOf");
        assertNotEq(
            anchors.commitmentOf(b.root, b.count, b.first, b.last),
            keccak256(abi.encodePacked(b.root, b.count, b.first, b.last)),
            "commitmentOf (packed encoding)"
        );
    }

    // ================================================================ fuzz

    /// @notice Any valid batch from any gateway is anchored once, with its commitment and event.
    function testFuzz_anchor_anyValidBatchIsAnchoredOnce(Batch memory b, bytes32 otherRoot) public {
        b = valid(b);
        vm.expectEmit(true, true, true, true, address(anchors));
        emit TelemetryAnchor.BatchAnchored(b.gateway, b.id, b.root, b.count, b.first, b.last);
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "commitment");
        assertEq(anchors.commitmentOf(b.root, b.count, b.first, b.last), commitmentOf(b), "commitmentOf");
        assertTrue(isAnchored(b), "isAnchored");

        Batch memory again = Batch(b.gateway, b.id, otherRoot, b.count, b.first, b.last);
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.BatchAlreadyAnchored.selector, b.gateway, b.id));
        anchorBatch(again);
        assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "commitment after a second anchor");
    }

    /// @notice isAnchored is true exactly for the anchored values: replacing any subset of the
    ///         six values (`mask`, one bit per value) by others makes it false unless the
    ///         replacements equal the originals.
    function testFuzz_isAnchored_falseWhenAnyValueChanges(Batch memory b, Batch memory other, uint8 mask) public {
        b = valid(b);
        anchorBatch(b);
        mask = uint8(bound(mask, 1, 63));
        Batch memory probe = Batch(
            mask & 1 != 0 ? other.gateway : b.gateway,
            mask & 2 != 0 ? other.id : b.id,
            mask & 4 != 0 ? other.root : b.root,
            mask & 8 != 0 ? other.count : b.count,
            mask & 16 != 0 ? other.first : b.first,
            mask & 32 != 0 ? other.last : b.last
        );
        assertEq(isAnchored(probe), keccak256(abi.encode(probe)) == keccak256(abi.encode(b)), "isAnchored(probe)");
    }

    /// @notice first > last always reverts, whatever the other values, whether or not the id
    ///         is already anchored (an empty batch reports EmptyBatch first).
    function testFuzz_anchor_revertsWheneverFirstIsAfterLast(Batch memory b, bool idAnchoredBefore) public {
        vm.assume(b.gateway != address(vm));
        vm.assume(b.first != b.last);
        if (b.first < b.last) (b.first, b.last) = (b.last, b.first);
        if (idAnchoredBefore) anchorBatch(Batch(b.gateway, b.id, keccak256("earlier"), 1, 0, 0));
        bytes32 before = anchors.commitments(b.gateway, b.id);

        vm.expectRevert(
            b.count == 0
                ? abi.encodeWithSelector(TelemetryAnchor.EmptyBatch.selector)
                : abi.encodeWithSelector(TelemetryAnchor.InvalidTimeRange.selector, b.first, b.last)
        );
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), before, "commitment");
        assertFalse(isAnchored(b), "isAnchored");
    }

    function testFuzz_anchor_revertsEmptyBatch(Batch memory b) public {
        vm.assume(b.gateway != address(vm));
        b.count = 0;
        vm.expectRevert(abi.encodeWithSelector(TelemetryAnchor.EmptyBatch.selector));
        anchorBatch(b);
        assertEq(anchors.commitments(b.gateway, b.id), bytes32(0), "commitment");
    }

    /// @notice Two gateways anchoring the same batch id never interfere, in either order and
    ///         whatever their values.
    function testFuzz_anchor_gatewaysAreIndependent(Batch memory a, Batch memory b) public {
        a = valid(a);
        b = valid(b);
        vm.assume(a.gateway != b.gateway);
        b.id = a.id;
        anchorBatch(a);
        anchorBatch(b);
        assertTrue(isAnchored(a), "isAnchored(a)");
        assertTrue(isAnchored(b), "isAnchored(b)");
        assertEq(anchors.commitments(a.gateway, a.id), commitmentOf(a), "a's commitment");
        assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "b's commitment");
    }

    // ================================================================ helpers

    function sample() internal view returns (Batch memory) {
        return Batch(gateway, 42, keccak256("rfc 6962 root"), 256, 1_750_000_000_000, 1_750_000_010_000);
    }

    /// @notice `b` made valid: a real sender, at least one reading, first <= last.
    function valid(Batch memory b) internal pure returns (Batch memory) {
        vm.assume(b.gateway != address(vm));
        b.count = uint32(bound(b.count, 1, type(uint32).max));
        if (b.first > b.last) (b.first, b.last) = (b.last, b.first);
        return b;
    }

    function anchorBatch(Batch memory b) internal {
        vm.prank(b.gateway);
        anchors.anchor(b.id, b.root, b.count, b.first, b.last);
    }

    function isAnchored(Batch memory b) internal view returns (bool) {
        return anchors.isAnchored(b.gateway, b.id, b.root, b.count, b.first, b.last);
    }

    /// @notice The commitment as the contract documents it, computed here.
    function commitmentOf(Batch memory b) internal pure returns (bytes32) {
        return keccak256(abi.encode(b.root, b.count, b.first, b.last));
    }

    function _actor(string memory name) private returns (address a) {
        a = address(uint160(uint256(keccak256(bytes(string.concat("veriot.test.", name))))));
        vm.label(a, name);
    }
}
