"""Counting failures in a sliding window: failed sign-ins per account and per
address. Counters live in memory, or in Redis when ``REDIS_URL`` is set, so
that several app servers count together."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import current_app

LIMIT = 5
WINDOW_SECONDS = 15 * 60


class MemoryCounter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float, window: int) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits

    def hit(self, key: str, window: int) -> None:
        now = time.time()
        with self._lock:
            self._trim(key, now, window).append(now)

    def count(self, key: str, window: int) -> tuple[int, float]:
        """Hits in the window, and the seconds until the oldest leaves it."""
        now = time.time()
        with self._lock:
            hits = self._trim(key, now, window)
            return len(hits), (hits[0] + window - now) if hits else 0.0

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class RedisCounter:
    """Counters in Redis, and in memory while Redis does not answer (redis_link.py)."""

    def __init__(self, link) -> None:
        self.link = link
        self.memory = MemoryCounter()

    def hit(self, key: str, window: int) -> None:
        now = time.time()
        name = f"skills_app:throttle:{key}"

        def use(r):
            pipe = r.pipeline()
            pipe.zadd(name, {f"{now}:{id(pipe)}": now})
            pipe.zremrangebyscore(name, 0, now - window)
            pipe.expire(name, window)
            pipe.execute()

        self.link.call(use, lambda: self.memory.hit(key, window))

    def count(self, key: str, window: int) -> tuple[int, float]:
        now = time.time()
        name = f"skills_app:throttle:{key}"

        def use(r):
            r.zremrangebyscore(name, 0, now - window)
            oldest = r.zrange(name, 0, 0, withscores=True)
            n = r.zcard(name)
            return n, (oldest[0][1] + window - now) if oldest else 0.0

        return self.link.call(use, lambda: self.memory.count(key, window))

    def reset(self, key: str) -> None:
        self.memory.reset(key)
        self.link.call(lambda r: r.delete(f"skills_app:throttle:{key}"), lambda: None)


def counter():
    app = current_app._get_current_object()
    store = app.extensions.get("skills_app.throttle")
    if store is None:
        from skills_app import redis_link

        found = redis_link.link(app)
        store = RedisCounter(found) if found else MemoryCounter()
        app.extensions["skills_app.throttle"] = store
    return store


def sign_in_keys(email: str, address: str | None) -> list[str]:
    return [f"login:account:{email.strip().lower()}", f"login:address:{address or 'unknown'}"]


def blocked_for(keys: list[str], limit: int = LIMIT) -> float:
    """Seconds to wait before another try is accepted, 0 when not blocked."""
    store = counter()
    wait = 0.0
    for key in keys:
        n, until = store.count(key, WINDOW_SECONDS)
        if n >= limit:
            wait = max(wait, until)
    return wait


def api_token_keys(address: str | None) -> list[str]:
    """Bad API tokens are counted per address."""
    return [f"api:address:{address or 'unknown'}"]


def record_failure(keys: list[str]) -> None:
    store = counter()
    for key in keys:
        store.hit(key, WINDOW_SECONDS)


def clear(key: str) -> None:
    counter().reset(key)
