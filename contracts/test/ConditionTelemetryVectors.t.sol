// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// The contract's rebuilt telemetry bytes against @veriot/core's encoder: every vector in
// test/fixtures/telemetry-vectors.json (written by packages/node/test/support/telemetryVectors.ts
// with cborg) must give the same signing bytes, reading id, signature check and comparison,
// and each has a tampered twin that must fail.

import {ConditionRegistry} from "../src/ConditionRegistry.sol";
import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {P256} from "../src/P256.sol";
import {TelemetryCbor} from "../src/TelemetryCbor.sol";
import {ConditionFixture} from "./utils/ConditionFixture.sol";

contract ConditionTelemetryVectorsTest is ConditionFixture {
    string internal constant VECTORS = "test/fixtures/telemetry-vectors.json";

    string internal json;
    bytes32 internal vectorDevice;
    bytes32 internal keyX;
    bytes32 internal keyY;

    function setUp() public override {
        super.setUp();
        json = vm.readFile(VECTORS);
        vectorDevice = vm.parseJsonBytes32(json, ".deviceId");
        keyX = vm.parseJsonBytes32(json, ".publicKeyX");
        keyY = vm.parseJsonBytes32(json, ".publicKeyY");
    }

    function test_vectors_matchTheTypeScriptEncoder() public view {
        assertEq(keccak256(abi.encodePacked(keyX, keyY)), vectorDevice, "device id = keccak256(x, y)");
        uint256 n = 0;
        for (; vm.keyExistsJson(json, at(n, "")); n++) {
            ConditionRegistry.SignedTelemetry memory m = vectorAt(n);
            string memory label = vm.parseJsonString(json, at(n, ".name"));
            bytes memory want = vm.parseJsonBytes(json, at(n, ".signingBytes"));
            bytes memory got = conditions.signingBytesOf(vectorDevice, m);
            assertEq(got, want, string.concat(label, ": signing bytes"));
            assertEq(
                conditions.readingIdOf(vectorDevice, m),
                vm.parseJsonBytes32(json, at(n, ".readingId")),
                string.concat(label, ": reading id")
            );
            // The reading id is the RFC 6962 leaf hash of the encoded message in the file.
            assertEq(
                conditions.readingIdOf(vectorDevice, m),
                sha256(abi.encodePacked(hex"00", vm.parseJsonBytes(json, at(n, ".encoded")))),
                string.concat(label, ": leaf hash of the encoded message")
            );
            assertTrue(
                P256.verify(P256.PRECOMPILE, sha256(got), m.r, m.s, keyX, keyY), string.concat(label, ": signature")
            );
            for (uint256 j = 0; j < m.readings.length; j++) {
                int256 cmp = vm.parseJsonInt(json, string.concat(at(n, ".readings["), vm.toString(j), "].cmpMinus20"));
                assertEq(
                    uint256(conditions.compareValue(m.readings[j].value, -20_000, 3) + 1),
                    uint256(cmp + 1),
                    string.concat(label, ": value vs -20.000, reading ", vm.toString(j))
                );
                assertEq(
                    uint256(conditions.compareValue(m.readings[j].value, -20, 0) + 1),
                    uint256(cmp + 1),
                    string.concat(label, ": value vs -20, reading ", vm.toString(j))
                );
            }
            // Tampered twins: another sequence number, another value byte.
            m.sequence += 1;
            assertFalse(
                P256.verify(P256.PRECOMPILE, sha256(conditions.signingBytesOf(vectorDevice, m)), m.r, m.s, keyX, keyY),
                string.concat(label, ": tampered sequence")
            );
            m.sequence -= 1;
            m.messageType = string.concat(m.messageType, "x");
            assertFalse(
                P256.verify(P256.PRECOMPILE, sha256(conditions.signingBytesOf(vectorDevice, m)), m.r, m.s, keyX, keyY),
                string.concat(label, ": tampered type")
            );
        }
        assertEq(n, 13, "vectors read");
    }

    function test_vectors_breachFromADeviceSignedByTheTypeScriptSdk() public {
        uint256 pk = uint256(vm.parseJsonBytes32(json, ".privateKey"));
        bytes32 id = deviceIn(DeviceRegistry.Status.Active, pk);
        assertEq(id, vectorDevice, "registered id");
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.deviceIds[1] = vectorDevice;
        bytes32 conditionId = create(c);

        // Vector 0: −12 °C, a breach; its id is the fixture's reading id.
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = vectorAt(0);
        submit(conditionId, vectorDevice, e);
        assertEq(
            conditions.breachesOf(conditionId)[0].firstReadingId,
            vm.parseJsonBytes32(json, at(0, ".readingId")),
            "recorded reading id"
        );
        // Vectors 1 (exactly −20), 2 (−20.5), 3 (−20.001), 5 (temp −21.5 among others): no breach.
        uint256[4] memory compliant = [uint256(1), 2, 3, 5];
        for (uint256 i = 0; i < compliant.length; i++) {
            e[0] = vectorAt(compliant[i]);
            expectSubmitRevert(
                conditionId,
                vectorDevice,
                e,
                abi.encodeWithSelector(ConditionRegistry.ReadingNotViolating.selector, e[0].sequence)
            );
        }
        // Vector 4: −19.999 °C, a breach.
        e[0] = vectorAt(4);
        submit(conditionId, vectorDevice, e);
    }

    // ------------------------------------------------------------ helpers

    function at(uint256 n, string memory path) internal pure returns (string memory) {
        return string.concat(".vectors[", vm.toString(n), "]", path);
    }

    function vectorAt(uint256 n) internal view returns (ConditionRegistry.SignedTelemetry memory m) {
        m.sequence = uint64(vm.parseJsonUint(json, at(n, ".sequence")));
        m.timestamp = uint64(vm.parseJsonUint(json, at(n, ".timestamp")));
        m.messageType = vm.parseJsonString(json, at(n, ".messageType"));
        uint256 count = 0;
        while (vm.keyExistsJson(json, string.concat(at(n, ".readings["), vm.toString(count), "]"))) count++;
        m.readings = new TelemetryCbor.Reading[](count);
        for (uint256 j = 0; j < count; j++) {
            string memory r = string.concat(at(n, ".readings["), vm.toString(j), "]");
            m.readings[j] = TelemetryCbor.Reading(
                vm.parseJsonString(json, string.concat(r, ".name")),
                vm.parseJsonString(json, string.concat(r, ".unit")),
                vm.parseJsonBytes(json, string.concat(r, ".value"))
            );
        }
        m.r = vm.parseJsonBytes32(json, at(n, ".r"));
        m.s = vm.parseJsonBytes32(json, at(n, ".s"));
    }
}
