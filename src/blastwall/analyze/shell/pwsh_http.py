"""PowerShell's HTTP clients (`Invoke-RestMethod`, `Invoke-WebRequest`, `irm`, `iwr`): the request
they send (method, URL, headers, body) rebuilt and judged by the HTTP analyzer, as curl's is.

Parameters bind as PowerShell binds them (any unambiguous prefix, `windows.bind`): `-Method`,
`-CustomMethod`, `-Uri` (or the first positional), `-Headers @{...}`, `-Body` (a string, a hash
table, `ConvertTo-Json` of one). A body held in a variable or read from `-InFile` cannot be read
here: a state-changing request to a provider API is then asked (`http/unread.py`).
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.model import Finding

_OPEN = {"{": "}", "(": ")", "[": "]"}


def args_of(text: str) -> list[str]:
    """Words of a PowerShell statement: split on blanks outside quotes, `@{...}`, `(...)`, `[...]`."""
    out: list[str] = []
    cur: list[str] = []
    stack: list[str] = []
    quote = ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in " \t\r\n`" and not stack:
            if cur:
                out.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _unquoted(word: str) -> str:
    w = word.strip()
    return w[1:-1] if len(w) > 1 and w[0] == w[-1] and w[0] in "'\"" else w


def _hashtable(text: str) -> dict[str, object] | None:
    """`@{ a = 'x'; b = @{ c = 1 } }` as a dict; None when it is not one."""
    t = text.strip()
    if not (t.startswith("@{") and t.endswith("}")):
        return None
    from blastwall.analyze.shell.windows import _split

    out: dict[str, object] = {}
    for part in (p for line in _split(t[2:-1], ";") for p in _split(line, "\n")):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            continue
        out[_unquoted(key)] = _value(value.strip())
    return out


def _value(text: str) -> object:
    table = _hashtable(text)
    if table is not None:
        return table
    if text.startswith("@(") and text.endswith(")"):
        from blastwall.analyze.shell.windows import _split

        return [_value(v.strip()) for v in _split(text[2:-1], ",") if v.strip()]
    low = text.lower()
    if low in ("$true", "$false"):
        return low == "$true"
    return _unquoted(text)


def _body(text: str) -> tuple[object, str]:
    """The body a `-Body` value sends, or (None, why it cannot be read)."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
        low = t.lower()
        if low.startswith("convertto-json"):
            t = " ".join(args_of(t)[1:2])
        elif low.rstrip().endswith(("| convertto-json", "|convertto-json")) or "convertto-json" in low.rpartition("|")[2]:
            t = t.rpartition("|")[0].strip()
    table = _hashtable(t)
    if table is not None:
        return table, ""
    if t[:1] in "'\"" and t[-1:] == t[:1]:
        import json

        inner = t[1:-1]
        try:
            return json.loads(inner), ""
        except ValueError:
            return inner, ""
    return None, f"it is built at run time ({t[:40]})"


def pwsh_request(cmdlet: str, args: list[str]) -> tuple[str, str, dict[str, str], object, str] | None:
    """(method, url, headers, body, why the body cannot be read) of an `irm`/`iwr` call, or None
    when it names no URL."""
    from blastwall.analyze.shell.windows import bind

    method, url, headers, body, why = "", "", {}, None, ""
    positionals: list[str] = []
    i = 0
    while i < len(args):
        w = args[i]
        if len(w) > 1 and w[0] == "-" and w[1].isalpha():
            param = bind(cmdlet, w)
            inline = w.split(":", 1)[1] if ":" in w else None
            value = inline if inline is not None else args[i + 1] if i + 1 < len(args) else ""
            taken = param in ("method", "custommethod", "uri", "url", "headers", "body", "infile")
            if param in ("method", "custommethod"):
                method = _unquoted(value).upper()
            elif param in ("uri", "url"):
                url = _unquoted(value)
            elif param == "headers":
                table = _hashtable(value) or {}
                headers = {k: str(v) for k, v in table.items()}
            elif param == "body":
                body, why = _body(value)
            elif param == "infile":
                why = f"it is read from {_unquoted(value)[:60]}"
            elif param is None or param in _SWITCHES:
                taken = False
            else:
                taken = True  # another parameter with a value (-ContentType x, -OutFile f)
            i += 2 if taken and inline is None else 1
            continue
        positionals.append(w)
        i += 1
    if not url and positionals:
        url = _unquoted(positionals[0])
    if not url:
        return None
    return method or "GET", url, headers, body, why


# Parameters of irm/iwr that take no value
_SWITCHES = frozenset({"usebasicparsing", "allowunencryptedauthentication", "usedefaultcredentials",
                       "skipcertificatecheck", "disablekeepalive", "proxyusedefaultcredentials", "passthru", "resume",
                       "skiphttperrorcheck", "preserveauthorizationonredirect", "skipheadervalidation", "noproxy",
                       "preservehttpmethodonredirect", "followrellink", "verbose", "debug"})


def pwsh_http_findings(cmdlet: str, statement: str, scope: Scope) -> list[Finding]:
    """Findings for one `Invoke-RestMethod`/`Invoke-WebRequest` statement (`cmdlet` is irm or iwr)."""
    got = pwsh_request(cmdlet, args_of(statement)[1:])
    if got is None:
        return []
    method, url, headers, body, why = got
    if "://" not in url:
        url = "https://" + url
    from blastwall.analyze.http import analyze_request
    from blastwall.analyze.http.unread import unread_body

    found = analyze_request(method, url, headers or None, body, scope.deeper(f"{cmdlet} request"))
    if why:
        found += unread_body(method, url, headers or None, client=cmdlet, why=why, source=statement)
    return found
