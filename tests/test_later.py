"""Files that run later: writes judged by what the written file will do when it runs.

Real files in temporary projects, through the engine and the agents' doors: one destructive and
one harmless file per migration tool, CI system, script and manifest kind (later_cases.py);
edits read as diffs; down migrations, comments and look-alike spellings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.later.change import analyze_change, located_change
from blastwall.analyze.later.kinds import kind_of
from blastwall.analyze.ruleset import validate_row
from blastwall.doors.hooks import run_hook
from blastwall.doors.hooks.patch import patch_files
from blastwall.engine import check
from blastwall.policy.engine import default_policy
from later_cases import CASES, Case

POLICY = default_policy()


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _later(v: object) -> list[str]:
    return [f.rule_id for f in v.findings if f.rule_id.startswith("later.")]  # type: ignore[attr-defined]


# ---- one destructive and one harmless file per kind --------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_destructive_file_asks_with_when_and_where(case: Case, tmp_path: Path) -> None:
    kind = kind_of(case.path, case.destructive)
    if kind is not None and kind.when_named:  # a new one is data until named (test_script_doors.py): change one
        _write(tmp_path, case.path, case.harmless)
    v = check({"path": case.path, "content": case.destructive}, "file_write", context={"cwd": str(tmp_path)},
              policy=POLICY)
    assert v.decision.value == "ask", v.reasons
    assert case.rule in v.rule_ids
    reason = next(r for r in v.reasons if f"({case.path}:{case.line})" in r)
    assert any(word in reason for word in (" when ", " at the next ", " on the cron schedule "))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_harmless_version_is_allowed(case: Case, tmp_path: Path) -> None:
    v = check({"path": case.path, "content": case.harmless}, "file_write", context={"cwd": str(tmp_path)},
              policy=POLICY)
    assert v.decision.value == "allow", v.reasons
    assert not _later(v)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kind_is_recognised_by_path(case: Case) -> None:
    assert kind_of(case.path, case.destructive) is not None
    assert kind_of("services/api/" + case.path, case.destructive) is not None  # in a monorepo's package
    assert kind_of("./" + case.path, case.destructive) is not None


@pytest.mark.parametrize("path", ["src/app.ts", "src/db/queries.py", "README.md", "docs/migrations.md",
                                  "config/settings.yaml", "src/components/Drop.tsx", "tests/test_migrations.py"])
def test_ordinary_files_do_not_run_later(path: str) -> None:
    assert kind_of(path, "export const dropTable = () => 'DROP TABLE x';\n") is None


def test_ordinary_code_that_mentions_destruction_is_allowed(tmp_path: Path) -> None:
    code = "def cleanup(db):\n    db.execute('DROP TABLE bookings')  # called by hand\n    shutil.rmtree('/srv')\n"
    v = check({"path": "src/cleanup.py", "content": code}, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "allow"


def test_rule_rows_are_well_formed() -> None:
    from blastwall.analyze.later.kinds import table

    for row in table()["rule"]:
        assert validate_row(row) == [], row["id"]
    names = [k["name"] for k in table()["kind"]]
    assert len(names) == len(set(names))


# ---- edits as diffs ------------------------------------------------------------------------------

WORKFLOW = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - name: Clear cache\n        run: rm -rf /srv/cache\n      - name: Test\n        run: npm test\n")


def test_edit_that_keeps_an_existing_step_is_not_new(tmp_path: Path) -> None:
    _write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    edit = {"path": ".github/workflows/deploy.yml", "edits": [{"old": "npm test", "new": "npm run test -- --ci"}]}
    v = check(edit, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "allow", v.reasons


def test_edit_that_adds_or_changes_a_step_is_judged(tmp_path: Path) -> None:
    _write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    added = {"path": ".github/workflows/deploy.yml",
             "edits": [{"old": "run: npm test", "new": "run: terraform destroy -auto-approve"}]}
    v = check(added, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "ask" and "later.shell.terraform:destroy" in v.rule_ids
    assert any("(.github/workflows/deploy.yml:9)" in r for r in v.reasons)
    changed = {"path": ".github/workflows/deploy.yml", "edits": [{"old": "rm -rf /srv/cache", "new": "rm -rf /srv/data"}]}
    v = check(changed, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "ask" and any("/srv/data" in r for r in v.reasons)
    assert not any("/srv/cache" in r for r in v.reasons)


def test_snippets_are_compared_when_the_file_is_not_here(tmp_path: Path) -> None:
    same = {"path": "scripts/ops.sh", "edits": [{"old": "rm -rf /srv/cache\necho a", "new": "rm -rf /srv/cache\necho b"}]}
    assert check(same, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY).decision.value == "allow"
    new = {"path": "scripts/ops.sh", "edits": [{"old": "echo a", "new": "echo a\nrm -rf /srv/data"}]}
    v = check(new, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "ask" and any("in the edited text" in r for r in v.reasons)


def test_write_over_an_existing_file_counts_only_new_steps(tmp_path: Path) -> None:
    _write(tmp_path, "Makefile", "clean:\n\trm -rf /srv/cache\n")
    same = check({"path": "Makefile", "content": "clean:\n\trm -rf /srv/cache\n\nbuild:\n\tgo build\n"}, "file_write",
                 context={"cwd": str(tmp_path)}, policy=POLICY)
    assert same.decision.value == "allow", same.reasons
    more = check({"path": "Makefile", "content": "clean:\n\trm -rf /srv/cache\n\trm -rf /srv/data\n"}, "file_write",
                 context={"cwd": str(tmp_path)}, policy=POLICY)
    assert more.decision.value == "ask" and any("Makefile:3" in r for r in more.reasons)


def test_an_added_copy_of_an_existing_step_is_new() -> None:
    before = "steps:\n  - run: rm -rf /srv/cache\n"
    after = "steps:\n  - run: rm -rf /srv/cache\n  - run: rm -rf /srv/cache\n"
    assert len(analyze_change(".github/workflows/x.yml", before, after, Scope.start())) == 1
    gl_before = "job:\n  script:\n    - rm -rf /srv/cache\n"
    gl_after = "job:\n  script:\n    - rm -rf /srv/cache\n    - rm -rf /srv/cache\n"
    assert len(analyze_change(".gitlab-ci.yml", gl_before, gl_after, Scope.start())) == 1


TF_BEFORE = ('resource "aws_db_instance" "main" {\n  engine = "postgres"\n  lifecycle {\n    prevent_destroy = true\n'
             '  }\n}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')


def test_terraform_removals_are_findings(tmp_path: Path) -> None:
    _write(tmp_path, "infra/main.tf", TF_BEFORE)
    unguard = {"path": "infra/main.tf", "edits": [{"old": "    prevent_destroy = true\n", "new": ""}]}
    v = check(unguard, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert "later.terraform:prevent-destroy-removed" in v.rule_ids and v.decision.value == "ask"
    drop = {"path": "infra/main.tf",
            "edits": [{"old": 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n', "new": ""}]}
    v = check(drop, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert "later.terraform:block-removed" in v.rule_ids and any("aws_s3_bucket.logs" in r for r in v.reasons)
    tweak = {"path": "infra/main.tf", "edits": [{"old": 'bucket = "logs"', "new": 'bucket = "logs-v2"'}]}
    assert check(tweak, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY).decision.value == "allow"


def test_terraform_moved_and_removed_blocks_destroy_nothing() -> None:
    moved = TF_BEFORE.replace('"logs" {', '"audit_logs" {') + 'moved {\n  from = aws_s3_bucket.logs\n  to   = aws_s3_bucket.audit_logs\n}\n'
    assert analyze_change("infra/main.tf", TF_BEFORE, moved, Scope.start()) == []
    let_go = TF_BEFORE.split("resource \"aws_s3_bucket\"")[0] + \
        'removed {\n  from = aws_s3_bucket.logs\n  lifecycle {\n    destroy = false\n  }\n}\n'
    assert analyze_change("infra/main.tf", TF_BEFORE, let_go, Scope.start()) == []
    renamed = TF_BEFORE.replace('"logs" {', '"audit_logs" {')
    assert [f.rule_id for f in analyze_change("infra/main.tf", TF_BEFORE, renamed, Scope.start())] == \
        ["later.terraform:block-removed"]


def test_deleting_a_terraform_file_destroys_its_resources(tmp_path: Path) -> None:
    _write(tmp_path, "infra/main.tf", TF_BEFORE)
    v = check({"path": "infra/main.tf", "deleted": True}, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert v.decision.value == "ask"
    assert {"later.terraform:block-removed", "later.terraform:prevent-destroy-removed"} <= set(v.rule_ids)


# ---- rollback-only code, comments, look-alike spellings -----------------------------------------

@pytest.mark.parametrize("path,text", [
    ("alembic/versions/a1_create.py", "def upgrade():\n    op.create_table('t')\n\n\ndef downgrade():\n    op.drop_table('t')\n"),
    ("db/migrate/1_create.rb", "class C < M\n  def up\n    create_table :t\n  end\n  def down\n    drop_table :t\n  end\nend\n"),
    ("migrations/1_c.js", "exports.up = (knex) => knex.schema.createTable('t', () => {});\n"
                          "exports.down = (knex) => knex.schema.dropTable('t');\n"),
    ("database/migrations/1_c.php", "<?php\nclass C {\n  public function up() { Schema::create('t', fn ($t) => 1); }\n"
                                    "  public function down() { Schema::dropIfExists('t'); }\n}\n"),
    ("db/migrations/1_c.sql", "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n"),
    ("db/migrations/2_c.sql", "-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n"),
    ("migrations/000001_c.down.sql", "DROP TABLE t;\n"),
    ("db/migration/U2__undo.sql", "DROP TABLE t;\n"),
    ("alembic/versions/a2_note.py", "def upgrade():\n    # op.drop_table('t') was considered\n    op.add_column('t', c)\n"),
    ("db/changelog/changelog-1.xml", '<changeSet id="1"><createTable tableName="t"/>'
                                     '<rollback><dropTable tableName="t"/></rollback></changeSet>'),
])
def test_rollback_only_and_commented_out_drops_are_not_steps(path: str, text: str) -> None:
    assert analyze_change(path, None, text, Scope.start()) == []


@pytest.mark.parametrize("path,text,rule", [
    ("alembic/versions/a3.py", 'def upgrade():\n    op.execute(sa.text("""\n        DELETE FROM sessions\n    """))\n',
     "later.sql.postgres:delete-without-where"),
    ("alembic/versions/a4.py", "def upgrade():\n    with op.batch_alter_table('users') as batch_op:\n"
                               "        batch_op.drop_column('email')\n", "later.sql.postgres:alter-drop-column"),
    ("shop/migrations/0004_sql.py", "operations = [\n    migrations.RunSQL(\n        'TRUNCATE shop_booking',\n"
                                    "        reverse_sql=migrations.RunSQL.noop,\n    ),\n]\n", "later.sql.postgres:truncate"),
    ("shop/migrations/0005_field.py", "operations = [migrations.RemoveField(model_name='booking', name='note')]\n",
     "later.sql.postgres:alter-drop-column"),
    ("db/migrate/2_sql.rb", "class X < M\n  def change\n    execute <<~SQL\n      DROP TABLE bookings\n    SQL\n  end\nend\n",
     "later.sql.postgres:drop-table"),
    ("db/migrate/3_force.rb", "class X < M\n  def change\n    create_table :bookings, force: :cascade do |t|\n    end\n"
                              "  end\nend\n", "later.sql.postgres:drop-table"),
    ("migrations/3_raw.ts", "export async function up(knex) {\n  await knex.raw(`TRUNCATE bookings`);\n}\n",
     "later.sql.postgres:truncate"),
    ("migrations/4_alter.js", "exports.up = (knex) => knex.schema.alterTable('users', (t) => {\n  t.dropColumn('email');\n});\n",
     "later.sql.postgres:alter-drop-column"),
    ("database/migrations/3_col.php", "<?php\nclass C {\n  public function up() {\n"
                                      "    Schema::table('users', function ($table) {\n      $table->dropColumn(['email', 'phone']);\n"
                                      "    });\n  }\n}\n", "later.sql.postgres:alter-drop-column"),
    ("database/migrations/4_db.php", "<?php\nclass C {\n  public function up() {\n    DB::statement('DROP TABLE bookings');\n"
                                     "  }\n}\n", "later.sql.postgres:drop-table"),
    ("db/changelog/db.changelog-2.yaml", "databaseChangeLog:\n  - changeSet:\n      id: 2\n      changes:\n"
                                         "        - dropTable:\n            tableName: bookings\n",
     "later.sql.postgres:drop-table"),
    (".github/workflows/py.yml", "jobs:\n  x:\n    steps:\n      - shell: python\n        run: |\n"
                                 "          import shutil\n          shutil.rmtree('/srv/data')\n", "later.code.python:delete"),
    (".github/workflows/folded.yml", "jobs:\n  x:\n    steps:\n      - run: >-\n          kubectl delete namespace\n"
                                     "          production\n", "later.shell.kubectl:delete-namespace"),
    (".github/workflows/expr.yml", "jobs:\n  x:\n    steps:\n      - run: rm -rf ${{ env.DATA_DIR }}\n", "later.shell.fs:rm"),
    (".gitlab-ci.yml", ".base: &base\n  script:\n    - docker volume rm pgdata\njob:\n  <<: *base\n",
     "later.shell.docker:volume-rm"),
    ("Makefile", "DIR ?= /srv/data\nwipe:\n\t-rm -rf $(DIR)/\n", "later.shell.fs:rm"),
    ("deploy/cron.d/cleanup", "15 * * * * root find /var/lib/mysql -name '*.ibd' -delete\n", "later.shell.fs:find-delete"),
    ("bin/reset", "#!/bin/sh\ndropdb production\n", "later.shell.postgres:dropdb"),
    ("infra/s3.tf", 'resource "aws_s3_bucket" "b" {\n  force_destroy = true\n}\n', "later.terraform:protection-off"),
    ("Procfile", "web: gunicorn app:app\nrelease: python manage.py flush --noinput\n", "later.shell.django:flush"),
    ("alembic/versions/a5.py", "from alembic import op as o\n\ndef upgrade():\n    o.drop_table('bookings')\n",
     "later.sql.postgres:drop-table"),
    ("alembic/versions/a6.py", "def upgrade():\n    op.get_bind().execute(text('DELETE FROM bookings'))\n",
     "later.sql.postgres:delete-without-where"),
    ("alembic/versions/a7.py", "TABLE = 'bookings'\n\ndef upgrade():\n    op.drop_table(TABLE)\n", "later.sql.postgres:drop-table"),
    ("migrations/5_var.js", "const t = 'bookings';\nexports.up = (knex) => knex.schema.dropTable(t);\n",
     "later.sql.postgres:drop-table"),
    ("shop/migrations/0010_purge.py", "def forwards(apps, schema_editor):\n    Booking = apps.get_model('shop', 'Booking')\n"
                                      "    Booking.objects.all().delete()\n", "later.sql.postgres:delete-without-where"),
    ("migrations/../migrations/0011.sql", "DROP TABLE bookings;\n", "later.sql.postgres:drop-table"),
    ("infra/web.tf", 'resource "aws_instance" "web" {\n  ami   = "ami-1"\n  count = 0\n}\n', "later.terraform:count-zero"),
    ("infra/mod.tf", 'module "db" {\n  source   = "./db"\n  for_each = {}\n}\n', "later.terraform:count-zero"),
    (".husky/pre-commit", "npx lint-staged\ngit push --force origin main\n", "later.shell.git:push-force"),
    ("infra/hooks.tf", 'resource "null_resource" "wipe" {\n  provisioner "local-exec" {\n'
                       '    command = "aws s3 rm s3://prod-data --recursive"\n  }\n}\n', "later.shell.aws:s3-rm-recursive"),
])
def test_look_alike_spellings_are_read(path: str, text: str, rule: str) -> None:
    found = analyze_change(path, None, text, Scope.start())
    assert rule in [f.rule_id for f in found], [(f.rule_id, f.reason) for f in found]


# ---- through the agents' doors ------------------------------------------------------------------

def _hook(agent: str, payload: dict[str, object]) -> str:
    result = run_hook(agent, json.dumps(payload).encode(), policy=POLICY, env={}, approvals=False)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        return "deny"
    if not result.stdout:
        return "allow"
    out = json.loads(result.stdout)
    return str(out["hookSpecificOutput"]["permissionDecision"])


def test_claude_code_write_edit_and_multiedit(tmp_path: Path) -> None:
    _write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    base = {"hook_event_name": "PreToolUse", "cwd": str(tmp_path), "session_id": "s", "permission_mode": "default"}
    path = str(tmp_path / ".github/workflows/deploy.yml")
    write = {**base, "tool_name": "Write", "tool_input": {"file_path": str(tmp_path / "migrations/0002_cleanup.sql"),
                                                          "content": "DROP TABLE bookings;\n"}}
    assert _hook("claude-code", write) == "ask"
    keep = {**base, "tool_name": "Edit", "tool_input": {"file_path": path, "old_string": "npm test", "new_string": "npm ci"}}
    assert _hook("claude-code", keep) == "allow"
    add = {**base, "tool_name": "Edit", "tool_input": {"file_path": path, "old_string": "run: npm test",
                                                       "new_string": "run: helm uninstall api --namespace production"}}
    assert _hook("claude-code", add) == "ask"
    multi = {**base, "tool_name": "MultiEdit", "tool_input": {"file_path": path, "edits": [
        {"old_string": "name: Test", "new_string": "name: Unit tests"},
        {"old_string": "npm test", "new_string": "npm test && aws s3 rb s3://prod-backups --force"}]}}
    assert _hook("claude-code", multi) == "ask"


def test_codex_apply_patch_hunks_are_diffs(tmp_path: Path) -> None:
    _write(tmp_path, "scripts/deploy.sh", "#!/bin/sh\nrm -rf /srv/cache\necho deploy\n")
    keep = ("*** Begin Patch\n*** Update File: scripts/deploy.sh\n@@\n rm -rf /srv/cache\n-echo deploy\n"
            "+echo deploying\n*** End Patch\n")
    files = patch_files(keep)
    assert files[0].edits == [{"old": "rm -rf /srv/cache\necho deploy", "new": "rm -rf /srv/cache\necho deploying"}]
    base = {"hook_event_name": "PreToolUse", "cwd": str(tmp_path), "session_id": "s", "tool_name": "apply_patch"}
    assert _hook("codex", {**base, "tool_input": {"command": keep}}) == "allow"
    add = ("*** Begin Patch\n*** Update File: scripts/deploy.sh\n@@\n echo deploy\n+git push --force origin main\n"
           "*** End Patch\n")
    assert _hook("codex", {**base, "tool_input": {"command": add}}) == "deny"  # codex asks by denying with a reason
    new = "*** Begin Patch\n*** Add File: migrations/0003.sql\n+DELETE FROM invoices;\n*** End Patch\n"
    assert _hook("codex", {**base, "tool_input": {"command": new}}) == "deny"


def test_mcp_edit_file_and_dry_run(tmp_path: Path) -> None:
    _write(tmp_path, "deploy/crontab", "0 3 * * * /usr/local/bin/backup\n")
    args = {"path": str(tmp_path / "deploy/crontab"),
            "edits": [{"oldText": "/usr/local/bin/backup", "newText": "rm -rf /var/backups"}]}
    v = check({"server": "filesystem", "tool": "edit_file", "arguments": {**args, "dryRun": False}}, "mcp",
              context={"cwd": str(tmp_path)}, policy=POLICY)
    assert "later.shell.fs:rm" in v.rule_ids
    v = check({"server": "filesystem", "tool": "edit_file", "arguments": {**args, "dryRun": True}}, "mcp",
              context={"cwd": str(tmp_path)}, policy=POLICY)
    assert "later.shell.fs:rm" not in v.rule_ids


# ---- shell writes with known text ----------------------------------------------------------------

@pytest.mark.parametrize("command,rule", [
    ("cat > .husky/pre-push <<'EOF'\n#!/bin/bash\nrm -rf /var/lib/postgresql/data\nEOF", "later.shell.fs:rm"),
    ("cat >> scripts/cleanup.sh <<'EOF'\nrm -rf /var/lib/postgresql/data\nEOF", "later.shell.fs:rm"),
    ("cat <<EOF > migrations/0004.sql\nDROP TABLE bookings;\nEOF", "later.sql.postgres:drop-table"),
    ("echo '0 3 * * * rm -rf /var/backups' >> deploy/crontab", "later.shell.fs:rm"),
    ("tee -a .gitlab-ci.yml <<'EOF'\nwipe:\n  script:\n    - redis-cli FLUSHALL\nEOF", "later.sql.redis:flushall"),
    ("printf 'DROP TABLE t;' > db/migrate/1.sql", "later.sql.postgres:drop-table"),
])
def test_shell_writes_with_known_text(command: str, rule: str, tmp_path: Path) -> None:
    v = check(command, "shell", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert rule in v.rule_ids, v.reasons
    assert v.decision.value != "allow"


def test_shell_write_of_a_harmless_file_stays_allowed(tmp_path: Path) -> None:
    v = check("cat > scripts/hello.sh <<'EOF'\n#!/bin/sh\necho hello\nEOF", "shell", context={"cwd": str(tmp_path)},
              policy=POLICY)
    assert v.decision.value == "allow", v.reasons


# ---- lines, timing --------------------------------------------------------------------------------

def test_lines_point_at_the_step_inside_a_block() -> None:
    text = "jobs:\n  x:\n    steps:\n      - run: |\n          echo one\n          echo two\n          dropdb app\n"
    _, found = located_change(".github/workflows/x.yml", None, text, Scope.start())
    assert [(loc.finding.rule_id, loc.line) for loc in found] == [("shell.postgres:dropdb", 7)]


def test_ordinary_write_costs_little(tmp_path: Path) -> None:
    import time

    content = "export const x = 1;\n" * 2000
    check({"path": "src/a.ts", "content": content}, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    t0 = time.perf_counter()
    for _ in range(20):
        check({"path": "src/a.ts", "content": content}, "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert (time.perf_counter() - t0) / 20 < 0.02


def test_git_is_not_needed(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    v = check({"path": "migrations/0002.sql", "content": "DROP TABLE t;"}, "file_write", context={"cwd": str(tmp_path)},
              policy=POLICY)
    assert v.decision.value == "ask"


def test_ci_steps_that_run_the_projects_own_scripts_read_them(tmp_path: Path) -> None:
    steps = "      - run: npm run build\n      - run: make test\n      - run: ./scripts/deploy.sh\n"
    workflow = "on: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n" + steps
    _write(tmp_path, "package.json", '{"scripts": {"build": "tsc -p ."}}\n')
    _write(tmp_path, "Makefile", "test:\n\tgo test ./...\n")
    _write(tmp_path, "scripts/deploy.sh", "#!/bin/sh\necho deploying\n")
    ctx = {"cwd": str(tmp_path)}
    v = check({"path": ".github/workflows/ci.yml", "content": workflow}, "file_write", context=ctx, policy=POLICY)
    assert v.decision.value == "allow", v.reasons
    _write(tmp_path, "scripts/deploy.sh", "#!/bin/sh\nkubectl delete namespace production\n")
    v = check({"path": ".github/workflows/ci.yml", "content": workflow}, "file_write", context=ctx, policy=POLICY)
    assert "later.shell.kubectl:delete-namespace" in v.rule_ids
    unknown = workflow.replace("npm run build", "npm run nuke")
    v = check({"path": ".github/workflows/ci.yml", "content": unknown}, "file_write", context=ctx, policy=POLICY)
    assert v.decision.value == "ask"  # a script blastwall cannot read is never a pass


def test_a_link_whose_target_runs_later_is_judged_as_its_target(tmp_path: Path) -> None:
    _write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/ci.yml").symlink_to(tmp_path / ".github/workflows/deploy.yml")
    v = check({"path": "notes/ci.yml", "edits": [{"old": "run: npm test", "new": "run: dropdb production"}]},
              "file_write", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert "later.shell.postgres:dropdb" in v.rule_ids


def test_terraform_count_of_a_nested_block_is_not_the_resources() -> None:
    text = 'resource "aws_instance" "web" {\n  count = var.n\n  dynamic "x" {\n    count = 0\n  }\n}\n'
    assert analyze_change("infra/web.tf", None, text, Scope.start()) == []


def _yaml_bomb() -> str:
    """Twelve levels of aliases, nine each: 9**12 scripts if every alias were walked."""
    lines = ['l0: &l0 ["rm -rf /srv/x"]']
    for i in range(1, 12):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\njob:\n  script: *l11\n"


@pytest.mark.parametrize("path,text", [
    (".gitlab-ci.yml", _yaml_bomb()),
    ("alembic/versions/big.py", "def upgrade():\n    pass\n" + "def downgrade():\n    pass\ndef upgrade():\n" * 5000),
    ("alembic/versions/huge.py", "def upgrade():\n    pass\n" * 40000),
    ("Makefile", "A0 := x\n" + "".join(f"A{i} := $(A{i - 1})$(A{i - 1})\n" for i in range(1, 40)) + "t:\n\techo $(A39)\n"),
    ("migrations/9.js", "exports.up = async (knex) => {\n" + "  await knex.raw('SELECT 1');\n" * 5000 + "};\n"),
])
def test_hostile_files_are_read_in_bounded_time(path: str, text: str) -> None:
    import time

    t0 = time.perf_counter()
    try:
        analyze_change(path, None, text, Scope.start())
    except Exception as exc:  # an analysis that gives up is an ask upstream, never a hang
        assert type(exc).__name__ == "AnalysisError", exc
    assert time.perf_counter() - t0 < 5


def test_cursor_str_replace_and_gemini_replace_are_diffs(tmp_path: Path) -> None:
    _write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    path = str(tmp_path / ".github/workflows/deploy.yml")
    cursor = {"hook_event_name": "preToolUse", "conversation_id": "c", "workspace_roots": [str(tmp_path)],
              "tool_name": "StrReplace", "tool_input": {"file_path": path, "old_string": "npm test",
                                                        "new_string": "npm test && supabase db reset --linked"}}
    out = run_hook("cursor", json.dumps(cursor).encode(), policy=POLICY, env={}, approvals=False)
    assert json.loads(out.stdout)["permission"] in ("ask", "deny"), out
    keep = {**cursor, "tool_input": {"file_path": path, "old_string": "npm test", "new_string": "npm test --ci"}}
    out = run_hook("cursor", json.dumps(keep).encode(), policy=POLICY, env={}, approvals=False)
    assert json.loads(out.stdout)["permission"] == "allow", out
    gemini = {"hook_event_name": "BeforeTool", "cwd": str(tmp_path), "session_id": "s", "tool_name": "replace",
              "tool_input": {"file_path": path, "old_string": "npm test", "new_string": "npm test --ci"}}
    out = run_hook("gemini", json.dumps(gemini).encode(), policy=POLICY, env={}, approvals=False)
    assert out.exit_code == 0 and (out.stdout == "" or json.loads(out.stdout).get("decision") in (None, "allow")), out


def test_replacement_text_without_the_text_it_replaces_is_a_snippet(tmp_path: Path) -> None:
    _write(tmp_path, "infra/main.tf", TF_BEFORE)
    ctx = {"cwd": str(tmp_path)}
    snippet = {"path": "infra/main.tf", "content": 'bucket = "logs-v2"', "partial": True}
    assert check(snippet, "file_write", context=ctx, policy=POLICY).decision.value == "allow"
    whole = {"path": "infra/main.tf", "content": 'bucket = "logs-v2"'}  # a Write: the file is only this now
    assert "later.terraform:block-removed" in check(whole, "file_write", context=ctx, policy=POLICY).rule_ids
    bad = {"path": "infra/main.tf", "content": "  force_destroy = true\n", "partial": True}
    assert "later.terraform:protection-off" in check(bad, "file_write", context=ctx, policy=POLICY).rule_ids
    cursor = {"hook_event_name": "preToolUse", "conversation_id": "c", "workspace_roots": [str(tmp_path)],
              "tool_name": "Edit", "tool_input": {"file_path": str(tmp_path / "infra/main.tf"), "new_string": 'bucket = "x"'}}
    out = run_hook("cursor", json.dumps(cursor).encode(), policy=POLICY, env={}, approvals=False)
    assert json.loads(out.stdout)["permission"] == "allow", out
