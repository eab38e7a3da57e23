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
