"""Red team of recent allowances, second round: database containers started on the line, PowerShell
scratch variables, and per-user temp and cache folders named by environment variables the line sets.
Each class beside the look-alikes that must stay allowed.

Payloads live only in these strings; nothing here runs them.
"""

from __future__ import annotations

from tests.verdicts import allowed_and_asked

_DROP = "-c 'DROP TABLE users'"

# ---- a database container started on the line: only a database server of its own --------------
# The run must start a database server image with no program of its own (a proxy container forwards
# the published port to another server), detached (a run in the foreground returns only when the
# server has stopped and the port is free again), and the port must be published before the image
# (words after it are the container's command, not docker's options).
CONTAINER_SAFE = [
    f"docker run -d --name pg-x -p 55432:5432 postgres:16 && psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name pg-x -p 55432:5432 docker.io/library/postgres:16-alpine && psql -h 127.0.0.1 -p 55432 {_DROP}",
    f"docker run -d --name pg-x -p 55432:5432 postgres:16 -c fsync=off && psql -h localhost -p 55432 {_DROP}",
    "docker run --detach --name r-x -p 6390:6379 redis:7 && redis-cli -p 6390 FLUSHALL",
    "docker run -d --name my-x -p 33306:3306 mariadb:11 && mysql -h 127.0.0.1 -P 33306 -e 'DROP DATABASE app'",
]
CONTAINER_ASKED = [
    # a proxy to another server, by image, by command or by entrypoint
    f"docker run -d --name px -p 55432:5432 alpine/socat tcp-listen:5432,fork tcp:db.prod:5432 && "
    f"psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 postgres:16 socat tcp-listen:5432,fork tcp:db.prod:5432 && "
    f"psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 --entrypoint socat postgres:16 tcp-listen:5432,fork tcp:db.prod:5432 && "
    f"psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 --entrypoint=sh postgres:16 -c 'socat ...' && psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 ghcr.io/me/postgres:16 && psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 edoburu/pgbouncer && psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name px -p 55432:5432 -e DATABASE_URL=postgres://db.prod/app edoburu/pgbouncer && "
    f"psql -h localhost -p 55432 {_DROP}",
    "docker run -d --name r -p 6390:6379 haproxy:2 && redis-cli -p 6390 FLUSHALL",
    # a server that stops at once (the port is free again) or a run in the foreground
    f"docker run -d --name pg-x -p 55432:5432 postgres:16 --version && psql -h localhost -p 55432 {_DROP}",
    f"docker run --rm --name pg-x -p 55432:5432 postgres:16 && psql -h localhost -p 55432 {_DROP}",
    # the port option after the image is the server's own option, docker published nothing
    f"docker run -d --name pg-x postgres:16 -p 55432:5432 && psql -h localhost -p 55432 {_DROP}",
    f"docker run -d --name pg-x postgres:16 -c x=y -p 55432:5432 && psql -h localhost -p 55432 {_DROP}",
]
test_container_safe, test_container_asked = allowed_and_asked(CONTAINER_SAFE, CONTAINER_ASKED)


# ---- PowerShell scratch: the variable written only where it is made ----------------------------
_MADE = "$tmp = Join-Path $env:TEMP ([guid]::NewGuid())"
PWSH_SCRATCH_SAFE = [
    f"{_MADE}; New-Item -ItemType Directory $tmp; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; New-Item -ItemType Directory $tmp; Write-Host $tmp; Remove-Item $tmp -Recurse -Force",
    "$f = New-TemporaryFile; Set-Content $f 'x'; Get-Content $f; Remove-Item $f",
]
PWSH_SCRATCH_ASKED = [
    f"{_MADE}; Get-Variable tmp | % {{ $_.Value = $HOME }}; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; (Get-Variable tmp).Value = $HOME; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; (Get-Variable -Name tmp -ValueOnly); Set-Item variable:tmp $HOME; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; Set-Item -Path Variable:\\tmp -Value $HOME; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; ${{tmp}} = $HOME; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; $tmp, $x = $HOME, 1; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; $x, $tmp = 1, $HOME; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; foreach ($tmp in @($HOME)) {{ }}; Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; $ExecutionContext.SessionState.PSVariable.Set('tmp', $HOME); Remove-Item $tmp -Recurse -Force",
    f"{_MADE}; Clear-Variable tmp; Remove-Item $tmp -Recurse -Force",
]
test_pwsh_scratch_safe, test_pwsh_scratch_asked = allowed_and_asked(PWSH_SCRATCH_SAFE, PWSH_SCRATCH_ASKED)


# ---- per-user temp and cache folders named by a variable the line itself sets ------------------
TEMP_VAR_SAFE = [
    "Remove-Item $env:TEMP\\* -Recurse -Force",
    "Remove-Item $env:LOCALAPPDATA\\npm-cache\\* -Recurse",
    "del /s /q %TEMP%\\*",
    "$env:NODE_ENV='test'; Remove-Item $env:TEMP\\* -Recurse -Force",
]
TEMP_VAR_ASKED = [
    "$env:TEMP='C:\\Users\\me\\Documents'; Remove-Item $env:TEMP\\* -Recurse",
    "$env:TEMP = 'C:\\Users\\me\\Documents'; Remove-Item \"$env:TEMP\\*\" -Recurse -Force",
    "$env:TMP='C:\\data'; Remove-Item $env:TMP\\* -Recurse",
    "${env:TEMP} = 'C:\\data'; Remove-Item $env:TEMP\\* -Recurse",
    "$env:LOCALAPPDATA='C:\\data'; Remove-Item $env:LOCALAPPDATA\\npm-cache\\* -Recurse",
    "$env:APPDATA='C:\\data'; Remove-Item $env:APPDATA\\Code\\Cache\\* -Recurse",
    "$env:USERPROFILE='C:\\data'; Remove-Item $env:USERPROFILE\\AppData\\Local\\Temp\\* -Recurse",
    "[Environment]::SetEnvironmentVariable('TEMP','C:\\data'); Remove-Item $env:TEMP\\* -Recurse",
    "[System.Environment]::SetEnvironmentVariable(\"Temp\", 'C:\\data', 'Process'); Remove-Item $env:TEMP\\* -Recurse",
    "Set-Item env:TEMP C:\\data; Remove-Item $env:TEMP\\* -Recurse",
    "Set-Item -Path Env:\\TEMP -Value C:\\data; Remove-Item $env:TEMP\\* -Recurse",
    "New-Item -Path env:TEMP -Value C:\\data -Force; Remove-Item $env:TEMP\\* -Recurse",
    "set TEMP=C:\\Users\\me\\Documents & del /s /q %TEMP%\\*",
    "set \"TEMP=C:\\data\" && del /s /q %TEMP%\\*",
    "set LOCALAPPDATA=C:\\data & rd /s /q %LOCALAPPDATA%\\npm-cache\\x",
    "cmd /c \"set TEMP=C:\\data&& del /s /q %TEMP%\\*\"",
]
test_temp_var_safe, test_temp_var_asked = allowed_and_asked(TEMP_VAR_SAFE, TEMP_VAR_ASKED)


# ---- a framework's test environment selected on the line: what else the line points it at -----
SELECTED_SAFE = [
    "RAILS_ENV=test rails db:drop",
    "RAILS_ENV=test DB_HOST=localhost bin/rails db:reset",
    "RAILS_ENV=test PGHOST=127.0.0.1 rails db:drop",
    "MIX_ENV=test mix ecto.drop",
    "MIX_ENV=test mix ecto.drop -r MyApp.Repo",
    "php artisan migrate:fresh --env=testing --database=mysql",
    "DATABASE_URL=postgresql://localhost/test npx prisma migrate reset --force",
]
SELECTED_ASKED = [
    # a variable's value blastwall cannot see: unknown, not unset
    "RAILS_ENV=test DATABASE_URL=$PROD_URL rails db:drop",
    "RAILS_ENV=test DATABASE_URL=\"$(cat prod.url)\" rails db:drop",
    "MIX_ENV=test DATABASE_URL=$URL mix ecto.drop",
    "APP_ENV=testing DB_HOST=$HOST php artisan migrate:fresh",
    "DJANGO_SETTINGS_MODULE=app.settings.test DATABASE_URL=$U python manage.py flush --noinput",
    # the database client library's own variables pick the server when the config names none
    "RAILS_ENV=test PGHOST=db.prod rails db:drop",
    "RAILS_ENV=test DB_HOST=db.prod rails db:drop",
    "RAILS_ENV=test DATABASE_HOST=db.prod bin/rails db:reset",
    "RAILS_ENV=test PGSERVICE=prod rails db:drop",
    "RAILS_ENV=test MYSQL_HOST=db.prod rails db:drop",
    "MIX_ENV=test PGHOST=db.prod mix ecto.drop",
    "DJANGO_SETTINGS_MODULE=app.settings.test PGHOST=db.prod python manage.py flush --noinput",
    "RAILS_ENV=test PGHOST=$H rails db:drop",
    # a repo or connection named for another environment, in any case or joining
    "MIX_ENV=test mix ecto.drop -r MyApp.ProdRepo",
    "MIX_ENV=test mix ecto.drop --repo MyApp.Repo_Prod",
    "MIX_ENV=test mix ecto.drop -r MyApp.LiveRepo",
    "php artisan migrate:fresh --env=testing --database=pgsql_prod",
    "APP_ENV=testing php artisan migrate:fresh --database=ProdMysql",
    # another schema file: its datasource may name another variable or a URL
    "DATABASE_URL=postgresql://localhost/test npx prisma migrate reset --force --schema prisma/prod.prisma",
    "DATABASE_URL=postgresql://localhost/test npx prisma migrate reset --force --schema=other.prisma",
]
test_selected_safe, test_selected_asked = allowed_and_asked(SELECTED_SAFE, SELECTED_ASKED)


# ---- Elixir's mix cmd runs a program: read as what it runs ---------------------------------------
MIX_CMD_SAFE = ["mix cmd echo hi", "mix cmd --app web mix test", "mix do deps.get, compile"]
MIX_CMD_ASKED = [
    "mix cmd rm -rf ~/data",
    "MIX_ENV=test mix cmd rm -rf ~/data",
    "mix cmd --app web rm -rf ~/data",
    "mix cmd --cd apps/web git push --force origin main",
    "mix do cmd rm -rf ~/data",
]
test_mix_cmd_safe, test_mix_cmd_asked = allowed_and_asked(MIX_CMD_SAFE, MIX_CMD_ASKED)
