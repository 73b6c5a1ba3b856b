// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Rebuilds the canonical telemetry/v1 encoding of a P-256 message from its decoded fields
// (docs/telemetry.md), so a contract can check the device's signature over exactly the bytes it
// signed, and compares a reading's CBOR number with a fixed-point threshold exactly.

/// @title TelemetryCbor
/// @notice Signed bytes: utf8("VERIOT/telemetry/v1") ‖ 0x00 ‖ CBOR map {d, n, r, s, t, v, y}
///         (deterministic CBOR: keys in bytewise order, shortest heads). Encoded message: the
///         same map with `g` (r ‖ s) between `d` and `n`. Only suite 1 (P-256, no `a` key).
library TelemetryCbor {
    /// @notice One reading; `value` is its CBOR number item exactly as the device signed it.
    struct Reading {
        string name;
        string unit;
        bytes value;
    }

    struct Message {
        uint64 sequence;
        uint64 timestamp;
        string messageType;
        Reading[] readings;
        bytes32 r;
        bytes32 s;
    }

    error ValueNotANumber();
    error ValueNotFinite();

    bytes internal constant SIGNING_PREFIX = "VERIOT/telemetry/v1\x00";

    /// @notice The signed bytes of `m` and its reading id, SHA-256(0x00 ‖ encoded message).
    /// @dev Each value must be one CBOR integer or float item (checked), so the rebuilt bytes
    ///      split into fields only one way and the signature fixes every field.
    function encode(bytes32 deviceId, Message memory m) internal pure returns (bytes memory signing, bytes32 readingId) {
        // 0x61 'd' 0x58 0x20 <32 bytes>
        bytes memory d = abi.encodePacked(hex"61645820", deviceId);
        bytes memory readings = _head(4, m.readings.length);
        for (uint256 i = 0; i < m.readings.length; i++) {
            Reading memory r = m.readings[i];
            _numberLength(r.value, 0); // reverts unless exactly one number item
            readings = abi.encodePacked(
                readings, hex"a3616b", _text(r.name), hex"6175", _text(r.unit), hex"6176", r.value
            );
        }
        bytes memory rest = abi.encodePacked(
            hex"616e",
            _head(0, m.sequence),
            hex"6172",
            readings,
            hex"6173016174",
            _head(0, m.timestamp),
            hex"6176016179",
            _text(m.messageType)
        );
        signing = abi.encodePacked(SIGNING_PREFIX, hex"a7", d, rest);
        readingId = sha256(abi.encodePacked(hex"00a8", d, hex"61675840", m.r, m.s, rest));
    }

    /// @notice sign(value − threshold / 10^decimals) for a CBOR integer (major type 0 or 1)
    ///         or float (half, single, double) item: −1, 0 or 1, computed exactly (no rounding).
    /// @dev Reverts ValueNotFinite for NaN and ±Infinity, ValueNotANumber for anything else
    ///      that is not exactly one number item. decimals ≤ 18.
    function compareValue(bytes memory value, int128 threshold, uint8 decimals) internal pure returns (int256) {
        (bool negative, uint256 mantissa, int256 exponent) = decodeNumber(value);
        int256 valueSign = mantissa == 0 ? int256(0) : (negative ? -1 : int256(1));
        int256 thresholdSign = threshold == 0 ? int256(0) : (threshold < 0 ? -1 : int256(1));
        if (valueSign != thresholdSign) return valueSign > thresholdSign ? int256(1) : -1;
        if (valueSign == 0) return 0;
        // Same sign: compare |value| · 10^decimals with |threshold|; mantissa < 2^65, so the
        // left side stays below 2^125.
        uint256 a = mantissa * 10 ** decimals;
        // forge-lint: disable-next-line(unsafe-typecast) widening an int128, negated only when negative
        uint256 b = threshold < 0 ? uint256(-int256(threshold)) : uint256(int256(threshold));
        int256 magnitude = _compareScaled(a, exponent, b);
        return valueSign > 0 ? magnitude : -magnitude;
    }

    /// @notice A CBOR number item as (negative, mantissa, exponent): value = ±mantissa · 2^exponent.
    function decodeNumber(bytes memory value) internal pure returns (bool negative, uint256 mantissa, int256 exponent) {
        uint256 length = _numberLength(value, 0);
        uint8 initial = uint8(value[0]);
        uint8 major = initial >> 5;
        if (major == 0 || major == 1) {
            uint256 n = initial & 0x1f;
            if (length > 1) n = _uint(value, 1, length - 1);
            // major 1 encodes −1 − n
            return (major == 1, major == 1 ? n + 1 : n, 0);
        }
        uint256 bits = _uint(value, 1, length - 1);
        if (initial == 0xf9) return _float(bits, 5, 10, 15);
        if (initial == 0xfa) return _float(bits, 8, 23, 127);
        return _float(bits, 11, 52, 1023);
    }

    // ------------------------------------------------------------ internals

    /// @dev Length of the number item at `value[offset]`, which must be all of `value`.
    function _numberLength(bytes memory value, uint256 offset) private pure returns (uint256 length) {
        if (value.length <= offset) revert ValueNotANumber();
        uint8 initial = uint8(value[offset]);
        uint8 major = initial >> 5;
        uint8 info = initial & 0x1f;
        if (major == 0 || major == 1) {
            if (info < 24) length = 1;
            else if (info <= 27) length = 1 + (uint256(1) << (info - 24));
            else revert ValueNotANumber();
        } else if (initial == 0xf9) {
            length = 3;
        } else if (initial == 0xfa) {
            length = 5;
        } else if (initial == 0xfb) {
            length = 9;
        } else {
            revert ValueNotANumber();
        }
        if (value.length != offset + length) revert ValueNotANumber();
    }

    function _float(uint256 bits, uint256 expBits, uint256 fracBits, int256 bias)
        private
        pure
        returns (bool negative, uint256 mantissa, int256 exponent)
    {
        negative = (bits >> (expBits + fracBits)) & 1 == 1;
        uint256 e = (bits >> fracBits) & (2 ** expBits - 1);
        uint256 f = bits & (2 ** fracBits - 1);
        if (e == 2 ** expBits - 1) revert ValueNotFinite();
        // forge-lint: disable-start(unsafe-typecast) e < 2^11 and fracBits ≤ 52 fit int256
        if (e == 0) {
            // subnormal (or zero): f · 2^(1 − bias − fracBits)
            return (negative, f, 1 - bias - int256(fracBits));
        }
        return (negative, f | 2 ** fracBits, int256(e) - bias - int256(fracBits));
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @dev sign(a · 2^exponent − b), with a < 2^125 and b < 2^128.
    // forge-lint: disable-start(unsafe-typecast) the casts follow the sign checks
    function _compareScaled(uint256 a, int256 exponent, uint256 b) private pure returns (int256) {
        if (exponent >= 0) {
            // a ≥ 1 here; past 2^128 the left side exceeds any b.
            if (exponent >= 128) return 1;
            return _cmp(a << uint256(exponent), b);
        }
        uint256 k = uint256(-exponent);
        // b ≥ 1 here; past 2^128 the right side exceeds a.
        if (k >= 128) return -1;
        return _cmp(a, b << k);
    }

    // forge-lint: disable-end(unsafe-typecast)

    function _cmp(uint256 x, uint256 y) private pure returns (int256) {
        return x > y ? int256(1) : (x < y ? -1 : int256(0));
    }

    function _uint(bytes memory b, uint256 offset, uint256 size) private pure returns (uint256 n) {
        for (uint256 i = 0; i < size; i++) {
            n = (n << 8) | uint8(b[offset + i]);
        }
    }

    /// @dev A CBOR head with the shortest argument (RFC 8949 §4.2.1); n < 2^64 (uint64 fields
    ///      and lengths), each cast follows the range check before it.
    // forge-lint: disable-start(unsafe-typecast)
    function _head(uint8 major, uint256 n) private pure returns (bytes memory) {
        uint8 m = major << 5;
        if (n < 24) return abi.encodePacked(bytes1(m | uint8(n)));
        if (n <= type(uint8).max) return abi.encodePacked(bytes1(m | 24), uint8(n));
        if (n <= type(uint16).max) return abi.encodePacked(bytes1(m | 25), uint16(n));
        if (n <= type(uint32).max) return abi.encodePacked(bytes1(m | 26), uint32(n));
        return abi.encodePacked(bytes1(m | 27), uint64(n));
    }
    // forge-lint: disable-end(unsafe-typecast)

    function _text(string memory s) private pure returns (bytes memory) {
        return abi.encodePacked(_head(3, bytes(s).length), s);
    }
}
