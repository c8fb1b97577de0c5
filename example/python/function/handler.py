"""The example's Lambda handler in Python: the default handler's routes on the construct's contract,
built on secure-lambda-postgres-runtime. GET /health → {status, now}; GET /me with a Clerk session
token → {userId, now}; any other event (a direct invocation) → the SELECT NOW() health check."""

from datetime import timezone

from secure_lambda_postgres_runtime import (DatabaseUnavailable, connection, error_response, json_response,
                                            preflight, request_of, unavailable_reason, unavailable_response,
                                            verify_session)


def database_now(context):
    """SELECT NOW() through the proxy (the container's one connection), as the ISO 8601 string
    JavaScript's toISOString() writes."""
    now = connection(context).execute("SELECT NOW()").fetchone()[0]
    return now.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def handler(event, context):
    request = request_of(event)
    if request is None:
        try:
            return {"status": "ok", "now": database_now(context)}
        except DatabaseUnavailable as err:
            return {"status": "error", "error": unavailable_reason(err)}
    method, path = request
    if path not in ("/health", "/me"):
        return error_response(404, "not_found", event=event)
    answer = preflight(event)
    if answer:
        return answer
    if method != "GET":
        return error_response(405, "method_not_allowed", event=event, headers={"allow": "GET"})
    user_id = None
    if path == "/me":
        session = verify_session(event)
        if not session.ok:
            return session.response(event)
        user_id = session.user_id
    try:
        now = database_now(context)
    except DatabaseUnavailable as err:
        return unavailable_response(unavailable_reason(err), event)
    body = {"status": "ok", "now": now} if user_id is None else {"userId": user_id, "now": now}
    return json_response(200, body, event)
