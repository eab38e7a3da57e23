"""What a database client runs, and what in it moves the work somewhere its command line does
not say (evidence.toml `[reconnects]`, `[includes]`, `[switches]`).

    Script.of(...).reconnect()  -> "the text fed to it runs \\c app db.example.com, ..."   (unknown)
    Script.of(...).databases()  -> ["app_production"]   # `use app_production` / getSiblingDB("x")

The texts: the finding's statement, `-c`/`-e`/`--eval` values, heredocs and stdin files, `-f`
files and script operands, the client's startup file (psql's ~/.psqlrc unless -X), and every
file those include (`\\i`, `\\ir`, `source`, `load()`), read in turn. A file that cannot be read
is unknown: it may connect anywhere.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from typing import Any, NamedTuple

from blastwall.environment.commands import Invocation
from blastwall.environment.files import note, read_text
from blastwall.environment.options import Parsed
from blastwall.environment.site import Vars
from blastwall.environment.table import section
from blastwall.model import Finding

MAX_FILES = 16
RUNTIME = "a database chosen when it runs"


class Text(NamedTuple):
    text: str
    where: str  # "the statement", "the text fed to it", "reset.sql"
    folder: str  # where its relative includes are resolved


class Script(NamedTuple):
    texts: tuple[Text, ...]
    unread: str  # a file it runs that blastwall could not read ("" when none)

    @staticmethod
    def of(name: str, spec: dict[str, Any], inv: Invocation, parsed: Parsed, finding: Finding,
           vars_: Vars) -> Script:
        cwd = inv.cwd or ""
        texts = [Text(finding.source, "the statement", cwd), Text(inv.stdin, "the text fed to it", cwd)]
        texts += [Text(v, o, cwd) for o in spec.get("statement_options", []) for v in parsed.options.get(o, [])]
        files = [v for o in spec.get("file_options", []) for v in parsed.options.get(o, [])]
        suffixes = tuple(spec.get("script_operand_suffixes", []))
        files += [w for w in parsed.operands if suffixes and w.endswith(suffixes)]
        if inv.stdin_file:
            files.append(inv.stdin_file)
        startup = _startup_files(spec, inv, parsed, vars_)
        queue: list[tuple[str, str, bool]] = [(f, cwd, True) for f in files] + [(f, cwd, False) for f in startup]
        unread = ""
        seen: set[str] = set()
        includes = _patterns("includes", name)
        while queue and len(seen) < MAX_FILES:
            f, folder, required = queue.pop(0)
            path = os.path.expanduser(f)
            if not os.path.isabs(path):
                if not folder:
                    continue  # the analyzer reads what it can; an unreadable file is its finding
                path = os.path.join(folder, path)
            if path in seen or f == "-":
                continue
            seen.add(path)
            note(path)
            text = read_text(path) if os.path.isfile(path) else None
            if text is None:
                if required and not unread:
                    unread = f
                continue
            texts.append(Text(text, f, os.path.dirname(path)))
        for t in list(texts):  # files the texts include, read in turn (bounded)
            for pattern in includes:
                for m in pattern.finditer(t.text or ""):
                    target = m.group(1).strip("'\"`;")
                    path = target if os.path.isabs(os.path.expanduser(target)) else os.path.join(t.folder, target)
                    if not t.folder and not os.path.isabs(os.path.expanduser(target)):
                        unread = unread or target
                        continue
                    path = os.path.expanduser(path)
                    if path in seen:
                        continue
                    if len(seen) >= MAX_FILES:
                        unread = unread or target
                        continue
                    seen.add(path)
                    note(path)
                    text = read_text(path) if os.path.isfile(path) else None
                    if text is None:
                        unread = unread or target
                    else:
                        texts.append(Text(text, target, os.path.dirname(path)))
        return Script(tuple(texts), unread)

    def reconnect(self, name: str) -> str:
        """Why the statements may act on another server than the command names ("" when they cannot)."""
        if self.unread:
            return f"it runs {self.unread}, which blastwall cannot read"
        for t in self.texts:
            for pattern in _patterns("reconnects", name):
                m = pattern.search(t.text or "")
                if m:
                    return f"{t.where} opens a connection of its own ({m.group(0).strip()}), which blastwall does not follow"
        return ""

    def databases(self, name: str) -> list[str]:
        """The databases the statements move to on the same server (`use x`, getSiblingDB("x")),
        RUNTIME for one chosen when they run; [] when they stay where the command put them."""
        out: list[str] = []
        for t in self.texts:
            for pattern in _patterns("switches", name, "named"):
                out += [m.group(1) for m in pattern.finditer(t.text or "")]
            if any(p.search(t.text or "") for p in _patterns("switches", name, "runtime")):
                out.append(RUNTIME)
        return list(dict.fromkeys(out))


@functools.cache
def _patterns(section_name: str, client: str, key: str = "") -> tuple[re.Pattern[str], ...]:
    """A client's patterns of an evidence.toml section (of its `key` list when given), compiled
    case-insensitive once (the table is read once per process)."""
    value = section(section_name).get(client) or ([] if not key else {})
    return tuple(re.compile(p, re.I) for p in (value.get(key, []) if key else value))


def _startup_files(spec: dict[str, Any], inv: Invocation, parsed: Parsed, vars_: Vars) -> list[str]:
    if inv.program not in spec.get("startup_programs", []):
        return []
    if any(o in parsed.options for o in spec.get("startup_off", [])):
        return []
    chosen = vars_.get(spec.get("startup_env", ""))[0] if spec.get("startup_env") else None
    if chosen:
        return [chosen]
    out: list[str] = []
    for pattern in spec.get("startup_files", []):
        expanded = os.path.expanduser(pattern)
        matches = sorted(glob.glob(expanded)) if any(c in expanded for c in "*?[") else []
        out += matches or ([pattern] if not any(c in expanded for c in "*?[") else [])
    return out
