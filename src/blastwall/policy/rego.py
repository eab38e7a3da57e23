"""Rego policies evaluated in-process with regopy (rego-cpp).

    compiled = load(layer)              # read, compile once per distinct text (cached)
    value = evaluate(compiled, doc)     # data.blastwall.decision for one input document

Prepare once, evaluate many: a policy's files are compiled into a bundle the first time their
text is seen and reused for every later check in the process (the warm checker compiles once,
not per call). A compiled policy holds a lock: rego-cpp interpreters are not shared between
threads mid-query.

Errors come back as `RegoProblem`, whose message names the file, line and column when rego-cpp
gives a position. Nothing here prints: rego-cpp's own logging is switched off (it writes to
standard output, which a hook must keep for its answer).
"""

from __future__ import annotations

import json
import os
import re
import threading
from functools import lru_cache
from typing import Any, NamedTuple

from blastwall.policy import rego_source
from blastwall.policy.isolate import crash_of
from blastwall.policy.rego_answer import UNDEFINED

QUERY = "data.blastwall.decision"
PACKAGE = "blastwall"
Sources = tuple[tuple[str, str], ...]  # (path, text)
TEST_SUFFIX = "_test.rego"  # OPA's convention: tests beside the policy, loaded only by `blastwall policy test`
SAMPLE: dict[str, Any] = {  # a typical input document (docs/rego-input.schema.json) for trial evaluations
    "version": 1,
    "action": {"surface": "shell", "payload": "rm -rf build", "agent": "sample", "cwd": "/", "environment": None,
               "session": None, "database": None, "context": {}, "path": None, "digest": ""},
    "findings": [{"rule_id": "shell.fs:rm", "effect": "delete", "severity": "high", "severity_level": 3,
                  "target": "build", "path": "/build", "reason": "rm deletes build", "reversible": False,
                  "confidence": 1.0, "source": "rm -rf build", "environment": None, "production": False,
                  "evidence": [], "verified": False, "radius": None, "decision": "ask", "decided_by": "severity:high"}],
    "preflight": {"environments": ["unknown"], "production": False, "unverified": True, "shared": False},
    "radius": {"measured": False, "complete": False, "counts": {}},
    "policy": {"decision": "ask", "degraded": False},
    "time": {"now_ns": 0, "utc": "1970-01-01T00:00:00Z", "local": {"iso": "1970-01-01T00:00:00", "weekday": 4,
                                                                     "hour": 0, "minute": 0, "zone": "UTC",
                                                                     "utc_offset_s": 0}},
}


class RegoProblem(Exception):
    """The Rego layer cannot decide. The message is one line and names the file to fix;
    `problems` holds every error when there are several (`blastwall policy check` lists them)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class Compiled(NamedTuple):
    interpreter: Any
    bundle: Any
    lock: threading.Lock
    sources: Sources
    data: Sources


class TestResult(NamedTuple):
    name: str  # data.<package>.<rule>
    where: str  # file:line
    passed: bool
    error: str = ""


class Fired(NamedTuple):
    """One rule definition that holds for an input: `deny` at policy.rego:12."""

    name: str
    where: str
    value: Any


def regopy() -> Any:
    try:
        import regopy as module
    except ImportError as exc:
        raise RegoProblem("[policy.rego] is configured but regopy is not installed (`pip install regopy`)") from exc
    return module


def read_sources(paths: tuple[str, ...]) -> Sources:
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                out.append((path, f.read()))
        except (OSError, UnicodeDecodeError) as exc:
            raise RegoProblem(f"cannot read {path} ({' '.join(str(exc).split())})") from exc
    return tuple(out)


def load(files: tuple[str, ...], data: tuple[str, ...] = (), *, untrusted: bool = False) -> Compiled:
    """The compiled decision of a layer's files (test files left out)."""
    sources = read_sources(tuple(p for p in files if not p.endswith(TEST_SUFFIX)))
    if untrusted:
        for path, text in sources:
            if rego_source.uses_runtime(text):
                raise RegoProblem(f"{path} calls opa.runtime(), which reads the checker's environment; a policy file "
                                  "nobody trusted may not (`blastwall policy trust`)")
    return compile_sources(sources, read_sources(data))


def compile_sources(sources: Sources, data: Sources, query: str = QUERY) -> Compiled:
    """Compile once per distinct text (a long-running checker reuses the bundle; a policy that
    does not compile is not compiled again on every check either)."""
    result = _compiled(sources, data, query)
    if isinstance(result, RegoProblem):
        raise result
    return result


COMPILE_TIMEOUT_S = 30.0
CRASH_HINT = ("rego-cpp cannot yet compile `with input as {...}` on a rule that uses other rules: replace one "
              "field at a time, `with input.findings as [...]`")


@lru_cache(maxsize=16)
def _compiled(sources: Sources, data: Sources, query: str) -> Compiled | RegoProblem:
    regopy()  # imported before the trial fork, so the child does not import
    died = crash_of(lambda: _build(sources, data, query, trial=True), timeout_s=COMPILE_TIMEOUT_S)
    if died:
        names = ", ".join(os.path.basename(p) for p, _ in sources)
        hint = f"; {CRASH_HINT}" if "crashed" in died else ""
        return RegoProblem(f"rego-cpp failed compiling {names}: {died}{hint}")
    try:
        interpreter, bundle = _build(sources, data, query)
    except RegoProblem as problem:
        return problem
    return Compiled(interpreter, bundle, threading.Lock(), sources, data)


def _build(sources: Sources, data: Sources, query: str, *, trial: bool = False) -> tuple[Any, Any]:
    interpreter = _interpreter(sources, data)
    try:
        bundle = interpreter.build(query)
    except Exception as exc:  # noqa: BLE001 - regopy.RegoError, translated below
        raise _problem(str(exc), sources) from exc
    if not bundle.ok():
        raise RegoProblem("rego-cpp could not compile the policy")
    if trial:  # one evaluation on a typical input: a crash there is caught in the child too
        _run(interpreter, json.dumps(SAMPLE), lambda shared: shared.rego_bundle_query(interpreter._impl, bundle._impl),
             sources)
    return interpreter, bundle


def _interpreter(sources: Sources, data: Sources) -> Any:
    module = regopy()
    interpreter = module.Interpreter()
    interpreter.log_level = module.LogLevel.NONE  # it prints errors to standard output otherwise
    for path, text in data:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise RegoProblem(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(doc, dict):
            raise RegoProblem(f"{path}: a data file must hold one JSON object")
        interpreter.add_data_json(json.dumps(doc))
    for path, text in sources:
        try:
            interpreter.add_module(path, text)
        except Exception as exc:  # noqa: BLE001 - regopy.RegoError
            raise _problem(str(exc), sources) from exc
    return interpreter


def evaluate(compiled: Compiled, doc: dict[str, Any]) -> Any:
    """The value of the query for input `doc`, or UNDEFINED."""
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=str)
    with compiled.lock:
        return _run(compiled.interpreter, text, lambda shared: shared.rego_bundle_query(
            compiled.interpreter._impl, compiled.bundle._impl), compiled.sources)


def _run(interpreter: Any, input_json: str, query: Any, sources: Sources) -> Any:
    from regopy import rego_shared as shared

    shared.rego_set_input_term(interpreter._impl, input_json)
    output = query(shared)
    try:
        ok = shared.rego_output_ok(output)
        text = shared.rego_output_string(output)
    finally:
        shared.rego_free_output(output)
    return _value(ok, text, sources)


def _value(ok: bool, text: str, sources: Sources) -> Any:
    if not ok:
        detail = "" if text.strip() in ("", "<error>") else f": {first_error(text, sources)}"
        raise RegoProblem(f"evaluation failed (conflicting values for one rule, or a built-in error){detail}")
    if text.strip() == "undefined":
        return UNDEFINED
    try:
        result = json.loads(text)
    except ValueError:
        raise RegoProblem(f"evaluation failed: {first_error(text, sources)}") from None
    results = result if isinstance(result, list) else [result]
    if len(results) != 1:
        raise RegoProblem(f"the query has {len(results)} results; data.blastwall.decision must have one value")
    expressions = results[0].get("expressions") if isinstance(results[0], dict) else None
    if not expressions:
        return UNDEFINED
    return expressions[0]


# -- errors -------------------------------------------------------------------------------------

_ERROR = re.compile(r"\(error (\d+):")
_MESSAGE = re.compile(r"\(errormsg (\d+):")
_BARE_MESSAGE = re.compile(r"\(errormsg\s*(?:\d+:)?([^)\n]*)")


def errors(text: str, sources: Sources) -> list[str]:
    """rego-cpp's error tree as `file:line:col: message` lines. The tree writes each string as
    `<length>:<chars>` and a position as `|offset|length`."""
    texts = dict(sources)
    out: list[str] = []
    pos = 0
    while True:
        m = _ERROR.search(text, pos)
        if m is None:
            break
        start = m.end()
        name = text[start:start + int(m.group(1))]
        rest = text[start + len(name):]
        where = name
        loc = re.match(r"\|(\d+)\|(\d+)", rest)
        if loc and name in texts:
            offset = int(loc.group(1))
            body = texts[name]
            line = body.count("\n", 0, offset) + 1
            col = offset - (body.rfind("\n", 0, offset) + 1) + 1
            where = f"{name}:{line}:{col}"
        mm = _MESSAGE.search(text, start)
        message = text[mm.end():mm.end() + int(mm.group(1))] if mm else "Rego error"
        out.append(f"{where}: {' '.join(message.split())}")
        pos = start + len(name)
    if not out:
        m = _BARE_MESSAGE.search(text)
        out.append(" ".join((m.group(1) if m else text).split())[:200] or "Rego error")
    return out


def first_error(text: str, sources: Sources) -> str:
    found = errors(text, sources)
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return found[0] + more


def _problem(text: str, sources: Sources) -> RegoProblem:
    return RegoProblem(first_error(text, sources), errors(text, sources))


# -- checking, testing and explaining -----------------------------------------------------------


def check(sources: Sources, data: Sources, sample: dict[str, Any] | None = None) -> list[str]:
    """Every problem `blastwall policy check` reports: syntax and compile errors with file, line
    and column, a policy that defines no `data.blastwall.decision`, and errors evaluating it on
    `sample` (a real input document)."""
    try:
        compiled = compile_sources(sources, data)
    except RegoProblem as exc:
        return list(exc.problems)
    if not any(rego_source.package_of(text) == PACKAGE for _, text in sources):
        return [f"no file is in package {PACKAGE}: {QUERY} is undefined for every action"]
    if sample is not None:
        try:
            evaluate(compiled, sample)
        except RegoProblem as exc:
            return [f"{QUERY} on a sample action: {exc}"]
    return []


def run_tests(sources: Sources, data: Sources) -> list[TestResult]:
    """Every `test_*` rule of the files (OPA's convention): passes when it is true. A crash of
    rego-cpp fails every test of the set with the reason, and never ends this process."""
    regopy()
    died = crash_of(lambda: _run_tests(sources, data), timeout_s=60)
    if died:
        names = ", ".join(os.path.basename(p) for p, _ in sources)
        problem = f"rego-cpp failed running the tests of {names}: {died}; {CRASH_HINT}"
        return [TestResult(q, w, False, problem) for q, w, _ in _tests(sources)]
    return _run_tests(sources, data)


def _tests(sources: Sources) -> list[tuple[str, str, str]]:
    tests: list[tuple[str, str, str]] = []  # (query, where, entrypoint)
    for path, text in sources:
        package = rego_source.package_of(text)
        if not package:
            continue
        seen: set[str] = set()
        for rule in rego_source.rules(text):
            if rule.name.startswith("test_") and rule.name not in seen:
                seen.add(rule.name)
                tests.append((f"data.{package}.{rule.name}", f"{path}:{rule.line}", f"{package.replace('.', '/')}/{rule.name}"))
    return tests


def _run_tests(sources: Sources, data: Sources) -> list[TestResult]:
    tests = _tests(sources)
    if not tests:
        return []
    try:
        interpreter = _interpreter(sources, data)
        try:
            bundle = interpreter.build(None, [e for _, _, e in tests])
        except Exception as exc:  # noqa: BLE001 - regopy.RegoError
            raise _problem(str(exc), sources) from exc
    except RegoProblem as problem:
        return [TestResult(q, w, False, str(problem)) for q, w, _ in tests]
    out = []
    for query, where, entry in tests:
        try:
            value = _run(interpreter, "{}", _entrypoint(interpreter, bundle, entry), sources)
            out.append(TestResult(query, where, value is True))
        except RegoProblem as exc:
            out.append(TestResult(query, where, False, str(exc)))
    return out


def _entrypoint(interpreter: Any, bundle: Any, entry: str) -> Any:
    return lambda shared: shared.rego_bundle_query_entrypoint(interpreter._impl, bundle._impl, entry)


PROBE = "__blastwall_probe_"


def fired(sources: Sources, data: Sources, doc: dict[str, Any]) -> list[Fired]:
    """The rule definitions of package blastwall that hold for `doc`, in file order: each
    definition is copied under a probe name and the probes are read in one query. Costly (a
    compile), so only `blastwall explain` asks."""
    probed: list[tuple[str, str, str]] = []  # (probe name, rule name, where)
    changed: list[tuple[str, str]] = []
    for path, text in sources:
        if rego_source.package_of(text) != PACKAGE:
            changed.append((path, text))
            continue
        extra = []
        for rule in rego_source.rules(text):
            if rule.name == "decision" or not rule.name.startswith("test_"):
                probe = f"{PROBE}{len(probed)}"
                extra.append(probe + text[rule.start + len(rule.name):rule.end])
                probed.append((probe, rule.name, f"{path}:{rule.line}"))
        changed.append((path, text + "\n\n" + "\n\n".join(extra) + "\n"))
    if not probed:
        return []
    try:
        compiled = compile_sources(tuple(changed), data, f"data.{PACKAGE}")
        values = evaluate(compiled, doc)
    except RegoProblem:
        return []
    if not isinstance(values, dict):
        return []
    out = []
    for probe, name, where in probed:
        value = values.get(probe, UNDEFINED)
        if value is UNDEFINED or value == [] or value == {}:
            continue
        out.append(Fired(name, where, value))
    return out
