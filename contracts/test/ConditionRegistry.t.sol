// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// ConditionRegistry unit tests: definitions and their errors, single-reading and duration
// breaches, window edges, replay, wrong key, inactive device, closing, and the pause.

import {ConditionRegistry} from "../src/ConditionRegistry.sol";
import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {TelemetryCbor} from "../src/TelemetryCbor.sol";
import {ConditionFixture} from "./utils/ConditionFixture.sol";
import {Vm} from "./utils/Vm.sol";

contract ConditionRegistryTest is ConditionFixture {
    uint256 internal constant P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;

    // ------------------------------------------------------------ definitions

    function test_createCondition_default() public {
        bytes32 id = create(coldChain());
        assertEq(id, conditions.conditionIdOf(shipper, "shipment-42"), "id");
        ConditionRegistry.Condition memory c = conditions.getCondition(id);
        assertEq(c.creator, shipper, "creator");
        assertEq(uint256(c.result), uint256(ConditionRegistry.Result.Open), "result");
        assertEq(c.start, START, "start");
        assertEq(c.end, END, "end");
        assertEq(c.deviceCount, 2, "deviceCount");
        assertEq(keccak256(bytes(c.unit)), keccak256("Cel"), "unit");
        assertTrue(conditions.isConditionDevice(id, device), "device in set");
        assertEq(conditions.partyRole(id, receiver), bytes32("receiver"), "receiver role");
        assertEq(conditions.devicesOf(id).length, 2, "devicesOf");
        assertEq(conditions.partiesOf(id).length, 2, "partiesOf");
        (ConditionRegistry.Result result, uint32 count, uint64 closedAt, bytes32 refs) = conditions.complianceOf(id);
        assertEq(uint256(result), uint256(ConditionRegistry.Result.Open), "complianceOf result");
        assertEq(count, 0, "breachCount");
        assertEq(closedAt, 0, "closedAt");
        assertEq(refs, bytes32(0), "batchRefsHash");
    }

    function test_createCondition_emitsConditionCreated() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        vm.recordLogs();
        bytes32 id = create(c);
        bytes32[] memory topics = vm.getRecordedLogs()[0].topics;
        assertEq(topics[0], ConditionRegistry.ConditionCreated.selector, "event");
        assertEq(topics[1], id, "conditionId topic");
        assertEq(topics[3], bytes32("shipment-42"), "shipmentId topic");
    }

    function test_createCondition_error_exists() public {
        bytes32 id = create(coldChain());
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.ConditionExists.selector, id));
        create(coldChain());
        // Another creator with the same shipment id gets another condition.
        vm.prank(receiver);
        assertNotEq(conditions.createCondition(coldChain()), id, "receiver's id");
    }

    function test_createCondition_error_emptyDeviceSet() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.deviceIds = new bytes32[](0);
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.EmptyDeviceSet.selector));
    }

    function test_createCondition_error_tooManyDevices() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.deviceIds = new bytes32[](65);
        for (uint256 i = 0; i < 65; i++) c.deviceIds[i] = bytes32(i + 1);
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.TooManyDevices.selector, 65));
    }

    function test_createCondition_error_duplicateOrZeroDevice() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.deviceIds[1] = device;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.DuplicateDevice.selector, device));
        c.deviceIds[1] = bytes32(0);
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.DuplicateDevice.selector, bytes32(0)));
    }

    function test_createCondition_error_window() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.end = c.start;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidWindow.selector, START, START));
        c.end = c.start - 1;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidWindow.selector, START, START - 1));
        c.end = END;
        c.graceMs = type(uint64).max - END + 1; // the closing time would overflow
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidWindow.selector, START, END));
    }

    function test_createCondition_error_comparison() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.comparison = 0;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidComparison.selector, 0));
        c.comparison = 5;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidComparison.selector, 5));
    }

    function test_createCondition_error_decimals() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.decimals = 19;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidDecimals.selector, 19));
    }

    function test_createCondition_error_duration() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.maxGapMs = 60_000; // a gap limit without a duration
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidDuration.selector, 0, 60_000));
        c.durationMs = 300_000;
        c.maxGapMs = 0; // a duration without a gap limit
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidDuration.selector, 300_000, 0));
        c.durationMs = END - START; // can never be exceeded inside the window
        c.maxGapMs = 60_000;
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidDuration.selector, END - START, 60_000));
        c.durationMs = END - START - 1;
        create(c);
    }

    function test_createCondition_error_metric() public {
        string[6] memory badTypes = ["", "Temperature", "_temp", "a2345678901234567890123", "temp erature", "t\u00e9mp"];
        for (uint256 i = 0; i < badTypes.length; i++) {
            ConditionRegistry.ConditionInput memory c = coldChain();
            c.messageType = badTypes[i];
            expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidMetric.selector));
        }
        ConditionRegistry.ConditionInput memory d = coldChain();
        d.metricName = "n23456789012345678901234567890123"; // 33 characters
        expectCreateRevert(d, abi.encodeWithSelector(ConditionRegistry.InvalidMetric.selector));
        d = coldChain();
        d.unit = "";
        expectCreateRevert(d, abi.encodeWithSelector(ConditionRegistry.InvalidMetric.selector));
        d.unit = "a234567890123456X"; // 17 characters
        expectCreateRevert(d, abi.encodeWithSelector(ConditionRegistry.InvalidMetric.selector));
        d.unit = "Cel\n";
        expectCreateRevert(d, abi.encodeWithSelector(ConditionRegistry.InvalidMetric.selector));
        // The limits themselves are fine: 22-character type, 32-character name, 16-character unit.
        d = coldChain();
        d.messageType = "a2345678901234567890._";
        d.metricName = "n2345678901234567890123456789012";
        d.unit = "deg C per 10 mi";
        create(d);
    }

    function test_createCondition_error_party() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.parties[1].account = address(0);
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidParty.selector, address(0)));
        c.parties[1] = ConditionRegistry.Party(shipper, "auditor");
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidParty.selector, shipper));
        c.parties[1] = ConditionRegistry.Party(receiver, bytes32(0));
        expectCreateRevert(c, abi.encodeWithSelector(ConditionRegistry.InvalidParty.selector, receiver));
    }

    // ------------------------------------------------------------ one reading

    function test_submitBreach_default() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = one(5, START + 60_000, -12);
        bytes32 readingId = conditions.readingIdOf(device, e[0]);
        vm.recordLogs();
        vm.prank(stranger); // anyone may submit: the evidence proves itself
        uint256 index = submit(id, device, e);
        assertEq(index, 0, "breach index");
        ConditionRegistry.Breach[] memory b = conditions.breachesOf(id);
        assertEq(b.length, 1, "breaches");
        assertEq(b[0].deviceId, device, "deviceId");
        assertEq(b[0].firstSequence, 5, "firstSequence");
        assertEq(b[0].lastTimestamp, START + 60_000, "lastTimestamp");
        assertEq(b[0].firstReadingId, readingId, "firstReadingId");
        assertEq(b[0].submitter, stranger, "submitter");
        assertTrue(conditions.isReadingUsed(id, device, 5), "sequence marked used");
        Vm_Log memory log = firstLog();
        assertEq(log.topic0, ConditionRegistry.BreachRecorded.selector, "event");
        assertEq(log.topic2, device, "deviceId topic");
        (,,,,, bytes32[] memory ids,) =
            abi.decode(log.data, (uint256, uint64, uint64, uint64, uint64, bytes32[], address));
        assertEq(ids.length, 1, "readingIds in the event");
        assertEq(ids[0], readingId, "readingId in the event");
        (, uint32 count,,) = conditions.complianceOf(id);
        assertEq(count, 1, "breachCount");
    }

    function test_submitBreach_boundary_exactlyThresholdIsNoBreach() public {
        bytes32 id = create(coldChain());
        expectSubmitRevert(
            id, device, one(1, START, -20), abi.encodeWithSelector(ConditionRegistry.ReadingNotViolating.selector, 1)
        );
        // −20.001 (float64 0xc034004189374bc7) is below: no breach; −19.999 is above: breach.
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = signed(DEVICE_PK, device, reading(2, START, hex"fbc034004189374bc7"));
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingNotViolating.selector, 2));
        e[0] = signed(DEVICE_PK, device, reading(3, START, hex"fbc033ffbe76c8b439"));
        submit(id, device, e);
        // −19 (integer) is a breach too.
        submit(id, device, one(4, START, -19));
    }

    function test_submitBreach_window_startInclusiveEndExclusive() public {
        bytes32 id = create(coldChain());
        expectSubmitRevert(
            id,
            device,
            one(1, START - 1, 0),
            abi.encodeWithSelector(ConditionRegistry.ReadingOutsideWindow.selector, 1, START - 1)
        );
        expectSubmitRevert(
            id, device, one(2, END, 0), abi.encodeWithSelector(ConditionRegistry.ReadingOutsideWindow.selector, 2, END)
        );
        submit(id, device, one(3, START, 0));
        submit(id, device, one(4, END - 1, 0));
    }

    function test_submitBreach_error_replay() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = one(9, START + 1, 5);
        submit(id, device, e);
        bytes memory used = abi.encodeWithSelector(ConditionRegistry.ReadingAlreadyUsed.selector, device, 9);
        expectSubmitRevert(id, device, e, used);
        // The high-S twin of the same signature verifies too, and is the same reading.
        e[0].s = bytes32(P256_ORDER - uint256(e[0].s));
        expectSubmitRevert(id, device, e, used);
        // Another message with the same sequence number is refused as well.
        expectSubmitRevert(id, device, one(9, START + 2, 6), used);
    }

    function test_submitBreach_error_wrongKey() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        // Signed by the other device's key but claimed for `device`.
        e[0] = signed(OTHER_DEVICE_PK, device, reading(1, START, cborInt(3)));
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.InvalidReadingSignature.selector, device, 1)
        );
        // The right key, then one field changed after signing.
        e[0] = signed(DEVICE_PK, device, reading(1, START, cborInt(3)));
        e[0].readings[0].value = cborInt(4);
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.InvalidReadingSignature.selector, device, 1)
        );
        e[0].readings[0].value = cborInt(3);
        e[0].timestamp += 1;
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.InvalidReadingSignature.selector, device, 1)
        );
    }

    function test_submitBreach_error_inactiveDevice() public {
        bytes32 id = create(coldChain());
        vm.prank(guardian);
        registry.suspend(device, "lockdown");
        expectSubmitRevert(
            id,
            device,
            one(1, START, 0),
            abi.encodeWithSelector(
                ConditionRegistry.DeviceNotActive.selector, device, DeviceRegistry.Status.Suspended
            )
        );
        vm.prank(owner);
        registry.activate(device);
        submit(id, device, one(1, START, 0));
    }

    function test_submitBreach_error_deviceNotInCondition() public {
        bytes32 third = deviceIn(DeviceRegistry.Status.Active, THIRD_DEVICE_PK);
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = signed(THIRD_DEVICE_PK, third, reading(1, START, cborInt(0)));
        expectSubmitRevert(
            id, third, e, abi.encodeWithSelector(ConditionRegistry.DeviceNotInCondition.selector, id, third)
        );
    }

    function test_submitBreach_error_otherShipment() public {
        // The same device in another shipment with a later window: its reading from this
        // shipment's window is no evidence there.
        bytes32 id = create(coldChain());
        ConditionRegistry.ConditionInput memory later = coldChain();
        later.shipmentId = "shipment-43";
        later.start = END;
        later.end = END + 3_600_000;
        bytes32 laterId = create(later);
        ConditionRegistry.SignedTelemetry[] memory e = one(1, START + 5, 0);
        expectSubmitRevert(
            laterId, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingOutsideWindow.selector, 1, START + 5)
        );
        submit(id, device, e);
    }

    function test_submitBreach_error_unitTypeAndMetric() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry memory m = reading(1, START, cborInt(0));
        m.readings[0].unit = "[degF]";
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = signed(DEVICE_PK, device, m);
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.UnitMismatch.selector, 1, "[degF]")
        );
        m = reading(1, START, cborInt(0));
        m.readings[0].name = "humidity";
        e[0] = signed(DEVICE_PK, device, m);
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.MetricMissing.selector, 1));
        m = reading(1, START, cborInt(0));
        m.messageType = "climate";
        e[0] = signed(DEVICE_PK, device, m);
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.MessageTypeMismatch.selector, 1));
    }

    function test_submitBreach_metricAmongSeveralReadings() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry memory m = reading(1, START, cborInt(0));
        m.readings = new TelemetryCbor.Reading[](3);
        m.readings[0] = TelemetryCbor.Reading("humidity", "%", hex"f952e8");
        m.readings[1] = TelemetryCbor.Reading("temp", "Cel", hex"f9c900"); // −10.0 as float16
        m.readings[2] = TelemetryCbor.Reading("battery", "V", hex"fb400a666666666666");
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
        e[0] = signed(DEVICE_PK, device, m);
        submit(id, device, e);
    }

    function test_submitBreach_error_valueNotFinite() public {
        bytes32 id = create(coldChain());
        bytes[4] memory bad = [bytes(hex"f97c00"), hex"f9fc00", hex"f97e00", hex"fb7ff8000000000000"];
        for (uint256 i = 0; i < bad.length; i++) {
            ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](1);
            e[0] = signed(DEVICE_PK, device, reading(1, START, bad[i]));
            expectSubmitRevert(id, device, e, abi.encodeWithSelector(TelemetryCbor.ValueNotFinite.selector));
        }
        bytes[5] memory notNumbers = [bytes(""), hex"6161", hex"1818ff", hex"18", hex"f4"];
        for (uint256 i = 0; i < notNumbers.length; i++) {
            ConditionRegistry.SignedTelemetry memory m = reading(1, START, notNumbers[i]);
            vm.expectRevert(abi.encodeWithSelector(TelemetryCbor.ValueNotANumber.selector));
            conditions.signingBytesOf(device, m);
        }
    }

    function test_submitBreach_error_unknownCondition() public {
        ConditionRegistry.SignedTelemetry[] memory e = one(1, START, 0);
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.UnknownCondition.selector, bytes32("nope")));
        conditions.submitBreach("nope", device, e);
    }

    function test_submitBreach_error_evidenceLength() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory two = run(DEVICE_PK, device, 1, START, 2, 1000, 0);
        expectSubmitRevert(id, device, two, abi.encodeWithSelector(ConditionRegistry.EvidenceLength.selector, 2));
        ConditionRegistry.SignedTelemetry[] memory none = new ConditionRegistry.SignedTelemetry[](0);
        expectSubmitRevert(id, device, none, abi.encodeWithSelector(ConditionRegistry.EvidenceLength.selector, 0));
    }

    // ------------------------------------------------------------ durations

    function durationCondition() internal returns (bytes32) {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.durationMs = 300_000; // above −20 °C for more than 5 minutes
        c.maxGapMs = 60_000; // with readings at most a minute apart
        return create(c);
    }

    /// @notice `count` signed readings of value `value` from `first`, `step` ms apart.
    function run(uint256 pk, bytes32 deviceId, uint64 firstSeq, uint64 first, uint256 count, uint64 step, int256 value)
        internal
        view
        returns (ConditionRegistry.SignedTelemetry[] memory e)
    {
        e = new ConditionRegistry.SignedTelemetry[](count);
        for (uint256 i = 0; i < count; i++) {
            e[i] = signed(pk, deviceId, reading(firstSeq + uint64(i), first + uint64(i) * step, cborInt(value)));
        }
    }

    function test_duration_default() public {
        bytes32 id = durationCondition();
        // 7 readings a minute apart: 6 minutes above −20 °C.
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 10, START, 7, 60_000, -15);
        submit(id, device, e);
        ConditionRegistry.Breach memory b = conditions.breachesOf(id)[0];
        assertEq(b.firstSequence, 10, "firstSequence");
        assertEq(b.lastSequence, 16, "lastSequence");
        assertEq(b.lastTimestamp - b.firstTimestamp, 360_000, "span");
        assertEq(b.lastReadingId, conditions.readingIdOf(device, e[6]), "lastReadingId");
        // An overlapping run is the same excursion: refused.
        ConditionRegistry.SignedTelemetry[] memory overlap = run(DEVICE_PK, device, 16, START + 360_000, 7, 60_000, -15);
        expectSubmitRevert(
            id, device, overlap, abi.encodeWithSelector(ConditionRegistry.ReadingAlreadyUsed.selector, device, 16)
        );
    }

    function test_duration_exactlyTheDurationIsNoBreach() public {
        bytes32 id = durationCondition();
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 1, START, 6, 60_000, -15);
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.DurationNotReached.selector, 300_000, 300_000)
        );
        e = run(DEVICE_PK, device, 1, START, 7, 50_001, -15); // 300 006 ms
        submit(id, device, e);
    }

    function test_duration_error_sequenceGap() public {
        bytes32 id = durationCondition();
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 1, START, 7, 60_000, -15);
        e[3] = signed(DEVICE_PK, device, reading(5, START + 180_000, cborInt(-15)));
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.SequenceGap.selector, 4, 5));
    }

    function test_duration_error_compliantReadingInTheRun() public {
        bytes32 id = durationCondition();
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 1, START, 7, 60_000, -15);
        e[3] = signed(DEVICE_PK, device, reading(4, START + 180_000, cborInt(-25)));
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingNotViolating.selector, 4));
    }

    function test_duration_error_gapTooLong() public {
        bytes32 id = durationCondition();
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 1, START, 2, 60_001, -15);
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingGapTooLong.selector, 2, 60_001)
        );
        // Timestamps going backwards are refused the same way.
        e = run(DEVICE_PK, device, 1, START + 60_000, 2, 0, -15);
        e[1] = signed(DEVICE_PK, device, reading(2, START, cborInt(-15)));
        expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingGapTooLong.selector, 2, 0));
    }

    function test_duration_error_mixedDevices() public {
        bytes32 id = durationCondition();
        ConditionRegistry.SignedTelemetry[] memory e = run(DEVICE_PK, device, 1, START, 7, 60_000, -15);
        e[6] = signed(OTHER_DEVICE_PK, otherDevice, reading(7, START + 360_000, cborInt(-15)));
        expectSubmitRevert(
            id, device, e, abi.encodeWithSelector(ConditionRegistry.InvalidReadingSignature.selector, device, 7)
        );
    }

    function test_duration_error_singleReading() public {
        bytes32 id = durationCondition();
        expectSubmitRevert(
            id, device, one(1, START, -15), abi.encodeWithSelector(ConditionRegistry.EvidenceLength.selector, 1)
        );
    }

    // ------------------------------------------------------------ closing

    function test_closeWindow_compliant() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.BatchRef[] memory refs = new ConditionRegistry.BatchRef[](2);
        refs[0] = anchored(address(0x6a7e), 1, START - 5_000, START + 10_000);
        refs[1] = anchored(address(0x6a7e), 2, START + 10_001, END + 1);
        vm.warp((END + GRACE) / 1000);
        vm.prank(receiver);
        assertEq(uint256(conditions.closeWindow(id, refs)), uint256(ConditionRegistry.Result.Compliant), "result");
        (ConditionRegistry.Result result, uint32 count, uint64 closedAt, bytes32 refsHash) = conditions.complianceOf(id);
        assertEq(uint256(result), uint256(ConditionRegistry.Result.Compliant), "complianceOf");
        assertEq(count, 0, "breachCount");
        assertEq(closedAt, (END + GRACE) / 1000, "closedAt");
        assertEq(refsHash, keccak256(abi.encode(refs)), "batchRefsHash");
        // Closed for good: no more evidence, no second close.
        ConditionRegistry.SignedTelemetry[] memory e = one(1, START, 0);
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.ConditionClosed.selector, id));
        conditions.submitBreach(id, device, e);
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.ConditionClosed.selector, id));
        vm.prank(shipper);
        conditions.closeWindow(id, refs);
    }

    function test_closeWindow_breached() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.BatchRef[] memory refs = new ConditionRegistry.BatchRef[](1);
        refs[0] = anchored(address(0x6a7e), 1, START, END - 1);
        submit(id, device, one(1, START + 100, 3));
        vm.warp((END + GRACE) / 1000 + 1);
        vm.prank(shipper);
        assertEq(uint256(conditions.closeWindow(id, refs)), uint256(ConditionRegistry.Result.Breached), "result");
    }

    function test_closeWindow_error_tooEarly() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.BatchRef[] memory refs = new ConditionRegistry.BatchRef[](1);
        refs[0] = anchored(address(0x6a7e), 1, START, END - 1);
        uint64 nowMs = (END + GRACE) / 1000 * 1000 - 1000;
        vm.warp(nowMs / 1000);
        vm.expectRevert(
            abi.encodeWithSelector(ConditionRegistry.WindowNotClosable.selector, id, nowMs, END + GRACE)
        );
        vm.prank(shipper);
        conditions.closeWindow(id, refs);
        // Evidence still counts during the grace period.
        submit(id, device, one(1, END - 1, 3));
    }

    function test_closeWindow_error_notAParty() public {
        bytes32 id = create(coldChain());
        vm.warp((END + GRACE) / 1000);
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.NotAParty.selector, id, stranger));
        vm.prank(stranger);
        conditions.closeWindow(id, new ConditionRegistry.BatchRef[](0));
    }

    function test_closeWindow_error_batches() public {
        bytes32 id = create(coldChain());
        vm.warp((END + GRACE) / 1000);
        vm.startPrank(shipper);
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.NoBatches.selector));
        conditions.closeWindow(id, new ConditionRegistry.BatchRef[](0));
        vm.stopPrank();

        ConditionRegistry.BatchRef[] memory refs = new ConditionRegistry.BatchRef[](1);
        refs[0] = anchored(address(0x6a7e), 1, START, END - 1);
        refs[0].root = bytes32(uint256(refs[0].root) ^ 1); // not the anchored root
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.BatchNotAnchored.selector, address(0x6a7e), 1));
        vm.prank(shipper);
        conditions.closeWindow(id, refs);

        refs[0] = anchored(address(0x6a7e), 2, END, END + 10); // starts at the (exclusive) end
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.BatchOutsideWindow.selector, address(0x6a7e), 2));
        vm.prank(shipper);
        conditions.closeWindow(id, refs);
        refs[0] = anchored(address(0x6a7e), 3, START - 10, START - 1); // ends before the start
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.BatchOutsideWindow.selector, address(0x6a7e), 3));
        vm.prank(shipper);
        conditions.closeWindow(id, refs);
    }

    // ------------------------------------------------------------ circuit breaker

    function test_pause_default() public {
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = one(1, START, 3);
        vm.expectEmit(true, false, false, true, address(conditions));
        emit ConditionRegistry.ConditionsPaused(guardian, "compromised sensor");
        vm.prank(guardian);
        conditions.pause("compromised sensor");
        assertTrue(conditions.paused(), "paused");

        bytes memory paused = abi.encodeWithSelector(ConditionRegistry.ContractPaused.selector);
        expectSubmitRevert(id, device, e, paused);
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.shipmentId = "shipment-44";
        expectCreateRevert(c, paused);
        vm.warp((END + GRACE) / 1000);
        vm.expectRevert(paused);
        vm.prank(shipper);
        conditions.closeWindow(id, new ConditionRegistry.BatchRef[](0));

        // A guardian stops, never restarts.
        vm.expectRevert(
            abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", guardian, bytes32(0))
        );
        vm.prank(guardian);
        conditions.unpause();
        vm.expectEmit(true, false, false, true, address(conditions));
        emit ConditionRegistry.ConditionsUnpaused(admin);
        vm.prank(admin);
        conditions.unpause();
        submit(id, device, e);
    }

    function test_pause_error_roles() public {
        vm.expectRevert(
            abi.encodeWithSignature(
                "AccessControlUnauthorizedAccount(address,bytes32)", stranger, conditions.GUARDIAN_ROLE()
            )
        );
        vm.prank(stranger);
        conditions.pause("x");
        vm.prank(admin);
        conditions.pause("admin may pause too");
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.ContractPaused.selector));
        vm.prank(guardian);
        conditions.pause("again");
        vm.prank(admin);
        conditions.unpause();
        vm.expectRevert(abi.encodeWithSelector(ConditionRegistry.NotPaused.selector));
        vm.prank(admin);
        conditions.unpause();
    }

    // ------------------------------------------------------------ storage layout

    /// @notice The slots docs/contracts.md documents for EIP-1186 proofs (verified reads).
    function test_storageLayout_matchesTheDocumentedSlots() public {
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.durationMs = 300_000;
        c.maxGapMs = 60_000;
        c.graceMs = 7;
        bytes32 id = create(c);
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](7);
        for (uint256 i = 0; i < 7; i++) {
            e[i] = signed(DEVICE_PK, device, reading(uint64(40 + i), START + uint64(i) * 60_000, cborInt(-3)));
        }
        submit(id, device, e);
        address c_ = address(conditions);

        assertEq(uint256(vm.load(c_, bytes32(uint256(1)))), 0, "slot 1: paused = false");
        bytes32 base = keccak256(abi.encode(id, uint256(2)));
        uint256 w0 = uint256(vm.load(c_, base));
        assertEq(address(uint160(w0)), shipper, "word 0: creator");
        assertEq((w0 >> 160) & type(uint64).max, START, "word 0: start");
        assertEq((w0 >> 224) & 0xff, 1, "word 0: result (Open)");
        assertEq((w0 >> 232) & 0xff, 1, "word 0: comparison");
        assertEq((w0 >> 240) & 0xff, 3, "word 0: decimals");
        uint256 w1 = uint256(vm.load(c_, bytes32(uint256(base) + 1)));
        assertEq(w1 & type(uint64).max, END, "word 1: end");
        assertEq((w1 >> 64) & type(uint64).max, 300_000, "word 1: durationMs");
        assertEq((w1 >> 128) & type(uint64).max, 60_000, "word 1: maxGapMs");
        assertEq(w1 >> 192, 7, "word 1: graceMs");
        uint256 w2 = uint256(vm.load(c_, bytes32(uint256(base) + 2)));
        assertEq(uint256(uint128(w2)), uint256(uint128(int128(-20_000))), "word 2: threshold (two's complement)");
        assertEq((w2 >> 128) & type(uint32).max, 1, "word 2: breachCount");
        assertEq((w2 >> 160) & type(uint32).max, 2, "word 2: deviceCount");
        assertEq(w2 >> 192, 0, "word 2: closedAt");
        assertEq(vm.load(c_, bytes32(uint256(base) + 3)), bytes32("shipment-42"), "word 3: shipmentId");
        assertEq(vm.load(c_, bytes32(uint256(base) + 4)), keccak256("temperature"), "word 4: typeHash");
        assertEq(vm.load(c_, bytes32(uint256(base) + 5)), keccak256("temp"), "word 5: nameHash");
        assertEq(vm.load(c_, bytes32(uint256(base) + 6)), keccak256("Cel"), "word 6: unitHash");

        checkMappingSlots(id, e);
    }

    function checkMappingSlots(bytes32 id, ConditionRegistry.SignedTelemetry[] memory e) internal view {
        address c_ = address(conditions);
        bytes32 deviceSlot = keccak256(abi.encode(device, keccak256(abi.encode(id, uint256(3)))));
        assertEq(uint256(vm.load(c_, deviceSlot)), 1, "slot 3: isConditionDevice");
        bytes32 roleSlot = keccak256(abi.encode(receiver, keccak256(abi.encode(id, uint256(4)))));
        assertEq(vm.load(c_, roleSlot), bytes32("receiver"), "slot 4: partyRole");
        bytes32 usedSlot = keccak256(
            abi.encode(uint256(43), keccak256(abi.encode(device, keccak256(abi.encode(id, uint256(5))))))
        );
        assertEq(uint256(vm.load(c_, usedSlot)), 1, "slot 5: isReadingUsed");
        bytes32 breaches = keccak256(abi.encode(id, uint256(6)));
        assertEq(uint256(vm.load(c_, breaches)), 1, "slot 6: breaches length");
        uint256 b0 = uint256(keccak256(abi.encode(breaches)));
        assertEq(vm.load(c_, bytes32(b0)), device, "breach word 0: deviceId");
        uint256 bw1 = uint256(vm.load(c_, bytes32(b0 + 1)));
        assertEq(bw1 & type(uint64).max, 40, "breach word 1: firstSequence");
        assertEq((bw1 >> 64) & type(uint64).max, 46, "breach word 1: lastSequence");
        assertEq((bw1 >> 128) & type(uint64).max, START, "breach word 1: firstTimestamp");
        assertEq(bw1 >> 192, START + 360_000, "breach word 1: lastTimestamp");
        assertEq(vm.load(c_, bytes32(b0 + 2)), conditions.readingIdOf(device, e[0]), "breach word 2: firstReadingId");
        assertEq(vm.load(c_, bytes32(b0 + 3)), conditions.readingIdOf(device, e[6]), "breach word 3: lastReadingId");
        uint256 bw4 = uint256(vm.load(c_, bytes32(b0 + 4)));
        assertEq(address(uint160(bw4)), address(this), "breach word 4: submitter");
        assertEq(bw4 >> 160, block.timestamp, "breach word 4: recordedAt");
    }

    // ------------------------------------------------------------ helpers

    struct Vm_Log {
        bytes32 topic0;
        bytes32 topic1;
        bytes32 topic2;
        bytes data;
    }

    function firstLog() internal returns (Vm_Log memory l) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        l.topic0 = logs[0].topics[0];
        l.topic1 = logs[0].topics[1];
        l.topic2 = logs[0].topics[2];
        l.data = logs[0].data;
    }

    function expectCreateRevert(ConditionRegistry.ConditionInput memory c, bytes memory want) internal {
        vm.expectRevert(want);
        vm.prank(shipper);
        conditions.createCondition(c);
    }
}
