"""HTTP requests in JavaScript/TypeScript code (`node -e`, `deno eval`, `bun -e`, scripts): `fetch`
(and node-fetch, undici, `fetch(new Request(...))`), axios (verbs, `axios(config)`, instances from
`axios.create({baseURL})`), got, ky, and node's `http`/`https` modules. Which modules are which
client is data (`rules/code.toml`, `[calls.node]` `http_*`).

Values are read from the syntax tree without running anything: literals, objects and arrays,
`const` names, `JSON.stringify`/`JSON.parse`, `Buffer.from`, template strings (an unknown part of
a URL stays a `{placeholder}`), and bodies read from files (`fs.readFileSync(f)`,
`fs.promises.readFile(f)`), relative to the action's working directory. Each request whose URL
names a host is judged by the HTTP analyzer; a body computed at run time is asked about when the
request goes to a provider API with destructive operations (`analyze/http/unread.py`).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope
from blastwall.model import Finding

MAX_DEPTH = 12
_UNKNOWN_ORIGIN = "unknown-origin.invalid"  # the host of a relative or computed URL
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_DATA_VERBS = frozenset({"post", "put", "patch"})
_READ_FILE = frozenset({"readFileSync", "readFile", "createReadStream", "Deno.readTextFileSync", "Deno.readTextFile",
                        "Bun.file"})


class Unread(NamedTuple):
    why: str


class _Request(NamedTuple):
    method: str
    url: str
    headers: Any
    body: Any


class _Module:
    """The names a program binds: `const x = ...` declared once, and which of them are HTTP
    clients (`require("axios")`, `import got from "got"`, `axios.create({...})`)."""

    def __init__(self, reader: Any, root: Any, table: dict[str, list[str]], scope: Scope) -> None:
        self.reader = reader
        self.scope = scope
        self.kinds = {m: kind for kind in ("fetch", "axios", "options", "node") for m in table.get(f"http_{kind}", [])}
        self.values: dict[str, Any] = {}
        self.clients: dict[str, tuple[str, Any]] = {}  # name -> (kind, the config of an instance or None)
        counts: dict[str, int] = {}
        stack = [root]
        while stack:
            n = stack.pop()
            stack.extend(n.children)
            if n.type == "variable_declarator":
                name, value = n.child_by_field_name("name"), n.child_by_field_name("value")
                if name is not None and name.type == "identifier" and value is not None:
                    key = reader.text(name)
                    counts[key] = counts.get(key, 0) + 1
                    self.values[key] = value
            elif n.type == "import_statement":
                source = reader.string(n.child_by_field_name("source"))
                kind = self.kinds.get(source or "")
                clause = next((c for c in n.named_children if c.type == "import_clause"), None)
                if kind and clause is not None:
                    for ident in _identifiers(clause):
                        self.clients[reader.text(ident)] = (kind, None)
        for key, n in counts.items():
            if n > 1:
                self.values.pop(key, None)
        for key, value in list(self.values.items()):
            client = self.client_of(value)
            if client is not None:
                self.clients[key] = client

    def client_of(self, node: Any, depth: int = 0) -> tuple[str, Any] | None:
        """The HTTP client an expression is: a module, or an instance with its defaults."""
        if node is None or depth > MAX_DEPTH:
            return None
        node = _unwrapped(node)
        if node.type == "identifier":
            name = self.reader.text(node)
            if name in self.clients:
                return self.clients[name]
            if name in self.values:
                return self.client_of(self.values[name], depth + 1)
            kind = self.kinds.get(name)
            return (kind, None) if kind else None
        if node.type == "call_expression":
            func = node.child_by_field_name("function")
            args = _args(node)
            if func is not None and self.reader.text(func) == "require" and args:
                kind = self.kinds.get(self.reader.string(args[0]) or "")
                return (kind, None) if kind else None
            if func is not None and func.type == "member_expression":
                prop = self.reader.text(func.child_by_field_name("property"))
                base = self.client_of(func.child_by_field_name("object"), depth + 1)
                if base is not None and prop in ("create", "extend"):
                    return base[0], (args[0] if args else None)
        if node.type == "member_expression":  # `require("axios").default`
            prop = self.reader.text(node.child_by_field_name("property"))
            if prop == "default":
                return self.client_of(node.child_by_field_name("object"), depth + 1)
        return None

    # ---- values ------------------------------------------------------------------------------
    def value(self, node: Any, depth: int = 0) -> Any:
        """The value `node` has when the code runs, or `Unread` when it cannot be known here."""
        if node is None:
            return None
        if depth > MAX_DEPTH:
            return Unread("it is nested too deeply to read")
        node = _unwrapped(node)
        t = node.type
        text = self.reader.string(node)
        if text is not None and t != "identifier":
            return text
        if t == "number":
            try:
                return json.loads(self.reader.text(node))
            except ValueError:
                return self.reader.text(node)
        if t in ("true", "false", "null", "undefined"):
            return {"true": True, "false": False}.get(t)
        if t == "object":
            out: dict[str, Any] = {}
            for child in node.named_children:
                if child.type == "pair":
                    key = child.child_by_field_name("key")
                    k = self.reader.string(key) if key is not None and key.type != "computed_property_name" else None
                    if k is None and key is not None and key.type in ("property_identifier", "number"):
                        k = self.reader.text(key)
                    if k is None:
                        return Unread("it has a key computed at run time")
                    v = self.value(child.child_by_field_name("value"), depth + 1)
                elif child.type == "shorthand_property_identifier":
                    k = self.reader.text(child)
                    v = self._name(k, depth)
                elif child.type == "comment":
                    continue
                else:
                    return Unread("it spreads an object built at run time")
                if isinstance(v, Unread):
                    return v
                out[k] = v
            return out
        if t == "array":
            items = [self.value(c, depth + 1) for c in node.named_children if c.type != "comment"]
            return next((i for i in items if isinstance(i, Unread)), items)
        if t == "identifier":
            return self._name(self.reader.text(node), depth)
        if t == "template_string":
            return Unread("it is a template string with values only known at run time")
        if t in ("call_expression", "new_expression"):
            return self._call_value(node, depth)
        return Unread(f"{self.reader.text(node)[:40]} is computed at run time")

    def members(self, node: Any, depth: int = 0) -> dict[str, Any] | Unread:
        """An options object member by member (one member computed at run time leaves the
        others readable): `{method: "POST", body: q}` -> {"method": "POST", "body": Unread}."""
        if node is None:
            return {}
        node = _unwrapped(node)
        if node.type == "identifier" and self.reader.text(node) in self.values and depth < MAX_DEPTH:
            return self.members(self.values[self.reader.text(node)], depth + 1)
        if node.type != "object":
            got = self.value(node, depth + 1)
            return got if isinstance(got, (dict, Unread)) else Unread("its options are built at run time")
        out: dict[str, Any] = {}
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                k = self.reader.string(key) if key is not None and key.type == "string" else (
                    self.reader.text(key) if key is not None and key.type == "property_identifier" else None)
                if k is not None:
                    out[k] = self.value(child.child_by_field_name("value"), depth + 1)
            elif child.type == "shorthand_property_identifier":
                out[self.reader.text(child)] = self._name(self.reader.text(child), depth)
            elif child.type == "spread_element":
                out["..."] = Unread("it spreads options built at run time")
        return out

    def _name(self, name: str, depth: int) -> Any:
        if name in self.values:
            return self.value(self.values[name], depth + 1)
        return Unread(f"{name} is only known when the code runs")

    def _call_value(self, node: Any, depth: int) -> Any:
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        name = self.reader.text(func) if func is not None else ""
        last = name.rsplit(".", 1)[-1]
        args = _args(node)
        first = args[0] if args else None
        if name in ("JSON.stringify", "Buffer.from", "String", "URLSearchParams", "new URLSearchParams"):
            return self.value(first, depth + 1)
        if name == "JSON.parse":
            inner = self.value(first, depth + 1)
            try:
                return json.loads(inner) if isinstance(inner, str) else inner
            except ValueError:
                return inner
        if last in _READ_FILE or name in _READ_FILE:
            path = self.value(first, depth + 1)
            if not isinstance(path, str):
                return Unread("it is read from a file named at run time")
            from blastwall.analyze.shell.scripts import script_text

            found = script_text(path, self.scope)
            return found.text if found.text is not None else Unread(f"{path}: {found.why}")
        return Unread(f"it is the result of {name[:40] or 'a call'}(), only known when the code runs")

    def url(self, node: Any, depth: int = 0) -> str:
        """A URL with `{expr}` where the code fills in a value at run time."""
        if node is None or depth > MAX_DEPTH:
            return ""
        node = _unwrapped(node)
        if node.type == "template_string":
            parts: list[str] = []
            for c in node.named_children:
                if c.type == "template_substitution":
                    inner = c.named_children[0] if c.named_children else None
                    got = self.value(inner, depth + 1) if inner is not None else None
                    parts.append(str(got) if isinstance(got, (str, int, float)) else
                                 "{" + (self.reader.text(inner)[:30] if inner is not None else "") + "}")
                elif "escape" in c.type:
                    from blastwall.analyze.code_ts import _decode_escape

                    parts.append(_decode_escape(self.reader.text(c)))
                elif c.type == "string_fragment":
                    parts.append(self.reader.text(c))
            return "".join(parts)
        if node.type == "binary_expression":
            return self.url(node.child_by_field_name("left"), depth + 1) + \
                self.url(node.child_by_field_name("right"), depth + 1)
        if node.type == "identifier" and self.reader.text(node) in self.values:
            return self.url(self.values[self.reader.text(node)], depth + 1)
        got = self.value(node, depth + 1)
        return got if isinstance(got, str) else "{" + self.reader.text(node)[:30] + "}"


def _unwrapped(node: Any) -> Any:
    while node.type in ("parenthesized_expression", "await_expression", "as_expression",
                        "non_null_expression", "satisfies_expression") and node.named_children:
        node = node.named_children[0]
    return node


def _identifiers(node: Any) -> list[Any]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n)
        elif n.type != "named_imports":  # `import {get} from "axios"`: not the client object
            stack.extend(n.named_children)
    return out


def _args(node: Any) -> list[Any]:
    a = node.child_by_field_name("arguments")
    return [k for k in a.named_children if k.type != "comment"] if a is not None else []


def _field(config: Any, *names: str) -> Any:
    if isinstance(config, dict):
        for n in names:
            if n in config:
                return config[n]
    return None


def _request(mod: _Module, node: Any) -> _Request | None:
    """The request a call sends, when it is an HTTP client call."""
    func = node.child_by_field_name("function")
    if func is None:
        return None
    args = _args(node)
    verb = ""
    client = mod.client_of(func)
    if client is None and func.type == "member_expression":
        verb = mod.reader.text(func.child_by_field_name("property"))
        client = mod.client_of(func.child_by_field_name("object"))
        if client is None and verb == "fetch":  # globalThis.fetch, window.fetch
            client = ("fetch", None)
    elif client is None and func.type == "identifier" and mod.reader.text(func) == "fetch":
        client = ("fetch", None)
    if client is None or not args:
        return None
    kind, defaults_node = client
    defaults = mod.value(defaults_node) if defaults_node is not None else {}
    defaults = defaults if isinstance(defaults, dict) else {}
    if kind == "node":
        return _node_request(mod, verb, args)
    first = _unwrapped(args[0])
    if kind == "fetch" and first.type == "new_expression" and mod.reader.text(
            first.child_by_field_name("constructor")) == "Request":  # fetch(new Request(url, init))
        args = _args(first) + args[1:]
        if not args:
            return None
    if kind == "fetch" or kind == "options":
        if verb and verb not in _VERBS and verb != "fetch":
            return None
        opts = mod.members(args[1]) if len(args) > 1 else {}
        method = verb.upper() if verb in _VERBS else _field(opts, "method") or ("POST" if isinstance(opts, Unread)
                                                                                  else "GET")
        body = opts if isinstance(opts, Unread) else _field(opts, "body", "json", "form") or opts.get("...")
        base = _field(defaults, "prefixUrl", "prefix_url") or ""
        if isinstance(method, Unread):
            method, body = "POST", method  # a method computed at run time: judged as if it changed state
        return _Request(str(method).upper(), _joined(base, mod.url(args[0])), _field(opts, "headers"), body)
    # axios
    if verb and verb not in _VERBS and verb != "request":
        return None
    if verb in _VERBS:
        config = mod.members(args[2] if verb in _DATA_VERBS and len(args) > 2 else
                             args[1] if verb not in _DATA_VERBS and len(args) > 1 else None)
        url = mod.url(args[0])
        body = mod.value(args[1]) if verb in _DATA_VERBS and len(args) > 1 else _field(config, "data")
        method = verb.upper()
    else:
        is_url = args[0].type != "object" and not isinstance(mod.value(args[0]), dict)
        config = mod.members(args[1] if is_url and len(args) > 1 else None if is_url else args[0])
        url = mod.url(args[0]) if is_url else str(_field(config, "url") or "")
        body = _field(config, "data")
        method = _field(config, "method") or ("POST" if isinstance(config, Unread) else "GET")
    if isinstance(config, Unread):
        body = config
    if isinstance(method, Unread):
        method, body = "POST", method  # a method computed at run time: judged as if it changed state
    base = str(_field(config, "baseURL") or _field(defaults, "baseURL") or "")
    return _Request(str(method).upper(), _joined(base, url), _field(config, "headers"), body)


def _node_request(mod: _Module, verb: str, args: list[Any]) -> _Request | None:
    """`https.request(url | {hostname, path, method, ...}[, options])`; `https.get(...)` is a GET."""
    if verb not in ("request", "get"):
        return None
    opts: Any = {}
    url = ""
    if _unwrapped(args[0]).type == "object" or isinstance(mod.value(args[0]), dict):
        opts = mod.members(args[0])
    else:
        url = mod.url(args[0])
        opts = mod.members(args[1]) if len(args) > 1 and _unwrapped(args[1]).type != "arrow_function" else {}
    if isinstance(opts, Unread):
        return _Request("POST", url, None, opts) if url else None
    if not url:
        host = _field(opts, "hostname", "host")
        if not isinstance(host, str):
            return None
        scheme = str(_field(opts, "protocol") or "https:").rstrip(":")
        port = _field(opts, "port")
        path = _field(opts, "path")
        url = f"{scheme}://{host}{':' + str(port) if isinstance(port, (int, str)) else ''}" + (
            path if isinstance(path, str) else "/")
    method = "GET" if verb == "get" else _field(opts, "method") or "GET"
    if isinstance(method, Unread):
        return _Request("POST", url, None, method)
    return _Request(str(method).upper(), url, _field(opts, "headers"), None)


def _joined(base: str, url: str) -> str:
    if not base or url.startswith(("http://", "https://")):
        return url
    return base.rstrip("/") + "/" + url.lstrip("/")


def js_http(reader: Any, root: Any, node: Any, table: dict[str, list[str]], language: str, scope: Scope,
            source: str) -> list[Finding] | None:
    """Findings for an HTTP client call, or None when `node` is not one."""
    mod = getattr(reader, "http_module", None)
    if mod is None:
        mod = reader.http_module = _Module(reader, root, table, scope)
    req = _request(mod, node)
    if req is None:
        return None
    if not req.url.startswith(("http://", "https://")) or "://{" in req.url:
        if req.method in ("GET", "HEAD", "OPTIONS") or req.url.startswith(("http://", "https://")):
            return []
        # a path on the page's own origin (`fetch('/api/projects/' + id, {method: 'DELETE'})` in a
        # browser) or an address computed at run time: the method and the path still say what it does
        path = req.url if req.url.startswith("/") else "/" + req.url.split("://", 1)[-1].lstrip("/")
        req = req._replace(url=f"https://{_UNKNOWN_ORIGIN}{path}")
    from blastwall.analyze.http import analyze_request
    from blastwall.analyze.http.unread import unread_body

    headers = {str(k): str(v) for k, v in req.headers.items()} if isinstance(req.headers, dict) else None
    body = None if isinstance(req.body, Unread) else req.body
    out = analyze_request(req.method, req.url, headers, body, scope.deeper(f"{language} HTTP request"))
    if isinstance(req.body, Unread):
        out = out + unread_body(req.method, req.url, headers, client=f"{language} code", why=req.body.why,
                                source=source)
    return out
