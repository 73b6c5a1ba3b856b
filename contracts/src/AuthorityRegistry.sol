// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Staked authority nodes that sign block hashes for devices, and the proof that takes a
// node's deposit when it signed a hash that is not the canonical one.

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {BlockHeaderParent} from "./BlockHeaderParent.sol";
import {Bls12381} from "./Bls12381.sol";

/// @title AuthorityRegistry
/// @notice A node is keyed by its secp256k1 signer address and signs
///         `attestationDigest(blockNumber, blockHash)`. A device trusts a value only with a
///         Merkle proof against a header whose hash k nodes in status Active signed. Anyone
///         holding a node's signature over a hash that is not the canonical hash of that
///         block takes part of the node's deposit (commit, then reveal a block later).
///
///         A node with a BLS12-381 key also signs the same digest with BLS
///         (Bls12381.SIG_DST), so k nodes' attestations can travel as one aggregate signature;
///         an aggregate over a wrong hash convicts every node in it (`revealAggregateConviction`).
///
///         Lifecycle: None → Active → Exiting → Withdrawn, and Active or Exiting → Convicted.
///         Withdrawn and Convicted are terminal; a signer key registers at most once.
///
///         Storage read by devices with EIP-1186 proofs (checked by a test; docs/contracts.md):
///         - slot 1: `activeSigners` (length; element i at keccak256(uint256(1)) + i)
///         - slot 2: `nodes`; nodes[signer] starts at keccak256(abi.encode(signer, uint256(2))):
///           +0 owner (word & (2^160 - 1)), status ((word >> 160) & 0xff) and
///           registeredAt ((word >> 168) & (2^64 - 1)), +1 unlockAt, +2 deposit, +3 url,
///           +4 blsPublicKey (Solidity's string / bytes layout).
///         Slot 0 is OpenZeppelin AccessControl's role mapping; ReentrancyGuard uses an
///         ERC-7201 slot and takes none of these.
contract AuthorityRegistry is AccessControl, ReentrancyGuard {
    /// @notice Lifecycle states. `None` means "never registered". Only `Active` is trusted.
    enum Status {
        None,
        Active,
        Exiting,
        Withdrawn,
        Convicted
    }

    struct Node {
        // slot +0: owner (bytes 0-19 from the low end), status (byte 20), registeredAt (21-28)
        address owner;
        Status status;
        uint64 registeredAt;
        // slot +1
        /// @dev When the deposit may be withdrawn; 0 until the node exits.
        uint64 unlockAt;
        // slot +2
        uint256 deposit;
        // slots +3, +4
        string url;
        /// @dev Empty, or a 96-byte uncompressed BLS12-381 G1 key whose proof of possession
        ///      was verified at registration.
        bytes blsPublicKey;
    }

    /// @notice Domain tag of the message a signer signs to consent to its registration.
    bytes32 public constant REGISTER_DOMAIN = "VERIOT/register-authority/v1";
    /// @notice Domain tag of the block attestations that nodes sign.
    bytes32 public constant ATTESTATION_DOMAIN = "VERIOT/attest-block/v1";
    /// @notice A conviction commitment can be revealed from the next block on and for this
    ///         many blocks after the commit; later it must be made again.
    uint256 public constant COMMITMENT_WINDOW = 256;
    /// @notice Where the treasury share goes while no treasury is set. Native currency cannot
    ///         be destroyed; this address has no known key.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    uint256 public constant MAX_URL_LENGTH = 256;
    uint64 public constant MAX_EXIT_LOCK = 3650 days;
    uint16 public constant BPS = 10_000;
    /// @notice Most signers one aggregate conviction may name (bounds its gas).
    uint256 public constant MAX_AGGREGATE_SIGNERS = 64;
    /// @notice Domain tag of aggregate conviction commitments (6-word per-signer commitments
    ///         and 7-word aggregate ones can never be confused anyway; the tag says so).
    bytes32 public constant AGGREGATE_CONVICTION_DOMAIN = "VERIOT/aggregate-conviction/v1";

    // ---------------------------------------------------------------- storage
    // The order fixes the slots that devices prove (see above): append new variables only.

    /// @notice Signers in status Active, unordered (swap-and-pop on exit and conviction).
    address[] public activeSigners;
    /// @notice Every signer ever registered.
    mapping(address signer => Node) public nodes;
    /// @notice Canonical block hashes saved for convictions beyond BLOCKHASH's reach.
    mapping(uint256 blockNumber => bytes32) public checkpoints;
    /// @notice Block in which each live conviction commitment was made.
    mapping(bytes32 commitment => uint256 blockNumber) public commitments;
    /// @notice The signer that registered each BLS key (keccak256 of the 96 bytes), forever:
    ///         a key counted twice would let one BLS signature count as two.
    mapping(bytes32 blsKeyHash => address signer) public blsKeySigner;
    /// @dev Index + 1 of each active signer in `activeSigners`; 0 when not active.
    mapping(address signer => uint256) private _activeIndexPlusOne;
    /// @notice Deposit required from new registrations; changing it never touches existing nodes.
    uint256 public minDeposit;
    /// @notice Receiver of the non-reward part of slashed deposits; zero sends it to BURN_ADDRESS.
    address public treasury;
    /// @notice Slashed wei owed to the treasury, paid out by `releaseToTreasury`.
    uint256 public treasuryOwed;

    /// @notice How long a deposit stays slashable after `requestExit`. Immutable: it is the
    ///         time every watchdog was promised to find and prove a lie.
    uint64 public immutable exitLockSeconds;
    /// @notice Share of a slashed deposit that goes to the prover, in basis points. Immutable:
    ///         it is what a node risks and what a watchdog earns.
    uint16 public immutable proverRewardBps;

    // ---------------------------------------------------------------- events

    event NodeRegistered(
        address indexed signer, address indexed owner, uint256 deposit, string url, bytes blsPublicKey
    );
    event NodeUrlUpdated(address indexed signer, string url);
    event NodeToppedUp(address indexed signer, uint256 amount, uint256 deposit);
    event NodeExiting(address indexed signer, uint64 unlockAt);
    event NodeWithdrawn(address indexed signer, address indexed owner, uint256 amount);
    event NodeConvicted(
        address indexed signer,
        address indexed prover,
        uint256 indexed blockNumber,
        bytes32 signedHash,
        bytes32 canonicalHash,
        uint256 reward,
        uint256 toTreasury
    );
    event ConvictionCommitted(bytes32 indexed commitment, address indexed committer);
    event CheckpointSaved(uint256 indexed blockNumber, bytes32 hash);
    event TreasuryPaid(address indexed to, uint256 amount);
    event MinDepositChanged(uint256 previous, uint256 current);
    event TreasuryChanged(address indexed previous, address indexed current);

    // ---------------------------------------------------------------- errors

    error InvalidMinDeposit(uint256 minDeposit);
    error InvalidExitLock(uint64 exitLockSeconds);
    error InvalidRewardBps(uint16 proverRewardBps);
    error InvalidSigner(address signer);
    error InvalidUrlLength(uint256 length);
    error DepositTooLow(uint256 value, uint256 minDeposit);
    error SignerConvicted(address signer);
    error SignerAlreadyRegistered(address signer, Status status);
    error InvalidSignerProof(address signer);
    error InvalidBlsPublicKey(uint256 length);
    error InvalidBlsProofOfPossession(address signer);
    error BlsKeyAlreadyRegistered(bytes32 blsKeyHash, address signer);
    error BlsPrecompilesUnavailable();
    error NotNodeOwner(address signer, address caller);
    error NodeNotActive(address signer, Status status);
    error NodeNotExiting(address signer, Status status);
    error NodeNotSlashable(address signer, Status status);
    error ExitLocked(address signer, uint64 unlockAt);
    error NothingSent();
    error PayoutFailed(address to, uint256 amount);
    error CommitmentUnknown(bytes32 commitment);
    error CommitmentTooRecent(bytes32 commitment, uint256 committedAt);
    error CommitmentExpired(bytes32 commitment, uint256 committedAt);
    error InvalidAttestationSignature(address signer);
    error InvalidSignerCount(uint256 count);
    error DuplicateSigner(address signer);
    error SignerWithoutBlsKey(address signer);
    error InvalidAggregateSignature();
    error NothingToSlash();
    error CanonicalHashUnknown(uint256 blockNumber);
    error NotALie(uint256 blockNumber, bytes32 signedHash);
    error NoHeaders();
    error HeaderChainPastGenesis();
    error HeaderHashMismatch(uint256 blockNumber, bytes32 expected, bytes32 got);
    error MalformedHeader(uint256 blockNumber);

    /// @param admin receives DEFAULT_ADMIN_ROLE (may change minDeposit and treasury); zero
    ///        leaves both fixed forever.
    /// @param minDeposit_ deposit required from new registrations, in wei (> 0).
    /// @param exitLockSeconds_ how long an exiting deposit stays slashable (1 s .. 3650 days).
    /// @param proverRewardBps_ the prover's share of a slashed deposit (0 .. 10 000).
    /// @param treasury_ receiver of the rest; zero means BURN_ADDRESS.
    constructor(
        address admin,
        uint256 minDeposit_,
        uint64 exitLockSeconds_,
        uint16 proverRewardBps_,
        address treasury_
    ) {
        if (minDeposit_ == 0) revert InvalidMinDeposit(minDeposit_);
        if (exitLockSeconds_ == 0 || exitLockSeconds_ > MAX_EXIT_LOCK) revert InvalidExitLock(exitLockSeconds_);
        if (proverRewardBps_ > BPS) revert InvalidRewardBps(proverRewardBps_);
        minDeposit = minDeposit_;
        exitLockSeconds = exitLockSeconds_;
        proverRewardBps = proverRewardBps_;
        treasury = treasury_;
        if (admin != address(0)) _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- messages

    /// @notice The digest a signer signs (raw secp256k1, no EIP-191 prefix) to consent to be
    ///         registered by `owner` with this URL and BLS key.
    function registrationDigest(address owner, string calldata url, bytes calldata blsPublicKey)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                REGISTER_DOMAIN, block.chainid, address(this), owner, keccak256(bytes(url)), keccak256(blsPublicKey)
            )
        );
    }

    /// @notice The digest a node signs (raw secp256k1, no EIP-191 prefix) to attest that
    ///         `blockHash` is the hash of block `blockNumber` of this chain.
    function attestationDigest(uint256 blockNumber, bytes32 blockHash) public view returns (bytes32) {
        return keccak256(abi.encode(ATTESTATION_DOMAIN, block.chainid, address(this), blockNumber, blockHash));
    }

    /// @notice The message a BLS key signs (with Bls12381.POP_DST) to prove possession: the
    ///         96-byte key followed by the signer address, so a copied proof is useless to
    ///         anyone registering another signer.
    function blsPopMessage(address signer, bytes calldata blsPublicKey) public pure returns (bytes memory) {
        return abi.encodePacked(blsPublicKey, signer);
    }

    /// @notice What `committer` commits to before revealing a conviction.
    function convictionCommitment(
        address committer,
        address signer,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes calldata signature,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(committer, signer, blockNumber, signedHash, keccak256(signature), salt));
    }

    /// @notice What `committer` commits to before revealing an aggregate conviction: the
    ///         signer list in the order it will be revealed (keccak256 of the addresses, each
    ///         as a 32-byte word, as abi.encodePacked writes array elements), and keccak256 of
    ///         the signature.
    function aggregateConvictionCommitment(
        address committer,
        address[] calldata signers,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes calldata aggregateSignature,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                AGGREGATE_CONVICTION_DOMAIN,
                committer,
                keccak256(abi.encodePacked(signers)),
                blockNumber,
                signedHash,
                keccak256(aggregateSignature),
                salt
            )
        );
    }

    // ---------------------------------------------------------------- registration

    /// @notice Registers `signer` (Active) with msg.sender as its owner and msg.value as its
    ///         deposit. `signerProof` is the signer's 65-byte signature r ‖ s ‖ v (low s) over
    ///         `registrationDigest(msg.sender, url, blsPublicKey)`. `blsPublicKey` is empty or
    ///         96 bytes; with a key, `blsProofOfPossession` (192 bytes) must verify over
    ///         `blsPopMessage(signer, blsPublicKey)`, which needs the EIP-2537 precompiles.
    function register(
        address signer,
        string calldata url,
        bytes calldata blsPublicKey,
        bytes calldata blsProofOfPossession,
        bytes calldata signerProof
    ) external payable {
        if (signer == address(0)) revert InvalidSigner(signer);
        _checkUrl(url);
        if (msg.value < minDeposit) revert DepositTooLow(msg.value, minDeposit);
        Node storage node = nodes[signer];
        if (node.status == Status.Convicted) revert SignerConvicted(signer);
        if (node.status != Status.None) revert SignerAlreadyRegistered(signer, node.status);
        (address recovered,,) = ECDSA.tryRecoverCalldata(registrationDigest(msg.sender, url, blsPublicKey), signerProof);
        if (recovered != signer) revert InvalidSignerProof(signer);
        if (blsPublicKey.length != 0 || blsProofOfPossession.length != 0) {
            _registerBlsKey(signer, blsPublicKey, blsProofOfPossession);
        }

        node.owner = msg.sender;
        node.status = Status.Active;
        node.registeredAt = uint64(block.timestamp);
        node.deposit = msg.value;
        node.url = url;
        node.blsPublicKey = blsPublicKey;
        _addActive(signer);
        emit NodeRegistered(signer, msg.sender, msg.value, url, blsPublicKey);
    }

    /// @notice Changes the URL of an active node. Only its owner.
    function updateUrl(address signer, string calldata url) external {
        Node storage node = _owned(signer);
        if (node.status != Status.Active) revert NodeNotActive(signer, node.status);
        _checkUrl(url);
        node.url = url;
        emit NodeUrlUpdated(signer, url);
    }

    /// @notice Adds msg.value to an active node's deposit. Only its owner.
    function topUp(address signer) external payable {
        Node storage node = _owned(signer);
        if (node.status != Status.Active) revert NodeNotActive(signer, node.status);
        if (msg.value == 0) revert NothingSent();
        node.deposit += msg.value;
        emit NodeToppedUp(signer, msg.value, node.deposit);
    }

    /// @notice Active → Exiting: the node leaves the active set at once; its deposit stays
    ///         slashable until `unlockAt = now + exitLockSeconds`. Only its owner.
    function requestExit(address signer) external {
        Node storage node = _owned(signer);
        if (node.status != Status.Active) revert NodeNotActive(signer, node.status);
        uint64 unlockAt = uint64(block.timestamp) + exitLockSeconds;
        node.status = Status.Exiting;
        node.unlockAt = unlockAt;
        _removeActive(signer);
        emit NodeExiting(signer, unlockAt);
    }

    /// @notice Exiting → Withdrawn once `block.timestamp >= unlockAt`: sends the whole
    ///         deposit to the owner (reverts if the owner does not accept it). Only its owner.
    function withdraw(address signer) external nonReentrant {
        Node storage node = _owned(signer);
        if (node.status != Status.Exiting) revert NodeNotExiting(signer, node.status);
        // A validator can shift the timestamp by seconds; the lock is days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < node.unlockAt) revert ExitLocked(signer, node.unlockAt);
        uint256 amount = node.deposit;
        node.deposit = 0;
        node.status = Status.Withdrawn;
        emit NodeWithdrawn(signer, msg.sender, amount);
        _pay(msg.sender, amount);
    }

    // ---------------------------------------------------------------- conviction

    /// @notice Commits to a conviction that msg.sender will reveal between 1 and
    ///         COMMITMENT_WINDOW blocks later (see `convictionCommitment`). A live commitment
    ///         is kept as it is (a retry changes nothing); an expired one is renewed.
    /// @return committedAt the block the commitment counts from.
    function commitConviction(bytes32 commitment) external returns (uint256 committedAt) {
        committedAt = commitments[commitment];
        if (committedAt != 0 && block.number <= committedAt + COMMITMENT_WINDOW) return committedAt;
        committedAt = block.number;
        commitments[commitment] = committedAt;
        emit ConvictionCommitted(commitment, msg.sender);
    }

    /// @notice Convicts `signer` of signing `signedHash` as the hash of block `blockNumber`
    ///         when the canonical hash differs. msg.sender must have committed to exactly these
    ///         arguments 1 to COMMITMENT_WINDOW blocks earlier, so a copied reveal is useless.
    ///         The node (Active or Exiting) becomes Convicted for ever; the prover receives
    ///         deposit × proverRewardBps / 10 000 at once, the rest is owed to the treasury.
    function revealConviction(
        address signer,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes calldata signature,
        bytes32 salt
    ) external nonReentrant {
        _consumeCommitment(convictionCommitment(msg.sender, signer, blockNumber, signedHash, signature, salt));
        Status status = nodes[signer].status;
        if (status != Status.Active && status != Status.Exiting) revert NodeNotSlashable(signer, status);
        (address recovered,,) = ECDSA.tryRecoverCalldata(attestationDigest(blockNumber, signedHash), signature);
        if (recovered != signer) revert InvalidAttestationSignature(signer);
        bytes32 canonical = canonicalHash(blockNumber);
        if (canonical == signedHash) revert NotALie(blockNumber, signedHash);
        uint256 reward = _slash(signer, blockNumber, signedHash, canonical);
        if (reward != 0) _pay(msg.sender, reward);
    }

    /// @notice Convicts every slashable signer of `signers` of signing `signedHash` as the hash
    ///         of block `blockNumber` with one BLS aggregate signature, when the canonical hash
    ///         differs. `aggregateSignature` (192 bytes, uncompressed G2) must verify over the
    ///         32-byte `attestationDigest(blockNumber, signedHash)` with Bls12381.SIG_DST under
    ///         the sum of the signers' registered BLS keys (G1ADD, then one pairing check).
    ///         Rogue keys cannot fake someone's part: every key came with a proof of possession.
    ///
    ///         msg.sender must have committed to `aggregateConvictionCommitment` of exactly
    ///         these arguments 1 to COMMITMENT_WINDOW blocks earlier. 1 to
    ///         MAX_AGGREGATE_SIGNERS distinct signers, each with a BLS key. Signers that are no
    ///         longer slashable (Withdrawn, or already Convicted) still count for the signature
    ///         but are skipped, so a liar cannot hide behind a convicted co-signer; at least one
    ///         must be slashable. Each slashed node goes as in `revealConviction` (Convicted for
    ///         ever, the same reward and treasury split); the rewards are paid in one transfer.
    function revealAggregateConviction(
        address[] calldata signers,
        uint256 blockNumber,
        bytes32 signedHash,
        bytes calldata aggregateSignature,
        bytes32 salt
    ) external nonReentrant {
        _consumeCommitment(
            aggregateConvictionCommitment(msg.sender, signers, blockNumber, signedHash, aggregateSignature, salt)
        );
        if (signers.length == 0 || signers.length > MAX_AGGREGATE_SIGNERS) revert InvalidSignerCount(signers.length);
        bytes memory aggregateKey;
        bool anySlashable;
        for (uint256 i = 0; i < signers.length; i++) {
            address signer = signers[i];
            for (uint256 j = 0; j < i; j++) {
                if (signers[j] == signer) revert DuplicateSigner(signer);
            }
            Node storage node = nodes[signer];
            // A stored key was checked (length, flags, on the curve, in the subgroup) at
            // registration, so G1ADD below can only fail on a chain without EIP-2537.
            (bool ok, bytes memory key) = Bls12381.g1FromUncompressed(node.blsPublicKey);
            if (!ok) revert SignerWithoutBlsKey(signer);
            if (i == 0) {
                aggregateKey = key;
            } else {
                (ok, aggregateKey) = Bls12381.g1Add(aggregateKey, key);
                if (!ok) revert InvalidAggregateSignature();
            }
            if (node.status == Status.Active || node.status == Status.Exiting) anySlashable = true;
        }
        if (!anySlashable) revert NothingToSlash();
        bytes memory message = abi.encodePacked(attestationDigest(blockNumber, signedHash));
        if (!Bls12381.verify(aggregateKey, aggregateSignature, message, Bls12381.SIG_DST)) {
            revert InvalidAggregateSignature();
        }
        bytes32 canonical = canonicalHash(blockNumber);
        if (canonical == signedHash) revert NotALie(blockNumber, signedHash);
        uint256 reward;
        for (uint256 i = 0; i < signers.length; i++) {
            Status status = nodes[signers[i]].status;
            if (status == Status.Active || status == Status.Exiting) {
                reward += _slash(signers[i], blockNumber, signedHash, canonical);
            }
        }
        if (reward != 0) _pay(msg.sender, reward);
    }

    /// @notice Pays everything owed to the treasury (BURN_ADDRESS while none is set). Anyone
    ///         may call it: slashing never waits on the treasury accepting a transfer.
    function releaseToTreasury() external nonReentrant {
        uint256 amount = treasuryOwed;
        if (amount == 0) return;
        address to = treasury == address(0) ? BURN_ADDRESS : treasury;
        treasuryOwed = 0;
        emit TreasuryPaid(to, amount);
        _pay(to, amount);
    }

    // ---------------------------------------------------------------- canonical hashes

    /// @notice The canonical hash of block `blockNumber`: BLOCKHASH for the last 256 blocks,
    ///         the EIP-2935 history contract for the last 8191 (where the chain has it), else a
    ///         saved checkpoint. Reverts CanonicalHashUnknown otherwise (also for the current
    ///         and future blocks).
    function canonicalHash(uint256 blockNumber) public view returns (bytes32 hash) {
        hash = _knownHash(blockNumber);
        if (hash == 0) revert CanonicalHashUnknown(blockNumber);
    }

    /// @notice Saves the canonical hash of a block still within reach of BLOCKHASH (or
    ///         EIP-2935), so convictions about it stay possible later. Saving twice is a no-op.
    function saveCheckpoint(uint256 blockNumber) external returns (bytes32 hash) {
        hash = canonicalHash(blockNumber);
        _saveCheckpoint(blockNumber, hash);
    }

    /// @notice Extends a known hash backwards: headers[0] is the RLP header of block
    ///         `blockNumber` (whose hash must be known, see `canonicalHash`), headers[i] that
    ///         of block `blockNumber - i`, each hashing to the parent hash of the one before.
    ///         Only the oldest hash reached, of block `blockNumber - headers.length`, is saved:
    ///         one storage write whatever the number of headers.
    /// @return oldest the block number of the saved checkpoint.
    function extendCheckpoint(uint256 blockNumber, bytes[] calldata headers) external returns (uint256 oldest) {
        if (headers.length == 0) revert NoHeaders();
        if (headers.length > blockNumber) revert HeaderChainPastGenesis();
        bytes32 expected = canonicalHash(blockNumber);
        for (uint256 i = 0; i < headers.length; i++) {
            uint256 number = blockNumber - i;
            bytes32 got = keccak256(headers[i]);
            if (got != expected) revert HeaderHashMismatch(number, expected, got);
            (bool ok, bytes32 parent) = BlockHeaderParent.tryGetParentHash(headers[i]);
            if (!ok) revert MalformedHeader(number);
            expected = parent;
        }
        oldest = blockNumber - headers.length;
        _saveCheckpoint(oldest, expected);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets the deposit required from future registrations (existing nodes keep theirs).
    function setMinDeposit(uint256 minDeposit_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (minDeposit_ == 0) revert InvalidMinDeposit(minDeposit_);
        emit MinDepositChanged(minDeposit, minDeposit_);
        minDeposit = minDeposit_;
    }

    /// @notice Sets the receiver of slashed deposits' rest, including what is already owed.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit TreasuryChanged(treasury, treasury_);
        treasury = treasury_;
    }

    // ---------------------------------------------------------------- reads

    function isActiveSigner(address signer) external view returns (bool) {
        return nodes[signer].status == Status.Active;
    }

    function activeSignerCount() external view returns (uint256) {
        return activeSigners.length;
    }

    /// @notice All active signers, for eth_call (devices prove single slots instead).
    function getActiveSigners() external view returns (address[] memory) {
        return activeSigners;
    }

    function getNode(address signer) external view returns (Node memory) {
        return nodes[signer];
    }

    function statusOf(address signer) external view returns (Status) {
        return nodes[signer].status;
    }

    // ---------------------------------------------------------------- internals

    function _registerBlsKey(address signer, bytes calldata publicKey, bytes calldata proof) private {
        if (publicKey.length != Bls12381.PUBLIC_KEY_LENGTH) revert InvalidBlsPublicKey(publicKey.length);
        bytes32 keyHash = keccak256(publicKey);
        address holder = blsKeySigner[keyHash];
        if (holder != address(0)) revert BlsKeyAlreadyRegistered(keyHash, holder);
        if (!Bls12381.isAvailable()) revert BlsPrecompilesUnavailable();
        if (!Bls12381.verifyProofOfPossession(publicKey, proof, blsPopMessage(signer, publicKey))) {
            revert InvalidBlsProofOfPossession(signer);
        }
        blsKeySigner[keyHash] = signer;
    }

    /// @dev Deletes a commitment that may be revealed now (reverts, keeping it, otherwise).
    function _consumeCommitment(bytes32 commitment) private {
        uint256 committedAt = commitments[commitment];
        if (committedAt == 0) revert CommitmentUnknown(commitment);
        if (block.number <= committedAt) revert CommitmentTooRecent(commitment, committedAt);
        if (block.number > committedAt + COMMITMENT_WINDOW) revert CommitmentExpired(commitment, committedAt);
        delete commitments[commitment];
    }

    /// @dev Effects only; the caller pays the returned reward afterwards
    ///      (checks-effects-interactions).
    function _slash(address signer, uint256 blockNumber, bytes32 signedHash, bytes32 canonical)
        private
        returns (uint256 reward)
    {
        Node storage node = nodes[signer];
        uint256 deposit = node.deposit;
        reward = deposit * proverRewardBps / BPS;
        uint256 toTreasury = deposit - reward;
        if (node.status == Status.Active) _removeActive(signer);
        node.deposit = 0;
        node.status = Status.Convicted;
        treasuryOwed += toTreasury;
        emit NodeConvicted(signer, msg.sender, blockNumber, signedHash, canonical, reward, toTreasury);
    }

    function _knownHash(uint256 blockNumber) private view returns (bytes32 hash) {
        hash = Blockhash.blockHash(blockNumber);
        if (hash == 0) hash = checkpoints[blockNumber];
    }

    function _saveCheckpoint(uint256 blockNumber, bytes32 hash) private {
        if (checkpoints[blockNumber] == hash) return;
        checkpoints[blockNumber] = hash;
        emit CheckpointSaved(blockNumber, hash);
    }

    function _owned(address signer) private view returns (Node storage node) {
        node = nodes[signer];
        if (node.owner != msg.sender) revert NotNodeOwner(signer, msg.sender);
    }

    function _checkUrl(string calldata url) private pure {
        uint256 length = bytes(url).length;
        if (length == 0 || length > MAX_URL_LENGTH) revert InvalidUrlLength(length);
    }

    function _addActive(address signer) private {
        activeSigners.push(signer);
        _activeIndexPlusOne[signer] = activeSigners.length;
    }

    function _removeActive(address signer) private {
        uint256 index = _activeIndexPlusOne[signer] - 1;
        uint256 last = activeSigners.length - 1;
        if (index != last) {
            address moved = activeSigners[last];
            activeSigners[index] = moved;
            _activeIndexPlusOne[moved] = index + 1;
        }
        activeSigners.pop();
        delete _activeIndexPlusOne[signer];
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PayoutFailed(to, amount);
    }
}
