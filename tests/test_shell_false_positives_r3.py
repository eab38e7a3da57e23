"""Shell lines that look destructive and are not, by class, each with the look-alikes an agent that
wants the destructive action would try next (those stay asked): Windows-shell words that are not
PowerShell, PowerShell's output formatters, programs started by Elixir's `-S`."""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def decide(command: str) -> str:
    return check(command, policy=POLICY, read_files=False, probe=False).decision.value


SAFE = [
    # `iex` followed by words PowerShell's Invoke-Expression cannot bind is Elixir's shell
    "iex -S mix phx.server",
    "iex -S mix",
    "iex --sname dev -S mix phx.server",
    "elixir --no-halt -S mix run --no-halt",
    "iex -S mix test",
    "ri -T String",  # Ruby's documentation reader
    # PowerShell's output formatters lay out objects; they format no disk
    "Get-PSDrive -PSProvider FileSystem; Get-Disk | Format-Table",
    "Get-ChildItem C:\\logs | Format-List Name, Length",
    "Get-Volume | Format-Wide -Column 3",
    "Get-Service | Format-Custom",
    "Format-Hex .\\firmware.bin",
    "get-disk | format-table -autosize",
]

LOOKALIKES = [
    "iex \"Remove-Item C:\\data -Recurse -Force\"",
    "iex -C \"Remove-Item C:\\data -Recurse -Force\"",  # -C binds -Command
    "iex -Comm \"Remove-Item C:\\data -Recurse -Force\"",
    "iex -S x; Remove-Item C:\\data -Recurse -Force",  # a later cmdlet keeps the line PowerShell
    "iex -e 'File.rm_rf!(\"/srv/data\")'",  # Elixir code: not read, asked
    "iex -S mix run -e 'File.rm_rf!(\"/srv/data\")'",
    "iex -S mix ecto.drop",  # the program -S starts is judged
    "iex --sname dev -S mix ecto.reset",
    "elixir -S mix ecto.drop",
    "iex -S mix run priv/repo/wipe.exs",
    "iex -S \"$TOOL\" x",
    "iex -S",
    "ri -r -fo C:\\data",
    "ri C:\\data -Recurse",
    "Format-Volume -DriveLetter D",
    "format-volume -DriveLetter D -FileSystem NTFS",
    "Get-Disk 1 | Format-Disk",
    "Get-Partition -DiskNumber 1 | Format-Partition",
    "Get-Disk | Format-Table; Format-Volume -DriveLetter E",
    "Clear-Disk -Number 1 -RemoveData",
]


@pytest.mark.parametrize("command", SAFE)
def test_safe(command: str) -> None:
    assert decide(command) == "allow"


@pytest.mark.parametrize("command", LOOKALIKES)
def test_lookalikes_are_asked(command: str) -> None:
    assert decide(command) != "allow"
