"""`blastwall serve`: the local approval web page (and its Slack button endpoint).

    from blastwall.approvals.web import create_app, run

- app.py: the Starlette app (routes, the server-held key, security headers);
- auth.py: users and login tokens, signed session cookies, CSRF and same-origin checks;
- pages.py: the server-rendered HTML;
- slack.py: Slack's signed interactivity calls;
- serve.py: `run()` with uvicorn; cli.py: the `serve` command.
"""

from __future__ import annotations

from blastwall.approvals.web.app import WebError, create_app
from blastwall.approvals.web.auth import add_user, ensure_first_user
from blastwall.approvals.web.serve import run

__all__ = ["WebError", "add_user", "create_app", "ensure_first_user", "run"]
