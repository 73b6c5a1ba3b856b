// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Our own small test base (assertions, bound, invariant targets): forge-std is not installable offline.

import {VM, Vm} from "./Vm.sol";

/// @notice Base of the project's Forge tests. Assertions revert with
///         `<message>: expected <want>, got <got>`, so a failure names what was checked.
abstract contract VeriotTest {
    Vm internal constant vm = VM;

    address[] private _targetContracts;

    // ------------------------------------------------------------ assertions

    function assertTrue(bool got, string memory message) internal pure {
        if (!got) revert(string.concat(message, ": expected true, got false"));
    }

    function assertFalse(bool got, string memory message) internal pure {
        if (got) revert(string.concat(message, ": expected false, got true"));
    }

    function assertEq(uint256 got, uint256 want, string memory message) internal pure {
        if (got != want) _mismatch(message, vm.toString(want), vm.toString(got));
    }

    function assertEq(address got, address want, string memory message) internal pure {
        if (got != want) _mismatch(message, vm.toString(want), vm.toString(got));
    }

    function assertEq(bytes32 got, bytes32 want, string memory message) internal pure {
        if (got != want) _mismatch(message, vm.toString(want), vm.toString(got));
    }

    function assertEq(bool got, bool want, string memory message) internal pure {
        if (got != want) _mismatch(message, vm.toString(want), vm.toString(got));
    }

    function assertEq(bytes memory got, bytes memory want, string memory message) internal pure {
        if (keccak256(got) != keccak256(want)) _mismatch(message, vm.toString(want), vm.toString(got));
    }

    function assertEq(bytes32[] memory got, bytes32[] memory want, string memory message) internal pure {
        assertEq(got.length, want.length, string.concat(message, " (length)"));
        for (uint256 i = 0; i < got.length; i++) {
            assertEq(got[i], want[i], string.concat(message, " [", vm.toString(i), "]"));
        }
    }

    function assertNotEq(bytes32 got, bytes32 unwanted, string memory message) internal pure {
        if (got == unwanted) revert(string.concat(message, ": expected anything but ", vm.toString(unwanted)));
    }

    function _mismatch(string memory message, string memory want, string memory got) private pure {
        revert(string.concat(message, ": expected ", want, ", got ", got));
    }

    // ------------------------------------------------------------ fuzzing

    /// @notice Maps `x` onto [min, max]: unchanged when already inside, else by modulo.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        return min + (x % (max - min + 1));
    }

    // ------------------------------------------------------------ invariant targets

    /// @notice Restricts invariant fuzzing to `target` (forge calls `targetContracts()`).
    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }
}
