"""The warm checker: a per-user (or service-user) daemon that keeps blastwall's engine, rule
tables and policy loaded, so an agent's hook call costs about an interpreter start.

- `wire`: the small versioned protocol on the Unix socket (standard library only);
- `place`: where the socket lives and who may use it (standard library only);
- `client`: what `blastwall hook` runs: ask the daemon, start it, or say it cannot (standard
  library only; the hook entry must not import anything else);
- `server`: the daemon: accept, check the peer, fork a worker per check, watch it;
- `fresh`: the fingerprint of blastwall's own installation, so code changes restart the daemon.

This package's `__init__` imports nothing: the hook client imports `wire`, `place` and `client`.
"""
