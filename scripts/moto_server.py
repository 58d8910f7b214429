#!/usr/bin/env python3
"""moto_server, with GetMetricData made fast enough for 14 days of metric history.

moto 5.2's GetMetricData scans every stored datapoint for every period of every query
(queries × periods × datapoints): with two weeks of history for a few dozen series, one query
takes ~10 s. This launcher changes nothing about what moto answers: it hands moto's own
GetMetricData one query at a time, with only the datapoints of that query's metric (same
name and dimensions, which is exactly moto's own filter). moto still filters, aggregates and
encodes.

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p 5000   (same arguments as moto_server)
"""

import sys
import threading
from collections import defaultdict

try:
    from moto.cloudwatch import models
    from moto.server import main
except ImportError:
    sys.exit("moto_server.py needs moto[server]: pip install -r scripts/requirements-test.txt")

_original = models.CloudWatchBackend.get_metric_data
_lock = threading.Lock()


def _series_key(name, dimensions):
    return name, tuple(sorted((d.name, d.value) for d in dimensions))


def _query_key(query):
    metric = query["MetricStat"]["Metric"]
    dims = metric.get("Dimensions", [])
    return metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in dims))


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    # Only plain metric queries with dimensions take the fast path; anything else is moto's.
    if not queries or any("MetricStat" not in q or not q["MetricStat"]["Metric"].get("Dimensions") for q in queries):
        return _original(self, queries, start_time, end_time, scan_by)
    with _lock:
        by_series = defaultdict(list)
        for md in self.get_all_metrics():
            by_series[_series_key(md.name, md.dimensions)].append(md)
        results = []
        try:
            for query in queries:
                subset = by_series.get(_query_key(query), [])
                self.get_all_metrics = lambda subset=subset: subset  # shadows the method for this call
                results.extend(_original(self, [query], start_time, end_time, scan_by))
        finally:
            if "get_all_metrics" in self.__dict__:
                del self.get_all_metrics
        return results


models.CloudWatchBackend.get_metric_data = get_metric_data

if __name__ == "__main__":
    main(sys.argv[1:])
