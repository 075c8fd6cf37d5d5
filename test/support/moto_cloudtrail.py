"""CloudTrail event history for moto_server, built from the requests moto itself receives.

moto has no `LookupEvents`. This module wraps moto's WSGI application so that:

- every signed request moto receives is recorded as a CloudTrail event would be: the access key ID from the
  SigV4 credential (Authorization header or presigned query), the caller's address (REMOTE_ADDR), its
  User-Agent, the service (eventSource), the region it was signed for (awsRegion: global services sign for
  us-east-1, which is where AWS records them too), the time (moto's shifted clock) and the operation
  (eventName: X-Amz-Target, the query protocol's Action, or the REST operation botocore's model matches);
- data events are recorded but kept out of the event history, as in AWS: S3 object-level calls, Lambda
  Invoke and DynamoDB item calls;
- `POST /` with `X-Amz-Target: …CloudTrail_20131101.LookupEvents` (AWS JSON 1.1) answers from that record for the
  caller's account and the region the request was signed for: newest first, one lookup attribute, StartTime and
  EndTime, MaxResults 1..50 (default 50), an opaque NextToken bound to the request's filters;
- a token bucket per account and region can throttle LookupEvents as AWS does (2 requests a second), and
  scripted errors can answer the next calls, for tests;
- `POST /moto-api/reset` also clears the record.

Control endpoints (loopback test bed only):
  POST /keywarden-api/cloudtrail/events   {"events": [{accessKeyId, eventTime, eventSource, eventName, awsRegion,
                                          sourceIPAddress, userAgent, userName?, accountId?, readOnly?}]}
  POST /keywarden-api/cloudtrail/config   {"rate": 2, "burst": 1} (rate 0 = never throttled) and/or
                                          {"failNext": ["ThrottlingException", ...]}
  GET  /keywarden-api/cloudtrail/stats    {"lookups": n, "throttled": n, "recorded": n, "span": seconds}

keywarden's own LookupEvents calls are not recorded, so that a lookup never changes the history it pages through
(AWS records them, minutes later: the delivery delay keeps them out of a running lookup too).
"""
from __future__ import annotations

import base64
import bisect
import hashlib
import io
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qs

# The SDKs send the full target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents
LOOKUP_TARGET = "CloudTrail_20131101.LookupEvents"
CONTROL_PREFIX = "/keywarden-api/cloudtrail/"
DEFAULT_ACCOUNT = "123456789012"
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
ATTRIBUTE_FIELDS = {
    "AccessKeyId": "accessKeyId",
    "EventId": "eventID",
    "EventName": "eventName",
    "EventSource": "eventSource",
    "Username": "userName",
    "ReadOnly": "readOnlyText",
}
DATA_EVENTS = {
    "lambda": {"Invoke", "InvokeAsync", "InvokeWithResponseStream"},
    "dynamodb": {
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
        "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    },
}
# Signing names whose CloudTrail eventSource differs from "<name>.amazonaws.com".
EVENT_SOURCES = {"execute-api": "apigateway.amazonaws.com", "events": "events.amazonaws.com"}


class EventLog:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        # (account, region, access key) → [(epoch, seq, event)] ascending: a lookup by key reads one page's worth,
        # so that the emulator's own cost does not blur the pacing it measures.
        self.by_key: dict[tuple[str, str, str], list[tuple[float, int, dict[str, Any]]]] = {}
        self.seq = 0
        self.rate = 0.0
        self.burst = 1.0
        self.buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self.fail_next: list[str] = []
        self.lookups = 0
        self.throttled = 0
        self.answered_at: list[float] = []

    def clear(self) -> None:
        with self.lock:
            self.events = []
            self.by_key = {}
            self.buckets = {}
            self.fail_next = []
            self.rate = 0.0
            self.burst = 1.0
            self.lookups = 0
            self.throttled = 0
            self.answered_at = []

    def add(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.seq += 1
            event["seq"] = self.seq
            self.events.append(event)
            index = self.by_key.setdefault((event["accountId"], event["awsRegion"], event["accessKeyId"]), [])
            bisect.insort(index, (event["epoch"], event["seq"], event), key=lambda entry: (entry[0], entry[1]))

    def configure(self, body: dict[str, Any]) -> None:
        with self.lock:
            if "rate" in body:
                self.rate = float(body["rate"])
                self.burst = float(body.get("burst", 1))
                self.buckets = {}
                self.answered_at = []
            if "failNext" in body:
                self.fail_next = [str(name) for name in body["failNext"]]

    def admit(self, account: str, region: str, now: float) -> str | None:
        """The error a LookupEvents call that arrived at `now` meets (scripted first, then the token bucket)."""
        with self.lock:
            self.lookups += 1
            if self.fail_next:
                return self.fail_next.pop(0)
            if self.rate <= 0:
                self.answered_at.append(now)
                return None
            tokens, last = self.buckets.get((account, region), (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self.buckets[(account, region)] = (tokens, now)
                self.throttled += 1
                return "ThrottlingException"
            self.buckets[(account, region)] = (tokens - 1, now)
            self.answered_at.append(now)
            return None

    def page(self, account: str, region: str, attribute: tuple[str, str] | None, start: float | None,
             end: float | None, cursor: tuple[float, int] | None, size: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to `size` events newest first, older than `cursor`; and whether more follow."""
        if attribute and attribute[0] == "AccessKeyId":
            with self.lock:
                index = self.by_key.get((account, region, attribute[1]), [])
                high = (cursor[0], cursor[1]) if cursor else (float("inf"), 0)
                if end is not None and (end, float("inf")) < high:  # type: ignore[operator]
                    high = (end, float("inf"))  # type: ignore[assignment]
                position = bisect.bisect_left(index, high, key=lambda entry: (entry[0], entry[1]))
                chosen: list[dict[str, Any]] = []
                while position > 0 and len(chosen) <= size:
                    position -= 1
                    epoch, _, event = index[position]
                    if start is not None and epoch < start:
                        break
                    if event["management"]:
                        chosen.append(event)
            return chosen[:size], len(chosen) > size
        events = self.matching(account, region, attribute, start, end)
        if cursor is not None:
            events = [event for event in events if (event["epoch"], event["seq"]) < cursor]
        return events[:size], len(events) > size

    def matching(self, account: str, region: str, attribute: tuple[str, str] | None,
                 start: float | None, end: float | None) -> list[dict[str, Any]]:
        with self.lock:
            events = list(self.events)
        field = ATTRIBUTE_FIELDS.get(attribute[0]) if attribute else None
        chosen = [
            event for event in events
            if event["management"]
            and event["accountId"] == account
            and event["awsRegion"] == region
            and (start is None or event["epoch"] >= start)
            and (end is None or event["epoch"] <= end)
            and (field is None or str(event.get(field)) == attribute[1])  # type: ignore[index]
        ]
        chosen.sort(key=lambda event: (event["epoch"], event["seq"]), reverse=True)
        return chosen


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # moto's clock is naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return float(int(moment.timestamp()))  # CloudTrail keeps whole seconds


def _read_only(name: str) -> bool:
    return bool(re.match(r"^(Get|List|Describe|Head|Lookup|Search|Query|Scan|Check|Batch_?Get)", name))


def _identity(access_key: str) -> tuple[str, str | None, str | None]:
    """(account, user name, user id) of an access key, as moto's IAM knows it."""
    try:
        from moto.iam.models import get_account_id_from, iam_backends

        account = get_account_id_from(access_key)
        for partition_backend in iam_backends[account].values():
            key = partition_backend.access_keys.get(access_key)
            if key is not None and key.user_name:
                user = partition_backend.users.get(key.user_name)
                return account, key.user_name, getattr(user, "id", None)
        return account, None, None
    except Exception:  # moto versions differ; an unknown key belongs to the default account
        return DEFAULT_ACCOUNT, None, None


_models: dict[str, Any] = {}


def _rest_operation(service: str, method: str, path: str, query: dict[str, list[str]]) -> tuple[str, bool]:
    """The operation botocore's model matches for a REST request, and whether its URI names an object (Key+)."""
    try:
        if service not in _models:
            import botocore.session

            _models[service] = botocore.session.get_session().get_service_model(service)
        model = _models[service]
    except Exception:
        return f"{method.title()}{service.title()}", False
    best: tuple[int, str, bool] | None = None
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method", "").upper() != method.upper():
            continue
        uri = http.get("requestUri", "/")
        uri_path, _, uri_query = uri.partition("?")
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri_path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        if not re.fullmatch(pattern.rstrip("/") + "/?", path):
            continue
        required = [pair.split("=", 1)[0] for pair in uri_query.split("&") if pair]
        if any(key not in query for key in required):
            continue
        score = len(re.sub(r"\{[^}]+\}", "", uri_path)) + 100 * len(required)
        if best is None or score > best[0]:
            best = (score, name, "{Key+}" in uri_path)
    return (best[1], best[2]) if best else (f"{method.title()}{service.title()}", False)


def _request_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _json_response(start_response: Any, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode("utf-8")
    start_response(status, [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ])
    return [data]


def _error(start_response: Any, code: str, message: str) -> list[bytes]:
    return _json_response(start_response, "400 Bad Request", {"__type": code, "message": message})


class CloudTrailHistory:
    """WSGI middleware in front of moto's dispatcher."""

    def __init__(self, app: Any, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.log = EventLog(clock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        arrived = time.monotonic()  # the throttle counts arrivals, as a service's front door does
        path = environ.get("PATH_INFO", "") or ""
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(CONTROL_PREFIX):
            return self.control(path[len(CONTROL_PREFIX):], method, environ, start_response)
        if path.startswith("/moto-api/reset") and method == "POST":
            self.log.clear()
            return self.app(environ, start_response)
        if (environ.get("HTTP_X_AMZ_TARGET") or "").endswith(LOOKUP_TARGET):
            return self.lookup(environ, start_response, arrived)
        try:
            self.record(environ, path, method)
        except Exception as err:  # never let the record break moto's answer
            print(f"keywarden cloudtrail: not recorded: {err!r}")  # noqa: T201
        return self.app(environ, start_response)

    # -- recording ------------------------------------------------------------------------------------------

    def record(self, environ: dict[str, Any], path: str, method: str) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        found = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if found:
            access_key, _, region, service = found.group(1), found.group(2), found.group(3), found.group(4)
        elif "X-Amz-Credential" in query:
            parts = query["X-Amz-Credential"][0].split("/")
            if len(parts) < 4:
                return
            access_key, region, service = parts[0], parts[2], parts[3]
        else:
            return  # unsigned: no access key to attribute it to
        target = environ.get("HTTP_X_AMZ_TARGET")
        object_level = False
        if target:
            event_name = target.rsplit(".", 1)[-1]
        else:
            content_type = environ.get("CONTENT_TYPE", "") or ""
            action = query.get("Action", [None])[0]
            if action is None and content_type.startswith("application/x-www-form-urlencoded"):
                action = parse_qs(_request_body(environ).decode("utf-8", "replace")).get("Action", [None])[0]
            if action:
                event_name = action
            else:
                event_name, object_level = _rest_operation(service, method, path, query)
        management = not object_level and event_name not in DATA_EVENTS.get(service, set())
        account, user_name, user_id = _identity(access_key)
        moment = self.log.clock()
        self.log.add(self.event(
            access_key=access_key,
            account=account,
            user_name=user_name,
            user_id=user_id,
            moment=moment,
            service=service,
            event_name=event_name,
            region=region,
            source_ip=environ.get("REMOTE_ADDR", ""),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            management=management,
        ))

    @staticmethod
    def event(*, access_key: str, account: str, user_name: str | None, user_id: str | None,
              moment: datetime, service: str, event_name: str, region: str, source_ip: str,
              user_agent: str, management: bool, read_only: bool | None = None) -> dict[str, Any]:
        source = EVENT_SOURCES.get(service, f"{service}.amazonaws.com")
        read = _read_only(event_name) if read_only is None else read_only
        identity: dict[str, Any] = {"type": "IAMUser", "accountId": account, "accessKeyId": access_key}
        if user_name:
            identity.update({
                "principalId": user_id or "",
                "arn": f"arn:aws:iam::{account}:user/{user_name}",
                "userName": user_name,
            })
        event_id = str(uuid.uuid4())
        record = {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": _iso(moment),
            "eventSource": source,
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": source_ip,
            "userAgent": user_agent,
            "requestParameters": None,
            "responseElements": None,
            "requestID": str(uuid.uuid4()),
            "eventID": event_id,
            "readOnly": read,
            "eventType": "AwsApiCall",
            "managementEvent": management,
            "recipientAccountId": account,
            "eventCategory": "Management" if management else "Data",
        }
        return {
            "epoch": _epoch(moment),
            "accountId": account,
            "awsRegion": region,
            "accessKeyId": access_key,
            "eventID": event_id,
            "eventName": event_name,
            "eventSource": source,
            "userName": user_name,
            "readOnlyText": "true" if read else "false",
            "management": management,
            "json": json.dumps(record, separators=(",", ":")),
        }

    # -- LookupEvents ---------------------------------------------------------------------------------------

    def lookup(self, environ: dict[str, Any], start_response: Any, arrived: float) -> list[bytes]:
        found = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not found:
            return _error(start_response, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
        caller, region = found.group(1), found.group(3)
        account = _identity(caller)[0]
        try:
            request = json.loads(_request_body(environ) or b"{}")
        except ValueError:
            return _error(start_response, "SerializationException", "the request body is not JSON")
        failure = self.log.admit(account, region, arrived)
        if failure == "ThrottlingException":
            return _error(start_response, failure, "Rate exceeded")
        if failure:
            return _error(start_response, failure, f"{failure} (scripted by the test bed)")
        attributes = request.get("LookupAttributes") or []
        if len(attributes) > 1:
            return _error(start_response, "InvalidLookupAttributesException", "You can only specify one lookup attribute.")
        attribute = None
        if attributes:
            key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
            if key not in ATTRIBUTE_FIELDS or value is None:
                return _error(start_response, "InvalidLookupAttributesException", f"Unsupported lookup attribute {key}")
            attribute = (key, str(value))
        start, end = request.get("StartTime"), request.get("EndTime")
        if start is not None and end is not None and float(start) > float(end):
            return _error(start_response, "InvalidTimeRangeException", "StartTime is after EndTime")
        max_results = request.get("MaxResults", 50)
        if not isinstance(max_results, int) or not 1 <= max_results <= 50:
            return _error(start_response, "InvalidMaxResultsException", "MaxResults must be 1 through 50")
        filters = hashlib.sha256(json.dumps([account, region, attribute, start, end], sort_keys=True).encode()).hexdigest()[:16]
        cursor = None
        if request.get("NextToken"):
            try:
                token = json.loads(base64.urlsafe_b64decode(request["NextToken"].encode()))
                if token["filters"] != filters:
                    raise ValueError("filters differ")
                cursor = (float(token["epoch"]), int(token["seq"]))
            except (ValueError, KeyError, TypeError):
                return _error(start_response, "InvalidNextTokenException", "Invalid NextToken")
        page, more = self.log.page(account, region, attribute, None if start is None else float(start),
                                   None if end is None else float(end), cursor, max_results)
        body: dict[str, Any] = {"Events": [
            {
                "EventId": event["eventID"],
                "EventName": event["eventName"],
                "ReadOnly": event["readOnlyText"],
                "AccessKeyId": event["accessKeyId"],
                "EventTime": event["epoch"],
                "EventSource": event["eventSource"],
                **({"Username": event["userName"]} if event["userName"] else {}),
                "Resources": [],
                "CloudTrailEvent": event["json"],
            }
            for event in page
        ]}
        if more and page:
            last = page[-1]
            body["NextToken"] = base64.urlsafe_b64encode(json.dumps(
                {"filters": filters, "epoch": last["epoch"], "seq": last["seq"]}).encode()).decode()
        return _json_response(start_response, "200 OK", body)

    # -- control --------------------------------------------------------------------------------------------

    def control(self, what: str, method: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if what == "stats" and method == "GET":
            with self.log.lock:
                answered = self.log.answered_at
                stats = {
                    "lookups": self.log.lookups,
                    "throttled": self.log.throttled,
                    "recorded": len(self.log.events),
                    # Seconds from the first admitted LookupEvents to the last: the paging span.
                    "span": answered[-1] - answered[0] if len(answered) > 1 else 0,
                }
            return _json_response(start_response, "200 OK", stats)
        if method != "POST":
            return _error(start_response, "InvalidRequest", "POST only")
        body = json.loads(_request_body(environ) or b"{}")
        if what == "config":
            self.log.configure(body)
            return _json_response(start_response, "200 OK", {})
        if what == "events":
            for given in body.get("events", []):
                moment = datetime.fromisoformat(given["eventTime"].replace("Z", "+00:00"))
                access_key = given["accessKeyId"]
                account, user_name, user_id = _identity(access_key)
                self.log.add(self.event(
                    access_key=access_key,
                    account=given.get("accountId", account),
                    user_name=given.get("userName", user_name),
                    user_id=user_id,
                    moment=moment,
                    service=given["eventSource"].split(".", 1)[0],
                    event_name=given["eventName"],
                    region=given["awsRegion"],
                    source_ip=given["sourceIPAddress"],
                    user_agent=given["userAgent"],
                    management=given.get("managementEvent", True),
                    read_only=given.get("readOnly"),
                ))
            return _json_response(start_response, "200 OK", {"added": len(body.get("events", []))})
        return _error(start_response, "InvalidRequest", f"unknown control {what}")


def install(clock: Callable[[], datetime]) -> None:
    """Puts the history in front of moto's dispatcher, which moto.server.main builds."""
    import moto.server as server

    dispatcher = server.DomainDispatcherApplication

    class Recording(dispatcher):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.history = CloudTrailHistory(super().__call__, clock)

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            return self.history(environ, start_response)

    server.DomainDispatcherApplication = Recording
