"""Bypass attempts on the environment placement: an agent that wants a destructive action to run
unasked makes a remote or production target look local or test.

Each class holds the safe local form (still allowed) beside the look-alikes that must ask. The
payloads are strings handed to blastwall.check, never run; files live in temporary folders.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

import blastwall
from blastwall.model import Decision, Verdict
from blastwall.policy.engine import Policy
from test_environment import DEV_STACK, TEST_STACK, check, private_home, write

CLEARED = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE", "DATABASE_URL", "DB_HOST",
           "DIRECT_URL", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "CONTAINER_HOST", "CONTAINER_CONNECTION",
           "KUBECONFIG", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "RAILS_ENV", "RACK_ENV", "APP_ENV",
           "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "MYSQL_HOST", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
           "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
           "ALL_PROXY", "all_proxy", "BLASTWALL_POLICY", "BLASTWALL_ENVIRONMENT", "HELM_KUBECONTEXT",
           "HELM_KUBEAPISERVER", "BASH_ENV", "CDPATH")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return private_home(tmp_path, monkeypatch, CLEARED)


def placed(v: Verdict) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(f.rule_id, f.environment, f.evidence) for f in v.findings]


def allowed(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, **context: str) -> None:
    v = check(text, kind, cwd, **context)
    assert v.decision is Decision.ALLOW, (v.reasons, placed(v))
    assert all(f.environment in ("local", "test") and f.evidence for f in v.findings if f.environment), placed(v)


def asks(text: str | dict[str, object], kind: str = "shell", cwd: Path | None = None, because: str = "",
         **context: str) -> Verdict:
    v = check(text, kind, cwd, **context)
    assert v.decision is not Decision.ALLOW, placed(v)
    if because:
        assert any(because in r for r in v.reasons), v.reasons
    return v


# -- the options a client reads: bundles, abbreviations, URIs -------------------------------------

@pytest.mark.parametrize("cmd", [
    "dropdb -eh localhost app_test",
    "dropdb --host=localhost app_test",
    "psql -qXh localhost -d app_test -c 'DROP TABLE users'",
    "psql 'postgresql://localhost/app_test?sslmode=disable' -c 'DROP TABLE users'",
    "psql 'postgresql:///app_test?host=/var/run/postgresql' -c 'DROP TABLE users'",
    "mysql -h 127.0.0.1 app_test -e 'DROP TABLE users'",
    "curl -fsS -X DELETE http://localhost:8025/api/v1/messages",
])
def test_client_options_local_forms_stay_allowed(cmd: str) -> None:
    allowed(cmd)


@pytest.mark.parametrize(("cmd", "because"), [
    # getopt_long and my_getopt take any unique prefix of a long option
    ("dropdb --hos=db.example.com app_test", "db.example.com"),
    ("dropdb --ho db.example.com app_test", "db.example.com"),
    ("dropdb --maint='host=db.example.com dbname=postgres' app_test", "db.example.com"),
    ("mysql --hos=db.example.com app_test -e 'DROP TABLE users'", "db.example.com"),
    ("psql --h db.example.com -d app_test -c 'DROP TABLE users'", "db.example.com"),
    ("psql --f reset.sql -h localhost -d app_test -c 'DROP TABLE users'", "more than one option"),
    # getopt bundles: -e is a flag, -h takes the next word
    ("dropdb -eh db.example.com app_test", "db.example.com"),
    ("psql -qXh db.example.com -d app_test -c 'DROP TABLE users'", "db.example.com"),
    # curl: -L bundled with other flags, and abbreviated
    ("curl -sL -X DELETE http://localhost:8025/api/v1/messages", "-L"),
    ("curl --loc -X DELETE http://localhost:8025/api/v1/messages", ""),
    # libpq reads the URI's query after its authority: host, hostaddr, service and dbname win
    ("psql 'postgresql://localhost/app_test?host=db.example.com' -c 'DROP TABLE users'", "db.example.com"),
    ("psql 'postgresql://localhost/app_test?hostaddr=10.0.0.5' -c 'DROP TABLE users'", "10.0.0.5"),
    ("psql 'postgresql:///app_test?service=prod' -c 'DROP TABLE users'", "pg_service.conf"),
    ("psql 'postgresql://localhost/app_test?dbname=app_prod' -c 'DROP TABLE users'", "named for production"),
    # several databases named: the client uses one, blastwall counts each
    ("psql -h localhost -d app_test -d app -c 'DROP TABLE users'", "not named for test"),
    # DNS lists the servers of a +srv URI
    ("mongosh mongodb+srv://db.test.localhost/catalog_test --eval 'db.dropDatabase()'", "DNS"),
])
def test_client_options_look_alikes_ask(cmd: str, because: str) -> None:
    asks(cmd, because=because)


@pytest.mark.parametrize("database", [
    "postgresql:///shop_test?service=prod",
    "postgresql://localhost/shop_test?host=db.example.com",
    "postgresql://localhost/shop_test?dbname=shop_production",
    "mongodb+srv://cluster0.test.localhost/shop_test",
])
def test_a_sql_action_connection_string_is_read_as_libpq_reads_it(database: str) -> None:
    asks("DROP TABLE users", "sql", database=database)
    allowed("DROP TABLE users", "sql", database="postgresql://localhost/shop_test?sslmode=disable")


# -- a port is not a protocol ----------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "psql -h localhost -p 10000 -d app -c 'DROP TABLE users'",  # Azurite's port, but psql speaks PostgreSQL
    "redis-cli -p 4566 FLUSHALL",  # LocalStack's port
    "psql -h localhost -p 54321 -d app -c 'DROP TABLE users'",  # the Supabase API, not its database
])
def test_an_emulator_port_does_not_place_another_protocol(cmd: str) -> None:
    asks(cmd, because="may hold data someone wants")


def test_the_supabase_database_port_is_still_the_local_stack() -> None:
    allowed("psql -h localhost -p 54322 -d postgres -c 'DROP TABLE users'")
    allowed({"method": "DELETE", "url": "http://localhost:54321/rest/v1/todos?id=eq.1"}, "http")


# -- variables the line sets, hides or injects ------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "unset PGHOST; dropdb app_test",
    "env -u PGHOST dropdb app_test",
    "PGHOST=db.example.com dropdb -h localhost app_test",  # an explicit -h wins over PGHOST
])
def test_variables_local_forms_stay_allowed(cmd: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.example.com")
    allowed(cmd)


@pytest.mark.parametrize(("cmd", "because"), [
    # bash exports an assignment when allexport is on
    ("set -a; PGHOST=db.example.com; dropdb app_test", "db.example.com"),
    ("set -ea; PGHOST=db.example.com; dropdb app_test", "db.example.com"),
    ("set -o allexport; PGHOST=db.example.com; dropdb app_test", "db.example.com"),
    # wrappers that set variables for the program they run
    ("sudo PGHOST=db.example.com dropdb app_test", "db.example.com"),
    ("sudo -u postgres PGHOST=db.example.com dropdb app_test", "db.example.com"),
    ("systemd-run -E PGHOST=db.example.com --wait dropdb app_test", "db.example.com"),
    ("systemd-run --setenv=PGHOST=db.example.com --wait dropdb app_test", "db.example.com"),
    ("time PGHOST=db.example.com dropdb app_test", "db.example.com"),
    ("eval PGHOST=db.example.com dropdb app_test", ""),
    # programs that inject variables the line does not show
    ("railway run dropdb app_test", "railway run"),
    ("doppler run -- dropdb -h localhost app_test", "doppler run"),
    ("op run --env-file=prod.env -- dropdb app_test", "op run"),
    ("pipenv run dropdb app_test", "pipenv run"),
    ("aws-vault exec prod -- psql -h localhost -d app_test -c 'DROP TABLE users'", "aws-vault exec"),
    # a library or another program under the same name
    ("LD_PRELOAD=/tmp/redirect.so dropdb -h localhost app_test", "LD_PRELOAD"),
    ("PATH=/tmp/bin:$PATH dropdb app_test", "PATH"),
    ("export PATH=/tmp/bin:$PATH; dropdb app_test", "PATH"),
    ("./dropdb app_test", "not an installed dropdb"),
    ("bin/psql -h localhost -d app_test -c 'DROP TABLE users'", "not an installed psql"),
    ("/tmp/x/kubectl delete namespace demo", "not an installed kubectl"),
    ("shopt -s expand_aliases\nalias dropdb='dropdb -h db.example.com'\ndropdb app_test", ""),
])
def test_variables_look_alikes_ask(cmd: str, because: str) -> None:
    asks(cmd, because=because)


def test_an_unset_of_another_name_keeps_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.example.com")
    asks("unset FOO; echo PGHOST; dropdb app_test", because="db.example.com")


def test_a_client_behind_a_program_blastwall_does_not_unwrap_is_not_placed() -> None:
    # cross-env, dotenv-cli, python-dotenv: the client's variables are whatever that program sets
    for cmd in ("cross-env PGHOST=db.example.com dropdb app_test", "dotenv -e .env.production -- dropdb app_test",
                "dotenv -f .env.production run dropdb app_test", "dotenv run -- dropdb app_test"):
        v = asks(cmd)
        assert [f.rule_id for f in v.findings] == ["shell.postgres:dropdb"], placed(v)


def test_installed_clients_by_path_stay_allowed() -> None:
    allowed("/usr/bin/dropdb app_test")
    allowed("/usr/lib/postgresql/16/bin/dropdb app_test")


# -- tunnels: a loopback port that leads elsewhere --------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "ssh -fN prod-tunnel && dropdb -h localhost app_test",  # LocalForward in ~/.ssh/config
    "ssh bastion sleep 600 & dropdb -h localhost app_test",
    "tmux new -d 'ssh -fNL 5432:db.example.com:5432 bastion'; dropdb -h localhost app_test",
    "screen -dm bash -c 'socat TCP-LISTEN:5432,fork TCP:db.example.com:5432'; dropdb -h localhost app_test",
    "ncat -l 5432 --keep-open --sh-exec 'ncat db.example.com 5432' & dropdb -h localhost app_test",
    "proxychains4 dropdb -h localhost app_test",
    "kubectl proxy --port=8001 & kubectl --server http://127.0.0.1:8001 delete namespace payments",
    "sudo iptables -t nat -A OUTPUT -p tcp --dport 5432 -j DNAT --to 10.0.0.5:5432; dropdb -h localhost app_test",
])
def test_tunnels_anywhere_on_the_line_void_a_loopback(cmd: str) -> None:
    asks(cmd, because="can make a local port lead to another machine")


def test_a_line_without_a_tunnel_stays_allowed() -> None:
    allowed("git pull && dropdb -h localhost app_test")
    allowed("dropdb --if-exists app_test && createdb app_test")


# -- the program a finding comes from ----------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "psql -h localhost -d app_test -c 'SELECT 1' && usql postgres://db.example.com/app -c 'DROP TABLE users'",
    "psql -h localhost -d app_test -c 'SELECT 1'; "
    "python3 -c \"import psycopg; psycopg.connect('host=db.example.com').execute('DROP TABLE users')\"",
    "curl -X DELETE http://localhost:8025/api/v1/messages; "
    "python3 -c \"import requests; requests.delete('https://api.example.com/v1/messages')\"",
])
def test_a_finding_is_placed_by_its_own_program_not_a_local_neighbour(cmd: str) -> None:
    asks(cmd)


@pytest.mark.parametrize("cmd", [
    "echo 'DROP TABLE users' | psql -h localhost app_test",
    "psql -h localhost app_test <<'SQL'\nDROP TABLE users;\nSQL",
    "curl -X DELETE http://localhost:8025/api/v1/messages && curl -X DELETE http://localhost:8025/api/v1/messages",
])
def test_a_finding_carried_by_its_client_stays_allowed(cmd: str) -> None:
    allowed(cmd)


# -- which database a statement acts on --------------------------------------------------------------

@pytest.mark.parametrize(("cmd", "environment"), [
    ("psql -h localhost -d app_test -c 'DROP DATABASE shop'", "dev"),
    ("psql -h localhost -d app_test -c 'DROP DATABASE shop_production'", "production"),
    ("mysql -h 127.0.0.1 app_test -e 'DROP DATABASE shop'", "dev"),
    ("mysql -h 127.0.0.1 app_test -e 'DROP TABLE app_production.users'", "production"),
    ("mysql -h 127.0.0.1 app_test -e 'use app_production; DROP TABLE users'", "production"),
    ("""mongosh mongodb://127.0.0.1/catalog_test --eval 'db.getMongo().getDB("prod").dropDatabase()'""",
     "production"),
    ("mongosh mongodb://127.0.0.1/catalog_test "
     "--eval 'db.getMongo().getDBNames().forEach(n => db.getSiblingDB(n).dropDatabase())'", "dev"),
])
def test_a_statement_is_placed_by_the_database_it_acts_on(cmd: str, environment: str) -> None:
    v = asks(cmd)
    assert environment in [f.environment for f in v.findings], placed(v)


def test_a_sql_action_dropping_another_database_is_placed_by_that_database() -> None:
    v = asks("DROP DATABASE shop", "sql", database="postgresql://localhost/shop_test")
    assert [f.environment for f in v.findings] == ["dev"]
    allowed("DROP DATABASE shop_test", "sql", database="postgresql://localhost/postgres")
    allowed("psql -h localhost -d postgres -c 'DROP DATABASE IF EXISTS shop_test'")


def test_files_a_client_runs_are_read_with_what_they_include(project: Path) -> None:
    write(project, "reset.sql", "\\ir switch.sql\nDROP TABLE users;\n")
    write(project, "switch.sql", "\\c app db.example.com\n")
    asks("psql -h localhost -d app_test -f reset.sql", cwd=project, because="connection of its own")
    asks("psql -h localhost -d app_test -c '\\i switch.sql' -c 'DROP TABLE users'", cwd=project,
         because="connection of its own")
    asks("psql -h localhost -d app_test -c '\\i missing.sql' -c 'DROP TABLE users'", cwd=project)
    write(project, "x.js", 'db = connect("mongodb://db.example.com/app")\n')
    asks("""mongosh mongodb://127.0.0.1/catalog_test --eval 'load("x.js"); db.dropDatabase()'""", cwd=project,
         because="connection of its own")
    asks("mongosh mongodb://127.0.0.1/catalog_test x.js --eval 'db.dropDatabase()'", cwd=project,
         because="connection of its own")
    write(project, "switch.sql", "SELECT 1;\n")
    allowed("psql -h localhost -d app_test -f reset.sql", cwd=project)


@pytest.mark.parametrize("statement", ["\\! psql -h db.example.com -c 'DROP TABLE users'",
                                       "\\setenv PGHOST db.example.com", "COPY t FROM PROGRAM 'psql -h db.example.com'"])
def test_psql_escapes_that_run_elsewhere_ask(statement: str) -> None:
    asks(f"psql -h localhost -d app_test -c \"{statement}\" -c 'DROP TABLE users'")


# -- files rewritten earlier on the same line --------------------------------------------------------

def test_a_file_read_to_place_a_client_is_void_when_the_line_rewrites_it_first(project: Path, home: Path) -> None:
    write(project, "local.env", "PGHOST=localhost\n")
    allowed("source local.env && dropdb app_test", cwd=project)
    asks("echo PGHOST=db.example.com >> local.env && source local.env && dropdb app_test", cwd=project,
         because="local.env")
    asks("cp prod.env local.env; . ./local.env; dropdb app_test", cwd=project)
    asks("printf '\\\\c app db.example.com\\n' > ~/.psqlrc; psql -h localhost -d app_test -c 'DROP TABLE users'",
         cwd=project, because=".psqlrc")
    # a redirection to another file changes nothing blastwall read
    allowed("pg_dump app_test > backup.sql && dropdb app_test", cwd=project)
    allowed("pg_dump -h localhost app_test > backup.sql && psql -h localhost -d app_test -c 'DROP TABLE users'",
            cwd=project)


# -- Kubernetes: the cluster a program really talks to ------------------------------------------------

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
      context: {cluster: kind-dev, user: u}
    - name: prod
      context: {cluster: prod, user: u}
    users:
    - name: u
      user: {}
"""


@pytest.fixture
def kube(home: Path, project: Path) -> tuple[Path, Path]:
    write(home, ".kube/config", KUBECONFIG)
    local = write(project, "local.kubeconfig", KUBECONFIG)
    prod = write(project, "prod.kubeconfig", KUBECONFIG.replace("current-context: kind-dev", "current-context: prod"))
    return local, prod


def test_kube_local_forms_stay_allowed(kube: tuple[Path, Path], project: Path) -> None:
    local, prod = kube
    for cmd in ("kubectl delete namespace demo", "kubectl --context prod --context kind-dev delete namespace demo",
                f"kubectl --kubeconfig {prod} --kubeconfig {local} delete namespace demo",
                "helm uninstall demo --kube-context kind-dev", "velero --kubecontext kind-dev delete backup nightly"):
        allowed(cmd, cwd=project)


@pytest.mark.parametrize("cmd", [
    # pflag: the last of an option given twice wins
    "kubectl --context kind-dev delete namespace demo --context prod",
    "kubectl --context=kind-dev --context=prod delete namespace demo",
    "kubectl --cluster kind-dev --cluster prod delete namespace demo",
    "kubectl --kubeconfig {local} --kubeconfig {prod} delete namespace demo",
    # each program's own options
    "helm uninstall demo --kube-apiserver https://k8s.example.com:6443",
    "HELM_KUBECONTEXT=prod helm uninstall demo",
    "flux --server https://k8s.example.com:6443 delete kustomization demo --silent",
    "velero --kubecontext prod delete backup nightly --confirm",
    "istioctl uninstall --purge -y -c {prod}",
    # an option the grammar does not list that may name another cluster
    "kubectl --kube-apiserver=https://k8s.example.com delete namespace demo",
])
def test_kube_look_alikes_ask(cmd: str, kube: tuple[Path, Path], project: Path) -> None:
    local, prod = kube
    asks(cmd.format(local=local, prod=prod), cwd=project)


def test_a_project_file_that_names_a_context_counts(kube: tuple[Path, Path], project: Path) -> None:
    write(project, "helmfile.yaml", "releases:\n- name: api\n  chart: ./chart\n  kubeContext: prod\n")
    asks("helmfile destroy", cwd=project, because="k8s.example.com")
    write(project, "helmfile.yaml", "releases:\n- name: api\n  chart: ./chart\n  kubeContext: {{ .Environment.Name }}\n")
    asks("helmfile destroy", cwd=project, because="when it runs")
    write(project, "helmfile.yaml", "releases:\n- name: api\n  chart: ./chart\n")
    allowed("helmfile destroy", cwd=project)
    write(project, "skaffold.yaml", "apiVersion: skaffold/v4beta6\nkind: Config\ndeploy:\n  kubeContext: prod\n")
    asks("skaffold delete", cwd=project, because="k8s.example.com")


# -- compose: what down -v removes ----------------------------------------------------------------------

def test_compose_test_stack_forms_stay_allowed(project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", TEST_STACK)
    allowed("docker compose -f docker-compose.test.yml down -v", cwd=project)
    allowed("docker compose -f docker-compose.test.yml -p project -p shop_test down -v", cwd=project)
    write(project, "docker-compose.ci.yml", "name: ${CI_PROJECT:-shop_ci}\nservices:\n  db: {image: postgres, "
                                            "volumes: [pgdata:/d]}\nvolumes:\n  pgdata: {}\n")
    allowed("docker compose -f docker-compose.ci.yml down -v", cwd=project)


@pytest.mark.parametrize(("name", "text", "cmd"), [
    # a test file that includes the dev stack removes its volumes too
    ("docker-compose.inc.test.yml", "include:\n  - compose.yaml\nservices:\n  t: {image: alpine}\n",
     "docker compose -f docker-compose.inc.test.yml down -v"),
    ("docker-compose.inc.test.yml", "include:\n  - path: [compose.yaml]\nservices:\n  t: {image: alpine}\n",
     "docker compose -f docker-compose.inc.test.yml down -v"),
    # compose interpolates the project name: ${P:-project} is the dev stack's project
    ("docker-compose.i2.test.yml", "name: ${P:-project}\nservices:\n  db: {image: postgres, volumes: [pgdata:/d]}\n"
                                   "volumes:\n  pgdata: {}\n", "docker compose -f docker-compose.i2.test.yml down -v"),
    # the last -p wins
    ("docker-compose.i3.test.yml", "services:\n  db: {image: postgres, volumes: [pgdata:/d]}\nvolumes:\n  pgdata: {}\n",
     "docker compose -f docker-compose.i3.test.yml -p shop_test -p project down -v"),
])
def test_compose_look_alikes_ask(name: str, text: str, cmd: str, project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, name, text)
    asks(cmd, cwd=project)


def test_a_test_stack_in_a_folder_named_like_another_project_asks(tmp_path: Path) -> None:
    """The project name comes from the folder, which the agent chooses: `down -v` of a test file in
    /tmp/x/shop removes shop_pgdata, the volume of the real shop project's dev stack."""
    decoy = tmp_path / "decoy" / "shop"
    write(decoy, "docker-compose.test.yml", "services:\n  db: {image: postgres, volumes: [pgdata:/d]}\n"
                                            "volumes:\n  pgdata: {}\n")
    asks("docker compose -f docker-compose.test.yml down -v", cwd=decoy, because="not named for tests")
    write(decoy, "docker-compose.test.yml", "services:\n  db: {image: postgres, volumes: [pgdata_test:/d]}\n"
                                            "volumes:\n  pgdata_test: {}\n")
    allowed("docker compose -f docker-compose.test.yml down -v", cwd=decoy)


@pytest.mark.parametrize("cmd", [
    "CONTAINER_HOST=ssh://root@prod.example.com/run/podman/podman.sock podman volume rm test_data",
    "podman --url ssh://root@prod.example.com/run/podman/podman.sock volume rm test_data",
    "podman --remote volume rm test_data",
    "podman-remote volume rm test_data",
    "podman --connection prod-box volume rm test_data",
])
def test_podman_remote_services_ask(cmd: str) -> None:
    asks(cmd)


def test_podman_connections_are_resolved(home: Path) -> None:
    allowed("podman volume rm test_data")
    write(home, ".config/containers/podman-connections.json", json.dumps({"Connection": {
        "Default": "box", "Connections": {"box": {"URI": "ssh://core@db.example.com:22/run/podman/podman.sock"},
                                          "machine": {"URI": "ssh://core@127.0.0.1:50123/run/podman/podman.sock"}}}}))
    asks("podman --remote volume rm test_data", because="db.example.com")
    allowed("podman --connection machine volume rm test_data")
    write(home, ".config/containers/containers.conf", "[engine]\nremote = true\n")
    asks("podman volume rm test_data", because="db.example.com")


def test_a_volume_list_known_only_at_run_time_asks() -> None:
    asks("docker volume rm test_a $(docker volume ls -q)")
    allowed("docker volume rm test_a")


def test_a_docker_context_file_switched_on_the_line_asks(home: Path, project: Path) -> None:
    write(project, "compose.yaml", DEV_STACK)
    write(project, "docker-compose.test.yml", TEST_STACK)
    meta = f".docker/contexts/meta/{hashlib.sha256(b'prod').hexdigest()}/meta.json"
    write(home, meta, json.dumps({"Name": "prod", "Endpoints": {"docker": {"Host": "ssh://ops@prod.example.com"}}}))
    asks("docker --context default --context prod compose -f docker-compose.test.yml down -v", cwd=project)


# -- frameworks: the app, the environment and the config the framework itself would use -------------

DATABASE_YML = """
    default: &default
      adapter: postgresql
    development:
      <<: *default
      database: shop_development
      host: localhost
    test:
      <<: *default
      database: shop_test
      host: localhost
    production:
      <<: *default
      database: shop
      host: db.example.com
"""


@pytest.fixture
def prod_app(tmp_path: Path) -> Path:
    """Another Rails app on this machine whose every database is remote."""
    app = tmp_path / "srv" / "shop"
    write(app, "config/database.yml", DATABASE_YML.replace("host: localhost", "host: db.example.com"))
    write(app, "Gemfile.lock", "GEM\n  specs:\n    rails (7.1.0)\n")
    return app


def test_rails_local_forms_stay_allowed(project: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    for cmd in ("RAILS_ENV=test bin/rails db:drop", "bin/rails db:drop RAILS_ENV=test",
                "RAILS_ENV=production bin/rails db:drop RAILS_ENV=test",  # rake applies the argument last
                "bundle exec rake db:drop RAILS_ENV=test"):
        allowed(cmd, cwd=project)


@pytest.mark.parametrize("cmd", [
    "bin/rails db:drop RAILS_ENV=test RAILS_ENV=production",  # rake applies arguments in order
    "bin/rails db:drop RAILS_ENV=test -e production",
    "RAILS_ENV=test {app}/bin/rails db:drop",  # the script's app, not the directory's
    "RAILS_ENV=test bundle exec rake -f {app}/Rakefile db:drop",
    "RAILS_ENV=test bundle exec rake --rakefile={app}/Rakefile db:drop",
    "RAILS_ENV=test bundle exec rake -C {app} db:drop",
])
def test_rails_look_alikes_ask(cmd: str, project: Path, prod_app: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    asks(cmd.format(app=prod_app), cwd=project)


def test_rails_reads_rack_env_after_rails_env(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    monkeypatch.setenv("RAILS_ENV", "production")
    asks("bin/rails db:drop RACK_ENV=test", cwd=project, because="db.example.com")


def test_a_subshell_cd_does_not_move_the_command_after_it(project: Path, prod_app: Path) -> None:
    write(project, "config/database.yml", DATABASE_YML)
    asks(f"(cd {project}); RAILS_ENV=test bin/rails db:drop", cwd=prod_app, because="db.example.com")
    asks(f"cd {project} | true; RAILS_ENV=test bin/rails db:drop", cwd=prod_app, because="db.example.com")
    allowed(f"cd {project} && RAILS_ENV=test bin/rails db:drop", cwd=prod_app)
    allowed(f"(cd {project} && RAILS_ENV=test bin/rails db:drop)", cwd=prod_app)


def test_cdpath_makes_a_relative_cd_unknown(tmp_path: Path, project: Path, prod_app: Path) -> None:
    write(project / "shop", "config/database.yml", DATABASE_YML)
    allowed("cd shop && RAILS_ENV=test bin/rails db:drop", cwd=project)
    asks(f"CDPATH={prod_app.parent} cd shop && RAILS_ENV=test bin/rails db:drop", cwd=project)
    asks(f"export CDPATH={prod_app.parent}; cd shop && RAILS_ENV=test bin/rails db:drop", cwd=project)


def test_rails_reads_env_files_only_when_the_app_loads_them(prod_app: Path) -> None:
    write(prod_app, ".env.test", "DATABASE_URL=postgres://localhost/shop_test\n")
    asks("RAILS_ENV=test bin/rails db:drop", cwd=prod_app, because="db.example.com")  # no dotenv in Gemfile.lock
    write(prod_app, "Gemfile.lock", "GEM\n  specs:\n    dotenv-rails (3.1.0)\n    rails (7.1.0)\n")
    allowed("RAILS_ENV=test bin/rails db:drop", cwd=prod_app)


DJANGO_SETTINGS = """
    import os
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "HOST": os.environ.get("DB_HOST", "db.example.com"), "NAME": "shop_test"}}
"""


@pytest.fixture
def django_app(project: Path) -> Path:
    write(project, "manage.py", 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n')
    write(project, "shop/__init__.py", "")
    write(project, "shop/settings.py", DJANGO_SETTINGS)
    write(project, "shop/test_settings.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                                            '"HOST": "localhost", "NAME": "shop_test"}}\n')
    return project


def test_django_local_forms_stay_allowed(django_app: Path) -> None:
    allowed("python manage.py flush --noinput --settings=shop.test_settings", cwd=django_app)
    allowed("DB_HOST=localhost python manage.py flush --noinput", cwd=django_app)
    allowed("python manage.py flush --noinput --settings=shop.settings --settings=shop.test_settings", cwd=django_app)
    write(django_app, ".env", "DB_HOST=localhost\n")
    write(django_app, "shop/settings.py", "import environ\nenviron.Env.read_env()\n" + textwrap.dedent(DJANGO_SETTINGS))
    allowed("python manage.py flush --noinput", cwd=django_app)


@pytest.mark.parametrize(("setup", "cmd"), [
    # .env counts only when the settings load it
    ({".env": "DB_HOST=localhost\n"}, "python manage.py flush --noinput"),
    # argparse: the last --settings wins
    ({}, "python manage.py flush --noinput --settings=shop.test_settings --settings=shop.settings"),
    # manage.py's own assignment wins over the variable
    ({"manage.py": 'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"\n'},
     "DJANGO_SETTINGS_MODULE=shop.test_settings python manage.py flush --noinput"),
    # a DATABASES change blastwall does not evaluate
    ({"shop/test_settings.py": 'import os\nDATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                               '"HOST": "localhost", "NAME": "shop_test"}}\nif os.environ.get("REMOTE"):\n'
                               '    DATABASES["default"]["HOST"] = "db.example.com"\n'},
     "REMOTE=1 python manage.py flush --noinput --settings=shop.test_settings"),
    ({"shop/test_settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                               '"HOST": "localhost", "NAME": "shop_test"}}\n'
                               'DATABASES["default"].update(HOST="db.example.com")\n'},
     "python manage.py flush --noinput --settings=shop.test_settings"),
    ({"shop/test_settings.py": 'import django_heroku\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", '
                               '"NAME": "test.sqlite3"}}\ndjango_heroku.settings(locals())\n'},
     "python manage.py flush --noinput --settings=shop.test_settings"),
])
def test_django_look_alikes_ask(setup: dict[str, str], cmd: str, django_app: Path) -> None:
    for rel, text in setup.items():
        write(django_app, rel, text)
    asks(cmd, cwd=django_app)


def test_django_admin_finds_settings_on_its_python_path(tmp_path: Path, django_app: Path) -> None:
    other = tmp_path / "other"
    write(other, "shop/__init__.py", "")
    write(other, "shop/test_settings.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                                          '"HOST": "db.example.com", "NAME": "shop_test"}}\n')
    # django-admin does not look in the directory it runs in: the module is the one on its path
    asks(f"django-admin flush --noinput --pythonpath {other} --settings shop.test_settings", cwd=django_app,
         because="db.example.com")
    asks(f"PYTHONPATH={other} django-admin flush --noinput --settings shop.test_settings", cwd=django_app,
         because="db.example.com")
    asks("django-admin flush --noinput --settings shop.test_settings", cwd=django_app)
    allowed(f"django-admin flush --noinput --pythonpath {django_app} --settings shop.test_settings", cwd=django_app)


def test_a_try_import_of_local_settings_is_followed(django_app: Path) -> None:
    write(django_app, "shop/test_settings.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                                               '"HOST": "localhost", "NAME": "shop_test"}}\n'
                                               "try:\n    from .local import *\nexcept ImportError:\n    pass\n")
    allowed("python manage.py flush --noinput --settings=shop.test_settings", cwd=django_app)
    write(django_app, "shop/local.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", '
                                       '"HOST": "db.example.com", "NAME": "shop_test"}}\n')
    asks("python manage.py flush --noinput --settings=shop.test_settings", cwd=django_app, because="db.example.com")


@pytest.fixture
def laravel_app(project: Path) -> Path:
    write(project, "artisan", "<?php\n")
    write(project, ".env", "DB_CONNECTION=pgsql\nDB_HOST=db.example.com\nDB_DATABASE=shop\n")
    write(project, ".env.testing", "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_DATABASE=shop_testing\n")
    return project


LARAVEL_CONFIG = """<?php
return [
    'default' => env('DB_CONNECTION', 'sqlite'),
    'connections' => [
        'sqlite' => ['driver' => 'sqlite', 'url' => env('DB_URL'), 'database' => env('DB_DATABASE', database_path('database.sqlite'))],
        'pgsql' => [
            'driver' => 'pgsql',
            'url' => env('DB_URL'),
            'host' => env('DB_HOST', '127.0.0.1'),
            'database' => env('DB_DATABASE', 'laravel'),
        ],
        'reporting' => ['driver' => 'pgsql', 'host' => 'reports.example.com', 'database' => 'reports'],
    ],
    'redis' => ['default' => ['host' => env('REDIS_HOST', '127.0.0.1')]],
];
"""


def test_laravel_local_forms_stay_allowed(laravel_app: Path, tmp_path: Path) -> None:
    allowed("php artisan migrate:fresh --env=testing", cwd=laravel_app)
    allowed(f"php {laravel_app}/artisan migrate:fresh --env=testing", cwd=tmp_path)
    write(laravel_app, "config/database.php", LARAVEL_CONFIG)
    allowed("php artisan migrate:fresh --env=testing", cwd=laravel_app)


def test_laravel_look_alikes_ask(laravel_app: Path, tmp_path: Path) -> None:
    decoy = tmp_path / "decoy"
    write(decoy, ".env", "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_DATABASE=shop_testing\n")
    write(laravel_app, ".env.testing", "DB_CONNECTION=pgsql\nDB_HOST=db.example.com\nDB_DATABASE=shop_testing\n")
    asks(f"php {laravel_app}/artisan migrate:fresh --env=testing", cwd=decoy, because="db.example.com")
    write(laravel_app, ".env.testing", "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_DATABASE=shop_testing\n")
    asks("php artisan migrate:fresh --env=testing --env=production", cwd=laravel_app, because="db.example.com")
    write(laravel_app, "config/database.php", LARAVEL_CONFIG)
    asks("php artisan migrate:fresh --env=testing --database=reporting", cwd=laravel_app, because="reports.example.com")
    write(laravel_app, "config/database.php", LARAVEL_CONFIG.replace("env('DB_HOST', '127.0.0.1')", "'db.example.com'"))
    asks("php artisan migrate:fresh --env=testing", cwd=laravel_app, because="db.example.com")
    write(laravel_app, "config/database.php", LARAVEL_CONFIG.replace("env('DB_HOST', '127.0.0.1')",
                                                                     "env('DB_HOST_OVERRIDE') ?: env('DB_HOST')"))
    asks("php artisan migrate:fresh --env=testing", cwd=laravel_app, because="when the app runs")
    write(laravel_app, "config/database.php", LARAVEL_CONFIG)
    write(laravel_app, "bootstrap/cache/config.php", "<?php return ['database' => []];\n")
    asks("php artisan migrate:fresh --env=testing", cwd=laravel_app, because="cached configuration")


PRISMA_SCHEMA = """
    datasource db {
      provider  = "postgresql"
      url       = env("DATABASE_URL")
    }
"""


def test_prisma_urls_the_migration_uses(project: Path) -> None:
    write(project, "prisma/schema.prisma", PRISMA_SCHEMA)
    write(project, ".env", "DATABASE_URL=postgresql://localhost/shop_test\nDIRECT_URL=postgresql://db.example.com/shop\n")
    allowed("npx prisma migrate reset --force", cwd=project)
    write(project, "prisma/schema.prisma", PRISMA_SCHEMA.replace('env("DATABASE_URL")',
                                                                 'env("DATABASE_URL")\n  directUrl = env("DIRECT_URL")'))
    asks("npx prisma migrate reset --force", cwd=project, because="db.example.com")
    write(project, "prisma/schema.prisma", PRISMA_SCHEMA.replace('env("DATABASE_URL")', 'env("DATABASE_URL")\n'
                                                                 '  shadowDatabaseUrl = env("DIRECT_URL")'))
    asks("npx prisma migrate reset --force", cwd=project, because="db.example.com")


def test_a_prisma_config_names_the_schema_and_url(project: Path) -> None:
    write(project, "prisma/schema.prisma", PRISMA_SCHEMA)
    write(project, ".env", "DATABASE_URL=postgresql://localhost/shop_test\nPROD_URL=postgresql://db.example.com/shop\n")
    write(project, "prisma.config.ts", 'import { defineConfig, env } from "prisma/config";\n'
                                       'export default defineConfig({\n  schema: "prisma/schema.prisma",\n'
                                       '  datasource: { url: env("PROD_URL") },\n});\n')
    asks("npx prisma migrate reset --force", cwd=project, because="db.example.com")
    write(project, "prisma.config.ts", 'export default defineConfig({ schema: path.join("..", "prod.prisma") })\n')
    asks("npx prisma migrate reset --force", cwd=project, because="when it runs")
    write(project, "prisma.config.ts", 'import "dotenv/config";\nexport default defineConfig({\n'
                                       '  schema: "prisma/schema.prisma",\n});\n')
    allowed("npx prisma migrate reset --force", cwd=project)


@pytest.mark.parametrize("cmd", [
    "AWS_ENDPOINT_URL=http://localhost:4566 AWS_ENDPOINT_URL_S3=https://s3.amazonaws.com aws s3 rb s3://b --force",
    "AWS_ENDPOINT_URL=http://localhost:4566 AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true aws s3 rb s3://b --force",
    "aws --endpoint-url http://localhost:4566 --endpoint-url https://s3.amazonaws.com s3 rb s3://b --force",
])
def test_aws_endpoint_look_alikes_ask(cmd: str) -> None:
    asks(cmd)


def test_aws_local_endpoints_stay_allowed() -> None:
    allowed("AWS_ENDPOINT_URL=http://localhost:4566 aws s3 rb s3://b --force")
    allowed("AWS_ENDPOINT_URL_S3=https://s3.example.com aws --endpoint-url http://localhost:4566 s3 rb s3://b --force")


# -- hosts: what the resolver would answer, now ----------------------------------------------------------

def test_the_hosts_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    from blastwall.environment.hosts import hosts_file

    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost devdb\n", encoding="utf-8")
    assert hosts_file(str(path))["devdb"] == ("127.0.0.1",)
    path.write_text("127.0.0.1 localhost\n10.0.0.5 devdb\n", encoding="utf-8")  # a long-lived checker must see this
    assert hosts_file(str(path))["devdb"] == ("10.0.0.5",)


def test_a_loopback_name_the_hosts_file_maps_elsewhere_is_not_local(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.environment import hosts

    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost\n10.0.0.5 db.localhost\n", encoding="utf-8")
    monkeypatch.setattr(hosts, "HOSTS_FILE", str(path))
    monkeypatch.setattr(hosts, "hosts_file", lambda p=str(path): hosts._hosts_file(p, 0, 0, 0))
    assert not hosts.where_is("db.localhost").local  # the resolver reads the hosts file first
    assert hosts.where_is("other.localhost").local
    assert hosts.where_is("localhost").local


def test_a_bridge_over_a_network_card_is_not_this_machine(tmp_path: Path) -> None:
    """minikube's docker bridge is this machine; a bridge that enslaves eth0 reaches the LAN."""
    import ipaddress

    from blastwall.environment.hosts import bridge_of

    routes = tmp_path / "route"
    routes.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
                      "br-1\t0031A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"        # 192.168.49.0/24
                      "bridge0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",    # 192.168.1.0/24
                      encoding="ascii")
    sysfs = tmp_path / "sys"
    for iface in ("br-1", "bridge0", "veth1"):
        (sysfs / "devices" / "virtual" / "net" / iface).mkdir(parents=True)
    (sysfs / "class" / "net" / "br-1" / "brif" / "veth1").mkdir(parents=True)
    (sysfs / "class" / "net" / "bridge0" / "brif" / "eth0").mkdir(parents=True)  # eth0 is a device
    bridges = ("br-*", "bridge*")
    assert bridge_of(ipaddress.IPv4Address("192.168.49.2"), bridges, routes=str(routes), sysfs=str(sysfs)) == "br-1"
    assert bridge_of(ipaddress.IPv4Address("192.168.1.20"), bridges, routes=str(routes), sysfs=str(sysfs)) is None


# -- the allowance is audited and a policy can turn it off ---------------------------------------------

def _policy(text: str) -> Policy:
    import tomllib

    from blastwall.policy.engine import compile_layers, default_document

    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


def test_a_verified_allow_is_audited_even_when_only_blocking_verdicts_are(tmp_path: Path) -> None:
    from blastwall.approvals.gate import gate
    from blastwall.engine import make_action
    from blastwall.store import open_store

    pol = _policy('[audit]\nverdicts = "blocking"\n')
    store = open_store(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        for cmd in ("dropdb -h 127.0.0.1 app_test", "ls -la"):
            action = make_action("shell", cmd, {"cwd": str(tmp_path)})
            v = blastwall.check(action, policy=pol, probe=False)
            assert gate([action], [v], v.decision.value, v.reasons, policy=pol, can_ask=True, store=store).decision \
                == "allow"
        rows = [r.to_dict()["data"] for r in store.audit_rows(kind=["verdict"])]
    finally:
        store.close()
    assert len(rows) == 1  # the allowed dropdb, not the ls
    assert rows[0]["environments"][0]["environment"] == "test"
    assert "127.0.0.1 (-h) is a loopback address" in rows[0]["environments"][0]["evidence"][0]


def test_a_policy_turns_the_allowance_off() -> None:
    pol = _policy('[[rule]]\nenvironment = ["local", "test"]\nverified = true\ndecision = "ask"\n'
                  'reason = "every destructive action asks here, local or not"\n')
    for cmd in ("dropdb -h 127.0.0.1 app_test", "supabase db reset"):
        v = check(cmd, policy=pol)
        assert v.decision is Decision.ASK, v.reasons
        assert any("local or not" in r for r in v.reasons)
    assert check("dropdb -h 127.0.0.1 app_test").decision is Decision.ALLOW


def test_an_untrusted_project_policy_cannot_place_a_remote_host_in_test(project: Path) -> None:
    write(project, "blastwall.toml", '[inventory.environments.test]\nhosts = ["db.example.com"]\n'
                                     '[[rule]]\nenvironment = ["unknown"]\ndecision = "allow"\n')
    v = blastwall.check("dropdb -h db.example.com app_test", "shell", context={"cwd": str(project)}, probe=False)
    assert v.decision is not Decision.ALLOW, v.reasons
    from blastwall.policy.load import load_policy

    dropped = dict(load_policy(str(project)).settings).get("untrusted_project_entries", ())
    assert any("inventory.environments.test" in d for d in dropped), dropped  # the file was read, and left out


# -- second round: carriers, background programs, statements that run elsewhere ------------------------

@pytest.mark.parametrize("cmd", [
    # the statement runs in a psql the python code starts, not in the local psql beside it
    """psql -h localhost app_test -c 'select 1'; python3 -c "import subprocess; """
    """subprocess.run(['psql','-h','db.example.com','-c','DROP TABLE users'])" """,
    # a request to another local port than the local neighbour's
    """curl -X DELETE http://localhost:8025/api/v1/messages; python3 -c "import requests; """
    """requests.delete('http://localhost:9200/prod-index')" """,
    # a program left running in the background may forward a local port
    "node -e \"require('net').createServer(s => s.pipe(require('net').connect(5432, 'db.example.com')).pipe(s))"
    ".listen(5433)\" & psql -h localhost -p 5433 -d app_test -c 'DROP TABLE users'",
    "nohup ./forward.sh; dropdb -h localhost app_test",
    # psql and mysql send output to a program; mongosh runs code it builds
    "psql -h localhost -d app_test -c '\\o | psql -h db.example.com' -c 'DROP TABLE users'",
    "mysql -h 127.0.0.1 app_test -e 'pager mysql -h db.example.com; DROP TABLE users'",
    """mongosh mongodb://127.0.0.1/catalog_test --eval 'db["getSiblingDB"]("prod").dropDatabase()'""",
    """mongosh mongodb://127.0.0.1/catalog_test --eval 'eval("db = connect(\\"mongodb://db.example.com\\")"); """
    """db.dropDatabase()'""",
])
def test_second_round_look_alikes_ask(cmd: str) -> None:
    asks(cmd)


def test_curl_reads_its_config_where_xdg_config_home_says(tmp_path: Path) -> None:
    write(tmp_path / "cfg", "curlrc", "proxy = http://proxy.example.com:3128\n")
    asks(f"XDG_CONFIG_HOME={tmp_path / 'cfg'} curl -X DELETE http://localhost:8025/api/v1/messages", because="curlrc")
    allowed("curl -X DELETE http://localhost:8025/api/v1/messages")


def test_a_client_written_onto_path_earlier_on_the_line_asks(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{home / 'bin'}:/usr/local/bin:/usr/bin:/bin")
    asks("printf '#!/bin/sh\\nexec /usr/bin/dropdb -h db.example.com \"$@\"\\n' > ~/bin/dropdb; dropdb app_test",
         because="may put another dropdb on PATH")
    asks("cp wrapper ~/bin/dropdb && dropdb app_test", because="may put another dropdb on PATH")
    v = check("echo done > ~/build.log; dropdb app_test")  # (the home redirection asks for itself)
    assert [f.environment for f in v.findings if f.rule_id == "shell.postgres:dropdb"] == ["test"], placed(v)


def test_laravel_read_write_hosts_ask(laravel_app: Path) -> None:
    write(laravel_app, "config/database.php", LARAVEL_CONFIG.replace(
        "'driver' => 'pgsql',\n            'url'", "'driver' => 'pgsql',\n            'read' => ['host' => ['db.example.com']],\n"
                                                   "            'url'"))
    asks("php artisan migrate:fresh --env=testing", cwd=laravel_app, because="read hosts")


def test_shell_strings_are_followed_and_code_carriers_are_not_placed() -> None:
    # the same statement from a remote psql inside bash -c, or from python code, beside a local psql
    asks("psql -h localhost app_test -c 'DROP TABLE users'; bash -c \"psql -h db.example.com -c 'DROP TABLE users'\"")
    v = asks("psql -h localhost app_test -c 'DROP TABLE users'; python3 -c \"import subprocess; "
             "subprocess.run(['psql','-h','db.example.com','-c','DROP TABLE users'])\"")
    assert "unknown" in [f.environment for f in v.findings], placed(v)
    asks("bash -lc 'dropdb app_test'", because="bash -l")  # a login shell reads profile files
    asks("eval PGHOST=db.example.com dropdb app_test", because="db.example.com")
    allowed("bash -c \"psql -h localhost -d app_test -c 'DROP TABLE users'\"")
    allowed("sh -c 'dropdb app_test'")
    allowed("eval dropdb app_test")


@pytest.mark.parametrize("cmd", [
    # two commands doing the same thing are two findings: the remote one was merged into the local one
    "dropdb app_test; dropdb -h db.example.com app_test",
    "dropdb -h localhost app_test && dropdb -h db.example.com app_test",
    # a command run from code is not placed by a command of the same program beside it
    "dropdb --if-exists app_test; python3 -c \"import os; os.system('dropdb -h db.example.com app_test')\"",
    "supabase status; node -e \"require('child_process').execSync('supabase db reset')\"",
])
def test_each_command_is_placed_on_its_own(cmd: str) -> None:
    v = asks(cmd)
    assert "unknown" in [f.environment for f in v.findings], placed(v)


def test_a_kube_command_from_code_is_not_placed_by_a_local_kubectl(kube: tuple[Path, Path]) -> None:
    asks("kubectl get pods; python3 -c \"import subprocess; subprocess.run(['kubectl','--context','prod','delete',"
         "'namespace','payments'])\"")
    allowed("kubectl get pods && kubectl delete namespace demo")


def test_a_sourced_file_that_does_more_than_assign_is_unknown(project: Path) -> None:
    write(project, "local.env", "export PGHOST=localhost\n")
    allowed("source local.env && dropdb app_test", cwd=project)
    write(project, "local.env", "export PGHOST=localhost\n[ -n \"$CI\" ] || export PGHOST=db.example.com\n")
    asks("source local.env && dropdb app_test", cwd=project, because="local.env")


def test_the_agents_session_environment_counts(home: Path) -> None:
    """Claude Code runs its session-env scripts before every Bash command of the session."""
    allowed("dropdb app_test", agent="claude-code", session="s-1")
    write(home, ".claude/session-env/s-1/sessionstart-hook-0.sh", "export PGHOST=db.example.com\n")
    asks("dropdb app_test", agent="claude-code", session="s-1", because="db.example.com")
    allowed("dropdb app_test", agent="claude-code", session="s-2")  # another session's files
    write(home, ".claude/session-env/s-1/sessionstart-hook-0.sh", "eval \"$(direnv export bash)\"\n")
    asks("dropdb app_test", agent="claude-code", session="s-1", because="cannot read")
    asks("dropdb -h localhost app_test", agent="claude-code", session="s-1")  # PGHOSTADDR may be set there


@pytest.mark.parametrize("statement", [
    "COPY (SELECT 1) TO '/var/lib/postgresql/out.conf'", "ALTER SYSTEM SET fsync = off", "DROP ROLE app",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "REVOKE ALL ON DATABASE shop FROM app",
    "DROP OWNED BY app",
])
def test_a_statement_on_the_server_itself_is_not_placed_by_the_database_name(statement: str) -> None:
    """A test database's name says nothing about the server's files, settings, roles or sessions."""
    v = asks(f"psql -h localhost -d app_test -c \"{statement}\"")
    assert [f.environment for f in v.findings] == ["dev"], placed(v)
    asks(statement, "sql", database="postgresql://localhost/shop_test")


def test_dropuser_is_not_placed_by_the_role_name() -> None:
    asks("dropuser app_test")
    allowed("dropdb app_test")


@pytest.mark.parametrize("host", ["127.0.0.1.nip.io", "localhost.evil.com", "0x7f000001", "127.1", "2130706433",
                                  "::ffff:10.0.0.1", "[::ffff:10.0.0.1]", "fe80::1%lo", "localhost:5432",
                                  "local host", "%6c%6f%63%61%6c%68%6f%73%74"])
def test_hosts_that_only_look_local_ask(host: str) -> None:
    asks(f"dropdb -h '{host}' app_test")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.8.9.10", "::1", "[::1]",
                                  "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "/var/run/postgresql", "/tmp"])
def test_hosts_that_are_local_stay_allowed(host: str) -> None:
    allowed(f"dropdb -h '{host}' app_test")


def test_a_kubeconfig_or_compose_file_written_on_the_line_asks(kube: tuple[Path, Path], project: Path) -> None:
    local, prod = kube
    asks(f"cp {prod} {project}/k.yaml && kubectl --kubeconfig {project}/k.yaml delete namespace demo", cwd=project)
    write(project, "docker-compose.test.yml", TEST_STACK)
    asks("cat ../other/compose.yaml > docker-compose.test.yml && docker compose -f docker-compose.test.yml down -v",
         cwd=project)
