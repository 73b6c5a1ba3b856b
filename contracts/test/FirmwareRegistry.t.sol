// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Unit tests of FirmwareRegistry: keys and thresholds, publishing with and without approvals,
// accumulated approvals, every error path, revocation with lockdown, the minimum version, the
// verdicts a gateway reads, and the storage slots that devices prove.

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";
import {FirmwareRegistryFixture} from "./utils/FirmwareRegistryFixture.sol";

contract FirmwareRegistryTest is FirmwareRegistryFixture {
    // ================================================================ constructor

    function test_constructor_grantsTheAdminRoleAndUsesThePrecompile() public view {
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin role");
        assertEq(registry.p256Verifier(), address(0x100), "p256Verifier");
    }

    function test_constructor_revertsP256VerifierUnavailable_forAnAddressWithoutCode() public {
        address nothing = address(0xbeef);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.P256VerifierUnavailable.selector, nothing));
        new FirmwareRegistry(admin, nothing);
    }

    // ================================================================ keys

    function test_setReleaseKeys_claimsTheModelAndStoresKeys() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(3);
        bytes32[] memory ids = new bytes32[](3);
        for (uint256 i = 0; i < 3; i++) {
            ids[i] = keyIdOf(releasePk(i));
        }
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ModelClaimed(MODEL, vendor);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleaseKeysSet(MODEL, ids, 2, 1);
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, keys, 2);

        (address v, uint8 k, uint8 n, uint32 epoch,,,) = registry.getModel(MODEL);
        assertEq(v, vendor, "vendor");
        assertEq(k, 2, "threshold");
        assertEq(n, 3, "keyCount");
        assertEq(epoch, 1, "keyEpoch");
        assertEq(registry.releaseKeysOf(MODEL)[2].x, keys[2].x, "key 2");
        assertEq(registry.modelIds().length, 1, "modelIds");
        assertEq(registry.keyIdOf(keys[0].x, keys[0].y), ids[0], "keyIdOf");
    }

    function test_setReleaseKeys_replacesTheSetAndBumpsTheEpoch() public {
        claim(MODEL, 3, 2);
        FirmwareRegistry.ReleaseKey[] memory next = new FirmwareRegistry.ReleaseKey[](1);
        next[0] = keyOf(releasePk(7));
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, next, 1);
        (,, uint8 n, uint32 epoch,,,) = registry.getModel(MODEL);
        assertEq(n, 1, "keyCount");
        assertEq(epoch, 2, "keyEpoch");
        assertEq(registry.modelIds().length, 1, "claimed once");

        // A removed key no longer counts.
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        FirmwareRegistry.Approval[] memory old = approvalsOf(r, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownReleaseKey.selector, MODEL, old[0].keyId));
        publish(r, old);
    }

    function test_setReleaseKeys_revertsWithoutVendorRole() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, registry.VENDOR_ROLE()
            )
        );
        vm.prank(stranger);
        registry.setReleaseKeys(MODEL, keys, 1);
    }

    function test_setReleaseKeys_revertsNotModelVendor_forAnotherVendor() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotModelVendor.selector, MODEL, otherVendor));
        vm.prank(otherVendor);
        registry.setReleaseKeys(MODEL, keys, 1);
    }

    function test_setReleaseKeys_revertsNotModelVendor_afterTheRoleIsRevoked() public {
        claim(MODEL, 1, 1);
        bytes32 role = registry.VENDOR_ROLE();
        vm.prank(admin);
        registry.revokeRole(role, vendor);
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotModelVendor.selector, MODEL, vendor));
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, keys, 1);
    }

    function test_setReleaseKeys_revertsInvalidModel_forZero() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidModel.selector, bytes32(0)));
        vm.prank(vendor);
        registry.setReleaseKeys(bytes32(0), keys, 1);
    }

    function test_setReleaseKeys_revertsInvalidThreshold() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(3);
        vm.startPrank(vendor);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidThreshold.selector, 0, 3));
        registry.setReleaseKeys(MODEL, keys, 0);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidThreshold.selector, 4, 3));
        registry.setReleaseKeys(MODEL, keys, 4);
        FirmwareRegistry.ReleaseKey[] memory tooMany = keysOf(33);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidThreshold.selector, 1, 33));
        registry.setReleaseKeys(MODEL, tooMany, 1);
        FirmwareRegistry.ReleaseKey[] memory empty = new FirmwareRegistry.ReleaseKey[](0);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidThreshold.selector, 1, 0));
        registry.setReleaseKeys(MODEL, empty, 1);
        vm.stopPrank();
        (address v,,,,,,) = registry.getModel(MODEL);
        assertEq(v, address(0), "a failed claim claims nothing");
    }

    function test_setReleaseKeys_acceptsThirtyTwoKeys() public {
        claim(MODEL, 32, 32);
        (,, uint8 n,,,,) = registry.getModel(MODEL);
        assertEq(n, 32, "keyCount");
    }

    function test_setReleaseKeys_revertsInvalidReleaseKey_offTheCurve() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(2);
        keys[1].y = bytes32(uint256(keys[1].y) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseKey.selector, 1));
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, keys, 1);
    }

    function test_setReleaseKeys_revertsDuplicateReleaseKey() public {
        FirmwareRegistry.ReleaseKey[] memory keys = keysOf(3);
        keys[2] = keys[0];
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.DuplicateReleaseKey.selector, keyIdOf(releasePk(0))));
        vm.prank(vendor);
        registry.setReleaseKeys(MODEL, keys, 2);
    }

    function test_transferModel_handsTheModelToAnotherVendor() public {
        claim(MODEL, 1, 1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ModelTransferred(MODEL, vendor, otherVendor);
        vm.prank(vendor);
        registry.transferModel(MODEL, otherVendor);
        (address v,,,,,,) = registry.getModel(MODEL);
        assertEq(v, otherVendor, "vendor");
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotModelVendor.selector, MODEL, vendor));
        publish(r, none());
    }

    function test_transferModel_revertsInvalidVendor() public {
        claim(MODEL, 1, 1);
        vm.startPrank(vendor);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidVendor.selector, stranger));
        registry.transferModel(MODEL, stranger);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidVendor.selector, address(0)));
        registry.transferModel(MODEL, address(0));
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidVendor.selector, vendor));
        registry.transferModel(MODEL, vendor);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownModel.selector, OTHER_MODEL));
        registry.transferModel(OTHER_MODEL, otherVendor);
    }

    // ================================================================ messages

    function test_releaseMessage_matchesTheDocumentedEncoding() public view {
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        assertEq(
            registry.releaseMessage(
                r.model, r.version, r.imageHash, r.imageSize, r.measurement, r.metadataHash, r.metadataUri
            ),
            releaseMessageOf(r, address(registry), block.chainid),
            "releaseMessage"
        );
    }

    // ================================================================ publish and approve

    function test_publishRelease_withoutApprovalsIsPending() public {
        claim(MODEL, 3, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleasePublished(
            MODEL, V1, r.imageHash, r.imageSize, r.measurement, r.metadataHash, r.metadataUri, vendor
        );
        publish(r, none());
        FirmwareRegistry.Release memory stored = registry.getRelease(MODEL, V1);
        assertEq(uint256(stored.status), uint256(FirmwareRegistry.Status.Pending), "status");
        assertEq(stored.imageHash, r.imageHash, "imageHash");
        assertEq(stored.imageSize, r.imageSize, "imageSize");
        assertEq(stored.measurement, r.measurement, "measurement");
        assertEq(stored.metadataHash, r.metadataHash, "metadataHash");
        assertEq(bytes(stored.metadataUri), bytes(r.metadataUri), "metadataUri");
        assertEq(stored.publishedAt, START_TIME, "publishedAt");
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.Pending), "verdict");
        assertFalse(registry.isInstallable(MODEL, V1), "installable");
        (,,,,, uint64 latest, uint64 latestApproved) = registry.getModel(MODEL);
        assertEq(latest, V1, "latestVersion");
        assertEq(latestApproved, 0, "latestApprovedVersion");
    }

    function test_publishRelease_withKApprovalsIsApprovedInOneCall() public {
        claim(MODEL, 3, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        FirmwareRegistry.Approval[] memory approvals = approvalsOf(r, 1, 2);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleaseSigned(MODEL, V1, approvals[0].keyId);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleaseSigned(MODEL, V1, approvals[1].keyId);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleaseApproved(MODEL, V1, 2);
        publish(r, approvals);
        FirmwareRegistry.Release memory stored = registry.getRelease(MODEL, V1);
        assertEq(uint256(stored.status), uint256(FirmwareRegistry.Status.Approved), "status");
        assertEq(stored.approvals, 2, "approvals");
        assertEq(stored.approvalMask, 6, "approvalMask: keys 1 and 2");
        assertEq(stored.approvedAt, START_TIME, "approvedAt");
        assertTrue(registry.isInstallable(MODEL, V1), "installable");
        (,,,,,, uint64 latestApproved) = registry.getModel(MODEL);
        assertEq(latestApproved, V1, "latestApprovedVersion");
    }

    function test_approveRelease_accumulatesFromAnySender() public {
        claim(MODEL, 3, 3);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, 1));
        vm.prank(stranger);
        registry.approveRelease(MODEL, V1, approvalsOf(r, 1, 1));
        assertEq(uint256(statusOf(MODEL, V1)), uint256(FirmwareRegistry.Status.Pending), "2 of 3");
        assertTrue(registry.hasApproved(MODEL, V1, keyIdOf(releasePk(1))), "hasApproved key 1");
        assertFalse(registry.hasApproved(MODEL, V1, keyIdOf(releasePk(2))), "hasApproved key 2");
        vm.prank(stranger);
        registry.approveRelease(MODEL, V1, approvalsOf(r, 2, 1));
        assertEq(uint256(statusOf(MODEL, V1)), uint256(FirmwareRegistry.Status.Approved), "3 of 3");
    }

    function test_approveRelease_aNewKeySetRestartsPendingApprovals() public {
        claim(MODEL, 3, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, 1));
        claim(MODEL, 3, 2); // same keys, new epoch
        assertFalse(registry.hasApproved(MODEL, V1, keyIdOf(releasePk(0))), "old round does not count");
        registry.approveRelease(MODEL, V1, approvalsOf(r, 1, 1));
        assertEq(uint256(statusOf(MODEL, V1)), uint256(FirmwareRegistry.Status.Pending), "1 of 2 in the new round");
        registry.approveRelease(MODEL, V1, approvalsOf(r, 0, 1)); // the old signature, submitted again
        assertEq(uint256(statusOf(MODEL, V1)), uint256(FirmwareRegistry.Status.Approved), "2 of 2");
    }

    function test_approveRelease_revertsDuplicateApproval_inOneCallAndAcrossCalls() public {
        claim(MODEL, 3, 3);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        FirmwareRegistry.Approval[] memory twice = new FirmwareRegistry.Approval[](2);
        twice[0] = approvalOf(releasePk(0), r);
        twice[1] = twice[0];
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.DuplicateApproval.selector, MODEL, V1, twice[0].keyId));
        publish(r, twice);
        publish(r, approvalsOf(r, 0, 1));
        FirmwareRegistry.Approval[] memory again = approvalsOf(r, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.DuplicateApproval.selector, MODEL, V1, twice[0].keyId));
        registry.approveRelease(MODEL, V1, again);
    }

    function test_approveRelease_revertsUnknownReleaseKey_forAKeyOfAnotherModel() public {
        claim(MODEL, 2, 1);
        FirmwareRegistry.ReleaseKey[] memory otherKeys = new FirmwareRegistry.ReleaseKey[](1);
        otherKeys[0] = keyOf(releasePk(9));
        vm.prank(otherVendor);
        registry.setReleaseKeys(OTHER_MODEL, otherKeys, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, none());
        FirmwareRegistry.Approval[] memory foreign = new FirmwareRegistry.Approval[](1);
        foreign[0] = approvalOf(releasePk(9), r);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownReleaseKey.selector, MODEL, foreign[0].keyId));
        registry.approveRelease(MODEL, V1, foreign);
    }

    function test_approveRelease_revertsInvalidReleaseSignature_forAnotherRelease() public {
        claim(MODEL, 2, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, none());
        FirmwareRegistry.ReleaseInput memory tampered = releaseOf(MODEL, V1);
        tampered.imageHash = keccak256("another image");
        FirmwareRegistry.Approval[] memory list = new FirmwareRegistry.Approval[](1);
        list[0] = approvalOf(releasePk(0), tampered);
        vm.expectRevert(
            abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseSignature.selector, MODEL, V1, list[0].keyId)
        );
        registry.approveRelease(MODEL, V1, list);
    }

    function test_approveRelease_revertsInvalidReleaseSignature_forAnotherChainOrContract() public {
        claim(MODEL, 2, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, none());
        FirmwareRegistry.Approval[] memory list = new FirmwareRegistry.Approval[](1);
        list[0] = approvalOf(releasePk(0), r, address(registry), block.chainid + 1);
        vm.expectRevert(
            abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseSignature.selector, MODEL, V1, list[0].keyId)
        );
        registry.approveRelease(MODEL, V1, list);
        list[0] = approvalOf(releasePk(0), r, address(0xc0ffee), block.chainid);
        vm.expectRevert(
            abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseSignature.selector, MODEL, V1, list[0].keyId)
        );
        registry.approveRelease(MODEL, V1, list);
    }

    function test_approveRelease_revertsUnknownRelease_NoApprovals_ReleaseNotPending() public {
        claim(MODEL, 2, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        FirmwareRegistry.Approval[] memory first = approvalsOf(r, 0, 1);
        FirmwareRegistry.Approval[] memory second = approvalsOf(r, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownRelease.selector, MODEL, V1));
        registry.approveRelease(MODEL, V1, first);
        publish(r, none());
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NoApprovals.selector));
        registry.approveRelease(MODEL, V1, none());
        registry.approveRelease(MODEL, V1, first);
        vm.expectRevert(
            abi.encodeWithSelector(
                FirmwareRegistry.ReleaseNotPending.selector, MODEL, V1, FirmwareRegistry.Status.Approved
            )
        );
        registry.approveRelease(MODEL, V1, second);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownModel.selector, OTHER_MODEL));
        registry.approveRelease(OTHER_MODEL, V1, second);
    }

    function test_publishRelease_revertsForStrangersAndUnknownModels() public {
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownModel.selector, MODEL));
        publish(r, none());
        claim(MODEL, 1, 1);
        FirmwareRegistry.Approval[] memory list = approvalsOf(r, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotModelVendor.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.publishRelease(r, list);
    }

    function test_publishRelease_revertsVersionNotIncreasing() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r0 = releaseOf(MODEL, 0);
        FirmwareRegistry.ReleaseInput memory r1 = releaseOf(MODEL, V1);
        FirmwareRegistry.ReleaseInput memory r2 = releaseOf(MODEL, V2);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.VersionNotIncreasing.selector, MODEL, 0, 0));
        publish(r0, none());
        publish(r2, none());
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.VersionNotIncreasing.selector, MODEL, V2, V2));
        publish(r2, none());
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.VersionNotIncreasing.selector, MODEL, V1, V2));
        publish(r1, none());
    }

    function test_publishRelease_revertsInvalidReleaseField() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        r.imageHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseField.selector, bytes32("imageHash")));
        publish(r, none());
        r = releaseOf(MODEL, V1);
        r.imageSize = 0;
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseField.selector, bytes32("imageSize")));
        publish(r, none());
        r = releaseOf(MODEL, V1);
        r.measurement = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseField.selector, bytes32("measurement")));
        publish(r, none());
        r = releaseOf(MODEL, V1);
        r.metadataUri = string(new bytes(257));
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseField.selector, bytes32("metadataUri")));
        publish(r, none());
        r.metadataUri = string(new bytes(256));
        publish(r, none());
    }

    // ================================================================ minimum version

    function test_setMinimumVersion_raisesAndBlocksOlderReleases() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r1 = releaseOf(MODEL, V1);
        FirmwareRegistry.ReleaseInput memory r2 = releaseOf(MODEL, V2);
        publish(r1, approvalsOf(r1, 0, 1));
        publish(r2, approvalsOf(r2, 0, 1));
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.MinimumVersionRaised(MODEL, 0, V2);
        vm.prank(vendor);
        registry.setMinimumVersion(MODEL, V2);
        assertEq(registry.minimumVersionOf(MODEL), V2, "minimumVersionOf");
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.BelowMinimum), "v1");
        assertEq(uint256(registry.verdictOf(MODEL, V2)), uint256(FirmwareRegistry.Verdict.Approved), "v2");
        assertFalse(registry.isInstallable(MODEL, V1), "v1 installable");
    }

    function test_setMinimumVersion_revertsWhenNotIncreasingOrAboveTheLatestApproved() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r1 = releaseOf(MODEL, V1);
        publish(r1, approvalsOf(r1, 0, 1));
        publish(releaseOf(MODEL, V2), none());
        vm.startPrank(vendor);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.MinimumAboveLatestApproved.selector, MODEL, V2, V1));
        registry.setMinimumVersion(MODEL, V2);
        registry.setMinimumVersion(MODEL, V1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.MinimumNotIncreasing.selector, MODEL, V1, V1));
        registry.setMinimumVersion(MODEL, V1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.MinimumNotIncreasing.selector, MODEL, 1, V1));
        registry.setMinimumVersion(MODEL, 1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotModelVendor.selector, MODEL, guardian));
        vm.prank(guardian);
        registry.setMinimumVersion(MODEL, V1 + 1);
    }

    function test_minimum_blocksPublishingAndApprovingBelowIt() public {
        claim(MODEL, 2, 2);
        FirmwareRegistry.ReleaseInput memory r1 = releaseOf(MODEL, V1);
        FirmwareRegistry.ReleaseInput memory r2 = releaseOf(MODEL, V2);
        FirmwareRegistry.ReleaseInput memory r3 = releaseOf(MODEL, V3);
        publish(r1, approvalsOf(r1, 0, 1)); // pending, 1 of 2
        publish(r2, approvalsOf(r2, 0, 2));
        vm.prank(vendor);
        registry.setMinimumVersion(MODEL, V2);
        FirmwareRegistry.Approval[] memory late = approvalsOf(r1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.VersionBelowMinimum.selector, MODEL, V1, V2));
        registry.approveRelease(MODEL, V1, late);
        FirmwareRegistry.ReleaseInput memory below = releaseOf(MODEL, V2 - 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.VersionBelowMinimum.selector, MODEL, V2 - 1, V2));
        publish(below, none());
        publish(r3, none());
    }

    // ================================================================ revocation

    function test_revokeRelease_byTheVendorWithoutLockdown() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, 1));
        vm.warp(START_TIME + 60);
        vm.expectEmit(true, true, true, true, address(registry));
        emit FirmwareRegistry.ReleaseRevoked(MODEL, V1, "CVE-2026-0001", false, vendor);
        vm.prank(vendor);
        registry.revokeRelease(MODEL, V1, "CVE-2026-0001", false);
        FirmwareRegistry.Release memory stored = registry.getRelease(MODEL, V1);
        assertEq(uint256(stored.status), uint256(FirmwareRegistry.Status.Revoked), "status");
        assertEq(stored.revokedAt, START_TIME + 60, "revokedAt");
        assertEq(stored.revocationReason, bytes32("CVE-2026-0001"), "reason");
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.Revoked), "verdict");
        assertFalse(registry.isLockdownRelease(MODEL, V1), "lockdown");
    }

    function test_revokeRelease_byAGuardianWithLockdown_andEscalation() public {
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, 1));
        vm.prank(guardian);
        registry.revokeRelease(MODEL, V1, "tamper", false);
        vm.warp(START_TIME + 60);
        vm.prank(guardian);
        registry.revokeRelease(MODEL, V1, "exploited", true);
        assertTrue(registry.isLockdownRelease(MODEL, V1), "lockdown");
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.Lockdown), "verdict");
        assertEq(registry.getRelease(MODEL, V1).revokedAt, START_TIME, "revokedAt kept");
        vm.startPrank(guardian);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.ReleaseAlreadyRevoked.selector, MODEL, V1));
        registry.revokeRelease(MODEL, V1, "again", true);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.ReleaseAlreadyRevoked.selector, MODEL, V1));
        registry.revokeRelease(MODEL, V1, "lift", false);
        vm.stopPrank();
    }

    function test_revokeRelease_aPendingReleaseCanNeverBeApproved() public {
        claim(MODEL, 2, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, 1));
        vm.prank(vendor);
        registry.revokeRelease(MODEL, V1, "withdrawn", false);
        FirmwareRegistry.Approval[] memory late = approvalsOf(r, 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(FirmwareRegistry.ReleaseNotPending.selector, MODEL, V1, FirmwareRegistry.Status.Revoked)
        );
        registry.approveRelease(MODEL, V1, late);
    }

    function test_revokeRelease_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownModel.selector, MODEL));
        registry.revokeRelease(MODEL, V1, "x", false);
        claim(MODEL, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownRelease.selector, MODEL, V1));
        vm.prank(guardian);
        registry.revokeRelease(MODEL, V1, "x", false);
        publish(releaseOf(MODEL, V1), none());
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotVendorOrGuardian.selector, MODEL, stranger));
        vm.prank(stranger);
        registry.revokeRelease(MODEL, V1, "x", false);
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.NotVendorOrGuardian.selector, MODEL, otherVendor));
        vm.prank(otherVendor);
        registry.revokeRelease(MODEL, V1, "x", false);
    }

    // ================================================================ reads

    function test_verdictOf_unknownForAnythingNeverPublished() public {
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.Unknown), "unknown model");
        claim(MODEL, 1, 1);
        assertEq(uint256(registry.verdictOf(MODEL, V1)), uint256(FirmwareRegistry.Verdict.Unknown), "unknown version");
        assertFalse(registry.isLockdownRelease(MODEL, V1), "lockdown");
    }

    function test_versionsOf_listsPublishedVersionsInOrder() public {
        claim(MODEL, 1, 1);
        publish(releaseOf(MODEL, V1), none());
        publish(releaseOf(MODEL, V3), none());
        uint64[] memory versions = registry.versionsOf(MODEL);
        assertEq(versions.length, 2, "length");
        assertEq(versions[0], V1, "[0]");
        assertEq(versions[1], V3, "[1]");
    }

    function test_storageLayout_matchesTheDocumentedSlots() public {
        claim(MODEL, 3, 2);
        FirmwareRegistry.ReleaseInput memory r1 = releaseOf(MODEL, V1);
        FirmwareRegistry.ReleaseInput memory r2 = releaseOf(MODEL, V2);
        publish(r1, approvalsOf(r1, 1, 2));
        vm.warp(START_TIME + 10);
        publish(r2, approvalsOf(r2, 2, 1));
        vm.prank(vendor);
        registry.setMinimumVersion(MODEL, V1);
        vm.warp(START_TIME + 20);
        vm.prank(guardian);
        registry.revokeRelease(MODEL, V2, "bad", true);

        // models[model] from keccak256(abi.encode(model, 1)).
        uint256 m = uint256(keccak256(abi.encode(MODEL, uint256(1))));
        uint256 w0 = uint256(load(bytes32(m)));
        assertEq(address(uint160(w0)), vendor, "vendor: low 20 bytes");
        assertEq((w0 >> 160) & 0xff, 2, "threshold: byte 20");
        assertEq((w0 >> 168) & 0xff, 3, "keyCount: byte 21");
        assertEq((w0 >> 176) & 0xffffffff, 1, "keyEpoch: bytes 22-25");
        uint256 w1 = uint256(load(bytes32(m + 1)));
        assertEq(w1 & type(uint64).max, V1, "minimumVersion: bytes 0-7");
        assertEq((w1 >> 64) & type(uint64).max, V2, "latestVersion: bytes 8-15");
        assertEq((w1 >> 128) & type(uint64).max, V1, "latestApprovedVersion: bytes 16-23");
        assertEq(uint256(load(bytes32(m + 2))), 3, "keys.length");
        uint256 keysAt = uint256(keccak256(abi.encode(m + 2)));
        assertEq(load(bytes32(keysAt + 2)), keyOf(releasePk(1)).x, "keys[1].x");
        assertEq(load(bytes32(keysAt + 3)), keyOf(releasePk(1)).y, "keys[1].y");

        // releases[model][version] from keccak256(abi.encode(version, keccak256(abi.encode(model, 2)))).
        uint256 r = releaseSlot(MODEL, V1);
        uint256 word = uint256(load(bytes32(r)));
        assertEq(word & 0xff, uint256(FirmwareRegistry.Status.Approved), "status: byte 0");
        assertEq((word >> 8) & 0xff, 0, "lockdown: byte 1");
        assertEq((word >> 16) & 0xff, 2, "approvals: byte 2");
        assertEq((word >> 24) & 0xffffffff, 1, "keyEpoch: bytes 3-6");
        assertEq((word >> 56) & 0xffffffff, 6, "approvalMask: bytes 7-10");
        assertEq((word >> 88) & type(uint64).max, START_TIME, "publishedAt: bytes 11-18");
        assertEq((word >> 152) & type(uint64).max, START_TIME, "approvedAt: bytes 19-26");
        assertEq(load(bytes32(r + 1)), r1.imageHash, "imageHash");
        assertEq(load(bytes32(r + 2)), r1.measurement, "measurement");
        assertEq(load(bytes32(r + 3)), r1.metadataHash, "metadataHash");
        assertEq(uint256(load(bytes32(r + 4))) & type(uint64).max, r1.imageSize, "imageSize: bytes 0-7");
        assertEq(uint256(load(bytes32(r + 6))), bytes(r1.metadataUri).length * 2 + 1, "metadataUri: long string");

        uint256 rr = releaseSlot(MODEL, V2);
        uint256 word2 = uint256(load(bytes32(rr)));
        assertEq(word2 & 0xff, uint256(FirmwareRegistry.Status.Revoked), "revoked status");
        assertEq((word2 >> 8) & 0xff, 1, "lockdown");
        assertEq((uint256(load(bytes32(rr + 4))) >> 64) & type(uint64).max, START_TIME + 20, "revokedAt: bytes 8-15");
        assertEq(load(bytes32(rr + 5)), bytes32("bad"), "revocationReason");
    }

    // ================================================================ helpers

    function releaseSlot(bytes32 model, uint64 version) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(version, keccak256(abi.encode(model, uint256(2))))));
    }

    function load(bytes32 slot) internal view returns (bytes32) {
        return vm.load(address(registry), slot);
    }
}
