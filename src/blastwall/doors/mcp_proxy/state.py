"""What a proxy keeps for its lifetime: the server's tool annotations, the compiled policy
(reloaded when a policy file changes) and a few open stores.

All three are shared by the threads that check calls, so each guards itself with a lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

HINT_KEYS = ("destructiveHint", "readOnlyHint")  # what the MCP analyzer reads from annotations
MAX_TOOLS = 10_000  # tools remembered per server; more is not a real server
MAX_PENDING_LISTS = 1_000


class ToolHints:
    """The annotations a server gave for its tools in `tools/list` results.

    The proxy notes the id of every `tools/list` request the client sends (`expect`) and reads
    the server's response to it (`learn`) before passing it on, so a call the client makes
    after seeing the list is judged with the hints the client saw."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tools: dict[str, dict[str, bool]] = {}
        self._pending: set[str] = set()

    def expect(self, key: str) -> None:
        with self._lock:
            if len(self._pending) < MAX_PENDING_LISTS:
                self._pending.add(key)

    @property
    def waiting(self) -> bool:
        return bool(self._pending)

    def claim(self, key: str) -> bool:
        """True (once) when `key` is the id of a tools/list request the client sent."""
        with self._lock:
            if key in self._pending:
                self._pending.discard(key)
                return True
            return False

    def learn(self, result: Any) -> int:
        """Remember the hints in one tools/list result; returns how many tools it listed."""
        tools = result.get("tools") if isinstance(result, dict) else None
        if not isinstance(tools, list):
            return 0
        count = 0
        with self._lock:
            for tool in tools:
                name = tool.get("name") if isinstance(tool, dict) else None
                if not isinstance(name, str) or not name:
                    continue
                count += 1
                annotations = tool.get("annotations")
                hints = {k: annotations[k] for k in HINT_KEYS
                         if isinstance(annotations, dict) and isinstance(annotations.get(k), bool)}
                if hints and (name in self._tools or len(self._tools) < MAX_TOOLS):
                    self._tools[name] = hints
                else:
                    self._tools.pop(name, None)
        return count

    def get(self, tool: str) -> dict[str, bool] | None:
        with self._lock:
            hints = self._tools.get(tool)
            return dict(hints) if hints else None


class PolicyCache:
    """The compiled policy for `cwd`, loaded again only when one of its files (or the trust
    record of the project's file) changes. None when a file is invalid: the engine then reports
    the problem in every verdict, as it does for the hooks."""

    def __init__(self, cwd: str | None) -> None:
        self.cwd = cwd
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._policy: Any = None

    def _files(self) -> list[str]:
        from blastwall.policy.load import policy_files, project_file, user_config_dir
        from blastwall.policy.trust import TRUST_FILE

        files = policy_files(self.cwd)
        return [*files, project_file(self.cwd) or "", os.path.join(user_config_dir(), TRUST_FILE)]

    @staticmethod
    def _signature(path: str) -> tuple[Any, ...]:
        try:
            st = os.stat(path)
        except OSError:
            return (path, None)
        return (path, st.st_mtime_ns, st.st_size, st.st_ino)

    def get(self) -> Any:
        key = tuple(self._signature(p) for p in self._files() if p)
        with self._lock:
            if key != self._key:
                from blastwall.policy.engine import PolicyError
                from blastwall.policy.load import load_policy

                try:
                    self._policy = load_policy(self.cwd)
                except PolicyError:
                    self._policy = None
                self._key = key
            return self._policy


class StorePool:
    """Open stores for the threads that check calls: one store is never used by two threads at
    once, and a store is opened once, not per call (the audit entry is then one insert)."""

    def __init__(self, keep: int = 4, opener: Any = None) -> None:
        self.keep = keep
        self._opener = opener
        self._lock = threading.Lock()
        self._idle: list[Any] = []

    def acquire(self) -> Any:
        """An open store, or None when none can be opened (the gate then says why)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            if self._opener is not None:
                return self._opener()
            from blastwall.store import open_store

            return open_store()
        except Exception:  # noqa: BLE001 - the gate opens one itself and reports the failure
            return None

    def release(self, store: Any) -> None:
        if store is None:
            return
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(store)
                return
        _close(store)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for store in idle:
            _close(store)


def _close(store: Any) -> None:
    with contextlib.suppress(Exception):
        store.close()
