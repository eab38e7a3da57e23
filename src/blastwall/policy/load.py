"""Find and read the policy files: built-in defaults, the user's file and the project's file.

Lookup (most specific first):
1. `$BLASTWALL_POLICY` when set (one file; replaces the project and user files),
2. the project's `blastwall.toml` (or `.blastwall/blastwall.toml`) in the working directory or
   the nearest parent,
3. the user's `$XDG_CONFIG_HOME/blastwall/blastwall.toml` (default `~/.config/blastwall/`),
4. the built-in defaults (`policy/defaults.toml`).

This runs on every hook call, so it uses os.path and imports the TOML parser only when a
policy file exists.
"""

from __future__ import annotations

import os
from typing import Any

from blastwall.policy.engine import Policy, PolicyError, compile_layers, default_document

PROJECT_NAMES = ("blastwall.toml", os.path.join(".blastwall", "blastwall.toml"))


def user_config_dir() -> str:
    from blastwall.locations import config_dir

    return config_dir()


def project_file(cwd: str | None) -> str | None:
    folder = os.path.abspath(cwd or os.getcwd())
    while True:
        for name in PROJECT_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def policy_files(cwd: str | None = None) -> list[str]:
    """The policy files that apply in `cwd`, most specific first."""
    override = os.environ.get("BLASTWALL_POLICY")
    if override:
        return [override]
    user = os.path.join(user_config_dir(), "blastwall.toml")
    return [p for p in (project_file(cwd), user) if p and os.path.isfile(p)]


def read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse one policy file; errors name the file and line."""
    import tomllib

    where = os.fspath(path)
    try:
        with open(where, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as exc:
        raise PolicyError(where, f"cannot read policy file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(where, "policy file is not UTF-8 text") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(where, f"invalid TOML: {exc}") from exc


def load_policy(cwd: str | None = None) -> Policy:
    """The compiled policy for `cwd`. Raises `PolicyError` when a file is invalid.

    A project file that a human has not trusted (`blastwall policy trust`) can only tighten:
    its loosening entries are left out (see policy/trust.py)."""
    defaults = default_document()
    layers = [(p, read_document(p)) for p in policy_files(cwd)]
    project = project_file(cwd) if not os.environ.get("BLASTWALL_POLICY") else None
    untrusted: list[str] = []
    untrusted_origins: set[str] = set()
    if project:
        from blastwall.policy.trust import is_trusted, tighten_only

        for i, (origin, doc) in enumerate(layers):
            if origin == project and not is_trusted(origin, user_config_dir()):
                base = trusted_base([d for o, d in layers if o != project], defaults)
                tightened, untrusted = tighten_only(doc, base)
                layers[i] = (origin, tightened)
                untrusted_origins.add(origin)
    layers.append(("defaults", defaults))
    policy = _compiled(layers, frozenset(untrusted_origins), defaults)
    if untrusted:
        policy = policy._replace(settings=policy.settings + (("untrusted_project_entries", tuple(untrusted)),))
    return policy


# Compiled policies by what they were compiled from: the files' parsed contents (after an untrusted
# project file was tightened) and the defaults object (kept, so a reused id can never match). A
# warm checker reads and parses the policy files on every call, as an in-process check does, and
# compiles them only when their contents changed.
_COMPILED: dict[tuple[Any, ...], tuple[dict[str, Any], Policy]] = {}
_COMPILED_MAX = 16


def _compiled(layers: list[tuple[str, dict[str, Any]]], untrusted: frozenset[str], defaults: dict[str, Any]) -> Policy:
    import json

    try:
        key = (tuple((o, json.dumps(d, sort_keys=True, default=repr)) for o, d in layers[:-1]), untrusted)
    except (TypeError, ValueError, RecursionError):
        return compile_layers(layers, untrusted)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is defaults:
        return hit[1]
    policy = compile_layers(layers, untrusted)
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[key] = (defaults, policy)
    return policy


def trusted_base(docs: list[dict[str, Any]], defaults: dict[str, Any]) -> dict[str, Any]:
    """What the trusted files (most specific first) and the defaults say, section by section: the
    bar an untrusted project file's entries must meet to count."""
    base: dict[str, Any] = {}
    for doc in [defaults, *reversed(docs)]:
        for key, value in doc.items():
            if isinstance(value, dict):
                base[key] = {**(base.get(key) or {}), **value}
            else:
                base[key] = value
    return base


def untrusted_entries(cwd: str | None = None) -> tuple[str, list[str]] | None:
    """The project file and the loosening entries it holds that are ignored until trusted."""
    project = project_file(cwd)
    if not project or os.environ.get("BLASTWALL_POLICY"):
        return None
    from blastwall.policy.trust import is_trusted, tighten_only

    if is_trusted(project, user_config_dir()):
        return None
    user = [read_document(p) for p in policy_files(cwd) if p != project]
    dropped = tighten_only(read_document(project), trusted_base(user, default_document()))[1]
    return (project, dropped) if dropped else None
