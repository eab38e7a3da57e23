"""Provider adapters, imported only when a finding names one of their resources.

`PROVIDERS` says which findings belong to which adapter (by rule id prefix, or by an MCP
target naming the server); `adapter(name)` imports that one module. Adding a provider is one
row here, one module beside `railway.py`, and one entry in `inventory.PROVIDER_DEFAULTS`.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from blastwall.model import Finding

if TYPE_CHECKING:
    from blastwall.preflight.inventory import Inventory


class ProviderEntry:
    """Which findings an adapter owns. (A plain class: this module sits on the hook's hot path.)"""

    __slots__ = ("configured_only", "module", "rule_prefixes", "target_prefixes")

    def __init__(self, module: str, rule_prefixes: tuple[str, ...], target_prefixes: tuple[str, ...] = (),
                 configured_only: bool = False) -> None:
        self.module = module
        self.rule_prefixes = rule_prefixes
        self.target_prefixes = target_prefixes
        # The findings are the adapter's only when the inventory configures it (a DROP TABLE is
        # not a provider resource by itself: without `[inventory.providers.postgres]` nothing changes).
        self.configured_only = configured_only


PROVIDERS: dict[str, ProviderEntry] = {
    "railway": ProviderEntry(
        module="blastwall.preflight.providers.railway",
        rule_prefixes=("http.railway:", "shell.railway:", "mcp.railway:"),
        target_prefixes=("railway/",),
    ),
    "postgres": ProviderEntry(
        module="blastwall.preflight.providers.postgres",
        rule_prefixes=("sql.postgres:",),
        configured_only=True,
    ),
}


def provider_of(f: Finding, inventory: Inventory | None = None) -> str | None:
    """The provider whose resource `f` acts on, if blastwall has an adapter for it (and, for a
    configured-only adapter, `inventory` configures it with probes on)."""
    for name, entry in PROVIDERS.items():
        if f.rule_id.startswith(entry.rule_prefixes) or (entry.target_prefixes and f.target.startswith(entry.target_prefixes)):
            if entry.configured_only:
                cfg = inventory.provider(name) if inventory is not None else None
                if cfg is None or not cfg.probe:
                    continue
            return name
    return None


def adapter(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(PROVIDERS[name].module)
