"""Words bound on the line and scratch made on the line (second part).

Each class: the everyday spellings pass, and the spellings an agent that wants the destructive
action would try next are still asked. Lines are judged in an empty temporary folder (files are
read there). Payloads live only in these strings; nothing runs them.
"""

from __future__ import annotations

from pathlib import Path

from verdicts import allowed_and_asked_in


def _empty(folder: Path) -> None:
    """An empty project folder."""


# Positional parameters: `set -- WORDS`, `shift`, and a function's arguments for each of its calls.
POSITIONAL_SAFE = [
    "clean_build(){ rm -rf \"$1/target\"; }; clean_build services/billing && cargo build",
    "function clean { rm -rf \"$1/target\"; }; clean api && clean web",
    "f(){ rm -rf \"$1\"; }; f build",
    "f(){ rm -rf \"$@\"; }; f build dist",
    "f(){ shift; rm -rf \"$1\"; }; f ~ build",
    "set -- build dist .cache; rm -rf \"$@\"",
    "set -- build dist; rm -rf $@",
    "set -- build dist; rm -rf \"${@}\"",
    "set -- build; rm -rf \"${1}\"",
    "set -euo pipefail; set -- build; rm -rf \"$1\"",
    "set -- ~ build; shift; rm -rf \"$1\"",
    "set -- build dist; for d in \"$@\"; do rm -rf \"$d\"; done",
    "set -- build; (set -- ~); rm -rf \"$1\"",
    "set -- build; f(){ rm -rf \"$1\"; }; f dist",
]
POSITIONAL_ASKED = [
    "f(){ rm -rf \"$1\"; }; f ~",
    "f(){ rm -rf \"$1\"; }; f \"$HOME\"",
    "f(){ rm -rf \"$1\"; }; f \"$X\"",
    "f(){ rm -rf \"$1\"; }; f build; f ~",
    "f(){ rm -rf \"$1\"; }; f build || f ~",
    "f(){ rm -rf \"$1\"; }; f build && (f /)",
    "f(){ rm -rf \"$2\"; }; f build ~",
    "f(){ rm -rf \"$@\"; }; f build ~",
    "f(){ rm -rf $*; }; f \"build ~\"",
    "f(){ rm -rf \"$*\"; }; f / ",
    "f(){ shift; rm -rf \"$1\"; }; f build ~",
    "f(){ rm -rf \"$1\"; }",
    "f(){ rm -rf \"$1\"; }; f build; export -f f; bash -c 'f ~'",
    "f(){ rm -rf \"$1\"; }; f build; trap 'f ~' EXIT",
    "f(){ rm -rf \"$1\"; }; f build; g=f; $g ~",
    "f(){ rm -rf \"$1\"; f ~; }; f build",
    "f(){ rm -rf \"$1\"; }; f build; f(){ rm -rf ~; }; f",
    "f(){ g \"$1\"; }; g(){ rm -rf \"$1\"; }; f ~",
    "set -- ~ /; rm -rf \"$@\"",
    "set -- build ~; rm -rf $@",
    "set -- \"$HOME\"; rm -rf \"$1\"",
    "set -- build ~; shift; rm -rf \"$1\"",
    "set -- build; shift $n; rm -rf \"$1\"",
    "set -- build; if test -f x; then set -- ~; fi; rm -rf \"$1\"",
    "set -- build; eval 'set -- ~'; rm -rf \"$1\"",
    "set -- ~ build; for d in \"$@\"; do rm -rf \"$d\"; done",
    "set -- a b; rm -rf \"/$@\"",
    "set -- build; rm -rf \"$2\" \"$1\" ~/x",
    "rm -rf \"$@\"",
    "rm -rf \"$1\"",
    "set -euo pipefail; rm -rf \"$1\"",
]
test_positional_safe, test_positional_asked = allowed_and_asked_in(_empty, POSITIONAL_SAFE, POSITIONAL_ASKED)


# A database server container started on the line (`docker run --name` with a published host port),
# then a client on this machine's loopback at that port in the same `&&` chain: a new, empty server.
_PG = "docker run -d --name pg-x -e POSTGRES_PASSWORD=pw -p 55432:5432 postgres:16"
_DROP = "-c 'DROP SCHEMA public CASCADE'"
CONTAINER_DB_SAFE = [
    f"{_PG} && sleep 3 && psql -h localhost -p 55432 -U postgres {_DROP} && docker rm -f pg-x",
    f"{_PG} && psql postgresql://postgres:pw@localhost:55432/postgres {_DROP}; docker stop pg-x",
    f"{_PG} && psql -h 127.0.0.1 --port=55432 -U postgres -d postgres {_DROP}",
    "docker run --rm -d --name pg-y -p 127.0.0.1:55433:5432 postgres:16 && psql -h localhost -p 55433 -c 'drop table t'",
    "docker run -d --name redis-x -p 6390:6379 redis:7 && redis-cli -p 6390 FLUSHALL && docker rm -f redis-x",
    "docker run -d --name redis-x -p 6390:6379 redis:7 && redis-cli -u redis://localhost:6390 FLUSHALL",
    "docker run -d --name my-x -e MYSQL_ROOT_PASSWORD=pw -p 33306:3306 mysql:8 && sleep 20 && "
    "mysql -h 127.0.0.1 -P 33306 -uroot -ppw -e 'DROP DATABASE test'",
]
CONTAINER_DB_ASKED = [
    f"{_PG} && psql -h localhost -p 5432 {_DROP}",
    f"{_PG}; psql -h localhost -p 55432 {_DROP}",
    f"{_PG} || psql -h localhost -p 55432 {_DROP}",
    f"{_PG} && psql -p 55432 {_DROP}",
    f"{_PG} && psql -h db.example.com -p 55432 {_DROP}",
    f"{_PG} && psql -h localhost -h prod.example.com -p 55432 {_DROP}",
    f"{_PG} && PGHOST=prod.example.com psql -p 55432 {_DROP}",
    f"{_PG} && psql 'host=prod.example.com port=55432' {_DROP}",
    f"{_PG} && psql postgresql://prod.example.com:55432/app {_DROP}",
    f"{_PG} && docker context use prod && psql -h localhost -p 55432 {_DROP}",
    f"DOCKER_HOST=ssh://prod docker run -d --name pg-x -p 55432:5432 postgres:16 && psql -h localhost -p 55432 {_DROP}",
    f"{_PG} && ssh db1 psql -h localhost -p 55432 {_DROP}",
    "docker run -d -p 55432:5432 postgres:16 && psql -h localhost -p 55432 -c 'DROP SCHEMA public CASCADE'",
    "docker run -d --name pg-x --network host postgres:16 && psql -h localhost -p 5432 -c 'drop schema public cascade'",
    "docker run -d --name pg-x --network=host -p 55432:5432 postgres:16 && psql -h localhost -p 55432 -c 'drop table t'",
    "docker run -d --name pg-x -v /srv/pg:/var/lib/postgresql/data -p 55432:5432 postgres:16 && "
    "psql -h localhost -p 55432 -c 'drop table t'",
    "docker run -d --name pg-x -v pgdata:/var/lib/postgresql/data -p 55432:5432 postgres:16 && "
    "psql -h localhost -p 55432 -c 'drop table t'",
    "docker run -d --name pg-x --mount type=volume,src=pgdata,dst=/var/lib/postgresql/data -p 55432:5432 postgres:16 "
    "&& psql -h localhost -p 55432 -c 'drop table t'",
    "docker run -d --name pg-x -P postgres:16 && psql -h localhost -p 32768 -c 'drop table t'",
    "docker run -d --name pg-x -p 10.0.0.5:55432:5432 postgres:16 && psql -h localhost -p 55432 -c 'drop table t'",
    "docker run -d --name redis-x -p 6390:6379 redis:7 && redis-cli -h 10.0.0.5 -p 6390 FLUSHALL",
    "docker run -d --name redis-x -p 6390:6379 redis:7 && redis-cli FLUSHALL",
    "docker run -d --name redis-x -p 6390:6379 redis:7; redis-cli -p 6390 FLUSHALL",
    "docker run -d --name my-x -p 33306:3306 mysql:8 && mysql -h localhost -P 33306 -e 'DROP DATABASE app'",
    "docker run -d --name my-x -p 33306:3306 mysql:8 && mysql -P 33306 -e 'DROP DATABASE app'",
]
test_container_db_safe, test_container_db_asked = allowed_and_asked_in(_empty, CONTAINER_DB_SAFE, CONTAINER_DB_ASKED)


# PowerShell scratch: a variable set once to a new, uniquely named temporary item, then removed.
PWSH_SCRATCH_SAFE = [
    "$tmp = New-Item -ItemType Directory -Path (Join-Path $env:TEMP ([guid]::NewGuid())); dotnet new webapi -o $tmp; "
    "dotnet build $tmp; Remove-Item $tmp -Recurse -Force",
    "$f = New-TemporaryFile; Set-Content $f 'x'; Get-Content $f; Remove-Item $f",
    "$f = [System.IO.Path]::GetTempFileName(); Remove-Item -LiteralPath $f -Force",
    "$d = Join-Path $env:TEMP ([guid]::NewGuid()); New-Item -ItemType Directory $d; Remove-Item $d -Recurse -Force",
    "$d = [System.IO.Directory]::CreateTempSubdirectory(); Remove-Item $d.FullName -Recurse -Force",
    "$f = (New-TemporaryFile).FullName; Out-File -FilePath $f -InputObject x; Remove-Item \"$f\" -ErrorAction SilentlyContinue",
]
PWSH_SCRATCH_ASKED = [
    "$tmp = $HOME; Remove-Item $tmp -Recurse -Force",
    "$tmp = New-TemporaryFile; $tmp = $HOME; Remove-Item $tmp -Recurse -Force",
    "$tmp = (New-TemporaryFile).Directory; Remove-Item $tmp -Recurse -Force",
    "$tmp = (New-TemporaryFile).DirectoryName; Remove-Item $tmp -Recurse -Force",
    "Remove-Item $tmp -Recurse -Force; $tmp = New-TemporaryFile",
    "$tmp = New-TemporaryFile; Remove-Item \"$tmp\\..\" -Recurse -Force",
    "$tmp = New-TemporaryFile; Remove-Item $tmp, $HOME -Recurse -Force",
    "$tmp = New-TemporaryFile; Set-Variable tmp $HOME; Remove-Item $tmp -Recurse -Force",
    "$tmp = New-TemporaryFile; Get-ChildItem ~ -OutVariable tmp; Remove-Item $tmp -Recurse -Force",
    "$tmp = New-TemporaryFile; $global:tmp = $HOME; Remove-Item $tmp -Recurse -Force",
    "$tmp = Join-Path $env:TEMP 'build'; Remove-Item $tmp -Recurse -Force",
    "$tmp = $env:TEMP; Remove-Item $tmp -Recurse -Force",
    "$tmp = Join-Path $env:TEMP ([guid]::NewGuid()) | Split-Path; Remove-Item $tmp -Recurse -Force",
    "$tmp = Join-Path ([guid]::NewGuid()) '..'; Remove-Item $tmp -Recurse -Force",
    "$f = New-TemporaryFile; Set-Content $f $(Remove-Item ~ -Recurse -Force)",
    "$f = New-TemporaryFile; Set-Content -Path $f -Path ~/.bashrc 'x'",
    "$f = New-TemporaryFile; Remove-Item $f; Remove-Item $env:USERPROFILE -Recurse -Force",
]
test_pwsh_scratch_safe, test_pwsh_scratch_asked = allowed_and_asked_in(_empty, PWSH_SCRATCH_SAFE, PWSH_SCRATCH_ASKED)


# A database made on the line (createdb fails when it exists), used and dropped in the same && chain.
CREATEDB_SAFE = [
    "createdb scratch_$$ && psql -d scratch_$$ -c 'create table t(x int)' && dropdb scratch_$$",
    "createdb ledger_restore_check && pg_restore --no-owner -d ledger_restore_check /tmp/latest.dump && "
    "psql -d ledger_restore_check -c 'select count(*) from invoices' && dropdb ledger_restore_check",
]
CREATEDB_ASKED = [
    "createdb ledger_$RANDOM && dropdb ledger_$RANDOM",  # $RANDOM differs on each expansion: another database
    "createdb ledger_check; dropdb ledger_check",
    "createdb ledger_check || dropdb ledger_check",
    "createdb ledger_check && dropdb ledger",
    "createdb -h db.example.com ledger_check && dropdb -h db.example.com ledger",
]
test_createdb_safe, test_createdb_asked = allowed_and_asked_in(_empty, CREATEDB_SAFE, CREATEDB_ASKED)
