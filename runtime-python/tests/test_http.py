"""Responses and CORS as the TypeScript handler's (src/runtime/cors.ts, http.ts)."""

import json

from secure_lambda_postgres_runtime import json_response, preflight, request_of, unavailable_response

ENV = {"CORS_ALLOWED_ORIGINS": "https://app.example.com/, https://admin.example.com"}


def rest(path="/prod/health", method="GET", **headers):
    return {"httpMethod": method, "path": path, "resource": "/{proxy+}", "pathParameters": {"proxy": path.split("/", 2)[-1]},
            "headers": headers}


def test_the_route_of_rest_and_http_api_events():
    assert request_of(rest("/prod/me/")) == ("GET", "/me")
    v2 = {"version": "2.0", "rawPath": "/dev/health", "requestContext": {"stage": "dev", "http": {"method": "get"}}}
    assert request_of(v2) == ("GET", "/health")
    assert request_of({}) is None


def test_a_listed_origin_gets_cors_headers_and_others_none():
    allowed = json_response(200, {"ok": True}, rest(Origin="https://app.example.com"), env=ENV)
    assert allowed["headers"]["access-control-allow-origin"] == "https://app.example.com"
    assert allowed["headers"]["vary"] == "origin"
    other = json_response(200, {"ok": True}, rest(Origin="https://evil.example.com"), env=ENV)
    assert not any(h.startswith("access-control-") for h in other["headers"])
    assert json.loads(allowed["body"]) == {"ok": True}


def test_preflight_from_a_listed_origin_only():
    answer = preflight(rest(method="OPTIONS", Origin="https://admin.example.com", **{"Access-Control-Request-Method": "GET"}), ENV)
    assert answer["statusCode"] == 204 and answer["headers"]["access-control-allow-methods"] == "GET, OPTIONS"
    assert preflight(rest(method="OPTIONS", Origin="https://evil.example.com", **{"Access-Control-Request-Method": "GET"}), ENV) is None


def test_503_body_and_retry_after():
    response = unavailable_response("database-unavailable")
    assert response["statusCode"] == 503 and response["headers"]["retry-after"] == "1"
    assert json.loads(response["body"]) == {"error": "service_unavailable", "reason": "database-unavailable"}
