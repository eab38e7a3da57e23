"""Provider adapters, imported only when a finding names one of their resources.

`PROVIDERS` says which findings belong to which adapter (by rule id prefix, or by an MCP
target naming the server); `adapter(name)` imports that one module. Adding a provider is one
row here, one module beside `railway.py`, and one entry in `inventory.PROVIDER_DEFAULTS`.
"""

from __future__ import annotations

from types import ModuleType

from blastwall.model import Finding


class ProviderEntry:
    """Which findings an adapter owns. (A plain class: this module sits on the hook's hot path.)"""

    __slots__ = ("module", "rule_prefixes", "target_prefixes")

    def __init__(self, module: str, rule_prefixes: tuple[str, ...], target_prefixes: tuple[str, ...] = ()) -> None:
        self.module = module
        self.rule_prefixes = rule_prefixes
        self.target_prefixes = target_prefixes


PROVIDERS: dict[str, ProviderEntry] = {
    "railway": ProviderEntry(
        module="blastwall.preflight.providers.railway",
        rule_prefixes=("http.railway:", "shell.railway:", "mcp.railway:"),
        target_prefixes=("railway/",),
    ),
}


def provider_of(f: Finding) -> str | None:
    """The provider whose resource `f` acts on, if blastwall has an adapter for it."""
    for name, entry in PROVIDERS.items():
        if f.rule_id.startswith(entry.rule_prefixes) or (entry.target_prefixes and f.target.startswith(entry.target_prefixes)):
            return name
    return None


def adapter(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(PROVIDERS[name].module)
