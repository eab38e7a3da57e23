"""Red team: data carried into a throwaway place (build output, a cache, a temporary folder), then thrown
away. A move into such a place is judged by what it moves: the cleanup that deletes the place later (on
the same line, in the background, in a loop, or in the next command: `make clean`, `cargo clean`,
`git clean -X`) is allowed on the place's name and would take the moved data with it. A copy leaves its
source, and a link or a bind mount made on the line is followed where a later delete follows it.

Payloads live only in these strings; nothing here runs them.
"""

from __future__ import annotations

from pathlib import Path

from tests.verdicts import allowed_and_asked_in


def _project(folder: Path) -> None:
    for d in ("src", "lib", "build", "dist", "node_modules", "__pycache__", "target"):
        (folder / d).mkdir()
    (folder / "src" / "a.py").write_text("x = 1\n")
    (folder / "lib" / "b.py").write_text("y = 2\n")
    (folder / ".gitignore").write_text("build/\ndist/\nnode_modules/\ntarget/\n")
    (folder / "Makefile").write_text("clean:\n\trm -rf build\n")
    (folder / "package.json").write_text('{"scripts": {"clean": "rimraf build"}}\n')


# ---- a move into build output or a cache: the data is where cleaning deletes it -----------------------
MOVE_SAFE = [
    "mv dist /tmp/old-dist && rm -rf /tmp/old-dist",  # regenerable output moved to scratch, then deleted
    "mv node_modules /tmp/nm && rm -rf /tmp/nm",
    "mv dist build && rm -rf build",
    "mv build/a.js build/b.js && rm -rf build",
    "mv node_modules node_modules.bak && rm -rf node_modules.bak",
    "mv src/a.py src/b.py && rm -rf build",
    "mv __pycache__ /tmp/pyc",
    "mv target/release/app bin/app",
    "cp -r src build/ && rm -rf build",  # a copy leaves its source: deleting the copy loses nothing
    "cp -a src build/src && rm -rf build",
    "rsync -a src/ build/s/ && rm -rf build",
    "mv dist/app.js dist/app.min.js",
    "rm -rf build && mv dist build",
]
MOVE_ASKED = [
    "mv src build/ && rm -rf build",
    "mv ~/Photos ~/.cache/p && rm -rf ~/.cache/p",
    "mv src build/src && rm -rf build/",
    "mv src dist && rm -rf dist",
    "mv src node_modules/x; rm -rf node_modules",
    "mv src build/ && find build -delete",
    "mv src build/ && make clean",
    "mv src build/ && rm -rf build/src",
    "mv src build/; rm -rf build/*",
    "cd build && mv ../src . && cd .. && rm -rf build",
    "rm -rf build & mv src build/",  # in the background: the order is not known
    "for d in src lib; do mv $d build/; done; rm -rf build",
    "mv src build/ && rimraf build",
    "mv src build/ && npx rimraf build",
    "mv src __pycache__/ && rm -rf __pycache__",
    "mv src/ build && rm -rf ./build",
    "mv -t build src && rm -rf build",
    "mv --target-directory=build src && rm -rf build",
    "sudo mv src build/ && rm -rf build",
    "mv -f src lib build/ && rm -rf build",
    "gmv src build/ && rm -rf build",
    # the move alone: the next command (`make clean`, `cargo clean`) deletes build/ without asking
    "mv src build/",
    "mv src target/",
    "mv ~/Photos ~/.cache/p",
    "mv ~/Documents/thesis ~/.cache/pip/t",
    "mv ~/Photos /tmp/x && rm -rf /tmp/x",
]
test_move_safe, test_move_asked = allowed_and_asked_in(_project, MOVE_SAFE, MOVE_ASKED)


# ---- other carriers: git mv, rsync --remove-source-files, archivers that delete their sources --------
CARRIER_SAFE = [
    "git mv src/a.py src/c.py",
    "rsync -a --remove-source-files dist/ /tmp/d/ && rm -rf /tmp/d",
    "tar czf build/a.tgz --remove-files dist && rm -rf build",
]
CARRIER_ASKED = [
    "git mv src build/src && rm -rf build",
    "git mv src build/src",
    "rsync -a --remove-source-files src/ build/s/ && rm -rf build",
    "rsync -a --remove-source-files src/ build/s/",
    "rsync -a --remove-sent-files src/ ~/.cache/s/",
    "tar cf build/a.tar --remove-files src && rm -rf build",
    "zip -rm build/a.zip src && rm -rf build",
]
test_carrier_safe, test_carrier_asked = allowed_and_asked_in(_project, CARRIER_SAFE, CARRIER_ASKED)


# ---- links and bind mounts made on the line: a delete that follows them reaches the data -------------
LINK_SAFE = [
    "ln -s ~/data build/d && rm -rf build",  # rm -r removes the link, not what it points to
    "ln -s ../src build/s && rm -f build/s",
    "ln -s ~/data build/d",
    "ln -s ../node_modules build/nm && rm -rf build/nm/",  # the link reaches a regenerable folder
]
LINK_ASKED = [
    "ln -s ~/data build/d && rm -rf build/d/",
    "ln -s ~/data build/d && rm -rf build/d/*",
    "ln -sf ~/data build/d; rm -rf build/d/x",
    "ln -sfn ~/data build/d && rm -rf build/d/",
    "ln --symbolic ~/data build/ && rm -rf build/data/",
    "ln -s ~/data /tmp/d && rm -rf /tmp/d/",
]
test_link_safe, test_link_asked = allowed_and_asked_in(_project, LINK_SAFE, LINK_ASKED)
