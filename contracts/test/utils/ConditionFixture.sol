// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Shared setup of the ConditionRegistry tests: registry, anchor and condition contract, active
// devices, a cold-chain condition (temp ≤ −20 °C) and signed telemetry built and signed here.

import {ConditionRegistry} from "../../src/ConditionRegistry.sol";
import {DeviceRegistry} from "../../src/DeviceRegistry.sol";
import {TelemetryAnchor} from "../../src/TelemetryAnchor.sol";
import {TelemetryCbor} from "../../src/TelemetryCbor.sol";
import {DeviceRegistryFixture} from "./DeviceRegistryFixture.sol";

abstract contract ConditionFixture is DeviceRegistryFixture {
    uint64 internal constant START = 1_750_000_000_000; // ms
    uint64 internal constant END = START + 3_600_000; // one hour later
    uint64 internal constant GRACE = 600_000;
    uint256 internal constant THIRD_DEVICE_PK = 0x7d1d;

    address internal shipper = _named("shipper");
    address internal receiver = _named("receiver");

    TelemetryAnchor internal anchor;
    ConditionRegistry internal conditions;
    bytes32 internal device;
    bytes32 internal otherDevice;

    function setUp() public virtual override {
        super.setUp();
        anchor = new TelemetryAnchor();
        conditions = new ConditionRegistry(registry, anchor, admin, guardian);
        device = deviceIn(DeviceRegistry.Status.Active, DEVICE_PK);
        otherDevice = deviceIn(DeviceRegistry.Status.Active, OTHER_DEVICE_PK);
    }

    // ------------------------------------------------------------ conditions

    /// @notice "temperature.temp ≤ −20.000 Cel" for `device` and `otherDevice` in [START, END).
    function coldChain() internal view returns (ConditionRegistry.ConditionInput memory c) {
        c.shipmentId = "shipment-42";
        c.deviceIds = new bytes32[](2);
        c.deviceIds[0] = device;
        c.deviceIds[1] = otherDevice;
        c.messageType = "temperature";
        c.metricName = "temp";
        c.unit = "Cel";
        c.comparison = 1; // LESS_OR_EQUAL
        c.threshold = -20_000;
        c.decimals = 3;
        c.start = START;
        c.end = END;
        c.graceMs = GRACE;
        c.parties = new ConditionRegistry.Party[](2);
        c.parties[0] = ConditionRegistry.Party(shipper, "shipper");
        c.parties[1] = ConditionRegistry.Party(receiver, "receiver");
    }

    function create(ConditionRegistry.ConditionInput memory c) internal returns (bytes32 id) {
        vm.prank(shipper);
        id = conditions.createCondition(c);
    }

    // ------------------------------------------------------------ telemetry

    /// @notice A one-reading message `temperature { temp: value Cel }`, unsigned.
    function reading(uint64 sequence, uint64 timestamp, bytes memory value)
        internal
        pure
        returns (ConditionRegistry.SignedTelemetry memory m)
    {
        m.sequence = sequence;
        m.timestamp = timestamp;
        m.messageType = "temperature";
        m.readings = new TelemetryCbor.Reading[](1);
        m.readings[0] = TelemetryCbor.Reading("temp", "Cel", value);
    }

    /// @notice `m` signed by `pk` as the device `deviceId`.
    function signed(uint256 pk, bytes32 deviceId, ConditionRegistry.SignedTelemetry memory m)
        internal
        view
        returns (ConditionRegistry.SignedTelemetry memory)
    {
        (m.r, m.s) = vm.signP256(pk, sha256(conditions.signingBytesOf(deviceId, m)));
        return m;
    }

    /// @notice One signed reading of `device` (DEVICE_PK) as evidence.
    function one(uint64 sequence, uint64 timestamp, int256 value)
        internal
        view
        returns (ConditionRegistry.SignedTelemetry[] memory e)
    {
        e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = signed(DEVICE_PK, device, reading(sequence, timestamp, cborInt(value)));
    }

    /// @notice The shortest CBOR integer item for v (major type 0 or 1), |v| < 2^64.
    function cborInt(int256 v) internal pure returns (bytes memory) {
        uint8 major = v < 0 ? 1 : 0;
        uint256 n = v < 0 ? uint256(-(v + 1)) : uint256(v);
        uint8 m = major << 5;
        if (n < 24) return abi.encodePacked(bytes1(m | uint8(n)));
        if (n < 2 ** 8) return abi.encodePacked(bytes1(m | 24), uint8(n));
        if (n < 2 ** 16) return abi.encodePacked(bytes1(m | 25), uint16(n));
        if (n < 2 ** 32) return abi.encodePacked(bytes1(m | 26), uint32(n));
        return abi.encodePacked(bytes1(m | 27), uint64(n));
    }

    function submit(bytes32 id, bytes32 deviceId, ConditionRegistry.SignedTelemetry[] memory e)
        internal
        returns (uint256)
    {
        return conditions.submitBreach(id, deviceId, e);
    }

    function expectSubmitRevert(
        bytes32 id,
        bytes32 deviceId,
        ConditionRegistry.SignedTelemetry[] memory e,
        bytes memory want
    ) internal {
        (, uint32 before,,) = conditions.complianceOf(id);
        vm.expectRevert(want);
        conditions.submitBreach(id, deviceId, e);
        (, uint32 after_,,) = conditions.complianceOf(id);
        assertEq(after_, before, "breach count after a rejected submission");
    }

    // ------------------------------------------------------------ batches

    function anchored(address gateway, uint64 batchId, uint64 first, uint64 last)
        internal
        returns (ConditionRegistry.BatchRef memory b)
    {
        b = ConditionRegistry.BatchRef(gateway, batchId, keccak256(abi.encode(batchId)), 4, first, last);
        vm.prank(gateway);
        anchor.anchor(batchId, b.root, b.count, first, last);
    }

    function _named(string memory name) private returns (address a) {
        a = address(uint160(uint256(keccak256(bytes(string.concat("veriot.test.", name))))));
        vm.label(a, name);
    }
}
