"""Shell recall: classes of destructive commands, each beside the
everyday command it looks like.

Payloads live only in Python strings; nothing here runs them.
"""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decision(command: str) -> str:
    return check(command, policy=POLICY).decision.value


def _blocked(command: str) -> bool:
    return _decision(command) != "allow"


# ---- a rule table claims only the subcommand paths it spells out -------------------------------
# (a rule for `doppler secrets` that leaves `delete` alone does not hide it from the verb model)
ASKED_SUBCOMMANDS = [
    "doppler secrets delete STRIPE_KEY --project api --config prd --yes",
    "infisical secrets delete DB_PASSWORD --env=prod",
    "doppler secrets delete API_TOKEN",
    "gh run delete 9123456789",
    "glab run delete 42",
    "circleci context delete github acme prod-secrets",
    "circleci context remove-secret github acme ctx DB_PASSWORD",
    "someci contexts delete team-prod",
]
ALLOWED_SUBCOMMANDS = [
    "doppler secrets --project api --config dev --only-names",
    "doppler run --project api --config dev -- npm run dev",
    "gh run list --workflow ci.yml",
    "gh run view 9123456789 --log",
    "gh cache delete --all",
    "circleci config validate",
    "circleci context list github acme",
    "git reset --soft HEAD~1",
]


@pytest.mark.parametrize("command", ASKED_SUBCOMMANDS)
def test_deeper_destructive_subcommands_are_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_SUBCOMMANDS)
def test_their_everyday_neighbours_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- data platforms, data versions, history cleaners, disks ------------------------------------
ASKED_PLATFORM = [
    "hadoop fs -rm -R -skipTrash /user/hive/warehouse/orders.db",
    "hdfs dfs -rm -r /data/warehouse/clicks",
    "hdfs dfs -rmr /data/x",
    "hadoop dfs -rmdir /data/empty",
    "hdfs dfs -expunge",
    "hdfs dfs -truncate 10 /data/f",
    "hdfs dfs -put -f local.csv /data/f.csv",
    "hdfs dfs -copyFromLocal -f a.parquet /lake/a.parquet",
    "hdfs namenode -format",
    "dvc gc --workspace --cloud --force -r s3-remote",
    "dvc gc -w -c -f",
    "dvc gc -w",
    "dvc exp remove exp-1",
    "dvc exp gc -w",
    "bfg --delete-files '*.sql' --no-blob-protection",
    "bfg -D id_rsa",
    "bfg --replace-text passwords.txt repo.git",
    "bfg --strip-blobs-bigger-than 100M",
    "sudo hdparm --user-master u --security-erase NULL /dev/sdb",
    "hdparm --security-erase-enhanced p /dev/sda",
    "hdparm --trim-sector-ranges 0:10 /dev/sda",
    "sudo cryptsetup luksErase -q /dev/sdb1",
    "cryptsetup luksKillSlot -q /dev/sda2 0",
    "cryptsetup erase /dev/sdb1",
    "cryptsetup luksRemoveKey /dev/sdb1",
    "cryptsetup luksFormat /dev/sdb1",
    "nvme format /dev/nvme0n1",
    "lvremove vg0/data",
    "lvremove -f vg0/data",
    "mdadm --zero-superblock /dev/sdb1",
]
ALLOWED_PLATFORM = [
    "hdfs dfs -ls /data",
    "hdfs dfs -du -h /data",
    "hdfs dfs -put local.csv /data/new.csv",
    "hadoop fs -getfacl /data",
    "hdfs dfsadmin -report",
    "dvc gc --dry -w -c",
    "dvc pull",
    "dvc push -r s3",
    "dvc exp show",
    "dvc status -c",
    "bfg --help",
    "hdparm -I /dev/sda",
    "hdparm -tT /dev/sda",
    "cryptsetup luksOpen /dev/sdb1 data",
    "cryptsetup luksDump /dev/sdb1",
    "cryptsetup status data",
    "nvme list",
    "lvs",
    "lvremove --test vg0/data",
    "mdadm --detail /dev/md0",
]


@pytest.mark.parametrize("command", ASKED_PLATFORM)
def test_platform_and_disk_destruction_is_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_PLATFORM)
def test_platform_and_disk_reads_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- remote runners: one command line run on many hosts ----------------------------------------
ASKED_REMOTE = [
    "salt '*' cmd.run 'rm -rf /opt/old-data'",
    "salt -G 'os:Ubuntu' cmd.run 'rm -rf /var/lib/app'",
    "salt -t 60 'web*' cmd.shell 'dropdb prod'",
    "salt-call cmd.run 'rm -rf /srv/data'",
    "salt-call --local cmd.run_all 'rm -rf /srv/data'",
    "salt-ssh '*' -r 'rm -rf /srv/data'",
    "salt '*' cmd.script salt://scripts/cleanup.sh",
    "salt '*' cmd.run \"$CMD\"",
    "salt '*' file.remove /opt/old-data",
    "salt -G 'os:Ubuntu' file.remove /opt/old-data",
    "salt 'db*' postgres.db_remove app",
    "salt '*' pkg.purge nginx",
    "salt '*' state.apply",
    "salt-call state.highstate",
    "pssh -h hosts.txt -i 'sudo rm -rf /data/cache/../db'",
    "parallel-ssh -h hosts -l root 'rm -rf /var/lib/mysql'",
    "pdsh -w node[01-10] 'rm -rf /scratch/data'",
    "clush -b -w node[1-4] 'rm -rf /data'",
    "dsh -g web -- rm -rf /srv/www",
    "mussh -h web1 web2 -c 'rm -rf /srv/www'",
    "mussh -H hosts.txt -C cleanup.sh",
    "knife ssh 'role:web' 'sudo rm -rf /srv/www'",
    "fab -H web1,web2 -- 'rm -rf /srv/www'",
    "fab drop_database",
]
ALLOWED_REMOTE = [
    "salt '*' test.ping",
    "salt '*' cmd.run 'uptime'",
    "salt '*' state.apply test=True",
    "salt '*' grains.items",
    "salt '*' sys.doc file.remove",
    "salt-call cmd.run 'df -h'",
    "salt-ssh '*' -r 'uptime'",
    "pssh -h hosts.txt -i uptime",
    "pdsh -w node[01-10] uptime",
    "clush -a 'systemctl status app'",
    "dsh -a -- uptime",
    "mussh -h web1 web2 -c 'uptime'",
    "knife ssh 'role:web' 'uptime'",
    "knife node list",
    "fab -H web1 -- uptime",
    "fab deploy",
]


@pytest.mark.parametrize("command", ASKED_REMOTE)
def test_remote_runners_have_their_command_judged(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_REMOTE)
def test_remote_runners_running_reads_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- carriers: env -S, a root shell reading stdin, an emptied crontab --------------------------
ASKED_CARRIERS = [
    "env -S 'rm -rf' /srv/repos",
    "env -S'rm -rf' /srv/repos",
    "env -iS 'rm -rf' /srv/repos",
    "env --split-string='rm -rf' /srv/repos",
    "env -S 'rm' -rf /srv/repos",
    "env FOO=1 -S 'bash -c' 'rm -rf /srv'",
    "sudo -s <<< 'rm -rf /var/lib/jenkins/jobs'",
    "sudo -i <<< 'rm -rf /var/lib/jenkins/jobs'",
    "sudo -u postgres -i <<< 'dropdb app'",
    "sudo -iu root <<< 'rm -rf /srv/www'",
    "sudo su <<< 'rm -rf /srv/www'",
    "sudo su - <<< 'rm -rf /srv/www'",
    "echo 'rm -rf /srv/www' | sudo -s",
    "echo 'rm -rf /srv/www' | sudo -i",
    "printf 'rm -rf /srv/www\\n' | sudo --login",
    "echo -n | crontab -",
    "printf '' | crontab -",
    ": | crontab -",
    "echo '# nothing' | crontab -",
    "crontab - <<< ''",
]
ALLOWED_CARRIERS = [
    "env -S 'ls -la' /srv",
    "env -S 'echo hi' there",
    "sudo -s <<< 'ls /root'",
    "echo 'ls /root' | sudo -i",
    "sudo -i",
    "crontab -l",
    "(crontab -l; echo '0 * * * * /usr/bin/backup') | crontab -",
]


@pytest.mark.parametrize("command", ASKED_CARRIERS)
def test_carried_commands_are_judged(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_CARRIERS)
def test_carried_reads_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- SDK methods named for what they destroy, and hosted repositories --------------------------
ASKED_METHODS = [
    "python -c \"from huggingface_hub import HfApi; HfApi().delete_repo(repo_id='acme/model')\"",
    "python3 -c \"from huggingface_hub import HfApi; api = HfApi(); api.delete_repo('acme/ds', repo_type='dataset')\"",
    "python -c \"from mlflow import MlflowClient; MlflowClient().delete_registered_model(name='churn')\"",
    "python -c \"from google.cloud import bigquery; bigquery.Client().delete_dataset('p.d', delete_contents=True)\"",
    "python -c \"import wandb; wandb.Api().run('a/b/c').deleteRun()\"",
    "python -c \"import pinecone; pinecone.Pinecone().delete_index('prod')\"",
    "python -c \"import qdrant_client as q; q.QdrantClient().delete_collection('docs')\"",
    "python -c \"from openai import OpenAI; OpenAI().beta.vector_stores.purge_files('vs_1')\"",
    "hf repo delete acme/model",
    "tea repo delete acme/site",
]
ALLOWED_METHODS = [
    "python -c \"from huggingface_hub import HfApi; HfApi().list_models(author='acme')\"",
    "python -c \"import pandas as pd; pd.read_csv('a.csv').drop_duplicates().to_csv('/tmp/b.csv')\"",
    "python -c \"import pandas as pd; print(pd.read_csv('a.csv').reset_index())\"",
    "python -c \"import pandas as pd; print(pd.read_csv('a.csv').dropna())\"",
    "python -c \"x = [1, 2]; x.remove(1); print(x)\"",
    "python -c \"from mlflow import MlflowClient; print(MlflowClient().search_registered_models())\"",
    "python -c \"import sqlalchemy as sa; s = sa.orm.Session(); s.rollback()\"",
    "helm repo remove bitnami",
]


@pytest.mark.parametrize("command", ASKED_METHODS)
def test_destructive_sdk_methods_are_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_METHODS)
def test_in_memory_methods_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- framework and build-tool tasks ------------------------------------------------------------
ASKED_TASKS = [
    "hasura migrate apply --down all --database-name default",
    "hasura migrate apply --down 2",
    "hasura migrate apply --goto 123",
    "mix hex.publish --revert 0.3.0",
    "wp site empty --yes --uploads",
    "wp-cli site empty --yes",
    "./gradlew flywayClean -Dflyway.cleanDisabled=false",
    "gradle flywayClean",
    "mvn flyway:clean",
    "./mvnw flyway:clean -Dflyway.url=jdbc:postgresql://db/app",
    "sbt flywayClean",
    "./gradlew liquibaseDropAll",
]
ALLOWED_TASKS = [
    "hasura migrate apply",
    "hasura migrate status",
    "hasura migrate apply --up all",
    "mix hex.publish",
    "mix hex.publish --dry-run",
    "wp post list",
    "wp db export",
    "./gradlew flywayMigrate",
    "./gradlew flywayInfo",
    "mvn flyway:info",
    "./gradlew clean build",
    "mvn clean install",
]


@pytest.mark.parametrize("command", ASKED_TASKS)
def test_destructive_tasks_are_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_TASKS)
def test_everyday_tasks_pass(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- archives that delete what they archived --------------------------------------------------
ASKED_ARCHIVES = [
    "tar czf /dev/null --remove-files ~/research",
    "tar -czf backup.tgz --remove-files /srv/data",
    "tar --create --file=- --remove-files ~/notes",
    "tar -C /srv -czf x.tgz --remove-files data",
    "tar czf out.tgz --remove-f ~/research",
]
ALLOWED_ARCHIVES = [
    "tar czf dist.tgz --remove-files build",
    "tar czf backup.tgz ~/research",
    "tar -tzf a.tgz",
]


@pytest.mark.parametrize("command", ASKED_ARCHIVES)
def test_archiving_away_the_sources_is_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_ARCHIVES)
def test_archiving_that_keeps_the_sources_passes(command: str) -> None:
    assert _decision(command) == "allow", command


# heroku run joins its words the way the Heroku CLI does: with more than one word, a word holding a space
# or a double quote is wrapped in "..." (its quotes escaped), so the dyno's shell reads it as one word.
HEROKU_READS = [
    "heroku run -a acme-prod -- bin/rails runner 'puts Order.where(status: \"failed\").count'",
    "heroku run -a acme-prod -- bin/rails runner 'puts User.where(admin: true).pluck(:email)'",
    "heroku run:detached -a prod -- rails runner 'puts User.count'",
    "heroku run -a prod -- echo 'a\" ; rm -rf /app/x ; \"'",
]
HEROKU_WRITES = [
    "heroku run -a acme-prod -- bin/rails runner 'Order.where(status: \"failed\").delete_all'",
    "heroku run -a acme-prod -- bin/rails runner 'Order.delete_all'",
    "heroku run -a acme-prod 'rails runner \"User.delete_all\"'",
    "heroku run -a acme-prod -- 'rm -rf /app/storage'",
    "heroku run -a acme-prod -- bash -c 'rm -rf /app/storage'",
    "heroku run -a acme-prod -- echo 'a $(rm -rf /app/x)'",
    "heroku run -a acme-prod -- echo 'a `rm -rf /app/x` b'",
    "heroku run -a acme-prod -- echo 'a\\\" ; rm -rf /app/x ; \\\"'",
]


test_heroku_run_reads_pass, test_heroku_run_writes_ask = allowed_and_asked(HEROKU_READS, HEROKU_WRITES)


# A client's method named by a strong destructive verb and what it acts on asks in JavaScript/TypeScript
# one-liners as in Python (HfApi().delete_repo): ORM clients and SDKs; names that only change values in
# memory (DOM, lodash, editors) pass. Sequelize/knex whole-table deletes ask.
PRISMA = "import { PrismaClient } from '@prisma/client'; await new PrismaClient().user.deleteMany()"
JS_CLIENT_DELETES = [
    f'npx tsx -e "{PRISMA}"',
    f'tsx -e "{PRISMA}"',
    f'ts-node -e "{PRISMA}"',
    f'bun -e "{PRISMA}"',
    f'node -e "{PRISMA}"',
    f'deno eval "{PRISMA}"',
    "node -e \"const {PrismaClient}=require('@prisma/client'); const p = new PrismaClient(); "
    "p.user.deleteMany().then(console.log)\"",
    "npx tsx -e \"const p = new PrismaClient(); await p.order.deleteMany({ where: { status: 'failed' } })\"",
    "node -e \"const s3 = new S3(); s3.deleteBucket({Bucket: 'b'})\"",
    "bun -e \"await db.dropTable('users')\"",
    "node -e \"const {User} = require('./models'); User.destroy({ truncate: true })\"",
    "node -e \"const {User} = require('./models'); User.destroy({ where: {} })\"",
    "node -e \"require('./models').User.truncate()\"",
    "npx tsx -e \"await knex('users').truncate()\"",
    "npx tsx -e \"await mongo.db('app').collection('users').deleteMany({})\"",
]
JS_CLIENT_READS = [
    "npx tsx -e \"const p = new PrismaClient(); await p.user.count().then(console.log)\"",
    "npx tsx -e \"const p = new PrismaClient(); console.log(await p.user.findMany({take: 5}))\"",
    "node -e \"const o = {a: 1}; Reflect.deleteProperty(o, 'a'); console.log(o)\"",
    "node -e \"const m = new Map([['a', 1]]); m.delete('a'); console.log(m.size)\"",
    "node -e \"console.log(require('lodash').dropRight([1, 2, 3]))\"",
    "node -e \"const u = URL.createObjectURL(b); URL.revokeObjectURL(u)\"",
]


test_js_client_reads_pass, test_js_client_deletes_ask = allowed_and_asked(JS_CLIENT_READS, JS_CLIENT_DELETES)
