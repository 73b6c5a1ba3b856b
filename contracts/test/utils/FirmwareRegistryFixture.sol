// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Shared setup of the FirmwareRegistry tests: a deployed registry with its roles handed out,
// P-256 release keys from Forge's cheatcodes, and releases signed by any subset of them.

import {FirmwareRegistry} from "../../src/FirmwareRegistry.sol";
import {VeriotTest} from "./VeriotTest.sol";

abstract contract FirmwareRegistryFixture is VeriotTest {
    uint256 internal constant P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;

    address internal admin = _actor("admin");
    address internal vendor = _actor("vendor");
    address internal otherVendor = _actor("otherVendor");
    address internal guardian = _actor("guardian");
    address internal stranger = _actor("stranger");

    bytes32 internal constant MODEL = "coldchain-sensor";
    bytes32 internal constant OTHER_MODEL = "car-lock";
    uint64 internal constant V1 = (1 << 32); // 1.0.0
    uint64 internal constant V2 = (2 << 32); // 2.0.0
    uint64 internal constant V3 = (3 << 32); // 3.0.0
    uint256 internal constant START_TIME = 1_750_000_000;

    FirmwareRegistry internal registry;

    function setUp() public virtual {
        vm.warp(START_TIME);
        registry = new FirmwareRegistry(admin, address(0));
        vm.startPrank(admin);
        registry.grantRole(registry.VENDOR_ROLE(), vendor);
        registry.grantRole(registry.VENDOR_ROLE(), otherVendor);
        registry.grantRole(registry.GUARDIAN_ROLE(), guardian);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ keys

    /// @notice The i-th release private key (distinct for distinct i, always in [1, n - 1]).
    function releasePk(uint256 i) internal pure returns (uint256) {
        return 1 + (uint256(keccak256(abi.encode("release key", i))) % (P256_N - 1));
    }

    function keyOf(uint256 pk) internal pure returns (FirmwareRegistry.ReleaseKey memory k) {
        (uint256 x, uint256 y) = vm.publicKeyP256(pk);
        k.x = bytes32(x);
        k.y = bytes32(y);
    }

    function keyIdOf(uint256 pk) internal pure returns (bytes32) {
        FirmwareRegistry.ReleaseKey memory k = keyOf(pk);
        return keccak256(abi.encodePacked(k.x, k.y));
    }

    /// @notice Keys 0..n-1 of `releasePk`.
    function keysOf(uint256 n) internal pure returns (FirmwareRegistry.ReleaseKey[] memory keys) {
        keys = new FirmwareRegistry.ReleaseKey[](n);
        for (uint256 i = 0; i < n; i++) {
            keys[i] = keyOf(releasePk(i));
        }
    }

    /// @notice `vendor` claims `model` with keys 0..n-1 and threshold k.
    function claim(bytes32 model, uint256 n, uint8 k) internal {
        vm.prank(vendor);
        registry.setReleaseKeys(model, keysOf(n), k);
    }

    // ------------------------------------------------------------ releases

    function releaseOf(bytes32 model, uint64 version) internal pure returns (FirmwareRegistry.ReleaseInput memory r) {
        r.model = model;
        r.version = version;
        r.imageHash = sha256(abi.encode("image", model, version));
        r.imageSize = 1_048_576;
        r.measurement = sha256(abi.encode("pcr", model, version));
        r.metadataHash = sha256(abi.encode("metadata", model, version));
        r.metadataUri = "https://firmware.example/coldchain-sensor/release.json";
    }

    /// @notice The release message as the TypeScript side must build it, written out here rather
    ///         than read from the contract, so that a change of the format fails a test.
    function releaseMessageOf(FirmwareRegistry.ReleaseInput memory r, address registryAddress, uint256 chainId)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(
            bytes32("VERIOT/firmware-release/v1"),
            chainId,
            registryAddress,
            r.model,
            r.version,
            r.imageHash,
            r.imageSize,
            r.measurement,
            r.metadataHash,
            keccak256(bytes(r.metadataUri))
        );
    }

    function approvalOf(uint256 pk, FirmwareRegistry.ReleaseInput memory r)
        internal
        view
        returns (FirmwareRegistry.Approval memory a)
    {
        return approvalOf(pk, r, address(registry), block.chainid);
    }

    function approvalOf(uint256 pk, FirmwareRegistry.ReleaseInput memory r, address registryAddress, uint256 chainId)
        internal
        pure
        returns (FirmwareRegistry.Approval memory a)
    {
        (a.r, a.s) = vm.signP256(pk, sha256(releaseMessageOf(r, registryAddress, chainId)));
        a.keyId = keyIdOf(pk);
    }

    /// @notice Approvals by keys `from`..`from + count - 1`.
    function approvalsOf(FirmwareRegistry.ReleaseInput memory r, uint256 from, uint256 count)
        internal
        view
        returns (FirmwareRegistry.Approval[] memory list)
    {
        list = new FirmwareRegistry.Approval[](count);
        for (uint256 i = 0; i < count; i++) {
            list[i] = approvalOf(releasePk(from + i), r);
        }
    }

    function none() internal pure returns (FirmwareRegistry.Approval[] memory) {
        return new FirmwareRegistry.Approval[](0);
    }

    function publish(FirmwareRegistry.ReleaseInput memory r, FirmwareRegistry.Approval[] memory approvals) internal {
        vm.prank(vendor);
        registry.publishRelease(r, approvals);
    }

    function statusOf(bytes32 model, uint64 version) internal view returns (FirmwareRegistry.Status) {
        return registry.getRelease(model, version).status;
    }

    function _actor(string memory name) private returns (address a) {
        a = address(uint160(uint256(keccak256(bytes(name)))));
        vm.label(a, name);
    }
}
