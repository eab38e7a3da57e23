"""`tar` extracting over existing files, in every spelling: `tar -xf a.tar`, `tar xzf a.tgz`
(old-style bundled options: the first word without a dash), `tar --extract --file=a.tar`, with
or without `-C DIR` (without it, into the folder the command runs in).

The archive is listed when blastwall can read it (a local file, plain or gzip/bzip2/xz
compressed, within bounds): an extraction that writes no file that exists now overwrites nothing.
When some of its files exist, or when the archive cannot be listed (stdin, a download, too
large, links inside), the target folder is judged like `tar -x -C DIR` (`rules/shell_fs.toml`
`shell.fs:tar-extract-into`, rated by the folder's class and measured radius).
"""

from __future__ import annotations

import os
import posixpath
import time

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_OLD_STYLE_VALUES = "bfgCKLNTVXIH"  # letters of a bundle that take the next word
_EXTRACT = ("-x", "--extract", "--get")
_NO_OVERWRITE = ("-t", "--list", "-O", "--to-stdout", "-k", "--keep-old-files", "--skip-old-files", "--to-command",
                 "--help", "--version")
_VALUE_OPTIONS = ("-C", "--directory", "-f", "--file", "-T", "--files-from", "-X", "--exclude-from", "-I",
                  "--use-compress-program", "-b", "--blocking-factor", "-H", "--format", "-g",
                  "--listed-incremental", "-K", "--starting-file", "-N", "--newer", "-V", "--label")
# Names rewritten on the way out (GNU --transform, BSD -s, a folder of the archive's name) or whole
# folders emptied first: which files it writes over is not known from the member list.
_RENAMES = ("--transform", "--xform", "-s", "--one-top-level", "--recursive-unlink")
# GNU tar's long options (`tar --help`, GNU tar 1.34): getopt takes any unambiguous prefix of one.
_LONG_OPTIONS = (
    "--absolute-names", "--acls", "--add-file", "--after-date", "--anchored", "--append", "--atime-preserve",
    "--auto-compress", "--backup", "--block-number", "--blocking-factor", "--bzip2", "--catenate", "--check-device",
    "--check-links", "--checkpoint", "--checkpoint-action", "--clamp-mtime", "--compare", "--compress",
    "--concatenate", "--confirmation", "--create", "--delay-directory-restore", "--delete", "--dereference",
    "--diff", "--directory", "--exclude", "--exclude-backups", "--exclude-caches", "--exclude-caches-all",
    "--exclude-caches-under", "--exclude-from", "--exclude-ignore", "--exclude-ignore-recursive", "--exclude-tag",
    "--exclude-tag-all", "--exclude-tag-under", "--exclude-vcs", "--exclude-vcs-ignores", "--extract", "--file",
    "--files-from", "--force-local", "--format", "--full-time", "--get", "--group", "--group-map", "--gunzip",
    "--gzip", "--hard-dereference", "--help", "--hole-detection", "--ignore-case", "--ignore-command-error",
    "--ignore-failed-read", "--ignore-zeros", "--incremental", "--index-file", "--info-script", "--interactive",
    "--keep-directory-symlink", "--keep-newer-files", "--keep-old-files", "--label", "--level", "--list",
    "--listed-incremental", "--lzip", "--lzma", "--lzop", "--mode", "--mtime", "--multi-volume",
    "--new-volume-script", "--newer", "--newer-mtime", "--no-acls", "--no-anchored", "--no-auto-compress",
    "--no-check-device", "--no-delay-directory-restore", "--no-ignore-case", "--no-ignore-command-error",
    "--no-null", "--no-overwrite-dir", "--no-quote-chars", "--no-recursion", "--no-same-owner",
    "--no-same-permissions", "--no-seek", "--no-selinux", "--no-unquote", "--no-verbatim-files-from",
    "--no-wildcards", "--no-wildcards-match-slash", "--no-xattrs", "--null", "--numeric-owner", "--occurrence",
    "--old-archive", "--one-file-system", "--one-top-level", "--overwrite", "--overwrite-dir", "--owner",
    "--owner-map", "--pax-option", "--portability", "--posix", "--preserve-order", "--preserve-permissions",
    "--quote-chars", "--quoting-style", "--read-full-records", "--record-size", "--recursion", "--recursive-unlink",
    "--remove-files", "--restrict", "--rmt-command", "--rsh-command", "--same-order", "--same-owner",
    "--same-permissions", "--seek", "--selinux", "--show-defaults", "--show-omitted-dirs",
    "--show-snapshot-field-ranges", "--show-stored-names", "--show-transformed-names", "--skip-old-files", "--sort",
    "--sparse", "--sparse-version", "--starting-file", "--strip-components", "--suffix", "--tape-length",
    "--test-label", "--to-command", "--to-stdout", "--totals", "--touch", "--transform", "--uncompress", "--ungzip",
    "--unlink-first", "--unquote", "--update", "--usage", "--use-compress-program", "--utc", "--verbatim-files-from",
    "--verbose", "--verify", "--version", "--volno-file", "--warning", "--wildcards", "--wildcards-match-slash",
    "--xattrs", "--xattrs-exclude", "--xattrs-include", "--xform", "--xz", "--zstd",
)
MAX_COMPRESSED = 16 * 1024 * 1024
MAX_PLAIN = 1024 * 1024 * 1024
MAX_MEMBERS = 20000
LIST_BUDGET_S = 0.3


def _long(word: Word) -> Word:
    """`--extr` -> `--extract`, `--strip=1` -> `--strip-components=1` (an unambiguous prefix)."""
    name, eq, value = word.text.partition("=")
    if not name.startswith("--") or name in _LONG_OPTIONS:
        return word
    matches = [o for o in _LONG_OPTIONS if o.startswith(name)]
    return Word(matches[0] + eq + value, dynamic=word.dynamic, raw=word.raw) if len(matches) == 1 else word


def expanded(argv: list[Word]) -> list[Word]:
    """`tar xzf a.tgz -C d` -> `tar -x -z -f a.tgz -C d` (GNU/BSD old-style options), long
    options spelled out."""
    argv = [argv[0], *(_long(w) if w.text.startswith("--") else w for w in argv[1:])] if argv else argv
    if len(argv) < 2 or argv[1].text.startswith("-") or argv[1].dynamic or not argv[1].text.isalpha():
        return argv
    bundle, rest = argv[1].text, list(argv[2:])
    out = [argv[0]]
    for c in bundle:
        out.append(Word.lit("-" + c))
        if c in _OLD_STYLE_VALUES and rest:
            out.append(rest.pop(0))
    return out + rest


def _flag(words: list[Word], names: tuple[str, ...]) -> bool:
    for w in words:
        t = w.text
        if t == "--":
            return False
        if t in names or any(n.startswith("--") and t.startswith(n + "=") for n in names):
            return True
        if len(t) > 2 and t[0] == "-" and t[1] != "-" and any(len(n) == 2 and n[1] in _cluster_flags(t) for n in names):
            return True
    return False


def _cluster_flags(t: str) -> str:
    """The flag letters of `-xvzf` (a value letter ends the cluster: `-fxa.tar` is only -f)."""
    out = ""
    for c in t[1:]:
        out += c
        if c in "fCTXIbHgKNV":
            break
    return out


def _value(words: list[Word], short: str, long: str) -> Word | None:
    """The last value of `-C DIR`, `-CDIR`, `--directory=DIR`, `--directory DIR`, `-xzfC a d`."""
    found: Word | None = None
    for i, w in enumerate(words):
        t = w.text
        nxt = words[i + 1] if i + 1 < len(words) else None
        if t in (short, long) and nxt is not None:
            found = nxt
        elif t.startswith(long + "="):
            found = Word(t[len(long) + 1:], dynamic=w.dynamic)
        elif len(t) > 2 and t[0] == "-" and t[1] != "-":
            letters = _cluster_flags(t)
            if letters.endswith(short[1]):
                rest = t[1 + len(letters):]
                found = Word(rest, dynamic=w.dynamic) if rest else nxt
    return found


def handle_tar(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    words = expanded(argv)
    opts = words[1:]
    if _flag(opts, ("--remove-files",)) and not _flag(opts, _EXTRACT):
        return _removed_sources(words, cmd, scope)
    if not _flag(opts, _EXTRACT) or _flag(opts, _NO_OVERWRITE):
        return None  # creating, listing or extracting to stdout: the tables judge it as usual
    from blastwall.analyze.shell.fsops import analyze_fs

    target = _value(opts, "-C", "--directory")
    folder = target.text if target is not None else "."
    archive = _value(opts, "-f", "--file")
    existing = _existing_members(archive, folder, opts, scope)
    if existing is not None and not existing:
        return []  # every file it holds is new here: nothing is overwritten
    judged = words if target is not None else [*words, Word.lit("-C"), Word.lit(".")]
    found = analyze_fs(name, judged, scope, cmd.source)
    if existing:
        shown = ", ".join(existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        found = [f._replace(reason=f"{f.reason} (it holds files that exist there: {shown})") for f in found]
    return found


def _removed_sources(words: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`tar czf out.tgz --remove-files DIR`: tar deletes what it archived, judged like `rm -r`
    of the same paths (from the folder of the last `-C` before each) unless the archive keeps
    them in the project (archive_moves.py: not /dev/null, stdout, a temp folder or build output)."""
    sources: list[Word] = []
    folder: str | None = None
    i = 1
    while i < len(words):
        w = words[i]
        t = w.text
        if t in ("-C", "--directory") and i + 1 < len(words):
            folder = words[i + 1].text
            i += 2
            continue
        if t.startswith("--directory="):
            folder = t.split("=", 1)[1]
        elif t in _VALUE_OPTIONS and i + 1 < len(words):
            i += 2
            continue
        elif len(t) > 2 and t[0] == "-" and t[1] != "-":  # `-czf OUT`, `-Cdir`: a cluster ending in a value letter
            letters = _cluster_flags(t)
            glued = t[1 + len(letters):]
            if letters[-1:] == "C":
                folder = glued or (words[i + 1].text if i + 1 < len(words) else folder)
            if letters[-1:] in _OLD_STYLE_VALUES and not glued:
                i += 2
                continue
        elif not t.startswith("-") or t == "-":
            rel = folder and not t.startswith(("/", "~", "$"))
            sources.append(Word(posixpath.join(folder, t), dynamic=w.dynamic or "$" in folder) if rel else w)
        i += 1
    from blastwall.analyze.shell.archive_moves import Move, moved_into

    archive = _value(words[1:], "-f", "--file")  # none: the default archive, stdout or a tape
    gone = archive is None or archive.text == "-" or _flag(words[1:], ("--to-stdout",))
    return moved_into("tar", Move(sources, archive, hidden=gone), scope, cmd.source, "shell.fs:tar-remove-files",
                      "tar --remove-files deletes")


def _existing_members(archive: Word | None, folder: str, opts: list[Word], scope: Scope) -> list[str] | None:
    """The archive's files that exist in `folder` now, or None when the archive cannot be listed."""
    if archive is None or archive.dynamic or archive.text in ("-", "") or not scope.read_files or "$" in folder:
        return None
    base = scope.cwd or os.getcwd()
    if scope.shell_dir:
        if scope.shell_dir.startswith("$"):
            return None
        base = os.path.join(base, os.path.expanduser(scope.shell_dir))
    path = os.path.join(base, os.path.expanduser(archive.text))
    where = os.path.join(base, os.path.expanduser(folder))
    names = _members(path)
    if names is None or _flag(opts, _RENAMES):
        return None  # names rewritten on the way out: which files it writes is not known here
    strip = _strip_components(opts)
    if strip is None:
        return None
    names = ["/".join(n.lstrip("/").split("/")[strip:]) for n in names]
    absolute = _flag(opts, ("-P", "--absolute-names")) and not strip
    out: list[str] = []
    for n in (n for n in names if n):
        full = n if absolute and n.startswith("/") else os.path.join(where, n.lstrip("/"))
        if os.path.lexists(full) and not os.path.isdir(full):
            out.append(posixpath.normpath(n))
    return out


def _strip_components(opts: list[Word]) -> int | None:
    """`--strip-components=N` (`--strip N`): leading folders dropped from each name; None when unknown."""
    value: str | None = "0"
    for i, w in enumerate(opts):
        name, eq, val = w.text.partition("=")
        if name == "--strip-components":
            value = val if eq else (opts[i + 1].text if i + 1 < len(opts) and not opts[i + 1].dynamic else None)
            if w.dynamic:
                value = None
    return int(value) if value is not None and value.isdigit() else None


def _members(path: str) -> list[str] | None:
    import tarfile

    try:
        if not os.path.isfile(path):
            return None  # a FIFO or device would block
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            magic = f.read(6)
        compressed = magic[:2] == b"\x1f\x8b" or magic[:3] == b"BZh" or magic[:6] == b"\xfd7zXZ\x00"
        if size > (MAX_COMPRESSED if compressed else MAX_PLAIN):
            return None
        deadline = time.monotonic() + LIST_BUDGET_S
        names: list[str] = []
        with tarfile.open(path, "r:*") as tf:
            for i, member in enumerate(tf):
                if member.issym() or member.islnk() or i >= MAX_MEMBERS:
                    return None  # a link can send later files anywhere
                if not member.isdir():
                    names.append(member.name)
                if i % 256 == 0 and time.monotonic() > deadline:
                    return None
        return names
    except (OSError, tarfile.TarError, EOFError, ValueError):
        return None


register(["tar", "gtar", "bsdtar"], handle_tar)
