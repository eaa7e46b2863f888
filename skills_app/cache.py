"""A small cache for expensive report results: in memory, or in Redis when
``REDIS_URL`` is set (so several app servers share it).

Every entry is keyed by the data *generation*, a counter that
``audit.record`` bumps on every change the app makes: a report can never be
served from before a change that the audit trail records. A time-to-live
bounds staleness from changes made outside the app.
"""
from __future__ import annotations

import pickle
import threading
import time
from typing import Any, Callable

from flask import current_app, has_app_context

DEFAULT_TTL = 300
_GENERATION_KEY = "skills_app:cache:generation"


class MemoryCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def generation(self) -> int:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
            self._data.clear()

    def get(self, key: str):
        item = self._data.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def set(self, key: str, value, ttl: int) -> None:
        with self._lock:
            if len(self._data) > 512:
                self._data.clear()
            self._data[key] = (time.monotonic() + ttl, value)


class RedisCache:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def generation(self) -> int:
        return int(self._redis.get(_GENERATION_KEY) or 0)

    def bump(self) -> None:
        self._redis.incr(_GENERATION_KEY)

    def get(self, key: str):
        raw = self._redis.get(f"skills_app:cache:{key}")
        return pickle.loads(raw) if raw is not None else None

    def set(self, key: str, value, ttl: int) -> None:
        self._redis.set(f"skills_app:cache:{key}", pickle.dumps(value), ex=ttl)


def store():
    app = current_app._get_current_object()
    cache = app.extensions.get("skills_app.cache")
    if cache is None:
        url = app.config.get("REDIS_URL")
        cache = RedisCache(url) if url else MemoryCache()
        app.extensions["skills_app.cache"] = cache
    return cache


def bump() -> None:
    """Invalidate every cached result (called for every audited change)."""
    if not has_app_context():
        return
    try:
        store().bump()
    except Exception:  # pragma: no cover - a cache outage must not fail a write
        current_app.logger.exception("could not invalidate the report cache")


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def cached(key: str, compute: Callable[[], Any], ttl: int = DEFAULT_TTL):
    """The cached value for ``key`` at the current generation, computing it when missing.

    Single flight: when many requests miss at once, one computes and the others
    wait for its result (threads of a process by a lock; processes sharing Redis
    by a short Redis lock) instead of all running the same query together."""
    if current_app.config.get("REPORT_CACHE") is False:
        return compute()
    cache = store()
    full = f"{cache.generation()}:{key}"
    value = cache.get(full)
    if value is not None:
        return value
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(full, threading.Lock())
        if len(_LOCKS) > 1024:
            _LOCKS.clear()
    with lock:
        value = cache.get(full)
        if value is None:
            value = _compute_once(cache, full, compute, ttl)
    return value


def _compute_once(cache, full: str, compute: Callable[[], Any], ttl: int):
    if not isinstance(cache, RedisCache):
        value = compute()
        cache.set(full, value, ttl)
        return value
    lock_key = f"skills_app:cache-lock:{full}"
    if cache._redis.set(lock_key, "1", nx=True, ex=60):
        try:
            value = compute()
            cache.set(full, value, ttl)
            return value
        finally:
            cache._redis.delete(lock_key)
    # Another server is computing it: wait for its result (bounded), else compute.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and cache._redis.exists(lock_key):
        time.sleep(0.05)
        value = cache.get(full)
        if value is not None:
            return value
    value = compute()
    cache.set(full, value, ttl)
    return value
