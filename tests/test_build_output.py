"""Build output of game engines and workflow engines, removed with its partners, is regenerable;
each name alone (a `Library/` or `Binaries/` of one's own) is still asked. Laravel's Vite/Mix output
(`public/hot`, Mix's manifest) is written again; the folders around it are not. .NET's bin and obj
removed together (find, PowerShell's Get-ChildItem | Remove-Item) are build output; either alone is not."""

from __future__ import annotations

from pathlib import Path

from verdicts import allowed_and_asked, allowed_and_asked_in


def _game_project(folder: Path) -> None:
    (folder / "Game.uproject").write_text("{}")


ENGINE_OUTPUT = [
    "rm -rf Binaries Intermediate",
    "rm -rf Binaries Intermediate DerivedDataCache",
    "rm -rf Library Temp obj",
    "rm -rf .snakemake/incomplete .nextflow/cache",
    "rm -rf .nextflow/cache work/tmp",
]
ENGINE_OUTPUT_ALONE = [
    "rm -rf Binaries",
    "rm -rf Intermediate",
    "rm -rf DerivedDataCache Content",
    "rm -rf Library",
    "rm -rf Library Temp",
    "rm -rf Library obj",
    "rm -rf Binaries Intermediate Content",
    "rm -rf /srv/Binaries /srv/Intermediate",
    "rm -rf ~/Library ~/Temp ~/obj",
    "rm -rf ../Binaries ../Intermediate",
    "rm -rf .snakemake .nextflow",
]


test_allowed, test_asked = allowed_and_asked_in(_game_project, ENGINE_OUTPUT, ENGINE_OUTPUT_ALONE,
                                                read_files=False, probe=True)


# Laravel's Vite/Mix output: public/hot (the dev server's address) and Mix's manifest are written again.
FRONTEND_OUTPUT = [
    "rm -rf public/build public/hot && npm run build",
    "rm -f ./public/hot",
    "rm public/mix-manifest.json",
]
FRONTEND_LOOKALIKES = [
    "rm -rf public/hotel",
    "rm -rf public",
    "rm -rf public/hot/../uploads",
    "rm -rf public/images",
    "rm -rf /var/www/app/public/hot",
]


test_frontend_output_is_regenerable, test_frontend_output_lookalikes_ask = allowed_and_asked(
    FRONTEND_OUTPUT, FRONTEND_LOOKALIKES)


# find (or PowerShell's Get-ChildItem | Remove-Item) from .NET's bin and obj together removes build output.
DOTNET_BIN_OBJ = [
    "find bin obj -delete",
    "find ./src/App/bin ./src/App/obj -mindepth 1 -delete",
    'pwsh -c "Get-ChildItem -Path .\\bin,.\\obj -Recurse -ErrorAction SilentlyContinue | Remove-Item -Recurse -Force"',
]
DOTNET_BIN_OBJ_LOOKALIKES = [
    "find bin -delete",
    "find bin ../obj -delete",
    "find bin obj src -delete",
    "find tools/bin obj -delete",
    "find /srv/app/bin /srv/app/obj -delete",
    'pwsh -c "Get-ChildItem -Path .\\bin -Recurse | Remove-Item -Recurse -Force"',
    'pwsh -c "Get-ChildItem -Path .\\bin,.\\src -Recurse | Remove-Item -Recurse -Force"',
]


test_dotnet_bin_and_obj_pass, test_dotnet_bin_or_obj_lookalikes_ask = allowed_and_asked(
    DOTNET_BIN_OBJ, DOTNET_BIN_OBJ_LOOKALIKES, read_files=True, probe=True)
