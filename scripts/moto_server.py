#!/usr/bin/env python3
"""moto_server, with GetMetricData made fast enough for 14 days of metric history.

moto 5.2's GetMetricData scans every stored datapoint for every period of every query
(queries × periods × datapoints): with two weeks of history for a few dozen series, one query
takes ~10 s. This launcher changes nothing about what moto answers: per query it does what
moto's loop does, over only the datapoints of that query's metric (same name and dimensions,
which is exactly moto's own filter) inside the query's time range (found by bisection in a
per-series index), each put in its period once; moto's own Statistics aggregates and moto
encodes the answer.

It also saves and restores moto's whole state, so a test suite seeds one estate once and starts
every later server from it (seeding the realistic fleet costs ~13 s of CPU; restoring it, under 1):
  POST /_snapshot/save   body: a file path; moto's backends are pickled there
  --restore PATH         start from a saved state (a moto_server argument added here)

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p 5000 [--restore PATH]   (moto_server's arguments)
"""

import os
import pickle
import sys
import threading
from bisect import bisect_left
from collections import defaultdict
from datetime import timedelta

try:
    from moto.backends import get_backend
    from moto.cloudwatch import models
    from moto.core.base_backend import BackendDict
    from moto.server import DomainDispatcherApplication, main
except ImportError:
    sys.exit("moto_server.py needs moto[server]: pip install -r scripts/requirements-test.txt")

_original = models.CloudWatchBackend.get_metric_data
_lock = threading.Lock()
# Per CloudWatch backend (by id: kept out of the backend, so a saved state does not carry it).
_indexes = {}


def _series_key(name, dimensions):
    return name, tuple(sorted((d.name, d.value) for d in dimensions))


def _query_key(query):
    metric = query["MetricStat"]["Metric"]
    dims = metric.get("Dimensions", [])
    return metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in dims))


def _index(backend):
    """Each stored series' datapoints sorted by time, with their place in moto's list; rebuilt
    when a datapoint is added (moto only appends)."""
    version = len(backend.metric_data)
    cached = _indexes.get(id(backend))
    if cached and cached[0] == version:
        return cached[1]
    by_series = defaultdict(list)
    for place, md in enumerate(backend.metric_data):
        by_series[_series_key(md.name, md.dimensions)].append((md.timestamp, place, md))
    index = {}
    for key, points in by_series.items():
        points.sort(key=lambda p: (p[0], p[1]))
        index[key] = ([p[0] for p in points], points)
    _indexes[id(backend)] = (version, index)
    return index


def _query_result(query, points, start):
    """moto's own per-query loop (models.CloudWatchBackend.get_metric_data) over only the
    periods that hold datapoints: each datapoint goes to its period once, instead of every
    period scanning every datapoint. The same Statistics class aggregates, in moto's order."""
    metric_stat = query["MetricStat"]
    delta = timedelta(seconds=int(metric_stat["Period"]))
    stat = metric_stat["Stat"]
    if metric_stat.get("Unit"):
        points = [md for md in points if md.unit == metric_stat["Unit"]]
    periods = defaultdict(list)
    for md in points:
        periods[(md.timestamp - start) // delta].append(md)
    values, timestamps = [], []
    for k in sorted(periods):
        stats = models.Statistics([stat], start + k * delta)
        stats.metric_data = periods[k]
        values.append(stats.get_statistics_for_type(stat))
        timestamps.append(stats.timestamp)
    return values, timestamps


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    # Only plain metric queries with dimensions take the fast path; anything else (and moto's
    # validation errors) is moto's.
    start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
    if (
        not queries
        or start >= end
        or any("MetricStat" not in q or not q["MetricStat"]["Metric"].get("Dimensions") for q in queries)
    ):
        return _original(self, queries, start_time, end_time, scan_by)
    with _lock:
        index = _index(self)
        # The metrics moto computes on the fly (other services' own) are not indexed: they
        # change with every call, and come after the stored ones in moto's list.
        computed = defaultdict(list)
        for md in self.aws_metric_data:
            computed[_series_key(md.name, md.dimensions)].append(md)
    results = []
    for query in queries:
        key = _query_key(query)
        times, points = index.get(key, ([], []))
        # moto keeps the datapoints with start <= timestamp < end, in its list's order.
        window = sorted(points[bisect_left(times, start) : bisect_left(times, end)], key=lambda p: p[1])
        inside = [md for md in computed.get(key, []) if start <= md.timestamp < end]
        values, timestamps = _query_result(query, [p[2] for p in window] + inside, start)
        if scan_by == "TimestampDescending":
            values.reverse()
            timestamps.reverse()
        if query.get("ReturnData", True):
            label = query.get("Label") or f"{query['MetricStat']['Metric']['MetricName']} {query['MetricStat']['Stat']}"
            results.append(
                {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}
            )
    return results


models.CloudWatchBackend.get_metric_data = get_metric_data


def save_state(path):
    """Pickle every backend in use, by service name (moto keeps them in module-level dicts)."""
    state = {bd.service_name: dict(bd) for bd in BackendDict._instances if len(bd)}
    with open(path + ".tmp", "wb") as out:
        pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
    # Renamed into place, so a reader never sees half a snapshot.
    os.replace(path + ".tmp", path)
    return len(state)


def restore_state(path):
    """Fill moto's own backend dicts in place (its response handlers hold references to them)."""
    with open(path, "rb") as source:
        state = pickle.load(source)
    for service, accounts in state.items():
        target = get_backend(service)
        target.clear()
        dict.update(target, accounts)
        if target not in BackendDict._instances:
            BackendDict._instances.append(target)


_dispatch = DomainDispatcherApplication.__call__


def dispatch(self, environ, start_response):
    if environ.get("PATH_INFO") == "/_snapshot/save" and environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        path = environ["wsgi.input"].read(length).decode()
        try:
            status, text = "200 OK", f"saved {save_state(path)} services"
        except Exception as error:  # said to the test, which fails with it
            status, text = "500 Internal Server Error", f"snapshot failed: {error!r}"
        body = text.encode()
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = dispatch

if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--restore" in argv:
        at = argv.index("--restore")
        restore_state(argv[at + 1])
        del argv[at : at + 2]
    main(argv)
