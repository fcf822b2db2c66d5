"""API keys: ``NLQ_INGEST_KEYS`` holds ``key=service`` pairs; ``*`` lets a key write any service.

A key normally comes as ``Authorization: Bearer <key>``. Browsers' ``navigator.sendBeacon`` — the
one way to send logs that survives a page being closed — cannot set headers, so the key may also
come as the ``?api_key=`` query parameter (the header wins when both are present). Keys in URLs
end up in access logs: use it for beacons only, with a key bound to the page's service.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

ANY_SERVICE = "*"


class AuthError(Exception):
    """Missing or unknown key (401)."""


@dataclass(frozen=True)
class Principal:
    """Who sent a batch: the service the key is bound to, or None for any service."""

    bound_service: str | None


def parse_keys(spec: str) -> dict[str, str]:
    """``"k1=payment-api, k2=*"`` → ``{"k1": "payment-api", "k2": "*"}``."""
    keys: dict[str, str] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, service = item.partition("=")
        if not sep or not key.strip() or not service.strip():
            raise ValueError(f"NLQ_INGEST_KEYS entry {item!r} must look like key=service")
        keys[key.strip()] = service.strip()
    return keys


def presented_key(bearer: str | None, query: str | None) -> str | None:
    """The key a request presents: the bearer token, else the ``api_key`` query parameter."""
    if bearer and bearer.strip():
        return bearer
    return query if query and query.strip() else None


class KeyRing:
    """Looks up bearer keys in constant time per key."""

    def __init__(self, keys: dict[str, str], enabled: bool = True) -> None:
        self._keys = [(k.encode(), s) for k, s in keys.items()]
        self.enabled = enabled

    def authenticate(self, token: str | None) -> Principal:
        """``token`` is the key from ``Authorization: Bearer <key>`` (None when absent)."""
        if not self.enabled:
            return Principal(bound_service=None)
        if not token or not token.strip():
            raise AuthError("missing Authorization: Bearer <key> header (or ?api_key= for sendBeacon)")
        presented = token.strip().encode()
        for key, service in self._keys:
            if hmac.compare_digest(key, presented):
                return Principal(bound_service=None if service == ANY_SERVICE else service)
        raise AuthError("unknown API key")
