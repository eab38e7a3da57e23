"""Radius of SQL that runs later: a migration's `DROP TABLE bookings` measured on the database
the migration will be applied to, where a connection is configured.

A migration names no server; the application's connection string does. Blastwall connects only
as for any SQL (`radius/postgres.py`): `[inventory.providers.postgres]` with `probe = true`, and
the variable its `dsn_env` names (`DATABASE_URL`), or the action's own `context.database`. The
statement is measured exactly as if it were run now: the count is of the rows there are today.
"""

from __future__ import annotations

from blastwall.model import Action, Finding, Surface
from blastwall.radius.base import MeasureContext, Radius, measurer

PREFIX = "later."


@measurer("later.sql.postgres:delete-*", "later.sql.postgres:update-*", "later.sql.postgres:drop-table",
          "later.sql.postgres:truncate")
def measure_later_sql(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    from blastwall.radius import postgres

    locator = _locator(action, ctx)
    if locator is None:
        return None
    inner = finding._replace(rule_id=finding.rule_id[len(PREFIX):])
    now = Action(Surface.SQL, finding.source, action.context._replace(database=locator))
    return postgres.measure(now, inner, ctx)


def _locator(action: Action, ctx: MeasureContext) -> str | None:
    """The connection the migration will use: the action's own, else `$<dsn_env>`."""
    from blastwall.preflight.providers.postgres import _is_connection
    from blastwall.radius.postgres import _provider_config

    own = (action.context.database or "").strip()
    if own and _is_connection(own):
        return own
    cfg = _provider_config(ctx.policy)
    if cfg is None or not cfg.probe or not cfg.dsn_env:
        return None
    return "$" + cfg.dsn_env

