"""Kernel settings that install a program the kernel runs later (rules/sysctl.toml).

    sysctl -w kernel.core_pattern='|/tmp/x'      asked: /tmp/x runs as root on every crash
    sysctl kernel.modprobe=/tmp/x                 asked (sysctl sets KEY=VALUE without -w too)
    sysctl -p 99.conf                             the file is read: a program key asks
    tee /etc/sysctl.d/9.conf ... && sysctl --system   the drop-in written on the line is read
    sysctl -w vm.swappiness=10, sysctl -a, sysctl net.ipv4.ip_forward   judged as before (pass)

A file loaded that an earlier command of the line writes with text blastwall cannot know asks; a
file that is not there or not read (files are not read for this check) is judged as before.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("sysctl")


def handle_sysctl(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    t = _table()
    words = argv[1:]
    files: list[str] = []
    settings: list[Word] = []
    system = False
    loading = False
    i = 0
    while i < len(words):
        w = words[i]
        option, eq, inline = w.text.partition("=")
        if option in t["value_options"]:
            i += 1 if eq else 2
            continue
        if option in t["load_options"]:
            loading = True
            if eq:
                files.append(inline)
            elif i + 1 < len(words) and (words[i + 1].text == "-" or not words[i + 1].text.startswith("-")) \
                    and "=" not in words[i + 1].text:
                files.append(words[i + 1].text if not words[i + 1].dynamic else "$")
                i += 1
        elif option in t["system_options"]:
            system = True
        elif not w.text.startswith("-"):
            (files if loading else settings).append(w)
        i += 1
    found = [f for s in settings for f in _setting(s.text, s.dynamic, cmd.source)]
    if loading and not files:
        files = [t["default_file"]]
    for path in files:
        found.extend(_loaded(path, scope, cmd.source))
    if system:
        from blastwall.analyze.shell.scripts import written_paths

        for path in written_paths(scope):
            if any(globs.match(path, g) for g in t["drop_ins"]):
                found.extend(_loaded(path, scope, cmd.source))
    return found or None


def _setting(text: str, dynamic: bool, source: str) -> list[Finding]:
    """A finding when `KEY=VALUE` gives a program key a program."""
    t = _table()
    key, eq, value = text.partition("=")
    if not eq:
        return []
    key = key.strip().lstrip("-").replace("/", ".")
    if key not in t["runs_program"]:
        return []
    value = value.strip()
    if key in t["pipe_only"] and not value.startswith("|") and not (dynamic or "$" in value):
        return []  # core_pattern=core: a file name for the dump
    row = t["rule"][0]
    what = f"{key}={value[:60]}"
    return [Finding(rule_id=str(row["id"]), effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                    reason=str(row["reason"]).replace("{what}", what), target=what, safer=str(row["safer"]),
                    source=source[:200])]


def _loaded(path: str, scope: Scope, source: str) -> list[Finding]:
    from blastwall.analyze.shell.scripts import script_text, written_here

    if path in ("$", "-", "/dev/stdin") or "$" in path:
        return [unknown("shell.system:sysctl-unread", f"sysctl loads settings from {path}, which blastwall cannot "
                        "read; a human must check it sets no program the kernel runs", source)]
    found = script_text(path, scope)
    if found.text is None:
        if written_here(path, scope) or found.why.startswith("an earlier command"):
            return [unknown("shell.system:sysctl-unread", f"sysctl loads {path}, which an earlier command on this "
                            "line writes with text blastwall cannot know; a human must check it", source)]
        return []
    out: list[Finding] = []
    for line in found.text.splitlines():
        line = line.strip().lstrip("-")
        if line and not line.startswith(("#", ";")):
            out.extend(_setting(line.replace(" = ", "=").replace(" =", "=").replace("= ", "="), False, source))
    return out


register(["sysctl"], handle_sysctl)
