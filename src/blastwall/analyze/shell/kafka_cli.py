"""Kafka topic and broker settings changed from the shell, read with the facts the HTTP and MCP
doors use (analyze/queues.py, rules/queues.toml [kafka]).

    kafka-configs --alter --entity-type topics --entity-name t --add-config retention.ms=1000   asked
    kafka-topics --alter --topic t --config cleanup.policy=compact                               asked
    kafka-configs --alter ... --add-config retention.ms=2592000000                               passes
    kafka-configs --alter ... --add-config-file t.properties                                     read

Only `--alter` changes settings; without it the table rows of rules/shell_streams.toml decide
(`--delete`, `--describe`, `--list`). A settings file that cannot be read asks.
"""

from __future__ import annotations

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_VALUES = ("--add-config", "--config")
_FILES = ("--add-config-file",)
_TARGETS = ("--entity-name", "--topic", "--entity-default", "--broker", "--topic-id")


def handle_kafka(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    words = argv[1:]
    if not any(w.text.startswith("--al") and "--alter".startswith(w.text.partition("=")[0]) for w in words):
        return None
    settings: list[str] = []
    target = "the topic"
    for i, w in enumerate(words):
        option, eq, inline = w.text.partition("=")
        value = (Word(inline, dynamic=w.dynamic) if eq else words[i + 1] if i + 1 < len(words) else None) \
            if option.startswith("--") else None
        if value is None:
            continue
        if option in _TARGETS:
            target = value.text if option != "--entity-default" else "every entity's default"
        elif option in _VALUES:
            settings.append(value.text if not value.dynamic or "=" in value.text else value.text + "=$")
        elif option in _FILES:
            text = _file(value, scope)
            if text is None:
                return [unknown("shell.kafka:unread-config-file", f"{name} sets the settings of {value.text}, which "
                                "blastwall cannot read; a human must check retention and cleanup.policy there",
                                cmd.source)]
            settings.append(",".join(line.strip() for line in text.splitlines()
                                     if line.strip() and not line.lstrip().startswith(("#", "!"))))
    if not settings:
        return None
    from blastwall.analyze.queues import config_findings
    from blastwall.analyze.shell.programs import match

    found = config_findings(f"{name} --alter", target, ",".join(settings))
    return found + match(name, argv, source=cmd.source) if found else None


def _file(path: Word, scope: Scope) -> str | None:
    if path.dynamic or "$" in path.text or path.text in ("-", "") or path.text.startswith(("/dev/", "/proc/")):
        return None
    from blastwall.analyze.shell.scripts import script_text

    return script_text(path.text, scope).text


register(["kafka-configs", "kafka-configs.sh", "kafka-topics", "kafka-topics.sh"], handle_kafka)
