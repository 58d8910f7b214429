#!/usr/bin/env python3
"""Least privilege, checked against what AWS documents, not only against what moto saw.

moto enforces no IAM, so the operations recorded during the test run (scripts/moto_bridge.py
--record) only prove which operations infradeck sends. This script also holds a table of every
operation infradeck can send and what AWS documents each one needs beyond itself (tag-on-create
and iam:PassRole for RegisterTaskDefinition), with the conditions a least-privilege policy puts
on them, and checks iam/apply.json and iam/read-only.json against that table:

- every operation in the table is allowed by apply.json, reads by read-only.json too;
- each documented extra permission is allowed, and only under its documented condition;
- every recorded operation is in the table (a new call must be added here, with its needs);
- read-only.json allows no write and no wildcard.

Usage: python3 scripts/check_iam.py RECORD_DIR [--require-records]
"""
import fnmatch
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
WRITE_PREFIXES = ("Register", "Update", "Modify", "Create", "Delete", "Put", "Tag", "Untag", "Pass", "Start", "Stop",
                  "Execute", "Terminate")

# Every operation infradeck sends → the extra permissions AWS documents for it, each with the
# condition that keeps it narrow (None: none needed) and where AWS says so.
READS = [
    "ecs:ListClusters", "ecs:DescribeClusters", "ecs:ListServices", "ecs:DescribeServices", "ecs:ListTasks",
    "ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "ecs:ListTagsForResource",
    "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters",
    "elasticache:DescribeCacheParameters", "elasticache:DescribeServerlessCaches", "elasticache:DescribeEvents",
    "elasticache:ListAllowedNodeTypeModifications", "elasticache:ListTagsForResource",
    "cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory",
    "ce:GetCostAndUsage", "ce:GetCostForecast", "ce:GetAnomalies", "ce:GetReservationUtilization",
    "pricing:GetProducts", "compute-optimizer:GetECSServiceRecommendations", "sts:GetCallerIdentity", "cloudtrail:LookupEvents",
    "logs:FilterLogEvents",
]
# With --org, the caller (management account or delegated administrator) lists the accounts and
# assumes the member role: iam/org-caller.json (the member role itself carries read-only.json or
# apply.json, and trusts the caller: iam/org-member-trust.json).
ORG_READS = [
    "organizations:ListRoots", "organizations:DescribeOrganizationalUnit", "organizations:ListParents",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent", "sts:AssumeRole",
]
# With --monitoring-account, the role in the monitoring account (read-only.json or apply.json:
# GetMetricData) also lists its sinks and their links: iam/org-monitoring.json.
MONITORING_READS = ["oam:ListSinks", "oam:ListAttachedLinks"]
WRITES = {
    # A resize registers a copy of the task definition with its tags and its task/execution roles.
    "ecs:RegisterTaskDefinition": [
        # "Grant permission to tag resources on creation" (Amazon ECS developer guide): creating a
        # tagged resource fails without ecs:TagResource; ecs:CreateAction narrows it to creation.
        ("ecs:TagResource", {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
         "tags carried to the new revision (tag on create)"),
        # Passing a role to a service needs iam:PassRole (IAM user guide, id_roles_use_passrole);
        # only to ECS tasks.
        ("iam:PassRole", {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
         "taskRoleArn and executionRoleArn carried to the new revision"),
    ],
    "ecs:UpdateService": [],
    "elasticache:ModifyReplicationGroup": [],
    # A shell in a container (ECS Exec). With a KMS key in the cluster's exec configuration AWS
    # also wants kms:GenerateDataKey on that key: said in README, not granted by default.
    "ecs:ExecuteCommand": [],
    # The tasks view's actions: restart, desired count and enable exec are UpdateService; a
    # stopped task is StopTask.
    "ecs:StopTask": [],
    # A port forward to a task's container (or through it to a host it reaches): Session Manager.
    # - StartSession is authorized on the target and on the session document named in the
    #   request ("Start a session with a document by specifying the session documents in IAM
    #   policies", Systems Manager user guide, getting-started-specify-session-document: without
    #   the document the request fails). The target of an ECS container is its task
    #   (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/TASK_ID; ssm:StartSession's resource types are
    #   listed in the Service Authorization Reference, list_awssystemsmanager — its row could not
    #   be read in full when this was written: check it there), so apply.json allows the task ARNs
    #   and the two AWS port forwarding documents (AWS-owned documents: the account is left `*`).
    # - TerminateSession is authorized on the session, arn:aws:ssm:REGION:ACCOUNT:session/SESSION_ID,
    #   where the id begins with the caller's name ("About session ID ARN formats",
    #   session-manager-getting-started-restrict-access: session/JohnDoe-1a2b3c4d5eEXAMPLE). AWS's
    #   own examples let a user end only their own sessions (getting-started-restrict-access-examples,
    #   examples 1-2): IAM users with Resource arn:aws:ssm:*:*:session/${aws:username}-*. Federated
    #   and assumed-role callers (SSO) have no aws:username; the same page's "Example 4: Allow a
    #   user to end only sessions they started" covers them with the tag Session Manager puts on
    #   every session, ssm:resourceTag/aws:ssmmessages:session-id, matched against ${aws:userid}
    #   (the form used in published policies; the example's own text could not be read in full
    #   here).
    #   Note: a Resource of session/${aws:userid}-* matches neither: aws:userid is AIDA… for an
    #   IAM user and AROA…:role-session-name for a role, while the session id is the user name
    #   or the role session name followed by "-" (re:Post "Policy variable for IAM Identity
    #   Center user" reports it denied). apply.json carries both documented forms.
    "ssm:StartSession": [],
    "ssm:TerminateSession": [],
}


def statements(policy_file):
    policy = json.loads((ROOT / "iam" / policy_file).read_text())
    out = []
    for s in policy["Statement"]:
        if s["Effect"] != "Allow":
            continue
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        out.append((actions, s.get("Condition")))
    return out


def allowing(stmts, op):
    """The statements that allow `op` (their conditions)."""
    return [cond for actions, cond in stmts if any(fnmatch.fnmatchcase(op.lower(), a.lower()) for a in actions)]


def condition_holds(cond, wanted):
    """`cond` (a policy Condition) carries `wanted`'s key with its value."""
    if not cond:
        return False
    for operator, pairs in wanted.items():
        for key, value in pairs.items():
            got = cond.get(operator, {}).get(key)
            values = got if isinstance(got, list) else [got]
            if value not in values:
                return False
    return True


def check_policies():
    problems = []
    read_only, apply = statements("read-only.json"), statements("apply.json")
    for op in READS:
        for name, stmts in (("read-only.json", read_only), ("apply.json", apply)):
            if not allowing(stmts, op):
                problems.append(f"{op} is not allowed by iam/{name}")
    # The organization's read-only policies: each allows its reads and nothing that writes.
    for name, ops in (("org-caller.json", ORG_READS), ("org-monitoring.json", MONITORING_READS)):
        stmts = statements(name)
        for op in ops:
            if not allowing(stmts, op):
                problems.append(f"{op} is not allowed by iam/{name}")
        for actions, _ in stmts:
            bad = [a for a in actions if "*" in a or a.split(":", 1)[1].startswith(WRITE_PREFIXES)]
            if bad:
                problems.append(f"iam/{name} allows writes or wildcards: {bad}")
    for op, extras in WRITES.items():
        if not allowing(apply, op):
            problems.append(f"{op} is not allowed by iam/apply.json")
        for action, condition, why in extras:
            conds = allowing(apply, action)
            if not conds:
                problems.append(f"{op} needs {action} ({why}): not allowed by iam/apply.json")
            elif not all(condition_holds(c, condition) for c in conds):
                problems.append(f"{action} is allowed in iam/apply.json without the condition {condition} ({why})")
    for actions, _ in read_only:
        bad = [a for a in actions if "*" in a or a.split(":", 1)[1].startswith(WRITE_PREFIXES)]
        if bad:
            problems.append(f"iam/read-only.json allows writes or wildcards: {bad}")
    return problems


def main():
    record_dir = pathlib.Path(sys.argv[1])
    require = "--require-records" in sys.argv
    problems = check_policies()
    known = set(READS) | set(WRITES) | set(ORG_READS) | set(MONITORING_READS)
    logs = sorted(record_dir.glob("*.log")) if record_dir.is_dir() else []
    seen = {}
    for log in logs:
        if log.stem.startswith("test-"):
            continue  # a test's own setup calls (deregistering a revision to roll back to), not infradeck's
        ops = {line.strip() for line in log.read_text().splitlines() if line.strip()}
        seen[log.stem] = ops
        for op in sorted(ops - known):
            problems.append(f"{op} (sent in {log.stem} runs) is not in scripts/check_iam.py's table: "
                            "add it with what AWS documents it needs")
        if log.stem == "read-only":
            for op in sorted(ops & set(WRITES)):
                problems.append(f"{op} was sent in a read-only run")
    every = set().union(*seen.values()) if seen else set()
    if require and not every:
        problems.append(f"no operations recorded in {record_dir}: did the moto tests run?")
    if require and "read-only" not in seen:
        problems.append("no read-only run was recorded (tests/aws_moto.rs labels one)")
    for op in sorted(every):
        print(f"  {op}")
    if problems:
        print("check_iam: FAILED", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"check_iam: {len(known)} operations in the table, each allowed with what AWS documents it needs; "
          f"{len(every)} sent by infradeck in the tests, {len(seen.get('read-only', ()))} in read-only runs")


if __name__ == "__main__":
    main()
