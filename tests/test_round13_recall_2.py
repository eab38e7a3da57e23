"""Recall classes of round 13, second part: package-manager script hooks set on the line, remote
runners whose command cannot be read, interpreter code that does not parse, PHP callables named by
string, in-place overwrites of the data the code read, more database clients fed SQL.

Every destructive spelling must be asked (or denied); every everyday spelling next to it must pass."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, tmp_path) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(tmp_path)))).decision


DESTRUCTIVE = [
    # package-manager script hooks set from the command line: the value runs later (on install)
    "composer config scripts.post-install-cmd 'rm -rf storage/app' && composer install",
    "composer config scripts.post-install-cmd 'rm -rf storage/app'",
    "composer config scripts.post-update-cmd 'git push -f origin main' && composer update",
    "composer -d app config scripts.post-autoload-dump 'rm -rf ~/data'",
    "composer config --working-dir=app scripts.x 'rm -rf ~/data'",
    "composer config --file composer.json scripts.x 'rm -rf ~/data'",
    "composer config --json scripts.post-install-cmd '[\"echo ok\", \"rm -rf storage/app\"]'",
    "composer config scripts.post-install-cmd '@php -r \"unlink(\\\"app.db\\\");\"'",
    "composer config scripts.post-install-cmd 'App\\Setup::wipe'",
    "composer config scripts.post-install-cmd \"$HOOK\"",
    "/usr/local/bin/composer config scripts.post-install-cmd 'rm -rf ~/x'",
    "npm pkg set scripts.postinstall='rm -rf ~/x' && npm i",
    "npm set-script postinstall 'rm -rf ~/x' && npm install",
    "npm pkg set 'scripts.test=rm -rf src' && npm test",
    "pnpm pkg set scripts.postinstall='rm -rf ~/x' && pnpm install",
    # remote runners: a command that cannot be read asks; one that can is judged
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\\\"rm -rf /var/lib/mysql\\\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\\\"uptime\\\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\",\"rm -rf /data\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=uptime,rm -rf /data'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters \"commands='uptime','rm -rf /data'\"",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"rm -rf /data]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\" x]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters '{\\\"commands\\\":[\\\"uptime\\\"]}'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters file://params.json",
    "aws ssm send-command --cli-input-json file://x.json",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'rm -rf /var/lib/mysql'",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts @script.sh",
    "gcloud compute ssh vm1 --command 'rm -rf /var/lib/mysql'",
    "gcloud compute ssh vm1 --zone us-central1-a -- rm -rf /var/lib/mysql",
    "az ssh vm -n vm -g rg -- rm -rf /data",
    "az ssh vm --ip 10.0.0.4 --local-user azureuser -- sudo rm -rf /var/lib/mysql",
    "az ssh arc --resource-group rg --name srv -- rm -rf /data",
    # python code that writes its output over the data file it read
    'python -c "import pandas as pd; df=pd.read_csv(\'data/raw/c.csv\'); df[df.x>0].to_csv(\'data/raw/c.csv\', index=False)"',
    'python -c "import pandas as pd; df=pd.read_csv(\'data/raw/c.csv\'); df[df.x>0].to_csv(\'./data/raw/c.csv\', index=False)"',
    'python -c "import pandas as pd; P=\'data/raw/c.csv\'; df=pd.read_csv(P); df.dropna().to_csv(P, index=False)"',
    'python -c "import pandas as pd; P=\'data/raw/c.csv\'; df=pd.read_csv(P); df.dropna().to_csv(\'data/raw/c.csv\')"',
    'python -c "import pandas as pd; df=pd.read_parquet(path=\'data/x.parquet\'); df.to_parquet(path=\'data/x.parquet\')"',
    'python -c "import polars as pl; df=pl.read_parquet(\'data/x.parquet\'); df.filter(pl.col(\'a\')>0).write_parquet(\'data/x.parquet\')"',
    'python -c "import polars as pl; pl.scan_csv(\'data/x.csv\').filter(pl.col(\'a\')>0).sink_csv(\'data/x.csv\')"',
    'python -c "import glob, pandas as pd\nfor f in glob.glob(\'data/*.csv\'):\n    pd.read_csv(f).dropna().to_csv(f, index=False)"',
    'python -c "import numpy as np; a=np.load(\'data/emb.npy\'); np.save(\'data/emb.npy\', a[:100])"',
    'python -c "import pyarrow.parquet as pq; t=pq.read_table(\'data/x.parquet\'); pq.write_table(t, \'data/x.parquet\')"',
    # interpreter code that does not parse; PHP callables named by a string (any case, \\-prefixed)
    'ruby -e \'File.delete("x"\'',
    'php -r \'unlink("x";\'',
    "node -e 'console.log(1'",
    'perl -e \'print 1; unlink glob "/srv/*.gz" if (\'',
    "rails runner 'puts User.count; User.where(id: [1, 2).each(&:destroy)'",
    "bundle exec rails runner 'Order.where(\"x\").then { |q| q.delete_all'",
    "node -e 'require(\"child_process\").execSync(`${cmd}`'",
    'perl -e \'unlink(glob("/srv/*.gz")\'',
    'php -r "array_map(\'unlink\', glob(\'storage/*\'));"',
    'php -r "array_walk(\\$files, \'unlink\');"',
    'php -r \'$files = glob("storage/*"); array_walk($files, "unlink");\'',
    'php -r \'array_filter(glob("storage/*"), "unlink");\'',
    'php -r \'usort($a, "system");\'',
    'php -r \'array_reduce(glob("x/*"), "unlink");\'',
    'php -r \'array_walk_recursive($a, "unlink");\'',
    'php -r \'preg_replace_callback("/x/", "system", $s);\'',
    'php -r "call_user_func(\'unlink\', \'x.db\');"',
    'php -r "call_user_func_array(\'exec\', [\'rm -rf x\']);"',
    'php -r \'$f = "unlink"; $f("app.db");\'',
    'php -r "\'system\'(\'rm -rf x\');"',
    'php -r \'("unlink")("app.db");\'',
    'php -r "array_map(\'UNLINK\', glob(\'storage/*\'));"',
    'php -r "array_map(\'\\\\unlink\', glob(\'storage/*\'));"',
    'php -r "ARRAY_MAP(\'unlink\', glob(\'storage/*\'));"',
    'php -r "UNLINK(\'app.db\');"',
    'php -r "\\\\unlink(\'app.db\');"',
    'php -r "Call_User_Func(\'System\', \'rm -rf /srv\');"',
    'php -r "eval(\'unlink(\\"app.db\\");\');"',
]

SAFE = [
    "composer config scripts.post-install-cmd 'echo hi' && composer install",
    "composer config scripts.post-install-cmd '@php artisan package:discover --ansi'",
    "composer config scripts.test '@composer phpunit'",
    "composer config scripts.post-install-cmd '@putenv COMPOSER=composer.json'",
    "composer config --json scripts.post-install-cmd '[\"echo ok\", \"@php artisan optimize\"]'",
    "composer config scripts.post-install-cmd --unset",
    "composer config minimum-stability dev",
    "composer config --list",
    "composer config repositories.local path ../pkg",
    "composer install",
    "npm pkg set scripts.build='tsc -p .' && npm run build",
    "npm pkg set scripts.postinstall='echo hi' && npm i",
    "npm pkg get scripts",
    'python -c "import pandas as pd; df=pd.read_csv(\'data/raw/c.csv\'); df[df.x>0].to_csv(\'data/clean/c2.csv\', index=False)"',
    'python -c "import pandas as pd; df=pd.read_csv(\'data/raw/c.csv\'); print(df.describe())"',
    'python -c "import pandas as pd; df=pd.read_csv(\'/tmp/x.csv\'); df.dropna().to_csv(\'/tmp/x.csv\')"',
    'python -c "import pandas as pd; df=pd.read_csv(\'build/out.csv\'); df.dropna().to_csv(\'build/out.csv\')"',
    'python -c "import polars as pl; pl.read_csv(\'a.csv\').write_parquet(\'a.parquet\')"',
    'python -c "import numpy as np; a=np.load(\'emb.npy\'); np.save(\'emb_small.npy\', a[:100])"',
    'python -c "import pickle; x=pickle.load(open(\'a.pkl\',\'rb\')); pickle.dump(x, open(\'b.pkl\',\'wb\'))"',
    'python -c "import torch; m=torch.load(\'models/best.pt\'); torch.save(m.state_dict(), \'models/best_sd.pt\')"',
    'python -c "from PIL import Image; im=Image.open(\'assets/logo.png\'); im.resize((64,64)).save(\'assets/logo_64.png\')"',
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\",\"df -h\"]'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=uptime,df -h'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters '{\"commands\":[\"uptime\"]}'",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"echo \\\"hi\\\"\"]'",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'uptime'",
    "gcloud compute ssh vm1 --command 'uptime'",
    "gcloud compute ssh vm1 -- uptime",
    "gcloud compute ssh vm1",
    "az ssh vm -n vm -g rg",
    "az ssh vm -n vm -g rg -- uptime",
    "ruby -e 'puts 1'",
    "ruby -e 'puts RUBY_VERSION'",
    'ruby -e \'require "json"; puts JSON.parse(File.read("a.json")).keys\'',
    "ruby -e 'x = [1,2,3].map { |i| i * 2 }; p x'",
    'ruby -e \'puts ENV.fetch("HOME")\'',
    "ruby -ne 'print if /foo/' a.txt",
    "ruby -rjson -e 'puts({a: 1}.to_json)'",
    "rails runner 'puts User.count'",
    "rails runner 'User.where(id: 1).first&.email.then { puts _1 }'",
    'rails runner \'puts User.where("created_at > ?", 1.day.ago).count\'',
    "bundle exec rails runner 'User.find_each(&:touch)'",
    "bin/rails runner 'p Rails.env'",
    "php -r 'echo 1;'",
    "php -r 'echo PHP_VERSION;'",
    "php -r 'echo PHP_VERSION'",
    "php -r 'print_r(get_loaded_extensions());'",
    'php -r \'echo json_encode(["a" => 1]), PHP_EOL;\'',
    "php -r 'enum Suit { case Hearts; } echo Suit::Hearts->name;'",
    'php -r \'echo match(1) { 1 => "a", default => "b" };\'',
    "php -r 'readonly class P { public function __construct(public int $x) {} } echo (new P(1))->x;'",
    'php artisan tinker --execute="dump(App\\Models\\Order::count())"',
    "node -e 'console.log(1)'",
    "node -e 'console.log(process.versions)'",
    'node -e \'const x = await import("fs"); console.log(Object.keys(x).length)\'',
    "node -e 'class A { #p = 1; static { } get p() { return this.#p } }; console.log(new A().p ?? 0)'",
    'node -e \'console.log(JSON.parse(require("fs").readFileSync("package.json","utf8")).version)\'',
    'node -p \'require("./package.json").version\'',
    'node --input-type=module -e \'import fs from "fs"; console.log(fs.existsSync("x"))\'',
    'perl -e \'print "hi\\n"\'',
    "perl -ne 'print if /foo/' a.txt",
    "perl -pi -e 's/foo/bar/g' a.txt",
    'perl -MJSON -e \'print decode_json(q({"a":1}))->{a}\'',
    "perl -E 'say for 1..3'",
    'php -r "array_map(\'trim\', [\'a\']);"',
    'php -r \'$a=[3,1]; usort($a, "strcmp"); print_r($a);\'',
    'php -r \'print_r(array_filter([1,0,2], "is_int"));\'',
    'php -r \'array_walk($a, "trim");\'',
    "php -r 'print_r(array_filter([1,0,2]));'",
    'php -r \'echo preg_replace_callback("/x/", fn($m) => "y", "xx");\'',
]


@pytest.mark.parametrize("cmd", DESTRUCTIVE)
def test_destructive_is_asked(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", SAFE)
def test_everyday_passes(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd
