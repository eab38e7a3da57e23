"""What the radius stage asks git, and what it leaves unmeasured, in real repositories.

- One check asks each git question once (radius/gitfacts.py), and the shared answers give every
  finding exactly the radius that asking for it alone gives; an answer never outlives its check.
- An action is left unmeasured only when no measurement could change its verdict
  (radius/matters.py): every decision a measured finding can get is among those `decisions`
  names, and the verdict equals the one a full measurement gives.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from blastwall.analyze import analyze
from blastwall.analyze.base import Scope
from blastwall.engine import check
from blastwall.model import Action, Context, Decision, Finding, Surface
from blastwall.policy.engine import Policy, compile_layers, default_document, default_policy
from blastwall.radius import MEASURED_EFFECTS, measure_all
from blastwall.radius.gitfacts import GitFacts
from blastwall.radius.matters import decisions
from tests.test_radius import LATER, TREE, git, git_repo, make_repo, write

LINES = [
    "rm -rf build src notes",
    "rm -rf build && rm -rf docs",
    "rm -rf src/a.py src/b.py src/new.py .env app.log",
    "find . -name '*.log' -delete && rm -rf notes",
    "echo x > src/a.py && cp docs/r.md src/b.py",
    "git reset --hard && git clean -fd",
    "git checkout -- src && git restore docs && rm -rf notes",
    "git branch -D merged && git branch -D wip",
    "git stash drop && git reset --hard main",
    "git push --force origin wip:main && git push --force origin merged",
]


def _repo(tmp_path: Path) -> Path:
    repo = git_repo(tmp_path)  # a remote, a merged and an unmerged branch
    write(repo, TREE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tree")
    write(repo, LATER)
    return repo


def _findings(line: str, cwd: Path) -> tuple[Action, list[Finding]]:
    action = Action(Surface.SHELL, line, Context(cwd=str(cwd)))
    return action, analyze(action, Scope.start(cwd=str(cwd)))


def _radii(findings: list[Finding]) -> list[dict[str, Any] | None]:
    return [None if f.radius is None else {k: v for k, v in f.radius.items() if k != "elapsed_ms"} for f in findings]


def _facts() -> GitFacts:
    return GitFacts(time.monotonic() + 30)


# --- shared git answers ------------------------------------------------------------------------


@pytest.mark.parametrize("line", LINES)
def test_shared_answers_give_each_finding_the_radius_it_gets_alone(line: str, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    action, findings = _findings(line, repo)
    policy = default_policy()
    shared = _facts()
    together = measure_all(action, findings, policy, budget_s=30, skip_moot=False, git=shared)
    alone, asked_alone = [], 0
    for f in findings:
        own = _facts()
        alone += measure_all(action, [f], policy, budget_s=30, skip_moot=False, git=own)
        asked_alone += len(own.asked)
    assert sum(f.radius is not None for f in together) >= 2
    assert _radii(together) == _radii(alone)
    assert len(set(shared.asked)) == len(shared.asked)  # no git question asked twice in one check
    assert len(shared.asked) < asked_alone


def test_an_answer_never_outlives_its_check(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    git(repo, "stash", "-q", "-u")  # a clean work tree

    def measured(line: str, rule: str) -> dict[str, Any]:
        return next(f.radius for f in check(line, context={"cwd": str(repo)}).findings if f.rule_id == rule)

    assert measured("git reset --hard", "shell.git:reset-hard")["counts"]["uncommitted"] == 0
    write(repo, {"src/a.py": "edited\n"})
    assert measured("git reset --hard", "shell.git:reset-hard")["counts"]["uncommitted"] == 1
    assert measured("rm -rf notes", "shell.fs:rm")["counts"]["files"] == 0
    write(repo, {"notes/a.txt": "a", "notes/b.txt": "b"})
    assert measured("rm -rf notes", "shell.fs:rm")["counts"]["untracked"] == 2
    git(repo, "add", "notes")
    git(repo, "commit", "-qm", "notes")
    assert measured("rm -rf notes", "shell.fs:rm")["counts"]["tracked"] == 2


def test_git_is_asked_only_what_the_files_need(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, LATER)

    def asked(line: str) -> list[str]:
        facts = _facts()
        action, findings = _findings(line, repo)
        measure_all(action, findings, default_policy(), budget_s=30, skip_moot=False, git=facts)
        return [args[0] for _, args in facts.asked]

    assert asked("rm -rf missing gone") == []  # nothing there: no question at all
    assert asked("rm -rf build") == ["rev-parse", "rev-parse", "status"]  # all ignored: no ls-files
    assert asked("rm -rf docs").count("ls-files") == 1  # committed files are told by ls-files
    assert asked("rm -rf build docs").count("rev-parse") == 3  # the working folder's repository once


def test_measurer_modules_load_only_for_their_rules() -> None:
    from blastwall.radius import base

    for name, prefixes in base.MODULES.items():
        base._load(name)
        registered = base._REGISTRY[name]
        assert registered, name
        for patterns, _ in registered:
            assert all(p.startswith(prefixes) for p in patterns), (name, patterns)
    probe = ("import os, sys; from blastwall import check; check('rm -rf build', context={'cwd': os.getcwd()}); "
             "print(sorted(m for m in sys.modules if m.startswith('blastwall.radius.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "blastwall.radius.files" in loaded and "postgres" not in loaded and "infra" not in loaded


# --- what is left unmeasured -------------------------------------------------------------------

POLICIES = {
    "defaults": "",
    "radius rules": '''
[[rule]]
rule = "shell.fs:*"
effect = "overwrite"
radius = { bytes = ">10" }
decision = "ask"

[[rule]]
rule = "shell.git:*"
radius = { commits_lost = ">=2" }
decision = "deny"

[[rule]]
effect = "delete"
radius = { files = "<=3", irreplaceable = true }
decision = "allow"
''',
    "protected": 'protected_branches = ["main"]\n',
    "measured false": '[[rule]]\nradius = { measured = false }\ndecision = "deny"\n',
}
UNTRUSTED = {"rule": [{"effect": "overwrite", "radius": {"files": ">=1"}, "decision": "deny"}]}
SHAPES = [
    ("shell", "rm -rf src"), ("shell", "echo x > src/a.py"), ("shell", "sed -i s/a/b/ docs/r.md"),
    ("shell", "mv src/a.py src/b.py"), ("shell", "truncate -s0 app.log"), ("shell", "rm -rf build"),
    ("shell", "git push --force origin main"), ("shell", "git push --force origin wip"),
    ("shell", "git reset --hard"), ("shell", "git branch -D wip"), ("shell", "git clean -fdx"),
    ("shell", "git checkout -- src"), ("shell", "git stash drop"), ("sql", "DELETE FROM orders WHERE id = 1"),
    ("sql", "UPDATE orders SET total = 0"), ("sql", "DROP TABLE orders"),
]


def _policy(name: str, untrusted: bool = False) -> Policy:
    import tomllib

    layers = [("blastwall.toml", tomllib.loads(POLICIES[name])), ("defaults", default_document())]
    if untrusted:
        return compile_layers([("project", UNTRUSTED), *layers], untrusted=frozenset({"project"}))
    return compile_layers(layers)


def _radii_for(policy: Policy, rng: random.Random) -> list[dict[str, Any] | None]:
    """Unmeasured, and measured radii at and around every threshold the policy's rules name."""
    keys = {c.key: c.value for r in policy.rules for c in r.radius if c.op not in ("is", "in")}
    keys |= {"files": 3, "untracked": 20, "modified": 1, "commits_lost": 2, "bytes": 10, "rows": 1}
    out: list[dict[str, Any] | None] = [None, {"measured": False, "summary": "x"}]
    for _ in range(300):
        counts = {k: max(0, v + rng.choice((-1, 0, 1, 50))) for k, v in keys.items() if rng.random() < 0.7}
        out.append({"measured": True, "summary": "x", "counts": counts, "irreplaceable": rng.choice((True, False, None)),
                    "source": rng.choice(("files", "git", "postgres")), "estimate": rng.random() < 0.2})
    return out


@pytest.mark.parametrize(("name", "untrusted"), [(n, u) for n in POLICIES for u in (False, True)])
def test_every_decision_a_measurement_can_lead_to_is_foreseen(name: str, untrusted: bool) -> None:
    policy = _policy(name, untrusted)
    rng = random.Random(f"{name}{untrusted}")
    radii = _radii_for(policy, rng)
    seen = 0
    for (kind, text), env in itertools.product(SHAPES, (None, "production")):
        action = Action(Surface(kind), text, Context(cwd="/tmp", environment=env))
        for f in analyze(action, Scope.start(cwd="/tmp", environment=env)):
            if f.effect.value not in MEASURED_EFFECTS:
                continue
            f = f._replace(environment=env)
            possible = decisions(policy, f, agent=None, surface=kind)
            assert possible is not None
            for r in radii:
                assert policy.decide(f._replace(radius=r), surface=kind)[0] in possible, (text, r)
            seen += 1
    assert seen >= 15


@pytest.mark.parametrize("name", list(POLICIES))
@pytest.mark.parametrize("line", ["rm -rf src", "rm -rf build", "rm -rf docs", "echo x > src/a.py",
                                  "echo x > /tmp/elsewhere.txt", "sed -i s/a/b/ docs/r.md", "git reset --hard",
                                  "git push --force origin wip:main", "git push --force origin merged",
                                  "git branch -D wip", "git clean -fd", "rm -rf / && rm -rf src"])
def test_verdicts_equal_those_of_a_full_measurement(name: str, line: str, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    policy = _policy(name)
    verdict = check(line, context={"cwd": str(repo)}, policy=policy)
    action, findings = _findings(line, repo)
    full = measure_all(action, findings, policy, skip_moot=False)
    decided = Decision.strictest([policy.decide(f, surface="shell")[0] for f in full])
    assert verdict.decision is decided, (verdict.reasons, [f.radius for f in full])


def test_an_action_no_measurement_can_change_is_not_measured(tmp_path: Path) -> None:
    repo = _repo(tmp_path)

    def radii(line: str, policy: Policy | None = None) -> tuple[str, list[Any]]:
        verdict = check(line, context={"cwd": str(repo)}, policy=policy or default_policy())
        return verdict.decision.value, [f.radius for f in verdict.findings if f.effect.value in MEASURED_EFFECTS]

    decision, measured = radii("echo x > dist/bundle.js")  # build output: allowed whatever it holds
    assert decision == "allow" and measured == [None]
    decision, measured = radii("rm -rf docs")  # a delete may hold untracked work: measured
    assert decision == "allow" and measured[0]["measured"]
    decision, measured = radii("git push --force origin wip:main")  # an ask: the human sees the measurement
    assert decision == "ask" and measured[0]["measured"]
    decision, measured = radii("git push --force origin main", _policy("protected"))
    assert decision == "deny" and measured == [None]  # denied whatever it would lose
    decision, measured = radii("rm -rf / && rm -rf src")
    assert decision == "deny" and all(r is None for r in measured)

    approvals = compile_layers([("b.toml", {"approvals": {"rule": [{"require": 2, "radius": {"files": ">1"}}]}}),
                                ("defaults", default_document())])
    assert radii("echo x > src/a.py", approvals)[1][0]["measured"]  # approval rules read every finding's radius
    cedar = compile_layers([("b.toml", {"cedar": {"policies": "x.cedar"}}), ("defaults", default_document())])
    action, findings = _findings("echo x > src/a.py", repo)
    assert measure_all(action, findings, cedar)[0].radius is not None  # Cedar decides after: always measured
