"""Recall classes of round 13, second part: package-manager script hooks set on the line, remote
runners whose command cannot be read, interpreter code that does not parse, PHP callables named by
string, in-place overwrites of the data the code read, more database clients fed SQL.

Every destructive spelling must be asked (or denied); every everyday spelling next to it must pass."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, tmp_path) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(tmp_path)))).decision


DESTRUCTIVE = [
    # package-manager script hooks set from the command line: the value runs later (on install)
    "composer config scripts.post-install-cmd 'rm -rf storage/app' && composer install",
    "composer config scripts.post-install-cmd 'rm -rf storage/app'",
    "composer config scripts.post-update-cmd 'git push -f origin main' && composer update",
    "composer -d app config scripts.post-autoload-dump 'rm -rf ~/data'",
    "composer config --working-dir=app scripts.x 'rm -rf ~/data'",
    "composer config --file composer.json scripts.x 'rm -rf ~/data'",
    "composer config --json scripts.post-install-cmd '[\"echo ok\", \"rm -rf storage/app\"]'",
    "composer config scripts.post-install-cmd '@php -r \"unlink(\\\"app.db\\\");\"'",
    "composer config scripts.post-install-cmd 'App\\Setup::wipe'",
    "composer config scripts.post-install-cmd \"$HOOK\"",
    "/usr/local/bin/composer config scripts.post-install-cmd 'rm -rf ~/x'",
    "npm pkg set scripts.postinstall='rm -rf ~/x' && npm i",
    "npm set-script postinstall 'rm -rf ~/x' && npm install",
    "npm pkg set 'scripts.test=rm -rf src' && npm test",
    "pnpm pkg set scripts.postinstall='rm -rf ~/x' && pnpm install",
    # remote runners: a command that cannot be read asks; one that can is judged
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\\\"rm -rf /var/lib/mysql\\\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\\\"uptime\\\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\",\"rm -rf /data\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=uptime,rm -rf /data'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters \"commands='uptime','rm -rf /data'\"",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"rm -rf /data]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\" x]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters '{\\\"commands\\\":[\\\"uptime\\\"]}'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters file://params.json",
    "aws ssm send-command --cli-input-json file://x.json",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'rm -rf /var/lib/mysql'",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts @script.sh",
    "gcloud compute ssh vm1 --command 'rm -rf /var/lib/mysql'",
    "gcloud compute ssh vm1 --zone us-central1-a -- rm -rf /var/lib/mysql",
    "az ssh vm -n vm -g rg -- rm -rf /data",
    "az ssh vm --ip 10.0.0.4 --local-user azureuser -- sudo rm -rf /var/lib/mysql",
    "az ssh arc --resource-group rg --name srv -- rm -rf /data",
]

SAFE = [
    "composer config scripts.post-install-cmd 'echo hi' && composer install",
    "composer config scripts.post-install-cmd '@php artisan package:discover --ansi'",
    "composer config scripts.test '@composer phpunit'",
    "composer config scripts.post-install-cmd '@putenv COMPOSER=composer.json'",
    "composer config --json scripts.post-install-cmd '[\"echo ok\", \"@php artisan optimize\"]'",
    "composer config scripts.post-install-cmd --unset",
    "composer config minimum-stability dev",
    "composer config --list",
    "composer config repositories.local path ../pkg",
    "composer install",
    "npm pkg set scripts.build='tsc -p .' && npm run build",
    "npm pkg set scripts.postinstall='echo hi' && npm i",
    "npm pkg get scripts",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\",\"df -h\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=uptime,df -h'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters '{\"commands\":[\"uptime\"]}'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"echo \\\"hi\\\"\"]'",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'uptime'",
    "gcloud compute ssh vm1 --command 'uptime'",
    "gcloud compute ssh vm1 -- uptime",
    "gcloud compute ssh vm1",
    "az ssh vm -n vm -g rg",
    "az ssh vm -n vm -g rg -- uptime",
]


@pytest.mark.parametrize("cmd", DESTRUCTIVE)
def test_destructive_is_asked(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", SAFE)
def test_everyday_passes(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd
