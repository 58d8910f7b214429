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
- Compute Optimizer, which moto does not have: GetECSServiceRecommendations (and
  GetEnrollmentStatus) are answered from the seeded `ComputeOptimizer` recommendations, in both
  protocols the SDKs speak to it (Smithy RPC v2 CBOR, the current one, and awsJson1_0), with
  OptInRequiredException for an account not opted in (see `ecs_service_recommendations`).
- ECS Exec and Session Manager, which moto does not serve (see "ECS Exec and Session Manager"
  below): ECS ExecuteCommand and SSM StartSession / TerminateSession are answered here, refused as
  AWS refuses them, and every session issued is kept (`GET /_bridge/sessions`). DescribeTasks
  answers carry what moto keeps none of: each container's `runtimeId`, the task's
  `enableExecuteCommand` and, on exec-enabled tasks, the `ExecuteCommandAgent` managed agent;
  every container of the task definition (moto describes only the first); and `lastStatus`
  RUNNING for a task ECS wants running (moto's own lifecycle walks it towards STOPPED one step per
  DescribeTasks). `enableExecuteCommand` from CreateService / UpdateService (DescribeServices
  answers carry it) and RunTask / StartTask (tasks started then have it) is kept, and ListTasks
  honours `serviceName`.
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
import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
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
# Compute Optimizer in Smithy RPC v2 CBOR (aws-sdk-computeoptimizer >= 1.105 speaks it); the crate
# up to 1.102, boto3 and the AWS CLI (botocore ranks json first) send awsJson1_0 with X-Amz-Target
# ComputeOptimizerService.<Operation>.
CO_PATH = re.compile(r"^/service/ComputeOptimizerService/operation/(\w+)$")
CO_TARGET = "ComputeOptimizerService"
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
    # GetCostAndUsage grouped by USAGE_TYPE (the effective-rate reads): a whole response by the
    # SERVICE its filter names.
    "CostByUsageType": None,
    # GetReservationUtilization (moto has none): a whole response by the SERVICE its filter names;
    # a service without one answers DataUnavailableException, as AWS does without reservations.
    "ReservationUtilization": {},
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
    # ECS Exec (moto keeps none of it). The bridge also writes the first two as it serves
    # CreateService / UpdateService / RunTask / StartTask, so a saved estate keeps them:
    # {"cluster/service": bool}: the service's enableExecuteCommand (DescribeServices answers
    # carry it; a service not named here has it false).
    "ExecServices": {},
    # [task id]: tasks started with enableExecuteCommand (only these have it, as in ECS: turning
    # it on for a service does not give it to tasks already running).
    "ExecTasks": [],
    # {task id: {container name: lastStatus}}: an exec-enabled task's ExecuteCommandAgent in
    # another state than RUNNING ("STOPPED", "PENDING"): DescribeTasks shows it, ExecuteCommand is
    # refused with TargetNotConnectedException and StartSession with TargetNotConnected. A POST
    # replaces the whole map (GET /_bridge/canned first to add to it).
    "ExecAgents": {},
    # Compute Optimizer (no moto backend), per AWS account's opt-in:
    # "opted_in": false (an account's state until someone opts it in) answers every
    #   GetECSServiceRecommendations with OptInRequiredException (403);
    # "recommendations": {serviceArn: ECSServiceRecommendation as the API returns it, JSON form,
    #   lastRefreshTimestamp in epoch seconds}: only Fargate services with enough data have one;
    # "errors" (optional): {serviceArn: {"code", "message"}}: such an ARN, when asked for by
    #   serviceArns, comes back in the answer's errors[] (AWS documents no case for ECS services).
    # A POST replaces the whole object: {"ComputeOptimizer": {"opted_in": false}} is an account
    # that never opted in.
    "ComputeOptimizer": {"opted_in": False, "recommendations": {}, "errors": {}},
}
# POST /_bridge/fault {"kind": K, "seconds": S, "operation": OP, "region": R, "delay": D}:
# until S seconds have passed (for ever without S; POST /_bridge/fault/clear ends it), every
# request from infradeck (the Rust SDK) for OP (any without) signed for region R (any without)
# (and, with "contains": TEXT, only requests whose body holds TEXT, e.g. one account's role ARN
# in AssumeRole) gets fault K: "throttle", "500", "503", "expired", "deny", "optin" (Compute
# Optimizer's OptInRequiredException) (an error in the protocol the service speaks), "latency"
# (D seconds, default 5, before the real answer) or "refuse" (needs S: the bridge stops
# listening and drops open connections, then listens again). GET
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
    # Compute Optimizer's refusal for an account not opted in (its model: HTTP 403).
    "optin": (403, "OptInRequiredException", "OptInRequired", "Aws account is not registered for recommendation."),
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


# Compute Optimizer's wording for an account that has not opted in: its API reference gives no
# message (only "The account is not opted in to Compute Optimizer." as the error's description);
# this is the one recorded from AWS (Compute Optimizer Automation, 2026).
CO_OPT_IN = "Aws account is not registered for recommendation."
# Field types of ECSServiceRecommendation in the service model: JSON has one number type, the
# SDKs do not (an integer field sent as 1024.0 fails the Rust SDK's parse, a double sent as an
# integer fails its CBOR decoder).
CO_INTEGERS = {"memory", "cpu", "memoryReservation"}
CO_DOUBLES = {"value", "lookbackPeriodInDays", "savingsOpportunityPercentage", "lowerBoundValue", "upperBoundValue"}
CO_TIMESTAMPS = {"lastRefreshTimestamp", "lastUpdatedTimestamp"}
CO_FINDING_FILTERS = {"Finding": "finding", "FindingReasonCode": "findingReasonCodes"}


def co_wire(value, cbor, key=None):
    """A Compute Optimizer answer with each number typed as the model types it; timestamps as
    epoch seconds (awsJson1_0) or datetimes (CBOR tag 1)."""
    if isinstance(value, dict):
        return {k: co_wire(v, cbor, k) for k, v in value.items()}
    if isinstance(value, list):
        return [co_wire(v, cbor, key) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if key in CO_TIMESTAMPS:
        return dt.datetime.fromtimestamp(value, UTC) if cbor else value
    if key in CO_INTEGERS:
        return int(value)
    if key in CO_DOUBLES:
        return float(value)
    return value


def co_invalid(message):
    return 400, {"__type": "InvalidParameterValueException", "message": message}


def ecs_service_recommendations(request, region, caller):
    """GetECSServiceRecommendations as the API reference describes it, from
    CANNED["ComputeOptimizer"]: OptInRequiredException (403) unless the account opted in; the
    signing region's recommendations only (the API is regional); `accountIds` (one at most) or
    else the caller's account; `serviceArns` narrows to those ARNs (an ARN with no
    recommendation is left out, or listed in errors[] when the seed says so); `filters` —
    Finding, FindingReasonCode, tag:KEY, tag-key — each must match, any of its values; pages of
    `maxResults` (0-1000) with an opaque nextToken. Order: by service ARN (AWS documents none)."""
    with LOCK:
        seeded = json.loads(json.dumps(CANNED["ComputeOptimizer"]))
    if not seeded.get("opted_in"):
        return 403, {"__type": "OptInRequiredException", "message": CO_OPT_IN}
    accounts = request.get("accountIds") or []
    if len(accounts) > 1:
        return co_invalid("You can only specify one account ID per request.")
    limit = request.get("maxResults")
    if limit is not None and not (isinstance(limit, int) and 0 <= limit <= 1000):
        return co_invalid("maxResults must be between 0 and 1000.")
    limit = limit or 1000  # AWS documents no default page size
    token = request.get("nextToken")
    if token is not None and not str(token).isdigit():
        return co_invalid("Invalid nextToken.")
    arns = request.get("serviceArns")
    for arn in arns or []:
        if not (isinstance(arn, str) and arn.startswith("arn:") and ":ecs:" in arn and ":service/" in arn):
            return co_invalid(f"Invalid service ARN: {arn}")
    filters = request.get("filters") or []
    for f in filters:
        name = f.get("name") or ""
        if name not in CO_FINDING_FILTERS and name != "tag-key" and not name.startswith("tag:"):
            return co_invalid(f"Invalid filter name: {name}")

    def matches(rec):
        for f in filters:
            name, values = f["name"], set(f.get("values") or [])
            tags = {t.get("key"): t.get("value") for t in rec.get("tags") or []}
            if name == "Finding":
                ok = rec.get("finding") in values
            elif name == "FindingReasonCode":
                ok = bool(values & set(rec.get("findingReasonCodes") or []))
            elif name == "tag-key":
                ok = bool(values & set(tags))
            else:
                ok = tags.get(name[4:]) in values
            if not ok:
                return False
        return True

    wanted_account = accounts[0] if accounts else caller
    recommendations = seeded.get("recommendations") or {}
    chosen, errors = [], []
    for arn in sorted(set(arns) if arns else recommendations):
        rec = recommendations.get(arn)
        if rec is None:
            if arns and arn in (seeded.get("errors") or {}):
                error = seeded["errors"][arn]
                errors.append({"identifier": arn, "code": error.get("code", ""), "message": error.get("message", "")})
            continue
        arn_region, arn_account = (arn.split(":") + ["", "", "", "", ""])[3:5]
        if region and arn_region != region:
            continue
        if wanted_account and rec.get("accountId", arn_account) != wanted_account:
            continue
        if matches(rec):
            chosen.append(rec)
    offset = int(token or 0)
    answer = {"ecsServiceRecommendations": chosen[offset:offset + limit], "errors": errors}
    if offset + limit < len(chosen):
        answer["nextToken"] = str(offset + limit)
    return 200, answer


def compute_optimizer(op, request, region, caller):
    """(status, answer) of a Compute Optimizer operation the bridge serves."""
    if op == "GetECSServiceRecommendations":
        return ecs_service_recommendations(request, region, caller)
    if op == "GetEnrollmentStatus":
        with LOCK:
            opted_in = bool(CANNED["ComputeOptimizer"].get("opted_in"))
        return 200, {"status": "Active" if opted_in else "Inactive", "memberAccountsEnrolled": False,
                     "numberOfMemberAccountsOptedIn": 0}
    return 400, {"__type": "UnknownOperationException", "message": f"bridge: Compute Optimizer {op} is not served"}


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

# ECS Exec and Session Manager.
ECS_TARGET = "AmazonEC2ContainerServiceV20141113"
# Sessions issued (ECS ExecuteCommand and SSM StartSession), oldest first: GET /_bridge/sessions
# returns them, POST /_bridge/sessions/reset forgets them. Each is {"id", "kind" ("exec": ECS
# ExecuteCommand; "port": StartSession with a port forwarding document; "shell": StartSession with
# no document or a shell one), "target" (ecs:CLUSTER_TASKID_RUNTIMEID), "document", "parameters"
# (SSM's form, {name: [values]}; an exec session's is {"command": [command]}), "terminated"
# (TerminateSession), "token" (the tokenValue, kept so a test can check that it shows nowhere
# else), "streamUrl", "region", "startedAt", "terminatedAt" (epoch seconds), and for an exec
# session "cluster" (ARN), "taskArn" and "container" (name)}. Not canned: a restored estate starts
# with none, as sessions do not outlive their agent.
SESSIONS = []
EXEC_AGENT = "ExecuteCommandAgent"
# The Session Manager document ECS Exec sessions run.
EXEC_DOCUMENT = "AmazonECS-ExecuteInteractiveCommand"
# Port forwarding documents → the parameters each needs (portNumber defaults to 80 and
# localPortNumber to a free port in AWS's documents).
PORT_DOCUMENTS = {"AWS-StartPortForwardingSession": [], "AWS-StartPortForwardingSessionToRemoteHost": ["host"]}
SHELL_DOCUMENTS = {None, "SSM-SessionManagerRunShell", "AWS-StartInteractiveCommand"}
# ECS's words (its apostrophe is a typographic one).
NOT_ENABLED = ("The execute command failed because execute command was not enabled when the task was run or the "
               "execute command agent isn\u2019t running. Wait and try again or run a new task with execute "
               "command enabled and try again.")
AGENT_NOT_CONNECTED = "The execute command failed due to an internal error. Try again later."
# moto's own task lifecycle: every DescribeTasks moves a task one step from RUNNING towards
# STOPPED, desired status RUNNING or not. ECS keeps a task it wants running RUNNING.
MOTO_DRIFT = {"DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}
# Task ARN → when the bridge first described it running (moto records no start time): its
# agent's lastStartedAt.
FIRST_SEEN = {}
# Task definition ARN → its container definitions (moto describes a task's first container only).
DEFINITIONS = {}


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
        # moto's serializer shares a dict across threads ("RuntimeError: dictionary changed size
        # during iteration" in response_transformers): under concurrent requests it sometimes
        # answers an HTML 500 that AWS never would. Asked again, it answers; a real error (JSON or
        # XML) is passed on as it came.
        op = (headers.get("x-amz-target") or headers.get("X-Amz-Target") or "").split(".")[-1]
        if not op:
            op = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))).get("Action", "") if body else ""
        reads = op.startswith(("Describe", "List", "Get"))  # a write is never sent twice
        for _ in range(3 if reads else 1):
            status, answer, answer_headers = self.upstream_once(body, headers)
            if not (status == 500 and answer.lstrip()[:1] == b"<" and b"Internal Server Error" in answer):
                break
        return status, answer, answer_headers

    def upstream_once(self, body, headers):
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
        if self.path == "/_bridge/sessions":
            with LOCK:
                self.reply_json(200, SESSIONS, "application/json")
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
        if self.path == "/_bridge/sessions/reset":
            with LOCK:
                SESSIONS.clear()
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
        co = CO_PATH.match(self.path)
        if co:
            count(co.group(1))
            if self.inject("cbor", co.group(1), body):
                return
            record(self.headers, co.group(1))
            status, answer = self.compute_optimizer(co.group(1), to_json_value(cbor2.loads(body)) if body else {})
            encoded = cbor2.dumps(co_wire(answer, cbor=True), datetime_as_timestamp=True, timezone=UTC)
            self.reply(status, encoded, "application/cbor", {"smithy-protocol": "rpc-v2-cbor"})
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
            if target.split(".")[0] == CO_TARGET:
                status, answer = self.compute_optimizer(op, json.loads(body or b"{}"))
                self.reply_json(status, co_wire(answer, cbor=False), "application/x-amz-json-1.0")
                return
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
            if op == "GetReservationUtilization":
                asked = json.loads(body or b"{}")
                service = ((asked.get("Filter") or {}).get("Dimensions") or {}).get("Values") or [""]
                with LOCK:
                    answer = (CANNED.get("ReservationUtilization") or {}).get(service[0])
                if answer is None:
                    self.reply_json(400, {"__type": "DataUnavailableException",
                                          "Message": "Data is not available for this period"})
                else:
                    self.reply_json(200, answer)
                return
            if op == "GetCostAndUsage" and CANNED.get("CostByUsageType") is not None:
                asked = json.loads(body or b"{}")
                if any(g.get("Key") == "USAGE_TYPE" for g in asked.get("GroupBy") or []):
                    # moto answers GetCostAndUsage from one queue of static results, in call
                    # order: the effective-rate reads (grouped by USAGE_TYPE, one per SERVICE)
                    # are answered here so they never take the cost pane's answer.
                    service = ((asked.get("Filter") or {}).get("Dimensions") or {}).get("Values") or [""]
                    with LOCK:
                        answer = CANNED["CostByUsageType"].get(service[0])
                    empty = {"GroupDefinitions": asked.get("GroupBy"), "ResultsByTime": [], "DimensionValueAttributes": []}
                    self.reply_json(200, answer or empty)
                    return
            if op == "LookupEvents":
                self.reply_json(*lookup_events(json.loads(body or b"{}"), self.headers))
                return
            # ECS Exec and Session Manager: moto serves neither (SSM speaks awsJson1_1 to this
            # same endpoint, so it is told apart by its target prefix).
            service = target.split(".")[0]
            if service == ECS_TARGET and op == "ExecuteCommand":
                self.reply_json(*self.execute_command(json.loads(body or b"{}")))
                return
            if service == "AmazonSSM" and op == "StartSession":
                self.reply_json(*self.start_session(json.loads(body or b"{}")))
                return
            if service == "AmazonSSM" and op == "TerminateSession":
                self.reply_json(*terminate_session(json.loads(body or b"{}")))
                return
            if service == ECS_TARGET and op == "ListTasks" and json.loads(body or b"{}").get("serviceName"):
                self.reply_json(*self.list_service_tasks(json.loads(body)))
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

    def moto_ecs(self, operation, payload):
        """(status, answer) of an ECS call of the bridge's own to moto, signed as the request it
        serves with its credential scope said as ECS's (moto routes by it: the request served may
        be SSM's)."""
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("x-amz-target", "content-length", "content-type", "authorization")}
        authorization = self.headers.get("authorization")
        if authorization:
            headers["Authorization"] = re.sub(r"(Credential=[^/]+/[^/]+/[^/]+/)[^/]+/", r"\1ecs/", authorization)
        headers["X-Amz-Target"] = f"{ECS_TARGET}.{operation}"
        headers["Content-Type"] = "application/x-amz-json-1.1"
        path, self.path = self.path, "/"
        try:
            status, raw, _ = self.upstream_call(json.dumps(payload).encode(), headers)
        finally:
            self.path = path
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return 500, {"__type": "ServerException", "message": raw[:200].decode("utf-8", "replace")}

    def definition_containers(self, arn):
        """A task definition's container definitions (asked of moto once: a revision never changes)."""
        with LOCK:
            if arn in DEFINITIONS:
                return DEFINITIONS[arn]
        status, answer = self.moto_ecs("DescribeTaskDefinition", {"taskDefinition": arn})
        if status != 200:
            return None
        containers = answer.get("taskDefinition", {}).get("containerDefinitions", [])
        with LOCK:
            DEFINITIONS[arn] = containers
        return containers

    def find_task(self, cluster, task):
        """(None, the task as DescribeTasks answers it, or None when the cluster has no such task),
        or ((status, error), None) when moto refused (ClusterNotFoundException)."""
        status, answer = self.moto_ecs("DescribeTasks", {"cluster": cluster, "tasks": [task]})
        if status != 200:
            return (status, answer), None
        answer = json.loads(fix_task_containers(json.dumps(answer).encode(), self.definition_containers))
        cluster_name = cluster.rsplit("/", 1)[-1]
        for found in answer.get("tasks", []):
            arn = found.get("taskArn", "")
            # moto describes a task of any cluster by its id; ECS only the named cluster's.
            if (arn == task or arn.rsplit("/", 1)[-1] == task) and \
                    found.get("clusterArn", "").rsplit("/", 1)[-1] == cluster_name:
                return None, found
        return None, None

    def execute_command(self, request):
        """ECS ExecuteCommand: (status, answer) as ECS gives them. Refusals, in the order checked:
        interactive not true, no such cluster (moto's ClusterNotFoundException) or task, a task
        not RUNNING, a task started without enableExecuteCommand, no container named when the
        task has several (or a name the task has not) — all InvalidParameterException — and the
        container's ExecuteCommandAgent not RUNNING (TargetNotConnectedException)."""
        def invalid(message):
            return 400, {"__type": "InvalidParameterException", "message": message}
        if request.get("interactive") is not True:
            return invalid("Interactive is the only mode supported currently.")
        cluster = request.get("cluster") or "default"
        refused, task = self.find_task(cluster, request.get("task") or "")
        if refused:
            return refused
        if task is None:
            return invalid("The task provided in the request was not found.")
        if task.get("lastStatus") != "RUNNING":
            return invalid(f"The execute command failed because the task is not in a RUNNING state "
                           f"(its last status is {task.get('lastStatus')}).")
        if not task.get("enableExecuteCommand"):
            return invalid(NOT_ENABLED)
        containers = task.get("containers", [])
        name = request.get("container")
        if name:
            container = next((c for c in containers if c.get("name") == name), None)
            if container is None:
                return invalid(f"The container {name} does not exist in the task.")
        elif len(containers) != 1:
            return invalid("The task has more than one container: the container name must be specified.")
        else:
            container = containers[0]
        agents = [a for a in container.get("managedAgents", []) if a.get("name") == EXEC_AGENT]
        if not agents or agents[0].get("lastStatus") != "RUNNING":
            return 400, {"__type": "TargetNotConnectedException", "message": AGENT_NOT_CONNECTED}
        cluster_arn = task["clusterArn"]
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        region = self.region()
        session_id = "ecs-execute-command-" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                                      for _ in range(26))
        token = base64.b64encode(os.urandom(900)).decode()
        stream_url = stream_url_of(region, session_id)
        keep_session({
            "id": session_id, "kind": "exec",
            "target": f"ecs:{cluster_arn.rsplit('/', 1)[-1]}_{task_id}_{container['runtimeId']}",
            "document": EXEC_DOCUMENT, "parameters": {"command": [request.get("command", "")]},
            "terminated": False, "token": token, "streamUrl": stream_url, "region": region,
            "cluster": cluster_arn, "taskArn": task["taskArn"], "container": container.get("name"),
        })
        return 200, {"clusterArn": cluster_arn, "containerArn": container.get("containerArn"),
                     "containerName": container.get("name"), "interactive": True, "taskArn": task["taskArn"],
                     "session": {"sessionId": session_id, "streamUrl": stream_url, "tokenValue": token}}

    def ecs_target(self, target):
        """The RUNNING task's container that a Session Manager target `ecs:CLUSTER_TASKID_RUNTIMEID`
        names, when its ExecuteCommandAgent (the SSM agent in the container) is RUNNING, else None."""
        if not target.startswith("ecs:"):
            return None
        try:
            # Cluster names may hold "_"; a task id and a runtime id do not.
            cluster, task_id, runtime = target[len("ecs:"):].rsplit("_", 2)
        except ValueError:
            return None
        refused, task = self.find_task(cluster, task_id)
        if refused or task is None or task.get("lastStatus") != "RUNNING" or not task.get("enableExecuteCommand"):
            return None
        container = next((c for c in task.get("containers", []) if c.get("runtimeId") == runtime), None)
        if container is None:
            return None
        agents = [a for a in container.get("managedAgents", []) if a.get("name") == EXEC_AGENT]
        if not agents or agents[0].get("lastStatus") != "RUNNING":
            return None
        return task, container

    def start_session(self, request):
        """SSM StartSession on an ECS container target: (status, answer) as SSM gives them.
        A document other than the port forwarding and shell ones is InvalidDocument, a port
        forward to a remote host without `host` InvalidParameters, and a target that is not a
        RUNNING exec-enabled task's container with its agent RUNNING TargetNotConnected."""
        target = request.get("Target") or ""
        document = request.get("DocumentName")
        parameters = request.get("Parameters") or {}
        if document in PORT_DOCUMENTS:
            kind = "port"
            missing = [p for p in PORT_DOCUMENTS[document] if not parameters.get(p)]
            if missing:
                return 400, {"__type": "InvalidParameters",
                             "Message": f"{document} needs the parameter {missing[0]}."}
        elif document in SHELL_DOCUMENTS:
            kind = "shell"
        else:
            return 400, {"__type": "InvalidDocument", "Message": f"Document with name {document} does not exist."}
        if self.ecs_target(target) is None:
            return 400, {"__type": "TargetNotConnected", "Message": f"{target} is not connected."}
        region = self.region()
        found = ACCESS_KEY.search(self.headers.get("authorization", ""))
        session_id = f"{found.group(1) if found else 'session'}-{secrets.token_hex(9)[:17]}"
        token = base64.b64encode(os.urandom(216)).decode()  # TokenValue: at most 300 characters
        stream_url = stream_url_of(region, session_id)
        keep_session({"id": session_id, "kind": kind, "target": target, "document": document,
                      "parameters": parameters, "terminated": False, "token": token, "streamUrl": stream_url,
                      "region": region})
        return 200, {"SessionId": session_id, "TokenValue": token, "StreamUrl": stream_url}

    def list_service_tasks(self, request):
        """ListTasks with serviceName (moto ignores it): the service's tasks only — those its
        scheduler started, `group` "service:NAME" — in the desired status asked (RUNNING when not
        asked, as ECS), paged by maxResults / nextToken. An unknown service is
        ServiceNotFoundException."""
        cluster = request.get("cluster") or "default"
        service = request["serviceName"].rsplit("/", 1)[-1]
        status, found = self.moto_ecs("DescribeServices", {"cluster": cluster, "services": [service]})
        if status != 200:
            return status, found
        if not found.get("services"):
            return 400, {"__type": "ServiceNotFoundException", "message": "Service not found."}
        query = {k: request[k] for k in ("cluster", "containerInstance", "family", "startedBy", "launchType")
                 if k in request}
        query["desiredStatus"] = request.get("desiredStatus") or "RUNNING"
        status, listed = self.moto_ecs("ListTasks", query)
        if status != 200:
            return status, listed
        arns = listed.get("taskArns", [])
        mine = set()
        for i in range(0, len(arns), 100):
            status, described = self.moto_ecs("DescribeTasks", {"cluster": cluster, "tasks": arns[i:i + 100]})
            if status != 200:
                return status, described
            mine.update(t["taskArn"] for t in described.get("tasks", []) if t.get("group") == f"service:{service}")
        chosen = [a for a in arns if a in mine]
        limit = int(request.get("maxResults") or 100)
        try:
            offset = int(request.get("nextToken") or 0)
        except ValueError:
            return 400, {"__type": "InvalidParameterException", "message": "Invalid nextToken."}
        answer = {"taskArns": chosen[offset:offset + limit]}
        if offset + limit < len(chosen):
            answer["nextToken"] = str(offset + limit)
        return 200, answer

    def region(self):
        found = REGION.search(self.headers.get("authorization", ""))
        return found.group(1) if found else "us-east-1"

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
        target = self.headers.get("x-amz-target", "")
        # StopTask answers with the task too, with the same moto shapes to mend.
        if (target.endswith(".DescribeTasks") or target == f"{ECS_TARGET}.StopTask") and status == 200:
            answer = fix_task_containers(answer, self.definition_containers)
        if target in (f"{ECS_TARGET}.RunTask", f"{ECS_TARGET}.StartTask") and status == 200:
            answer = fix_task_containers(keep_task_exec(body, answer), self.definition_containers)
        if target in (f"{ECS_TARGET}.CreateService", f"{ECS_TARGET}.UpdateService") and status == 200:
            answer = keep_service_exec(body, answer)
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


    def compute_optimizer(self, op, request):
        """A Compute Optimizer call for the signing region and the caller's account."""
        found = REGION.search(self.headers.get("authorization", ""))
        try:
            caller = self.caller_account()
        except (urllib.error.URLError, AttributeError, OSError):
            caller = None  # unsigned, or moto's STS did not answer: no account filter
        return compute_optimizer(op, request, found.group(1) if found else None, caller)

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
    in the short format. Its enableExecuteCommand (CANNED["ExecServices"])."""
    answer = json.loads(raw)
    with LOCK:
        seeded = dict(CANNED["ServiceEvents"])
        strategies = dict(CANNED["CapacityProviders"])
        short = set(CANNED["ShortArns"])
        exec_services = dict(CANNED["ExecServices"])
    for service in answer.get("services", []):
        cluster = service.get("clusterArn", "").rsplit("/", 1)[-1]
        if f"{cluster}/{service.get('serviceName')}" in short:
            prefix = service["serviceArn"].split(":service/", 1)[0]
            service["serviceArn"] = f"{prefix}:service/{service['serviceName']}"
        service["enableExecuteCommand"] = bool(exec_services.get(f"{cluster}/{service.get('serviceName')}"))
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


def runtime_id(task, container):
    """The container's runtimeId, the same every time for a task and container: on Fargate
    `<task id>-<10 digits>`, as Fargate names its containers; on EC2 a Docker container id (64 hex
    digits)."""
    arn = task.get("taskArn", "")
    digest = hashlib.sha256(f"{arn}/{container}".encode()).hexdigest()
    fargate = task.get("launchType") == "FARGATE" or str(task.get("capacityProviderName", "")).startswith("FARGATE")
    if fargate:
        return f"{arn.rsplit('/', 1)[-1]}-{int(digest[:12], 16) % 10**10:010d}"
    return digest


def exec_enabled(task_id):
    with LOCK:
        return task_id in CANNED["ExecTasks"]


def fix_task_containers(raw, definitions=None):
    """DescribeTasks (and RunTask / StartTask) answers as ECS gives them, where moto falls short:
    - moto bug: a task container's cpu/memory are numbers; the ECS model (and real AWS) has
      strings, and the SDK rejects the number. Restore the model's type.
    - A stopped task gets a stoppedAt (moto records none).
    - A task ECS wants running (desiredStatus RUNNING) is RUNNING: moto walks it towards STOPPED
      one step per DescribeTasks; its containers RUNNING too (moto leaves them PENDING).
    - Every container of the task definition (`definitions(arn)` gives them; moto describes the
      first only), each with its `runtimeId`.
    - `enableExecuteCommand` (CANNED["ExecTasks"]) and, when on, each container's
      ExecuteCommandAgent (RUNNING, or as CANNED["ExecAgents"] says; STOPPED once the task is)."""
    answer = json.loads(raw)
    now = dt.datetime.now(UTC).timestamp()
    tasks = answer.get("tasks", [])
    if isinstance(answer.get("task"), dict):
        tasks = [answer["task"]]
    for task in tasks:
        arn = task.get("taskArn", "")
        task_id = arn.rsplit("/", 1)[-1]
        if task.get("desiredStatus") == "RUNNING" and task.get("lastStatus") in MOTO_DRIFT:
            task["lastStatus"] = "RUNNING"
        if task.get("lastStatus") == "STOPPED" and "stoppedAt" not in task:
            with LOCK:
                seeded = CANNED["StoppedAt"].get(task_id)
                task["stoppedAt"] = seeded if seeded is not None else FIRST_STOPPED.setdefault(arn, now)
        containers = task.setdefault("containers", [])
        defined = definitions(task["taskDefinitionArn"]) if definitions and task.get("taskDefinitionArn") else None
        have = {c.get("name") for c in containers}
        for definition in defined or []:
            if definition.get("name") in have:
                continue
            # moto made the first container only: the others as ECS describes them.
            prefix, _, rest = arn.partition(":task/")
            digest = hashlib.sha256(f"{arn}/{definition.get('name')}".encode()).hexdigest()
            added = {
                "containerArn": f"{prefix}:container/{rest}/{digest[:8]}-{digest[8:12]}-{digest[12:16]}-"
                                f"{digest[16:20]}-{digest[20:32]}",
                "taskArn": arn, "name": definition.get("name"), "image": definition.get("image"),
                "lastStatus": containers[0].get("lastStatus", "PENDING") if containers else "PENDING",
                "networkInterfaces": [],
                "healthStatus": "HEALTHY" if definition.get("healthCheck") else "UNKNOWN",
            }
            for key in ("cpu", "memory", "memoryReservation"):
                if definition.get(key) is not None:
                    added[key] = definition[key]
            containers.append(added)
        enabled = exec_enabled(task_id)
        task["enableExecuteCommand"] = enabled
        with LOCK:
            agents = dict(CANNED["ExecAgents"].get(task_id) or {})
            started = FIRST_SEEN.setdefault(arn, now) if task.get("lastStatus") == "RUNNING" else FIRST_SEEN.get(arn)
        for container in containers:
            for key in ("cpu", "memory", "memoryReservation"):
                if isinstance(container.get(key), (int, float)):
                    container[key] = str(container[key])
            if task.get("lastStatus") == "RUNNING" and container.get("lastStatus") == "PENDING":
                container["lastStatus"] = "RUNNING"
            container["runtimeId"] = runtime_id(task, container.get("name"))
            if not enabled:
                container.pop("managedAgents", None)
                continue
            status = agents.get(container.get("name"))
            if status is None:
                status = "RUNNING" if task.get("lastStatus") == "RUNNING" else \
                    "PENDING" if task.get("lastStatus") in ("PROVISIONING", "PENDING", "ACTIVATING") else "STOPPED"
            agent = {"name": EXEC_AGENT, "lastStatus": status}
            if status != "PENDING" and started is not None:
                agent["lastStartedAt"] = started
            container["managedAgents"] = [agent]
    return json.dumps(answer).encode()


def keep_task_exec(body, raw):
    """RunTask / StartTask with enableExecuteCommand: the tasks moto started have it (ECS
    Exec can reach them); without it, they have not."""
    if not json.loads(body or b"{}").get("enableExecuteCommand"):
        return raw
    answer = json.loads(raw)
    with LOCK:
        for task in answer.get("tasks", []):
            task_id = task.get("taskArn", "").rsplit("/", 1)[-1]
            if task_id and task_id not in CANNED["ExecTasks"]:
                CANNED["ExecTasks"].append(task_id)
    return raw


def keep_service_exec(body, raw):
    """CreateService / UpdateService: the service's enableExecuteCommand (false unless a
    CreateService says otherwise; an UpdateService without it leaves it). Tasks already running
    keep what they were started with."""
    request = json.loads(body or b"{}")
    answer = json.loads(raw)
    service = answer.get("service") or {}
    key = f"{service.get('clusterArn', '').rsplit('/', 1)[-1]}/{service.get('serviceName')}"
    with LOCK:
        if "enableExecuteCommand" in request or "serviceName" in request:  # serviceName: a CreateService
            CANNED["ExecServices"][key] = bool(request.get("enableExecuteCommand"))
        service["enableExecuteCommand"] = bool(CANNED["ExecServices"].get(key))
    return json.dumps(answer).encode()


def stream_url_of(region, session_id):
    """A Session Manager data channel URL, as ECS ExecuteCommand and SSM StartSession give them."""
    cell = base64.b64encode(os.urandom(72)).decode()
    return (f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{session_id}"
            f"?role=publish_subscribe&cell-number={cell}")


def keep_session(session):
    session["startedAt"] = time.time()
    session["terminatedAt"] = None
    with LOCK:
        SESSIONS.append(session)


def terminate_session(request):
    """SSM TerminateSession: the session ends for good (a session never issued is no error:
    the model lists none but InternalServerError)."""
    session_id = request.get("SessionId") or ""
    with LOCK:
        for session in SESSIONS:
            if session["id"] == session_id and not session["terminated"]:
                session.update(terminated=True, terminatedAt=time.time())
    return 200, {"SessionId": session_id}


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
