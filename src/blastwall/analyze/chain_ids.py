"""The chain a transaction is signed for, read from the transaction itself.

    eth_sendTransaction    {"chainId": "0xaa36a7", ...}   -> 11155111 (Sepolia)
    eth_sendRawTransaction "0x02f8..." (EIP-2718 typed)   -> its first field, the chain id
    eth_sendRawTransaction "0xf86c..." (legacy, EIP-155)  -> (v - 35) // 2
    a legacy transaction with v = 27 or 28 (no replay protection) -> None: valid on every chain

A node refuses a transaction signed for another chain, so a chain id read here says which network
the transaction can land on, whatever the node's address says (`mcp_chain.network_kind` reads the
number). Anything that does not decode is None.
"""

from __future__ import annotations

from typing import Any

_MAX = 200_000


def chain_id(method: str, params: Any) -> int | None:
    """The chain id the JSON-RPC call's transaction is signed for, or None."""
    first = params[0] if isinstance(params, list) and params else None
    if method == "eth_sendTransaction" and isinstance(first, dict):
        return _number(first.get("chainId"))
    if method == "eth_sendRawTransaction" and isinstance(first, str):
        return raw_chain_id(first)
    return None


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            return int(text, 16) if text.startswith("0x") else int(text)
        except ValueError:
            return None
    return None


def raw_chain_id(text: str) -> int | None:
    """The chain id of a signed raw transaction (hex), or None."""
    hexed = text.strip().lower().removeprefix("0x")
    if not hexed or len(hexed) > _MAX:
        return None
    try:
        data = bytes.fromhex(hexed)
    except ValueError:
        return None
    if data[0] <= 0x7F:  # EIP-2718: a type byte, then an RLP list whose first item is the chain id
        items = _items(data[1:])
        return _int(items[0]) if items else None
    items = _items(data)
    if items is None or len(items) < 9:
        return None
    v = _int(items[6])
    if v is None or v in (27, 28):
        return None
    return (v - 35) // 2 if v >= 35 else None


def _items(data: bytes) -> list[bytes | None] | None:
    """The top-level items of one RLP list filling `data` (a nested list is None)."""
    head = _header(data, 0)
    if head is None or not head[2] or head[0] + head[1] != len(data):
        return None
    start, length, _ = head
    out: list[bytes | None] = []
    pos, end = start, start + length
    while pos < end:
        item = _header(data, pos)
        if item is None or item[0] + item[1] > end:
            return None
        out.append(None if item[2] else data[item[0]:item[0] + item[1]])
        pos = item[0] + item[1]
    return out


def _header(data: bytes, pos: int) -> tuple[int, int, bool] | None:
    """(payload start, payload length, is a list) of the RLP item at `pos`."""
    if pos >= len(data):
        return None
    b = data[pos]
    if b < 0x80:
        return pos, 1, False
    for base, short, is_list in ((0x80, 0xB7, False), (0xC0, 0xF7, True)):
        if base <= b <= short:
            return pos + 1, b - base, is_list
        if short < b <= short + 8:
            n = b - short
            if pos + 1 + n > len(data):
                return None
            return pos + 1 + n, int.from_bytes(data[pos + 1:pos + 1 + n], "big"), is_list
    return None


def _int(item: bytes | None) -> int | None:
    return None if item is None else int.from_bytes(item, "big")
