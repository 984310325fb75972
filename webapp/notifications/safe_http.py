"""Callback URLs that cannot reach inside: http(s) only, public addresses only, checked when a
URL is given and again at each delivery, on the very address the request then connects to
(so a name that resolved to a public address at submission and to 127.0.0.1 later, DNS
rebinding, is refused). WEBHOOK_ALLOW_PRIVATE=true lifts the address rule (tests, intranets).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL = 2000


class UnsafeUrl(ValueError):
    """The URL is not one Tamam will POST to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str


def parse(url: str) -> Target:
    """Check the URL's form: http or https, a host, no credentials, a sane length."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or not url.isprintable():
        raise UnsafeUrl(f"Give an http or https URL of at most {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL may not carry a user name or password.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default, path)


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address


def is_public(address: str) -> bool:
    """True for a globally routable address (not private, loopback, link-local, reserved...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):  # an IPv4 address inside is judged as itself
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            ip = inner
    return bool(ip.is_global) and not ip.is_multicast


def resolve(target: Target, allow_private: bool) -> str:
    """The address to connect to: the first that resolves, every one of them public."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host {target.host} does not resolve.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(f"The host {target.host} does not resolve.")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise UnsafeUrl(
                    f"The host {target.host} is a private, loopback or link-local address "
                    f"({address}); webhooks go to public addresses only."
                )
    return addresses[0]


def check_url(url: str, allow_private: bool) -> Target:
    """Form and addresses, as at submission; UnsafeUrl says what is wrong."""
    target = parse(url)
    resolve(target, allow_private)
    return target


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, address: str, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same for https; the certificate is checked against the host name (SNI too)."""

    def __init__(self, address: str, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Answer:
    """A delivery's outcome: the HTTP status and how long it took."""

    status: int
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
         allow_private: bool) -> Answer:  # fmt: skip
    """POST `body` to `url` on a checked address; raises UnsafeUrl or OSError before an answer."""
    target = parse(url)
    started = time.monotonic()
    address = resolve(target, allow_private)
    if target.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPS(
            address, target.host, target.port, timeout=timeout,
            context=ssl.create_default_context(),
        )  # fmt: skip
    else:
        conn = _PinnedHTTP(address, target.host, target.port, timeout=timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)  # a little of the answer, never all of a huge one
        status = response.status
    finally:
        conn.close()
    return Answer(status, int((time.monotonic() - started) * 1000))
