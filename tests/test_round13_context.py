"""Shell lines whose context makes a scary word safe: regenerable output of more ecosystems, tool
tables (dry runs, reads, help), scratch made on the line, and test environments.

Each class is a table of everyday spellings that pass and the look-alikes an agent that wants the
destructive action would try next, which are still asked."""

from __future__ import annotations

from pathlib import Path

from verdicts import allowed_and_asked, allowed_and_asked_in

# ---- regenerable output of more ecosystems (rules/paths.toml, rules/rebuilt.toml) ---------------

OUTPUT = [
    "rm -rf .godot/imported .godot/shader_cache && godot --headless --editor --quit --path .",
    "rm -rf .godot",
    "rm -rf .dart_tool build ios/Pods ios/.symlinks && flutter pub get && cd ios && pod install",
    "rm -rf macos/.symlinks",
    "rm -rf .vs",
    "rd /s /q .vs",
    "rm -rf vcpkg_installed",
    "vcpkg install --triplet x64-linux && rm -rf vcpkg_installed buildtrees && vcpkg install",
    "rm -rf buildtrees packages && vcpkg install",
    "rm -rf Library/ Temp/ Obj/ Logs/ && /Applications/Unity/Hub/Editor/2022.3.20f1/Unity.app/Contents/MacOS/Unity"
    " -batchmode -quit -projectPath . -buildTarget StandaloneOSX -executeMethod Build.PerformMacBuild",
    "rm -rf game/Library game/Temp && Unity -batchmode -quit -projectPath game",
]
OUTPUT_LOOKALIKES = [
    "rm -rf .godot/../project.godot",
    "rm -rf ios/.symlinks/../Runner",
    "rm -rf ios",
    "rm -rf ~/.vs/../Documents",
    "rm -rf buildtrees",  # no vcpkg on the line: somebody's folder
    "rm -rf buildtrees; vcpkg install",
    "rm -rf buildtrees && vcpkg install --dry-run",
    "rm -rf buildtrees data && vcpkg install",
    "rm -rf Library/ Temp/",  # no Unity on the line
    "rm -rf Library Temp && Unity -batchmode -quit -projectPath game",  # another project's folders
    "rm -rf Library/ ; Unity -batchmode -quit -projectPath .",
    "rm -rf Library/ && Unity -batchmode -quit -projectPath /srv/other",
    "rm -rf Library/ Assets/ && Unity -batchmode -quit -projectPath .",
    "rm -rf ~/Library && Unity -batchmode -quit -projectPath .",
    "rm -rf Library/../ProjectSettings && Unity -batchmode -quit -projectPath .",
]

test_output_allowed, test_output_lookalikes_asked = allowed_and_asked(OUTPUT, OUTPUT_LOOKALIKES)


def _unity_project(folder: Path) -> None:
    (folder / "Assets").mkdir()
    (folder / "ProjectSettings").mkdir()
    (folder / "ProjectSettings" / "ProjectVersion.txt").write_text("m_EditorVersion: 2022.3.20f1\n")
    (folder / "Library").mkdir()
    (folder / "Library" / "ArtifactDB").write_text("x")


def _not_unity(folder: Path) -> None:
    (folder / "Library").mkdir()
    (folder / "Library" / "notes.txt").write_text("mine")


UNITY = ["rm -rf Library/ Temp/ Obj/ Logs/ && Unity -batchmode -quit -projectPath . -buildTarget Android"]
test_unity_allowed, test_unity_lookalikes_asked = allowed_and_asked_in(_unity_project, UNITY, [
    "rm -rf Library/ Assets/ && Unity -batchmode -quit -projectPath .",
])
test_not_unity_allowed, test_not_unity_asked = allowed_and_asked_in(_not_unity, [], UNITY)

# ---- tool tables: dry runs, reads, help, own output (build_files.toml, verbs.toml, shell_dataplat.toml) ----

TOOLS = [
    "ninja -C out/Debug -t targets all | grep -c test_ ; ninja -C out/Debug -n renderer",
    "ninja -t query renderer",
    "ninja -C build -t commands app",
    "ninja -C build -tcompdb > compile_commands.json",
    "ninja -f custom.ninja -n deploy",
    "meson setup builddir --wipe && meson compile -C builddir && meson test -C builddir --print-errorlogs",
    "meson setup --reconfigure build",
    "xcrun simctl delete unavailable",
    "./gradlew bundleRelease && bundletool build-apks --bundle=app/build/outputs/bundle/release/app-release.aab"
    " --output=/tmp/app.apks --mode=universal --overwrite",
    "bundletool build-apks --bundle=app.aab --output /tmp/out/app.apks --overwrite",
    "dvc gc --workspace --dry-run 2>/dev/null || dvc gc -w --help | head -20",
    "dvc gc -w --dry",
    "Get-Help Remove-Item -Examples | Select-Object -First 40",
    "Get-Help Remove-Item -Full | Out-String | Select-String Recurse",
    "help Remove-Item -Examples",
    "Get-Command Remove-Item | Format-List",
]
TOOLS_LOOKALIKES = [
    "ninja -C build deploy",
    "ninja -t targets -t msvc -- rm -rf ~/work",
    "ninja -C out -t msvc -- cmd /c del /s /q C:\\data",
    "ninja -f custom.ninja deploy",
    "meson --wipe ~/data",
    "xcrun simctl delete all",
    "xcrun simctl erase all",
    "xcrun simctl delete 0D6F2E3A-1B2C-4D5E-8F90-123456789ABC",
    "bundletool build-apks --bundle=app.aab --output=app.apks --overwrite",
    "bundletool build-apks --bundle=app.aab --output=/tmp --overwrite",
    "bundletool build-apks --bundle=app.aab --output=$OUT --overwrite",
    "bundletool build-apks --bundle=app.aab --output=/tmp/a.apks --output=release/app.apks --overwrite",
    "dvc gc --workspace",
    "dvc gc -w --dry-run=0 -f --cloud",
    "dvc gc -w -c -f",
    "Get-Help (Remove-Item C:\\work -Recurse -Force) | Select-Object -First 1",
    "Get-Help Remove-Item | Remove-Item -Recurse -Force C:\\work",
    "Get-Help x; Remove-Item C:\\work -Recurse -Force | Out-Null",
]

test_tools_allowed, test_tools_lookalikes_asked = allowed_and_asked(TOOLS, TOOLS_LOOKALIKES)

# ---- user-name variables in scratch paths (rules/paths.toml name_vars) --------------

USER_SCRATCH = [
    "rm -rf /tmp/pytest-of-$USER /tmp/tmp*.json 2>/dev/null; pytest -q --basetemp=/tmp/pt",
    "rm -rf /tmp/pytest-of-${USER}",
    "rm -rf /tmp/$LOGNAME-build",
    "rm -rf /tmp/cache-$UID",
    "rm -rf /tmp/pytest-of-$(whoami)",  # whoami prints one name with no slash (rules/made_here.toml one_token_printers)
]
USER_LOOKALIKES = [
    "rm -rf ~/$USER",
    "rm -rf /home/$USER",
    "rm -rf /Users/$(whoami)",
    "rm -rf /tmp/$USER/../../home",
    "rm -rf /tmp/${USER:-../..}/etc",
    "rm -rf /tmp/$USER_DIR",
    "USER=x/../../home; rm -rf /tmp/$USER",
    "export USER=x/../../../srv; rm -rf /tmp/$USER/data",
    "read USER; rm -rf /tmp/$USER/../../srv",
    "USER=$(cat name.txt); rm -rf /tmp/$USER/../../srv",
    "for USER in a/../../srv; do rm -rf /tmp/$USER; done",
    "whoami() { echo ../../srv; }; rm -rf /tmp/$(whoami)",
    "rm -rf /tmp/$(whoami; echo /../../srv)",
    "rm -rf /$USER",
]

test_user_scratch_allowed, test_user_scratch_lookalikes_asked = allowed_and_asked(USER_SCRATCH, USER_LOOKALIKES)
