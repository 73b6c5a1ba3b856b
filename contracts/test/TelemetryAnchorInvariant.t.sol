// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Invariant tests of TelemetryAnchor: a handler anchors random batches from several gateways,
// retries anchored ids and sends malformed batches; ghost records of what was accepted must
// match the contract after every call.

import {TelemetryAnchor} from "../src/TelemetryAnchor.sol";
import {VM, Vm} from "./utils/Vm.sol";
import {VeriotTest} from "./utils/VeriotTest.sol";

/// @notice Anchors as random gateways. A retry or malformed batch the contract rejects reverts
///         the whole handler call, so the ghost records hold exactly the accepted batches; a
///         fresh valid batch it rejects is counted instead, as the contract must accept it.
contract TelemetryAnchorHandler {
    Vm internal constant vm = VM;
    uint256 public constant GATEWAYS = 4;

    struct Batch {
        address gateway;
        uint64 id;
        bytes32 root;
        uint32 count;
        uint64 first;
        uint64 last;
    }

    TelemetryAnchor internal immutable anchors;
    address[GATEWAYS] internal _gateways;

    // ghost state
    /// @dev The first accepted batch of each (gateway, id), in order.
    Batch[] internal _batches;
    /// @dev Its commitment, zero for a (gateway, id) never accepted.
    mapping(address gateway => mapping(uint64 id => bytes32)) public firstCommitment;
    /// @dev Accepted anchors of a (gateway, id) that was already anchored; must stay 0.
    uint256 public acceptedRetries;
    /// @dev Refused anchors of a valid batch under a fresh (gateway, id); must stay 0.
    uint256 public refusedNewBatches;

    constructor(TelemetryAnchor anchors_) {
        anchors = anchors_;
        for (uint256 i = 0; i < GATEWAYS; i++) {
            _gateways[i] = address(uint160(uint256(keccak256(abi.encode("veriot.invariant.gateway", i)))));
            vm.label(_gateways[i], string.concat("gateway", vm.toString(i)));
        }
    }

    // ------------------------------------------------------------ actions

    /// @notice Mostly a new batch of one of the gateways (a fresh id, valid values); one time in
    ///         sixteen a retry of an anchored (gateway, id) with any values, and one time in
    ///         sixteen an empty or time-reversed batch: both must be refused.
    function anchor(
        uint256 gatewaySeed,
        uint256 modeSeed,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        uint64 first,
        uint64 span
    ) external {
        uint256 mode = spread(modeSeed) % 16;
        Batch memory b = Batch(_gateways[spread(gatewaySeed) % GATEWAYS], batchId, root, count, first, first);
        bool fresh = false;

        if (mode == 1) {
            // Malformed: no readings, or the last reading before the first.
            if (spread(modeSeed >> 4) % 2 == 0 || first == 0) b.count = 0;
            else b.last = first - 1 - uint64(span % first);
        } else {
            b.count = count == 0 ? 1 : count;
            b.last = first + uint64(span % (uint256(type(uint64).max) - first + 1));
            if (mode == 0 && _batches.length > 0) {
                // A retry of an anchored (gateway, id), with whatever values.
                Batch memory earlier = _batches[spread(batchId) % _batches.length];
                (b.gateway, b.id) = (earlier.gateway, earlier.id);
            } else {
                // A fresh id: the fuzzer repeats values, so step past ids already taken.
                while (firstCommitment[b.gateway][b.id] != 0) {
                    unchecked {
                        b.id += 1;
                    }
                }
                fresh = true;
            }
        }

        vm.prank(b.gateway);
        if (fresh) {
            try anchors.anchor(b.id, b.root, b.count, b.first, b.last) {}
            catch {
                refusedNewBatches += 1;
                return;
            }
        } else {
            anchors.anchor(b.id, b.root, b.count, b.first, b.last);
        }

        if (firstCommitment[b.gateway][b.id] != 0) {
            acceptedRetries += 1;
            return;
        }
        firstCommitment[b.gateway][b.id] = keccak256(abi.encode(b.root, b.count, b.first, b.last));
        _batches.push(b);
    }

    // ------------------------------------------------------------ reads for the invariants

    /// @dev All records in one call: the invariants run after every call, over every record.
    function batches() external view returns (Batch[] memory) {
        return _batches;
    }

    function gateways() external view returns (address[GATEWAYS] memory) {
        return _gateways;
    }

    /// @dev The fuzzer favours 0, 1, max and values it saw; hashing spreads them over every
    ///      choice.
    function spread(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }
}

contract TelemetryAnchorInvariantTest is VeriotTest {
    /// @dev Accepted batches probed in depth per check; the check runs after every call.
    uint256 internal constant PROBES = 4;

    TelemetryAnchor internal anchors;
    TelemetryAnchorHandler internal handler;

    function setUp() public {
        anchors = new TelemetryAnchor();
        handler = new TelemetryAnchorHandler(anchors);
        targetContract(address(handler));
    }

    /// @notice A commitment, once set, stays that of the first batch accepted for its
    ///         (gateway, id), computed as documented.
    function invariant_commitmentsNeverChange() public view {
        TelemetryAnchorHandler.Batch[] memory batches = handler.batches();
        for (uint256 i = 0; i < batches.length; i++) {
            TelemetryAnchorHandler.Batch memory b = batches[i];
            assertEq(anchors.commitments(b.gateway, b.id), commitmentOf(b), "commitment");
        }
    }

    /// @notice No (gateway, id) is accepted twice, whatever values a retry carries, and every
    ///         valid batch under a fresh (gateway, id) is accepted.
    function invariant_noBatchIsAnchoredTwice() public view {
        assertEq(handler.acceptedRetries(), 0, "accepted retries of an anchored batch");
        assertEq(handler.refusedNewBatches(), 0, "refused valid batches under a fresh id");
    }

    /// @notice isAnchored answers from the ghost records: true for the exact values of every
    ///         accepted batch. For a few accepted batches per check (picked anew each time, so
    ///         every record and combination comes up over a run): false with one value
    ///         tampered, and for their values under another gateway or a neighbouring id, true
    ///         exactly when the ghost records hold the same commitment there.
    function invariant_isAnchoredMatchesTheGhostRecords() public view {
        TelemetryAnchorHandler.Batch[] memory batches = handler.batches();
        uint256 n = batches.length;
        for (uint256 i = 0; i < n; i++) {
            assertTrue(isAnchored(batches[i].gateway, batches[i].id, batches[i]), "isAnchored(accepted batch)");
        }
        if (n == 0) return;

        address[4] memory gateways = handler.gateways();
        for (uint256 k = 0; k < PROBES; k++) {
            uint256 pick = uint256(keccak256(abi.encode(n, k)));
            TelemetryAnchorHandler.Batch memory b = batches[pick % n];
            pick >>= 128;

            address gateway = gateways[pick % gateways.length];
            uint64 id;
            unchecked {
                id = b.id + uint64(pick % 3) - 1;
            }
            assertEq(
                isAnchored(gateway, id, b),
                handler.firstCommitment(gateway, id) == commitmentOf(b),
                "isAnchored(its values under another gateway or id)"
            );

            uint256 field = (pick >> 8) % 4;
            TelemetryAnchorHandler.Batch memory t = TelemetryAnchorHandler.Batch(
                b.gateway,
                b.id,
                field == 0 ? ~b.root : b.root,
                field == 1 ? b.count ^ 1 : b.count,
                field == 2 ? b.first ^ 1 : b.first,
                field == 3 ? b.last ^ 1 : b.last
            );
            assertFalse(isAnchored(b.gateway, b.id, t), "isAnchored(one value tampered)");
        }
    }

    function isAnchored(address gateway, uint64 id, TelemetryAnchorHandler.Batch memory b)
        internal
        view
        returns (bool)
    {
        return anchors.isAnchored(gateway, id, b.root, b.count, b.first, b.last);
    }

    function commitmentOf(TelemetryAnchorHandler.Batch memory b) internal pure returns (bytes32) {
        return keccak256(abi.encode(b.root, b.count, b.first, b.last));
    }
}
