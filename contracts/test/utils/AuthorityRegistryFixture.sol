// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Shared setup of the AuthorityRegistry tests: a deployed registry, secp256k1 signer keys
// from Forge's cheatcodes, the signed messages written out by hand, and nodes walked into
// any status (including Convicted, through a real commit and reveal).

import {AuthorityRegistry} from "../../src/AuthorityRegistry.sol";
import {VeriotTest} from "./VeriotTest.sol";

abstract contract AuthorityRegistryFixture is VeriotTest {
    /// @dev Order n of secp256k1.
    uint256 internal constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    uint256 internal constant MIN_DEPOSIT = 1 ether;
    uint64 internal constant EXIT_LOCK = 7 days;
    uint16 internal constant REWARD_BPS = 2_500;
    uint256 internal constant START_TIME = 1_750_000_000;
    uint256 internal constant START_BLOCK = 20_000;

    /// @dev The BLS vectors in AuthorityRegistryBls.t.sol are bound to these two signers.
    uint256 internal constant SIGNER_PK = 0x5161e5;
    uint256 internal constant OTHER_SIGNER_PK = 0x0be75161e5;

    string internal constant URL = "https://authority-1.veriot.example:8545";

    AuthorityRegistry.Status internal constant NONE = AuthorityRegistry.Status.None;
    AuthorityRegistry.Status internal constant ACTIVE = AuthorityRegistry.Status.Active;
    AuthorityRegistry.Status internal constant EXITING = AuthorityRegistry.Status.Exiting;
    AuthorityRegistry.Status internal constant WITHDRAWN = AuthorityRegistry.Status.Withdrawn;
    AuthorityRegistry.Status internal constant CONVICTED = AuthorityRegistry.Status.Convicted;

    address internal admin = _actor("admin");
    address internal treasury = _actor("treasury");
    address internal owner = _actor("owner");
    address internal otherOwner = _actor("otherOwner");
    address internal watchdog = _actor("watchdog");
    address internal stranger = _actor("stranger");

    AuthorityRegistry internal registry;

    function setUp() public virtual {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        registry = new AuthorityRegistry(admin, MIN_DEPOSIT, EXIT_LOCK, REWARD_BPS, treasury);
    }

    // ------------------------------------------------------------ messages, written out

    /// @notice The registration digest as a node's tooling must build it, written out here
    ///         rather than read from the contract so that a change of the format fails a test.
    function registrationDigestOf(address by, string memory url, bytes memory blsKey) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                bytes32("VERIOT/register-authority/v1"),
                block.chainid,
                address(registry),
                by,
                keccak256(bytes(url)),
                keccak256(blsKey)
            )
        );
    }

    /// @notice The attestation digest as nodes and devices must build it, written out.
    function attestationDigestOf(uint256 blockNumber, bytes32 blockHash) internal view returns (bytes32) {
        return keccak256(
            abi.encode(bytes32("VERIOT/attest-block/v1"), block.chainid, address(registry), blockNumber, blockHash)
        );
    }

    function commitmentOf(
        address committer,
        address signer,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes memory signature,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(committer, signer, blockNumber, signedHash, keccak256(signature), salt));
    }

    // ------------------------------------------------------------ signatures

    /// @notice r ‖ s ‖ v of a raw secp256k1 signature (Forge signs with low s).
    function signRaw(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice The high-s twin (r, n − s, v flipped) of a signature: valid for ecrecover,
    ///         refused by the registry.
    function malleate(bytes memory signature) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 32))
            s := mload(add(signature, 64))
        }
        uint8 v = uint8(signature[64]);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function signAttestation(uint256 pk, uint256 blockNumber, bytes32 blockHash) internal view returns (bytes memory) {
        return signRaw(pk, attestationDigestOf(blockNumber, blockHash));
    }

    function signerProofOf(uint256 pk, address by, string memory url, bytes memory blsKey)
        internal
        view
        returns (bytes memory)
    {
        return signRaw(pk, registrationDigestOf(by, url, blsKey));
    }

    // ------------------------------------------------------------ nodes

    /// @notice Registers the signer of `pk` by `by` with `deposit` wei and no BLS key.
    function registerNode(uint256 pk, address by, uint256 deposit) internal returns (address signer) {
        signer = vm.addr(pk);
        bytes memory proof = signerProofOf(pk, by, URL, "");
        vm.deal(by, by.balance + deposit);
        vm.prank(by);
        registry.register{value: deposit}(signer, URL, "", "", proof);
    }

    /// @notice The signer of `pk`, registered by `owner` with MIN_DEPOSIT and walked into
    ///         `status` (Withdrawn after the lock; Convicted by the watchdog for a lie about
    ///         the previous block).
    function nodeIn(AuthorityRegistry.Status status, uint256 pk) internal returns (address signer) {
        signer = registerNode(pk, owner, MIN_DEPOSIT);
        if (status == ACTIVE) return signer;
        if (status == CONVICTED) {
            convictOfLie(watchdog, pk, block.number - 1);
            return signer;
        }
        vm.prank(owner);
        registry.requestExit(signer);
        if (status == EXITING) return signer;
        vm.warp(block.timestamp + EXIT_LOCK);
        vm.prank(owner);
        registry.withdraw(signer);
    }

    /// @notice A hash that is not the canonical one of `blockNumber`.
    function wrongHashOf(uint256 blockNumber) internal view returns (bytes32) {
        return keccak256(abi.encode("not the canonical hash", blockNumber, registry.canonicalHash(blockNumber)));
    }

    /// @notice Commits, moves one block on, and reveals a lie of `pk` about `blockNumber`
    ///         (whose canonical hash must be known) on behalf of `prover`.
    function convictOfLie(address prover, uint256 pk, uint256 blockNumber) internal {
        bytes32 lie = wrongHashOf(blockNumber);
        bytes memory signature = signAttestation(pk, blockNumber, lie);
        address signer = vm.addr(pk);
        vm.prank(prover);
        registry.commitConviction(commitmentOf(prover, signer, blockNumber, lie, signature, "salt"));
        vm.roll(block.number + 1);
        vm.prank(prover);
        registry.revealConviction(signer, blockNumber, lie, signature, "salt");
    }

    function commitAs(address committer, address signer, uint256 blockNumber, bytes32 hash, bytes memory sig)
        internal
    {
        vm.prank(committer);
        registry.commitConviction(commitmentOf(committer, signer, blockNumber, hash, sig, "salt"));
    }

    // ------------------------------------------------------------ expectations

    function assertStatus(address signer, AuthorityRegistry.Status want, string memory message) internal view {
        assertEq(uint256(registry.statusOf(signer)), uint256(want), message);
    }

    function _actor(string memory name) internal returns (address a) {
        a = address(uint160(uint256(keccak256(bytes(string.concat("veriot.test.authority.", name))))));
        vm.label(a, name);
    }
}
