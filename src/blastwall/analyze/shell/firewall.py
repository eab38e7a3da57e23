"""Firewall rules that lock the operator out (rules/firewall.toml).

    iptables -A INPUT -p tcp --dport 22 -j DROP              -> shell.system:firewall-lockout
    nft add rule inet filter input tcp dport ssh drop         -> shell.system:firewall-lockout
    iptables -I INPUT -s 203.0.113.9 -p tcp --dport 22 -j DROP -> nothing: one source is refused
    iptables -A INPUT -p tcp --dport 8080 -j DROP             -> nothing: another port

A rule added to the chain connections to this machine pass, whose verdict drops or rejects, locks
the operator out unless something narrows it away from the access port: a source address, another
protocol, another port, only INVALID packets, the loopback interface, or a rate over which it drops.
A value blastwall cannot read (`--dport $PORT`) narrows nothing. Other firewall changes (flushes,
deletes, default policies, ufw) are rows of rules/shell_system.toml, still matched beside this one.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

_IPTABLES = ("iptables", "ip6tables", "iptables-nft", "iptables-legacy", "ip6tables-nft", "ip6tables-legacy")
_ADDS = frozenset({"-A", "--append", "-I", "--insert", "-R", "--replace"})
_TARGETS = frozenset({"-j", "--jump", "-g", "--goto"})
_PROTOCOLS = frozenset({"-p", "--protocol"})
_DPORTS = frozenset({"--dport", "--dports", "--destination-port", "--destination-ports"})
_SPORTS = frozenset({"--sport", "--sports", "--source-port", "--source-ports"})
_SOURCES = frozenset({"-s", "--source", "--src", "--src-range", "--match-set"})
_DESTINATIONS = frozenset({"-d", "--destination", "--dst", "--dst-range"})
_STATES = frozenset({"--state", "--ctstate"})
_IN_INTERFACES = frozenset({"-i", "--in-interface"})
_OUT_INTERFACES = frozenset({"-o", "--out-interface"})


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("firewall")


class _Rule(NamedTuple):
    """One added rule, as the words that decide whether it reaches the access port."""

    inbound: bool
    drops: bool
    narrowed: bool
    ports: list[tuple[str, bool, bool]]  # (port spec, negated, dynamic) of the side that serves SSH


def handle_firewall(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """The lockout finding beside the program's table rows, or None to leave the tables alone."""
    words = [(w.text, w.dynamic) for w in argv[1:]]
    if name == "nft" and any(t.startswith(("-f", "--file")) for t, _ in words):
        from blastwall.analyze.shell.firewall_files import nft_file

        loaded = nft_file(argv, cmd, scope)  # `nft -f rules.nft`: the file's commands
        if loaded is not None:
            return loaded
    if name == "nft":
        locked = _nft_lockout(words)
    elif name == "firewall-cmd":
        locked = _firewalld_lockout(words)
    else:
        locked = _iptables_lockout(words)
    if locked is None:
        return None
    from blastwall.analyze.shell.programs import match

    row = _table()["rule"][0]
    return [Finding(rule_id=str(row["id"]), effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                    reason=str(row["reason"]).replace("{what}", locked), target=locked, reversible=True,
                    safer=str(row["safer"]), source=cmd.source[:200])] + match(name, argv, source=cmd.source)


# ---- iptables ---------------------------------------------------------------------------------

def _iptables_lockout(words: list[tuple[str, bool]]) -> str | None:
    """What an added iptables rule drops when it reaches the access port (`port 22`), or None."""
    table = _table()
    chain: str | None = None
    inbound = drops = narrowed = False
    ports: list[tuple[str, bool, bool]] = []
    negate = False
    i = 0
    while i < len(words):
        text, dynamic = words[i]
        value, vdyn = words[i + 1] if i + 1 < len(words) else ("", False)
        option, eq, inline = text.partition("=") if text.startswith("--") else (text, "", "")
        if eq:
            value, vdyn = inline, dynamic
        step = 1 if eq else 2
        if text == "!":
            negate = True
            i += 1
            continue
        if option in _ADDS:
            chain = value
            inbound = value in table["inbound_chains"]
            if not inbound and value not in table["outbound_chains"] and not vdyn:
                return None  # a chain of its own or FORWARD: traffic through, not to, this machine
        elif option in _TARGETS:
            drops = vdyn or value in table["drop_targets"]
        elif option in _PROTOCOLS:
            narrowed |= not vdyn and (value.lower() in table["other_protocols"]) != negate
        elif option in (_DPORTS if chain is None or inbound else _SPORTS):
            ports.append((value, negate, vdyn))
        elif option in (_SPORTS if chain is None or inbound else _DPORTS):
            narrowed |= not negate and not vdyn  # a client's port, or another service's answers
        elif option in (_SOURCES if chain is None or inbound else _DESTINATIONS):
            narrowed |= not negate and not vdyn
        elif option in _STATES:
            narrowed |= not negate and not vdyn and all(s in table["harmless_states"] for s in value.split(","))
        elif option in (_IN_INTERFACES if chain is None or inbound else _OUT_INTERFACES):
            narrowed |= not negate and not vdyn and value in table["local_interfaces"]
        elif option in table["rate_options"]:
            narrowed = True
        else:
            step = 1
        negate = False
        i += step
    if chain is None:
        return None
    return _verdict(_Rule(inbound, drops, narrowed, ports), chain)


def _verdict(rule: _Rule, chain: str) -> str | None:
    if not rule.drops or rule.narrowed:
        return None
    if rule.ports and not all(_covers(spec, negated, dynamic) for spec, negated, dynamic in rule.ports):
        return None  # every port condition of the rule must let port 22 through to the drop
    return f"port 22 ({chain})" if rule.ports else f"every port ({chain})"


def _covers(spec: str, negated: bool, dynamic: bool) -> bool:
    """Whether a port condition (`22`, `ssh`, `20:30`, `80,22`, `{ 22, 80 }`, `1-1024`) holds for
    the access port; a negated one (`! --dport 80`) holds where the spec does not."""
    if dynamic:
        return True
    named = _in_spec(spec)
    return named != negated


def _in_spec(spec: str) -> bool:
    table = _table()
    ports = set(table["access_ports"])
    for item in spec.strip("{} ").replace(" ", "").split(","):
        item = item.split("/")[0]
        if not item:
            continue
        if item.lower() in table["access_names"]:
            return True
        sep = ":" if ":" in item else "-" if "-" in item else None
        if sep is not None:
            low, _, high = item.partition(sep)
            if low.isdigit() or high.isdigit() or not (low or high):
                lo = int(low) if low.isdigit() else 0
                hi = int(high) if high.isdigit() else 65535
                if any(lo <= p <= hi for p in ports):
                    return True
            continue
        if item.isdigit() and int(item) in ports:
            return True
        if item.startswith("$") or item.startswith("@"):
            return True  # a variable or a named set blastwall cannot read
    return False


# ---- nftables -----------------------------------------------------------------------------------

def _nft_lockout(words: list[tuple[str, bool]]) -> str | None:
    """`nft add rule [family] TABLE CHAIN STATEMENT...` (one or more commands, split on `;`)."""
    tokens: list[tuple[str, bool]] = []
    i = 0
    while i < len(words):
        text, dynamic = words[i]
        if text in ("-c", "--check"):
            return None  # checks the commands and changes nothing
        if text in ("-f", "--file", "-I", "--includepath", "-D", "--define"):
            i += 2
            continue
        if not text.startswith("-") or tokens:
            for part in text.replace(";", " ; ").replace("\n", " ; ").replace("{", " { ").replace("}", " } ").split():
                tokens.append((part, dynamic))
        i += 1
    command: list[tuple[str, bool]] = []
    for token in [*tokens, (";", False)]:
        if token[0] != ";":
            command.append(token)
            continue
        locked = _nft_command(command)
        if locked is not None:
            return locked
        command = []
    return None


def _nft_command(command: list[tuple[str, bool]]) -> str | None:
    table = _table()
    texts = [t for t, _ in command]
    if len(texts) < 4 or texts[0] not in ("add", "insert", "replace", "create") or texts[1] != "rule":
        return None
    rest = command[2:]
    if rest and rest[0][0] in table["nft_families"]:
        rest = rest[1:]
    if len(rest) < 3:
        return None
    chain = rest[1][0]
    inbound = any(w in chain.lower() for w in table["inbound_words"])
    if not inbound and not any(w in chain.lower() for w in table["outbound_words"]) and not rest[1][1]:
        return None
    body = rest[2:]
    if body and body[0][0] in ("handle", "position", "index"):
        body = body[2:]
    return _nft_statement(body, inbound, chain)


def _nft_statement(body: list[tuple[str, bool]], inbound: bool, chain: str) -> str | None:
    table = _table()
    drops = narrowed = False
    ports: list[tuple[str, bool, bool]] = []
    served, client = ("dport", "sport") if inbound else ("sport", "dport")
    address = "saddr" if inbound else "daddr"
    interfaces = ("iifname", "iif") if inbound else ("oifname", "oif")
    i = 0
    while i < len(body):
        text, dynamic = body[i]
        low = text.lower()
        negated = i + 1 < len(body) and body[i + 1][0] == "!="
        value_at = i + 2 if negated else i + 1
        value, vdyn = _nft_value(body, value_at)
        if low in ("drop", "reject"):
            drops = True
        elif low in table["other_protocols"] and (i == 0 or body[i - 1][0] in ("l4proto", "protocol", "nexthdr")):
            narrowed = True
        elif low == served:
            ports.append((value, negated, vdyn or dynamic))
        elif low == client:
            narrowed |= not negated
        elif low == address:
            narrowed |= not negated and not vdyn
        elif low in interfaces:
            narrowed |= not negated and value.strip('"') in table["local_interfaces"]
        elif low == "state" and i > 0 and body[i - 1][0] == "ct":
            narrowed |= not negated and all(s in table["harmless_states"] for s in value.split(","))
        elif low in table["rate_options"]:
            narrowed = True
        i += 1
    return _verdict(_Rule(inbound, drops, narrowed, ports), chain)


def _nft_value(body: list[tuple[str, bool]], at: int) -> tuple[str, bool]:
    """The value at `at`: one word, or a `{ a, b }` set joined back into one spec."""
    if at >= len(body):
        return "", False
    if body[at][0] != "{":
        return body[at]
    parts: list[str] = []
    dynamic = False
    for text, dyn in body[at + 1:]:
        if text == "}":
            break
        parts.append(text)
        dynamic |= dyn
    return "{" + " ".join(parts) + "}", dynamic


# ---- firewalld ----------------------------------------------------------------------------------

def _firewalld_lockout(words: list[tuple[str, bool]]) -> str | None:
    """`firewall-cmd --direct --add-rule ipv4 filter INPUT 0 ARGS` (iptables arguments) and a rich
    rule that drops or rejects the SSH service or port 22 (`--add-rich-rule='rule service name=ssh drop'`)."""
    texts = [t for t, _ in words]
    for i, text in enumerate(texts):
        if text in ("--add-rule", "--insert-rule") and i + 4 < len(words):
            chain = words[i + 3]
            locked = _iptables_lockout([("-A", False), chain, *words[i + 5:]])
            if locked is not None:
                return locked
        option, _, inline = text.partition("=")
        if option == "--add-rich-rule":
            rule = inline if inline else texts[i + 1] if i + 1 < len(texts) else ""
            locked = _rich_rule(rule)
            if locked is not None:
                return locked
    return None


def _rich_rule(rule: str) -> str | None:
    table = _table()
    fields = rule.replace('"', " ").replace("'", " ").replace("=", " = ").split()
    if not fields or not {"drop", "reject"} & {f.lower() for f in fields}:
        return None
    values = {fields[i - 1].lower(): fields[i + 1] for i, f in enumerate(fields) if f == "=" and 0 < i < len(fields) - 1}
    if "address" in values and "source" in [f.lower() for f in fields] and "not" not in [f.lower() for f in fields]:
        return None
    if "service" in [f.lower() for f in fields]:
        return "port 22 (rich rule)" if values.get("name", "").lower() in table["access_names"] else None
    if "port" in values:
        return "port 22 (rich rule)" if _in_spec(values["port"]) else None
    if "protocol" in values and values.get("value", "").lower() in table["other_protocols"]:
        return None
    return "every port (rich rule)"


register(["nft", "firewall-cmd", *_IPTABLES], handle_firewall)
