"""Devices and working copies: adb, flash erasers, p4/svn reverts, snakemake output deletion, each
beside the everyday command it looks like.

Payloads live only in Python strings; nothing here runs them.
"""

from __future__ import annotations

from verdicts import allowed_and_asked

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decision(command: str) -> str:
    return check(command, policy=POLICY).decision.value


ASKED = [
    "adb shell rm -rf /sdcard/DCIM/Camera",
    "adb -s emulator-5554 shell rm -rf /sdcard/Download",
    "adb shell 'rm -r /data/local/tmp/app'",
    "adb uninstall com.example.notes",
    "adb -s R58M123 uninstall com.example.notes",
    "adb shell pm clear com.example.wallet",
    "adb shell pm uninstall com.example.wallet",
    "nrfjprog --recover -f NRF52",
    "nrfjprog --eraseall",
    "st-flash erase",
    "esptool.py --port /dev/ttyUSB0 erase_flash",
    "esptool erase-flash",
    "avrdude -c usbasp -p m328p -e",
    "openocd -f target/stm32f4x.cfg -c 'init; reset halt; stm32f4x mass_erase 0; exit'",
    "p4 revert //depot/game/...",
    "p4 revert -c 1234 //depot/game/...",
    "svn revert -R .",
    "svn revert src/main.c",
    "svn cleanup --remove-unversioned",
    "svn cleanup --remove-ignored .",
    "snakemake --delete-all-output --cores 1",
    "snakemake --delete-temp-output",
    "cp config/.env.example .env",
    "nx run-many -t destroy --projects=tag:env:prod --parallel=3",
    "nx run-many --targets=lint,destroy --all",
    "nx affected --target destroy",
    "databricks fs rm -r dbfs:/mnt/lake/raw",
    "databricks --profile prod fs rm dbfs:/mnt/lake/raw/part-0001.parquet",
    "cp templates/settings.py.dist app/settings.py",
    "cp -f deploy/config.example.yml ./config.yml",
]

ALLOWED = [
    "adb devices",
    "adb logcat -d",
    "adb shell ls /sdcard/DCIM",
    "adb shell pm list packages",
    "adb uninstall -k com.example.notes",
    "adb install app-debug.apk",
    "nrfjprog --readcode dump.hex",
    "st-flash read backup.bin 0x8000000 0x10000",
    "esptool.py read_flash 0 0x400000 backup.bin",
    "avrdude -c usbasp -p m328p -n",
    "p4 revert -a //depot/game/...",
    "p4 revert -n //depot/game/...",
    "p4 opened",
    "svn status",
    "svn diff",
    "svn cleanup",
    "snakemake --cores 4",
    "snakemake --delete-all-output --dry-run",
    "cp config/.env.example .env.local",
    "nx run-many -t build --all",
    "nx run-many --targets=lint,test --all",
    "nx affected -t test",
    "databricks fs ls dbfs:/mnt/lake",
    "databricks fs cp ./a.csv dbfs:/tmp/a.csv",
    "cp -n config/.env.example .env",
]


test_allowed, test_asked = allowed_and_asked(ALLOWED, ASKED, judge=_decision)
