"""Probes by mechanism: what overwrites or deletes through its own options, mirrors, retention and access.

Each list holds the destructive spellings of one mechanism (they must ask or deny) and the safe
spellings of the same programs (they must pass). Where the verdict depends on whether the file is
there, the line is checked in a real temporary folder given as the working directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blastwall.engine import check


def _decision(line: str, cwd: Path | None = None) -> str:
    context = {"cwd": str(cwd)} if cwd is not None else None
    # In a folder, the files the line names are measured (probe): a file that is there and in no git
    # repository is lost when written over; a name that is not there is a new file.
    return check(line, "shell", context=context, read_files=cwd is not None, probe=cwd is not None).decision.value


# ---- 1. Output options over a file that is not regenerable -----------------------------------------

OUTPUT_OPTIONS_DESTRUCTIVE = [
    "pg_dump -f ~/backups/prod.sql prod",
    "pg_dump --file=/var/backups/prod.sql prod",
    "pg_dumpall --file=~/backups/all.sql",
    "mysqldump -r /srv/backups/prod.sql prod",
    "mysqldump prod --result-file=~/backups/prod.sql",
    "mariadb-dump --result-file /var/backups/prod.sql prod",
    "tar -cf backups/prod.tar src",
    "tar -czf ~/backups/site.tgz src",
    "tar --create --file=backups/prod.tar src",
    "tar czf ~/backups/prod.tgz src",
    "tar cf ~/backups/prod.tar src",
    "zip -d backups/prod.zip data/users.csv",
    "zip --delete ~/archive.zip 'photos/*'",
    "7z d backups/prod.7z data",
    "7za d ~/archive.7z '*.db'",
    "ffmpeg -y -i in.mp4 ~/Videos/wedding.mp4",
    "ffmpeg -i in.mp4 -c:v libx264 -y ~/Videos/wedding.mp4",
    "convert in.png ~/Pictures/family.jpg",
    "magick in.png -resize 50% ~/Pictures/family.jpg",
    'convert in.png "$HOME/Pictures/family.jpg"',
    "mogrify -resize 50% ~/Pictures/*.jpg",
    "mogrify -strip -quality 80 ~/Pictures/family.jpg",
    "uniq x.txt data/users.csv",
    "xxd -r x.hex data/app.db",
    "objcopy --strip-all x data/app.db",
    "curl -o ~/.ssh/id_ed25519 https://example.com/key",
    "wget -O ~/.ssh/authorized_keys https://example.com/k",
    "sort -o data/app.db data/other.txt",
    "openssl genrsa -out ~/.ssh/id_rsa 4096",
    "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -N ''",
    "gpg -o /etc/shadow -d secret.gpg",
    "git archive -o backups/release.tar.gz HEAD",
    "pandoc README.md -o ~/Documents/thesis.docx",
    "dd if=/dev/zero of=data/app.db bs=1M count=1",
    "truncate -s 0 data/app.db",
    "cp --remove-destination x data/app.db",
    "ln -sf /dev/null data/app.db",
    "install -m 600 /dev/null ~/.ssh/id_ed25519",
    "awk -i inplace '{print \"\"}' data/users.csv",
    "perl -pi -e 's/.*//' data/users.csv",
    "sed -i '1,$d' ~/.ssh/authorized_keys",
]

OUTPUT_OPTIONS_SAFE = [
    "pg_dump -f /tmp/prod.sql prod",
    # With no working folder to look in, a plain name beside the project is taken to be a new dump.
    "pg_dump --format=custom --file=backup.dump \"$DATABASE_URL\"",
    "mysqldump -r backups/prod-2024.sql prod",
    "pg_dump -Fc prod > /tmp/prod.dump",
    "mysqldump -r /tmp/prod.sql prod",
    "tar -cf /tmp/src.tar src",
    "tar -czf dist/app.tgz build",
    "tar -tf backups/prod.tar",
    "tar tzf ~/backups/prod.tgz",
    "tar czf /tmp/src.tgz src",
    "tar -cf - src | ssh prod tar -xf - -C /tmp/x",
    "tar -xzf /tmp/x.tgz -C /tmp/x",
    "zip -r /tmp/x.zip src",
    "zip -sf backups/prod.zip",
    "7z l backups/prod.7z",
    "7z a /tmp/x.7z src",
    "ffmpeg -i in.mp4 /tmp/out.mp4",
    "ffmpeg -y -i in.mp4 /tmp/out.mp4",
    "ffmpeg -i in.mp4",
    "convert in.png /tmp/out.jpg",
    'for f in assets/raw/*.png; do convert "$f" -resize 50% "assets/half/$(basename "$f")"; done',
    "magick identify in.png",
    "mogrify -path /tmp/thumbs -resize 50% ~/Pictures/*.jpg",
    "mogrify -resize 50% build/thumbs/*.png",
    "uniq -c x.txt",
    "xxd -l 64 data/app.db",
    "xxd data/app.db | head",
    "objdump -d x",
    "curl -o /tmp/x.json https://example.com/x",
    "sort -o /tmp/sorted.txt x.txt",
    "ssh-keygen -l -f ~/.ssh/id_ed25519.pub",
    "git archive -o /tmp/release.tar.gz HEAD",
    "dd if=/dev/sda of=/tmp/mbr.bin bs=512 count=1",
]


@pytest.mark.parametrize("line", OUTPUT_OPTIONS_DESTRUCTIVE)
def test_output_option_over_a_kept_file_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", OUTPUT_OPTIONS_SAFE)
def test_output_option_to_a_new_or_scratch_file_passes(line: str) -> None:
    assert _decision(line) == "allow"


@pytest.mark.parametrize("line, existing", [
    ("pg_dump -f backup.sql prod", "backup.sql"),
    ("mysqldump -r backup.sql prod", "backup.sql"),
    ("tar -czf site.tgz src", "site.tgz"),
    ("zip -d photos.zip 'a/*'", "photos.zip"),
    ("7z d photos.7z a", "photos.7z"),
    ("ffmpeg -y -i in.mp4 wedding.mp4", "wedding.mp4"),
    ("convert in.png family.jpg", "family.jpg"),
    ("uniq in.txt users.csv", "users.csv"),
])
def test_output_over_an_existing_file_in_the_folder_asks(tmp_path: Path, line: str, existing: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "in.txt").write_text("a\n")
    (tmp_path / existing).write_bytes(b"kept data\n")
    assert _decision(line, tmp_path) != "allow"
    (tmp_path / existing).unlink()
    assert _decision(line, tmp_path) == "allow"


# ---- 2. Sync and mirror tools with delete options ----------------------------------------------------

MIRRORS_DESTRUCTIVE = [
    "rsync -a --delete src/ /srv/app/",
    "rsync -av --delete-after ./ backup:/srv/data/",
    "rsync -a --remove-source-files ~/data/ /mnt/usb/",
    "rsync -a --del src/ ~/data/",
    "rclone sync ./empty remote:bucket",
    "rclone move ~/data remote:archive",
    "rclone moveto ~/data/app.db remote:archive/app.db",
    "rclone bisync ./local remote:bucket --resync",
    "rclone purge remote:bucket/path",
    "rclone dedupe --dedupe-mode newest remote:photos",
    "aws s3 sync ./dist s3://prod-bucket --delete",
    "gsutil -m rsync -r -d ./dist gs://prod-bucket",
    "gcloud storage rsync ./dist gs://prod-bucket --recursive --delete-unmatched-destination-objects",
    "azcopy sync ./dist https://acct.blob.core.windows.net/c --delete-destination=true",
    "mc mirror --remove ./dist prod/bucket",
    "mc mirror --overwrite ./dist prod/bucket",
    "s5cmd sync --delete ./dist s3://prod-bucket/",
    "lftp -e 'mirror -R --delete ./dist /www; quit' ftp.example.com",
    "lftp -c 'open ftp.example.com; mirror --delete /www ./local'",
    "lftp -e 'mirror -Re ./dist /www; quit' ftp.example.com",
    "lftp -c 'open sftp://prod; mirror --Remove-source-files /data ./local'",
    "unison -force /srv/app ./local ssh://prod//srv/app -batch",
    "unison ./local ssh://prod//srv/app -force ./local -batch",
    "unison ./local ssh://prod//srv/app -forcepartial 'Path x -> ./local' -batch",
    "restic forget --keep-last 1 --prune",
    "borg prune --keep-daily=1 /backup/repo",
    "borg delete /backup/repo::archive-1",
    "rdiff-backup --remove-older-than 1D /backup/repo",
    "rdiff-backup --force --remove-older-than 2W /backup/repo",
    "duplicity remove-all-but-n-full 1 --force file:///backup",
]

MIRRORS_SAFE = [
    "rsync -a --delete --dry-run src/ /srv/app/",
    "rsync --list-only prod:/srv/app/",
    "rsync -a src/ /tmp/newcopy/",
    "rclone sync --dry-run ./dist remote:bucket",
    "rclone move --dry-run ~/data remote:archive",
    "rclone copy ./dist remote:bucket",
    "rclone ls remote:bucket",
    "aws s3 sync ./dist s3://prod-bucket",
    "gsutil rsync -r ./dist gs://prod-bucket",
    "mc mirror ./dist prod/bucket",
    "mc mirror --dry-run --overwrite ./dist prod/bucket",
    "lftp -e 'mirror /www ./local; quit' ftp.example.com",
    "lftp -e 'mirror -R ./dist /www; quit' ftp.example.com",
    "unison ./local ssh://prod//srv/app -batch",
    "unison ./local ssh://prod//srv/app -prefer newer -batch",
    "restic snapshots",
    "borg list /backup/repo",
    "rdiff-backup --list-increments /backup/repo",
    "rdiff-backup ~/data /backup/repo",
]


@pytest.mark.parametrize("line", MIRRORS_DESTRUCTIVE)
def test_a_mirror_that_deletes_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", MIRRORS_SAFE)
def test_a_mirror_that_only_adds_passes(line: str) -> None:
    assert _decision(line) == "allow"


# ---- 3. Retention and expiry cut so short that the data goes -----------------------------------------

RETENTION_DESTRUCTIVE = [
    "kafka-configs --bootstrap-server k:9092 --alter --entity-type topics --entity-name orders --add-config retention.ms=1",
    "aws s3api put-bucket-lifecycle-configuration --bucket prod-bucket --lifecycle-configuration file://lc.json",
    "aws s3api put-bucket-versioning --bucket prod --versioning-configuration Status=Suspended",
    "aws ecr put-lifecycle-policy --repository-name app --lifecycle-policy-text file://p.json",
    "aws logs put-retention-policy --log-group-name /app/prod --retention-in-days 1",
    "aws logs put-retention-policy --retention-in-days=3 --log-group-name /app/prod",
    "aws dynamodb update-time-to-live --table-name users "
    "--time-to-live-specification Enabled=true,AttributeName=created_at",
    "journalctl --vacuum-time=1s",
    "journalctl --vacuum-size=1K",
    "redis-cli EXPIRE session:123 0",
    "bq update --time_partitioning_expiration 1 prod.events",
    "bq update --default_table_expiration 1 prod",
    "bq update --expiration 1 prod.events",
    "gcloud logging buckets update _Default --location=global --retention-days=1",
    "gcloud storage buckets update gs://prod --lifecycle-file=lc.json",
    "gsutil lifecycle set lc.json gs://prod-bucket",
    "mc ilm rule add --expire-days 1 prod/bucket",
    "mc ilm add --expiry-days 1 prod/bucket",
    "influx bucket update --id x --retention 1s",
    "nats stream edit ORDERS --max-age 1s",
    "nats str edit ORDERS --max-msgs=1 -f",
    "nats --context prod stream purge ORDERS -f",
    "rabbitmqctl -n rabbit@prod purge_queue orders",
    "rabbitmqctl set_policy ttl '.*' '{\"message-ttl\":1}' --apply-to queues",
    "git reflog expire --expire=now --all && git gc --prune=now",
    "git gc --prune=now --aggressive",
]

RETENTION_SAFE = [
    "kafka-configs --bootstrap-server k:9092 --describe --entity-type topics --entity-name orders",
    "kafka-configs --bootstrap-server k:9092 --alter --entity-type topics --entity-name orders "
    "--add-config retention.ms=604800000",
    "aws s3api get-bucket-lifecycle-configuration --bucket prod-bucket",
    "aws s3api put-bucket-versioning --bucket prod --versioning-configuration Status=Enabled",
    "aws logs put-retention-policy --log-group-name /app/prod --retention-in-days 365",
    "aws logs put-retention-policy --log-group-name /app/prod --retention-in-days 14",
    "aws dynamodb describe-time-to-live --table-name users",
    "journalctl --disk-usage",
    "journalctl --vacuum-time=30d",
    "redis-cli TTL session:123",
    "redis-cli EXPIRE session:123 3600",
    "bq show prod.events",
    "bq update --description 'events' prod.events",
    "gcloud logging buckets describe _Default --location=global",
    "gsutil lifecycle get gs://prod-bucket",
    "mc ilm rule ls prod/bucket",
    "influx bucket list",
    "nats stream info ORDERS",
    "nats --context prod stream info ORDERS",
    "nats stream add AUDIT --subjects 'audit.>' --storage file --retention limits --max-age 90d --defaults",
    "rabbitmqctl list_policies",
    "rabbitmqctl set_policy ha '.*' '{\"ha-mode\":\"all\"}'",
    "git gc",
    "git reflog",
]


@pytest.mark.parametrize("line", RETENTION_DESTRUCTIVE)
def test_a_retention_cut_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", RETENTION_SAFE)
def test_reading_or_lengthening_retention_passes(line: str) -> None:
    assert _decision(line) == "allow"


SQL_RETENTION_DESTRUCTIVE = [
    "ALTER TABLE orders SET (ttl_expire_after = '1 second')",
    "ALTER TABLE public.orders SET (ttl_expiration_expression = 'created_at', ttl_job_cron = '* * * * *')",
    "ALTER TABLE orders SET DATA_RETENTION_TIME_IN_DAYS = 0",
    "alter table orders set data_retention_time_in_days=0",
    "ALTER DATABASE prod SET DATA_RETENTION_TIME_IN_DAYS = 0",
    "ALTER TABLE orders SET MAX_DATA_EXTENSION_TIME_IN_DAYS = 0",
]

SQL_RETENTION_SAFE = [
    "ALTER TABLE orders SET (fillfactor = 70)",
    "ALTER TABLE orders RESET (ttl)",
    "ALTER TABLE orders SET DATA_RETENTION_TIME_IN_DAYS = 90",
    "ALTER DATABASE prod SET DATA_RETENTION_TIME_IN_DAYS = 7",
    "ALTER DATABASE app SET timezone = 'UTC'",
    "ALTER TABLE t SET CHANGE_TRACKING = TRUE",
]


@pytest.mark.parametrize("sql", SQL_RETENTION_DESTRUCTIVE)
def test_sql_that_lets_the_database_delete_old_rows_asks(sql: str) -> None:
    assert check(sql, "sql", read_files=False, probe=False).decision.value != "allow"
    assert _decision(f"snowsql -q \"{sql}\"") != "allow"


@pytest.mark.parametrize("sql", SQL_RETENTION_SAFE)
def test_sql_storage_settings_that_keep_data_pass(sql: str) -> None:
    assert check(sql, "sql", read_files=False, probe=False).decision.value == "allow"


# ---- 4. Access destroyed --------------------------------------------------------------------------

ACCESS_DESTRUCTIVE = [
    "chmod 000 ~/.ssh",
    "chmod 0 ~/.ssh/id_ed25519",
    "chmod 0000 /var/lib/postgresql/data",
    "chmod 044 ~/.ssh/id_ed25519",
    "chmod a-rwx ~/.ssh/id_ed25519",
    "chmod u-r ~/.ssh/id_ed25519",
    "chmod a= ~/data",
    "chmod u=,g=,o= ~/.ssh/id_ed25519",
    "chmod go-w,u-r ~/.ssh/id_ed25519",
    "chmod -r ~/.ssh/id_ed25519",
    "chmod -R 000 ~/data",
    "chown -R nobody ~/.ssh",
    "passwd -l deploy",
    "usermod -L deploy",
    "usermod --lock deploy",
    "usermod -s /sbin/nologin deploy",
    "usermod --shell=/usr/sbin/nologin deploy",
    "usermod --expiredate 1 deploy",
    "usermod -e 1970-01-02 deploy",
    "chage -E 0 deploy",
    "gpasswd -d deploy sudo",
    "userdel -r deploy",
    "smbpasswd -x deploy",
    "htpasswd -D .htpasswd admin",
    "cat new.pub > ~/.ssh/authorized_keys",
    "ssh prod 'cat > ~/.ssh/authorized_keys' < new.pub",
    "iptables -P INPUT DROP",
    "ssh prod 'ufw default deny incoming && ufw enable'",
    "systemctl stop sshd",
    "systemctl disable ssh.service",
    "service ssh stop",
    "sudo rc-service sshd stop",
    "ssh prod 'sudo systemctl mask ssh'",
    "gpg --delete-secret-keys ABCDEF",
    "security delete-keychain login.keychain",
    "certbot revoke --cert-path /etc/letsencrypt/live/x/cert.pem",
    "step ca revoke 123456",
    "openssl ca -revoke x.crt -config ca.cnf",
    "aws kms schedule-key-deletion --key-id abc --pending-window-in-days 7",
    "vault token revoke -self",
]

ACCESS_SAFE = [
    "chmod 600 ~/.ssh/id_ed25519",
    "chmod 700 ~/.ssh",
    "chmod 0600 ~/.ssh/id_ed25519",
    "chmod go-rwx ~/.ssh",
    "chmod u=rw,go= ~/.ssh/id_ed25519",
    "chmod og-r ~/.ssh/id_ed25519",
    "chmod +x scripts/deploy.sh",
    "chmod -x scripts/old.sh",
    "chmod u+x scripts/deploy.sh",
    "passwd -S deploy",
    "chage -l deploy",
    "usermod -aG docker deploy",
    "usermod -s /bin/bash deploy",
    "gpasswd -a deploy docker",
    "htpasswd -B .htpasswd admin",
    "echo 'ssh-ed25519 AAAA x' >> ~/.ssh/authorized_keys",
    "ssh prod 'cat >> ~/.ssh/authorized_keys' < new.pub",
    "iptables -L -n",
    "ufw status verbose",
    "systemctl status sshd",
    "systemctl restart sshd",
    "service ssh restart",
    "service nginx stop",
    "systemctl stop nginx-test",
    "gpg --list-secret-keys",
    "certbot certificates",
    "openssl ca -config ca.cnf -in x.csr -out x.crt",
    "openssl x509 -in x.crt -noout -text",
    # A key set inactive is set active again: reversible, it passes.
    "aws iam update-access-key --access-key-id AKIA --status Inactive",
    "aws kms describe-key --key-id abc",
    "vault token lookup",
    # Signing out of a CLI is reversible (sign in again): it passes.
    "gh auth logout",
    "gcloud auth revoke --all",
]


@pytest.mark.parametrize("line", ACCESS_DESTRUCTIVE)
def test_destroying_access_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", ACCESS_SAFE)
def test_keeping_or_narrowing_access_passes(line: str) -> None:
    assert _decision(line) == "allow"
