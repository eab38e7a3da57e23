"""Remote shells given no command run what they read on stdin.

`ssh host` with no remote command starts the login shell there, and that shell runs the lines ssh
reads on its input: a here-document, a here-string, a pipe or a redirected file. `adb shell` alone
does the same on a device, and a container run with no command runs its image's own command, which
for base images is a shell reading stdin (`docker run -i alpine <<EOF`). The input is judged as the shell line it is; input blastwall cannot
read (a file, text made at run time) is asked about. A session with no input, a tunnel and a
remote command given as words are judged as before.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    "ssh ops@prod-app <<'EOF'\nrm -rf /srv/app\nEOF",
    "ssh -T ops@prod-app <<EOF\ncd /srv/app && bin/rails runner 'Order.delete_all'\nEOF",
    "ssh -p 2222 -i ~/.ssh/deploy ops@prod-app <<-'EOF'\n\tpsql -c 'DROP TABLE orders'\nEOF",
    "echo 'rm -rf /srv/app' | ssh ops@prod-app",
    "printf 'cd /srv && rm -rf data\\n' | ssh -J bastion ops@10.0.0.5",
    "ssh ops@prod-app <<< 'rm -rf /var/lib/mysql'",
    "ssh ops@prod-app < cleanup.sh",
    "autossh -M 0 prod <<'EOF'\nrm -rf /srv/app\nEOF",
    "adb shell <<< 'rm -rf /sdcard/DCIM'",
    "echo 'pm clear com.acme.app' | adb -s emulator-5554 shell",
    "gcloud compute ssh vm1 --zone us-central1-a <<'EOF'\nrm -rf /srv/app\nEOF",
    "vagrant ssh <<'EOF'\nrm -rf /vagrant/data\nEOF",
    "fly ssh console -a app <<'EOF'\nrm -rf /data\nEOF",
    "az ssh vm -n vm1 -g rg <<'EOF'\nrm -rf /srv\nEOF",
    "vagrant ssh -- rm -rf /vagrant/x",
    "echo 'rm -rf /data/*' | docker run -i --rm -v /srv:/data alpine",
    "docker run -i --rm -v /srv:/data ubuntu <<'EOF'\nrm -rf /data/app\nEOF",
    "kubectl run tmp -i --rm --image=busybox --restart=Never <<< 'rm -rf /mnt/data'",
    "echo 'rm -rf /data' | docker compose run -T --rm app",
])
def test_a_destructive_stdin_script_is_asked(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "ssh -T git@github.com",
    "ssh -N -L 5432:localhost:5432 bastion",
    "ssh prod",
    "ssh prod <<'EOF'\nuptime; df -h\nEOF",
    "echo 'journalctl -u app --since today | tail -50' | ssh prod",
    "ssh prod uptime",
    "ssh -O exit prod",
    "adb shell",
    "adb shell <<< 'getprop ro.build.version.release'",
    "gcloud compute ssh vm1 --zone z",
    "vagrant ssh",
    "vagrant ssh <<'EOF'\nuptime\nEOF",
    "fly ssh console -a app",
    "fly ssh console -a app -C 'ls /data'",
    "gcloud compute ssh vm1 --command 'df -h'",
    "su - postgres",
    "docker run --rm -p 5432:5432 postgres:16",
    "docker run -it --rm ubuntu",
    "docker compose run --rm app",
    "kubectl run nginx --image=nginx",
])
def test_reads_and_sessions_pass(line: str) -> None:
    assert _decision(line) == "allow"
