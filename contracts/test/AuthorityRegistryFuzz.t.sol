// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Fuzz tests of AuthorityRegistry: how slashed deposits split (every wei accounted for), which
// signed hashes convict, who may reveal when, and when a deposit can leave.

import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";

contract AuthorityRegistryFuzzTest is AuthorityRegistryFixture {
    /// @notice Prover reward plus treasury share is the whole deposit, for any deposit (with
    ///         top-ups) and any reward rate, and after the treasury is paid nothing is left.
    function testFuzz_conviction_splitsEveryWeiOfTheDeposit(uint256 deposit, uint256 topUp, uint16 bpsSeed) public {
        uint16 bps = uint16(bound(bpsSeed, 0, 10_000));
        deposit = bound(deposit, 1, 1e30);
        topUp = bound(topUp, 0, 1e30);
        registry = new AuthorityRegistry(admin, 1, EXIT_LOCK, bps, treasury);
        address signer = registerNode(SIGNER_PK, owner, deposit);
        if (topUp != 0) {
            vm.deal(owner, topUp);
            vm.prank(owner);
            registry.topUp{value: topUp}(signer);
        }
        uint256 total = deposit + topUp;
        uint256 proverBefore = watchdog.balance;

        convictOfLie(watchdog, SIGNER_PK, block.number - 1);

        uint256 reward = watchdog.balance - proverBefore;
        uint256 owed = registry.treasuryOwed();
        assertEq(reward, total * bps / 10_000, "reward");
        assertEq(reward + owed, total, "reward + treasury share");
        assertEq(address(registry).balance, owed, "registry balance before release");
        registry.releaseToTreasury();
        assertEq(treasury.balance, owed, "treasury balance");
        assertEq(address(registry).balance, 0, "registry balance after release");
    }

    /// @notice A signed hash convicts exactly when it differs from the canonical hash of its
    ///         block, wherever the canonical hash comes from (BLOCKHASH or a checkpoint).
    function testFuzz_reveal_convictsExactlyTheNonCanonicalHashes(
        uint256 ageSeed,
        bytes32 canonical,
        bytes32 signedHash,
        bool signCanonical,
        bool throughCheckpoint
    ) public {
        vm.assume(canonical != 0);
        if (signCanonical) signedHash = canonical;
        // Up to 255 back: the reveal happens a block later, when it must still be in reach.
        uint256 blockNumber = block.number - bound(ageSeed, 1, 255);
        vm.setBlockhash(blockNumber, canonical);
        if (throughCheckpoint) {
            registry.saveCheckpoint(blockNumber);
            vm.roll(block.number + 1_000);
        }
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, signedHash);
        commitAs(watchdog, signer, blockNumber, signedHash, signature);
        vm.roll(block.number + 1);

        if (signedHash == canonical) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotALie.selector, blockNumber, signedHash));
        }
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, signedHash, signature, "salt");
        assertStatus(signer, signedHash == canonical ? ACTIVE : CONVICTED, "status");
    }

    /// @notice Only the committer can reveal, and only from 1 to 256 blocks after the commit.
    function testFuzz_reveal_onlyTheCommitterWithinTheWindow(address caller, uint256 delaySeed) public {
        vm.assume(caller.code.length == 0 && uint160(caller) > 0xffff && caller != address(vm));
        uint256 delay = bound(delaySeed, 0, 600);
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        registry.saveCheckpoint(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes32 commitment = commitmentOf(watchdog, signer, blockNumber, lie, signature, "salt");
        uint256 committedAt = block.number;
        commitAs(watchdog, signer, blockNumber, lie, signature);
        vm.roll(committedAt + delay);

        if (caller != watchdog) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    AuthorityRegistry.CommitmentUnknown.selector,
                    commitmentOf(caller, signer, blockNumber, lie, signature, "salt")
                )
            );
        } else if (delay == 0) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CommitmentTooRecent.selector, commitment, committedAt));
        } else if (delay > 256) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CommitmentExpired.selector, commitment, committedAt));
        }
        vm.prank(caller);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        bool convicted = caller == watchdog && delay >= 1 && delay <= 256;
        assertStatus(signer, convicted ? CONVICTED : ACTIVE, "status");
    }

    /// @notice The same with the watchdog as caller, so the accepting branch is always reached.
    function testFuzz_reveal_theCommitterWithinTheWindow(uint256 delaySeed) public {
        testFuzz_reveal_onlyTheCommitterWithinTheWindow(watchdog, delaySeed);
    }

    /// @notice A deposit leaves only through withdraw, only at or after unlockAt, and whole.
    function testFuzz_withdraw_onlyOnceTheLockHasEnded(uint256 deposit, uint256 elapsedSeed) public {
        deposit = bound(deposit, MIN_DEPOSIT, 1e30);
        uint256 elapsed = bound(elapsedSeed, 0, 2 * uint256(EXIT_LOCK));
        address signer = registerNode(SIGNER_PK, owner, deposit);
        vm.prank(owner);
        registry.requestExit(signer);
        uint64 unlockAt = registry.getNode(signer).unlockAt;
        vm.warp(block.timestamp + elapsed);
        uint256 before = owner.balance;

        if (block.timestamp < unlockAt) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.ExitLocked.selector, signer, unlockAt));
        }
        vm.prank(owner);
        registry.withdraw(signer);
        bool paid = block.timestamp >= unlockAt;
        assertEq(owner.balance - before, paid ? deposit : 0, "paid");
        assertEq(address(registry).balance, paid ? 0 : deposit, "registry balance");
        assertStatus(signer, paid ? WITHDRAWN : EXITING, "status");
    }

    /// @notice A consent signed by any other key, for any owner, never registers the signer.
    function testFuzz_register_refusesConsentsByOtherKeys(uint256 keySeed, address by) public {
        vm.assume(by.code.length == 0 && uint160(by) > 0xffff && by != address(vm));
        uint256 otherKey = 1 + keySeed % (SECP256K1_N - 1);
        vm.assume(otherKey != SIGNER_PK);
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(otherKey, by, URL, "");
        vm.deal(by, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer));
        vm.prank(by);
        registry.register{value: MIN_DEPOSIT}(signer, URL, "", "", proof);
    }

    /// @notice Any key registers with its own consent, for any owner and URL within bounds.
    function testFuzz_register_acceptsAnyKeyWithItsConsent(uint256 keySeed, address by, string memory url) public {
        vm.assume(by.code.length == 0 && uint160(by) > 0xffff && by != address(vm));
        vm.assume(bytes(url).length > 0 && bytes(url).length <= 256);
        uint256 key = 1 + keySeed % (SECP256K1_N - 1);
        address signer = vm.addr(key);
        bytes memory proof = signerProofOf(key, by, url, "");
        vm.deal(by, MIN_DEPOSIT);
        vm.prank(by);
        registry.register{value: MIN_DEPOSIT}(signer, url, "", "", proof);
        assertEq(registry.getNode(signer).owner, by, "owner");
        assertTrue(registry.isActiveSigner(signer), "active");
    }
}
