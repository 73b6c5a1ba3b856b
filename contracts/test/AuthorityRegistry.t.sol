// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Unit tests of AuthorityRegistry: every function's happy path with its events, every error
// path, commit–reveal against front-running, payouts and reentrancy, and the storage slots
// that devices prove.

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";

/// @dev An account with code: forwards calls, and on receiving native currency accepts,
///      refuses, or calls back into a target, recording how that call failed.
contract ScriptedAccount {
    enum OnReceive {
        Accept,
        Reject,
        Reenter
    }

    OnReceive public onReceive;
    address public reentryTarget;
    bytes public reentryData;
    bytes public reentryError;
    bool public reentered;

    function script(OnReceive mode, address target, bytes calldata data) external {
        onReceive = mode;
        reentryTarget = target;
        reentryData = data;
    }

    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory out) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(out, 32), mload(out))
            }
        }
        return out;
    }

    receive() external payable {
        if (onReceive == OnReceive.Reject) revert("payment refused");
        if (onReceive == OnReceive.Reenter && !reentered) {
            reentered = true;
            (bool ok, bytes memory out) = reentryTarget.call(reentryData);
            if (!ok) reentryError = out;
        }
    }
}

/// @dev Stands in for the EIP-2935 history contract (which Forge's EVM does not deploy):
///      answers any block number with a hash derived from it.
contract HistoryStorageStub {
    fallback(bytes calldata input) external returns (bytes memory) {
        return abi.encode(keccak256(abi.encode("history", abi.decode(input, (uint256)))));
    }
}

contract AuthorityRegistryTest is AuthorityRegistryFixture {
    // ================================================================ constructor

    function test_constructor_storesTheParametersAndGrantsTheAdminRole() public view {
        assertEq(registry.minDeposit(), MIN_DEPOSIT, "minDeposit");
        assertEq(registry.exitLockSeconds(), EXIT_LOCK, "exitLockSeconds");
        assertEq(registry.proverRewardBps(), REWARD_BPS, "proverRewardBps");
        assertEq(registry.treasury(), treasury, "treasury");
        assertEq(registry.treasuryOwed(), 0, "treasuryOwed");
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin role");
        assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(this)), "deployer role");
        assertEq(registry.activeSignerCount(), 0, "activeSignerCount");
    }

    function test_constructor_withoutAdminGrantsNoRole() public {
        AuthorityRegistry unmanaged = new AuthorityRegistry(address(0), MIN_DEPOSIT, EXIT_LOCK, REWARD_BPS, address(0));
        assertFalse(unmanaged.hasRole(unmanaged.DEFAULT_ADMIN_ROLE(), address(0)), "role of address(0)");
        assertEq(unmanaged.treasury(), address(0), "treasury");
    }

    function test_constructor_acceptsTheBounds() public {
        AuthorityRegistry edge = new AuthorityRegistry(admin, 1, 1, 0, treasury);
        assertEq(edge.proverRewardBps(), 0, "bps 0");
        edge = new AuthorityRegistry(admin, type(uint256).max, registry.MAX_EXIT_LOCK(), 10_000, treasury);
        assertEq(edge.proverRewardBps(), 10_000, "bps 10 000");
        assertEq(edge.exitLockSeconds(), 3650 days, "longest lock");
    }

    function test_constructor_revertsInvalidMinDeposit_forZero() public {
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidMinDeposit.selector, 0));
        new AuthorityRegistry(admin, 0, EXIT_LOCK, REWARD_BPS, treasury);
    }

    function test_constructor_revertsInvalidExitLock_forZeroAndTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidExitLock.selector, 0));
        new AuthorityRegistry(admin, MIN_DEPOSIT, 0, REWARD_BPS, treasury);
        uint64 tooLong = 3650 days + 1;
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidExitLock.selector, tooLong));
        new AuthorityRegistry(admin, MIN_DEPOSIT, tooLong, REWARD_BPS, treasury);
    }

    function test_constructor_revertsInvalidRewardBps_above10000() public {
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidRewardBps.selector, 10_001));
        new AuthorityRegistry(admin, MIN_DEPOSIT, EXIT_LOCK, 10_001, treasury);
    }

    // ================================================================ messages

    function test_registrationDigest_matchesTheDocumentedEncoding() public view {
        bytes memory key = hex"0102";
        assertEq(
            registry.registrationDigest(owner, URL, key), registrationDigestOf(owner, URL, key), "registrationDigest"
        );
        assertNotEq(
            registry.registrationDigest(otherOwner, URL, key),
            registrationDigestOf(owner, URL, key),
            "digest for another owner"
        );
    }

    function test_attestationDigest_matchesTheDocumentedEncoding() public view {
        assertEq(registry.attestationDigest(7, "h"), attestationDigestOf(7, "h"), "attestationDigest");
        assertNotEq(registry.attestationDigest(8, "h"), attestationDigestOf(7, "h"), "digest of another block");
    }

    function test_attestationDigest_dependsOnChainAndRegistry() public {
        bytes32 here = registry.attestationDigest(7, "h");
        AuthorityRegistry other = new AuthorityRegistry(admin, MIN_DEPOSIT, EXIT_LOCK, REWARD_BPS, treasury);
        assertNotEq(other.attestationDigest(7, "h"), here, "digest of another registry");
        vm.chainId(block.chainid + 1);
        assertNotEq(registry.attestationDigest(7, "h"), here, "digest on another chain");
    }

    function test_convictionCommitment_matchesTheDocumentedEncoding() public view {
        bytes memory sig = hex"abcdef";
        assertEq(
            registry.convictionCommitment(watchdog, stranger, 9, "x", sig, "salt"),
            commitmentOf(watchdog, stranger, 9, "x", sig, "salt"),
            "convictionCommitment"
        );
    }

    function test_blsPopMessage_isTheKeyFollowedByTheSigner() public view {
        bytes memory key = hex"aabbcc";
        assertEq(registry.blsPopMessage(stranger, key), abi.encodePacked(key, stranger), "blsPopMessage");
    }

    // ================================================================ register

    function test_register_storesTheNodeAndEmitsNodeRegistered() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, URL, "");
        vm.deal(owner, 3 ether);

        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeRegistered(signer, owner, 3 ether, URL, "");
        vm.prank(owner);
        registry.register{value: 3 ether}(signer, URL, "", "", proof);

        AuthorityRegistry.Node memory node = registry.getNode(signer);
        assertEq(node.owner, owner, "owner");
        assertEq(uint256(node.status), uint256(ACTIVE), "status");
        assertEq(node.registeredAt, START_TIME, "registeredAt");
        assertEq(node.unlockAt, 0, "unlockAt");
        assertEq(node.deposit, 3 ether, "deposit");
        assertEq(bytes(node.url), bytes(URL), "url");
        assertEq(node.blsPublicKey, "", "blsPublicKey");
        assertTrue(registry.isActiveSigner(signer), "isActiveSigner");
        assertEq(registry.activeSignerCount(), 1, "activeSignerCount");
        assertEq(registry.activeSigners(0), signer, "activeSigners(0)");
        assertEq(address(registry).balance, 3 ether, "registry balance");
    }

    function test_register_acceptsExactlyTheMinimumAndUrlsUpToTheLimit() public {
        string memory longest = string(new bytes(256));
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, longest, "");
        vm.deal(owner, MIN_DEPOSIT);
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT}(signer, longest, "", "", proof);
        assertEq(registry.getNode(signer).deposit, MIN_DEPOSIT, "deposit");
        assertEq(bytes(registry.getNode(signer).url).length, 256, "url length");
    }

    function test_register_keepsTheActiveSetInRegistrationOrder() public {
        address a = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        address b = registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT);
        address[] memory active = registry.getActiveSigners();
        assertEq(active.length, 2, "length");
        assertEq(active[0], a, "first");
        assertEq(active[1], b, "second");
    }

    function test_register_revertsInvalidSigner_forTheZeroAddress() public {
        expectRegisterRevert(
            address(0), URL, hex"", abi.encodeWithSelector(AuthorityRegistry.InvalidSigner.selector, address(0))
        );
    }

    function test_register_revertsInvalidUrlLength_forEmptyAndTooLongUrls() public {
        address signer = vm.addr(SIGNER_PK);
        expectRegisterRevert(
            signer, "", signerProofOf(SIGNER_PK, owner, "", ""), abi.encodeWithSelector(AuthorityRegistry.InvalidUrlLength.selector, 0)
        );
        string memory tooLong = string(new bytes(257));
        expectRegisterRevert(
            signer,
            tooLong,
            signerProofOf(SIGNER_PK, owner, tooLong, ""),
            abi.encodeWithSelector(AuthorityRegistry.InvalidUrlLength.selector, 257)
        );
    }

    function test_register_revertsDepositTooLow_belowTheMinimum() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, URL, "");
        vm.deal(owner, MIN_DEPOSIT);
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.DepositTooLow.selector, MIN_DEPOSIT - 1, MIN_DEPOSIT)
        );
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT - 1}(signer, URL, "", "", proof);
    }

    function test_register_revertsSignerAlreadyRegistered_inEveryLiveOrWithdrawnStatus() public {
        AuthorityRegistry.Status[3] memory statuses = [ACTIVE, EXITING, WITHDRAWN];
        uint256 clean = vm.snapshotState();
        for (uint256 i = 0; i < statuses.length; i++) {
            address signer = nodeIn(statuses[i], SIGNER_PK);
            expectRegisterRevert(
                signer,
                URL,
                signerProofOf(SIGNER_PK, owner, URL, ""),
                abi.encodeWithSelector(AuthorityRegistry.SignerAlreadyRegistered.selector, signer, statuses[i])
            );
            vm.revertToState(clean);
        }
    }

    function test_register_revertsSignerConvicted_forAConvictedSigner() public {
        address signer = nodeIn(CONVICTED, SIGNER_PK);
        // Another owner, a fresh consent and a bigger deposit change nothing.
        bytes memory proof = signerProofOf(SIGNER_PK, otherOwner, URL, "");
        vm.deal(otherOwner, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.SignerConvicted.selector, signer));
        vm.prank(otherOwner);
        registry.register{value: 10 ether}(signer, URL, "", "", proof);
    }

    function test_register_revertsInvalidSignerProof_forAnotherKey() public {
        address signer = vm.addr(SIGNER_PK);
        expectRegisterRevert(
            signer,
            URL,
            signerProofOf(OTHER_SIGNER_PK, owner, URL, ""),
            abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer)
        );
    }

    function test_register_revertsInvalidSignerProof_whenAnotherOwnerReplaysTheConsent() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory consentForOwner = signerProofOf(SIGNER_PK, owner, URL, "");
        vm.deal(otherOwner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer));
        vm.prank(otherOwner);
        registry.register{value: MIN_DEPOSIT}(signer, URL, "", "", consentForOwner);
    }

    function test_register_revertsInvalidSignerProof_forAnotherUrl() public {
        address signer = vm.addr(SIGNER_PK);
        expectRegisterRevert(
            signer,
            "https://evil.example",
            signerProofOf(SIGNER_PK, owner, URL, ""),
            abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer)
        );
    }

    function test_register_revertsInvalidSignerProof_forHighSTwinsAndWrongLengths() public {
        address signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, URL, "");
        bytes memory invalid = abi.encodeWithSelector(AuthorityRegistry.InvalidSignerProof.selector, signer);
        expectRegisterRevert(signer, URL, malleate(proof), invalid);
        expectRegisterRevert(signer, URL, abi.encodePacked(proof, uint8(0)), invalid);
        expectRegisterRevert(signer, URL, "", invalid);
        bytes memory tampered = bytes.concat(proof);
        tampered[10] ^= 0x01;
        expectRegisterRevert(signer, URL, tampered, invalid);
    }

    function test_register_revertsInvalidBlsPublicKey_forAProofWithoutKeyOrAShortKey() public {
        address signer = vm.addr(SIGNER_PK);
        vm.deal(owner, MIN_DEPOSIT);
        bytes memory proof = signerProofOf(SIGNER_PK, owner, URL, "");
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidBlsPublicKey.selector, 0));
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT}(signer, URL, "", new bytes(192), proof);

        bytes memory shortKey = new bytes(48);
        proof = signerProofOf(SIGNER_PK, owner, URL, shortKey);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidBlsPublicKey.selector, 48));
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT}(signer, URL, shortKey, new bytes(192), proof);
    }

    // ================================================================ updateUrl

    function test_updateUrl_changesTheUrlAndEmitsNodeUrlUpdated() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeUrlUpdated(signer, "https://moved.example");
        vm.prank(owner);
        registry.updateUrl(signer, "https://moved.example");
        assertEq(bytes(registry.getNode(signer).url), bytes("https://moved.example"), "url");
    }

    function test_updateUrl_revertsNotNodeOwner_forOthersAndUnknownSigners() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, signer, stranger));
        vm.prank(stranger);
        registry.updateUrl(signer, "https://x.example");
        // The signer itself is not the owner either.
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, signer, signer));
        vm.prank(signer);
        registry.updateUrl(signer, "https://x.example");
        address unknown = vm.addr(OTHER_SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, unknown, owner));
        vm.prank(owner);
        registry.updateUrl(unknown, "https://x.example");
    }

    function test_updateUrl_revertsNodeNotActive_onceExiting() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotActive.selector, signer, EXITING));
        vm.prank(owner);
        registry.updateUrl(signer, "https://x.example");
    }

    function test_updateUrl_revertsInvalidUrlLength_forAnEmptyUrl() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidUrlLength.selector, 0));
        vm.prank(owner);
        registry.updateUrl(signer, "");
    }

    // ================================================================ topUp

    function test_topUp_addsToTheDepositAndEmitsNodeToppedUp() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.deal(owner, 2 ether);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeToppedUp(signer, 2 ether, MIN_DEPOSIT + 2 ether);
        vm.prank(owner);
        registry.topUp{value: 2 ether}(signer);
        assertEq(registry.getNode(signer).deposit, MIN_DEPOSIT + 2 ether, "deposit");
        assertEq(address(registry).balance, MIN_DEPOSIT + 2 ether, "registry balance");
    }

    function test_topUp_revertsNotNodeOwner_forOthers() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.deal(stranger, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, signer, stranger));
        vm.prank(stranger);
        registry.topUp{value: 1 ether}(signer);
    }

    function test_topUp_revertsNothingSent_forZeroValue() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NothingSent.selector));
        vm.prank(owner);
        registry.topUp(signer);
    }

    function test_topUp_revertsNodeNotActive_onceExitingOrWithdrawn() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        vm.deal(owner, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotActive.selector, signer, EXITING));
        vm.prank(owner);
        registry.topUp{value: 1 ether}(signer);
        vm.warp(block.timestamp + EXIT_LOCK);
        vm.prank(owner);
        registry.withdraw(signer);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotActive.selector, signer, WITHDRAWN));
        vm.prank(owner);
        registry.topUp{value: 1 ether}(signer);
    }

    // ================================================================ requestExit

    function test_requestExit_locksTheDepositAndLeavesTheActiveSet() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        address other = registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT);
        uint64 unlockAt = uint64(block.timestamp) + EXIT_LOCK;

        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeExiting(signer, unlockAt);
        vm.prank(owner);
        registry.requestExit(signer);

        assertStatus(signer, EXITING, "status");
        assertEq(registry.getNode(signer).unlockAt, unlockAt, "unlockAt");
        assertEq(registry.getNode(signer).deposit, MIN_DEPOSIT, "deposit stays");
        assertFalse(registry.isActiveSigner(signer), "isActiveSigner");
        assertEq(registry.activeSignerCount(), 1, "activeSignerCount");
        assertEq(registry.activeSigners(0), other, "the other signer moved into the gap");
    }

    function test_requestExit_revertsNotNodeOwner_forOthers() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, signer, stranger));
        vm.prank(stranger);
        registry.requestExit(signer);
    }

    function test_requestExit_revertsNodeNotActive_whenAlreadyExitingOrConvicted() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotActive.selector, signer, EXITING));
        vm.prank(owner);
        registry.requestExit(signer);

        address liar = nodeIn(CONVICTED, OTHER_SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotActive.selector, liar, CONVICTED));
        vm.prank(owner);
        registry.requestExit(liar);
    }

    // ================================================================ withdraw

    function test_withdraw_paysTheOwnerOnceTheLockEnds() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        uint64 unlockAt = registry.getNode(signer).unlockAt;
        vm.warp(unlockAt);
        uint256 before = owner.balance;

        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeWithdrawn(signer, owner, MIN_DEPOSIT);
        vm.prank(owner);
        registry.withdraw(signer);

        assertEq(owner.balance - before, MIN_DEPOSIT, "paid to the owner");
        assertStatus(signer, WITHDRAWN, "status");
        assertEq(registry.getNode(signer).deposit, 0, "deposit");
        assertEq(address(registry).balance, 0, "registry balance");
    }

    function test_withdraw_revertsExitLocked_oneSecondBeforeTheEnd() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        uint64 unlockAt = registry.getNode(signer).unlockAt;
        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.ExitLocked.selector, signer, unlockAt));
        vm.prank(owner);
        registry.withdraw(signer);
    }

    function test_withdraw_revertsNodeNotExiting_forActiveWithdrawnAndConvictedNodes() public {
        address active = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotExiting.selector, active, ACTIVE));
        vm.prank(owner);
        registry.withdraw(active);

        address convicted = nodeIn(CONVICTED, OTHER_SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotExiting.selector, convicted, CONVICTED));
        vm.prank(owner);
        registry.withdraw(convicted);

        vm.prank(owner);
        registry.requestExit(active);
        vm.warp(block.timestamp + EXIT_LOCK);
        vm.prank(owner);
        registry.withdraw(active);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotExiting.selector, active, WITHDRAWN));
        vm.prank(owner);
        registry.withdraw(active);
    }

    function test_withdraw_revertsNotNodeOwner_forOthers() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        vm.warp(block.timestamp + EXIT_LOCK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotNodeOwner.selector, signer, stranger));
        vm.prank(stranger);
        registry.withdraw(signer);
    }

    function test_withdraw_revertsPayoutFailed_whenTheOwnerRefusesPayment() public {
        ScriptedAccount account = new ScriptedAccount();
        address signer = registerNodeOwnedBy(account);
        account.execute(address(registry), 0, abi.encodeCall(AuthorityRegistry.requestExit, (signer)));
        vm.warp(block.timestamp + EXIT_LOCK);
        account.script(ScriptedAccount.OnReceive.Reject, address(0), "");
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.PayoutFailed.selector, address(account), MIN_DEPOSIT)
        );
        account.execute(address(registry), 0, abi.encodeCall(AuthorityRegistry.withdraw, (signer)));
        assertStatus(signer, EXITING, "status after the failed payout");
        assertEq(registry.getNode(signer).deposit, MIN_DEPOSIT, "deposit after the failed payout");
    }

    function test_withdraw_blocksReentryFromTheOwner() public {
        ScriptedAccount account = new ScriptedAccount();
        address signer = registerNodeOwnedBy(account);
        account.execute(address(registry), 0, abi.encodeCall(AuthorityRegistry.requestExit, (signer)));
        vm.warp(block.timestamp + EXIT_LOCK);
        account.script(
            ScriptedAccount.OnReceive.Reenter, address(registry), abi.encodeCall(AuthorityRegistry.withdraw, (signer))
        );
        account.execute(address(registry), 0, abi.encodeCall(AuthorityRegistry.withdraw, (signer)));
        assertTrue(account.reentered(), "reentered");
        assertEq(
            account.reentryError(),
            abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector),
            "reentry error"
        );
        assertEq(address(account).balance, MIN_DEPOSIT, "paid once");
        assertEq(address(registry).balance, 0, "registry balance");
    }

    // ================================================================ commitConviction

    function test_commitConviction_storesTheBlockAndEmitsConvictionCommitted() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.ConvictionCommitted("c", watchdog);
        vm.prank(watchdog);
        assertEq(registry.commitConviction("c"), START_BLOCK, "committedAt");
        assertEq(registry.commitments("c"), START_BLOCK, "commitments");
    }

    function test_commitConviction_keepsALiveCommitmentAndRenewsAnExpiredOne() public {
        vm.prank(watchdog);
        registry.commitConviction("c");
        vm.roll(START_BLOCK + 256);
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(registry.commitConviction("c"), START_BLOCK, "a retry within the window changes nothing");
        assertEq(vm.getRecordedLogs().length, 0, "no event for a retry");
        vm.roll(START_BLOCK + 257);
        vm.prank(watchdog);
        assertEq(registry.commitConviction("c"), START_BLOCK + 257, "renewed after expiry");
        assertEq(registry.commitments("c"), START_BLOCK + 257, "commitments");
    }

    // ================================================================ revealConviction

    function test_revealConviction_convictsALieAboutARecentBlock() public {
        address signer = registerNode(SIGNER_PK, owner, 4 ether);
        address other = registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 10;
        bytes32 canonical = keccak256("canonical block");
        vm.setBlockhash(blockNumber, canonical);
        bytes32 lie = keccak256("forged block");
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes32 commitment = commitmentOf(watchdog, signer, blockNumber, lie, signature, "salt");

        vm.prank(watchdog);
        registry.commitConviction(commitment);
        vm.roll(block.number + 1);
        uint256 before = watchdog.balance;
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.NodeConvicted(signer, watchdog, blockNumber, lie, canonical, 1 ether, 3 ether);
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");

        assertEq(watchdog.balance - before, 1 ether, "prover reward (25 %)");
        assertEq(registry.treasuryOwed(), 3 ether, "owed to the treasury");
        assertEq(address(registry).balance, 3 ether + MIN_DEPOSIT, "registry balance");
        assertStatus(signer, CONVICTED, "status");
        assertEq(registry.getNode(signer).deposit, 0, "deposit");
        assertFalse(registry.isActiveSigner(signer), "isActiveSigner");
        assertEq(registry.activeSignerCount(), 1, "activeSignerCount");
        assertEq(registry.activeSigners(0), other, "the other signer stays");
        assertEq(registry.commitments(commitment), 0, "commitment consumed");
    }

    function test_revealConviction_convictsAnExitingNodeDuringTheLock() public {
        address signer = nodeIn(EXITING, SIGNER_PK);
        vm.warp(registry.getNode(signer).unlockAt - 1);
        convictOfLie(watchdog, SIGNER_PK, block.number - 1);
        assertStatus(signer, CONVICTED, "status");
        assertEq(registry.activeSignerCount(), 0, "activeSignerCount");
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotExiting.selector, signer, CONVICTED));
        vm.prank(owner);
        registry.withdraw(signer);
    }

    function test_revealConviction_convictsALieAboutAnOldBlockThroughACheckpoint() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 5;
        bytes32 canonical = registry.saveCheckpoint(blockNumber);
        vm.roll(block.number + 10_000);
        assertEq(registry.canonicalHash(blockNumber), canonical, "canonical hash from the checkpoint");
        convictOfLie(watchdog, SIGNER_PK, blockNumber);
        assertStatus(signer, CONVICTED, "status");
    }

    function test_revealConviction_revertsCommitmentUnknown_forACopiedReveal() public {
        // The watchdog commits; a front-runner who copies the reveal from the mempool has no
        // commitment of its own (the committer is part of the hash).
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        commitAs(watchdog, signer, blockNumber, lie, signature);
        vm.roll(block.number + 1);

        bytes32 theirs = commitmentOf(stranger, signer, blockNumber, lie, signature, "salt");
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CommitmentUnknown.selector, theirs));
        vm.prank(stranger);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");

        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        assertStatus(signer, CONVICTED, "status");
    }

    function test_revealConviction_revertsCommitmentUnknown_forACopiedCommitment() public {
        // Copying the watchdog's commitment hash (even in an earlier block) does not help.
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes32 watchdogs = commitmentOf(watchdog, signer, blockNumber, lie, signature, "salt");
        vm.prank(stranger);
        registry.commitConviction(watchdogs);
        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                AuthorityRegistry.CommitmentUnknown.selector,
                commitmentOf(stranger, signer, blockNumber, lie, signature, "salt")
            )
        );
        vm.prank(stranger);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        // ... while the watchdog can still reveal against it.
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        assertStatus(signer, CONVICTED, "status");
    }

    function test_revealConviction_revertsCommitmentUnknown_forAnotherSalt() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        commitAs(watchdog, signer, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                AuthorityRegistry.CommitmentUnknown.selector,
                commitmentOf(watchdog, signer, blockNumber, lie, signature, "pepper")
            )
        );
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "pepper");
    }

    function test_revealConviction_revertsCommitmentTooRecent_inTheCommitBlock() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes32 commitment = commitmentOf(watchdog, signer, blockNumber, lie, signature, "salt");
        commitAs(watchdog, signer, blockNumber, lie, signature);
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityRegistry.CommitmentTooRecent.selector, commitment, block.number)
        );
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
    }

    function test_revealConviction_acceptsTheLastBlockOfTheWindowAndRevertsCommitmentExpiredAfter() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        registry.saveCheckpoint(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes32 commitment = commitmentOf(watchdog, signer, blockNumber, lie, signature, "salt");
        uint256 committedAt = block.number;
        commitAs(watchdog, signer, blockNumber, lie, signature);

        uint256 clean = vm.snapshotState();
        vm.roll(committedAt + 256);
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        assertStatus(signer, CONVICTED, "convicted in the last block of the window");
        vm.revertToState(clean);

        vm.roll(committedAt + 257);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CommitmentExpired.selector, commitment, committedAt));
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
    }

    function test_revealConviction_revertsNodeNotSlashable_forADoubleConviction() public {
        address signer = nodeIn(CONVICTED, SIGNER_PK);
        uint256 owedAfterTheFirst = registry.treasuryOwed();
        // A second, different lie, properly committed, by another prover.
        uint256 blockNumber = block.number - 2;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        commitAs(stranger, signer, blockNumber, lie, signature);
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotSlashable.selector, signer, CONVICTED));
        vm.prank(stranger);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
        assertEq(registry.treasuryOwed(), owedAfterTheFirst, "nothing slashed twice");
    }

    function test_revealConviction_revertsNodeNotSlashable_forUnknownAndWithdrawnSigners() public {
        address withdrawn = nodeIn(WITHDRAWN, SIGNER_PK);
        address unknown = vm.addr(OTHER_SIGNER_PK);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);

        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        commitAs(watchdog, withdrawn, blockNumber, lie, signature);
        bytes memory unknownSignature = signAttestation(OTHER_SIGNER_PK, blockNumber, lie);
        commitAs(watchdog, unknown, blockNumber, lie, unknownSignature);
        vm.roll(block.number + 1);

        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotSlashable.selector, withdrawn, WITHDRAWN));
        vm.prank(watchdog);
        registry.revealConviction(withdrawn, blockNumber, lie, signature, "salt");
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NodeNotSlashable.selector, unknown, NONE));
        vm.prank(watchdog);
        registry.revealConviction(unknown, blockNumber, lie, unknownSignature, "salt");
    }

    function test_revealConviction_revertsInvalidAttestationSignature_forOtherSignersBlocksAndForms() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory valid = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes[5] memory signatures = [
            signAttestation(OTHER_SIGNER_PK, blockNumber, lie), // another node's lie
            signAttestation(SIGNER_PK, blockNumber - 1, lie), // about another block
            malleate(valid), // the high-s twin
            abi.encodePacked(valid, uint8(0)), // 66 bytes
            bytes("") // empty
        ];
        for (uint256 i = 0; i < signatures.length; i++) {
            commitAs(watchdog, signer, blockNumber, lie, signatures[i]);
        }
        vm.roll(block.number + 1);
        for (uint256 i = 0; i < signatures.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidAttestationSignature.selector, signer));
            vm.prank(watchdog);
            registry.revealConviction(signer, blockNumber, lie, signatures[i], "salt");
        }
        assertStatus(signer, ACTIVE, "status");
    }

    function test_revealConviction_revertsNotALie_forTheCanonicalHash() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        uint256 blockNumber = block.number - 3;
        bytes32 truth = registry.canonicalHash(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, truth);
        commitAs(watchdog, signer, blockNumber, truth, signature);
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.NotALie.selector, blockNumber, truth));
        vm.prank(watchdog);
        registry.revealConviction(signer, blockNumber, truth, signature, "salt");
        assertStatus(signer, ACTIVE, "status");
    }

    function test_revealConviction_revertsCanonicalHashUnknown_forOldUnsavedAndFutureBlocks() public {
        address signer = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        bytes32 lie = keccak256("lie");
        uint256 old = block.number - 300;
        uint256 future = block.number + 1;
        bytes memory oldSignature = signAttestation(SIGNER_PK, old, lie);
        bytes memory futureSignature = signAttestation(SIGNER_PK, future, lie);
        commitAs(watchdog, signer, old, lie, oldSignature);
        commitAs(watchdog, signer, future, lie, futureSignature);
        vm.roll(block.number + 1);

        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, old));
        vm.prank(watchdog);
        registry.revealConviction(signer, old, lie, oldSignature, "salt");
        // `future` is now the current block: BLOCKHASH has no hash for it yet.
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, future));
        vm.prank(watchdog);
        registry.revealConviction(signer, future, lie, futureSignature, "salt");
    }

    function test_revealConviction_withZeroRewardOwesEverythingToTheTreasury() public {
        registry = new AuthorityRegistry(admin, MIN_DEPOSIT, EXIT_LOCK, 0, treasury);
        registerNode(SIGNER_PK, owner, 2 ether);
        uint256 before = watchdog.balance;
        convictOfLie(watchdog, SIGNER_PK, block.number - 1);
        assertEq(watchdog.balance, before, "no reward");
        assertEq(registry.treasuryOwed(), 2 ether, "treasuryOwed");
    }

    function test_revealConviction_withFullRewardPaysEverythingToTheProver() public {
        registry = new AuthorityRegistry(admin, MIN_DEPOSIT, EXIT_LOCK, 10_000, treasury);
        registerNode(SIGNER_PK, owner, 2 ether);
        uint256 before = watchdog.balance;
        convictOfLie(watchdog, SIGNER_PK, block.number - 1);
        assertEq(watchdog.balance - before, 2 ether, "reward");
        assertEq(registry.treasuryOwed(), 0, "treasuryOwed");
        assertEq(address(registry).balance, 0, "registry balance");
    }

    function test_revealConviction_revertsPayoutFailed_whenTheProverRefusesPayment() public {
        address signer = registerNode(SIGNER_PK, owner, 4 ether);
        ScriptedAccount prover = new ScriptedAccount();
        prover.script(ScriptedAccount.OnReceive.Reject, address(0), "");
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(SIGNER_PK, blockNumber, lie);
        prover.execute(
            address(registry),
            0,
            abi.encodeCall(
                AuthorityRegistry.commitConviction,
                (commitmentOf(address(prover), signer, blockNumber, lie, signature, "salt"))
            )
        );
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.PayoutFailed.selector, address(prover), 1 ether));
        prover.execute(
            address(registry),
            0,
            abi.encodeCall(AuthorityRegistry.revealConviction, (signer, blockNumber, lie, signature, "salt"))
        );
        assertStatus(signer, ACTIVE, "status after the failed payout");
    }

    function test_revealConviction_blocksReentryFromTheProver() public {
        address first = registerNode(SIGNER_PK, owner, 4 ether);
        address second = registerNode(OTHER_SIGNER_PK, otherOwner, 4 ether);
        ScriptedAccount prover = new ScriptedAccount();
        uint256 blockNumber = block.number - 1;
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory firstSignature = signAttestation(SIGNER_PK, blockNumber, lie);
        bytes memory secondSignature = signAttestation(OTHER_SIGNER_PK, blockNumber, lie);
        bytes memory revealSecond =
            abi.encodeCall(AuthorityRegistry.revealConviction, (second, blockNumber, lie, secondSignature, "salt"));
        for (uint256 i = 0; i < 2; i++) {
            bytes32 commitment = i == 0
                ? commitmentOf(address(prover), first, blockNumber, lie, firstSignature, "salt")
                : commitmentOf(address(prover), second, blockNumber, lie, secondSignature, "salt");
            prover.execute(address(registry), 0, abi.encodeCall(AuthorityRegistry.commitConviction, (commitment)));
        }
        vm.roll(block.number + 1);
        prover.script(ScriptedAccount.OnReceive.Reenter, address(registry), revealSecond);
        prover.execute(
            address(registry),
            0,
            abi.encodeCall(AuthorityRegistry.revealConviction, (first, blockNumber, lie, firstSignature, "salt"))
        );
        assertEq(
            prover.reentryError(),
            abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector),
            "reentry error"
        );
        assertStatus(first, CONVICTED, "first");
        assertStatus(second, ACTIVE, "second, attempted during the payout");
        prover.execute(address(registry), 0, revealSecond);
        assertStatus(second, CONVICTED, "second, revealed afterwards");
        assertEq(address(prover).balance, 2 ether, "two rewards");
    }

    function test_revealConviction_worksWhenTheTreasuryRefusesPayment() public {
        ScriptedAccount refusing = new ScriptedAccount();
        refusing.script(ScriptedAccount.OnReceive.Reject, address(0), "");
        vm.prank(admin);
        registry.setTreasury(address(refusing));
        address signer = nodeIn(CONVICTED, SIGNER_PK);
        assertStatus(signer, CONVICTED, "status");
        assertEq(registry.treasuryOwed(), 0.75 ether, "owed");
    }

    // ================================================================ releaseToTreasury

    function test_releaseToTreasury_paysWhatIsOwedAndEmitsTreasuryPaid() public {
        nodeIn(CONVICTED, SIGNER_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.TreasuryPaid(treasury, 0.75 ether);
        vm.prank(stranger);
        registry.releaseToTreasury();
        assertEq(treasury.balance, 0.75 ether, "treasury balance");
        assertEq(registry.treasuryOwed(), 0, "treasuryOwed");
        assertEq(address(registry).balance, 0, "registry balance");
    }

    function test_releaseToTreasury_burnsWhenNoTreasuryIsSet() public {
        vm.prank(admin);
        registry.setTreasury(address(0));
        nodeIn(CONVICTED, SIGNER_PK);
        address burn = registry.BURN_ADDRESS();
        uint256 before = burn.balance;
        registry.releaseToTreasury();
        assertEq(burn.balance - before, 0.75 ether, "burned");
        assertEq(burn, 0x000000000000000000000000000000000000dEaD, "burn address");
    }

    function test_releaseToTreasury_doesNothingWhenNothingIsOwed() public {
        vm.recordLogs();
        registry.releaseToTreasury();
        assertEq(vm.getRecordedLogs().length, 0, "events");
    }

    function test_releaseToTreasury_revertsPayoutFailed_andKeepsTheDebt() public {
        ScriptedAccount refusing = new ScriptedAccount();
        refusing.script(ScriptedAccount.OnReceive.Reject, address(0), "");
        vm.prank(admin);
        registry.setTreasury(address(refusing));
        nodeIn(CONVICTED, SIGNER_PK);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.PayoutFailed.selector, address(refusing), 0.75 ether));
        registry.releaseToTreasury();
        assertEq(registry.treasuryOwed(), 0.75 ether, "still owed");
        // The admin points the treasury elsewhere; the debt goes there.
        vm.prank(admin);
        registry.setTreasury(treasury);
        registry.releaseToTreasury();
        assertEq(treasury.balance, 0.75 ether, "paid to the new treasury");
    }

    // ================================================================ admin

    function test_setMinDeposit_appliesToNewRegistrationsOnly() public {
        address early = registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.MinDepositChanged(MIN_DEPOSIT, 5 ether);
        vm.prank(admin);
        registry.setMinDeposit(5 ether);
        assertEq(registry.minDeposit(), 5 ether, "minDeposit");
        assertTrue(registry.isActiveSigner(early), "an earlier node stays active");
        assertEq(registry.getNode(early).deposit, MIN_DEPOSIT, "its deposit is unchanged");

        address late = vm.addr(OTHER_SIGNER_PK);
        bytes memory proof = signerProofOf(OTHER_SIGNER_PK, otherOwner, URL, "");
        vm.deal(otherOwner, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.DepositTooLow.selector, 4 ether, 5 ether));
        vm.prank(otherOwner);
        registry.register{value: 4 ether}(late, URL, "", "", proof);
    }

    function test_setMinDeposit_revertsInvalidMinDeposit_forZero() public {
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.InvalidMinDeposit.selector, 0));
        vm.prank(admin);
        registry.setMinDeposit(0);
    }

    function test_setTreasury_changesTheTreasuryAndEmitsTreasuryChanged() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.TreasuryChanged(treasury, stranger);
        vm.prank(admin);
        registry.setTreasury(stranger);
        assertEq(registry.treasury(), stranger, "treasury");
    }

    function test_adminFunctions_revertAccessControlUnauthorizedAccount_forOthers() public {
        address[3] memory callers = [owner, watchdog, treasury];
        for (uint256 i = 0; i < callers.length; i++) {
            bytes memory unauthorized = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], bytes32(0)
            );
            vm.expectRevert(unauthorized);
            vm.prank(callers[i]);
            registry.setMinDeposit(2 ether);
            vm.expectRevert(unauthorized);
            vm.prank(callers[i]);
            registry.setTreasury(callers[i]);
        }
        assertEq(registry.minDeposit(), MIN_DEPOSIT, "minDeposit");
        assertEq(registry.treasury(), treasury, "treasury");
    }

    // ================================================================ canonical hashes

    function test_canonicalHash_isBlockhashForTheLast256Blocks() public {
        vm.setBlockhash(block.number - 256, "oldest in reach");
        vm.setBlockhash(block.number - 1, "parent");
        assertEq(registry.canonicalHash(block.number - 256), "oldest in reach", "256 blocks back");
        assertEq(registry.canonicalHash(block.number - 1), "parent", "previous block");
    }

    function test_canonicalHash_revertsCanonicalHashUnknown_forTheCurrentAndOlderBlocks() public {
        uint256[2] memory numbers = [block.number, block.number - 257];
        for (uint256 i = 0; i < numbers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, numbers[i]));
            registry.canonicalHash(numbers[i]);
        }
    }

    function test_canonicalHash_readsTheEip2935HistoryContractWhereItExists() public {
        uint256 old = block.number - 5_000;
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, old));
        registry.canonicalHash(old);
        vm.etch(Blockhash.HISTORY_STORAGE_ADDRESS, address(new HistoryStorageStub()).code);
        bytes32 want = keccak256(abi.encode("history", old));
        assertEq(registry.canonicalHash(old), want, "from the history contract");
        assertEq(registry.saveCheckpoint(old), want, "saved from the history contract");
        assertEq(registry.checkpoints(old), want, "checkpoint");
    }

    function test_saveCheckpoint_storesTheHashAndEmitsCheckpointSaved() public {
        uint256 blockNumber = block.number - 7;
        vm.setBlockhash(blockNumber, "seven back");
        vm.expectEmit(true, true, true, true, address(registry));
        emit AuthorityRegistry.CheckpointSaved(blockNumber, "seven back");
        assertEq(registry.saveCheckpoint(blockNumber), "seven back", "returned hash");
        assertEq(registry.checkpoints(blockNumber), "seven back", "checkpoint");
        vm.roll(block.number + 1_000);
        assertEq(registry.canonicalHash(blockNumber), "seven back", "canonicalHash later");
    }

    function test_saveCheckpoint_isANoOpTheSecondTime() public {
        uint256 blockNumber = block.number - 1;
        registry.saveCheckpoint(blockNumber);
        vm.recordLogs();
        registry.saveCheckpoint(blockNumber);
        assertEq(vm.getRecordedLogs().length, 0, "no second event");
        vm.roll(block.number + 300);
        assertEq(registry.saveCheckpoint(blockNumber), registry.checkpoints(blockNumber), "retry once out of reach");
    }

    function test_saveCheckpoint_revertsCanonicalHashUnknown_outOfReach() public {
        uint256 old = block.number - 257;
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, old));
        registry.saveCheckpoint(old);
        vm.expectRevert(abi.encodeWithSelector(AuthorityRegistry.CanonicalHashUnknown.selector, block.number));
        registry.saveCheckpoint(block.number);
    }

    // ================================================================ reads

    function test_reads_followTheLifecycle() public {
        address signer = vm.addr(SIGNER_PK);
        assertFalse(registry.isActiveSigner(signer), "isActiveSigner before");
        assertStatus(signer, NONE, "status before");
        registerNode(SIGNER_PK, owner, MIN_DEPOSIT);
        (address nodeOwner, AuthorityRegistry.Status status,,, uint256 deposit, string memory url,) =
            registry.nodes(signer);
        assertEq(nodeOwner, owner, "nodes().owner");
        assertEq(uint256(status), uint256(ACTIVE), "nodes().status");
        assertEq(deposit, MIN_DEPOSIT, "nodes().deposit");
        assertEq(bytes(url), bytes(URL), "nodes().url");
        assertTrue(registry.isActiveSigner(signer), "isActiveSigner");
        vm.prank(owner);
        registry.requestExit(signer);
        assertFalse(registry.isActiveSigner(signer), "isActiveSigner while exiting");
        assertEq(registry.getActiveSigners().length, 0, "getActiveSigners");
    }

    // ================================================================ storage layout for EIP-1186 proofs

    /// @notice The slots documented in docs/contracts.md and the contract's NatSpec: a device
    ///         proves these words, so a layout change must fail here first.
    function test_storageLayout_matchesTheDocumentedSlots() public {
        address a = registerNode(SIGNER_PK, owner, 3 ether);
        address b = registerNode(OTHER_SIGNER_PK, otherOwner, MIN_DEPOSIT);
        vm.prank(otherOwner);
        registry.requestExit(b);
        uint256 blockNumber = block.number - 1;
        bytes32 saved = registry.saveCheckpoint(blockNumber);

        // activeSigners: length at slot 1, elements from keccak256(1).
        assertEq(uint256(load(bytes32(uint256(1)))), 1, "activeSigners.length");
        assertEq(load(keccak256(abi.encode(uint256(1)))), bytes32(uint256(uint160(a))), "activeSigners[0]");

        // nodes[signer] from keccak256(abi.encode(signer, 2)).
        uint256 base = uint256(keccak256(abi.encode(a, uint256(2))));
        uint256 word0 = uint256(load(bytes32(base)));
        assertEq(address(uint160(word0)), owner, "owner: low 20 bytes");
        assertEq((word0 >> 160) & 0xff, uint256(ACTIVE), "status: byte 20");
        assertEq((word0 >> 168) & type(uint64).max, START_TIME, "registeredAt: bytes 21-28");
        assertEq(uint256(load(bytes32(base + 1))), 0, "unlockAt of an active node");
        assertEq(uint256(load(bytes32(base + 2))), 3 ether, "deposit");
        assertEq(uint256(load(bytes32(base + 3))), bytes(URL).length * 2 + 1, "url: long string header");
        assertEq(uint256(load(bytes32(base + 4))), 0, "blsPublicKey: empty");

        uint256 baseB = uint256(keccak256(abi.encode(b, uint256(2))));
        assertEq((uint256(load(bytes32(baseB))) >> 160) & 0xff, uint256(EXITING), "status of the exiting node");
        assertEq(uint256(load(bytes32(baseB + 1))), START_TIME + EXIT_LOCK, "unlockAt of the exiting node");

        // checkpoints at slot 3.
        assertEq(load(keccak256(abi.encode(blockNumber, uint256(3)))), saved, "checkpoints[n]");
    }

    // ================================================================ helpers

    function load(bytes32 slot) internal view returns (bytes32) {
        return vm.load(address(registry), slot);
    }

    function expectRegisterRevert(address signer, string memory url, bytes memory proof, bytes memory want) internal {
        uint256 count = registry.activeSignerCount();
        vm.deal(owner, MIN_DEPOSIT);
        vm.expectRevert(want);
        vm.prank(owner);
        registry.register{value: MIN_DEPOSIT}(signer, url, "", "", proof);
        assertEq(registry.activeSignerCount(), count, "activeSignerCount after a rejected registration");
    }

    function registerNodeOwnedBy(ScriptedAccount account) internal returns (address signer) {
        signer = vm.addr(SIGNER_PK);
        bytes memory proof = signerProofOf(SIGNER_PK, address(account), URL, "");
        vm.deal(address(this), MIN_DEPOSIT);
        account.execute{value: MIN_DEPOSIT}(
            address(registry), MIN_DEPOSIT, abi.encodeCall(AuthorityRegistry.register, (signer, URL, "", "", proof))
        );
    }
}
