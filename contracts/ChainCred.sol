// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IChainCred} from "./interfaces/IChainCred.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IERC5484} from "./interfaces/IERC5484.sol";
import {CidV1} from "./lib/CidV1.sol";
import {TokenRecord, TokenRecords} from "./lib/TokenRecord.sol";

/// @title ChainCred: micro-credentials as soulbound ERC-721 tokens, with an issuer registry
/// @notice See {IChainCred}. A compact soulbound ERC-721 core of its own: OpenZeppelin's ERC721
/// keeps owners in a private mapping, and the point here is that owner, institution, times,
/// status, reason and burn authority share one storage word per token.
/// @dev Storage, per token: `_records[tokenId]`, one word laid out as documented in
/// {TokenRecord}; `_supersededBy[tokenId]`, written only by `supersede`. Per holder:
/// `_balances[holder]`. Per signing account: `_signers[account]` = institution id (bits 0-23)
/// | may-issue flag (bit 24), so an issuing call reads one word to authorize. Per institution:
/// `_institutions[id]` (two words) and its signer set.
contract ChainCred is
    IChainCred,
    IERC721Metadata,
    IERC4906,
    IERC5192,
    IERC5484,
    IERC721Errors,
    ERC165,
    Ownable2Step
{
    using EnumerableSet for EnumerableSet.AddressSet;
    using TokenRecords for TokenRecord;

    /// @dev ERC-4906 has no functions, so its id is the constant the standard fixes.
    bytes4 private constant _ERC4906_INTERFACE_ID = 0x49064906;
    uint256 private constant _MAY_ISSUE = 1 << 24;
    uint256 private constant _INSTITUTION_MASK = (1 << 24) - 1;

    mapping(uint256 tokenId => TokenRecord record) private _records;
    mapping(uint256 tokenId => uint256 successorId) private _supersededBy;
    mapping(address holder => uint256 balance) private _balances;
    mapping(address account => uint256 entry) private _signers;
    mapping(uint24 institutionId => Institution record) private _institutions;
    mapping(uint24 institutionId => EnumerableSet.AddressSet signers) private _institutionSigners;
    uint24 private _institutionCount;

    /// @notice Deploys the registry; the registrar role can later move in two steps.
    /// @param initialRegistrar The account that registers institutions.
    constructor(address initialRegistrar) Ownable(initialRegistrar) {}

    // ================================================================ ERC-165, metadata

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC165, IERC165) returns (bool) {
        return interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == type(IERC5192).interfaceId || interfaceId == type(IERC5484).interfaceId
            || interfaceId == _ERC4906_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /// @inheritdoc IERC721Metadata
    function name() external pure returns (string memory) {
        return "chaincred micro-credential";
    }

    /// @inheritdoc IERC721Metadata
    function symbol() external pure returns (string memory) {
        return "CRED";
    }

    /// @inheritdoc IERC721Metadata
    /// @dev `ipfs://` + the CIDv1 (raw, sha2-256, base32) whose digest is the token id.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        _requireOwned(tokenId);
        return CidV1.ipfsUri(bytes32(tokenId));
    }

    // ================================================================ ERC-721 (soulbound)

    /// @inheritdoc IERC721
    function balanceOf(address holder) external view returns (uint256) {
        if (holder == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[holder];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) external view returns (address) {
        return _requireOwned(tokenId);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return address(0);
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address, address) external pure returns (bool) {
        return false;
    }

    /// @inheritdoc IERC721
    function approve(address, uint256) external pure {
        revert ChainCredSoulbound();
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address, bool) external pure {
        revert ChainCredSoulbound();
    }

    /// @inheritdoc IERC721
    function transferFrom(address, address, uint256) external pure {
        revert ChainCredSoulbound();
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address, address, uint256) external pure {
        revert ChainCredSoulbound();
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address, address, uint256, bytes calldata) external pure {
        revert ChainCredSoulbound();
    }

    // ================================================================ ERC-5192, ERC-5484

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @inheritdoc IERC5484
    function burnAuth(uint256 tokenId) external view returns (BurnAuth) {
        _requireOwned(tokenId);
        return _records[tokenId].burnAuth();
    }

    // ================================================================ issuer registry

    /// @notice Always reverts with `ChainCredRegistrarRequired`: the role can only be
    /// transferred (`transferOwnership` + `acceptOwnership`), never left empty.
    function renounceOwnership() public view override onlyOwner {
        revert ChainCredRegistrarRequired();
    }

    /// @inheritdoc IChainCred
    function registrar() external view returns (address) {
        return owner();
    }

    /// @inheritdoc IChainCred
    function registerInstitution(bytes32 metadataDigest, address[] calldata signers)
        external
        onlyOwner
        returns (uint24 institutionId)
    {
        institutionId = ++_institutionCount;
        _institutions[institutionId] = Institution({
            active: true,
            accredited: false,
            qualityAssuranceBody: 0,
            registeredAt: uint32(block.timestamp),
            deactivatedAt: 0,
            accreditationValidUntil: 0,
            metadataDigest: metadataDigest
        });
        emit InstitutionRegistered(institutionId, metadataDigest);
        for (uint256 i = 0; i < signers.length; ++i) {
            _addSigner(institutionId, signers[i]);
        }
    }

    /// @inheritdoc IChainCred
    function addSigner(uint24 institutionId, address account) external onlyOwner {
        _requireInstitution(institutionId);
        _addSigner(institutionId, account);
    }

    /// @inheritdoc IChainCred
    function removeSigner(uint24 institutionId, address account) external onlyOwner {
        if (!_institutionSigners[institutionId].remove(account)) {
            revert ChainCredNotASigner(account, institutionId);
        }
        delete _signers[account];
        emit SignerRemoved(institutionId, account);
    }

    /// @inheritdoc IChainCred
    function setAccreditation(uint24 institutionId, bool accredited, uint64 qualityAssuranceBody, uint32 validUntil)
        external
        onlyOwner
    {
        Institution storage record = _requireInstitution(institutionId);
        record.accredited = accredited;
        record.qualityAssuranceBody = qualityAssuranceBody;
        record.accreditationValidUntil = validUntil;
        emit AccreditationRecorded(institutionId, accredited, qualityAssuranceBody, validUntil);
    }

    /// @inheritdoc IChainCred
    function setInstitutionMetadata(uint24 institutionId, bytes32 metadataDigest) external onlyOwner {
        _requireInstitution(institutionId).metadataDigest = metadataDigest;
        emit InstitutionMetadataUpdated(institutionId, metadataDigest);
    }

    /// @inheritdoc IChainCred
    function deactivateInstitution(uint24 institutionId) external onlyOwner {
        Institution storage record = _requireInstitution(institutionId);
        if (!record.active) revert ChainCredInstitutionInactive(institutionId);
        record.active = false;
        record.deactivatedAt = uint32(block.timestamp);
        address[] memory signers = _institutionSigners[institutionId].values();
        for (uint256 i = 0; i < signers.length; ++i) {
            _signers[signers[i]] = institutionId;
        }
        emit InstitutionDeactivated(institutionId);
    }

    /// @inheritdoc IChainCred
    function institution(uint24 institutionId) external view returns (Institution memory) {
        return _institutions[institutionId];
    }

    /// @inheritdoc IChainCred
    function institutionOf(address account) external view returns (uint24) {
        return uint24(_signers[account] & _INSTITUTION_MASK);
    }

    /// @inheritdoc IChainCred
    function signersOf(uint24 institutionId) external view returns (address[] memory) {
        return _institutionSigners[institutionId].values();
    }

    /// @inheritdoc IChainCred
    function institutionCount() external view returns (uint24) {
        return _institutionCount;
    }

    // ================================================================ credentials

    /// @inheritdoc IChainCred
    function mint(address to, uint256 digest, BurnAuth auth) external {
        _issue(to, digest, _issuingInstitution(), auth);
    }

    /// @inheritdoc IChainCred
    function mintBatch(address[] calldata to, uint256[] calldata digests, BurnAuth auth) external {
        uint256 count = to.length;
        if (count == 0 || count != digests.length) revert ChainCredBadBatch(count, digests.length);
        uint24 institutionId = _issuingInstitution();
        for (uint256 i = 0; i < count; ++i) {
            _issue(to[i], digests[i], institutionId, auth);
        }
    }

    /// @inheritdoc IChainCred
    function revoke(uint256 tokenId, Reason reason) external {
        _requireRevocationReason(reason);
        _revoke(tokenId, reason, _managingInstitution());
    }

    /// @inheritdoc IChainCred
    function revokeBatch(uint256[] calldata tokenIds, Reason reason) external {
        if (tokenIds.length == 0) revert ChainCredBadBatch(0, 0);
        _requireRevocationReason(reason);
        uint24 institutionId = _managingInstitution();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            _revoke(tokenIds[i], reason, institutionId);
        }
    }

    /// @inheritdoc IChainCred
    function suspend(uint256 tokenId, Reason reason) external {
        if (reason == Reason.Superseded) revert ChainCredInvalidReason(reason);
        TokenRecord record = _managedRecord(tokenId, _managingInstitution());
        if (record.status() != Status.Active) revert ChainCredInvalidStatus(tokenId, record.status());
        _setStatus(tokenId, record, Status.Suspended, reason);
        emit CredentialSuspended(tokenId, reason);
    }

    /// @inheritdoc IChainCred
    function reinstate(uint256 tokenId) external {
        TokenRecord record = _managedRecord(tokenId, _issuingInstitution());
        if (record.status() != Status.Suspended) revert ChainCredInvalidStatus(tokenId, record.status());
        _setStatus(tokenId, record, Status.Active, Reason.None);
        emit CredentialReinstated(tokenId);
    }

    /// @inheritdoc IChainCred
    function supersede(uint256 tokenId, uint256 newDigest, address to) external {
        uint24 institutionId = _issuingInstitution();
        TokenRecord record = _managedRecord(tokenId, institutionId);
        _requireCurrent(tokenId, record);
        _setStatus(tokenId, record, Status.Superseded, Reason.Superseded);
        _supersededBy[tokenId] = newDigest;
        _issue(to, newDigest, institutionId, record.burnAuth());
        emit CredentialSuperseded(tokenId, newDigest);
    }

    /// @inheritdoc IChainCred
    function burn(uint256 tokenId) external {
        TokenRecord record = _records[tokenId];
        address holder = _requireOwned(tokenId);
        if (!_mayBurn(record, holder)) revert ChainCredBurnNotAllowed(msg.sender, tokenId);
        _records[tokenId] = record.withoutOwner().withStatus(Status.Burned, record.reason(), uint32(block.timestamp));
        _update(holder, address(0), tokenId);
        emit MetadataUpdate(tokenId);
    }

    /// @inheritdoc IChainCred
    function credential(uint256 tokenId) public view returns (Credential memory) {
        TokenRecord record = _records[tokenId];
        return Credential({
            owner: record.owner(),
            institutionId: record.institutionId(),
            issuedAt: record.issuedAt(),
            statusChangedAt: record.statusChangedAt(),
            status: record.status(),
            reason: record.reason(),
            burnAuth: record.burnAuth(),
            supersededBy: _supersededBy[tokenId]
        });
    }

    /// @inheritdoc IChainCred
    function credentials(uint256[] calldata tokenIds) external view returns (Credential[] memory result) {
        result = new Credential[](tokenIds.length);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            result[i] = credential(tokenIds[i]);
        }
    }

    // ================================================================ internals

    /// @dev The one place where ownership changes. Soulbound: a token only comes into being
    /// (from the zero address) or is burned (to the zero address); anything else reverts.
    function _update(address from, address to, uint256 tokenId) private {
        if (from != address(0) && to != address(0)) revert ChainCredSoulbound();
        unchecked {
            // A balance counts tokens, so it can neither overflow nor go below zero here.
            if (from != address(0)) --_balances[from];
            if (to != address(0)) ++_balances[to];
        }
        emit Transfer(from, to, tokenId);
    }

    function _issue(address to, uint256 digest, uint24 institutionId, BurnAuth auth) private {
        if (digest == 0) revert ChainCredZeroDigest();
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (_records[digest].isIssued()) revert ChainCredAlreadyIssued(digest);
        _records[digest] = TokenRecords.issued(to, institutionId, uint32(block.timestamp), auth);
        _update(address(0), to, digest);
        emit Locked(digest);
        emit Issued(msg.sender, to, digest, auth);
    }

    function _revoke(uint256 tokenId, Reason reason, uint24 institutionId) private {
        TokenRecord record = _managedRecord(tokenId, institutionId);
        _requireCurrent(tokenId, record);
        _setStatus(tokenId, record, Status.Revoked, reason);
        emit CredentialRevoked(tokenId, reason);
    }

    function _setStatus(uint256 tokenId, TokenRecord record, Status status, Reason reason) private {
        _records[tokenId] = record.withStatus(status, reason, uint32(block.timestamp));
        emit MetadataUpdate(tokenId);
    }

    /// @dev The caller's institution, which must be active (may issue).
    function _issuingInstitution() private view returns (uint24) {
        uint256 entry = _signers[msg.sender];
        if (entry == 0) revert ChainCredNotAnIssuer(msg.sender);
        if (entry & _MAY_ISSUE == 0) revert ChainCredInstitutionInactive(uint24(entry & _INSTITUTION_MASK));
        return uint24(entry & _INSTITUTION_MASK);
    }

    /// @dev The caller's institution, active or not (revoking and suspending stay possible).
    function _managingInstitution() private view returns (uint24) {
        uint256 entry = _signers[msg.sender];
        if (entry == 0) revert ChainCredNotAnIssuer(msg.sender);
        return uint24(entry & _INSTITUTION_MASK);
    }

    function _managedRecord(uint256 tokenId, uint24 institutionId) private view returns (TokenRecord record) {
        record = _records[tokenId];
        if (!record.isIssued()) revert ERC721NonexistentToken(tokenId);
        if (record.institutionId() != institutionId) revert ChainCredNotTokenIssuer(msg.sender, tokenId);
    }

    function _requireCurrent(uint256 tokenId, TokenRecord record) private pure {
        Status status = record.status();
        if (status != Status.Active && status != Status.Suspended) revert ChainCredInvalidStatus(tokenId, status);
    }

    function _requireRevocationReason(Reason reason) private pure {
        if (reason == Reason.None || reason == Reason.Superseded) revert ChainCredInvalidReason(reason);
    }

    function _requireOwned(uint256 tokenId) private view returns (address holder) {
        holder = _records[tokenId].owner();
        if (holder == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function _requireInstitution(uint24 institutionId) private view returns (Institution storage record) {
        record = _institutions[institutionId];
        if (record.registeredAt == 0) revert ChainCredUnknownInstitution(institutionId);
    }

    function _addSigner(uint24 institutionId, address account) private {
        uint24 current = uint24(_signers[account] & _INSTITUTION_MASK);
        if (current != 0) revert ChainCredSignerTaken(account, current);
        // Set membership mirrors `_signers`, checked just above, so `add` cannot return false here.
        // slither-disable-next-line unused-return
        _institutionSigners[institutionId].add(account);
        _signers[account] = _institutions[institutionId].active ? institutionId | _MAY_ISSUE : institutionId;
        emit SignerAdded(institutionId, account);
    }

    // The record word also packs block times, so slither's taint analysis takes these burn-authority
    // and institution-id comparisons for time comparisons; none of them reads a time field.
    // slither-disable-next-line incorrect-equality
    function _mayBurn(TokenRecord record, address holder) private view returns (bool) {
        BurnAuth auth = record.burnAuth();
        bool ownerMay = auth == BurnAuth.OwnerOnly || auth == BurnAuth.Both;
        bool issuerMay = auth == BurnAuth.IssuerOnly || auth == BurnAuth.Both;
        if (ownerMay && msg.sender == holder) return true;
        return issuerMay && (_signers[msg.sender] & _INSTITUTION_MASK) == record.institutionId();
    }
}
