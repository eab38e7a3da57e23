"""Shell lines whose context makes a scary word safe (second part): containers and databases the
line made itself, file-less test databases, and dataframe methods that are no deletes.

Each class is a table of everyday spellings that pass and the look-alikes an agent that wants the
destructive action would try next, which are still asked."""

from __future__ import annotations

from verdicts import allowed_and_asked

# ---- containers made on the line, removed later in the same && chain (rules/made_here.toml) -----

CONTAINERS = [
    "docker run -d --name tmpdb -e POSTGRES_PASSWORD=x postgres:16 && sleep 5 && docker exec tmpdb pg_isready"
    " && docker rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker rm -fv tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker rm --force --volumes tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker container rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker container remove -f tmpdb",
    "docker run -d --name tmpdb -v pgdata:/var/lib/postgresql/data postgres:16 && docker rm -f tmpdb",
    "docker create --name probe alpine && docker cp probe:/etc/os-release . && docker rm -v probe",
    "docker run -d --name tmpdb postgres:16 && docker stop tmpdb && docker rm tmpdb",
    "podman run -d --name tmpdb -e POSTGRES_PASSWORD=x postgres:16 && podman exec tmpdb pg_isready"
    " && podman rm -f -v tmpdb",
    "podman create --name probe alpine && podman rm probe",
    "podman container run -d --name tmpdb postgres:16 && podman container rm -f tmpdb",
]
CONTAINERS_LOOKALIKES = [
    "docker rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 ; docker rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 || docker rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 ; docker rm -f tmpdb",
    "docker start tmpdb && docker rm -f -v tmpdb",
    "docker stop tmpdb && docker rm -v tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker rm -f -v tmpdb appdb",
    "docker run -d --name tmpdb postgres:16 && docker rm -f -v appdb",
    "docker run -d --rm --name tmpdb postgres:16 && docker rm -f -v appdb",
    "docker run -d --name tmpdb --volumes-from appdb postgres:16 && docker rm -f -v tmpdb",
    "docker run -d --name tmpdb -v pgdata:/data postgres:16 && docker rm -f tmpdb && docker volume rm pgdata",
    "docker run -d --name tmpdb postgres:16 && DOCKER_HOST=ssh://prod docker rm -f -v tmpdb",
    "docker run -d --name tmpdb postgres:16 && docker context use prod && docker rm -f -v tmpdb",
    "docker run -d --name $NAME postgres:16 && docker rm -f -v $NAME",
    "docker run -d --name tmpdb postgres:16 && podman rm -f -v tmpdb",
    "podman run -d --name tmpdb postgres:16 && docker rm -f -v tmpdb",
    "podman run -d --replace --name tmpdb postgres:16 && podman rm -f -v tmpdb",
    "podman run -d --name tmpdb postgres:16 && podman system connection default prod && podman rm -f tmpdb",
    "podman start tmpdb && podman rm -f tmpdb",
]
test_containers_safe, test_containers_lookalikes_are_asked = allowed_and_asked(CONTAINERS, CONTAINERS_LOOKALIKES)

# ---- a database made on the line restored from a dump whose name the shell fills in ------------

RESTORES = [
    "pg_dump -Fc -d \"$PROD_DATABASE_URL\" -f prod-$(date +%F).dump && createdb app_restore_check"
    " && pg_restore --clean -d app_restore_check prod-$(date +%F).dump",
    "createdb restore_check && pg_restore --clean --if-exists -d restore_check backup-$(date +%Y%m%d).dump",
    "createdb restore_check && pg_restore -c -d restore_check dumps/app_$(date -I).dump",
]
RESTORES_LOOKALIKES = [
    "pg_restore --clean -d app prod-$(date +%F).dump",
    "createdb restore_check && pg_restore --clean -d app prod-$(date +%F).dump",
    "createdb restore_check && pg_restore --clean -d restore_check $DUMP",
    "createdb restore_check && pg_restore --clean -d restore_check $(ls -t *.dump | head -1)",
    "createdb restore_check && pg_restore --clean -d restore_check x-$(echo y -d app).dump",
    "createdb restore_check && pg_restore --clean -d restore_check $(date +%F)",
    "createdb restore_check && pg_restore --clean -d $(echo app) prod.dump",
    "createdb restore_check && pg_restore --clean -d restore_check-$(date +%F) prod.dump",
    "createdb restore_check ; pg_restore --clean -d restore_check prod-$(date +%F).dump",
    "createdb restore_check && pg_restore --clean -C -d restore_check prod-$(date +%F).dump",
]
test_restores_safe, test_restores_lookalikes_are_asked = allowed_and_asked(RESTORES, RESTORES_LOOKALIKES)

# ---- in-memory and file-less test databases (environment/dbsite.py, selected.py) ---------------

MEMORY = [
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan migrate:fresh --seed && vendor/bin/phpunit --testsuite Feature",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan migrate:refresh",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan db:wipe --force",
    "DATABASE_URL=sqlite::memory: php artisan migrate:fresh",
    "DB_URL=sqlite::memory: php artisan migrate:fresh --seed",
    "DATABASE_URL=sqlite::memory: npx prisma migrate reset --force",
    "DATABASE_URL=file::memory:?cache=shared npx prisma migrate reset --force",
    "DATABASE_URL='file:memdb1?mode=memory&cache=shared' npx prisma migrate reset --force",
]
MEMORY_LOOKALIKES = [
    "DB_CONNECTION=mysql DB_DATABASE=:memory: php artisan migrate:fresh --seed",
    "DB_DATABASE=:memory: php artisan migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan migrate:fresh --database=mysql",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan migrate:fresh --database mysql",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: DATABASE_URL=mysql://app@db.prod.example.com/app php artisan migrate:fresh",
    "export DB_URL=postgres://app@db.prod.example.com/app; DB_CONNECTION=sqlite DB_DATABASE=:memory: php artisan"
    " migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=database/database.sqlite php artisan migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory:.sqlite php artisan migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=data/:memory: php artisan migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=$DB php artisan migrate:fresh",
    "DB_CONNECTION=sqlite DB_DATABASE=:memory: DISABLE_DATABASE_ENVIRONMENT_CHECK=1 bin/rails db:drop",
    "DATABASE_URL=sqlite:////:memory:/../../srv/app.db npx prisma migrate reset --force",
    "DATABASE_URL=file:./dev.db?mode=memory npx prisma migrate reset --force",
    "DATABASE_URL=postgres://app@db.prod.example.com/app?x=:memory: npx prisma migrate reset --force",
    "php artisan migrate:fresh",
]
test_memory_safe, test_memory_lookalikes_are_asked = allowed_and_asked(MEMORY, MEMORY_LOOKALIKES)

# ---- dataframe methods are no deletes (analyze/code_frames.py, rules/code.toml [python.dataframes]) --

FRAMES = [
    "python -c \"import polars as pl; pl.scan_parquet('data/raw/*.parquet').filter(pl.col('ts') > '2024-01-01')"
    ".drop('pii_email').sink_parquet('data/processed/events_2024.parquet')\"",
    "python -c \"import pandas as pd; df = pd.read_csv('a.csv'); df.drop(columns=['x']).to_csv('b.csv')\"",
    "python -c \"import pandas as pd; df = pd.read_csv('a.csv'); df = df.drop('x', axis=1); df.to_csv('b.csv')\"",
    "python -c \"import pandas as pd; df = pd.read_parquet('a.parquet'); clean = df[df.ok]; clean.drop(['a', 'b'],"
    " axis=1).to_parquet('out/b.parquet')\"",
    "python -c \"import pandas as pd; df = pd.read_csv('a.csv'); df.drop_duplicates().dropna().to_csv('b.csv')\"",
    "python -c \"import polars as pl; pl.read_csv('a.csv').drop_nulls().drop('x').write_csv('b.csv')\"",
    "python -c \"import pandas as pd; df = pd.read_csv('a.csv'); del df['x']; df.to_csv('b.csv')\"",
    "python -c \"import pandas as pd; pd.DataFrame({'a': [1]}).drop(index=0)\"",
    "python -c \"import pandas as pd; df = pd.read_csv('a.csv'); print(df.truncate(before=5, after=10))\"",
    "python -c \"from pyspark.sql import SparkSession; spark = SparkSession.builder.getOrCreate();"
    " spark.read.parquet('raw').drop('email').write.parquet('out/clean')\"",
    "python -c \"import duckdb; duckdb.sql('SELECT count(*) FROM events').show()\"",
    "python -c \"import pandas as pd\ndef clean(df):\n    return df.drop(columns=['pii'])\n"
    "clean(pd.read_csv('a.csv')).to_csv('b.csv')\"",
]
FRAMES_LOOKALIKES = [
    "python -c \"from pymongo import MongoClient; MongoClient().app.users.drop()\"",
    "python -c \"from pymongo import MongoClient; db = MongoClient().app; db.users.drop()\"",
    "python -c \"from pymongo import MongoClient; db = MongoClient().app; db.drop_collection('users')\"",
    "python -c \"from pymongo import MongoClient; MongoClient().drop_database('app')\"",
    "python -c \"import sqlalchemy as sa; e = sa.create_engine('postgresql://db.prod/app'); m = sa.MetaData();"
    " sa.Table('users', m, autoload_with=e).drop(e)\"",
    "python -c \"import sqlalchemy as sa; e = sa.create_engine('postgresql://db.prod/app'); m = sa.MetaData();"
    " m.reflect(e); m.drop_all(e)\"",
    "python -c \"from google.cloud import storage; storage.Client().bucket('b').delete()\"",
    "python -c \"from pyspark.sql import SparkSession; spark = SparkSession.builder.getOrCreate();"
    " spark.sql('DROP TABLE events')\"",
    "python -c \"from delta.tables import DeltaTable; DeltaTable.forPath(spark, 's3://lake/events').delete()\"",
    "python -c \"import duckdb; con = duckdb.connect('prod.db'); con.execute('DROP TABLE events')\"",
    # a name assigned a frame and something else, a loop's value, a parameter without a frame keyword
    "python -c \"import pandas as pd; from pymongo import MongoClient; df = pd.read_csv('a.csv');"
    " df = MongoClient().app.users; df.drop()\"",
    "python -c \"import pandas as pd; from pymongo import MongoClient\nfor df in [MongoClient().app.users]:\n"
    "    df.drop()\"",
    "python -c \"import pandas as pd\ndef clean(df):\n    return df.drop()\n\"",
    # a frame keyword given to a collection: only where a dataframe library is imported and no drop takes **kwargs
    "python -c \"from pymongo import MongoClient; c = MongoClient().app.users; c.drop(columns=['x'])\"",
    "python -c \"import pandas as pd; from pymilvus import Collection\ndef f(c):\n    c.drop(columns=1)\n"
    "f(Collection('docs'))\"",
    "python -c \"import pandas as pd; from pymilvus import Collection; Collection('docs').drop(columns=1)\"",
    "python -c \"import pandas as pd; from pymongo import MongoClient; MongoClient().app.users.drop(axis=1)\"",
    "python -c \"import pandas as pd; from app.db import *; users = users; users.drop()\"",
    "python -c \"import duckdb; duckdb.sql('DROP TABLE events')\"",
]
test_frames_safe, test_frames_lookalikes_are_asked = allowed_and_asked(FRAMES, FRAMES_LOOKALIKES)
