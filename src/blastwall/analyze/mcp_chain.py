"""MCP tools of blockchains and wallets (EVM, Solana, web3 servers): a call that signs or sends a
transaction (`write_contract`, `send_transaction`, `transfer_erc20`, `deploy_contract`, `swap`)
cannot be undone once it is mined; reads (`read_contract`, `call`, `estimate_gas`, `get_balance`)
change nothing.

    chain_call("evm", "write_contract", {"network": "ethereum", ...})  -> Transaction("live", "ethereum")
    chain_call("evm", "write_contract", {"network": "anvil", ...})     -> Transaction("local", "anvil")
    chain_call("evm", "read_contract", {...})                          -> Transaction("read", "")
    chain_call("github", "create_issue", {...})                        -> None

A tool is a chain tool when its name or its server's has a word of `[chain] chain_words`. It reads
when its name starts with a word of `read_words` or has one of `preview_words` anywhere
(`estimate_gas_for_transfer`, `swap_quote`, a `dryRun` argument); otherwise it sends a transaction
when its name has a word of `transaction_verbs`. The
network argument (`network_keys`; an RPC URL's host) decides: a local node or a test network
(`local_networks`, `test_networks`, loopback hosts) holds nothing of value; any other network, or
none named (a server's default is often mainnet), is live.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.http.sniff import words
from blastwall.analyze.ruleset import load_table

__all__ = ["Transaction", "chain_call", "network_kind"]


class Transaction(NamedTuple):
    kind: str  # "read" | "local" | "test" | "live"
    network: str  # as the call names it, or "" when it names none


@functools.cache
def _c() -> dict[str, Any]:
    return dict(load_table("mcp").get("chain", {}))


def chain_call(server: str, tool: str, args: dict[str, Any]) -> Transaction | None:
    """What a chain tool's call does; None for a tool of another kind."""
    chain = _set("chain_words")
    if chain.isdisjoint(_names(tool)) and chain.isdisjoint(_names(server)):
        return None
    tool_words = words(tool)
    named = set(tool_words)
    if not named or tool_words[0] in _c()["read_words"] or named & set(_c()["preview_words"]) or any(
            args.get(k) not in (None, False, 0, "", "false") for k in _c()["preview_keys"]):
        return Transaction("read", "") if named else None
    if not named & set(_c()["transaction_verbs"]):
        return Transaction("read", "") if named & set(_c()["read_words"]) else None
    network = _network(args)
    return Transaction(network_kind(network), network)


@functools.cache
def _set(key: str) -> frozenset[str]:
    """The `[chain]` list `key` as a set, built once."""
    return frozenset(_c()[key])


def _names(name: str) -> frozenset[str]:
    """`web3-mcp` -> web, 3, web3, mcp: words, and the parts between separators (`erc20`, `web3`)."""
    return _known_names(name) if len(name) <= 256 else _read_names(name)


@functools.lru_cache(maxsize=2048)
def _known_names(name: str) -> frozenset[str]:
    return _read_names(name)  # tool and server names repeat: short ones remembered


def _read_names(name: str) -> frozenset[str]:
    return frozenset(words(name)) | {p for p in rx.split(r"[^a-z0-9]+", name.lower()) if p}


def _network(args: dict[str, Any]) -> str:
    for key in _c()["network_keys"]:
        value = args.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:80]
    return ""


def network_kind(network: str) -> str:
    """"local", "test" or "live": a network as a call names it (a name, a chain id or an RPC URL)."""
    if not network:
        return "live"
    low = network.lower()
    if "://" in low:
        from urllib.parse import urlsplit

        try:
            host = (urlsplit(low).hostname or "").rstrip(".")
        except ValueError:
            return "live"
        if host in _c()["local_hosts"] or _loopback(host):
            return "local"
        if "." not in host and host in _c()["local_networks"]:
            return "local"  # `http://anvil:8545`: a one-word name (a compose service, /etc/hosts) of a dev node
        # a host is local only as a whole (`localhost.attacker.example` is not); its words may
        # still name a test network (`eth-sepolia.g.alchemy.com`)
        return "test" if (_names(host) | {host}) & set(_c()["test_networks"]) else "live"
    parts = _names(low) | {low}
    if parts & set(_c()["local_networks"]):
        return "local"
    if parts & set(_c()["test_networks"]):
        return "test"
    return "live"


def _loopback(host: str) -> bool:
    """An IP address of the loopback range (`127.0.0.9`), not a name starting so (`127.0.0.1.evil.example`)."""
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
