"""Recall classes of round 13: tools' built-in file commands, single-dash verb options, chip and
device erasers, database clients fed SQL, package-manager hooks set then run, interpreter code,
remote storage age bounds, remote runners with unreadable commands.

Every destructive spelling must be asked (or denied); every everyday spelling next to it must pass."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, tmp_path) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(tmp_path)))).decision


DESTRUCTIVE = [
    # tools' built-in file commands judged as rm is
    "cmake -E rm -rf src/ include/",
    "cmake -E rm -r src",
    "cmake -E rm -R lib",
    "cmake -E remove_directory src",
    "cmake -E remove_directory src include",
    "uu-rm -rf src",
    "busybox rm -rf src",
    "toybox rm -rf src",
    "npx shx rm -rf src",
    # single-dash long options named for a destructive verb, on programs no table knows
    "nomad job stop -purge api",
    "nomad job stop -purge=true api",
    "keytool -delete -alias upload -keystore android/app/release.keystore",
    "keytool -storepass x -delete -alias upload",
    "sometool -destroy web",
    "sometool run -drop-tables",
    "sometool sync -delete-all",
    # chip and device erasers
    "STM32_Programmer_CLI -c port=SWD -e all",
    "STM32_Programmer_CLI -c port=SWD --erase all",
    "STM32_Programmer_CLI -c port=SWD -e 0 5",
    "pyocd erase --chip",
    "pyocd erase -t nrf52 --sector 0x1000",
    "picotool erase -a",
    "dfu-util -a 0 -s 0x08000000:mass-erase:force -D fw.bin",
    "fastboot erase userdata",
    "fastboot format:ext4 userdata",
    "fastboot -w",
    "fastboot update -w image.zip",
    "sudo fastboot -w flashall",
    "esptool.py --chip esp32 erase_flash",
    "esptool erase_region 0x0 0x1000",
    "st-flash erase",
    "nrfjprog --eraseall",
    "avrdude -p m328p -c usbasp -e",
    "openocd -f board.cfg -c 'flash erase_sector 0 0 last'",
    "adb shell pm clear com.acme.app",
    "adb shell rm -rf /sdcard/DCIM",
    # database clients fed SQL on input, in options or in @script files
    "sqlplus -s sys/\"$PW\"@PROD as sysdba <<< 'DROP USER app CASCADE;'",
    "echo 'DROP TABLE t;' | sqlplus -s app/pw@DB",
    "sqlplus app/pw@DB <<'SQL'\nDELETE FROM orders;\nSQL",
    "sqlplus user/pw@db @missing_script.sql",
    "sqlplus user/pw@db @drop_all",
    "mycli -e 'DROP TABLE t'",
    "mycli --execute='TRUNCATE payments'",
    "litecli app.db -e 'DELETE FROM users'",
    "isql DSN user pw <<< 'TRUNCATE TABLE t'",
    "tsql -S srv -U sa <<< 'DROP DATABASE app'",
    # a registry's versioned objects whose noun is regenerable here
    "wandb artifact rm acme/churn/model:v0 acme/churn/model:v1 --delete-aliases 2>/dev/null || true",
    "wandb artifact rm acme/churn/model:v0",
    "wandb artifact delete acme/churn/model:latest",
    "mltool artifacts remove team/model@3",
    "mltool build rm app:v12",
    "mltool report delete team/q3:v2 --force",
    # an age bound on remote storage holding data cannot be measured
    "rclone delete s3prod:acme-media --min-age 1d",
    "rclone delete --min-age 90d s3prod:acme-backups",
    "rclone delete s3prod:acme-media --min-age=30d",
    "mc rm --recursive --force --older-than 30d prod/customer-uploads/",
    "mc rm --recursive --force --older-than 30d myminio/bucket",
]

SAFE = [
    "cmake -E rm -rf build",
    "cmake -E remove_directory build",
    "cmake -E rmdir empty_dir",
    "cmake -E echo hello",
    "cmake -E make_directory out",
    "cmake --build build",
    "uu-rm --help",
    "nomad job stop api",
    "nomad job status api",
    "keytool -list -keystore android/app/release.keystore",
    "keytool -genkeypair -alias upload -keystore release.keystore",
    "find . -path ./node_modules -prune -o -print",
    "go build -trimpath ./...",
    "java -jar app.jar",
    "terraform plan -destroy",
    "sometool -xvzf a.tgz",
    "sometool sync -no-delete",
    "sometool run -clean",
    "sometool run -prune",
    "sometool run -purge=false",
    "STM32_Programmer_CLI -c port=SWD -w fw.bin 0x08000000 -v",
    "STM32_Programmer_CLI -c port=SWD -r 0x08000000 0x1000 out.bin",
    "STM32_Programmer_CLI -l",
    "STM32_Programmer_CLI --help",
    "pyocd list",
    "picotool info -a",
    "dfu-util -a 0 -s 0x08000000:leave -D fw.bin",
    "dfu-util -l",
    "fastboot devices",
    "fastboot getvar all",
    "fastboot reboot",
    "esptool.py flash_id",
    "st-info --probe",
    "adb devices",
    "sqlplus -s sys/pw@PROD as sysdba <<< 'select 1 from dual;'",
    "sqlplus -v",
    "mycli -e 'select 1'",
    "litecli app.db -e 'select * from users'",
    "isql -b DSN user pw <<< 'select 1'",
    "wandb artifact get acme/churn/model:v0",
    "wandb artifact ls acme/churn",
    "mltool artifact rm --help",
    "mltool artifact rm",
    "mltool rm --help",
    "mltool cache clear",
    "mltool artifact rm ./out/x.bin",
    "mltool artifact rm acme/churn/model:v0 --dry-run",
    "rclone delete ./logs --min-age 30d",
    "rclone delete gdrive:ci-tmp --min-age 30d --rmdirs",
    "mc rm --recursive --force --older-than 30d local/ci-artifacts/",
    "rclone delete s3prod:acme-media --min-age 1d --dry-run",
    "rclone ls s3prod:acme-media --min-age 1d",
]


@pytest.mark.parametrize("cmd", DESTRUCTIVE)
def test_destructive_is_asked(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", SAFE)
def test_everyday_passes(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd


def test_sqlplus_reads_its_script_file(tmp_path) -> None:
    (tmp_path / "report.sql").write_text("SELECT count(*) FROM orders;\n")
    (tmp_path / "drop_all.sql").write_text("DROP TABLE orders;\n")
    assert _shell("sqlplus -s app/pw@DB @report.sql", tmp_path) == Decision.ALLOW
    assert _shell("sqlplus -s app/pw@DB @report", tmp_path) == Decision.ALLOW
    assert _shell("sqlplus -s app/pw@DB @drop_all.sql", tmp_path) != Decision.ALLOW
    assert _shell("sqlplus -s app/pw@DB @drop_all", tmp_path) != Decision.ALLOW
