"""redis-cli, valkey-cli and keydb-cli: the Redis command a line runs, read as redis-cli reads it.

redis-cli takes options until the first word that is not one; that word and every word after it
are the command (`redis-cli EXPIRE k -1`: `-1` is the command's). Options that take a value are
listed here from `redis-cli --help`; a flag such as `--csv`, `-e` or `--tls` takes none, so
`redis-cli --csv FLUSHALL` runs FLUSHALL. Two options run commands of their own:
- `--eval FILE [keys , args]` runs the Lua script in FILE: read and judged like EVAL, asked when
  it cannot be read;
- `--cluster call HOST:PORT CMD ...` runs CMD on every node; `--cluster check|info|help` only
  report; any other cluster-manager command (del-node, fix, import, reshard ...) changes the
  cluster and is asked.
"""

from __future__ import annotations

from collections.abc import Callable

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding

VALUE_OPTIONS = frozenset({
    "-h", "-p", "-s", "-a", "--user", "--pass", "-u", "-r", "-i", "-n", "-X", "-d", "-D", "--sni", "--cacert",
    "--cacertdir", "--tls-ciphers", "--tls-ciphersuites", "--cert", "--key", "--show-pushes", "--lru-test", "--rdb",
    "--functions-rdb", "--pipe-timeout", "--memkeys-samples", "--keystats-samples", "--pattern", "--count",
    "--quoted-pattern", "--intrinsic-latency", "--eval", "--cluster", "--cluster-from", "--cluster-from-user",
    "--cluster-from-pass", "--cluster-timeout", "--cluster-pipeline", "--cluster-slots", "--cluster-to",
    "--cluster-weight", "--cluster-threshold", "--cluster-replicas", "--cluster-master-id", "--cluster-only-masters",
    "--cluster-search-multiple-owners", "--cluster-fix-with-unreachable-masters", "--cluster-use-empty-masters",
    "--cluster-simulate", "--cluster-yes", "--cluster-copy", "--cluster-replace", "--cluster-only-replicas",
})
# Cluster-manager options that take no value.
_CLUSTER_FLAGS = frozenset({"--cluster-only-masters", "--cluster-only-replicas", "--cluster-search-multiple-owners",
                            "--cluster-fix-with-unreachable-masters", "--cluster-use-empty-masters",
                            "--cluster-simulate", "--cluster-yes", "--cluster-copy", "--cluster-replace"})
_CLUSTER_REPORTS = frozenset({"check", "info", "help"})

Judge = Callable[[list[str], Scope, str], list[Finding]]


def split(args: list[Word]) -> tuple[dict[str, Word], list[Word]]:
    """The options given (name -> value word, or the flag itself) and the command's words."""
    options: dict[str, Word] = {}
    i = 0
    while i < len(args):
        t = args[i].text
        if not t.startswith("-") or t == "-":
            break
        if t == "--":
            i += 1
            break
        name, eq, value = t.partition("=")
        if eq and name in VALUE_OPTIONS:
            options[name] = Word(value, dynamic=args[i].dynamic)
        elif t in VALUE_OPTIONS and t not in _CLUSTER_FLAGS and i + 1 < len(args):
            options[t] = args[i + 1]
            i += 1
        else:
            options[t] = args[i]
        i += 1
    return options, args[i:]


_STDIN = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def findings(name: str, args: list[Word], source: str, scope: Scope, judge: Judge,
             words: Callable[[list[Word]], list[str]],
             stdin: Callable[[], str | None] | None = None) -> tuple[list[Finding], bool]:
    """Findings for what the line runs, and whether it names a command at all (`judge` judges one
    Redis argv; `words` turns the command's words into text; `stdin` gives the command's input, for
    `--eval /dev/stdin <<< SCRIPT`)."""
    options, command = split(args)
    out: list[Finding] = []
    script = options.get("--eval")
    if script is not None:
        from blastwall.analyze.shell.tree_changes import read_as_run

        if not script.dynamic and script.text in _STDIN:
            text = stdin() if stdin is not None else None  # the script is the command's input
        else:
            text = read_as_run(script.text, scope) if not script.dynamic else None
        if text is None:
            out.append(unknown("shell.db:unreadable-script", f"{name} --eval runs the Lua script {script.text}, which "
                               "blastwall cannot read; a human must review it", source))
        else:
            out.extend(judge(["EVAL", text, "0"], scope, f"{name} --eval {script.text}"))
        return out, True
    manager = options.get("--cluster")
    if manager is not None:
        what = manager.text.lower()
        if what == "call" and len(command) > 1:  # the first word is the node to start from
            return judge(words(command[1:]), scope, f"{name} --cluster call"), True
        if what not in _CLUSTER_REPORTS:
            out.append(unknown("shell.db:redis-cluster", f"{name} --cluster {manager.text[:40]} changes the Redis "
                               "cluster's nodes, slots or keys; a human must review it", source))
        return out, True
    if not command:
        return out, False
    return judge(words(command), scope, name), True
