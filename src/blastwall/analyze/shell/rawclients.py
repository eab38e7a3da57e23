"""Raw network clients (nc, ncat, netcat, telnet, socat) fed text for a service's known port: the
text is that service's commands, judged as its own client would send them.

    printf 'FLUSHALL\\r\\n' | nc redis.internal 6379      ->  redis-cli -h redis.internal -p 6379 FLUSHALL
    printf '*1\\r\\n$8\\r\\nFLUSHALL\\r\\n' | ncat cache 6379  ->  the RESP array decoded: FLUSHALL
    echo flush_all | nc cache 11211                       ->  memcached's flush_all
    exec 3<>/dev/tcp/redis/6379 ... (bash's own sockets: not a program, not read here)

The ports and what each speaks are a table (rules/raw_clients.toml). Text that cannot be known
for such a port (a file that is not there, a substitution) asks; a client with no text fed (an
interactive session) and ports the table does not name are left to the other rules.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import Redirect, SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

_SOCAT_ADDRESS = rx.compile(r"^(?:TCP|TCP4|TCP6|TCP-CONNECT|TCP4-CONNECT|TCP6-CONNECT|OPENSSL|SSL):([^:,]+):(\d+)",
                            rx.I)


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("raw_clients")


def handle_raw_client(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    from blastwall.analyze.shell.stdin import has_stdin, stdin_of

    target = _target(name, argv)
    if target is None or not has_stdin(cmd):
        return None
    host, port = target
    service = _table().get("ports", {}).get(port)
    if service is None:
        return None
    text = stdin_of(cmd, scope)
    if text is None:
        return [unknown("shell.net:raw-client-unread", f"{name} sends text blastwall cannot see to {host.text} port {port} "
                        f"({service}'s port), which runs it as {service} commands; a human must check it", cmd.source)]
    if service == "redis":
        inline = _resp_inline(text)
        client = SimpleCommand([Word.lit("redis-cli"), Word.lit("-h"), Word(host.text, dynamic=host.dynamic),
                                Word.lit("-p"), Word.lit(port)],
                               redirects=[Redirect("<<<", body=inline)], source=cmd.source, ctx=cmd.ctx)
        from blastwall.analyze.shell.resolve import analyze_simple

        found = analyze_simple(client, scope.deeper(f"{name} to {service}"), with_redirects=False)
        return [f._replace(reason=f"{f.reason} (sent by {name} to port {port})") for f in found]
    return _line_commands(service, text, host.text, port, cmd)


def _target(name: str, argv: list[Word]) -> tuple[Word, str] | None:
    """(host, port) the client connects to; None for a listener or when unknown."""
    table = _table()
    if name in table.get("socat", {}).get("names", ()):
        for w in argv[1:]:
            m = _SOCAT_ADDRESS.match(w.text)
            if m and not w.dynamic:
                return Word(m.group(1), dynamic=False), m.group(2)
        return None
    row = table.get("netcat", {})
    words = argv[1:]
    if any(w.text in row.get("listen", ()) for w in words):
        return None
    valued = frozenset(row.get("valued", ()))
    pos: list[Word] = []
    i = 0
    while i < len(words):
        t = words[i].text
        if t in valued:
            i += 2
            continue
        if not t.startswith("-"):
            pos.append(words[i])
        i += 1
    if len(pos) < 2 or pos[1].dynamic or not pos[1].text.isdigit():
        return None
    return pos[0], pos[1].text


def _resp_inline(text: str) -> str:
    """RESP arrays (`*1\\r\\n$8\\r\\nFLUSHALL\\r\\n`) as inline command lines; other text as it is."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("*") and line[1:].isdigit():
            n = int(line[1:])
            words: list[str] = []
            i += 1
            while len(words) < n and i < len(lines):
                if lines[i].startswith("$"):
                    i += 1
                    if i < len(lines):
                        words.append(lines[i])
                i += 1
            out.append(" ".join(words))
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _line_commands(service: str, text: str, host: str, port: str, cmd: SimpleCommand) -> list[Finding]:
    """Findings for a text protocol whose command is the first word of a line (memcached)."""
    rows = _table().get("line_commands", {}).get(service, {})
    found: list[Finding] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        word = line.strip().split(" ", 1)[0].lower()
        if word in rows:
            found.append(Finding(rule_id=f"shell.net:{service}-{word.replace('_', '-')}", effect=Effect.DELETE,
                                 severity=Severity.HIGH, reason=f"{rows[word]} ({service} at {host} port {port})",
                                 target=f"{host}:{port}", reversible=False,
                                 safer="use the service's own client against a test instance first",
                                 source=cmd.source[:200]))
    return found


register(list(_table().get("netcat", {}).get("names", ())) + list(_table().get("socat", {}).get("names", ())),
         handle_raw_client)
