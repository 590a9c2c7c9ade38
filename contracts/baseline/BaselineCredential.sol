// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title The gas baseline: a plain OpenZeppelin ERC-721 that keeps each credential digest in a
/// mapping, as a straightforward implementation would
/// @notice Not part of chaincred: a reference point for its gas costs.
/// @dev For the gas benchmark only (benchmarks/gas.py); it has no access control worth the name
/// beyond a single minter, and it is not part of chaincred.
contract BaselineCredential is ERC721 {
    error BaselineNotMinter(address account);

    /// @notice Emitted when the minter revoked `tokenId`.
    /// @param tokenId The token.
    /// @param reason A reason code.
    event Revoked(uint256 indexed tokenId, uint8 reason);

    address private immutable _minter;
    mapping(uint256 tokenId => bytes32 digest) private _digests;
    mapping(uint256 tokenId => bool revoked) private _revoked;

    constructor() ERC721("baseline credential", "BASE") {
        _minter = msg.sender;
    }

    /// @notice Mints `tokenId` to `to` and stores its digest. Minter only.
    /// @param to The receiver.
    /// @param tokenId The token id.
    /// @param digest The credential digest kept in the mapping.
    function mint(address to, uint256 tokenId, bytes32 digest) external {
        _onlyMinter();
        _mint(to, tokenId);
        _digests[tokenId] = digest;
    }

    /// @notice Mints `tokenIds[i]` to `to[i]` with `digests[i]`. Minter only.
    /// @param to The receivers.
    /// @param tokenIds The token ids.
    /// @param digests The credential digests.
    function mintBatch(address[] calldata to, uint256[] calldata tokenIds, bytes32[] calldata digests) external {
        _onlyMinter();
        for (uint256 i = 0; i < to.length; ++i) {
            _mint(to[i], tokenIds[i]);
            _digests[tokenIds[i]] = digests[i];
        }
    }

    /// @notice Flags `tokenId` as revoked. Minter only.
    /// @param tokenId The token.
    /// @param reason A reason code, emitted only.
    function revoke(uint256 tokenId, uint8 reason) external {
        _onlyMinter();
        _revoked[tokenId] = true;
        emit Revoked(tokenId, reason);
    }

    /// @notice Flags every token in `tokenIds` as revoked. Minter only.
    /// @param tokenIds The tokens.
    /// @param reason A reason code, emitted only.
    function revokeBatch(uint256[] calldata tokenIds, uint8 reason) external {
        _onlyMinter();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            _revoked[tokenIds[i]] = true;
            emit Revoked(tokenIds[i], reason);
        }
    }

    function _onlyMinter() private view {
        if (msg.sender != _minter) revert BaselineNotMinter(msg.sender);
    }
}
