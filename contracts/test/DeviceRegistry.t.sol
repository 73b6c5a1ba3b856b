// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Unit tests of DeviceRegistry: every function's happy path with its events, every error
// path, the roles, and the statusCount bookkeeping.

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {DeviceRegistryFixture} from "./utils/DeviceRegistryFixture.sol";

/// @dev A Solidity-side verifier at its own address, as on a chain without the precompile
///      (here it forwards to the precompile, which is enough to exercise the address).
contract ForwardingVerifier {
    fallback(bytes calldata input) external returns (bytes memory) {
        (bool ok, bytes memory out) = address(0x100).staticcall(input);
        require(ok, "precompile failed");
        return out;
    }
}

/// @dev A broken verifier that says "valid" to everything.
contract AcceptingVerifier {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(uint256(1));
    }
}

/// @dev A verifier that says "invalid" to everything, in the precompile's way (empty output).
contract RejectingVerifier {
    fallback(bytes calldata) external returns (bytes memory) {
        return "";
    }
}

contract DeviceRegistryTest is DeviceRegistryFixture {
    bytes32 internal constant CAP_TEMPERATURE = "telemetry:temperature";
    bytes32 internal constant CAP_UNLOCK = "command:unlock";

    /// @dev (0, Y0) is a point of P-256 (x = 0 has a square root), so (p, Y0) satisfies the
    ///      curve equation mod p and only the range check rejects it.
    bytes32 internal constant Y0 = 0x66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4;

    DeviceRegistry.Status internal constant NONE = DeviceRegistry.Status.None;
    DeviceRegistry.Status internal constant MANUFACTURED = DeviceRegistry.Status.Manufactured;
    DeviceRegistry.Status internal constant PROVISIONED = DeviceRegistry.Status.Provisioned;
    DeviceRegistry.Status internal constant ACTIVE = DeviceRegistry.Status.Active;
    DeviceRegistry.Status internal constant SUSPENDED = DeviceRegistry.Status.Suspended;
    DeviceRegistry.Status internal constant DECOMMISSIONED = DeviceRegistry.Status.Decommissioned;

    // ================================================================ constructor

    function test_constructor_grantsOnlyTheAdminRoleAndUsesThePrecompile() public {
        DeviceRegistry fresh = new DeviceRegistry(stranger, address(0));
        assertTrue(fresh.hasRole(fresh.DEFAULT_ADMIN_ROLE(), stranger), "admin role");
        assertFalse(fresh.hasRole(fresh.MANUFACTURER_ROLE(), stranger), "manufacturer role");
        assertFalse(fresh.hasRole(fresh.GUARDIAN_ROLE(), stranger), "guardian role");
        assertFalse(fresh.hasRole(fresh.DEFAULT_ADMIN_ROLE(), address(this)), "deployer role");
        assertEq(fresh.p256Verifier(), address(0x100), "verifier");
        assertEq(fresh.deviceCount(), 0, "deviceCount");
    }

    function test_constructor_acceptsAVerifierAtAnotherAddress() public {
        ForwardingVerifier verifier = new ForwardingVerifier();
        registry = new DeviceRegistry(admin, address(verifier));
        assertEq(registry.p256Verifier(), address(verifier), "verifier");

        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.prank(admin);
        registry.grantRole(role, manufacturer);
        bytes32 id = registerDevice(DEVICE_PK);
        assertEq(uint256(registry.statusOf(id)), uint256(MANUFACTURED), "status");
    }

    function test_constructor_revertsP256VerifierUnavailable_whenVerifierHasNoCode() public {
        address empty = address(0xdead);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.P256VerifierUnavailable.selector, empty));
        new DeviceRegistry(admin, empty);
    }

    function test_constructor_revertsP256VerifierUnavailable_whenVerifierAcceptsEverything() public {
        address verifier = address(new AcceptingVerifier());
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.P256VerifierUnavailable.selector, verifier));
        new DeviceRegistry(admin, verifier);
    }

    function test_constructor_revertsP256VerifierUnavailable_whenVerifierRejectsEverything() public {
        address verifier = address(new RejectingVerifier());
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.P256VerifierUnavailable.selector, verifier));
        new DeviceRegistry(admin, verifier);
    }

    // ================================================================ roles

    function test_grantRole_emitsRoleGranted() public {
        bytes32 role = registry.GUARDIAN_ROLE();
        vm.expectEmit(true, true, true, true, address(registry));
        emit IAccessControl.RoleGranted(role, stranger, admin);
        vm.prank(admin);
        registry.grantRole(role, stranger);
        assertTrue(registry.hasRole(role, stranger), "hasRole");
    }

    function test_revokeRole_emitsRoleRevoked() public {
        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.expectEmit(true, true, true, true, address(registry));
        emit IAccessControl.RoleRevoked(role, manufacturer, admin);
        vm.prank(admin);
        registry.revokeRole(role, manufacturer);
        assertFalse(registry.hasRole(role, manufacturer), "hasRole");
    }

    function test_grantRole_revertsAccessControlUnauthorizedAccount_forNonAdmins() public {
        bytes32 role = registry.MANUFACTURER_ROLE();
        address[3] memory callers = [manufacturer, guardian, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], bytes32(0))
            );
            vm.prank(callers[i]);
            registry.grantRole(role, stranger);
        }
        assertFalse(registry.hasRole(role, stranger), "hasRole");
    }

    function test_renounceRole_emitsRoleRevoked() public {
        bytes32 role = registry.GUARDIAN_ROLE();
        vm.expectEmit(true, true, true, true, address(registry));
        emit IAccessControl.RoleRevoked(role, guardian, guardian);
        vm.prank(guardian);
        registry.renounceRole(role, guardian);
        assertFalse(registry.hasRole(role, guardian), "hasRole");
    }

    // ================================================================ ids and messages

    function test_deviceIdOf_isKeccakOfXThenY() public view {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        assertEq(registry.deviceIdOf(r.pubKeyX, r.pubKeyY), keccak256(abi.encodePacked(r.pubKeyX, r.pubKeyY)), "id");
        assertNotEq(registry.deviceIdOf(r.pubKeyY, r.pubKeyX), idOf(DEVICE_PK), "id of swapped coordinates");
    }

    function test_registrationMessage_matchesTheDocumentedEncoding() public view {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        r.suite = 3;
        r.auxKeyHash = keccak256("ml-dsa-44 public key");
        assertEq(
            registry.registrationMessage(r, manufacturer),
            registrationMessageOf(r, manufacturer, address(registry), block.chainid),
            "registrationMessage"
        );
    }

    // ================================================================ register

    function test_register_storesTheDeviceAndEmitsDeviceRegistered() public {
        vm.warp(1_760_000_123);
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        bytes32 id = idOf(DEVICE_PK);

        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceRegistered(
            id, manufacturer, r.suite, r.model, r.firmwareVersion, r.pubKeyX, r.pubKeyY, r.metadataHash, r.auxKeyHash
        );
        vm.prank(manufacturer);
        assertEq(registry.register(r, sigR, sigS), id, "returned id");

        DeviceRegistry.Device memory d = registry.getDevice(id);
        assertEq(d.owner, address(0), "owner");
        assertEq(uint256(d.status), uint256(MANUFACTURED), "status");
        assertEq(d.suite, 1, "suite");
        assertEq(d.firmwareVersion, 7, "firmwareVersion");
        assertEq(d.manufacturer, manufacturer, "manufacturer");
        assertEq(d.registeredAt, 1_760_000_123, "registeredAt");
        assertEq(d.pubKeyX, r.pubKeyX, "pubKeyX");
        assertEq(d.pubKeyY, r.pubKeyY, "pubKeyY");
        assertEq(d.model, r.model, "model");
        assertEq(d.metadataHash, r.metadataHash, "metadataHash");
        assertEq(d.auxKeyHash, bytes32(0), "auxKeyHash");

        assertEq(uint256(registry.statusOf(id)), uint256(MANUFACTURED), "statusOf");
        assertEq(registry.ownerOf(id), address(0), "ownerOf");
        assertEq(registry.nonces(id), 1, "nonce");
        assertEq(registry.deviceCount(), 1, "deviceCount");
        assertEq(registry.deviceIdAt(0), id, "deviceIdAt(0)");
        assertCounts([uint256(0), 1, 0, 0, 0, 0]);
    }

    function test_register_acceptsEverySuite() public {
        for (uint8 suite = 1; suite <= 3; suite++) {
            uint256 pk = DEVICE_PK + suite;
            DeviceRegistry.Registration memory r = registrationOf(pk);
            r.suite = suite;
            r.auxKeyHash = suite == 1 ? bytes32(0) : keccak256(abi.encode("aux key", suite));
            (bytes32 sigR, bytes32 sigS) = signRegistration(pk, r, manufacturer);
            vm.prank(manufacturer);
            bytes32 id = registry.register(r, sigR, sigS);
            assertEq(registry.getDevice(id).suite, suite, "suite");
            assertEq(registry.getDevice(id).auxKeyHash, r.auxKeyHash, "auxKeyHash");
        }
        assertEq(registry.deviceCount(), 3, "deviceCount");
    }

    /// @dev The project's rule on ECDSA malleability: a signature (r, s) and its twin (r, n - s)
    ///      are both valid, as the P256VERIFY precompile (EIP-7951) and Wycheproof have it.
    ///      Veriot never uses a signature as an identifier, so accepting high S is harmless.
    function test_register_acceptsLowAndHighS() public {
        uint256 half = P256_N / 2;
        uint256[2] memory pks = [DEVICE_PK, OTHER_DEVICE_PK];
        for (uint256 i = 0; i < 2; i++) {
            DeviceRegistry.Registration memory r = registrationOf(pks[i]);
            (bytes32 sigR, bytes32 sigS) = signRegistration(pks[i], r, manufacturer);
            uint256 s = uint256(sigS);
            uint256 low = s > half ? P256_N - s : s;
            // The first device registers with the low S, the second with the high S.
            uint256 used = i == 0 ? low : P256_N - low;
            assertEq(used > half, i == 1, "S is high");
            vm.prank(manufacturer);
            registry.register(r, sigR, bytes32(used));
        }
        assertEq(registry.deviceCount(), 2, "deviceCount");
    }

    function test_register_revertsAccessControlUnauthorizedAccount_forNonManufacturers() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        address[4] memory callers = [admin, guardian, owner, stranger];
        bytes32 role = registry.MANUFACTURER_ROLE();
        for (uint256 i = 0; i < callers.length; i++) {
            (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, callers[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role)
            );
            vm.prank(callers[i]);
            registry.register(r, sigR, sigS);
        }
        assertEq(registry.deviceCount(), 0, "deviceCount");
    }

    function test_register_revertsAccessControlUnauthorizedAccount_afterTheRoleIsRevoked() public {
        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.prank(admin);
        registry.revokeRole(role, manufacturer);
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, manufacturer, role)
        );
        vm.prank(manufacturer);
        registry.register(r, sigR, sigS);
    }

    function test_register_revertsUnsupportedSuite() public {
        uint8[3] memory suites = [0, 4, 255];
        for (uint256 i = 0; i < suites.length; i++) {
            DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
            r.suite = suites[i];
            r.auxKeyHash = keccak256("aux key");
            (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
            expectRegisterRevert(
                r, sigR, sigS, abi.encodeWithSelector(DeviceRegistry.UnsupportedSuite.selector, suites[i])
            );
        }
    }

    function test_register_revertsMissingAuxKey_forHybridAndEd25519Suites() public {
        for (uint8 suite = 2; suite <= 3; suite++) {
            DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
            r.suite = suite;
            (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
            expectRegisterRevert(r, sigR, sigS, abi.encodeWithSelector(DeviceRegistry.MissingAuxKey.selector, suite));
        }
    }

    function test_register_revertsInvalidPublicKey_offTheCurve() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        r.pubKeyY = bytes32(addmod(uint256(r.pubKeyY), 1, P256_P));
        expectRegisterRevert(
            r,
            bytes32(uint256(1)),
            bytes32(uint256(1)),
            abi.encodeWithSelector(DeviceRegistry.InvalidPublicKey.selector)
        );
    }

    function test_register_revertsInvalidPublicKey_forZero() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        r.pubKeyX = 0;
        r.pubKeyY = 0;
        expectRegisterRevert(
            r,
            bytes32(uint256(1)),
            bytes32(uint256(1)),
            abi.encodeWithSelector(DeviceRegistry.InvalidPublicKey.selector)
        );
    }

    function test_register_revertsInvalidPublicKey_whenXIsNotBelowP() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        // (0, Y0) is on the curve: it passes the key check and fails only on the signature.
        r.pubKeyX = 0;
        r.pubKeyY = Y0;
        bytes32 id = keccak256(abi.encodePacked(r.pubKeyX, r.pubKeyY));
        expectRegisterRevert(
            r,
            bytes32(uint256(1)),
            bytes32(uint256(1)),
            abi.encodeWithSelector(DeviceRegistry.InvalidRegistrationSignature.selector, id)
        );
        // (p, Y0) is the same point mod p, not a canonical encoding.
        r.pubKeyX = bytes32(P256_P);
        expectRegisterRevert(
            r,
            bytes32(uint256(1)),
            bytes32(uint256(1)),
            abi.encodeWithSelector(DeviceRegistry.InvalidPublicKey.selector)
        );
    }

    function test_register_revertsDeviceAlreadyRegistered_forALiveKey() public {
        bytes32 id = registerDevice(DEVICE_PK);
        address[2] memory makers = [manufacturer, otherManufacturer];
        for (uint256 i = 0; i < makers.length; i++) {
            DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
            r.firmwareVersion = 8;
            (bytes32 sigR, bytes32 sigS) = vm.signP256(DEVICE_PK, sha256(registry.registrationMessage(r, makers[i])));
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.DeviceAlreadyRegistered.selector, id));
            vm.prank(makers[i]);
            registry.register(r, sigR, sigS);
        }
        assertEq(registry.deviceCount(), 1, "deviceCount");
    }

    function test_register_revertsDeviceAlreadyRegistered_forADecommissionedKey() public {
        bytes32 id = deviceIn(DECOMMISSIONED, DEVICE_PK);
        address[2] memory makers = [manufacturer, otherManufacturer];
        for (uint256 i = 0; i < makers.length; i++) {
            // A fresh signature over the current message (with the bumped nonce) is otherwise valid.
            DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
            (bytes32 sigR, bytes32 sigS) = vm.signP256(DEVICE_PK, sha256(registry.registrationMessage(r, makers[i])));
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.DeviceAlreadyRegistered.selector, id));
            vm.prank(makers[i]);
            registry.register(r, sigR, sigS);
        }
        assertEq(uint256(registry.statusOf(id)), uint256(DECOMMISSIONED), "status");
        assertEq(registry.deviceCount(), 1, "deviceCount");
    }

    function test_register_revertsInvalidRegistrationSignature_byAnotherKey() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(OTHER_DEVICE_PK, r, manufacturer);
        expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
    }

    function test_register_revertsInvalidRegistrationSignature_forAnotherChain() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        vm.chainId(chainId);
        expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
    }

    function test_register_bindsTheChainItRunsOn() public {
        uint256 chainId = block.chainid;
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        vm.chainId(10);
        // Signed on the default chain, submitted on chain 10: rejected.
        expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
        // Signed for chain 10, submitted on chain 10: accepted.
        (sigR, sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        vm.prank(manufacturer);
        registry.register(r, sigR, sigS);
        vm.chainId(chainId);
    }

    function test_register_revertsInvalidRegistrationSignature_forAnotherRegistry() public {
        DeviceRegistry other = new DeviceRegistry(admin, address(0));
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) =
            vm.signP256(DEVICE_PK, sha256(registrationMessageOf(r, manufacturer, address(other), block.chainid)));
        expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
    }

    function test_register_revertsInvalidRegistrationSignature_forAnotherManufacturer() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, otherManufacturer);
        expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
        // The manufacturer the device signed for can use it.
        vm.prank(otherManufacturer);
        registry.register(r, sigR, sigS);
    }

    function test_register_revertsInvalidRegistrationSignature_whenASignedFieldChanges() public {
        DeviceRegistry.Registration memory signed = registrationOf(DEVICE_PK);
        signed.suite = 3;
        signed.auxKeyHash = keccak256("ml-dsa-44 public key");
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, signed, manufacturer);
        for (uint256 field = 0; field < 5; field++) {
            DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
            r.suite = signed.suite;
            r.auxKeyHash = signed.auxKeyHash;
            if (field == 0) r.suite = 2;
            if (field == 1) r.model = "veriot/other-model";
            if (field == 2) r.firmwareVersion = signed.firmwareVersion + 1;
            if (field == 3) r.metadataHash = keccak256("serial 0002");
            if (field == 4) r.auxKeyHash = keccak256("another ml-dsa-44 public key");
            expectRegisterRevert(r, sigR, sigS, invalidSignature(DEVICE_PK));
        }
        // The untouched registration goes through.
        vm.prank(manufacturer);
        registry.register(signed, sigR, sigS);
    }

    function test_register_revertsInvalidRegistrationSignature_forScalarsOutOfRange() public {
        DeviceRegistry.Registration memory r = registrationOf(DEVICE_PK);
        (bytes32 sigR, bytes32 sigS) = signRegistration(DEVICE_PK, r, manufacturer);
        bytes memory want = invalidSignature(DEVICE_PK);
        expectRegisterRevert(r, 0, sigS, want);
        expectRegisterRevert(r, sigR, 0, want);
        expectRegisterRevert(r, bytes32(P256_N), sigS, want);
        expectRegisterRevert(r, sigR, bytes32(P256_N), want);
        expectRegisterRevert(r, sigS, sigR, want);
    }

    // ================================================================ provision

    function test_provision_setsTheOwnerAndEmitsDeviceProvisioned() public {
        bytes32 id = registerDevice(DEVICE_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceProvisioned(id, owner, manufacturer);
        vm.prank(manufacturer);
        registry.provision(id, owner);
        assertEq(registry.ownerOf(id), owner, "ownerOf");
        assertEq(registry.getDevice(id).owner, owner, "getDevice.owner");
        assertEq(uint256(registry.statusOf(id)), uint256(PROVISIONED), "status");
        assertCounts([uint256(0), 0, 1, 0, 0, 0]);
    }

    function test_provision_revertsNotAuthorized_forAnyoneButTheRegisteringManufacturer() public {
        bytes32 id = registerDevice(DEVICE_PK);
        address[4] memory callers = [otherManufacturer, admin, guardian, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.provision(id, owner);
        }
        assertEq(uint256(registry.statusOf(id)), uint256(MANUFACTURED), "status");
    }

    /// @dev Losing MANUFACTURER_ROLE (revoked by an admin or renounced) ends a manufacturer's
    ///      power over the devices it already registered, not only its right to register more.
    function test_provision_revertsNotAuthorized_onceTheManufacturerLostItsRole() public {
        bytes32 role = registry.MANUFACTURER_ROLE();
        for (uint256 i = 0; i < 2; i++) {
            bytes32 id = registerDevice(DEVICE_PK + i);
            if (i == 0) {
                vm.prank(admin);
                registry.revokeRole(role, manufacturer);
            } else {
                vm.prank(manufacturer);
                registry.renounceRole(role, manufacturer);
            }

            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, manufacturer));
            vm.prank(manufacturer);
            registry.provision(id, owner);
            assertEq(uint256(registry.statusOf(id)), uint256(MANUFACTURED), "status");
            assertEq(registry.ownerOf(id), address(0), "ownerOf");

            // The role held at the time of the call counts: granted again, it may provision.
            vm.prank(admin);
            registry.grantRole(role, manufacturer);
            vm.prank(manufacturer);
            registry.provision(id, owner);
            assertEq(uint256(registry.statusOf(id)), uint256(PROVISIONED), "status after the role is back");
        }
    }

    function test_provision_revertsInvalidOwner_forZero() public {
        bytes32 id = registerDevice(DEVICE_PK);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.InvalidOwner.selector, address(0)));
        vm.prank(manufacturer);
        registry.provision(id, address(0));
    }

    function test_provision_revertsInvalidTransition_afterManufactured() public {
        DeviceRegistry.Status[4] memory froms = [PROVISIONED, ACTIVE, SUSPENDED, DECOMMISSIONED];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectRevert(invalidTransition(id, froms[i], PROVISIONED));
            vm.prank(manufacturer);
            registry.provision(id, newOwner);
            assertEq(registry.ownerOf(id), owner, "ownerOf");
        }
    }

    // ================================================================ activate

    function test_activate_byTheOwnerEmitsDeviceActivated() public {
        bytes32 id = deviceIn(PROVISIONED, DEVICE_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceActivated(id, owner, bytes32(0));
        vm.prank(owner);
        registry.activate(id);
        assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status");
        assertCounts([uint256(0), 0, 0, 1, 0, 0]);
    }

    function test_activateWithReason_keepsTheReasonInTheEvent() public {
        bytes32 id = deviceIn(SUSPENDED, DEVICE_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceActivated(id, owner, bytes32("lockdown reviewed"));
        vm.prank(owner);
        registry.activateWithReason(id, bytes32("lockdown reviewed"));
        assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status");
    }

    function test_activateWithReason_revertsForAGuardian() public {
        bytes32 id = deviceIn(SUSPENDED, DEVICE_PK);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, guardian));
        registry.activateWithReason(id, bytes32("guardian"));
        assertEq(uint256(registry.statusOf(id)), uint256(SUSPENDED), "status");
    }

    function test_activate_byTheAdminFromProvisioned() public {
        bytes32 id = deviceIn(PROVISIONED, DEVICE_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceActivated(id, admin, bytes32(0));
        vm.prank(admin);
        registry.activate(id);
        assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status");
    }

    function test_activate_reactivatesASuspendedDevice_byTheAdminOrTheOwner() public {
        address[2] memory callers = [admin, owner];
        for (uint256 i = 0; i < callers.length; i++) {
            bytes32 id = deviceIn(SUSPENDED, DEVICE_PK + i);
            vm.expectEmit(true, true, true, true, address(registry));
            emit DeviceRegistry.DeviceActivated(id, callers[i], bytes32(0));
            vm.prank(callers[i]);
            registry.activate(id);
            assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status");
        }
        assertCounts([uint256(0), 0, 0, 2, 0, 0]);
    }

    function test_activate_revertsNotAuthorized_forManufacturerGuardianAndStrangers() public {
        bytes32 id = deviceIn(SUSPENDED, DEVICE_PK);
        address[4] memory callers = [manufacturer, guardian, newOwner, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.activate(id);
        }
        assertEq(uint256(registry.statusOf(id)), uint256(SUSPENDED), "status");
    }

    function test_activate_revertsInvalidTransition_fromManufacturedActiveAndDecommissioned() public {
        DeviceRegistry.Status[3] memory froms = [MANUFACTURED, ACTIVE, DECOMMISSIONED];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectRevert(invalidTransition(id, froms[i], ACTIVE));
            vm.prank(admin);
            registry.activate(id);
        }
    }

    // ================================================================ suspend

    function test_suspend_byOwnerGuardianOrAdminEmitsDeviceSuspended() public {
        address[3] memory callers = [owner, guardian, admin];
        for (uint256 i = 0; i < callers.length; i++) {
            bytes32 id = deviceIn(ACTIVE, DEVICE_PK + i);
            vm.expectEmit(true, true, true, true, address(registry));
            emit DeviceRegistry.DeviceSuspended(id, callers[i], "tamper alarm");
            vm.prank(callers[i]);
            registry.suspend(id, "tamper alarm");
            assertEq(uint256(registry.statusOf(id)), uint256(SUSPENDED), "status");
        }
        assertCounts([uint256(0), 0, 0, 0, 3, 0]);
    }

    function test_suspend_revertsNotAuthorized_forManufacturerAndStrangers() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        address[3] memory callers = [manufacturer, newOwner, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.suspend(id, "no");
        }
        assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status");
    }

    function test_suspend_revertsInvalidTransition_fromAnyStatusButActive() public {
        DeviceRegistry.Status[4] memory froms = [MANUFACTURED, PROVISIONED, SUSPENDED, DECOMMISSIONED];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectRevert(invalidTransition(id, froms[i], SUSPENDED));
            vm.prank(guardian);
            registry.suspend(id, "tamper alarm");
        }
    }

    // ================================================================ decommission

    function test_decommission_fromEveryLiveStatusEmitsDeviceDecommissioned() public {
        DeviceRegistry.Status[4] memory froms = [MANUFACTURED, PROVISIONED, ACTIVE, SUSPENDED];
        // Before it has an owner its manufacturer (holding the role) may retire it; afterwards
        // the owner or an admin.
        address[4] memory callers = [manufacturer, owner, admin, owner];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectEmit(true, true, true, true, address(registry));
            emit DeviceRegistry.DeviceDecommissioned(id, callers[i], "end of life");
            vm.prank(callers[i]);
            registry.decommission(id, "end of life");
            assertEq(uint256(registry.statusOf(id)), uint256(DECOMMISSIONED), "status");
        }
        assertCounts([uint256(0), 0, 0, 0, 0, 4]);
    }

    function test_decommission_byTheAdminBeforeProvisioning() public {
        bytes32 id = registerDevice(DEVICE_PK);
        vm.prank(admin);
        registry.decommission(id, "recall");
        assertEq(uint256(registry.statusOf(id)), uint256(DECOMMISSIONED), "status");
    }

    function test_decommission_revertsNotAuthorized_forTheManufacturerAfterProvisioning() public {
        DeviceRegistry.Status[3] memory froms = [PROVISIONED, ACTIVE, SUSPENDED];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, manufacturer));
            vm.prank(manufacturer);
            registry.decommission(id, "recall");
        }
    }

    function test_decommission_revertsNotAuthorized_forAManufacturerThatLostItsRole() public {
        bytes32 id = registerDevice(DEVICE_PK);
        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.prank(admin);
        registry.revokeRole(role, manufacturer);

        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, manufacturer));
        vm.prank(manufacturer);
        registry.decommission(id, "recall");
        assertEq(uint256(registry.statusOf(id)), uint256(MANUFACTURED), "status");

        // An admin still can.
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.DeviceDecommissioned(id, admin, "recall");
        vm.prank(admin);
        registry.decommission(id, "recall");
        assertCounts([uint256(0), 0, 0, 0, 0, 1]);
    }

    /// @dev Owner rights hang on ownership alone: a manufacturer that provisioned a device to
    ///      itself keeps them after losing MANUFACTURER_ROLE.
    function test_decommission_byAManufacturerThatLostItsRoleButOwnsTheDevice() public {
        bytes32 id = registerDevice(DEVICE_PK);
        vm.prank(manufacturer);
        registry.provision(id, manufacturer);
        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.prank(admin);
        registry.revokeRole(role, manufacturer);

        vm.startPrank(manufacturer);
        registry.activate(id);
        registry.grantCapability(id, CAP_TEMPERATURE);
        registry.decommission(id, "end of life");
        vm.stopPrank();
        assertEq(uint256(registry.statusOf(id)), uint256(DECOMMISSIONED), "status");
    }

    function test_decommission_revertsNotAuthorized_forGuardiansOtherManufacturersAndStrangers() public {
        bytes32 id = registerDevice(DEVICE_PK);
        bytes32 active = deviceIn(ACTIVE, OTHER_DEVICE_PK);
        address[3] memory callers = [guardian, otherManufacturer, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.decommission(id, "no");
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, active, callers[i]));
            vm.prank(callers[i]);
            registry.decommission(active, "no");
        }
    }

    function test_decommission_revertsInvalidTransition_whenAlreadyDecommissioned() public {
        bytes32 id = deviceIn(DECOMMISSIONED, DEVICE_PK);
        address[2] memory callers = [owner, admin];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(invalidTransition(id, DECOMMISSIONED, DECOMMISSIONED));
            vm.prank(callers[i]);
            registry.decommission(id, "again");
        }
        assertCounts([uint256(0), 0, 0, 0, 0, 1]);
    }

    function test_decommission_isTerminal() public {
        bytes32 id = deviceIn(DECOMMISSIONED, DEVICE_PK);
        bytes memory terminal = invalidTransition(id, DECOMMISSIONED, DECOMMISSIONED);

        vm.expectRevert(invalidTransition(id, DECOMMISSIONED, PROVISIONED));
        vm.prank(manufacturer);
        registry.provision(id, newOwner);
        vm.expectRevert(invalidTransition(id, DECOMMISSIONED, ACTIVE));
        vm.prank(admin);
        registry.activate(id);
        vm.expectRevert(invalidTransition(id, DECOMMISSIONED, ACTIVE));
        vm.prank(owner);
        registry.activate(id);
        vm.expectRevert(invalidTransition(id, DECOMMISSIONED, SUSPENDED));
        vm.prank(guardian);
        registry.suspend(id, "x");
        vm.expectRevert(terminal);
        vm.prank(owner);
        registry.transferOwnership(id, newOwner);
        vm.expectRevert(terminal);
        vm.prank(owner);
        registry.grantCapability(id, CAP_TEMPERATURE);
        vm.expectRevert(terminal);
        vm.prank(owner);
        registry.revokeCapability(id, CAP_TEMPERATURE);

        assertEq(uint256(registry.statusOf(id)), uint256(DECOMMISSIONED), "status");
        assertEq(registry.ownerOf(id), owner, "ownerOf");
    }

    // ================================================================ transferOwnership

    function test_transferOwnership_movesOwnershipAndEmitsDeviceTransferred() public {
        DeviceRegistry.Status[3] memory froms = [PROVISIONED, ACTIVE, SUSPENDED];
        for (uint256 i = 0; i < froms.length; i++) {
            bytes32 id = deviceIn(froms[i], DEVICE_PK + i);
            vm.expectEmit(true, true, true, true, address(registry));
            emit DeviceRegistry.DeviceTransferred(id, owner, newOwner);
            vm.prank(owner);
            registry.transferOwnership(id, newOwner);
            assertEq(registry.ownerOf(id), newOwner, "ownerOf");
            assertEq(uint256(registry.statusOf(id)), uint256(froms[i]), "status unchanged");

            // The old owner lost every owner right, the new one has them.
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, owner));
            vm.prank(owner);
            registry.transferOwnership(id, owner);
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, owner));
            vm.prank(owner);
            registry.grantCapability(id, CAP_UNLOCK);
            vm.prank(newOwner);
            registry.grantCapability(id, CAP_UNLOCK);
            vm.prank(newOwner);
            registry.decommission(id, "sold for parts");
        }
    }

    function test_transferOwnership_revertsNotDeviceOwner_forEveryoneButTheOwner() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        address[5] memory callers = [admin, guardian, manufacturer, newOwner, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.transferOwnership(id, callers[i]);
        }
        assertEq(registry.ownerOf(id), owner, "ownerOf");
    }

    function test_transferOwnership_revertsNotDeviceOwner_beforeProvisioning() public {
        bytes32 id = registerDevice(DEVICE_PK);
        address[2] memory callers = [manufacturer, admin];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.transferOwnership(id, newOwner);
        }
        assertEq(registry.ownerOf(id), address(0), "ownerOf");
    }

    function test_transferOwnership_revertsInvalidOwner_forZeroAndTheCurrentOwner() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        address[2] memory targets = [address(0), owner];
        for (uint256 i = 0; i < targets.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.InvalidOwner.selector, targets[i]));
            vm.prank(owner);
            registry.transferOwnership(id, targets[i]);
        }
    }

    function test_transferOwnership_revertsInvalidTransition_whenDecommissioned() public {
        bytes32 id = deviceIn(DECOMMISSIONED, DEVICE_PK);
        vm.expectRevert(invalidTransition(id, DECOMMISSIONED, DECOMMISSIONED));
        vm.prank(owner);
        registry.transferOwnership(id, newOwner);
        assertEq(registry.ownerOf(id), owner, "ownerOf");
    }

    // ================================================================ capabilities

    function test_grantCapability_addsItOnceAndEmitsCapabilityGrantedOnce() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.CapabilityGranted(id, CAP_TEMPERATURE, owner);
        vm.prank(owner);
        registry.grantCapability(id, CAP_TEMPERATURE);
        assertTrue(registry.hasCapability(id, CAP_TEMPERATURE), "hasCapability");
        assertFalse(registry.hasCapability(id, CAP_UNLOCK), "hasCapability(other)");

        // Granting again is a no-op without an event.
        vm.recordLogs();
        vm.prank(owner);
        registry.grantCapability(id, CAP_TEMPERATURE);
        assertEq(vm.getRecordedLogs().length, 0, "events of a repeated grant");

        vm.prank(owner);
        registry.grantCapability(id, CAP_UNLOCK);
        bytes32[] memory want = new bytes32[](2);
        want[0] = CAP_TEMPERATURE;
        want[1] = CAP_UNLOCK;
        assertEq(registry.capabilitiesOf(id), want, "capabilitiesOf");
    }

    function test_grantCapability_worksInEveryOwnedLiveStatus() public {
        DeviceRegistry.Status[3] memory statuses = [PROVISIONED, ACTIVE, SUSPENDED];
        for (uint256 i = 0; i < statuses.length; i++) {
            bytes32 id = deviceIn(statuses[i], DEVICE_PK + i);
            vm.prank(owner);
            registry.grantCapability(id, CAP_TEMPERATURE);
            assertTrue(registry.hasCapability(id, CAP_TEMPERATURE), "hasCapability");
        }
    }

    function test_revokeCapability_removesItAndEmitsCapabilityRevokedOnce() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        vm.startPrank(owner);
        registry.grantCapability(id, CAP_TEMPERATURE);
        registry.grantCapability(id, CAP_UNLOCK);
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.CapabilityRevoked(id, CAP_TEMPERATURE, owner);
        registry.revokeCapability(id, CAP_TEMPERATURE);

        vm.recordLogs();
        registry.revokeCapability(id, CAP_TEMPERATURE);
        registry.revokeCapability(id, "never granted");
        assertEq(vm.getRecordedLogs().length, 0, "events of revoking what is not granted");
        vm.stopPrank();

        assertFalse(registry.hasCapability(id, CAP_TEMPERATURE), "hasCapability(revoked)");
        assertTrue(registry.hasCapability(id, CAP_UNLOCK), "hasCapability(kept)");
        bytes32[] memory want = new bytes32[](1);
        want[0] = CAP_UNLOCK;
        assertEq(registry.capabilitiesOf(id), want, "capabilitiesOf");
    }

    function test_grantCapability_revertsInvalidCapability_forZero() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.InvalidCapability.selector, bytes32(0)));
        vm.prank(owner);
        registry.grantCapability(id, 0);
        assertEq(registry.capabilitiesOf(id).length, 0, "capabilities");
    }

    function test_capabilities_revertNotDeviceOwner_forEveryoneButTheOwner() public {
        bytes32 unowned = registerDevice(DEVICE_PK);
        bytes32 id = deviceIn(ACTIVE, OTHER_DEVICE_PK);
        vm.prank(owner);
        registry.grantCapability(id, CAP_UNLOCK);
        address[5] memory callers = [admin, guardian, manufacturer, newOwner, stranger];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.startPrank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, callers[i]));
            registry.grantCapability(id, CAP_TEMPERATURE);
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, callers[i]));
            registry.revokeCapability(id, CAP_UNLOCK);
            vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, unowned, callers[i]));
            registry.grantCapability(unowned, CAP_TEMPERATURE);
            vm.stopPrank();
        }
        assertTrue(registry.hasCapability(id, CAP_UNLOCK), "hasCapability(kept)");
        assertFalse(registry.hasCapability(id, CAP_TEMPERATURE), "hasCapability(not granted)");
    }

    /// @dev Current rule: capabilities belong to the device, so they survive a transfer and
    ///      stay readable after decommissioning (readers must check statusOf as well).
    function test_capabilities_belongToTheDeviceAcrossTransferAndDecommission() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        vm.prank(owner);
        registry.grantCapability(id, CAP_UNLOCK);
        vm.prank(owner);
        registry.transferOwnership(id, newOwner);
        bytes32[] memory want = new bytes32[](1);
        want[0] = CAP_UNLOCK;
        assertTrue(registry.hasCapability(id, CAP_UNLOCK), "hasCapability after transfer");
        assertEq(registry.capabilitiesOf(id), want, "capabilitiesOf after transfer");
        vm.prank(newOwner);
        registry.decommission(id, "end of life");
        assertTrue(registry.hasCapability(id, CAP_UNLOCK), "hasCapability after decommission");
        assertEq(registry.capabilitiesOf(id), want, "capabilitiesOf after decommission");
    }

    // ================================================================ unknown devices and reads

    function test_everyDeviceAction_revertsUnknownDevice() public {
        bytes32 id = idOf(DEVICE_PK);
        bytes memory want = abi.encodeWithSelector(DeviceRegistry.UnknownDevice.selector, id);
        vm.startPrank(admin);
        vm.expectRevert(want);
        registry.provision(id, owner);
        vm.expectRevert(want);
        registry.activate(id);
        vm.expectRevert(want);
        registry.suspend(id, "x");
        vm.expectRevert(want);
        registry.decommission(id, "x");
        vm.expectRevert(want);
        registry.transferOwnership(id, owner);
        vm.expectRevert(want);
        registry.grantCapability(id, CAP_TEMPERATURE);
        vm.expectRevert(want);
        registry.revokeCapability(id, CAP_TEMPERATURE);
        vm.stopPrank();
        // Not even the zero address (the owner field of an unknown device) gets through.
        vm.expectRevert(want);
        vm.prank(address(0));
        registry.transferOwnership(id, owner);
    }

    function test_reads_ofAnUnknownDeviceAreEmpty() public view {
        bytes32 id = idOf(DEVICE_PK);
        assertEq(uint256(registry.statusOf(id)), uint256(NONE), "statusOf");
        assertEq(registry.ownerOf(id), address(0), "ownerOf");
        assertEq(registry.getDevice(id).manufacturer, address(0), "manufacturer");
        assertEq(registry.getDevice(id).pubKeyX, bytes32(0), "pubKeyX");
        assertEq(registry.capabilitiesOf(id).length, 0, "capabilitiesOf");
        assertEq(registry.nonces(id), 0, "nonce");
    }

    function test_deviceIdAt_listsDevicesInRegistrationOrder() public {
        bytes32 first = registerDevice(DEVICE_PK);
        bytes32 second = registerDevice(OTHER_DEVICE_PK);
        assertEq(registry.deviceCount(), 2, "deviceCount");
        assertEq(registry.deviceIdAt(0), first, "deviceIdAt(0)");
        assertEq(registry.deviceIdAt(1), second, "deviceIdAt(1)");
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x32));
        registry.deviceIdAt(2);
    }

    // ================================================================ guardian and statusCount

    function test_guardian_canSuspendButNotActivateTransferOrDecommission() public {
        bytes32 id = deviceIn(ACTIVE, DEVICE_PK);
        vm.startPrank(guardian);
        registry.suspend(id, "anomaly");
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, guardian));
        registry.activate(id);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotDeviceOwner.selector, id, guardian));
        registry.transferOwnership(id, guardian);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.NotAuthorized.selector, id, guardian));
        registry.decommission(id, "anomaly");
        vm.stopPrank();
        assertEq(uint256(registry.statusOf(id)), uint256(SUSPENDED), "status");

        vm.prank(admin);
        registry.activate(id);
        assertEq(uint256(registry.statusOf(id)), uint256(ACTIVE), "status after the admin");
    }

    function test_statusCount_followsEveryTransition() public {
        assertCounts([uint256(0), 0, 0, 0, 0, 0]);
        bytes32 a = registerDevice(DEVICE_PK);
        bytes32 b = registerDevice(OTHER_DEVICE_PK);
        assertCounts([uint256(0), 2, 0, 0, 0, 0]);
        vm.prank(manufacturer);
        registry.provision(a, owner);
        assertCounts([uint256(0), 1, 1, 0, 0, 0]);
        vm.prank(owner);
        registry.activate(a);
        assertCounts([uint256(0), 1, 0, 1, 0, 0]);
        vm.prank(guardian);
        registry.suspend(a, "anomaly");
        assertCounts([uint256(0), 1, 0, 0, 1, 0]);
        vm.prank(admin);
        registry.activate(a);
        assertCounts([uint256(0), 1, 0, 1, 0, 0]);
        vm.prank(owner);
        registry.transferOwnership(a, newOwner);
        assertCounts([uint256(0), 1, 0, 1, 0, 0]);
        vm.prank(manufacturer);
        registry.decommission(b, "defective");
        assertCounts([uint256(0), 0, 0, 1, 0, 1]);
        vm.prank(newOwner);
        registry.decommission(a, "end of life");
        assertCounts([uint256(0), 0, 0, 0, 0, 2]);
        assertEq(registry.deviceCount(), 2, "deviceCount");
    }

    // ================================================================ helpers

    function assertCounts(uint256[6] memory want) internal view {
        for (uint256 s = 0; s < want.length; s++) {
            assertEq(
                registry.statusCount(DeviceRegistry.Status(s)),
                want[s],
                string.concat("statusCount(", vm.toString(s), ")")
            );
        }
    }
}
