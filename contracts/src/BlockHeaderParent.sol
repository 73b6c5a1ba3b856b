// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Reads the parent hash out of an RLP-encoded Ethereum block header in calldata, so that a
// known block hash can be extended backwards one header at a time.

/// @title BlockHeaderParent
/// @notice Only the list prefix and the first item are parsed: the caller checks
///         keccak256(header) against a known hash first, which fixes every other byte, so
///         decoding the other fields (as OpenZeppelin's `BlockHeader` does, from memory) would
///         cost gas per header without adding any check. The prefix is parsed strictly
///         (canonical RLP): a short list for payloads up to 55 bytes, otherwise a long list
///         with 1 to 3 length bytes, no leading zero, and no byte before or after the list.
library BlockHeaderParent {
    /// @notice The parent hash of `header`, or ok = false when `header` is not a canonical
    ///         RLP list whose first item is a 32-byte string.
    function tryGetParentHash(bytes calldata header) internal pure returns (bool ok, bytes32 parentHash) {
        uint256 size = header.length;
        if (size == 0) return (false, 0);
        uint256 prefix = uint8(header[0]);
        if (prefix < 0xc0) return (false, 0);

        uint256 payloadOffset;
        uint256 payloadLength;
        if (prefix <= 0xf7) {
            payloadOffset = 1;
            payloadLength = prefix - 0xc0;
        } else {
            // Headers are a few hundred bytes; 3 length bytes (16 MiB) is far beyond any block.
            uint256 lengthOfLength = prefix - 0xf7;
            if (lengthOfLength > 3 || size < 1 + lengthOfLength) return (false, 0);
            if (header[1] == 0) return (false, 0);
            for (uint256 i = 0; i < lengthOfLength; i++) {
                payloadLength = (payloadLength << 8) | uint8(header[1 + i]);
            }
            if (payloadLength <= 55) return (false, 0);
            payloadOffset = 1 + lengthOfLength;
        }
        if (payloadOffset + payloadLength != size) return (false, 0);
        if (payloadLength < 33 || uint8(header[payloadOffset]) != 0xa0) return (false, 0);
        return (true, bytes32(header[payloadOffset + 1:payloadOffset + 33]));
    }
}
