"""The `[inventory]` of blastwall.toml, validated and compiled into immutable records.

    [inventory]
    shared = ["vol_7f3c*", "acme-backups"]        # resources more than one environment uses

    [inventory.environments.production]
    databases = ["postgres://*@prod-db.internal*/app", "app_production"]
    hosts = ["prod-*"]
    ...

    [inventory.providers.railway]
    token_env = "RAILWAY_API_TOKEN"

Every list holds shell-style globs. Errors raise `PolicyError` naming the table and key, so
`[inventory.environments.prod] 'hosts'` tells the user exactly what to fix. The format is
documented in docs/preflight.md; this module is its single source of truth (the key tables
below), so the docs and the validator cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.policy.engine import PolicyError

# Resource kinds an environment can list, and what each matches (docs/preflight.md).
KINDS: dict[str, str] = {
    "databases": "connection strings, database hosts and database names",
    "hosts": "host names (ssh, URLs, database hosts)",
    "volumes": "volume ids or names (Railway, Fly, Docker)",
    "services": "service ids or names (Railway services, Heroku and Fly apps)",
    "clusters": "Kubernetes contexts, cluster names and ARNs",
    "namespaces": "Kubernetes namespaces",
    "buckets": "object-storage buckets (s3://name, gs://name or the bare name)",
    "branches": "git branches",
    "projects": "provider projects, written provider:id (railway:prj_123)",
}
ENVIRONMENT_KEYS = frozenset(KINDS) | {"aliases", "production"}
TOP_KEYS = frozenset({"environments", "shared", "providers", "probe_budget_s"})
PRODUCTION_NAMES = frozenset({"production", "prod", "prd", "live"})
CASE_INSENSITIVE = frozenset({"hosts", "databases"})

DEFAULT_BUDGET_S = 4.0
DEFAULT_TIMEOUT_S = 2.0
MAX_SECONDS = 30.0


class Environment(NamedTuple):
    """One named environment and the resources that belong to it."""

    name: str
    production: bool
    aliases: tuple[str, ...]  # other names for it (lower case): Railway environment names, context hints
    patterns: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, globs)

    def globs(self, kind: str) -> tuple[str, ...]:
        return dict(self.patterns).get(kind, ())

    def names(self) -> tuple[str, ...]:
        return (self.name.lower(), *self.aliases)


class ProviderConfig(NamedTuple):
    """How to reach one provider for read-only probes. The token itself is never stored here."""

    name: str
    endpoint: str
    token_env: str
    timeout_s: float
    projects: tuple[str, ...]
    auth: str  # "bearer" (Authorization: Bearer) or "project" (Project-Access-Token)
    probe: bool = True  # databases: connect to the database an action names (false: the inventory alone)
    dsn_env: str = ""  # databases: the variable holding the connection string `$NAME` in a command means


class Inventory(NamedTuple):
    environments: tuple[Environment, ...]
    shared: tuple[str, ...]
    providers: tuple[tuple[str, ProviderConfig], ...]
    budget_s: float

    def provider(self, name: str) -> ProviderConfig | None:
        return dict(self.providers).get(name)

    def environment_named(self, name: str) -> Environment | None:
        """The environment whose name or alias is `name` (case-insensitive)."""
        key = name.strip().lower()
        for env in self.environments:
            if key in env.names():
                return env
        return None

    def matching(self, kind: str, value: str) -> list[tuple[Environment, str]]:
        """Environments listing `value` under `kind`, with the glob that matched."""
        if kind in CASE_INSENSITIVE:
            value = value.lower()
        out = []
        for env in self.environments:
            for pattern in env.globs(kind):
                if globs.match(value, pattern):
                    out.append((env, pattern))
                    break
        return out

    def is_shared(self, value: str) -> str | None:
        """The `shared` glob `value` matches, if any."""
        return next((p for p in self.shared if globs.match(value, p)), None)


# Provider adapters blastwall ships, with their defaults. Endpoints are restricted (see
# providers/base.py): a project file must not be able to send a token somewhere else.
PROVIDER_DEFAULTS: dict[str, dict[str, Any]] = {
    "railway": {"endpoint": "https://backboard.railway.com/graphql/v2", "token_env": "RAILWAY_API_TOKEN"},
    "postgres": {"endpoint": "", "token_env": ""},  # connects where the action does (providers/postgres.py)
}
PROVIDER_KEYS = frozenset({"endpoint", "token_env", "timeout_s", "projects", "auth"})
# Database providers reach the server an action names, with its own credentials: no endpoint, no token.
DATABASE_PROVIDER_KEYS: dict[str, frozenset[str]] = {"postgres": frozenset({"probe", "timeout_s", "dsn_env"})}
AUTH_KINDS = ("bearer", "project")


def _where(*parts: str) -> str:
    return "[" + ".".join(("inventory", *parts)) + "]"


def _string_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyError(where, f"{key!r} must be a list of non-empty strings (globs), e.g. {key} = [\"prod-*\"]")
    return tuple(v.strip() for v in value)


def _seconds(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SECONDS:
        raise PolicyError(where, f"{key!r} must be a number of seconds between 0 and {MAX_SECONDS:g}, not {value!r}")
    return float(value)


def _unknown(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(where, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")


def _environment(name: str, table: Any) -> Environment:
    where = _where("environments", name)
    if not isinstance(table, dict):
        raise PolicyError(where, "each environment must be a table, e.g. [inventory.environments.production]")
    if not name.strip():
        raise PolicyError(where, "an environment needs a name")
    _unknown(table, ENVIRONMENT_KEYS, where)
    aliases = tuple(a.lower() for a in _string_list(table.get("aliases", []), where, "aliases"))
    # Named production/prod/live (or aliased so) means production unless it says otherwise.
    production = table.get("production", bool(PRODUCTION_NAMES & {name.lower(), *aliases}))
    if not isinstance(production, bool):
        raise PolicyError(where, f"'production' must be true or false, not {production!r}")
    patterns = []
    for kind in KINDS:
        if kind in table:
            values = _string_list(table[kind], where, kind)
            patterns.append((kind, tuple(v.lower() for v in values) if kind in CASE_INSENSITIVE else values))
    return Environment(name=name, production=production, aliases=aliases, patterns=tuple(patterns))


def _provider(name: str, table: Any) -> ProviderConfig:
    where = _where("providers", name)
    if name not in PROVIDER_DEFAULTS:
        raise PolicyError(where, f"unknown provider {name!r}; known: {', '.join(sorted(PROVIDER_DEFAULTS))}")
    if not isinstance(table, dict):
        raise PolicyError(where, "a provider must be a table")
    if name in DATABASE_PROVIDER_KEYS:
        return _database_provider(name, table, where)
    _unknown(table, PROVIDER_KEYS, where)
    defaults = PROVIDER_DEFAULTS[name]
    endpoint = table.get("endpoint", defaults["endpoint"])
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise PolicyError(where, f"'endpoint' must be an http(s) URL, not {endpoint!r}")
    token_env = table.get("token_env", defaults["token_env"])
    if not isinstance(token_env, str) or not token_env.replace("_", "").isalnum():
        raise PolicyError(where, f"'token_env' must name an environment variable (letters, digits, _), not {token_env!r}")
    auth = table.get("auth", "bearer")
    if auth not in AUTH_KINDS:
        raise PolicyError(where, f"'auth' must be one of {', '.join(AUTH_KINDS)}, not {auth!r}")
    return ProviderConfig(
        name=name,
        endpoint=endpoint,
        token_env=token_env,
        timeout_s=_seconds(table.get("timeout_s", DEFAULT_TIMEOUT_S), where, "timeout_s"),
        projects=_string_list(table.get("projects", []), where, "projects"),
        auth=auth,
    )


def _database_provider(name: str, table: dict[str, Any], where: str) -> ProviderConfig:
    _unknown(table, DATABASE_PROVIDER_KEYS[name], where)
    probe = table.get("probe", True)
    if not isinstance(probe, bool):
        raise PolicyError(where, f"'probe' must be true or false, not {probe!r}")
    dsn_env = table.get("dsn_env", "")
    if not isinstance(dsn_env, str) or dsn_env and not dsn_env.replace("_", "").isalnum():
        raise PolicyError(where, f"'dsn_env' must name an environment variable (letters, digits, _), not {dsn_env!r}")
    return ProviderConfig(name=name, endpoint="", token_env="", auth="", projects=(), probe=probe, dsn_env=dsn_env,
                          timeout_s=_seconds(table.get("timeout_s", DEFAULT_TIMEOUT_S), where, "timeout_s"))


def parse_inventory(section: Any) -> Inventory:
    """Validate and compile the merged `[inventory]` table. Raises `PolicyError`."""
    where = _where()
    if not isinstance(section, dict):
        raise PolicyError(where, "[inventory] must be a table")
    _unknown(section, TOP_KEYS, where)
    envs = section.get("environments", {})
    if not isinstance(envs, dict):
        raise PolicyError(_where("environments"), "must be a table of environments, e.g. [inventory.environments.production]")
    providers = section.get("providers", {})
    if not isinstance(providers, dict):
        raise PolicyError(_where("providers"), "must be a table of providers, e.g. [inventory.providers.railway]")
    return Inventory(
        environments=tuple(_environment(str(n), t) for n, t in envs.items()),
        shared=_string_list(section.get("shared", []), where, "shared"),
        providers=tuple((str(n), _provider(str(n), t)) for n, t in providers.items()),
        budget_s=_seconds(section.get("probe_budget_s", DEFAULT_BUDGET_S), where, "probe_budget_s"),
    )


_CACHE: list[tuple[Any, Inventory]] = []


def compiled(section: Any) -> Inventory:
    """`parse_inventory`, remembered for the same section object (a policy is compiled once)."""
    for seen, inv in _CACHE:
        if seen is section:
            return inv
    inv = parse_inventory(section)
    _CACHE[:] = [*_CACHE[-3:], (section, inv)]
    return inv
