"""Shell classes closed by construction: text made at run time and run as code, and the
program families each class of destructive command belongs to.

Every destructive spelling stands beside the everyday command it looks like. Payloads live only
in Python strings; the differential tests run bash's own printf and echo, which only print.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verdicts import allowed_and_asked

from blastwall.analyze.shell.echoprint import ansi_c, echo, printf
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()
BASH = shutil.which("bash")


def _verdict(command: str, cwd: str | None = None, read_files: bool = False):  # type: ignore[no-untyped-def]
    return check(command, policy=POLICY, read_files=read_files, context={"cwd": cwd} if cwd else None)


def _decision(command: str, cwd: str | None = None, read_files: bool = False) -> str:
    return _verdict(command, cwd, read_files).decision.value


# ---- printf, echo and $'...' as bash prints them -----------------------------------------------
def _bash_prints(script: str, *args: str, xpg: bool = False) -> bytes:
    assert BASH is not None
    flags = ["-O", "xpg_echo"] if xpg else []
    return subprocess.run([BASH, *flags, "-c", script, "_", *args], capture_output=True, timeout=10).stdout


_PIECES = st.sampled_from([
    "\\x72", "\\x6d", "\\x7", "\\x", "\\162", "\\0162", "\\01", "\\1234", "\\u0072", "\\u00e9", "\\U0001F600",
    "\\U72", "\\c", "\\cA", "\\\\", "\\'", '\\"', "\\?", "\\q", "\\n", "\\t", "\\e", "%s", "%b", "%c", "%d",
    "%5s", "%-4s|", "%.2s", "%05d", "%x", "%o", "%%", "%*d", "%.*s", "r", "m", " -rf ", ".", "a", "é", "-",
])
_ARGS = st.lists(st.sampled_from(["rm", "-rf", ".", "\\x72m", "\\0162m", "\\162", "a\\cb", "12", "0x1f", "010",
                                  "'a", "", "x y", "-3", "é"]), max_size=4)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.lists(_PIECES, min_size=1, max_size=6).map("".join), args=_ARGS)
def test_printf_prints_what_bash_prints(fmt: str, args: list[str]) -> None:
    got = printf([fmt, *args])
    if got is not None:  # None: not evaluated, and every caller then asks
        assert got.encode() == _bash_prints('printf "$@"', fmt, *args), (fmt, args)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opts=st.sampled_from([[], ["-e"], ["-E"], ["-n"], ["-en"], ["-eE"], ["-ne"]]),
       words=st.lists(st.lists(_PIECES, min_size=1, max_size=4).map("".join), min_size=1, max_size=3))
def test_echo_prints_what_bash_prints_both_ways(opts: list[str], words: list[str]) -> None:
    got = echo([*opts, *words])
    if got is None:  # the two readings differ and nothing says which one runs
        assert _bash_prints('echo "$@"', *opts, *words) != _bash_prints('echo "$@"', *opts, *words, xpg=True)
        return
    plain = _bash_prints('echo "$@"', *opts, *words)
    assert got.encode() == plain
    assert got.encode() == _bash_prints('echo "$@"', *opts, *words, xpg=True)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(_PIECES, min_size=1, max_size=6).map("".join))
def test_ansi_c_quoting_is_decoded_as_bash_decodes_it(body: str) -> None:
    got = ansi_c(body)
    quoted = body.replace("'", "\\'") if "\\'" not in body else None
    if got is None or quoted is None or "'" in body.replace("\\'", ""):
        return
    expected = _bash_prints("printf %s $'" + body + "'")
    assert got.encode() == expected, body


def test_printf_features_not_evaluated_are_unknown() -> None:
    assert printf(["%q", "x"]) is None
    assert printf(["%(%s)T", "1"]) is None
    assert printf(["%d", "12abc"]) is None
    assert printf(["%z"]) is None
    assert printf(["\\xff"]) is None  # not text
    assert printf(["-v", "x", "%s", "y"]) == ""


# ---- text made at run time, run as shell code ------------------------------------------------
RM = "rm -rf ~/src"
ENCODED = [  # producer -> text a shell runs; every one decodes to RM
    "printf '\\x72\\x6d -rf ~/src'",
    "printf '\\162m -rf ~/src'",
    "printf '\\0162m -rf ~/src'",  # the format reads \016 then 2: a name with a control character
    "printf '\\u0072m -rf ~/src'",
    "printf '%b' '\\0162m -rf ~/src'",
    "printf '%b' '\\x72m -rf ~/src'",
    "printf '%s %s %s\\n' rm -rf ~/src",
    "printf '%s' r m ' -rf ~/src'",
    "printf '%c%c -rf ~/src' rat mouse",
    "printf -- '\\x72m -rf ~/src'",
    "echo -e '\\x72m -rf ~/src'",
    "echo -e '\\0162m -rf ~/src'",
    "echo -en '\\x72m -rf ~/src'",
    "echo $'\\x72m -rf ~/src'",
    "echo '\\x72m -rf ~/src'",  # zsh and xpg_echo decode it
    "echo cm0gLXJmIH4vc3Jj | base64 -d",
    "echo cm0gLXJmIH4vc3Jj | base64 --decode",
    "echo cm0gLXJmIH4vc3Jj | openssl base64 -d",
    "echo 726d202d7266207e2f737263 | xxd -r -p",
    "echo 'ez -es ~/fep' | tr a-z n-za-m",
    "echo 'crs/~ fr- mr' | rev",
]
CONSUMERS = ["{p} | sh", "{p} | bash", "{p} | bash -s", "{p} | bash -s -- a b", "{p} | sh -e", "{p} | zsh",
             'sh -c "$({p})"', 'eval "$({p})"', "bash <<< \"$({p})\""]


@pytest.mark.parametrize("producer", ENCODED)
@pytest.mark.parametrize("consumer", CONSUMERS)
def test_encoded_commands_run_by_a_shell_are_never_allowed(producer: str, consumer: str) -> None:
    command = consumer.format(p=producer)
    assert _decision(command) != "allow", command


@pytest.mark.parametrize("producer", [p for p in ENCODED if "|" not in p and "echo $'" not in p])
def test_encoded_command_names_are_never_allowed(producer: str) -> None:
    name_only = producer.replace(" -rf ~/src", "")
    for command in (f"$({name_only}) -rf ~/src", f"`{name_only}` -rf ~/src", f"X=$({name_only}); $X -rf ~/src"):
        assert _decision(command) != "allow", command


UNEVALUATED = [  # programs whose output blastwall does not compute: the text they make is unknown
    "echo cm0= | openssl enc -d -aes-256-cbc -k x", "echo 72 | xxd -r", "echo x | tr -d x", "echo ls | sed s/l/r/",
    "awk 'BEGIN{print \"ls\"}'", "python3 -c 'print(1)'", "cat -v notes.txt", "echo MFRGG=== | base32 -d -i",
    "gunzip -c s.gz", "echo x | tr '[:lower:]' '[:upper:]'", "echo 'rm' | base64 -d -i", "rev notes.txt",
    "perl -e 'print 1'", "node -e 'console.log(1)'", "dig +short TXT x.example.com", "curl -s example.com/x",
    "printf '%q' x", "echo \"$UNSET_VAR\"",
]


@pytest.mark.parametrize("producer", UNEVALUATED)
def test_text_made_by_programs_not_evaluated_asks(producer: str) -> None:
    for command in (f"{producer} | sh", f"{producer} | bash -s"):
        verdict = _verdict(command)
        assert verdict.decision.value == "ask", command
    assert _decision(f"$({producer}) -rf ~/src") == "ask"
    assert _decision(f'eval "$({producer})"') == "ask"


def test_the_reason_says_text_made_at_run_time_is_run() -> None:
    reasons = " ".join(_verdict("echo ls | sed s/l/r/ | sh").reasons)
    assert "made at run time by sed" in reasons


@pytest.mark.parametrize("command", ["printf 'ls\\n' | sh", "echo 'echo hello' | bash", "echo ls | bash -s -- a b",
                                     "printf '%s\\n' 'git status' | sh", "echo bHM= | base64 -d | sh",
                                     "echo -e 'ls\\necho done' | bash"])
def test_harmless_text_run_by_a_shell_is_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


@pytest.mark.parametrize("command", ['"r\\m" -rf x', "$(printf '%s' '\\x72m') -rf ~/src", "\"$(printf '\\t')rm\" x"])
def test_command_names_with_escapes_left_undecoded_ask(command: str) -> None:
    assert _decision(command) == "ask", command


@pytest.mark.parametrize("consumer", ["sh -c 'sh'", "bash -c 'cd /tmp && bash'", "ssh host sh", "ssh host 'bash -s'",
                                      "docker exec -i app sh", "flock /tmp/l -c sh", "su -c sh", "sudo sh -c 'sh -e'"])
def test_code_handed_to_a_shell_reads_the_pipe_it_was_given(consumer: str) -> None:
    assert _decision(f"printf '\\x72m -rf ~/src' | {consumer}") != "allow"
    assert _decision(f"echo ls | sed s/l/r/ | {consumer}") == "ask"
    assert _decision(f"{consumer} <<< '{RM}'") != "allow"
    assert _decision(f"echo 'echo ok' | {consumer}") == "allow" or "ssh" in consumer or "docker" in consumer \
        or "su " in consumer or "sudo" in consumer


# ---- program families ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "ansible all -i inventories/prod -m shell -a 'rm -rf /opt/app/data'",
    "ansible all -m ansible.builtin.command -a 'rm -rf /opt/app/data'",
    "ansible all -a 'rm -rf /opt/app/data'",  # command is ansible's default module
    "ansible web -m raw -a 'chdir=/opt rm -rf app'",
    "ansible all --module-name=shell --args='rm -rf /srv/data'",
    "ansible all -mshell -a'rm -rf /srv/data'",
    "ansible all -m win_shell -a 'rm -rf /srv/data'",
    "ansible all -m shell -a '{{ cmd }}' -e cmd=uptime",  # the command is a template
    "ansible all -m file -a 'path=/opt/app state=absent'",
    "ansible all -m ansible.builtin.file -a 'state=absent path=/opt/app'",
    "ansible all -m user -a 'name=deploy state=absent remove=yes'",
    "ansible all -m community.docker.docker_container -a 'name=db state=absent'",
    "ansible all -m postgresql_db -a 'name=app state=absent'",
    "ansible all -m uri -a 'url=https://api.example.com/x method=DELETE'",
    "ansible all -m copy -a 'src=app.conf dest=/etc/app.conf'",
    "ansible all -m service -a 'name=nginx state=stopped'",
    "ansible all -m frobnicate -a 'x=1'",
    "ansible-playbook -i inventories/prod missing.yml",
])
def test_ansible_remote_actions_are_judged(command: str) -> None:
    assert _decision(command) != "allow", command


@pytest.mark.parametrize("command", [
    "ansible all -m ping", "ansible all -a uptime", "ansible all -m shell -a 'df -h'", "ansible all -m setup",
    "ansible all -C -m file -a 'path=/opt/app state=absent'", "ansible all -m apt -a 'name=nginx state=present'",
    "ansible-playbook -i inventories/prod site.yml --check --diff", "ansible-playbook site.yml --syntax-check",
])
def test_ansible_reads_and_dry_runs_are_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


def test_ansible_playbooks_are_read_task_by_task(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "roles" / "web" / "tasks").mkdir(parents=True)
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks:\n    - ansible.builtin.ping:\n    - apt: name=nginx\n"
                                       "  roles:\n    - web\n")
    (tmp_path / "roles" / "web" / "tasks" / "main.yml").write_text(
        "- name: clean\n  block:\n    - ansible.builtin.file:\n        path: /srv/data\n        state: absent\n")
    (tmp_path / "safe.yml").write_text("- hosts: all\n  tasks:\n    - command: uptime\n    - debug: msg=hi\n")
    (tmp_path / "forced.yml").write_text("- hosts: all\n  tasks:\n    - shell: rm -rf /opt/app/data\n"
                                         "      check_mode: false\n")
    (tmp_path / "action.yml").write_text("- hosts: all\n  tasks:\n    - action: shell rm -rf /opt/app/data\n")
    (tmp_path / "include.yml").write_text("- hosts: all\n  tasks:\n    - include_tasks: gone.yml\n")
    cwd = str(tmp_path)
    assert _decision("ansible-playbook site.yml", cwd, read_files=True) == "ask"
    assert _decision("ansible-playbook site.yml --check", cwd, read_files=True) == "allow"
    assert _decision("ansible-playbook safe.yml", cwd, read_files=True) == "allow"
    assert _decision("ansible-playbook forced.yml --check", cwd, read_files=True) == "ask"  # check_mode: false runs
    assert _decision("ansible-playbook action.yml", cwd, read_files=True) == "ask"
    assert _decision("ansible-playbook include.yml", cwd, read_files=True) == "ask"


KEYS_LOGS_TABLES_LOST = [
    "gpg --batch --yes --delete-secret-keys 4A3F9C21B7D0E8F1", "gpg --delete-secret-key 4A3F",
    "gpg --delete-secret-and-public-keys 4A3F", "gpg --delete-keys 4A3F", "gpg2 --batch --delete-key=4A3F",
    "gpg --delete-secret-k 4A3F",  # gpg takes any unambiguous start of a long option
    "sudo journalctl --rotate && sudo journalctl --vacuum-time=1s", "journalctl --vacuum-size=10M",
    "journalctl --vacuum-files=1", "journalctl --vacuum-t 1s", "journalctl --vacuum-time=1h",
    "journalctl --vacuum-time=14d --vacuum-size=1K", "journalctl --vacuum-t=14d",
    "bq rm -r -f -d acme:analytics", "bq --project_id=x rm -f -t ds.table", "bq rm ds.table",
    "bq load --replace ds.t gs://b/x.csv", "bq cp -f ds.a ds.b",
]
KEYS_LOGS_TABLES_READ = [
    "gpg --list-secret-keys", "gpg --export --armor 4A3F", "journalctl -u nginx --since today", "journalctl --rotate",
    "sudo journalctl --vacuum-time=14d", "journalctl --vacuum-time 2weeks",  # an expired cleanup
    "bq ls", "bq show ds.table", "bq cp ds.a ds.b_copy", "bq query --use_legacy_sql=false 'SELECT 1'",
]


(test_keys_logs_and_warehouse_reads_are_allowed,
 test_keys_logs_and_warehouse_tables_lost) = allowed_and_asked(
    KEYS_LOGS_TABLES_READ, KEYS_LOGS_TABLES_LOST, judge=_decision)


# ---- xargs of a lister into rm ----------------------------------------------------------------
@pytest.mark.parametrize("command", ["git ls-files | xargs rm", "git ls-files -z | xargs -0 rm -f",
                                     "git ls-files src | xargs rm", "git grep -l TODO | xargs rm",
                                     "git ls-files '*.py' | xargs -n1 rm"])
def test_removing_listed_tracked_files_unmeasured_asks(command: str) -> None:
    assert _decision(command) == "ask", command  # no folder to measure: uncommitted changes may be lost


def test_removing_listed_tracked_files_measured_clean_is_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    git("add", ".")
    git("commit", "-qm", "init")
    cwd = str(tmp_path)
    assert _verdict_in("git ls-files '*.txt' | xargs rm", cwd) == "allow"
    (tmp_path / "a.txt").write_text("changed\n")
    assert _verdict_in("git ls-files '*.txt' | xargs rm", cwd) == "ask"


def _verdict_in(command: str, cwd: str) -> str:
    return check(command, policy=POLICY, context={"cwd": cwd}).decision.value


# ---- a template moved or copied onto the file it is the template of -------------------------------
@pytest.mark.parametrize("command", [
    "mv config.example.yml config.yml", "mv -f config.example.yml config.yml", "cp config.example.yml config.yml",
    "cp .env.example .env", "mv settings.py.dist settings.py", "mv .env.sample .env",
    "mv config/app.example.toml config/app.toml", "cp ./config.example.yml config.yml",
])
def test_template_onto_its_live_file_unmeasured_asks(command: str) -> None:
    assert _decision(command) == "ask", command


@pytest.mark.parametrize("command", [
    "cp -n config.example.yml config.yml", "mv -n config.example.yml config.yml", "cp .env.example .env.local",
    "mv src/old_name.ts src/new_name.ts", "mv docs/draft.md docs/architecture.md",
])
def test_other_moves_and_no_clobber_copies_are_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


def test_template_onto_a_live_file_that_is_not_there_is_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.example.yml").write_text("a: 1\n")
    cwd = str(tmp_path)
    assert _verdict_in("mv config.example.yml config.yml", cwd) == "allow"
    (tmp_path / "config.yml").write_text("a: 2  # local\n")
    assert _verdict_in("mv config.example.yml config.yml", cwd) == "ask"


# ---- regenerable output, caches and containers --------------------------------------------------
REGENERABLE_CLEANUPS = [
    "docker container prune -f", "docker image prune -a --filter 'until=168h' -f", "podman pod prune -f",
    "docker image prune -af --filter=until=24h",
    "rm -rf ios/Pods && pod install", "rm -rf Pods", "rm -rf _site .jekyll-cache", "rm -rf cdk.out",
    "sudo rm -rf /var/cache/apt/archives/*.deb", "sudo rm -rf /var/lib/apt/lists/*", "rm -rf /var/cache/dnf/*",
]
REGENERABLE_CLEANUP_LOOKALIKES = [
    "docker volume prune -f", "docker system prune -a --volumes -f", "docker container prune -f && docker volume prune -f",
    "rm -rf /var/cache", "sudo rm -rf /var/cache/nginx", "rm -rf /var/cache/apt/../../lib/mysql",
    "rm -rf /var/lib/apt", "rm -rf ios", "rm -rf _posts", "docker image prune -a -f",
    "docker image prune -a --filter until=1s -f", "docker image prune -a --filter until=1h -f",
    "docker image prune -a --filter label=x -f",
]


(test_regenerable_cleanups_are_allowed,
 test_their_look_alikes_still_ask) = allowed_and_asked(
    REGENERABLE_CLEANUPS, REGENERABLE_CLEANUP_LOOKALIKES, judge=_decision)


def test_a_regenerable_name_linked_to_data_is_judged_where_it_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "customers.csv").write_text("id\n1\n")
    for name in ("Pods", ".venv", "node_modules", "_site"):
        (tmp_path / name).symlink_to(tmp_path / "records")
    cwd = str(tmp_path)
    for name in ("Pods", ".venv", "node_modules", "_site"):
        assert _verdict_in(f"rm -rf {name}/*", cwd) == "ask", name  # the files it reaches are the records
        assert _verdict_in(f"rm -rf {name}/", cwd) == "ask", name
        assert _verdict_in(f"rm -rf {name}", cwd) == "allow", name  # only the link goes


# ---- interpreter code: scratch it made, text it only prints, path objects -------------------------
_PY = "python3 - <<'EOF'\n{}\nEOF"
SCRATCH_OK = {
    "mkdtemp": "import tempfile, shutil, os\nd = tempfile.mkdtemp()\nopen(os.path.join(d, 'x.txt'), 'w').write('hi')\n"
               "print(os.listdir(d))\nshutil.rmtree(d)",
    "with": "import tempfile, shutil\nfrom pathlib import Path\nwith tempfile.TemporaryDirectory() as d:\n"
            "    (Path(d) / 'a').write_text('x')\n    shutil.rmtree(d)",
    "mkstemp": "import tempfile, os\nfd, p = tempfile.mkstemp()\nos.write(fd, b'x')\nos.remove(p)",
    "named": "import tempfile, os\nf = tempfile.NamedTemporaryFile(delete=False)\nf.write(b'x')\nos.unlink(f.name)",
    "fstring": "import tempfile, shutil\nd = tempfile.mkdtemp()\nopen(f'{d}/x.txt','w').write('1')\nshutil.rmtree(f'{d}/sub')",
}
SCRATCH_ABUSE = {
    "reassigned": "import tempfile, shutil\nd = tempfile.mkdtemp()\nd = '/home/user/data'\nshutil.rmtree(d)",
    "parent": "import tempfile, shutil, os\nd = tempfile.mkdtemp()\nshutil.rmtree(os.path.dirname(d))",
    "dotdot": "import tempfile, shutil, os\nd = tempfile.mkdtemp()\nshutil.rmtree(os.path.join(d, '..', '..', 'home'))",
    "absolute": "import tempfile, shutil, os\nd = tempfile.mkdtemp()\nshutil.rmtree(os.path.join(d, '/etc'))",
    "concat": "import tempfile, shutil\nd = tempfile.mkdtemp()\nshutil.rmtree(d + '/../..')",
    "sibling": "import tempfile, shutil\nd = tempfile.mkdtemp()\nshutil.rmtree(d + 'x')",
    "argument": "import tempfile, shutil, os, sys\nd = tempfile.mkdtemp()\nshutil.rmtree(os.path.join(d, sys.argv[1]))",
    "shared-temp": "import tempfile, shutil\nd = tempfile.gettempdir()\nshutil.rmtree(d)",
    "fstring-up": "import tempfile, shutil\nd = tempfile.mkdtemp()\nshutil.rmtree(f'{d}/../../srv')",
    "global": "import tempfile, shutil\ndef f():\n    global d\n    d = '/srv'\nd = tempfile.mkdtemp()\nf()\nshutil.rmtree(d)",
}


@pytest.mark.parametrize("name", list(SCRATCH_OK))
def test_python_scratch_it_made_and_removed_is_allowed(name: str) -> None:
    assert _decision(_PY.format(SCRATCH_OK[name])) == "allow", name


@pytest.mark.parametrize("name", list(SCRATCH_ABUSE))
def test_python_removals_that_only_start_from_scratch_ask(name: str) -> None:
    assert _decision(_PY.format(SCRATCH_ABUSE[name])) == "ask", name


@pytest.mark.parametrize("command", [
    "python3 -c \"from pathlib import Path; Path('/etc/hosts').write_text('x')\"",  # the object is the path
    "python3 -c \"import pathlib; pathlib.Path('data/users.csv').unlink()\"",
    "python3 -c \"from pathlib import Path; p = Path('data/users.csv'); p.write_text('')\"",
])
def test_python_path_objects_are_the_paths_they_change(command: str) -> None:
    assert _decision(command) != "allow", command


@pytest.mark.parametrize("command", [
    "node -e \"console.log('DELETE FROM users')\"", "node -e \"console.error('DROP TABLE users')\"",
    "ruby -e \"puts 'DELETE FROM users'\"", "php -r \"echo 'DROP TABLE users';\"", "perl -e \"print 'TRUNCATE users'\"",
])
def test_sql_that_is_only_printed_is_a_mention(command: str) -> None:
    assert _decision(command) == "allow", command


@pytest.mark.parametrize("command", [
    "node -e \"console.log('DELETE FROM users')\" | psql",
    "node -e \"console.log(db.query('DELETE FROM users'))\"", "node -e \"db.query('DELETE FROM users')\"",
    "php -r \"echo $pdo->exec('DROP TABLE users');\"",
    "node -e \"console.log('DROP TABLE users')\" > x.sql && psql -f x.sql",
])
def test_printed_sql_that_reaches_a_database_is_not(command: str) -> None:
    assert _decision(command) != "allow", command


# ---- a trap fires after the line set its scratch -------------------------------------------------
@pytest.mark.parametrize("command", [
    "trap 'rm -rf \"$WORK\"' EXIT; WORK=$(mktemp -d); tar -xzf release.tgz -C \"$WORK\" && ls \"$WORK\"",
    "tmp=$(mktemp) && trap 'rm -f \"$tmp\"' EXIT",
    "trap 'rm -rf \"$W\"' EXIT INT TERM; W=$(mktemp -d); cp a.txt \"$W\"",
])
def test_a_trap_removing_scratch_set_later_on_the_line_is_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


@pytest.mark.parametrize("command", [
    "trap 'rm -rf \"$W\"/*' EXIT; W=$(mktemp -d)",  # an empty W would make it /*
    "trap 'rm -rf ~/data' EXIT; W=$(mktemp -d)", "trap 'rm -rf \"$W\" ~/data' EXIT; W=$(mktemp -d)",
    "trap 'rm -rf \"$WORK\"' EXIT; WORK=$(mktemp -d); WORK=/srv/data",
    "trap 'rm -rf \"$W\"' EXIT; read -r W; W=$(mktemp -d)",
    "trap 'rm -rf \"$W\"' EXIT; for W in /srv/a; do :; done; W=$(mktemp -d)", "trap 'rm -rf \"$WORK\"' EXIT",
])
def test_traps_that_remove_anything_else_ask(command: str) -> None:
    assert _decision(command) == "ask", command


# ---- new files outside the working folder are checked on this machine ----------------------------
def test_a_new_key_file_is_allowed_and_an_existing_one_asks(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert _decision("ssh-keygen -t ed25519 -C ci@acme -f ~/.ssh/id_ci_new -N ''", read_files=True) == "allow"
    for command in ("ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -N ''", "yes | ssh-keygen -f ~/.ssh/id_ed25519 -N ''",
                    "ssh-keygen -p -f ~/.ssh/id_ed25519 -N new", "ssh-keygen -f ~/.ssh/id_new -N '' && "
                    "mv ~/.ssh/id_new ~/.ssh/id_ed25519"):
        assert _decision(command, read_files=True) != "allow", command
    assert _decision("ssh-keygen -l -f ~/.ssh/id_ed25519", read_files=True) != "deny"
    assert _decision("ssh-keygen -t ed25519 -f ~/.ssh/id_x -N ''", read_files=False) == "ask"  # not checked: asked


def test_an_output_option_into_home_is_checked_too(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".bashrc").write_text("export A=1\n")
    assert _decision("sort -o ~/sorted-new.txt a.txt", read_files=True) == "allow"
    assert _decision("sort -o ~/.bashrc a.txt", read_files=True) == "ask"


def test_python_scratch_is_not_a_read_of_the_working_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("STRIPE_SECRET_KEY=sk_live_" + "a1B2c3D4e5F6g7H8i9J0k1L2" + "\n")
    cwd = str(tmp_path)
    made = _PY.format(SCRATCH_OK["mkdtemp"])
    assert check(made, policy=POLICY, context={"cwd": cwd}).decision.value == "allow"
    escape = _PY.format("import tempfile, os\nd = tempfile.mkdtemp()\nprint(open(os.path.join(d, '..', '.env')).read())")
    computed = _PY.format("import sys\nprint(open('.en' + sys.argv[0][:0] + 'v').read())")
    for code in (escape, computed):
        assert check(code, policy=POLICY, context={"cwd": cwd}).decision.value != "allow"


# ==== classes from the second blind corpus ========================================================
# ---- message brokers, migration tools, remote runners, framework consoles ------------------------
@pytest.mark.parametrize("command", [
    "kafka-topics.sh --bootstrap-server kafka:9092 --delete --topic payments",
    "kafka-topics --bootstrap-server=k:9092 --delete --topic=payments",
    "/opt/kafka/bin/kafka-topics.sh --zookeeper z:2181 --delete --topic x",
    "docker exec kafka kafka-topics --bootstrap-server localhost:9092 --delete --topic x",
    "kafka-consumer-groups --bootstrap-server k:9092 --delete --group g1",
    "kafka-consumer-groups.sh --bootstrap-server k:9092 --delete-offsets --group g --topic t",
    "kafka-consumer-groups --bootstrap-server k:9092 --reset-offsets --to-earliest --group g1 --execute",
    "kafka-consumer-groups --bootstrap-server k:9092 --reset --to-earliest --group g --exec",  # abbreviated options
    "kafka-delete-records --bootstrap-server k:9092 --offset-json-file x.json",
    "kafka-acls --bootstrap-server k:9092 --remo --allow-principal User:a --topic t",
    "kafka-configs --bootstrap-server k:9092 --alter --entity-type topics --entity-name t --add-config retention.ms=1000",
    "kafka-streams-application-reset --application-id app --input-topics t",
    "rpk topic delete payments", "rpk topic delete -r '.*'", "rpk group seek g --to start", "rpk group delete g",
    "migrate -path ./migrations -database \"$DATABASE_URL\" drop -f",
    "migrate -path=./migrations -database x down -all", "migrate -source file://m -database x force 3",
    "az vm run-command invoke -g rg -n web01 --command-id RunShellScript --scripts 'rm -rf /var/www/data'",
    "az vm run-command invoke -g rg -n web01 --command-id RunShellScript --scripts 'echo hi' 'rm -rf /var/www/data'",
    "az vm run-command invoke -g rg -n web01 --command-id RunShellScript --scripts=\"rm -rf /srv\"",
    "az vm run-command invoke -g rg -n web01 --command-id RunShellScript --scripts @cleanup.sh",
    "az vm run-command create -g rg --vm-name web01 --name c1 --script 'rm -rf /var/www/data'",
    "az vm run-command create -g rg --vm-name web01 --name c1 --script-uri https://x.blob.core.windows.net/s/x.sh",
    "gcloud compute ssh web01 --zone us-east1-b --command 'rm -rf /var/www/data'",
    "gcloud compute ssh web01 --command='rm -rf /var/www/data'",
    "gcloud compute tpus tpu-vm ssh tpu1 --zone z --command 'rm -rf ~/data'",
    "aws ssm send-command --document-name AWS-RunShellScript --targets Key=instanceids,Values=i-1 "
    "--parameters 'commands=[\"rm -rf /var/www/data\"]'",
    "php artisan tinker --execute=\"App\\Models\\Invoice::query()->delete();\"",
    "php artisan tinker --execute='DB::table(\"users\")->truncate();'",
    "php artisan tinker --execute 'Schema::dropIfExists(\"users\");'",
    "php artisan tinker --execute='$u = App\\Models\\User::find(1); $u->delete();'",
    "php artisan tinker --execute='system(\"rm -rf /srv/data\");'",
    "php artisan tinker --execute='DB::statement(\"DROP TABLE invoices\")'",
    "echo 'App\\Models\\Invoice::truncate();' | php artisan tinker",
    "./artisan tinker --execute='Invoice::query()->delete()'", "php artisan tinker scripts/missing.php",
    "php -r 'App\\Models\\Invoice::query()->delete();'",
    "rails runner 'User.delete_all'", "rails runner 'User.where(active: false).destroy_all'",
    "rails r 'User.find(3).destroy'", "bin/rails runner -e production 'Order.update_all(status: 0)'",
    "rails runner 'ActiveRecord::Base.connection.execute(\"TRUNCATE orders\")'", "bin/rails runner lib/missing.rb",
    "echo 'User.delete_all' | bin/rails c", "rails runner \"$CODE\"",
    "python manage.py shell -c 'from app.models import User; User.objects.all().delete()'",
    "echo 'DROP TABLE x' | python manage.py dbshell", "python manage.py dbshell < dump.sql",
    "echo 'DROP TABLE x' | rails dbconsole", "python manage.py sqlflush | python manage.py dbshell",
    "python manage.py sqlflush | psql",
])
def test_blind2_destructive_classes_are_stopped(command: str) -> None:
    assert _decision(command) != "allow", command


@pytest.mark.parametrize("command", [
    "kafka-topics --bootstrap-server kafka:9092 --list", "kafka-topics.sh --bootstrap-server k:9092 --describe --topic x",
    "kafka-topics.sh --bootstrap-server k:9092 --create --topic x --partitions 3",
    "kafka-consumer-groups --bootstrap-server k:9092 --reset-offsets --to-earliest --group g1 --dry-run",
    "kafka-consumer-groups --bootstrap-server k:9092 --reset-offsets --to-earliest --group g1",  # a dry run by default
    "kafka-configs --bootstrap-server k:9092 --alter --entity-type topics --entity-name t --add-config max.message.bytes=2",
    "rpk topic list", "rpk group describe g",
    "migrate -path ./migrations -database \"$DATABASE_URL\" up", "migrate -path ./migrations -database x version",
    "az vm run-command invoke -g rg -n web01 --command-id RunShellScript --scripts 'uptime'",
    "az vm run-command list -g rg --vm-name web01", "gcloud compute ssh web01 --zone z --command='uptime'",
    "gcloud compute ssh web01",
    "php artisan tinker --execute='echo 1;'", "php artisan tinker --execute='App\\Models\\User::where(\"id\", 3)->first()->name;'",
    "bin/rails runner 'puts User.count'", "rails r 'h = {a: 1}; h.delete(:a); puts h'", "ruby -e 'puts [1,2,3].delete(2)'",
    "echo 'SELECT 1' | python manage.py dbshell", "python manage.py sqlflush",
])
def test_blind2_everyday_look_alikes_are_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- a file read and truncated by the same pipeline ------------------------------------------------
@pytest.mark.parametrize("command", [
    "jq 'del(.users)' db.json > db.json", "jq 'del(.users)' ./db.json > db.json", "sort data.txt > data.txt",
    "cat notes.md | grep -v TODO > notes.md", "sort < names.txt > names.txt", "sed 's/a/b/' config.yml > config.yml",
    "awk '{print $1}' data.csv > data.csv", "uniq --skip-fields=1 data.csv > ./data.csv",
])
def test_reading_a_file_the_pipeline_truncates_asks(command: str) -> None:
    verdict = _verdict(command)
    assert verdict.decision.value != "allow", command
    assert any("before" in r and "reads it" in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize("command", [
    "jq 'del(.users)' db.json > db.new.json", "jq 'del(.users)' db.json | sponge db.json", "sort -o data.txt data.txt",
    "cat notes.md >> notes.md", "echo db.json > db.json", "sort data.txt > /tmp/data.txt",
])
def test_writing_elsewhere_or_in_place_is_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


# ---- clearly expired files --------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "find /var/log/myapp -name '*.log.gz' -mtime +30 -delete", "find ~/Downloads -name '*.dmg' -mtime +90 -delete",
    "find /tmp -type f -mtime +7 -delete", "find /tmp -type f -mmin +2880 -delete",
    "find /var/tmp -mtime +3 -exec rm -f {} +",
    "find \"$TMPDIR\" -mtime +1 -delete",
    "Get-ChildItem $env:TEMP -Recurse | Where-Object LastWriteTime -lt (Get-Date).AddDays(-7) | Remove-Item -Recurse -Force",
])
def test_expired_files_in_short_lived_folders_are_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


def test_a_relative_log_folder_is_an_expired_cleanup_only_where_it_can_be_seen(tmp_path) -> None:
    """`find ./logs -mtime +14 -delete` names a folder of the working directory: with one it is the
    routine cleanup; with none (a batch line, an MCP call without context) nothing can be looked at
    or counted, and a bounded cleanup that cannot be measured is asked."""
    command = "find ./logs -name '*.log' -mtime +14 -exec rm {} \\;"
    (tmp_path / "logs").mkdir()
    assert _decision(command, cwd=str(tmp_path), read_files=True) == "allow"
    assert _decision(command) == "ask"


@pytest.mark.parametrize("command", [
    "find /tmp -type f -mtime -7 -delete", "find /tmp -type f -mtime +0 -delete", "find /tmp -type f -mmin +5 -delete",
    "find /tmp -type f -mtime 3 -delete", "find ~ -mtime +30 -delete", "find . -mtime +30 -delete",
    "find /var/log -mtime +30 -delete", "find /var/lib/postgresql -mtime +30 -delete",
    "find ~/Downloads -name '*.pem' -mtime +30 -delete", "find ~/Downloads -name '*.sqlite3' -mtime +30 -delete",
    "find /tmp -mtime +7 -o -name x -delete", "find /tmp ! -mtime +7 -delete", "find /tmp -not -mtime -7 -delete",
    "find -L /tmp -mtime +7 -delete", "find -H ~/Downloads -mtime +7 -delete", "find /tmp/../home/u -mtime +7 -delete",
    "find /var/log/../lib/mysql -mtime +7 -delete", "find /tmp /var/lib/mysql -mtime +7 -delete",
    "find /tmp -mtime +7 -exec rm -rf /srv/data {} +", "find /tmp -mtime +7 -exec sh -c 'rm -rf /srv' \\;",
    "find /tmp -mtime +7 -newer x -delete", "find logs/../data -mtime +7 -delete",
    "find ~/Downloads/../Documents -mtime +7 -delete", "find /tmp -mtime +7 -delete; rm -rf ~/work",
    "find ~/.cache -type f -atime +30 -delete",  # access time is not age
    "Get-ChildItem $env:TEMP -Recurse | Where-Object LastWriteTime -lt (Get-Date).AddHours(-1) | Remove-Item -Force",
])
def test_cleanups_that_are_not_clearly_expired_ask(command: str) -> None:
    assert _decision(command) != "allow", command


def test_a_bin_beside_obj_that_links_to_data_asks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "customers.csv").write_text("id\n1\n")
    (tmp_path / "obj").mkdir()
    (tmp_path / "bin").symlink_to(tmp_path / "records")
    assert _decision("rm -rf bin obj", str(tmp_path), read_files=True) == "ask"


# ---- dry runs, regenerable output, unused images ------------------------------------------------------
DRY_RUNS_AND_OUTPUT = [
    "mkfs.ext4 -n /dev/sdb1", "mke2fs -n /dev/sdb1", "mkfs.ext4 -Fn /dev/sdb1", "mkfs.xfs -N /dev/sdb1",
    "mkfs.ntfs --no-action /dev/sdb1",
    "bq query --dry_run --use_legacy_sql=false 'DELETE FROM ds.events WHERE TRUE'",
    "bq --dry_run query 'DELETE FROM ds.events WHERE TRUE'",
    "rm -rf public/build storage/framework/cache/data/*", "rm -rf storage/framework/views/*", "rm -rf bootstrap/cache/*.php",
    "Remove-Item -Recurse -Force .\\bin, .\\obj", "rm -rf bin obj", "rm -rf ./bin ./obj", "rm -rf src/App/bin src/App/obj",
    "docker rmi myapp:dev", "docker image rm myapp:dev old:1.2", "podman rmi localhost/myapp:dev",
]
DRY_RUN_AND_OUTPUT_LOOKALIKES = [
    "mkfs.ext4 /dev/sdb1", "mkfs.ext4 -E -n /dev/sdb1", "mkfs.ext4 -L n /dev/sdb1", "mkfs.xfs -n size=4096 /dev/sdb1",
    "mkfs.vfat -n LABEL /dev/sdb1", "mkfs -t ext4 -n /dev/sdb1",
    "bq query --dry_run=false 'DELETE FROM ds.events WHERE TRUE'", "bq query --nodry_run 'DELETE FROM ds.events WHERE TRUE'",
    "bq query --dry_run --dry_run=false 'DELETE FROM ds.events WHERE TRUE'",
    "bq query --dry_run 'SELECT 1'; bq query 'DELETE FROM ds.events WHERE TRUE'", "python manage.py flush",
    "rm -rf storage/framework", "rm -rf storage/framework/sessions", "rm -rf storage/app",
    "rm -rf storage/framework/cache/../../app", "rm -rf storage",
    "rm -rf bin", "rm -rf bin/", "Remove-Item -Recurse -Force .\\bin", "rm -rf bin obj data", "rm -rf src/App/bin obj",
    "rm -rf ~/bin ~/obj", "rm -rf /usr/local/bin obj",
    "docker rmi -f myapp:dev", "docker rmi --force myapp:dev", "docker rmi $(docker images -q)",
    "docker rmi myapp@sha256:abcdef", "docker image rm -f myapp:dev",
]


(test_dry_runs_and_regenerable_output_are_allowed,
 test_their_look_alikes_still_ask_too) = allowed_and_asked(
    DRY_RUNS_AND_OUTPUT, DRY_RUN_AND_OUTPUT_LOOKALIKES, judge=_decision)
