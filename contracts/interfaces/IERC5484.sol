// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ERC-5484: Consensual Soulbound Token
/// @notice Soulbound tokens whose burn authority is agreed at issue.
/// @dev See https://eips.ethereum.org/EIPS/eip-5484. The ERC-165 identifier is 0x0489b56f.
interface IERC5484 {
    /// @notice Who may burn a token, fixed when the token is issued.
    enum BurnAuth {
        IssuerOnly,
        OwnerOnly,
        Both,
        Neither
    }

    /// @notice Emitted when a soulbound token is issued.
    /// @param from The issuer.
    /// @param to The receiver.
    /// @param tokenId The id of the issued token.
    /// @param burnAuth Who may burn the token.
    event Issued(address indexed from, address indexed to, uint256 indexed tokenId, BurnAuth burnAuth);

    /// @notice Returns who may burn `tokenId`. Throws for a token that does not exist.
    /// @param tokenId The token.
    function burnAuth(uint256 tokenId) external view returns (BurnAuth);
}
