// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Fuzz tests of FirmwareRegistry: approval exactly at k of n distinct current keys, in any
// split across calls; duplicates and foreign signatures never count; versions only go up and
// the minimum blocks rollback; revocation is final and lockdown is never lifted.

import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";
import {FirmwareRegistryFixture} from "./utils/FirmwareRegistryFixture.sol";

contract FirmwareRegistryFuzzTest is FirmwareRegistryFixture {
    /// @dev k of n, signatures from a random subset in a random number of calls: Approved
    ///      exactly when the number of distinct signers reaches k.
    function testFuzz_approval_exactlyAtKDistinctKeys(uint256 nSeed, uint256 kSeed, uint256 subset, uint256 splitSeed)
        public
    {
        uint256 n = bound(nSeed, 1, 8);
        uint8 k = uint8(bound(kSeed, 1, n));
        claim(MODEL, n, k);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, none());

        uint256 signed;
        for (uint256 i = 0; i < n; i++) {
            if ((subset >> i) & 1 == 0) continue;
            FirmwareRegistry.Approval[] memory one = new FirmwareRegistry.Approval[](1);
            one[0] = approvalOf(releasePk(i), r);
            // Once approved, further approvals revert: the release is no longer pending.
            if (signed >= k) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        FirmwareRegistry.ReleaseNotPending.selector, MODEL, V1, FirmwareRegistry.Status.Approved
                    )
                );
            }
            registry.approveRelease(MODEL, V1, one);
            if (signed < k) signed += 1;
            bool approved = statusOf(MODEL, V1) == FirmwareRegistry.Status.Approved;
            assertEq(approved, signed >= k, "approved exactly at k");
            // Some rounds: try the same key again, which never counts.
            if ((splitSeed >> i) & 1 == 1 && !approved) {
                vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.DuplicateApproval.selector, MODEL, V1, one[0].keyId));
                registry.approveRelease(MODEL, V1, one);
            }
        }
        assertEq(registry.getRelease(MODEL, V1).approvals, signed, "approvals counted");
    }

    /// @dev All signatures in one call: approved iff count ≥ k; a list with a duplicate reverts.
    function testFuzz_approval_inOneCall(uint256 nSeed, uint256 kSeed, uint256 countSeed, bool duplicate) public {
        uint256 n = bound(nSeed, 2, 8);
        uint8 k = uint8(bound(kSeed, 1, n));
        uint256 count = bound(countSeed, 1, n);
        claim(MODEL, n, k);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        FirmwareRegistry.Approval[] memory list = approvalsOf(r, 0, count);
        if (duplicate && count >= 2) {
            list[count - 1] = list[0];
            vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.DuplicateApproval.selector, MODEL, V1, list[0].keyId));
            publish(r, list);
            return;
        }
        publish(r, list);
        assertEq(statusOf(MODEL, V1) == FirmwareRegistry.Status.Approved, count >= k, "approved iff count >= k");
    }

    /// @dev A signature by a key that is not in the set, or over another model, version, chain or
    ///      contract, never counts.
    function testFuzz_approval_foreignSignaturesAreRejected(uint8 which, uint256 seed) public {
        claim(MODEL, 2, 1);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, none());
        FirmwareRegistry.Approval[] memory list = new FirmwareRegistry.Approval[](1);
        uint256 pk = releasePk(0);
        which = uint8(bound(which, 0, 4));
        if (which == 0) {
            uint256 stranger = releasePk(100 + bound(seed, 0, 1000));
            list[0] = approvalOf(stranger, r);
            vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.UnknownReleaseKey.selector, MODEL, list[0].keyId));
        } else {
            FirmwareRegistry.ReleaseInput memory other = releaseOf(MODEL, V1);
            address at = address(registry);
            uint256 chainId = block.chainid;
            if (which == 1) other.model = bytes32(seed == uint256(MODEL) ? seed + 1 : seed);
            if (which == 2) other.version = uint64(bound(seed, V1 + 1, type(uint64).max));
            if (which == 3) chainId = seed == chainId ? seed + 1 : seed;
            if (which == 4) at = address(uint160(seed == uint160(at) ? seed + 1 : seed));
            list[0] = approvalOf(pk, other, at, chainId);
            vm.expectRevert(
                abi.encodeWithSelector(FirmwareRegistry.InvalidReleaseSignature.selector, MODEL, V1, list[0].keyId)
            );
        }
        registry.approveRelease(MODEL, V1, list);
        assertEq(uint256(statusOf(MODEL, V1)), uint256(FirmwareRegistry.Status.Pending), "still pending");
    }

    /// @dev Versions only go up: any version ≤ the latest published one reverts.
    function testFuzz_versions_areMonotonic(uint64 first, uint64 second) public {
        first = uint64(bound(first, 1, type(uint64).max));
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory a = releaseOf(MODEL, first);
        FirmwareRegistry.ReleaseInput memory b = releaseOf(MODEL, second);
        publish(a, none());
        if (second <= first) {
            vm.expectRevert(
                abi.encodeWithSelector(FirmwareRegistry.VersionNotIncreasing.selector, MODEL, second, first)
            );
        }
        publish(b, none());
        (,,,,, uint64 latest,) = registry.getModel(MODEL);
        assertEq(latest, second > first ? second : first, "latestVersion");
    }

    /// @dev Rollback: after the minimum is raised to m, no version below m is ever installable,
    ///      and the minimum never goes down.
    function testFuzz_minimum_blocksRollback(uint64 low, uint64 high, uint64 probe, uint64 lower) public {
        low = uint64(bound(low, 1, type(uint64).max - 1));
        high = uint64(bound(high, low + 1, type(uint64).max));
        claim(MODEL, 1, 1);
        FirmwareRegistry.ReleaseInput memory rl = releaseOf(MODEL, low);
        FirmwareRegistry.ReleaseInput memory rh = releaseOf(MODEL, high);
        publish(rl, approvalsOf(rl, 0, 1));
        publish(rh, approvalsOf(rh, 0, 1));
        vm.prank(vendor);
        registry.setMinimumVersion(MODEL, high);
        assertFalse(registry.isInstallable(MODEL, low), "low after the minimum");
        assertTrue(registry.isInstallable(MODEL, high), "high");
        if (probe < high) {
            assertFalse(registry.isInstallable(MODEL, probe), "any version below the minimum");
        }
        lower = uint64(bound(lower, 0, high));
        vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.MinimumNotIncreasing.selector, MODEL, lower, high));
        vm.prank(vendor);
        registry.setMinimumVersion(MODEL, lower);
    }

    /// @dev Revocation is final: a revoked release is never installable or approvable again,
    ///      whatever happens after, and lockdown once set stays set.
    function testFuzz_revocation_isFinal(bool lockdown, bool approvedFirst, bool escalate, bool tryLift) public {
        claim(MODEL, 2, 2);
        FirmwareRegistry.ReleaseInput memory r = releaseOf(MODEL, V1);
        publish(r, approvalsOf(r, 0, approvedFirst ? 2 : 1));
        vm.prank(guardian);
        registry.revokeRelease(MODEL, V1, "vulnerable", lockdown);
        if (escalate && !lockdown) {
            vm.prank(guardian);
            registry.revokeRelease(MODEL, V1, "exploited", true);
            lockdown = true;
        }
        if (tryLift) {
            vm.expectRevert(abi.encodeWithSelector(FirmwareRegistry.ReleaseAlreadyRevoked.selector, MODEL, V1));
            vm.prank(guardian);
            registry.revokeRelease(MODEL, V1, "lift", false);
        }
        if (!approvedFirst) {
            FirmwareRegistry.Approval[] memory late = approvalsOf(r, 1, 1);
            vm.expectRevert(
                abi.encodeWithSelector(
                    FirmwareRegistry.ReleaseNotPending.selector, MODEL, V1, FirmwareRegistry.Status.Revoked
                )
            );
            registry.approveRelease(MODEL, V1, late);
        }
        claim(MODEL, 2, 1); // a new key set changes nothing about a revoked release
        assertFalse(registry.isInstallable(MODEL, V1), "installable");
        assertEq(registry.isLockdownRelease(MODEL, V1), lockdown, "lockdown");
        assertEq(
            uint256(registry.verdictOf(MODEL, V1)),
            uint256(lockdown ? FirmwareRegistry.Verdict.Lockdown : FirmwareRegistry.Verdict.Revoked),
            "verdict"
        );
    }
}
