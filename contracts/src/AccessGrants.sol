// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Rights that a device's owner grants to outside keys: "this phone key may unlock this car
// until Friday". Devices read a grant through a verified read (storage proof + a header signed
// by staked authority nodes), so the layout of `grants` is part of the interface.

import {DeviceRegistry} from "./DeviceRegistry.sol";

/// @title AccessGrants
/// @notice grants[deviceId][keyId][capability] = expiry (unix seconds; 0 = no grant). keyId is
///         keccak256(x ‖ y) of the grantee's P-256 key, like a device id. Storage layout (for
///         proofs): `grants` is slot 0, so the grant's slot is
///         keccak256(capability ‖ keccak256(keyId ‖ keccak256(deviceId ‖ 0))).
contract AccessGrants {
    mapping(bytes32 deviceId => mapping(bytes32 keyId => mapping(bytes32 capability => uint64 expiresAt))) public
        grants;

    DeviceRegistry public immutable registry;

    event AccessGranted(
        bytes32 indexed deviceId, bytes32 indexed keyId, bytes32 indexed capability, uint64 expiresAt, address by
    );
    event AccessRevoked(bytes32 indexed deviceId, bytes32 indexed keyId, bytes32 indexed capability, address by);

    error NotDeviceOwner(bytes32 deviceId, address caller);
    error DeviceNotLive(bytes32 deviceId);
    error InvalidGrant(bytes32 keyId, bytes32 capability, uint64 expiresAt);

    constructor(DeviceRegistry registry_) {
        registry = registry_;
    }

    /// @notice Grants `capability` (e.g. bytes32("command:unlock")) on `deviceId` to `keyId`
    ///         until `expiresAt`. Only the device's current owner; replaces an earlier expiry.
    function grant(bytes32 deviceId, bytes32 keyId, bytes32 capability, uint64 expiresAt) external {
        _onlyOwnerOfLive(deviceId);
        if (keyId == bytes32(0) || capability == bytes32(0) || expiresAt <= block.timestamp) {
            revert InvalidGrant(keyId, capability, expiresAt);
        }
        grants[deviceId][keyId][capability] = expiresAt;
        emit AccessGranted(deviceId, keyId, capability, expiresAt, msg.sender);
    }

    /// @notice Revokes a grant at once. Only the device's current owner.
    function revoke(bytes32 deviceId, bytes32 keyId, bytes32 capability) external {
        if (registry.ownerOf(deviceId) != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        delete grants[deviceId][keyId][capability];
        emit AccessRevoked(deviceId, keyId, capability, msg.sender);
    }

    /// @notice True when `keyId` holds `capability` on `deviceId` now.
    function isGranted(bytes32 deviceId, bytes32 keyId, bytes32 capability) external view returns (bool) {
        return grants[deviceId][keyId][capability] > block.timestamp;
    }

    function _onlyOwnerOfLive(bytes32 deviceId) private view {
        if (registry.ownerOf(deviceId) != msg.sender) revert NotDeviceOwner(deviceId, msg.sender);
        DeviceRegistry.Status s = registry.statusOf(deviceId);
        if (s == DeviceRegistry.Status.Decommissioned || s == DeviceRegistry.Status.None) {
            revert DeviceNotLive(deviceId);
        }
    }
}
