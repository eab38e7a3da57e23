"""Calls a cloud scheduler makes later on the agent's behalf, judged now as the call they make.

- `gcloud scheduler jobs create|update http --uri U --http-method M [--message-body B]` and
  `gcloud tasks create-http-task --url U --method M [--body-content B]`: the request is judged by
  the HTTP analyzer as if sent now (a DELETE of a bucket asks; a GET of a health URL passes). A body
  read from a file is unread and asks for a write to a provider API.
- An AWS universal target, `arn:aws:scheduler:::aws-sdk:SERVICE:ACTION` (EventBridge Scheduler) or
  `arn:aws:states:::aws-sdk:SERVICE:ACTION` (a Step Functions task), written anywhere in an aws
  command's arguments: the SDK action is judged by botocore's catalog as `aws SERVICE ACTION` is.

The rows (which commands, which options) are data in `rules/scheduled_calls.toml [[scheduled_http]]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding, Severity

_SDK_TARGET = r"arn:aws[a-z-]*:(?:scheduler|states):[a-z0-9-]*:[0-9]*:aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)"


def _rows() -> list[dict[str, Any]]:
    return list(load_table("scheduled_calls").get("scheduled_http", []))


def _value(argv: list[Word], names: list[str]) -> Word | None:
    """The value of the first of these options (`--uri U`, `--uri=U`)."""
    for i, w in enumerate(argv):
        for n in names:
            if w.text == n and i + 1 < len(argv):
                return argv[i + 1]
            if w.text.startswith(n + "="):
                return Word(w.text[len(n) + 1:], dynamic=w.dynamic)
    return None


def _starts(texts: list[str], words: list[str]) -> bool:
    """The positionals begin with these command words."""
    return texts[: len(words)] == words


def scheduled_http(program: str, argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    """Findings for the HTTP request a scheduler job or task created here will send."""
    from blastwall.analyze.shell.programs import _tables_for, parse_args

    texts = list(parse_args(argv[1:], _tables_for(program)[0].get(program)).positionals)
    for row in _rows():
        if row["program"] != program or not any(_starts(texts, c.split()) for c in row["commands"]):
            continue
        url = _value(argv, row["url"])
        if url is None:
            return []  # the command fails without one (or updates another field only)
        method = _value(argv, row["method"])
        body = _value(argv, row.get("body", []))
        why = ""
        if _value(argv, row.get("body_files", [])) is not None:
            why = "its body is read from a file blastwall does not open"
        if url.dynamic or (method is not None and method.dynamic) or (body is not None and body.dynamic):
            why = why or "its URL, method or body is only known when the command runs"
        from blastwall.analyze.http import analyze_request
        from blastwall.analyze.http.unread import unread_body

        verb = (method.text if method is not None else row["default_method"]).upper()
        where = url.text if "://" in url.text else "https://" + url.text
        deeper = scope.deeper(f"{program} {row['label']} (sent later)")
        found = analyze_request(verb, where, None, body.text if body is not None else None, deeper)
        if why:
            found += unread_body(verb, where, None, client=f"{program} {row['label']}", why=why, source=source)
        return [f._replace(reason=f"{row['label']} sends later: {f.reason}", source=source[:200]) for f in found]
    return []


def target_files(argv: list[Word], scope: Scope, source: str) -> tuple[list[str], list[Finding]]:
    """The texts of `file://` values of an aws command whose targets another service calls later
    (`[sdk_target_files]`), and an ask for each one that cannot be read."""
    from blastwall.analyze.shell.programs import _tables_for, parse_args

    positionals = parse_args(argv[1:], _tables_for("aws")[0].get("aws")).positionals
    if " ".join(positionals[:2]) not in load_table("scheduled_calls")["sdk_target_files"]["commands"]:
        return [], []
    from blastwall.analyze.base import unknown
    from blastwall.analyze.shell.tree_changes import read_as_run

    texts: list[str] = []
    asks: list[Finding] = []
    for w in argv[1:]:
        value = w.text.split("=", 1)[1] if w.text.startswith("--") and "=" in w.text else w.text
        if not value.startswith("file://"):
            continue
        text = None if w.dynamic else read_as_run(value[len("file://"):], scope)
        if text is None:
            asks.append(unknown("shell.aws:later-target-unread", f"the targets or definition in {value[:120]} are "
                                "called later and blastwall cannot read them; a human must check what they call",
                                source))
        else:
            texts.append(text)
    return texts, asks


def sdk_targets(argv: list[Word], source: str, texts: Sequence[str] = ()) -> list[Finding]:
    """Findings for each AWS SDK action a universal target in the arguments (or `texts`) names."""
    hits = {(m.group(1), m.group(2)) for t in [*(w.text for w in argv), *texts] for m in rx.finditer(_SDK_TARGET, t)}
    if not hits:
        return []
    from blastwall.analyze.catalogs import ops
    from blastwall.analyze.catalogs.judge import finding
    from blastwall.analyze.catalogs.verbs import classify, words

    out: list[Finding] = []
    for service, action in sorted(hits):
        cli_service = ops.aws_cli_name(service)
        operation = "-".join(words(action))
        op = ops.aws_cli(cli_service, operation) or ops.Op("aws", cli_service, operation, f"AWS {cli_service}")
        verb = classify(op.name, "aws") or classify(operation, "aws")
        if verb is None or verb.cls.severity == Severity.NONE:
            continue
        f = finding("shell", op._replace(name=operation), verb.cls, f"aws-sdk:{service}:{action}", source)
        out.append(f._replace(reason=f"a scheduled or state-machine target calls {service}:{action} later: {f.reason}"))
    return out
