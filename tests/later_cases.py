"""Files that run later, one destructive and one harmless version per migration tool, CI system,
script and manifest kind (tests/test_later.py and tests/test_scan.py write them to real
folders). `line` is where the destructive step is; `rule` the finding it must give."""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    name: str
    path: str
    destructive: str
    harmless: str
    rule: str
    line: int


CASES = [
    Case("sql-migration", "migrations/0002_cleanup.sql",
         "-- tidy up\nCREATE TABLE archive (id int);\n\nDROP TABLE bookings;\n",
         "-- add archive\nCREATE TABLE archive (id int);\nALTER TABLE bookings ADD COLUMN note text;\n",
         "later.sql.postgres:drop-table", 4),
    Case("prisma", "prisma/migrations/20240312120000_cleanup/migration.sql",
         '-- DropTable\nDROP TABLE "Booking";\n',
         '-- AlterTable\nALTER TABLE "Booking" ADD COLUMN "note" TEXT;\n',
         "later.sql.postgres:drop-table", 2),
    Case("flyway", "src/main/resources/db/migration/V7__purge_sessions.sql",
         "CREATE INDEX idx_a ON a (b);\nTRUNCATE TABLE sessions;\n",
         "CREATE INDEX idx_a ON a (b);\n",
         "later.sql.postgres:truncate", 2),
    Case("liquibase", "src/main/resources/db/changelog/db.changelog-3.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog>\n  <changeSet id="3" author="dev">\n'
         '    <dropTable tableName="bookings"/>\n  </changeSet>\n</databaseChangeLog>\n',
         '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog>\n  <changeSet id="3" author="dev">\n'
         '    <addColumn tableName="bookings"><column name="note" type="text"/></addColumn>\n'
         '    <rollback><dropColumn tableName="bookings" columnName="note"/></rollback>\n'
         '  </changeSet>\n</databaseChangeLog>\n',
         "later.sql.postgres:drop-table", 4),
    Case("alembic", "alembic/versions/3f2a_drop_bookings.py",
         'from alembic import op\n\n\ndef upgrade():\n    op.drop_table("bookings")\n\n\ndef downgrade():\n'
         '    op.create_table("bookings")\n',
         'from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n'
         '    op.create_table("bookings", sa.Column("id", sa.Integer))\n\n\ndef downgrade():\n'
         '    op.drop_table("bookings")\n',
         "later.sql.postgres:drop-table", 5),
    Case("django", "shop/migrations/0007_remove_booking.py",
         "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
         "    dependencies = [('shop', '0006_auto')]\n    operations = [\n"
         "        migrations.DeleteModel(\n            name='Booking',\n        ),\n    ]\n",
         "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
         "    dependencies = [('shop', '0006_auto')]\n    operations = [\n"
         "        migrations.AddField(model_name='booking', name='note', field=models.TextField(default='')),\n    ]\n",
         "later.sql.postgres:drop-table", 7),
    Case("rails", "db/migrate/20240312120000_drop_bookings.rb",
         "class DropBookings < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :bookings\n  end\n\n"
         "  def down\n    create_table :bookings\n  end\nend\n",
         "class CreateBookings < ActiveRecord::Migration[7.1]\n  def change\n    create_table :bookings do |t|\n"
         "      t.string :name\n    end\n  end\n\n  def down\n    drop_table :bookings\n  end\nend\n",
         "later.sql.postgres:drop-table", 3),
    Case("knex", "migrations/20240312120000_drop_bookings.js",
         "exports.up = function (knex) {\n  return knex.schema.dropTable('bookings');\n};\n\n"
         "exports.down = function (knex) {\n  return knex.schema.createTable('bookings', () => {});\n};\n",
         "exports.up = function (knex) {\n  return knex.schema.createTable('bookings', (t) => { t.increments(); });\n};\n\n"
         "exports.down = function (knex) {\n  return knex.schema.dropTable('bookings');\n};\n",
         "later.sql.postgres:drop-table", 2),
    Case("sequelize", "migrations/20240312120000-remove-email.js",
         "'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n"
         "    await queryInterface.removeColumn('users', 'email');\n  },\n"
         "  async down(queryInterface, Sequelize) {\n    await queryInterface.addColumn('users', 'email', Sequelize.STRING);\n"
         "  },\n};\n",
         "'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n"
         "    await queryInterface.addColumn('users', 'email', Sequelize.STRING);\n  },\n"
         "  async down(queryInterface) {\n    await queryInterface.removeColumn('users', 'email');\n  },\n};\n",
         "later.sql.postgres:alter-drop-column", 4),
    Case("typeorm", "src/migration/1710000000000-DropBookings.ts",
         "import { MigrationInterface, QueryRunner } from 'typeorm';\n\n"
         "export class DropBookings1710000000000 implements MigrationInterface {\n"
         "  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.dropTable('bookings');\n  }\n\n"
         "  public async down(queryRunner: QueryRunner): Promise<void> {}\n}\n",
         "import { MigrationInterface, QueryRunner } from 'typeorm';\n\n"
         "export class AddNote1710000000000 implements MigrationInterface {\n"
         "  public async up(queryRunner: QueryRunner): Promise<void> {\n"
         "    await queryRunner.query(`ALTER TABLE bookings ADD note text`);\n  }\n\n"
         "  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.dropColumn('bookings', 'note');\n"
         "  }\n}\n",
         "later.sql.postgres:drop-table", 5),
    Case("laravel", "database/migrations/2024_03_12_000000_drop_bookings.php",
         "<?php\n\nuse Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration\n{\n"
         "    public function up(): void\n    {\n        Schema::dropIfExists('bookings');\n    }\n\n"
         "    public function down(): void\n    {\n    }\n};\n",
         "<?php\n\nuse Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration\n{\n"
         "    public function up(): void\n    {\n        Schema::create('bookings', function ($table) { $table->id(); });\n"
         "    }\n\n    public function down(): void\n    {\n        Schema::dropIfExists('bookings');\n    }\n};\n",
         "later.sql.postgres:drop-table", 9),
    Case("github-actions", ".github/workflows/deploy.yml",
         "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  infra:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/checkout@v4\n      - name: Tear down\n        run: terraform destroy -auto-approve\n",
         "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  infra:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/checkout@v4\n      - name: Plan\n        run: |\n          terraform init\n"
         "          terraform plan\n",
         "later.shell.terraform:destroy", 11),
    Case("gitlab-ci", ".gitlab-ci.yml",
         "stages: [deploy]\n\nreset-db:\n  stage: deploy\n  script:\n    - echo resetting\n"
         "    - psql \"$DATABASE_URL\" -c 'DROP SCHEMA public CASCADE'\n",
         "stages: [test]\n\nunit:\n  stage: test\n  script:\n    - npm ci\n    - npm test\n",
         "later.sql.postgres:drop-schema", 7),
    Case("makefile", "Makefile",
         "DATA_DIR := /var/lib/postgresql/data\n\n.PHONY: build reset\nbuild:\n\tgo build ./...\n\nreset:\n"
         "\t@rm -rf $(DATA_DIR)\n",
         "OUT := dist\n\n.PHONY: build clean\nbuild:\n\tgo build -o $(OUT)/app ./...\n\nclean:\n\trm -rf $(OUT)\n",
         "later.shell.fs:rm", 8),
    Case("package-json", "package.json",
         '{\n  "name": "app",\n  "scripts": {\n    "build": "tsc",\n'
         '    "db:reset": "prisma migrate reset --force"\n  }\n}\n',
         '{\n  "name": "app",\n  "scripts": {\n    "build": "tsc",\n    "clean": "rm -rf dist node_modules/.cache"\n  }\n}\n',
         "later.shell.prisma:migrate-reset", 5),
    Case("shell-script", "scripts/cleanup.sh",
         "#!/usr/bin/env bash\nset -euo pipefail\necho 'cleaning'\nrm -rf /var/lib/postgresql/data\n",
         "#!/usr/bin/env bash\nset -euo pipefail\necho 'cleaning'\nrm -rf ./build\n",
         "later.shell.fs:rm", 4),
    Case("crontab", "deploy/crontab",
         "SHELL=/bin/bash\n# nightly\n0 3 * * * rm -rf /var/backups/db\n",
         "SHELL=/bin/bash\n# nightly\n0 3 * * * /usr/local/bin/backup --to /var/backups/db\n",
         "later.shell.fs:rm", 3),
    Case("systemd", "deploy/app.service",
         "[Unit]\nDescription=app\n\n[Service]\nExecStartPre=-/bin/sh -c 'rm -rf /var/lib/app/*'\n"
         "ExecStart=/usr/bin/app\n",
         "[Unit]\nDescription=app\n\n[Service]\nExecStartPre=/usr/bin/mkdir -p /run/app\nExecStart=/usr/bin/app\n",
         "later.shell.fs:rm", 5),
    Case("kubernetes-pv", "k8s/volume.yaml",
         "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pgdata\nspec:\n  capacity:\n    storage: 50Gi\n"
         "  persistentVolumeReclaimPolicy: Delete\n",
         "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pgdata\nspec:\n  capacity:\n    storage: 50Gi\n"
         "  persistentVolumeReclaimPolicy: Retain\n",
         "later.k8s:pv-reclaim-delete", 8),
    Case("kubernetes-statefulset", "k8s/db.yaml",
         "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: postgres\nspec:\n  replicas: 0\n"
         "  serviceName: postgres\n",
         "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: postgres\nspec:\n  replicas: 3\n"
         "  serviceName: postgres\n",
         "later.k8s:statefulset-zero", 6),
    Case("terraform", "infra/db.tf",
         'resource "aws_db_instance" "main" {\n  engine              = "postgres"\n'
         '  deletion_protection = false\n  skip_final_snapshot = true\n}\n',
         'resource "aws_db_instance" "main" {\n  engine              = "postgres"\n'
         '  deletion_protection = true\n\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n',
         "later.terraform:protection-off", 3),
]
