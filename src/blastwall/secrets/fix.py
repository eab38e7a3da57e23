"""`blastwall secrets scan --fix`: move each credential into the credential store and leave a
reference in its place.

    RAILWAY_TOKEN=3f1c2b4a-...      ->   RAILWAY_TOKEN=${blastwall:RAILWAY_TOKEN}

A human confirms every value at the terminal (the CLI refuses --fix without one, and blastwall's
shell rules refuse it to agents). The value goes to `blastwall.credentials` (the store the
gateway injects credentials from), the file is rewritten in place with its mode kept, and the
fixed files are scanned again so that the list of secret-bearing files says what is left.
Values that span lines (private keys) are not moved: the file itself should leave the project.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from blastwall import rx
from blastwall.secrets.formats import mask
from blastwall.secrets.scanner import Hit, Report, scan

REFERENCE = "${{blastwall:{name}}}"
_KEY = rx.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?\]?\s*(?::=|=>|=|:)\s*["']?[^\s"']*$""")
_NAME_CHARS = rx.compile(r"[^A-Za-z0-9._-]+")
NAME_RE = rx.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # the credential store's names


class Store(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def get(self, name: str) -> str | None: ...


Confirm = Callable[[str], bool]
Prompt = Callable[[str, str], str]
Say = Callable[[str], None]


def suggested_name(line: str, start: int, hit: Hit) -> str:
    """A credential name from the line (`RAILWAY_TOKEN=...` -> RAILWAY_TOKEN), else the format."""
    m = _KEY.search(line[:start])
    if m:
        name = m.group(1)
        if hit.format_id == "secret.database:url-password":
            name += "_PASSWORD"
    else:
        name = hit.format_id.split(".", 1)[-1].replace(":", "_").replace("-", "_")
    name = _NAME_CHARS.sub("_", name).strip("._-")[:64] or "SECRET"
    return name if name[0].isalnum() else "S" + name[:63]


def _free_name(store: Store, name: str, value: str) -> str:
    """`name`, or `name-2`, `name-3`... when the store holds another value under it."""
    candidate, n = name, 1
    while True:
        held = store.get(candidate)
        if held is None or held == value:
            return candidate
        n += 1
        candidate = f"{name[:60]}-{n}"


def _rewrite(path: str, text: str) -> None:
    mode = os.stat(path).st_mode & 0o7777
    tmp = f"{path}.blastwall-fix.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def fix_file(path: str, hits: list[Hit], store: Store, confirm: Confirm, prompt: Prompt, say: Say) -> int:
    """Offer each of the file's fixable hits; returns how many values were moved."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        say(f"{hits[0].rel}: skipped (not readable as UTF-8 text)")
        return 0
    lines = text.splitlines(keepends=True)
    moved = 0
    for hit in sorted(hits, key=lambda h: (h.line, -h.start)):
        if not hit.fixable:
            say(f"{hit.rel}:{hit.line}  {hit.name}: not moved (it spans several lines; move the file out of the project)")
            continue
        raw = lines[hit.line - 1] if hit.line <= len(lines) else ""
        body = raw.rstrip("\r\n")
        value = body[hit.start:hit.end]
        if not value or mask(value) != hit.masked:
            say(f"{hit.rel}:{hit.line}: skipped (the file changed since the scan)")
            continue
        if not confirm(f"{hit.rel}:{hit.line}  {hit.name}  {hit.masked}: move it into the credential store?"):
            continue
        name = prompt("credential name", suggested_name(body, hit.start, hit)).strip()
        if not NAME_RE.match(name):
            say(f"{hit.rel}:{hit.line}: not moved (a credential name is 1-64 letters, digits, '.', '_' or '-')")
            continue
        try:
            name = _free_name(store, name, value)
            store.put(name, value)
        except Exception as exc:  # noqa: BLE001 - the store's errors never hold the value; go on with the next
            say(f"{hit.rel}:{hit.line}: not moved ({exc})")
            continue
        lines[hit.line - 1] = body[:hit.start] + REFERENCE.format(name=name) + body[hit.end:] + raw[len(body):]
        moved += 1
        say(f"{hit.rel}:{hit.line}: stored as {name}; the file now says {REFERENCE.format(name=name)}")
    if moved:
        _rewrite(path, "".join(lines))
    return moved


def fix_report(report: Report, *, exclude: Any = (), store: Store | None = None, confirm: Confirm | None = None,
               prompt: Prompt | None = None, say: Say = print) -> Report:
    """Offer every hit of `report`; returns the report with the fixed files scanned again."""
    import typer

    if store is None:
        from blastwall.credentials import open_store

        store = open_store()
    confirm = confirm or (lambda q: typer.confirm(q, default=False))
    prompt = prompt or (lambda q, default: str(typer.prompt(q, default=default)))
    by_file: dict[str, list[Hit]] = {}
    for hit in report.hits:
        by_file.setdefault(hit.path, []).append(hit)
    changed = [p for p, hits in by_file.items() if fix_file(p, hits, store, confirm, prompt, say)]
    if not changed:
        return report
    again = {p: scan(p, exclude=()).hits for p in changed}
    base = report.root if os.path.isdir(report.root) else os.path.dirname(report.root)
    hits = [h for h in report.hits if h.path not in again]
    for p, new in again.items():
        hits += [h._replace(rel=os.path.relpath(p, base)) for h in new]
    hits.sort(key=lambda h: (h.rel, h.line, h.start))
    return report._replace(hits=tuple(hits))
