// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Anchors Merkle roots of telemetry batches: a gateway posts the RFC 6962 root of each batch
// once; anyone can later prove that a reading was in it. One storage slot per batch.

/// @title TelemetryAnchor
/// @notice Batches are keyed by (gateway, batchId). A batch id is anchored at most once per
///         gateway, so a gateway that crashed after sending can simply send again.
contract TelemetryAnchor {
    /// @notice keccak256(abi.encode(root, count, firstTimestamp, lastTimestamp)) of each batch;
    ///         zero when not anchored. Full values (and the block) are in the BatchAnchored event.
    mapping(address gateway => mapping(uint64 batchId => bytes32 commitment)) public commitments;

    event BatchAnchored(
        address indexed gateway,
        uint64 indexed batchId,
        bytes32 root,
        uint32 count,
        uint64 firstTimestamp,
        uint64 lastTimestamp
    );

    error BatchAlreadyAnchored(address gateway, uint64 batchId);
    error EmptyBatch();
    error InvalidTimeRange(uint64 firstTimestamp, uint64 lastTimestamp);

    /// @notice Anchors the root of batch `batchId` of the calling gateway.
    function anchor(uint64 batchId, bytes32 root, uint32 count, uint64 firstTimestamp, uint64 lastTimestamp)
        external
    {
        if (count == 0) revert EmptyBatch();
        if (firstTimestamp > lastTimestamp) revert InvalidTimeRange(firstTimestamp, lastTimestamp);
        if (commitments[msg.sender][batchId] != bytes32(0)) revert BatchAlreadyAnchored(msg.sender, batchId);
        commitments[msg.sender][batchId] = commitmentOf(root, count, firstTimestamp, lastTimestamp);
        emit BatchAnchored(msg.sender, batchId, root, count, firstTimestamp, lastTimestamp);
    }

    /// @notice True when `gateway` anchored batch `batchId` with exactly these values.
    function isAnchored(
        address gateway,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        uint64 firstTimestamp,
        uint64 lastTimestamp
    ) external view returns (bool) {
        bytes32 c = commitments[gateway][batchId];
        return c != bytes32(0) && c == commitmentOf(root, count, firstTimestamp, lastTimestamp);
    }

    function commitmentOf(bytes32 root, uint32 count, uint64 firstTimestamp, uint64 lastTimestamp)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(root, count, firstTimestamp, lastTimestamp));
    }
}
