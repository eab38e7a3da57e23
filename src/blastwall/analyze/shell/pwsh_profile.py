"""Code written into a PowerShell profile: every new PowerShell session (`pwsh -c ...`, the next
terminal) runs the profile first, so the text `Add-Content $PROFILE '<code>'` or `Set-Content` writes
there is judged now as PowerShell code.

    Add-Content $PROFILE 'Remove-Item -Recurse -Force C:\\data'  -> the Remove-Item, when PowerShell starts
    Add-Content $PROFILE 'Set-Alias k kubectl'                   -> nothing

Knowledge: rules/shell_windows.toml [powershell] profile_writers and profile_paths.
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.model import Finding


def _names(arg: str, full: str) -> bool:
    """`-Pa`, `-Path`, `-Value:x`: a dash word that begins the parameter's name (two letters at least)."""
    name = arg[1:].split(":", 1)[0].lower()
    return len(name) >= 2 and full.startswith(name)


def profile_code(args: list[str], scope: Scope, source: str, table: dict[str, object]) -> list[Finding] | None:
    """Findings for the code a writer cmdlet puts into a profile; None when it writes no profile."""
    path = value = None
    positionals: list[str] = []
    i = 0
    while i < len(args):
        w = args[i]
        if w[:1] == "-" and len(w) > 2 and w[1].isalpha():
            given = w.split(":", 1)[1] if ":" in w else (args[i + 1] if i + 1 < len(args) else "")
            i += 1 if ":" in w else 2
            if _names(w, "path") or _names(w, "literalpath") or _names(w, "filepath"):
                path = given
            elif _names(w, "value") or _names(w, "inputobject"):
                value = given
            continue
        positionals.append(w)
        i += 1
    if path is None and positionals:
        path = positionals.pop(0)
    if value is None and positionals:
        value = positionals[0]
    low = (path or "").lower().replace("/", "\\")
    if not any(low.startswith(p) or low.endswith(p) for p in table["profile_paths"]):  # type: ignore[attr-defined]
        return None
    if not value or not value.strip():
        return []
    from blastwall.analyze.shell.powershell import analyze_powershell

    found = analyze_powershell(value, scope.deeper("the PowerShell profile (it runs when PowerShell starts)"))
    return found or []
