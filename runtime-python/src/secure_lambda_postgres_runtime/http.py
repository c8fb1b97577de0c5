"""API Gateway events in, JSON responses out, with the TypeScript handler's CORS rules
(``CORS_ALLOWED_ORIGINS``: listed origins only, never ``*``) and error bodies ``{error, reason}``."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping, Optional

from .contract import ENV, parse_list

#: What the default handler allows cross-origin, and what a browser script may read.
ALLOW_METHODS = "GET, OPTIONS"
ALLOW_HEADERS = "authorization, content-type"
EXPOSE_HEADERS = "retry-after, www-authenticate"
CORS_MAX_AGE_SECONDS = 600


def headers_of(event: Any) -> dict[str, str]:
    """The request's headers, names in lower case (first value of multi-value headers)."""
    out: dict[str, str] = {}
    if not isinstance(event, dict):
        return out
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if isinstance(values, list) and values and isinstance(values[0], str):
            out[name.lower()] = values[0]
    for name, v in (event.get("headers") or {}).items():
        if isinstance(v, str):
            out[name.lower()] = v
    return out


def request_of(event: Any) -> Optional[tuple[str, str]]:
    """``(METHOD, path)`` of an API Gateway event (REST v1 or HTTP API v2, stage prefix and
    trailing slash removed), or None for a direct invocation."""
    if not isinstance(event, dict):
        return None
    ctx = event.get("requestContext") if isinstance(event.get("requestContext"), dict) else {}
    http = ctx.get("http") if isinstance(ctx.get("http"), dict) else None
    if http and isinstance(http.get("method"), str):
        path = event.get("rawPath") or http.get("path") or "/"
        stage = ctx.get("stage")
        if isinstance(stage, str) and stage != "$default" and (path == f"/{stage}" or path.startswith(f"/{stage}/")):
            path = path[len(stage) + 1:] or "/"
        return http["method"].upper(), _normalise(path)
    if isinstance(event.get("httpMethod"), str) and isinstance(event.get("path"), str):
        params = event.get("pathParameters") or {}
        proxy = params.get("proxy") if event.get("resource") == "/{proxy+}" and isinstance(params, dict) else None
        return event["httpMethod"].upper(), _normalise(f"/{proxy}" if isinstance(proxy, str) else event["path"])
    return None


def _normalise(path: str) -> str:
    p = re.sub(r"/{2,}", "/", "/" + (path.split("?")[0] or "/").lstrip("/"))
    return p[:-1] if len(p) > 1 and p.endswith("/") else p


def _allowed_origin(event: Any, env: Optional[Mapping[str, str]]) -> Optional[str]:
    env = os.environ if env is None else env
    origins = {o.rstrip("/") for o in parse_list(env.get(ENV.CORS_ALLOWED_ORIGINS))}
    origin = headers_of(event).get("origin")
    return origin if origin is not None and origin in origins else None


def cors_headers(event: Any, env: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """CORS headers for the response to ``event``: empty unless its ``Origin`` is listed."""
    origin = _allowed_origin(event, env)
    return {"access-control-allow-origin": origin, "access-control-expose-headers": EXPOSE_HEADERS,
            "vary": "origin"} if origin else {}


def preflight(event: Any, env: Optional[Mapping[str, str]] = None) -> Optional[dict]:
    """The 204 answer to a preflight from a listed origin, or None when ``event`` is not one."""
    origin = _allowed_origin(event, env)
    request = request_of(event)
    if not origin or not request or request[0] != "OPTIONS" or "access-control-request-method" not in headers_of(event):
        return None
    return {"statusCode": 204, "headers": {
        "access-control-allow-origin": origin, "access-control-allow-methods": ALLOW_METHODS,
        "access-control-allow-headers": ALLOW_HEADERS, "access-control-max-age": str(CORS_MAX_AGE_SECONDS),
        "vary": "origin", "cache-control": "no-store"}, "body": "", "isBase64Encoded": False}


def json_response(status: int, body: Any, event: Any = None, headers: Optional[Mapping[str, str]] = None,
                  env: Optional[Mapping[str, str]] = None) -> dict:
    """A JSON response both API Gateway payload formats accept, with the CORS headers for
    ``event``'s origin when it is listed in ``CORS_ALLOWED_ORIGINS``."""
    return {"statusCode": status, "headers": {
        "content-type": "application/json; charset=utf-8", "cache-control": "no-store",
        "x-content-type-options": "nosniff", **(headers or {}), **cors_headers(event, env)},
        "body": json.dumps(body, separators=(",", ":")), "isBase64Encoded": False}


def error_response(status: int, error: str, reason: Optional[str] = None, event: Any = None,
                   headers: Optional[Mapping[str, str]] = None, env: Optional[Mapping[str, str]] = None) -> dict:
    """``{error, reason}`` with the given status."""
    body = {"error": error} if reason is None else {"error": error, "reason": reason}
    return json_response(status, body, event, headers, env)


def unavailable_response(reason: str, event: Any = None, env: Optional[Mapping[str, str]] = None) -> dict:
    """503 ``{"error": "service_unavailable", "reason": ...}`` with ``retry-after: 1``, as the
    TypeScript handler answers when the database or its secret did not answer in time."""
    return error_response(503, "service_unavailable", reason, event, {"retry-after": "1"}, env)
