// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Firmware releases per device model, approved by k of a vendor's n P-256 release keys, with
// monotonic versions, a minimum version (rollback protection) and revocation (with lockdown).

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {P256} from "./P256.sol";

/// @title FirmwareRegistry
/// @notice A vendor (VENDOR_ROLE) claims a model by setting its release keys and threshold k.
///         A release (model, version) becomes Approved once k distinct release keys have signed
///         `releaseMessage(...)` (P-256 over SHA-256, checked through the P256VERIFY precompile).
///         Signatures can come with `publishRelease` or later, from anyone, in `approveRelease`.
///
///         Release keys are P-256, not secp256k1 addresses: they are the same kind of key as
///         device keys, so they live in the same key stores (PKCS#11 HSM, encrypted file) and a
///         device's secure element can check them itself. See docs/contracts.md.
///
///         Storage read by devices with EIP-1186 proofs (checked by a test; docs/contracts.md):
///         - slot 1: `models`; models[model] at m = keccak256(abi.encode(model, uint256(1))):
///           m+0 vendor (low 20 bytes), threshold (byte 20), keyCount (byte 21), keyEpoch
///           (bytes 22-25); m+1 minimumVersion (bytes 0-7), latestVersion (8-15),
///           latestApprovedVersion (16-23); m+2 keys (array of {x, y}).
///         - slot 2: `releases`; releases[model][version] at
///           r = keccak256(abi.encode(version, keccak256(abi.encode(model, uint256(2))))):
///           r+0 status (byte 0), lockdown (1), approvals (2), keyEpoch (3-6), approvalMask
///           (7-10), publishedAt (11-18), approvedAt (19-26); r+1 imageHash; r+2 measurement;
///           r+3 metadataHash; r+4 imageSize (bytes 0-7), revokedAt (8-15); r+5 revocationReason;
///           r+6 metadataUri (Solidity's string layout).
///         Slot 0 is OpenZeppelin AccessControl's role mapping.
contract FirmwareRegistry is AccessControl {
    /// @notice Stored state of a release. `None` means "never published".
    enum Status {
        None,
        Pending,
        Approved,
        Revoked
    }

    /// @notice What a gateway or guardian should do with a device running (model, version).
    enum Verdict {
        Unknown, // never published
        Pending, // published, fewer than k approvals
        Approved, // approved and at or above the minimum version
        BelowMinimum, // approved, but below the model's minimum version (rollback)
        Revoked, // revoked: do not install; devices running it should update
        Lockdown // revoked with lockdown: devices running it must be locked down
    }

    struct ReleaseKey {
        bytes32 x;
        bytes32 y;
    }

    struct Model {
        // word 0
        address vendor;
        uint8 threshold;
        uint8 keyCount;
        uint32 keyEpoch;
        // word 1
        uint64 minimumVersion;
        uint64 latestVersion;
        uint64 latestApprovedVersion;
        // word 2
        ReleaseKey[] keys;
    }

    struct Release {
        // word 0
        Status status;
        bool lockdown;
        uint8 approvals;
        uint32 keyEpoch;
        uint32 approvalMask;
        uint64 publishedAt;
        uint64 approvedAt;
        // words 1..3
        bytes32 imageHash;
        bytes32 measurement;
        bytes32 metadataHash;
        // word 4
        uint64 imageSize;
        uint64 revokedAt;
        // word 5
        bytes32 revocationReason;
        // word 6
        string metadataUri;
    }

    /// @notice What a vendor submits to publish a release.
    struct ReleaseInput {
        bytes32 model;
        uint64 version;
        bytes32 imageHash;
        uint64 imageSize;
        bytes32 measurement;
        bytes32 metadataHash;
        string metadataUri;
    }

    /// @notice A release key's P-256 signature over SHA-256 of `releaseMessage`.
    struct Approval {
        bytes32 keyId;
        bytes32 r;
        bytes32 s;
    }

    bytes32 public constant VENDOR_ROLE = keccak256("VERIOT_FIRMWARE_VENDOR");
    bytes32 public constant GUARDIAN_ROLE = keccak256("VERIOT_GUARDIAN");
    /// @notice Domain tag of the release message that release keys sign.
    bytes32 public constant RELEASE_DOMAIN = "VERIOT/firmware-release/v1";
    /// @notice At most this many release keys per model (the approval mask is 32 bits).
    uint256 public constant MAX_RELEASE_KEYS = 32;
    uint256 public constant MAX_METADATA_URI_LENGTH = 256;

    // ---------------------------------------------------------------- storage
    // The order fixes the slots that devices prove (see above): append new variables only.

    mapping(bytes32 model => Model) private _models;
    mapping(bytes32 model => mapping(uint64 version => Release)) private _releases;
    /// @dev Index + 1 of each current release key in `_models[model].keys`; 0 when not a key.
    mapping(bytes32 model => mapping(bytes32 keyId => uint256)) private _keyIndexPlusOne;
    /// @dev Every version ever published per model, in publication (= ascending) order.
    mapping(bytes32 model => uint64[]) private _versions;
    /// @dev Every model ever claimed, in claim order.
    bytes32[] private _modelIds;

    /// @notice The contract that verifies P-256 signatures (0x100 or a deployed fallback).
    address public immutable p256Verifier;

    // ---------------------------------------------------------------- events

    event ModelClaimed(bytes32 indexed model, address indexed vendor);
    event ModelTransferred(bytes32 indexed model, address indexed from, address indexed to);
    event ReleaseKeysSet(bytes32 indexed model, bytes32[] keyIds, uint8 threshold, uint32 keyEpoch);
    event ReleasePublished(
        bytes32 indexed model,
        uint64 indexed version,
        bytes32 imageHash,
        uint64 imageSize,
        bytes32 measurement,
        bytes32 metadataHash,
        string metadataUri,
        address publisher
    );
    event ReleaseSigned(bytes32 indexed model, uint64 indexed version, bytes32 indexed keyId);
    event ReleaseApproved(bytes32 indexed model, uint64 indexed version, uint8 approvals);
    event ReleaseRevoked(
        bytes32 indexed model, uint64 indexed version, bytes32 reason, bool lockdown, address by
    );
    event MinimumVersionRaised(bytes32 indexed model, uint64 previous, uint64 current);

    // ---------------------------------------------------------------- errors

    error P256VerifierUnavailable(address verifier);
    error InvalidModel(bytes32 model);
    error UnknownModel(bytes32 model);
    error NotModelVendor(bytes32 model, address caller);
    error InvalidVendor(address vendor);
    error InvalidThreshold(uint256 threshold, uint256 keyCount);
    error InvalidReleaseKey(uint256 index);
    error DuplicateReleaseKey(bytes32 keyId);
    error InvalidReleaseField(bytes32 field);
    error VersionNotIncreasing(bytes32 model, uint64 version, uint64 latestVersion);
    error VersionBelowMinimum(bytes32 model, uint64 version, uint64 minimumVersion);
    error UnknownRelease(bytes32 model, uint64 version);
    error ReleaseNotPending(bytes32 model, uint64 version, Status status);
    error ReleaseAlreadyRevoked(bytes32 model, uint64 version);
    error UnknownReleaseKey(bytes32 model, bytes32 keyId);
    error DuplicateApproval(bytes32 model, uint64 version, bytes32 keyId);
    error InvalidReleaseSignature(bytes32 model, uint64 version, bytes32 keyId);
    error NoApprovals();
    error MinimumNotIncreasing(bytes32 model, uint64 version, uint64 minimumVersion);
    error MinimumAboveLatestApproved(bytes32 model, uint64 version, uint64 latestApprovedVersion);
    error NotVendorOrGuardian(bytes32 model, address caller);

    /// @param admin receives DEFAULT_ADMIN_ROLE.
    /// @param verifier P-256 verifier address; address(0) means the precompile at 0x100.
    constructor(address admin, address verifier) {
        p256Verifier = verifier == address(0) ? P256.PRECOMPILE : verifier;
        if (!P256.selfTest(p256Verifier)) revert P256VerifierUnavailable(p256Verifier);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- models and keys

    /// @notice The id of release key (x, y): keccak256(x ‖ y), like a device id.
    function keyIdOf(bytes32 x, bytes32 y) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(x, y));
    }

    /// @notice Sets the release keys and threshold k of `model`, replacing the previous set.
    ///         The first call claims the model for the caller (VENDOR_ROLE); later calls only by
    ///         that vendor while it holds VENDOR_ROLE. Approvals of pending releases start over
    ///         (their signatures from keys still in the set can be submitted again).
    function setReleaseKeys(bytes32 model, ReleaseKey[] calldata keys, uint8 threshold) external {
        if (model == bytes32(0)) revert InvalidModel(model);
        Model storage m = _models[model];
        if (m.vendor == address(0)) {
            _checkRole(VENDOR_ROLE);
            m.vendor = msg.sender;
            _modelIds.push(model);
            emit ModelClaimed(model, msg.sender);
        } else {
            _onlyVendor(model, m);
        }
        if (keys.length > MAX_RELEASE_KEYS || threshold == 0 || threshold > keys.length) {
            revert InvalidThreshold(threshold, keys.length);
        }
        for (uint256 i = 0; i < m.keys.length; i++) {
            delete _keyIndexPlusOne[model][keyIdOf(m.keys[i].x, m.keys[i].y)];
        }
        delete m.keys;
        bytes32[] memory keyIds = new bytes32[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            if (!P256.isOnCurve(keys[i].x, keys[i].y)) revert InvalidReleaseKey(i);
            bytes32 keyId = keyIdOf(keys[i].x, keys[i].y);
            if (_keyIndexPlusOne[model][keyId] != 0) revert DuplicateReleaseKey(keyId);
            _keyIndexPlusOne[model][keyId] = i + 1;
            m.keys.push(keys[i]);
            keyIds[i] = keyId;
        }
        m.threshold = threshold;
        m.keyCount = uint8(keys.length);
        m.keyEpoch += 1;
        emit ReleaseKeysSet(model, keyIds, threshold, m.keyEpoch);
    }

    /// @notice Hands `model` to another vendor (which must hold VENDOR_ROLE). Only its vendor.
    function transferModel(bytes32 model, address to) external {
        Model storage m = _existingModel(model);
        _onlyVendor(model, m);
        if (to == address(0) || to == m.vendor || !hasRole(VENDOR_ROLE, to)) revert InvalidVendor(to);
        emit ModelTransferred(model, m.vendor, to);
        m.vendor = to;
    }

    // ---------------------------------------------------------------- releases

    /// @notice The bytes a release key signs (ECDSA P-256 over SHA-256 of them).
    function releaseMessage(
        bytes32 model,
        uint64 version,
        bytes32 imageHash,
        uint64 imageSize,
        bytes32 measurement,
        bytes32 metadataHash,
        string memory metadataUri
    ) public view returns (bytes memory) {
        return abi.encode(
            RELEASE_DOMAIN,
            block.chainid,
            address(this),
            model,
            version,
            imageHash,
            imageSize,
            measurement,
            metadataHash,
            keccak256(bytes(metadataUri))
        );
    }

    /// @notice Publishes a release (status Pending) of a model, with any number of approvals.
    ///         Only the model's vendor. The version must exceed every published version of the
    ///         model and be at least its minimum version.
    function publishRelease(ReleaseInput calldata input, Approval[] calldata approvals) external {
        Model storage m = _existingModel(input.model);
        _onlyVendor(input.model, m);
        // Below the minimum is reported first: it names the rollback, not just the order.
        if (input.version < m.minimumVersion) {
            revert VersionBelowMinimum(input.model, input.version, m.minimumVersion);
        }
        if (input.version <= m.latestVersion) {
            revert VersionNotIncreasing(input.model, input.version, m.latestVersion);
        }
        if (input.imageHash == bytes32(0)) revert InvalidReleaseField("imageHash");
        if (input.imageSize == 0) revert InvalidReleaseField("imageSize");
        if (input.measurement == bytes32(0)) revert InvalidReleaseField("measurement");
        if (bytes(input.metadataUri).length > MAX_METADATA_URI_LENGTH) revert InvalidReleaseField("metadataUri");

        Release storage r = _releases[input.model][input.version];
        r.status = Status.Pending;
        r.keyEpoch = m.keyEpoch;
        r.publishedAt = uint64(block.timestamp);
        r.imageHash = input.imageHash;
        r.measurement = input.measurement;
        r.metadataHash = input.metadataHash;
        r.imageSize = input.imageSize;
        r.metadataUri = input.metadataUri;
        m.latestVersion = input.version;
        _versions[input.model].push(input.version);
        emit ReleasePublished(
            input.model,
            input.version,
            input.imageHash,
            input.imageSize,
            input.measurement,
            input.metadataHash,
            input.metadataUri,
            msg.sender
        );
        if (approvals.length > 0) _approve(input.model, input.version, m, r, approvals);
    }

    /// @notice Adds release-key signatures to a pending release; it becomes Approved once k
    ///         distinct current keys have signed. Anyone may submit: the signatures carry the
    ///         authority. A key that already signed, a key not in the set, or a bad signature
    ///         reverts the whole call.
    function approveRelease(bytes32 model, uint64 version, Approval[] calldata approvals) external {
        Model storage m = _existingModel(model);
        Release storage r = _releases[model][version];
        if (r.status == Status.None) revert UnknownRelease(model, version);
        if (approvals.length == 0) revert NoApprovals();
        _approve(model, version, m, r, approvals);
    }

    /// @notice Revokes a release (e.g. vulnerable). With `lockdown`, devices running it are to be
    ///         locked down (`verdictOf` returns Lockdown). The model's vendor or a guardian. A
    ///         revoked release can be revoked again only to add lockdown; lockdown is never lifted.
    function revokeRelease(bytes32 model, uint64 version, bytes32 reason, bool lockdown) external {
        Model storage m = _existingModel(model);
        if (!_isVendor(m) && !hasRole(GUARDIAN_ROLE, msg.sender)) revert NotVendorOrGuardian(model, msg.sender);
        Release storage r = _releases[model][version];
        if (r.status == Status.None) revert UnknownRelease(model, version);
        if (r.status == Status.Revoked && (r.lockdown || !lockdown)) revert ReleaseAlreadyRevoked(model, version);
        if (r.status != Status.Revoked) {
            r.status = Status.Revoked;
            r.revokedAt = uint64(block.timestamp);
        }
        r.lockdown = lockdown;
        r.revocationReason = reason;
        emit ReleaseRevoked(model, version, reason, lockdown, msg.sender);
    }

    /// @notice Raises the minimum version of a model (rollback protection). Only its vendor;
    ///         never lowered, and never above the highest approved version, so that some
    ///         approved release is always installable when the minimum is set.
    function setMinimumVersion(bytes32 model, uint64 version) external {
        Model storage m = _existingModel(model);
        _onlyVendor(model, m);
        if (version <= m.minimumVersion) revert MinimumNotIncreasing(model, version, m.minimumVersion);
        if (version > m.latestApprovedVersion) {
            revert MinimumAboveLatestApproved(model, version, m.latestApprovedVersion);
        }
        emit MinimumVersionRaised(model, m.minimumVersion, version);
        m.minimumVersion = version;
    }

    // ---------------------------------------------------------------- reads

    /// @notice What a device running (model, version) is: see `Verdict`.
    function verdictOf(bytes32 model, uint64 version) public view returns (Verdict) {
        Release storage r = _releases[model][version];
        if (r.status == Status.None) return Verdict.Unknown;
        if (r.status == Status.Revoked) return r.lockdown ? Verdict.Lockdown : Verdict.Revoked;
        if (r.status == Status.Pending) return Verdict.Pending;
        if (version < _models[model].minimumVersion) return Verdict.BelowMinimum;
        return Verdict.Approved;
    }

    /// @notice True when devices running (model, version) must be locked down.
    function isLockdownRelease(bytes32 model, uint64 version) external view returns (bool) {
        return verdictOf(model, version) == Verdict.Lockdown;
    }

    /// @notice True when (model, version) may be installed: approved, not revoked, ≥ minimum.
    function isInstallable(bytes32 model, uint64 version) external view returns (bool) {
        return verdictOf(model, version) == Verdict.Approved;
    }

    function getRelease(bytes32 model, uint64 version) external view returns (Release memory) {
        return _releases[model][version];
    }

    /// @notice The model record without its keys (see `releaseKeysOf`).
    function getModel(bytes32 model)
        external
        view
        returns (
            address vendor,
            uint8 threshold,
            uint8 keyCount,
            uint32 keyEpoch,
            uint64 minimumVersion,
            uint64 latestVersion,
            uint64 latestApprovedVersion
        )
    {
        Model storage m = _models[model];
        return (
            m.vendor,
            m.threshold,
            m.keyCount,
            m.keyEpoch,
            m.minimumVersion,
            m.latestVersion,
            m.latestApprovedVersion
        );
    }

    function minimumVersionOf(bytes32 model) external view returns (uint64) {
        return _models[model].minimumVersion;
    }

    function releaseKeysOf(bytes32 model) external view returns (ReleaseKey[] memory) {
        return _models[model].keys;
    }

    /// @notice True when `keyId` is a current release key of `model` and has signed the
    ///         release in the release's current approval round.
    function hasApproved(bytes32 model, uint64 version, bytes32 keyId) external view returns (bool) {
        uint256 indexPlusOne = _keyIndexPlusOne[model][keyId];
        Release storage r = _releases[model][version];
        if (indexPlusOne == 0 || r.keyEpoch != _models[model].keyEpoch) return false;
        return r.approvalMask & uint32(1 << (indexPlusOne - 1)) != 0;
    }

    function versionsOf(bytes32 model) external view returns (uint64[] memory) {
        return _versions[model];
    }

    function modelIds() external view returns (bytes32[] memory) {
        return _modelIds;
    }

    // ---------------------------------------------------------------- internals

    function _approve(
        bytes32 model,
        uint64 version,
        Model storage m,
        Release storage r,
        Approval[] calldata approvals
    ) private {
        if (r.status != Status.Pending) revert ReleaseNotPending(model, version, r.status);
        if (version < m.minimumVersion) revert VersionBelowMinimum(model, version, m.minimumVersion);
        // A new key set restarts the approval round: only current keys count.
        if (r.keyEpoch != m.keyEpoch) {
            r.keyEpoch = m.keyEpoch;
            r.approvalMask = 0;
            r.approvals = 0;
        }
        bytes32 digest = sha256(
            releaseMessage(
                model, version, r.imageHash, r.imageSize, r.measurement, r.metadataHash, r.metadataUri
            )
        );
        uint32 mask = r.approvalMask;
        uint8 count = r.approvals;
        for (uint256 i = 0; i < approvals.length; i++) {
            Approval calldata a = approvals[i];
            uint256 indexPlusOne = _keyIndexPlusOne[model][a.keyId];
            if (indexPlusOne == 0) revert UnknownReleaseKey(model, a.keyId);
            uint32 bit = uint32(1 << (indexPlusOne - 1));
            if (mask & bit != 0) revert DuplicateApproval(model, version, a.keyId);
            ReleaseKey storage key = m.keys[indexPlusOne - 1];
            if (!P256.verify(p256Verifier, digest, a.r, a.s, key.x, key.y)) {
                revert InvalidReleaseSignature(model, version, a.keyId);
            }
            mask |= bit;
            count += 1;
            emit ReleaseSigned(model, version, a.keyId);
        }
        r.approvalMask = mask;
        r.approvals = count;
        if (count >= m.threshold) {
            r.status = Status.Approved;
            r.approvedAt = uint64(block.timestamp);
            if (version > m.latestApprovedVersion) m.latestApprovedVersion = version;
            emit ReleaseApproved(model, version, count);
        }
    }

    function _existingModel(bytes32 model) private view returns (Model storage m) {
        m = _models[model];
        if (m.vendor == address(0)) revert UnknownModel(model);
    }

    /// @dev The caller is the model's vendor and still holds VENDOR_ROLE: revoking the role
    ///      ends its power over its models, as in DeviceRegistry for manufacturers.
    function _isVendor(Model storage m) private view returns (bool) {
        return msg.sender == m.vendor && hasRole(VENDOR_ROLE, msg.sender);
    }

    function _onlyVendor(bytes32 model, Model storage m) private view {
        if (!_isVendor(m)) revert NotModelVendor(model, msg.sender);
    }
}
