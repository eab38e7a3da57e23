"""Recall classes of round 11: wrappers and remote hops, package runners of file tools, etcdctl's
global options, disk images, explicit boolean option values, ARM Complete-mode deployments,
platform database CLIs fed on stdin, SSM sessions, SDK calls in interpreter code.

Every destructive spelling must be asked (or denied); every everyday spelling next to it must pass."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, tmp_path) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(tmp_path)))).decision


def _http(method: str, url: str, body: object) -> Decision:
    payload = {"method": method, "url": url, "headers": {"Authorization": "Bearer $T"}, "body": body}
    return check_action(Action(Surface.HTTP, payload)).decision


DESTRUCTIVE = [
    # util-linux script: the log file before -c
    "script -q /dev/null -c 'git push origin --delete main'",
    "script /dev/null -qc 'git push origin --delete main'",
    "script -q log.txt --command 'git push origin --delete main'",
    "script -q /dev/null --command='git push origin --delete main'",
    # vagrant ssh
    "vagrant ssh -c 'sudo rm -rf /vagrant/*'",
    "vagrant ssh web -c 'git push --force origin main'",
    "vagrant ssh web --command 'sudo rm -rf /srv/app'",
    "vagrant ssh web -- sudo rm -rf /srv/app",
    # user-namespace wrappers
    "podman unshare rm -rf ~/.local/share/containers/storage/volumes",
    "buildah unshare rm -rf ~/.local/share/containers/storage",
    "podman --root /srv/c unshare rm -rf /srv/c/volumes",
    # package runners of file tools
    "npx rimraf ~/projects/*",
    "npx --yes rimraf ~/projects",
    "pnpm dlx rimraf ~/projects",
    "yarn dlx rimraf ~/projects",
    "bunx rimraf ~/projects",
    "rimraf --glob '/srv/data/**'",
    "npx del-cli ~/projects",
    "npx shx rm -rf ~/projects",
    # etcdctl behind its TLS options, through kubectl exec
    "kubectl -n kube-system exec etcd-cp1 -- etcdctl --cacert /etc/k/ca.crt --cert /etc/k/s.crt --key /etc/k/s.key del \"\" --prefix",
    "etcdctl --endpoints https://10.0.0.5:2379 --user root --password pw del /registry --prefix",
    "etcdctl --dial-timeout 5s del --from-key ''",
    # disk images and file ranges
    "qemu-img create -f qcow2 /var/lib/libvirt/images/prod-db.qcow2 100G",
    "qemu-img create -f raw -o preallocation=full /srv/vm/db.img 20G",
    "qemu-img convert -O qcow2 base.raw /var/lib/libvirt/images/web.qcow2",
    "fallocate --punch-hole -o 0 -l 1G /var/lib/mysql/ibdata1",
    "fallocate -c -o 0 -l 4096 /srv/data/db.bin",
    # platform database shells fed on stdin
    "echo FLUSHALL | heroku redis:cli --app ledgerly-prod --confirm ledgerly-prod",
    "printf 'FLUSHDB\\n' | heroku redis:cli -a shop",
    "fly postgres connect -a clinicq-db -d clinicq <<< 'TRUNCATE appointments_appointment CASCADE;'",
    "echo 'DROP TABLE users;' | flyctl pg connect -a db",
    "fly redis connect <<< 'FLUSHALL'",
    "heroku psql -a shop <<< 'DELETE FROM orders;'",
    "echo 'DROP TABLE users;' | railway connect postgres",
    # AWS SSM sessions that run a command
    "aws ssm start-session --target i-0abc123def --document-name AWS-StartInteractiveCommand --parameters command=\"sudo rm -rf /var/lib/jenkins\"",
    "aws ssm start-session --target i-1 --document-name AWS-StartInteractiveCommand --parameters '{\"command\":[\"sudo rm -rf /srv/app\"]}'",
    "aws ssm start-session --target i-1 --document-name AWS-StartInteractiveCommand --parameters command=$CMD",
    # SDK calls in interpreter code: functions imported from a module, queue and store clients
    "python -c \"from huggingface_hub import delete_repo; delete_repo('visionlab/detr-finetuned-v3')\"",
    "python -c \"from huggingface_hub import delete_repo as d; d('visionlab/detr')\"",
    "python3 -c 'import huggingface_hub as h; h.delete_repo(\"a/b\")'",
    "python -c \"from mlflow import delete_experiment; delete_experiment('7')\"",
    "heroku run -a ledgerly-prod -- bin/rails runner 'Sidekiq::Queue.all.each(&:clear); Sidekiq::ScheduledSet.new.clear'",
    "bin/rails runner 'Sidekiq::Queue.new(\"default\").clear'",
    "bin/rails runner 'Sidekiq::RetrySet.new.clear'",
    "bundle exec rails runner 'Sidekiq::DeadSet.new.clear'",
    "ruby -e 'require \"redis\"; Redis.new(url: ENV[\"REDIS_URL\"]).flushall'",
    "bin/rails runner 'Resque.remove_queue(\"mailers\")'",
    # explicit boolean values
    "az ad app credential reset --id 7d1c2b3a-4e5f-6789-abcd-ef0123456789 --append false",
    "az ad sp credential reset --id 7d1c2b3a --append false",
]

SAFE = [
    "script -q /dev/null -c 'git status'",
    "script -q out.log",
    "vagrant ssh",
    "vagrant ssh web -c 'uptime'",
    "vagrant ssh -c 'cd /vagrant && make test'",
    "vagrant ssh web -- ls /srv",
    "podman unshare ls ~/.local/share/containers/storage",
    "buildah unshare cat /etc/subuid",
    "pnpm dlx create-next-app@latest myapp",
    "npx rimraf dist",
    "npx rimraf node_modules dist coverage",
    "pnpm dlx rimraf .next",
    "npx del-cli 'dist/**' --dry-run",
    "kubectl -n kube-system exec etcd-cp1 -- etcdctl --cacert /etc/k/ca.crt get /registry --prefix --keys-only",
    "etcdctl --endpoints https://10.0.0.5:2379 endpoint health",
    "qemu-img create -f qcow2 /tmp/test.qcow2 10G",
    "qemu-img info /var/lib/libvirt/images/web.qcow2",
    "qemu-img convert -O qcow2 /var/lib/libvirt/images/web.qcow2 /tmp/web-copy.qcow2",
    "fallocate -l 10G /tmp/swapfile.img",
    "az ad app credential reset --id 7d1c2b3a --append",
    "echo 'SELECT count(*) FROM users;' | heroku pg:psql -a shop",
    "echo 'INFO keyspace' | heroku redis:cli -a shop --confirm shop",
    "fly postgres connect -a clinicq-db <<< 'SELECT 1;'",
    "fly status -a clinicq",
    "fly deploy --remote-only",
    "railway up",
    "railway logs",
    "python -c \"from os.path import join; print(join('a', 'b'))\"",
    "python -c \"from collections import OrderedDict; d = OrderedDict(); d.clear()\"",
    "python -c \"from huggingface_hub import list_models; print(list(list_models(limit=3)))\"",
    "bin/rails runner 'p Sidekiq::Queue.all.map(&:size)'",
    "bin/rails runner 'puts Sidekiq::Queue.new.size'",
    "ruby -e 'a = [1, 2]; a.clear; p a'",
    "ruby -e 'h = {a: 1}; h.clear'",
    "aws ssm start-session --target i-0abc123def",
    "aws ssm start-session --target i-1 --document-name AWS-StartInteractiveCommand --parameters command=\"df -h\"",
    "aws ssm start-session --target i-1 --document-name AWS-StartPortForwardingSession --parameters portNumber=5432,localPortNumber=5432",
    "az ad app credential reset --id 7d1c2b3a --append true",
    "az ad app credential list --id 7d1c2b3a",
]


@pytest.mark.parametrize("cmd", DESTRUCTIVE)
def test_destructive_is_asked(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) in (Decision.ASK, Decision.DENY), cmd


@pytest.mark.parametrize("cmd", SAFE)
def test_everyday_passes(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) is Decision.ALLOW, cmd


_ARM = "https://management.azure.com/subscriptions/0000/{rg}/rg-prod/providers/Microsoft.Resources/deployments/main?api-version=2021-04-01"


@pytest.mark.parametrize("rg", ["resourcegroups", "resourceGroups"])
@pytest.mark.parametrize("mode", ["Complete", "complete"])
def test_arm_complete_deployment_is_asked(rg: str, mode: str) -> None:
    body = {"properties": {"mode": mode, "templateLink": {"uri": "https://x.blob.core.windows.net/t/main.json"}}}
    assert _http("PUT", _ARM.format(rg=rg), body) is Decision.ASK


def test_arm_incremental_deployment_passes() -> None:
    body = {"properties": {"mode": "Incremental", "templateLink": {"uri": "https://x.blob.core.windows.net/t/main.json"}}}
    assert _http("PUT", _ARM.format(rg="resourceGroups"), body) is Decision.ALLOW
    what_if = _ARM.format(rg="resourceGroups").replace("/main?", "/main/whatIf?")
    assert _http("POST", what_if, {"properties": {"mode": "Complete"}}) is Decision.ALLOW
