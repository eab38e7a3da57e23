"""HTTP clients on the command line (`curl`, `wget`, `httpie`/`xh`, `gh api`, `glab api`, `az rest`): rebuild each
request (method, URL, headers, body) and hand it to the HTTP analyzer.

Bodies are read from where the client takes them (files, stdin, command substitutions, config
files: `curlcli.py`, `webcli.py`, `httpbody.py`). A body or config file blastwall cannot read is
asked about when the request could destroy something: a method that changes state sent to a
provider API with destructive operations (`analyze/http/unread.py`).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.httpbody import Request, from_file
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding


@functools.cache
def _clis() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("api_clis")["cli"])


def _api_call(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> Request | None:
    """`gh api`, `glab api`, `az rest`: the request the client sends (rules/api_clis.toml)."""
    spec = _clis()[name]
    args = [w.text for w in argv]
    words = spec["subcommand"]
    if len(args) < 2 + len(words) - 1 or args[1:1 + len(words)] != words:
        return None
    req = Request(method="")
    fields: dict[str, object] = {}
    given: object = None
    i = 1 + len(words)
    while i < len(args):
        t = args[i]
        key, eq, inline = t.partition("=")
        value = inline if eq and key.startswith("--") else args[i + 1] if i + 1 < len(args) else ""
        step = 1 if eq and key.startswith("--") else 2
        if not key.startswith("--"):
            key = t
        if key in spec.get("method", ()):
            req.method = value.upper()
        elif key in spec.get("url", ()):
            req.url = value
        elif key in spec.get("fields", ()):
            k, _, v = value.partition("=")
            fields[k] = v
            if key in spec.get("typed_fields", ()) and v.startswith("@"):  # a typed field's value read from a file
                got = from_file(v[1:], cmd, scope)
                fields[k] = got.text
                if got.text is None:
                    req.unread.append(got.why)
        elif key in spec.get("input", ()):
            got = from_file(value, cmd, scope)
            given = got.text
            if got.text is None:
                req.unread.append(got.why)
        elif key in spec.get("body", ()):
            if value.startswith("@"):
                got = from_file(value[1:], cmd, scope)
                given = got.text
                if got.text is None:
                    req.unread.append(got.why)
            else:
                given = value
        elif key in spec.get("headers", ()):
            k, _, v = value.partition(":")
            req.headers[k.strip()] = v.strip()
        elif key in spec.get("skip", ()):
            pass
        else:
            if not t.startswith("-") and not req.url:
                req.url = t
            i += 1
            continue
        i += step
    body = _decoded(given) if isinstance(given, str) else fields or None
    graphql = spec.get("graphql")
    if graphql and req.url == graphql[0]:
        req.url = graphql[1]
        req.body = body if body is not None else fields
        req.method = req.method or "POST"
    else:
        if "://" not in req.url:
            req.url = spec["base"] + req.url.lstrip("/")
        req.body = body
        req.method = req.method or ("POST" if body is not None or req.unread else "GET")
    return req


def _decoded(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def handle_http_client(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if name == "gh" and any(w.text == "workflow" for w in argv):
        from blastwall.analyze.shell.workflow_dispatch import dispatch_findings

        dispatched = dispatch_findings(argv, cmd, scope)
        if dispatched:
            return dispatched
    found = _request_findings(name, argv, cmd, scope)
    if found is None:
        return None
    from blastwall.analyze.shell.fsops import analyze_fs

    return found + analyze_fs(name, argv, scope, cmd.source)  # files it writes (-o, --output-document)


def _request_findings(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    from blastwall.analyze.shell.curlcli import Unread

    unread: list[Unread] = []
    if name in _clis():
        req = _api_call(name, argv, cmd, scope)
        if req is None:
            return None
        reqs = [req]
    elif name in ("curl", "curlie"):
        from blastwall.analyze.shell.curlcli import curl_requests

        reqs, unread = curl_requests(argv, cmd, scope)
    elif name == "wget":
        from blastwall.analyze.shell.webcli import wget_requests

        reqs, unread = wget_requests(argv, cmd, scope)
    else:
        from blastwall.analyze.shell.webcli import httpie_request

        one = httpie_request(argv, cmd, scope)
        reqs = [one] if one is not None else []
    reqs = [r for r in reqs if r.url]
    if not reqs and not unread:
        return []
    try:
        from blastwall.analyze.http import analyze_request
        from blastwall.analyze.http.unread import unread_body, unread_options
    except ImportError:
        return [unknown("shell.http:no-analyzer", "blastwall cannot analyze HTTP requests here", cmd.source)] \
            if any(r.method not in ("GET", "HEAD", "OPTIONS") for r in reqs) or unread else []
    out: list[Finding] = _server_commands(name, reqs, cmd, scope)
    for req in reqs[:20]:
        encoding = next((v for k, v in req.headers.items() if k.strip().lower() == "content-encoding"), "")
        if req.body is not None and encoding.strip().lower() not in ("", "identity"):
            req.body = None  # the server decodes what blastwall sees as bytes
            req.unread.append(f"it is sent {encoding.strip()}-encoded")
        out.extend(analyze_request(req.method, req.url, req.headers or None, req.body, scope.deeper(f"{name} request")))
        if req.unread:
            out.extend(unread_body(req.method, req.url, req.headers or None, client=name, why="; ".join(req.unread),
                                   source=cmd.source))
        files = [(u.where, u.why) for u in unread[:3]] + [("a header file", w) for w in req.unread_options[:3]]
        for where, why in files:
            out.extend(unread_options(client=name, where=where, why=why, source=cmd.source, url=req.url))
    if unread and not reqs:
        u = unread[0]
        out.extend(unread_options(client=name, where=u.where, why=u.why, source=cmd.source))
    return out


def _server_commands(name: str, reqs: list[Request], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """FTP/SFTP commands curl sends the server (`-Q 'DELE f'`, `-Q '-rm f'`): read as the command
    scripts of file-transfer clients are (rules/transfer_scripts.toml); one blastwall cannot read asks."""
    texts = [t for r in reqs for t in r.commands]
    if not texts:
        return []
    from blastwall.analyze.shell.carriers import effect_findings
    from blastwall.analyze.shell.transfer_scripts import transfer

    out: list[Finding] = []
    for text in texts[:20]:
        if text.text is None:
            out.append(unknown("shell.http:ftp-command", f"{name} sends the server an FTP/SFTP command blastwall "
                               f"cannot read ({text.why}); a human must read it", cmd.source))
        else:
            out.extend(effect_findings(name, transfer(text.text), cmd.source, scope))
    return out


register(["curl", "curlie", "wget", "http", "https", "xh", "xhs", "gh", "glab", "az"], handle_http_client)
