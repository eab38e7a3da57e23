"""Disguise matrix: every base destructive action through every wrapper, inner shell, pipe into a
shell, encoding, same-line script, interpreter, remote hop and quoting form; none may be allowed.

A class of disguise is one transform here, applied to every base action, so a fix for one
spelling of one command cannot pass: the class must be closed. Payloads live only in these
strings; nothing here runs them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()

BASES = [
    "rm -rf ~/data",
    "git push --force origin main",
    "psql -h db.prod -c 'DROP TABLE users'",
    "kubectl delete namespace prod",
    "aws s3 rb s3://prod-bucket --force",
    "terraform destroy -auto-approve",
    "dd if=/dev/zero of=/dev/sda bs=1M",
    "curl -X DELETE https://api.github.com/repos/acme/app -H 'Authorization: token x'",
    "git reset --hard HEAD~3",
    "docker volume rm pgdata",
    "shred -u ~/.ssh/id_ed25519",
    "redis-cli -h cache.prod FLUSHALL",
]

def sq(s: str) -> str:  # single-quoted for the shell
    return "'" + s.replace("'", "'\\''") + "'"

def dq(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'

def hexesc(s): return "".join(f"\\x{ord(c):02x}" for c in s)
def octesc(s): return "".join(f"\\{ord(c):03o}" for c in s)
def b64(s): return base64.b64encode(s.encode()).decode()
def b32(s): return base64.b32encode(s.encode()).decode()
def head(s): return s.split(" ", 1)
def pyrepr(s): return repr(s)
def rest(c: str) -> str:
    return head(c)[1] if len(head(c)) > 1 else ""
def jsq(s): return json.dumps(s)

T = {
 "sudo": lambda c: f"sudo {c}",
 "sudo -u root -E": lambda c: f"sudo -u root -E {c}",
 "sudo -s": lambda c: f"sudo -s {c}",
 "sudo sh -c": lambda c: f"sudo sh -c {sq(c)}",
 "doas": lambda c: f"doas {c}",
 "env": lambda c: f"env {c}",
 "env -i": lambda c: f"env -i PATH=/usr/bin:/bin {c}",
 "env VAR": lambda c: f"env FOO=1 BAR=2 {c}",
 "VAR= prefix": lambda c: f"FOO=1 {c}",
 "nice": lambda c: f"nice -n 19 {c}",
 "ionice": lambda c: f"ionice -c3 {c}",
 "timeout": lambda c: f"timeout 30 {c}",
 "timeout -s": lambda c: f"timeout -s KILL 30s {c}",
 "nohup": lambda c: f"nohup {c} &",
 "setsid": lambda c: f"setsid {c}",
 "stdbuf": lambda c: f"stdbuf -oL {c}",
 "time": lambda c: f"time {c}",
 "command": lambda c: f"command {c}",
 "builtin exec": lambda c: f"exec {c}",
 "exec -a": lambda c: f"exec -a foo {c}",
 "flock": lambda c: f"flock /tmp/x.lock {c}",
 "chronic": lambda c: f"chronic {c}",
 "unbuffer": lambda c: f"unbuffer {c}",
 "script -c": lambda c: f"script -qc {sq(c)} /dev/null",
 "watch": lambda c: f"watch -n 60 {sq(c)}",
 "xargs": lambda c: f"echo {rest(c)} | xargs {head(c)[0]}",
 "xargs -I": lambda c: f"echo x | xargs -I{{}} {c}",
 "xargs sh -c": lambda c: f"echo {sq(c)} | xargs -0 sh -c",
 "parallel": lambda c: f"parallel ::: {sq(c)}",
 "find -exec": lambda c: f"find . -maxdepth 0 -exec {c} \\;",
 "find -exec sh": lambda c: f"find . -maxdepth 0 -exec sh -c {sq(c)} \\;",
 "sh -c": lambda c: f"sh -c {sq(c)}",
 "bash -c": lambda c: f"bash -c {sq(c)}",
 "bash -lc dq": lambda c: f"bash -lc {dq(c)}",
 "zsh -c": lambda c: f"zsh -c {sq(c)}",
 "dash -c": lambda c: f"dash -c {sq(c)}",
 "busybox sh": lambda c: f"busybox sh -c {sq(c)}",
 "eval": lambda c: f"eval {sq(c)}",
 "eval dq": lambda c: f"eval {dq(c)}",
 "eval split": lambda c: f"a={sq(c[:3])}; b={sq(c[3:])}; eval \"$a$b\"",
 "var cmd": lambda c: f"x={head(c)[0]}; $x {rest(c)}",
 "var cmd braces": lambda c: f"x={head(c)[0]}; ${{x}} {rest(c)}",
 # word splitting keeps quotes literal: only a command without inner quotes means the same in $CMD
 "whole in var": lambda c: f"CMD={sq(c)}; $CMD" if "'" not in c else f"CMD={sq(c)}; eval \"$CMD\"",
 "whole in var eval": lambda c: f"CMD={sq(c)}; eval $CMD",
 "split name": lambda c: f"{head(c)[0][:1]}''{head(c)[0][1:]} {rest(c)}",
 "dq name": lambda c: f"\"{head(c)[0]}\" {rest(c)}",
 "backslash name": lambda c: f"\\{head(c)[0]} {rest(c)}",
 "backslash mid": lambda c: f"{head(c)[0][:1]}\\{head(c)[0][1:]} {rest(c)}",
 "ansi-c name": lambda c: f"$'{hexesc(head(c)[0])}' {rest(c)}",
 "ansi-c whole": lambda c: f"bash -c $'{hexesc(c)}'",
 "IFS": lambda c: c.replace(" ", "${IFS}"),
 "line continuation": lambda c: c.replace(" ", " \\\n", 1),
 "word continuation": lambda c: c[:2] + "\\\n" + c[2:],
 "abs path": lambda c: f"/usr/bin/env {c}",
 "busybox": lambda c: f"busybox {c}",
 "subshell": lambda c: f"( {c} )",
 "group": lambda c: f"{{ {c}; }}",
 "if": lambda c: f"if true; then {c}; fi",
 "for": lambda c: f"for i in 1; do {c}; done",
 "while once": lambda c: f"while true; do {c}; break; done",
 "case": lambda c: f"case x in x) {c};; esac",
 "function": lambda c: f"f() {{ {c}; }}; f",
 "function keyword": lambda c: f"function go {{ {c}; }}; go",
 "alias": lambda c: f"shopt -s expand_aliases; alias ll={sq(c)}; ll",
 "and": lambda c: f"true && {c}",
 "or": lambda c: f"false || {c}",
 "not": lambda c: f"! {c}",
 "bg": lambda c: f"{c} &",
 "cmd subst": lambda c: f"echo $({c})",
 "backticks": lambda c: f"echo `{c}`",
 "proc subst": lambda c: f"cat <({c})",
 "arith": lambda c: f"echo $(( $({c}) + 1 ))",
 "in test": lambda c: f"[ -n \"$({c})\" ]",
 "pipe sh": lambda c: f"echo {sq(c)} | sh",
 "pipe bash -s": lambda c: f"echo {sq(c)} | bash -s",
 "printf pipe": lambda c: f"printf '%s\\n' {sq(c)} | bash",
 "printf hex pipe": lambda c: f"printf '{hexesc(c)}' | sh",
 "printf oct pipe": lambda c: f"printf '{octesc(c)}' | sh",
 "echo -e hex pipe": lambda c: f"echo -e '{hexesc(c)}' | sh",
 "printf hex subst name": lambda c: f"$(printf '{hexesc(head(c)[0])}') {rest(c)}",
 "base64 pipe": lambda c: f"echo {b64(c)} | base64 -d | sh",
 "base64 --decode bash": lambda c: f"echo {b64(c)} | base64 --decode | bash",
 "base64 subst eval": lambda c: f"eval \"$(echo {b64(c)} | base64 -d)\"",
 "base64 herestring": lambda c: f"bash <<< \"$(base64 -d <<< {b64(c)})\"",
 "base32": lambda c: f"echo {b32(c)} | base32 -d | sh",
 "rev": lambda c: f"echo {sq(c[::-1])} | rev | sh",
 "tr rot13": lambda c: f"echo {sq(c.translate(str.maketrans('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ','nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM')))} | tr 'A-Za-z' 'N-ZA-Mn-za-m' | sh",
 "xxd": lambda c: f"echo {c.encode().hex()} | xxd -r -p | sh",
 "heredoc sh": lambda c: f"sh <<'EOF'\n{c}\nEOF",
 "heredoc bash unquoted": lambda c: f"bash <<EOF\n{c}\nEOF",
 "herestring": lambda c: f"bash <<< {sq(c)}",
 "source procsubst": lambda c: f"source <(echo {sq(c)})",
 "dot procsubst": lambda c: f". <(echo {sq(c)})",
 "same-line script": lambda c: f"echo {sq(c)} > /tmp/s.sh && bash /tmp/s.sh",
 "same-line chmod": lambda c: f"printf '%s\\n' {sq(c)} > ./s; chmod +x ./s; ./s",
 "python os.system": lambda c: f"python3 -c {sq('import os; os.system(' + pyrepr(c) + ')')}",
 "python subprocess": lambda c: f"python3 -c {sq('import subprocess; subprocess.run(' + pyrepr(c) + ', shell=True)')}",
 "python exec b64": lambda c: f"python3 -c {sq('import os,base64; os.system(base64.b64decode(' + pyrepr(b64(c)) + ').decode())')}",
 "node execSync": lambda c: f"node -e {sq('require(' + jsq('child_process') + ').execSync(' + jsq(c) + ')')}",
 "ruby system": lambda c: f"ruby -e {sq('system(' + jsq(c) + ')')}",
 "perl system": lambda c: f"perl -e {sq('system(' + jsq(c) + ')')}",
 "php shell_exec": lambda c: f"php -r {sq('shell_exec(' + jsq(c) + ');')}",
 "awk system": lambda c: f"awk {sq('BEGIN { system(' + jsq(c) + ') }')}",
 "ssh": lambda c: f"ssh deploy@prod-1 {sq(c)}",
 "ssh -t": lambda c: f"ssh -t -p 2222 deploy@prod-1 -- {c}",
 "docker exec": lambda c: f"docker exec -it app sh -c {sq(c)}",
 "kubectl exec": lambda c: f"kubectl exec -it deploy/app -- sh -c {sq(c)}",
 "tmux send-keys": lambda c: f"tmux send-keys -t main {sq(c)} Enter",
 "at now": lambda c: f"echo {sq(c)} | at now",
 "crontab": lambda c: f"echo {sq('* * * * * ' + c)} | crontab -",
 "git alias": lambda c: f"git -c alias.x={sq('!' + c)} x",
 "vim -c": lambda c: f"vim -c {sq(':!' + c)} -c ':q!'",
 "make -f stdin": lambda c: f"printf 'all:\\n\\t%s\\n' {sq(c)} | make -f -",
 "npm exec": lambda c: f"npx -y --package=shx -- sh -c {sq(c)}",
 "trailing comment": lambda c: f"{c} # harmless cleanup",
 "leading cd": lambda c: f"cd /tmp && {c}",
 "semicolon chain": lambda c: f"echo start; {c}; echo done",
 "redirect": lambda c: f"{c} >/dev/null 2>&1",
 # a first word that makes the line read as PowerShell: bash still runs the rest as bash
 "powershell-looking prefix": lambda c: f"Get-Date; {c}",
 "powershell-looking line": lambda c: f"Write-Host start\n{c}",
 "cmd-looking prefix": lambda c: f"rd /s /q .\\nothing & {c}",
}




# A second set: other targets (databases, package registries, clouds, disks) and other carriers
# (su and runuser forms, process supervisors, tracers, sandboxes, languages read by pattern only,
# PowerShell, parameter expansions, positional parameters, traps, git's command settings).
MORE_BASES = [
    "rm -rf ~/data",
    "mysql -h db.prod -e 'DROP DATABASE shop'",
    "mongosh mongodb://db.prod/app --eval 'db.dropDatabase()'",
    "gh repo delete acme/app --yes",
    "kubectl delete pvc --all -n prod",
    "helm uninstall payments -n prod",
    "gcloud projects delete acme-prod --quiet",
    "az group delete -n prod-rg --yes",
    "mkfs.ext4 /dev/sdb1",
    "npm unpublish acme-lib --force",
    "git branch -D main",
    "find /srv/data -type f -delete",
]
MORE = {
 "sudo --": lambda c: f"sudo -- {c}",
 "sudo -i": lambda c: f"sudo -i {c}",
 "su -c": lambda c: f"su -c {sq(c)} root",
 "su - -c": lambda c: f"su - root -c {sq(c)}",
 "runuser": lambda c: f"runuser -u postgres -- {c}",
 "pkexec": lambda c: f"pkexec {c}",
 "chroot": lambda c: f"chroot / {c}",
 "nsenter": lambda c: f"nsenter -t 1 -m -u -n -i -- {c}",
 "systemd-run": lambda c: f"systemd-run --wait {c}",
 "env -S": lambda c: f"env -S {sq(c)}",
 "strace": lambda c: f"strace -f -o /dev/null {c}",
 "ltrace": lambda c: f"ltrace {c}",
 "valgrind": lambda c: f"valgrind -q {c}",
 "perf stat": lambda c: f"perf stat -- {c}",
 "firejail": lambda c: f"firejail --quiet {c}",
 "fakeroot": lambda c: f"fakeroot {c}",
 "faketime": lambda c: f"faketime '2020-01-01' {c}",
 "torsocks": lambda c: f"torsocks {c}",
 "proxychains": lambda c: f"proxychains4 -q {c}",
 "tsp": lambda c: f"tsp {c}",
 "start-stop-daemon": lambda c: f"start-stop-daemon --start --exec /usr/bin/env -- {c}",
 "gdb -ex shell": lambda c: f"gdb -batch -ex {sq('shell ' + c)}",
 "sed e": lambda c: f"echo x | sed {sq('s/.*/' + c.replace('/', chr(92) + '/') + '/e')}",
 "sed 1e": lambda c: f"sed -n {sq('1e ' + c)} /etc/hostname",
 "find -exec +": lambda c: f"find . -maxdepth 0 -exec sh -c {sq(c)} sh {{}} +",
 "find -execdir": lambda c: f"find . -maxdepth 0 -execdir sh -c {sq(c)} \\;",
 "find -ok": lambda c: f"find . -maxdepth 0 -ok sh -c {sq(c)} \\;",
 "expect": lambda c: f"expect -c {sq('spawn sh -c ' + jsq(c) + '; expect eof')}",
 "python exec": lambda c: f"python3 -c {sq('exec(' + pyrepr('import os; os.system(' + pyrepr(c) + ')') + ')')}",
 "python stdin heredoc": lambda c: f"python3 - <<'EOF'\nimport subprocess\nsubprocess.call({pyrepr(c)}, shell=True)\nEOF",
 "python os.popen": lambda c: f"python3 -c {sq('import os; os.popen(' + pyrepr(c) + ').read()')}",
 "python pty": lambda c: f"python3 -c {sq('import pty; pty.spawn([' + pyrepr('sh') + ', ' + pyrepr('-c') + ', ' + pyrepr(c) + '])')}",
 "python getattr": lambda c: f"python3 -c {sq('import os; getattr(os, ' + pyrepr('sys' + 'tem') + ')(' + pyrepr(c) + ')')}",
 "python __import__": lambda c: f"python3 -c {sq('__import__(' + pyrepr('os') + ').system(' + pyrepr(c) + ')')}",
 "node eval": lambda c: f"node -e {sq('eval(' + jsq('require(' + jsq('child_process') + ').execSync(' + jsq(c) + ')') + ')')}",
 "node spawnSync": lambda c: f"node -e {sq('require(' + jsq('child_process') + ').spawnSync(' + jsq('sh') + ', [' + jsq('-c') + ', ' + jsq(c) + '])')}",
 "deno": lambda c: f"deno eval {sq('new Deno.Command(' + jsq('sh') + ', {args: [' + jsq('-c') + ', ' + jsq(c) + ']}).outputSync()')}",
 "bun": lambda c: f"bun -e {sq('Bun.spawnSync([' + jsq('sh') + ', ' + jsq('-c') + ', ' + jsq(c) + '])')}",
 "ruby backticks": lambda c: f"ruby -e {sq('`' + c + '`')}",
 "ruby exec": lambda c: f"ruby -e {sq('exec(' + jsq(c) + ')')}",
 "perl backticks": lambda c: f"perl -e {sq('`' + c + '`')}",
 "perl qx": lambda c: f"perl -e {sq('qx{' + c + '}')}",
 "php system": lambda c: f"php -r {sq('system(' + jsq(c) + ');')}",
 "php backticks": lambda c: f"php -r {sq('echo `' + c + '`;')}",
 "lua": lambda c: f"lua -e {sq('os.execute(' + jsq(c) + ')')}",
 "Rscript": lambda c: f"Rscript -e {sq('system(' + jsq(c) + ')')}",
 "julia": lambda c: f"julia -e {sq('run(`sh -c ' + jsq(c) + '`)')}",
 "tclsh": lambda c: f"echo {sq('exec sh -c {' + c + '}')} | tclsh",
 "pwsh": lambda c: f"pwsh -c {sq(c)}",
 "ksh -c": lambda c: f"ksh -c {sq(c)}",
 "fish -c": lambda c: f"fish -c {sq(c)}",
 "csh -c": lambda c: f"csh -c {sq(c)}",
 "ash -c": lambda c: f"busybox ash -c {sq(c)}",
 "quoted empty": lambda c: f"{head(c)[0][:1]}\"\"{head(c)[0][1:]} {rest(c)}",
 "dollar dq": lambda c: f"$\"{head(c)[0]}\" {rest(c)}",
 "empty param": lambda c: f"{head(c)[0][:1]}${{EMPTY}}{head(c)[0][1:]} {rest(c)}",
 "substring": lambda c: f"${{PATH:0:0}}{head(c)[0]} {rest(c)}",
 "echo subst name": lambda c: f"$(echo {head(c)[0]}) {rest(c)}",
 "backtick name": lambda c: f"`echo {head(c)[0]}` {rest(c)}",
 "default param": lambda c: f"${{X:-{head(c)[0]}}} {rest(c)}",
 "brace expansion": lambda c: "{" + ",".join(c.split(" ")) + "}" if "'" not in c else c,
 "empty subst": lambda c: f"{head(c)[0]}$() {rest(c)}",
 "set --": lambda c: f"set -- {c}; \"$@\"",
 "array": lambda c: f"a=({c}); \"${{a[@]}}\"",
 "sh -c $1": lambda c: f"sh -c 'eval \"$1\"' _ {sq(c)}",
 "sh -c $0": lambda c: f"bash -c '$0' {sq(c)}" if ' ' not in c else f"sh -c 'eval \"$0\"' {sq(c)}",
 "bash /dev/stdin": lambda c: f"bash /dev/stdin <<< {sq(c)}",
 "sh -s procsubst": lambda c: f"sh -s < <(echo {sq(c)})",
 "printf -v": lambda c: f"printf -v x '%s' {sq(c)}; eval \"$x\"",
 "read herestring": lambda c: f"read -r x <<< {sq(c)}; eval \"$x\"",
 "eval heredoc": lambda c: f"eval \"$(cat <<'EOF'\n{c}\nEOF\n)\"",
 "command eval": lambda c: f"command eval {sq(c)}",
 "builtin eval": lambda c: f"builtin eval {sq(c)}",
 "trap EXIT": lambda c: f"trap {sq(c)} EXIT",
 "trap DEBUG": lambda c: f"trap {sq(c)} DEBUG; true",
 "BASH_ENV": lambda c: f"BASH_ENV=<(echo {sq(c)}) bash -c true",
 "git pager": lambda c: f"git -c core.pager={sq(c)} log -1",
 "git sshCommand": lambda c: f"git -c core.sshCommand={sq(c)} fetch",
 "GIT_SSH_COMMAND": lambda c: f"GIT_SSH_COMMAND={sq(c)} git fetch origin",
 "git editor": lambda c: f"GIT_EDITOR={sq(c + ';:')} git commit --amend",
 "xargs printf0": lambda c: f"printf '%s\\0' {rest(c)} | xargs -0 {head(c)[0]}",
 "double wrap": lambda c: f"sudo bash -c {dq('eval $(echo ' + b64(c) + ' | base64 -d)')}",
 "ssh bash -s": lambda c: f"ssh prod-1 bash -s <<< {sq(c)}",
 "docker run": lambda c: f"docker run --rm -v /:/host alpine sh -c {sq(c)}",
 "podman exec": lambda c: f"podman exec app sh -c {sq(c)}",
 "kubectl run": lambda c: f"kubectl run tmp --rm -i --image=alpine -- sh -c {sq(c)}",
 "watch -x": lambda c: f"watch -x sh -c {sq(c)}",
 "nice bash -c": lambda c: f"nice -n5 bash -c {sq(c)}",
 "time -p": lambda c: f"time -p {c}",
 "exec in subshell": lambda c: f"(exec {c})",
 "coproc": lambda c: f"coproc {c}",
 "pipe from yes": lambda c: f"yes | {c}",
 "function with redirect": lambda c: f"f() {{ {c}; }} > /dev/null; f",
 "here-string to source": lambda c: f"source /dev/stdin <<< {sq(c)}",
 "alias expand": lambda c: f"alias x={sq(c)}\nx",
 "crontab file": lambda c: f"echo {sq('* * * * * ' + c)} > /tmp/c && crontab /tmp/c",
 "systemd unit": lambda c: f"printf '[Service]\\nExecStart=/bin/sh -c \"{c}\"\\n' > /etc/systemd/system/x.service && systemctl start x",
 "nohup sh": lambda c: f"nohup sh -c {sq(c)} > /dev/null 2>&1 &",
 "disown": lambda c: f"{c} & disown",
 "xargs -n1 sh -c": lambda c: f"echo {sq(c)} | xargs -n1 -I% sh -c '%'",
}

# A third set: launchers blastwall has no table for. A program it does not know may run a command
# it is given, wherever that command starts among its words or as one quoted word; and the
# launchers its tables do know, spelled with the options that hand them a command.
UNKNOWN_LAUNCHERS = {
 "unknown after a value": lambda c: f"s6-setuidgid app {c}",
 "unknown after option and values": lambda c: f"lckdo -w 10 /tmp/l {c}",
 "unknown after dashdash": lambda c: f"multipass exec vm1 -- {c}",
 "unknown container": lambda c: f"lxc exec c1 -- {c}",
 "unknown sandbox": lambda c: f"bwrap --bind / / --dev /dev {c}",
 "unknown string": lambda c: f"concurrently {sq(c)}",
 "unknown option string": lambda c: f"nodemon --exec {sq(c)}",
 "unknown glued option string": lambda c: f"cargo-watch --shell={sq(c)}",
 "unknown string after values": lambda c: f"sops exec-env secrets.enc.yaml {sq(c)}",
 "unknown -c string": lambda c: f"vagrant ssh -c {sq(c)}",
 "unknown benchmark": lambda c: f"hyperfine --runs 1 {sq(c)}",
 "unknown ssh launcher": lambda c: f"sshpass -p pw ssh deploy@prod-1 {sq(c)}",
 "taskset -c": lambda c: f"taskset -c 0 {c}",
 "sg -c": lambda c: f"sg docker -c {sq(c)}",
 "entr -s": lambda c: f"ls | entr -s {sq(c)}",
 "git bisect run": lambda c: f"git bisect run {c}",
 "npm exec -c": lambda c: f"npm exec -c {sq(c)}",
 "doppler --command": lambda c: f"doppler run --command {sq(c)}",
 "oc rsh": lambda c: f"oc rsh pod/app {c}",
 "kubectl debug": lambda c: f"kubectl debug node/n1 -it --image=busybox -- chroot /host sh -c {sq(c)}",
 # variables whose value a program runs, set before the command or through a wrapper's assignments
 "GIT_EXTERNAL_DIFF": lambda c: f"GIT_EXTERNAL_DIFF={sq(c + ';:')} git diff",
 "GIT_ASKPASS": lambda c: f"GIT_ASKPASS={sq(c)} git fetch",
 "SSH_ASKPASS": lambda c: f"SSH_ASKPASS={sq(c)} SSH_ASKPASS_REQUIRE=force ssh prod-1 true",
 "LESSOPEN": lambda c: f"LESSOPEN={sq('|' + c)} less README.md",
 "GIT_CONFIG_KEY": lambda c: f"GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.x GIT_CONFIG_VALUE_0={sq('!' + c)} git x",
 "GIT_CONFIG_PARAMETERS": lambda c: f"GIT_CONFIG_PARAMETERS={dq(chr(39) + 'alias.x' + chr(39) + '=' + sq('!' + c))} git x",
 "env GIT_SSH_COMMAND": lambda c: f"env GIT_SSH_COMMAND={sq(c)} git fetch",
 "sudo GIT_EXTERNAL_DIFF": lambda c: f"sudo GIT_EXTERNAL_DIFF={sq(c + ';:')} git diff",
 "env PROMPT_COMMAND": lambda c: f"env PROMPT_COMMAND={sq(c)} bash -i",
 "env LESSOPEN": lambda c: f"env LESSOPEN={sq('|' + c)} less README.md",
 "env BASH_FUNC": lambda c: f"env {sq('BASH_FUNC_f%%=() { ' + c + '; }')} bash -c f",
 # an alias does not expand in a script or `bash -c` (nor when quoted): the name runs as written
 "alias shadowing the name": lambda c: f"alias {head(c)[0]}=true; {c}",
 "alias bypassed by backslash": lambda c: f"alias {head(c)[0]}=true; \\{c}",
 # a shell inside an output process substitution reads what the outer command writes
 "redirect into >(sh)": lambda c: f"echo {sq(c)} > >(sh)",
 "tee >(bash)": lambda c: f"echo {sq(c)} | tee >(bash) >/dev/null",
 "exec > >(sh)": lambda c: f"exec > >(sh); echo {sq(c)}",
}

# A fourth set: PowerShell code inside script blocks, subexpressions and pipelines. Every block is
# code whichever command it is given to (a filter's too), and every command of a pipeline runs.
PS_BASES = ["Remove-VM web01 -Force", "Remove-ADUser -Identity bob", "Remove-Item C:\\data -Recurse -Force"]
POWERSHELL_BLOCKS = {
 "ForEach-Object block": lambda c: f"1..3 | ForEach-Object {{ {c} }}",
 "% block": lambda c: f"Get-Item . | % {{ {c} }}",
 "ForEach-Object -Parallel": lambda c: f"1..3 | ForEach-Object -Parallel {{ {c} }}",
 "ForEach-Object -Process -End": lambda c: f"1..3 | ForEach-Object -Process {{ $_ }} -End {{ {c} }}",
 "Where-Object block": lambda c: f"Get-Item . | Where-Object {{ {c} }}",
 "foreach statement": lambda c: f"pwsh -c {sq('foreach ($x in 1..3) { ' + c + ' }')}",
 "if statement": lambda c: f"pwsh -c {sq('if ($true) { ' + c + ' }')}",
 "switch statement": lambda c: f"pwsh -c {sq('switch ($env:X) { default { ' + c + ' } }')}",
 "try block": lambda c: f"try {{ {c} }} catch {{ Write-Error $_ }}",
 "Invoke-Command -ScriptBlock": lambda c: f"Invoke-Command -ScriptBlock {{ {c} }}",
 "call operator block": lambda c: f"pwsh -c {sq('& { ' + c + ' }')}",
 "dot block": lambda c: f"pwsh -c {sq('. { ' + c + ' }')}",
 "scriptblock Create": lambda c: f"pwsh -c {sq('[scriptblock]::Create(' + sq(c.replace(chr(39), chr(39) * 2)) + ').Invoke()')}",
 "Start-Job": lambda c: f"Start-Job {{ {c} }}",
 "piped to Out-Null": lambda c: f"{c} | Out-Null",
 "subexpression in a string": lambda c: f"Write-Output \"done: $({c})\"",
 "assignment in a block": lambda c: f"Get-Item . | ForEach-Object {{ $r = {c} }}",
 "calculated property": lambda c: f"Get-Item . | Select-Object @{{n='x'; e={{ {c} }}}}",
}

POWERSHELL_BLOCK_LOOK_ALIKES = [
    "Get-VM | ForEach-Object { $_.Name }",
    "Get-ChildItem | Where-Object { $_.Length -gt 100 }",
    "Get-Process | Where-Object { $_.CPU -gt 100 -and $_.Name -like 'node*' } | Select-Object Name",
    "Get-ChildItem *.log | ForEach-Object { $_.FullName.Replace('a', 'b') }",
    "Get-ChildItem | ForEach-Object { Write-Host $_.Name }",
    "Get-VM | Select-Object Name, @{Name='Size'; Expression={ $_.Length / 1MB }}",
    "Write-Output \"VM: $($vm.Name)\"",
    "pwsh -c 'for ($i = 0; $i -lt 3; $i++) { Write-Output $i }'",
    "pwsh -c 'foreach ($f in Get-ChildItem) { Write-Output $f.Name }'",
    "try { Get-Date } catch { Write-Error $_ }",
    "git log --oneline | Select-Object -First 5",
    "1..3 | ForEach-Object -Parallel { Start-Sleep 1; $_ * 2 }",
]


@pytest.mark.parametrize("name", sorted(POWERSHELL_BLOCKS))
def test_no_powershell_block_lets_one_through(name: str) -> None:
    _none_allowed(name, POWERSHELL_BLOCKS[name], BASES + PS_BASES)


@pytest.mark.parametrize("command", POWERSHELL_BLOCK_LOOK_ALIKES)
def test_everyday_powershell_blocks_stay_allowed(command: str) -> None:
    assert _decision(command) == "allow", command


def _decision(command: str) -> str:
    return check(command, policy=POLICY, read_files=False, probe=False).decision.value


@pytest.mark.parametrize("base", BASES + MORE_BASES)
def test_every_base_action_is_stopped_as_it_is(base: str) -> None:
    assert _decision(base) != "allow", base


@pytest.mark.parametrize("name", sorted(T))
def test_no_disguise_lets_a_destructive_action_through(name: str) -> None:
    _none_allowed(name, T[name], BASES)


@pytest.mark.parametrize("name", sorted(MORE))
def test_no_disguise_of_the_second_set_lets_one_through(name: str) -> None:
    _none_allowed(name, MORE[name], MORE_BASES)


@pytest.mark.parametrize("name", sorted(UNKNOWN_LAUNCHERS))
def test_no_launcher_without_a_table_lets_one_through(name: str) -> None:
    _none_allowed(name, UNKNOWN_LAUNCHERS[name], BASES)


def _none_allowed(name: str, transform: Callable[[str], str], bases: list[str]) -> None:
    allowed = [cmd for cmd in map(transform, bases) if _decision(cmd) == "allow"]
    assert not allowed, f"{name}: {len(allowed)} of {len(bases)} allowed, e.g. {allowed[0]!r}"


SAFE_LOOK_ALIKES = [
    "parallel echo ::: a b c",
    "parallel gzip ::: *.log",
    "parallel -j4 pytest {} ::: tests/a.py tests/b.py",
    "ls | parallel wc -l",
    "parallel ::: 'echo hi' 'ls -la'",
    "printf '%s\\n' 'hello' | cat",
    "echo -e 'a\\tb' | column -t",
    "echo 'ls -la' | sh",
    "sudo apt-get install -y jq",
    "timeout 30 pytest -q",
    "su - deploy",
    "watch -n 5 kubectl get pods",
    "watch -x kubectl get pods",
    "kubectl run nginx --image=nginx",
    "start-stop-daemon --start --exec /usr/sbin/nginx",
    "pwsh -c 'Get-ChildItem | Where-Object { $_.Length -gt 1kb }'",
    "pwsh -NoProfile -c 'dotnet test'",
    "lua -e 'print(1+1)'",
    "Rscript -e 'summary(cars)'",
    "julia -e 'println(2)'",
    # launchers without a table, running everyday commands; linters and dry runs run nothing
    "s6-setuidgid app npm start",
    "concurrently 'npm:watch' 'npm run serve'",
    "nodemon --exec 'python app.py'",
    "hyperfine --warmup 3 'ls -la' 'fd -e py'",
    "lxc exec c1 -- ls /srv",
    "shellcheck -s bash - <<< 'rm -rf \"$DIR\"/'",
    "s5cmd --dry-run rm 's3://bucket/logs/*'",
    "taskset -c 0 pytest -q",
    "sg docker -c 'docker ps'",
    "ls | entr -s 'make test'",
    "git bisect run pytest -q tests/test_x.py",
    "npm exec -c 'eslint .'",
    "doppler run --command 'npm start'",
    "oc rsh pod/app ls",
    "kubectl debug -it pod/app --image=busybox",
    "env GIT_SSH_COMMAND='ssh -i ~/.ssh/deploy_key' git fetch",
    "LESSOPEN='| /usr/bin/lesspipe %s' less app.log",
    "env EDITOR=vim git commit",
    "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 pytest -q",
    "exec > >(tee -a build.log) 2>&1",
    "pytest 2> >(grep -v Warning >&2)",
    "alias ll='ls -la'; ll",
    "alias k=kubectl; k get pods",
]


@pytest.mark.parametrize("command", SAFE_LOOK_ALIKES)
def test_everyday_uses_of_the_same_forms_stay_allowed(command: str) -> None:
    assert _decision(command) == "allow", command
