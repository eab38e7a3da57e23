"""What one command leaves for the next in a shell that stays open (an agent's terminal), or for
the next shell: aliases, hashed names, startup files and git hooks. Each is judged when it is set,
because the command that later runs it may look harmless (`ll`, `ls`, a new shell, `git commit`).
Payloads live only in these strings; nothing here runs them."""

from __future__ import annotations

from verdicts import allowed_and_asked

LEFT_FOR_LATER = [
    "alias ll='rm -rf ~/data'",
    "alias ll='ls -la; rm -rf ~/data'",
    "alias x='ls; rm -rf ~/data'; x",                      # all of an alias runs, not its first command
    'alias x="$PAYLOAD"',                                    # code blastwall cannot see
    "hash -p /bin/rm ls",
    "echo 'rm -rf ~/data' >> ~/.bashrc",
    "echo 'rm -rf ~/data' >> ~/.zshrc",
    "printf 'rm -rf ~/data\\n' >> ~/.profile",
    "cat >> ~/.bash_profile <<'EOF'\nrm -rf ~/data\nEOF",
    "tee -a ~/.bashrc <<< 'git push --force origin main'",
    "echo 'rm -rf ~/data' > .envrc",
    "echo 'rm -rf ~/data' >> /etc/profile.d/x.sh",
    "echo 'rm -rf ~/data' >> ~/.config/fish/config.fish",
    "echo 'rm -rf ~/data' >> .git/hooks/pre-commit",
    "printf '#!/bin/sh\\ngit push --force origin main\\n' > .git/hooks/post-commit",
    "git checkout -b tmp; echo `true && git branch -D tmp`",  # code walked apart keeps its own chain
]

HARMLESS = [
    "alias ll='ls -la'",
    "alias k=kubectl",
    "alias gs='git status'; gs",
    "hash -r",
    "echo 'export PATH=$HOME/bin:$PATH' >> ~/.bashrc",
    "echo 'alias ll=\"ls -la\"' >> ~/.bash_aliases",
    "echo 'eval \"$(direnv hook bash)\"' >> ~/.bashrc",
]


(test_harmless_settings_pass,
 test_what_runs_later_is_judged_now) = allowed_and_asked(HARMLESS, LEFT_FOR_LATER, probe=True)
