"""Message queues and logs whose data an ordinary-looking call removes (`rules/queues.toml`).

    POST /api/queues/%2F/orders/get {"ackmode": "ack_requeue_false"}    RabbitMQ: the messages are gone
    rabbitmq get_messages {"queue": "orders", "ackmode": "ack_requeue_true"}   a peek: they go back
    POST .../topics/orders/configs:alter {"data": [{"name": "retention.ms", "value": "1000"}]}
    kafka alter_topic_config {"configs": {"retention.ms": "1000"}}      Kafka: older records are deleted
    kafka alter_topic_config {"configs": {"cleanup.policy": "compact"}}   Kafka: all but each key's latest go

The same judgment for both doors: `http_findings` for a request, `mcp_findings` for a tool call.
A reading of a queue that puts the messages back, a retention that is unlimited or at least
Kafka's default, and the `delete` cleanup policy (Kafka's default), pass.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

__all__ = ["compactions", "config_findings", "consumed", "http_findings", "mcp_findings", "retention_cuts"]


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("queues")


def _row(rule_id: str) -> dict[str, Any]:
    return next(r for r in _table()["rule"] if r["id"] == rule_id)


def _finding(rule_id: str, source: str, target: str, why: str) -> Finding:
    row = _row(rule_id)
    return Finding(
        rule_id=rule_id,
        effect=Effect(row["effect"]),
        severity=Severity.parse(str(row["severity"])),
        reason=str(row["reason"]).format(source=source, target=target, why=why),
        target=target[:200],
        safer=str(row.get("safer", "")),
        source=source[:200],
    )


# ---- RabbitMQ: reading that removes -------------------------------------------------------------

@functools.cache
def _get_path() -> rx.Pattern:
    """The path of RabbitMQ's management API read of a queue's messages."""
    return rx.compile(_table()["rabbitmq"]["get_path"])


def _ackmode_verdict(value: Any) -> str | None:
    """Why an `ackmode` removes the messages, or None for a peek."""
    peek = {m.casefold() for m in _table()["rabbitmq"]["peek_ackmodes"]}
    if isinstance(value, str) and value.strip().casefold() in peek:
        return None
    return f"ackmode {str(value)[:40]}"


def consumed(args: Any, *, reading_tool: bool) -> str | None:
    """Why a queue read with these arguments removes what it reads (None: it puts them back or
    says nothing about it). `reading_tool`: the flags `requeue: false` and automatic acks count."""
    from blastwall.analyze.http.catalog import value_matches

    if not isinstance(args, dict):
        return None
    t = _table()["rabbitmq"]
    for key in t["ackmode_keys"]:
        if key in args:
            return _ackmode_verdict(args[key])
    if not reading_tool:
        return None
    for key in t["requeue_keys"]:
        if key in args and value_matches(args[key], False):
            return f"{key}: false"
    for key in t["auto_ack_keys"]:
        if key in args and value_matches(args[key], True):
            return f"{key}: true"
    return None


# ---- Kafka: retention that deletes ---------------------------------------------------------------

@functools.cache
def _retention_keys() -> frozenset[str]:
    t = _table()["kafka"]
    return frozenset(k.casefold() for k in (*t["time_keys"], *t["size_keys"]))


@functools.cache
def _policy_keys() -> frozenset[str]:
    return frozenset(k.casefold() for k in _table()["kafka"]["policy_keys"])


@functools.cache
def _kafka_keys() -> frozenset[str]:
    return _retention_keys() | _policy_keys()


@functools.cache
def _rabbit_keys() -> frozenset[str]:
    """The arguments a RabbitMQ read's removal is told by (`consumed` reads nothing else)."""
    t = _table()["rabbitmq"]
    return frozenset((*t["ackmode_keys"], *t["requeue_keys"], *t["auto_ack_keys"]))


def _pairs(value: Any, known: frozenset[str]) -> list[tuple[str, Any]]:
    """(setting, value) pairs of the settings `known` anywhere in `value`: `{"retention.ms": "1000"}`,
    `{"name": "retention.ms", "value": "1000"}`, and `retention.ms=1000` text (comma-separated, as
    kafka-configs takes it). A list value (`{"cleanup.policy": ["compact", "delete"]}`) is one value."""
    from blastwall.analyze.http.request import walk

    t = _table()["kafka"]
    out: list[tuple[str, Any]] = []
    items = walk(value)
    if isinstance(value, str):
        items.append(("", value))
    objects = [value] if isinstance(value, dict) else []
    objects += [v for _, v in items if isinstance(v, dict)]
    objects += [x for _, v in items if isinstance(v, list) for x in v if isinstance(x, dict)]
    if isinstance(value, list):
        objects += [x for x in value if isinstance(x, dict)]
    for key, v in items:
        if key.casefold() in known and not isinstance(v, dict):
            out.append((key.casefold(), ",".join(map(str, v[:20])) if isinstance(v, list) else v))
        elif isinstance(v, str) and "=" in v:
            for part in rx.split(r"[,\s]+", v):
                name, eq, setting = part.partition("=")
                if eq and name.strip().casefold() in known:
                    out.append((name.strip().casefold(), setting.strip()))
    for obj in objects:
        name = next((obj[k] for k in t["name_keys"] if isinstance(obj.get(k), str)), None)
        if name is not None and name.strip().casefold() in known:
            setting = next((obj[k] for k in t["value_keys"] if k in obj), None)
            out.append((name.strip().casefold(), ",".join(map(str, setting[:20])) if isinstance(setting, list)
                        else setting))
    return out


def _cut(name: str, value: Any) -> str | None:
    """Why setting `name` to `value` deletes records, or None (unlimited, or at least the default)."""
    t = _table()["kafka"]
    text = str(value).strip() if value is not None else ""
    try:
        number = float(text)
    except ValueError:
        return f"{name}={text[:40] or 'a value blastwall cannot read'}"
    if number == -1:
        return None
    if name in {k.casefold() for k in t["size_keys"]}:
        return f"{name}={text} (a size bound: older records beyond it go)"
    scale = {k.casefold(): v for k, v in t["time_keys"].items()}[name]
    ms = number * scale
    if ms >= t["short_retention_ms"]:
        return None
    return f"{name}={text} ({_duration(ms)})"


def _duration(ms: float) -> str:
    for unit, size in (("days", 86_400_000), ("hours", 3_600_000), ("minutes", 60_000), ("seconds", 1000)):
        if ms >= size:
            return f"{ms / size:g} {unit if ms != size else unit[:-1]}"
    return f"{ms:g} ms"


def retention_cuts(value: Any) -> list[str]:
    """Each setting in `value` that shortens what a Kafka log keeps below the default."""
    seen: list[str] = []
    for name, setting in _pairs(value, _retention_keys()):
        why = _cut(name, setting)
        if why and why not in seen:
            seen.append(why)
    return seen


def compactions(value: Any) -> list[str]:
    """Each cleanup policy in `value` that compacts the log (`cleanup.policy=compact,delete`)."""
    compacting = set(_table()["kafka"]["compacting"])
    seen: list[str] = []
    for name, setting in _pairs(value, _policy_keys()):
        if setting is None or isinstance(setting, (dict, bool)):
            continue
        text = str(setting).strip()
        if compacting & {w.casefold() for w in rx.split(r"[\s,\[\]\"']+", text) if w}:
            why = f"{name}={text[:40]}"
            if why not in seen:
                seen.append(why)
    return seen


# ---- the doors ----------------------------------------------------------------------------------

def config_findings(source: str, target: str, value: Any) -> list[Finding]:
    """Kafka settings in `value` that cut retention or compact a log away (every door's reading)."""
    return ([_finding("queue.kafka:retention-cut", source, target, why) for why in retention_cuts(value)]
            + [_finding("queue.kafka:compaction", source, target, why) for why in compactions(value)])


def http_findings(method: str, path: str, body: Any, display: str) -> list[Finding]:
    """Findings for a request that can change something (the caller skips reads)."""
    source = f"{method} {display}"
    out: list[Finding] = []
    get_path = _get_path().search(path) is not None
    why = consumed(body, reading_tool=False) if isinstance(body, dict) else None
    if get_path and why is None and not (isinstance(body, dict) and any(
            k in body for k in _table()["rabbitmq"]["ackmode_keys"])):
        why = "no ackmode given"
    if why:
        out.append(_finding("queue.rabbitmq:consume", source, display, why))
    whole = body
    last = path.rsplit("/", 1)[-1].casefold()
    if isinstance(body, dict) and last in _kafka_keys():
        whole = {last: body.get("value"), "body": body}  # PUT .../configs/retention.ms {"value": "1000"}
    if not _may_name(whole, _kafka_keys()):
        return out  # no Kafka setting is named anywhere in the request (most requests)
    out += [_finding("queue.kafka:retention-cut", source, display, why) for why in retention_cuts(whole)]
    out += [_finding("queue.kafka:compaction", source, display, why) for why in compactions(whole)]
    return out


def mcp_findings(server: str, tool: str, args: Any) -> list[Finding]:
    from blastwall.analyze.http.sniff import words

    if not isinstance(args, dict) or not args:
        return []
    rabbit, kafka = not _rabbit_keys().isdisjoint(args), _may_name(args, _kafka_keys())
    if not rabbit and not kafka:
        return []  # no queue read's flag and no Kafka setting anywhere in the arguments (most tool calls)
    target = next((str(args[k]) for k in ("queue", "queue_name", "queueName", "topic", "topic_name", "topicName",
                                          "name") if isinstance(args.get(k), (str, int))), "its target")
    source = f"{server} {tool} on {target}".strip()
    reading = bool(set(words(tool)) & set(_table()["rabbitmq"]["read_words"]))
    out: list[Finding] = []
    why = consumed(args, reading_tool=reading) if rabbit else None  # `consumed` reads only those flags
    if why:
        out.append(_finding("queue.rabbitmq:consume", source, target, why))
    if not kafka:
        return out
    out += [_finding("queue.kafka:retention-cut", source, target, w) for w in retention_cuts(args)]
    out += [_finding("queue.kafka:compaction", source, target, w) for w in compactions(args)]
    return out


def _may_name(value: Any, keys: frozenset[str]) -> bool:
    """Whether `value` may name one of `keys` (casefolded) as a key, a `name=` text or a name value:
    False only when none of them occurs in its text at all. Text with a backslash (a JSON string's
    escapes, which `_pairs` decodes) may spell one: True."""
    try:
        text = repr(value).casefold()
    except RecursionError:
        return True
    if "\\" in text:
        return True
    for k in keys:  # noqa: SIM110 - a loop, not any(): no generator per call
        if k in text:
            return True
    return False
