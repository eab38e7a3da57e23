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

from blastwall.analyze.shell.windows import names_parameter
from blastwall.model import Effect, Finding, Severity

__all__ = ["parameter_findings", "provider_drive"]


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
