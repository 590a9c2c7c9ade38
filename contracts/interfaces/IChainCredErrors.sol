// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IChainCredTypes} from "./IChainCredTypes.sol";

/// @title The custom errors of the chaincred credential registry
/// @notice Every chaincred-specific revert, as a `ChainCred<Problem>` custom error.
/// @dev Standard ERC-721 conditions use OpenZeppelin's ERC-6093 errors (`ERC721NonexistentToken`,
/// `ERC721InvalidReceiver`); access to the registrar role uses `Ownable`'s errors.
interface IChainCredErrors {
    /// @notice A credential digest of zero was given; zero is never a valid SHA-256 output here.
    error ChainCredZeroDigest();

    /// @notice `tokenId` was issued before (it may since have been revoked, superseded or burned).
    error ChainCredAlreadyIssued(uint256 tokenId);

    /// @notice `account` is not a signing account of any institution.
    error ChainCredNotAnIssuer(address account);

    /// @notice The institution of the calling account has been deactivated and may not issue.
    error ChainCredInstitutionInactive(uint24 institutionId);

    /// @notice `account` signs for another institution than the one that issued `tokenId`.
    error ChainCredNotTokenIssuer(address account, uint256 tokenId);

    /// @notice The registry knows no institution with this id.
    error ChainCredUnknownInstitution(uint24 institutionId);

    /// @notice `account` already signs for `institutionId` (an account signs for one institution).
    error ChainCredSignerTaken(address account, uint24 institutionId);

    /// @notice `account` is not a signing account of `institutionId`.
    error ChainCredNotASigner(address account, uint24 institutionId);

    /// @notice Credentials are soulbound: transfers and approvals are not supported.
    error ChainCredSoulbound();

    /// @notice The operation is not allowed while `tokenId` is in status `current`.
    error ChainCredInvalidStatus(uint256 tokenId, IChainCredTypes.Status current);

    /// @notice `reason` cannot be given to this operation (`None` for a revocation, `Superseded`
    /// outside `supersede`).
    error ChainCredInvalidReason(IChainCredTypes.Reason reason);

    /// @notice `account` may not burn `tokenId` under the token's burn authority.
    error ChainCredBurnNotAllowed(address account, uint256 tokenId);

    /// @notice A batch was empty, or its arrays had different lengths.
    error ChainCredBadBatch(uint256 recipients, uint256 digests);

    /// @notice The registrar role cannot be renounced, only transferred: without a registrar
    /// no institution could be registered or deactivated again.
    error ChainCredRegistrarRequired();
}
