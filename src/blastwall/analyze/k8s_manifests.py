"""Kubernetes manifests a tool applies, creates or replaces (`rules/k8s_manifests.toml`).

    manifest_findings("kind: Deployment\\nmetadata: {name: api}\\n$patch: delete", replaces=False)
        -> [Finding("kube.manifest:patch-delete", ...)]: the apply deletes the Deployment
    manifest_findings({"kind": "PersistentVolumeClaim", ...}, replaces=True)
        -> [Finding("kube.manifest:replace-data", ...)]
    manifest_findings("kind: ConfigMap\\n...", replaces=False) -> []

A manifest is YAML (one or more documents), JSON, an object, or a list of them; a `kind: List`
holds its objects in `items`. Each object counts on its own: a `$patch: delete|replace` or a
list-removing directive anywhere in it, a workload at zero replicas, a PersistentVolume that
deletes its data when released, and, for a replace, a kind that holds data. Text that does not read
as YAML asks. `kubectl apply --prune` and `--force` are the command line's and stay its rules'.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.model import Effect, Finding, Severity

__all__ = ["key_set", "looks_like_manifest", "manifest_findings", "table"]


@functools.cache
def table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("k8s_manifests")


@functools.cache
def key_set(name: str) -> frozenset[str]:
    """The list `name` of the table (`manifest_keys`, `k8s_words`) as a set."""
    return frozenset(table()[name])


def _finding(rule_id: str, target: str, what: str, source: str) -> Finding:
    row = next(r for r in table()["rule"] if r["id"] == rule_id)
    return Finding(rule_id=rule_id, effect=Effect(row["effect"]), severity=Severity.parse(str(row["severity"])),
                   reason=str(row["reason"]).format(target=target, what=what), target=target[:200],
                   safer=str(row.get("safer", "")), source=source[:200])


def manifest_findings(manifest: Any, *, replaces: bool, source: str = "", scope: Any = None) -> list[Finding]:
    """Findings for the objects of `manifest` as an apply (`replaces=False`) or a replace would change them;
    with a `scope`, the commands their containers run too (analyze/k8s_commands.py)."""
    objects = _objects(manifest)
    if objects is None:
        return [_finding("kube.manifest:unreadable", "the manifest", "it does not parse", source)]
    t = table()
    if len(objects) > t["max_objects"]:
        return [_finding("kube.manifest:unreadable", "the manifest", f"{len(objects)} objects", source)]
    out: list[Finding] = []
    for obj in objects:
        out += _object_findings(obj, replaces, source)
    if scope is not None:
        from blastwall.analyze.k8s_commands import command_findings

        out += command_findings(objects, scope, source)
    return out


def looks_like_manifest(value: Any) -> bool:
    """Text or objects that name a Kubernetes object (`kind`, `apiVersion`), alone or in a list."""
    if isinstance(value, str):
        return "kind" in value and "apiVersion" in value or "$patch" in value
    if isinstance(value, dict):
        return bool({"kind", "apiVersion", "$patch"} & set(value))
    if isinstance(value, list):
        return any(looks_like_manifest(v) for v in value[:100])
    return False


def _objects(manifest: Any, *, text_inside: bool = True) -> list[dict[str, Any]] | None:
    """The manifest's objects, `kind: List` items spread; None when its text is not YAML. A list of
    texts (`{"manifests": ["...", "..."]}`) is read one level down."""
    if isinstance(manifest, str):
        docs = _load(manifest)
        if docs is None:
            return None
    elif isinstance(manifest, list):
        docs = manifest
    else:
        docs = [manifest]
    out: list[dict[str, Any]] = []
    for doc in docs[:1000]:
        if isinstance(doc, dict) and isinstance(doc.get("items"), list) and str(doc.get("kind", "")).endswith("List"):
            out += [item for item in doc["items"][:1000] if isinstance(item, dict)]
        elif isinstance(doc, dict):
            out.append(doc)
        elif isinstance(doc, list):
            out += [item for item in doc[:1000] if isinstance(item, dict)]
        elif isinstance(doc, str) and text_inside and looks_like_manifest(doc):
            nested = _objects(doc, text_inside=False)
            if nested is None:
                return None
            out += nested
    return out


def _load(text: str) -> list[Any] | None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _object_findings(obj: dict[str, Any], replaces: bool, source: str) -> list[Finding]:
    t = table()
    kind = str(obj.get("kind") or "object")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = f"{kind} {meta.get('name') or '(unnamed)'}"
    out: list[Finding] = []
    directive = _directive(obj)
    if directive is not None:
        out.append(_finding("kube.manifest:patch-delete", name, directive, source))
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if kind in t["workload_kinds"] and str(spec.get("replicas", "")).strip() == "0":
        out.append(_finding("kube.manifest:replicas-zero", name, "replicas: 0", source))
    if kind == "PersistentVolume" and str(spec.get("persistentVolumeReclaimPolicy", "")) == "Delete":
        out.append(_finding("kube.manifest:pv-reclaim-delete", name, "", source))
    if replaces and kind in t["data_kinds"]:
        out.append(_finding("kube.manifest:replace-data", name, kind, source))
    return out


def _directive(obj: Any) -> str | None:
    """The first `$patch: delete|replace` or list-removing directive key in `obj`, read without
    recursion; nesting deeper than `max_depth` counts as one (what it hides is not read)."""
    t = table()
    removes = {v.casefold() for v in t["patch_removes"]}
    prefixes = tuple(t["directive_prefixes"])
    stack: list[tuple[Any, int]] = [(obj, 0)]
    seen: set[int] = set()  # YAML aliases share objects: each is read once
    while stack:
        value, depth = stack.pop()
        if depth > t["max_depth"] or len(seen) > 100_000:
            return f"nesting deeper than {t['max_depth']} levels"
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                if key == "$patch" and str(item).strip().casefold() in removes:
                    return f"$patch: {item}"
                if key.startswith(prefixes):
                    return key
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value[:1000])
    return None
