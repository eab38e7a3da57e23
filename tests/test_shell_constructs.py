"""The shell analyzer looks inside every bash construct that runs code.

Each construct below hides a destructive payload where bash runs it; none may be allowed. Each
benign twin is everyday code of the same shape and stays allowed. Every node type of the
tree-sitter-bash grammar is classified in `parse.NODE_TYPES`: a new grammar version that adds a
type fails `test_every_grammar_node_type_is_classified` until someone says how it is read, and
meanwhile a command that uses it is an ask.

The `:` builtin ignores its arguments (quoted text after it is a mention); a `cd` the next command
does not depend on (`;`, `||`) may have failed, so the folder is then unknown.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verdicts import allowed_and_asked

from blastwall.analyze.shell import parse as shell_parse
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()
RM = "rm -rf ~"
WRITE_POLICY = "echo [[rule]] decision=allow > ~/.config/blastwall/blastwall.toml"  # no quotes: fits any template


def _decision(command: str) -> str:
    return check(command, policy=POLICY, read_files=False).decision.value


# ---- the grammar ------------------------------------------------------------------------------
def _grammar_named_types() -> set[str]:
    from tree_sitter import Language

    lang = Language(shell_parse._bash_language())
    return {lang.node_kind_for_id(i) for i in range(lang.node_kind_count)
            if lang.node_kind_is_named(i) and lang.node_kind_is_visible(i)} - {"ERROR"}


def test_every_grammar_node_type_is_classified() -> None:
    missing = sorted(_grammar_named_types() - set(shell_parse.NODE_TYPES))
    assert not missing, f"tree-sitter-bash node types nobody classified in parse.NODE_TYPES: {missing}"


def test_the_table_names_only_grammar_types() -> None:
    assert set(shell_parse.NODE_TYPES) <= _grammar_named_types()
    assert set(shell_parse.NODE_TYPES.values()) == {"statement", "word", "part"}


@pytest.mark.parametrize("node_type, command", [
    ("case_item", "case x in x) ls;; esac"),
    ("array", "x=(a b)"),
    ("arithmetic_expansion", "echo $((1+2))"),
    ("heredoc_body", "cat <<EOF\nhi\nEOF"),
])
def test_an_unclassified_node_type_is_an_ask(monkeypatch: pytest.MonkeyPatch, node_type: str, command: str) -> None:
    assert _decision(command) == "allow"
    table = dict(shell_parse.NODE_TYPES)
    del table[node_type]
    monkeypatch.setattr(shell_parse, "NODE_TYPES", table)
    assert _decision(command) == "ask"


# ---- destructive code hidden in a construct ------------------------------------------------------
# `{}` is where the payload goes.
HIDDEN = [
    # array assignments and subscripts
    "x=( $({}) )", "x=($({}))", "x+=( $({}) )", "declare -a x=( $({}) )", "export x=( $({}) )",
    "local -a x=( `{}` )", "x=( [0]=$({}) )", "m=([k]=$({}))", "typeset -A m=([$({})]=1)", "x[$({})]=1",
    "x=( \"${{y[@]/#/$({})}}\" )", "if true; then x=( $({}) ); fi", "{{ x=( $({}) ); }}", "x=( $({}) ) && ls",
    "case x in *) x=( $({}) );; esac", "f() {{ x=( $({}) ); }}", "x=( $( ( {} ) ) )",
    # arithmetic
    "echo $(( $({}) + 1 ))", "echo $(( a[$({})] ))", "(( a[$({})] ))", "(( $({}) ))", "((x = $({})))",
    "echo $(( 1 ? $({}) : 0 ))", "(( i++ , a[$({})] ))", "echo $[ $({}) ]", "arr=( $(( $({}) )) )",
    "for ((i=$({}); i<1; i++)); do :; done", "let x=$({})", "echo $(( `{}` ))",
    # every ${...} operator
    "echo ${{x:-$({})}}", "echo ${{x-$({})}}", "echo ${{x:=$({})}}", "echo ${{x=$({})}}", "echo ${{x:+$({})}}",
    "echo ${{x+$({})}}", "echo ${{x:?$({})}}", "echo ${{x?$({})}}", "echo ${{x/$({})/y}}", "echo ${{x//a/$({})}}",
    "echo ${{x/#a/$({})}}", "echo ${{x/%a/$({})}}", "echo ${{x#$({})}}", "echo ${{x##$({})}}", "echo ${{x%$({})}}",
    "echo ${{x%%$({})}}", "echo ${{x:$({})}}", "echo ${{x:0:$({})}}", "echo ${{x[$({})]}}", "echo ${{#x[$({})]}}",
    "echo ${{x[@]:$({})}}", "echo ${{x^^$({})}}", "echo ${{x^$({})}}", "echo ${{x,,$({})}}", "echo ${{x,$({})}}",
    "echo ${{!x[$({})]}}", "echo \"${{x:-$({})}}\"", "echo ${{x:-`{}`}}", "echo \"${{x:-`{}`}}\"", ": ${{x:=$({})}}",
    "x=${{y:-$({})}} ls", "echo ${{x:-${{y:-$({})}}}}",
    # prompt expansion
    "x='$({})'; echo ${{x@P}}", "x='`{}`'; echo ${{x@P}}", "echo ${{x@P}}", "a=(); echo ${{a[@]@P}}",
    "PS1='$({})'", "PS4='$({})' bash -x -c ls", "export PS1='`{}`'",
    # heredocs and herestrings
    "cat <<EOF\n$({})\nEOF", "cat <<EOF\n`{}`\nEOF", "cat <<EOF\n${{x:-$({})}}\nEOF", "cat <<EOF\n${{x#$({})}}\nEOF",
    "cat <<-EOF\n\t$({})\n\tEOF", "cat <<EOF > /tmp/f\n$({})\nEOF", "cat <<EOF | sh\n{}\nEOF", "cat <<< \"$({})\"",
    "cat <<EOF\n$(( $({}) ))\nEOF", "cat <<A; cat <<B\nok\nA\n$({})\nB",
    # process substitution
    "diff <({}) /dev/null", "cat < <({})", "echo hi > >({})", "echo <({})", "x=( <({}) )",
    # code stored for later
    "trap '{}' EXIT", "trap \"{}\" INT", "trap -- '{}' EXIT", "trap '{}' ERR", "shopt -s extdebug; trap '{}' DEBUG",
    "PROMPT_COMMAND='{}'", "export PROMPT_COMMAND='{}'", "PROMPT_COMMAND=( '{}' )", "declare PROMPT_COMMAND='{}'",
    "PROMPT_COMMAND='{}' bash -i", "EDITOR='{}' git commit", "GIT_SSH_COMMAND='{}' git fetch",
    "GIT_SEQUENCE_EDITOR='{}' git rebase -i HEAD~2", "BASH_ENV=/tmp/x bash -c ls", "ENV=/tmp/evil sh -i",
    "export BASH_ENV='$({})'", "mapfile -C '{}' -c 1 x < /etc/hosts", "complete -C '{}' ls",
    "bind -x '\"\\C-a\": {}'",
    # coproc, flock, time, !, select, case, functions
    "coproc {}", "coproc foo {{ {}; }}", "coproc {{ {}; }}", "coproc foo ( {} )", "flock /tmp/lock -c '{}'",
    "flock -x /tmp/lock -c '{}'", "flock -n -w 3 /tmp/lock --command='{}'", "flock /tmp/lock {}",
    "flock -n 9 {}", "time {}", "time {{ {}; }}", "time -p ( {} )", "time ! {}", "! {}", "! {{ {}; }}",
    "select x in a b; do {}; done", "select x in $({}); do :; done", "case x in x) {};; esac",
    "case $({}) in x) ls;; esac", "case x in $({})) ls;; esac", "f() {{ {}; }}", "function f {{ {}; }}",
    "f() ( {} )", "f() [[ $({}) ]]", "f() {{ {}; }}; f", "command_not_found_handle() {{ {}; }}; nosuchcmd",
    # tests and names
    "[[ $({}) ]]", "[[ -n $({}) ]]", "[[ x == $({}) ]]", "[[ x =~ $({}) ]]", "[[ -v a[$({})] ]]",
    "[[ a[$({})] -eq 1 ]]", "[ \"$({})\" ]", "test -n \"$({})\"", "[[ x == `{}` ]]",
    # control flow
    "while {}; do :; done", "until $({}); do :; done", "if $({}); then :; fi", "for x in $({}); do :; done",
    "{{ {}; }}", "({})", "echo `{}`", "x=1 echo $({})", "f=$({}) ls", "exec {{fd}}>$({})",
]

# Bash evaluates a subscript in text used as a name or a number, even from single quotes.
SUBSCRIPT_NAMES = [
    "unset 'a[$({})]'", "printf -v 'a[$({})]' x", "read 'a[$({})]' <<< x", "test -v 'a[$({})]'",
    "[ -v 'a[$({})]' ]", "[[ -v 'a[$({})]' ]]", "let 'a[$({})]=1'", "declare -i n; n='a[$({})]'",
    "declare -i n='a[$({})]'", "x='a[$({})]'; echo $(( x ))", "x='a[$({})]'; [[ $x -eq 1 ]]",
    "x='a[$({})]'; echo ${{!x}}", "b['$({})']=1", "declare 'a[$({})]=1'", "echo $(( a['$({})'] ))",
    "x=abc; echo ${{x:'a[$({})]'}}",
]


def _cases(templates: list[str]) -> list[str]:
    return [t.format(payload) for t in templates for payload in (RM, WRITE_POLICY)]


def test_the_reported_policy_rewrite_is_not_allowed() -> None:
    command = "x=( $(printf '[[rule]]\\nsurface = \"shell\"\\ndecision = \"allow\"' > ~/.config/blastwall/blastwall.toml) )"
    assert _decision(command) == "deny"


@pytest.mark.parametrize("command", _cases(HIDDEN + SUBSCRIPT_NAMES))
def test_code_hidden_in_a_construct_is_not_allowed(command: str) -> None:
    v = check(command, policy=POLICY, read_files=False)
    assert v.decision.value != "allow", f"{command!r} was allowed"
    assert v.reasons


# ---- everyday code of the same shapes ------------------------------------------------------------
BENIGN = [
    "x=( $(ls) )", "files=( $(git ls-files) )", "x+=( \"$(date +%s)\" )", "declare -a x=( a b c )", "x[$(echo 1)]=2",
    "m=([k]=v)", "echo $((1+2))", "echo $(( $(wc -l < README.md) + 1 ))", "(( i++ ))", "(( a[i] = 2 ))",
    "for ((i=0; i<3; i++)); do echo $i; done", "let x=1+2", "echo $[1+2]",
    "echo ${x:-default}", "echo ${x:-$(pwd)}", "echo ${x:-`pwd`}", "echo ${x/a/b}", "echo ${x#*/}", "echo ${x%%.*}",
    "echo ${x:0:3}", "echo ${x^^}", "echo ${x,,}", "echo ${!x}", "echo ${x@Q} ${x@E} ${x@A}", "echo ${#x[@]}",
    "echo \"${x:-$(git rev-parse HEAD)}\"", "echo ${x#$(pwd)/}",
    "x='\\u@\\h'; echo ${x@P}", "PS1='\\u@\\h:\\w\\$ '", "PS1='$(git branch --show-current) $ '",
    "cat <<'EOF'\n$(rm -rf ~)\nEOF", "cat << \"EOF\"\n`rm -rf ~`\nEOF", "cat <<\\EOF\n$(rm -rf ~)\nEOF",
    "cat <<EOF\nhello $(whoami) on $(date)\nEOF", "cat <<EOF\n`date`\nEOF", "cat <<EOF\nprice: \\$(not run)\nEOF",
    "cat <<< \"$(date)\"", "diff <(ls a) <(ls b)", "trap 'rm -f /tmp/build.lock' EXIT", "trap - EXIT", "trap '' INT",
    "trap 'echo done' EXIT", "PROMPT_COMMAND='history -a'", "EDITOR=vim git commit", "GIT_EDITOR=true git rebase --continue",
    "GIT_SSH_COMMAND='ssh -i ~/.ssh/deploy_key' git fetch", "PAGER=cat git log", "coproc cat", "coproc { cat; }",
    "flock /tmp/lock -c 'make build'", "flock -n /tmp/lock make build", "time make test", "time { ls; }", "! grep -q x f",
    "select x in a b; do echo $x; break; done", "case $1 in start) echo go;; *) echo no;; esac",
    "f() { echo hi; }; f", "[[ -n $(git status --porcelain) ]]", "[[ x =~ ^a$ ]]", "test -n \"$(ls)\"",
    "unset x y", "unset 'a[1]'", "read -r line <<< x", "printf -v out '%s' x", "declare -i n=3",
    "mapfile -t lines < README.md", "echo '$(rm -rf ~)'", "echo 'a[$(rm -rf ~)]'", "grep -E '[$(]' README.md",
    "x='$(rm -rf ~)'; echo \"$x\"",
]


@pytest.mark.parametrize("command", BENIGN)
def test_everyday_code_stays_allowed(command: str) -> None:
    v = check(command, policy=POLICY, read_files=False)
    assert v.decision.value == "allow", f"{command!r} was blocked: {v.reasons} {v.rule_ids}"


# ---- random nesting --------------------------------------------------------------------------------
WRAPPERS = [t for t in HIDDEN if "{}" in t and "\n" not in t] + [
    "x=( {} )", "echo $(( {} ))", "echo ${{x:-{}}}", "echo ${{x/{}/y}}", "[[ {} ]]", "case {} in *) :;; esac",
]
INNER = [t for t in HIDDEN if t.count("{}") == 1 and "$({})" in t and "\n" not in t]


@st.composite
def nested(draw: Any) -> str:
    """`rm -rf ~` wrapped in 1-4 constructs, innermost first."""
    code = RM
    for template in draw(st.lists(st.sampled_from(INNER), min_size=1, max_size=4)):
        code = template.format(code)
    if draw(st.booleans()):
        code = draw(st.sampled_from(WRAPPERS)).format(f"$({code})")
    return code


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(nested())
def test_random_nesting_around_rm_is_never_allowed(command: str) -> None:
    v = check(command, policy=POLICY, read_files=False)
    assert v.decision.value != "allow", f"{command!r} was allowed"


# --- a `cd` in a copy of the shell stays there --------------------------------------------------

SUBSHELL_CD = [  # bash runs each of these `cd`s in a copy of the shell: the `rm` after it runs in the project
    "(cd /tmp); rm -rf src",
    "cd /tmp | true; rm -rf src",
    "true | cd /tmp; rm -rf src",
    "cd /tmp & rm -rf src",
    "echo $(cd /tmp); rm -rf src",
    "x=$(cd /tmp && pwd); rm -rf src",
    "cat <(cd /tmp); rm -rf src",
]


def _project(tmp_path: Any) -> str:
    import subprocess

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('work')\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return str(tmp_path)


@pytest.mark.parametrize("command", SUBSHELL_CD)
def test_a_cd_in_a_subshell_does_not_move_what_follows(command: str, tmp_path: Any) -> None:
    cwd = _project(tmp_path)
    v = check(command, policy=POLICY, context={"cwd": cwd})
    assert v.decision.value != "allow", (command, v.reasons)
    assert any("project" in r for r in v.reasons), v.reasons  # src is the project's, not /tmp's


@pytest.mark.parametrize("command", ["cd /tmp && rm -rf blastwall-scratch-x", "(cd /tmp && rm -rf blastwall-scratch-x)",
                                     "{ cd /tmp; rm -rf blastwall-scratch-x; }"])
def test_a_cd_in_the_same_shell_still_moves_what_follows(command: str, tmp_path: Any) -> None:
    v = check(command, policy=POLICY, context={"cwd": _project(tmp_path)})
    assert all("project" not in r for r in v.reasons), v.reasons  # a temporary path, as the shell runs it


# The `:` builtin ignores its arguments: quoted text after it is a mention.
COLON_SAFE = [
    ": 'terraform destroy -auto-approve'",
    ": terraform destroy",
    ": \"git push --force origin main\"",
]
COLON_ASKED = [
    ": $(terraform destroy)",
    ": \"$(rm -rf ~/x)\"",
    ": `rm -rf ~/x`",
    ": ${X:=$(rm -rf ~/y)}",
    ": > important.db",
    ": && terraform destroy",
]


test_colon_mentions_pass, test_colon_lookalikes_ask = allowed_and_asked(COLON_SAFE, COLON_ASKED)


# A cd the command does not depend on (`;`, `||`) may have failed: the folder is then unknown.
CD_UNGUARDED = [
    "cd /tmp/b7-nothere; rm -rf ./*",
    "cd /tmp/b7-nothere || true; rm -rf ./*",
    "cd /tmp/b7-a && ls; rm -rf ./*",
]
CD_GUARDED = [
    "cd /tmp/b7-nothere && rm -rf ./*",
    "cd /tmp/b7-a && cd /tmp/b7-b && rm -rf ./*",
    "(cd /tmp/b7-a && rm -rf ./*)",
    "cd frontend; npm test",
]


test_guarded_cd_moves, test_unguarded_cd_leaves_the_folder_unknown = allowed_and_asked(CD_GUARDED, CD_UNGUARDED)
