"""Is a server on this machine? Answered from the name itself and from files, never from the network.

    where_is("127.0.0.1")            -> Where(local=True,  why="127.0.0.1 is a loopback address")
    where_is("/var/run/postgresql")  -> Where(local=True,  why="/var/run/postgresql is a Unix socket on this machine")
    where_is("db.example.com")       -> Where(local=False, why="db.example.com is not on this machine")

What counts (docs/environments.md):
- a loopback address (127.0.0.0/8, ::1, ::ffff:127.x) or 0.0.0.0 / :: as a client dials it;
- `localhost` and names under `.localhost` (RFC 6761: they never leave the machine);
- a name that /etc/hosts maps only to loopback addresses (how the resolver would answer first);
- a Unix socket path;
- on Linux, an address on a network bridge of this machine (`docker0`, `br-*`, `virbr*`...)
  that the routing table reaches without a gateway: minikube's and kind's node addresses.

A DNS lookup is never made: it is slow, and what a remote resolver answers is not a fact about
this machine. A name that none of the above proves is not local.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import struct
from typing import NamedTuple

from blastwall.analyze import globs

HOSTS_FILE = "/etc/hosts"
ROUTE_FILE = "/proc/net/route"
SYSFS = "/sys"
MAX_FILE = 256 * 1024


class Where(NamedTuple):
    local: bool
    why: str  # one clause for a reason: "127.0.0.1 is a loopback address"


def where_is(host: str, *, bridges: tuple[str, ...] = ()) -> Where:
    """Whether `host` (a name, an address, `[::1]`, or a socket path) is on this machine."""
    name = host.strip()
    if not name:
        return Where(False, "no server is named")
    if name.startswith("/") or name.startswith("@"):
        return Where(True, f"{name} is a Unix socket on this machine")
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    bare = bare.split("%", 1)[0].rstrip(".").lower()
    address = _address(bare)
    if address is not None:
        return _by_address(name, address, bridges)
    mapped = hosts_file().get(bare)  # the resolver reads the hosts file first, for `localhost` too
    if mapped:
        if all(_loopback(a) for a in mapped):
            from blastwall.environment.files import note

            note(HOSTS_FILE)
            return Where(True, f"{name} is {', '.join(mapped)} in {HOSTS_FILE} (loopback)")
        return Where(False, f"{name} is {', '.join(mapped)} in {HOSTS_FILE}, not on this machine")
    if bare == "localhost" or bare.endswith(".localhost"):
        return Where(True, f"{name} is a loopback name")
    return Where(False, f"{name} is not on this machine (not a loopback address or name)")


def _by_address(name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                bridges: tuple[str, ...]) -> Where:
    if _loopback(str(address)):
        return Where(True, f"{name} is a loopback address")
    if address.is_unspecified:
        return Where(True, f"{name} dials this machine")
    if isinstance(address, ipaddress.IPv4Address) and bridges:
        bridge = bridge_of(address, bridges)
        if bridge:
            return Where(True, f"{name} is on {bridge}, a network bridge of this machine (a local VM or containers)")
    return Where(False, f"{name} is not on this machine")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _loopback(text: str) -> bool:
    address = _address(text)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def hosts_file(path: str = HOSTS_FILE) -> dict[str, tuple[str, ...]]:
    """name -> addresses, as /etc/hosts lists them now (read again when the file changes: a
    long-lived checker must not answer from a hosts file someone has since rewritten)."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    return _hosts_file(path, st.st_mtime_ns, st.st_size, st.st_ino)


@functools.lru_cache(maxsize=4)
def _hosts_file(path: str, _mtime: int, _size: int, _inode: int) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(MAX_FILE)
    except OSError:
        return {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or _address(fields[0].split("%", 1)[0]) is None:
            continue
        for name in fields[1:]:
            out.setdefault(name.lower().rstrip("."), []).append(fields[0])
    return {k: tuple(v) for k, v in out.items()}


class Route(NamedTuple):
    iface: str
    network: ipaddress.IPv4Network


def direct_routes(path: str = ROUTE_FILE) -> tuple[Route, ...]:
    """IPv4 networks this machine reaches without a gateway, with their interface (Linux), as
    they are now (read at each use: routes come and go)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            lines = f.read(MAX_FILE).splitlines()[1:]
    except OSError:
        return ()
    out = []
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest, gateway, mask = (struct.pack("<I", int(v, 16)) for v in (fields[1], fields[2], fields[7]))
        except (ValueError, struct.error):
            continue
        if gateway != b"\0\0\0\0" or mask == b"\0\0\0\0":
            continue
        try:
            net = ipaddress.IPv4Network(f"{ipaddress.IPv4Address(dest)}/{ipaddress.IPv4Address(mask)}", strict=False)
        except ValueError:
            continue
        out.append(Route(fields[0], net))
    return tuple(out)


def bridge_of(address: ipaddress.IPv4Address, bridges: tuple[str, ...], *, routes: str = ROUTE_FILE,
              sysfs: str = SYSFS) -> str | None:
    """The local bridge interface (one of the `bridges` globs) whose network holds `address`: a
    software interface of this machine with no physical port. A bridge that enslaves a network
    card (`bridge0` over `eth0`) reaches the machines of that network: not this machine."""
    for route in direct_routes(routes):
        if address in route.network and globs.match_any(route.iface, bridges) and _is_virtual(route.iface, sysfs) \
                and not _physical_ports(route.iface, sysfs):
            return route.iface
    return None


def _is_virtual(iface: str, sysfs: str = SYSFS) -> bool:
    """A software interface of this machine (no device behind it): Linux lists those under
    /sys/devices/virtual/net. Without /sys, the name alone decides."""
    base = os.path.join(sysfs, "devices", "virtual", "net")
    if not os.path.isdir(base):
        return True
    return os.path.exists(os.path.join(base, iface))


def _physical_ports(iface: str, sysfs: str = SYSFS) -> list[str]:
    """The ports of bridge `iface` that are devices (a network card), not software (veth, tap)."""
    ports = os.path.join(sysfs, "class", "net", iface, "brif")
    try:
        names = os.listdir(ports)
    except OSError:
        return []
    return [n for n in names if not _is_virtual(n, sysfs)]
