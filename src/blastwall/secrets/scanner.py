"""Walk a tree and report every credential in it: file, line, kind, value masked.

    report = scan("/srv/app")                 # Report(root, hits, scanned, skipped)
    for hit in report.hits: print(hit.rel, hit.line, hit.name, hit.masked)

Two kinds of detectors run over each text file: the formats of `secret_formats.toml` (provider
tokens, database URLs with passwords, private keys, service-account JSON) and the detect-secrets
plugins the same table names. A value two detectors both see is reported once, under blastwall's
own format when it has one.

What is walked past (`[skip]` of the table): version-control folders, dependency folders,
virtualenvs (any folder with a `pyvenv.cfg`), caches, lock files, binary files (a NUL byte in
the first 8 KiB), files larger than `max_bytes`, symbolic links (they may point anywhere), and
whatever `exclude` globs name; lines marked `pragma: allowlist secret` (detect-secrets'
convention) are not reported. A project's `.gitignore` is deliberately not followed: the
files it hides (`.env`, `config/master.key`) are exactly where credentials sit.

A `Hit` never carries the value, only where it is; `--fix` reads it again from the file.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze import globs
from blastwall.secrets.formats import Format, formats, is_placeholder, mask, table

MAX_LINE = 10_000  # characters of one line the detectors look at (minified files have huge ones)
SNIFF = 8192


class Hit(NamedTuple):
    path: str  # absolute
    rel: str  # relative to the scanned root, for display
    line: int  # 1-based
    format_id: str
    name: str
    masked: str
    start: int  # the value's span on its line (for --fix)
    end: int
    fixable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.rel, "line": self.line, "format": self.format_id, "kind": self.name,
                "masked": self.masked}


class Report(NamedTuple):
    root: str
    hits: tuple[Hit, ...]
    scanned: tuple[str, ...]  # absolute paths of the files read
    skipped: dict[str, int]  # why -> how many files

    @property
    def files(self) -> list[str]:
        """The secret-bearing files, in order."""
        return sorted({h.path for h in self.hits})

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "files_scanned": len(self.scanned), "skipped": dict(self.skipped),
                "files": [os.path.relpath(p, self.root) if self.root != p else os.path.basename(p) for p in self.files],
                "findings": [h.to_dict() for h in self.hits]}


Progress = Callable[[int, int, str], None]  # (done, total, current relative path)


def _skip() -> dict[str, Any]:
    return table()["skip"]  # type: ignore[no-any-return]


def _excluded(rel: str, name: str, patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.rstrip("/")
        if globs.match(name, p) or globs.match(rel, p) or globs.match(rel, p + "/**") or rel.startswith(p + "/"):
            return True
    return False


def walk(root: str, exclude: Iterable[str] = (), skipped: dict[str, int] | None = None) -> list[str]:
    """The files a scan of `root` reads (absolute paths, sorted), counting what it walks past."""
    skipped = skipped if skipped is not None else {}
    exclude = tuple(exclude)
    skip = _skip()
    dirs_skip, markers, file_globs = set(skip["dirs"]), tuple(skip["venv_markers"]), tuple(skip["files"])
    root = os.path.abspath(root)
    if os.path.isfile(root):
        return [root]
    out: list[str] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        rel_folder = os.path.relpath(folder, root)
        kept = []
        for d in sorted(dirs):
            rel = d if rel_folder == "." else f"{rel_folder}/{d}"
            full = os.path.join(folder, d)
            if d in dirs_skip or any(os.path.exists(os.path.join(full, m)) for m in markers):
                skipped["folders"] = skipped.get("folders", 0) + 1
            elif os.path.islink(full) or _excluded(rel, d, exclude):
                skipped["excluded" if not os.path.islink(full) else "links"] = skipped.get(
                    "excluded" if not os.path.islink(full) else "links", 0) + 1
            else:
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            full = os.path.join(folder, name)
            if os.path.islink(full):
                why = "links"
            elif _excluded(rel, name, exclude):
                why = "excluded"
            elif globs.match_any(name, file_globs):
                why = "binary or generated"
            else:
                out.append(full)
                continue
            skipped[why] = skipped.get(why, 0) + 1
    return out


def _read_text(path: str, max_bytes: int) -> tuple[str | None, str]:
    """The file's text, or None and why it was not read."""
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            return None, "too large"
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError:
        return None, "unreadable"
    if b"\x00" in data[:SNIFF]:
        return None, "binary or generated"
    return data.decode("utf-8", "replace"), ""


@functools.cache
def _prefilter() -> rx.Pattern:
    return rx.compile(table()["detect_secrets"]["prefilter"])


@functools.cache
def _plugin_screen() -> rx.Pattern:
    """One pattern of the plugins' screens (`[detect_secrets] screen`), over a whole text."""
    return rx.compile("|".join(f"(?:{p})" for p in table()["detect_secrets"]["screen"]), rx.M)


def _touched_lines(pattern: rx.Pattern, text: str, into: set[int], newlines: _Lines) -> None:
    """Add the 0-based numbers of the lines each match of `pattern` touches."""
    for m in pattern.finditer(text):
        first = newlines.number(m.start())
        into.update(range(first, newlines.number(max(m.start(), m.end() - 1)) + 1))


class _Lines:
    """Line numbers of offsets in one text, counted forward (offsets mostly come in order)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 0

    def number(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 0
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


Row = tuple[int, int, int, str, str, str, bool]
_ODD_BREAK = rx.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def scan_text(text: str, filename: str, *, detect_secrets: bool = True) -> list[Row]:
    """Every credential in `text`: (line, start, end, format id, name, masked value, fixable).

    Two screens run over the whole text first, each a handful of linear regex passes: the
    formats' own patterns (for the formats whose hints occur at all) and the plugins' screens.
    Only the lines they touch are looked at line by line, so most files cost a few passes and
    detect-secrets is imported only for a file that may hold one of its plugins' credentials."""
    low_text = text.lower()
    active: list[Format] = [f for f in formats() if f.applies_to(filename) and any(h in low_text for h in f.hints)
                            and (f.requires is None or f.requires.search(text))]
    counter = _Lines(text)
    candidates: set[int] = set()
    for fmt in active:
        _touched_lines(fmt.screen, text, candidates, counter)
    plugin_lines: set[int] = set()
    if detect_secrets and _prefilter().search(text) is not None:
        _touched_lines(_plugin_screen(), text, plugin_lines, _Lines(text))
    if not candidates and not plugin_lines:
        return []
    lines = text.splitlines()
    if _ODD_BREAK.search(text) is not None or text.count("\r") != text.count("\r\n"):
        # line breaks other than \n and \r\n (str.splitlines takes \f, \x85...): number
        # lines as it does by looking at every line, as a scan always did
        everything = set(range(len(lines)))
        candidates, plugin_lines = everything, everything if plugin_lines else set()
    return _scan_lines(lines, sorted(candidates | plugin_lines), active, plugin_lines, filename)


def _scan_lines(lines: list[str], numbers: list[int], active: list[Format], plugin_lines: set[int],
                filename: str) -> list[Row]:
    """The per-line checks on the lines the screens picked (0-based `numbers`, in order)."""
    plugins: tuple[Any, ...] = ()
    if plugin_lines:
        from blastwall.secrets.detectors import detectors

        plugins = detectors(tuple(table()["detect_secrets"]["plugins"]))
    prefilter = _prefilter()
    allow = table()["allowlist"]
    out: list[Row] = []
    for i in numbers:
        if i >= len(lines):
            continue
        line = lines[i][:MAX_LINE]
        low = line.lower()
        previous = lines[i - 1][:MAX_LINE].lower() if i > 0 else ""
        if allow["line"] in low or allow["next_line"] in previous:
            continue
        n = i + 1
        spans: list[tuple[int, int]] = []
        _formats_on(line, low, n, [f for f in active if not f.generic], spans, out)
        if i in plugin_lines and prefilter.search(line):
            from blastwall.secrets.detectors import find

            for det in plugins:
                for value in find(det, filename, line):
                    start = line.find(value)
                    end = start + len(value)
                    if start < 0 or is_placeholder(value) or any(s < end and start < e for s, e in spans):
                        continue
                    spans.append((start, end))
                    multi_line = "PRIVATE KEY" in value
                    out.append((n, start, end, det.id, det.name, mask(value), not multi_line))
        _formats_on(line, low, n, [f for f in active if f.generic], spans, out)
    return out


def _formats_on(line: str, low: str, n: int, active: list[Format], spans: list[tuple[int, int]], out: list[Row]) -> None:
    for fmt in active:
        for value, start, end in fmt.find(line, low):
            if any(s < end and start < e for s, e in spans):
                continue
            spans.append((start, end))
            out.append((n, start, end, fmt.id, fmt.name, mask(value), fmt.fixable))


def scan(root: str, *, exclude: Iterable[str] = (), max_bytes: int | None = None, progress: Progress | None = None,
         detect_secrets: bool = True) -> Report:
    """Scan `root` (a folder or one file)."""
    root = os.path.abspath(os.path.expanduser(root))
    skipped: dict[str, int] = {}
    files = walk(root, exclude, skipped)
    limit = int(max_bytes if max_bytes is not None else _skip()["max_bytes"])
    hits: list[Hit] = []
    scanned: list[str] = []
    base = root if os.path.isdir(root) else os.path.dirname(root)
    for i, path in enumerate(files):
        rel = os.path.relpath(path, base)
        if progress is not None:
            progress(i, len(files), rel)
        text, why = _read_text(path, limit)
        if text is None:
            skipped[why] = skipped.get(why, 0) + 1
            continue
        scanned.append(path)
        for line, start, end, fid, name, masked, fixable in scan_text(text, path, detect_secrets=detect_secrets):
            hits.append(Hit(path, rel, line, fid, name, masked, start, end, fixable))
    if progress is not None:
        progress(len(files), len(files), "")
    return Report(root, tuple(hits), tuple(scanned), skipped)
