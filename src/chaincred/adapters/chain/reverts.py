"""Decoding revert data into chaincred's error tree, from the ABI's custom errors."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector

from chaincred.errors import ContractReverted

__all__ = ["RevertDecoder"]

_PANIC = bytes.fromhex("4e487b71")
_ERROR_STRING = bytes.fromhex("08c379a0")


def _type_of(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_type_of(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


class RevertDecoder:
    """Turns revert data into :class:`ContractReverted` with the custom error's name and args."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = {}
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [_type_of(p) for p in entry["inputs"]]
            signature = f"{entry['name']}({','.join(types)})"
            self._errors[function_signature_to_4byte_selector(signature)] = (entry["name"], types)

    def decode(self, data: bytes | str | None) -> ContractReverted:
        raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else (data or b"")
        selector, payload = raw[:4], raw[4:]
        if selector in self._errors:
            name, types = self._errors[selector]
            return ContractReverted(name, tuple(decode(types, payload)))
        if selector == _ERROR_STRING:
            return ContractReverted("Error", tuple(decode(["string"], payload)))
        if selector == _PANIC:
            return ContractReverted("Panic", tuple(decode(["uint256"], payload)))
        return ContractReverted("UnknownRevert", (raw.hex(),))
