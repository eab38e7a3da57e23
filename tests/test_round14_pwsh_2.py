"""PowerShell lines bash cannot parse, Copy-Item over a file, and scripts in languages blastwall does
not read: the everyday spellings that pass and the look-alikes an agent that wants the destructive
action would try next, which are still asked.

Each class is a pair of tables (SAFE, ASKED) made into two parametrized tests."""

from __future__ import annotations

from verdicts import allowed_and_asked

# ---- scripts in languages blastwall does not read (rules/unread_code.toml) ---------------------

UNREAD_SAFE = [
    "swift build",
    "swift build -c release",
    "swift test",
    "swift run",
    "swift package init --type executable",
    "swift --version",
    "dotnet script --help",
    "dotnet test",
    "dotnet build -c Release",
    "kotlinc src/Main.kt -d out",
    "scala compile .",
]

UNREAD_ASKED = [
    "printf 'import Foundation\\ntry FileManager.default.removeItem(atPath: \"/Users/dev/Documents/Research\")\\n'"
    " > /tmp/c.swift && swift /tmp/c.swift",
    "swift /tmp/c.swift",
    "swift ./Scripts/cleanup.swift",
    "echo 'print(1)' | swift -",
    "echo 'System.IO.Directory.Delete(@\"C:\\repos\\crm\", true);' > x.csx && dotnet script x.csx",
    "dotnet script x.csx",
    "dotnet.exe script cleanup.csx",
    "dotnet-script cleanup.csx",
    "dotnet script eval 'System.IO.Directory.Delete(\"/srv\", true)'",
    "kotlinc -script x.kts",
    "kotlin cleanup.main.kts",
    "scala x.sc",
    "scala-cli cleanup.sc",
    "groovy x.groovy",
    "ex=x.swift; swift $ex",
]

test_unread_safe, test_unread_asked = allowed_and_asked(UNREAD_SAFE, UNREAD_ASKED)

# ---- PowerShell lines that start with an expression or a keyword (shell/pwsh_markers.py) -------

PWSH_LINE_SAFE = [
    "if (Test-Path .\\TestResults) { Remove-Item .\\TestResults -Recurse -Force }; dotnet test --collect:\"XPlat Code Coverage\"",
    "if (Test-Path .\\node_modules) { Remove-Item .\\node_modules -Recurse -Force }",
    "if (-not (Test-Path .env)) { Copy-Item .env.example .env }",
    "if(Test-Path .\\TestResults){ Remove-Item .\\TestResults -Recurse }",
    "'rd /s /q C:\\temp' -match '^rd\\s+/s'",
    "\"{0:N2} GB\" -f ((Get-ChildItem D:\\Data -Recurse -File | Measure-Object Length -Sum).Sum / 1GB)",
    "[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('UgBlAG0AbwB2AGUALQBJAHQAZQBtACAAQwA6AFwAZABhAHQAYQAgAC0AUgBlAGMAdQByAHMAZQAgAC0ARgBvAHIAYwBlAA=='))",
    "[Environment]::GetFolderPath('Desktop')",
    "[System.IO.Path]::GetTempPath()",
]

PWSH_LINE_ASKED = [
    "if (Test-Path C:\\Data) { Remove-Item C:\\Data -Recurse -Force }",
    "if (Test-Path .\\TestResults) { Remove-Item C:\\Data -Recurse -Force }",
    "if (-not (Test-Path .env)) { Copy-Item .env.example .env } else { Remove-Item C:\\Data -Recurse -Force }",
    "if ($true) { iex 'Remove-Item C:\\Data -Recurse -Force' }",
    "if (Test-Path x) { Invoke-Expression $cmd }",
    "if (Remove-Item C:\\Data -Recurse -Force) { 'gone' }",
    "'a b' -match 'a'; Remove-Item C:\\Data -Recurse -Force",
    "'{0} x' -f (Remove-Item C:\\Data -Recurse -Force)",
    "[IO.Directory]::Delete('C:\\Data', $true)",
    "[System.IO.File]::Delete('C:\\Users\\dev\\app.db')",
    "[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('UgBlAG0AbwB2AGUALQBJAHQAZQBtACAAQwA6AFwAZABhAHQAYQAgAC0AUgBlAGMAdQByAHMAZQAgAC0ARgBvAHIAYwBlAA==')) | iex",
    "\"Remove-Item C:\\Data -Recurse\" -f 1 | Invoke-Expression",
    # bash's readings of look-alikes
    "if (cd /srv/data); then rm -rf /srv/data; fi",
    "\"rm\" -f /srv/data/app.db",
    "'rm' -rf /srv/data",
    "[ -d /srv/data ] && rm -rf /srv/data",
    "if [ -f x ]; then rm -rf /srv/data; fi",
]

test_pwsh_line_safe, test_pwsh_line_asked = allowed_and_asked(PWSH_LINE_SAFE, PWSH_LINE_ASKED)

# ---- the call operator on a quoted program path (shell/pwsh_run.py) -----------------------------

CALL_SAFE = [
    "& \"C:\\Program Files\\Microsoft Visual Studio\\2022\\Community\\Common7\\IDE\\devenv.com\" Contoso.sln /Build \"Release|x64\"",
    "& \"${env:ProgramFiles(x86)}\\Microsoft Visual Studio\\Installer\\vswhere.exe\" -latest -property installationPath",
    "& 'C:\\Program Files\\Git\\bin\\git.exe' status",
]

CALL_ASKED = [
    "& \"C:\\Program Files\\Git\\usr\\bin\\rm.exe\" -rf /srv/data",
    "& \"C:\\Program Files\\x\\cmd.exe\" /c rd /s /q C:\\Data",
    "& \"${env:ProgramFiles}\\PostgreSQL\\16\\bin\\psql.exe\" -c \"DROP DATABASE prod\"",
    "& \"$env:TEMP\\$name\" -x",
    "& \"C:\\Program Files\\Tools\\deploy.ps1\" -Env prod",
    "& \"${env:ProgramFiles}\\$tool\" --wipe",
]

test_call_safe, test_call_asked = allowed_and_asked(CALL_SAFE, CALL_ASKED)
