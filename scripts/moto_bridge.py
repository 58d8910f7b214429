#!/usr/bin/env python3
"""A small protocol bridge in front of moto_server, for infradeck's tests and local runs.

Why it exists:
- The current aws-sdk-cloudwatch speaks Smithy RPC v2 CBOR; moto speaks CloudWatch's JSON
  protocol. The bridge decodes the CBOR request, forwards it to moto as awsJson1_0 and encodes
  moto's answer back to CBOR.
- moto's GetMetricData computes no percentiles: queries for p50/p99 or a percentile rank
  (`PR(:0.3)`) are answered from series the seed script posts (`Statistics`).
- A handful of read operations have no moto backend (DescribeAlarmHistory, CloudTrail
  LookupEvents, Cost Explorer
  GetCostForecast/GetAnomalies, Pricing GetProducts, ElastiCache DescribeCacheParameters,
  DescribeServerlessCaches, DescribeEvents). The bridge answers them from canned data that the
  seed script posts to `/_bridge/canned`; every canned answer lives in this one file.
- moto's FilterLogEvents ignores logStreamNamePrefix: the bridge applies it as AWS documents.
- moto keeps no service events and no task times. The bridge adds the seeded service events
  (`ServiceEvents`) to DescribeServices answers, and gives a stopped task without `stoppedAt` the
  time the bridge first saw it stopped (or the seeded `StoppedAt` for its id), as ECS would.
- Where moto is laxer than AWS, the bridge answers as AWS documents: UpdateService refuses a new
  task definition for a CODE_DEPLOY or EXTERNAL deployment controller, and refuses an INACTIVE
  (deregistered) task definition; DescribeAlarmHistory returns composite alarms' items only when
  AlarmTypes asks for them. Where moto keeps nothing, it serves the seeded shapes: a service's
  capacity provider strategy (FARGATE_SPOT), composite alarms (PutCompositeAlarm is not in moto),
  and Price List products by service code.
- It counts requests per operation (`GET /_bridge/counts`, `POST /_bridge/counts/reset`), and
  the metrics GetMetricData bills (`GET /_bridge/metrics`), so tests can assert what a refresh
  costs.
- It injects faults for the fault tests (`POST /_bridge/fault`, see FAULT): throttling, HTTP
  500/503, latency, expired tokens, AccessDenied on one operation, one region failing, and
  refused connections (the bridge stops listening and drops its open connections).

Everything else is proxied to moto byte for byte.

Usage: moto_bridge.py --port 5001 --upstream http://127.0.0.1:5000
"""

import argparse
import datetime as dt
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import cbor2
except ImportError:  # pragma: no cover - said plainly so a missing package is obvious
    sys.exit("moto_bridge.py needs the cbor2 package: pip install cbor2")

CBOR_PATH = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(\w+)$")
UTC = dt.timezone.utc

# Fields that CloudWatch's model types as timestamps or doubles. JSON has neither, so the bridge
# restores them before encoding CBOR (the SDK's decoder is strict about both).
TIMESTAMP_KEYS = {
    "Timestamps", "Timestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp",
    "AlarmConfigurationUpdatedTimestamp", "StartTime", "EndTime", "StartDate", "EndDate",
}
DOUBLE_KEYS = {"Values", "Threshold", "Value", "Sum", "Average", "Minimum", "Maximum", "SampleCount"}

LOCK = threading.Lock()
COUNTS = {}
# Metrics requested in GetMetricData calls (what CloudWatch bills), and of them those a
# monitoring account read from a linked source account; reset with the counts.
METRICS = {"requested": 0, "cross_account": 0}
CANNED = {
    # CloudWatch (CBOR): alarm history items as DescribeAlarmHistory returns them (JSON form).
    "DescribeAlarmHistory": [],
    # CloudWatch (CBOR): series for statistics moto cannot compute, by `statistic_key`:
    # {"AWS/ApplicationELB|TargetResponseTime|LoadBalancer=…,TargetGroup=…|p99": [[epoch, value], …]}
    "Statistics": {},
    # Cost Explorer (awsJson1_1): whole responses.
    "GetCostForecast": None,
    "GetAnomalies": {"Anomalies": []},
    # Pricing (awsJson1_1): whole responses by ServiceCode ("AmazonECS", "AmazonElastiCache").
    "GetProducts": {},
    # ElastiCache (awsQuery): {parameter group name: reserved-memory-percent}
    "DescribeCacheParameters": {},
    # ElastiCache (awsQuery): serverless caches, each {"name", "engine", "status"}.
    "DescribeServerlessCaches": [],
    # ElastiCache (awsQuery): events, each {"source", "type", "message", "date" (epoch seconds)}.
    "DescribeEvents": [],
    # ECS: {"cluster/service": [{"createdAt": epoch seconds, "message": str}]}, added to
    # DescribeServices answers (newest first, as ECS keeps them).
    "ServiceEvents": {},
    # ECS: {task id: epoch seconds} for stopped tasks' stoppedAt.
    "StoppedAt": {},
    # ECS: {"cluster/service": [capacity provider strategy items]}: moto drops the strategy.
    "CapacityProviders": {},
    # ECS: ["cluster/service"] created before ECS's long ARN format: their serviceArn in
    # DescribeServices is the short `service/NAME` (moto only makes long ones).
    "ShortArns": [],
    # CloudWatch: composite alarms as DescribeAlarms returns them (JSON form).
    "CompositeAlarms": [],
    # CloudTrail (awsJson1_1): management events as LookupEvents returns them, each with
    # "EventTime" in epoch seconds and "CloudTrailEvent" the record as a JSON string (whose
    # awsRegion says which region's event history holds it).
    "LookupEvents": [],
    # CloudWatch Observability Access Manager (restJson1; moto has no OAM): each monitoring
    # account's sink and the source accounts linked to it, per region:
    # {monitoring account id: {region: {"sink": name, "links": [{"account", "label", "types"}]}}}.
    # GetMetricData queries with AccountId are answered from that account's moto backend when it
    # is linked to the caller's sink there, else with StatusCode Forbidden.
    "Oam": {},
}
# POST /_bridge/fault {"kind": K, "seconds": S, "operation": OP, "region": R, "delay": D}:
# until S seconds have passed (for ever without S; POST /_bridge/fault/clear ends it), every
# request from infradeck (the Rust SDK) for OP (any without) signed for region R (any without)
# (and, with "contains": TEXT, only requests whose body holds TEXT, e.g. one account's role ARN
# in AssumeRole) gets fault K: "throttle", "500", "503", "expired", "deny" (an error in the protocol the
# service speaks), "latency" (D seconds, default 5, before the real answer) or "refuse" (needs
# S: the bridge stops listening and drops open connections, then listens again). GET
# /_bridge/fault says what is active and how many requests were faulted since the last POST.
FAULT = {"kind": None, "until": None, "operation": None, "region": None, "contains": None, "delay": 5.0,
         "faulted": 0}
SERVER = {"current": None, "refuse_until": 0.0}
REGION = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/")
ERRORS = {
    # kind: (HTTP status, JSON/CBOR __type, query Code, message)
    "throttle": (400, "ThrottlingException", "Throttling", "Rate exceeded"),
    "500": (500, "InternalFailure", "InternalFailure", "injected internal failure"),
    "503": (503, "ServiceUnavailableException", "ServiceUnavailable", "injected: service unavailable"),
    "expired": (400, "ExpiredTokenException", "ExpiredToken", "The security token included in the request is expired"),
    "deny": (400, "AccessDeniedException", "AccessDenied", "not authorized to perform this operation"),
}


def active_fault(headers, op, body=b""):
    """The fault this request gets, or None."""
    agent = headers.get("user-agent", "") + " " + headers.get("x-amz-user-agent", "")
    with LOCK:
        kind, until = FAULT["kind"], FAULT["until"]
        if kind is None or "aws-sdk-rust" not in agent:
            return None
        if until is not None and time.time() >= until:
            FAULT["kind"] = None
            return None
        if FAULT["operation"] and FAULT["operation"] != op:
            return None
        found = REGION.search(headers.get("authorization", ""))
        if FAULT["region"] and (not found or found.group(1) != FAULT["region"]):
            return None
        if FAULT["contains"] and FAULT["contains"].encode() not in (body or b""):
            return None
        FAULT["faulted"] += 1
        return kind


def stream_prefix(body, answer):
    """FilterLogEvents' logStreamNamePrefix, which moto ignores: "Filters the results to include
    only events from log streams that have names starting with this prefix" (and both it and
    logStreamNames at once is an InvalidParameterException, which infradeck never sends)."""
    prefix = json.loads(body or b"{}").get("logStreamNamePrefix")
    if not prefix:
        return answer
    out = json.loads(answer)
    out["events"] = [e for e in out.get("events", []) if e.get("logStreamName", "").startswith(prefix)]
    return json.dumps(out).encode()


def lookup_events(asked, headers):
    """CloudTrail LookupEvents as AWS documents it: one lookup attribute at most, at most 50
    events a page (NextToken for the rest), newest first, the signing region's events only."""
    attributes = asked.get("LookupAttributes") or []
    if len(attributes) > 1:
        return 400, {"__type": "InvalidLookupAttributesException",
                     "message": "You cannot specify more than one lookup attribute."}
    limit = asked.get("MaxResults", 50)
    if not 1 <= limit <= 50:
        return 400, {"__type": "InvalidMaxResultsException", "message": "MaxResults must be 1 to 50"}
    found = REGION.search(headers.get("authorization", ""))
    region = found.group(1) if found else None
    start, end = asked.get("StartTime", 0), asked.get("EndTime", time.time())
    key, value = (attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]) if attributes else (None, None)
    fields = {"ReadOnly": "ReadOnly", "EventName": "EventName", "EventSource": "EventSource", "Username": "Username"}
    with LOCK:
        events = list(CANNED["LookupEvents"])
    chosen = [
        e for e in events
        if start <= e["EventTime"] <= end
        and (region is None or json.loads(e["CloudTrailEvent"]).get("awsRegion") == region)
        and (key is None or str(e.get(fields.get(key, key), "")) == value)
    ]
    chosen.sort(key=lambda e: e["EventTime"], reverse=True)
    offset = int(asked.get("NextToken") or 0)
    page = chosen[offset:offset + limit]
    answer = {"Events": page}
    if offset + limit < len(chosen):
        answer["NextToken"] = str(offset + limit)
    return 200, answer


def refuse_for(seconds):
    """Stop listening for `seconds` (main() listens again), dropping open connections."""
    with LOCK:
        SERVER["refuse_until"] = time.time() + seconds
    server = SERVER["current"]
    threading.Thread(target=server.shutdown, daemon=True).start()


ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
# Access key id → the account moto says it belongs to (STS GetCallerIdentity, asked once).
CALLERS = {}


def sink_of(account, region):
    """The canned sink of `account` in `region`, or None."""
    with LOCK:
        return (CANNED["Oam"].get(account) or {}).get(region)


def linked_to(account, region):
    """Source accounts whose metrics the caller's sink in `region` receives."""
    sink = sink_of(account, region) or {}
    return {l["account"] for l in sink.get("links", []) if "AWS::CloudWatch::Metric" in l.get("types", [])}


def oam_answer(path, request, caller, region):
    """ListSinks / ListAttachedLinks as the OAM API answers them (pages of MaxResults)."""
    sink = sink_of(caller, region)
    sink_arn = f"arn:aws:oam:{region}:{caller}:sink/{sink['sink']}" if sink else None
    if path == "/ListSinks":
        items = [{"Arn": sink_arn, "Id": sink["sink"], "Name": sink["sink"]}] if sink else []
    elif path == "/ListAttachedLinks":
        if not sink or request.get("SinkIdentifier") != sink_arn:
            return 404, {"__type": "ResourceNotFoundException", "message": "Sink not found"}
        items = [{"Label": l.get("label", l["account"]), "ResourceTypes": l.get("types", []),
                  "LinkArn": f"arn:aws:oam:{region}:{l['account']}:link/link-{l['account']}"}
                 for l in sink.get("links", [])]
    else:
        return 404, {"__type": "ResourceNotFoundException", "message": f"no OAM operation at {path}"}
    limit = int(request.get("MaxResults") or 100)
    offset = int(request.get("NextToken") or 0)
    answer = {"Items": items[offset:offset + limit]}
    if offset + limit < len(items):
        answer["NextToken"] = str(offset + limit)
    return 200, answer


# Stopped task ARN → when the bridge first saw it stopped (moto records no time).
FIRST_STOPPED = {}


def count(op):
    with LOCK:
        COUNTS[op] = COUNTS.get(op, 0) + 1


# --record DIR: every operation infradeck (the Rust SDK, not the seeding boto3) sends is appended
# as `iam-prefix:Operation` to DIR/LABEL.log, for scripts/check_iam.py; POST
# /_bridge/record/read-only switches the label (read-only runs are checked against read-only.json).
RECORD = {"dir": None, "label": "all"}
SIGNING_NAME = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
IAM_PREFIX = {"monitoring": "cloudwatch"}


def record(headers, op):
    agent = headers.get("user-agent", "") + " " + headers.get("x-amz-user-agent", "")
    if RECORD["dir"] is None or "aws-sdk-rust" not in agent:
        return
    found = SIGNING_NAME.search(headers.get("authorization", ""))
    service = IAM_PREFIX.get(found.group(1), found.group(1)) if found else "unsigned"
    with LOCK:
        with open(os.path.join(RECORD["dir"], RECORD["label"] + ".log"), "a") as out:
            out.write(f"{service}:{op}\n")


def to_json_value(value):
    """CBOR request → JSON: datetimes become epoch seconds."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    return value


def as_datetime(value):
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def to_cbor_value(value, key=None):
    """JSON response → CBOR: restore timestamps and doubles by field name."""
    if isinstance(value, dict):
        return {k: to_cbor_value(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [to_cbor_value(v, key) for v in value]
    if key in TIMESTAMP_KEYS:
        return as_datetime(value)
    if key in DOUBLE_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def alarm_history(request):
    """DescribeAlarmHistory from the canned items, filtered and ordered as AWS does (newest first).
    "If you omit this parameter [AlarmTypes], only metric alarms are returned" (API reference)."""
    name = request.get("AlarmName")
    start = request.get("StartDate")
    end = request.get("EndDate")
    kind = request.get("HistoryItemType")
    types = request.get("AlarmTypes") or ["MetricAlarm"]
    items = []
    for item in CANNED["DescribeAlarmHistory"]:
        when = item["Timestamp"]
        if name and item["AlarmName"] != name:
            continue
        if item.get("AlarmType", "MetricAlarm") not in types:
            continue
        if kind and item.get("HistoryItemType") != kind:
            continue
        if start is not None and when < start or end is not None and when > end:
            continue
        items.append(item)
    items.sort(key=lambda i: i["Timestamp"], reverse=True)
    limit = int(request.get("MaxRecords") or 100)
    offset = int(request.get("NextToken") or 0)
    page = items[offset:offset + limit]
    answer = {"AlarmHistoryItems": page}
    if offset + limit < len(items):
        answer["NextToken"] = str(offset + limit)
    return answer


def query_xml(action, body):
    ns = "http://elasticache.amazonaws.com/doc/2015-02-02/"
    return (
        f'<{action}Response xmlns="{ns}"><{action}Result>{body}</{action}Result>'
        f"<ResponseMetadata><RequestId>bridge</RequestId></ResponseMetadata></{action}Response>"
    ).encode()


def esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def elasticache_canned(action, params):
    if action == "DescribeCacheParameters":
        group = params.get("CacheParameterGroupName", "")
        percent = CANNED["DescribeCacheParameters"].get(group, "25")
        body = (
            "<Parameters><Parameter><ParameterName>reserved-memory-percent</ParameterName>"
            f"<ParameterValue>{esc(percent)}</ParameterValue><DataType>integer</DataType>"
            "</Parameter></Parameters>"
        )
        return query_xml(action, body)
    if action == "DescribeServerlessCaches":
        members = "".join(
            f"<member><ServerlessCacheName>{esc(c['name'])}</ServerlessCacheName>"
            f"<Engine>{esc(c.get('engine', 'valkey'))}</Engine><Status>{esc(c.get('status', 'available'))}</Status>"
            "</member>"
            for c in CANNED["DescribeServerlessCaches"]
        )
        return query_xml(action, f"<ServerlessCaches>{members}</ServerlessCaches>")
    if action == "DescribeEvents":
        def when(name):
            value = params.get(name)
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None
        start, end = when("StartTime"), when("EndTime")
        chosen = [e for e in CANNED["DescribeEvents"]
                  if (start is None or e["date"] >= start) and (end is None or e["date"] <= end)]
        members = "".join(
            f"<Event><SourceIdentifier>{esc(e['source'])}</SourceIdentifier><SourceType>{esc(e['type'])}</SourceType>"
            f"<Message>{esc(e['message'])}</Message>"
            f"<Date>{dt.datetime.fromtimestamp(e['date'], UTC).strftime('%Y-%m-%dT%H:%M:%S.000Z')}</Date></Event>"
            for e in chosen
        )
        return query_xml(action, f"<Events>{members}</Events>")
    return None


class Bridge(BaseHTTPRequestHandler):
    upstream = "http://127.0.0.1:5000"
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes on a kept-alive connection: with Nagle's algorithm
    # the body waited for the client's delayed ACK, 40 ms on every call (49 ms a call through
    # the bridge against 5 ms straight to moto; most of the AWS tests' wall time).
    disable_nagle_algorithm = True

    def log_message(self, *_args):  # quiet: tests read counts, not logs
        pass

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-amzn-requestid", "bridge")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, value, content_type="application/x-amz-json-1.1"):
        self.reply(status, json.dumps(value).encode(), content_type)

    def upstream_call(self, body, headers):
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command)
        for k, v in headers.items():
            if k.lower() not in ("host", "content-length", "accept-encoding", "connection"):
                request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def do_GET(self):
        if self.path == "/_bridge/fault":
            with LOCK:
                self.reply_json(200, {k: v for k, v in FAULT.items()}, "application/json")
            return
        if self.path == "/_bridge/counts":
            with LOCK:
                self.reply_json(200, COUNTS, "application/json")
            return
        if self.path == "/_bridge/metrics":
            with LOCK:
                self.reply_json(200, METRICS, "application/json")
            return
        if self.path == "/_bridge/canned":
            # Everything seeded here, to post to another bridge (a test restoring a saved estate).
            with LOCK:
                self.reply_json(200, CANNED, "application/json")
            return
        self.proxy(self.body())

    def do_POST(self):
        body = self.body()
        if self.path == "/_bridge/counts/reset":
            with LOCK:
                COUNTS.clear()
                METRICS.update(requested=0, cross_account=0)
            self.reply_json(200, {}, "application/json")
            return
        if self.path.startswith("/_bridge/record/"):
            label = self.path.rsplit("/", 1)[1] or "all"
            with LOCK:
                RECORD["label"] = re.sub(r"[^A-Za-z0-9_-]", "_", label)
            self.reply_json(200, {}, "application/json")
            return
        if self.path == "/_bridge/fault/clear":
            with LOCK:
                FAULT["kind"] = None
            self.reply_json(200, {}, "application/json")
            return
        if self.path == "/_bridge/fault":
            asked = json.loads(body or b"{}")
            if asked.get("kind") not in (*ERRORS, "latency", "refuse"):
                self.reply_json(400, {"error": f"unknown fault kind {asked.get('kind')!r}"}, "application/json")
                return
            seconds = asked.get("seconds")
            if asked["kind"] == "refuse":
                if not seconds:
                    self.reply_json(400, {"error": "refuse needs seconds"}, "application/json")
                    return
                self.reply_json(200, {"ok": "refuse"}, "application/json")
                refuse_for(float(seconds))
                with LOCK:
                    FAULT.update(kind="refuse", until=time.time() + float(seconds), operation=None, region=None,
                                 faulted=0)
                return
            with LOCK:
                FAULT.update(kind=asked["kind"], until=time.time() + float(seconds) if seconds else None,
                             operation=asked.get("operation"), region=asked.get("region"),
                             contains=asked.get("contains"), delay=float(asked.get("delay", 5)), faulted=0)
            self.reply_json(200, {"ok": asked["kind"]}, "application/json")
            return
        if self.path == "/_bridge/canned":
            update = json.loads(body or b"{}")
            with LOCK:
                CANNED.update(update)
            self.reply_json(200, {"ok": sorted(update)}, "application/json")
            return
        signed = SIGNING_NAME.search(self.headers.get("authorization", ""))
        if signed and signed.group(1) == "oam":
            op = self.path.strip("/")
            count(op)
            if self.inject("json", op):
                return
            record(self.headers, op)
            found = REGION.search(self.headers.get("authorization", ""))
            try:
                status, answer = oam_answer(self.path, json.loads(body or b"{}"), self.caller_account(),
                                            found.group(1) if found else "us-east-1")
            except (urllib.error.URLError, AttributeError) as error:
                status, answer = 500, {"__type": "InternalServerException", "message": f"bridge: {error}"}
            self.reply_json(status, answer, "application/json")
            return
        cbor = CBOR_PATH.match(self.path)
        if cbor:
            count(cbor.group(1))
            if self.inject("cbor", cbor.group(1)):
                return
            self.cloudwatch(cbor.group(1), body)
            return
        target = self.headers.get("x-amz-target", "")
        if target:
            op = target.split(".")[-1]
            count(op)
            if self.inject("json", op):
                return
            record(self.headers, op)
            canned = {
                "GetCostForecast": lambda: CANNED["GetCostForecast"],
                "GetAnomalies": lambda: CANNED["GetAnomalies"],
                "GetProducts": lambda: CANNED["GetProducts"].get(
                    json.loads(body or b"{}").get("ServiceCode", ""), {"PriceList": [], "FormatVersion": "aws_v1"}),
            }.get(op)
            if canned and target.split(".")[0] in ("AWSInsightsIndexService", "AWSPriceListService"):
                answer = canned()
                if answer is None:
                    self.reply_json(400, {"__type": "DataUnavailableException", "message": "no forecast seeded"})
                else:
                    self.reply_json(200, answer)
                return
            if op == "LookupEvents":
                self.reply_json(*lookup_events(json.loads(body or b"{}"), self.headers))
                return
            if op == "UpdateService":
                refused = self.update_service_refusal(body)
                if refused:
                    self.reply_json(400, {"__type": refused[0], "message": refused[1]})
                    return
            self.forward(body)
            return
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        action = params.get("Action")
        if action:
            count(action)
            if self.inject("query", action, body):
                return
            record(self.headers, action)
            canned = elasticache_canned(action, params) if "/elasticache/" in self.headers.get("authorization", "") else None
            if canned is not None:
                self.reply(200, canned, "text/xml")
                return
        else:
            record(self.headers, "UnrecognisedRequest")  # fails the policy check, so it gets named
        self.forward(body)

    def moto_json(self, operation, payload):
        """An ECS call of the bridge's own to moto (signed as the request it serves)."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("x-amz-target", "content-length")}
        headers["X-Amz-Target"] = f"AmazonEC2ContainerServiceV20141113.{operation}"
        status, raw, _ = self.upstream_call(json.dumps(payload).encode(), headers)
        return json.loads(raw or b"{}") if status == 200 else {}

    def update_service_refusal(self, body):
        """(error type, message) when AWS would refuse this UpdateService and moto would not."""
        request = json.loads(body or b"{}")
        task_definition = request.get("taskDefinition")
        if not task_definition:
            return None
        found = self.moto_json("DescribeServices", {"cluster": request.get("cluster", "default"),
                                                    "services": [request.get("service")]})
        services = found.get("services", [])
        controller = (services[0].get("deploymentController") or {}).get("type", "ECS") if services else "ECS"
        if controller == "CODE_DEPLOY":
            return ("InvalidParameterException", "Unable to update task definition on services with a CODE_DEPLOY "
                    "deployment controller. Use AWS CodeDeploy to trigger a new deployment.")
        if controller == "EXTERNAL":
            return ("InvalidParameterException", "Unable to update task definition on services with an EXTERNAL "
                    "deployment controller. Create a new task set.")
        described = self.moto_json("DescribeTaskDefinition", {"taskDefinition": task_definition})
        if described.get("taskDefinition", {}).get("status") == "INACTIVE":
            return ("ClientException", "TaskDefinition is inactive")
        return None

    def proxy(self, body):
        status, answer, headers = self.upstream_call(body, dict(self.headers))
        self.reply(status, answer, headers.get("Content-Type", "application/octet-stream"))

    def forward(self, body):
        status, answer, headers = self.upstream_call(body, dict(self.headers))
        if self.headers.get("x-amz-target", "").endswith(".DescribeTasks") and status == 200:
            answer = fix_task_containers(answer)
        if self.headers.get("x-amz-target", "").endswith(".DescribeServices") and status == 200:
            answer = add_service_events(answer)
        if self.headers.get("x-amz-target", "").endswith(".FilterLogEvents") and status == 200:
            answer = stream_prefix(body, answer)
        self.reply(status, answer, headers.get("Content-Type", "application/octet-stream"))

    def inject(self, protocol, op, body=b""):
        """Answer with the active fault, if this request gets one; True when it was answered."""
        kind = active_fault(self.headers, op, body)
        if kind is None:
            return False
        if kind == "latency":
            time.sleep(FAULT["delay"])
            return False
        if kind == "refuse":
            # A connection opened before the bridge stopped listening: drop it unanswered.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        status, type_, code, message = ERRORS[kind]
        if kind == "deny":
            message = f"User: arn:aws:sts::123456789012:assumed-role/infradeck/tests is not authorized to perform: {op}"
        if protocol == "json":
            self.reply_json(status, {"__type": type_, "message": message})
        elif protocol == "cbor":
            encoded = cbor2.dumps({"__type": type_, "message": message})
            self.reply(status, encoded, "application/cbor", {"smithy-protocol": "rpc-v2-cbor"})
        else:
            sender = "Sender" if status < 500 else "Receiver"
            xml = (f"<ErrorResponse><Error><Type>{sender}</Type><Code>{code}</Code><Message>{esc(message)}</Message>"
                   f"</Error><RequestId>bridge-fault</RequestId></ErrorResponse>")
            self.reply(status, xml.encode(), "text/xml")
        return True

    def cloudwatch(self, op, body):
        record(self.headers, op)
        request = to_json_value(cbor2.loads(body)) if body else {}
        canned_results = []
        if op == "GetMetricData":
            # What CloudWatch bills: every metric query of every call (`metrics` in the counts).
            with LOCK:
                METRICS["requested"] += len(request.get("MetricDataQueries", []))
            # moto computes Sum/Average/Minimum/Maximum/SampleCount only: percentiles (p99) and
            # percentile ranks (PR(:0.3)) come from the seeded series instead.
            queries = request.get("MetricDataQueries", [])
            mine = [q for q in queries if q.get("MetricStat", {}).get("Stat") not in MOTO_STATS]
            request["MetricDataQueries"] = [q for q in queries if q not in mine]
            canned_results = canned_statistics(mine, request.get("StartTime", 0), request.get("EndTime", 0))
        if op == "GetMetricData":
            status, answer = self.metric_data_by_account(request)
        elif op == "DescribeAlarms" and "CompositeAlarm" in (request.get("AlarmTypes") or []) and CANNED["CompositeAlarms"] \
                and not request.get("NextToken"):
            status, answer = self.upstream_cloudwatch(op, request)
            answer["CompositeAlarms"] = (answer.get("CompositeAlarms") or []) + CANNED["CompositeAlarms"]
        elif op == "DescribeAlarmHistory":
            status, answer = 200, alarm_history(request)
        else:
            status, answer = self.upstream_cloudwatch(op, request)
        if op == "GetMetricData":
            answer.setdefault("MetricDataResults", []).extend(canned_results)
            answer = sorted_results(answer)
        encoded = cbor2.dumps(to_cbor_value(answer), datetime_as_timestamp=True, timezone=UTC)
        self.reply(status, encoded, "application/cbor", {"smithy-protocol": "rpc-v2-cbor"})


    def caller_account(self):
        """The account moto gives this request's access key (asked with STS GetCallerIdentity)."""
        found = ACCESS_KEY.search(self.headers.get("authorization", ""))
        if not found:
            raise AttributeError("the request is not signed")
        key = found.group(1)
        with LOCK:
            if key in CALLERS:
                return CALLERS[key]
        # moto routes by the signing name in the credential scope: say STS's.
        authorization = re.sub(r"(Credential=[^/]+/[^/]+/[^/]+/)[^/]+/", r"\1sts/", self.headers.get("authorization", ""))
        headers = {"Authorization": authorization, "Content-Type": "application/x-www-form-urlencoded"}
        if self.headers.get("x-amz-security-token"):
            headers["X-Amz-Security-Token"] = self.headers["x-amz-security-token"]
        request = urllib.request.Request(self.upstream + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
                                         method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=60) as answer:
            account = re.search(rb"<Account>(\d+)</Account>", answer.read()).group(1).decode()
        with LOCK:
            CALLERS[key] = account
        return account

    def metric_data_by_account(self, request):
        """GetMetricData with AccountId on queries, as a monitoring account sees it: each linked
        source account's queries are answered from that account's moto backend; an account not
        linked to the caller's sink in the region gets StatusCode Forbidden (AWS does not
        document this case; infradeck reads such an account's own CloudWatch)."""
        queries = request.get("MetricDataQueries", [])
        if not queries:
            return 200, {"MetricDataResults": []}
        wanted = {q.get("AccountId") for q in queries} - {None}
        try:
            caller = self.caller_account() if wanted else None
        except (urllib.error.URLError, AttributeError) as error:
            return 500, {"__type": "InternalFailure", "message": f"bridge: caller's account not known: {error}"}
        groups = {}
        for q in queries:
            groups.setdefault(q.get("AccountId") if q.get("AccountId") != caller else None, []).append(q)
        found = REGION.search(self.headers.get("authorization", ""))
        linked = linked_to(caller, found.group(1) if found else "us-east-1") if wanted else set()
        if request.get("NextToken") and len(groups) > 1:
            # moto does not page GetMetricData; one token for several accounts' parts would be wrong.
            return 400, {"__type": "InvalidNextToken", "message": "bridge: NextToken across accounts is not modelled"}
        merged, status = {"MetricDataResults": []}, 200
        asked = []
        for account, group in groups.items():
            if account is not None and account not in linked:
                merged["MetricDataResults"].extend(
                    {"Id": q["Id"], "Label": q.get("Label", q["Id"]), "StatusCode": "Forbidden", "Timestamps": [],
                     "Values": [], "Messages": [{"Code": "Forbidden", "Value": f"account {account} is not linked"}]}
                    for q in group)
                continue
            if account is not None:
                with LOCK:
                    METRICS["cross_account"] += len(group)
            queries = [{k: v for k, v in q.items() if k != "AccountId"} for q in group]
            asked.append((dict(request, MetricDataQueries=queries), account))
        # Each account's part at once, as one call to CloudWatch answers them together.
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda a: self.upstream_cloudwatch("GetMetricData", *a), asked))
        for status, answer in answers:
            if status != 200:
                return status, answer
            merged["MetricDataResults"].extend(answer.get("MetricDataResults", []))
            if answer.get("NextToken"):
                merged["NextToken"] = answer["NextToken"]
        return status, merged

    def upstream_cloudwatch(self, op, request, account=None):
        """A CloudWatch request to moto in its JSON protocol: (status, answer)."""
        headers = dict(self.headers)
        headers = {k: v for k, v in headers.items() if k.lower() not in ("smithy-protocol", "content-type", "accept")}
        headers["X-Amz-Target"] = f"GraniteServiceVersion20100801.{op}"
        headers["Content-Type"] = "application/x-amz-json-1.0"
        if account:
            headers["x-moto-account-id"] = account  # moto's own header: read that account's backend
        self.path = "/"
        status, raw, _ = self.upstream_call(json.dumps(request).encode(), headers)
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return 500, {"__type": "InternalFailure", "message": raw[:200].decode("utf-8", "replace")}


MOTO_STATS = {"Sum", "Average", "Minimum", "Maximum", "SampleCount"}


def statistic_key(metric_stat):
    """`Namespace|Metric|Name=Value,…|Stat`, dimensions sorted: how seed_moto.py names a seeded
    percentile series in CANNED["Statistics"]."""
    metric = metric_stat["Metric"]
    dims = ",".join(f"{d['Name']}={d['Value']}" for d in sorted(metric.get("Dimensions", []), key=lambda d: d["Name"]))
    return f"{metric['Namespace']}|{metric['MetricName']}|{dims}|{metric_stat['Stat']}"


def canned_statistics(queries, start, end):
    """Results for queries whose statistic moto cannot compute: the mean of the seeded points
    (epoch seconds, value) in each period of the query."""
    seeded = CANNED.get("Statistics", {})
    results = []
    for q in queries:
        stat = q["MetricStat"]
        period = int(stat["Period"])
        buckets = {}
        for t, v in seeded.get(statistic_key(stat), []):
            if start <= t < end:
                buckets.setdefault(start + (t - start) // period * period, []).append(v)
        times = sorted(buckets)
        results.append({"Id": q["Id"], "Label": q.get("Label", q["Id"]), "StatusCode": "Complete",
                        "Timestamps": times, "Values": [sum(buckets[t]) / len(buckets[t]) for t in times]})
    return results


def add_service_events(raw):
    """Seeded service events and capacity provider strategies into DescribeServices (moto keeps
    neither). A service on a strategy has no launchType, as ECS answers. An old service's ARN
    in the short format."""
    answer = json.loads(raw)
    with LOCK:
        seeded = dict(CANNED["ServiceEvents"])
        strategies = dict(CANNED["CapacityProviders"])
        short = set(CANNED["ShortArns"])
    for service in answer.get("services", []):
        cluster = service.get("clusterArn", "").rsplit("/", 1)[-1]
        if f"{cluster}/{service.get('serviceName')}" in short:
            prefix = service["serviceArn"].split(":service/", 1)[0]
            service["serviceArn"] = f"{prefix}:service/{service['serviceName']}"
        strategy = strategies.get(f"{cluster}/{service.get('serviceName')}")
        if strategy:
            service["capacityProviderStrategy"] = strategy
            service.pop("launchType", None)
        events = seeded.get(f"{cluster}/{service.get('serviceName')}", [])
        if events:
            ordered = sorted(events, key=lambda e: e["createdAt"], reverse=True)
            service["events"] = [{"id": f"bridge-{i}", "createdAt": e["createdAt"], "message": e["message"]}
                                 for i, e in enumerate(ordered)]
    return json.dumps(answer).encode()


def fix_task_containers(raw):
    """moto bug: DescribeTasks gives a task container's cpu/memory as numbers; the ECS model (and
    real AWS) has strings, and the SDK rejects the number. Restore the model's type. Stopped
    tasks get a stoppedAt (moto records none)."""
    answer = json.loads(raw)
    now = dt.datetime.now(UTC).timestamp()
    for task in answer.get("tasks", []):
        if task.get("lastStatus") == "STOPPED" and "stoppedAt" not in task:
            arn = task.get("taskArn", "")
            with LOCK:
                seeded = CANNED["StoppedAt"].get(arn.rsplit("/", 1)[-1])
                task["stoppedAt"] = seeded if seeded is not None else FIRST_STOPPED.setdefault(arn, now)
        for container in task.get("containers", []):
            for key in ("cpu", "memory", "memoryReservation"):
                if isinstance(container.get(key), (int, float)):
                    container[key] = str(container[key])
    return json.dumps(answer).encode()


def sorted_results(answer):
    """moto answers newest first like AWS's default (TimestampDescending); keep it, but make sure
    timestamps and values stay paired when moto returns them as separate lists."""
    for result in answer.get("MetricDataResults", []):
        pairs = list(zip(result.get("Timestamps", []), result.get("Values", [])))
        pairs.sort(key=lambda p: p[0], reverse=True)
        result["Timestamps"] = [p[0] for p in pairs]
        result["Values"] = [p[1] for p in pairs]
    return answer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--upstream", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--record", help="directory to append infradeck's operations to (see RECORD)")
    args = parser.parse_args()
    if args.record:
        os.makedirs(args.record, exist_ok=True)
        RECORD["dir"] = args.record
    Bridge.upstream = args.upstream.rstrip("/")
    print(f"bridge listening on http://{args.host}:{args.port} → {Bridge.upstream}", flush=True)
    while True:
        server = ThreadingHTTPServer((args.host, args.port), Bridge, bind_and_activate=False)
        server.daemon_threads = True
        # socketserver's listen backlog is 5: a burst of new connections (an organization's
        # hundreds of clients connecting at once) overflows it, the kernel drops their SYNs and
        # each waits out TCP's 1-2-4-8 s retransmits — a delay AWS's endpoints do not have.
        server.request_queue_size = 1024
        server.server_bind()
        server.server_activate()
        SERVER["current"] = server
        server.serve_forever()
        server.server_close()  # a "refuse" fault: nothing listens until it ends
        with LOCK:
            pause = SERVER["refuse_until"] - time.time()
        if pause > 0:
            time.sleep(pause)


if __name__ == "__main__":
    main()
