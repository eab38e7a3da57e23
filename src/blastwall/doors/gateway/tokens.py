"""`blastwall gateway token add NAME`: mint an agent's gateway token and record its sha256.

The token is returned once (the command prints it); the configuration keeps only the hash.
The agent's table is appended to the configuration file, or, when it exists, its
`token_sha256` line is replaced (rotating the token), leaving the rest of the file as it was.
The result is parsed and validated before it replaces the file; on any problem the file is
left untouched.
"""

from __future__ import annotations

import json
import os
import re
import tomllib

from blastwall.doors.gateway.auth import new_token, token_sha256
from blastwall.doors.gateway.config import parse_config
from blastwall.policy.engine import PolicyError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class TokenError(Exception):
    pass


def add_agent(path: str, name: str, *, routes: list[str] | None = None, read_only: list[str] | None = None) -> str:
    """Create or rotate agent `name`'s token in the file at `path`; returns the new token."""
    if not NAME_RE.match(name):
        raise TokenError("an agent name is 1-64 letters, digits, '.', '_' or '-'")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise TokenError(f"cannot read {path} ({exc.strerror or exc})") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TokenError(f"{path} is not valid TOML ({exc})") from exc
    section = doc.get("gateway")
    if not isinstance(section, dict) or not section.get("routes"):
        raise TokenError(f"{path} has no [gateway.routes]; add the routes first (docs/gateway.md)")
    token = new_token()
    digest = token_sha256(token)
    existing = (section.get("agents") or {}).get(name)
    if existing is not None:
        if routes or read_only:
            raise TokenError(f"agent {name} exists; edit its routes and scope in {path}, or rotate without options")
        new_text = _rotate(text, name, digest)
    else:
        all_routes = list(section["routes"])
        chosen = routes or all_routes
        unknown = [r for r in [*chosen, *(read_only or [])] if r not in all_routes]
        if unknown:
            raise TokenError(f"unknown route(s) {', '.join(unknown)}; configured: {', '.join(all_routes)}")
        chosen = list(dict.fromkeys([*chosen, *(read_only or [])]))
        new_text = text.rstrip("\n") + "\n\n" + _table(name, digest, chosen, read_only or [])
    try:
        parse_config(tomllib.loads(new_text)["gateway"], path)
    except (tomllib.TOMLDecodeError, PolicyError, KeyError) as exc:
        raise TokenError(f"the updated configuration would not be valid ({exc}); {path} was not changed") from exc
    _replace(path, new_text)
    return token


def _table(name: str, digest: str, routes: list[str], read_only: list[str]) -> str:
    lines = [f"[gateway.agents.{_key(name)}]", f'token_sha256 = "{digest}"', f"routes = {json.dumps(routes)}"]
    if read_only:
        lines.append("scope = { " + ", ".join(f'{_key(r)} = "read-only"' for r in read_only) + " }")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _rotate(text: str, name: str, digest: str) -> str:
    header = re.compile(rf'^\s*\[\s*gateway\s*\.\s*agents\s*\.\s*(?:{re.escape(name)}|"{re.escape(name)}")\s*\]\s*(#.*)?$')
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        raise TokenError(f"agent {name} is not defined by a [gateway.agents.{name}] table; edit the file by hand")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    for i in range(start + 1, end):
        if re.match(r"^\s*token_sha256\s*=", lines[i]):
            lines[i] = f'token_sha256 = "{digest}"\n'
            return "".join(lines)
    lines.insert(start + 1, f'token_sha256 = "{digest}"\n')
    return "".join(lines)


def _replace(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    mode = os.stat(path).st_mode & 0o777
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
