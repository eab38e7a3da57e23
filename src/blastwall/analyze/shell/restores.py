"""Restores: an older copy (a snapshot, a backup, an archive) put where the live state is.

    lxc restore web1 before-upgrade                     -> shell.verbs:restore-over-live
    VBoxManage snapshot "Ubuntu Dev" restore clean-base -> the same (the verb after the machine's name)
    timeshift --restore --snapshot NAME                 -> the same (the verb as an option)
    restic restore latest --target /                    -> the same (the target is live)
    cd / && borg extract REPO::ARCHIVE etc srv          -> the same (extracts into the working folder)
    restic restore latest --target /tmp/restore-test    -> nothing (a new scratch folder)
    dotnet restore                                      -> nothing (packages, not data)

What the restore replaces is lost: the state since the snapshot or backup. Which words restore,
which programs restore packages, which options name where the copy goes, and which programs leave
what exists alone are data (rules/verbs.toml [restoring]).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.shell.ir import Word
from blastwall.analyze.verbs import tokens
from blastwall.model import Effect, Finding, Severity

_SCRATCH = frozenset({"temp"})


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("verbs")["restoring"])


@functools.cache
def _restoring_verbs() -> frozenset[str]:
    return frozenset(_table()["verbs"])


def _restores(argv: list[Word], path: list[str], name: str) -> str | None:
    """The word that makes this a restore, if one does: a restoring verb in the command path
    (`restore`, `snapshot-restore`), a positional that is one (`snapshot VM restore NAME`), an
    option named for one (`--restore`), or a program's extract that writes into the working folder."""
    t = _table()
    verbs = _restoring_verbs()
    for word in path[:2]:  # a subcommand, not a name after it (`createdb app_restore_check`)
        ts = tokens(word)
        if ts and (ts[0] in verbs or ts[-1] in verbs):  # `restore`, `restore-db`, `snapshot-restore`
            return word
    extracts = t.get("into_cwd", {}).get(name, ())
    if path and path[0] in extracts:
        return path[0]
    after_option = False
    for w in argv[1:]:
        text = w.text
        if w.dynamic:
            after_option = False
            continue
        if text.startswith("-"):
            key = text.partition("=")[0]
            if key in t["options"]:
                return key
            after_option = "=" not in text and text.startswith("--")
            continue
        if not after_option and text.lower() in verbs:
            return text
        after_option = False
    return None


def _option_values(argv: list[Word], options: frozenset[str]) -> list[Word]:
    out: list[Word] = []
    for i, w in enumerate(argv[1:], 1):
        key, eq, value = w.text.partition("=")
        if key not in options:
            continue
        if eq:
            out.append(Word(text=value, raw=value, dynamic=w.dynamic))
        elif i + 1 < len(argv):
            out.append(argv[i + 1])
    return out


def _scratch(word: Word, scope: Any) -> bool:
    from blastwall.analyze.paths import classify_in

    if word.path_class is not None:
        return word.path_class.kind in _SCRATCH
    return not word.dynamic and classify_in(word.text, scope).kind in _SCRATCH


def _cwd_scratch(scope: Any) -> bool:
    from blastwall.analyze.paths import classify

    here = getattr(scope, "shell_dir", None)
    return bool(here) and classify(here).kind in _SCRATCH


def restore_findings(name: str, argv: list[Word], path: list[str], source: str, scope: Any) -> list[Finding] | None:
    """A finding when this invocation restores over live state; [] when it restores somewhere new
    or restores packages; None when it is no restore (the verb model reads it as usual)."""
    t = _table()
    if name in t["package_managers"] or name in t.get("makers", ()):
        return None
    word = _restores(argv, path, name)
    if word is None:
        return None
    overwriting = t.get("skips_existing", {}).get(name)
    if overwriting is not None and not any(w.text.partition("=")[0] in overwriting for w in argv[1:]):
        return []  # `velero restore create`: what exists is left alone
    targets = _option_values(argv, frozenset(t["target_options"]))
    if targets and all(_scratch(w, scope) for w in targets):
        return []
    if not targets and name in t.get("into_cwd", {}) and word in t["into_cwd"][name] and _cwd_scratch(scope):
        return []
    row = t["rule"][0]
    target = " ".join([name, *path]) if path else f"{name} {word}"
    return [Finding(
        rule_id=str(row["id"]),
        effect=Effect(str(row["effect"])),
        severity=Severity.parse(str(row["severity"])),
        reason=str(row["reason"]).format(target=target),
        target=target,
        safer=str(row["safer"]),
        source=source[:200],
        confidence=0.7,
    )]
