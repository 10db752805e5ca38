"""Schemathesis hooks of the OpenAPI fuzz (openapi-fuzz.test.ts).

Generated data knows the schemas, not the clock nor what was sent before. A few rules of the document depend on
those; for each, either the case is written the way a client reading the document would write it
(`before_call`), or the API's refusal counts only when it is exactly the one the document states
(`filter_failure`). The suite checks that the document still states each rule before it runs, so none is
exempted silently. One more filter corrects the tool: its coverage phase draws header values from A-Z a-z 0-9
only, and labels positive a value that does not match the header's own pattern (If-Match: 0).
"""

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import jsonschema_rs
import schemathesis


def _operation_id(case):
    raw = getattr(case.operation.definition, "raw", None)
    return raw.get("operationId") if isinstance(raw, dict) else None


def _suffixed(value, limit):
    return f"{value[: limit - 13]}-{uuid4().hex[:12]}"


@schemathesis.hook
def before_call(context, case, kwargs):
    # Idempotency-Key: "replays the first response for the same key and request"; reused with another request,
    # a 422. Generation reuses short keys ("0") across cases: each request gets a key of its own, the generated
    # one as its prefix, within the header's pattern.
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key" and isinstance(case.headers[name], str):
            case.headers[name] = _suffixed(case.headers[name], 255)
    # A recharge's reference: "the same reference is paid once"; with different fields, a 422. Likewise.
    if _operation_id(case) == "rechargePoints" and isinstance(case.body, dict):
        if isinstance(case.body.get("reference"), str):
            case.body["reference"] = _suffixed(case.body["reference"], 64)


def _problem_errors(response):
    try:
        body = response.json()
    except Exception:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    return [(e.get("field"), e.get("reason")) for e in errors] if isinstance(errors, list) else None


def _is_past(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment <= datetime.now(timezone.utc) + timedelta(minutes=1)


def _documented_refusal(case, response):
    errors = _problem_errors(response)
    if response.status_code != 422 or not errors:
        return False
    body = case.body if isinstance(case.body, dict) else {}
    operation = _operation_id(case)
    # Recharge: expires_at "in the future".
    if operation == "rechargePoints":
        expires_at = body.get("expires_at")
        return (
            isinstance(expires_at, str)
            and _is_past(expires_at)
            and errors == [("body.expires_at", "must be in the future")]
        )
    # Import: "a repeated (session_id, site_type) inside the batch is a 422", each repeat named.
    if operation == "importAccounts":
        return all(
            field.startswith("body.accounts.")
            and field.endswith(".session_id")
            and reason.startswith("the same session_id and site_type as accounts.")
            for field, reason in errors
        )
    return False


def _headers_outside_their_schemas(case):
    raw = getattr(case.operation.definition, "raw", None)
    parameters = raw.get("parameters", []) if isinstance(raw, dict) else []
    sent = {name.lower(): value for name, value in (case.headers or {}).items()}
    for parameter in parameters:
        if not isinstance(parameter, dict) or parameter.get("in") != "header":
            continue
        value = sent.get(str(parameter.get("name", "")).lower())
        schema = parameter.get("schema")
        if isinstance(value, str) and isinstance(schema, dict):
            if not jsonschema_rs.validator_for(schema).is_valid(value):
                return True
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    return not (_documented_refusal(case, response) or _headers_outside_their_schemas(case))
