"""Where a target lives: each class of target next to its destructive look-alike.

Every safe form is allowed because evidence proves its server is on this machine and the target
is disposable; every look-alike differs by one thing the agent could spell (a host, a variable,
a flag, a context, a config file) and asks. Real files in temporary folders: database.yml,
.env.testing, Django settings, Prisma schemas, compose files, kubeconfigs, docker contexts.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

import blastwall
from blastwall.model import Decision, Verdict
from blastwall.policy.engine import Policy, PolicyError, compile_layers, default_document, default_policy

CLEARED = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE", "DATABASE_URL", "DB_HOST",
           "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "KUBECONFIG", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME",
           "RAILS_ENV", "RACK_ENV", "APP_ENV", "DJANGO_SETTINGS_MODULE", "MYSQL_HOST", "AWS_ENDPOINT_URL",
           "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "BLASTWALL_POLICY",
           "BLASTWALL_ENVIRONMENT")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return private_home(tmp_path, monkeypatch, CLEARED)


def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleared: tuple[str, ...]) -> Path:
    """A home of its own (no kubeconfig or docker context but the test's) and no variable that names a server."""
    for name in cleared:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return home


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def check(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, policy: Policy | None = None,
          **context: str) -> Verdict:
    ctx: dict[str, str] = {**({"cwd": str(cwd)} if cwd else {}), **context}
    return blastwall.check(text, kind, context=ctx, policy=policy or default_policy(), probe=False)


def placed(v: Verdict) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(f.environment, f.evidence) for f in v.findings]


def assert_allowed(v: Verdict, environment: str) -> None:
    assert v.decision is Decision.ALLOW, v.reasons
    assert [f.environment for f in v.findings] == [environment] * len(v.findings), placed(v)
    assert all(f.evidence for f in v.findings)
    assert all(any(f.evidence[0] in r for r in v.reasons) for f in v.findings), v.reasons


def assert_asks(v: Verdict, environment: str | None = None, because: str = "") -> None:
    assert v.decision is not Decision.ALLOW, placed(v)
    if environment is not None:
        assert environment in [f.environment for f in v.findings], placed(v)
    if because:
        assert any(because in r for r in v.reasons), v.reasons


# -- supabase ------------------------------------------------------------------------------------

def test_supabase_db_reset_is_the_local_stack() -> None:
    assert_allowed(check("supabase db reset"), "local")
    assert_allowed(check("supabase db reset --local"), "local")
    assert_allowed(check("supabase db reset --db-url postgresql://postgres:postgres@127.0.0.1:54322/postgres"), "local")


@pytest.mark.parametrize("cmd", [
    "supabase db reset --linked",
    "supabase db reset --project-ref abcdefghijklmnop",
    "supabase db reset --db-url postgresql://postgres@db.abcdefghijklmnop.supabase.co:5432/postgres",
    "supabase db reset --db-url $SUPABASE_DB_URL",
    "DOCKER_HOST=tcp://builder.example.com:2376 supabase db reset",
    "ssh devbox supabase db reset",
])
def test_supabase_db_reset_look_alikes(cmd: str) -> None:
    assert_asks(check(cmd))


# -- PostgreSQL clients ----------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "dropdb --if-exists billing_test",
    "dropdb -h localhost app_test",
    "dropdb -h 127.0.0.1 -p 5433 -U postgres app_test",
    "dropdb --host=::1 app_test",
    "PGHOST=localhost dropdb app_test",
    "dropdb -h /var/run/postgresql app_test",
    "sudo -u postgres dropdb app_test",
    "cd /tmp && dropdb app_test",
    "psql -h 127.0.0.1 -d app_dev -c 'DROP TABLE tmp_load'",
    "psql postgresql://postgres@localhost:5432/app_test -c 'TRUNCATE users'",
    "psql 'host=localhost dbname=app_test' -c 'DELETE FROM users'",
])
def test_local_test_databases_are_allowed(cmd: str) -> None:
    v = check(cmd)
    assert v.decision is Decision.ALLOW, v.reasons
    assert {f.environment for f in v.findings} <= {"test", "local"}, placed(v)


@pytest.mark.parametrize(("cmd", "because"), [
    ("dropdb -h db.example.com app_test", "db.example.com (-h) is not on this machine"),
    ("PGHOST=db.example.com dropdb app_test", "PGHOST (set on the command line)"),
    ("export PGHOST=db.example.com; dropdb app_test", "db.example.com"),
    ("PGHOSTADDR=10.0.0.5 dropdb -h localhost app_test", "PGHOSTADDR"),
    ("PGSERVICE=prod dropdb app_test", "PGSERVICE is set on the command line"),
    ("dropdb -h $DB_HOST app_test", "only known when it runs"),
    ("ssh db1 dropdb app_test", "on another machine"),
    ("ssh -fN -L 5432:db.example.com:5432 bastion && dropdb -h localhost app_test", "ssh -L"),
    ("kubectl port-forward svc/postgres 5432:5432 & dropdb -h 127.0.0.1 app_test", "kubectl port-forward"),
    ("psql 'host=localhost hostaddr=10.0.0.5 dbname=app_test' -c 'DROP TABLE users'", "10.0.0.5"),
    ("psql postgresql://u@db.example.com/app_test -c 'DROP TABLE users'", "db.example.com"),
    ("psql -h 127.0.0.1 -d app_production -c 'DROP TABLE tmp_load'", "named for production"),
    ("dropdb app", "not named for test or scratch"),
    ("psql -h localhost -d app_dev -c 'DROP TABLE users'", "named for dev"),
])
def test_postgres_look_alikes_ask(cmd: str, because: str) -> None:
    assert_asks(check(cmd), because=because)


def test_a_server_in_the_environment_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.example.com")
    assert_asks(check("dropdb app_test"), "unknown", "PGHOST (in the environment)")
    assert_allowed(check("dropdb -h localhost app_test"), "test")  # an explicit host wins over PGHOST
    assert_allowed(check("env -u PGHOST dropdb app_test"), "test")


# -- compose ---------------------------------------------------------------------------------------

DEV_STACK = """
    services:
      db:
        image: postgres:16
        volumes: [pgdata:/var/lib/postgresql/data]
    volumes:
      pgdata: {}
"""
TEST_STACK = """
    name: shop_test
    services:
      db:
        image: postgres:16
        volumes: [testdata:/var/lib/postgresql/data]
    volumes:
      testdata: {}
"""


def test_a_test_compose_stack_down_v_is_allowed(project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", TEST_STACK)
    v = check("docker compose -f docker-compose.test.yml down -v", cwd=project)
    assert_allowed(v, "test")
    assert "project shop_test" in v.reasons[0]


def test_the_dev_stack_down_v_asks(project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", TEST_STACK)
    v = check("docker compose down -v", cwd=project)
    assert_asks(v, "dev", "compose.yaml (project project)")
    sub = project / "api"
    sub.mkdir()
    assert_asks(check("docker compose down -v", cwd=sub), "dev")  # compose finds the file in a parent


def test_a_test_stack_sharing_the_dev_volume_asks(project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", DEV_STACK)  # no name: same project, same pgdata volume
    assert_asks(check("docker compose -f docker-compose.test.yml down -v", cwd=project), "dev",
                "volume project_pgdata is also a volume of the project's default stack")


@pytest.mark.parametrize("cmd", [
    "DOCKER_HOST=ssh://deploy@prod.example.com docker compose -f docker-compose.test.yml down -v",
    "docker -H tcp://prod.example.com:2376 compose -f docker-compose.test.yml down -v",
    "docker compose -f docker-compose.test.yml -f compose.yaml -p project down -v",
    "docker compose -f $FILE down -v",
    "docker compose -f missing.test.yml down -v",
])
def test_compose_look_alikes_ask(project: Path, cmd: str) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", TEST_STACK)
    assert_asks(check(cmd, cwd=project))


def test_a_remote_docker_context_is_not_local(project: Path, home: Path) -> None:
    write(project, "docker-compose.test.yml", TEST_STACK)
    write(home, ".docker/config.json", json.dumps({"currentContext": "prod"}))
    meta = f".docker/contexts/meta/{hashlib.sha256(b'prod').hexdigest()}/meta.json"
    write(home, meta, json.dumps({"Name": "prod", "Endpoints": {"docker": {"Host": "ssh://ops@prod.example.com"}}}))
    assert_asks(check("docker compose -f docker-compose.test.yml down -v", cwd=project), "unknown",
                "docker context prod")
    write(home, meta, json.dumps({"Name": "prod", "Endpoints": {"docker": {"Host": "unix:///run/user/1000/docker.sock"}}}))
    assert_allowed(check("docker compose -f docker-compose.test.yml down -v", cwd=project), "test")


def test_compose_without_a_working_directory_is_unknown() -> None:
    assert_asks(check("docker compose -f docker-compose.test.yml down -v"), "unknown")


# -- Redis and MongoDB -------------------------------------------------------------------------------

def test_redis_flushall_local_is_dev_remote_is_unknown() -> None:
    local = check("redis-cli FLUSHALL")
    assert_asks(local, "dev", "127.0.0.1 (its default server) is a loopback address")
    assert local.findings[0].evidence  # placed, but a local Redis may hold data: asked unless measured
    assert_asks(check("redis-cli -h cache.example.com FLUSHALL"), "unknown")
    assert_asks(check("redis-cli -u redis://cache.example.com:6379/0 FLUSHALL"), "unknown")
    assert_asks(check("docker exec redis redis-cli FLUSHALL"), "unknown", "on another machine or in a container")


def test_mongosh_local_test_database_vs_remote() -> None:
    assert_allowed(check("mongosh mongodb://127.0.0.1/catalog_test --eval 'db.dropDatabase()'"), "test")
    assert_allowed(check("mongosh localhost:27017/catalog_test --eval 'db.dropDatabase()'"), "test")
    assert_asks(check("mongosh mongodb://mongo.example.com/catalog_test --eval 'db.dropDatabase()'"), "unknown")
    assert_asks(check("mongosh mongodb+srv://cluster0.example.mongodb.net/catalog_test --eval 'db.dropDatabase()'"),
                "unknown")
    # the statement switches to another database: that one is placed
    assert_asks(check("""mongosh mongodb://127.0.0.1/catalog_test --eval 'db.getSiblingDB("catalog").dropDatabase()'"""),
                "dev")
    assert_asks(check("""mongosh mongodb://127.0.0.1/catalog_test --eval 'db.getSiblingDB("prod").users.drop()'"""),
                "production")
    assert_asks(check("mongosh --eval 'db.dropDatabase()'"), "dev")  # mongosh's default db "test" was not chosen


# -- Rails -------------------------------------------------------------------------------------------

DATABASE_YML = """
    default: &default
      adapter: postgresql
      encoding: unicode
      pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
    development:
      <<: *default
      database: shop_development
    test:
      <<: *default
      host: <%= ENV.fetch("TEST_DB_HOST") { "localhost" } %>
      database: shop_test
    production:
      <<: *default
      url: <%= ENV["DATABASE_URL"] %>
"""


def test_rails_test_database_from_database_yml(project: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    v = check("RAILS_ENV=test bin/rails db:drop", cwd=project)
    assert_allowed(v, "test")
    assert "config/database.yml test" in v.reasons[0]
    assert_allowed(check("bin/rails db:reset RAILS_ENV=test", cwd=project), "test")
    assert_allowed(check("bundle exec rake db:drop RAILS_ENV=test", cwd=project), "test")


@pytest.mark.parametrize(("cmd", "environment"), [
    ("RAILS_ENV=test TEST_DB_HOST=db.example.com bin/rails db:drop", "unknown"),
    ("RAILS_ENV=test DATABASE_URL=postgres://db.example.com/shop_test bin/rails db:drop", "unknown"),
    ("bin/rails db:drop", "dev"),  # development, and Rails drops the test database too
    ("RAILS_ENV=test bin/rails db:drop:all", "unknown"),  # production's url is only known at run time
    ("RAILS_ENV=production bin/rails db:drop", "unknown"),
    ("RAILS_ENV=staging bin/rails db:drop", "unknown"),
])
def test_rails_look_alikes(project: Path, cmd: str, environment: str) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    assert_asks(check(cmd, cwd=project), environment)


def test_rails_test_database_on_a_remote_host(project: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML.replace('{ "localhost" }', '{ "db.example.com" }'))
    assert_asks(check("RAILS_ENV=test bin/rails db:drop", cwd=project), "unknown", "db.example.com")


def test_rails_without_its_config_is_unknown(project: Path) -> None:
    # a folder is known but holds no config/database.yml: what the test environment points at is unknown
    assert_asks(check("RAILS_ENV=test bin/rails db:drop", cwd=project), "unknown", "config/database.yml")


def test_rails_test_selection_with_no_folder_at_all() -> None:
    # no folder at all (a batch line): the explicit selection of the framework's own test configuration
    # is the evidence there is (environment/selected.py); Rails itself refuses db:drop on a database whose
    # stored environment is production. Anything pointing elsewhere on the line still asks.
    assert_allowed(check("RAILS_ENV=test bin/rails db:drop"), "test")
    assert_asks(check("RAILS_ENV=test DATABASE_URL=postgres://db.example.com/shop_test bin/rails db:drop"))
    assert_asks(check("RAILS_ENV=test DISABLE_DATABASE_ENVIRONMENT_CHECK=1 bin/rails db:drop"))


# -- Laravel, Django, Prisma -------------------------------------------------------------------------

def test_laravel_env_testing(project: Path) -> None:
    write(project, "artisan", "<?php\n")
    write(project, ".env", "APP_ENV=local\nDB_CONNECTION=pgsql\nDB_HOST=db.example.com\nDB_DATABASE=shop\n")
    write(project, ".env.testing", "APP_ENV=testing\nDB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_DATABASE=shop_testing\n")
    assert_allowed(check("php artisan migrate:fresh --env=testing", cwd=project), "test")
    assert_asks(check("php artisan migrate:fresh", cwd=project), "unknown", ".env DB_HOST")
    assert_asks(check("php artisan migrate:fresh --env=staging", cwd=project), "unknown")  # no .env.staging: .env
    assert_asks(check("DB_HOST=db.example.com php artisan migrate:fresh --env=testing", cwd=project), "unknown")
    write(project, ".env.testing", "DB_CONNECTION=sqlite\nDB_DATABASE=:memory:\n")
    assert_allowed(check("php artisan db:wipe --env=testing", cwd=project), "test")


DJANGO_BASE = """
    import os
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("DB_HOST", "db.example.com"),
            "NAME": "shop",
        }
    }
"""


def test_django_settings_module(project: Path) -> None:
    write(project, "manage.py", 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")\n')
    write(project, "shop/__init__.py", "")
    write(project, "shop/settings/__init__.py", "")
    write(project, "shop/settings/base.py", DJANGO_BASE)
    write(project, "shop/settings/test.py", """
        from .base import *
        DATABASES["default"]["HOST"] = "localhost"
        DATABASES["default"]["NAME"] = "shop_test"
    """)
    write(project, "shop/settings/ci.py", """
        from .base import *
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "test.sqlite3"}}
    """)
    assert_allowed(check("python manage.py flush --noinput --settings=shop.settings.test", cwd=project), "test")
    assert_allowed(check("DJANGO_SETTINGS_MODULE=shop.settings.ci python manage.py flush --noinput", cwd=project),
                   "test")
    assert_asks(check("python manage.py flush --noinput", cwd=project), "unknown", "db.example.com")
    assert_asks(check("python manage.py flush --noinput --settings=shop.settings.missing", cwd=project), "unknown")
    assert_asks(check("DB_HOST=localhost python manage.py flush --noinput", cwd=project), "dev")


PRISMA_SCHEMA = """
    datasource db {
      provider = "postgresql"
      url      = env("DATABASE_URL")
    }
"""


def test_prisma_migrate_reset(project: Path) -> None:
    write(project, "prisma/schema.prisma", PRISMA_SCHEMA)
    write(project, ".env", "DATABASE_URL=postgresql://postgres:postgres@localhost:5432/shop_test?schema=public\n")
    assert_allowed(check("npx prisma migrate reset --force", cwd=project), "test")
    assert_asks(check("DATABASE_URL=postgresql://u@db.example.com/shop_test npx prisma migrate reset --force",
                      cwd=project), "unknown")
    write(project, ".env", "DATABASE_URL=postgresql://postgres@localhost:5432/shop\n")
    assert_asks(check("npx prisma migrate reset --force", cwd=project), "dev")


# -- HTTP ------------------------------------------------------------------------------------------

def test_local_mail_catcher_vs_remote() -> None:
    assert_allowed(check({"method": "DELETE", "url": "http://localhost:8025/api/v1/messages"}, "http"), "local")
    assert_allowed(check("curl -X DELETE http://127.0.0.1:8025/api/v1/messages"), "local")
    assert_allowed(check("curl -X DELETE 'http://localhost:8080/emulator/v1/projects/demo/databases/(default)/documents'"),
                   "local")
    assert_asks(check({"method": "DELETE", "url": "https://mail.example.com:8025/api/v1/messages"}, "http"), "unknown")
    assert_asks(check("curl --connect-to localhost:8025:mail.example.com:8025 -X DELETE "
                      "http://localhost:8025/api/v1/messages"), "unknown", "--connect-to")
    assert_asks(check("https_proxy=http://proxy.example.com:3128 http_proxy=http://proxy.example.com:3128 "
                      "curl -X DELETE http://localhost:8025/api/v1/messages"), "unknown", "proxy")


def test_a_local_search_index_is_dev_not_disposable() -> None:
    assert_asks(check("curl -X DELETE 'http://localhost:9200/logs-*'"), "dev")
    assert_asks(check({"method": "DELETE", "url": "https://search.example.com/products"}, "http"), "unknown")


def test_localstack_vs_aws() -> None:
    assert_allowed(check("aws --endpoint-url http://localhost:4566 s3 rb s3://test-bucket --force"), "local")
    assert_allowed(check("awslocal s3 rb s3://test-bucket --force"), "local")
    assert_asks(check("aws s3 rb s3://test-bucket --force"), "unknown")
    assert_asks(check("aws --endpoint-url https://s3.example.com s3 rb s3://test-bucket --force"), "unknown")


# -- Kubernetes ---------------------------------------------------------------------------------------

KUBECONFIG = """
    apiVersion: v1
    kind: Config
    current-context: kind-dev
    clusters:
      - name: kind-dev
        cluster: {server: "https://127.0.0.1:43211"}
      - name: prod
        cluster: {server: "https://k8s.example.com:6443"}
    contexts:
      - name: kind-dev
        context: {cluster: kind-dev, user: kind-dev}
      - name: prod
        context: {cluster: prod, user: admin}
      - name: kind-looks-local
        context: {cluster: prod, user: admin}
    users: []
"""


def test_kind_context_vs_remote_cluster(home: Path, project: Path) -> None:
    write(home, ".kube/config", KUBECONFIG)
    assert_allowed(check("kubectl --context kind-dev delete namespace demo"), "local")
    assert_allowed(check("kubectl delete namespace demo"), "local")  # the current context
    assert_asks(check("kubectl --context prod delete namespace demo"), "unknown", "k8s.example.com")
    assert_asks(check("kubectl --context kind-looks-local delete namespace demo"), "unknown")  # a name is not a server
    assert_asks(check("kubectl --server https://k8s.example.com:6443 delete namespace demo"), "unknown")
    assert_asks(check("helm --kube-context prod uninstall preview-42 -n previews"), "unknown")
    other = write(project, "prod.kubeconfig", KUBECONFIG.replace("current-context: kind-dev", "current-context: prod"))
    assert_asks(check(f"KUBECONFIG={other} kubectl delete namespace demo"), "unknown")
    assert_asks(check(f"kubectl --kubeconfig {other} delete namespace demo"), "unknown")
    assert_asks(check("kubectl --context missing delete namespace demo"), "unknown", "no context missing")


def test_no_kubeconfig_is_unknown() -> None:
    assert_asks(check("kubectl delete namespace demo"), "unknown", "kubeconfig")


# -- SQL actions, hints and the inventory ----------------------------------------------------------------

def test_sql_action_connection_string() -> None:
    assert_allowed(check("DROP TABLE users", "sql", database="postgresql://postgres@127.0.0.1:5432/shop_test"), "test")
    assert_asks(check("DROP TABLE users", "sql", database="postgresql://postgres@db.example.com/shop_test"), "unknown")
    assert_asks(check("DROP TABLE users", "sql"), "unknown", "does not say which server")


def test_a_hint_is_never_evidence() -> None:
    assert_asks(check("dropdb -h db.example.com app_test", environment="test"))
    assert_asks(check("DROP TABLE users", "sql", environment="test"))
    # a context that says production wins over local evidence; a development session's does not
    assert_asks(check("dropdb -h localhost app_test", environment="production"), "production")
    assert_allowed(check("dropdb -h localhost app_test", environment="development"), "test")
    assert_asks(check("psql -h localhost -d app_dev -c 'TRUNCATE tmp_load CASCADE'"), "dev")


def policy_with(text: str) -> Policy:
    import tomllib

    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


def test_the_inventory_always_wins() -> None:
    pol = policy_with('[inventory.environments.production]\nhosts = ["localhost"]\n')
    assert_asks(check("dropdb -h localhost app_test", policy=pol), "production", "(inventory)")
    pol = policy_with('[inventory.environments.test]\nhosts = ["ci-db.internal"]\n')
    v = check("dropdb -h ci-db.internal app_test", policy=pol)
    assert_allowed(v, "test")
    assert v.findings[0].evidence == ("host ci-db.internal is in test (inventory)",)
    # nothing in the inventory places it: the evidence does
    pol = policy_with('[inventory.environments.production]\nhosts = ["db.example.com"]\n')
    assert_allowed(check("dropdb -h localhost app_test", policy=pol), "test")
    assert_asks(check("dropdb -h other.example.com app_test", policy=pol), "unverified")


def test_policy_rules_by_environment_and_agent() -> None:
    pol = policy_with("""
        [[rule]]
        environment = ["test"]
        verified = true
        agent = ["codex"]
        decision = "ask"
        reason = "codex asks before touching test databases"
    """)
    assert_asks(check("dropdb app_test", policy=pol, agent="codex"), "test", "codex asks")
    assert check("dropdb app_test", policy=pol, agent="claude-code").decision is Decision.ALLOW
    with pytest.raises(PolicyError, match="verified"):
        policy_with('[[rule]]\nverified = "yes"\ndecision = "allow"\n')


def test_evidence_reaches_the_verdict_json_and_the_approval_facts() -> None:
    from blastwall.approvals.requests import _preflight_facts

    v = check("dropdb -h db.example.com app_test")
    data = v.to_dict()
    assert data["findings"][0]["environment"] == "unknown"
    assert "db.example.com (-h) is not on this machine" in data["findings"][0]["evidence"][0]
    facts = _preflight_facts(data["findings"]) or {}
    assert facts["targets"][0]["evidence"] == data["findings"][0]["evidence"]


def test_critical_findings_stay_denied_on_local_targets() -> None:
    assert check("dropdb app_test && rm -rf /").decision is Decision.DENY


# -- bypass attempts: the server moved by something other than the command's own words ---------------

@pytest.mark.parametrize(("cmd", "because"), [
    ("""echo "-h db.example.com" | xargs dropdb app_test""", "more arguments at run time"),
    ("""dropdb() { command dropdb -h db.example.com "$@"; }; dropdb app_test""", "defines its own dropdb"),
    ("source prod.env && dropdb app_test", "prod.env"),
    ("export $(grep -v '^#' prod.env | xargs) && dropdb app_test", "cannot read"),
    ("""psql -h localhost -d app_test -c '\\c app db.example.com' -c 'DROP TABLE users'""", "connection of its own"),
    ("psql -h localhost -d app_test <<'SQL'\n\\connect app db.example.com\nDROP TABLE users;\nSQL", "connection of its own"),
    ("""mysql -h 127.0.0.1 app_test -e 'connect app db.example.com; DROP TABLE users'""", "connection of its own"),
    ("""mongosh mongodb://127.0.0.1/x_test --eval 'db = connect("mongodb://db.example.com/app"); db.dropDatabase()'""",
     "connection of its own"),
    ("psql -h localhost -d app_test -c \"SELECT dblink_exec('host=db.example.com', 'DROP TABLE users')\"", ""),
])
def test_moving_the_server_without_naming_it(cmd: str, because: str) -> None:
    assert_asks(check(cmd), because=because)


def test_a_sourced_file_blastwall_can_read_counts(project: Path) -> None:
    write(project, "local.env", "export PGHOST=localhost\n")
    write(project, "prod.env", "PGHOST=db.example.com\n")
    assert_allowed(check("source local.env && dropdb app_test", cwd=project), "test")
    assert_asks(check(". ./prod.env; dropdb app_test", cwd=project), "unknown", "db.example.com")


def test_statement_files_and_startup_files_are_read(project: Path, home: Path) -> None:
    write(project, "reset.sql", "\\c app db.example.com\nDROP TABLE users;\n")
    assert_asks(check("psql -h localhost -d app_test -f reset.sql", cwd=project), because="reset.sql")
    assert_asks(check("psql -h localhost -d app_test < reset.sql", cwd=project), because="reset.sql")
    write(home, ".psqlrc", "\\c app db.example.com\n")
    assert_asks(check("psql -h localhost -d app_test -c 'DROP TABLE users'"), because=".psqlrc")
    assert_allowed(check("psql -X -h localhost -d app_test -c 'DROP TABLE users'"), "test")


def test_mysql_option_files_can_name_the_host(home: Path) -> None:
    assert check("mysql app_test -e 'DROP TABLE users'").findings[0].environment in ("test", "unknown")
    write(home, ".my.cnf", "[client]\nuser = app\nhost = db.example.com\n")
    assert_asks(check("mysql app_test -e 'DROP TABLE users'"), "unknown", "option files")
    assert_allowed(check("mysql -h 127.0.0.1 app_test -e 'DROP TABLE users'"), "test")


@pytest.mark.parametrize("before", ["git checkout prod-config", "cp config/prod.yml config/database.yml",
                                    "echo x > config/database.yml", "sed -i s/localhost/db.example.com/ config/database.yml"])
def test_files_changed_earlier_on_the_line_prove_nothing(project: Path, before: str) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    assert_asks(check(f"{before} && RAILS_ENV=test bin/rails db:drop", cwd=project), "unknown",
                "may change the files that say where it acts")
    after = check(f"RAILS_ENV=test bin/rails db:drop && {before}", cwd=project)
    assert [f.environment for f in after.findings if f.rule_id.startswith("shell.rails:")] == ["test"]


def test_contexts_switched_earlier_on_the_line_prove_nothing(home: Path) -> None:
    write(home, ".kube/config", KUBECONFIG)
    assert_asks(check("kubectl config use-context prod && kubectl delete namespace demo"), "unknown")
    assert_asks(check("docker context use prod && docker compose -f docker-compose.test.yml down -v"), "unknown")


def test_a_kube_proxy_makes_loopback_remote(home: Path) -> None:
    write(home, ".kube/config", KUBECONFIG.replace('{server: "https://127.0.0.1:43211"}',
                                                   '{server: "https://127.0.0.1:43211", proxy-url: "http://jump.example.com:3128"}'))
    assert_asks(check("kubectl --context kind-dev delete namespace demo"), "unknown", "proxy")


def test_curl_redirects_and_startup_files(home: Path) -> None:
    assert_asks(check("curl -L -X DELETE http://localhost:8025/api/v1/messages"), "unknown")
    write(home, ".curlrc", "# proxy = http://not-used.example.com\nsilent\n")
    assert_allowed(check("curl -X DELETE http://localhost:8025/api/v1/messages"), "local")
    write(home, ".curlrc", "proxy = http://proxy.example.com:3128\n")
    assert_asks(check("curl -X DELETE http://localhost:8025/api/v1/messages"), "unknown", ".curlrc")
    assert_allowed(check("curl -q -X DELETE http://localhost:8025/api/v1/messages"), "local")


def test_compose_env_file_and_named_volumes(project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", DEV_STACK)  # same volume key as the dev stack
    write(project, "test.env", "COMPOSE_PROJECT_NAME=shop_test\n")
    assert_allowed(check("docker compose --env-file test.env -f docker-compose.test.yml down -v", cwd=project), "test")
    write(project, ".env", "COMPOSE_PROJECT_NAME=shop\n")  # both stacks: project shop, volume shop_pgdata
    assert_asks(check("docker compose -f docker-compose.test.yml down -v", cwd=project), "dev", "shop_pgdata")
    write(project, "docker-compose.test.yml", TEST_STACK.replace("testdata: {}", "testdata: {name: pgdata_main}"))
    assert_asks(check("docker compose -f docker-compose.test.yml down -v", cwd=project), "dev", "pgdata_main")


def test_rails_reads_dotenv_files_like_the_app(project: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    write(project, ".env.test", "DATABASE_URL=postgres://db.example.com/shop_test\n")
    assert_asks(check("RAILS_ENV=test bin/rails db:drop", cwd=project), "unknown", "db.example.com")
    write(project, ".env.test", "PGHOST=db.example.com\n")
    write(project, "config/database.yml", DATABASE_YML.replace(
        '      host: <%= ENV.fetch("TEST_DB_HOST") { "localhost" } %>\n', ""))
    assert_asks(check("RAILS_ENV=test bin/rails db:drop", cwd=project), "unknown", "PGHOST")


def test_every_family_of_the_table_passes_the_quick_prefix_screen() -> None:
    """locate.FAMILY_PREFIXES turns other findings away without reading evidence.toml: it must
    hold every `findings` glob the table declares (and the SQL and HTTP families)."""
    from blastwall.environment import FAMILY_PREFIXES
    from blastwall.environment.table import section

    declared = [g for spec in section("client").values() for g in spec.get("findings", [])]
    declared += [g for spec in section("framework").values() for g in spec.get("findings", [])]
    declared += section("kube")["findings"] + section("docker")["findings"]
    assert declared and all(g.startswith(FAMILY_PREFIXES) for g in declared), \
        [g for g in declared if not g.startswith(FAMILY_PREFIXES)]


def test_the_evidence_table_is_consistent() -> None:
    from blastwall.environment.table import ENVIRONMENTS, table

    data = table()
    assert tuple(data["order"]) == ENVIRONMENTS
    assert {row["environment"] for row in data["name"]} <= set(ENVIRONMENTS)
    import re

    for name, patterns in data["reconnects"].items():
        assert name in data["client"], name
        for p in patterns:
            re.compile(p)


def test_an_allowed_verdict_is_audited_with_its_evidence(tmp_path: Path) -> None:
    """The reason a local test database was allowed is in the audit log, with the evidence."""
    from blastwall.approvals.gate import gate
    from blastwall.engine import make_action
    from blastwall.store import open_store

    action = make_action("shell", "dropdb -h 127.0.0.1 app_test", {"cwd": str(tmp_path)})
    v = blastwall.check(action, policy=default_policy(), probe=False)
    store = open_store(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        done = gate([action], [v], v.decision.value, v.reasons, policy=default_policy(), can_ask=True, store=store)
        assert done.decision == "allow"
        (row,) = [r.to_dict()["data"] for r in store.audit_rows(kind=["verdict"])]
    finally:
        store.close()
    assert row["decision"] == "allow" and "environment test" in row["reasons"][0]
    assert row["environments"] == [{"target": "app_test", "environment": "test",
                                    "evidence": list(v.findings[0].evidence)}]
