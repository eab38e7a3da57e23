"""find's `-prune -o` idiom: a side of an `-o` that holds no action (`-path ./node_modules -prune`)
hands the files it matches to no action, so the files deleted are those the acting side names.
"""

from __future__ import annotations

from tests.verdicts import allowed_and_asked

SAFE = [
    "find . -path ./node_modules -prune -o -name '*.tsbuildinfo' -print -delete",
    "find . \\( -path ./node_modules -o -path ./.git \\) -prune -o -name '*.pyc' -delete",
    "find . -name .git -prune -o -type d -name __pycache__ -exec rm -rf {} +",
]

LOOKALIKES = [
    "find . -path ./node_modules -prune -o -name '*.ts' -delete",  # sources
    "find . -path ./x -prune -o -print -delete",  # everything else
    "find . -name '*.pyc' -o -delete",  # the acting side names nothing
    "find . -name '*.pyc' -delete -o -name '*.ts' -delete",  # both sides act; one deletes sources
    "find . -name '*.pyc' -o -name '*.ts' -delete",  # -delete binds to the .ts side
    "find . -path ./build -prune -o ! -name '*.pyc' -delete",  # a negated name bounds nothing
]

test_safe, test_lookalikes = allowed_and_asked(SAFE, LOOKALIKES)
