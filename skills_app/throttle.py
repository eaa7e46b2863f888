"""Throttling failed sign-ins and bad API tokens, with Flask-Limiter.

The limits live in Flask-Limiter's storage: Redis when ``REDIS_URL`` is set
(so that several app servers count together), else memory; while Redis does
not answer, in memory (redis_link.py), so that a Redis outage never costs a
request its answer. Counting uses the moving-window strategy of ``limits``,
Flask-Limiter's engine.

What is limited, and how (docs/security.md):

- **An account from an address**: after ``FREE_TRIES`` failures against one
  account from one address, each further guess from there waits, 2, 4, 8…
  seconds after the last failure (at most ``MAX_WAIT_SECONDS``): a short wait,
  shown as such. Failures against the account from many addresses make the
  wait grow sooner for every address that has failed against it. An address
  that has not failed against the account (its owner's, elsewhere) is never
  slowed by other addresses' failures: the owner's right password works.
- **An address**: ``SIGN_IN_ADDRESS_LIMIT`` failed sign-ins in 15 minutes,
  against any accounts, and that address waits until the window clears.
- **Bad API tokens**: counted per address, and past ``API_BAD_TOKEN_LIMIT``
  an address's bad tokens get 429 instead of 401. A valid token is checked
  first and is never throttled, whatever other clients send.
- **Credential verifications**: ``POST /credentials/verify`` needs no account and
  reads the revocation list each time, so an address may verify
  ``CREDENTIAL_VERIFY_LIMIT`` credentials a minute (60 unless set); past it, 429.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from skills_app import redis_link

WINDOW_MINUTES = 15
WINDOW_SECONDS = WINDOW_MINUTES * 60
# Failures against one account from one address before guesses from there are slowed.
FREE_TRIES = 3
# Failures against one account from all addresses before every failing address is slowed sooner.
ACCOUNT_FREE_TRIES = 10
MAX_WAIT_SECONDS = 120
DEFAULT_ADDRESS_LIMIT = 30
DEFAULT_BAD_TOKEN_LIMIT = 10
DEFAULT_VERIFY_LIMIT = 60  # credential verifications a minute from one address
# Counted up to this many in a window (a count, not a limit).
_COUNT = RateLimitItemPerMinute(10_000, WINDOW_MINUTES)


def client_address() -> str:
    """The client's address: the peer, or with ``PROXY_FIX`` the address the trusted proxies forwarded."""
    return get_remote_address() or "unknown"


@dataclass
class _Store:
    storage: object
    strategy: MovingWindowRateLimiter


class Throttle:
    """Flask-Limiter's storage and strategy, and a memory stand-in while Redis does not answer."""

    def __init__(self, primary: _Store | None, link: redis_link.Link | None) -> None:
        self.primary, self.link = primary, link
        memory = MemoryStorage()
        self.memory = _Store(memory, MovingWindowRateLimiter(memory))

    def run(self, operation):
        if self.primary is None or self.link is None:
            return operation(self.memory)
        return self.link.call(lambda _client: operation(self.primary), lambda: operation(self.memory))


def _throttle() -> Throttle:
    app = current_app._get_current_object()
    found = app.extensions.get("skills_app.throttle")
    if found is None:
        link = redis_link.link(app)
        primary = None
        if link is not None:
            from skills_app.extensions import limiter

            if limiter.initialized and str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
                primary = _Store(limiter.storage, limiter.limiter)
        found = app.extensions["skills_app.throttle"] = Throttle(primary, link)
    return found


def _count(store: _Store, *key: str) -> int:
    stats = store.strategy.get_window_stats(_COUNT, *key)
    return _COUNT.amount - stats.remaining


def _waiting(store: _Store, key: str) -> float:
    """Seconds left of a wait set by :func:`_wait`, 0 when none."""
    if not store.storage.get(key):
        return 0.0
    return max(0.0, store.storage.get_expiry(key) - time.time())


def _wait(store: _Store, key: str, seconds: int) -> None:
    store.storage.clear(key)
    store.storage.incr(key, seconds)


def _delay(pair: int, account: int) -> int:
    """The wait after the last failure, for ``pair`` failures against the account
    from this address and ``account`` failures against it from everywhere."""
    if pair == 0:
        return 0
    steps = pair - FREE_TRIES + 1
    if account >= ACCOUNT_FREE_TRIES:
        steps = max(steps, (account - ACCOUNT_FREE_TRIES) // 5 + 1)
    return 0 if steps <= 0 else min(2 ** steps, MAX_WAIT_SECONDS)


def _address_limit() -> int:
    return int(current_app.config.get("SIGN_IN_ADDRESS_LIMIT") or DEFAULT_ADDRESS_LIMIT)


def _account(email: str) -> str:
    return (email or "").strip().lower()[:320]


def sign_in_wait(email: str, address: str | None) -> float:
    """Seconds this address must wait before its next sign-in to this account, 0 when none."""
    account, address = _account(email), address or "unknown"

    def check(store: _Store) -> float:
        waits = [_waiting(store, f"skills_app/sign-in-wait/{account}/{address}")]
        if _count(store, "sign-in-failures-address", address) >= _address_limit():
            reset = store.strategy.get_window_stats(_COUNT, "sign-in-failures-address", address).reset_time
            # The oldest failure leaves the window at reset_time; counting from now is close enough and never shorter.
            waits.append(max(1.0, min(WINDOW_SECONDS, reset - time.time())))
        return max(waits)

    return _throttle().run(check)


def sign_in_failed(email: str, address: str | None) -> None:
    account, address = _account(email), address or "unknown"

    def record(store: _Store) -> None:
        for key in (("sign-in-failures-pair", account, address), ("sign-in-failures-account", account),
                    ("sign-in-failures-address", address)):
            store.strategy.hit(_COUNT, *key)
        delay = _delay(_count(store, "sign-in-failures-pair", account, address), _count(store, "sign-in-failures-account", account))
        if delay:
            _wait(store, f"skills_app/sign-in-wait/{account}/{address}", delay)

    _throttle().run(record)


def sign_in_succeeded(email: str, address: str | None) -> None:
    """The right password from this address: its failures against the account are forgotten."""
    account, address = _account(email), address or "unknown"

    def forget(store: _Store) -> None:
        store.strategy.clear(_COUNT, "sign-in-failures-pair", account, address)
        store.storage.clear(f"skills_app/sign-in-wait/{account}/{address}")

    _throttle().run(forget)


def wait_message(seconds: float, what: str) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        amount = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        amount = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{what} For your security, please wait {amount} before trying again."


def bad_tokens_blocked(address: str | None) -> float:
    """Seconds until this address's bad tokens are answered 401 again (429 meanwhile), 0 when not blocked."""
    limit = int(current_app.config.get("API_BAD_TOKEN_LIMIT") or DEFAULT_BAD_TOKEN_LIMIT)

    def check(store: _Store) -> float:
        if _count(store, "api-bad-tokens", address or "unknown") < limit:
            return 0.0
        reset = store.strategy.get_window_stats(_COUNT, "api-bad-tokens", address or "unknown").reset_time
        return max(1.0, min(WINDOW_SECONDS, reset - time.time()))

    return _throttle().run(check)


def bad_token(address: str | None) -> None:
    _throttle().run(lambda store: store.strategy.hit(_COUNT, "api-bad-tokens", address or "unknown"))


def verification_wait(address: str | None) -> float:
    """Count a credential verification from this address: 0 when it may go on, else the
    seconds until the minute's window lets it verify again (``CREDENTIAL_VERIFY_LIMIT``)."""
    limit = RateLimitItemPerMinute(int(current_app.config.get("CREDENTIAL_VERIFY_LIMIT") or DEFAULT_VERIFY_LIMIT), 1)

    def check(store: _Store) -> float:
        if store.strategy.hit(limit, "credential-verifications", address or "unknown"):
            return 0.0
        reset = store.strategy.get_window_stats(limit, "credential-verifications", address or "unknown").reset_time
        return max(1.0, min(60.0, reset - time.time()))

    return _throttle().run(check)
