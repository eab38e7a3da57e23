"""Programs that run what they read on stdin or in a command script.

PowerShell given `-Command -`, `-File -` or no command at all, osascript given no script, BSD/macOS
`script FILE COMMAND` and its shell reading stdin, `machinectl shell`: the input (a here-document,
here-string, pipe or redirected file) is judged as the code it is. Input blastwall cannot read asks;
reads and sessions with no input pass.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    # PowerShell reading its commands from stdin
    "pwsh -Command - <<'EOF'\nRemove-Item -Recurse -Force /srv/app\nEOF",
    "pwsh -NoProfile <<'EOF'\nRemove-Item -Recurse -Force /srv/app\nEOF",
    "powershell -c - <<< 'Remove-Item -Recurse -Force C:\\data'",
    "echo 'Remove-Item -Recurse -Force /srv/app' | pwsh -",
    "echo 'rm -r -fo /srv/app' | pwsh -NoLogo -NonInteractive",
    "pwsh -File - <<'EOF'\nRemove-Item -Recurse -Force /srv/app\nEOF",
    "pwsh -NoProfile < cleanup.ps1",
    "pwsh -NoProfile <<EOF\nRemove-Item $target -Recurse\nEOF",
    # AppleScript on stdin
    "osascript <<'EOF'\ndo shell script \"rm -rf /srv/app\"\nEOF",
    "osascript - <<< 'do shell script \"rm -rf ~/data\"'",
    "osascript < cleanup.applescript",
    "echo 'tell application \"Finder\" to delete every item of home' | osascript",
    "osascript -l JavaScript <<< 'Application(\"Finder\").delete(Path(\"/x\"))'",
    # script: BSD/macOS `script [-q] FILE COMMAND ARGS`, and the shell it starts reading stdin
    "script -q /dev/null bash <<< 'rm -rf /srv/app'",
    "script -q /dev/null rm -rf /srv/app",
    "script -q /dev/null <<< 'rm -rf /srv/app'",
    "echo 'rm -rf /srv/app' | script -q /dev/null",
    "script -a -q session.log sh -c 'rm -rf /srv/app'",
    # machinectl shell and toolbox enter: a shell in a container or on the host
    "machinectl shell root@ <<< 'rm -rf /srv/app'",
    "machinectl shell root@web /bin/rm -rf /srv/app",
    "echo 'rm -rf /srv/app' | machinectl shell deploy@web",
    "toolbox enter <<< 'rm -rf ~/data'",
    # file-transfer clients' command scripts that delete on the server (or run a local command)
    "sftp deploy@prod <<'EOF'\nrm /srv/app/data.db\nEOF",
    "echo 'rm /srv/app/data.db' | sftp deploy@prod",
    "sftp -b cleanup.batch deploy@prod",
    "ftp -n host <<'EOF'\nuser u p\ndelete important.db\nEOF",
    "ftp -n host <<'EOF'\nmdelete *.db\nEOF",
    "lftp -c 'open host; rm -r /srv/app'",
    "lftp -e 'rm -rf /srv/app; bye' host",
    "lftp -f cleanup.lftp",
    "lftp host <<< 'mrm /srv/app/*'",
    "smbclient //nas/share <<'EOF'\ndeltree projects\nEOF",
    "smbclient //nas/share -c 'deltree projects'",
    "smbclient //nas/share -U u%p -c 'cd x; del *.docx'",
    "ncftp host <<< 'rm data.db'",
    "sftp host <<< 'rmdir /srv/app'",
    "sftp host <<< '!rm -rf ~/data'",
    "ftp host <<< 'rename a.db b.db'",
    # curl's `-Q`: raw FTP commands and SFTP commands sent before (`+`) or after (`-`) the transfer
    "curl ftp://backup.example.com/ -Q 'DELE nightly.dump'",
    "curl -u u:p ftp://h/ -Q '-RMD /srv/app'",
    "curl -u u:p sftp://h/ -Q '*rm /srv/app/data.db'",
    "curl -sQ 'RNFR app.db' -Q 'RNTO old.db' ftp://h/",
    "curl --quote 'rename a.db b.db' sftp://h/x",
    "curl -Q \"$CMD\" ftp://h/",
])
def test_a_destructive_stdin_script_is_asked(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "pwsh",
    "pwsh -Command - <<< 'Get-Process'",
    "pwsh -NoProfile <<'EOF'\nGet-ChildItem /srv\nEOF",
    "echo 'Get-Date' | pwsh -NoLogo",
    "osascript <<'EOF'\ndisplay notification \"build done\"\nEOF",
    "osascript -e 'display notification \"hi\"'",
    "script -q /dev/null ls -la",
    "script -q /dev/null make test",
    "script out.log",
    "script -q -c 'npm test' out.log",
    "machinectl shell web",
    "machinectl shell web /bin/ls /srv",
    "toolbox enter",
    "sftp deploy@prod",
    "sftp deploy@prod <<'EOF'\ncd /srv/app\nls -la\nget app.log\nEOF",
    "echo 'ls' | sftp deploy@prod",
    "lftp -c 'open host; ls; mirror /srv/logs logs'",
    "smbclient //nas/share -c 'ls'",
    "ftp -n host <<'EOF'\nuser u p\nbinary\nget report.pdf\nbye\nEOF",
    "curl -Q 'PWD' ftp://h/ -o /tmp/list.txt",
    "curl -u u:p ftp://h/pub/ --list-only",
])
def test_reads_and_sessions_pass(line: str) -> None:
    assert _decision(line) == "allow"
