"""Context that makes scary-looking actions safe, and the look-alikes where it does not:
scratch made on the same line, new date-stamped files, disk images in a temp folder, commands
that only read or check, regenerable lockfiles, harmless DELETE endpoints, merges, new files."""

from __future__ import annotations

from pathlib import Path

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def decision(kind: str, payload: object, **context: str) -> str:
    return check(payload, kind, context=context or None, policy=POLICY).decision.value


SCRATCH_SAFE = [
    'rm -rf $(mktemp -d)',
    "trap 'rm -rf \"$d\"' EXIT; d=$(mktemp -d)",  # nothing runs between the trap and the assignment
    'rm -rf "$(mktemp -d)"',
    'rm -rf `mktemp -d`',
    'd=$(mktemp -d); cd "$d"; git clone https://github.com/acme/x .; rm -rf "$d"',
    'd=$(mktemp -d) && cp -r src "$d" && rm -rf "$d"',
    'd=$(mktemp -d); rm -rf $d',
    'export d=$(mktemp -d); rm -rf "$d"',
    'tmp=$(mktemp) && curl -s https://example.com/x.json > "$tmp" && jq . "$tmp" && rm -f "$tmp"',
    "tmp=$(mktemp); trap 'rm -f \"$tmp\"' EXIT; curl -s https://example.com/x > \"$tmp\"",
    "tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT INT TERM; tar -xzf a.tgz -C \"$tmp\"",
    'work=$(mktemp -d -t build.XXXXXX) || exit 1; rm -rf "$work"',
]

# The same shapes where the path is not (only) the scratch: asked or denied.
SCRATCH_LOOKALIKES = [
    'd=$(mktemp -d); rm -rf "$d"/*',  # "$d" empty when mktemp fails: /*
    'd=$(mktemp -d); rm -rf "$d/x"',
    'd=$(mktemp -d); rm -rf "$d/.."',
    'rm -rf $(mktemp -d)/..',
    'rm -rf "$(mktemp -d)"/*',
    'd=$(mktemp -d); d=/etc; rm -rf "$d"',
    'false && d=$(mktemp -d); rm -rf "$d"',  # never set: whatever d held before
    'true || d=$(mktemp -d); rm -rf "$d"',
    'if [ -z "$d" ]; then d=$(mktemp -d); fi; rm -rf "$d"',
    'd=$(mktemp -d) | cat; rm -rf "$d"',  # set in a pipeline's subshell
    '(d=$(mktemp -d)); rm -rf "$d"',
    'd=$(mktemp -d); read d; rm -rf "$d"',
    'd=$(mktemp -d); printf -v d %s /srv; rm -rf "$d"',
    'd=$(mktemp -d); eval "d=/srv"; rm -rf "$d"',
    'd=$(mktemp -d); source ./vars.sh; rm -rf "$d"',
    'd=$(mktemp -d); (( d = 0 )); rm -rf "$d"',
    'd=$(mktemp -d); unset d; rm -rf "$d"',
    'for d in /srv; do :; done; d=$(mktemp -d); rm -rf "$d"',
    "trap 'rm -rf \"$d\"' EXIT; exit 0; d=$(mktemp -d)",  # the handler fires before d is set
    "trap 'rm -rf \"$d\"' EXIT; kill $$; d=$(mktemp -d)",
    "trap 'rm -rf \"$d\"' EXIT; sleep 60; d=$(mktemp -d)",  # a signal while it sleeps fires it
    "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; d=/srv",
    "trap 'rm -rf /srv/data' EXIT",
    'd=$(mkdir -p /srv/x && echo /srv/x); rm -rf "$d"',
    'd=$(echo $(mktemp -d) /srv); rm -rf $d',
]


@pytest.mark.parametrize("command", SCRATCH_SAFE)
def test_scratch_made_on_the_line_is_safe(command: str) -> None:
    assert decision("shell", command) == "allow"


@pytest.mark.parametrize("command", SCRATCH_LOOKALIKES)
def test_scratch_lookalikes_are_asked(command: str) -> None:
    assert decision("shell", command) != "allow"


STAMP_SAFE = [
    'pg_dump -Fc app_production > backup_$(date +%F).dump',
    'pg_dump app > "backups/app-$(date +%Y%m%d-%H%M%S).sql"',
    'mysqldump app > dumps/app_$(date +%s).sql',
    'cp db.sqlite3 "db-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"',
    'f=backup-$(date +%F).tar.gz; tar czf "$f" data/',
    'mv app.log app.log.$(date +%F)',
]
STAMP_LOOKALIKES = [
    'rm -rf backup_$(date +%F)',  # deleting a name made earlier today
    'echo x > /etc/$(date +%F)/../passwd',
    'echo x > out_$(date -d yesterday +%F).log > /dev/null; echo x > db_$(date -r app.db +%F).db',
    'pg_dump app > "$DIR/backup_$(date +%F).sql"',
    'cp x "/etc/$(date +%F)$(cat name)"',
]


@pytest.mark.parametrize("command", STAMP_SAFE)
def test_new_date_stamped_files_are_safe(command: str) -> None:
    assert decision("shell", command) == "allow"


@pytest.mark.parametrize("command", STAMP_LOOKALIKES)
def test_stamp_lookalikes_are_asked(command: str) -> None:
    assert decision("shell", command) != "allow"


HTTP_SAFE = [
    {"method": "DELETE", "url": "http://localhost:9200/_search/scroll", "body": {"scroll_id": "DXF1ZXJ5"}},
    {"method": "DELETE", "url": "https://es.internal:9200/_search/scroll/_all"},
    {"method": "DELETE", "url": "https://es.internal:9200/_pit", "body": {"id": "46ToAwMD"}},
    {"method": "DELETE", "url": "https://api.github.com/user/starred/acme/webapp"},
    {"method": "DELETE", "url": "https://gitlab.example.com/api/v4/projects/12/star"},
    {"method": "DELETE", "url": "https://api.example.com/v1/users/me/favorites/42"},
    {"method": "DELETE", "url": "https://api.example.com/v1/posts/981/reactions/7"},
    {"method": "DELETE", "url": "https://api.example.com/v1/sessions/current"},
    {"method": "PUT", "url": "https://api.github.com/repos/acme/webapp/pulls/12/merge", "body": {"merge_method": "squash"}},
]
HTTP_LOOKALIKES = [
    {"method": "DELETE", "url": "http://localhost:9200/orders"},
    {"method": "DELETE", "url": "https://es.internal:9200/_search_scroll_backup"},
    {"method": "DELETE", "url": "https://api.example.com/v1/stars/*"},
    {"method": "DELETE", "url": "https://api.example.com/v1/projects/12/star-catalog"},
    {"method": "DELETE", "url": "https://api.example.com/v1/favorites/42/owner"},
    {"method": "DELETE", "url": "https://api.example.com/v1/subscriptions/sub_123"},
]


@pytest.mark.parametrize("request_", HTTP_SAFE, ids=[r["url"] for r in HTTP_SAFE])
def test_harmless_deletes_and_merges_are_allowed(request_: dict) -> None:
    assert decision("http", request_) == "allow"


@pytest.mark.parametrize("request_", HTTP_LOOKALIKES, ids=[r["url"] for r in HTTP_LOOKALIKES])
def test_harmless_delete_lookalikes_are_asked(request_: dict) -> None:
    assert decision("http", request_) != "allow"


MCP_SAFE = [
    ("github", "merge_pull_request", {"owner": "acme", "repo": "webapp", "pullNumber": 412, "merge_method": "squash"}),
    ("github", "create_or_update_file", {"owner": "acme", "repo": "webapp", "path": "docs/notes.md", "content": "x",
                                         "message": "docs", "branch": "docs/notes"}),
    ("github", "push_files", {"owner": "acme", "repo": "webapp", "branch": "feat/search",
                              "files": [{"path": "src/search.ts", "content": "x"}], "message": "feat"}),
]
MCP_LOOKALIKES = [
    ("github", "create_or_update_file", {"owner": "acme", "repo": "webapp", "path": ".github/workflows/deploy.yml",
                                         "content": "x", "message": "ci", "branch": "main", "sha": "3d21ec53"}),
    ("github", "push_files", {"owner": "acme", "repo": "webapp", "branch": "master",
                              "files": [{"path": "db/schema.sql", "content": "x"}], "message": "regen"}),
    ("github", "push_files", {"owner": "acme", "repo": "webapp", "branch": "release/2.4",
                              "files": [{"path": "x", "content": "y"}], "message": "hotfix"}),
    ("github", "create_or_update_file", {"owner": "acme", "repo": "webapp", "path": "README.md", "content": "x",
                                         "message": "docs", "sha": "3d21ec53"}),  # no branch: the default one
]


@pytest.mark.parametrize("server,tool,args", MCP_SAFE)
def test_merges_and_feature_branch_commits_are_allowed(server: str, tool: str, args: dict) -> None:
    assert decision("mcp", {"server": server, "tool": tool, "arguments": args}) == "allow"


@pytest.mark.parametrize("server,tool,args", MCP_LOOKALIKES)
def test_commits_straight_to_a_default_branch_are_asked(server: str, tool: str, args: dict) -> None:
    assert decision("mcp", {"server": server, "tool": tool, "arguments": args}) != "allow"


DISK_SAFE = [
    "mkfs.ext4 -F /tmp/disk.img",
    "mkfs.vfat -F 32 /tmp/efi.img",
    "mkfs.ext4 -F /var/tmp/rootfs.img 512M",
    "mkswap /tmp/swapfile",
    "mkfs.ext4 -F build/test-disk.img",
    "dd if=/dev/zero of=/tmp/disk.img bs=1M count=64 && mkfs.ext4 -F /tmp/disk.img",
    "wipefs /dev/sda",  # only lists the signatures
    "wipefs --no-act --all /dev/sda",
    "badblocks -sv /dev/sdb",  # read-only test
    "bash -n deploy.sh",  # syntax check: runs nothing
]
DISK_DENIED = [
    "mkfs.ext4 /dev/sdb1",
    "mkfs.ext4 -c /dev/sda",  # -c is a flag: the device still counts
    "mkfs.fat -n DATA /dev/sdb",
    "mkfs.ext4 /tmp/../dev/sda",
    "mkfs.ext4 $DISK",
    "mkfs.ext4 /dev/blastwall-canary-x",
    "cd /dev && mkfs.ext4 sda",
    "wipefs -a /dev/sda",
    "wipefs -af /dev/nvme0n1",
    "wipefs -o 0x438 /dev/sdb",
    "badblocks -wsv /dev/sdb",
    "blkdiscard /dev/nvme0n1",
]
# Images outside temp folders whose folder is not on this machine: nothing can be looked at. (An image
# path in a folder that is here but holds no such file is a new file: mkfs makes or refuses it.)
DISK_ASKED = ["mkfs.ext4 -F /srv/images/data.img", "mkfs.ext4 -c /srv/vm-absent/data.img"]


@pytest.mark.parametrize("command", DISK_SAFE)
def test_images_in_temp_folders_and_read_only_disk_commands_are_allowed(command: str) -> None:
    assert decision("shell", command) == "allow"


@pytest.mark.parametrize("command", DISK_DENIED)
def test_devices_are_never_formatted(command: str) -> None:
    assert decision("shell", command) == "deny"


@pytest.mark.parametrize("command", DISK_ASKED)
def test_images_elsewhere_are_asked(command: str) -> None:
    assert decision("shell", command) == "ask"


def test_an_image_in_the_home_folder_is_asked_when_it_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "disk.img").write_bytes(b"\0" * 1024)
    assert decision("shell", "mkfs.ext4 -F ~/disk.img") == "ask"


LOCKFILES = [
    "rm yarn.lock",
    "rm -f package-lock.json yarn.lock pnpm-lock.yaml && npm install",
    "rm -f apps/*/yarn.lock",
    "find . -name Cargo.lock -delete",
    "rm poetry.lock Gemfile.lock composer.lock uv.lock bun.lockb",
]


@pytest.mark.parametrize("command", LOCKFILES)
def test_regenerable_lockfiles_are_allowed(command: str) -> None:
    assert decision("shell", command) == "allow"


def test_a_lockfile_name_is_not_a_folder_pass() -> None:
    assert decision("shell", "rm -rf yarn.lock.d/../../data") != "allow"
    assert decision("shell", "rm -f yarn.lock.bak.sqlite3") != "allow"


@pytest.mark.parametrize("command", [
    'd=$(mktemp -d); mount --bind / "$d"; rm -rf "$d"',
    'd=$(mktemp -d); sudo -u root mount --bind /srv "$d"; rm -rf "$d"',
    'd=$(mktemp -d "/tmp/a b.XXXX"); rm -rf $d',  # unquoted, a space splits it into /tmp/a and b.XXXX
    'd=$(mktemp -d -p "$BASE"); rm -rf $d',
    'd=$(mktemp -d); mv ~/project "$d"; rm -rf "$d"',
])
def test_scratch_that_may_hold_other_data_is_asked(command: str) -> None:
    assert decision("shell", command) != "allow"


# A variable's value is only relied on where bash is sure to have set it (analyze/shell/varflow.py).
VARIABLE_LOOKALIKES = [
    "X=/tmp/x; read X; rm -rf $X",
    "X=/tmp/x; read -r -p 'dir? ' X; rm -rf \"$X\"",
    "X=/etc; false && X=/tmp/x; rm -rf $X",
    "X=/etc; true && X=/tmp/x; rm -rf $X",
    "false || X=/tmp/x && rm -rf $X",
    "X=/tmp/x; eval X=/etc; rm -rf $X",
    "X=/tmp/x; source ./vars.sh; rm -rf $X",
    "X=/tmp/x; printf -v X %s /etc; rm -rf $X",
    "X=/tmp/x; unset X; rm -rf \"$X/\"*",
    "(X=/tmp/x); rm -rf \"$X\"/*",
    "X=/tmp/x | cat; rm -rf $X/*",
    "echo $(X=/tmp/x); rm -rf $X/*",
    "f() { X=/etc; }; X=/tmp/x; f; rm -rf $X",
    "X=/tmp/x; for X in /etc; do :; done; rm -rf $X",
    "X=/tmp/x; declare -n X=Y; rm -rf $X",
    "if [ -n \"$Y\" ]; then X=/tmp/x; fi; rm -rf $X/*",
    "while false; do X=/tmp/x; done; rm -rf $X/*",
]
VARIABLE_SAFE = [
    "X=/tmp/x; rm -rf $X",
    "X=dist && rm -rf $X",
    "cd /tmp && X=work && rm -rf $X",
    "X=/etc; true && X=/tmp/x && rm -rf $X",
    "for d in build dist; do rm -rf $d; done",
    "TMP=/tmp/a; (cd $TMP && ls); rm -rf $TMP",
    "export OUT=dist; rm -rf $OUT",
]


@pytest.mark.parametrize("command", VARIABLE_LOOKALIKES)
def test_a_variable_bash_may_not_have_set_is_unknown(command: str) -> None:
    assert decision("shell", command) != "allow"


@pytest.mark.parametrize("command", VARIABLE_SAFE)
def test_a_variable_bash_surely_set_is_known(command: str) -> None:
    assert decision("shell", command) == "allow"
