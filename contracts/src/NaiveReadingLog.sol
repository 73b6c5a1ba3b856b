// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Benchmark baseline only: the naive design that posts every reading in its own transaction.
// Not deployed by Veriot; used by `npm run bench` to compare gas per reading.
contract NaiveReadingLog {
    mapping(bytes32 readingHash => uint256 blockNumber) public postedAt;

    event ReadingPosted(address indexed gateway, bytes32 indexed readingHash);

    function post(bytes32 readingHash) external {
        postedAt[readingHash] = block.number;
        emit ReadingPosted(msg.sender, readingHash);
    }
}
