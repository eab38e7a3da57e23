"""Programs named by a pattern or built from variables, and tools whose options destroy: a glob
in the program's name (`/bin/r?`, `[r]m`, braces) is expanded against real folders or asked;
variables joined in `eval "$X $Y"` resolve; Windows programs on a bash-looking line are read
as cmd.exe; destructive options of programs no table names; table rows for sync and import
tools (mc mirror --remove, argocd sync --prune, mongoimport --drop, mlflow gc); Ruby's
symbol-to-proc and method objects of destructive methods."""

from __future__ import annotations

from pathlib import Path

import pytest
from verdicts import allowed_and_asked

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.globname import is_pattern, names_of
from blastwall.engine import check
from blastwall.model import Verdict
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def decide(command: str, cwd: str | None = None) -> str:
    return check(command, "shell", policy=POLICY, probe=False, context={"cwd": cwd} if cwd else None).decision.value


def rules(command: str, cwd: str | None = None) -> list[str]:
    return list(check(command, "shell", policy=POLICY, probe=False, context={"cwd": cwd} if cwd else None).rule_ids)


@pytest.fixture()
def bindir(tmp_path: Path) -> Path:
    """A folder of programs, as /bin is: real files named rm, ls, git, shred."""
    d = tmp_path / "bin"
    d.mkdir()
    for name in ("rm", "ls", "git", "shred", "true"):
        f = d / name
        f.write_bytes(b"\x7fELF\x00\x00compiled")
        f.chmod(0o755)
    return d


# ---- programs named by a pattern -----------------------------------------------------------
@pytest.mark.parametrize("word", ["r?", "[r]m", "r[m]", "r*", "?m", "{rm,true}", "r{m,x}"])
def test_a_pattern_naming_rm_is_judged_as_rm(bindir: Path, word: str) -> None:
    command = f"{bindir}/{word} -rf ~/Documents"
    assert decide(command) != "allow"
    assert "shell.fs:rm" in rules(command)


def test_every_program_the_pattern_names_counts(bindir: Path) -> None:
    # `?s` names only ls; `*` names rm too: the worst one decides
    assert decide(f"{bindir}/?s -la") == "allow"
    assert "shell.fs:rm" in rules(f"{bindir}/* -rf ~/Documents")


def test_a_pattern_in_a_folder_name_and_behind_wrappers(bindir: Path) -> None:
    parent = bindir.parent
    assert "shell.fs:rm" in rules(f"{parent}/b??/rm -rf ~/Documents")
    assert "shell.fs:rm" in rules(f"sudo {bindir}/r? -rf /srv/data")
    assert "shell.git:push-force" in rules(f"{bindir}/gi? push --force origin main")
    assert "shell.fs:shred" in rules(f"env X=1 {bindir}/shre? -u ~/Documents/a.txt")


def test_a_pattern_that_names_nothing_here_is_asked(tmp_path: Path) -> None:
    assert rules(f"{tmp_path}/nothing/r? -rf ~/Documents") == ["shell.exec:glob-name"]
    assert decide(f"{tmp_path}/r? --version") == "ask"


def test_a_bare_pattern_is_matched_in_the_working_folder(bindir: Path) -> None:
    # bash expands `r?` in the folder, then looks the name it made up on PATH
    assert "shell.fs:rm" in rules("r? -rf ~/Documents", cwd=str(bindir))
    assert rules("r? -rf ~/Documents") == ["shell.exec:glob-name"]  # no folder given: asked
    assert rules("zz? -rf ~/Documents", cwd=str(bindir)) == ["shell.exec:glob-name"]


def test_names_of_reads_the_folder_and_stays_closed_without_it(bindir: Path) -> None:
    scope = Scope(cwd=str(bindir))
    assert names_of(f"{bindir}/r?", scope) == [f"{bindir}/rm"]
    assert names_of(f"{bindir}/r?", scope._replace(read_files=False)) is None
    assert names_of("/usr/bin/{rm,true}", scope._replace(read_files=False)) == ["/usr/bin/rm", "/usr/bin/true"]


@pytest.mark.parametrize("text,pattern", [
    ("/bin/r?", True), ("[r]m", True), ("r*", True), ("{rm,true}", True), ("f{1..3}", True),
    ("[", False), ("[[", False), ("rm", False), ("{}", False), ("a{b}", False),
])
def test_what_bash_expands(text: str, pattern: bool) -> None:
    assert is_pattern(text) is pattern


def test_quoted_or_escaped_patterns_and_the_test_command_are_not_expanded(tmp_path: Path) -> None:
    assert decide("[ -f README.md ] && echo yes", cwd=str(tmp_path)) == "allow"
    assert decide("ls *.txt", cwd=str(tmp_path)) == "allow"


@pytest.mark.parametrize("command", [
    "$(echo rm) -rf ~/Documents",
    "\\r\\m -rf ~/Documents",
    '"r"m -rf ~/Documents',
    "r''m -rf ~/Documents",
    "/???/rm -rf ~/Documents",
])
def test_other_spellings_of_the_program(command: str) -> None:
    assert decide(command) != "allow"


# ---- variables joined in eval --------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "X='git branch'; Y='-D release/2024.05'; eval \"$X $Y\"",
    "X='git branch'; Y='-D release/2024.05'; eval \"${X} ${Y}\"",
    "X='git branch'; Y='-D release/2024.05'; eval \"$X  $Y\"",
    "X='git branch'; Y='-D release/2024.05'; bash -c \"$X $Y\"",
    "A=git; B=branch; C=-D; eval \"$A $B $C release/2024.05\"",
    "X='rm -rf'; Y=~/Documents; eval \"$X $Y\"",
])
def test_variables_joined_with_spaces_in_eval_resolve(command: str) -> None:
    assert decide(command) != "allow"


def test_joined_variables_keep_their_spaces() -> None:
    from blastwall.analyze.shell.parse import parse

    cmd = parse("X='git branch'; Y='-d old'; echo \"$X $Y\"").commands[-1]
    assert cmd.argv[1].text == "git branch -d old"
    assert not cmd.argv[1].dynamic
    assert decide("X='git branch'; Y='--list'; eval \"$X $Y\"") == "allow"


# ---- Windows programs on a bash-looking line ------------------------------------------------
@pytest.mark.parametrize("command", [
    "mkdir C:\\empty; robocopy C:\\empty \\\\nas01\\share\\finance /MIR",
    "mkdir C:\\empty && robocopy C:\\empty D:\\data /MIR",
    "cd /c/work && robocopy.exe empty D:\\data /PURGE",
    "echo start; del /s /q D:\\data\\*",
])
def test_windows_programs_after_another_command_are_read_as_cmd(command: str) -> None:
    assert decide(command) != "allow"


def test_windows_copies_that_delete_nothing_pass() -> None:
    assert decide("mkdir C:\\out; robocopy C:\\src D:\\backup /E /L") == "allow"
    assert decide("robocopy C:\\src D:\\mirror\\src /E /XD node_modules") == "allow"


# ---- destructive options of programs no table names -----------------------------------------
@pytest.mark.parametrize("command", [
    "s5cmd sync --delete ./build/ s3://acme-static/",
    "acme-loader import --drop users.json",
    "bkp-tool sync --purge /srv/data remote:data",
    "inhouse-sync --prune ./site host:/var/www",
    "seedctl load --wipe=true fixtures/",
])
def test_destructive_options_ask_on_unknown_programs(command: str) -> None:
    assert rules(command) == ["shell.verbs:destructive-name"]


@pytest.mark.parametrize("command", [
    "s5cmd sync ./build/ s3://acme-static/",
    "s5cmd sync --delete --dry-run ./build/ s3://acme-static/",
    "acme-loader import --drop=false users.json",
    "git fetch --all --prune",
    "docker compose down --remove-orphans",
    "gh pr merge 42 --squash --delete-branch",
    "brew cleanup --prune=all -s",
])
def test_the_same_options_pass_where_they_are_known_or_off(command: str) -> None:
    assert decide(command) == "allow"


# ---- sync, import and cleanup tools ---------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("mc mirror --overwrite --remove ./build minio/static-prod", "shell.objectstore:mirror-remove"),
    ("mc mirror --watch --remove ./build minio/static-prod", "shell.objectstore:mirror-remove"),
    ("argocd app set payments-prod --path k8s/empty && argocd app sync payments-prod --prune --force",
     "shell.argocd:sync-prune"),
    ("argocd app sync api --prune", "shell.argocd:sync-prune"),
    ("mongoimport --uri \"$MONGO_URL\" --db shop -c products --drop --file seed/products.json", "shell.mongo:import-drop"),
    ("mongorestore --uri \"$MONGO_URL\" --drop dump/", "shell.mongo:import-drop"),
    ("mongoimport --db shop -c products --mode=delete --file ids.json", "shell.mongo:import-replace"),
    ("mongoimport --db shop -c products --mode upsert --file p.json", "shell.mongo:import-replace"),
    ("mlflow gc --backend-store-uri postgresql://mlflow@db/mlflow --older-than 0d", "shell.mlflow:gc"),
    ("mlflow gc", "shell.mlflow:gc"),
    ("mlflow gc --older-than 1h", "shell.mlflow:gc"),
])
def test_tools_that_delete_what_they_sync_or_load(command: str, rule: str) -> None:
    assert rule in rules(command)


EVERYDAY_RUNS = [
    "mc mirror ./build minio/static-prod",
    "mc mirror --remove --dry-run ./build minio/static-prod",
    "argocd app sync api",
    "argocd app sync api --prune --dry-run",
    "argocd app sync api --prune --preview-changes",
    "mongoimport --uri mongodb://localhost:27017 --db shop_dev -c products --file seed/products.json --jsonArray",
    "mongorestore --uri mongodb://localhost:27017 dump/",
    "mlflow gc --older-than 30d",
    "mlflow ui --port 5001",
]
ROLLED_CREDENTIALS = [
    "stripe api_keys roll rk_live_51Hxxxx --live",
    "stripe api_keys roll rk_test_51Hxxxx",
    "acme tokens roll --all",
]


(test_their_everyday_runs_pass,
 test_a_rolled_credential_stops_working) = allowed_and_asked(EVERYDAY_RUNS, ROLLED_CREDENTIALS)


def test_stripe_reads_pass() -> None:
    assert decide("stripe customers list --limit 3") == "allow"
    assert decide("stripe listen --forward-to localhost:4242/webhooks") == "allow"


# ---- Ruby: destructive methods called by name ----------------------------------------------
@pytest.mark.parametrize("code", [
    "ActiveStorage::Blob.find_each(&:purge)",
    "ActiveStorage::Blob.unattached.each(&:purge_later)",
    "User.find_each(&:destroy)",
    "User.all.each(&:destroy!)",
    "Post.where(draft: true).map(&:delete)",
    "Post.find_each { |p| p.purge }",
    "User.find_each { |u| u.send(:destroy) }",
    "User.all.each { |u| u.public_send(:delete) }",
    "Dir['/srv/x/*'].each(&File.method(:delete))",
    "Dir['/srv/x/*'].each(&FileUtils.method(:rm_rf))",
])
def test_ruby_methods_called_by_name(code: str) -> None:
    assert decide(f"RAILS_ENV=production bin/rails runner '{code}'") != "allow"


@pytest.mark.parametrize("code", [
    "puts User.count",
    "User.find_each(&:touch)",
    "User.pluck(:email).each(&:downcase)",
    "Post.find_each { |p| p.update!(slug: p.title.parameterize) }",
])
def test_ruby_everyday_runner_code_passes(code: str) -> None:
    assert decide(f"bin/rails runner '{code}'") == "allow"



# ---- MCP tools that run an infrastructure command -------------------------------------------
def mcp(tool: str, arguments: dict, server: str = "terraform") -> Verdict:
    return check({"server": server, "tool": tool, "arguments": arguments}, "mcp", policy=POLICY, probe=False)


@pytest.mark.parametrize("tool,arguments,rule", [
    ("terraform_apply", {"working_dir": "/infra/staging", "destroy": True, "auto_approve": True},
     "shell.terraform:apply-destroy"),
    ("terraform_apply", {"working_dir": "/infra/staging", "destroy": "true"}, "shell.terraform:apply-destroy"),
    ("terraform_apply", {"working_dir": "/infra/staging"}, "shell.terraform:apply-auto-approve"),
    ("terraform_apply", {"plan_file": "destroy-all.tfplan"}, "shell.terraform:apply-destroy-plan"),
    ("tofu_apply", {"dir": "/infra/prod", "destroy": True}, "shell.terraform:apply-destroy"),
    ("terraform_destroy", {"working_dir": "/infra/prod"}, "shell.terraform:destroy"),
    ("apply", {"dir": "/infra/prod", "destroy": True}, "shell.terraform:apply-destroy"),  # a terraform server's apply
])
def test_mcp_terraform_tools_are_judged_as_the_command_they_run(tool: str, arguments: dict, rule: str) -> None:
    server = "tofu" if tool.startswith("tofu") else "terraform"
    verdict = mcp(tool, arguments, server)
    assert verdict.decision.value != "allow"
    assert rule in verdict.rule_ids


@pytest.mark.parametrize("tool,arguments", [
    ("terraform_apply", {"working_dir": "/infra/staging", "plan_file": "tfplan"}),  # a reviewed, saved plan
    ("terraform_plan", {"working_dir": "infra/prod", "destroy": True}),
    ("terraform_init", {"working_dir": "/infra/prod", "upgrade": True}),
    ("search_modules", {"module_query": "vpc aws"}),
])
def test_mcp_terraform_reads_and_reviewed_plans_pass(tool: str, arguments: dict) -> None:
    assert mcp(tool, arguments).decision.value == "allow"


def test_the_command_line_of_a_cli_tool() -> None:
    from blastwall.analyze.mcp_cli import command_line

    assert command_line("terraform", "terraform_apply", {"destroy": True, "target": ["a.b", "c.d"]}) == [
        "terraform", "apply", "-auto-approve", "-destroy", "-target=a.b", "-target=c.d"]
    assert command_line("github", "create_issue", {}) is None


# ---- HTTP: Firebase Realtime Database and Algolia --------------------------------------------
def http(method: str, url: str, body: object = None) -> Verdict:
    return check({"method": method, "url": url, "body": body}, "http", policy=POLICY, probe=False)


RTDB = "https://acme-prod-default-rtdb.firebaseio.com"
ALGOLIA = "https://ACME123.algolia.net"


@pytest.mark.parametrize("method,url,body,rule", [
    ("PUT", f"{RTDB}/.json?auth=$FIREBASE_SECRET", {}, "http.firebase:database-replace"),
    ("PUT", "https://acme-default-rtdb.europe-west1.firebasedatabase.app/.json", {"a": 1}, "http.firebase:database-replace"),
    ("PUT", f"{RTDB}/", {}, "http.firebase:database-replace"),
    ("DELETE", f"{RTDB}/.json", None, "http.firebase:database-replace"),
    ("PUT", f"{RTDB}/users.json", {}, "http.firebase:node-replace"),
    ("PUT", f"{RTDB}/users/u1/profile.json", {"name": "x"}, "http.firebase:node-replace"),
    ("DELETE", f"{RTDB}/users/u1.json", None, "http.firebase-rtdb:delete"),
    ("POST", f"{ALGOLIA}/1/indexes/products/clear", None, "http.algolia:index-clear"),
    ("POST", f"{ALGOLIA}/1/indexes/products/deleteByQuery", {"filters": "brand:acme"}, "http.algolia:index-clear"),
    ("POST", f"{ALGOLIA}/1/indexes/products/synonyms/clear", None, "http.algolia:index-clear"),
    ("DELETE", f"{ALGOLIA}/1/indexes/products", None, "http.algolia:delete"),
    ("DELETE", f"{ALGOLIA}/1/keys/0123abcd", None, "http.algolia:delete"),
    ("POST", f"{ALGOLIA}/1/indexes/products_tmp/operation", {"operation": "move", "destination": "products"},
     "http.algolia:index-replace"),
    ("POST", f"{ALGOLIA}/1/indexes/products/batch", {"requests": [{"action": "deleteObject", "body": {"objectID": "1"}}]},
     "http.algolia:batch-delete"),
])
def test_replacing_or_clearing_a_store_asks(method: str, url: str, body: object, rule: str) -> None:
    verdict = http(method, url, body)
    assert verdict.decision.value != "allow"
    assert rule in verdict.rule_ids


@pytest.mark.parametrize("method,url,body", [
    ("GET", "https://acme-default-rtdb.firebaseio.com/users.json?shallow=true", None),
    ("POST", "https://acme-default-rtdb.firebaseio.com/messages.json", {"text": "hi"}),
    ("PATCH", "https://acme-default-rtdb.firebaseio.com/users/u1.json", {"name": "Ada"}),
    ("POST", "https://ABC123-dsn.algolia.net/1/indexes/products/query", '{"params": "query=delete&hitsPerPage=5"}'),
    ("POST", "https://ABC123-dsn.algolia.net/1/indexes/*/queries", {"requests": []}),
    ("GET", "https://ABC123-dsn.algolia.net/1/indexes/products/settings", None),
    ("POST", f"{ALGOLIA}/1/indexes/products/batch", {"requests": [{"action": "addObject", "body": {"name": "x"}}]}),
])
def test_reads_and_additions_pass(method: str, url: str, body: object) -> None:
    assert http(method, url, body).decision.value == "allow"


# ---- SQL given as text: schedulers, executors, Delta VACUUM ----------------------------------
def sql(text: str) -> Verdict:
    return check(text, "sql", policy=POLICY, probe=False)


@pytest.mark.parametrize("text,rule", [
    ("SELECT cron.schedule('nightly-purge', '0 3 * * *', $$DELETE FROM events$$);", "sql.postgres:delete-without-where"),
    ("SELECT cron.schedule('0 3 * * *', 'TRUNCATE audit_log');", "sql.postgres:truncate"),
    ("SELECT cron.schedule_in_database('wipe', '0 3 * * *', 'DROP TABLE payments', 'app');", "sql.postgres:drop-table"),
    ("SELECT cron.alter_job(42, command := 'DROP TABLE payments');", "sql.postgres:drop-table"),
    ("SELECT exec_sql('DROP TABLE ' || quote_ident('payments'));", "sql.postgres:drop-table"),
    ("SELECT run_sql(format('TRUNCATE %I', 'orders'));", "sql.postgres:truncate"),
    ("SELECT execute_sql(concat('DELETE FROM ', 'users'));", "sql.postgres:delete-without-where"),
    ("SELECT exec_sql(some_column) FROM jobs;", "sql.sqltext:scheduled-or-executed"),
    ("SELECT cron.schedule('x', '* * * * *', 'DROP TABLE ' || current_setting('app.t'));",
     "sql.sqltext:scheduled-or-executed"),
    ("SET spark.databricks.delta.retentionDurationCheck.enabled = false;\nVACUUM bronze.events RETAIN 0 HOURS;",
     "sql.delta:vacuum-retain"),
    ("VACUUM delta.`/mnt/lake/events` RETAIN 1 HOURS;", "sql.delta:vacuum-retain"),
    ("VACUUM events RETAIN 167 HOURS", "sql.delta:vacuum-retain"),
])
def test_sql_run_from_text_or_vacuumed_history_asks(text: str, rule: str) -> None:
    verdict = sql(text)
    assert verdict.decision.value != "allow"
    assert rule in verdict.rule_ids, verdict.rule_ids


@pytest.mark.parametrize("text", [
    "SELECT cron.schedule('refresh', '*/5 * * * *', 'REFRESH MATERIALIZED VIEW CONCURRENTLY stats');",
    "SELECT cron.unschedule('refresh');",
    "SELECT exec_sql('SELECT 1');",
    "VACUUM bronze.events RETAIN 168 HOURS;",
    "VACUUM bronze.events RETAIN 0 HOURS DRY RUN;",
    "VACUUM bronze.events;",
    "VACUUM (VERBOSE, ANALYZE) orders;",
])
def test_harmless_scheduled_sql_and_vacuums_pass(text: str) -> None:
    assert sql(text).decision.value == "allow"
