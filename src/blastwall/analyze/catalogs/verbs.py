"""What an API operation does, judged from its name (`verbs.toml`).

    classify("DeleteDBInstance", "aws")                -> Verb(cls="delete", ...)
    classify("repos/remove-collaborator", "github")    -> Verb(cls="revoke", ...)
    classify("compute.instances.setIamPolicy", "google") -> Verb(cls="revoke", ...)

The generated catalogs say which operations exist; this says what each one does. A name whose
verb the table does not list gives None: the caller falls back to the HTTP method, or asks.
"""

from __future__ import annotations

import functools
import os
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze import globs
from blastwall.model import Effect, Severity

HERE = os.path.dirname(os.path.abspath(__file__))


class Class(NamedTuple):
    name: str
    severity: Severity
    effect: Effect
    reason: str
    safer: str


class Verb(NamedTuple):
    op: str  # the operation's own name
    verb: str  # its verb, lower case
    cls: Class


@functools.cache
def table() -> dict[str, Any]:
    import tomllib

    with open(os.path.join(HERE, "verbs.toml"), "rb") as f:
        return tomllib.load(f)


@functools.cache
def classes() -> dict[str, Class]:
    return {name: Class(name, Severity.parse(c["severity"]), Effect(c["effect"]), c["reason"], c.get("safer", ""))
            for name, c in table()["classes"].items()}


@functools.cache
def verb_classes() -> dict[str, str]:
    return {verb: cls for cls, verbs in table()["verbs"].items() for verb in verbs}


def words(name: str) -> list[str]:
    """`DeleteDBInstance` -> delete db instance; `remove-collaborator`, `delete_namespaced_pod` likewise."""
    out: list[str] = []
    for part in rx.split(r"[-_\s./:]+", name):
        out.extend(w.lower() for w in _camel(part))
    return out


def _camel(part: str) -> list[str]:
    """`DeleteDBInstance` -> Delete DB Instance (an acronym ends before its last capital when a
    lower-case letter follows, as botocore's xform_name splits it)."""
    out: list[str] = []
    start = 0
    for i in range(1, len(part)):
        prev, c = part[i - 1], part[i]
        nxt = part[i + 1] if i + 1 < len(part) else ""
        if (c.isupper() and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()))) or \
                (c.isdigit() and prev.isalpha()):
            out.append(part[start:i])
            start = i
    if part[start:]:
        out.append(part[start:])
    return [w for w in out if w]


def operation_words(name: str, provider: str) -> list[str]:
    """The words of the part of an operation name that says what it does."""
    if provider == "github":  # `repos/remove-collaborator`: namespace / verb-object
        name = name.rsplit("/", 1)[-1]
    elif provider == "google":  # `compute.instances.setIamPolicy`: api.resource.method
        name = name.rsplit(".", 1)[-1]
    return words(name)


def _override(name: str, provider: str) -> str | None:
    ops: dict[str, str] = table().get("operations", {})
    short = name.rsplit(".", 1)[-1] if provider == "google" else name
    for key in (name, short):
        if key in ops:
            return ops[key]
    for pattern, cls in ops.items():
        if "*" in pattern and globs.match(name, pattern):
            return cls
    return None


@functools.lru_cache(maxsize=4096)
def classify(name: str, provider: str) -> Verb | None:
    """The class of operation `name` of `provider`, or None when its verb is not listed."""
    ws = operation_words(name, provider)
    skip = set(table().get("skip", []))
    while len(ws) > 1 and ws[0] in skip:
        ws = ws[1:]
    if not ws:
        return None
    verb, rest = ws[0], ws[1:]
    cls_name = _override(name, provider)
    if cls_name is None:
        cls_name = _verb_class(verb, provider)
        if cls_name is None:
            return None
        if cls_name in ("delete", "revoke", "write") and _trivial(rest, provider):
            cls_name = "trivial"
        elif cls_name in ("delete", "revoke") and _listed(rest, provider, "regenerable_objects"):
            cls_name = "regenerable"
    return Verb(name, verb, classes()[cls_name])


def _verb_class(verb: str, provider: str) -> str | None:
    """The class of `verb`; a word that is a listed verb run together with its object
    (`deleteall`, `createtestorder`: Google's older APIs) takes the longest such verb."""
    own = table().get("provider_verbs", {}).get(provider, {})
    known = verb_classes()
    found = own.get(verb) or known.get(verb)
    if found is not None:
        return found
    for skip in table().get("skip", []):
        if verb.startswith(skip) and len(verb) > len(skip) + 2:
            return _verb_class(verb[len(skip):], provider)
    for end in range(len(verb) - 1, 2, -1):
        head = verb[:end]
        found = own.get(head) or known.get(head)
        if found is not None:
            return found
    return None


def _trivial(rest: list[str], provider: str) -> bool:
    return _listed(rest, provider, "trivial_objects")


def _listed(rest: list[str], provider: str, section: str) -> bool:
    objects = table().get(section, {})
    return any(rest == list(o) for key in ("any", provider) for o in objects.get(key, []))


def by_method(method: str) -> Class:
    """The class an HTTP method implies when the operation's verb is not listed."""
    name = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "create", "PUT": "write",
            "PATCH": "write", "DELETE": "delete"}.get(method.upper(), "write")
    return classes()[name]


def in_place(name: str, provider: str, path: str) -> Class | None:
    """The class of a Google operation whose verb is in `[in_place]` when the request names one
    existing resource of its collection (`.../instances/ID:restore`, `.../instances/ID/restoreBackup`),
    or None (`.../databases:restore` makes a new one; other providers)."""
    rule = table().get("in_place", {})
    parts = name.split(".")
    if provider != "google" or len(parts) < 3 or not rule:
        return None
    ws = words(parts[-1])
    if not ws or ws[0] not in rule.get("verbs", ()):
        return None
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""
    if ":" in last:
        resource, before = last.split(":", 1)[0], segments[-2:-1]
    else:
        resource, before = (segments[-2], segments[-3:-2]) if len(segments) > 2 else ("", [])
    collection = parts[-2].lower()
    if not before or before[0].lower() != collection or resource.lower() == collection:
        return None
    return classes()[rule["class"]]
