// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5484} from "../interfaces/IERC5484.sol";
import {IChainCredTypes} from "../interfaces/IChainCredTypes.sol";

/// @notice The whole per-token state in one storage word, beside the owner's address.
/// @dev Bit layout, least significant first:
///
///   [  0, 160)  owner            address (zero once burned)
///   [160, 184)  institutionId    uint24
///   [184, 216)  issuedAt         uint32 block time (seconds; fits until 2106)
///   [216, 248)  statusChangedAt  uint32 block time of the last status change, 0 if none
///   [248, 251)  status           IChainCredTypes.Status (3 bits)
///   [251, 254)  reason           IChainCredTypes.Reason (3 bits)
///   [254, 256)  burnAuth         IERC5484.BurnAuth (2 bits)
///
/// A word of zero means "never issued"; every issued token has a non-zero status, so its word
/// is never zero again. The token id is the document digest, so it costs no storage of its own.
type TokenRecord is uint256;

/// @title TokenRecords: packing and unpacking of `TokenRecord`
/// @notice Pure bit operations on the one-word token record; see {TokenRecord} for the layout.
library TokenRecords {
    uint256 private constant _ADDRESS_MASK = (1 << 160) - 1;
    uint256 private constant _INSTITUTION_SHIFT = 160;
    uint256 private constant _ISSUED_SHIFT = 184;
    uint256 private constant _CHANGED_SHIFT = 216;
    uint256 private constant _STATUS_SHIFT = 248;
    uint256 private constant _REASON_SHIFT = 251;
    uint256 private constant _BURN_AUTH_SHIFT = 254;
    /// @dev Everything but owner, institution, issuedAt and burnAuth: changedAt, status, reason.
    uint256 private constant _STATUS_FIELDS_MASK = ((1 << 38) - 1) << _CHANGED_SHIFT;

    /// @notice A freshly issued, active record.
    /// @param owner_ The holder.
    /// @param institutionId_ The issuing institution.
    /// @param issuedAt_ Block time of issue.
    /// @param auth Who may burn the token.
    function issued(address owner_, uint24 institutionId_, uint32 issuedAt_, IERC5484.BurnAuth auth)
        internal
        pure
        returns (TokenRecord)
    {
        return TokenRecord.wrap(
            uint256(uint160(owner_)) | (uint256(institutionId_) << _INSTITUTION_SHIFT)
                | (uint256(issuedAt_) << _ISSUED_SHIFT)
                | (uint256(IChainCredTypes.Status.Active) << _STATUS_SHIFT)
                | (uint256(auth) << _BURN_AUTH_SHIFT)
        );
    }

    /// @notice The same record with a new status, reason and status-change time.
    /// @param record The current record.
    /// @param status_ The new status.
    /// @param reason_ Why the status changed.
    /// @param at Block time of the change.
    function withStatus(
        TokenRecord record,
        IChainCredTypes.Status status_,
        IChainCredTypes.Reason reason_,
        uint32 at
    ) internal pure returns (TokenRecord) {
        return TokenRecord.wrap(
            (TokenRecord.unwrap(record) & ~_STATUS_FIELDS_MASK) | (uint256(at) << _CHANGED_SHIFT)
                | (uint256(status_) << _STATUS_SHIFT) | (uint256(reason_) << _REASON_SHIFT)
        );
    }

    /// @notice The same record with the owner erased (burn).
    /// @param record The current record.
    function withoutOwner(TokenRecord record) internal pure returns (TokenRecord) {
        return TokenRecord.wrap(TokenRecord.unwrap(record) & ~_ADDRESS_MASK);
    }

    function owner(TokenRecord record) internal pure returns (address) {
        return address(uint160(TokenRecord.unwrap(record)));
    }

    function institutionId(TokenRecord record) internal pure returns (uint24) {
        return uint24(TokenRecord.unwrap(record) >> _INSTITUTION_SHIFT);
    }

    function issuedAt(TokenRecord record) internal pure returns (uint32) {
        return uint32(TokenRecord.unwrap(record) >> _ISSUED_SHIFT);
    }

    function statusChangedAt(TokenRecord record) internal pure returns (uint32) {
        return uint32(TokenRecord.unwrap(record) >> _CHANGED_SHIFT);
    }

    function status(TokenRecord record) internal pure returns (IChainCredTypes.Status) {
        return IChainCredTypes.Status((TokenRecord.unwrap(record) >> _STATUS_SHIFT) & 7);
    }

    function reason(TokenRecord record) internal pure returns (IChainCredTypes.Reason) {
        return IChainCredTypes.Reason((TokenRecord.unwrap(record) >> _REASON_SHIFT) & 7);
    }

    function burnAuth(TokenRecord record) internal pure returns (IERC5484.BurnAuth) {
        return IERC5484.BurnAuth(TokenRecord.unwrap(record) >> _BURN_AUTH_SHIFT);
    }

    function isIssued(TokenRecord record) internal pure returns (bool) {
        return TokenRecord.unwrap(record) != 0;
    }
}
