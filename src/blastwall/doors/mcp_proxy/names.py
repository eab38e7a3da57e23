"""The server name the proxy gives its actions when `--name` is not set, read from the command.

    server_name(["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"])   -> "filesystem"
    server_name(["uvx", "mcp-server-git", "--repository", "."])                      -> "git"
    server_name(["docker", "run", "-i", "--rm", "ghcr.io/github/github-mcp-server"]) -> "github"

Policy rules and the MCP catalog match on this name (`server = ["*github*"]`), so launchers
(npx, uvx, node, python, docker run, ...) are looked past to the package, script or image
they start, and the usual `mcp-server-`/`-mcp` decorations are dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

# Launchers: the words after them that are not yet the server (subcommands), and their options
# that take a value as the next word.
LAUNCHERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "npx": (frozenset(), frozenset({"-p", "--package", "-c", "--call"})),
    "bunx": (frozenset(), frozenset({"-p", "--package"})),
    "pnpx": (frozenset(), frozenset()),
    "pnpm": (frozenset({"dlx", "exec", "run"}), frozenset()),
    "yarn": (frozenset({"dlx", "exec", "run"}), frozenset()),
    "npm": (frozenset({"exec", "x", "run"}), frozenset({"-p", "--package"})),
    "bun": (frozenset({"x", "run"}), frozenset()),
    "deno": (frozenset({"run"}), frozenset()),
    "node": (frozenset(), frozenset({"-r", "--require", "--import", "--loader"})),
    "uvx": (frozenset(), frozenset({"--from", "--with", "--python", "-p"})),
    "uv": (frozenset({"run", "tool"}), frozenset({"--from", "--with", "--python", "-p", "--directory",
                                                   "--project"})),
    "pipx": (frozenset({"run"}), frozenset({"--spec"})),
    "python": (frozenset(), frozenset({"-X", "-W"})),
    "docker": (frozenset({"run", "container"}), frozenset({"-e", "--env", "-v", "--volume", "--name", "--network",
                                                           "-w", "--workdir", "-u", "--user", "--env-file",
                                                           "--mount", "--entrypoint", "-p", "--publish",
                                                           "--platform", "-l", "--label", "--add-host"})),
    "env": (frozenset(), frozenset({"-u", "--unset", "-C", "--chdir"})),
}
LAUNCHERS["podman"] = LAUNCHERS["docker"]
GENERIC_FILES = frozenset({"index", "main", "server", "cli", "app", "run", "start", "__main__", "mcp"})
BUILD_DIRS = frozenset({"dist", "build", "lib", "src", "bin", "out", "build-output"})
_DECORATIONS = re.compile(r"^(?:mcp[-_]server[-_]|server[-_]|mcp[-_])|(?:[-_]mcp[-_]server|[-_]mcp|[-_]server)$")


def _launcher(word: str) -> str | None:
    base = os.path.basename(word).lower()
    base = re.sub(r"\.exe$", "", base)
    if re.fullmatch(r"python[0-9.]*", base):
        return "python"
    if base == "env" or "=" in word:
        return "env"
    return base if base in LAUNCHERS else None


def _target(argv: Sequence[str]) -> str:
    """The word naming what the launchers start (a package, module, script or image)."""
    words = list(argv)
    i = 0
    while i < len(words):
        kind = _launcher(words[i])
        if kind is None:
            return words[i]
        subcommands, takes_value = LAUNCHERS[kind]
        i += 1
        while i < len(words):
            w = words[i]
            if kind == "python" and w == "-m" and i + 1 < len(words):
                return words[i + 1]
            if (kind == "env" and "=" in w and not w.startswith("-")) or w in subcommands:
                i += 1
            elif w.startswith("-"):
                i += 2 if w in takes_value else 1
            else:
                break
    return words[-1] if words else ""


def _clean(word: str) -> str:
    scope = ""
    if word.startswith("@") and "/" in word:  # @scope/package@version
        scope, word = word[1:].split("/", 1)
    word = re.sub(r"@[^/@]*$", "", word)
    word = word.rstrip("/")
    parts = [p for p in re.split(r"[/\\]", word) if p]
    if not parts:
        return ""
    last = re.sub(r":[^:]*$", "", parts[-1]) if "/" in word or ":" in parts[-1] else parts[-1]
    last = re.sub(r"\.(py|js|mjs|cjs|ts|sh|exe)$", "", last)
    rest = [p for p in parts[:-1] if p.lower() not in BUILD_DIRS]
    if last.lower() in GENERIC_FILES and rest:
        last = rest[-1]
    trimmed = _DECORATIONS.sub("", last.lower())
    trimmed = _DECORATIONS.sub("", trimmed)
    if scope and (not trimmed or trimmed in GENERIC_FILES):  # @railway/mcp-server
        return scope.lower()
    return trimmed or last.lower()


def server_name(argv: Sequence[str]) -> str:
    """A short name for the server that `argv` starts (see the module docstring)."""
    target = _target(argv)
    name = _clean(target)
    if name == "remote":  # mcp-remote https://mcp.linear.app/sse: the host names the server
        url = next((w for w in argv if w.startswith(("http://", "https://"))), None)
        host = (urlsplit(url).hostname or "") if url else ""
        labels = [h for h in host.split(".") if h not in ("mcp", "www", "api")]
        if len(labels) >= 2:
            return labels[-2]
    if not argv:
        return "mcp"
    return name or os.path.basename(argv[0])
