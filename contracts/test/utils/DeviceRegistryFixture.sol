// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Shared setup of the DeviceRegistry tests: a deployed registry with its roles handed out,
// P-256 device keys from Forge's cheatcodes, and devices walked into any lifecycle status.

import {DeviceRegistry} from "../../src/DeviceRegistry.sol";
import {VeriotTest} from "./VeriotTest.sol";

abstract contract DeviceRegistryFixture is VeriotTest {
    /// @dev Order n of the P-256 group and the field prime p.
    uint256 internal constant P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
    uint256 internal constant P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff;

    address internal admin = _actor("admin");
    address internal manufacturer = _actor("manufacturer");
    address internal otherManufacturer = _actor("otherManufacturer");
    address internal guardian = _actor("guardian");
    address internal owner = _actor("owner");
    address internal newOwner = _actor("newOwner");
    address internal stranger = _actor("stranger");

    uint256 internal constant DEVICE_PK = 0xd3e1ce;
    uint256 internal constant OTHER_DEVICE_PK = 0x0be7;

    DeviceRegistry internal registry;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        registry = new DeviceRegistry(admin, address(0));
        vm.startPrank(admin);
        registry.grantRole(registry.MANUFACTURER_ROLE(), manufacturer);
        registry.grantRole(registry.MANUFACTURER_ROLE(), otherManufacturer);
        registry.grantRole(registry.GUARDIAN_ROLE(), guardian);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ keys and registrations

    /// @notice Any seed as a valid P-256 private key in [1, n - 1].
    function devicePk(uint256 seed) internal pure returns (uint256) {
        return 1 + (seed % (P256_N - 1));
    }

    function registrationOf(uint256 pk) internal pure returns (DeviceRegistry.Registration memory r) {
        (uint256 x, uint256 y) = vm.publicKeyP256(pk);
        r.pubKeyX = bytes32(x);
        r.pubKeyY = bytes32(y);
        r.suite = 1;
        r.model = "veriot/cold-sensor";
        r.firmwareVersion = 7;
        r.metadataHash = keccak256("serial 0001");
    }

    function idOf(uint256 pk) internal pure returns (bytes32) {
        (uint256 x, uint256 y) = vm.publicKeyP256(pk);
        return keccak256(abi.encodePacked(x, y));
    }

    /// @notice The registration message as the TypeScript side must build it, written out here
    ///         rather than read from the contract so that a change of the format fails a test.
    function registrationMessageOf(
        DeviceRegistry.Registration memory r,
        address by,
        address registryAddress,
        uint256 chainId
    ) internal pure returns (bytes memory) {
        return abi.encode(
            bytes32("VERIOT/register/v1"),
            chainId,
            registryAddress,
            uint256(0), // nonce: a key registers at most once, so it is 0 whenever signing succeeds
            by,
            keccak256(abi.encodePacked(r.pubKeyX, r.pubKeyY)),
            r.suite,
            r.model,
            r.firmwareVersion,
            r.metadataHash,
            r.auxKeyHash
        );
    }

    /// @notice The device's signature of `r` for `registry` on the current chain, made by `by`.
    function signRegistration(uint256 pk, DeviceRegistry.Registration memory r, address by)
        internal
        view
        returns (bytes32 sigR, bytes32 sigS)
    {
        return vm.signP256(pk, sha256(registrationMessageOf(r, by, address(registry), block.chainid)));
    }

    function registerDevice(uint256 pk) internal returns (bytes32 id) {
        DeviceRegistry.Registration memory r = registrationOf(pk);
        (bytes32 sigR, bytes32 sigS) = signRegistration(pk, r, manufacturer);
        vm.prank(manufacturer);
        id = registry.register(r, sigR, sigS);
    }

    // ------------------------------------------------------------ lifecycle

    /// @notice Registers the device of `pk` and walks it into `status` along the shortest path
    ///         (Decommissioned is reached from Active).
    function deviceIn(DeviceRegistry.Status status, uint256 pk) internal returns (bytes32 id) {
        id = registerDevice(pk);
        if (status == DeviceRegistry.Status.Manufactured) return id;
        vm.prank(manufacturer);
        registry.provision(id, owner);
        if (status == DeviceRegistry.Status.Provisioned) return id;
        vm.prank(owner);
        registry.activate(id);
        if (status == DeviceRegistry.Status.Active) return id;
        vm.prank(owner);
        if (status == DeviceRegistry.Status.Suspended) registry.suspend(id, "maintenance");
        else registry.decommission(id, "end of life");
    }

    // ------------------------------------------------------------ expectations

    /// @notice Expects `register` by the manufacturer to revert with `want` and leave no trace.
    function expectRegisterRevert(DeviceRegistry.Registration memory r, bytes32 sigR, bytes32 sigS, bytes memory want)
        internal
    {
        uint256 count = registry.deviceCount();
        vm.expectRevert(want);
        vm.prank(manufacturer);
        registry.register(r, sigR, sigS);
        assertEq(registry.deviceCount(), count, "deviceCount after a rejected registration");
        bytes32 id = keccak256(abi.encodePacked(r.pubKeyX, r.pubKeyY));
        assertEq(uint256(registry.statusOf(id)), 0, "status after a rejected registration");
    }

    function invalidSignature(uint256 pk) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(DeviceRegistry.InvalidRegistrationSignature.selector, idOf(pk));
    }

    function invalidTransition(bytes32 id, DeviceRegistry.Status from, DeviceRegistry.Status to)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(DeviceRegistry.InvalidTransition.selector, id, from, to);
    }

    function _actor(string memory name) private returns (address a) {
        a = address(uint160(uint256(keccak256(bytes(string.concat("veriot.test.", name))))));
        vm.label(a, name);
    }
}
