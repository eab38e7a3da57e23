"""`blastwall pg-proxy`: a PostgreSQL wire-protocol proxy that checks every statement (simple and
extended protocol) before it reaches the server.

    blastwall pg-proxy --upstream db.internal:5432 --listen 127.0.0.1:6543
    DATABASE_URL=postgresql://app@127.0.0.1:6543/app   # what the agent gets

Modules, in the order a statement meets them:

- `server.py`   the listener: one `Session` per connection, cancel requests, the connection cap
- `lanes.py`    which data plane relays: the compiled one (`_lane.c`) when it was built, else
                `plane.py` (one thread polls every socket and relays; `pipe.py`: one socket)
- `session.py`  framing and relaying, holding a statement while it is decided, refusals
- `tls.py`      TLS to the server (`--upstream-tls`), negotiated as libpq does
- `guard.py`    the engine's verdict and the approvals gate for one statement, the allow cache
- `shapes.py`   statements that differ only in literals share one cached verdict when safe
- `safety.py`   before an approved destructive statement: save what it destroys
- `inject.py`   the proxy's own statements on a client's session, and their answers
- `wire.py`     the protocol messages the proxy reads and writes
- `cli.py`      the command line

See docs/pg-proxy.md.
"""

from blastwall.doors.pg_proxy.server import Proxy, ProxyConfig, serve

__all__ = ["Proxy", "ProxyConfig", "serve"]
