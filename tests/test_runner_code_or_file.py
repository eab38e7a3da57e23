"""`rails runner ARG`: Rails loads ARG as a file when a file of that name exists, and evaluates
it as Ruby code otherwise. Code that holds a `/` (`require "sidekiq/api"`) is code; a name that is a
file in the action's folder is read as that file, whatever it looks like.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.verdicts import decide

READS = [
    """bundle exec rails runner 'require "sidekiq/api"; p Sidekiq::Queue.all.map { |q| [q.name, q.size] }'""",
    """bin/rails runner 'puts Rails.root.join("tmp/x").exist?'""",
    "bin/rails runner 'p User.count'",
]

ASKED = [
    """bin/rails runner 'require "sidekiq/api"; Sidekiq::Queue.all.each(&:clear)'""",
    """bin/rails runner 'FileUtils.rm_rf("/var/data/x")'""",
    "bin/rails runner scripts/cleanup",  # a path no one can read here
    "bin/rails runner db/seeds.rb",
    "bin/rails runner 'User.delete_all'",
]


@pytest.mark.parametrize("command", READS)
def test_code_with_a_slash_is_read_as_code(command: str) -> None:
    assert decide(command) == "allow", command


@pytest.mark.parametrize("command", ASKED)
def test_destructive_code_and_unread_files_ask(command: str) -> None:
    assert decide(command) != "allow", command


def test_a_file_of_that_name_is_read_as_the_file(project: Path) -> None:
    # a name that reads as harmless code but is a file in the folder: Rails loads the file
    (project / "p 1").write_text('FileUtils.rm_rf(File.expand_path("~/data"))\n')
    assert decide("bin/rails runner 'p 1'", cwd=project) != "allow"
    (project / "p 1").write_text("puts 1\n")
    assert decide("bin/rails runner 'p 1'", cwd=project) == "allow"
