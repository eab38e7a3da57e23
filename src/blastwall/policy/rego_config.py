"""`[policy.rego]` and `[policy.opa]`: the Rego layers of each policy file, resolved.

    [policy.rego]
    files = ["policy/agents.rego", "policy/rego/"]   # files, folders (every *.rego below) and globs
    data = ["policy/projects.json"]                  # optional: JSON objects merged into `data`
    mode = "tighten"                                 # or "authoritative"

    [policy.opa]
    url = "https://opa.internal:8181/v1/data/blastwall/decision"
    timeout_ms = 1000
    token_env = "BLASTWALL_OPA_TOKEN"                # or token_file = "...", or token = "..."
    ca_file = "/etc/blastwall/opa-ca.pem"            # TLS: a private CA; client_cert/client_key for mTLS
    redact = true                                    # credentials in the input are masked before sending
    mode = "tighten"

Each policy file's `[policy]` table stands alone: a project file adds its layers to the user's,
it cannot replace them (policy/engine.py keeps one `(origin, table)` per file). Relative paths
resolve against the directory of the file that names them. Errors raise `LayerError` naming the
key to fix.
"""

from __future__ import annotations

import glob
import os
from typing import Any, NamedTuple

from blastwall.policy.paths import named_path

MODES = ("tighten", "authoritative")
REGO_KEYS = ("files", "data", "mode")
OPA_KEYS = ("url", "timeout_ms", "token", "token_env", "token_file", "ca_file", "client_cert", "client_key",
            "redact", "mode")
DEFAULT_TIMEOUT_MS = 1000
MAX_TIMEOUT_MS = 10000


class LayerError(ValueError):
    """A `[policy.rego]` or `[policy.opa]` table cannot be used; the message names the key."""


class RegoLayer(NamedTuple):
    origin: str  # the policy file that configured it
    files: tuple[str, ...]  # absolute paths, in load order
    data: tuple[str, ...]
    mode: str
    untrusted: bool = False  # named by a project file nobody trusted: tighten only, no opa.runtime()

    kind: str = "rego"

    @property
    def label(self) -> str:
        return f"Rego ({_short_origin(self.origin)})"


class OpaLayer(NamedTuple):
    origin: str
    url: str
    timeout_s: float
    token: str | None
    token_env: str | None
    token_file: str | None
    ca_file: str | None
    client_cert: str | None
    client_key: str | None
    redact: bool
    mode: str

    kind: str = "opa"

    @property
    def label(self) -> str:
        return f"OPA ({self.url.split('?')[0]})"


Layer = RegoLayer | OpaLayer


def layers(policy: Any) -> list[Layer]:
    """Every Rego layer of a compiled policy, user's first; raises LayerError."""
    entries = policy.section("policy") if policy is not None else None
    out: list[Layer] = []
    for origin, table, untrusted in entries or []:
        out.extend(parse(table, origin, untrusted=untrusted))
    return out


def parse(table: Any, origin: str, *, untrusted: bool = False) -> list[Layer]:
    """The layers one policy file's `[policy]` table configures. A file nobody trusted has had
    its loosening keys removed already (policy/trust.py); its Rego can only tighten."""
    if not isinstance(table, dict):
        raise LayerError("[policy] must be a table")
    unknown = sorted(set(table) - {"rego", "opa"})
    if unknown:
        raise LayerError(f"unknown table(s) {', '.join(f'[policy.{k}]' for k in unknown)}; known: [policy.rego], "
                         "[policy.opa]")
    base = os.path.dirname(os.path.abspath(origin)) if os.path.isfile(origin) else None
    out: list[Layer] = []
    if "rego" in table:
        layer = _rego(table["rego"], origin, base)
        out.append(layer._replace(mode="tighten", untrusted=True) if untrusted else layer)
    if "opa" in table and not untrusted:
        out.append(_opa(table["opa"], origin, base))
    return out


def _rego(table: Any, origin: str, base: str | None) -> RegoLayer:
    if not isinstance(table, dict):
        raise LayerError("[policy.rego] must be a table")
    _known(table, REGO_KEYS, "[policy.rego]")
    patterns = _list(table.get("files"), "[policy.rego] files")
    if not patterns:
        raise LayerError('[policy.rego] needs files = ["<file, folder or glob>", ...] naming Rego policies')
    files = _expand(patterns, base, ".rego", "[policy.rego] files")
    data = _expand(_list(table.get("data"), "[policy.rego] data"), base, ".json", "[policy.rego] data")
    return RegoLayer(origin, files, data, _mode(table, "[policy.rego]"))


def _opa(table: Any, origin: str, base: str | None) -> OpaLayer:
    if not isinstance(table, dict):
        raise LayerError("[policy.opa] must be a table")
    _known(table, OPA_KEYS, "[policy.opa]")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url.split("/")) < 4:
        raise LayerError('[policy.opa] needs url = "http(s)://HOST:PORT/v1/data/<package path>/<rule>" (OPA\'s Data API)')
    timeout = table.get("timeout_ms", DEFAULT_TIMEOUT_MS)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= MAX_TIMEOUT_MS:
        raise LayerError(f"[policy.opa] timeout_ms must be a number of milliseconds from 1 to {MAX_TIMEOUT_MS}")
    given = [k for k in ("token", "token_env", "token_file") if table.get(k) is not None]
    if len(given) > 1:
        raise LayerError(f"[policy.opa] takes one of token, token_env, token_file, not {' and '.join(given)}")
    for key in ("token", "token_env", "token_file", "ca_file", "client_cert", "client_key"):
        if table.get(key) is not None and (not isinstance(table[key], str) or not table[key]):
            raise LayerError(f"[policy.opa] {key} must be a non-empty string")
    if (table.get("client_cert") is None) != (table.get("client_key") is None):
        raise LayerError("[policy.opa] client_cert and client_key go together (mutual TLS)")
    redact = table.get("redact", True)
    if not isinstance(redact, bool):
        raise LayerError("[policy.opa] redact must be true or false")
    files = {k: _file(table[k], base, f"[policy.opa] {k}") if table.get(k) else None
             for k in ("token_file", "ca_file", "client_cert", "client_key")}
    return OpaLayer(origin, url, float(timeout) / 1000, table.get("token"), table.get("token_env"), files["token_file"],
                    files["ca_file"], files["client_cert"], files["client_key"], redact, _mode(table, "[policy.opa]"))


def _known(table: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise LayerError(f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(keys)}")


def _mode(table: dict[str, Any], where: str) -> str:
    mode = table.get("mode", "tighten")
    if mode not in MODES:
        raise LayerError(f"{where} mode must be {' or '.join(MODES)}, not {mode!r}")
    return str(mode)


def _list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LayerError(f"{where} must be a list of paths")
    return list(value)


def _absolute(path: str, base: str | None, where: str) -> str:
    full = named_path(path, base)
    if full is None:
        raise LayerError(f"{where}: {os.path.expanduser(path)!r} is relative but the policy was not read from a file; "
                         "use an absolute path")
    return full


def _file(path: str, base: str | None, where: str) -> str:
    full = _absolute(path, base, where)
    if not os.path.isfile(full):
        raise LayerError(f"{where}: {full} does not exist")
    return full


def _expand(patterns: list[str], base: str | None, suffix: str, where: str) -> tuple[str, ...]:
    """Files, folders (every `*suffix` below, sorted) and globs; each must find something, and an
    explicit file must have the suffix (a credentials file is not a policy)."""
    out: list[str] = []
    for pattern in patterns:
        path = _absolute(pattern, base, where)
        if glob.has_magic(path):
            found = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p) and p.endswith(suffix))
        elif os.path.isdir(path):
            found = sorted(p for p in glob.glob(os.path.join(path, "**", "*" + suffix), recursive=True) if os.path.isfile(p))
        elif os.path.isfile(path):
            if not path.endswith(suffix):
                raise LayerError(f"{where}: {path} is not a {suffix} file")
            found = [path]
        else:
            raise LayerError(f"{where}: {path} does not exist")
        if not found:
            raise LayerError(f"{where}: {path} holds no {suffix} file")
        out.extend(p for p in found if p not in out)
    return tuple(out)


def named_files(table: Any, origin: str) -> list[str]:
    """The Rego and data files one file's `[policy]` table names (for trust digests); [] when it
    names none or cannot be read (the trust then covers the policy file alone)."""
    try:
        found = parse(table, origin)
    except LayerError:
        return []
    return [p for layer in found if isinstance(layer, RegoLayer) for p in (*layer.files, *layer.data)]


def _short_origin(origin: str) -> str:
    home = os.path.expanduser("~")
    return "~" + origin[len(home):] if home != "/" and origin.startswith(home + os.sep) else origin
