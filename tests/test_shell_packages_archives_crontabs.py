"""Shell classes: folders a package manager rebuilds on the same line, R's
tool runner, archivers that delete their sources, tools shipped as jars, crontabs replaced whole.

Each allowance sits beside the spellings an agent that wants the destructive action would try next.
Payloads live only in these strings; nothing here runs them (the file-reading tests use temporary
folders and only look at them).
"""

from __future__ import annotations

import os
from pathlib import Path

from verdicts import allowed_and_asked

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decision(command: str, **context: object) -> str:
    return check(command, policy=POLICY, read_files=bool(context), context=context or None).decision.value


# ---- folders a package manager makes again later on the line ------------------------------------
REBUILT = [
    "rm -rf vendor/bundle && bundle install --path vendor/bundle",
    "rm -rf vendor/bundle && bundle install --deployment",
    "rm -rf vendor/bundle && bundle install",  # vendor/bundle is regenerable on its own (installed gems)
    "rm -rf vendor/ && composer install",
    "rm -rf ./vendor && composer install --no-interaction --prefer-dist",
    "rm -rf vendor/* && composer update",
    "rm -rf vendor && go mod vendor",
    "rm -rf vendor && cargo vendor",
    "rm -rf node_modules/.pnpm && pnpm install",
    "rm -rf .venv && python -m venv .venv && pip install -r requirements.txt",
    "rm -rf venv && python3 -m venv venv",
    "rm -rf Pods && pod install",
    "cd ios && rm -rf Pods && pod install --repo-update",
    "rm -rf deps && mix deps.get",
    "cd app && rm -rf vendor && composer install && cd ..",
    "rm -rf vendor && cd sub/.. && composer install",
]

NOT_REBUILT = [
    "rm -rf vendor ~/data && composer install",          # another target
    "rm -rf vendor; composer install",                   # `;`: runs when the rm failed, or not at all
    "rm -rf vendor || composer install",
    "rm -rf vendor & composer install",
    "cd /srv/app && rm -rf vendor && cd - && composer install",  # another folder
    "rm -rf vendor && cd sub && composer install",
    "rm -rf vendor && cd \"$D\" && composer install",
    "rm -rf vendor && cd && composer install",
    "cd a && rm -rf vendor && cd ../b && composer install",
    "rm -rf vendor && composer -d sub install",
    "rm -rf vendor && composer install --dry-run",
    "rm -rf vendor && COMPOSER_VENDOR_DIR=lib composer install",
    "rm -rf vendor && export COMPOSER_VENDOR_DIR=lib && composer install",
    "rm -rf vendor && eval \"$X\" && composer install",
    "rm -rf vendor && source env.sh && composer install",
    "composer install && rm -rf vendor",               # rebuilt before, deleted after
    "rm -rf vendor && composer install && rm -rf src",
    "rm -rf vendor/../data && composer install",
    "rm -rf vendor* && composer install",
    "rm -rf $D/vendor && composer install",
    "rm -rf vendor && bundle install --path vendor/bundle",  # a parent of what bundler makes
    "rm -rf data && bundle install --path data",              # any folder named as the path
    "rm -rf data && python -m venv data",
    "rm -rf .env && python -m venv .env",
    "rm -rf vendor && go mod vendor -o vendor2",
    "rm -rf vendor && npm install",                           # npm does not make vendor/
    "rm -rf lib && composer install",
    "rm -rf vendor && (cd x; composer install)",
]


test_folders_rebuilt_later_pass, test_look_alikes_of_rebuilt_folders_ask = allowed_and_asked(
    REBUILT, NOT_REBUILT, judge=_decision)


def _php_project(root: Path) -> None:
    (root / "composer.json").write_text("{}\n")
    (root / "vendor").mkdir()
    (root / "vendor" / "autoload.php").write_text("<?php\n")


def test_rebuilt_folder_read_from_disk(tmp_path: Path) -> None:
    _php_project(tmp_path)
    assert _decision("rm -rf vendor && composer install", cwd=str(tmp_path)) == "allow"


def test_a_vendor_folder_that_links_elsewhere_asks(tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text("{}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "autoload.php").write_text("<?php\n")
    os.symlink(elsewhere, tmp_path / "vendor")
    assert _decision("rm -rf vendor/ && composer install", cwd=str(tmp_path)) != "allow"
    assert _decision("rm -rf vendor/* && composer install", cwd=str(tmp_path)) != "allow"


def test_a_vendor_folder_the_tool_did_not_make_asks(tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text("{}\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.php").write_text("<?php // hand-vendored\n")
    assert _decision("rm -rf vendor && composer install", cwd=str(tmp_path)) != "allow"


def test_without_the_manifest_nothing_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "autoload.php").write_text("<?php\n")
    assert _decision("rm -rf vendor && composer install", cwd=str(tmp_path)) != "allow"


def test_go_vendor_without_modules_txt_asks(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "patched.go").write_text("package x\n")
    assert _decision("rm -rf vendor && go mod vendor", cwd=str(tmp_path)) != "allow"
    (tmp_path / "vendor" / "modules.txt").write_text("# x\n")
    assert _decision("rm -rf vendor && go mod vendor", cwd=str(tmp_path)) == "allow"


# ---- R's tool runner --------------------------------------------------------------------------
R_TOOLS = [
    "R CMD build . && R CMD check --as-cran --no-manual pkg_0.3.1.tar.gz",
    "R CMD INSTALL .",
    "R --vanilla CMD check pkg_1.0.tar.gz",
    "R CMD Rd2pdf .",
    "R CMD REMOVE dplyr",
]
R_ASKED = [
    "R CMD BATCH analysis.R",                 # runs a script blastwall does not read here
    "R CMD BATCH --no-save analysis.R out.Rout",
    "R CMD Sweave report.Rnw",
    "R CMD rm -rf ~/data",                    # any other program runs with R's environment
    "R CMD sh -c 'rm -rf ~/data'",
    "R CMD $TOOL",
    "R -f cleanup.R",
    "Rscript cleanup.R",
    "R -e 'unlink(\"data\", recursive = TRUE)'",
]


test_r_tools_pass, test_r_scripts_and_programs_are_read = allowed_and_asked(R_TOOLS, R_ASKED, judge=_decision)


# ---- archivers that delete their sources -----------------------------------------------------
ARCHIVE_KEPT = [
    "zip -m logs.zip *.log",
    "zip -rm reports-2023.zip reports/",
    "zip -r --move old.zip data/",
    "7z a -sdel old.7z old-reports/",
    "rar m old.rar old-reports",
    "rar a -df old.rar old-reports",
    "zstd --rm dump.sql",                      # the compressed copy is written beside it, like gzip
    "zstd --rm ~/notes.txt",
    "zstd --rm -o notes.zst notes.txt",
    "brotli -j ~/a.txt",
    "gzip ~/notes.txt",
    "xz big.log",
    "bzip2 ~/data.sql",
    "tar czf research.tgz --remove-files research/",
    "tar czf dist.tgz --remove-files build",
    "zip -r a.zip data",
    "7z a a.7z ~/notes",
]
ARCHIVE_AWAY = [
    "zip -m a.zip ~/notes.txt",                # out of the home folder into the project
    "zip -rm /tmp/x.zip src",                  # a temp folder
    "zip -rm /dev/null src",
    "zip -rm - src",                           # stdout
    "zip -rm -P hunter2 r.zip reports/",       # encrypted
    "zip -rme r.zip reports",
    "zip -rm \"$OUT\" data",
    "zip -rm dist/x.zip src",                  # build output, cleaned by the next build
    "zip -m a.zip -@",                         # names from stdin
    "zip -rm a.zip .",
    "zip -rm a.zip -x '*.o' ~/x",
    "7z a -sdel a.7z ~/notes",
    "7z a -sdel -pX old.7z old-reports/",
    "7z a -so -sdel old-reports/",
    "7z a -sdel /tmp/a.7z src",
    "7z a -sdel a.7z @list.txt",
    "rar m a.rar ~/notes",
    "rar a -df /tmp/x.rar src",
    "rar a -df -hpX x.rar src",
    "zstd --rm ~/notes.txt -o /dev/null",
    "zstd --rm -o /tmp/x.zst ~/notes.txt",
    "zstd --rm -c ~/notes.txt",
    "lz4 --rm ~/a.txt /dev/null",
    "brotli --rm -o /tmp/a.br ~/a.txt",
    "tar czf /dev/null --remove-files ~/research",
    "tar czf backup.tgz --remove-files ~/research",
    "tar czf /tmp/x.tgz --remove-files src",
    "tar czf build/x.tgz --remove-files src",
    "tar czf $A --remove-files src",
    "tar cz --remove-files src",
]


test_archives_that_keep_their_sources_pass, test_archives_that_lose_their_sources_ask = allowed_and_asked(
    ARCHIVE_KEPT, ARCHIVE_AWAY, judge=_decision)


# ---- tools shipped as jars --------------------------------------------------------------------
JAR_ASKED = [
    "java -jar bfg.jar --delete-files '*.sql'",
    "java -jar bfg-1.14.0.jar -D id_rsa",
    "java -Xmx2g -jar tools/bfg-1.13.0.jar --strip-blobs-bigger-than 50M repo.git",
    "java -jar BFG-1.14.0.JAR --replace-text passwords.txt",
    "java -cp bfg.jar com.madgag.git.bfg.cli.Main --delete-folders secrets",
    "java -jar liquibase.jar dropAll",
    "java -cp lib/liquibase-core.jar liquibase.integration.commandline.Main --url=jdbc:x dropAll",
    "java -jar flyway-commandline-9.22.3.jar clean",
    "java -jar jenkins-cli.jar -s http://ci:8080 delete-job app",
    "java -cp h2.jar org.h2.tools.Shell -url jdbc:h2:./db -sql 'DROP TABLE users'",
]
JAR_PASS = [
    "java -jar bfg.jar --help",
    "java -jar flyway.jar migrate",
    "java -jar liquibase.jar update",
    "java -jar schemaspy-6.2.4.jar -t pgsql -db app -o out",
    "java -jar target/orders-0.4.0.jar --server.port=8081",
    "java -version",
]


test_other_jars_and_safe_tool_commands_pass, test_known_jars_are_judged_as_their_tool = allowed_and_asked(
    JAR_PASS, JAR_ASKED, judge=_decision)


# ---- crontabs replaced whole -------------------------------------------------------------------
CRONTAB_KEPT = [
    "(crontab -l; echo '0 * * * * /usr/local/bin/healthcheck.sh') | crontab -",
    "(crontab -l 2>/dev/null; echo '*/5 * * * * /usr/local/bin/healthcheck.sh') | crontab -",
    "{ crontab -l; echo '0 1 * * * /usr/bin/true'; } | crontab -",
    "(sudo crontab -u deploy -l; echo '0 1 * * * /usr/bin/true') | sudo crontab -u deploy -",
    "crontab -l",
    "crontab -l | grep -v '^#'",
]
CRONTAB_REPLACED = [
    "echo '0 * * * * /usr/local/bin/healthcheck.sh' | crontab -",
    "printf '0 1 * * * /usr/bin/true\\n' | crontab -",
    "crontab - <<'EOF'\n0 1 * * * /usr/bin/true\nEOF",
    "crontab - <<< '0 1 * * * /usr/bin/true'",
    "crontab jobs.txt",
    "crontab -u deploy jobs.txt",
    "echo -n | crontab -",
    "crontab -r",
    "crontab -l | grep -v backup | crontab -",                       # drops jobs
    "(crontab -l | grep -v backup; echo '0 1 * * * /usr/bin/true') | crontab -",
    "(crontab -l > /tmp/bak; echo '0 1 * * * /usr/bin/true') | crontab -",  # the listing goes to a file
    "(crontab -u root -l; echo '0 1 * * * /usr/bin/true') | crontab -u deploy -",  # another user's table
    "crontab -l; echo '0 1 * * * /usr/bin/true' | crontab -",
    "(crontab -l; echo '0 1 * * * /usr/bin/true') | sed 's/.*//' | crontab -",
    "(crontab -l; echo '0 3 * * * rm -rf /var/lib/mysql') | crontab -",  # kept, but the new job deletes
]


test_crontabs_built_from_the_current_table_pass, test_crontabs_replaced_whole_ask = allowed_and_asked(
    CRONTAB_KEPT, CRONTAB_REPLACED, judge=_decision)
