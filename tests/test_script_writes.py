"""A new script written by a shell line is data until a command runs it.

`cat > scripts/x.sh <<'EOF' ... EOF` makes a file that runs only when a command names it
(`bash scripts/x.sh`, `./x.sh`, `. x.sh`), and that command is judged with the script read then,
on the same line too. Files that run by themselves (shell startup files, git hooks, cron's
folders, boot scripts) and changes to a script that is already there are still judged by what
they will run (rules/later.toml, `when_named`). Package scripts set from the command line
(`npm pkg set scripts.X=...`) run later too: their command is judged when it is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from verdicts import allowed_and_asked

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()

BODY = "#!/usr/bin/env bash\nset -euo pipefail\nzfs list -H -t snapshot -o name | xargs -n1 zfs destroy\n"
RM = "#!/bin/sh\nrm -rf /var/lib/postgresql/data\n"


def _decide(command: str, cwd: Path | None = None) -> str:
    context = {"cwd": str(cwd)} if cwd is not None else None
    return check(command, "shell", context=context, policy=POLICY, read_files=cwd is not None,
                 probe=False).decision.value


NEW_SCRIPTS = [
    f"mkdir -p scripts && cat > scripts/cleanup-snapshots.sh <<'EOF'\n{BODY}EOF\nchmod +x scripts/cleanup-snapshots.sh",
    f"cat <<'EOF' > scripts/wipe.bash\n{RM}EOF",
    f"tee scripts/wipe.sh <<'EOF'\n{RM}EOF",
    f"tee scripts/wipe.sh > /dev/null <<'EOF'\n{RM}EOF",
    "printf '#!/bin/sh\\nrm -rf /var/lib/postgresql/data\\n' > tools/wipe",
    f"cat > tools/reset-db <<'EOF'\n{RM}EOF\nchmod 755 tools/reset-db && git add tools/reset-db",
]


@pytest.mark.parametrize("command", NEW_SCRIPTS)
def test_a_new_script_that_nothing_runs_is_data(command: str, tmp_path: Path) -> None:
    assert _decide(command) == "allow", command
    assert _decide(command, tmp_path) == "allow", command


RUN_OR_RUN_BY_ITSELF = [
    # the same line runs it
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nbash x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nchmod +x x.sh && ./x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\n. x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nsource ./x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nsudo sh x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nnohup ./x.sh &",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nsh < x.sh",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\ncat x.sh | bash",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nat -f x.sh now",
    f"cat > x.sh <<'EOF'\n{BODY}EOF\nwatch -n 60 ./x.sh",
    f"tee x.sh <<'EOF'\n{RM}EOF\nbash x.sh",
    f"tee x.sh <<'EOF' && sh x.sh\n{RM}EOF",
    "printf '#!/bin/sh\\nrm -rf /var/lib/postgresql/data\\n' > run.sh; chmod +x run.sh; ./run.sh",
    f"cat <<'EOF' | sh\n{BODY}EOF",
    f"bash <<'EOF'\n{RM}EOF",
    # put where something runs it by itself
    f"cat > x.sh <<'EOF'\n{RM}EOF\nmv x.sh .git/hooks/pre-commit",
    f"cat > x.sh <<'EOF'\n{RM}EOF\ncp x.sh ~/.bashrc",
    f"cat > x.sh <<'EOF'\n{RM}EOF\nsudo install -m 755 x.sh /etc/cron.daily/cleanup",
    f"cat > x.sh <<'EOF'\n{RM}EOF\necho '. ~/x.sh' >> ~/.bashrc",
    # files that run by themselves
    f"cat > ~/.bashrc <<'EOF'\n{RM}EOF",
    f"cat >> ~/.zshrc <<'EOF'\n{RM}EOF",
    f"cat > .git/hooks/pre-commit <<'EOF'\n{RM}EOF",
    f"cat > .husky/pre-push <<'EOF'\n{RM}EOF",
    f"cat > .githooks/pre-commit.sh <<'EOF'\n{RM}EOF",
    f"sudo tee /etc/cron.daily/cleanup <<'EOF'\n{RM}EOF",
    f"sudo tee /etc/profile.d/cleanup.sh <<'EOF'\n{RM}EOF",
    f"sudo tee /etc/rc.local <<'EOF'\n{RM}EOF",
    "cat > .github/workflows/wipe.yml <<'EOF'\non: push\njobs:\n  w:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: rm -rf /var/lib/postgresql/data\nEOF",
    # text added to a script that is there: its runners run it
    "echo 'rm -rf /var/lib/postgresql/data' >> scripts/deploy.sh",
    f"tee -a scripts/deploy.sh <<'EOF'\n{RM}EOF",
]


@pytest.mark.parametrize("command", RUN_OR_RUN_BY_ITSELF)
def test_a_script_that_runs_is_code(command: str) -> None:
    assert _decide(command) != "allow", command


@pytest.mark.parametrize("spelling", ["cat > scripts/deploy.sh <<'EOF'\n{}EOF", "tee scripts/deploy.sh <<'EOF'\n{}EOF",
                                      "printf '{}' > scripts/deploy.sh"])
def test_a_script_already_here_is_judged_by_what_the_write_adds(spelling: str, tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/deploy.sh").write_text("#!/bin/sh\necho deploying\n")
    body = RM if not spelling.startswith("printf") else RM.replace("\n", "\\n")
    assert _decide(spelling.format(body), tmp_path) != "allow"
    harmless = "#!/bin/sh\necho deploying\necho done\n"
    harmless = harmless if not spelling.startswith("printf") else harmless.replace("\n", "\\n")
    assert _decide(spelling.format(harmless), tmp_path) == "allow"


# Package scripts set from the command line run later (npm run NAME; prepare/postinstall on install):
# their command is judged when it is set.
PKG_SCRIPTS_ASKED = [
    "npm pkg set scripts.prepare=\"rm -rf ~/.npmrc ~/.ssh\" && npm install",
    "npm pkg set scripts.lint=\"git push --force origin HEAD:main\" && npm run lint",
    "npm pkg set scripts.lint=\"git push --force origin HEAD:main\"",
    "npm pkg set 'scripts.postinstall=rm -rf ~/work'",
    "npm pkg set scripts.x=\"$CMD\" && npm run x",
    "npm pkg set scripts.x=\"$(curl -s https://example.com/s)\"",
    "npm pkg set scripts='{\"prepare\":\"rm -rf ~/x\"}' --json",
    "npm pkg set scripts.prepare='\"rm -rf ~/x\"' --json",
    "npm set-script prepare \"rm -rf ~/x\"",
    "pnpm pkg set scripts.prepare=\"rm -rf ~/x\"",
    "bun pm pkg set scripts.prepare=\"rm -rf ~/x\"",
    "npm --prefix web pkg set scripts.prepare=\"rm -rf ~/x\"",
    "npm pkg set scripts.lint=\"eslint .\" scripts.preinstall=\"dropdb app\"",
]
PKG_SCRIPTS_SAFE = [
    "npm pkg set scripts.test=\"vitest run\" && npm test",
    "npm pkg set scripts.lint=\"eslint .\" scripts.build=\"tsc -p .\"",
    "npm pkg set name=foo version=1.2.3",
    "npm pkg get scripts",
    "npm pkg set scripts.clean=\"rm -rf dist\"",
]


test_package_scripts_set_safe, test_package_scripts_set_are_judged = allowed_and_asked(
    PKG_SCRIPTS_SAFE, PKG_SCRIPTS_ASKED)
