"""`blastwall mcp-proxy -- SERVER ARGS...`: a stdio MCP proxy that checks every tool call.

The MCP client starts the proxy instead of the server; the proxy starts the server and relays
the protocol both ways, untouched, except that each `tools/call` goes through the engine and
the approvals gate first. An allowed call goes on as it was sent; a blocked one (or one held
for a human's approval) never reaches the server and is answered by the proxy with a tool
result that says why (`isError: true`).

- `wire.py`   framing and parsing of the stdio transport, the answers the proxy writes
- `guard.py`  one call's ruling: action, engine, gate, wording
- `state.py`  what the proxy keeps: tool annotations, the policy, open stores
- `relay.py`  the child process, the threads that bridge its pipes, cancellation, signals
- `names.py`  the server's name, read from its command
- `cli.py`    the `mcp-proxy` command
"""

from __future__ import annotations

from blastwall.doors.mcp_proxy.guard import Guard, Ruling
from blastwall.doors.mcp_proxy.names import server_name
from blastwall.doors.mcp_proxy.relay import Relay, run_relay

__all__ = ["Guard", "Relay", "Ruling", "run_relay", "server_name"]
