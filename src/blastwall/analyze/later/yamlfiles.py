"""Steps of YAML files: CI pipelines (the shell of `run:` / `script:` keys) and Kubernetes
manifests (settings that delete or stop something when the manifest is applied).

YAML is read with PyYAML's composer (nodes keep their line; tags such as GitLab's `!reference`
need no constructor). Text that is not YAML (a snippet of an edit, a Helm template) is read
line by line instead, so a parse error never hides a step.
"""

from __future__ import annotations

from typing import Any

from blastwall import rx
from blastwall.analyze.later.kinds import Kind, rule_finding
from blastwall.analyze.later.steps import Step

_GH_EXPR = rx.compile(r"\$\{\{.*?\}\}")
_KEY_LINE = rx.compile(r"^(\s*)(?:-\s+)?([\w.-]+)\s*:(?:\s+(.*))?$")
_BLOCK = rx.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")
MAX_DEPTH = 64


def compose_all(text: str) -> list[Any] | None:
    """The documents' node trees, or None when the text is not YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _scalar_line(node: Any) -> int:
    """1-based line where a scalar's text starts (a block scalar's text starts on the next line)."""
    return node.start_mark.line + 1 + (1 if getattr(node, "style", None) in ("|", ">") else 0)


def _get(mapping: Any, key: str) -> Any:
    if getattr(mapping, "id", "") != "mapping":
        return None
    for k, v in mapping.value:
        if getattr(k, "value", None) == key:
            return v
    return None


def _text(node: Any) -> str:
    return str(node.value) if getattr(node, "id", "") == "scalar" else ""


# ---- CI -----------------------------------------------------------------------------------------

def ci_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    docs = compose_all(text)
    if docs is None or (fragment and not any(getattr(d, "id", "") in ("mapping", "sequence") for d in docs)):
        return _ci_lines(text, kind, fragment)
    out: list[Step] = []
    visited: set[int] = set()
    for doc in docs:
        _walk(doc, (), kind, out, 0, visited)
    if fragment and not out:
        return _ci_lines(text, kind, fragment)
    return out


def _walk(node: Any, path: tuple[str, ...], kind: Kind, out: list[Step], depth: int, visited: set[int]) -> None:
    """Each node once: an alias repeats a node, and a chain of aliases must not walk it
    exponentially often (a YAML bomb); the steps of a shared anchor count once."""
    if depth > MAX_DEPTH or id(node) in visited:
        return
    visited.add(id(node))
    nid = getattr(node, "id", "")
    if nid == "sequence":
        for i, item in enumerate(node.value):
            _walk(item, (*path, str(i)), kind, out, depth + 1, visited)
        return
    if nid != "mapping":
        return
    for k, v in node.value:
        key = _text(k)
        if key in kind.keys and getattr(v, "id", "") in ("scalar", "sequence"):
            where = _where(kind, path, node)
            language = "python" if _text(_get(node, "shell")).startswith("python") else "shell"
            commands = _argv(v) if kind.argv_lists and getattr(v, "id", "") == "sequence" else _commands(v, depth)
            for value, line in commands:
                out.append(Step(language, _GH_EXPR.sub("$CI_EXPR", value), line, where=where))
        else:
            _walk(v, (*path, key), kind, out, depth + 1, visited)


def _argv(node: Any) -> list[tuple[str, int]]:
    """A list that is one command's words (compose's `command: ["rm", "-rf", "/data"]`), as shell text."""
    import shlex

    words = [str(item.value) for item in node.value if getattr(item, "id", "") == "scalar"]
    if len(words) != len(node.value):
        return [("$UNREAD_COMMAND", _scalar_line(node))]  # not a list of words: nothing blastwall can read
    return [(shlex.join(words), _scalar_line(node))] if words else []


def _commands(node: Any, depth: int, seen: set[int] | None = None) -> list[tuple[str, int]]:
    """The commands a `run`/`script` value holds: one scalar, or a list (nested lists flattened,
    each node once: GitLab's `!reference` and anchors nest lists, a chain of aliases must not
    multiply them)."""
    seen = set() if seen is None else seen
    if depth > MAX_DEPTH or id(node) in seen:
        return []
    seen.add(id(node))
    if getattr(node, "id", "") == "scalar":
        return [(str(node.value), _scalar_line(node))] if str(node.value).strip() else []
    if getattr(node, "id", "") == "sequence":
        return [c for item in node.value for c in _commands(item, depth + 1, seen)]
    return []


def _where(kind: Kind, path: tuple[str, ...], mapping: Any) -> str:
    name = _text(_get(mapping, "name")) or _text(_get(mapping, "id"))
    if kind.name == "github-actions":
        job = path[1] if len(path) > 1 and path[0] == "jobs" else ""
        number = f"step {int(path[-1]) + 1}" if path and path[-1].isdigit() else "a step"
        step = f"step '{name}'" if name else number
        return f"{step} of job {job}" if job else step
    if path:
        return path[0] if not path[0].isdigit() else (name or "a step")
    return name


def _ci_lines(text: str, kind: Kind, fragment: bool) -> list[Step]:
    """Line by line: `run: cmd`, `run: |` blocks, `script:` lists; in a snippet, lines that are
    no `key: value` are commands too (an edit inside a multi-line `run:` block)."""
    lines = text.split("\n")
    out: list[Step] = []
    used: set[int] = set()
    i = 0
    while i < len(lines):
        m = _KEY_LINE.match(lines[i])
        if not m or m.group(2) not in kind.keys:
            i += 1
            continue
        indent, value = len(m.group(1)), (m.group(3) or "").strip()
        used.add(i)
        body, j = _indented(lines, i + 1, indent)
        if value and not _BLOCK.match(value):
            out.append(Step("shell", _GH_EXPR.sub("$CI_EXPR", _unquote(value)), i + 1))
        elif value:
            out.append(Step("shell", _GH_EXPR.sub("$CI_EXPR", "\n".join(body)), i + 2))
            used.update(range(i + 1, j))
        else:
            for n in range(i + 1, j):
                item = lines[n].strip()
                if item.startswith("- "):
                    out.append(Step("shell", _GH_EXPR.sub("$CI_EXPR", _unquote(item[2:].strip())), n + 1))
                used.add(n)
        i = max(j, i + 1)
    if fragment:
        for n, line in enumerate(lines):
            s = line.strip()
            if n in used or not s or s.startswith("#") or _KEY_LINE.match(line):
                continue
            s = s[2:].strip() if s.startswith("- ") else s
            out.append(Step("shell", _GH_EXPR.sub("$CI_EXPR", _unquote(s)), n + 1))
    return out


def _indented(lines: list[str], start: int, indent: int) -> tuple[list[str], int]:
    """The lines after `start` indented deeper than `indent` (blank lines included), dedented."""
    j = start
    while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
        j += 1
    block = lines[start:j]
    widths = [len(x) - len(x.lstrip()) for x in block if x.strip()]
    cut = min(widths) if widths else 0
    return [x[cut:] for x in block], j


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


# ---- Kubernetes ---------------------------------------------------------------------------------

_RECLAIM = rx.compile(r"""(?m)^\s*persistentVolumeReclaimPolicy:\s*["']?Delete["']?\s*$""")
_REPLICAS_ZERO = rx.compile(r"""(?m)^\s*replicas:\s*["']?0["']?\s*(?:#.*)?$""")
_KIND_LINE = rx.compile(r"""(?m)^\s*kind:\s*["']?([A-Za-z]+)""")


def k8s_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    docs = compose_all(text)
    if docs is None or fragment:
        return _k8s_lines(text, fragment)
    out: list[Step] = []
    for doc in docs:
        res = _text(_get(doc, "kind"))
        name = _text(_get(_get(doc, "metadata"), "name")) or "(unnamed)"
        spec = _get(doc, "spec")
        if res == "PersistentVolume":
            policy = _get(spec, "persistentVolumeReclaimPolicy")
            if _text(policy) == "Delete":
                out.append(_k8s_step("later.k8s:pv-reclaim-delete", f"PersistentVolume {name}", _scalar_line(policy)))
        elif res == "StatefulSet":
            replicas = _get(spec, "replicas")
            if _text(replicas).strip() == "0":
                out.append(_k8s_step("later.k8s:statefulset-zero", name, _scalar_line(replicas)))
    return out


def _k8s_lines(text: str, fragment: bool) -> list[Step]:
    kinds = {m.group(1) for m in _KIND_LINE.finditer(text)}
    out = [_k8s_step("later.k8s:pv-reclaim-delete", "a PersistentVolume", text.count("\n", 0, m.start()) + 1)
           for m in _RECLAIM.finditer(text)]
    for m in _REPLICAS_ZERO.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if "StatefulSet" in kinds:
            out.append(_k8s_step("later.k8s:statefulset-zero", "a StatefulSet", line))
        elif fragment and not kinds:
            out.append(_k8s_step("later.k8s:workload-zero", "the edited workload", line))
    return out


def _k8s_step(rule_id: str, target: str, line: int) -> Step:
    return Step("finding", rule_id + "|" + target, line, finding=rule_finding(rule_id, target))

