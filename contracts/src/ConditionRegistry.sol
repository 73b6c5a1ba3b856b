// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Conditions on device data (a cold chamber stays at or below −20 °C during a shipment) with
// breach evidence checked on chain from the device's own P-256-signed telemetry, and a
// compliance result for each closed window that names the anchored batches covering it.

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {DeviceRegistry} from "./DeviceRegistry.sol";
import {P256} from "./P256.sol";
import {TelemetryAnchor} from "./TelemetryAnchor.sol";
import {TelemetryCbor} from "./TelemetryCbor.sol";

/// @title ConditionRegistry
/// @notice A condition says what every reading of `metric` from its devices must satisfy
///         during [start, end): `value <comparison> threshold / 10^decimals` in the metric's
///         unit. A breach is proved by the device's own signed telemetry: the contract rebuilds
///         the exact bytes the device signed (telemetry/v1 canonical CBOR, see TelemetryCbor)
///         and checks the signature against the key in DeviceRegistry. See docs/contracts.md.
contract ConditionRegistry is AccessControl {
    /// @notice May pause the contract (the admin may too, and alone may unpause).
    bytes32 public constant GUARDIAN_ROLE = keccak256("VERIOT_GUARDIAN");

    /// @notice What must hold: `value <comparison> threshold`. A reading that fails it violates.
    uint8 public constant LESS_OR_EQUAL = 1;
    uint8 public constant LESS = 2;
    uint8 public constant GREATER_OR_EQUAL = 3;
    uint8 public constant GREATER = 4;

    uint256 public constant MAX_DEVICES = 64;
    uint256 public constant MAX_PARTIES = 16;
    uint8 public constant MAX_DECIMALS = 18;

    /// @notice Result of a condition: Open until closeWindow, then Compliant or Breached.
    enum Result {
        None,
        Open,
        Compliant,
        Breached
    }

    /// @notice A participant and its role label, e.g. bytes32("shipper"). Informational, except
    ///         that parties (and the creator) may close the window.
    struct Party {
        address account;
        bytes32 role;
    }

    /// @notice What a creator submits. Times are milliseconds since the Unix epoch (the unit
    ///         of the telemetry `t` field).
    struct ConditionInput {
        bytes32 shipmentId; // the creator's reference; the id is keccak256(creator, shipmentId)
        bytes32[] deviceIds;
        string messageType; // telemetry `y`, e.g. "temperature"
        string metricName; // reading `k`, e.g. "temp"
        string unit; // reading `u`, compared byte for byte, e.g. "Cel"
        uint8 comparison; // LESS_OR_EQUAL … GREATER
        int128 threshold; // fixed point: threshold / 10^decimals units
        uint8 decimals; // 0 … 18 (3 = milli-units)
        uint64 durationMs; // 0: one violating reading is a breach; else a run spanning more than this
        uint64 maxGapMs; // duration rules: most time between two readings of a run; 0 when durationMs is 0
        uint64 start; // inclusive
        uint64 end; // exclusive
        uint64 graceMs; // after `end`, time left to submit evidence before the window may close
        Party[] parties;
    }

    struct Condition {
        // slot 0
        address creator;
        uint64 start;
        Result result;
        uint8 comparison;
        uint8 decimals;
        // slot 1
        uint64 end;
        uint64 durationMs;
        uint64 maxGapMs;
        uint64 graceMs;
        // slot 2
        int128 threshold;
        uint32 breachCount;
        uint32 deviceCount;
        uint64 closedAt; // block timestamp (seconds) of closeWindow
        // slots 3..
        bytes32 shipmentId;
        bytes32 typeHash; // keccak256 of messageType, metricName, unit
        bytes32 nameHash;
        bytes32 unitHash;
        bytes32 batchRefsHash; // keccak256(abi.encode(BatchRef[])) given to closeWindow
        string messageType;
        string metricName;
        string unit;
    }

    /// @notice One signed telemetry message (P-256 suite), as decoded fields. `value` of each
    ///         reading is its CBOR number item exactly as signed (integer or float16/32/64).
    struct SignedTelemetry {
        uint64 sequence;
        uint64 timestamp;
        string messageType;
        TelemetryCbor.Reading[] readings;
        bytes32 r;
        bytes32 s;
    }

    /// @notice A recorded breach: one device's run of consecutive violating readings.
    struct Breach {
        bytes32 deviceId;
        uint64 firstSequence;
        uint64 lastSequence;
        uint64 firstTimestamp;
        uint64 lastTimestamp;
        bytes32 firstReadingId; // RFC 6962 leaf hashes, as in the anchored batch trees
        bytes32 lastReadingId;
        address submitter;
        uint64 recordedAt; // block timestamp (seconds)
    }

    /// @notice A TelemetryAnchor batch (the values TelemetryAnchor.isAnchored checks).
    struct BatchRef {
        address gateway;
        uint64 batchId;
        bytes32 root;
        uint32 count;
        uint64 firstTimestamp;
        uint64 lastTimestamp;
    }

    DeviceRegistry public immutable registry;
    TelemetryAnchor public immutable anchor;

    bool public paused;
    mapping(bytes32 conditionId => Condition) private _conditions;
    mapping(bytes32 conditionId => mapping(bytes32 deviceId => bool)) public isConditionDevice;
    mapping(bytes32 conditionId => mapping(address account => bytes32 role)) public partyRole;
    /// @notice (condition, device, sequence) already counted in a breach. Keyed by sequence,
    ///         not by signature bytes, so a high-S twin of a used signature is a replay too.
    mapping(bytes32 conditionId => mapping(bytes32 deviceId => mapping(uint64 sequence => bool))) public
        isReadingUsed;
    mapping(bytes32 conditionId => Breach[]) private _breaches;
    mapping(bytes32 conditionId => bytes32[]) private _deviceIds;
    mapping(bytes32 conditionId => Party[]) private _parties;

    event ConditionCreated(bytes32 indexed conditionId, address indexed creator, bytes32 indexed shipmentId, ConditionInput input);
    event BreachRecorded(
        bytes32 indexed conditionId,
        bytes32 indexed deviceId,
        uint256 breachIndex,
        uint64 firstSequence,
        uint64 lastSequence,
        uint64 firstTimestamp,
        uint64 lastTimestamp,
        bytes32[] readingIds,
        address submitter
    );
    event WindowClosed(bytes32 indexed conditionId, Result result, uint32 breachCount, BatchRef[] batches, address by);
    event ConditionsPaused(address indexed by, bytes32 reason);
    event ConditionsUnpaused(address indexed by);

    // Definition errors
    error EmptyDeviceSet();
    error TooManyDevices(uint256 count);
    error DuplicateDevice(bytes32 deviceId);
    error InvalidWindow(uint64 start, uint64 end);
    error InvalidComparison(uint8 comparison);
    error InvalidDecimals(uint8 decimals);
    error InvalidDuration(uint64 durationMs, uint64 maxGapMs);
    error InvalidMetric();
    error InvalidParty(address account);
    error ConditionExists(bytes32 conditionId);
    // Evidence errors
    error UnknownCondition(bytes32 conditionId);
    error ConditionClosed(bytes32 conditionId);
    error DeviceNotInCondition(bytes32 conditionId, bytes32 deviceId);
    error DeviceNotActive(bytes32 deviceId, DeviceRegistry.Status status);
    error DeviceSuiteUnsupported(bytes32 deviceId, uint8 suite);
    error EvidenceLength(uint256 count);
    error MessageTypeMismatch(uint64 sequence);
    error MetricMissing(uint64 sequence);
    error UnitMismatch(uint64 sequence, string unit);
    error ReadingOutsideWindow(uint64 sequence, uint64 timestamp);
    error ReadingNotViolating(uint64 sequence);
    error ReadingAlreadyUsed(bytes32 deviceId, uint64 sequence);
    error SequenceGap(uint64 expected, uint64 got);
    error ReadingGapTooLong(uint64 sequence, uint64 gapMs);
    error DurationNotReached(uint64 spanMs, uint64 durationMs);
    error InvalidReadingSignature(bytes32 deviceId, uint64 sequence);
    // Closing and pausing
    error NotAParty(bytes32 conditionId, address caller);
    error WindowNotClosable(bytes32 conditionId, uint64 nowMs, uint64 closableAtMs);
    error NoBatches();
    error BatchNotAnchored(address gateway, uint64 batchId);
    error BatchOutsideWindow(address gateway, uint64 batchId);
    error ContractPaused();
    error NotPaused();

    /// @param admin DEFAULT_ADMIN_ROLE (unpauses, grants roles).
    /// @param guardian GUARDIAN_ROLE (pauses); may be address(0).
    constructor(DeviceRegistry registry_, TelemetryAnchor anchor_, address admin, address guardian) {
        registry = registry_;
        anchor = anchor_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    modifier whenNotPaused() {
        if (paused) revert ContractPaused();
        _;
    }

    // ---------------------------------------------------------------- definition

    /// @notice The id of the condition `creator` makes for `shipmentId`.
    function conditionIdOf(address creator, bytes32 shipmentId) public pure returns (bytes32) {
        return keccak256(abi.encode(creator, shipmentId));
    }

    /// @notice Creates a condition. Anyone may: a condition only reads what devices signed.
    function createCondition(ConditionInput calldata input) external whenNotPaused returns (bytes32 id) {
        _checkDefinition(input);
        id = conditionIdOf(msg.sender, input.shipmentId);
        if (_conditions[id].result != Result.None) revert ConditionExists(id);

        Condition storage c = _conditions[id];
        c.creator = msg.sender;
        c.start = input.start;
        c.result = Result.Open;
        c.comparison = input.comparison;
        c.decimals = input.decimals;
        c.end = input.end;
        c.durationMs = input.durationMs;
        c.maxGapMs = input.maxGapMs;
        c.graceMs = input.graceMs;
        c.threshold = input.threshold;
        c.deviceCount = uint32(input.deviceIds.length);
        c.shipmentId = input.shipmentId;
        c.typeHash = keccak256(bytes(input.messageType));
        c.nameHash = keccak256(bytes(input.metricName));
        c.unitHash = keccak256(bytes(input.unit));
        c.messageType = input.messageType;
        c.metricName = input.metricName;
        c.unit = input.unit;
        for (uint256 i = 0; i < input.deviceIds.length; i++) {
            bytes32 device = input.deviceIds[i];
            if (device == bytes32(0)) revert DuplicateDevice(device);
            if (isConditionDevice[id][device]) revert DuplicateDevice(device);
            isConditionDevice[id][device] = true;
            _deviceIds[id].push(device);
        }
        for (uint256 i = 0; i < input.parties.length; i++) {
            Party calldata p = input.parties[i];
            if (p.account == address(0) || p.role == bytes32(0) || partyRole[id][p.account] != bytes32(0)) {
                revert InvalidParty(p.account);
            }
            partyRole[id][p.account] = p.role;
            _parties[id].push(p);
        }
        emit ConditionCreated(id, msg.sender, input.shipmentId, input);
    }

    function _checkDefinition(ConditionInput calldata input) private pure {
        uint256 n = input.deviceIds.length;
        if (n == 0) revert EmptyDeviceSet();
        if (n > MAX_DEVICES) revert TooManyDevices(n);
        // end + graceMs must not overflow: closeWindow compares the chain's time with it.
        if (input.end <= input.start || uint256(input.end) + input.graceMs > type(uint64).max) {
            revert InvalidWindow(input.start, input.end);
        }
        if (input.comparison < LESS_OR_EQUAL || input.comparison > GREATER) {
            revert InvalidComparison(input.comparison);
        }
        if (input.decimals > MAX_DECIMALS) revert InvalidDecimals(input.decimals);
        // Zero duration means single readings: a gap limit would be meaningless. A duration
        // needs a gap limit (silence must not count as violation) and must fit in the window.
        if (input.durationMs == 0) {
            if (input.maxGapMs != 0) revert InvalidDuration(input.durationMs, input.maxGapMs);
        } else if (input.maxGapMs == 0 || input.durationMs >= input.end - input.start) {
            revert InvalidDuration(input.durationMs, input.maxGapMs);
        }
        // Same limits as the telemetry format (docs/telemetry.md), so a metric can match.
        if (
            !_isToken(input.messageType, 22) || !_isToken(input.metricName, 32)
                || !_isPrintable(input.unit, 16) || !_isAlnum(bytes(input.messageType)[0])
        ) revert InvalidMetric();
        if (input.parties.length > MAX_PARTIES) revert InvalidParty(address(0));
    }

    // ---------------------------------------------------------------- evidence

    /// @notice Records a breach proved by `evidence`: signed telemetry of `deviceId`, one
    ///         message when the condition has no duration, else consecutive sequence numbers
    ///         whose first and last timestamps are more than `durationMs` apart. Every message
    ///         must be in the window and violate the condition. Anyone may submit.
    /// @return breachIndex index of the new breach in `breachesOf(conditionId)`.
    function submitBreach(bytes32 conditionId, bytes32 deviceId, SignedTelemetry[] calldata evidence)
        external
        whenNotPaused
        returns (uint256 breachIndex)
    {
        Condition storage c = _conditions[conditionId];
        if (c.result == Result.None) revert UnknownCondition(conditionId);
        if (c.result != Result.Open) revert ConditionClosed(conditionId);
        if (!isConditionDevice[conditionId][deviceId]) revert DeviceNotInCondition(conditionId, deviceId);
        uint256 n = evidence.length;
        if (c.durationMs == 0 ? n != 1 : n < 2) revert EvidenceLength(n);

        DeviceRegistry.Device memory device = registry.getDevice(deviceId);
        if (device.status != DeviceRegistry.Status.Active) revert DeviceNotActive(deviceId, device.status);
        if (device.suite != registry.SUITE_P256()) revert DeviceSuiteUnsupported(deviceId, device.suite);
        address verifier = registry.p256Verifier();

        bytes32[] memory readingIds = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            SignedTelemetry calldata m = evidence[i];
            _checkReading(conditionId, c, deviceId, m);
            if (i > 0) {
                SignedTelemetry calldata prev = evidence[i - 1];
                if (m.sequence != prev.sequence + 1) revert SequenceGap(prev.sequence + 1, m.sequence);
                if (m.timestamp < prev.timestamp || m.timestamp - prev.timestamp > c.maxGapMs) {
                    revert ReadingGapTooLong(m.sequence, m.timestamp >= prev.timestamp ? m.timestamp - prev.timestamp : 0);
                }
            }
            (bytes memory signing, bytes32 readingId) = TelemetryCbor.encode(deviceId, _message(m));
            if (!P256.verify(verifier, sha256(signing), m.r, m.s, device.pubKeyX, device.pubKeyY)) {
                revert InvalidReadingSignature(deviceId, m.sequence);
            }
            readingIds[i] = readingId;
        }
        SignedTelemetry calldata first = evidence[0];
        SignedTelemetry calldata last = evidence[n - 1];
        if (c.durationMs != 0 && last.timestamp - first.timestamp <= c.durationMs) {
            revert DurationNotReached(last.timestamp - first.timestamp, c.durationMs);
        }

        for (uint256 i = 0; i < n; i++) {
            isReadingUsed[conditionId][deviceId][evidence[i].sequence] = true;
        }
        breachIndex = _breaches[conditionId].length;
        _breaches[conditionId].push(
            Breach({
                deviceId: deviceId,
                firstSequence: first.sequence,
                lastSequence: last.sequence,
                firstTimestamp: first.timestamp,
                lastTimestamp: last.timestamp,
                firstReadingId: readingIds[0],
                lastReadingId: readingIds[n - 1],
                submitter: msg.sender,
                recordedAt: uint64(block.timestamp)
            })
        );
        c.breachCount += 1;
        emit BreachRecorded(
            conditionId,
            deviceId,
            breachIndex,
            first.sequence,
            last.sequence,
            first.timestamp,
            last.timestamp,
            readingIds,
            msg.sender
        );
    }

    /// @dev Everything about one message except its signature and its place in a run.
    function _checkReading(bytes32 conditionId, Condition storage c, bytes32 deviceId, SignedTelemetry calldata m)
        private
        view
    {
        if (m.timestamp < c.start || m.timestamp >= c.end) revert ReadingOutsideWindow(m.sequence, m.timestamp);
        if (isReadingUsed[conditionId][deviceId][m.sequence]) revert ReadingAlreadyUsed(deviceId, m.sequence);
        if (keccak256(bytes(m.messageType)) != c.typeHash) revert MessageTypeMismatch(m.sequence);
        bytes32 nameHash = c.nameHash;
        for (uint256 j = 0; j < m.readings.length; j++) {
            TelemetryCbor.Reading calldata r = m.readings[j];
            if (keccak256(bytes(r.name)) != nameHash) continue;
            if (keccak256(bytes(r.unit)) != c.unitHash) revert UnitMismatch(m.sequence, r.unit);
            int256 cmp = TelemetryCbor.compareValue(r.value, c.threshold, c.decimals);
            if (_holds(c.comparison, cmp)) revert ReadingNotViolating(m.sequence);
            return;
        }
        revert MetricMissing(m.sequence);
    }

    /// @dev True when `value <comparison> threshold` holds, given cmp = sign(value − threshold).
    function _holds(uint8 comparison, int256 cmp) private pure returns (bool) {
        if (comparison == LESS_OR_EQUAL) return cmp <= 0;
        if (comparison == LESS) return cmp < 0;
        if (comparison == GREATER_OR_EQUAL) return cmp >= 0;
        return cmp > 0;
    }

    function _message(SignedTelemetry calldata m) private pure returns (TelemetryCbor.Message memory) {
        return TelemetryCbor.Message({
            sequence: m.sequence,
            timestamp: m.timestamp,
            messageType: m.messageType,
            readings: m.readings,
            r: m.r,
            s: m.s
        });
    }

    // ---------------------------------------------------------------- closing

    /// @notice Closes the window of a condition for good: after `end + graceMs`, by its
    ///         creator or a party, naming the anchored batches that cover the window (each must
    ///         be anchored with exactly these values and overlap [start, end)). The result is
    ///         Breached when any breach was recorded, Compliant otherwise.
    function closeWindow(bytes32 conditionId, BatchRef[] calldata batches) external whenNotPaused returns (Result) {
        Condition storage c = _conditions[conditionId];
        if (c.result == Result.None) revert UnknownCondition(conditionId);
        if (c.result != Result.Open) revert ConditionClosed(conditionId);
        if (msg.sender != c.creator && partyRole[conditionId][msg.sender] == bytes32(0)) {
            revert NotAParty(conditionId, msg.sender);
        }
        uint64 nowMs = uint64(block.timestamp) * 1000;
        uint64 closableAt = c.end + c.graceMs;
        if (nowMs < closableAt) revert WindowNotClosable(conditionId, nowMs, closableAt);
        if (batches.length == 0) revert NoBatches();
        for (uint256 i = 0; i < batches.length; i++) {
            BatchRef calldata b = batches[i];
            if (!anchor.isAnchored(b.gateway, b.batchId, b.root, b.count, b.firstTimestamp, b.lastTimestamp)) {
                revert BatchNotAnchored(b.gateway, b.batchId);
            }
            if (b.firstTimestamp >= c.end || b.lastTimestamp < c.start) revert BatchOutsideWindow(b.gateway, b.batchId);
        }
        Result result = c.breachCount > 0 ? Result.Breached : Result.Compliant;
        c.result = result;
        c.closedAt = uint64(block.timestamp);
        c.batchRefsHash = keccak256(abi.encode(batches));
        emit WindowClosed(conditionId, result, c.breachCount, batches, msg.sender);
        return result;
    }

    // ---------------------------------------------------------------- circuit breaker

    /// @notice Stops creation, evidence and closing. A guardian or the admin.
    function pause(bytes32 reason) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
        if (paused) revert ContractPaused();
        paused = true;
        emit ConditionsPaused(msg.sender, reason);
    }

    /// @notice Resumes. The admin only: a guardian can stop, never restart.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!paused) revert NotPaused();
        paused = false;
        emit ConditionsUnpaused(msg.sender);
    }

    // ---------------------------------------------------------------- reads

    function getCondition(bytes32 conditionId) external view returns (Condition memory) {
        return _conditions[conditionId];
    }

    function devicesOf(bytes32 conditionId) external view returns (bytes32[] memory) {
        return _deviceIds[conditionId];
    }

    function partiesOf(bytes32 conditionId) external view returns (Party[] memory) {
        return _parties[conditionId];
    }

    function breachesOf(bytes32 conditionId) external view returns (Breach[] memory) {
        return _breaches[conditionId];
    }

    /// @notice The result (None for an unknown id), the breach count, when it was closed (block
    ///         seconds, 0 while open) and keccak256(abi.encode(batches)) given at closing.
    function complianceOf(bytes32 conditionId)
        external
        view
        returns (Result result, uint32 breachCount, uint64 closedAt, bytes32 batchRefsHash)
    {
        Condition storage c = _conditions[conditionId];
        return (c.result, c.breachCount, c.closedAt, c.batchRefsHash);
    }

    /// @notice The bytes `deviceId` signs for `m` (domain tag ‖ 0x00 ‖ CBOR without `g`).
    function signingBytesOf(bytes32 deviceId, SignedTelemetry calldata m) external pure returns (bytes memory signing) {
        (signing,) = TelemetryCbor.encode(deviceId, _message(m));
    }

    /// @notice The reading id of `m`: SHA-256(0x00 ‖ CBOR with `g`), its leaf in a batch tree.
    function readingIdOf(bytes32 deviceId, SignedTelemetry calldata m) external pure returns (bytes32 readingId) {
        (, readingId) = TelemetryCbor.encode(deviceId, _message(m));
    }

    /// @notice sign(value − threshold / 10^decimals) of a CBOR number item: −1, 0 or 1.
    function compareValue(bytes calldata value, int128 threshold, uint8 decimals) external pure returns (int256) {
        return TelemetryCbor.compareValue(value, threshold, decimals);
    }

    // ---------------------------------------------------------------- internals

    /// @dev 1..max characters of [a-z0-9_.-] (reading names; message types also start alphanumeric).
    function _isToken(string calldata s, uint256 max) private pure returns (bool) {
        bytes calldata b = bytes(s);
        if (b.length == 0 || b.length > max) return false;
        for (uint256 i = 0; i < b.length; i++) {
            bytes1 ch = b[i];
            if (!_isAlnum(ch) && ch != "_" && ch != "." && ch != "-") return false;
        }
        return true;
    }

    /// @dev 1..max printable ASCII characters, space included (units).
    function _isPrintable(string calldata s, uint256 max) private pure returns (bool) {
        bytes calldata b = bytes(s);
        if (b.length == 0 || b.length > max) return false;
        for (uint256 i = 0; i < b.length; i++) {
            if (b[i] < 0x20 || b[i] > 0x7e) return false;
        }
        return true;
    }

    function _isAlnum(bytes1 ch) private pure returns (bool) {
        return (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9");
    }
}
