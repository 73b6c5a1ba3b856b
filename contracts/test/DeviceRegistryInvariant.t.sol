// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Invariant tests of DeviceRegistry: a handler drives random registrations, transitions,
// transfers, capability changes and manufacturer-role changes by random actors; the invariants
// hold after every call.

import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {DeviceRegistryFixture} from "./utils/DeviceRegistryFixture.sol";
import {VM, Vm} from "./utils/Vm.sol";

/// @notice Calls the registry as random actors. A call the registry rejects reverts the whole
///         handler call (forge counts it as a revert and moves on), so ghost state only ever
///         records what the registry accepted.
contract DeviceRegistryHandler {
    Vm internal constant vm = VM;
    uint256 internal constant P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
    /// @dev Keys come from a small pool so that keys are retried after they are registered.
    uint256 public constant KEY_POOL = 12;

    DeviceRegistry.Status internal constant MANUFACTURED = DeviceRegistry.Status.Manufactured;
    DeviceRegistry.Status internal constant PROVISIONED = DeviceRegistry.Status.Provisioned;
    DeviceRegistry.Status internal constant ACTIVE = DeviceRegistry.Status.Active;
    DeviceRegistry.Status internal constant SUSPENDED = DeviceRegistry.Status.Suspended;

    DeviceRegistry internal immutable registry;
    address internal immutable admin;
    address internal immutable guardian;
    address[2] internal makers;
    address[] internal actors;

    // ghost state
    bytes32[] public ids;
    mapping(bytes32 id => uint256) public keyOf;
    mapping(bytes32 id => uint256) public registrations;
    mapping(bytes32 id => bool) public wasProvisioned;
    bytes32[] public decommissionedIds;
    mapping(bytes32 id => address) public ownerAtDecommission;
    mapping(bytes32 id => bytes32) public capabilitiesAtDecommission;
    /// @dev Accepted provisions and decommissions that the access rules (written out in
    ///      `mayProvision` / `mayDecommission`) forbid at the time of the call; must stay 0.
    uint256 public forbiddenProvisions;
    uint256 public forbiddenDecommissions;

    constructor(
        DeviceRegistry registry_,
        address admin_,
        address guardian_,
        address[2] memory makers_,
        address[3] memory users
    ) {
        registry = registry_;
        admin = admin_;
        guardian = guardian_;
        makers = makers_;
        actors = [admin_, guardian_, makers_[0], makers_[1], users[0], users[1], users[2]];

        // Every run starts with a device in each live status, so that short call sequences
        // already reach the whole lifecycle.
        for (uint256 i = 0; i < 4; i++) {
            bytes32 id = registerAs(makers_[i % 2], poolKey(i), 1, "seeded", 1);
            if (i == 0) continue;
            vm.prank(makers_[i % 2]);
            registry_.provision(id, users[i - 1]);
            wasProvisioned[id] = true;
            if (i == 1) continue;
            vm.prank(users[i - 1]);
            registry_.activate(id);
            if (i == 2) continue;
            vm.prank(guardian_);
            registry_.suspend(id, "seeded");
        }
    }

    // ------------------------------------------------------------ actions

    function register(uint256 keySeed, uint256 makerSeed, uint8 suiteSeed, bytes32 model, uint64 firmwareVersion)
        external
    {
        // One time in four a decommissioned key, if there is one: the registry must refuse it
        // although the signature (over the current nonce) is valid.
        uint256 pk = poolKey(keySeed);
        uint256 dead = decommissionedIds.length;
        if (dead > 0 && spread(keySeed) % 4 == 0) pk = keyOf[decommissionedIds[(keySeed >> 2) % dead]];
        // Now and then a caller without the manufacturer role.
        makerSeed = spread(makerSeed);
        address maker = makerSeed % 8 == 0 ? actors[(makerSeed >> 3) % actors.length] : makers[makerSeed % 2];
        registerAs(maker, pk, uint8(1 + suiteSeed % 3), model, firmwareVersion);
    }

    function provision(uint256 idSeed, uint256 callerSeed, uint256 toSeed) external {
        bytes32 id = pickDevice(idSeed, bit(MANUFACTURED));
        address caller = pickCaller(callerSeed, manufacturerOf(id), address(0), address(0));
        bool allowed = mayProvision(id, caller);
        vm.prank(caller);
        registry.provision(id, pickTarget(toSeed));
        wasProvisioned[id] = true;
        if (!allowed) forbiddenProvisions += 1;
    }

    function activate(uint256 idSeed, uint256 callerSeed) external {
        bytes32 id = pickDevice(idSeed, bit(PROVISIONED) | bit(SUSPENDED));
        vm.prank(pickCaller(callerSeed, registry.ownerOf(id), admin, address(0)));
        registry.activate(id);
    }

    function suspend(uint256 idSeed, uint256 callerSeed, bytes32 reason) external {
        bytes32 id = pickDevice(idSeed, bit(ACTIVE));
        vm.prank(pickCaller(callerSeed, registry.ownerOf(id), guardian, admin));
        registry.suspend(id, reason);
    }

    function decommission(uint256 idSeed, uint256 callerSeed, bytes32 reason) external {
        bytes32 id = pickDevice(idSeed, bit(MANUFACTURED) | bit(PROVISIONED) | bit(ACTIVE) | bit(SUSPENDED));
        // Decommissioning is a sink: steered only one time in four, so devices live long
        // enough to reach the other statuses.
        address caller = callerSeed % 4 == 0
            ? pickCaller(callerSeed >> 2, registry.ownerOf(id), admin, manufacturerOf(id))
            : actors[spread(callerSeed) % actors.length];
        bool allowed = mayDecommission(id, caller);
        vm.prank(caller);
        registry.decommission(id, reason);
        if (!allowed) forbiddenDecommissions += 1;
        decommissionedIds.push(id);
        ownerAtDecommission[id] = registry.ownerOf(id);
        capabilitiesAtDecommission[id] = keccak256(abi.encode(registry.capabilitiesOf(id)));
    }

    function transferOwnership(uint256 idSeed, uint256 callerSeed, uint256 toSeed) external {
        bytes32 id = pickDevice(idSeed, bit(PROVISIONED) | bit(ACTIVE) | bit(SUSPENDED));
        vm.prank(pickCaller(callerSeed, registry.ownerOf(id), address(0), address(0)));
        registry.transferOwnership(id, pickTarget(toSeed));
    }

    function grantCapability(uint256 idSeed, uint256 callerSeed, uint256 capabilitySeed) external {
        bytes32 id = pickDevice(idSeed, bit(PROVISIONED) | bit(ACTIVE) | bit(SUSPENDED));
        vm.prank(pickCaller(callerSeed, registry.ownerOf(id), address(0), address(0)));
        registry.grantCapability(id, pickCapability(capabilitySeed));
    }

    function revokeCapability(uint256 idSeed, uint256 callerSeed, uint256 capabilitySeed) external {
        bytes32 id = pickDevice(idSeed, bit(PROVISIONED) | bit(ACTIVE) | bit(SUSPENDED));
        vm.prank(pickCaller(callerSeed, registry.ownerOf(id), address(0), address(0)));
        registry.revokeCapability(id, pickCapability(capabilitySeed));
    }

    /// @notice An admin revokes one manufacturer's role (one time in four) or gives both makers
    ///         the role back, so a maker sometimes acts on its devices without the role.
    function setManufacturerRoles(uint256 seed) external {
        seed = spread(seed);
        bytes32 role = registry.MANUFACTURER_ROLE();
        vm.startPrank(admin);
        if (seed % 4 == 0) {
            registry.revokeRole(role, makers[(seed >> 2) % 2]);
        } else {
            registry.grantRole(role, makers[0]);
            registry.grantRole(role, makers[1]);
        }
        vm.stopPrank();
    }

    function registerAs(address maker, uint256 pk, uint8 suite, bytes32 model, uint64 firmwareVersion)
        internal
        returns (bytes32 id)
    {
        DeviceRegistry.Registration memory r = registrationOf(pk, suite, model, firmwareVersion);
        (bytes32 sigR, bytes32 sigS) = vm.signP256(pk, sha256(registry.registrationMessage(r, maker)));
        vm.prank(maker);
        id = registry.register(r, sigR, sigS);
        ids.push(id);
        keyOf[id] = pk;
        registrations[id] += 1;
    }

    function registrationOf(uint256 pk, uint8 suite, bytes32 model, uint64 firmwareVersion)
        internal
        pure
        returns (DeviceRegistry.Registration memory r)
    {
        (uint256 x, uint256 y) = vm.publicKeyP256(pk);
        r.pubKeyX = bytes32(x);
        r.pubKeyY = bytes32(y);
        r.suite = suite;
        r.model = model;
        r.firmwareVersion = firmwareVersion;
        r.metadataHash = keccak256(abi.encode(model, firmwareVersion));
        r.auxKeyHash = suite == 1 ? bytes32(0) : keccak256(abi.encode("aux", pk));
    }

    // ------------------------------------------------------------ access rules

    /// @dev Only the device's manufacturer, while it holds MANUFACTURER_ROLE.
    function mayProvision(bytes32 id, address caller) internal view returns (bool) {
        return caller == manufacturerOf(id) && registry.hasRole(registry.MANUFACTURER_ROLE(), caller);
    }

    /// @dev The owner or the admin; before provisioning, also the manufacturer holding the role.
    function mayDecommission(bytes32 id, address caller) internal view returns (bool) {
        DeviceRegistry.Device memory d = registry.getDevice(id);
        if (caller == admin || (d.owner != address(0) && caller == d.owner)) return true;
        return d.status == MANUFACTURED && mayProvision(id, caller);
    }

    // ------------------------------------------------------------ reads for the invariants

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function decommissionedCount() external view returns (uint256) {
        return decommissionedIds.length;
    }

    function poolId(uint256 index) public pure returns (bytes32) {
        (uint256 x, uint256 y) = vm.publicKeyP256(poolKey(index));
        return keccak256(abi.encodePacked(x, y));
    }

    // ------------------------------------------------------------ choices

    function poolKey(uint256 seed) internal pure returns (uint256) {
        return 1 + uint256(keccak256(abi.encode("veriot.invariant.key", seed % KEY_POOL))) % (P256_N - 1);
    }

    /// @dev Steering towards calls that can succeed, so that the lifecycle goes deep: mostly
    ///      a registered device in one of the `wanted` statuses (a bit mask), otherwise any
    ///      registered device, and now and then one that was never registered.
    function pickDevice(uint256 seed, uint256 wanted) internal view returns (bytes32) {
        seed = spread(seed);
        uint256 n = ids.length;
        if (n == 0 || seed % 16 == 0) return poolId(seed >> 8);
        uint256 start = (seed >> 8) % n;
        if ((seed >> 4) % 4 != 0) {
            for (uint256 i = 0; i < n; i++) {
                bytes32 id = ids[(start + i) % n];
                if (wanted & bit(registry.statusOf(id)) != 0) return id;
            }
        }
        return ids[start];
    }

    /// @dev Three times in four one of the callers the rules allow (zero entries skipped),
    ///      otherwise any actor.
    function pickCaller(uint256 seed, address a, address b, address c) internal view returns (address caller) {
        seed = spread(seed);
        if (seed % 4 != 0) {
            address[3] memory allowed = [a, b, c];
            caller = allowed[(seed >> 8) % 3];
            if (caller == address(0)) caller = a;
            if (caller == address(0)) caller = b;
            if (caller != address(0)) return caller;
        }
        return actors[(seed >> 16) % actors.length];
    }

    /// @dev The fuzzer favours 0, 1, max and values it saw; hashing spreads them over every
    ///      choice.
    function spread(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }

    function manufacturerOf(bytes32 id) internal view returns (address) {
        return registry.getDevice(id).manufacturer;
    }

    function bit(DeviceRegistry.Status status) internal pure returns (uint256) {
        return 1 << uint256(status);
    }

    function pickTarget(uint256 seed) internal view returns (address) {
        seed = spread(seed);
        if (seed % 10 == 0) return address(0);
        return actors[(seed >> 8) % actors.length];
    }

    function pickCapability(uint256 seed) internal pure returns (bytes32) {
        bytes32[4] memory capabilities = [bytes32(0), "telemetry:temperature", "command:unlock", "firmware:update"];
        return capabilities[spread(seed) % capabilities.length];
    }
}

contract DeviceRegistryInvariantTest is DeviceRegistryFixture {
    DeviceRegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new DeviceRegistryHandler(
            registry, admin, guardian, [manufacturer, otherManufacturer], [owner, newOwner, stranger]
        );
        targetContract(address(handler));
    }

    /// @notice A decommissioned device never leaves Decommissioned (so never becomes active
    ///         again), and its owner and capabilities stay as they were.
    function invariant_decommissionedDevicesStayDecommissionedAndFrozen() public view {
        for (uint256 i = 0; i < handler.decommissionedCount(); i++) {
            bytes32 id = handler.decommissionedIds(i);
            assertEq(uint256(registry.statusOf(id)), uint256(DeviceRegistry.Status.Decommissioned), "status");
            assertEq(registry.ownerOf(id), handler.ownerAtDecommission(id), "owner");
            assertEq(
                keccak256(abi.encode(registry.capabilitiesOf(id))),
                handler.capabilitiesAtDecommission(id),
                "capabilities"
            );
        }
    }

    /// @notice A key is registered at most once, decommissioned or not, and the device list
    ///         holds exactly the accepted registrations.
    function invariant_everyKeyIsRegisteredAtMostOnce() public view {
        for (uint256 i = 0; i < handler.KEY_POOL(); i++) {
            assertTrue(handler.registrations(handler.poolId(i)) <= 1, "registrations of one key");
        }
        uint256 count = handler.idCount();
        assertEq(registry.deviceCount(), count, "deviceCount");
        for (uint256 i = 0; i < count; i++) {
            assertEq(registry.deviceIdAt(i), handler.ids(i), "deviceIdAt");
        }
    }

    /// @notice statusCount matches the devices' statuses: None is never counted and the counts
    ///         add up to deviceCount.
    function invariant_statusCountsAddUpToDeviceCount() public view {
        uint256[6] memory seen;
        uint256 count = registry.deviceCount();
        for (uint256 i = 0; i < count; i++) {
            seen[uint256(registry.statusOf(registry.deviceIdAt(i)))] += 1;
        }
        assertEq(seen[0], 0, "devices in status None");
        assertEq(registry.statusCount(DeviceRegistry.Status.None), 0, "statusCount(None)");
        uint256 sum = 0;
        for (uint256 s = 1; s < 6; s++) {
            uint256 counted = registry.statusCount(DeviceRegistry.Status(s));
            assertEq(counted, seen[s], string.concat("statusCount(", vm.toString(s), ")"));
            sum += counted;
        }
        assertEq(sum, count, "sum of statusCount");
    }

    /// @notice Only the device's manufacturer, while it holds MANUFACTURER_ROLE, provisions; and
    ///         it decommissions only before provisioning, also only with the role (the owner and
    ///         the admin always may).
    function invariant_onlyManufacturersHoldingTheRoleProvisionOrDecommission() public view {
        assertEq(handler.forbiddenProvisions(), 0, "provisions the rules forbid");
        assertEq(handler.forbiddenDecommissions(), 0, "decommissions the rules forbid");
    }

    /// @notice A device has an owner exactly when it was provisioned: every device in
    ///         Provisioned, Active or Suspended has one, none in Manufactured has one, and a
    ///         device decommissioned straight from Manufactured (by its manufacturer or an
    ///         admin) never gets one.
    function invariant_devicesHaveAnOwnerExactlyOnceProvisioned() public view {
        uint256 count = registry.deviceCount();
        for (uint256 i = 0; i < count; i++) {
            bytes32 id = registry.deviceIdAt(i);
            DeviceRegistry.Status status = registry.statusOf(id);
            bool hasOwner = registry.ownerOf(id) != address(0);
            assertEq(hasOwner, handler.wasProvisioned(id), "has an owner once provisioned");
            if (status != DeviceRegistry.Status.Manufactured && status != DeviceRegistry.Status.Decommissioned) {
                assertTrue(hasOwner, "has an owner in a live status past Manufactured");
            }
        }
    }
}
