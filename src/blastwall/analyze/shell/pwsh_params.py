"""PowerShell cmdlets that delete by a parameter, and paths on drives that are no folders
(rules/pwsh_cmdlets.toml):

    New-ComplianceSearchAction -SearchName X -Purge -PurgeType HardDelete  ->  asks (-Purge)
    New-AzResourceGroupDeployment -TemplateFile main.bicep -Mode Complete  ->  asks (-Mode Complete)
    New-AzResourceGroupDeployment -TemplateFile main.bicep                 ->  []   (Incremental)
    Remove-Item Cert:\\LocalMachine\\My\\THUMB -DeleteKey                   ->  asks (a certificate, no file)
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.shell.windows import names_parameter
from blastwall.model import Effect, Finding, Severity

__all__ = ["expand_splats", "parameter_findings", "provider_drive"]


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("pwsh_cmdlets")


@functools.cache
def _rows() -> dict[str, tuple[dict[str, Any], ...]]:
    by_cmdlet: dict[str, list[dict[str, Any]]] = {}
    for row in _table()["parameter"]:
        for name in row["cmdlets"]:
            by_cmdlet.setdefault(name, []).append(row)
    return {k: tuple(v) for k, v in by_cmdlet.items()}


def parameter_findings(name: str, args: list[str], source: str) -> list[Finding]:
    """A cmdlet `name` (lower case) given a parameter that deletes (with a deleting value, where the
    row lists values): one finding per row that matches."""
    rows = _rows().get(name)
    if not rows:
        return []
    found: list[Finding] = []
    for row in rows:
        for i, arg in enumerate(args):
            flag, _, attached = arg.partition(":")
            if not names_parameter(flag, row["parameter"], int(row.get("least", 2))):
                continue
            values = row.get("values")
            value = attached if attached else (args[i + 1] if i + 1 < len(args) else "")
            if values and value.strip("'\"").lower() not in values:
                continue
            if not values and attached.lower() in ("$false", "false", "0"):
                continue
            found.append(Finding("shell.windows:cmdlet-parameter", Effect.DELETE, Severity.HIGH,
                                 f"{name} {arg}: {row['reason']}", target=name, source=source[:200]))
            break
    return found


def provider_drive(path: str) -> str | None:
    """The drive of a path on a PowerShell drive that is no folder (`Cert:\\...`, `HKLM:\\...`,
    `Registry::HKEY_...`, an unknown drive of two letters or more), or None for a folder path."""
    low = path.strip("'\"").lower().removeprefix("microsoft.powershell.core\\")
    if "::" in low:
        return low.split("::", 1)[0]
    drive, colon, _ = low.partition(":")
    if not colon or len(drive) < 2 or not drive.replace("_", "").isalnum():
        return None
    if drive in _table()["filesystem_drives"]:
        return None
    return drive


_SPLAT_SET = rx.compile(r"(?is)^\s*\$([A-Za-z_]\w*)\s*=\s*@\{(.*)\}\s*$")
_SPLAT_USE = rx.compile(r"(^|[^\w$])@([A-Za-z_]\w*)\b")
_PAIR = rx.compile(r"(?s)^\s*['\"]?([A-Za-z_]\w*)['\"]?\s*=\s*(.+?)\s*$")


def expand_splats(parts: list[str]) -> list[str]:
    """Statements with each `@name` splat of a hash table assigned on the line (`$p = @{ Path = 'D:\\x';
    Recurse = $true }; Remove-Item @p`) written out as the parameters it binds (`-Path 'D:\\x' -Recurse`).
    A splat of anything else stays as written (Remove-Item asks about it)."""
    tables: dict[str, str] = {}
    out: list[str] = []
    for part in parts:
        m = _SPLAT_SET.match(part)
        if m is not None:
            params = _parameters(m.group(2))
            if params is not None:
                tables[m.group(1).lower()] = params
            else:
                tables.pop(m.group(1).lower(), None)
        elif tables and "@" in part:
            part = _SPLAT_USE.sub(lambda u: u.group(1) + tables.get(u.group(2).lower(), "@" + u.group(2)), part)
        out.append(part)
    return out


def _parameters(body: str) -> str | None:
    """`Path = 'D:\\x'; Recurse = $true` as `-Path 'D:\\x' -Recurse`; None when an entry is not `Name = value`."""
    words: list[str] = []
    for entry in (e for chunk in body.split("\n") for e in chunk.split(";")):
        if not entry.strip():
            continue
        m = _PAIR.match(entry)
        if m is None or "{" in m.group(2) or "(" in m.group(2):
            return None
        key, value = m.group(1), m.group(2)
        if value.lower() == "$true":
            words.append(f"-{key}")
        elif value.lower() != "$false":
            words.append(f"-{key} {value}")
    return " ".join(words)
