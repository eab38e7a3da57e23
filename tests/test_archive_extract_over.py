"""Archives extracted over existing files by extractors other than tar and unzip: 7z with -aoa/-y,
macOS ditto -x, PowerShell's Expand-Archive -Force (read as `unzip -o`). Into a temporary folder
or build output, or without the overwrite switch, they pass."""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    "7z x backup.7z -o/srv/app/data -aoa",
    "7z x -y backup.7z -o/srv/app/data",
    "7za e -y dump.7z -o/var/lib/postgresql",
    "ditto -x -k seed.zip /srv/app/data",
    "ditto -xk seed.zip ~/Documents",
    r"Expand-Archive -Path seed.zip -DestinationPath C:\app\data -Force",
    r"Expand-Archive seed.zip C:\app\data -Fo",
    r"expand-archive -LiteralPath .\seed.zip -DestinationPath $env:USERPROFILE\data -Force",
])
def test_an_extraction_that_replaces_existing_files_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "7z x backup.7z -o/srv/app/data",
    "7z x backup.7z -o/tmp/x -y",
    "7z x -aos -y backup.7z -o/srv/app/data",
    "7z l backup.7z",
    "7z a -y out.7z src/",
    "ditto -xk seed.zip /tmp/seed",
    "ditto -c -k --sequesterRsrc src out.zip",
    r"Expand-Archive seed.zip -DestinationPath .\tmp\x",
    r"Expand-Archive -Path seed.zip -DestinationPath $env:TEMP\seed -Force",
    r"Expand-Archive -LiteralPath .\a.zip -Dest .\build\out -Force",
    r"Expand-Archive seed.zip -DestinationPath C:\app\data -Force -WhatIf",
])
def test_a_fresh_or_scratch_extraction_passes(line: str) -> None:
    assert _decision(line) == "allow"
