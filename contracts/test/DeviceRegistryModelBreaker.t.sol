// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {DeviceRegistry} from "../src/DeviceRegistry.sol";
import {DeviceRegistryFixture} from "./utils/DeviceRegistryFixture.sol";

/// @notice The model breaker: a guardian stops every device of a model in one transaction,
///         only an admin resets it, and no device's own status changes.
contract DeviceRegistryModelBreakerTest is DeviceRegistryFixture {
    function modelOf(bytes32 id) internal view returns (bytes32) {
        return registry.getDevice(id).model;
    }

    function test_pauseModel_byAGuardianStopsTheModel_andAnAdminResetsIt() public {
        bytes32 id = deviceIn(DeviceRegistry.Status.Active, DEVICE_PK);
        bytes32 model = modelOf(id);
        assertTrue(registry.isOperational(id), "operational before");

        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.ModelPaused(model, guardian, bytes32("firmware revoked"));
        vm.prank(guardian);
        registry.pauseModel(model, "firmware revoked");
        assertTrue(registry.modelPaused(model), "paused");
        assertFalse(registry.isOperational(id), "not operational while paused");
        assertEq(uint256(registry.statusOf(id)), uint256(DeviceRegistry.Status.Active), "status kept");

        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        registry.unpauseModel(model, "guardian");

        vm.expectEmit(true, true, true, true, address(registry));
        emit DeviceRegistry.ModelUnpaused(model, admin, bytes32("fixed in 1.0.1"));
        vm.prank(admin);
        registry.unpauseModel(model, "fixed in 1.0.1");
        assertTrue(registry.isOperational(id), "operational again");
    }

    function test_pauseModel_revertsForOwnersAndStrangers() public {
        address[2] memory callers = [owner, stranger];
        bytes32 guardianRole = registry.GUARDIAN_ROLE();
        for (uint256 i = 0; i < callers.length; i++) {
            vm.prank(callers[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], guardianRole
                )
            );
            registry.pauseModel("sensor", "");
        }
    }

    function test_pauseModel_revertsForTheZeroModel_andUnchangedState() public {
        vm.startPrank(guardian);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.InvalidBreakerModel.selector, bytes32(0)));
        registry.pauseModel(bytes32(0), "");
        registry.pauseModel("sensor", "");
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.ModelPauseUnchanged.selector, bytes32("sensor"), true));
        registry.pauseModel("sensor", "");
        vm.stopPrank();
        vm.prank(admin);
        registry.unpauseModel("sensor", "");
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(DeviceRegistry.ModelPauseUnchanged.selector, bytes32("sensor"), false));
        registry.unpauseModel("sensor", "");
    }

    function test_isOperational_isFalseForEveryStatusButActive() public {
        for (uint8 s = 0; s <= uint8(DeviceRegistry.Status.Decommissioned); s++) {
            DeviceRegistry.Status status = DeviceRegistry.Status(s);
            if (status == DeviceRegistry.Status.None) {
                assertFalse(registry.isOperational(bytes32(uint256(1))), "unknown");
                continue;
            }
            bytes32 id = deviceIn(status, DEVICE_PK + s);
            assertEq(registry.isOperational(id), status == DeviceRegistry.Status.Active, "status");
        }
    }

    function testFuzz_pauseModel_touchesOnlyThatModel(bytes32 other) public {
        bytes32 id = deviceIn(DeviceRegistry.Status.Active, DEVICE_PK);
        bytes32 model = modelOf(id);
        vm.assume(other != model && other != bytes32(0));
        vm.prank(guardian);
        registry.pauseModel(other, "");
        assertTrue(registry.isOperational(id), "another model's breaker");
        assertEq(vm.load(address(registry), keccak256(abi.encode(other, uint256(6)))), bytes32(uint256(1)), "slot 6");
    }
}
