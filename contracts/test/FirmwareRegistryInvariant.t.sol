// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Invariant tests of FirmwareRegistry: a handler changes key sets, publishes, approves with
// random subsets of keys (current or removed), revokes and raises the minimum of one model in
// random order; ghost records must agree with the contract after every call.

import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";
import {VM, Vm} from "./utils/Vm.sol";
import {VeriotTest} from "./utils/VeriotTest.sol";

contract FirmwareRegistryHandler {
    Vm internal constant vm = VM;
    uint256 internal constant P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
    uint256 public constant KEYS = 6;
    bytes32 public constant MODEL = "invariant-model";

    FirmwareRegistry public immutable registry;
    address public immutable vendor;

    // ghost state
    /// @dev Which of the KEYS private keys are in the current set, as a bit mask.
    uint256 public currentKeys;
    uint8 public threshold;
    /// @dev Distinct current keys that signed each version in the current round.
    mapping(uint64 version => uint256) public signedMask;
    mapping(uint64 version => uint32) public signedEpoch;
    /// @dev Approved with fewer than k distinct current signers; must stay 0.
    uint256 public approvedTooEarly;
    /// @dev Still pending although k distinct current keys signed; must stay 0.
    uint256 public notApprovedAtK;
    mapping(uint64 version => bool) public everRevoked;
    mapping(uint64 version => bool) public everLockdown;
    uint64 public highestMinimum;
    uint64[] public published;

    constructor(FirmwareRegistry registry_, address vendor_) {
        registry = registry_;
        vendor = vendor_;
        _setKeys(0x7, 2);
    }

    // ------------------------------------------------------------ actions

    function setKeys(uint256 maskSeed, uint8 kSeed) external {
        uint256 mask = maskSeed % (1 << KEYS);
        if (mask == 0) mask = 1;
        uint8 n = uint8(_popcount(mask));
        _setKeys(mask, uint8(1 + (kSeed % n)));
    }

    function publish(uint64 step, uint256 signersSeed) external {
        (,,,,, uint64 latest,) = registry.getModel(MODEL);
        uint64 version = latest + 1 + uint64(step % 1000);
        FirmwareRegistry.ReleaseInput memory r = _release(version);
        FirmwareRegistry.Approval[] memory list = _approvals(r, signersSeed % (1 << KEYS));
        vm.prank(vendor);
        try registry.publishRelease(r, list) {
            published.push(version);
            _afterApprovals(version, list);
        } catch {}
    }

    function approve(uint256 versionSeed, uint256 signersSeed) external {
        if (published.length == 0) return;
        uint64 version = published[versionSeed % published.length];
        FirmwareRegistry.ReleaseInput memory r = _release(version);
        FirmwareRegistry.Approval[] memory list = _approvals(r, signersSeed % (1 << KEYS));
        try registry.approveRelease(MODEL, version, list) {
            _afterApprovals(version, list);
        } catch {}
    }

    function revoke(uint256 versionSeed, bool lockdown) external {
        if (published.length == 0) return;
        uint64 version = published[versionSeed % published.length];
        vm.prank(vendor);
        try registry.revokeRelease(MODEL, version, "invariant", lockdown) {
            everRevoked[version] = true;
            if (lockdown) everLockdown[version] = true;
        } catch {}
    }

    function setMinimum(uint256 versionSeed) external {
        if (published.length == 0) return;
        uint64 version = published[versionSeed % published.length];
        vm.prank(vendor);
        try registry.setMinimumVersion(MODEL, version) {
            highestMinimum = version;
        } catch {}
    }

    function publishedCount() external view returns (uint256) {
        return published.length;
    }

    // ------------------------------------------------------------ internals

    function pk(uint256 i) public pure returns (uint256) {
        return 1 + (uint256(keccak256(abi.encode("invariant release key", i))) % (P256_N - 1));
    }

    function _setKeys(uint256 mask, uint8 k) private {
        FirmwareRegistry.ReleaseKey[] memory keys = new FirmwareRegistry.ReleaseKey[](_popcount(mask));
        uint256 j;
        for (uint256 i = 0; i < KEYS; i++) {
            if ((mask >> i) & 1 == 0) continue;
            (uint256 x, uint256 y) = vm.publicKeyP256(pk(i));
            keys[j++] = FirmwareRegistry.ReleaseKey(bytes32(x), bytes32(y));
        }
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, keys, k);
        currentKeys = mask;
        threshold = k;
    }

    function _release(uint64 version) private pure returns (FirmwareRegistry.ReleaseInput memory r) {
        r.model = MODEL;
        r.version = version;
        r.imageHash = keccak256(abi.encode("image", version));
        r.imageSize = 1;
        r.measurement = keccak256(abi.encode("pcr", version));
        r.metadataUri = "";
    }

    /// @dev Signatures by the keys in `mask`, whether in the current set or not.
    function _approvals(FirmwareRegistry.ReleaseInput memory r, uint256 mask)
        private
        view
        returns (FirmwareRegistry.Approval[] memory list)
    {
        list = new FirmwareRegistry.Approval[](_popcount(mask));
        bytes32 digest = sha256(
            registry.releaseMessage(
                r.model, r.version, r.imageHash, r.imageSize, r.measurement, r.metadataHash, r.metadataUri
            )
        );
        uint256 j;
        for (uint256 i = 0; i < KEYS; i++) {
            if ((mask >> i) & 1 == 0) continue;
            (uint256 x, uint256 y) = vm.publicKeyP256(pk(i));
            (bytes32 sr, bytes32 ss) = vm.signP256(pk(i), digest);
            list[j++] = FirmwareRegistry.Approval(keccak256(abi.encodePacked(x, y)), sr, ss);
        }
    }

    /// @dev Called after an accepted call: every key in `list` was current and new in this round.
    function _afterApprovals(uint64 version, FirmwareRegistry.Approval[] memory list) private {
        (,,, uint32 epoch,,,) = registry.getModel(MODEL);
        if (signedEpoch[version] != epoch) {
            signedEpoch[version] = epoch;
            signedMask[version] = 0;
        }
        for (uint256 a = 0; a < list.length; a++) {
            for (uint256 i = 0; i < KEYS; i++) {
                (uint256 x, uint256 y) = vm.publicKeyP256(pk(i));
                if (keccak256(abi.encodePacked(x, y)) == list[a].keyId) signedMask[version] |= 1 << i;
            }
        }
        uint256 distinct = _popcount(signedMask[version] & currentKeys);
        FirmwareRegistry.Status s = registry.getRelease(MODEL, version).status;
        if (s == FirmwareRegistry.Status.Approved && distinct < threshold) approvedTooEarly += 1;
        if (s == FirmwareRegistry.Status.Pending && distinct >= threshold) notApprovedAtK += 1;
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        for (; x != 0; x &= x - 1) c++;
    }
}

contract FirmwareRegistryInvariantTest is VeriotTest {
    FirmwareRegistry internal registry;
    FirmwareRegistryHandler internal handler;
    bytes32 internal model;

    function setUp() public {
        address admin = address(0xad);
        address vendor = address(0xbe);
        registry = new FirmwareRegistry(admin, address(0));
        bytes32 vendorRole = registry.VENDOR_ROLE();
        vm.prank(admin);
        registry.grantRole(vendorRole, vendor);
        handler = new FirmwareRegistryHandler(registry, vendor);
        model = handler.MODEL();
        targetContract(address(handler));
    }

    /// @dev The handler's actions reach every state the invariants talk about (not fuzzed).
    function test_handler_reachesApprovedRevokedLockdownAndMinimum() public {
        handler.publish(0, 0x3); // keys 0 and 1 of {0, 1, 2}, k = 2: approved at once
        handler.publish(0, 0x1); // one key: pending
        uint64 v1 = handler.published(0);
        uint64 v2 = handler.published(1);
        assertEq(uint256(registry.getRelease(model, v1).status), uint256(FirmwareRegistry.Status.Approved), "v1");
        assertEq(uint256(registry.getRelease(model, v2).status), uint256(FirmwareRegistry.Status.Pending), "v2");
        handler.setKeys(0x6, 0); // keys {1, 2}, k = 1: a new round
        handler.approve(1, 0x1); // key 0 is no longer a key: refused
        assertEq(uint256(registry.getRelease(model, v2).status), uint256(FirmwareRegistry.Status.Pending), "v2 by key 0");
        handler.approve(1, 0x4);
        assertEq(uint256(registry.getRelease(model, v2).status), uint256(FirmwareRegistry.Status.Approved), "v2 by key 2");
        handler.setMinimum(1);
        assertEq(registry.minimumVersionOf(model), v2, "minimum");
        handler.revoke(1, true);
        assertTrue(registry.isLockdownRelease(model, v2), "lockdown");
        assertEq(handler.approvedTooEarly() + handler.notApprovedAtK(), 0, "ghosts agree");
    }

    function invariant_approvalExactlyAtKDistinctCurrentKeys() public view {
        assertEq(handler.approvedTooEarly(), 0, "approved with fewer than k distinct current keys");
        assertEq(handler.notApprovedAtK(), 0, "pending although k distinct current keys signed");
    }

    function invariant_versionsOnlyGoUpAndTheMinimumNeverDrops() public view {
        uint64[] memory versions = registry.versionsOf(model);
        for (uint256 i = 1; i < versions.length; i++) {
            assertTrue(versions[i] > versions[i - 1], "versions strictly increasing");
        }
        (,,,, uint64 minimum, uint64 latest, uint64 latestApproved) = registry.getModel(model);
        assertEq(minimum, handler.highestMinimum(), "minimum = the highest ever set");
        assertTrue(minimum <= latestApproved, "minimum <= latest approved");
        assertTrue(latestApproved <= latest, "latest approved <= latest");
    }

    function invariant_revocationIsFinalAndNothingBelowTheMinimumIsInstallable() public view {
        uint64 minimum = registry.minimumVersionOf(model);
        uint256 n = handler.publishedCount();
        for (uint256 i = 0; i < n; i++) {
            uint64 v = handler.published(i);
            FirmwareRegistry.Release memory r = registry.getRelease(model, v);
            if (handler.everRevoked(v)) {
                assertEq(uint256(r.status), uint256(FirmwareRegistry.Status.Revoked), "revoked stays revoked");
            }
            assertEq(registry.isLockdownRelease(model, v), handler.everLockdown(v), "lockdown never lifted");
            if (registry.isInstallable(model, v)) {
                assertTrue(v >= minimum, "installable only at or above the minimum");
                assertEq(uint256(r.status), uint256(FirmwareRegistry.Status.Approved), "installable only approved");
            }
        }
    }
}
