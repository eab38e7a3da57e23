"""mongosh [URI] FILE.js runs the script files it is given: a file written on the line is read as the
mongo shell's code (`--eval` is), one blastwall cannot read asks, and a URI or an --eval is no file."""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    "cat > /tmp/j.js <<'JS'\ndb.getMongo().getDBNames().forEach(n => db.getSiblingDB(n).dropDatabase())\nJS\n"
    "mongosh \"$ATLAS_URI\" /tmp/j.js",
    "printf 'db.users.deleteMany({})' > /tmp/x.js && mongosh mongodb://db.prod/app /tmp/x.js",
    "mongosh \"$ATLAS_URI\" scripts/cleanup.js",
    "mongo prod-db:27017/app wipe.js",
    "mongosh --quiet \"$URI\" a.mjs",
])
def test_a_script_that_drops_or_cannot_be_read_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "cat > /tmp/r.js <<'JS'\nprintjson(db.orders.countDocuments({}))\nJS\nmongosh \"$ATLAS_URI\" /tmp/r.js",
    "mongosh mongodb://localhost/app",
    "mongosh mongodb://localhost/app --eval 'db.users.find().limit(5)'",
    "mongosh \"mongodb://h/app.js\" --eval 'db.stats()'",
])
def test_a_readable_harmless_script_or_no_script_passes(line: str) -> None:
    assert _decision(line) == "allow"
