"""Redis, optional at run time.

With ``REDIS_URL`` set, the report cache (cache.py) and the throttling limits
(throttle.py) live in Redis, shared by every app server. When Redis does not
answer, nothing fails: each use falls back (to memory, or to no cache), one
warning is logged for the outage, and Redis is tried again every
``RETRY_SECONDS``; when it answers again, that is logged too and the
``on_recover`` callbacks run (the cache forgets what it held from before).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from flask import current_app

log = logging.getLogger("skills_app.redis")

RETRY_SECONDS = 5.0
# A Redis that does not answer costs a request at most this long (and only once every RETRY_SECONDS).
TIMEOUT_SECONDS = 0.5


def redacted(url: str) -> str:
    """The URL without its password, for the log."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


class Link:
    """One Redis client for the app, and whether Redis is answering."""

    def __init__(self, url: str, *, retry_seconds: float = RETRY_SECONDS, clock: Callable[[], float] = time.monotonic):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        self.errors = (redis.RedisError, OSError)
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self.on_recover: list[Callable[[], None]] = []
        self.outages = 0

    @property
    def up(self) -> bool:
        return self.down_since is None

    def _may_try(self) -> bool:
        return self.down_since is None or self.clock() >= self._retry_at

    def call(self, use: Callable[[Any], Any], fallback: Callable[[], Any]):
        """``use(client)``, or ``fallback()`` while Redis does not answer."""
        if not self._may_try():
            return fallback()
        try:
            result = use(self.client)
        except self.errors as exc:
            self._failed(exc)
            return fallback()
        self._answered()
        return result

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            first = self.down_since is None
            now = self.clock()
            if first:
                self.down_since = now
                self.outages += 1
            self._retry_at = now + self.retry_seconds
        if first:
            log.warning("Redis at %s does not answer (%s): falling back to memory until it does; "
                        "trying again every %.0f s", redacted(self.url), exc, self.retry_seconds)

    def _answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is None:
            return
        log.warning("Redis at %s answers again after %.0f s", redacted(self.url), self.clock() - since)
        for callback in list(self.on_recover):
            try:
                callback()
            except self.errors:  # pragma: no cover - down again at once
                pass


def link(app=None) -> Link | None:
    """The app's Redis link, or None without ``REDIS_URL``."""
    app = app or current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    found = app.extensions.get("skills_app.redis")
    if found is None or found.url != url:
        found = app.extensions["skills_app.redis"] = Link(url)
    return found
