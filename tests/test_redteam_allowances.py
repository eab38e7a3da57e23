"""Red team of recent allowances: static decoders, scratch names made on the line, appends into files
that run or grant, and copies of files an earlier command rewrote. Each class beside the look-alikes
that must stay allowed.

Payloads live only in these strings; nothing here runs them.
"""

from __future__ import annotations

from pathlib import Path

from tests.verdicts import allowed_and_asked, allowed_and_asked_in

# base64 of `echo hi` and of `rm -rf ~/data`; `cm0gLXJmIH4v LmNhY2hlL3BpcAo=` is `rm -rf ~/` and
# `.cache/pip` split by a space: GNU base64 prints the first half and stops at the space.
SAFE_B64 = "ZWNobyBoaQo="
EVIL_B64 = "cm0gLXJmIH4vZGF0YQo="


def _project(folder: Path) -> None:
    (folder / "safe.b64").write_text(SAFE_B64 + "\n")
    (folder / "evil.b64").write_text(EVIL_B64 + "\n")
    (folder / "ok.sh").write_text("echo hi\n")


# ---- decoders: only what the real program prints ------------------------------------------------
DECODE_SAFE = [
    f"echo {SAFE_B64} | base64 -d | sh",
    f"base64 -d <<< {SAFE_B64} | sh",
    "echo cm0gLXJmIH4vLmNhY2hlL3BpcAo= | base64 -d | sh",  # the whole text: a cache removal
    "echo 6563686f206869 | xxd -r -p | sh",
    "echo 65 63686f206869 | xxd -r -p | sh",  # xxd skips spaces between digits
]
DECODE_ASKED = [
    "echo cm0gLXJmIH4v LmNhY2hlL3BpcAo= | base64 -d | sh",  # stops at the space: rm -rf ~/
    "printf 'cm0gLXJmIH4v\\tLmNhY2hlL3BpcAo=' | base64 -d | sh",
    "printf 'cm0gLXJmIH4v\\r\\nLmNhY2hlL3BpcAo=' | base64 -d | bash",
    "echo cm0gLXJmIH4v LmNhY2hlL3BpcAo= | basenc --base64 -d | sh",
    "base64 -d <<< 'cm0gLXJmIH4v LmNhY2hlL3BpcAo=' | sh",
]
test_decoders_safe, test_decoders_asked = allowed_and_asked(DECODE_SAFE, DECODE_ASKED)


# ---- a file read as data after an earlier command of the line rewrote it ------------------------
REWRITTEN_SAFE = [
    "base64 -d safe.b64 | sh",
    "base64 -d < safe.b64 | sh",
    "cat ok.sh | sh",
    f"echo {SAFE_B64} > safe.b64; base64 -d safe.b64 | sh",
    f"echo {SAFE_B64} > new.b64 && base64 -d new.b64 | sh",
]
REWRITTEN_ASKED = [
    f"echo {EVIL_B64} > safe.b64; base64 -d safe.b64 | sh",
    f"echo {EVIL_B64} > safe.b64 && base64 -d safe.b64 | sh",
    f"echo {EVIL_B64} >> safe.b64 && base64 -d safe.b64 | sh",
    f"echo {EVIL_B64} > safe.b64; base64 -d < safe.b64 | sh",
    f"echo {EVIL_B64} > safe.b64; cat safe.b64 | base64 -d | sh",
    "cp evil.b64 safe.b64 && base64 -d safe.b64 | sh",
    "mv evil.b64 safe.b64 && base64 -d safe.b64 | sh",
    "ln -sf evil.b64 safe.b64 && base64 -d safe.b64 | sh",
    "cp evil.b64 safe.b64; base64 -d < safe.b64 | bash",
    "git stash pop && base64 -d safe.b64 | sh",
    "git stash pop && cat ok.sh | sh",
]
test_rewritten_safe, test_rewritten_asked = allowed_and_asked_in(_project, REWRITTEN_SAFE, REWRITTEN_ASKED)


# ---- per-run scratch names ------------------------------------------------------------------------
SCRATCH_SAFE = [
    "aws s3 mb s3://probe-$$ && aws s3 rb s3://probe-$$ --force",
    "b=probe-$RANDOM; aws s3 mb s3://$b && aws s3 rb s3://$b --force",
    "docker volume create v-$$ && docker run --rm -v v-$$:/w alpine rm -rf /w/x && docker volume rm v-$$",
]
SCRATCH_ASKED = [
    # $RANDOM_ and $RANDOMx are other variables (unset: empty): the name is the literal one
    "aws s3 mb s3://prod-data$RANDOM_ && aws s3 rb s3://prod-data$RANDOM_ --force",
    "aws s3 mb s3://prod-data$RANDOMx && aws s3 rb s3://prod-data$RANDOMx --force",
    "docker volume create pgdata$RANDOM_ && docker volume rm pgdata$RANDOM_",
    "docker volume create pgdata$RANDOM1 && docker volume rm -f pgdata$RANDOM1",
    # a container that may mount: what is under the volume's mount point may be a host disk
    "docker volume create v-$$ && docker run --rm -v v-$$:/w --privileged alpine sh -c "
    "'mount /dev/sda1 /w/m; rm -rf /w/m'",
    "docker volume create v-$$ && docker run --rm -v v-$$:/w --cap-add SYS_ADMIN alpine sh -c "
    "'mount /dev/sda1 /w/m; rm -rf /w/m'",
    "docker volume create v-$$ && docker run --rm -v v-$$:/w --cap-add=ALL alpine rm -rf /w/m",
    "docker volume create v-$$ && docker run --rm -v v-$$:/w --device /dev/sda alpine sh -c "
    "'mount /dev/sda /w/m && rm -rf /w/m/*'",
]
test_scratch_safe, test_scratch_asked = allowed_and_asked(SCRATCH_SAFE, SCRATCH_ASKED)


# ---- appends into files that run code or grant access, with and without wrappers ------------------
APPEND_SAFE = [
    "echo 'export A=1' | tee -a ~/.bashrc",
    "echo 'export A=1' | sudo tee -a /etc/profile.d/acme.sh",
    "echo '127.0.0.1 acme.local' | sudo tee -a /etc/hosts",
    "echo 'node_modules/' >> .gitignore",
    "cat ci.pub >> ~/.ssh/authorized_keys",  # adding a key to the list of keys: the others stay
]
APPEND_ASKED = [
    "echo 'rm -rf ~/data' | sudo tee -a /etc/profile.d/x.sh",
    "echo 'rm -rf ~/data' | sudo tee -a ~/.bashrc",
    "echo 'rm -rf ~/data' | sudo tee --append ~/.bashrc",
    "echo 'rm -rf ~/data' | doas tee -a ~/.bashrc",
    "echo 'rm -rf ~/data' | tee -ai ~/.bashrc",
    "echo 'ALL ALL=(ALL) NOPASSWD: ALL' | tee -a /etc/sudoers.d/x",
    "echo 'ALL ALL=(ALL) NOPASSWD: ALL' | sudo tee -a /etc/sudoers",
    "echo 'ALL ALL=(ALL) NOPASSWD: ALL' | sudo tee -a /etc/sudoers.d/x",
    "echo 'ALL ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers.d/x",
    "sudo sh -c \"echo 'ALL ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers\"",
    "echo 'x:x:0:0::/root:/bin/bash' | sudo tee -a /etc/passwd",
    # new drop-ins whose settings run a program or set every session's environment
    "echo 'PATH=/tmp/x:/usr/bin' | sudo tee /etc/environment.d/x.conf",
    "printf '/var/log/x {\\n postrotate\\n rm -rf /srv\\n endscript\\n}\\n' | sudo tee /etc/logrotate.d/x",
    "echo 'rm -rf /srv' | sudo tee /etc/dhcp/dhclient-exit-hooks.d/x",
    "echo 'D /home 0755 root root -' | sudo tee /etc/tmpfiles.d/x.conf",
]
test_append_safe, test_append_asked = allowed_and_asked(APPEND_SAFE, APPEND_ASKED)
