#!/usr/bin/env python3
"""Time a Rego policy of 50 rules adds to one check: in-process (regopy) and through a local OPA
stand-in (the same policy evaluated behind OPA's Data API over HTTP), beside the same check
without Rego, in the same run and interleaved (so the machine's noise falls on all alike).

    python bench/rego.py [--runs 200]

The compile (once per policy text) and the first import of regopy are reported apart: a warm
checker pays them once. `OPA, fixed answer` is the HTTP round trip alone. Prints p50 and p95 in ms
per check, and what each adds to the p50 without Rego.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from blastwall.engine import check
from blastwall.policy.engine import compile_layers, default_document
from blastwall.policy.load import read_document
from blastwall.testing.fake_opa import FakeOpa

ACTIONS = [
    ("shell", "git status --short", {}),
    ("shell", "rm -rf build", {"agent": "codex", "cwd": "/srv/work/shop"}),
    ("shell", "git push --force origin main", {"agent": "codex", "cwd": "/srv/work/shop"}),
    ("sql", "DELETE FROM orders WHERE created_at < now() - interval '90 days'", {"environment": "staging"}),
    ("file_write", {"path": "/srv/work/shop/src/app.py", "content": "print('hi')\n"}, {"agent": "claude-code"}),
]

EFFECTS = ["delete", "overwrite", "discard_work", "rewrite_history", "destroy_infra", "disrupt_service",
           "revoke_access", "privilege_escalation", "exfiltrate_secret", "read_secret"]


def fifty_rules() -> str:
    """A policy of 50 rules of the kinds teams write: by rule id, by effect and environment, by agent,
    by path, by measured rows, by time of day. Helper sets are built once (`ids`, `effects`)."""
    rules = ["package blastwall", "", "import rego.v1", "",
             "ids contains f.rule_id if some f in input.findings",
             "effects contains f.effect if some f in input.findings",
             "envs contains f.environment if some f in input.findings", ""]
    for i in range(15):  # rule ids a team forbids
        rules.append(f'deny contains "team rule {i}: shell.tool{i}:wipe is forbidden" if ids["shell.tool{i}:wipe"]')
    for i, effect in enumerate(EFFECTS):  # effects in production
        rules.append(f'deny contains "no {effect} in production ({i})" if {{\n\teffects["{effect}"]\n\tenvs["production"]\n}}')
    for i in range(10):  # agents scoped to folders
        rules.append(f'deny contains "agent bot{i} stays in /srv/bot{i}" if {{\n\tinput.action.agent == "bot{i}"\n'
                     f'\tnot startswith(input.action.cwd, "/srv/bot{i}/")\n}}')
    for i in range(5):  # paths nobody may touch
        rules.append(f'deny contains "/srv/protected{i} is off limits" if {{\n\tsome f in input.findings\n'
                     f'\tstartswith(f.path, "/srv/protected{i}/")\n}}')
    for i in range(5):  # big deletes, and at night
        rules.append(f'ask contains "more than {(i + 1) * 1000} rows ({i})" if {{\n\tsome f in input.findings\n'
                     f'\tf.radius.counts.rows > {(i + 1) * 1000}\n\tinput.time.local.hour >= {18 + i % 3}\n}}')
    for i in range(5):  # history rewrites on release branches
        rules.append(f'ask contains "release/{i} history" if {{\n\tids["shell.git:push-force"]\n'
                     f'\tsome f in input.findings\n\tcontains(f.target, "release/{i}")\n}}')
    rules += ['', 'decision := {"deny": deny} if count(deny) > 0', '',
              'decision := {"ask": ask} if {\n\tcount(deny) == 0\n\tcount(ask) > 0\n}', '']
    return "\n".join(rules)


def policy_with(folder: Path, table: str) -> object:
    f = folder / "blastwall.toml"
    f.write_text(table)
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def one(policy: object) -> float:
    t0 = time.perf_counter()
    for kind, payload, context in ACTIONS:
        check(payload, kind, context=context, policy=policy, read_files=False, probe=False)
    return (time.perf_counter() - t0) * 1000 / len(ACTIONS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rego_file = root / "policy.rego"
        rego_file.write_text(fifty_rules())
        count = sum(1 for line in rego_file.read_text().splitlines() if line.startswith(("deny contains", "ask contains")))
        variants: dict[str, object] = {}
        (root / "none").mkdir()
        variants["without Rego"] = policy_with(root / "none", "")
        (root / "in").mkdir()
        variants["Rego in-process"] = policy_with(root / "in", f'[policy.rego]\nfiles = ["{rego_file}"]\n')
        t0 = time.perf_counter()
        import regopy  # noqa: F401 - timed: a cold process pays it once

        import_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        one(variants["Rego in-process"])  # compiles
        compile_ms = (time.perf_counter() - t0) * 1000
        with FakeOpa(rego_files=[str(rego_file)]) as server, FakeOpa(answer=None) as fixed:
            (root / "opa").mkdir()
            variants["OPA stand-in (regopy behind HTTP)"] = policy_with(root / "opa", f'[policy.opa]\nurl = "{server.url}"\n')
            (root / "fixed").mkdir()
            variants["OPA, fixed answer (HTTP alone)"] = policy_with(root / "fixed", f'[policy.opa]\nurl = "{fixed.url}"\n')
            for policy in variants.values():
                one(policy)  # warm: imports, first compile, first connection
            times: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(args.runs):
                for name, policy in variants.items():
                    times[name].append(one(policy))
    base = statistics.median(times["without Rego"])
    print(f"{count}-rule Rego policy, {len(ACTIONS)} actions a round, {args.runs} rounds "
          f"(python {sys.version.split()[0]})")
    print(f"  regopy import {import_ms:.1f} ms, first compile and check {compile_ms:.1f} ms (once per policy text)")
    print(f"  {'':36} {'p50 ms':>8} {'p95 ms':>8} {'added p50':>10}")
    for name, values in times.items():
        values.sort()
        p50, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        added = "" if name == "without Rego" else f"{p50 - base:+.2f}"
        print(f"  {name:36} {p50:8.2f} {p95:8.2f} {added:>10}")


if __name__ == "__main__":
    main()
