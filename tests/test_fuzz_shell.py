"""Property tests: random and adversarial text never escapes the engine, never allows junk
that hides a destructive command, and the quick-reject screen never passes what the full
analysis would flag."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall.analyze.shell.quick import is_inert
from blastwall.batch import check_line
from blastwall.engine import check
from blastwall.model import Decision
from blastwall.policy.engine import default_policy

POLICY = default_policy()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["rm", "-rf", "/", "~", "git", "push", "--force", "sudo", "bash", "-c", "eval", "$(", ")", "`", "|", "&&",
         ";", "'", '"', "\\", "$X", "X=/", "echo", "xargs", "find", "-delete", "<<EOF", "EOF", "\n", ">", "dd",
         "of=/dev/sda", "python3", "-e", "node", "base64", "-d", "sh", "{", "}", "(", ")", "*", "..", "ssh", "h"]


@FAST
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    v = check(text, policy=POLICY, read_files=False)
    assert v.decision in (Decision.ALLOW, Decision.ASK, Decision.DENY)
    if v.degraded:
        assert v.decision is not Decision.ALLOW


@FAST
@given(st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join))
def test_token_soup_never_raises(text: str) -> None:
    v = check(text, policy=POLICY, read_files=False)
    assert v.decision in (Decision.ALLOW, Decision.ASK, Decision.DENY)


@FAST
@given(st.binary(max_size=200))
def test_binary_junk(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    assert check(text, policy=POLICY, read_files=False).decision in (Decision.ALLOW, Decision.ASK, Decision.DENY)


DESTRUCTIVE_CORES = ["rm -rf /", "rm -rf ~", "git push --force origin main", "dd if=/dev/zero of=/dev/sda",
                     "mkfs.ext4 /dev/sdb", "git reset --hard"]
PREFIXES = ["", "sudo ", "nice -n 5 ", "timeout 9 ", "env A=1 ", "nohup ", "command ", "sudo -u root ", "time "]
WRAPS = ["{}", "bash -c '{}'", "sh -c \"{}\"", "eval '{}'", "true && {}", "false || {}", "({})", "{{ {}; }}",
         "echo hi; {}", "{} &", "ssh host '{}'"]


@FAST
@given(st.sampled_from(DESTRUCTIVE_CORES), st.sampled_from(PREFIXES), st.sampled_from(WRAPS))
def test_wrapped_destructive_commands_are_blocked(core: str, prefix: str, wrap: str) -> None:
    command = wrap.format(prefix + core)
    v = check(command, policy=POLICY, read_files=False)
    assert v.decision is not Decision.ALLOW, command


@FAST
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -./_:=", max_size=60))
def test_quick_reject_is_a_subset_of_the_slow_path(text: str) -> None:
    if is_inert(text):
        from blastwall.analyze.base import Scope
        from blastwall.analyze.shell import analyze_command

        findings = analyze_command(text, Scope(read_files=False))
        assert all(f.severity.name in ("NONE", "LOW") for f in findings), (text, findings)


@FAST
@given(st.one_of(st.text(max_size=200), st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
                 st.builds(json.dumps, st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=4))))
def test_batch_lines_always_answer(line: str) -> None:
    out = check_line(line, 1, POLICY)
    assert out["decision"] in ("allow", "ask", "deny")
    assert isinstance(out["reasons"], list)


def test_huge_input_is_not_allowed() -> None:
    v = check("echo " + "a" * 400_000, policy=POLICY)
    assert v.decision is Decision.ASK and v.degraded


def test_deep_nesting_is_not_allowed() -> None:
    command = "rm -rf /opt"
    for _ in range(12):
        command = "bash -c " + json.dumps(command)
    assert check(command, policy=POLICY).decision is not Decision.ALLOW


def test_parser_survives_code_points_that_crash_tree_sitter_bash() -> None:
    """`{` + U+DE17B (and other non-ASCII code points) crashed tree-sitter-bash's scanner,
    killing the process: a crafted command could have disabled the guard. Run in a child
    process so a crash fails this test instead of the whole suite."""
    import random
    import subprocess
    import sys

    rng = random.Random(7)
    samples = ["{\U000de17b", "echo {\U000de17b} && rm -rf /"] + [
        "".join(rng.choice(["{", "}", "<<", "$(", "`", "'", '"', "\\", " ", "a", chr(rng.randrange(0x800, 0xD800)),
                            chr(rng.randrange(0x10000, 0x110000))]) for _ in range(40))
        for _ in range(300)
    ]
    code = (
        "import json, sys\n"
        "from blastwall.analyze.shell.parse import parse\n"
        "for t in json.loads(sys.stdin.read()):\n"
        "    for _ in range(20):\n"
        "        parse(t)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(samples), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-500:]


def test_batch_survives_deeply_nested_json() -> None:
    out = check_line("[" * 100_000, 1, POLICY)
    assert out["decision"] == "ask" and "nested" in out["reasons"][0]
    out = check_line(json.dumps({"id": "x", "kind": "http", "input": {"method": "POST", "url": "https://a.b/c",
                                                                      "body": {"a": [[[[[[[[[[1]]]]]]]]]]}}}), 1, POLICY)
    assert out["decision"] in ("allow", "ask", "deny")
