"""`blastwall scan`: real repositories in temporary folders, the real command line, SARIF checked
against the SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json, from the OASIS SARIF TC's
repository, sarif-2.1/schema/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from blastwall.policy.engine import default_policy
from blastwall.scan import ScanError, scan_repo
from later_cases import CASES, Case

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
POLICY = default_policy()
CLEAN_WORKFLOW = ("name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                  "      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test\n")
DESTROY_WORKFLOW = CLEAN_WORKFLOW + "      - name: Tear down\n        run: terraform destroy -auto-approve\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def _repo(root: Path, files: dict[str, str], *, commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if commit:
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "init")
    return root


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(cwd / ".xdg"), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "blastwall", "scan", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def _results(sarif: dict) -> list[tuple[str, int, str]]:
    return [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]) for r in sarif["runs"][0]["results"]]


def test_repo_with_destructive_workflow_and_migration(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {".github/workflows/deploy.yml": DESTROY_WORKFLOW,
                                     "migrations/0001_init.sql": "CREATE TABLE bookings (id int);\n",
                                     "migrations/0002_cleanup.sql": "-- cleanup\nDROP TABLE bookings;\n",
                                     "src/app.py": "print('hello')\n"})
    sarif_path = tmp_path / "out.sarif"
    done = _cli("--sarif", str(sarif_path), cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ".github/workflows/deploy.yml:11:" in done.stdout and "migrations/0002_cleanup.sql:2:" in done.stdout
    sarif = json.loads(sarif_path.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sorted(_results(sarif)) == [(".github/workflows/deploy.yml", 11, "later.shell.terraform:destroy"),
                                       ("migrations/0002_cleanup.sql", 2, "later.sql.postgres:drop-table")]
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "blastwall"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"later.shell.terraform:destroy",
                                                                "later.sql.postgres:drop-table"}
    assert all(r["level"] == "warning" and "when" in r["message"]["text"] for r in run["results"])


def test_clean_repo_exits_zero_with_valid_sarif(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {".github/workflows/ci.yml": CLEAN_WORKFLOW,
                                     "migrations/0001_init.sql": "CREATE TABLE bookings (id int);\n",
                                     "Makefile": "build:\n\tgo build ./...\nclean:\n\trm -rf dist\n"})
    sarif_path = tmp_path / "out.sarif"
    done = _cli("--sarif", str(sarif_path), cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no destructive steps in 3 files" in done.stdout
    sarif = json.loads(sarif_path.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_sarif_schema_rejects_a_broken_log() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_json_output(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"db/migrate/20240101_drop.rb": "class D < M\n  def up\n    drop_table :users\n  end\nend\n"})
    done = _cli("--json", cwd=repo)
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["exit"] == 1 and data["files"] == 1
    [f] = data["findings"]
    assert (f["path"], f["line"], f["rule_id"], f["decision"], f["kind"]) == \
        ("db/migrate/20240101_drop.rb", 3, "later.sql.postgres:drop-table", "ask", "rails")


def test_diff_reports_only_what_the_change_adds(tmp_path: Path) -> None:
    tf = 'resource "aws_db_instance" "main" {\n  engine = "postgres"\n}\n\nresource "aws_s3_bucket" "logs" {\n}\n'
    repo = _repo(tmp_path / "repo", {".github/workflows/deploy.yml": DESTROY_WORKFLOW, "infra/main.tf": tf})
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / ".github/workflows/deploy.yml").write_text(DESTROY_WORKFLOW.replace("npm test", "npm run test"))
    (repo / "infra/main.tf").write_text(tf.split("\n\nresource \"aws_s3_bucket\"")[0] + "\n")
    (repo / "migrations").mkdir()
    (repo / "migrations/0003_purge.sql").write_text("DELETE FROM audit_log;\n")  # untracked: part of the change
    _git(repo, "add", "infra/main.tf", ".github/workflows/deploy.yml")
    _git(repo, "commit", "-q", "-m", "change")
    result = scan_repo(str(repo), base="main", policy=POLICY)
    got = sorted((s.path, s.finding.rule_id) for s in result.findings)
    assert got == [("infra/main.tf", "later.terraform:block-removed"),
                   ("migrations/0003_purge.sql", "later.sql.postgres:delete-without-where")]
    done = _cli("--diff", "main", "--json", cwd=repo)
    assert done.returncode == 1 and len(json.loads(done.stdout)["findings"]) == 2
    assert _cli("--diff", "main", "infra", cwd=repo).returncode == 1
    assert _cli("--diff", "main", ".github", cwd=repo).returncode == 0


def test_diff_head_on_the_first_commit_scans_what_is_there(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"scripts/wipe.sh": "#!/bin/sh\nrm -rf /srv/data\n"}, commit=False)
    done = _cli("--diff", "HEAD", "scripts/wipe.sh", cwd=repo)
    assert done.returncode == 1 and "scripts/wipe.sh:2:" in done.stdout


@pytest.mark.parametrize("args,message", [
    (["--diff", "no-such-branch"], "git does not know"),
    (["does/not/exist"], ""),
])
def test_errors_exit_two(tmp_path: Path, args: list[str], message: str) -> None:
    repo = _repo(tmp_path / "repo", {"README.md": "hi\n"})
    done = _cli(*args, cwd=repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_diff_outside_git_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ScanError):
        scan_repo(str(tmp_path / "plain"), base="main", policy=POLICY)


def test_folder_without_git_is_walked(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "node_modules/x/migrations").mkdir(parents=True)
    (root / "node_modules/x/migrations/1.sql").write_text("DROP TABLE t;\n")  # dependencies are not the project's
    (root / "deploy").mkdir()
    (root / "deploy/crontab").write_text("0 * * * * rm -rf /var/backups\n")
    result = scan_repo(str(root), policy=POLICY)
    assert [(s.path, s.line) for s in result.findings] == [("deploy/crontab", 1)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_scan_each_kind(case: Case, tmp_path: Path) -> None:
    bad = _repo(tmp_path / "bad", {case.path: case.destructive})
    found = scan_repo(str(bad), policy=POLICY).findings
    assert (case.path, case.line, case.rule) in [(s.path, s.line, s.finding.rule_id) for s in found]
    good = _repo(tmp_path / "good", {case.path: case.harmless})
    assert scan_repo(str(good), policy=POLICY).findings == []


def test_policy_decides_what_is_reported(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"migrations/0002.sql": "DROP TABLE sessions;\n",
                                     "blastwall.toml": '[[rule]]\nrule = ["later.sql.postgres:drop-table"]\n'
                                                       'decision = "allow"\nreason = "migrations are reviewed"\n'})
    policy = tmp_path / "policy.toml"
    policy.write_text('[[rule]]\nrule = ["later.sql.postgres:drop-table"]\ndecision = "allow"\nreason = "reviewed"\n')
    assert _cli("--policy", str(policy), cwd=repo).returncode == 0


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    [hook] = hooks
    assert hook["id"] == "blastwall-scan" and hook["entry"].startswith("blastwall scan --diff HEAD")
    assert hook["language"] == "python" and hook["pass_filenames"] is True
