// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5484} from "./IERC5484.sol";

/// @title The value types shared by the chaincred registry's interface, errors and views
/// @notice Enums and structs only; no functions.
interface IChainCredTypes {
    /// @notice Lifecycle of a credential token. `None` means the digest was never issued.
    enum Status {
        None,
        Active,
        Suspended,
        Revoked,
        Superseded,
        Burned
    }

    /// @notice Why a status changed: a small enum, never free text on-chain (personal data).
    enum Reason {
        None,
        IssuedInError,
        AcademicMisconduct,
        RequestedByHolder,
        AccreditationWithdrawn,
        Superseded,
        Other
    }

    /// @notice Everything a verifier needs to know about one token, read in one call.
    /// @dev A token that was never issued reads as all zeroes with `status == Status.None`.
    struct Credential {
        address owner;
        uint24 institutionId;
        uint32 issuedAt;
        uint32 statusChangedAt;
        Status status;
        Reason reason;
        IERC5484.BurnAuth burnAuth;
        uint256 supersededBy;
    }

    /// @notice The registry's record of one institution.
    /// @param active False once the registrar deactivated it; it then can no longer issue.
    /// @param accredited True for formal, externally quality-assured education.
    /// @param qualityAssuranceBody The QA body's id (for instance its EQAR registration number).
    /// @param registeredAt Block time of registration.
    /// @param deactivatedAt Block time of deactivation, zero while active.
    /// @param accreditationValidUntil Block time until which the accreditation holds, zero if none.
    /// @param metadataDigest SHA-256 of the institution's public metadata document.
    struct Institution {
        bool active;
        bool accredited;
        uint64 qualityAssuranceBody;
        uint32 registeredAt;
        uint32 deactivatedAt;
        uint32 accreditationValidUntil;
        bytes32 metadataDigest;
    }
}
