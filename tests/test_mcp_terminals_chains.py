"""MCP tools that type into terminals (their text is a shell line) and blockchain tools that sign
or send transactions (asked on a live network, allowed on a local node or test network), and the
same transactions sent as JSON-RPC over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def mcp(server: str, tool: str, arguments: dict[str, Any]) -> blastwall.Verdict:
    return blastwall.check(make_action("mcp", {"server": server, "tool": tool, "arguments": arguments}, None))


TYPED_DESTRUCTIVE = [
    ("tmux", "send_keys", {"session": "main", "keys": "dropdb shop_prod Enter"}),
    ("tmux-mcp", "send-keys", {"paneId": "%1", "keys": ["git push --force origin main", "C-m"]}),
    ("tmux", "send_keys", {"target": "0:1", "keys": ["r", "m", "Space", "-rf", "Space", "/srv/data", "Enter"]}),
    ("iterm", "send_text", {"text": "terraform destroy -auto-approve\r"}),
    ("screen", "stuff", {"session": "w", "text": "dropdb shop_prod\n"}),
    ("terminal", "run_in_terminal", {"input": "kubectl delete namespace shop"}),
    ("mcp-server-wezterm", "type_text", {"pane": 3, "text": "ls\nrm -rf /var/lib/mysql\n"}),
    ("kitty", "send_keystrokes", {"data": "zpool destroy tank"}),
    ("console", "write_to_console", {"line": "sudo rm -rf /etc/nginx"}),
]
TYPED_SAFE = [
    ("tmux", "send_keys", {"session": "main", "keys": "ls -la Enter"}),
    ("tmux", "send_keys", {"session": "main", "keys": ["C-c"]}),
    ("tmux", "send_keys", {"session": "main", "keys": "Escape"}),
    ("iterm-mcp", "send_control_character", {"letter": "C"}),
    ("iterm-mcp", "read_terminal_output", {"linesOfOutput": 20}),
    ("iterm", "write_to_terminal", {"command": "make lint"}),
    ("terminal", "type_text", {"text": "git status\n"}),
    ("terminal", "write_file", {"path": "notes.txt", "content": "rm -rf is dangerous"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), TYPED_DESTRUCTIVE)
def test_text_typed_into_a_terminal_is_read_as_a_shell_line(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), TYPED_SAFE)
def test_harmless_typing_passes(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


ADDRESS = "0x000000000000000000000000000000000000dEaD"
TRANSACTIONS = [
    ("evm", "write_contract", {"contractAddress": ADDRESS, "functionName": "renounceOwnership", "network": "ethereum"}),
    ("evm", "write_contract", {"contractAddress": ADDRESS, "functionName": "transfer"}),  # the server's default network
    ("evm-mcp", "send_transaction", {"to": ADDRESS, "value": "1", "network": "base"}),
    ("evm", "transfer_erc20", {"tokenAddress": ADDRESS, "to": ADDRESS, "amount": "1", "network": "polygon"}),
    ("evm", "deploy_contract", {"bytecode": "0x60", "chainId": 1}),
    ("web3", "approve_token_spending", {"spender": ADDRESS, "amount": "max", "network": "arbitrum"}),
    ("solana", "transfer", {"to": "9xQ", "amount": 1, "cluster": "mainnet-beta"}),
    ("wallet", "sign_typed_data", {"domain": {}, "message": {}, "network": "mainnet"}),
    ("goat", "uniswap_swap", {"tokenIn": "USDC", "tokenOut": "ETH", "amount": "100"}),
    ("evm", "eth_sendRawTransaction", {"data": "0xf8"}),
    ("evm", "write_contract", {"contractAddress": ADDRESS, "rpcUrl": "https://mainnet.infura.io/v3/k"}),
]
NOT_TRANSACTIONS = [
    ("evm", "read_contract", {"contractAddress": ADDRESS, "functionName": "totalSupply", "network": "ethereum"}),
    ("evm", "call", {"to": ADDRESS, "data": "0x", "network": "ethereum"}),
    ("evm", "estimate_gas", {"to": ADDRESS, "network": "ethereum"}),
    ("evm", "estimate_gas_for_transfer", {"to": ADDRESS, "network": "ethereum"}),
    ("evm", "get_balance", {"address": ADDRESS, "network": "base"}),
    ("evm", "get_transaction_receipt", {"hash": "0x1", "network": "base"}),
    ("goat", "uniswap_get_quote", {"tokenIn": "USDC", "tokenOut": "ETH"}),
    ("evm", "send_transaction", {"to": ADDRESS, "value": "1", "network": "sepolia"}),
    ("evm", "write_contract", {"contractAddress": ADDRESS, "network": "anvil"}),
    ("evm", "deploy_contract", {"bytecode": "0x60", "rpcUrl": "http://127.0.0.1:8545"}),
    ("evm", "deploy_contract", {"bytecode": "0x60", "chainId": 31337}),
    ("evm", "send_transaction", {"to": ADDRESS, "value": "1", "network": "mainnet", "dryRun": True}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), TRANSACTIONS)
def test_transactions_on_a_live_network_ask(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), NOT_TRANSACTIONS)
def test_reads_previews_and_test_networks_pass(server: str, tool: str, arguments: dict) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


def test_a_chain_tool_that_deletes_still_asks_by_its_name() -> None:
    assert mcp("wallet", "delete_wallet", {"name": "treasury"}).decision.value != "allow"


def rpc(url: str, method: str) -> str:
    body = {"jsonrpc": "2.0", "method": method, "params": ["0xf8"], "id": 1}
    payload = {"method": "POST", "url": url, "body": body}
    return blastwall.check(make_action("http", payload, None)).decision.value


@pytest.mark.parametrize(("url", "method"), [
    ("https://mainnet.infura.io/v3/k", "eth_sendRawTransaction"),
    ("https://eth-mainnet.g.alchemy.com/v2/k", "eth_sendTransaction"),
    ("https://api.mainnet-beta.solana.com", "sendTransaction"),
])
def test_json_rpc_transactions_to_a_live_node_ask(url: str, method: str) -> None:
    assert rpc(url, method) != "allow"


@pytest.mark.parametrize(("url", "method"), [
    ("https://mainnet.infura.io/v3/k", "eth_call"),
    ("https://mainnet.infura.io/v3/k", "eth_estimateGas"),
    ("http://127.0.0.1:8545", "eth_sendTransaction"),
    ("https://eth-sepolia.g.alchemy.com/v2/k", "eth_sendRawTransaction"),
    ("https://api.mainnet-beta.solana.com", "getBalance"),
])
def test_json_rpc_reads_and_test_nodes_pass(url: str, method: str) -> None:
    assert rpc(url, method) == "allow"
