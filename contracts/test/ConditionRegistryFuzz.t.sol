// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Fuzz tests of ConditionRegistry: exact fixed-point comparison of CBOR integers and floats,
// breaches at the threshold for every comparison, window edges and duration spans.

import {ConditionRegistry} from "../src/ConditionRegistry.sol";
import {ConditionFixture} from "./utils/ConditionFixture.sol";

contract ConditionRegistryFuzzTest is ConditionFixture {
    /// @notice Integers: sign(v − t / 10^d) computed in int256 here, for |v| < 2^64.
    function testFuzz_compareValue_integers(int256 v, int128 t, uint8 d) public view {
        v = int256(bound(uint256(v), 0, 2 ** 65 - 1)) - 2 ** 64; // [−2^64, 2^64 − 1]
        d = uint8(bound(d, 0, 18));
        int256 scaled = v * int256(10 ** uint256(d));
        int256 want = scaled > t ? int256(1) : (scaled < t ? -1 : int256(0));
        assertEq(uint256(conditions.compareValue(cborInt(v), t, d) + 1), uint256(want + 1), "compareValue");
    }

    /// @notice A float16 gives the same answer as float32 and float64 of the same value, and as
    ///         the integer when the value is one.
    function testFuzz_compareValue_floatWidths(uint16 half, int128 t, uint8 d) public view {
        d = uint8(bound(d, 0, 18));
        vm.assume((half >> 10) & 0x1f != 0x1f); // NaN and ±Infinity are refused (tested apart)
        (uint32 single, uint64 double_) = widen(half);
        int256 want = conditions.compareValue(abi.encodePacked(bytes1(0xf9), half), t, d);
        assertEq(
            uint256(conditions.compareValue(abi.encodePacked(bytes1(0xfa), single), t, d) + 1),
            uint256(want + 1),
            "float32"
        );
        assertEq(
            uint256(conditions.compareValue(abi.encodePacked(bytes1(0xfb), double_), t, d) + 1),
            uint256(want + 1),
            "float64"
        );
        uint256 e = (half >> 10) & 0x1f;
        if (e >= 25) {
            // exponent ≥ 10: an integer, (1024 + fraction) · 2^(e − 25)
            int256 magnitude = int256((uint256(half & 0x3ff) | 0x400) << (e - 25));
            int256 value = half >> 15 == 1 ? -magnitude : magnitude;
            assertEq(uint256(conditions.compareValue(cborInt(value), t, d) + 1), uint256(want + 1), "integer");
        }
    }

    /// @notice At and around the threshold, for every comparison: a breach exactly when
    ///         `value <comparison> threshold` fails (−20 °C with "≤ −20 °C" is no breach).
    function testFuzz_submitBreach_threshold(int256 v, int128 milli, uint8 comparison) public {
        v = int256(bound(uint256(v), 0, 80)) - 60; // −60 … 20 °C, integers
        milli = int128(int256(bound(uint256(int256(milli)), 0, 80_000)) - 60_000);
        if (uint256(v) % 3 == 0) milli = int128(v * 1000); // often exactly on the threshold
        comparison = uint8(bound(comparison, 1, 4));
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.threshold = milli;
        c.comparison = comparison;
        bytes32 id = create(c);
        int256 scaled = v * 1000;
        bool holds = comparison == 1
            ? scaled <= milli
            : comparison == 2 ? scaled < milli : comparison == 3 ? scaled >= milli : scaled > milli;
        ConditionRegistry.SignedTelemetry[] memory e = one(1, START, v);
        if (holds) {
            expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingNotViolating.selector, 1));
        } else {
            submit(id, device, e);
            (, uint32 count,,) = conditions.complianceOf(id);
            assertEq(count, 1, "breach recorded");
        }
    }

    /// @notice Start inclusive, end exclusive.
    function testFuzz_submitBreach_window(uint64 t) public {
        t = uint64(bound(t, START - 10_000, END + 10_000));
        if (t % 4 == 0) t = START - 1 + (t / 4 % 2) * (END - START); // START − 1 or END − 1
        bytes32 id = create(coldChain());
        ConditionRegistry.SignedTelemetry[] memory e = one(1, t, 0);
        if (t >= START && t < END) {
            submit(id, device, e);
        } else {
            expectSubmitRevert(
                id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingOutsideWindow.selector, 1, t)
            );
        }
    }

    /// @notice A run is a breach exactly when every gap is within maxGapMs and the span
    ///         exceeds durationMs.
    function testFuzz_submitBreach_duration(uint256 count, uint64 step) public {
        count = bound(count, 2, 10);
        step = uint64(bound(step, 0, 90_000));
        ConditionRegistry.ConditionInput memory c = coldChain();
        c.durationMs = 300_000;
        c.maxGapMs = 60_000;
        bytes32 id = create(c);
        ConditionRegistry.SignedTelemetry[] memory e = new ConditionRegistry.SignedTelemetry[](count);
        for (uint256 i = 0; i < count; i++) {
            e[i] = signed(DEVICE_PK, device, reading(uint64(i + 1), START + uint64(i) * step, cborInt(-10)));
        }
        uint64 span = uint64(count - 1) * step;
        if (step > 60_000) {
            expectSubmitRevert(id, device, e, abi.encodeWithSelector(ConditionRegistry.ReadingGapTooLong.selector, 2, step));
        } else if (span <= 300_000) {
            expectSubmitRevert(
                id, device, e, abi.encodeWithSelector(ConditionRegistry.DurationNotReached.selector, span, 300_000)
            );
        } else {
            submit(id, device, e);
        }
    }

    // ------------------------------------------------------------ helpers

    /// @dev The float32 and float64 bit patterns of a finite float16 (widening is exact).
    function widen(uint16 half) internal pure returns (uint32 single, uint64 double_) {
        uint256 sign = half >> 15;
        uint256 e = (half >> 10) & 0x1f;
        uint256 f = half & 0x3ff;
        if (e == 0 && f == 0) return (uint32(sign << 31), uint64(sign << 63));
        int256 exp;
        if (e == 0) {
            // subnormal: f · 2^−24; normalize so that the leading 1 is bit 10
            exp = -14;
            while (f & 0x400 == 0) {
                f <<= 1;
                exp -= 1;
            }
            f &= 0x3ff;
        } else {
            exp = int256(e) - 15;
        }
        single = uint32((sign << 31) | (uint256(exp + 127) << 23) | (f << 13));
        double_ = uint64((sign << 63) | (uint256(exp + 1023) << 52) | (f << 42));
    }
}
