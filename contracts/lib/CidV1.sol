// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CidV1: IPFS content addresses computed on-chain
/// @notice The IPFS content address of a SHA-256 digest, computed on-chain.
/// @dev CIDv1 bytes are <version 0x01><codec raw 0x55><multihash sha2-256 0x12><length 0x20>
/// followed by the 32-byte digest; the string form is multibase base32 (RFC 4648 lower-case
/// alphabet, no padding) with the prefix "b". See https://github.com/multiformats/cid.
library CidV1 {
    bytes32 private constant _BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    bytes4 private constant _RAW_SHA256_PREFIX = 0x01551220;
    /// @dev 36 bytes = 288 bits, 58 base32 characters (the last one padded with zero bits).
    uint256 private constant _CID_BYTES = 36;
    uint256 private constant _CID_CHARS = 58;

    /// @notice Returns "ipfs://b…", the URI of the raw block whose SHA-256 is `digest`.
    /// @param digest The SHA-256 of the block.
    function ipfsUri(bytes32 digest) internal pure returns (string memory) {
        return string.concat("ipfs://", rawSha256Cid(digest));
    }

    /// @notice Returns the base32 CIDv1 string (raw codec, sha2-256) of `digest`.
    /// @param digest The SHA-256 of the block.
    function rawSha256Cid(bytes32 digest) internal pure returns (string memory) {
        bytes memory data = abi.encodePacked(_RAW_SHA256_PREFIX, digest);
        bytes memory out = new bytes(_CID_CHARS + 1);
        out[0] = "b";
        for (uint256 i = 0; i < _CID_CHARS; ++i) {
            uint256 bit = i * 5;
            uint256 index = bit >> 3;
            uint256 window = uint256(uint8(data[index])) << 8;
            if (index + 1 < _CID_BYTES) window |= uint8(data[index + 1]);
            out[i + 1] = _BASE32_ALPHABET[(window >> (11 - (bit & 7))) & 31];
        }
        return string(out);
    }
}
