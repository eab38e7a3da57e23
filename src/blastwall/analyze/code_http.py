"""HTTP requests in Python code: `requests`, `httpx`, `aiohttp` (module calls, sessions and
clients, with `base_url`), `urllib3` pool managers, `urllib.request` (`urlopen`, `Request`) and
`http.client` connections. Each request
whose URL can be read is judged by the HTTP analyzer, like the same request sent by curl.

Values are read from the code without running it: literals, names assigned once, `json.dumps`,
`.encode()`, f-strings and concatenations (an unknown part of a URL stays a `{placeholder}`),
and bodies read from files (`open(f).read()`, `Path(f).read_text()`, `json.load(open(f))`),
relative to the action's working directory. A body or method computed at run time is asked about
when the request goes to a provider API with destructive operations (`analyze/http/unread.py`).
"""

from __future__ import annotations

import ast
import json
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope
from blastwall.analyze.code_tree import walk
from blastwall.model import Finding

_LIBRARIES = ("requests", "httpx", "aiohttp", "urllib3")
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_CLIENTS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
                      "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager"})
_CONNECTIONS = frozenset({"http.client.HTTPSConnection", "http.client.HTTPConnection"})
_BODY_KEYWORDS = ("json", "data", "content", "body", "fields")
MAX_DEPTH = 12


class Unread(NamedTuple):
    why: str


class _Code:
    """What the module binds: names assigned once, clients and connections."""

    def __init__(self, tree: ast.AST, aliases: dict[str, str], scope: Scope) -> None:
        self.aliases = aliases
        self.scope = scope
        counts: dict[str, int] = {}
        self.names: dict[str, ast.AST] = {}
        self.clients: dict[str, ast.Call] = {}  # name -> the call that made the client or connection
        for node in walk(tree):
            pairs: list[tuple[ast.AST, ast.AST]] = []
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None]
            for target, value in pairs:
                if isinstance(target, ast.Name):
                    counts[target.id] = counts.get(target.id, 0) + 1
                    self.names[target.id] = value
                    if isinstance(value, ast.Call) and self.callee(value) in _CLIENTS | _CONNECTIONS:
                        self.clients[target.id] = value
        for name, n in counts.items():
            if n > 1:
                self.names.pop(name, None)  # reassigned: its value depends on the path taken

    def callee(self, call: ast.Call) -> str:
        from blastwall.analyze.code import _dotted

        return _dotted(call.func, self.aliases)

    # ---- values ------------------------------------------------------------------------------
    def value(self, node: ast.AST | None, depth: int = 0) -> Any:
        """The value `node` has when the code runs, or `Unread` when it cannot be known here."""
        if node is None:
            return None
        if depth > MAX_DEPTH:
            return Unread("it is nested too deeply to read")
        if isinstance(node, ast.Constant):
            return node.value.decode("utf-8", "replace") if isinstance(node.value, bytes) else node.value
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    return Unread("it unpacks a mapping built at run time")
                key, val = self.value(k, depth + 1), self.value(v, depth + 1)
                for part in (key, val):
                    if isinstance(part, Unread):
                        return part
                out[key] = val
            return out
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(e, depth + 1) for e in node.elts]
            return next((i for i in items if isinstance(i, Unread)), items)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.value(self.names[node.id], depth + 1)
            return Unread(f"{node.id} is only known when the code runs")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if isinstance(a, Unread) or isinstance(b, Unread):
                return a if isinstance(a, Unread) else b
            return a + b if isinstance(a, str) and isinstance(b, str) else Unread("it is computed at run time")
        if isinstance(node, ast.JoinedStr):
            text = self.text(node, depth)
            return Unread("it is an f-string with values only known at run time") if "{" in text else text
        if isinstance(node, ast.Call):
            return self._call_value(node, depth)
        return Unread(f"{ast.unparse(node)[:40]} is computed at run time")

    def _call_value(self, call: ast.Call, depth: int) -> Any:
        name = self.callee(call)
        first = call.args[0] if call.args else None
        last = name.rsplit(".", 1)[-1]
        if name in ("json.dumps", "str", "bytes", "dict") or last in ("encode", "decode"):
            if name == "dict" and not call.args:
                return {k.arg: self.value(k.value, depth + 1) for k in call.keywords if k.arg}
            inner = first if name in ("json.dumps", "str", "bytes", "dict") else (
                call.func.value if isinstance(call.func, ast.Attribute) else None)
            return self.value(inner, depth + 1)
        if name == "json.loads":
            text = self.value(first, depth + 1)
            return _json(text)
        if name == "json.load":
            return _json(self._file(first, depth))
        if last in ("read", "read_text", "read_bytes") and isinstance(call.func, ast.Attribute):
            return self._file(call.func.value, depth)
        if name in ("open", "io.open", "builtins.open"):
            return self._file(call, depth)
        if name == "urllib.parse.urlencode":
            return self.value(first, depth + 1)
        return Unread(f"it is the result of {name or 'a call'}(), only known when the code runs")

    def _file(self, node: ast.AST | None, depth: int) -> Any:
        """The text of the file `open(PATH)` / `Path(PATH)` names."""
        if not isinstance(node, ast.Call) or not node.args:
            return Unread("it is read from a file named at run time")
        name = self.callee(node)
        if name not in ("open", "io.open", "builtins.open", "pathlib.Path", "Path", "pathlib.PurePath"):
            return Unread(f"it is read through {name or 'a call'}(), which blastwall does not follow")
        path = self.value(node.args[0], depth + 1)
        if not isinstance(path, str):
            return Unread("it is read from a file named at run time")
        from blastwall.analyze.shell.scripts import script_text

        found = script_text(path, self.scope)
        return found.text if found.text is not None else Unread(f"{path}: {found.why}")

    def text(self, node: ast.AST | None, depth: int = 0) -> str:
        """A string with `{name}` where the code fills in a value at run time (URLs)."""
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                else:
                    got = self.value(v.value, depth + 1) if isinstance(v, ast.FormattedValue) else None
                    shown = ast.unparse(v.value)[:30] if isinstance(v, ast.FormattedValue) else "value"
                    parts.append(str(got) if isinstance(got, (str, int)) else "{" + shown + "}")
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.text(node.left, depth + 1) + self.text(node.right, depth + 1)
        if isinstance(node, ast.Name) and node.id in self.names and depth < MAX_DEPTH:
            return self.text(self.names[node.id], depth + 1)
        got = self.value(node, depth + 1)
        if isinstance(got, str):
            return got
        return "{" + (ast.unparse(node)[:30] if node is not None else "") + "}"


def _json(text: Any) -> Any:
    if isinstance(text, Unread):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _keyword(call: ast.Call, *names: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


class _Call(NamedTuple):
    method: Any  # str, or Unread
    url: str
    headers: Any
    body: Any  # None, a value, or Unread
    params: Any


def _request_of(code: _Code, call: ast.Call) -> _Call | None:
    """The request a call sends, when it is an HTTP client call whose URL names a host."""
    name = code.callee(call)
    func = call.func
    receiver = func.value if isinstance(func, ast.Attribute) else None
    verb = func.attr if isinstance(func, ast.Attribute) else ""
    base = ""
    client = None
    if isinstance(receiver, ast.Name) and receiver.id in code.clients:
        client = code.clients[receiver.id]
    elif isinstance(receiver, ast.Call) and code.callee(receiver) in _CLIENTS | _CONNECTIONS:
        client = receiver
    if client is not None and code.callee(client) in _CONNECTIONS:
        return _connection(code, client, call, verb)
    if client is not None:
        base = code.text(_keyword(client, "base_url")) if _keyword(client, "base_url") is not None else ""
    elif name.split(".", 1)[0] not in _LIBRARIES or name.count(".") != 1:
        return _urllib(code, call, name)
    else:
        verb = name.rsplit(".", 1)[-1]  # `requests.post(...)`, or `post(...)` imported from requests
    if verb == "request":
        method = code.value(call.args[0] if call.args else _keyword(call, "method"))
        url_node = call.args[1] if len(call.args) > 1 else _keyword(call, "url")
    elif verb in _VERBS:
        method = verb.upper()
        url_node = call.args[0] if call.args else _keyword(call, "url")
    else:
        return None
    url = code.text(url_node) if url_node is not None else ""
    if base and not url.startswith(("http://", "https://")):
        url = base.rstrip("/") + "/" + url.lstrip("/")
    body_node = next((_keyword(call, k) for k in _BODY_KEYWORDS if _keyword(call, k) is not None), None)
    if body_node is None and verb in ("post", "put", "patch") and len(call.args) > 1:
        body_node = call.args[1]  # requests.post(url, data)
    if not isinstance(method, (str, Unread)):
        method = Unread("its method is computed at run time")
    headers, params = code.value(_keyword(call, "headers")), code.value(_keyword(call, "params"))
    return _Call(method, url, headers, code.value(body_node), params)


def _urllib(code: _Code, call: ast.Call, name: str) -> _Call | None:
    """`urllib.request.Request(url, data, headers, method=...)` and `urlopen(url, data)`."""
    if name == "urllib.request.Request":
        url_node = call.args[0] if call.args else _keyword(call, "url")
        body = code.value(call.args[1] if len(call.args) > 1 else _keyword(call, "data"))
        method = code.value(_keyword(call, "method")) if _keyword(call, "method") is not None else (
            "POST" if body is not None else "GET")
        headers = code.value(call.args[2] if len(call.args) > 2 else _keyword(call, "headers"))
        return _Call(method, code.text(url_node), headers, body, None)
    if name == "urllib.request.urlopen" and call.args:
        first = call.args[0]
        made = code.names.get(first.id) if isinstance(first, ast.Name) else None
        if isinstance(first, ast.Call) or isinstance(made, ast.Call):
            return None  # urlopen(Request(...)): the Request is judged where it is made
        body = code.value(call.args[1] if len(call.args) > 1 else _keyword(call, "data"))
        return _Call("POST" if body is not None else "GET", code.text(first), None, body, None)
    return None


def _connection(code: _Code, conn: ast.Call, call: ast.Call, verb: str) -> _Call | None:
    """`http.client.HTTPSConnection(host).request(method, path, body, headers)`."""
    if verb != "request" or len(call.args) < 2:
        return None
    host = code.text(conn.args[0]) if conn.args else code.text(_keyword(conn, "host"))
    scheme = "https" if code.callee(conn).endswith("HTTPSConnection") else "http"
    path = code.text(call.args[1])
    body = code.value(call.args[2] if len(call.args) > 2 else _keyword(call, "body"))
    headers = code.value(call.args[3] if len(call.args) > 3 else _keyword(call, "headers"))
    return _Call(code.value(call.args[0]), f"{scheme}://{host}{path}", headers, body, None)


def python_http(tree: ast.AST, aliases: dict[str, str], scope: Scope) -> tuple[list[Finding], set[int]]:
    """Findings for the HTTP requests the code sends, and the ids of the calls judged here."""
    from blastwall.analyze.http import analyze_request
    from blastwall.analyze.http.unread import unread_body, unread_options

    code = _Code(tree, aliases, scope)
    out: list[Finding] = []
    judged: set[int] = set()
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        req = _request_of(code, node)
        if req is None or not req.url.startswith(("http://", "https://")) or "://{" in req.url:
            continue
        judged.add(id(node))
        source = ast.unparse(node)[:200]
        url = req.url
        if isinstance(req.params, dict):
            from urllib.parse import urlencode

            url += ("&" if "?" in url else "?") + urlencode({str(k): str(v) for k, v in req.params.items()})
        headers = {str(k): str(v) for k, v in req.headers.items()} if isinstance(req.headers, dict) else None
        if isinstance(req.method, Unread):
            out.extend(unread_options(client="python code", where="values computed at run time",
                                      why=f"its method: {req.method.why}", source=source, url=url))
            continue
        body = None if isinstance(req.body, Unread) else req.body
        out.extend(analyze_request(req.method, url, headers, body, scope.deeper("python HTTP request")))
        if isinstance(req.body, Unread):
            out.extend(unread_body(req.method, url, headers, client="python code", why=req.body.why, source=source))
    return out, judged
