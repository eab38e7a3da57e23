"""Commands a Kubernetes manifest makes its containers run, read as the shell lines they are.

A Job, CronJob, Pod or any workload whose pod template names a container `command` (with its
`args`), and the `exec` commands of probes and lifecycle hooks, runs them in the cluster as soon as
it is applied, on a schedule, or on every probe: `command: [rm, -rf, /data]` in a CronJob is the
`kubectl create cronjob ... -- rm -rf /data` the shell already reads, written as YAML.

    container_commands({"kind": "Job", "spec": {"template": {"spec": {"containers": [
        {"name": "x", "command": ["sh", "-c"], "args": ["rm -rf /data"]}]}}}})
        -> [("Job container x", "sh -c 'rm -rf /data'")]

Arguments the image's entrypoint receives without a `command` are not read: what runs them is the
image's own entrypoint, which the manifest does not name. Keys are data (`rules/k8s_manifests.toml
[containers]`).
"""

from __future__ import annotations

import shlex
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.model import Finding


def _keys() -> dict[str, Any]:
    from blastwall.analyze.k8s_manifests import table

    return dict(table()["containers"])


def _argv(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    return None


def container_commands(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, command line) of every container command and exec hook in one object."""
    keys = _keys()
    lists, execs, limit = frozenset(keys["lists"]), frozenset(keys["exec_keys"]), int(keys["max_commands"])
    kind = str(obj.get("kind") or "object")
    out: list[tuple[str, str]] = []
    stack: list[tuple[Any, int]] = [(obj, 0)]
    seen: set[int] = set()
    while stack and len(out) <= limit:
        value, depth = stack.pop()
        if depth > 40 or not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value[:1000])
        for key, item in items:
            if key in lists and isinstance(item, list):
                for c in item[:100]:
                    if isinstance(c, dict):
                        command = _argv(c.get("command"))
                        if command is not None:
                            line = shlex.join(command + (_argv(c.get("args")) or []))
                            out.append((f"{kind} container {c.get('name') or '(unnamed)'}", line))
            elif key in execs and isinstance(item, dict):
                command = _argv(item.get("command"))
                if command is not None:
                    out.append((f"{kind} exec hook", shlex.join(command)))
            stack.append((item, depth + 1))
    return out


def fragment_findings(text: str, scope: Scope, source: str, kind: str) -> list[Finding]:
    """A piece of an object given on the command line (`kubectl patch -p`, `kubectl run --overrides`):
    the commands the containers it names run. Text that is not YAML or JSON is left to kubectl, which
    refuses it."""
    from blastwall.analyze.k8s_manifests import _load

    docs = _load(text)
    objects = [dict(d, kind=d.get("kind") or kind) for d in docs or [] if isinstance(d, dict)]
    return command_findings(objects, scope, source)


def command_findings(objects: list[dict[str, Any]], scope: Scope, source: str) -> list[Finding]:
    """Findings of the commands the objects' containers run, each analyzed as a shell line."""
    from blastwall.analyze.shell import analyze_command

    out: list[Finding] = []
    for obj in objects:
        for where, line in container_commands(obj):
            for f in analyze_command(line, scope.deeper(f"{where} (runs in the cluster)")):
                out.append(f._replace(reason=f"{where} runs: {f.reason}", source=source[:200] or f.source))
    return out
