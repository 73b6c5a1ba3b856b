// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Fuzz tests of DeviceRegistry: every action from every status by random callers against a
// model of who may do what, and registrations with random fields, keys and signatures.

import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {DeviceRegistryFixture} from "./utils/DeviceRegistryFixture.sol";

contract DeviceRegistryFuzzTest is DeviceRegistryFixture {
    enum Action {
        Provision,
        Activate,
        Suspend,
        Decommission,
        TransferOwnership,
        GrantCapability,
        RevokeCapability
    }

    bytes32 internal constant CAP = "command:unlock";

    /// @dev Field constants of P-256 for the reference curve check.
    uint256 internal constant P256_A = P256_P - 3;
    uint256 internal constant P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b;

    // ================================================================ lifecycle

    /// @notice Every action, from every status, by any caller, with the device's manufacturer
    ///         holding MANUFACTURER_ROLE or not: it succeeds exactly when the model allows it,
    ///         reverts with the model's error otherwise, and a revert changes nothing.
    function testFuzz_lifecycle_onlyAllowedCallersAndStatusesSucceed(
        uint8 statusSeed,
        uint8 actionSeed,
        uint8 callerSeed,
        address randomCaller,
        uint8 argSeed,
        address randomTarget,
        bool makerRevoked
    ) public {
        address caller = [
            admin, manufacturer, otherManufacturer, guardian, owner, newOwner, stranger, randomCaller
        ][bound(callerSeed, 0, 7)];
        // No transaction comes from the zero address, the owner field of an unprovisioned device.
        vm.assume(caller != address(0) && caller != address(vm));
        assertActionMatchesModel(
            DeviceRegistry.Status(bound(statusSeed, 1, 5)),
            Action(bound(actionSeed, 0, 6)),
            caller,
            [address(0), owner, newOwner, stranger, randomTarget][bound(argSeed, 0, 4)],
            argSeed % 2 == 0 ? CAP : bytes32(0),
            makerRevoked
        );
    }

    /// @notice The same check over every status × action × named caller × argument, and again
    ///         with the manufacturer's role revoked (with two of the arguments), so no
    ///         combination depends on the fuzzer's luck.
    function test_lifecycle_everyStatusActionAndCallerMatchesTheModel() public {
        address[7] memory callers = [admin, manufacturer, otherManufacturer, guardian, owner, newOwner, stranger];
        address[4] memory targets = [address(0), owner, newOwner, stranger];
        uint256 clean = vm.snapshotState();
        for (uint256 status = 1; status <= 5; status++) {
            for (uint256 action = 0; action <= 6; action++) {
                for (uint256 c = 0; c < callers.length; c++) {
                    for (uint256 t = 0; t < targets.length + 2; t++) {
                        assertActionMatchesModel(
                            DeviceRegistry.Status(status),
                            Action(action),
                            callers[c],
                            targets[t % targets.length],
                            t % 2 == 0 ? CAP : bytes32(0),
                            t >= targets.length
                        );
                        vm.revertToState(clean);
                    }
                }
            }
        }
    }

    function assertActionMatchesModel(
        DeviceRegistry.Status status,
        Action action,
        address caller,
        address target,
        bytes32 capability,
        bool makerRevoked
    ) internal {
        bytes32 id = deviceIn(status, DEVICE_PK);
        if (status != DeviceRegistry.Status.Manufactured && status != DeviceRegistry.Status.Decommissioned) {
            vm.prank(owner);
            registry.grantCapability(id, CAP);
        }
        if (makerRevoked) {
            bytes32 role = registry.MANUFACTURER_ROLE();
            vm.prank(admin);
            registry.revokeRole(role, manufacturer);
        }
        Snapshot memory want = snapshotOf(id);

        (bytes memory err, DeviceRegistry.Status next) =
            expectedOutcome(action, id, status, caller, want.owner, target, capability, makerRevoked);
        string memory what = string.concat(
            "status ",
            vm.toString(uint256(status)),
            ", action ",
            vm.toString(uint256(action)),
            ", caller ",
            vm.toString(caller),
            makerRevoked ? ", manufacturer role revoked" : ""
        );
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(registry).call(callOf(action, id, target, capability));

        assertEq(ok, err.length == 0, string.concat(what, ": call succeeded"));
        if (!ok) {
            assertEq(ret, err, string.concat(what, ": revert data"));
        } else {
            // What the successful call must have changed; a revert changes nothing.
            want.counts[uint256(status)] -= 1;
            want.counts[uint256(next)] += 1;
            want.status = next;
            if (action == Action.Provision || action == Action.TransferOwnership) want.owner = target;
            if (action == Action.GrantCapability && capability == CAP) want.hasCap = true;
            if (action == Action.RevokeCapability && capability == CAP) want.hasCap = false;
        }
        assertSnapshotEq(snapshotOf(id), want, what);
    }

    // ================================================================ registration

    function testFuzz_register_storesAnyFieldsTheDeviceSigned(
        uint256 pkSeed,
        uint8 suiteSeed,
        bytes32 model,
        uint64 firmwareVersion,
        bytes32 metadataHash,
        bytes32 auxKeyHash
    ) public {
        uint256 pk = devicePk(pkSeed);
        DeviceRegistry.Registration memory r = registrationOf(pk);
        r.suite = uint8(bound(suiteSeed, 1, 3));
        r.model = model;
        r.firmwareVersion = firmwareVersion;
        r.metadataHash = metadataHash;
        r.auxKeyHash = auxKeyHash;
        (bytes32 sigR, bytes32 sigS) = signRegistration(pk, r, manufacturer);

        if (r.suite != 1 && auxKeyHash == 0) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.MissingAuxKey.selector, r.suite));
            vm.prank(manufacturer);
            registry.register(r, sigR, sigS);
            assertEq(registry.deviceCount(), 0, "deviceCount");
            return;
        }
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceRegistered(
            idOf(pk), manufacturer, r.suite, model, firmwareVersion, r.pubKeyX, r.pubKeyY, metadataHash, auxKeyHash
        );
        vm.prank(manufacturer);
        bytes32 id = registry.register(r, sigR, sigS);
        DeviceRegistry.Device memory d = registry.getDevice(id);
        assertEq(d.suite, r.suite, "suite");
        assertEq(d.model, model, "model");
        assertEq(d.firmwareVersion, firmwareVersion, "firmwareVersion");
        assertEq(d.metadataHash, metadataHash, "metadataHash");
        assertEq(d.auxKeyHash, auxKeyHash, "auxKeyHash");
        assertEq(uint256(d.status), uint256(DeviceRegistry.Status.Manufactured), "status");
    }

    function testFuzz_register_revertsUnsupportedSuite(uint8 suite, bytes32 auxKeyHash) public {
        vm.assume(suite < 1 || suite > 3);
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        r.suite = suite;
        r.auxKeyHash = auxKeyHash;
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        expectRegisterRevert(r, sigR, sigS, abi.encodeWithSelector(DeviceRegistry.UnsupportedSuite.selector, suite));
    }

    function testFuzz_register_revertsRandomSignatures(uint256 pkSeed, bytes32 sigR, bytes32 sigS) public {
        uint256 pk = devicePk(pkSeed);
        DeviceRegistry.Registration memory r = registrationOf(pk);
        (bytes32 validR, bytes32 validS) = signRegistration(pk, r, manufacturer);
        // For a given r only s and n - s are valid.
        vm.assume(sigR != validR || (uint256(sigS) != uint256(validS) && uint256(sigS) != P256_N - uint256(validS)));
        expectRegisterRevert(r, sigR, sigS, invalidSignature(pk));
    }

    function testFuzz_register_revertsSignaturesOfAnyOtherDigest(uint256 pkSeed, bytes32 digest) public {
        uint256 pk = devicePk(pkSeed);
        DeviceRegistry.Registration memory r = registrationOf(pk);
        vm.assume(digest != sha256(registrationMessageOf(r, manufacturer, address(registry), block.chainid)));
        (bytes32 sigR, bytes32 sigS) = vm.signP256(pk, digest);
        expectRegisterRevert(r, sigR, sigS, invalidSignature(pk));
    }

    function testFuzz_register_revertsSignaturesByAnyOtherKey(uint256 pkSeed, uint256 otherSeed) public {
        uint256 pk = devicePk(pkSeed);
        uint256 other = devicePk(otherSeed);
        vm.assume(pk != other);
        DeviceRegistry.Registration memory r = registrationOf(pk);
        (bytes32 sigR, bytes32 sigS) = signRegistration(other, r, manufacturer);
        expectRegisterRevert(r, sigR, sigS, invalidSignature(pk));
    }

    /// @notice A signed registration replayed with any one field changed is rejected.
    function testFuzz_register_revertsWhenAnySignedFieldChanges(uint256 pkSeed, uint8 fieldSeed, bytes32 value) public {
        uint256 pk = devicePk(pkSeed);
        DeviceRegistry.Registration memory r = registrationOf(pk);
        r.suite = 3;
        r.auxKeyHash = keccak256("ml-dsa-44 public key");
        (bytes32 sigR, bytes32 sigS) = signRegistration(pk, r, manufacturer);

        uint256 field = bound(fieldSeed, 0, 4);
        if (field == 0) r.suite = uint8(bound(uint256(value), 1, 2));
        if (field == 1) r.model = value;
        if (field == 2) r.firmwareVersion = uint64(uint256(value));
        if (field == 3) r.metadataHash = value;
        if (field == 4) r.auxKeyHash = value;
        DeviceRegistry.Registration memory signed = registrationOf(pk);
        signed.suite = 3;
        signed.auxKeyHash = keccak256("ml-dsa-44 public key");
        vm.assume(keccak256(abi.encode(r)) != keccak256(abi.encode(signed)));
        // A zero aux key hash is rejected before the signature is looked at.
        vm.assume(r.auxKeyHash != 0);

        expectRegisterRevert(r, sigR, sigS, invalidSignature(pk));
    }

    /// @notice A registration is accepted exactly on the chain it was signed for.
    function testFuzz_register_acceptsOnlyTheChainItWasSignedFor(uint64 signedFor, uint64 otherChain, bool sameChain)
        public
    {
        uint64 submittedOn = sameChain ? signedFor : otherChain;
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) =
            vm.signP256(DEVICE_PK, sha256(registrationMessageOf(r, manufacturer, address(registry), signedFor)));
        vm.chainId(submittedOn);
        if (signedFor != submittedOn) {
            expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
            return;
        }
        vm.prank(manufacturer);
        registry.register(r, sigR, sigS);
        assertEq(registry.deviceCount(), 1, "deviceCount");
    }

    function testFuzz_register_revertsPublicKeysOffTheCurve(bytes32 x, bytes32 y) public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        r.pubKeyX = x;
        r.pubKeyY = y;
        // The fuzzer may find a real point (e.g. from the bytecode's self-test vector).
        bytes memory want = isOnCurve(uint256(x), uint256(y))
            ? abi.encodeWithSelector(
                DeviceRegistry.InvalidRegistrationSignature.selector, keccak256(abi.encodePacked(x, y))
            )
            : abi.encodeWithSelector(DeviceRegistry.InvalidPublicKey.selector);
        expectRegisterRevert(r, bytes32(uint256(1)), bytes32(uint256(1)), want);
    }

    /// @notice Once decommissioned, from whatever status, a key can never be registered again,
    ///         even with a fresh and otherwise valid signature.
    function testFuzz_register_neverAcceptsADecommissionedKeyAgain(uint256 pkSeed, uint8 fromSeed, bool byOther)
        public
    {
        uint256 pk = devicePk(pkSeed);
        DeviceRegistry.Status from = DeviceRegistry.Status(bound(fromSeed, 1, 4));
        bytes32 id = deviceIn(from, pk);
        vm.prank(admin);
        registry.decommission(id, "retired");

        address maker = byOther ? otherManufacturer : manufacturer;
        DeviceRegistry.Registration memory r = registrationOf(pk);
        (bytes32 sigR, bytes32 sigS) = vm.signP256(pk, sha256(registry.registrationMessage(r, maker)));
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.DeviceAlreadyRegistered.selector, id));
        vm.prank(maker);
        registry.register(r, sigR, sigS);

        assertEq(uint256(registry.statusOf(id)), uint256(DeviceRegistry.Status.Decommissioned), "status");
        assertEq(registry.getDevice(id).manufacturer, manufacturer, "manufacturer");
        assertEq(registry.deviceCount(), 1, "deviceCount");
        assertEq(registry.statusCount(DeviceRegistry.Status.Manufactured), 0, "statusCount(Manufactured)");
    }

    // ================================================================ model

    struct Snapshot {
        DeviceRegistry.Status status;
        address owner;
        bool hasCap;
        uint256 deviceCount;
        uint256[6] counts;
    }

    function snapshotOf(bytes32 id) internal view returns (Snapshot memory snap) {
        snap.status = registry.statusOf(id);
        snap.owner = registry.ownerOf(id);
        snap.hasCap = registry.hasCapability(id, CAP);
        snap.deviceCount = registry.deviceCount();
        for (uint256 s = 0; s < 6; s++) {
            snap.counts[s] = registry.statusCount(DeviceRegistry.Status(s));
        }
    }

    function assertSnapshotEq(Snapshot memory got, Snapshot memory want, string memory what) internal pure {
        assertEq(uint256(got.status), uint256(want.status), string.concat(what, ": status"));
        assertEq(got.owner, want.owner, string.concat(what, ": owner"));
        assertEq(got.hasCap, want.hasCap, string.concat(what, ": hasCapability"));
        assertEq(got.deviceCount, want.deviceCount, string.concat(what, ": deviceCount"));
        for (uint256 s = 0; s < 6; s++) {
            assertEq(got.counts[s], want.counts[s], string.concat(what, ": statusCount(", vm.toString(s), ")"));
        }
    }

    function callOf(Action action, bytes32 id, address target, bytes32 capability)
        internal
        pure
        returns (bytes memory)
    {
        if (action == Action.Provision) {
            return abi.encodeCall(DeviceRegistry.provision, (id, target));
        }
        if (action == Action.Activate) return abi.encodeCall(DeviceRegistry.activate, (id));
        if (action == Action.Suspend) return abi.encodeCall(DeviceRegistry.suspend, (id, "fuzz"));
        if (action == Action.Decommission) return abi.encodeCall(DeviceRegistry.decommission, (id, "fuzz"));
        if (action == Action.TransferOwnership) return abi.encodeCall(DeviceRegistry.transferOwnership, (id, target));
        if (action == Action.GrantCapability) return abi.encodeCall(DeviceRegistry.grantCapability, (id, capability));
        return abi.encodeCall(DeviceRegistry.revokeCapability, (id, capability));
    }

    /// @notice The access rules written out independently of the contract: the error the call
    ///         must revert with (empty when it must succeed) and the status it leads to. The
    ///         device's manufacturer acts as such only while it holds MANUFACTURER_ROLE.
    function expectedOutcome(
        Action action,
        bytes32 id,
        DeviceRegistry.Status status,
        address caller,
        address deviceOwner,
        address target,
        bytes32 capability,
        bool makerRevoked
    ) internal view returns (bytes memory err, DeviceRegistry.Status next) {
        bool isOwner = deviceOwner != address(0) && caller == deviceOwner;
        bool isAdmin = caller == admin;
        bool isMaker = caller == manufacturer && !makerRevoked;
        bytes memory notAuthorized = abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, caller);
        next = status;

        if (action == Action.Provision) {
            if (!isMaker) return (notAuthorized, next);
            if (target == address(0)) {
                return (abi.encodeWithSelector(DeviceRegistry.InvalidOwner.selector, target), next);
            }
            if (status != DeviceRegistry.Status.Manufactured) {
                return (invalidTransition(id, status, DeviceRegistry.Status.Provisioned), next);
            }
            return ("", DeviceRegistry.Status.Provisioned);
        }
        if (action == Action.Activate) {
            if (!isOwner && !isAdmin) return (notAuthorized, next);
            if (status != DeviceRegistry.Status.Provisioned && status != DeviceRegistry.Status.Suspended) {
                return (invalidTransition(id, status, DeviceRegistry.Status.Active), next);
            }
            return ("", DeviceRegistry.Status.Active);
        }
        if (action == Action.Suspend) {
            if (!isOwner && !isAdmin && caller != guardian) return (notAuthorized, next);
            if (status != DeviceRegistry.Status.Active) {
                return (invalidTransition(id, status, DeviceRegistry.Status.Suspended), next);
            }
            return ("", DeviceRegistry.Status.Suspended);
        }
        if (action == Action.Decommission) {
            bool makerBeforeOwner = status == DeviceRegistry.Status.Manufactured && isMaker;
            if (!isOwner && !isAdmin && !makerBeforeOwner) return (notAuthorized, next);
            if (status == DeviceRegistry.Status.Decommissioned) return (invalidTransition(id, status, status), next);
            return ("", DeviceRegistry.Status.Decommissioned);
        }
        // Transfers and capabilities: only the owner, never after decommissioning.
        if (!isOwner) return (abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, caller), next);
        if (status == DeviceRegistry.Status.Decommissioned) return (invalidTransition(id, status, status), next);
        if (action == Action.TransferOwnership && (target == address(0) || target == deviceOwner)) {
            return (abi.encodeWithSelector(DeviceRegistry.InvalidOwner.selector, target), next);
        }
        if (action == Action.GrantCapability && capability == 0) {
            return (abi.encodeWithSelector(DeviceRegistry.InvalidCapability.selector, capability), next);
        }
        return ("", next);
    }

    // ================================================================ helpers

    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P256_P || y >= P256_P) return false;
        uint256 rhs =
            addmod(mulmod(mulmod(x, x, P256_P), x, P256_P), addmod(mulmod(P256_A, x, P256_P), P256_B, P256_P), P256_P);
        return mulmod(y, y, P256_P) == rhs;
    }
}
