"""Options interpreters take before their script, per language (rules/interpreter_options.toml):
a setting's value is skipped so the script after it is found and judged; a value that loads code
(a preloaded file, a php.ini, an INI key such as auto_prepend_file, a Zend extension) is judged or
asked; an option no table knows takes no value, so the word after it is read as the script and
the line stays asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from verdicts import verdict

from blastwall.analyze.shell.interp_options import script_words
from blastwall.analyze.shell.ir import Word


def decide(command: str, cwd: Path) -> tuple[str, list[str]]:
    v = verdict(command, cwd=cwd)
    return v.decision.value, list(v.rule_ids)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project whose scripts only read, and one that deletes a folder outside it."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "report.js").write_text("console.log(require('fs').readdirSync('.'))\n")
    (tmp_path / "scripts" / "wipe.js").write_text("require('fs').rmSync('/srv/data', {recursive: true})\n")
    (tmp_path / "setup.js").write_text("process.env.TZ = 'UTC'\n")
    (tmp_path / "report.rb").write_text("puts Dir.entries('.')\n")
    (tmp_path / "report.pl").write_text("print join(\"\\n\", glob('*'));\n")
    (tmp_path / "report.php").write_text("<?php echo implode(\"\\n\", scandir('.'));\n")
    (tmp_path / "wipe.php").write_text("<?php system('rm -rf /srv/data');\n")
    (tmp_path / "report.py").write_text("import os\nprint(os.listdir('.'))\n")
    return tmp_path


@pytest.mark.parametrize("language,words,script", [
    ("php", ["-d", "memory_limit=-1", "report.php"], "report.php"),
    ("php", ["-dmemory_limit=-1", "-d", "display_errors=1", "report.php", "-x"], "report.php"),
    ("ruby", ["-I", "lib", "-rjson", "-E", "UTF-8", "report.rb"], "report.rb"),
    ("perl", ["-I", "lib", "-MData::Dumper", "report.pl"], "report.pl"),
    ("node", ["-r", "dotenv/config", "--import=tsx", "-C", "development", "scripts/report.js"], "scripts/report.js"),
    ("python", ["-W", "ignore", "-X", "dev", "-I", "report.py"], "report.py"),  # python's -I takes no value
    ("php", ["--", "report.php"], "report.php"),
])
def test_the_script_after_the_options_is_found(language: str, words: list[str], script: str) -> None:
    assert script_words(language, [Word.lit(w) for w in words]).rest[0].text == script


@pytest.mark.parametrize("command", [
    "php -d memory_limit=-1 report.php",
    "php -dmemory_limit=-1 -d xdebug.mode=off report.php",
    "php -d phar.readonly=0 report.php",
    "php --define memory_limit=-1 report.php",
    "ruby -I lib -rjson report.rb",
    "perl -Ilib -MData::Dumper report.pl",
    "node -r dotenv/config scripts/report.js",
    "node --require ./setup.js scripts/report.js",  # a preloaded file is read like the script
    "node -C development --max-old-space-size=4096 scripts/report.js",
    "python -W ignore -X dev report.py",
])
def test_settings_before_a_script_that_reads_pass(command: str, project: Path) -> None:
    assert decide(command, project)[0] == "allow"


@pytest.mark.parametrize("command", [
    "php -d memory_limit=-1 wipe.php",
    "php -dmemory_limit=-1 wipe.php",
    "node -r dotenv/config scripts/wipe.js",
    "node --require ./scripts/wipe.js scripts/report.js",  # the preloaded file deletes
    "node --import=./scripts/wipe.js scripts/report.js",
    # values that load code blastwall does not read
    "php -d auto_prepend_file=wipe.php report.php",
    "php -dauto_append_file=/tmp/x.php report.php",
    "php -d extension=/tmp/evil.so report.php",
    "php -d ZEND_EXTENSION=/tmp/evil.so report.php",
    "php -d include_path=/tmp/lib report.php",
    "php -c /tmp/php.ini report.php",
    "php -z /tmp/evil.so report.php",
    "ruby -C /tmp report.rb",
    # an option no table knows: its value is read as the script, which cannot be read
    "php --php-ini /tmp/php.ini report.php",
    "php --define auto_prepend_file=wipe.php report.php",
    "php --zend-extension=/tmp/evil.so report.php",
    "php --run 'system(\"rm -rf /srv/data\");'",
    "node --some-new-flag value scripts/report.js",
    "ruby --some-new-flag value report.rb",
])
def test_options_that_run_code_or_are_unknown_are_asked(command: str, project: Path) -> None:
    assert decide(command, project)[0] != "allow", decide(command, project)
