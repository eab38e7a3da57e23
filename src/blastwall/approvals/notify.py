"""Tell a human that an approval is waiting: generic JSON webhooks, Slack-compatible incoming
webhooks and a desktop notification.

```toml
[approvals]
notify = { webhook = "https://ops.example/hooks/blastwall", slack_env = "SLACK_WEBHOOK_URL",
           desktop = true, url = "http://127.0.0.1:8765" }
```

`webhook` and `slack` take a URL or a list of URLs; `webhook_env` and `slack_env` name
environment variables that hold them (or a list of names), so secrets stay out of the policy
file. `webhook_headers` (and `webhook_headers_env`, header name to variable name) add headers to
generic webhook posts. `url` (or `url_env`) is the base URL of `blastwall serve`, used for links.
docs/approvals-notify.md shows the payloads.

This runs inside an agent's hook, so it is bounded: every target is tried at once, each try has
`POST_TIMEOUT_S`, and the call returns after at most `TOTAL_S` whatever the receivers do. It never
raises: each target gives one JSON-able result `{"target", "ok", "detail"}` for the audit log, and
a detail names a receiver by host only (webhook paths are often secrets). Every string sent is
redacted first (messages.py builds what is sent).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from blastwall import __version__
from blastwall.approvals import messages
from blastwall.approvals.messages import clean_text, cut
from blastwall.redact import redact
from blastwall.store.base import Request

__all__ = ["NO_DESKTOP", "POST_TIMEOUT_S", "TOTAL_S", "base_url", "notify_decision", "notify_request"]

POST_TIMEOUT_S = 2.0  # one HTTP post or one desktop notifier run
TOTAL_S = 3.0  # all targets of one call together
MAX_URLS = 5  # per target kind
NO_DESKTOP = "no desktop notifier here"
DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")

Result = dict[str, Any]


class _Failed(Exception):
    """A target was tried and did not take the notification; the message is the detail."""


class _Job(NamedTuple):
    target: str  # webhook | slack | desktop
    where: str  # what a detail may name: host[:port] or the notifier program
    run: Callable[[float], str]  # tries within the seconds given; the detail, or raises _Failed


def _result(target: str, ok: bool, detail: str) -> Result:
    return {"target": target, "ok": ok, "detail": cut(redact(clean_text(detail)), 300)}


# --- where it goes -----------------------------------------------------------------------------

def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class _Bad(NamedTuple):
    """A configured value that cannot be used, and why."""

    detail: str


def _values(config: Mapping[str, Any], key: str) -> list[str | _Bad]:
    """The values of `key` and of the environment variables `<key>_env` names."""
    out: list[str | _Bad] = []
    for value in _listed(config.get(key)):
        ok = isinstance(value, str) and value.strip()
        out.append(value.strip() if ok else _Bad(f"{key} must be a URL or a list of URLs"))
    for name in _listed(config.get(f"{key}_env")):
        if not isinstance(name, str) or not name.strip():
            out.append(_Bad(f"{key}_env must name an environment variable"))
            continue
        value = os.environ.get(name.strip(), "").strip()
        out.append(value or _Bad(f"${name.strip()} is not set"))
    return out


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _webhook_headers(config: Mapping[str, Any]) -> dict[str, str] | str:
    """The extra headers for generic webhooks, or why they cannot be used."""
    out: dict[str, str] = {}
    for key, from_env in (("webhook_headers", False), ("webhook_headers_env", True)):
        table = config.get(key) or {}
        if not isinstance(table, Mapping):
            return f"{key} must be a table of header names to {'variable names' if from_env else 'values'}"
        for name, value in table.items():
            if not isinstance(name, str) or not _TOKEN.match(name) or not isinstance(value, str):
                return f"{key} must be a table of header names to {'variable names' if from_env else 'values'}"
            if from_env:
                if value not in os.environ:
                    return f"${value} (for the {name} header) is not set"
                value = os.environ[value]
            if re.search(r"[\r\n\x00]", value):
                return f"the {name} header's value has a line break in it"
            out[name] = value
    return out


def _http_url(value: str) -> str | None:
    """Why `value` cannot be posted to, or None when it is an http(s) URL."""
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        named = f" (scheme {scheme!r})" if scheme in ("file", "ftp", "data", "javascript", "ws", "wss", "mailto") else ""
        return f"not an http(s) URL{named}"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "not an http(s) URL (bad port)"
    if not parts.hostname or re.search(r"[\s\x00-\x1f\x7f]", value):
        return "not an http(s) URL (no host, or spaces in it)"
    return None


def base_url(config: Mapping[str, Any]) -> str | None:
    """The configured `blastwall serve` address for links, when it is an http(s) URL."""
    values = _values(config, "url")
    first = values[0] if values else None
    if not isinstance(first, str) or _http_url(first):
        return None
    return first.rstrip("/")


def _where(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parts.port}" if parts.port else host


@functools.cache
def _opener() -> Any:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a webhook that moved is an error to see, not a POST to repeat elsewhere

    return urllib.request.build_opener(NoRedirect)


def _reason(why: Any, timeout: float) -> str:
    if isinstance(why, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(why, ConnectionRefusedError):
        return "connection refused"
    if type(why).__name__ == "gaierror":
        return "host not found"
    if isinstance(why, OSError) and why.strerror:
        return str(why.strerror)
    return str(why).splitlines()[0] if str(why) else type(why).__name__


def _hide(text: str, parts: Any) -> str:
    """`text` without the URL's path, query or credentials (an error message may quote them)."""
    for secret in (parts.geturl(), parts.path, parts.query, parts.password, parts.username):
        if secret and len(secret) > 1:
            text = text.replace(secret, "…")
    return text


def _poster(url: str, body: bytes, headers: Mapping[str, str]) -> Callable[[float], str]:
    parts = urlsplit(url)
    sent = dict(headers)
    if parts.username is not None:  # credentials in the URL become a Basic header, never a host name
        pair = f"{parts.username}:{parts.password or ''}".encode()
        sent["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        netloc = parts.netloc.rsplit("@", 1)[1]
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    sent.update({"Content-Type": "application/json", "User-Agent": f"blastwall/{__version__}"})

    def post(timeout: float) -> str:
        import http.client
        import urllib.error
        import urllib.request

        req = urllib.request.Request(url, data=body, headers=sent, method="POST")
        try:
            with _opener().open(req, timeout=timeout) as resp:
                status = int(resp.status)
                resp.read(512)
        except urllib.error.HTTPError as exc:
            moved = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
            raise _Failed(f"HTTP {exc.code}{moved}") from None
        except urllib.error.URLError as exc:
            raise _Failed(_hide(_reason(exc.reason, timeout), parts)) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _Failed(_hide(_reason(exc, timeout), parts)) from None
        if not 200 <= status < 300:
            raise _Failed(f"HTTP {status}")
        return f"HTTP {status}"

    return post


def _http_jobs(config: Mapping[str, Any], target: str, payload: Callable[[], dict[str, Any]],
               headers: dict[str, str] | str) -> list[_Job | Result]:
    values = _values(config, target)
    if not values:
        return []
    body = json.dumps(payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out: list[_Job | Result] = []
    for i, value in enumerate(values):
        if isinstance(value, _Bad):
            out.append(_result(target, False, value.detail))
        elif i >= MAX_URLS:
            out.append(_result(target, False, f"only the first {MAX_URLS} {target} URLs are used"))
            break
        elif (why := _http_url(value)) is not None:
            out.append(_result(target, False, why))
        elif isinstance(headers, str):
            out.append(_result(target, False, headers))
        else:
            out.append(_Job(target, _where(value), _poster(value, body, headers)))
    return out


def _desktop_job(config: Mapping[str, Any], request: Request) -> list[_Job | Result]:
    wanted = config.get("desktop", False)
    if wanted is False or wanted is None:
        return []
    if wanted is not True:
        return [_result("desktop", False, "desktop must be true or false")]
    title, body = messages.TITLE, messages.desktop_text(request)
    argv: list[str] | None = None
    if sys.platform == "darwin":
        exe = shutil.which("osascript")
        if exe:  # the text travels as arguments, never inside the script
            argv = [exe, "-e", "on run argv", "-e", "display notification (item 2 of argv) with title (item 1 of argv)",
                    "-e", "end run", title, body]
    else:
        exe = shutil.which("notify-send")
        if exe and any(os.environ.get(k) for k in DISPLAY_VARS):
            argv = [exe, "--app-name=blastwall", "--", title, html.escape(body, quote=False)]
    if argv is None:
        return [_result("desktop", False, NO_DESKTOP)]
    name = os.path.basename(argv[0])

    def show(timeout: float) -> str:
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise _Failed(f"no answer within {timeout:g} s") from None
        except OSError as exc:
            raise _Failed(exc.strerror or type(exc).__name__) from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise _Failed(f"exited with {done.returncode}" + (f": {said[0][:160]}" if said else ""))
        return "shown"

    return [_Job("desktop", name, show)]


# --- running them ------------------------------------------------------------------------------

def _attempt(job: _Job, timeout: float) -> Result:
    try:
        return _result(job.target, True, f"{job.where}: {job.run(timeout)}")
    except _Failed as exc:
        return _result(job.target, False, f"{job.where}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a notification never breaks the hook
        return _result(job.target, False, f"{job.where}: failed ({type(exc).__name__})")


def _run(plans: list[_Job | Result], budget_s: float) -> list[Result]:
    """Every job at once, each in a daemon thread; whatever has not finished by the budget's end
    is reported as such (its thread may finish later, unobserved, within its own timeout)."""
    results: list[Result | None] = [p if isinstance(p, dict) else None for p in plans]
    timeout = max(0.05, min(POST_TIMEOUT_S, budget_s))

    def work(i: int, job: _Job) -> None:
        results[i] = _attempt(job, timeout)

    deadline = time.monotonic() + budget_s
    threads = [threading.Thread(target=work, args=(i, p), daemon=True, name=f"blastwall-notify-{p.target}")
               for i, p in enumerate(plans) if isinstance(p, _Job)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    out = []
    for plan, result in zip(plans, list(results), strict=True):
        if result is None and isinstance(plan, _Job):
            result = _result(plan.target, False, f"{plan.where}: no answer within {budget_s:g} s")
        if result is not None:
            out.append(result)
    return out


def notify_request(request: Request, config: Mapping[str, Any], *, budget_s: float = TOTAL_S) -> list[Result]:
    """Send a new request to every configured target; one result per target, never raises."""
    try:
        link_base = base_url(config)
        plans = _http_jobs(config, "webhook", lambda: messages.webhook_payload(request, link_base),
                           _webhook_headers(config))
        plans += _http_jobs(config, "slack", lambda: messages.slack_payload(request, link_base), {})
        plans += _desktop_job(config, request)
        return _run(plans, budget_s)
    except Exception as exc:  # noqa: BLE001 - a notification never breaks the hook
        return [_result("notify", False, f"notifications failed ({type(exc).__name__})")]


def notify_decision(request: Request, decision: str, by: str | None, config: Mapping[str, Any], *,
                    budget_s: float = TOTAL_S) -> list[Result]:
    """Tell the generic webhooks that a human decided (`approved` or `denied`); never raises."""
    try:
        payload = lambda: messages.decision_payload(request, decision, by)
        return _run(_http_jobs(config, "webhook", payload, _webhook_headers(config)), budget_s)
    except Exception as exc:  # noqa: BLE001 - a notification never breaks the caller
        return [_result("notify", False, f"notifications failed ({type(exc).__name__})")]
