"""Secret discovery and secret reads: the scanner's formats (positives and near misses), masking,
the list of secret-bearing files feeding the file analyzer, `secrets scan` output, `--fix`,
redaction of the same formats, shell reads (tests/cases/shell_*secret_reads.txt) and the
[secrets] policy."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.files import analyze_read
from blastwall.engine import check
from blastwall.model import Effect
from blastwall.policy.engine import compile_layers, default_document, default_policy
from blastwall.redact import _HINTS, redact
from blastwall.secrets import found
from blastwall.secrets.cli import entries_of
from blastwall.secrets.fix import fix_report, suggested_name
from blastwall.secrets.formats import formats, is_placeholder, mask
from blastwall.secrets.scanner import scan, scan_text

CASES = Path(__file__).parent / "cases"
POLICY = default_policy()
GH = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
UUID = "3f1c2b4a-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9q8Rk2Lm"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0ABCDEFG/B0ABCDEFG/a1b2c3d4e5f6g7h8i9j0k1l2"


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own XDG folders: the list of secret-bearing files is per test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)


# ---- formats: positives and near misses -------------------------------------------------------
POSITIVES = [
    (f"RAILWAY_TOKEN={UUID}", "secret.railway:token", UUID),
    (f'export RAILWAY_API_TOKEN="{UUID}"', "secret.railway:token", UUID),
    (f"railway_project_token: {UUID}", "secret.railway:token", UUID),
    (f"GITHUB_TOKEN={GH}", "secret.github:token", GH),
    ("token: gho_" + "x" * 36, "secret.github:token", "gho_" + "x" * 36),
    ("ghs_" + "Z9" * 18, "secret.github:token", "ghs_" + "Z9" * 18),
    ("github_pat_" + "11ABCDEFG0" * 2 + "_" + "a1B2c3D4e5" * 6, "secret.github:token",
     "github_pat_" + "11ABCDEFG0" * 2 + "_" + "a1B2c3D4e5" * 6),
    ("aws_access_key_id = AKIAIOSFODNN7ABCDEFG", "secret.aws:access-key", "AKIAIOSFODNN7ABCDEFG"),
    ("ASIAY34FZKBOKMUTVV7A", "secret.aws:access-key", "ASIAY34FZKBOKMUTVV7A"),
    (f"aws_secret_access_key = {AWS_SECRET}", "secret.aws:secret-key", AWS_SECRET),
    (f'AWS_SECRET_ACCESS_KEY="{AWS_SECRET}"', "secret.aws:secret-key", AWS_SECRET),
    (f"STRIPE_KEY={STRIPE}", "secret.stripe:live-key", STRIPE),
    ("rk_live_" + "51H8" * 7, "secret.stripe:live-key", "rk_live_" + "51H8" * 7),
    ("SLACK_BOT_TOKEN=xoxb-123456789012-abcdefABCDEF", "secret.slack:token", "xoxb-123456789012-abcdefABCDEF"),
    ("xoxp-1234567890-0987654321-abcdef", "secret.slack:token", "xoxp-1234567890-0987654321-abcdef"),
    (f"webhook = {SLACK_HOOK}", "secret.slack:webhook", SLACK_HOOK.rsplit("services/", 1)[1]),
    ("DATABASE_URL=postgres://app:s3cr3tPw@db:5432/app", "secret.database:url-password", "s3cr3tPw"),
    ("postgresql+psycopg2://u:Tr0ub4dor@h/db", "secret.database:url-password", "Tr0ub4dor"),
    ("mysql://root:hunter22@127.0.0.1/shop", "secret.database:url-password", "hunter22"),
    ("mongodb+srv://svc:Xy9pQ2wz@cluster0.mongodb.net/app", "secret.database:url-password", "Xy9pQ2wz"),
    ("REDIS_URL=redis://:pw12345@cache:6379/0", "secret.database:url-password", "pw12345"),
    ("-----BEGIN RSA PRIVATE KEY-----", "secret.key:private-key", "-----BEGIN RSA PRIVATE KEY-----"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "secret.key:private-key", "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "secret.key:private-key", "-----BEGIN PGP PRIVATE KEY BLOCK-----"),
    ("npm_" + "a1B2" * 9, "secret.npm:token", "npm_" + "a1B2" * 9),
    ("glpat-" + "x1Y2z3" * 4, "secret.gitlab:token", "glpat-" + "x1Y2z3" * 4),
]

NEAR_MISSES = [
    "RAILWAY_TOKEN=${RAILWAY_TOKEN}",
    "RAILWAY_TOKEN=not-a-uuid",
    f"RAILWAY_ENVIRONMENT_ID={UUID}",  # an id, not a token
    "ghp_tooShort123",
    "GITHUB_TOKEN=<your token here>",
    "aws_access_key_id = AKIAEXAMPLE",
    "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
    "aws_secret_access_key = changeme",
    "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",  # test keys are not live keys
    "pk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",  # publishable
    "xoxb-short",
    "https://hooks.slack.com/services/",
    "DATABASE_URL=postgres://app@db:5432/app",
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
    "DATABASE_URL=postgres://app:$DB_PASSWORD@db/app",
    "postgres://user:password@localhost/db",
    "postgres://u:{SECRET}@db/x",
    "postgres://u:***@db/x",
    "postgres://u:pw@db/x",  # too short to be anyone's credential
    "redis://cache:6379/0",
    "https://example.com/a:b@c",
    "-----BEGIN PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "RAILWAY_TOKEN=${blastwall:RAILWAY_TOKEN}",
    "password = os.environ['DB_PASSWORD']",
]


@pytest.mark.parametrize("line,format_id,value", POSITIVES, ids=[p[1] + ":" + p[0][:24] for p in POSITIVES])
def test_format_finds_the_credential(line: str, format_id: str, value: str) -> None:
    hits = scan_text(line, "config.env")
    assert [h[3] for h in hits] == [format_id], hits
    _, start, end, _, _, masked, _ = hits[0]
    assert line[start:end] == value
    assert masked == mask(value) and value not in masked


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_near_misses_are_not_credentials(line: str) -> None:
    assert scan_text(line, "config.env") == []


def test_service_account_json_needs_its_type() -> None:
    key = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"
    doc = json.dumps({"type": "service_account", "project_id": "p", "private_key": key}, indent=1)
    assert "secret.gcp:service-account" in [h[3] for h in scan_text(doc, "sa.json")]
    other = doc.replace("service_account", "authorized_user")
    assert "secret.gcp:service-account" not in [h[3] for h in scan_text(other, "sa.json")]


def test_detect_secrets_plugins_run_too() -> None:
    jwt = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
           "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    assert [h[3] for h in scan_text(f"token: {jwt}", "a.yml")] == ["secret.detect-secrets:jwt-token"]
    assert scan_text(f"token: {jwt}", "a.yml", detect_secrets=False) == []
    sendgrid = "SG." + "a" * 22 + "." + "b1" * 21 + "c"
    assert [h[3] for h in scan_text(f"key={sendgrid}", "a.env")] == ["secret.detect-secrets:send-grid"]


def test_placeholders() -> None:
    assert is_placeholder("${X}") and is_placeholder("<token>") and is_placeholder("changeme")
    assert not is_placeholder("s3cr3tPw")


def test_every_format_compiles_with_hints_and_a_unique_id() -> None:
    ids = [f.id for f in formats()]
    assert len(ids) == len(set(ids))
    for f in formats():
        assert f.hints and all(h == h.lower() for h in f.hints), f.id


# ---- masking -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["hunter2", "ab", GH, UUID, AWS_SECRET, "x" * 400])
def test_mask_shows_at_most_a_quarter(value: str) -> None:
    m = mask(value)
    assert m.endswith("***")
    shown = m[:-3]
    assert len(shown) <= min(4, len(value) // 4) and value.startswith(shown)


# ---- the scanner over a tree ------------------------------------------------------------------
def _tree(root: Path) -> dict[str, str]:
    """A project with secrets in expected and unexpected places; returns the secret values."""
    (root / "docs").mkdir(parents=True)
    (root / "src").mkdir()
    (root / ".env").write_text(f"RAILWAY_TOKEN={UUID}\nDATABASE_URL=postgres://app:s3cr3tPw@db:5432/app\n")
    (root / "docs" / "old-notes.md").write_text(f"notes from the migration\nused {GH} for the deploy\n")
    (root / "src" / "app.py").write_text("import os\nTOKEN = os.environ['GITHUB_TOKEN']\n")
    (root / "src" / "settings.py").write_text(f'STRIPE = "{STRIPE}"\n')
    (root / "src" / "fixtures.py").write_text(f'EXAMPLE = "{GH}"  # pragma: allowlist secret\n'
                                              f'# pragma: allowlist nextline secret\nOTHER = "{GH}"\n')
    for skipped in (".git", "node_modules/pkg", ".venv/lib", "custom-env/lib"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "leak.txt").write_text(f"{GH}\n")
    (root / "custom-env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (root / "blob.bin").write_bytes(b"\x00\x01" + GH.encode())
    (root / "big.log.txt").write_text(f"{GH}\n" + "x" * 3_000_000)
    (root / "linked.txt").symlink_to(root / ".env")
    return {"railway": UUID, "db": "s3cr3tPw", "github": GH, "stripe": STRIPE}


def test_scan_reports_file_and_line_and_skips_what_it_should(tmp_path: Path) -> None:
    values = _tree(tmp_path)
    report = scan(str(tmp_path))
    got = sorted((h.rel, h.line, h.format_id) for h in report.hits)
    assert got == [(".env", 1, "secret.railway:token"), (".env", 2, "secret.database:url-password"),
                   ("docs/old-notes.md", 2, "secret.github:token"), ("src/settings.py", 1, "secret.stripe:live-key")]
    assert report.skipped["folders"] >= 4 and report.skipped["links"] == 1
    assert report.skipped["binary or generated"] >= 1 and report.skipped["too large"] == 1
    dumped = json.dumps(report.to_dict())
    assert not any(v in dumped for v in values.values())


def test_exclude_globs(tmp_path: Path) -> None:
    _tree(tmp_path)
    rels = {h.rel for h in scan(str(tmp_path), exclude=["docs/", "*.py"]).hits}
    assert rels == {".env"}


# ---- the list of secret-bearing files -----------------------------------------------------------
FOUND = {"file.read:scanned", "file.read:credential"}  # listed by a scan, or found by the read's own check


def _scan_and_save(root: Path) -> str:
    report = scan(str(root))
    return found.write_scan(report.root, report.scanned, entries_of(report))


def test_list_is_private_and_holds_no_values(tmp_path: Path) -> None:
    values = _tree(tmp_path / "proj")
    where = _scan_and_save(tmp_path / "proj")
    assert where == str(tmp_path / "state" / "blastwall" / "secrets.json")
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o600
    text = Path(where).read_text()
    assert not any(v in text for v in values.values()) and "***" not in text
    assert str(tmp_path / "proj" / "docs" / "old-notes.md") in json.loads(text)["files"]


def test_a_rescan_drops_only_what_it_read_again(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    _tree(proj)
    _scan_and_save(proj)
    notes = str(proj / "docs" / "old-notes.md")
    report = scan(str(proj), exclude=["docs/"])  # the notes are not read: their entry stays
    found.write_scan(report.root, report.scanned, entries_of(report))
    assert notes in found.paths()
    (proj / "docs" / "old-notes.md").write_text("nothing here any more\n")
    _scan_and_save(proj)
    assert notes not in found.paths() and str(proj / ".env") in found.paths()


def test_listed_files_are_secret_reads_on_every_door(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    _tree(proj)
    ctx = {"cwd": str(proj)}
    unlisted = check("cat docs/old-notes.md", context=ctx)  # no scan ran: the read checks the content
    assert unlisted.decision.value == "deny" and unlisted.rule_ids == ("file.read:credential",), unlisted.reasons
    _scan_and_save(proj)
    notes = str(proj / "docs" / "old-notes.md")
    [f] = analyze_read("docs/old-notes.md", Scope(cwd=str(proj)))
    assert f.rule_id == "file.read:scanned" and "a GitHub token (line 2)" in f.reason
    for kind, action in [
        ("file_read", {"path": notes}),
        ("shell", "cat docs/old-notes.md"),
        ("shell", "cd docs && head -n 3 old-notes.md"),
        ("shell", "grep -rn deploy ."),
        ("shell", "rg deploy"),
        ("shell", "tar czf /tmp/all.tgz docs"),
        ("shell", "git show HEAD:docs/old-notes.md"),
        ("shell", "cat .env"),
        ("mcp", {"server": "filesystem", "tool": "read_text_file", "arguments": {"path": notes}}),
    ]:
        v = check(action, kind, context=ctx)
        assert v.decision.value == "deny" and set(v.rule_ids) & FOUND, (action, v.reasons)
        assert GH not in json.dumps(v.to_dict())
    # searches that leave the listed files out
    for command in ("grep -rn --exclude=settings.py deploy src", "rg -g '!settings.py' deploy src",
                    "grep -rn --exclude=*.md --exclude=.env --exclude=settings.py deploy .", "cat src/app.py"):
        assert check(command, context=ctx).decision.value == "allow", command


def test_files_named_at_run_time_are_reads_of_the_listed_files_among_them(tmp_path: Path) -> None:
    """`find -exec cat {}`, `find | xargs cat` and `cat $(find ...)` read whatever find selects: a
    listed file in the selection is read, a selection that leaves it out (by -name) is not."""
    proj = tmp_path / "proj"
    _tree(proj)
    _scan_and_save(proj)
    ctx = {"cwd": str(proj)}
    for command in ("find . -name old-notes.md -exec cat {} \\;", "find docs -exec cat {} +",
                    "find . -type f | xargs cat", "find docs -name '*.md' -print0 | xargs -0 head -n 5",
                    "find . -name '*.md' | xargs -I{} cp {} /tmp/out", "ls docs | xargs cat",
                    "sudo find . -exec cat {} \\;", "cat $(find docs -type f)", 'cat "$(ls docs/*)"',
                    "head -n 2 `git ls-files`", "cat $(grep -rl deploy docs)"):
        v = check(command, context=ctx)
        assert v.decision.value == "deny" and set(v.rule_ids) & FOUND, (command, v.reasons)
        assert GH not in json.dumps(v.to_dict())
    for command in ("find . -name '*.py' -name app.py -exec cat {} +", "find src -name app.py | xargs cat",
                    "find . -name '*.md' -exec grep -l deploy {} +", "cat $(which python3)", "echo $(ls docs)",
                    "cat $(find src -name app.py)"):
        assert check(command, context=ctx).decision.value == "allow", command


def test_rg_skips_hidden_files_unless_told(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    _tree(proj)
    _scan_and_save(proj)
    (proj / "docs" / "old-notes.md").write_text("clean\n")
    _scan_and_save(proj)  # only .env (hidden) and src/settings.py are listed now
    (proj / "src" / "settings.py").write_text("clean\n")
    _scan_and_save(proj)
    assert check("rg token", context={"cwd": str(proj)}).decision.value == "allow"
    assert check("rg --hidden token", context={"cwd": str(proj)}).decision.value == "deny"
    assert check("grep -r token .", context={"cwd": str(proj)}).decision.value == "deny"


def test_policy_list_location_and_found_decision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = tmp_path / "proj"
    _tree(proj)
    elsewhere = tmp_path / "lists" / "mine.json"
    report = scan(str(proj))
    found.write_scan(report.root, report.scanned, entries_of(report), str(elsewhere))
    user = tmp_path / "config" / "blastwall"
    user.mkdir(parents=True)
    (user / "blastwall.toml").write_text(f'[secrets]\nlist = "{elsewhere}"\nfound = "ask"\n')
    v = check("cat docs/old-notes.md", context={"cwd": str(proj)})
    assert v.decision.value == "ask" and "[secrets] found = ask" in v.reasons[0]


# ---- the command ----------------------------------------------------------------------------------
def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blastwall.secrets.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    out = dict(os.environ)
    out.update(XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    return out


def test_scan_command_text_and_json_never_print_a_value(tmp_path: Path, env: dict[str, str]) -> None:
    proj = tmp_path / "proj"
    values = _tree(proj)
    for _ in range(250):  # large enough for the progress bar, which a pipe must never see
        (proj / "src" / f"m{_}.py").write_text("x = 1\n")
    text = _run("scan", cwd=proj, env=env)
    assert text.returncode == 3, text.stderr
    assert "docs/old-notes.md:2  GitHub token  ghp_***" in text.stdout
    assert "secrets.json" in text.stdout and text.stderr == ""
    doc = _run("scan", "--json", ".", cwd=proj, env=env)
    assert doc.returncode == 3 and doc.stderr == ""
    parsed = json.loads(doc.stdout)
    assert {f["path"] for f in parsed["findings"]} == {".env", "docs/old-notes.md", "src/settings.py"}
    assert parsed["list"].endswith("secrets.json") and parsed["files_scanned"] > 250
    for out in (text.stdout + text.stderr, doc.stdout):
        assert not any(v in out for v in values.values())
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("print('hi')\n")
    assert _run("scan", "--json", str(clean), cwd=tmp_path, env=env).returncode == 0


def test_fix_needs_a_terminal(tmp_path: Path, env: dict[str, str]) -> None:
    _tree(tmp_path / "proj")
    r = _run("scan", "--fix", cwd=tmp_path / "proj", env=env)
    assert r.returncode == 2 and "interactive terminal" in r.stderr


class _Store(dict):  # type: ignore[type-arg]
    def put(self, name: str, value: str) -> None:
        self[name] = value


def test_fix_moves_values_into_the_store_and_leaves_references(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    values = _tree(proj)
    (proj / "keys.txt").write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n")
    report = scan(str(proj))
    store = _Store(RAILWAY_TOKEN="something else")
    said: list[str] = []
    declined = {"src/settings.py"}
    after = fix_report(report, store=store, confirm=lambda q: q.split(":")[0] not in declined,
                       prompt=lambda q, default: default, say=said.append)
    assert store["RAILWAY_TOKEN-2"] == UUID and store["DATABASE_URL_PASSWORD"] == "s3cr3tPw"
    assert store["github_token"] == GH
    env_text = (proj / ".env").read_text()
    assert env_text == ("RAILWAY_TOKEN=${blastwall:RAILWAY_TOKEN-2}\n"
                        "DATABASE_URL=postgres://app:${blastwall:DATABASE_URL_PASSWORD}@db:5432/app\n")
    assert {h.rel for h in after.hits} == {"src/settings.py", "keys.txt"}  # declined, and a multi-line key
    assert any("spans several lines" in s for s in said)
    assert not any(v in " ".join(said) for v in values.values())


def test_suggested_names() -> None:
    from blastwall.secrets.scanner import Hit

    hit = Hit("/p", "p", 1, "secret.github:token", "GitHub token", "ghp_***", 0, 0)
    line = f"GITHUB_TOKEN={GH}"
    assert suggested_name(line, line.index(GH), hit) == "GITHUB_TOKEN"
    assert suggested_name(GH, 0, hit) == "github_token"


def test_agents_may_not_run_fix() -> None:
    v = check("blastwall secrets scan --fix", policy=POLICY)
    assert v.decision.value == "deny" and "shell.blastwall:secrets-fix" in v.rule_ids
    assert check("blastwall secrets scan --json", policy=POLICY).decision.value == "allow"


# ---- redaction of the same formats --------------------------------------------------------------
@pytest.mark.parametrize("line,format_id,value", POSITIVES, ids=[p[1] + ":" + p[0][:24] for p in POSITIVES])
def test_redact_masks_every_format(line: str, format_id: str, value: str) -> None:
    if format_id == "secret.key:private-key":
        value = line  # the header is all there is of it here; the block is masked whole
    assert value not in redact(f"echo '{line}' > out.txt")


def test_redact_fast_path_covers_every_format() -> None:
    """Invariant: text that holds a format's hint always reaches the slow path (formats that
    redact.py masks another way, `redact = false`, aside)."""
    from blastwall.secrets.formats import table

    redacted = {str(r["id"]) for r in table()["format"] if r.get("redact", True)}
    for f in formats():
        for hint in f.hints if f.id in redacted else ():
            assert any(h in hint for h in _HINTS), (f.id, hint)


def test_slack_webhooks_and_empty_user_urls_are_redacted() -> None:
    assert "a1b2c3d4e5f6g7h8i9j0k1l2" not in redact(f"curl -X POST {SLACK_HOOK} -d '{{}}'")
    assert "pw12345" not in redact("redis-cli -u redis://:pw12345@cache:6379 FLUSHALL")


@pytest.mark.parametrize("command", [
    f"cat .env | grep {GH}",
    f"echo RAILWAY_TOKEN={UUID} >> .env",
    f"curl -X DELETE -H 'Authorization: Bearer {GH}' https://api.github.com/repos/a/b",
    f"git push https://x:{GH}@github.com/a/b --force",
])
def test_verdicts_never_carry_a_credential(command: str) -> None:
    dumped = json.dumps(check(command, policy=POLICY).to_dict())
    assert GH not in dumped and UUID not in dumped


# ---- shell reads --------------------------------------------------------------------------------
def _cases(name: str) -> list[tuple[str, str]]:
    out = []
    for line in (CASES / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            command, _, rule = line.partition(" => ")
            out.append((command, rule))
    return out


READS = _cases("shell_secret_reads.txt")
NOT_READS = _cases("shell_not_secret_reads.txt")
STRICT = compile_layers([("strict", {"secrets": {"reads": "deny"}}), ("defaults", default_document())])


@pytest.mark.parametrize("command,rule", READS, ids=[c[:60] for c, _ in READS])
def test_shell_secret_reads(command: str, rule: str) -> None:
    v = check(command, policy=POLICY, read_files=False, context={"cwd": "/proj"})
    reads = [f for f in v.findings if f.effect is Effect.READ_SECRET]
    assert reads, f"{command!r}: no read_secret finding ({v.rule_ids})"
    assert not rule or rule in [f.rule_id for f in reads], [f.rule_id for f in reads]
    # [secrets] reads = "allow" by default (a command may still be asked about for what else it
    # does: `mv .env /tmp/` also moves the file away)
    assert all(POLICY.decide(f, surface="shell")[0].value == "allow" for f in reads), v.reasons
    strict = check(command, policy=STRICT, read_files=False, context={"cwd": "/proj"})
    assert strict.decision.value == "deny" and "[secrets] reads = deny" in " ".join(strict.reasons)


CREDENTIAL_FILES = _cases("shell_credential_file_reads.txt")


@pytest.mark.parametrize("command,rule", CREDENTIAL_FILES, ids=[c[:60] for c, _ in CREDENTIAL_FILES])
def test_shell_reads_of_known_credential_files_are_denied(command: str, rule: str) -> None:
    v = check(command, policy=POLICY, read_files=False, context={"cwd": "/proj"})
    assert v.decision.value == "deny" and rule in v.rule_ids, (command, v.rule_ids, v.reasons)
    assert "blastwall gateway" in " ".join(v.reasons)


@pytest.mark.parametrize("command,_", NOT_READS, ids=[c[:60] for c, _ in NOT_READS])
def test_shell_near_misses_read_no_secret(command: str, _: str) -> None:
    v = check(command, policy=POLICY, read_files=False, context={"cwd": "/proj"})
    assert not [f for f in v.findings if f.effect is Effect.READ_SECRET], (command, v.rule_ids)


@pytest.mark.parametrize("command,_", READS, ids=[c[:60] for c, _ in READS])
def test_quick_reject_never_passes_a_secret_read(command: str, _: str) -> None:
    from blastwall.analyze.shell.quick import is_inert

    assert not is_inert(command, Scope(cwd="/proj", read_files=False))


# ---- the [secrets] policy ------------------------------------------------------------------------
def test_blastwall_own_secrets_are_denied_whatever_reads_says() -> None:
    lax = compile_layers([("user", {"secrets": {"reads": "allow", "found": "allow"}}),
                          ("defaults", default_document())])
    for path in ("~/.config/blastwall/keys/alice.key", "~/.config/blastwall/credentials.key",
                 "~/.config/blastwall/credentials.enc", "~/.local/state/blastwall/blastwall.db"):
        assert check({"path": path}, "file_read", policy=lax).decision.value == "deny", path
        assert check(f"cat {path}", policy=lax).decision.value == "deny", path


def test_an_untrusted_project_file_can_only_tighten_secrets(tmp_path: Path) -> None:
    from blastwall.policy.load import load_policy

    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "blastwall.toml").write_text('[secrets]\nfound = "allow"\nlist = "/tmp/empty.json"\nreads = "ask"\n')
    policy = load_policy(str(proj))
    section = policy.section("secrets")
    assert section["found"] == "deny" and "list" not in section and section["reads"] == "ask"
    assert check("cat .env", context={"cwd": str(proj)}).decision.value == "ask"


@pytest.mark.parametrize("text,problem", [
    ('[secrets]\nreads = "maybe"\n', "reads must be allow, ask or deny"),
    ('[secrets]\nlist = 3\n', "list must be a path"),
    ('[secrets]\nreed = "deny"\n', "has no key 'reed'"),
])
def test_policy_check_validates_secrets(text: str, problem: str) -> None:
    from blastwall.policy.validate import validate_text

    assert any(problem in p for p in validate_text(text, "blastwall.toml"))
