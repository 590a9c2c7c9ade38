// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ERC-5192: Minimal Soulbound NFTs
/// @notice Tokens that report whether they are locked to their owner.
/// @dev See https://eips.ethereum.org/EIPS/eip-5192. The ERC-165 identifier is 0xb45a3c0e.
interface IERC5192 {
    /// @notice Emitted when the locking status is changed to locked (also at mint of a locked token).
    /// @param tokenId The token.
    event Locked(uint256 tokenId);

    /// @notice Emitted when the locking status is changed to unlocked.
    /// @param tokenId The token.
    event Unlocked(uint256 tokenId);

    /// @notice Returns the locking status of a Soulbound Token.
    /// @param tokenId The token.
    /// @dev SBTs assigned to the zero address are considered invalid: queries about them throw.
    function locked(uint256 tokenId) external view returns (bool);
}
