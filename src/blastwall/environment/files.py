"""Reading the project files that say where a target is: YAML (compose files, database.yml,
kubeconfig), dotenv files, and Rails' ERB defaults. Bounded and total: a file that is missing,
too large or unreadable gives None, and the caller says the target is unknown."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MAX_FILE = 512 * 1024

_CONSULTED: ContextVar[list[str] | None] = ContextVar("blastwall_consulted", default=None)


@contextmanager
def consulted() -> Iterator[list[str]]:
    """The files read (or looked for) while placing one command: a command earlier on the same
    line may rewrite or create any of them, and then what they said proves nothing."""
    found: list[str] = []
    token = _CONSULTED.set(found)
    try:
        yield found
    finally:
        _CONSULTED.reset(token)


def note(path: str) -> None:
    """Record that `path` was consulted (also when it does not exist: it may be created first)."""
    found = _CONSULTED.get()
    if found is not None and path not in found:
        found.append(path)


def read_text(path: str) -> str | None:
    note(path)
    try:
        if os.path.getsize(path) > MAX_FILE:
            return None
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(MAX_FILE)
    except OSError:
        return None


def load_yaml(path: str) -> Any:
    """The document in `path` (safe loader; None when absent or not YAML)."""
    text = read_text(path)
    return yaml_text(text) if text is not None else None


def yaml_text(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def dotenv(path: str) -> dict[str, str] | None:
    """The variables of a `.env` file (quotes removed, `# comments` dropped; `${X}` kept as text)."""
    text = read_text(path)
    if text is None:
        return None
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _DOTENV.match(line)
        if not m:
            continue
        value = m.group(2)
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            value = value[1:value.find(value[0], 1)]
        else:
            value = value.split(" #", 1)[0].strip()
        out[m.group(1)] = value
    return out


_SHELL_LINE = re.compile(r"^\s*(?:#.*|(?:export\s+|declare\s+-x\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*|"
                         r"(?:export\s+|declare\s+-x\s+)?[A-Za-z_][A-Za-z0-9_]*=(['\"])[^'\"`$]*\1|set\s+[-+]a)?\s*$")


def shell_env(path: str) -> dict[str, str] | None:
    """The variables a shell file sets when it is sourced, when it only assigns them (`NAME=x`,
    `export NAME="x"`, comments); None when it is unreadable or does anything else (a condition,
    a command, a substitution), since then what it sets is only known when it runs."""
    text = read_text(path)
    if text is None:
        return None
    if any(not _SHELL_LINE.match(line) or "$(" in line or "`" in line for line in text.splitlines()):
        return None
    return dotenv(path)


# ERB in database.yml: the forms that read a variable with a default. Anything else is unknown.
_ERB = re.compile(r"<%=?(.*?)%>", re.S)
_ENV_FORMS = (
    re.compile(r"""^\s*ENV\.fetch\(\s*["']([A-Z0-9_]+)["']\s*(?:,\s*(["']?)([^"')]*)\2\s*)?\)\s*(?:\{\s*(["']?)([^"'}]*)\4\s*\})?\s*$"""),
    re.compile(r"""^\s*ENV\[\s*["']([A-Z0-9_]+)["']\s*\]\s*(?:\|\|\s*(["']?)([^"']*)\2)?\s*$"""),
)


UNREAD = "__blastwall_unread__"  # stands for an ERB tag blastwall cannot evaluate


def erb(text: str, lookup: Any) -> str:
    """`text` with its ERB tags replaced by the variable they read (`lookup(name)`) or their
    default. Any other tag, or a variable that is unset and has no default, becomes `UNREAD`, so
    a value that depends on it is known to be unknown."""
    def one(code: str) -> str:
        for form in _ENV_FORMS:
            m = form.match(code)
            if m:
                groups = m.groups()
                value = lookup(groups[0])
                if value is not None:
                    return str(value)
                defaults = [g.strip() for g in groups[2::2] if g and g.strip()]
                return defaults[0] if defaults else UNREAD
        stripped = code.strip()
        return stripped if re.fullmatch(r"\d+", stripped) else UNREAD

    return _ERB.sub(lambda m: "" if m.group(0).startswith("<%#") else one(m.group(1)), text)
