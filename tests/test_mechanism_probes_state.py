"""Probes by mechanism: tools that destroy what the desired state no longer lists, restores that
overwrite live state, and destruction scheduled for later.

Each list holds the destructive spellings of one mechanism (they must ask or deny) and the safe
spellings of the same programs (they must pass).
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell").decision.value


# ---- 1. Declarative tools: what the desired state no longer lists is deleted -----------------------

DESIRED_STATE_DESTRUCTIVE = [
    "kubectl apply --prune -l app=web -f k8s/",
    "kubectl apply -f k8s/ --prune --all",
    "kubectl apply -k overlays/prod --prune -l team=core",
    "kubectl replace --force -f deploy.yaml",
    "argocd app sync prod-api --prune",
    "helm upgrade web ./chart --force",
    "terraform apply -auto-approve",
    "tofu apply -auto-approve",
    "pulumi up --yes",
    "pulumi up -y --stack prod",
    "cdk deploy --all --require-approval never",
    "npx cdk deploy ApiStack --require-approval=never",
    "cdktf deploy --auto-approve",
    "az deployment group create -g prod-rg --template-file main.bicep --mode Complete",
    "aws cloudformation deploy --template-file template.yaml --stack-name prod-api",
    "aws --region eu-west-1 cloudformation deploy --stack-name api --template-file t.yml --capabilities CAPABILITY_IAM",
    "serverless remove --stage prod",
    "firebase deploy --only functions --force",
    "npx prisma db push --accept-data-loss",
    "prisma db push --force-reset",
    "atlas schema apply -u \"$DATABASE_URL\" --to file://schema.hcl --auto-approve",
    "atlas schema apply --url mysql://root@prod/db --to file://s.sql --auto-approve",
    "skeema push production --allow-unsafe",
    "skeema push --allow-unsafe=1",
    "psqldef -U postgres prod --enable-drop-table < schema.sql",
    "mysqldef -u root prod --enable-drop-table < schema.sql",
    "dbt run --full-refresh --target prod",
    "dbt build --full-refresh -t prod",
    "dbt seed --full-refresh",
    "flyway clean -url=jdbc:postgresql://prod/db",
    "flyway migrate -cleanOnValidationError=true",
    "flyway -cleanOnValidationError=true -url=jdbc:postgresql://prod/db migrate",
    "liquibase dropAll --url=jdbc:postgresql://prod/db",
    "liquibase rollbackCount 5",
    "sqitch revert db:pg:prod -y",
    "alembic downgrade base",
    "supabase db reset --linked",
    "ansible all -m file -a 'path=/srv/app state=absent'",
    "ansible db -m postgresql_db -a 'name=prod state=absent'",
    "salt '*' file.remove /srv/app",
    "gh repo sync owner/fork --force",
    "npx aws-cdk deploy --all --require-approval never",
    "sam deploy --no-confirm-changeset --stack-name prod",
    "php bin/console doctrine:schema:update --force --complete",
    "bin/console d:s:u --force",
    "sqitch rebase -y",
    "sqitch checkout main -y",
    "hasura metadata clear",
    "argocd app set prod-api --auto-prune",
    "argocd app set prod-api --sync-option Prune=true --sync-policy automated",
    "argocd app patch web --patch '{\"spec\":{\"syncPolicy\":{\"automated\":{\"prune\":true}}}}' --type merge",
    "ansible -i prod all -m file -a '{\"path\": \"/data\", \"state\": \"absent\"}'",
    "ansible all -m shell -a '{\"cmd\": \"rm -rf /srv/app\"}'",
    # variables the tool reads as options
    "TF_CLI_ARGS_apply=-auto-approve terraform apply",
    "TF_CLI_ARGS='-auto-approve' terraform apply",
    "export TF_CLI_ARGS_apply='-auto-approve -input=false'; terraform apply",
    "env TF_CLI_ARGS_destroy=-auto-approve terraform destroy",
    "TF_CLI_ARGS_apply=-destroy tofu apply",
    "PULUMI_SKIP_CONFIRMATIONS=true pulumi up",
    "export PULUMI_SKIP_CONFIRMATIONS=1 && pulumi up -s prod",
]

DESIRED_STATE_SAFE = [
    "kubectl apply -f k8s/deploy.yaml",
    "kubectl apply -k overlays/prod",
    "kubectl diff -f k8s/",
    "argocd app sync prod-api",
    "helm upgrade --install web ./chart -n prod",
    "terraform plan",
    "pulumi preview",
    "cdk diff",
    "cdk deploy ApiStack --require-approval broadening",
    "az deployment group what-if -g prod --template-file main.bicep --mode Complete",
    "aws cloudformation deploy --template-file t.yml --stack-name api --no-execute-changeset",
    "aws cloudformation describe-stacks --stack-name api",
    "aws cloudformation package --template-file t.yml --s3-bucket b --output-template-file out.yml",
    "serverless deploy --stage dev",
    "npx prisma db push",
    "atlas schema apply -u \"$DATABASE_URL\" --to file://schema.hcl --dry-run",
    "atlas schema apply -u \"$DATABASE_URL\" --to file://schema.hcl",
    "skeema diff production",
    "skeema push production",
    "dbt run --target dev",
    "dbt build --select orders",
    "dbt test",
    "flyway migrate",
    "flyway -cleanOnValidationError=false migrate",
    "liquibase update",
    "alembic upgrade head",
    "ansible all -m file -a 'path=/srv/app state=directory'",
    "gh repo sync",
    "sam deploy --stack-name dev",
    "sam deploy --no-confirm-changeset --no-execute-changeset",
    "php bin/console doctrine:schema:update --dump-sql",
    "sqitch status",
    "hasura metadata export",
    "argocd app set prod-api --sync-policy automated",
    "argocd app set web --sync-option CreateNamespace=true",
    "ansible all -m file -a '{\"path\": \"/data\", \"state\": \"directory\"}'",
    "ansible all -m shell -a '{\"cmd\": \"uptime\"}'",
    "TF_CLI_ARGS_plan=-lock=false terraform plan",
    "TF_CLI_ARGS='-no-color' terraform apply tfplan",
    "PULUMI_SKIP_CONFIRMATIONS=false pulumi up",
    "PULUMI_SKIP_CONFIRMATIONS=true pulumi preview",
]


# ---- 2. Restores and reverts over live state -------------------------------------------------------

RESTORE_DESTRUCTIVE = [
    "pg_restore --clean -d prod backup.dump",
    "pg_restore -c -d prod db.dump",
    "pg_restore -cd app_production dump.custom",
    "mongorestore --drop --uri mongodb://prod/app dump/",
    "mysql prod < dump.sql",
    "gunzip -c backup.sql.gz | mysql prod",
    "redis-cli --pipe < dump.txt",
    "etcdctl snapshot restore snap.db --data-dir /var/lib/etcd",
    "velero restore create --from-backup nightly --existing-resource-policy=update",
    "git restore --source=HEAD~3 -- .",
    "git restore -s HEAD~3 .",
    "git checkout HEAD~3 -- .",
    "zfs rollback tank/data@yesterday",
    "lvconvert --merge vg0/root_snap",
    "snapper undochange 10..20",
    "snapper -c home undochange 5..9",
    "sudo snapper --config root undochange 3..4 /etc",
    "virsh snapshot-revert prod-vm snap1",
    "VBoxManage snapshot prod-vm restore clean",
    "gcloud sql backups restore 123 --restore-instance=prod-db",
    "neo4j-admin database load neo4j --from-path=/backups --overwrite-destination=true",
    "neo4j-admin load --from=graph.dump --database=neo4j --force",
    "mysqlimport --replace prod users.txt",
    "mysqlimport --delete prod users.txt",
    "zfs receive -F tank/data",
    "zfs recv -F pool/data",
    "prlctl snapshot-switch vm -i 1234",
    "vagrant snapshot pop",
]

RESTORE_SAFE = [
    "pg_restore --create -d postgres backup.dump",
    "createdb restore_test && pg_restore -d restore_test backup.dump",
    "pg_restore -l backup.dump",
    "git restore --staged .",
    "git checkout -b feature",
    "zfs snapshot tank/data@now",
    "snapper list",
    "snapper status 10..20",
    "snapper -c home create --description 'before upgrade'",
    "virsh snapshot-list prod-vm",
    "VBoxManage snapshot prod-vm take before-upgrade",
    "neo4j-admin database load neo4j-copy --from-path=/backups",
    "neo4j-admin database dump neo4j --to-path=/backups",
    "mysqlimport --local prod users.txt",
    "zfs receive tank/restored",
    "vagrant snapshot save base",
    "prlctl snapshot vm",
    "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier prod-restored --db-snapshot-identifier s1",
]


@pytest.mark.parametrize("line", DESIRED_STATE_DESTRUCTIVE + RESTORE_DESTRUCTIVE)
def test_destructive_asks(line: str) -> None:
    assert _decision(line) != "allow", line


@pytest.mark.parametrize("line", DESIRED_STATE_SAFE + RESTORE_SAFE)
def test_safe_passes(line: str) -> None:
    assert _decision(line) == "allow", line


# ---- 3. Destruction scheduled for later: calls a cloud scheduler or state machine makes ------------

_SDK = "arn:aws:scheduler:::aws-sdk:"
_STATES = "arn:aws:states:::aws-sdk:"


def _schedule(target: str) -> str:
    return ("aws scheduler create-schedule --name t --schedule-expression 'rate(1 day)' "
            f"--target Arn={target},RoleArn=arn:aws:iam::1:role/r --flexible-time-window Mode=OFF")


def _state_machine(resource: str) -> str:
    return ("aws stepfunctions create-state-machine --name x --role-arn r --definition "
            f"'{{\"StartAt\":\"a\",\"States\":{{\"a\":{{\"Type\":\"Task\",\"Resource\":\"{resource}\",\"End\":true}}}}}}'")


LATER_DESTRUCTIVE = [
    "gcloud scheduler jobs create http wipe --schedule='0 * * * *' --http-method=DELETE "
    "--uri=https://storage.googleapis.com/storage/v1/b/prod",
    "gcloud scheduler jobs create http wipe --schedule '0 3 * * *' --uri https://api.github.com/repos/o/r "
    "--http-method DELETE",
    "gcloud --project p scheduler jobs update http wipe --uri https://api.github.com/repos/o/r --http-method delete",
    "gcloud beta scheduler jobs create http j --schedule='@daily' --uri=https://api.example.com/v1/users "
    "--http-method=DELETE",
    "gcloud tasks create-http-task --queue q --url=https://api.example.com/v1/users/1 --method=DELETE",
    "gcloud scheduler jobs create http j --schedule='0 3 * * *' --uri=https://api.stripe.com/v1/customers/cus_1 "
    "--message-body-from-file=body.json",
    _schedule(_SDK + "s3:deleteBucket"),
    _schedule(_SDK + "ec2:terminateInstances"),
    _schedule(_SDK + "rds:deleteDBInstance"),
    "aws scheduler create-schedule --name w --schedule-expression 'at(2030-01-01T00:00:00)' --target "
    "'{\"Arn\":\"arn:aws:scheduler:::aws-sdk:dynamodb:deleteTable\",\"RoleArn\":\"r\",\"Input\":\"{}\"}' "
    "--flexible-time-window Mode=OFF",
    "aws scheduler update-schedule --name w --schedule-expression 'rate(5 minutes)' "
    f"--target Arn={_SDK}s3:deleteObjects,RoleArn=r --flexible-time-window Mode=OFF",
    _state_machine(_STATES + "dynamodb:deleteTable"),
    _state_machine(_STATES + "s3:deleteBucket"),
    # already asked before: commands run later by at, systemd timers, Kubernetes jobs, cron, background
    "at now + 1 minute <<< 'rm -rf /srv/app'",
    "systemd-run --on-active=1m rm -rf /srv/app",
    "kubectl create job wipe --image=busybox -- rm -rf /data",
    # names that say nothing: the container's command decides
    "kubectl create job x --image=busybox -- rm -rf /data",
    "kubectl -n prod create cronjob c --image=busybox --schedule='*/5 * * * *' -- sh -c 'rm -rf /data/*'",
    "kubectl create job x --image=postgres -- psql -h prod-db -c 'DROP TABLE users'",
    "kubectl create job x --image=busybox --dry-run=client -o yaml -- rm -rf /data | kubectl apply -f -",
    "kubectl create cronjob wipe --image=busybox --schedule='*/5 * * * *' -- rm -rf /data",
    "(crontab -l; echo '0 * * * * rm -rf ~/data') | crontab -",
    "echo '0 3 * * * root rm -rf /srv/app' | sudo tee /etc/cron.d/cleanup",
    "sleep 600 && rm -rf /srv/app &",
    "nohup sh -c 'sleep 3600; rm -rf /srv/app' &",
    "watch -n 3600 'rm -rf ~/data'",
    # files that run later, named with a variable
    "echo '0 * * * * rm -rf ~/data' | tee -a /var/spool/cron/crontabs/$USER",
    "echo '0 * * * * rm -rf ~/data' >> /var/spool/cron/crontabs/$(whoami)",
    "echo 'rm -rf ~/data' >> $HOME/.bashrc",
    "echo 'rm -rf ~/data' >> \"${HOME}/.zshrc\"",
    "aws ssm create-association --name AWS-RunShellScript --targets Key=tag:env,Values=prod "
    "--parameters 'commands=[\"rm -rf /data\"]' --schedule-expression 'cron(0 2 * * ? *)'",
    "kubectl patch cronjob backup -p '{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
    "{\"containers\":[{\"name\":\"b\",\"command\":[\"rm\",\"-rf\",\"/data\"]}]}}}}}}'",
    "kubectl -n prod patch deployment api --type=strategic --patch='spec:\n  template:\n    spec:\n      "
    "containers:\n      - name: api\n        command: [sh, -c, \"rm -rf /var/lib/app\"]\n'",
    "docker service create --name wipe --mode global --mount type=bind,src=/srv,dst=/srv alpine rm -rf /srv/app",
    "aws s3api put-bucket-lifecycle-configuration --bucket prod --lifecycle-configuration "
    "'{\"Rules\":[{\"ID\":\"x\",\"Status\":\"Enabled\",\"Filter\":{},\"Expiration\":{\"Days\":1}}]}'",
]

LATER_SAFE = [
    "gcloud scheduler jobs create http ping --schedule='* * * * *' --uri=https://example.com/health --http-method=GET",
    "gcloud scheduler jobs create http hook --schedule='0 * * * *' --uri=https://example.com/hooks/nightly",
    "gcloud scheduler jobs update http ping --schedule='*/5 * * * *'",
    "gcloud scheduler jobs list",
    "gcloud tasks create-http-task --queue q --url=https://example.com/work --method=POST --body-content='{}'",
    _schedule(_SDK + "sqs:sendMessage"),
    _state_machine(_STATES + "s3:getObject"),
    _state_machine("arn:aws:states:::lambda:invoke"),
    "at now + 1 minute <<< 'echo hi > /tmp/x'",
    "systemd-run --on-active=1m /usr/bin/echo hi",
    "kubectl create job hello --image=busybox -- echo hello",
    "kubectl create job x --image=busybox --dry-run=client -o yaml -- echo hi | kubectl apply -f -",
    "kubectl create deployment web --image=nginx",
    "kubectl create cronjob report --image=busybox --schedule='0 * * * *' -- date",
    "watch -n 5 kubectl get pods",
    "echo 'export PATH=$HOME/bin:$PATH' >> $HOME/.bashrc",
    "echo 'alias ll=\"ls -la\"' >> \"$HOME/.zshrc\"",
    "echo done >> $LOG",
    "make 2>&1 | tee -a \"$LOGFILE\"",
    "echo '0 3 * * * /usr/local/bin/backup.sh' | tee -a /var/spool/cron/crontabs/$USER",
    "date >> \"$HOME/notes.txt\"",
    "kubectl patch deployment api -p '{\"spec\":{\"replicas\":3}}'",
    "kubectl patch cronjob backup -p '{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
    "{\"containers\":[{\"name\":\"b\",\"command\":[\"/usr/local/bin/backup\",\"--all\"]}]}}}}}}'",
    "docker service create --name web -p 80:80 nginx",
    "docker service create --name cache --replicas 2 redis redis-server --appendonly yes",
    "aws ssm create-association --name AWS-RunShellScript --targets Key=tag:env,Values=prod "
    "--parameters 'commands=[\"df -h\"]' --schedule-expression 'rate(1 day)'",
    "aws ssm create-association --name AWS-UpdateSSMAgent --targets Key=tag:env,Values=prod",
    "(sleep 60; echo done) &",
]


@pytest.mark.parametrize("line", LATER_DESTRUCTIVE)
def test_later_destructive_asks(line: str) -> None:
    assert _decision(line) != "allow", line


@pytest.mark.parametrize("line", LATER_SAFE)
def test_later_safe_passes(line: str) -> None:
    assert _decision(line) == "allow", line


# ---- 3b. Kubernetes manifests whose containers run a destructive command ---------------------------

def _job(command: list[str], args: list[str] | None = None, kind: str = "Job") -> dict[str, object]:
    container: dict[str, object] = {"name": "x", "image": "busybox", "command": command}
    if args is not None:
        container["args"] = args
    pod = {"spec": {"restartPolicy": "Never", "containers": [container]}}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": "wipe"},
                "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": pod}}}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": "wipe"}, **pod}
    return {"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": "wipe"}, "spec": {"template": pod}}


def _yaml(obj: dict[str, object]) -> str:
    import yaml

    return str(yaml.safe_dump(obj, sort_keys=False))


MANIFESTS_DESTRUCTIVE = [
    _job(["rm", "-rf", "/data"], kind="CronJob"),
    _job(["sh", "-c"], ["rm -rf /data/*"]),
    _job(["/bin/bash", "-c", "psql -h prod-db -c 'DROP TABLE users'"]),
    _job(["rm"], ["-rf", "/var/lib/app"], kind="Pod"),
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {
        "initContainers": [{"name": "init", "image": "alpine", "command": ["sh", "-c", "rm -rf /srv/data"]}],
        "containers": [{"name": "api", "image": "api:1"}]}}}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "api", "image": "api:1", "livenessProbe": {"exec": {"command": ["sh", "-c", "rm -rf /data"]}}}]}},
]

MANIFESTS_SAFE = [
    _job(["echo", "hello"]),
    _job(["sh", "-c"], ["pg_dump -h db app | gzip > /tmp/app.sql.gz"], kind="CronJob"),
    _job(["python", "-m", "app.report"], kind="CronJob"),
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "api", "image": "api:1", "args": ["--port", "8080"],
         "readinessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}}]}},
]


@pytest.mark.parametrize("obj", MANIFESTS_DESTRUCTIVE)
def test_manifest_container_commands_ask(obj: dict[str, object]) -> None:
    text = _yaml(obj)
    assert _decision("kubectl apply -f - <<'EOF'\n" + text + "EOF") != "allow"
    assert _decision("cat <<'EOF' | kubectl create -n prod -f -\n" + text + "EOF") != "allow"
    verdict = check({"server": "kubernetes", "tool": "kubectl_apply", "arguments": {"manifest": text}}, "mcp")
    assert verdict.decision.value != "allow"


@pytest.mark.parametrize("obj", MANIFESTS_SAFE)
def test_manifest_container_commands_safe(obj: dict[str, object]) -> None:
    text = _yaml(obj)
    assert _decision("kubectl apply -f - <<'EOF'\n" + text + "EOF") == "allow"
    verdict = check({"server": "kubernetes", "tool": "kubectl_apply", "arguments": {"manifest": text}}, "mcp")
    assert verdict.decision.value == "allow"


def test_manifest_file_on_disk(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "wipe.yaml").write_text(_yaml(_job(["rm", "-rf", "/data"], kind="CronJob")))
    (folder / "hello.yaml").write_text(_yaml(_job(["echo", "hello"], kind="CronJob")))
    context = {"cwd": str(folder)}
    assert check("kubectl apply -f wipe.yaml", "shell", context=context).decision.value != "allow"
    assert check("kubectl apply -f hello.yaml", "shell", context=context).decision.value == "allow"


# ---- 3c. Workflows dispatched now: their steps are unseen, their name and inputs say what they do ---

DISPATCH_DESTRUCTIVE = [
    "gh workflow run destroy.yml -f env=prod",
    "gh workflow run teardown.yaml",
    "gh workflow run 'Destroy staging'",
    "gh workflow run nuke-staging.yml --ref main",
    "gh workflow run infra.yml -f action=destroy -f env=prod",
    "gh workflow run terraform.yml --raw-field=command=destroy",
    "gh workflow run terraform.yml -F destroy=true",
    "gh workflow run db.yml -f task=drop-database",
    "gh -R acme/infra workflow run reset-prod-db.yml",
    "gh api repos/o/r/dispatches -f event_type=destroy-prod",
    "gh api -X POST /repos/acme/infra/dispatches --field event_type=teardown",
    "curl -X POST -H 'Authorization: token x' https://api.github.com/repos/o/r/dispatches -d '{\"event_type\":\"destroy\"}'",
    "gh api -X POST repos/o/r/actions/workflows/infra.yml/dispatches --input - <<< "
    "'{\"ref\":\"main\",\"inputs\":{\"action\":\"destroy\"}}'",
    "gh workflow run maintenance.yml -f operation=purge-backups",
]

DISPATCH_SAFE = [
    "gh workflow run ci.yml",
    "gh workflow run ci.yml --ref feature/login",
    "gh workflow run deploy.yml -f environment=staging",
    "gh workflow run release.yml -f version=1.2.3",
    "gh workflow run terraform.yml -f command=plan",
    "gh workflow run terraform.yml -F destroy=false",
    "gh workflow run cleanup.yml",
    "gh workflow view destroy.yml",
    "gh workflow list",
    "gh run list --workflow destroy.yml",
    "gh api -X POST repos/o/r/actions/workflows/ci.yml/dispatches -f ref=main",
    "gh api repos/o/r/dispatches -f event_type=build",
    "curl -X POST https://api.github.com/repos/o/r/dispatches -d '{\"event_type\":\"deploy\",\"client_payload\":{\"env\":\"staging\"}}'",
]


@pytest.mark.parametrize("line", DISPATCH_DESTRUCTIVE)
def test_dispatch_destructive_asks(line: str) -> None:
    assert _decision(line) != "allow", line


@pytest.mark.parametrize("line", DISPATCH_SAFE)
def test_dispatch_safe_passes(line: str) -> None:
    assert _decision(line) == "allow", line


def test_later_targets_read_from_files(tmp_path: object) -> None:
    import json
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "drop.json").write_text(json.dumps({"Arn": _SDK + "s3:deleteBucket", "RoleArn": "r", "Input": "{}"}))
    (folder / "send.json").write_text(json.dumps({"Arn": _SDK + "sqs:sendMessage", "RoleArn": "r"}))
    (folder / "sm.json").write_text(json.dumps({"StartAt": "a", "States": {"a": {
        "Type": "Task", "Resource": _STATES + "dynamodb:deleteTable", "End": True}}}))
    context = {"cwd": str(folder)}

    def decision(line: str) -> str:
        return check(line, "shell", context=context).decision.value

    assert decision(_schedule_file("drop.json")) != "allow"
    assert decision(_schedule_file("absent.json")) != "allow"  # the calls it names are unseen
    assert decision("aws stepfunctions create-state-machine --name x --definition file://sm.json --role-arn r") != "allow"
    assert decision(_schedule_file("send.json")) == "allow"
    assert decision("aws cloudformation validate-template --template-body file://send.json") == "allow"


def _schedule_file(name: str) -> str:
    return ("aws scheduler create-schedule --name x --schedule-expression 'rate(1 day)' "
            f"--target file://{name} --flexible-time-window Mode=OFF")
