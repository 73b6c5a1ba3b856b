// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Identities of IoT devices and their lifecycle: who made a device, which P-256 key it holds
// (proved on chain through the P256VERIFY precompile), who owns it, and what it may do.

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {P256} from "./P256.sol";

/// @title DeviceRegistry
/// @notice Device identity = keccak256(P-256 public key x ‖ y). Lifecycle:
///         Manufactured → Provisioned (owner set) → Active ⇄ Suspended → Decommissioned.
///         Decommissioned is terminal and the key can never be registered again.
contract DeviceRegistry is AccessControl {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @notice Lifecycle states. `None` means "never registered".
    enum Status {
        None,
        Manufactured,
        Provisioned,
        Active,
        Suspended,
        Decommissioned
    }

    /// @notice Signature suites a device may use for telemetry. Every device proves a P-256
    ///         key at registration; other suites add a key committed to by `auxKeyHash`.
    uint8 public constant SUITE_P256 = 1;
    uint8 public constant SUITE_ED25519 = 2;
    uint8 public constant SUITE_MLDSA44_P256 = 3;

    bytes32 public constant MANUFACTURER_ROLE = keccak256("VERIOT_MANUFACTURER");
    bytes32 public constant GUARDIAN_ROLE = keccak256("VERIOT_GUARDIAN");

    /// @notice Domain tag of the registration message a device signs with its P-256 key.
    bytes32 public constant REGISTRATION_DOMAIN = "VERIOT/register/v1";

    struct Device {
        // slot 0
        address owner;
        Status status;
        uint8 suite;
        uint64 firmwareVersion;
        // slot 1
        address manufacturer;
        uint64 registeredAt;
        // slots 2..6
        bytes32 pubKeyX;
        bytes32 pubKeyY;
        bytes32 model;
        bytes32 metadataHash;
        bytes32 auxKeyHash;
    }

    /// @notice What a manufacturer submits to register a device.
    struct Registration {
        bytes32 pubKeyX;
        bytes32 pubKeyY;
        uint8 suite;
        bytes32 model;
        uint64 firmwareVersion;
        bytes32 metadataHash;
        bytes32 auxKeyHash;
    }

    mapping(bytes32 id => Device) private _devices;
    mapping(bytes32 id => EnumerableSet.Bytes32Set) private _capabilities;
    /// @notice Registration nonce per device id; part of the signed registration message.
    mapping(bytes32 id => uint256) public nonces;
    /// @notice How many devices are in each status.
    mapping(Status => uint256) public statusCount;
    bytes32[] private _deviceIds;
    /// @notice Circuit breaker per model: while true, no device of that model is operational
    ///         (its own status is untouched). Declared last so earlier slots keep their place.
    mapping(bytes32 model => bool) public modelPaused;

    event DeviceRegistered(
        bytes32 indexed id,
        address indexed manufacturer,
        uint8 suite,
        bytes32 model,
        uint64 firmwareVersion,
        bytes32 pubKeyX,
        bytes32 pubKeyY,
        bytes32 metadataHash,
        bytes32 auxKeyHash
    );
    event DeviceProvisioned(bytes32 indexed id, address indexed owner, address indexed by);
    event DeviceActivated(bytes32 indexed id, address indexed by, bytes32 reason);
    event DeviceSuspended(bytes32 indexed id, address indexed by, bytes32 reason);
    event DeviceDecommissioned(bytes32 indexed id, address indexed by, bytes32 reason);
    event DeviceTransferred(bytes32 indexed id, address indexed from, address indexed to);
    event CapabilityGranted(bytes32 indexed id, bytes32 indexed capability, address indexed by);
    event CapabilityRevoked(bytes32 indexed id, bytes32 indexed capability, address indexed by);
    event ModelPaused(bytes32 indexed model, address indexed by, bytes32 reason);
    event ModelUnpaused(bytes32 indexed model, address indexed by, bytes32 reason);

    error DeviceAlreadyRegistered(bytes32 id);
    error UnknownDevice(bytes32 id);
    error InvalidTransition(bytes32 id, Status from, Status to);
    error NotDeviceOwner(bytes32 id, address caller);
    error NotAuthorized(bytes32 id, address caller);
    error InvalidPublicKey();
    error InvalidRegistrationSignature(bytes32 id);
    error UnsupportedSuite(uint8 suite);
    error MissingAuxKey(uint8 suite);
    error InvalidOwner(address owner);
    error InvalidCapability(bytes32 capability);
    error P256VerifierUnavailable(address verifier);
    error InvalidBreakerModel(bytes32 model);
    error ModelPauseUnchanged(bytes32 model, bool paused);

    /// @notice The contract that verifies P-256 signatures with the RIP-7212/EIP-7951 calling
    ///         convention: 0x100 (P256VERIFY precompile) or, on chains without it, a deployed
    ///         Solidity verifier at another address (see docs/contracts.md).
    address public immutable p256Verifier;

    /// @param admin receives DEFAULT_ADMIN_ROLE.
    /// @param verifier P-256 verifier address; address(0) means the precompile at 0x100.
    constructor(address admin, address verifier) {
        p256Verifier = verifier == address(0) ? P256.PRECOMPILE : verifier;
        // Fail at deployment, not at the first registration, on a chain that lacks the verifier.
        if (!P256.selfTest(p256Verifier)) revert P256VerifierUnavailable(p256Verifier);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- registration

    /// @notice The id of the device holding P-256 key (x, y).
    function deviceIdOf(bytes32 x, bytes32 y) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(x, y));
    }

    /// @notice The bytes a device signs (ECDSA P-256 over SHA-256) to prove it holds its key.
    function registrationMessage(Registration calldata r, address manufacturer) public view returns (bytes memory) {
        bytes32 id = deviceIdOf(r.pubKeyX, r.pubKeyY);
        return abi.encode(
            REGISTRATION_DOMAIN,
            block.chainid,
            address(this),
            nonces[id],
            manufacturer,
            id,
            r.suite,
            r.model,
            r.firmwareVersion,
            r.metadataHash,
            r.auxKeyHash
        );
    }

    /// @notice Registers a device in status Manufactured. The device's P-256 signature
    ///         (sigR, sigS) over `registrationMessage(r, msg.sender)` proves it holds the key.
    function register(Registration calldata r, bytes32 sigR, bytes32 sigS)
        external
        onlyRole(MANUFACTURER_ROLE)
        returns (bytes32 id)
    {
        if (r.suite < SUITE_P256 || r.suite > SUITE_MLDSA44_P256) {
            revert UnsupportedSuite(r.suite);
        }
        if (r.suite != SUITE_P256 && r.auxKeyHash == bytes32(0)) revert MissingAuxKey(r.suite);
        if (!P256.isOnCurve(r.pubKeyX, r.pubKeyY)) revert InvalidPublicKey();
        id = deviceIdOf(r.pubKeyX, r.pubKeyY);
        if (_devices[id].status != Status.None) revert DeviceAlreadyRegistered(id);

        bytes32 digest = sha256(registrationMessage(r, msg.sender));
        if (!P256.verify(p256Verifier, digest, sigR, sigS, r.pubKeyX, r.pubKeyY)) {
            revert InvalidRegistrationSignature(id);
        }
        nonces[id] += 1;

        Device storage d = _devices[id];
        d.status = Status.Manufactured;
        d.suite = r.suite;
        d.firmwareVersion = r.firmwareVersion;
        d.manufacturer = msg.sender;
        d.registeredAt = uint64(block.timestamp);
        d.pubKeyX = r.pubKeyX;
        d.pubKeyY = r.pubKeyY;
        d.model = r.model;
        d.metadataHash = r.metadataHash;
        d.auxKeyHash = r.auxKeyHash;
        _deviceIds.push(id);
        statusCount[Status.Manufactured] += 1;

        emit DeviceRegistered(
            id, msg.sender, r.suite, r.model, r.firmwareVersion, r.pubKeyX, r.pubKeyY, r.metadataHash, r.auxKeyHash
        );
    }

    // ---------------------------------------------------------------- lifecycle

    /// @notice Manufactured → Provisioned: hands the device to its first owner. Only the
    ///         manufacturer that registered it, and only while it still holds MANUFACTURER_ROLE.
    function provision(bytes32 id, address owner) external {
        Device storage d = _existing(id);
        if (!_isActingManufacturer(d)) revert NotAuthorized(id, msg.sender);
        if (owner == address(0)) revert InvalidOwner(owner);
        _move(id, d, Status.Manufactured, Status.Provisioned);
        d.owner = owner;
        emit DeviceProvisioned(id, owner, msg.sender);
    }

    /// @notice Provisioned → Active, or Suspended → Active. The owner or an admin.
    function activate(bytes32 id) external {
        _activate(id, bytes32(0));
    }

    /// @notice `activate` with a reason kept in the event (e.g. why a device locked down by a
    ///         guardian may run again), so the device's history says why it came back.
    function activateWithReason(bytes32 id, bytes32 reason) external {
        _activate(id, reason);
    }

    /// @notice Active → Suspended. The owner, a guardian or an admin.
    function suspend(bytes32 id, bytes32 reason) external {
        Device storage d = _existing(id);
        if (msg.sender != d.owner && !hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotAuthorized(id, msg.sender);
        }
        _move(id, d, Status.Active, Status.Suspended);
        emit DeviceSuspended(id, msg.sender, reason);
    }

    // ---------------------------------------------------------------- model breaker

    /// @notice Trips the breaker of a whole model (e.g. after its firmware was revoked): a
    ///         guardian or an admin. Gateways and devices treat every device of it as not
    ///         operational until an admin resets it; no device's own status changes.
    function pauseModel(bytes32 model, bytes32 reason) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
        _setModelPaused(model, true, reason);
    }

    /// @notice Resets a model's breaker. Only an admin: a guardian can stop, never restart.
    function unpauseModel(bytes32 model, bytes32 reason) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setModelPaused(model, false, reason);
    }

    /// @notice True when the device is Active and its model's breaker is not tripped.
    function isOperational(bytes32 id) external view returns (bool) {
        Device storage d = _devices[id];
        return d.status == Status.Active && !modelPaused[d.model];
    }

    function _setModelPaused(bytes32 model, bool paused, bytes32 reason) private {
        if (model == bytes32(0)) revert InvalidBreakerModel(model);
        if (modelPaused[model] == paused) revert ModelPauseUnchanged(model, paused);
        modelPaused[model] = paused;
        if (paused) emit ModelPaused(model, msg.sender, reason);
        else emit ModelUnpaused(model, msg.sender, reason);
    }

    /// @notice Any live status → Decommissioned (terminal). The owner or an admin; before it
    ///         has an owner, also its manufacturer while it still holds MANUFACTURER_ROLE.
    function decommission(bytes32 id, bytes32 reason) external {
        Device storage d = _existing(id);
        bool allowed = msg.sender == d.owner || hasRole(DEFAULT_ADMIN_ROLE, msg.sender)
            || (d.status == Status.Manufactured && _isActingManufacturer(d));
        if (!allowed) revert NotAuthorized(id, msg.sender);
        if (d.status == Status.Decommissioned) {
            revert InvalidTransition(id, d.status, Status.Decommissioned);
        }
        _move(id, d, d.status, Status.Decommissioned);
        emit DeviceDecommissioned(id, msg.sender, reason);
    }

    /// @notice Transfers ownership. Only the current owner, never of a decommissioned device.
    function transferOwnership(bytes32 id, address to) external {
        Device storage d = _existing(id);
        if (msg.sender != d.owner) revert NotDeviceOwner(id, msg.sender);
        if (d.status == Status.Decommissioned) {
            revert InvalidTransition(id, d.status, Status.Decommissioned);
        }
        if (to == address(0) || to == d.owner) revert InvalidOwner(to);
        address from = d.owner;
        d.owner = to;
        emit DeviceTransferred(id, from, to);
    }

    // ---------------------------------------------------------------- capabilities

    /// @notice Grants a scoped permission, e.g. bytes32("telemetry:temperature") or
    ///         bytes32("command:unlock"). Only the owner, never on a decommissioned device.
    function grantCapability(bytes32 id, bytes32 capability) external {
        _ownedLive(id);
        if (capability == bytes32(0)) revert InvalidCapability(capability);
        if (_capabilities[id].add(capability)) emit CapabilityGranted(id, capability, msg.sender);
    }

    /// @notice Revokes a scoped permission. Only the owner.
    function revokeCapability(bytes32 id, bytes32 capability) external {
        _ownedLive(id);
        if (_capabilities[id].remove(capability)) emit CapabilityRevoked(id, capability, msg.sender);
    }

    function hasCapability(bytes32 id, bytes32 capability) external view returns (bool) {
        return _capabilities[id].contains(capability);
    }

    function capabilitiesOf(bytes32 id) external view returns (bytes32[] memory) {
        return _capabilities[id].values();
    }

    // ---------------------------------------------------------------- reads

    function getDevice(bytes32 id) external view returns (Device memory) {
        return _devices[id];
    }

    function statusOf(bytes32 id) external view returns (Status) {
        return _devices[id].status;
    }

    function ownerOf(bytes32 id) external view returns (address) {
        return _devices[id].owner;
    }

    function deviceCount() external view returns (uint256) {
        return _deviceIds.length;
    }

    function deviceIdAt(uint256 index) external view returns (bytes32) {
        return _deviceIds[index];
    }

    // ---------------------------------------------------------------- internals

    function _activate(bytes32 id, bytes32 reason) private {
        Device storage d = _existing(id);
        if (msg.sender != d.owner && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotAuthorized(id, msg.sender);
        }
        if (d.status != Status.Provisioned && d.status != Status.Suspended) {
            revert InvalidTransition(id, d.status, Status.Active);
        }
        _move(id, d, d.status, Status.Active);
        emit DeviceActivated(id, msg.sender, reason);
    }

    function _existing(bytes32 id) private view returns (Device storage d) {
        d = _devices[id];
        if (d.status == Status.None) revert UnknownDevice(id);
    }

    /// @dev The caller registered `d` and is still a manufacturer: revoking the role must end
    ///      its power over the devices it made, not only its right to register new ones.
    function _isActingManufacturer(Device storage d) private view returns (bool) {
        return msg.sender == d.manufacturer && hasRole(MANUFACTURER_ROLE, msg.sender);
    }

    function _ownedLive(bytes32 id) private view returns (Device storage d) {
        d = _existing(id);
        if (msg.sender != d.owner) revert NotDeviceOwner(id, msg.sender);
        if (d.status == Status.Decommissioned) {
            revert InvalidTransition(id, d.status, Status.Decommissioned);
        }
    }

    function _move(bytes32 id, Device storage d, Status from, Status to) private {
        if (d.status != from) revert InvalidTransition(id, d.status, to);
        statusCount[from] -= 1;
        statusCount[to] += 1;
        d.status = to;
    }
}
