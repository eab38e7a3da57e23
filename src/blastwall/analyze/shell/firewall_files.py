"""Firewall rule files loaded whole: `iptables-restore < rules.v4`, `ip6tables-restore FILE`,
`nft -f rules.nft` (rules/firewall.toml [files]).

The file is read (as an earlier command of the line leaves it, else from disk) and each of its
commands is judged as the same command typed alone is (firewall.py and the rows of
shell_system.toml): an added rule that locks the operator out, a rule or chain deleted, a flush.
A file replaces the rules of the tables it names, so two things are judged on the whole file:

- a chain's default policy of DROP (`:INPUT DROP [0:0]`, `policy drop;` in a chain hooked on input)
  is asked about unless the file accepts the access port (SSH) on that chain;
- a flush that nothing after it rebuilds (a file that only empties) is asked about, as a flush is.

A file blastwall cannot read (not there, files not read, text made at run time) is asked about.
`iptables-restore --test`, `nft -c` check the file and change nothing.
"""

from __future__ import annotations

import functools
import shlex
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("firewall")["files"]


def handle_restore(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`iptables-restore [OPTIONS] [FILE]`: the file named, else stdin."""
    table = _table()
    words = argv[1:]
    if any(w.text.partition("=")[0] in table["restore_checks"] for w in words):
        return []
    if any(w.text.partition("=")[0] in table["restore_prints"] for w in words):
        return []
    files = _positionals(words, table["restore_values"])
    text, shown = _text(files[0] if files else None, cmd, scope)
    if text is None:
        return [_unread(name, shown, cmd.source)]
    program = name.replace("-restore", "")
    noflush = any(w.text in table["restore_noflush"] for w in words)
    return iptables_file(program, text, cmd.source, noflush=noflush)


def nft_file(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`nft -f FILE`: None when no file option is given (the words are one command)."""
    words = argv[1:]
    path: Word | None = None
    for i, w in enumerate(words):
        option, eq, value = w.text.partition("=")
        if option in ("-f", "--file"):
            path = Word(value, dynamic=w.dynamic) if eq else (words[i + 1] if i + 1 < len(words) else Word.lit(""))
        elif w.text.startswith("-f") and len(w.text) > 2 and not w.text.startswith("--"):
            path = Word(w.text[2:], dynamic=w.dynamic)
    if path is None:
        return None
    if any(w.text in ("-c", "--check") for w in words):
        return []
    text, shown = _text(path if path.text not in ("-", "/dev/stdin") else None, cmd, scope)
    if text is None:
        return [_unread("nft", shown, cmd.source)]
    return nftables_text(text, cmd.source)


def _positionals(words: list[Word], values: list[str]) -> list[Word]:
    out: list[Word] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w.text in values:
            skip = True
        elif not w.text.startswith("-"):
            out.append(w)
    return out


def _text(path: Word | None, cmd: SimpleCommand, scope: Scope) -> tuple[str | None, str]:
    """The file's text as the command reads it (None: unknown) and how to name it."""
    if path is None:
        from blastwall.analyze.shell.stdin import stdin_of

        feeder = cmd.stdin_file.text if cmd.stdin_file is not None else "its input"
        return (stdin_of(cmd, scope) if scope.read_files or cmd.stdin_file is None else None), feeder
    if path.dynamic or "$" in path.text or path.text.startswith(("/dev/", "/proc/")):
        return None, path.text
    from blastwall.analyze.shell.scripts import script_text

    return script_text(path.text, scope).text, path.text


def _unread(name: str, shown: str, source: str) -> Finding:
    return unknown("shell.system:firewall-file-unread", f"{name} loads the firewall rules of {shown}, which "
                   "blastwall cannot read; a human must check that they keep SSH open", source)


def _rule(rule_id: str, what: str, source: str) -> Finding:
    row = next(r for r in _table()["rule"] if r["id"] == rule_id)
    return Finding(rule_id=rule_id, effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                   reason=str(row["reason"]).replace("{what}", what), target=what, reversible=True,
                   safer=str(row["safer"]), source=source[:200])


def _judged(program: str, words: list[str], source: str) -> list[Finding]:
    """What `program WORDS` typed alone is judged to do (firewall.py, then the table rows)."""
    from blastwall.analyze.shell.firewall import handle_firewall
    from blastwall.analyze.shell.programs import match

    argv = [Word.lit(program), *(Word.lit(w) for w in words)]
    cmd = SimpleCommand(argv, source=source)
    found = handle_firewall(program, argv, cmd, Scope(read_files=False))
    return found if found is not None else match(program, argv, source=source)


# ---- iptables-save format -------------------------------------------------------------------------

def iptables_file(program: str, text: str, source: str, *, noflush: bool = False) -> list[Finding]:
    """Findings for an iptables-save file restored by `program` (iptables or ip6tables)."""
    from blastwall.analyze.shell.firewall import _iptables_lockout

    table = ""
    policies: dict[str, str] = {}
    accepts: set[str] = set()
    out: list[Finding] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line == "COMMIT":
            continue
        if line.startswith("*"):
            table = line[1:].strip()
            continue
        if line.startswith(":"):
            parts = line[1:].split()
            if len(parts) >= 2 and table in ("", "filter"):
                policies[parts[0]] = parts[1]
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            return [unknown("shell.system:firewall-file-unread", f"{program}-restore loads a line blastwall cannot "
                            f"read ({line[:60]}); a human must check the rules", source)]
        if table and table != "filter":
            words = ["-t", table, *words]
        out.extend(_judged(program, words, source))
        accepted = _accepts_access(words, _iptables_lockout)
        if accepted:
            accepts.add(accepted)
    for chain, policy in policies.items():
        if policy.upper() in ("DROP", "REJECT") and chain in _inbound() and chain not in accepts:
            out.append(_rule("shell.system:firewall-file-policy-drop", f"{chain} ({program}-restore)", source))
    del noflush  # a restore replaces only the chains it names; what it adds is judged above
    return out


def _inbound() -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table

    return frozenset(load_table("firewall")["inbound_chains"])


def _accepts_access(words: list[str], lockout: Any) -> str:
    """The chain an ACCEPT rule opens to the access port on, or "": the rule, were it a drop, would
    lock the operator out (the same reading of ports, sources and states as a drop)."""
    targets = {"-j", "--jump"}
    for i, w in enumerate(words[:-1]):
        if w in targets and words[i + 1] == "ACCEPT":
            as_drop = [*words[:i + 1], "DROP", *words[i + 2:]]
            if lockout([(x, False) for x in as_drop]) is not None:
                chain = next((words[k + 1] for k, x in enumerate(words[:-1]) if x in ("-A", "--append", "-I",
                                                                                      "--insert")), "")
                return chain
    return ""


# ---- nftables scripts -------------------------------------------------------------------------

def nftables_text(text: str, source: str) -> list[Finding]:
    """Findings for an nft script: flat commands (`add rule inet filter input ...`, `flush ruleset`)
    and table blocks (`table inet filter { chain input { type filter hook input priority 0; policy
    drop; tcp dport 22 accept } }`)."""
    out: list[Finding] = []
    flushes: list[str] = []
    built = False
    for family, table_name, chain, statement, block in _nft_statements(text):
        if block:
            built = True
            if chain is None:
                continue
            words = statement.split()
            if "policy" in words and ("drop" in words or "reject" in words) and _hooked_inbound(chain.hook):
                if not chain.accepts_access:
                    out.append(_rule("shell.system:firewall-file-policy-drop", f"{chain.name} (nft -f)", source))
                continue
            if _is_rule(words):
                out.extend(_judged("nft", ["add", "rule", family, table_name, chain.name, *words], source))
            continue
        words = statement.split()
        if not words:
            continue
        if words[0] == "flush":
            flushes.append(statement)
            continue
        if words[0] in ("add", "create", "insert", "replace") and len(words) > 1 and words[1] in ("table", "chain"):
            built = True
        out.extend(_judged("nft", words, source))
    if flushes and not built:
        out.extend(_judged("nft", flushes[0].split(), source))
    return out


_NFT_KEYWORDS = frozenset({"type", "hook", "policy", "priority", "device", "devices", "flags", "comment", "counter",
                           "set", "map", "elements", "size", "timeout", "ct", "flowtable", "quota", "limit"})


def _is_rule(words: list[str]) -> bool:
    return bool(words) and words[0] not in _NFT_KEYWORDS | {"}", "{"}


def _hooked_inbound(hook: str) -> bool:
    from blastwall.analyze.ruleset import load_table

    return hook in load_table("firewall")["inbound_words"]


class _Chain:
    def __init__(self, name: str) -> None:
        self.name = name
        self.hook = ""
        self.accepts_access = False


def _nft_statements(text: str) -> list[tuple[str, str, _Chain | None, str, bool]]:
    """(family, table, chain, statement, inside a table block) for each statement of the script."""
    from blastwall.analyze.shell.firewall import _nft_statement

    tokens = text.replace("{", " { ").replace("}", " } ").replace(";", " ; ")
    lines: list[str] = []
    for raw in tokens.splitlines():
        line = raw.split("#", 1)[0]
        lines.append(line)
    flat = " ; ".join(lines).split()
    out: list[tuple[str, str, _Chain | None, str, bool]] = []
    stack: list[str] = []
    family = table_name = ""
    chain: _Chain | None = None
    current: list[str] = []
    chains: list[_Chain] = []
    pending: list[tuple[str, str, _Chain | None, str, bool]] = []
    for tok in [*flat, ";"]:
        if tok == "{":
            head = current
            current = []
            if head[:1] == ["table"]:
                family, table_name = (head[1], head[2]) if len(head) > 2 else ("ip", head[1] if len(head) > 1 else "")
                stack.append("table")
            elif head[:1] == ["chain"] and stack == ["table"]:
                chain = _Chain(head[1] if len(head) > 1 else "")
                chains.append(chain)
                stack.append("chain")
            else:
                stack.append("other")
            continue
        if tok in (";", "}"):
            if current:
                statement = " ".join(current)
                if stack and chain is not None and stack[-1] == "chain":
                    if current[:1] == ["type"] and "hook" in current:
                        chain.hook = current[current.index("hook") + 1] if current.index("hook") + 1 < len(current) \
                            else ""
                    if "accept" in current:
                        probe = [("drop" if t == "accept" else t, False) for t in current]
                        if _nft_statement(probe, True, chain.name) is not None:
                            chain.accepts_access = True
                    pending.append((family, table_name, chain, statement, True))
                elif not stack:
                    pending.append(("", "", None, statement, False))
                current = []
            if tok == "}" and stack:
                if stack.pop() == "chain":
                    chain = None
                if not stack:
                    pending.append((family, table_name, None, "", True))
            continue
        current.append(tok)
    out.extend(pending)
    return out


register(list(_table()["restore_programs"]), handle_restore)
