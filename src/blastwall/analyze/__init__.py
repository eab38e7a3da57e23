"""Analyzers: turn an `Action` into `Finding`s. One module per surface, imported lazily."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from blastwall.analyze.base import AnalysisError, Scope
from blastwall.model import Action, Finding, Surface


def analyze(action: Action, scope: Scope) -> list[Finding]:
    """Dispatch an action to the analyzer of its surface."""
    payload: Any = action.payload
    if action.surface is Surface.SHELL:
        return _shell()(_text(payload), scope)
    if action.surface is Surface.SQL:
        from blastwall.analyze import sql

        return sql.analyze_sql(_text(payload), scope, dialect=action.context.to_dict().get("dialect"))
    if action.surface is Surface.HTTP:
        from blastwall.analyze import http

        if not isinstance(payload, dict):
            raise AnalysisError("http input must be an object with method and url")
        return http.analyze_request(
            str(payload.get("method") or "GET"),
            str(payload.get("url") or ""),
            payload.get("headers") if isinstance(payload.get("headers"), dict) else None,
            payload.get("body"),
            scope,
        )
    if action.surface is Surface.MCP:
        from blastwall.analyze import mcp

        if not isinstance(payload, dict):
            raise AnalysisError("mcp input must be an object with server, tool and arguments")
        args = payload.get("arguments")
        return mcp.analyze_call(
            str(payload.get("server") or ""),
            str(payload.get("tool") or ""),
            args,  # not an object: analyze_call asks about it
            payload.get("annotations") if isinstance(payload.get("annotations"), dict) else None,
            scope,
        )
    if action.surface in (Surface.FILE_READ, Surface.FILE_WRITE):
        from blastwall.analyze import files

        data = payload if isinstance(payload, dict) else {"path": payload}
        if action.surface is Surface.FILE_READ:
            return files.analyze_read(str(data.get("path") or ""), scope)
        return files.analyze_write(str(data.get("path") or ""), data.get("content"), scope, edits=data.get("edits"),
                                   deleted=data.get("deleted") is True, append=data.get("append") is True,
                                   partial=data.get("partial") is True)
    raise AnalysisError(f"no analyzer for surface {action.surface!r}")


@functools.cache
def _shell() -> Callable[[str, Scope], list[Finding]]:
    """shell.analyze_command, imported on the first shell action and kept (an import statement
    run for every action costs about a microsecond)."""
    from blastwall.analyze.shell import analyze_command

    return analyze_command


def _text(payload: Any) -> str:
    if not isinstance(payload, str):
        raise AnalysisError("input must be a string for this kind")
    return payload
