// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Invariant tests of AuthorityRegistry: a handler registers (every node with a BLS key), tops
// up, exits, withdraws, convicts (of lies and of the truth, one signer at a time or several by
// one BLS aggregate) and pays the treasury as random actors while time and blocks pass; the
// money, the active set and the statuses stay consistent after every call.

import {AuthorityRegistry} from "../src/AuthorityRegistry.sol";
import {AuthorityRegistryFixture} from "./utils/AuthorityRegistryFixture.sol";
import {BlsTestKeys} from "./utils/BlsTestKeys.sol";
import {VM, Vm} from "./utils/Vm.sol";

/// @notice Calls the registry as random actors. A call the registry rejects reverts the whole
///         handler call (forge counts it as a revert and moves on), so ghost state only ever
///         records what the registry accepted.
contract AuthorityRegistryHandler {
    Vm internal constant vm = VM;
    /// @dev Keys come from a small pool so that keys are retried after they are registered.
    uint256 public constant KEY_POOL = 8;
    uint256 internal constant MIN_DEPOSIT = 1 ether;

    AuthorityRegistry internal immutable registry;
    address internal immutable treasury;
    address[3] internal owners;
    address[3] internal provers;

    // ghost state
    address[] public signers;
    mapping(address signer => uint256) public keyOf;
    mapping(address signer => uint256) public registrations;
    mapping(address signer => uint256) public convictions;
    mapping(address signer => uint256) public withdrawnAt;
    mapping(address signer => uint256) public unlockAtWhenWithdrawn;
    uint256 public totalDeposited;
    uint256 public totalWithdrawn;
    uint256 public totalRewarded;
    uint256 public totalPaidToTreasury;

    constructor(AuthorityRegistry registry_, address treasury_, address[3] memory owners_, address[3] memory provers_) {
        registry = registry_;
        treasury = treasury_;
        owners = owners_;
        provers = provers_;
        // Every run starts with an active and an exiting node.
        register(0, 0, 2 ether + 1);
        register(1, 1, 1 ether + 1);
        vm.prank(owners[1]);
        registry_.requestExit(signers[1]);
    }

    // ------------------------------------------------------------ actions

    function register(uint256 keySeed, uint256 ownerSeed, uint256 amountSeed) public {
        uint256 pk = poolKey(keySeed);
        address signer = vm.addr(pk);
        address by = owners[ownerSeed % owners.length];
        // Now and then one wei short of the minimum, which the registry must refuse.
        uint256 amount = amountSeed % 8 == 0 ? MIN_DEPOSIT - 1 : MIN_DEPOSIT + amountSeed % 50 ether;
        uint256 blsSk = BlsTestKeys.secretKey(pk);
        bytes memory blsKey = BlsTestKeys.publicKey(blsSk);
        bytes memory pop = BlsTestKeys.proofOfPossession(blsSk, blsKey, signer);
        bytes32 digest = registry.registrationDigest(by, "https://node.example", blsKey);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        vm.deal(by, by.balance + amount);
        vm.prank(by);
        registry.register{value: amount}(signer, "https://node.example", blsKey, pop, abi.encodePacked(r, s, v));
        if (registrations[signer] == 0) signers.push(signer);
        registrations[signer] += 1;
        keyOf[signer] = pk;
        totalDeposited += amount;
    }

    function topUp(uint256 signerSeed, uint256 callerSeed, uint256 amountSeed) external {
        address signer = pickSigner(signerSeed, AuthorityRegistry.Status.Active);
        address caller = pickCaller(callerSeed, signer);
        uint256 amount = amountSeed % 10 ether;
        vm.deal(caller, caller.balance + amount);
        vm.prank(caller);
        registry.topUp{value: amount}(signer);
        totalDeposited += amount;
    }

    function requestExit(uint256 signerSeed, uint256 callerSeed) external {
        address signer = pickSigner(signerSeed, AuthorityRegistry.Status.Active);
        vm.prank(pickCaller(callerSeed, signer));
        registry.requestExit(signer);
    }

    function withdraw(uint256 signerSeed, uint256 callerSeed) external {
        address signer = pickSigner(signerSeed, AuthorityRegistry.Status.Exiting);
        address caller = pickCaller(callerSeed, signer);
        uint256 before = caller.balance;
        vm.prank(caller);
        registry.withdraw(signer);
        totalWithdrawn += caller.balance - before;
        withdrawnAt[signer] = block.timestamp;
        unlockAtWhenWithdrawn[signer] = registry.getNode(signer).unlockAt;
    }

    /// @dev Commits and reveals in one go (one block apart). One time in four the node signed
    ///      the canonical hash, which must never convict.
    function convict(uint256 signerSeed, uint256 proverSeed, uint256 ageSeed, uint256 truthSeed) external {
        AuthorityRegistry.Status wanted =
            spread(signerSeed) % 2 == 0 ? AuthorityRegistry.Status.Active : AuthorityRegistry.Status.Exiting;
        address signer = pickSigner(signerSeed, wanted);
        uint256 blockNumber = block.number - 1 - ageSeed % 200;
        bytes32 canonical = registry.canonicalHash(blockNumber);
        bytes32 signedHash = truthSeed % 4 == 0 ? canonical : keccak256(abi.encode(canonical, truthSeed));
        uint256 pk = keyOf[signer];
        if (pk == 0) pk = poolKey(signerSeed); // a signer that never registered: refused anyway
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, registry.attestationDigest(blockNumber, signedHash));
        commitAndReveal(
            provers[proverSeed % provers.length], signer, blockNumber, signedHash, abi.encodePacked(r, s, v)
        );
    }

    function commitAndReveal(
        address prover,
        address signer,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes memory signature
    ) internal {
        bytes32 salt = keccak256(abi.encode(block.number, prover));
        vm.prank(prover);
        registry.commitConviction(
            registry.convictionCommitment(prover, signer, blockNumber, signedHash, signature, salt)
        );
        vm.roll(block.number + 1);
        uint256 before = prover.balance;
        vm.prank(prover);
        registry.revealConviction(signer, blockNumber, signedHash, signature, salt);
        convictions[signer] += 1;
        totalRewarded += prover.balance - before;
    }

    /// @dev 1 to 3 distinct registered signers (in any status) sign one BLS aggregate; one
    ///      time in four over the canonical hash, which must never convict. Only those still
    ///      slashable are convicted.
    function convictAggregate(uint256 seed, uint256 proverSeed, uint256 ageSeed, uint256 truthSeed) external {
        seed = spread(seed);
        uint256 n = signers.length;
        uint256 count = 1 + seed % 3;
        if (count > n) count = n;
        address[] memory chosen = new address[](count);
        uint256[] memory sks = new uint256[](count);
        bool[] memory slashable = new bool[](count);
        for (uint256 i = 0; i < count; i++) {
            chosen[i] = signers[((seed >> 8) + i) % n];
            sks[i] = BlsTestKeys.secretKey(keyOf[chosen[i]]);
            AuthorityRegistry.Status status = registry.statusOf(chosen[i]);
            slashable[i] = status == AuthorityRegistry.Status.Active || status == AuthorityRegistry.Status.Exiting;
        }
        uint256 blockNumber = block.number - 1 - ageSeed % 200;
        bytes32 canonical = registry.canonicalHash(blockNumber);
        bytes32 signedHash = truthSeed % 4 == 0 ? canonical : keccak256(abi.encode(canonical, truthSeed));
        bytes memory signature = BlsTestKeys.aggregateSign(sks, registry.attestationDigest(blockNumber, signedHash));
        address prover = provers[proverSeed % provers.length];
        bytes32 salt = keccak256(abi.encode(block.number, prover));
        vm.prank(prover);
        registry.commitConviction(
            registry.aggregateConvictionCommitment(prover, chosen, blockNumber, signedHash, signature, salt)
        );
        vm.roll(block.number + 1);
        uint256 before = prover.balance;
        vm.prank(prover);
        registry.revealAggregateConviction(chosen, blockNumber, signedHash, signature, salt);
        for (uint256 i = 0; i < count; i++) {
            if (slashable[i]) convictions[chosen[i]] += 1;
        }
        totalRewarded += prover.balance - before;
    }

    function releaseToTreasury() external {
        uint256 before = treasury.balance;
        registry.releaseToTreasury();
        totalPaidToTreasury += treasury.balance - before;
    }

    function passTime(uint256 secondsSeed, uint256 blocksSeed) external {
        vm.warp(block.timestamp + secondsSeed % 10 days);
        vm.roll(block.number + 1 + blocksSeed % 50);
    }

    // ------------------------------------------------------------ reads for the invariants

    function signerCount() external view returns (uint256) {
        return signers.length;
    }

    function poolSigner(uint256 index) external pure returns (address) {
        return vm.addr(poolKey(index));
    }

    // ------------------------------------------------------------ choices

    function poolKey(uint256 seed) internal pure returns (uint256) {
        return 1 + uint256(keccak256(abi.encode("veriot.invariant.authority", seed % KEY_POOL))) % (2 ** 255);
    }

    /// @dev Mostly a registered signer in status `wanted`, otherwise any pool signer.
    function pickSigner(uint256 seed, AuthorityRegistry.Status wanted) internal view returns (address) {
        seed = spread(seed);
        uint256 n = signers.length;
        if (n == 0 || seed % 8 == 0) return vm.addr(poolKey(seed >> 8));
        uint256 start = (seed >> 8) % n;
        for (uint256 i = 0; i < n; i++) {
            address signer = signers[(start + i) % n];
            if (registry.statusOf(signer) == wanted) return signer;
        }
        return signers[start];
    }

    /// @dev Three times in four the node's owner, otherwise any owner or prover.
    function pickCaller(uint256 seed, address signer) internal view returns (address) {
        seed = spread(seed);
        address nodeOwner = registry.getNode(signer).owner;
        if (seed % 4 != 0 && nodeOwner != address(0)) return nodeOwner;
        return (seed >> 8) % 2 == 0 ? owners[(seed >> 16) % 3] : provers[(seed >> 16) % 3];
    }

    /// @dev The fuzzer favours 0, 1, max and values it saw; hashing spreads them.
    function spread(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }
}

contract AuthorityRegistryInvariantTest is AuthorityRegistryFixture {
    AuthorityRegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new AuthorityRegistryHandler(
            registry, treasury, [owner, otherOwner, stranger], [watchdog, _actor("watchdog2"), _actor("watchdog3")]
        );
        targetContract(address(handler));
    }

    /// @notice Every wei is accounted for: the registry holds exactly the deposits of Active
    ///         and Exiting nodes plus what it owes the treasury; Withdrawn and Convicted nodes
    ///         hold nothing; and what came in equals what is held plus what went out.
    function invariant_everyWeiOfDepositIsAccountedFor() public view {
        uint256 live;
        for (uint256 i = 0; i < handler.signerCount(); i++) {
            address signer = handler.signers(i);
            AuthorityRegistry.Status status = registry.statusOf(signer);
            uint256 deposit = registry.getNode(signer).deposit;
            if (status == ACTIVE || status == EXITING) {
                live += deposit;
                assertTrue(deposit >= MIN_DEPOSIT, "a live node holds at least the minimum");
            } else {
                assertEq(deposit, 0, "deposit of a withdrawn or convicted node");
            }
        }
        uint256 balance = address(registry).balance;
        assertEq(balance, live + registry.treasuryOwed(), "balance == live deposits + treasuryOwed");
        assertEq(
            handler.totalDeposited(),
            balance + handler.totalWithdrawn() + handler.totalRewarded() + handler.totalPaidToTreasury(),
            "in == held + withdrawn + rewards + paid to the treasury"
        );
    }

    /// @notice A signer is convicted at most once, is Convicted exactly when convicted, and a
    ///         signer key is registered at most once (convicted or not).
    function invariant_noSignerIsConvictedTwiceOrRegisteredTwice() public view {
        for (uint256 i = 0; i < handler.signerCount(); i++) {
            address signer = handler.signers(i);
            uint256 convictions = handler.convictions(signer);
            assertTrue(convictions <= 1, "convictions of one signer");
            assertEq(registry.statusOf(signer) == CONVICTED, convictions == 1, "Convicted exactly when convicted");
        }
        for (uint256 i = 0; i < handler.KEY_POOL(); i++) {
            assertTrue(handler.registrations(handler.poolSigner(i)) <= 1, "registrations of one key");
        }
    }

    /// @notice activeSigners holds each Active signer exactly once and nothing else.
    function invariant_activeSignersMatchStatuses() public view {
        address[] memory active = registry.getActiveSigners();
        assertEq(active.length, registry.activeSignerCount(), "activeSignerCount");
        for (uint256 i = 0; i < active.length; i++) {
            assertStatus(active[i], ACTIVE, "status of a listed signer");
            for (uint256 j = i + 1; j < active.length; j++) {
                assertTrue(active[i] != active[j], "duplicate in activeSigners");
            }
        }
        uint256 activeCount;
        for (uint256 i = 0; i < handler.signerCount(); i++) {
            if (registry.isActiveSigner(handler.signers(i))) activeCount += 1;
        }
        assertEq(active.length, activeCount, "Active signers listed");
    }

    /// @notice A deposit was only ever withdrawn at or after its unlock time, which was set
    ///         when its node exited.
    function invariant_withdrawalsOnlyAfterTheLock() public view {
        for (uint256 i = 0; i < handler.signerCount(); i++) {
            address signer = handler.signers(i);
            AuthorityRegistry.Node memory node = registry.getNode(signer);
            if (node.status == WITHDRAWN) {
                assertTrue(handler.withdrawnAt(signer) != 0, "withdrawn through the handler");
                assertTrue(handler.withdrawnAt(signer) >= node.unlockAt, "withdrawn at or after unlockAt");
                assertEq(handler.unlockAtWhenWithdrawn(signer), node.unlockAt, "unlockAt unchanged");
            }
            if (node.status == EXITING || node.status == WITHDRAWN) {
                assertTrue(node.unlockAt >= node.registeredAt + EXIT_LOCK, "unlockAt set on exit");
            }
            if (node.status == ACTIVE) assertEq(node.unlockAt, 0, "unlockAt of an active node");
        }
    }
}
