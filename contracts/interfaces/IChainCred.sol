// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5484} from "./IERC5484.sol";
import {IChainCredErrors} from "./IChainCredErrors.sol";
import {IChainCredTypes} from "./IChainCredTypes.sol";

/// @title chaincred: a registry of institutions and their micro-credentials as soulbound tokens
/// @notice Each token id is the SHA-256 digest of a credential document's public part (RFC 8785
/// canonical JSON). The chain keeps only digests, addresses, institution ids, status codes and
/// block times: nothing personal. A digest can be issued once, ever; revoking, superseding or
/// burning keeps its record.
interface IChainCred is IChainCredTypes, IChainCredErrors {
    /// @notice Emitted when the registrar registered institution `institutionId`.
    /// @param institutionId The new institution's id.
    /// @param metadataDigest SHA-256 of the institution's public metadata document.
    event InstitutionRegistered(uint24 indexed institutionId, bytes32 metadataDigest);

    /// @notice Emitted when the registrar replaced the digest of an institution's metadata.
    /// @param institutionId The institution.
    /// @param metadataDigest The new SHA-256 of its public metadata document.
    event InstitutionMetadataUpdated(uint24 indexed institutionId, bytes32 metadataDigest);

    /// @notice Emitted when `account` became a signing account of `institutionId`.
    /// @param institutionId The institution.
    /// @param account The new signing account.
    event SignerAdded(uint24 indexed institutionId, address indexed account);

    /// @notice Emitted when `account` stopped being a signing account of `institutionId`.
    /// @param institutionId The institution.
    /// @param account The removed signing account.
    event SignerRemoved(uint24 indexed institutionId, address indexed account);

    /// @notice Emitted when the registrar recorded an institution's accreditation.
    /// @param institutionId The institution.
    /// @param accredited True for formal, externally quality-assured education.
    /// @param qualityAssuranceBody Id of the quality-assurance body (0 when none).
    /// @param validUntil Block time until which the accreditation holds (0 when none).
    event AccreditationRecorded(
        uint24 indexed institutionId, bool accredited, uint64 qualityAssuranceBody, uint32 validUntil
    );

    /// @notice Emitted when the registrar deactivated `institutionId`.
    /// @param institutionId The institution.
    event InstitutionDeactivated(uint24 indexed institutionId);

    /// @notice Emitted when the issuing institution revoked `tokenId`.
    /// @param tokenId The credential.
    /// @param reason Why it was revoked.
    event CredentialRevoked(uint256 indexed tokenId, Reason reason);

    /// @notice Emitted when the issuing institution suspended `tokenId`.
    /// @param tokenId The credential.
    /// @param reason Why it was suspended.
    event CredentialSuspended(uint256 indexed tokenId, Reason reason);

    /// @notice Emitted when the issuing institution lifted the suspension of `tokenId`.
    /// @param tokenId The credential.
    event CredentialReinstated(uint256 indexed tokenId);

    /// @notice Emitted when `tokenId` was replaced by the corrected credential `successorId`.
    /// @param tokenId The replaced credential.
    /// @param successorId The corrected credential (its document digest).
    event CredentialSuperseded(uint256 indexed tokenId, uint256 indexed successorId);

    // ---------------------------------------------------------------- issuer registry

    /// @notice The account holding the registrar role (transferred in two steps).
    function registrar() external view returns (address);

    /// @notice Registers an institution with its signing accounts; ids count up from 1.
    /// @dev Registrar only. Reverts with `ChainCredSignerTaken` if an account already signs for
    /// an institution.
    /// @param metadataDigest SHA-256 of the institution's public metadata document.
    /// @param signers Accounts that will issue and manage credentials for the institution.
    /// @return institutionId The new institution's id.
    function registerInstitution(bytes32 metadataDigest, address[] calldata signers)
        external
        returns (uint24 institutionId);

    /// @notice Adds a signing account to an institution. Registrar only.
    /// @param institutionId A registered institution.
    /// @param account An account that signs for no institution yet.
    function addSigner(uint24 institutionId, address account) external;

    /// @notice Removes a signing account from an institution. Registrar only.
    /// @param institutionId The institution.
    /// @param account One of its signing accounts.
    function removeSigner(uint24 institutionId, address account) external;

    /// @notice Records an institution's accreditation. Registrar only.
    /// @param institutionId A registered institution.
    /// @param accredited True for formal, externally quality-assured education.
    /// @param qualityAssuranceBody Id of the quality-assurance body (0 when none).
    /// @param validUntil Block time until which the accreditation holds (0 when none).
    function setAccreditation(
        uint24 institutionId,
        bool accredited,
        uint64 qualityAssuranceBody,
        uint32 validUntil
    ) external;

    /// @notice Replaces the digest of an institution's public metadata. Registrar only.
    /// @param institutionId A registered institution.
    /// @param metadataDigest SHA-256 of the institution's public metadata document.
    function setInstitutionMetadata(uint24 institutionId, bytes32 metadataDigest) external;

    /// @notice Deactivates an institution for good: it can no longer issue, supersede or
    /// reinstate, but it can still revoke and suspend what it issued, so that its record stays
    /// truthful. Credentials it issued while active keep their record. Registrar only.
    /// @param institutionId An active institution.
    function deactivateInstitution(uint24 institutionId) external;

    /// @notice Returns the registry record of an institution (all zero when unknown).
    /// @param institutionId The institution.
    function institution(uint24 institutionId) external view returns (Institution memory);

    /// @notice Returns the institution `account` signs for, or 0.
    /// @param account Any account.
    function institutionOf(address account) external view returns (uint24);

    /// @notice Returns the signing accounts of an institution.
    /// @param institutionId The institution.
    function signersOf(uint24 institutionId) external view returns (address[] memory);

    /// @notice Returns how many institutions were registered (the highest id).
    function institutionCount() external view returns (uint24);

    // ---------------------------------------------------------------- credentials

    /// @notice Issues the credential with document digest `digest` to `to`.
    /// @dev Caller must sign for an active institution. Emits `Transfer`, `Locked` (ERC-5192)
    /// and `Issued` (ERC-5484). Reverts with `ChainCredZeroDigest`, `ERC721InvalidReceiver`,
    /// `ChainCredAlreadyIssued`, `ChainCredNotAnIssuer` or `ChainCredInstitutionInactive`.
    /// @param to The learner's wallet.
    /// @param digest SHA-256 of the credential document's public part; becomes the token id.
    /// @param auth Who may burn the token.
    function mint(address to, uint256 digest, IERC5484.BurnAuth auth) external;

    /// @notice Issues one credential per recipient in one transaction (a cohort).
    /// @dev `to[i]` receives `digests[i]`. All or nothing: one bad entry reverts the batch.
    /// Batches are bounded by the 2^24 per-transaction gas cap (EIP-7825).
    /// @param to The learners' wallets.
    /// @param digests One document digest per recipient; each becomes a token id.
    /// @param auth Who may burn the tokens.
    function mintBatch(address[] calldata to, uint256[] calldata digests, IERC5484.BurnAuth auth)
        external;

    /// @notice Revokes an active or suspended credential for good, keeping its record.
    /// @dev Only a signer of the issuing institution. `reason` must not be `None` or `Superseded`.
    /// Emits `CredentialRevoked` and `MetadataUpdate` (ERC-4906).
    /// @param tokenId The credential.
    /// @param reason Why it is revoked.
    function revoke(uint256 tokenId, Reason reason) external;

    /// @notice Revokes many credentials of the caller's institution with one reason.
    /// @param tokenIds The credentials (at least one); all or nothing.
    /// @param reason Why they are revoked.
    function revokeBatch(uint256[] calldata tokenIds, Reason reason) external;

    /// @notice Suspends an active credential until it is reinstated or revoked.
    /// @param tokenId The credential.
    /// @param reason Why it is suspended (not `Superseded`).
    function suspend(uint256 tokenId, Reason reason) external;

    /// @notice Lifts the suspension of a credential. The institution must be active.
    /// @param tokenId A suspended credential.
    function reinstate(uint256 tokenId) external;

    /// @notice Replaces an active or suspended credential by a corrected one, issued to `to`
    /// with the same burn authority. The old token's record points to its successor.
    /// @param tokenId The credential to replace.
    /// @param newDigest The corrected document's digest; becomes the new token id.
    /// @param to The wallet that receives the corrected credential.
    function supersede(uint256 tokenId, uint256 newDigest, address to) external;

    /// @notice Burns a token as its burn authority allows: the owner for `OwnerOnly`/`Both`, a
    /// signer of the issuing institution for `IssuerOnly`/`Both`. The record stays (status
    /// `Burned`, owner erased, earlier reason kept) and the digest can never be issued again.
    /// @param tokenId The credential.
    function burn(uint256 tokenId) external;

    /// @notice Returns everything a verifier needs about one token in one call.
    /// @param tokenId Any digest; one never issued reads as all zeroes.
    function credential(uint256 tokenId) external view returns (Credential memory);

    /// @notice The batch form of `credential`, for bulk verification.
    /// @param tokenIds Any digests.
    function credentials(uint256[] calldata tokenIds) external view returns (Credential[] memory);
}
