"""Secrets Manager's ``GetSecretValue`` as one signed HTTPS request (AWS JSON 1.1 protocol) with
the SDK's retries and timeouts, and a container-wide cache of the values read.
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Mapping, Optional
from urllib.parse import urlsplit

from .deadline import Deadline
from .sigv4 import Credentials, MissingCredentials, sign_headers

MAX_ATTEMPTS = 3
#: Socket timeout of one attempt (connect, then each read): the SDK client's request timeout.
REQUEST_TIMEOUT_S = 2.5
BACKOFF_BASE_S = 0.1
#: After a value was rejected (a password after rotation), at most one re-read per this many seconds.
REFRESH_INTERVAL_S = 5.0

# The SDK's standard retry strategy: throttling, transient errors and 5xx.
# https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
_RETRYABLE_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestTimeout",
                    "RequestTimeoutException", "InternalServiceError", "TimeoutError", "NetworkError"}
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class SecretUnavailable(Exception):
    """A secret could not be read (network, permissions, missing, malformed, too slow)."""

    def __init__(self, message: str, code: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        #: Whether the SDK's standard retry strategy would try again.
        self.retryable = retryable


def endpoint(env: Optional[Mapping[str, str]] = None) -> str:
    """``AWS_ENDPOINT_URL_SECRETS_MANAGER``, else ``AWS_ENDPOINT_URL`` (as the SDKs read them,
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), else the regional endpoint."""
    env = os.environ if env is None else env
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") != "true":
        configured = env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or env.get("AWS_ENDPOINT_URL")
        if configured:
            return configured
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if not region:
        raise SecretUnavailable("AWS_REGION is not set", "MissingRegion")
    fips = "-fips" if env.get("AWS_USE_FIPS_ENDPOINT") == "true" else ""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://secretsmanager{fips}.{region}.{suffix}/"


def _attempt(url: str, secret_id: str, region: str, credentials: Credentials, timeout: float) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    body = json.dumps({"SecretId": secret_id}).encode("utf-8")
    headers = sign_headers("POST", path, {"host": parts.netloc, "content-type": "application/x-amz-json-1.1",
                                          "x-amz-target": "secretsmanager.GetSecretValue"},
                           body, credentials, region, "secretsmanager")
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - fixed scheme
            payload = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            payload = json.loads(err.read() or b"{}")
        except ValueError:
            payload = {}
        name = str(err.headers.get("x-amzn-errortype") or payload.get("__type") or f"Http{err.code}")
        name = name.split(":")[0].split("#")[-1]
        retryable = name in _RETRYABLE_CODES or err.code in _RETRYABLE_STATUS
        raise SecretUnavailable(f"secret could not be read ({name})", name, retryable) from None
    except (OSError, ValueError) as err:
        raise SecretUnavailable(f"secret could not be read ({type(err).__name__})", "NetworkError", True) from None
    if isinstance(payload.get("SecretString"), str):
        return payload["SecretString"]
    raise SecretUnavailable("secret has no string value", "EmptySecret")


def get_secret_value(secret_id: str, deadline: Deadline, env: Optional[Mapping[str, str]] = None) -> str:
    """The secret's ``SecretString``, read within ``deadline``: up to three attempts, retrying
    throttling, 5xx and network errors after a full-jitter backoff that ends before the deadline."""
    env = os.environ if env is None else env
    url = endpoint(env)
    try:
        credentials = Credentials.from_env(env)
    except MissingCredentials as err:
        raise SecretUnavailable(str(err), "MissingCredentials") from None
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    for attempt in range(MAX_ATTEMPTS):
        timeout = min(REQUEST_TIMEOUT_S, deadline.remaining())
        if timeout <= 0:
            raise SecretUnavailable("secret could not be read in time", "DeadlineExceeded")
        try:
            return _attempt(url, secret_id, region, credentials, timeout)
        except SecretUnavailable as err:
            backoff = random.random() * BACKOFF_BASE_S * 2 ** attempt
            if not err.retryable or attempt + 1 >= MAX_ATTEMPTS or backoff >= deadline.remaining():
                raise
            time.sleep(backoff)
    raise AssertionError("unreachable")


class SecretCache:
    """Values read once per container and reused. Concurrent reads of one secret share a request
    (single flight); failures are never cached; a rejected value is re-read at most once per
    :data:`REFRESH_INTERVAL_S`."""

    def __init__(self, refresh_interval_s: float = REFRESH_INTERVAL_S) -> None:
        self._values: dict[str, str] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._refreshed_at: dict[str, float] = {}
        self._guard = threading.Lock()
        self._refresh_interval_s = refresh_interval_s
        #: How many times each secret was read from Secrets Manager (tests, logs).
        self.reads: dict[str, int] = {}

    def get_string(self, secret_id: str, deadline: Deadline, env: Optional[Mapping[str, str]] = None) -> str:
        cached = self._values.get(secret_id)
        if cached is not None:
            return cached
        with self._guard:
            lock = self._locks.setdefault(secret_id, threading.Lock())
        if not lock.acquire(timeout=max(0.001, deadline.remaining())):
            raise SecretUnavailable("secret could not be read in time", "DeadlineExceeded")
        try:
            cached = self._values.get(secret_id)
            if cached is not None:  # read by the thread that held the lock
                return cached
            value = get_secret_value(secret_id, deadline, env)
            self.reads[secret_id] = self.reads.get(secret_id, 0) + 1
            self._values[secret_id] = value
            return value
        finally:
            lock.release()

    def get_json(self, secret_id: str, deadline: Deadline, env: Optional[Mapping[str, str]] = None) -> dict:
        try:
            parsed = json.loads(self.get_string(secret_id, deadline, env))
        except ValueError:
            raise SecretUnavailable("secret is not valid JSON", "MalformedSecret") from None
        if not isinstance(parsed, dict):
            raise SecretUnavailable("secret is not a JSON object", "MalformedSecret")
        return parsed

    def mark_rejected(self, secret_id: str) -> bool:
        """Report that the cached value was rejected. Returns whether the next read gets a newer
        value: False when the secret was re-read for a rejection moments ago (it lags the database)."""
        with self._guard:
            last = self._refreshed_at.get(secret_id)
            if last is not None and time.monotonic() - last < self._refresh_interval_s:
                return secret_id not in self._values
            self._refreshed_at[secret_id] = time.monotonic()
            self._values.pop(secret_id, None)
            return True


_default_cache = SecretCache()


def default_secret_cache() -> SecretCache:
    """The container-wide cache ``connect()`` and ``database_url()`` read through."""
    return _default_cache
