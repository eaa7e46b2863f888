"""A small cache for expensive report results: in memory, or in Redis when
``REDIS_URL`` is set (so several app servers share it).

Every entry is keyed by the data *generation*, a counter that
``audit.record`` bumps on every change the app makes: a report can never be
served from before a change that the audit trail records. A time-to-live
bounds staleness from changes made outside the app.

Redis holds data only: values are written as JSON (with tags for the few
types reports return: tuples, dates, pandas frames, pages), never pickled, and
whatever does not decode as such is a miss. When Redis does not answer, the
cache lives in memory until it does (redis_link.py), and is emptied when Redis
returns, since changes made meanwhile did not reach its generation.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import date, datetime
from typing import Any, Callable

from flask import current_app, has_app_context

from skills_app import redis_link

DEFAULT_TTL = 300
# How long a process keeps its decoded copy of a value read from Redis (RedisCache.local).
LOCAL_TTL = 30
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


# -- JSON with tags, for the values reports return ----------------------------------

class NotData(ValueError):
    """A value the cache does not know how to keep as data."""


def pack(value):
    """``value`` as plain JSON types (dicts with string keys, lists, str, numbers, None, bool)."""
    import numpy as np
    import pandas as pd

    from skills_app.paging import Page

    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN: missing
    if isinstance(value, np.generic):
        return pack(value.item())
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else {"~datetime": value.isoformat()}
    if isinstance(value, datetime):
        return {"~datetime": value.isoformat()}
    if isinstance(value, date):
        return {"~date": value.isoformat()}
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.DataFrame):
        return {"~frame": {"columns": [pack(c) for c in value.columns], "index": [pack(i) for i in value.index],
                           "data": [[pack(v) for v in row] for row in value.itertuples(index=False, name=None)]}}
    if isinstance(value, Page):
        return {"~page": {f.name: pack(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"~tuple": [pack(v) for v in value]}
    if isinstance(value, list):
        return [pack(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("~") for k in value):
            return {k: pack(v) for k, v in value.items()}
        return {"~items": [[pack(k), pack(v)] for k, v in value.items()]}
    raise NotData(f"the cache keeps data only, not {type(value).__name__}")


def unpack(value):
    if isinstance(value, list):
        return [unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "~datetime":
            return datetime.fromisoformat(inner)
        if tag == "~date":
            return date.fromisoformat(inner)
        if tag == "~tuple":
            return tuple(unpack(v) for v in inner)
        if tag == "~items":
            return {unpack(k): unpack(v) for k, v in inner}
        if tag == "~frame":
            import pandas as pd

            return pd.DataFrame([[unpack(v) for v in row] for row in inner["data"]],
                                columns=[unpack(c) for c in inner["columns"]], index=[unpack(i) for i in inner["index"]])
        if tag == "~page":
            from skills_app.paging import Page

            return Page(**{k: unpack(v) for k, v in inner.items()})
    return {k: unpack(v) for k, v in value.items()}


def dumps(value) -> str:
    return json.dumps(pack(value), separators=(",", ":"), allow_nan=False)


def loads(raw) -> Any:
    """The value kept as ``raw``; None (a miss) for anything that is not this cache's JSON."""
    try:
        return unpack(json.loads(raw))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class RedisCache:
    """The cache in Redis, and in memory while Redis does not answer."""

    def __init__(self, link: redis_link.Link) -> None:
        self.link = link
        self.memory = MemoryCache()
        # What this process last read from Redis, decoded, by its full key (the generation
        # first): a key names one value, so a copy is the value itself, without decoding
        # its JSON again on every page (a few ms for a page of rows). Kept LOCAL_TTL at
        # most, so that Redis's time-to-live still bounds what outlives a change made
        # outside the app.
        self.local = MemoryCache()
        # Changes made while Redis was away did not bump its generation: forget what it holds.
        link.on_recover.append(lambda: link.client.incr(_GENERATION_KEY))

    @property
    def _redis(self):
        return self.link.client

    def generation(self) -> str:
        # Memory generations are told apart from Redis's, so that the two never share an entry.
        return self.link.call(lambda r: str(int(r.get(_GENERATION_KEY) or 0)), lambda: f"m{self.memory.generation()}")

    def bump(self) -> None:
        self.memory.bump()
        self.local.bump()
        self.link.call(lambda r: r.incr(_GENERATION_KEY), lambda: None)

    def get(self, key: str):
        if key.startswith("m"):
            return self.memory.get(key)
        value = self.local.get(key)
        if value is not None:
            return value
        raw = self.link.call(lambda r: r.get(f"skills_app:cache:{key}"), lambda: None)
        value = loads(raw) if raw is not None else None
        if value is not None:
            self.local.set(key, value, LOCAL_TTL)
        return value

    def set(self, key: str, value, ttl: int) -> None:
        if key.startswith("m"):
            self.memory.set(key, value, ttl)
            return
        try:
            raw = dumps(value)
        except NotData:
            current_app.logger.warning("report cache: %s is not kept (not data)", key.split(":", 2)[-1][:80])
            return
        self.link.call(lambda r: r.set(f"skills_app:cache:{key}", raw, ex=ttl), lambda: None)


def store():
    app = current_app._get_current_object()
    cache = app.extensions.get("skills_app.cache")
    if cache is None:
        found = redis_link.link(app)
        cache = RedisCache(found) if found else MemoryCache()
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


def cached_until(key: str, compute: Callable[[], tuple[Any, datetime | None]], now: datetime, ttl: int = DEFAULT_TTL):
    """``cached`` for a value that holds until a moment as well as until the next recorded
    change: ``compute`` returns ``(value, until)``, ``until`` the first moment at which the
    value would read otherwise (a validation lapsing, an older one counting again), or None.
    From ``until`` on the value is not served: it is computed again, under a key naming the
    moment it replaces (so that processes sharing Redis agree on it)."""
    value, until = cached(key, compute, ttl)
    for _ in range(8):  # each value computed anew holds past ``now``; never more than a step or two
        if until is None or now < until:
            break
        key = f"{key}:after:{until.isoformat()}"
        value, until = cached(key, compute, ttl)
    return value


def _compute_once(cache, full: str, compute: Callable[[], Any], ttl: int):
    if not isinstance(cache, RedisCache) or full.startswith("m"):
        value = compute()
        cache.set(full, value, ttl)
        return value
    lock_key = f"skills_app:cache-lock:{full}"
    link = cache.link
    # Redis gone: None, and this server computes alone.
    if link.call(lambda r: r.set(lock_key, "1", nx=True, ex=60), lambda: None):
        try:
            value = compute()
            cache.set(full, value, ttl)
            return value
        finally:
            link.call(lambda r: r.delete(lock_key), lambda: None)
    # Another server is computing it: wait for its result (bounded), else compute.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and link.call(lambda r: r.exists(lock_key), lambda: False):
        time.sleep(0.05)
        value = cache.get(full)
        if value is not None:
            return value
    value = compute()
    cache.set(full, value, ttl)
    return value
