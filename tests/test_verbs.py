"""The verb model: programs, subcommands, task names, procedures and MCP tools no rule table
names are judged by what their names say, weighed by what they act on (rules/verbs.toml)."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

from blastwall.analyze.verbs import read_words, safe_flags_present, tokens
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()


@pytest.mark.parametrize("name,expected", [
    ("dropAllTables", ["drop", "all", "tables"]),
    ("DropAllTables", ["drop", "all", "tables"]),
    ("drop-all-tables", ["drop", "all", "tables"]),
    ("drop_all_tables", ["drop", "all", "tables"]),
    ("DROP_ALL_TABLES", ["drop", "all", "tables"]),
    ("db:wipe", ["db", "wipe"]),
    ("ecto.drop", ["ecto", "drop"]),
    ("HTMLParser", ["html", "parser"]),
    ("v2Delete", ["v", "2", "delete"]),
])
def test_tokens(name: str, expected: list[str]) -> None:
    assert tokens(name) == expected


@pytest.mark.parametrize("words,verb,severity", [
    (["db:wipe"], "wipe", Severity.HIGH),
    (["schema:drop"], "drop", Severity.HIGH),
    (["migrate:fresh"], "fresh", Severity.HIGH),
    (["db", "downgrade"], "downgrade", Severity.HIGH),
    (["dbWipe"], "wipe", Severity.HIGH),
    (["DB_RESET"], "reset", Severity.HIGH),
    (["reset-database"], "reset", Severity.HIGH),
    (["clean:volumes"], "clean", Severity.HIGH),
    (["tear-down"], "teardown", Severity.MEDIUM),
    (["teardown"], "teardown", Severity.MEDIUM),
    (["forget"], "forget", Severity.MEDIUM),
    (["unpublish"], "unpublish", Severity.MEDIUM),
    (["yank"], "yank", Severity.MEDIUM),
    (["revoke"], "revoke", Severity.MEDIUM),
    (["nuke"], "nuke", Severity.MEDIUM),
    (["check-and-delete"], "delete", Severity.MEDIUM),  # a read before the verb does not make it a read
    (["purge_old_orders"], "purge", Severity.HIGH),
    (["rollback"], "rollback", Severity.MEDIUM),
])
def test_destructive_names(words: list[str], verb: str, severity: Severity) -> None:
    reading = read_words(words)
    assert reading is not None and reading.verb == verb and reading.severity is severity


@pytest.mark.parametrize("words", [
    ["clean"], ["reset"], ["undo"], ["uninstall", "lodash"], ["remove", "left-pad"],  # weak verbs alone
    ["cache:clear"], ["clear-db-cache"], ["purge-old-logs"], ["drop_tmp"], ["clean", "node_modules"],
    ["prune", "dangling"], ["delete-expired-sessions"],  # the last thing named rebuilds itself
    ["rollback:status"], ["drop-preview"], ["migrate:status"], ["db:migrate"],  # reads and additive tasks
    ["list", "deleted"], ["help", "drop"], ["plan", "destroy"], ["describe", "delete-policy"],
    ["build:dropdown"], ["deleted"], ["dropdown"], ["eraser"],  # words that only contain a verb
    ["refresh_index"], ["refresh", "db"],  # refreshing rebuilds from the source
])
def test_harmless_names(words: list[str]) -> None:
    assert read_words(words) is None


@pytest.mark.parametrize("flags,safe", [
    (["--dry-run"], True), (["--dryrun"], True), (["--what-if"], True), (["-WhatIf"], True),
    (["--preview-only"], True), (["--help"], True), (["--dry-run=client"], True),
    (["--dry-run=false"], False), (["--dry-run=none"], False), (["--force"], False), (["-n"], False),
    (["-h"], False), (["--list"], False), (["--plan"], False), (["--check"], False),  # a host, a file, a side check
])
def test_safe_flags(flags: list[str], safe: bool) -> None:
    assert safe_flags_present(flags) is safe


# Commands no table names, asked about because of what their names say.
ASKED = [
    "flask db downgrade base",
    "flask db downgrade",
    "npx typeorm schema:drop -d src/data-source.ts",
    "npx drizzle-kit drop",
    "restic forget latest",
    "borg delete ::nightly",
    "velero backup delete nightly",
    "consul kv delete -recurse app/",
    "etcdctl del --prefix /",
    "linode-cli linodes delete 123",
    "hcloud server delete web-1",
    "openstack server delete web",
    "neonctl branches delete preview",
    "cargo yank --version 1.0.0 mycrate",
    "gem yank mygem -v 1.0.0",
    "npm unpublish mypkg@1.0.0",
    "rabbitmqctl delete_queue orders",
    "influx bucket delete -n metrics",
    "python manage.py purge_old_orders",
    "./manage.py purge_old_orders --days 0",
    "mytool db:wipe",
    "mytool dbWipe",
    "mytool DB_WIPE",
    "mytool db.wipe",
    "mytool reset-db",
    "mytool reset database",
    "reset-db",
    "mytool migrate:fresh",
    "wipe -rf somedir",
    "drop-all-tables",
    "sudo mytool nuke",
    "env FOO=1 mytool destroy",
    "mytool destroy --dry-run=false",
    "pgtool drop -h prod-db app",
    "mytool --yes destroy",
    "mytool -f deploy.yml destroy",
    "mytool --config=prod.toml db:wipe",
    "flask --app api db downgrade base",
    "mytool delete --list ids.txt",
]

# Everyday commands whose words contain a verb: allowed.
ALLOWED = [
    "yarn cache clean",
    "npm cache clean --force",
    "pip cache purge",
    "go clean -testcache",
    "cargo clean",
    "dotnet clean",
    "flutter clean",
    "brew cleanup",
    "brew uninstall wget",
    "pip uninstall -y requests",
    "npm uninstall lodash",
    "cargo uninstall ripgrep",
    "rustup toolchain uninstall nightly",
    "nvm uninstall 16",
    "conda env remove -n scratch",
    "poetry env remove python3.11",
    "helm repo remove bitnami",
    "git remote remove upstream",
    "composer clear-cache",
    "php artisan cache:clear",
    "php artisan view:clear",
    "php artisan config:clear",
    "php artisan optimize:clear",
    "bundle clean",
    "pnpm store prune",
    "npm prune",
    "pm2 flush",
    "systemctl reset-failed",
    "restic forget --keep-last 5 --prune --dry-run",
    "mytool destroy --dry-run",
    "mytool destroy --help",
    "mytool help destroy",
    "mytool list deleted",
    "mytool drop-preview",
    "kubectl auth can-i delete pods -n prod",
    "vim nuke.sh",
    "mkdir delete-me",
    "pytest -k delete_user",
    "shellcheck destroy_env.sh",
    "mytool run nuke.sh",
    "jest --testNamePattern drop",
    "mytool build:dropdown",
    "flask db upgrade",
    "flask db migrate -m 'drop legacy column'",
    "flatpak uninstall org.example.App",  # an app id is not an org
    "dvc remove data.dvc",  # a file argument names no data store
    "stack clean",  # the program's name is not what clean acts on
    "pm2 delete all",  # a process list
    "direnv revoke",
    "watchman watch-del-all",
]


@pytest.mark.parametrize("command", ASKED)
def test_destructive_subcommands_are_asked(command: str) -> None:
    verdict = check(command, "shell", policy=POLICY)
    assert verdict.decision.value != "allow", f"{command!r} was allowed"


@pytest.mark.parametrize("command", ALLOWED)
def test_everyday_subcommands_are_allowed(command: str) -> None:
    verdict = check(command, "shell", policy=POLICY)
    assert verdict.decision.value == "allow", f"{command!r}: {verdict.reasons} {verdict.rule_ids}"


def test_a_table_stays_the_authority_on_what_it_names() -> None:
    # git's table names reset: a soft reset is not a destructive one, whatever the verb says
    assert check("git reset --soft HEAD~1", "shell", policy=POLICY).decision.value == "allow"
    assert check("git reset --hard HEAD~1", "shell", policy=POLICY).decision.value == "ask"


def test_finding_names_the_verb_and_its_object() -> None:
    verdict = check("flask db downgrade base", "shell", policy=POLICY)
    assert "shell.verbs:destructive-name" in verdict.rule_ids
    assert any("downgrade" in r and "db" in r for r in verdict.reasons)


# MCP tools: a destructive verb inside the name, read by the same model.
MCP_ASKED = ["bulk_delete_users", "dbWipeAll", "purgeorders", "admin_drop_tables", "forget_memory", "yank_release"]
MCP_ALLOWED = ["list_deleted_items", "get_delete_status", "search_and_replace", "refresh_index", "create_issue"]


def mcp(tool: str, annotations: dict | None = None, policy: object = POLICY) -> str:
    payload: dict = {"server": "acme", "tool": tool, "arguments": {}}
    if annotations:
        payload["annotations"] = annotations
    return check(payload, "mcp", policy=policy).decision.value  # type: ignore[arg-type]


test_mcp_tools_that_read_or_refresh_are_allowed, test_mcp_tools_with_a_destructive_verb_are_asked = allowed_and_asked(
    MCP_ALLOWED, MCP_ASKED, judge=mcp)


def test_destructive_hint_is_a_floor_unless_a_trusted_rule_allows_it() -> None:
    import tomllib

    from blastwall.policy.engine import compile_layers, default_document

    assert mcp("list_issues", {"destructiveHint": True}) == "ask"  # a read-sounding name does not lower it
    assert mcp("list_issues", {"destructiveHint": True, "readOnlyHint": True}) == "ask"
    trusted = compile_layers([("blastwall.toml", tomllib.loads(
        '[[rule]]\nid = "ours"\nrule = ["mcp.annotations:destructive"]\ndecision = "allow"\n')),
        ("defaults", default_document())])
    assert mcp("list_issues", {"destructiveHint": True}, trusted) == "allow"


# Arguments that say what a known command destroys: a saved plan named for destruction, patches
# whose values delete later (reclaim policy), now (finalizers) or stop serving (zero replicas).
TARGET_ASKED = [
    "terraform apply -auto-approve tfplan-destroy",
    "tofu apply destroy.tfplan",
    "kubectl patch pv pg-data -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}'",
    "kubectl patch pv pg-data --type merge --patch '{\"spec\": {\"persistentVolumeReclaimPolicy\": \"delete\"}}'",
    "kubectl patch ns stuck -p '{\"metadata\":{\"finalizers\":null}}' --type=merge",
    "kubectl patch pvc data --type json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'",
    "kubectl patch deploy api -p '{\"spec\":{\"replicas\":0}}'",
    "kubectl patch pv pg-data --dry-run=none -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}'",
]
TARGET_ALLOWED = [
    "terraform apply tfplan",
    "terraform plan -destroy -out destroy.tfplan",
    "kubectl patch pv pg-data -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'",
    "kubectl patch deploy api -p '{\"spec\":{\"replicas\":10}}'",
    "kubectl patch pv pg-data --dry-run=client -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}'",
]


@pytest.mark.parametrize("command", TARGET_ASKED)
def test_arguments_that_name_destruction_are_asked(command: str) -> None:
    assert check(command, "shell", policy=POLICY).decision.value != "allow"


@pytest.mark.parametrize("command", TARGET_ALLOWED)
def test_arguments_that_keep_data_are_allowed(command: str) -> None:
    assert check(command, "shell", policy=POLICY).decision.value == "allow"


@pytest.mark.parametrize("command", [
    "kubectl delete ns prod --dry-run=none",  # none is the real run
    "helm uninstall pg --dry-run=false",
    "aws s3 rm s3://acme-data --recursive --dryrun=false",
    "rails db:drop --dry-run=false",
    "mytool destroy --dry-run=off",
])
def test_a_dry_run_option_turned_off_is_no_dry_run(command: str) -> None:
    assert check(command, "shell", policy=POLICY).decision.value != "allow"


@pytest.mark.parametrize("command", [
    "kubectl delete ns prod --dry-run=client", "aws s3 rm s3://acme-data --recursive --dryrun",
    "helm uninstall pg --dry-run", "pulumi destroy --preview-only", "rclone purge remote:bucket --dry-run",
    "flyway clean -dryRunOutput=clean.sql", "restic forget --keep-last 3 --dry-run",
])
def test_dry_runs_in_their_spellings_are_allowed(command: str) -> None:
    assert check(command, "shell", policy=POLICY).decision.value == "allow"


@pytest.mark.parametrize("command,asked", [
    ("npm run db:reset", True), ("make nuke", True), ("npm run migrate:fresh", True), ("make drop-tables", True),
    ("just dropAllTables", True), ("npm run build:dropdown", False), ("make clean", False), ("npm run build", False),
])
def test_task_names_are_read_by_the_verb_model(command: str, asked: bool) -> None:
    verdict = check(command, "shell", policy=POLICY)
    assert (verdict.decision.value != "allow") is asked, verdict.reasons
    assert asked is ("shell.scripts:destructive-target" in verdict.rule_ids)
