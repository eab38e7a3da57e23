"""Probes by mechanism: what runs a command that does not look like one.

Each table is a mechanism, not a program: a program given no command runs its standard input; a
program runs the command its argument or option names; a program runs what an environment variable
holds. Every destructive spelling asks (or is denied); harmless work through the same mechanism passes.
"""

from __future__ import annotations

from tests.verdicts import allowed_and_asked

# A program given no command runs what it reads: shells, interpreters, schedulers, database and
# file-transfer clients fed a heredoc, a here-string or a pipe.
STDIN_SHELLS = [
    "python3 <<'EOF'\nimport shutil; shutil.rmtree('/srv/app')\nEOF",
    "echo \"import shutil; shutil.rmtree('/srv/app')\" | python3",
    "echo \"import shutil; shutil.rmtree('/srv/app')\" | python3 -",
    "node <<'EOF'\nrequire('fs').rmSync('/srv/app',{recursive:true})\nEOF",
    "perl <<'EOF'\nsystem('rm -rf /srv/app')\nEOF",
    "ruby <<'EOF'\nrequire 'fileutils'; FileUtils.rm_rf('/srv/app')\nEOF",
    "php <<'EOF'\n<?php system('rm -rf /srv/app');\nEOF",
    "bash <<'EOF'\nrm -rf /srv/app\nEOF",
    "sh -s <<'EOF'\nrm -rf /srv/app\nEOF",
    "nohup bash <<'EOF'\nrm -rf /srv/app\nEOF",
    "timeout 10 bash <<'EOF'\nrm -rf /srv/app\nEOF",
    "env bash <<'EOF'\nrm -rf /srv/app\nEOF",
    "nice -n 10 sh <<< 'rm -rf /srv/app'",
    "busybox sh <<< 'rm -rf /srv/app'",
    "chroot /mnt sh <<'EOF'\nrm -rf /srv/app\nEOF",
    "nsenter -t 1 -m -u -n -i sh <<'EOF'\nrm -rf /srv/app\nEOF",
    "docker run -i --rm -v /srv:/srv alpine sh <<'EOF'\nrm -rf /srv/app\nEOF",
    "at now <<'EOF'\nrm -rf /srv/app\nEOF",
    "batch <<'EOF'\nrm -rf /srv/app\nEOF",
    "pwsh -Command - <<'EOF'\nRemove-Item -Recurse -Force /srv/app\nEOF",
    "pwsh -NoProfile <<'EOF'\nRemove-Item -Recurse -Force /srv/app\nEOF",
    "psql <<'EOF'\nDROP TABLE orders;\nEOF",
    "mysql shop <<< 'DROP TABLE orders'",
    "sqlite3 app.db <<< 'DROP TABLE orders'",
    "redis-cli <<< 'FLUSHALL'",
    "mongosh <<< 'db.dropDatabase()'",
    "lua <<'EOF'\nos.execute('rm -rf /srv/app')\nEOF",
    "Rscript - <<'EOF'\nunlink('/srv/app', recursive=TRUE)\nEOF",
    "R --no-save <<'EOF'\nunlink('/srv/app', recursive=TRUE)\nEOF",
    "julia <<'EOF'\nrm(\"/srv/app\", recursive=true)\nEOF",
    "tclsh <<'EOF'\nfile delete -force /srv/app\nEOF",
    "awk -f - /dev/null <<'EOF'\nBEGIN { system(\"rm -rf /srv/app\") }\nEOF",
    "jshell <<'EOF'\nnew ProcessBuilder(\"rm\",\"-rf\",\"/srv/app\").start();\nEOF",
    "gdb -batch -x /dev/stdin <<'EOF'\nshell rm -rf /srv/app\nEOF",
    "expect <<'EOF'\nspawn rm -rf /srv/app\nEOF",
    "osascript <<'EOF'\ndo shell script \"rm -rf /srv/app\"\nEOF",
    "zsh <<< 'rm -rf /srv/app'",
    "fish <<< 'rm -rf /srv/app'",
    "xonsh <<< 'rm -rf /srv/app'",
    "script -q /dev/null bash <<< 'rm -rf /srv/app'",
    "sudo -u deploy bash <<'EOF'\nrm -rf /srv/app\nEOF",
    "su deploy <<'EOF'\nrm -rf /srv/app\nEOF",
    "machinectl shell root@ <<< 'rm -rf /srv/app'",
    "systemd-run --pty bash <<< 'rm -rf /srv/app'",
    "kubectl debug node/n1 -it --image=busybox -- sh <<< 'rm -rf /host/srv/app'",
    "tmux new -d 'bash' && tmux send-keys 'rm -rf /srv/app' Enter",
    "ftp -n host <<'EOF'\ndelete important.db\nEOF",
    "sftp host <<'EOF'\nrm /srv/app/data.db\nEOF",
    "lftp -c 'open host; rm -r /srv/app'",
    "smbclient //nas/share <<'EOF'\ndeltree projects\nEOF",
    "ssh deploy@prod <<'EOF'\nrm -rf ~/data\nEOF",
]
STDIN_SHELLS_SAFE = [
    "bash <<'EOF'\nls -la /srv/app\nEOF",
    "python3 <<'EOF'\nprint(sum(range(10)))\nEOF",
    "psql <<'EOF'\nSELECT count(*) FROM orders;\nEOF",
    "sqlite3 app.db <<< 'SELECT 1'",
    "echo 'print(1)' | python3",
    "ssh deploy@prod <<'EOF'\nuptime\nEOF",
]

# A program runs the command its argument or option names: launchers, tracers, watchers, task
# runners, git's own hooks and editors, finders.
ARGUMENT_RUNNERS = [
    "watch -n 1 'rm -rf /srv/app'",
    "flock /tmp/l -c 'rm -rf /srv/app'",
    "nohup sh -c 'rm -rf /srv/app' &",
    "setsid rm -rf /srv/app",
    "stdbuf -o0 rm -rf /srv/app",
    "chpst -u app rm -rf /srv/app",
    "unbuffer rm -rf /srv/app",
    "faketime '2020-01-01' rm -rf /srv/app",
    "firejail rm -rf /srv/app",
    "proot -S / rm -rf /srv/app",
    "fakeroot rm -rf /srv/app",
    "catchsegv rm -rf /srv/app",
    "valgrind rm -rf /srv/app",
    "strace -f rm -rf /srv/app",
    "ltrace rm -rf /srv/app",
    "perf stat rm -rf /srv/app",
    "hyperfine 'rm -rf /srv/app'",
    "entr -r rm -rf /srv/app <<< x",
    "inotifywait -m . | while read f; do rm -rf /srv/app; done",
    "make -f /dev/stdin <<< $'all:\\n\\trm -rf /srv/app'",
    "just --justfile /dev/stdin <<< $'x:\\n  rm -rf /srv/app' x",
    "sqlite3 :memory: \".shell rm -rf /srv/app\"",
    "git -c core.editor='rm -rf /srv/app' commit",
    "npm exec --call 'rm -rf /srv/app'",
    "npx -c 'rm -rf /srv/app'",
    "yarn exec rm -rf /srv/app",
    "bundle exec rm -rf /srv/app",
    "poetry run rm -rf /srv/app",
    "uv run rm -rf /srv/app",
    "pipenv run rm -rf /srv/app",
    "conda run -n base rm -rf /srv/app",
    "direnv exec . rm -rf /srv/app",
    "dotenv -- rm -rf /srv/app",
    "doppler run -- rm -rf /srv/app",
    "op run -- rm -rf /srv/app",
    "aws-vault exec prod -- rm -rf /srv/app",
    "infisical run -- rm -rf /srv/app",
    "sops exec-env secrets.yaml 'rm -rf /srv/app'",
    "tsx -e \"require('fs').rmSync('/srv/app',{recursive:true})\"",
    "ts-node -e \"require('fs').rmSync('/srv/app',{recursive:true})\"",
    "bun -e \"require('fs').rmSync('/srv/app',{recursive:true})\"",
    "deno eval \"Deno.removeSync('/srv/app',{recursive:true})\"",
    "awk 'BEGIN{system(\"rm -rf /srv/app\")}'",
    "find . -maxdepth 0 -exec sh -c 'rm -rf /srv/app' \\;",
    "git submodule foreach 'rm -rf /srv/app'",
    "git bisect run sh -c 'rm -rf /srv/app'",
    "git rebase -x 'rm -rf /srv/app' HEAD~1",
    "cargo watch -x 'run' -s 'rm -rf /srv/app'",
    "nodemon --exec 'rm -rf /srv/app'",
    "parallel ::: 'rm -rf /srv/app'",
    "env -S 'rm -rf /srv/app'",
    "time rm -rf /srv/app",
    "exec rm -rf /srv/app",
    "command rm -rf /srv/app",
    "builtin eval 'rm -rf /srv/app'",
    "trap 'rm -rf /srv/app' EXIT",
]
ARGUMENT_RUNNERS_SAFE = [
    "watch -n 1 'ls /srv/app'",
    "strace -f ls /srv/app",
    "nodemon --exec 'python app.py'",
    "git rebase -x 'make test' HEAD~3",
    "git submodule foreach 'git status'",
    "find . -name '*.py' -exec grep -l TODO {} \\;",
    "timeout 10 pytest -q",
    "poetry run pytest",
    "parallel gzip ::: a.log b.log",
]

# A program runs what an environment variable holds (CODE_VARIABLES and its families).
CODE_VARIABLES = [
    "GIT_EDITOR='rm -rf /srv/app' git commit",
    "EDITOR='rm -rf /srv/app' crontab -e",
    "PAGER='sh -c \"rm -rf /srv/app\"' git log",
    "LESSOPEN='|rm -rf /srv/app %s' less x",
    "BROWSER='rm -rf /srv/app' xdg-open x",
    "PROMPT_COMMAND='rm -rf /srv/app' bash -i",
    "BASH_ENV=<(echo 'rm -rf /srv/app') bash -c true",
    "ENV=/tmp/x sh -c true",
]
CODE_VARIABLES_SAFE = [
    "GIT_EDITOR=vim git commit",
    "PAGER=less git log",
    "EDITOR=nano crontab -l",
]

test_stdin_shells_safe, test_stdin_shells_asked = allowed_and_asked(STDIN_SHELLS_SAFE, STDIN_SHELLS)
test_argument_runners_safe, test_argument_runners_asked = allowed_and_asked(ARGUMENT_RUNNERS_SAFE, ARGUMENT_RUNNERS)
test_code_variables_safe, test_code_variables_asked = allowed_and_asked(CODE_VARIABLES_SAFE, CODE_VARIABLES)
