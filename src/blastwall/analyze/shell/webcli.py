"""wget and HTTPie/xh command lines rebuilt into the requests they send (option grammar:
`rules/clients.toml`).

wget: `--method`, `--header`, `--post-data`/`--body-data` (inline), `--post-file`/`--body-file`
(read), `-e CMD` / `--config FILE` (wgetrc commands such as `method = DELETE`), `-i FILE` (the
URLs, one a line). HTTPie and xh: `[METHOD] URL [ITEM...]` with items `Header:value`,
`name==query`, `name=text`, `name:=json`, `name=@file`, `name:=@file`, `name@file` (an upload),
a body from `@file`, `--raw TEXT` or stdin (`http POST url < body.json`, a pipe, a heredoc).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.curlcli import Unread, options
from blastwall.analyze.shell.httpbody import Request, Text, from_file, from_stdin, from_word, joined_words
from blastwall.analyze.shell.ir import SimpleCommand, Word

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_WGETRC_ALIASES = {"input": "input-file", "bodydata": "body-data", "bodyfile": "body-file", "postdata": "post-data",
                   "postfile": "post-file"}


@functools.cache
def _spec(client: str) -> dict[str, Any]:
    return dict(load_table("clients")[client])


# ---- wget ----------------------------------------------------------------------------------------
def wgetrc_words(text: str) -> list[Word]:
    """wgetrc commands (`method = DELETE`, `body_file = f`) as the long options they stand for."""
    out: list[Word] = []
    for line in text.splitlines()[:2000]:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        key = name.strip().lower().replace("_", "-")
        key = _WGETRC_ALIASES.get(key.replace("-", ""), key)
        out.append(Word.lit(f"--{key}={value.strip()}"))
    return out


def wget_requests(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> tuple[list[Request], list[Unread]]:
    spec = _spec("wget")
    roles = spec["roles"]
    unread: list[Unread] = []
    method = ""
    headers: dict[str, str] = {}
    body: Text | None = None
    urls: list[str] = []
    unlisted: Unread | None = None
    pending = options(joined_words(argv[1:]), spec)
    depth = 0
    while pending:
        opt = pending.pop(0)
        role = roles.get(opt.name, "")
        value = from_word(opt.value, cmd, scope) if opt.value is not None else Text("")
        if opt.name == "" and opt.value is not None:
            urls.append(opt.value.text)
        elif role == "method" and value.text:
            method = value.text.upper()
        elif role == "header" and value.text:
            k, _, v = value.text.partition(":")
            headers[k.strip()] = v.strip()
        elif role in ("post_data", "body_data"):
            body = value
            method = method or ("POST" if role == "post_data" else "")
        elif role in ("post_file", "body_file") and opt.value is not None:
            body = from_file(opt.value.text, cmd, scope)
            method = method or ("POST" if role == "post_file" else "")
        elif role in ("execute", "config") and opt.value is not None and depth < 4:
            depth += 1
            text = value if role == "execute" else from_file(opt.value.text, cmd, scope)
            if text.text is None:
                unread.append(Unread(f"the wget config file {opt.value.text}", text.why))
            else:
                pending[:0] = options(wgetrc_words(text.text), spec)
        elif role == "input_file" and opt.value is not None:
            listed = from_file(opt.value.text, cmd, scope)
            if listed.text is None:
                unlisted = Unread(f"the URL list {opt.value.text}", listed.why)
            else:
                lines = (line.strip() for line in listed.text.splitlines()[:200])
                urls.extend(line for line in lines if line[:1] not in ("", "#"))
    out: list[Request] = []
    for url in urls:
        req = Request(method or "GET", url)
        req.headers = dict(headers)
        if body is not None:
            if body.text is None:
                req.unread = [body.why]
            else:
                req.body = _decoded(body.text)
        out.append(req)
    if unlisted is not None and (method not in ("", "GET", "HEAD") or body is not None):
        unread.append(unlisted)  # URLs blastwall cannot read, sent something other than a plain download
    return out, unread


# ---- HTTPie / xh ---------------------------------------------------------------------------------
_SEPARATORS = (":=@", "=@", "==", ":=", "=", "@", ":")


def _item(text: str) -> tuple[str, str, str] | None:
    """`name:=@file` -> ("name", ":=@", "file"): the first separator, the longest one there."""
    best: tuple[int, str] | None = None
    for sep in _SEPARATORS:
        i = text.find(sep)
        if i > 0 and (best is None or i < best[0] or i == best[0] and len(sep) > len(best[1])):
            best = (i, sep)
    if best is None:
        return None
    i, sep = best
    return text[:i], sep, text[i + len(sep):]


def httpie_request(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> Request | None:
    spec = _spec("httpie")
    opts = options(joined_words(argv[1:]), spec)
    names = {o.name for o in opts if o.name}
    if names & set(spec["no_send"]):
        return None
    pos = [o.value for o in opts if o.name == "" and o.value is not None]
    req = Request()
    if len(pos) >= 2 and rx.fullmatch(r"[A-Za-z]+", pos[0].text) and (
            pos[0].text.upper() in _METHODS or pos[0].text.isupper()):
        req.method = pos.pop(0).text.upper()
    if not pos:
        return req
    req.url = _httpie_url(pos.pop(0).text)
    data: dict[str, object] = {}
    body: Text | None = None
    unread: list[str] = []
    form = False
    for w in pos:
        if w.text.startswith("@") and len(w.text) > 1:
            body = from_file(w.text[1:], cmd, scope)
            continue
        parsed = _item(w.text)
        if parsed is None:
            continue
        key, sep, value = parsed
        if sep == ":" and not w.dynamic:
            req.headers[key] = value
        elif sep in ("=", ":="):
            got = from_word(Word(value, dynamic=w.dynamic), cmd, scope)
            if got.text is None:
                unread.append(got.why)
            data[key] = got.text if sep == "=" else _decoded(got.text or "")
        elif sep in ("=@", ":=@", "@"):
            got = from_file(value.split(";", 1)[0], cmd, scope)
            if got.text is None:
                unread.append(got.why)
            data[key] = _decoded(got.text or "") if sep == ":=@" else got.text
            form = form or sep == "@"
    raw = next((o.value for o in opts if o.name == "--raw" and o.value is not None), None)
    if raw is not None:
        body = from_word(raw, cmd, scope)
    if body is None and not data and _reads_stdin(cmd, names, spec):
        body = from_stdin(cmd, scope)
    if body is not None:
        if body.text is None:
            unread.append(body.why)
        else:
            req.body = _decoded(body.text)
    elif data and not unread:
        req.body = data
    req.unread = unread
    req.method = req.method or ("POST" if data or body is not None else "GET")
    if form:
        req.headers.setdefault("Content-Type", "multipart/form-data")
    return req


def _reads_stdin(cmd: SimpleCommand, names: set[str], spec: dict[str, Any]) -> bool:
    if names & set(spec["ignore_stdin"]):
        return False
    return cmd.stdin_text is not None or cmd.stdin_file is not None or cmd.stdin_from is not None


def _httpie_url(url: str) -> str:
    if rx.match(r"^https?://", url):
        return url
    if url.startswith(":"):  # `:3000/api` is localhost
        return "http://localhost" + url
    return "http://" + url


def _decoded(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text
