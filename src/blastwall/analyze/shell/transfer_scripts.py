"""Command scripts of file-transfer and share clients (sftp, ftp, lftp, ncftp, smbclient).

The text they read from stdin, a batch file or an option is a list of client commands, one a line
(lftp and smbclient also split at `;`). A command that deletes, renames or changes modes on the
server asks; `!CMD` and `shell CMD` run CMD in a local shell and are judged as shell; reads,
listings, downloads and uploads pass (uploads of secrets are judged by rules/shell_reads.toml).
The command names are data: rules/transfer_scripts.toml.
"""

from __future__ import annotations

import functools

from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.languages import Effects


@functools.cache
def _table() -> tuple[frozenset[str], str, frozenset[str]]:
    t = load_table("transfer_scripts")
    return frozenset(t["changes"]), str(t["local_shell_prefix"]), frozenset(t["local_shell"])


@functools.cache
def _changes_with() -> dict[str, frozenset[str]]:
    return {verb: frozenset(opts) for verb, opts in (load_table("transfer_scripts").get("changes_with") or {}).items()}


def _given(words: list[str], options: frozenset[str]) -> bool:
    """One of `options` among the words: alone, `--long=V`, or a short one in a cluster (`-Re`)."""
    shorts = {o[1] for o in options if len(o) == 2 and o[0] == "-"}
    for w in words:
        if w in options or w.split("=", 1)[0] in options:
            return True
        if w[:1] == "-" and w[1:2] != "-" and w[1:].isalpha() and shorts & set(w[1:]):
            return True
    return False


def _commands(text: str) -> list[str]:
    out: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.extend(p.strip() for p in ([line] if line.startswith("!") else line.split(";")) if p.strip())
    return out


def transfer(text: str) -> Effects:
    """What a client command script does: local shell commands, and the server changes as reasons to ask."""
    changes, bang, local = _table()
    effects = Effects.empty()
    for command in _commands(text):
        if command.startswith(bang):
            effects.shell.append(command[len(bang):])
            continue
        verb, _, rest = command.partition(" ")
        verb = verb.lstrip("-+*").lower()  # curl `-Q`: `-CMD` runs after the transfer, `+` before, `*` may fail
        if verb in changes or verb in _changes_with() and _given(rest.split(), _changes_with()[verb]):
            effects.unknown.append(f"the client runs `{command[:80]}` on the server: it deletes, renames or changes "
                                   "files there")
        elif verb in local:
            effects.unknown.append(f"the client runs `{command[:80]}`, a local command or script blastwall does not "
                                   "follow")
    return effects
