"""HTTP clients on the command line (`curl`, `wget`, `httpie`/`xh`, `gh api`): rebuild the
request (method, URL, headers, body) and hand it to the HTTP analyzer."""

from __future__ import annotations

import json

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.stdin import read_file
from blastwall.model import Finding

_CURL_VALUE = {"-X", "--request", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-ascii",
               "--data-urlencode", "--json", "-F", "--form", "-u", "--user", "-o", "--output", "-A", "--user-agent",
               "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-m", "--max-time", "--connect-timeout",
               "-w", "--write-out", "-x", "--proxy", "--url", "-T", "--upload-file", "-K", "--config", "--cacert",
               "--cert", "--key", "-E", "--retry", "--resolve", "--unix-socket", "-r", "--range", "-C",
               "--continue-at", "--limit-rate", "-Y", "-y", "--oauth2-bearer", "--aws-sigv4"}
_CURL_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode", "--json", "-F", "--form"}
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


class Request:
    """An HTTP request rebuilt from a command line."""

    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str = "") -> None:
        self.method = method
        self.url = ""
        self.headers: dict[str, str] = {}
        self.body: object = None


def _body_value(value: str, scope: Scope) -> object:
    if value.startswith("@"):
        text = read_file(value[1:], scope) if value[1:] not in ("-", "") else None
        value = text if text is not None else value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _curl(argv: list[Word], scope: Scope) -> Request:
    req = Request()
    bodies: list[str] = []
    i = 0
    args = argv[1:]
    while i < len(args):
        t = args[i].text
        value = args[i + 1].text if i + 1 < len(args) else ""
        if t in ("-X", "--request"):
            req.method = value.upper()
        elif t.startswith("-X") and len(t) > 2:
            req.method = t[2:].upper()
        elif t in ("-H", "--header"):
            k, _, v = value.partition(":")
            req.headers[k.strip()] = v.strip()
        elif t in _CURL_DATA:
            bodies.append(value)
        elif t.startswith("--data") and "=" in t:
            bodies.append(t.split("=", 1)[1])
        elif t in ("-I", "--head"):
            req.method = req.method or "HEAD"
        elif t in ("-G", "--get"):
            req.method = "GET"
        elif t == "--url":
            req.url = value
        elif t in ("-T", "--upload-file"):
            req.method = req.method or "PUT"
        elif not t.startswith("-") and not req.url:
            req.url = t
            i += 1
            continue
        i += 2 if t in _CURL_VALUE else 1
    if bodies:
        req.body = _body_value(bodies[0], scope) if len(bodies) == 1 else "&".join(bodies)
        req.method = req.method or "POST"
    req.method = req.method or "GET"
    return req


def _wget(argv: list[Word], scope: Scope) -> Request:
    req = Request(method="GET")
    for w in argv[1:]:
        t = w.text
        if t.startswith("--method="):
            req.method = t.split("=", 1)[1].upper()
        elif t.startswith("--header="):
            k, _, v = t.split("=", 1)[1].partition(":")
            req.headers[k.strip()] = v.strip()
        elif t.startswith(("--post-data=", "--body-data=")):
            req.body = _body_value(t.split("=", 1)[1], scope)
            if req.method == "GET":
                req.method = "POST"
        elif not t.startswith("-") and not req.url:
            req.url = t
    return req


def _httpie(argv: list[Word], scope: Scope) -> Request:
    req = Request()
    pos = [w.text for w in argv[1:] if not w.text.startswith("-")]
    if pos and pos[0].upper() in _METHODS:
        req.method = pos.pop(0).upper()
    if pos:
        req.url = pos.pop(0)
    data: dict[str, object] = {}
    for item in pos:
        m = rx.match(r"^([^:=@]+)(:=|==|=|:|@)(.*)$", item, rx.S)
        if not m:
            continue
        key, op, value = m.groups()
        if op == ":":
            req.headers[key] = value
        elif op == "=":
            data[key] = value
        elif op == ":=":
            try:
                data[key] = json.loads(value)
            except ValueError:
                data[key] = value
    if data:
        req.body = data
    req.method = req.method or ("POST" if data else "GET")
    if req.url and not rx.match(r"^https?://", req.url):
        req.url = ("http://localhost" + req.url) if req.url.startswith(":") else "https://" + req.url
    return req


def _gh_api(argv: list[Word], scope: Scope) -> Request | None:
    args = [w.text for w in argv]
    if len(args) < 3 or args[1] != "api":
        return None
    req = Request(method="")
    fields: dict[str, object] = {}
    i = 2
    while i < len(args):
        t = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if t in ("-X", "--method"):
            req.method = value.upper()
            i += 2
            continue
        if t.startswith("--method="):
            req.method = t.split("=", 1)[1].upper()
        elif t in ("-f", "-F", "--field", "--raw-field"):
            k, _, v = value.partition("=")
            fields[k] = v
            i += 2
            continue
        elif t in ("-H", "--header"):
            k, _, v = value.partition(":")
            req.headers[k.strip()] = v.strip()
            i += 2
            continue
        elif t in ("--input", "-q", "--jq", "-t", "--template", "--hostname", "--cache", "-p", "--preview"):
            i += 2
            continue
        elif not t.startswith("-") and not req.url:
            req.url = t
        i += 1
    if req.url == "graphql":
        req.url = "https://api.github.com/graphql"
        req.body = fields
        req.method = req.method or "POST"
    else:
        req.url = "https://api.github.com/" + req.url.lstrip("/")
        req.body = fields or None
        req.method = req.method or ("POST" if fields else "GET")
    return req


def handle_http_client(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    found = _request_findings(name, argv, cmd, scope)
    if found is None:
        return None
    from blastwall.analyze.shell.fsops import analyze_fs

    return found + analyze_fs(name, argv, scope, cmd.source)  # files it writes (-o, --output-document)


def _request_findings(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if name == "gh":
        req = _gh_api(argv, scope)
        if req is None:
            return None
    elif name in ("curl", "curlie"):
        req = _curl(argv, scope)
    elif name == "wget":
        req = _wget(argv, scope)
    else:
        req = _httpie(argv, scope)
    if not req.url:
        return []
    try:
        from blastwall.analyze.http import analyze_request
    except ImportError:
        return [unknown("shell.http:no-analyzer", "blastwall cannot analyze HTTP requests here", cmd.source)] \
            if req.method not in ("GET", "HEAD", "OPTIONS") else []
    return analyze_request(req.method, req.url, req.headers or None, req.body, scope.deeper(f"{name} request"))


register(["curl", "curlie", "wget", "http", "https", "xh", "xhs", "gh"], handle_http_client)
