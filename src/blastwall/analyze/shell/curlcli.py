"""curl's command line rebuilt into the requests it sends (option grammar: `rules/clients.toml`).

Short options cluster (`-sSXDELETE`, `-d@body.json`), `--next` (`-:`) starts another request,
every URL of a part gets its method and body. Bodies come from where curl takes them: `-d @f`,
`--data-binary @-` (stdin), `--data-urlencode name@f`, `-F name=@f` / `name=<f`, `--json @f`,
`-T f` (a PUT of the file), `-d "$(cat f)"`. Config files (`-K f`, `--config f`, also nested)
are read as more options: `url = "..."`, `request = DELETE`, `data = "@f"`. `--variable` and
`--expand-*` options (curl 8.3) are filled in. `--connect-to` and `--resolve` only choose where
the connection goes: the request is still judged by its URL.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple
from urllib.parse import quote

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.httpbody import Request, Text, from_file, from_stdin, from_word, joined_words
from blastwall.analyze.shell.ir import SimpleCommand, Word

MAX_CONFIG_DEPTH = 4
MAX_CONFIG_LINES = 2000


class Unread(NamedTuple):
    """A config file curl reads that blastwall cannot: the URL, method and body may be in it."""

    where: str
    why: str


class _Option(NamedTuple):
    name: str  # the long option ("" for a positional)
    value: Word | None
    expand: bool = False  # `--expand-NAME`: {{variables}} are filled in


@functools.cache
def _spec() -> dict[str, Any]:
    return dict(load_table("clients")["curl"])


def options(words: list[Word], spec: dict[str, Any]) -> list[_Option]:
    """The words of a command line as options with their values, in order (positionals have no
    name). `spec`: `long_values`, `short_values` (letters) and `short_names` (letter -> long)."""
    long_values, shorts = set(spec["long_values"]), str(spec["short_values"])
    names = spec.get("short_names", {})
    out: list[_Option] = []
    i = 0
    while i < len(words):
        w, t = words[i], words[i].text
        nxt = words[i + 1] if i + 1 < len(words) else Word("")
        if t == "--":
            out.extend(_Option("", x) for x in words[i + 1:])
            break
        if t.startswith("--") and len(t) > 2:
            name, eq, val = t.partition("=")
            expand = name.startswith("--expand-")
            base = _long_name("--" + name[len("--expand-"):] if expand else name, spec)
            if base in long_values:
                if eq:
                    out.append(_Option(base, Word(val, dynamic=w.dynamic), expand))
                else:
                    out.append(_Option(base, nxt, expand))
                    i += 1
            else:
                out.append(_Option(base, None))
        elif t.startswith("-") and len(t) > 1:
            for j, c in enumerate(t[1:], 1):
                long = str(names.get(c, "-" + c))
                if c in shorts:
                    if t[j + 1:]:
                        out.append(_Option(long, Word(t[j + 1:], dynamic=w.dynamic)))
                    else:
                        out.append(_Option(long, nxt))
                        i += 1
                    break
                out.append(_Option(long, None))
        else:
            out.append(_Option("", w))
        i += 1
    return out


def _long_name(name: str, spec: dict[str, Any]) -> str:
    """A long option as the client reads it: an unambiguous prefix stands for the whole name
    (`--data-bin` is `--data-binary`, `--meth` is wget's `--method`)."""
    known = (*spec["long_values"], *spec.get("long_flags", ()))
    if name in known:
        return name
    matches = {o for o in known if o.startswith(name)}
    return matches.pop() if len(matches) == 1 else name


def config_words(text: str) -> list[Word]:
    """A curl config file as command-line words: `url = "https://x"` -> `--url https://x`."""
    spec = _spec()
    long_values, shorts = set(spec["long_values"]), str(spec["short_values"])
    out: list[Word] = []
    for line in text.splitlines()[:MAX_CONFIG_LINES]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = rx.match(r"^(-{0,2}[A-Za-z0-9:][\w.:-]*)\s*(?:[=:]\s*|\s+|$)(.*)$", line)
        if m is None:
            continue
        name, rest = m.group(1), m.group(2)
        if not name.startswith("-"):
            name = "--" + name
        out.append(Word.lit(name))
        base = _long_name("--" + name[len("--expand-"):] if name.startswith("--expand-") else name, spec)
        takes = base in long_values or (len(name) == 2 and name[1] in shorts)
        if takes:
            out.append(Word.lit(_config_value(rest)))
    return out


def _config_value(rest: str) -> str:
    if not rest.startswith('"'):
        return rest.split()[0] if rest.split() else ""
    out: list[str] = []
    i = 1
    while i < len(rest):
        c = rest[i]
        if c == "\\" and i + 1 < len(rest):
            out.append({"t": "\t", "n": "\n", "r": "\r", "v": "\v"}.get(rest[i + 1], rest[i + 1]))
            i += 2
            continue
        if c == '"':
            break
        out.append(c)
        i += 1
    return "".join(out)


class _Part:
    """The options of one request (`--next` starts another)."""

    def __init__(self) -> None:
        self.method = ""
        self.urls: list[Word] = []
        self.headers: dict[str, str] = {}
        self.data: list[Text] = []
        self.json = False
        self.form: dict[str, object] = {}
        self.upload: Text | None = None
        self.get = False
        self.head = False
        self.query: list[str] = []
        self.unread_headers: list[str] = []  # header files blastwall cannot read (one may override the method)
        self.commands: list[Text] = []  # `-Q CMD`: FTP/SFTP commands sent to the server


def curl_requests(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> tuple[list[Request], list[Unread]]:
    """The requests a curl command line sends, and the config files it reads that blastwall cannot."""
    unread: list[Unread] = []
    variables: dict[str, Text] = {}
    parts = [_Part()]
    pending = [(o, 0) for o in options(joined_words(argv[1:]), _spec())]
    while pending:
        opt, depth = pending.pop(0)
        role = _spec()["roles"].get(opt.name, "")
        part = parts[-1]
        if role == "config" and opt.value is not None:
            found = from_file(opt.value.text, cmd, scope) if not opt.value.dynamic else from_word(opt.value, cmd, scope)
            if found.text is None or depth >= MAX_CONFIG_DEPTH:
                unread.append(Unread(f"the config file {opt.value.text or '(none)'}", found.why or "nested too deep"))
            else:
                pending[:0] = [(o, depth + 1) for o in options(config_words(found.text), _spec())]
            continue
        if role == "next":
            parts.append(_Part())
            continue
        if role == "variable" and opt.value is not None:
            _variable(opt.value, variables, cmd, scope)
            continue
        value = _value(opt, variables, cmd, scope)
        _apply(part, role, opt, value, cmd, scope)
    return [r for p in parts for r in _requests(p)], unread


def _value(opt: _Option, variables: dict[str, Text], cmd: SimpleCommand, scope: Scope) -> Text:
    """An option's value: its word (a command substitution's output when it is one), with
    `{{variables}}` filled in for `--expand-*` options."""
    if opt.value is None:
        return Text("")
    if not opt.expand:
        return from_word(opt.value, cmd, scope)
    out: list[str] = []
    pos = 0
    for m in rx.finditer(r"\{\{([A-Za-z0-9_%]+)(?::[^}]*)?\}\}", opt.value.text):
        got = variables.get(m.group(1))
        if got is None or got.text is None:
            return Text(None, got.why if got is not None else f"the variable {m.group(1)} is not set on the line")
        out.extend([opt.value.text[pos:m.start()], got.text])
        pos = m.end()
    out.append(opt.value.text[pos:])
    return Text("".join(out))


def _variable(word: Word, variables: dict[str, Text], cmd: SimpleCommand, scope: Scope) -> None:
    """`--variable name=value`, `name@file` (`name@-` stdin), `%ENV` (from the environment: unknown)."""
    t = word.text
    m = rx.match(r"^(%?[A-Za-z0-9_]+)(?:\[[^]]*\])?([=@])?(.*)$", t, rx.S)
    if m is None:
        return
    name, op, rest = m.groups()
    if name.startswith("%"):
        variables[name[1:]] = Text(None, f"the variable {name[1:]} comes from the environment")
    elif op == "@":
        variables[name] = from_file(rest, cmd, scope)
    else:
        variables[name] = from_word(Word(rest, dynamic=word.dynamic), cmd, scope)


def _apply(part: _Part, role: str, opt: _Option, value: Text, cmd: SimpleCommand, scope: Scope) -> None:
    word = opt.value
    shown = value.text if value.text is not None else (word.text if word is not None else "")
    if role == "" and opt.name == "" and word is not None:
        part.urls.append(word)
    elif role == "url" and word is not None:
        part.urls.append(Word(shown, dynamic=word.dynamic))
    elif role == "method" and shown:
        part.method = shown.upper()
    elif role == "header" and shown.startswith("@"):  # `-H @file`: one header a line
        got = from_file(shown[1:], cmd, scope)
        if got.text is None:
            part.unread_headers.append(got.why)
        for line in (got.text or "").splitlines()[:200]:
            k, sep, v = line.partition(":")
            if sep:
                part.headers[k.strip()] = v.strip()
    elif role == "header" and shown:
        k, _, v = shown.partition(":")
        part.headers[k.strip()] = v.strip()
    elif role in ("data", "json"):
        part.json = part.json or role == "json"
        part.data.append(_at_file(opt, value, cmd, scope))
    elif role == "data_raw":
        part.data.append(value)
    elif role == "quote":
        part.commands.append(value)
    elif role == "data_urlencode":
        part.data.append(_urlencoded(value, cmd, scope))
    elif role in ("form", "form_string"):
        if value.text is None:
            part.form[f"({len(part.form)})"] = value
            return
        name, _, content = value.text.partition("=")
        part.form[name] = Text(content) if role == "form_string" or content[:1] not in ("@", "<") else \
            from_file(content[1:].split(";", 1)[0], cmd, scope)
    elif role == "upload" and word is not None:
        part.upload = from_stdin(cmd, scope) if word.text in ("-", ".") else from_file(word.text, cmd, scope)
    elif role == "get":
        part.get = True
    elif role == "head":
        part.head = True
    elif role == "url_query" and shown:
        part.query.append(shown)


def _at_file(opt: _Option, value: Text, cmd: SimpleCommand, scope: Scope) -> Text:
    """`-d @file` / `@-` reads the file (stdin), anything else is the text itself."""
    raw = opt.value.text if opt.value is not None and not opt.expand else value.text
    if raw is not None and raw.startswith("@"):
        return from_file(raw[1:], cmd, scope)
    return value


def _urlencoded(value: Text, cmd: SimpleCommand, scope: Scope) -> Text:
    """`--data-urlencode`: `content`, `=content`, `name=content`, `@file`, `name@file`."""
    if value.text is None:
        return value
    m = rx.match(r"^([^=@]*)([=@])(.*)$", value.text, rx.S)
    if m is None or value.text.lstrip()[:1] in "{[":
        return value  # content sent as one encoded value: judged as the server decodes it
    name, op, rest = m.groups()
    content = from_file(rest, cmd, scope) if op == "@" else Text(rest)
    if content.text is None or not name:
        return content
    return Text(f"{name}={quote(content.text, safe='')}")


def _requests(part: _Part) -> list[Request]:
    urls = [w for w in part.urls if w.text]
    if not urls:
        return []
    out: list[Request] = []
    for url in urls:
        req = Request(url=url.text)
        req.headers = dict(part.headers)
        if part.json:
            req.headers.setdefault("Content-Type", "application/json")
        body_parts = [*part.data, *part.form.values()] if part.form else part.data
        unread = [t.why for t in body_parts if isinstance(t, Text) and t.text is None]
        if part.form and not unread:
            req.body = {k: v.text if isinstance(v, Text) else v for k, v in part.form.items()}
        elif part.data and not unread:
            texts = [t.text or "" for t in part.data]
            joined = "".join(texts) if part.json else "&".join(texts)
            req.body = _decoded(joined)
        if part.upload is not None:
            if part.upload.text is None:
                unread.append(part.upload.why)
            elif req.body is None:
                req.body = _decoded(part.upload.text)
        req.unread = unread
        req.unread_options = list(part.unread_headers)
        req.commands = list(part.commands)
        if part.query:
            req.url += ("&" if "?" in req.url else "?") + "&".join(part.query)
        if part.get and part.data and not unread:
            req.url += ("&" if "?" in req.url else "?") + "&".join(t.text or "" for t in part.data)
            req.body = None
        default = "HEAD" if part.head else "GET" if part.get else "PUT" if part.upload is not None else \
            "POST" if part.data or part.form else "GET"
        req.method = part.method or default
        if part.get and not part.method:
            req.unread = []  # -G puts the data in the URL of a GET
        out.append(req)
    return out


def _decoded(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text
