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
