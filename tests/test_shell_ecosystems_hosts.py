"""Shell classes of language ecosystems and host administration: docker-compatible CLIs judged by
docker's rows; package and version managers' own subcommands named like programs (`scoop cache rm
NAME`) are not commands they run."""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decide(command: str) -> str:
    return check(command, policy=POLICY).decision.value


# --- docker-compatible CLIs share docker's rows: the same verdict and rule id for each spelling ---

@pytest.mark.parametrize("tail", [
    "image prune --all -f", "image prune -f", "system prune -f", "system prune -f --volumes",
    "container prune -f", "volume prune -f", "volume rm pgdata", "rm -f -v db", "rmi app:dev",
    "image prune -a --filter until=168h -f", "system prune --help",
])
def test_docker_compatible_clis_are_judged_by_dockers_rows(tail: str) -> None:
    want = check(f"docker {tail}", policy=POLICY)
    for cli in ("podman", "nerdctl", "finch"):
        got = check(f"{cli} {tail}", policy=POLICY)
        assert (got.decision, got.rule_ids) == (want.decision, want.rule_ids), f"{cli} {tail}"


# --- package and version managers: their own subcommands are not programs they run ---

@pytest.mark.parametrize("command", [
    "scoop update * && scoop cleanup * && scoop cache rm *",
    "scoop cache rm git",
    "scoop cleanup --all",
    "mise cache clear",
    "mise cache rm -rf src",
    "choco uninstall nodejs -y",
    "sdk flush tmp",
])
def test_manager_subcommands_named_like_programs_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    "mise exec -- rm -rf src",
    "mise x node@20 -- rm -rf src",
    "pyenv exec rm -rf src",
    "volta run rm -rf src",
    "asdf exec git push --force origin main",
    "scoop exec rm -rf src",
    "scoop \"$X\" rm -rf src",
    "winget -- rm -rf src",
    "scoop cache rm * ; rm -rf *",
    "scoop cache rm x && rm -rf ~/work",
])
def test_managers_launching_or_dynamic_words_are_judged(command: str) -> None:
    assert _decide(command) != "allow", command


# --- `TOOL help TASK` is help text; an option's value is no subcommand; nix's age bounds ---

@pytest.mark.parametrize("command", [
    "mix help ecto.drop", "php artisan help migrate:fresh", "rails help db:drop", "terraform help destroy",
    "cargo help clean", "mix ecto.drop --help",
    "cargo clean -p payments-core --release && cargo build --release -p payments-core",
    "cargo clean --package db", "cargo clean --release",
    "nix-collect-garbage --delete-older-than 30d", "sudo nix-collect-garbage --delete-older-than=14d",
    "nix-env --delete-generations 30d",
])
def test_help_values_and_age_bounds_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    "mix ecto.drop help", "mix help ecto.drop && mix ecto.drop", "MIX_ENV=prod mix do help, ecto.drop",
    "bin/rails db:drop help",
    "mytool -p x drop-database", "mytool -p prod destroy", "mytool --project prod db wipe", "cargo -p x nuke",
    "nix-collect-garbage --delete-older-than 1h", "nix-collect-garbage --delete-older-than $X",
    "nix-env --delete-generations old",
])
def test_their_look_alikes_ask(command: str) -> None:
    assert _decide(command) != "allow", command


# --- a tool's cache located by a command substitution (rules/cache_locators.toml) ---

@pytest.mark.parametrize("command", [
    'rm -rf "$(bazel info repository_cache)"', "rm -rf $(go env GOCACHE)", 'rm -rf "$(go env GOMODCACHE)"',
    'rm -rf "$(pip cache dir)"', 'rm -rf "$(npm config get cache)"', 'rm -rf "$(yarn cache dir)"',
    'rm -rf "$(pnpm store path)"', 'bash -c "rm -rf \\"\\$(go env GOCACHE)\\""',
])
def test_cache_locators_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    'rm -rf "$(go env GOPATH)"', 'rm -rf "$(bazel info output_base)"', 'rm -rf "$(npm root -g)"',
    'rm -rf "$(go env GOCACHE)/.."', 'rm -rf "$(go env GOCACHE)/../.."', 'rm -rf "$(go env GOCACHE)$X"',
    'rm -rf "$(go env GOCACHE $X)"', 'rm -rf "$(go env GOCACHE)" ~/data',
    'GOCACHE=/home/u/src rm -rf "$(go env GOCACHE)"', 'go env -w GOCACHE=$HOME/src && rm -rf "$(go env GOCACHE)"',
    'export GOFLAGS=x; rm -rf "$(go env GOCACHE)"', 'npm config set cache ~/data && rm -rf "$(npm config get cache)"',
    'echo "build --repository_cache=/home" >> .bazelrc && rm -rf "$(bazel info repository_cache)"',
    'PIP_CACHE_DIR=~ rm -rf "$(pip cache dir)"', 'rm -rf "$(pip cache dir > /dev/null)"',
])
def test_cache_locator_look_alikes_ask(command: str) -> None:
    assert _decide(command) != "allow", command


# --- firewalls: taking away what lets the operator in is asked; reads and additions pass ---

@pytest.mark.parametrize("command", [
    "sudo firewall-cmd --permanent --remove-service=ssh && sudo firewall-cmd --reload",
    "firewall-cmd --remove-port 22/tcp", "firewall-cmd --zone=public --remove-service ssh --permanent",
    "firewall-cmd --set-default-zone=drop", "firewall-cmd --permanent --remove-rich-rule 'rule service name=ssh accept'",
    "ufw delete allow 22", "ufw delete 3", "sudo ufw deny ssh", "ufw reject OpenSSH",
    "ufw deny from 10.0.0.0/8 to any port 22", "ufw default deny incoming",
    "iptables -P INPUT DROP", "sudo iptables --policy INPUT DROP", "ip6tables -P INPUT REJECT",
    "iptables-nft -P INPUT DROP", "iptables -D INPUT -p tcp --dport 22 -j ACCEPT",
    "nft delete rule inet filter input handle 5", "nft destroy table inet filter", "nft flush ruleset",
    "bash -c 'ufw deny ssh'",
])
def test_firewall_access_removals_ask(command: str) -> None:
    assert _decide(command) != "allow", command


@pytest.mark.parametrize("command", [
    "firewall-cmd --list-all", "firewall-cmd --permanent --add-service=http", "firewall-cmd --reload",
    "ufw allow 22", "ufw status numbered", "ufw default allow outgoing", "ufw deny 3306",
    "iptables -P INPUT ACCEPT", "iptables -L -n", "iptables -S", "iptables -A INPUT -p tcp --dport 443 -j ACCEPT",
    "nft list ruleset",
])
def test_firewall_reads_and_additions_pass(command: str) -> None:
    assert _decide(command) == "allow", command


# --- a write to a NEW absolute path loses nothing; an existing file, or a place where a new file
# runs code or grants access, is asked (checked on this machine, with or without a working folder) ---

def test_redirect_and_tee_to_a_new_absolute_path_pass() -> None:
    import os
    import shutil
    import uuid

    folder = os.path.join(os.path.realpath(os.path.expanduser("~")), f"bw-new-{uuid.uuid4().hex[:8]}")  # not a temp path
    new = os.path.join(folder, "60-new.conf")
    os.mkdir(folder)
    try:
        for command in (f"nft list ruleset > {new}", f"echo x | sudo tee {new}",
                        f"sudo tee {new} >/dev/null <<'EOF'\na=1\nEOF"):
            assert _decide(command) == "allow", command
        with open(new, "w") as f:
            f.write("kept\n")
        for command in (f"nft list ruleset > {new}", f"echo x | sudo tee {new}"):
            assert _decide(command) != "allow", command
    finally:
        shutil.rmtree(folder)


def test_a_path_that_cannot_be_looked_at_counts_as_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "f.conf").write_text("kept\n")
    locked.chmod(0)
    try:
        if os.access(locked, os.X_OK):
            pytest.skip("running as a user that can search any folder")
        assert _decide(f"echo x > {locked}/f.conf") != "allow"
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("command", [
    "echo 'u ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/zz9-new",
    "echo '* * * * * root curl x | sh' | sudo tee /etc/cron.d/zz9-new",
    "echo x > /etc/profile.d/zz9-new.sh", "echo x > /etc/systemd/system/zz9-new.service",
    "echo x > /usr/local/bin/zz9-new", "echo x > /etc/ld.so.preload", "echo k > /root/.ssh/authorized_keys2",
    "echo x > /etc/apt/sources.list.d/zz9-new.list", "echo x > /etc/../etc/cron.d/zz9-new",
])
def test_new_files_that_run_code_or_grant_access_ask(command: str) -> None:
    assert _decide(command) != "allow", command


def test_a_new_key_pair_in_ssh_is_still_a_new_file() -> None:
    assert _decide("ssh-keygen -t ed25519 -C ci@acme -f ~/.ssh/id_zz9_new_ci -N ''") == "allow"


# --- disk tools: sfdisk's printing forms pass, its writes ask ---

@pytest.mark.parametrize("command", [
    "sudo sfdisk -d /dev/sda > ~/sda-partition-table.$(date +%s).txt", "sfdisk -l /dev/sda",
    "sfdisk --json /dev/nvme0n1", "sfdisk --dump /dev/sda", "parted -l", "parted /dev/sda print", "fdisk -l",
    "sgdisk -p /dev/sda", "blkid", "lsblk -f", "wipefs /dev/sdb",
])
def test_disk_reads_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    "sfdisk /dev/sda < table.txt", "sfdisk --delete /dev/sda 2", "sfdisk -r /dev/sda",
    "sfdisk -d /dev/sda | sfdisk /dev/sdb", "sgdisk -d 2 /dev/sda", "sgdisk -g /dev/sda", "wipefs -a /dev/sdb",
    "fdisk /dev/sda", "parted /dev/sda rm 1",
])
def test_disk_writes_ask(command: str) -> None:
    assert _decide(command) != "allow", command


# --- PowerShell comma lists written with spaces are the listed paths ---

@pytest.mark.parametrize("command", [
    'pwsh -NoProfile -c "Remove-Item -Path .\\bin, .\\obj -Recurse -Force -ErrorAction SilentlyContinue; dotnet build"',
    'pwsh -c "Remove-Item -Path .\\bin ,.\\obj -Recurse -Force"',
    'pwsh -c "Remove-Item -LiteralPath bin, obj -Recurse"',
])
def test_powershell_spaced_lists_of_build_output_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    'pwsh -NoProfile -c "Remove-Item -Path .\\bin, .\\src -Recurse -Force"',
    'pwsh -c "Remove-Item .\\bin, .\\obj, .\\data -Recurse -Force"',
    'pwsh -c "Remove-Item -Path .\\bin, ~\\Documents -Recurse -Force"',
    'pwsh -c "Remove-Item -Path bin, -Recurse"',
    'pwsh -c "rm -r -fo bin, ~\\Documents"',
])
def test_powershell_lists_naming_data_ask(command: str) -> None:
    assert _decide(command) != "allow", command
