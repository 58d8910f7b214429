#!/usr/bin/env python3
"""Seed a running moto_server (behind scripts/moto_bridge.py) with an AWS estate for infradeck.

Two shapes:
  --fleet realistic   a small estate worth looking at: clusters with Fargate and EC2 services
                      (over-, right- and under-provisioned, multi-container, ARM, one with target
                      tracking, OOM-killed tasks, ECS Exec: see SEEDED_EXEC), Redis/Valkey groups,
                      14 days of metric history, alarms with history, 90 days of Cost Explorer
                      results, a forecast and anomalies.
  --fleet scale       N services in C clusters and R Redis groups, no metrics: for request counts.

Usage:
  moto_server -H 127.0.0.1 -p 5000 &
  python3 scripts/moto_bridge.py --port 5001 --upstream http://127.0.0.1:5000 &
  python3 scripts/seed_moto.py --moto http://127.0.0.1:5000 --bridge http://127.0.0.1:5001
  infradeck --endpoint-url http://127.0.0.1:5001 --region us-east-1
"""

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import random
import sys
import urllib.request

try:
    import boto3
    from botocore.config import Config
except ImportError:
    sys.exit("seed_moto.py needs boto3: pip install 'moto[server]' boto3 cbor2")

REGION = "us-east-1"
HOUR = 3600
# boto3 gzips large bodies and moto answers those with 500: send them plain.
BOTO = Config(disable_request_compression=True, retries={"max_attempts": 2})
# Values that must never reach infradeck's screen, logs or exports.
SECRET_ENV = [
    {"name": "DATABASE_PASSWORD", "value": "hunter2-db-secret-value"},
    {"name": "STRIPE_KEY", "value": "sk_live_51HsecretSEEDvalue"},
]


def client(name, endpoint):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client(name, region_name=REGION, endpoint_url=endpoint, config=BOTO)


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read()


def network(ec2, region=REGION):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
               for i, zone in ((1, "a"), (2, "b"))]
    sg = ec2.create_security_group(GroupName="infradeck-seed", Description="seed", VpcId=vpc)["GroupId"]
    return {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}}, vpc


# Services behind Application Load Balancers: name → (load balancer, requests/s, p50 s, p99 s,
# target 5xx share, load balancer 5xx share, share answered within 1 s, unhealthy hosts).
# web-api and checkout share prod-web-alb and are healthy. search is CPU-starved: slow and
# failing; alone behind its ALB, whose own 502s count as its errors. report-builder is
# over-provisioned but slow (its queries wait on a database): its latency SLO burns, so sizing
# must not cut its CPU.
BEHIND_ALB = {
    "web-api": ("prod-web-alb", 120.0, 0.05, 0.3, 0.0002, 0.0, 99.8, 0),
    "checkout": ("prod-web-alb", 60.0, 0.04, 0.25, 0.0003, 0.0, 99.95, 0),
    "search": ("search-alb", 40.0, 0.3, 2.4, 0.008, 0.004, 97.0, 1),
    "report-builder": ("reports-alb", 5.0, 0.6, 1.6, 0.0005, 0.003, 96.0, 0),
}


def load_balancers(elbv2, vpc, subnets):
    """One ALB per name in BEHIND_ALB, a target group per service with a listener forwarding to
    it (moto ties a target group to its load balancer through the listener). Returns
    {service: (target group ARN, LoadBalancer dimension, TargetGroup dimension)}."""
    albs, out = {}, {}
    for service, (alb, *_rest) in BEHIND_ALB.items():
        if alb not in albs:
            albs[alb] = elbv2.create_load_balancer(Name=alb, Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elbv2.create_target_group(Name=f"{service}-tg", Protocol="HTTP", Port=8080, VpcId=vpc,
                                       TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        if service == "checkout":  # shares prod-web-alb with web-api: a path rule, not the default
            listener = elbv2.describe_listeners(LoadBalancerArn=albs[alb])["Listeners"][0]["ListenerArn"]
            elbv2.create_rule(ListenerArn=listener, Priority=10,
                              Conditions=[{"Field": "path-pattern", "Values": ["/checkout/*"]}],
                              Actions=[{"Type": "forward", "TargetGroupArn": tg}])
        else:
            elbv2.create_listener(LoadBalancerArn=albs[alb], Protocol="HTTP", Port=80,
                                  DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        out[service] = (tg, albs[alb].split(":loadbalancer/", 1)[1], tg.rsplit(":", 1)[1])
    # reports-alb also forwards /legacy/* to EC2 instances no ECS service runs: its own 5xx cannot
    # be put on report-builder's account.
    legacy = elbv2.create_target_group(Name="reports-legacy-ec2", Protocol="HTTP", Port=80, VpcId=vpc,
                                       TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.describe_listeners(LoadBalancerArn=albs["reports-alb"])["Listeners"][0]["ListenerArn"]
    elbv2.create_rule(ListenerArn=listener, Priority=10,
                      Conditions=[{"Field": "path-pattern", "Values": ["/legacy/*"]}],
                      Actions=[{"Type": "forward", "TargetGroupArn": legacy}])
    return out


def put_counts(cw, namespace, metric, dims, series):
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc),
            "StatisticValues": {"SampleCount": 1.0, "Sum": v, "Minimum": v, "Maximum": v},
            "Unit": "Count",
        }
        for t, v in series
    ]
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i:i + 500])


def seed_load_balancer_metrics(cw, rng, now, service, desired, dims, statistics):
    """14 days of AWS/ApplicationELB metrics for one service, at the resolutions `points` uses;
    the percentiles moto cannot compute go to the bridge (`statistics`)."""
    _alb, rps, p50, p99, t5xx, l5xx, within, unhealthy = BEHIND_ALB[service]
    lb, tg = dims
    both = {"LoadBalancer": lb, "TargetGroup": tg}
    requests, target_5xx, lb_5xx, healthy, sick = [], [], [], [], []
    key = f"AWS/ApplicationELB|TargetResponseTime|LoadBalancer={lb},TargetGroup={tg}|"
    for t, avg, _mx in points(now, rng, 50, 60):
        age = now - t
        step = 60 if age <= HOUR else 300 if age <= 24 * HOUR else HOUR
        n = rps * step * avg / 50
        requests.append((t, n))
        target_5xx.append((t, n * t5xx))
        lb_5xx.append((t, n * l5xx))
        healthy.append((t, float(desired - unhealthy)))
        sick.append((t, float(unhealthy)))
        wobble = avg / 50
        statistics.setdefault(key + "p50", []).append([t, p50 * wobble])
        statistics.setdefault(key + "p99", []).append([t, p99 * wobble])
        statistics.setdefault(key + "PR(:1)", []).append([t, within])
    put_counts(cw, "AWS/ApplicationELB", "RequestCount", both, requests)
    put_counts(cw, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", both, target_5xx)
    put_counts(cw, "AWS/ApplicationELB", "HealthyHostCount", both, healthy)
    put_counts(cw, "AWS/ApplicationELB", "UnHealthyHostCount", both, sick)
    if l5xx:
        put_counts(cw, "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb}, lb_5xx)


def register(ecs, family, cpu, memory, containers, arm=False, ec2=False):
    args = {
        "family": family,
        "containerDefinitions": [
            {
                "name": name,
                "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{family}:latest",
                "cpu": c_cpu,
                "memory": hard,
                "memoryReservation": soft,
                "essential": i == 0,
                "environment": SECRET_ENV if i == 0 else [],
                # The app logs to CloudWatch (awslogs), a sidecar through FireLens.
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": f"/ecs/{family}", "awslogs-region": REGION, "awslogs-stream-prefix": family,
                }} if i == 0 else {"logDriver": "awsfirelens", "options": {"Name": "datadog"}},
            }
            for i, (name, c_cpu, hard, soft) in enumerate(containers)
        ],
        "requiresCompatibilities": ["EC2"] if ec2 else ["FARGATE"],
        "networkMode": "bridge" if ec2 else "awsvpc",
        # An apply must carry these over to the new revision untouched.
        "tags": [{"key": "team", "value": family}] + ([{"key": "ManagedBy", "value": "terraform"}] if family == "checkout" else []),
    }
    if cpu:
        args["cpu"] = str(cpu)
    if memory:
        args["memory"] = str(memory)
    if arm:
        args["runtimePlatform"] = {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    return ecs.register_task_definition(**args)["taskDefinition"]["taskDefinitionArn"]


# name, cluster, launch, cpu, memory, desired, cpu% (mean, spike), mem% (mean, spike), arm, containers
REALISTIC = [
    ("web-api", "prod-web", "FARGATE", 2048, 4096, 6, (12, 22), (30, 34), False, None),
    ("checkout", "prod-web", "FARGATE", 1024, 2048, 4, (55, 78), (60, 66), False, None),
    ("search", "prod-web", "FARGATE", 512, 1024, 3, (82, 99), (70, 80), False, None),
    ("media-resize", "prod-web", "FARGATE", 4096, 8192, 2, (20, 65), (25, 30), True, None),
    ("gateway", "prod-web", "FARGATE", 1024, 2048, 3, (30, 45), (40, 48), False,
     [("gateway", 768, 1536, 1024), ("envoy", 256, 512, 256)]),
    ("queue-worker", "prod-workers", "EC2", None, None, 2, (40, 60), (75, 97), False,
     [("worker", 1024, 2048, 1536)]),
    ("report-builder", "prod-workers", "EC2", None, None, 1, (8, 15), (20, 25), False,
     [("builder", 2048, 4096, 2048)]),
    ("admin", "staging", "FARGATE", 256, 512, 1, (3, 6), (35, 40), False, None),
    ("batch-idle", "staging", "FARGATE", 1024, 2048, 0, (0, 0), (0, 0), False, None),
]


# ECS Exec as the realistic fleet has it (moto keeps none of it: the bridge serves these, see
# ExecServices / ExecTasks / ExecAgents in scripts/moto_bridge.py):
# - every service has enableExecuteCommand on and the tasks seeded for it were started with it
#   (prod-workers/fanout's 25; the Fargate services have no tasks in moto) but for
# - prod-workers/queue-worker: exec off on the service and on its tasks (it predates ECS Exec);
# - prod-workers/report-builder: exec turned on for the service after its one task started, so
#   that task has it off ("only new tasks get it");
# - prod-workers/fanout: the first of its tasks the seed started (not the hot last one) has its
#   ExecuteCommandAgent STOPPED; its id is the one key of ExecAgents in GET /_bridge/canned.
SEEDED_EXEC = {"ExecServices": {}, "ExecTasks": [], "ExecAgents": {}}
EXEC_OFF = {"queue-worker"}


def exec_service(cluster, name, enabled):
    SEEDED_EXEC["ExecServices"][f"{cluster}/{name}"] = enabled
    return {"enableExecuteCommand": True} if enabled else {}


# The metric alarms' history posted to the bridge, so later seeding can add to it.
SEEDED_HISTORY = []
SEEDED_TRAIL = []


def usage(rng, mean, spike, t):
    """Percent at time t: a daily wave, noise and a spike in the afternoon."""
    if mean == 0:
        return None
    hour = (t // HOUR) % 24
    wave = mean * (1 + 0.2 * math.sin((hour - 8) / 24 * 2 * math.pi))
    value = wave + rng.uniform(-0.05, 0.05) * mean
    if hour in (14, 15) and rng.random() < 0.3:
        value = spike
    return max(0.0, min(100.0, value))


def points(now, rng, mean, spike):
    """(timestamp, average, maximum): hourly for 13 days, 5-minute for the last day, 1-minute for
    the last hour; never two resolutions in one hour, so moto's aggregation stays right."""
    start = now - 14 * 24 * HOUR
    out = []
    for t in range(start, now, 60):
        age = now - t
        step = 60 if age <= HOUR else 300 if age <= 24 * HOUR else HOUR
        if t % step:
            continue
        avg = usage(rng, mean, spike, t)
        if avg is None:
            continue
        out.append((t, avg, min(100.0, avg * rng.uniform(1.05, 1.3))))
    return out


def seed_container_metrics(cw, now, cluster, name, containers, cpu_use, mem_use):
    """Container Insights with enhanced observability, per container (dimensions ServiceName,
    ClusterName, ContainerName as AWS publishes them): ContainerCpuUtilized in CPU units and
    ContainerMemoryUtilized in MiB, the busiest task's each hour. Its own random stream, so the
    series seeded before it stay as they were."""
    rng = random.Random(f"{cluster}/{name}/containers")
    for container, cpu, memory, _reservation in containers:
        dims = {"ServiceName": name, "ClusterName": cluster, "ContainerName": container}
        put_series(cw, "ECS/ContainerInsights", "ContainerCpuUtilized", dims,
                   [(t, a * cpu / 100, m * cpu / 100) for t, a, m in points(now, rng, *cpu_use)], unit="None")
        put_series(cw, "ECS/ContainerInsights", "ContainerMemoryUtilized", dims,
                   [(t, a * memory / 100, m * memory / 100) for t, a, m in points(now, rng, *mem_use)],
                   unit="Megabytes")


def put_series(cw, namespace, metric, dims, series, unit="Percent"):
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc),
            "StatisticValues": {"SampleCount": 2.0, "Sum": avg * 2, "Minimum": avg * 0.8, "Maximum": mx},
            "Unit": unit,
        }
        for t, avg, mx in series
    ]
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i:i + 500])


def container_instance(ecs, ec2, cluster):
    """An EC2 container instance, so EC2 launch-type tasks can run (moto checks the identity
    document's instance id against its EC2 backend)."""
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m7g.4xlarge")["Instances"][0]
    zone = instance["Placement"]["AvailabilityZone"]
    document = {
        "availabilityZone": zone, "privateIp": instance.get("PrivateIpAddress", "10.0.0.10"),
        "version": "2017-09-30", "region": zone[:-1], "instanceId": instance["InstanceId"],
        "instanceType": instance["InstanceType"], "accountId": "123456789012", "imageId": image,
        "architecture": "arm64", "pendingTime": "2026-01-01T00:00:00Z",
    }
    ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=json.dumps(document))


def seed_realistic(args):
    rng = random.Random(7)
    ecs, ec2 = client("ecs", args.moto), client("ec2", args.moto)
    cw, ec = client("cloudwatch", args.moto), client("elasticache", args.moto)
    aas, ce = client("application-autoscaling", args.moto), client("ce", args.moto)
    now = int(dt.datetime.now(dt.timezone.utc).timestamp()) // 60 * 60
    net, vpc = network(ec2)
    behind_alb = load_balancers(client("elbv2", args.moto), vpc, net["awsvpcConfiguration"]["subnets"])
    statistics = {}
    for cluster, insights in (("prod-web", "enabled"), ("prod-workers", "enhanced"), ("staging", "disabled")):
        ecs.create_cluster(clusterName=cluster, settings=[{"name": "containerInsights", "value": insights}])
    # moto gives each instance 4096 CPU units / 7482 MiB: two hold the workers and the report builder.
    container_instance(ecs, ec2, "prod-workers")
    container_instance(ecs, ec2, "prod-workers")

    for name, cluster, launch, cpu, memory, desired, cpu_use, mem_use, arm, containers in REALISTIC:
        ec2_launch = launch == "EC2"
        containers = containers or [(name, cpu, memory, memory // 2)]
        arn = register(ecs, name, cpu, memory, containers, arm=arm, ec2=ec2_launch)
        service = {"cluster": cluster, "serviceName": name, "taskDefinition": arn, "desiredCount": desired,
                   "launchType": launch}
        if not ec2_launch:
            service["networkConfiguration"] = net
        service.update(exec_service(cluster, name, name not in EXEC_OFF))
        if name == "web-api":
            # Owned by Terraform, as its tags say: a hand change to it is drift.
            service["tags"] = [{"key": "ManagedBy", "value": "terraform"}]
        if name in behind_alb:
            tg, lb_dim, tg_dim = behind_alb[name]
            service["loadBalancers"] = [{"targetGroupArn": tg, "containerName": name, "containerPort": 8080}]
            # Its own random stream: the other series stay as they were before load balancers.
            seed_load_balancer_metrics(cw, random.Random(name), now, name, desired, (lb_dim, tg_dim), statistics)
        ecs.create_service(**service)
        if ec2_launch:
            for i in range(desired):
                task = ecs.run_task(cluster=cluster, taskDefinition=arn, launchType="EC2", group=f"service:{name}")
                if not task["tasks"]:
                    sys.exit(f"seed: moto could not place a {name} task: {task.get('failures')}")
                task_id = task["tasks"][0]["taskArn"].rsplit("/", 1)[-1]
                # Container Insights (enhanced): per-task use in CPU units and MiB; the first task runs hot.
                hot = 1.9 if i == 0 else 1.0
                dims = {"ClusterName": cluster, "TaskDefinitionFamily": name, "TaskId": task_id}
                cpu_units = sum(c[1] for c in containers)
                mem_mib = sum(c[2] for c in containers)
                cpu_pts = [(t, min(cpu_units, a * hot * cpu_units / 100), min(cpu_units, m * hot * cpu_units / 100))
                           for t, a, m in points(now, rng, *cpu_use)]
                mem_pts = [(t, a * mem_mib / 100, m * mem_mib / 100) for t, a, m in points(now, rng, *mem_use)]
                put_series(cw, "ECS/ContainerInsights", "CpuUtilized", dims, cpu_pts, unit="None")
                put_series(cw, "ECS/ContainerInsights", "MemoryUtilized", dims, mem_pts, unit="Megabytes")
            if name == "queue-worker":
                task = ecs.run_task(cluster=cluster, taskDefinition=arn, launchType="EC2", group=f"service:{name}")
                for t in task["tasks"]:
                    ecs.stop_task(cluster=cluster, task=t["taskArn"],
                                  reason="OutOfMemoryError: Container killed due to memory usage")
                    # moto keeps no task times: the bridge serves this one's (25 minutes ago).
                    post(args.bridge + "/_bridge/canned",
                         {"StoppedAt": {t["taskArn"].rsplit("/", 1)[-1]: now - 25 * 60}})
        if cluster == "prod-workers":
            seed_container_metrics(cw, now, cluster, name, containers, cpu_use, mem_use)
        dims = {"ClusterName": cluster, "ServiceName": name}
        put_series(cw, "AWS/ECS", "CPUUtilization", dims, points(now, rng, *cpu_use))
        put_series(cw, "AWS/ECS", "MemoryUtilization", dims, points(now, rng, *mem_use))

    post(args.bridge + "/_bridge/canned", {"Statistics": statistics})
    # queue-worker predates ECS's long ARN format (2018): AWS still names it service/queue-worker.
    post(args.bridge + "/_bridge/canned", {"ShortArns": ["prod-workers/queue-worker"]})

    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/prod-web/checkout",
                                 ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=12)
    aas.put_scaling_policy(
        PolicyName="checkout-cpu", ServiceNamespace="ecs", ResourceId="service/prod-web/checkout",
        ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )

    redis = [
        ("sessions", "redis", "7.1", "cache.r7g.large", 1, (82, 95), (35, 60), 5000),
        ("rate-limit", "redis", "7.1", "cache.t4g.small", 1, (8, 10), (3, 5), 0),
        ("catalog", "valkey", "8.0", "cache.m7g.large", 2, (45, 55), (20, 35), 0),
    ]
    for gid, engine, version, node, replicas, mem_use, cpu_use, evictions in redis:
        group = ec.create_replication_group(
            ReplicationGroupId=gid, ReplicationGroupDescription=f"{gid} cache", Engine=engine,
            EngineVersion=version, CacheNodeType=node, NumCacheClusters=1 + replicas,
            CacheParameterGroupName=f"default.{engine}7",
        )["ReplicationGroup"]
        for member in group.get("MemberClusters", []) or [f"{gid}-001"]:
            # moto lists members but does not describe them: create them so DescribeCacheClusters does.
            ec.create_cache_cluster(CacheClusterId=member, ReplicationGroupId=gid, Engine=engine,
                                    EngineVersion=version, CacheNodeType=node, NumCacheNodes=1)
            dims = {"CacheClusterId": member, "CacheNodeId": "0001"}
            put_series(cw, "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims, points(now, rng, *mem_use))
            put_series(cw, "AWS/ElastiCache", "EngineCPUUtilization", dims, points(now, rng, *cpu_use))
            put_series(cw, "AWS/ElastiCache", "CurrConnections", dims, points(now, rng, 40, 60))
            if evictions:
                put_series(cw, "AWS/ElastiCache", "Evictions", dims, points(now, rng, evictions / 24, evictions / 4))
    post(args.bridge + "/_bridge/canned", {
        "DescribeCacheParameters": {"default.redis7": "25", "default.valkey7": "25"},
        "DescribeServerlessCaches": [{"name": "feature-flags", "engine": "valkey", "status": "available"}],
    })

    alarms = [
        ("search-cpu-high", "AWS/ECS", "CPUUtilization", {"ClusterName": "prod-web", "ServiceName": "search"},
         90.0, "GreaterThanThreshold", "ALARM"),
        ("queue-worker-memory", "AWS/ECS", "MemoryUtilization",
         {"ClusterName": "prod-workers", "ServiceName": "queue-worker"}, 90.0, "GreaterThanThreshold", "OK"),
        ("sessions-evictions", "AWS/ElastiCache", "Evictions", {"CacheClusterId": "sessions-001"},
         100.0, "GreaterThanThreshold", "ALARM"),
        ("web-api-cpu-low", "AWS/ECS", "CPUUtilization", {"ClusterName": "prod-web", "ServiceName": "web-api"},
         5.0, "LessThanThreshold", "INSUFFICIENT_DATA"),
    ]
    history = []
    for name, ns, metric, dims, threshold, op, state in alarms:
        # Every alarm pages someone but the one left behind for a service that scaled away.
        actions = [] if name == "web-api-cpu-low" else [f"arn:aws:sns:{REGION}:123456789012:oncall-pager"]
        cw.put_metric_alarm(
            AlarmName=name, Namespace=ns, MetricName=metric, Statistic="Average", Period=300,
            EvaluationPeriods=3, Threshold=threshold, ComparisonOperator=op,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()], AlarmActions=actions,
        )
        if state != "INSUFFICIENT_DATA":
            cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"seeded {state}")
        for hours_ago, old, new in ((20, "INSUFFICIENT_DATA", "OK"), (2, "OK", state)):
            if old == new:
                continue
            history.append({
                "AlarmName": name, "AlarmType": "MetricAlarm", "HistoryItemType": "StateUpdate",
                "Timestamp": now - hours_ago * HOUR,
                "HistorySummary": f"Alarm updated from {old} to {new}",
                "HistoryData": json.dumps({"oldState": {"stateValue": old}, "newState": {"stateValue": new}}),
            })
    post(args.bridge + "/_bridge/canned", {"DescribeAlarmHistory": history})
    SEEDED_HISTORY[:] = history
    # What moto does not keep, for the incident timeline: service events and ElastiCache events.
    post(args.bridge + "/_bridge/canned", {
        "ServiceEvents": {
            "prod-web/search": [
                {"createdAt": now - 40 * 60, "message": "(service search) (port 8080) is unhealthy in "
                 "(target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/search/1) "
                 "due to (reason Health checks failed)."},
                {"createdAt": now - 35 * 60, "message": "(service search) has reached a steady state."},
            ],
            "prod-workers/report-builder": [
                {"createdAt": now - 3 * HOUR, "message": "(service report-builder) was unable to place a task "
                 "because no container instance met all of its requirements."},
            ],
        },
        "DescribeEvents": [
            {"source": "sessions-001", "type": "cache-cluster", "date": now - 50 * 60,
             "message": "Failover from primary node sessions-001 to replica node sessions-002 completed"},
            {"source": "catalog", "type": "replication-group", "date": now - 30 * HOUR,
             "message": "Modification of replication group catalog completed (too old for a 6 h timeline)"},
        ],
    })
    seed_cost(args, now, rng)
    seed_cloudtrail(args, now, behind_alb)
    seed_logs(args, now)
    seed_prices(args)
    seed_real_shapes(args, now, net, vpc)
    post(args.bridge + "/_bridge/canned", SEEDED_EXEC)
    seed_compute_optimizer(args, now)


# Fargate Linux on-demand, us-east-1, as the Price List publishes them.
FARGATE_PRICES = {
    "USE1-Fargate-vCPU-Hours:perCPU": "0.0404800000",
    "USE1-Fargate-GB-Hours": "0.0044450000",
    "USE1-Fargate-ARM-vCPU-Hours:perCPU": "0.0323800000",
    "USE1-Fargate-ARM-GB-Hours": "0.0035600000",
    "USE1-Fargate-EphemeralStorage-GB-Hours": "0.0001110000",
}


# ElastiCache node types as the Price List publishes them (Redis OSS, on demand, us-east-1):
# name → (memory, vCPU, USD per hour). cache.r6gd.xlarge is not in infradeck's shipped table.
ELASTICACHE_PRICES = {
    "cache.t3.small": ("1.37 GiB", "2", "0.0340000000"),
    "cache.t4g.small": ("1.37 GiB", "2", "0.0320000000"),
    "cache.m5.large": ("6.38 GiB", "2", "0.1560000000"),
    "cache.m7g.large": ("6.38 GiB", "2", "0.1580000000"),
    "cache.r7g.large": ("13.07 GiB", "2", "0.2190000000"),
    "cache.r6gd.xlarge": ("26.32 GiB", "4", "0.7810000000"),
}


def seed_prices(args):
    """Pricing API GetProducts documents (moto has no Pricing backend; the bridge serves them)."""
    cache_docs = []
    for i, (node, (memory, vcpu, usd)) in enumerate(ELASTICACHE_PRICES.items()):
        sku = f"EC{i:04}"
        cache_docs.append(json.dumps({
            "product": {"productFamily": "Cache Instance", "sku": sku, "attributes": {
                "instanceType": node, "memory": memory, "vcpu": vcpu, "cacheEngine": "Redis",
                "networkPerformance": "Up to 10 Gigabit", "regionCode": REGION, "usagetype": f"NodeUsage:{node}"}},
            "serviceCode": "AmazonElastiCache",
            "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {"priceDimensions": {
                f"{sku}.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": usd}}}}}},
        }))
    docs = []
    for i, (usage, usd) in enumerate(FARGATE_PRICES.items()):
        sku = f"SKU{i:04}"
        docs.append(json.dumps({
            "product": {"productFamily": "Compute", "sku": sku,
                        "attributes": {"usagetype": usage, "regionCode": REGION, "servicecode": "AmazonECS"}},
            "serviceCode": "AmazonECS",
            "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {"priceDimensions": {
                f"{sku}.JRTCKXETXF.6YS6EN2CT7": {"unit": "hours", "pricePerUnit": {"USD": usd}}}}}},
        }))
    post(args.bridge + "/_bridge/canned", {"GetProducts": {
        "AmazonECS": {"PriceList": docs, "FormatVersion": "aws_v1"},
        "AmazonElastiCache": {"PriceList": cache_docs, "FormatVersion": "aws_v1"},
    }})


def register_shaped(ecs, family, containers, cpu=None, memory=None, ec2=False, roles=False):
    """A task definition with containers as real accounts write them (each a dict of the API's
    container fields besides name and image)."""
    args = {
        "family": family,
        "containerDefinitions": [
            {"name": name, "image": image, **fields, **({"environment": SECRET_ENV} if i == 0 else {})}
            for i, (name, image, fields) in enumerate(containers)
        ],
        "requiresCompatibilities": ["EC2"] if ec2 else ["FARGATE"],
        "networkMode": "bridge" if ec2 else "awsvpc",
        "tags": [{"key": "team", "value": family}],
    }
    if cpu:
        args["cpu"] = str(cpu)
    if memory:
        args["memory"] = str(memory)
    if roles:
        args["taskRoleArn"] = f"arn:aws:iam::123456789012:role/{family}-task"
        args["executionRoleArn"] = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
    return ecs.register_task_definition(**args)["taskDefinition"]["taskDefinitionArn"]


def app_image(name):
    return f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{name}:latest"


def seed_real_shapes(args, now, net, vpc):
    """What real accounts have and tidy fleets do not (issue: safe on a real AWS account):
    soft-only containers sharing the task's CPU; sidecars (a FireLens log router, the X-Ray
    daemon); a CodeDeploy (blue/green) service; FARGATE_SPOT; an EC2 service of 25 tasks with
    per-task metrics (the hottest is the last); a service whose target group was deleted; a
    standalone Redis cluster and a Memcached one; a composite alarm; target tracking in ALARM.
    Its own random streams: the fleet seeded before stays as it was."""
    rng = random.Random("real-shapes")
    ecs, ec2, cw = client("ecs", args.moto), client("ec2", args.moto), client("cloudwatch", args.moto)
    ec, elbv2 = client("elasticache", args.moto), client("elbv2", args.moto)

    def metrics(cluster, name, cpu_use, mem_use):
        dims = {"ClusterName": cluster, "ServiceName": name}
        put_series(cw, "AWS/ECS", "CPUUtilization", dims, points(now, rng, *cpu_use))
        put_series(cw, "AWS/ECS", "MemoryUtilization", dims, points(now, rng, *mem_use))

    def fargate_service(name, arn, desired, **extra):
        ecs.create_service(cluster="prod-web", serviceName=name, taskDefinition=arn, desiredCount=desired,
                           launchType="FARGATE", networkConfiguration=net,
                           **exec_service("prod-web", name, True), **extra)

    # 2 vCPU / 8 GiB, three containers with cpu 0 and a 128 MiB soft reservation each; the busiest
    # task peaks at ~6.6 GiB and at its 2 vCPU: it needs 4 vCPU and must keep every container
    # without a hard limit.
    soft_only = [(n, app_image(n), {"memoryReservation": 128}) for n in ("web", "renderer", "scheduler")]
    fargate_service("reports-api", register_shaped(ecs, "reports-api", soft_only, 2048, 8192), 2)
    metrics("prod-web", "reports-api", (75, 88), (50, 52))

    # An over-provisioned app beside a FireLens log router (non-essential) and the X-Ray daemon:
    # the sidecars keep their size; task and execution roles (iam:PassRole on apply).
    orders = [
        ("orders", app_image("orders"), {"cpu": 768, "memory": 3072, "essential": True}),
        ("log_router", "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
         {"memoryReservation": 64, "essential": False, "firelensConfiguration": {"type": "fluentbit"}}),
        ("xray-daemon", "public.ecr.aws/xray/aws-xray-daemon:latest", {"cpu": 32, "memoryReservation": 256}),
    ]
    fargate_service("orders", register_shaped(ecs, "orders", orders, 1024, 4096, roles=True), 3)
    metrics("prod-web", "orders", (10, 18), (15, 20))

    # Blue/green through CodeDeploy: UpdateService cannot change its task definition.
    bg = [("payments", app_image("payments"), {"cpu": 1024, "memory": 2048})]
    fargate_service("payments-bg", register_shaped(ecs, "payments-bg", bg, 1024, 2048), 2,
                    deploymentController={"type": "CODE_DEPLOY"})
    metrics("prod-web", "payments-bg", (8, 12), (20, 25))

    # All its tasks on FARGATE_SPOT (moto drops the strategy: the bridge serves it).
    spot = [("thumbnails", app_image("thumbnails"), {"memoryReservation": 1024})]
    fargate_service("thumbnails-spot", register_shaped(ecs, "thumbnails-spot", spot, 1024, 4096), 4)
    metrics("prod-web", "thumbnails-spot", (10, 15), (15, 20))
    post(args.bridge + "/_bridge/canned", {"CapacityProviders": {
        "prod-web/thumbnails-spot": [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]}})

    # Its target group was deleted after the service was created: DescribeTargetGroups with
    # its ARN fails the whole call (TargetGroupNotFound), as AWS does.
    gone = elbv2.create_target_group(Name="legacy-api-tg", Protocol="HTTP", Port=8080, VpcId=vpc,
                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    legacy = [("legacy-api", app_image("legacy-api"), {"cpu": 512, "memory": 1024})]
    fargate_service("legacy-api", register_shaped(ecs, "legacy-api", legacy, 512, 1024), 1,
                    loadBalancers=[{"targetGroupArn": gone, "containerName": "legacy-api", "containerPort": 8080}])
    elbv2.delete_target_group(TargetGroupArn=gone)
    metrics("prod-web", "legacy-api", (20, 30), (40, 45))

    # 25 small EC2 tasks (no task-level size) with Container Insights' per-task metrics; the last
    # task placed runs hottest, past the 20 an earlier version read.
    container_instance(ecs, ec2, "prod-workers")
    fanout = [("fanout", app_image("fanout"), {"cpu": 128, "memory": 256})]
    arn = register_shaped(ecs, "fanout", fanout, ec2=True)
    ecs.create_service(cluster="prod-workers", serviceName="fanout", taskDefinition=arn, desiredCount=25,
                       launchType="EC2", **exec_service("prod-workers", "fanout", True))
    task_ids = []
    for _ in range(25):
        task = ecs.run_task(cluster="prod-workers", taskDefinition=arn, launchType="EC2", group="service:fanout",
                            enableExecuteCommand=True)
        if not task["tasks"]:
            sys.exit(f"seed: moto could not place a fanout task: {task.get('failures')}")
        task_ids.append(task["tasks"][0]["taskArn"].rsplit("/", 1)[-1])
    SEEDED_EXEC["ExecTasks"].extend(task_ids)
    # The first fanout task's ExecuteCommandAgent has stopped (ECS Exec refuses it,
    # TargetNotConnectedException); the last one is the hot one.
    SEEDED_EXEC["ExecAgents"][task_ids[0]] = {"fanout": "STOPPED"}
    day = [(t, a, m) for t, a, m in points(now, rng, 30, 40) if now - t <= 24 * HOUR]
    for i, task_id in enumerate(task_ids):
        hot = 2.6 if i == len(task_ids) - 1 else 1.0
        dims = {"ClusterName": "prod-workers", "TaskDefinitionFamily": "fanout", "TaskId": task_id}
        put_series(cw, "ECS/ContainerInsights", "CpuUtilized", dims,
                   [(t, min(128.0, a * hot * 1.28), min(128.0, m * hot * 1.28)) for t, a, m in day], unit="None")
        put_series(cw, "ECS/ContainerInsights", "MemoryUtilized", dims,
                   [(t, a * 2.56, m * 2.56) for t, a, m in day], unit="Megabytes")
    metrics("prod-workers", "fanout", (30, 40), (30, 40))

    # Outside any replication group: a single-node Redis OSS cluster on a node type beyond the
    # current generation, and a Memcached cluster of two nodes.
    ec.create_cache_cluster(CacheClusterId="batch-locks", Engine="redis", EngineVersion="6.2",
                            CacheNodeType="cache.t3.small", NumCacheNodes=1)
    ec.create_cache_cluster(CacheClusterId="legacy-memcached", Engine="memcached", EngineVersion="1.6.22",
                            CacheNodeType="cache.m5.large", NumCacheNodes=2)
    dims = {"CacheClusterId": "batch-locks", "CacheNodeId": "0001"}
    put_series(cw, "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims, points(now, rng, 20, 25))
    put_series(cw, "AWS/ElastiCache", "EngineCPUUtilization", dims, points(now, rng, 3, 5))

    # A composite alarm (moto has no PutCompositeAlarm: the bridge serves it) with history that
    # DescribeAlarmHistory returns only when AlarmTypes names composite alarms.
    post(args.bridge + "/_bridge/canned", {"CompositeAlarms": [{
        "AlarmName": "web-degraded",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-degraded",
        "AlarmRule": 'ALARM("search-cpu-high") OR ALARM("sessions-evictions")',
        "StateValue": "ALARM", "StateReason": "search-cpu-high is in ALARM",
        "StateUpdatedTimestamp": now - 90 * 60, "StateTransitionedTimestamp": now - 90 * 60,
    }]})
    composite = [{
        "AlarmName": "web-degraded", "AlarmType": "CompositeAlarm", "HistoryItemType": "StateUpdate",
        "Timestamp": now - 90 * 60, "HistorySummary": "Alarm updated from OK to ALARM",
        "HistoryData": json.dumps({"oldState": {"stateValue": "OK"}, "newState": {"stateValue": "ALARM"}}),
    }]
    post(args.bridge + "/_bridge/canned", {"DescribeAlarmHistory": SEEDED_HISTORY + composite})
    SEEDED_HISTORY.extend(composite)

    # Target tracking keeps its low alarm in ALARM while there is room to scale in: by design.
    for alarm in cw.describe_alarms(AlarmNamePrefix="TargetTracking-")["MetricAlarms"]:
        if "AlarmLow" in alarm["AlarmName"]:
            cw.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM",
                               StateReason="Threshold Crossed: 15 datapoints were less than the threshold (54.0)")



# AWS Compute Optimizer's view of the realistic fleet (moto has no Compute Optimizer: the bridge
# serves GetECSServiceRecommendations from this). It covers Fargate services only and needs 24 h
# of CPUUtilization/MemoryUtilization in the last 14 days, so the EC2 services (queue-worker,
# report-builder, fanout) and staging/batch-idle (desired 0, never ran) have none.
# "cluster/service" → (finding, reason codes, recommended task cpu, memory, Maximum CPU %, Maximum
# memory % over the 14-day look-back, currentPerformanceRisk, autoScalingConfiguration). The
# maxima are fixed, not read back from CloudWatch, so the answer is the same on every run; they
# sit where the seeded series (mean, spike, up to 1.3× spike as Maximum) put them.
CO_FINDINGS = {
    "prod-web/web-api": ("Overprovisioned", ["CPUOverprovisioned", "MemoryOverprovisioned"], 1024, 3072, 28.4, 43.9,
                         "VeryLow", None),
    # Target tracking on CPU: Compute Optimizer leaves CPU as it is (recommends the current CPU).
    "prod-web/checkout": ("Optimized", [], 1024, 2048, 97.5, 84.2, "Low", "TargetTrackingScalingCpu"),
    "prod-web/search": ("Underprovisioned", ["CPUUnderprovisioned", "MemoryUnderprovisioned"], 1024, 2048, 100.0, 98.7,
                        "High", None),
    # 4 vCPU's smallest memory is 8 GiB: nothing smaller fits its CPU spikes.
    "prod-web/media-resize": ("Optimized", [], 4096, 8192, 83.1, 38.6, "Low", None),
    "prod-web/gateway": ("Optimized", [], 1024, 2048, 57.9, 61.4, "VeryLow", None),
    # Already Fargate's smallest size.
    "staging/admin": ("Optimized", [], 256, 512, 7.6, 51.2, "VeryLow", None),
    "prod-web/reports-api": ("Underprovisioned", ["CPUUnderprovisioned"], 4096, 8192, 100.0, 66.8, "High", None),
    "prod-web/orders": ("Overprovisioned", ["CPUOverprovisioned", "MemoryOverprovisioned"], 512, 2048, 23.1, 25.9,
                        "VeryLow", None),
    "prod-web/payments-bg": ("Overprovisioned", ["CPUOverprovisioned", "MemoryOverprovisioned"], 512, 1024, 15.4, 32.2,
                             "VeryLow", None),
    # Priced at On-Demand Fargate rates like every estimate (it runs on FARGATE_SPOT).
    "prod-web/thumbnails-spot": ("Overprovisioned", ["CPUOverprovisioned", "MemoryOverprovisioned"], 512, 2048, 19.4,
                                 25.8, "VeryLow", None),
    # 0.5 vCPU → 0.25 vCPU keeps 1 GiB (a valid 256-CPU size): CPU alone is over-provisioned.
    "prod-web/legacy-api": ("Overprovisioned", ["CPUOverprovisioned"], 256, 1024, 38.7, 57.9, "VeryLow", None),
}
# Containers Compute Optimizer sizes other than in proportion to the task: orders' sidecars (the
# FireLens router and the X-Ray daemon) keep their size, the app takes the cut.
CO_CONTAINERS = {
    "prod-web/orders": {"orders": (448, 1536, None), "log_router": (0, None, 64), "xray-daemon": (32, None, 256)},
}


def fargate_month(cpu, memory, arm=False, count=1):
    """USD a month for `count` tasks of a size at the Fargate On-Demand list prices (730 h)."""
    vcpu = float(FARGATE_PRICES["USE1-Fargate-ARM-vCPU-Hours:perCPU" if arm else "USE1-Fargate-vCPU-Hours:perCPU"])
    gb = float(FARGATE_PRICES["USE1-Fargate-ARM-GB-Hours" if arm else "USE1-Fargate-GB-Hours"])
    return (cpu / 1024 * vcpu + memory / 1024 * gb) * 730 * count


def seed_compute_optimizer(args, now):
    """ECSServiceRecommendation objects for the realistic fleet's Fargate services (see
    CO_FINDINGS), read off what moto holds (task definition, containers, desired count, tags) and
    posted as CANNED["ComputeOptimizer"] with the account opted in. Savings are the monthly price
    difference at Fargate's us-east-1 On-Demand list prices times the desired count; an upsizing
    saves nothing (0, not a negative amount)."""
    ecs = client("ecs", args.moto)
    refreshed = (now // HOUR - 24) * HOUR  # the daily refresh, a day ago
    recommendations = {}
    for cluster_arn in ecs.list_clusters()["clusterArns"]:
        cluster = cluster_arn.rsplit("/", 1)[-1]
        arns = ecs.list_services(cluster=cluster, maxResults=100)["serviceArns"]
        for i in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster, services=arns[i:i + 10])["services"]:
                key = f"{cluster}/{service['serviceName']}"
                if service.get("launchType") != "FARGATE" or key not in CO_FINDINGS:
                    continue
                recommendations[service["serviceArn"]] = co_recommendation(ecs, service, key, refreshed)
    missing = set(CO_FINDINGS) - {arn.split(":service/", 1)[1] for arn in recommendations}
    if missing:
        sys.exit(f"seed: Compute Optimizer findings for services that are not there: {sorted(missing)}")
    post(args.bridge + "/_bridge/canned",
         {"ComputeOptimizer": {"opted_in": True, "recommendations": recommendations, "errors": {}}})


def co_recommendation(ecs, service, key, refreshed):
    finding, reasons, rec_cpu, rec_memory, max_cpu, max_memory, risk, scaling = CO_FINDINGS[key]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    cpu, memory = int(definition["cpu"]), int(definition["memory"])
    arm = (definition.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64"
    count = service.get("desiredCount", 0)

    def memory_size(hard, soft):
        return {k: v for k, v in (("memory", hard), ("memoryReservation", soft)) if v}

    current_containers, recommended_containers = [], []
    for c in definition["containerDefinitions"]:
        c_cpu, hard, soft = c.get("cpu", 0), c.get("memory"), c.get("memoryReservation")
        current_containers.append({"containerName": c["name"], "memorySizeConfiguration": memory_size(hard, soft),
                                   "cpu": c_cpu})
        fixed = CO_CONTAINERS.get(key, {}).get(c["name"])
        if fixed:
            r_cpu, r_hard, r_soft = fixed
        else:
            r_cpu = c_cpu * rec_cpu // cpu
            r_hard = hard * rec_memory // memory if hard else None
            r_soft = soft * rec_memory // memory if soft else None
        recommended_containers.append({"containerName": c["name"], "memorySizeConfiguration": memory_size(r_hard, r_soft),
                                       "cpu": r_cpu})

    saved = max(0.0, fargate_month(cpu, memory, arm, count) - fargate_month(rec_cpu, rec_memory, arm, count))
    current_cost = fargate_month(cpu, memory, arm, count)
    savings = {"savingsOpportunityPercentage": round(100 * saved / current_cost, 2) if current_cost else 0.0,
               "estimatedMonthlySavings": {"currency": "USD", "value": round(saved, 2)}}

    def projected(name, peak, now_size, new_size):
        at = min(100.0, peak * now_size / new_size)
        return [{"name": name, "statistic": "Maximum", "lowerBoundValue": round(at * 0.85, 1),
                 "upperBoundValue": round(min(100.0, at * 1.1), 1)}]

    configuration = {"memory": memory, "cpu": cpu, "containerConfigurations": current_containers,
                     "taskDefinitionArn": definition["taskDefinitionArn"]}
    if scaling:
        configuration["autoScalingConfiguration"] = scaling
    try:
        tags = ecs.list_tags_for_resource(resourceArn=service["serviceArn"]).get("tags", [])
    except Exception:  # noqa: BLE001 - tags are an extra, not worth failing the seed over
        tags = []
    return {
        "serviceArn": service["serviceArn"],
        "accountId": service["serviceArn"].split(":")[4],
        "currentServiceConfiguration": configuration,
        "utilizationMetrics": [{"name": "Cpu", "statistic": "Maximum", "value": max_cpu},
                               {"name": "Memory", "statistic": "Maximum", "value": max_memory}],
        "lookbackPeriodInDays": 14.0,
        "launchType": "Fargate",
        "lastRefreshTimestamp": refreshed,
        "finding": finding,
        "findingReasonCodes": reasons,
        "serviceRecommendationOptions": [{
            "memory": rec_memory, "cpu": rec_cpu,
            "savingsOpportunity": savings,
            # No Savings Plans in the seeded account: the same as before discounts.
            "savingsOpportunityAfterDiscounts": json.loads(json.dumps(savings)),
            "projectedUtilizationMetrics": projected("Cpu", max_cpu, cpu, rec_cpu)
            + projected("Memory", max_memory, memory, rec_memory),
            "containerRecommendations": recommended_containers,
        }],
        "currentPerformanceRisk": risk,
        "effectiveRecommendationPreferences": {"savingsEstimationMode": {"source": "PublicPricing"}},
        "tags": tags,
    }

COST_SERVICES = [
    ("Amazon Elastic Container Service", 420.0), ("Amazon ElastiCache", 160.0),
    ("Amazon Relational Database Service", 310.0), ("Amazon Simple Storage Service", 55.0),
    ("Amazon CloudWatch", 38.0), ("AWS Data Transfer", 24.0),
]


def trail_event(now, ago, name, source, identity, agent, ip, params, region=REGION, read_only=False, extra=None):
    """One management event as LookupEvents returns it: CloudTrailEvent is the record, a JSON
    string, in the shape CloudTrail documents."""
    record = {
        "eventVersion": "1.11", "userIdentity": identity, "eventTime":
        dt.datetime.fromtimestamp(now - ago, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source, "eventName": name, "awsRegion": region, "sourceIPAddress": ip,
        "userAgent": agent, "requestParameters": params, "responseElements": None,
        "readOnly": read_only, "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall",
        "managementEvent": True, "recipientAccountId": "123456789012", **(extra or {}),
    }
    return {"EventId": f"{name}-{now - ago}-{ip}", "EventName": name, "ReadOnly": str(read_only).lower(),
            "EventTime": now - ago, "EventSource": source, "Username": identity.get("userName", ""),
            "CloudTrailEvent": json.dumps(record)}


def seed_cloudtrail(args, now, behind_alb):
    """CloudTrail (no moto backend): Terraform set web-api to 6 tasks two days ago; 90 minutes ago
    dana scaled it to 3 in the console (drift: Terraform owns it), and Terraform put 6 back 30
    minutes ago; reads that must not show. Console sign-ins in us-east-1: a month of alice at
    09:00 from the office, then six failures from a new address and a success from it."""
    terraform = "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.3"
    ci = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:ci", "arn": "arn:aws:sts::123456789012:assumed-role/terraform-ci/ci",
          "accountId": "123456789012", "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "terraform-ci"}}}
    dana = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:dana", "arn": "arn:aws:sts::123456789012:assumed-role/Admin/dana",
            "accountId": "123456789012", "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "Admin"}}}
    cluster = f"arn:aws:ecs:{REGION}:123456789012:cluster/prod-web"
    events = [
        trail_event(now, 2 * 86_400, "UpdateService", "ecs.amazonaws.com", ci, terraform, "198.51.100.10",
                    {"cluster": cluster, "service": "web-api", "desiredCount": 6}),
        trail_event(now, 90 * 60, "UpdateService", "ecs.amazonaws.com", dana, "console.amazonaws.com", "192.0.2.44",
                    {"cluster": cluster, "service": "web-api", "desiredCount": 3},
                    extra={"sessionCredentialFromConsole": "true"}),
        trail_event(now, 30 * 60, "UpdateService", "ecs.amazonaws.com", ci, terraform, "198.51.100.10",
                    {"cluster": cluster, "service": "web-api", "desiredCount": 6}),
        trail_event(now, 20 * 60, "DescribeServices", "ecs.amazonaws.com", dana, "console.amazonaws.com",
                    "192.0.2.44", {"cluster": cluster, "services": ["web-api"]}, read_only=True),
        # dana shortens web-api's health check by hand (its target group: the service's change).
        trail_event(now, 80 * 60, "ModifyTargetGroup", "elasticloadbalancing.amazonaws.com", dana,
                    "console.amazonaws.com", "192.0.2.44",
                    {"targetGroupArn": behind_alb["web-api"][0], "healthCheckPath": "/ping"}),
    ]
    # What AWS writes on its own all day: never shown.
    ecs_service = {"type": "AWSService", "invokedBy": "ecs.amazonaws.com"}
    for minutes in range(5, 300, 7):
        events.append(trail_event(now, minutes * 60, "SubmitTaskStateChange", "ecs.amazonaws.com", ecs_service,
                                  "ecs.amazonaws.com", "ecs.amazonaws.com", {"cluster": cluster, "status": "RUNNING"}))
        events.append(trail_event(now, minutes * 60 + 30, "RegisterTargets", "elasticloadbalancing.amazonaws.com",
                                  ecs_service, "ecs.amazonaws.com", "ecs.amazonaws.com",
                                  {"targetGroupArn": behind_alb["web-api"][0]}))
    alice = {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/alice",
             "accountId": "123456789012", "userName": "alice"}
    chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

    def login(ago, ip, agent, ok):
        return trail_event(now, ago, "ConsoleLogin", "signin.amazonaws.com", alice, agent, ip, None,
                           region="us-east-1",
                           extra={"responseElements": {"ConsoleLogin": "Success" if ok else "Failure"},
                                  "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                                          "MobileVersion": "No", "MFAUsed": "Yes"},
                                  **({} if ok else {"errorMessage": "Failed authentication"})})
    # The month before: alice at the office, at the same hour of the day as "now" minus 3 h.
    for day in range(1, 31):
        events.append(login(day * 86_400 + 3 * HOUR, "203.0.113.7", chrome, True))
    for i in range(6):
        events.append(login(60 * 60 - i * 90, "198.51.100.23", firefox, False))
    events.append(login(50 * 60, "198.51.100.23", firefox, True))
    post(args.bridge + "/_bridge/canned", {"LookupEvents": events})
    SEEDED_TRAIL[:] = events


# The web-api task whose lines the logs test reads.
LOG_TASK = "0123456789abcdef0123456789abcdef"


def seed_logs(args, now):
    """web-api's log group: requests, an error, and a line that leaks a password (the app must
    mask it); one line in another task's stream and one long line."""
    logs = client("logs", args.moto)
    group = "/ecs/web-api"
    logs.create_log_group(logGroupName=group)
    for task, lines in ((LOG_TASK, [
        (50, "INFO  GET /v1/orders 200 12ms"),
        (40, "INFO  connecting to db user=api password=hunter2-db-secret-value pool=10"),
        (35, "WARN  falling back to static key AKIAIOSFODNN7SEEDKEY"),
        (30, "ERROR upstream timed out after 3000ms (GET /v1/cart)"),
        (20, "INFO  GET /v1/orders 200 9ms"),
        (10, "DEBUG " + "x" * 3000),
    ]), ("fedcba9876543210fedcba9876543210", [(25, "INFO  GET /v1/health 200 1ms")])):
        stream = f"web-api/web-api/{task}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": (now - minutes * 60) * 1000, "message": m} for minutes, m in lines])


def seed_org_cost(args, accounts):
    """Cost Explorer as the payer sees an organization: 90 days grouped by LINKED_ACCOUNT then
    SERVICE (Keys [account id, service]), and each account's name in DimensionValueAttributes
    ("description"), as GetCostAndUsage answers with two group-bys. Each account's ECS cost is
    $10 a day times its position (team-01 $10, team-02 $20 …), so per-account totals are known."""
    today = dt.datetime.now(dt.timezone.utc).date()
    start = today - dt.timedelta(days=90)
    results = []
    for i in range(91):
        day = start + dt.timedelta(days=i)
        groups = []
        for n, (account, _name) in enumerate(accounts, start=1):
            for service, amount in (("Amazon Elastic Container Service", 10.0 * n), ("AmazonCloudWatch", 1.0)):
                groups.append({"Keys": [account, service],
                               "Metrics": {"AmortizedCost": {"Amount": f"{amount:.4f}", "Unit": "USD"}}})
        results.append({"TimePeriod": {"Start": day.isoformat(), "End": (day + dt.timedelta(days=1)).isoformat()},
                        "Total": {}, "Groups": groups, "Estimated": day >= today - dt.timedelta(days=1)})
    attributes = [{"Value": account, "Attributes": {"description": name}} for account, name in accounts]
    post(args.moto + "/moto-api/static/ce/cost-and-usage-results",
         {"results": [{"ResultsByTime": results, "DimensionValueAttributes": attributes}]})


def cost_by_usage_type(today):
    first = today.replace(day=1)
    start = (first - dt.timedelta(days=1)).replace(day=1)
    vcpu, gb = "USE1-Fargate-vCPU-Hours:perCPU", "USE1-Fargate-GB-Hours"

    def group(usage, record, amortized, unblended, quantity):
        return {"Keys": [usage, record], "Metrics": {
            "AmortizedCost": {"Amount": f"{amortized:.6f}", "Unit": "USD"},
            "UnblendedCost": {"Amount": f"{unblended:.6f}", "Unit": "USD"},
            "UsageQuantity": {"Amount": f"{quantity:.3f}", "Unit": "N/A"}}}
    covered = 1500 * 0.04048
    return {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}, {"Type": "DIMENSION", "Key": "RECORD_TYPE"}],
        "ResultsByTime": [{
            "TimePeriod": {"Start": start.isoformat(), "End": first.isoformat()}, "Total": {}, "Estimated": False,
            "Groups": [
                group(vcpu, "SavingsPlanCoveredUsage", covered * 0.8, covered, 1500),
                group(vcpu, "SavingsPlanNegation", 0.0, -covered, 0),
                group(vcpu, "Usage", 500 * 0.04048, 500 * 0.04048, 500),
                group(gb, "Usage", 6000 * 0.004445, 6000 * 0.004445, 6000),
                group("USE1-SpotUsage-Fargate-vCPU-Hours:perCPU", "Usage", 3.0, 3.0, 250),
            ],
        }],
        "DimensionValueAttributes": [],
    }


def elasticache_by_usage_type(today):
    """Last full month of ElastiCache: 720 h of a cache.r7g.large reserved in eu-west-1
    (DiscountedUsage, amortized $0.12 an hour, no On-Demand figure), 720 h of another On-Demand
    in us-east-1, and the reservation's fee row (not an hour's price)."""
    month = cost_by_usage_type(today)
    period = month["ResultsByTime"][0]["TimePeriod"]

    def group(usage, record, amortized, unblended, quantity):
        return {"Keys": [usage, record], "Metrics": {
            "AmortizedCost": {"Amount": f"{amortized:.6f}", "Unit": "USD"},
            "UnblendedCost": {"Amount": f"{unblended:.6f}", "Unit": "USD"},
            "UsageQuantity": {"Amount": f"{quantity:.3f}", "Unit": "Hrs"}}}
    return {
        "GroupDefinitions": month["GroupDefinitions"],
        "ResultsByTime": [{"TimePeriod": period, "Total": {}, "Estimated": False, "Groups": [
            group("EU-NodeUsage:cache.r7g.large", "DiscountedUsage", 720 * 0.12, 0.0, 720),
            group("NodeUsage:cache.r7g.large", "Usage", 720 * 0.219, 720 * 0.219, 720),
            group("HeavyUsage:cache.r7g.large", "RIFee", 12.0, 12.0, 0),
        ]}],
        "DimensionValueAttributes": [],
    }


def elasticache_reservation_utilization(today):
    """GetReservationUtilization for that month's ElastiCache reservation, as AWS shapes it
    (amounts as strings): 720 h used, which On-Demand in eu-west-1 ($0.24 an hour) would have
    cost $172.80."""
    period = elasticache_by_usage_type(today)["ResultsByTime"][0]["TimePeriod"]
    total = {"UtilizationPercentage": "100", "PurchasedHours": "720", "TotalActualHours": "720",
             "UnusedHours": "0", "OnDemandCostOfRIHoursUsed": f"{720 * 0.24:.2f}",
             "NetRISavings": f"{720 * (0.24 - 0.12):.2f}", "AmortizedUpfrontFee": "43.20",
             "AmortizedRecurringFee": "43.20", "TotalAmortizedFee": "86.40"}
    return {"UtilizationsByTime": [{"TimePeriod": period, "Groups": [], "Total": total}], "Total": total}


def seed_cost(args, now, rng):
    today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
    start = today - dt.timedelta(days=90)
    results = []
    spike_day = today - dt.timedelta(days=1)
    for i in range(91):
        day = start + dt.timedelta(days=i)
        groups = []
        for service, base in COST_SERVICES:
            amount = base * rng.uniform(0.9, 1.1)
            if day == spike_day and service == "Amazon CloudWatch":
                amount *= 4
            groups.append({"Keys": [service], "Metrics": {"AmortizedCost": {"Amount": f"{amount:.4f}", "Unit": "USD"}}})
        results.append({
            "TimePeriod": {"Start": day.isoformat(), "End": (day + dt.timedelta(days=1)).isoformat()},
            "Total": {}, "Groups": groups, "Estimated": day >= today - dt.timedelta(days=1),
        })
    post(args.moto + "/moto-api/static/ce/cost-and-usage-results",
         {"results": [{"ResultsByTime": results, "DimensionValueAttributes": []}]})
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    total = sum(b for _, b in COST_SERVICES) * (month_end - today).days
    post(args.bridge + "/_bridge/canned", {
        "GetCostForecast": {
            "Total": {"Amount": f"{total:.2f}", "Unit": "USD"},
            "ForecastResultsByTime": [{
                "TimePeriod": {"Start": today.isoformat(), "End": month_end.isoformat()},
                "MeanValue": f"{total:.2f}",
            }],
        },
        # Last full month of ECS by usage type and record type: a Compute Savings Plan covered
        # 1,500 vCPU-hours at a 20 % discount, 500 more ran On-Demand, memory all On-Demand
        # (Cost Explorer shapes: amounts as strings, Total empty with GroupBy).
        "CostByUsageType": {"Amazon Elastic Container Service": cost_by_usage_type(today),
                            "Amazon ElastiCache": elasticache_by_usage_type(today)},
        "ReservationUtilization": {"Amazon ElastiCache": elasticache_reservation_utilization(today)},
        "GetAnomalies": {"Anomalies": [{
            "AnomalyId": "anomaly-1", "AnomalyStartDate": spike_day.isoformat(),
            "AnomalyEndDate": spike_day.isoformat(), "DimensionValue": "Amazon CloudWatch",
            "RootCauses": [{"Service": "Amazon CloudWatch", "Region": REGION}],
            "AnomalyScore": {"MaxScore": 0.9, "CurrentScore": 0.8},
            "Impact": {"MaxImpact": 114.0, "TotalImpact": 114.0, "TotalActualSpend": 152.0,
                       "TotalExpectedSpend": 38.0},
            "MonitorArn": "arn:aws:ce::123456789012:anomalymonitor/seed",
        }]},
    })


def seed_scale(args):
    """N services spread over C clusters and R Redis groups: shapes only, for request counting."""
    ecs, ec2, ec = client("ecs", args.moto), client("ec2", args.moto), client("elasticache", args.moto)
    net, _ = network(ec2)
    families = [register(ecs, f"family-{i}", 512, 1024, [(f"app-{i}", 512, 1024, 512)]) for i in range(10)]
    for c in range(args.clusters):
        ecs.create_cluster(clusterName=f"cluster-{c:02}")
    for s in range(args.services):
        ecs.create_service(cluster=f"cluster-{s % args.clusters:02}", serviceName=f"svc-{s:04}",
                           taskDefinition=families[s % len(families)], desiredCount=1, launchType="FARGATE",
                           networkConfiguration=net)
    for r in range(args.redis):
        ec.create_replication_group(ReplicationGroupId=f"cache-{r:03}", ReplicationGroupDescription="scale",
                                    Engine="redis", CacheNodeType="cache.t4g.small", NumCacheClusters=1,
                                    CacheParameterGroupName="default.redis7")


def seed_org(args):
    """An AWS Organization: the management account (moto's 123456789012, nothing of its own to
    read) and args.accounts member accounts — team-01 … in an OU named prod, the last one named
    sandbox at the root — each with a cluster `prod` of args.services Fargate services, created
    through the role infradeck assumes (OrganizationAccountAccessRole). moto keeps resources per
    account and answers AssumeRole for any role, so a missing role is the bridge's fault
    injection (tests/aws_moto.rs)."""
    org = client("organizations", args.moto)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    sts = client("sts", args.moto)
    members = []
    for a in range(args.accounts):
        name = "sandbox" if a == args.accounts - 1 and args.accounts > 1 else f"team-{a + 1:02}"
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        account = status["AccountId"]
        members.append((account, name))
        if name != "sandbox":
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=prod)
        role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]

        def member_client(service, region, creds=creds):
            # boto3's default session, so the service models are loaded once, not per account
            # (a new Session per account was 0.2 s of CPU each: most of a 100-account seed).
            return boto3.client(service, endpoint_url=args.moto, config=BOTO, region_name=region,
                                aws_access_key_id=creds["AccessKeyId"],
                                aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"])

        for region in args.org_regions.split(","):
            ecs = member_client("ecs", region)
            ec2 = member_client("ec2", region)
            net, _ = network(ec2, region)
            family = register(ecs, f"{name}-app", 512, 1024, [("app", 512, 1024, 512)])
            ecs.create_cluster(clusterName="prod")
            for s in range(args.services):
                ecs.create_service(cluster="prod", serviceName=f"svc-{s:02}", taskDefinition=family,
                                   desiredCount=1, launchType="FARGATE", networkConfiguration=net)
            # svc-00's CPU in this account: 10 × the account's number (sandbox: 99), so a test
            # can tell which account's CloudWatch answered.
            cpu = 99.0 if name == "sandbox" else 10.0 * (a + 1)
            cw = member_client("cloudwatch", region)
            now = dt.datetime.now(dt.timezone.utc)
            cw.put_metric_data(Namespace="AWS/ECS", MetricData=[
                {"MetricName": "CPUUtilization", "Timestamp": now - dt.timedelta(minutes=m), "Value": cpu,
                 "Dimensions": [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "svc-00"}]}
                for m in range(1, 6)])
    seed_org_cost(args, members)
    if args.monitoring:
        seed_monitoring(args, members)


def seed_monitoring(args, members):
    """CloudWatch cross-account observability: the account named args.monitoring has a sink in
    each region, and every other account but sandbox (the management account included) is
    linked to it sharing metrics and log groups. moto has no OAM: the bridge answers ListSinks /
    ListAttachedLinks from this, and routes GetMetricData queries that name a linked AccountId
    to that account's data."""
    monitoring = next(account for account, name in members if name == args.monitoring)
    sources = [("123456789012", "master")] + [(a, n) for a, n in members if n not in ("sandbox", args.monitoring)]
    links = [{"account": a, "label": n, "types": ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup"]} for a, n in sources]
    post(args.bridge + "/_bridge/canned", {"Oam": {monitoring: {
        region: {"sink": "infradeck-sink", "links": links} for region in args.org_regions.split(",")}}})


def seed_month(args):
    """A month of history with a known review (tests/review.rs asserts it): search deployed
    three times by the pipeline — day -20 fine; day -10 followed 7 min later by search-cpu-high,
    OK 20 min after; day -3 rolled back by dana in the console 25 min later — and
    queue-worker-memory flapping: six 4-minute ALARMs, nights of days -13 to -8 (CloudWatch keeps
    two weeks of alarm history). EventBridge's task state changes in /aws/events/ecs-tasks: seven
    queue-worker OOM kills, a search health-check stop, and events that are not a stop (a task
    still stopping, a running one) — within two weeks: PutLogEvents refuses older events, in
    moto as in AWS (EventBridge itself writes each as it happens)."""
    now = int(dt.datetime.now(dt.timezone.utc).timestamp()) // 60 * 60
    day = 86_400
    ci = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:ci",
          "arn": "arn:aws:sts::123456789012:assumed-role/terraform-ci/ci", "accountId": "123456789012",
          "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "terraform-ci"}}}
    dana = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:dana",
            "arn": "arn:aws:sts::123456789012:assumed-role/Admin/dana", "accountId": "123456789012",
            "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "Admin"}}}
    terraform = "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0"
    cluster = f"arn:aws:ecs:{REGION}:123456789012:cluster/prod-web"

    def deploy(ago, revision, who, agent, ip, extra=None):
        definition = f"arn:aws:ecs:{REGION}:123456789012:task-definition/search-month:{revision}"
        return trail_event(now, ago, "UpdateService", "ecs.amazonaws.com", who, agent, ip,
                           {"cluster": cluster, "service": "search", "taskDefinition": definition}, extra=extra)
    events = [
        deploy(20 * day, 1, ci, terraform, "198.51.100.10"),
        deploy(10 * day, 2, ci, terraform, "198.51.100.10"),
        deploy(3 * day, 3, ci, terraform, "198.51.100.10"),
        deploy(3 * day - 25 * 60, 2, dana, "console.amazonaws.com", "192.0.2.44",
               extra={"sessionCredentialFromConsole": "true"}),
    ]
    post(args.bridge + "/_bridge/canned", {"LookupEvents": SEEDED_TRAIL + events})

    def change(name, at, old, new):
        return {"AlarmName": name, "AlarmType": "MetricAlarm", "HistoryItemType": "StateUpdate", "Timestamp": at,
                "HistorySummary": f"Alarm updated from {old} to {new}",
                "HistoryData": json.dumps({"oldState": {"stateValue": old}, "newState": {"stateValue": new}})}
    history = [change("search-cpu-high", now - 10 * day + 7 * 60, "OK", "ALARM"),
               change("search-cpu-high", now - 10 * day + 27 * 60, "ALARM", "OK")]
    for d in range(8, 14):
        history.append(change("queue-worker-memory", now - d * day, "OK", "ALARM"))
        history.append(change("queue-worker-memory", now - d * day + 4 * 60, "ALARM", "OK"))
    post(args.bridge + "/_bridge/canned", {"DescribeAlarmHistory": SEEDED_HISTORY + history})

    logs = client("logs", args.moto)
    group, stream = "/aws/events/ecs-tasks", "events"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)

    def task_event(ago, cluster, service, last, reason, container, exit_code, container_reason=None):
        at = dt.datetime.fromtimestamp(now - ago, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        task = f"arn:aws:ecs:{REGION}:123456789012:task/{cluster}/{hashlib.md5(str(ago).encode()).hexdigest()}"
        body = {"version": "0", "id": f"ev-{ago}", "detail-type": "ECS Task State Change", "source": "aws.ecs",
                "account": "123456789012", "time": at, "region": REGION, "resources": [task],
                "detail": {"clusterArn": f"arn:aws:ecs:{REGION}:123456789012:cluster/{cluster}",
                           "containers": [{"name": container, "exitCode": exit_code, "lastStatus": last,
                                           **({"reason": container_reason} if container_reason else {})}],
                           "desiredStatus": "STOPPED", "group": f"service:{service}", "lastStatus": last,
                           "stoppedReason": reason, "taskArn": task, "createdAt": at,
                           **({"stoppedAt": at} if last == "STOPPED" else {})}}
        return {"timestamp": (now - ago) * 1000, "message": json.dumps(body)}
    oom = "OutOfMemoryError: Container killed due to memory usage"
    events = [task_event(d * day + 3_600, "prod-workers", "queue-worker", "STOPPED",
                         "Essential container in task exited", "worker", 137, oom) for d in range(1, 14, 2)]
    events.append(task_event(10 * day - 12 * 60, "prod-web", "search", "STOPPED",
                             "Task failed ELB health checks in (target-group search-tg)", "search", None))
    events.append(task_event(5 * day, "prod-web", "search", "RUNNING", "Scaling activity", "search", None))
    events.append(task_event(4 * day, "prod-web", "web-api", "DEACTIVATING", "Scaling activity", "web", None))
    events.sort(key=lambda e: e["timestamp"])
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def main():
    parser = argparse.ArgumentParser(description="seed moto_server with an estate for infradeck")
    parser.add_argument("--moto", required=True, help="moto_server URL")
    parser.add_argument("--bridge", required=True, help="moto_bridge.py URL (for canned answers)")
    parser.add_argument("--fleet", choices=["realistic", "scale", "org"], default="realistic")
    parser.add_argument("--accounts", type=int, default=3, help="member accounts (--fleet org)")
    parser.add_argument("--org-regions", default=REGION, help="regions each member account has services in")
    parser.add_argument("--monitoring", help="--fleet org: this member account (by name) is a CloudWatch "
                                             "cross-account observability monitoring account")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--redis", type=int, default=100)
    parser.add_argument("--month", action="store_true", help="add a month of history (the review's)")
    args = parser.parse_args()
    args.moto, args.bridge = args.moto.rstrip("/"), args.bridge.rstrip("/")
    {"realistic": seed_realistic, "scale": seed_scale, "org": seed_org}[args.fleet](args)
    if args.month:
        seed_month(args)
    print(f"seeded {args.fleet} fleet into {args.moto}")


if __name__ == "__main__":
    main()
