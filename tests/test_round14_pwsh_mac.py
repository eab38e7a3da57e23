"""PowerShell, macOS programs and desktop/terminal MCP tools: the everyday spellings that pass and
the look-alikes an agent that wants the destructive action would try next, which are still asked.

Each class is a pair of tables (SAFE, ASKED) made into two parametrized tests."""

from __future__ import annotations

from verdicts import allowed_and_asked

# ---- macOS programs as data (rules/shell_macos.toml, shell_system.toml diskutil) ----------------

MAC_SAFE = [
    "tmutil listlocalsnapshots /",
    "tmutil listlocalsnapshotdates /",
    "tmutil listbackups",
    "tmutil status",
    "tmutil latestbackup",
    "brew uninstall --cask docker",
    "brew uninstall wget",
    "brew cleanup",
    "brew cleanup --prune=all",
    "brew info --cask dbeaver-community",
    "diskutil list",
    "diskutil apfs list",
    "diskutil info disk0",
    "diskutil info /",
    "diskutil apfs listSnapshots /",
    "diskutil eraseVolume",
    "diskutil eraseDisk",
    "diskutil list external physical",
    "dscl . -list /Users",
    "dscl . -read /Users/dev",
    "security find-certificate -a -p",
    "security list-keychains",
    "defaults read com.apple.dock",
    "defaults write com.apple.dock autohide -bool true",
    "csrutil status",
    "spctl --status",
    "sysadminctl -secureTokenStatus dev",
    "newfs_apfs -h",
]
MAC_ASKED = [
    "tmutil deletelocalsnapshots 2025-02-14-093012",
    "tmutil deletelocalsnapshots /",
    "sudo tmutil thinlocalsnapshots / 999999999999 4",
    "tmutil delete /Volumes/Backup/Backups.backupdb/mac/2024-01-01-000000",
    "tmutil DeleteLocalSnapshots 2025-02-14-093012",
    "tmutil listlocalsnapshotdates / | grep -v ':' | xargs -n1 sudo tmutil deletelocalsnapshots",
    "for s in $(tmutil listlocalsnapshotdates / | tail -n +2); do sudo tmutil deletelocalsnapshots $s; done",
    "brew uninstall --zap --cask docker",
    "brew uninstall --cask --zap dbeaver-community",
    "brew remove --zap firefox",
    "brew rm --zap --force slack",
    "sudo newfs_apfs -v Data /dev/disk4s2",
    "newfs_hfs -v Backup /dev/disk3s1",
    "newfs_msdos -F 32 /dev/disk5s1",
    "diskutil eraseDisk APFS Clean disk4",
    "diskutil eraseVolume APFS Data disk4s2",
    "diskutil erasevolume JHFS+ Data disk4s2",
    "diskutil apfs deleteVolume disk3s5",
    "diskutil apfs deleteContainer disk3",
    "diskutil apfs eraseVolume disk3s5 -name Data",
    "diskutil partitionDisk disk4 GPT APFS Data 100%",
    "diskutil zeroDisk disk4",
    "diskutil secureErase 0 disk4",
    "sudo sysadminctl -deleteUser ci-runner",
    "sysadminctl -deleteUser ci-runner -keepHome",
    "sudo dscl . -delete /Users/ci-runner",
    "dscl . -passwd /Users/dev newpass",
    "dscl . -create /Users/dev UserShell /bin/false",
    "security delete-keychain ~/Library/Keychains/build.keychain-db",
    "security delete-certificate -c 'Apple Development'",
    "security delete-generic-password -s api-token",
    "defaults delete com.apple.dock",
    "defaults delete com.company.app",
    "sudo csrutil disable",
    "csrutil clear",
    "sudo spctl --master-disable",
    "srm -rf ~/Documents/old",
]
test_mac_safe, test_mac_asked = allowed_and_asked(MAC_SAFE, MAC_ASKED)

# ---- AppleScript read as code: osascript -e and MCP AppleScript servers (analyze/applescript.py) --

APPLESCRIPT_SAFE = [
    "osascript -e 'display notification \"Tests passed\" with title \"CI\"'",
    "osascript -e 'tell application \"Finder\" to get POSIX path of (selection as alias)'",
    "osascript -e 'display dialog \"Deploy finished\" buttons {\"OK\"} default button 1'",
    "osascript -e 'tell application \"Safari\" to activate'",
    "osascript -e 'say \"build done\"'",
    "osascript -e 'tell application \"Finder\"' -e 'get name of every disk' -e 'end tell'",
    "osascript -e 'set v to get volume settings' -e 'return output volume of v'",
    "osascript -e 'do shell script \"git status\"'",
    "osascript -e 'tell application \"Terminal\" to do shell script \"ls -la ~/Projects\"'",
]
APPLESCRIPT_ASKED = [
    "osascript -e 'tell application \"Finder\" to delete every item of folder \"Documents\" of home'",
    "osascript -e 'tell application \"Finder\" to empty trash'",
    "osascript -e 'tell app \"Finder\" to empty the trash'",
    "osascript -e 'do shell script \"rm -rf ~/Documents/Research\"'",
    "osascript -e 'do shell script \"rm -rf ~/Documents\" with administrator privileges'",
    "osascript -e 'tell application \"Terminal\" to do shell script \"rm -rf ~/Projects\"'",
    "osascript -e 'do shell script \"rm -rf \" & quoted form of p'",
    "osascript -e 'tell application \"System Events\" to keystroke \"q\" using command down'",
    "osascript -e 'tell application \"Mail\" to delete every message of mailbox \"INBOX\"'",
    "osascript -e 'set x to 1' -e 'tell application \"Finder\" to move file \"a\" to trash'",
    "osascript -e 'run script \"x\"'",
    "osascript -e 'frobnicate everything'",
    "osascript -e 'tell application \"System Events\" to shut down'",
    "osascript -l JavaScript -e 'Application(\"Finder\").delete(Path(\"/Users/dev/x\"))'",
    "osascript -e \"$CODE\"",
    "osascript -e 'display dialog (do shell script \"rm -rf ~/x\")'",
    "osascript -e 'get (delete file \"a\" of desktop)'",
    "osascript cleanup.scpt",
]
test_applescript_safe, test_applescript_asked = allowed_and_asked(APPLESCRIPT_SAFE, APPLESCRIPT_ASKED)


def _as(code: str) -> dict:
    return {"server": "applescript", "tool": "applescript_execute", "arguments": {"code_snippet": code}}


APPLESCRIPT_MCP_SAFE = [
    _as("display notification \"Build finished\" with title \"Xcode\""),
    _as("tell application \"Calendar\" to get summary of every event of calendar \"Work\""
        " whose start date > (current date)"),
    _as("tell application \"Finder\"\n  get name of every file of desktop\nend tell"),
]
APPLESCRIPT_MCP_ASKED = [
    _as("tell application \"Finder\" to delete (every item of folder \"Projects\" of home)"),
    _as("do shell script \"rm -rf ~/Library/Mail\""),
    _as("tell application \"Finder\"\n  empty trash\nend tell"),
    _as("tell application \"Notes\" to delete every note"),
    {"server": "applescript-mcp", "tool": "run_applescript", "arguments": {"script": "tell application \"Finder\" to"
                                                                                      " delete every item of trash"}},
    {"server": "applescript-mcp", "tool": "run_applescript", "arguments": {"script": "do shell script \"rm -rf ~\""}},
]
test_applescript_mcp_safe, test_applescript_mcp_asked = allowed_and_asked(APPLESCRIPT_MCP_SAFE, APPLESCRIPT_MCP_ASKED,
                                                                          kind="mcp")

# ---- desktop and terminal MCP tools: typed text with Enter is a command line (analyze/mcp_terminal.py)


def _type(text: str, **extra: object) -> dict:
    return {"server": "windows-mcp", "tool": "Type-Tool", "arguments": {"loc": [640, 420], "text": text, **extra}}


TYPED_SAFE = [
    _type("rd /s /q C:\\Users\\dev\\source\\repos"),  # typed, not run: no Enter
    _type("rd /s /q C:\\Users\\dev\\source\\repos", press_enter=False),
    _type("dotnet build", press_enter=True),
    _type("git status", press_enter=True, clear=True),
    _type("Hello team, the build is green", press_enter=True),
    {"server": "iterm-mcp", "tool": "write_to_terminal", "arguments": {"command": "tmutil listlocalsnapshots /"}},
    {"server": "iterm-mcp", "tool": "read_terminal_output", "arguments": {"linesOfOutput": 50}},
]
TYPED_ASKED = [
    _type("rd /s /q C:\\Users\\dev\\source\\repos", clear=True, press_enter=True),
    _type("rd /s /q C:\\Users\\dev\\source\\repos", press_enter="true"),
    _type("Remove-Item -Recurse -Force C:\\Users\\dev\\Documents", press_enter=True),
    _type("rm -rf ~/Documents", enter=True),
    _type("rm -rf ~/Documents\n"),
    {"server": "iterm-mcp", "tool": "write_to_terminal", "arguments": {
        "command": "for s in $(tmutil listlocalsnapshotdates / | tail -n +2); do sudo tmutil deletelocalsnapshots $s;"
                   " done"}},
    {"server": "windows-mcp", "tool": "Shell-Tool", "arguments": {"command": "Remove-Item C:\\Data -Recurse -Force"}},
    {"server": "windows-mcp", "tool": "Powershell-Tool", "arguments": {"command": "Remove-Item C:\\Data -Recurse"}},
]
test_typed_safe, test_typed_asked = allowed_and_asked(TYPED_SAFE, TYPED_ASKED, kind="mcp")

# ---- PowerShell: cmdlets that delete by a parameter, drives that are no folders (shell/pwsh_params.py)

PWSH_PARAM_SAFE = [
    "New-ComplianceSearchAction -SearchName 'OldInvoices' -Preview",
    "New-ComplianceSearchAction -SearchName 'OldInvoices' -Export",
    "New-ComplianceSearch -Name OldInvoices -ExchangeLocation All -ContentMatchQuery 'subject:Q3'",
    "Search-Mailbox -Identity 'legal@contoso.com' -SearchQuery 'subject:Q3' -EstimateResultOnly",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep -Mode Incremental",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep -Mode Complete -WhatIf",
    "Get-ChildItem Cert:\\CurrentUser\\My",
    "Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion",
    "Get-ChildItem Env:",
    "Test-Path HKCU:\\Software\\Contoso",
    "Set-ADUser -Identity jdoe -Title 'Engineer'",
]
PWSH_PARAM_ASKED = [
    "New-ComplianceSearchAction -SearchName 'OldInvoices' -Purge -PurgeType HardDelete -Confirm:$false",
    "New-ComplianceSearchAction -SearchName 'OldInvoices' -Purge -PurgeType SoftDelete",
    "new-compliancesearchaction -SearchName x -Pur -PurgeType HardDelete",
    "Search-Mailbox -Identity 'legal@contoso.com' -SearchQuery 'subject:\"Q3\"' -DeleteContent -Force",
    "Get-Mailbox -ResultSize Unlimited | Search-Mailbox -SearchQuery 'from:x' -DeleteContent",
    "Remove-Mailbox -Identity 'jdoe@contoso.com' -Permanent $true",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep -Mode Complete -Force",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep -Mode:Complete",
    "New-AzResourceGroupDeployment -ResourceGroupName rg-prod -TemplateFile main.bicep -Mo 'Complete'",
    "New-AzResourceGroupDeploymentStack -Name s -ResourceGroupName rg -TemplateFile m.bicep "
    "-ActionOnUnmanage DeleteAll -DenySettingsMode None",
    "Set-ADUser -Identity jdoe -Clear mail,telephoneNumber",
    "Remove-Item -Path Cert:\\LocalMachine\\My\\3F2A9C1B8E7D6F5A4B3C2D1E0F9A8B7C6D5E4F3A -DeleteKey",
    "Remove-Item Cert:\\CurrentUser\\My\\* ",
    "Remove-Item HKLM:\\SOFTWARE\\Contoso -Recurse",
    "Remove-Item -LiteralPath 'HKCU:\\Software\\Contoso' -Recurse -Force",
    "ri Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso -Recurse",
    "Remove-Item Microsoft.PowerShell.Core\\Registry::HKEY_CURRENT_USER\\Software\\Foo",
    "Remove-Item Env:\\PATH",
    "Remove-Item WSMan:\\localhost\\Listener\\Listener_1 -Recurse",
    "Remove-Item Backup:\\Archive -Recurse",  # a drive New-PSDrive may map anywhere
    "Get-ChildItem Cert:\\LocalMachine\\My | Where-Object { $_.NotAfter -lt (Get-Date) } | Remove-Item -DeleteKey",
]
test_pwsh_param_safe, test_pwsh_param_asked = allowed_and_asked(PWSH_PARAM_SAFE, PWSH_PARAM_ASKED)

# ---- PowerShell splatting: a hash table's keys are the parameters (shell/pwsh_params.expand_splats)

SPLAT_SAFE = [
    "$p = @{ Path = '.\\TestResults'; Recurse = $true }; Remove-Item @p -WhatIf",
    "$p = @{ Name = 'web'; ErrorAction = 'Stop' }; Get-Service @p",
    "$p = @{ Path = 'D:\\Data'; Recurse = $true }; Get-ChildItem @p",
    "$p = @{ ResourceGroupName = 'rg'; TemplateFile = 'main.bicep' }; New-AzResourceGroupDeployment @p",
]
SPLAT_ASKED = [
    "$p = @{ Path = 'D:\\Data'; Recurse = $true; Force = $true }; Remove-Item @p",
    "$P = @{ path = 'D:\\Data'; recurse = $true }; remove-item @p",
    "$p = @{\n  Path = 'D:\\Data'\n  Recurse = $true\n}\nRemove-Item @p",
    "$p = @{ LiteralPath = 'C:\\Users\\dev\\Documents' }; ri @p",
    "Remove-Item @args",
    "$p = Get-Params; Remove-Item @p",
    "$p = @{ Path = (Get-Location).Path; Recurse = $true }; Remove-Item @p",
    "$p = @{ SearchName = 'x'; Purge = $true; PurgeType = 'HardDelete' }; New-ComplianceSearchAction @p",
    "$p = @{ ResourceGroupName = 'rg'; TemplateFile = 'main.bicep'; Mode = 'Complete' }; "
    "New-AzResourceGroupDeployment @p",
]
test_splat_safe, test_splat_asked = allowed_and_asked(SPLAT_SAFE, SPLAT_ASKED)

# ---- Xcode caches are regenerable; its Archives are not (rules/paths.toml home_caches) --------------

XCODE_SAFE = [
    "rm -rf ~/Library/Developer/Xcode/iOS\\ DeviceSupport/15.*",
    "rm -rf ~/Library/Developer/Xcode/DerivedData/*",
    "rm -rf \"$HOME/Library/Developer/Xcode/DerivedData/MyApp-abc\"",
    "rm -rf ~/Library/Developer/CoreSimulator/Caches/dyld",
]
XCODE_ASKED = [
    "rm -rf ~/Library/Developer/Xcode/Archives",
    "rm -rf ~/Library/Developer/Xcode/Archives/2024-01-01",
    "rm -rf ~/Library/Developer/Xcode/DerivedData/../Archives",
    "rm -rf ~/Library/Developer/Xcode",
    "rm -rf ~/Library/Developer/CoreSimulator/Devices",
]
test_xcode_safe, test_xcode_asked = allowed_and_asked(XCODE_SAFE, XCODE_ASKED)
