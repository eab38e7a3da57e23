"""Variables that hold a program's options, some of which load or run code (parse.py CODE_VARIABLES
kind "options"): `NODE_OPTIONS='--require ./x.js'` runs x.js before every node program the command
starts, `GOFLAGS=-toolexec=/tmp/x` runs x for every compiler step, `JAVA_TOOL_OPTIONS=-javaagent:x.jar`
loads x.jar into every JVM.

    loads_code("NODE_OPTIONS", "--max-old-space-size=4096")  -> None
    loads_code("NODE_OPTIONS", "--require ./x.js")           -> "--require ./x.js"
    loads_code("NODE_OPTIONS", "-r dotenv/config")           -> None (a well-known package by name)
"""

from __future__ import annotations

import shlex

# variable -> options whose value (the next word, or after `=`/`:` in the same word, or glued to a
# short option) is code the program loads or runs. From each program's manual: node(1), perlrun(1)
# PERL5OPT, ruby(1) RUBYOPT, the JVM's -javaagent/-agentpath, `go help build` (-toolexec, -exec),
# GNU make's MAKEFLAGS (variables and --eval), rustc's -C linker, gcc's -fplugin.
LOADERS: dict[str, tuple[str, ...]] = {
    "NODE_OPTIONS": ("--require", "-r", "--import", "--loader", "--experimental-loader"),
    "npm_config_node_options": ("--require", "-r", "--import", "--loader", "--experimental-loader"),
    "NPM_CONFIG_NODE_OPTIONS": ("--require", "-r", "--import", "--loader", "--experimental-loader"),
    "PERL5OPT": ("-M", "-m"),
    "RUBYOPT": ("-r",),
    "JAVA_TOOL_OPTIONS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath"),
    "_JAVA_OPTIONS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath"),
    "JDK_JAVA_OPTIONS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath"),
    "JAVA_OPTS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath"),
    "MAVEN_OPTS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath"),
    "GRADLE_OPTS": ("-javaagent", "-agentpath", "-agentlib", "-Xbootclasspath", "-Dorg.gradle.jvmargs"),
    "GOFLAGS": ("-toolexec", "--toolexec", "-exec", "--exec", "-overlay", "--overlay"),
    "MAKEFLAGS": ("--eval", "-f", "--file", "--makefile", "SHELL", ".SHELLFLAGS", "MAKESHELL"),
    "MFLAGS": ("--eval", "-f", "--file", "--makefile", "SHELL", ".SHELLFLAGS"),
    "RUSTFLAGS": ("-Clinker", "linker"),
    "CARGO_BUILD_RUSTFLAGS": ("-Clinker", "linker"),
    "CARGO_ENCODED_RUSTFLAGS": ("-Clinker", "linker"),
    "CFLAGS": ("-fplugin", "-specs", "--specs", "-B", "-wrapper"),
    "CXXFLAGS": ("-fplugin", "-specs", "--specs", "-B", "-wrapper"),
    "CPPFLAGS": ("-fplugin", "-specs", "--specs", "-B", "-wrapper"),
    "LDFLAGS": ("-fplugin", "-specs", "--specs", "-wrapper", "-fuse-ld"),
}

# Preloads by well-known package name, part of a program like any import (`-r dotenv/config`,
# `-Mstrict`, `-rbundler/setup`, the debugger agent `-agentlib:jdwp=...`).
KNOWN_PRELOADS = frozenset({
    "dotenv/config", "ts-node/register", "ts-node/register/transpile-only", "tsconfig-paths/register",
    "source-map-support/register", "@babel/register", "esbuild-register", "@swc/register", "@swc-node/register",
    "tsx", "tsx/esm", "tsx/cjs", "ts-node/esm", "dd-trace/init", "newrelic", "elastic-apm-node/start",
    "@opentelemetry/auto-instrumentations-node/register", "global-agent/bootstrap", "module-alias/register",
    "strict", "warnings", "utf8", "diagnostics", "Carp::Always", "Devel::Cover", "bundler/setup", "pp", "json",
    "jdwp",
})


def _value(words: list[str], i: int, option: str) -> str | None:
    """The value of `option` at words[i] (glued, after `=` or `:`, or the next word), or None."""
    word = words[i]
    if word == option:
        return words[i + 1] if i + 1 < len(words) else ""
    rest = word[len(option):]
    if rest[:1] in ("=", ":"):
        return rest[1:]
    if option.startswith("-") and not option.startswith("--") and len(option) == 2:
        return rest  # -rdotenv/config, -Mstrict
    return None


def loads_code(name: str, value: str) -> str | None:
    """The part of `value` (the options variable `name` holds) that loads or runs code blastwall does
    not read, or None when none does. Text that does not split into words is such a part."""
    try:
        words = shlex.split(value)
    except ValueError:
        return value
    loaders = LOADERS.get(name, ())
    for i, word in enumerate(words):
        if word == "-C" and i + 1 < len(words) and words[i + 1].startswith("linker"):
            return f"-C {words[i + 1]}"  # RUSTFLAGS='-C linker=/tmp/x'
        for option in loaders:
            if not word.startswith(option):
                continue
            loaded = _value(words, i, option)
            if loaded is None:
                continue
            module = loaded.split("=", 1)[0] if option in ("-M", "-m") or option.startswith("-agent") else loaded
            if module.lstrip("-") in KNOWN_PRELOADS or module in KNOWN_PRELOADS:
                continue
            return f"{word} {loaded}".strip() if word == option else word
    return None
