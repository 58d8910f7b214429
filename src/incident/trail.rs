//! CloudTrail records as the timeline reads them: who changed what (by hand, by a pipeline, by
//! infrastructure as code), and console sign-ins. Pure functions of the record CloudTrail keeps
//! (the `CloudTrailEvent` JSON string LookupEvents returns), so the AWS provider, the test
//! bridge and the tests agree on one reading.

use crate::domain::trail::{Actor, ApiChange, SignIn, Via};
use crate::domain::{EventKind, ResourceRef, Severity, TimelineEvent};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One record, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Change(Box<ApiChange>),
    SignIn(SignIn),
}

/// How a call reached AWS. Order matters: Terraform's agent names the Go SDK it is built on, the
/// CLI's names botocore.
pub fn via(user_agent: &str, invoked_by: Option<&str>, source_ip: &str, from_console: bool) -> Via {
    let ua = user_agent.to_ascii_lowercase();
    let service = |s: &str| s.trim_end_matches(".amazonaws.com").to_string();
    if ua.contains("cloudformation.amazonaws.com")
        || source_ip == "cloudformation.amazonaws.com"
        || invoked_by == Some("cloudformation.amazonaws.com")
    {
        return Via::CloudFormation;
    }
    if ua.contains("terraform/") || ua.contains("hashicorp") {
        return Via::Terraform;
    }
    if from_console
        || ua.contains("console.amazonaws.com")
        || ua.contains("signin.amazonaws.com")
        || ua.starts_with("mozilla/")
    {
        return Via::Console;
    }
    if ua.starts_with("aws-cli/") {
        return Via::Cli;
    }
    for (needle, name) in [
        ("boto3/", "Boto3"),
        ("aws-sdk-java", "aws-sdk-java"),
        ("aws-sdk-go", "aws-sdk-go"),
        ("aws-sdk-js", "aws-sdk-js"),
        ("aws-sdk-rust", "aws-sdk-rust"),
        ("aws-sdk-dotnet", "aws-sdk-dotnet"),
        ("aws-sdk-ruby", "aws-sdk-ruby"),
        ("aws-sdk-php", "aws-sdk-php"),
        ("botocore/", "botocore"),
        ("infradeck", "infradeck"),
    ] {
        if ua.contains(needle) {
            return Via::Sdk(name.into());
        }
    }
    if let Some(by) = invoked_by.filter(|b| b.ends_with(".amazonaws.com")) {
        return Via::Service(service(by));
    }
    if source_ip.ends_with(".amazonaws.com") {
        return Via::Service(service(source_ip));
    }
    if ua.ends_with(".amazonaws.com") || ua == "aws internal" {
        return Via::Service(service(&ua));
    }
    Via::Unknown
}

/// `v[key]`, or failing that the key in another case: request parameters are camelCase for most
/// services but PascalCase in some (Application Auto Scaling's API is).
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).or_else(|| v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| field(v, k))?.as_str()
}

/// The last part of an ARN or a path ("arn:…:service/prod/orders" → "orders").
fn last_segment(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

/// The identity as a person reads it: an IAM user's name, "Role/session" for an assumed role,
/// "root", the calling service.
fn identity(user: &Value) -> (String, bool) {
    let kind = text(user, &["type"]).unwrap_or("");
    let name = match kind {
        "Root" => return ("root".into(), true),
        "IAMUser" => text(user, &["userName"]).map(str::to_string),
        "AssumedRole" => {
            let role = text(user, &["sessionContext", "sessionIssuer", "userName"]);
            let session = text(user, &["arn"]).map(last_segment);
            match (role, session) {
                (Some(r), Some(s)) => Some(format!("{r}/{s}")),
                (r, s) => r.or(s).map(str::to_string),
            }
        }
        "AWSService" => text(user, &["invokedBy"]).map(str::to_string),
        _ => text(user, &["userName"]).or_else(|| text(user, &["arn"]).map(last_segment)).map(str::to_string),
    };
    let name = name.or_else(|| text(user, &["principalId"]).map(str::to_string)).unwrap_or_else(|| "unknown".into());
    if name == "HIDDEN_DUE_TO_SECURITY_REASONS" { ("unknown user".into(), false) } else { (name, false) }
}

/// The ECS cluster and service a request names (either may be an ARN; no cluster is "default").
fn ecs_service(params: &Value) -> Option<ResourceRef> {
    let service = text(params, &["service"]).or_else(|| text(params, &["serviceName"]))?;
    let cluster = text(params, &["cluster"]).map_or("default", last_segment);
    Some(ResourceRef::EcsService { cluster: cluster.into(), service: last_segment(service).into() })
}

/// Request parameters worth a line, as "name → value", in this order.
const FIELDS: [&str; 14] = [
    "desiredCount",
    "taskDefinition",
    "forceNewDeployment",
    "cpu",
    "memory",
    "cacheNodeType",
    "newReplicaCount",
    "numNodeGroups",
    "threshold",
    "evaluationPeriods",
    "minCapacity",
    "maxCapacity",
    "healthCheckPath",
    "engineVersion",
];

fn changed(params: &Value) -> Vec<String> {
    let mut out: Vec<String> = FIELDS
        .iter()
        .filter_map(|f| {
            let v = field(params, f)?;
            let shown = match v {
                // An ARN by its name ("…:task-definition/orders:27" → "orders:27"); text as is.
                Value::String(s) if s.starts_with("arn:") => s.rsplit('/').next().unwrap_or(s).to_string(),
                Value::String(s) => s.clone(),
                Value::Null => return None,
                other => other.to_string(),
            };
            Some(format!("{f} → {shown}"))
        })
        .collect();
    let tracking = field(params, "targetTrackingScalingPolicyConfiguration");
    if let Some(target) = tracking.and_then(|t| field(t, "targetValue")).filter(|v| !v.is_null()) {
        out.push(format!("targetValue → {target}"));
    }
    out
}

/// The resource a change is to: one in view where it maps to one, else a name to show.
fn resource_of(source: &str, event: &str, params: &Value) -> (Option<ResourceRef>, String) {
    let named = |r: Option<ResourceRef>| {
        let name = r.as_ref().map(|r| r.to_string()).unwrap_or_default();
        (r, name)
    };
    match source {
        "ecs" if event == "RegisterTaskDefinition" => {
            (None, format!("task definition {}", text(params, &["family"]).unwrap_or("?")))
        }
        "ecs" => named(ecs_service(params)),
        "elasticache" => {
            let group = text(params, &["replicationGroupId"]).or_else(|| text(params, &["cacheClusterId"]));
            named(group.map(|g| ResourceRef::CacheGroup(g.into())))
        }
        "monitoring" => {
            let alarm = text(params, &["alarmName"]).or_else(|| field(params, "alarmNames")?.get(0)?.as_str());
            named(alarm.map(|a| ResourceRef::Alarm(a.into())))
        }
        "application-autoscaling" => {
            // "service/prod-core/orders"
            let id = text(params, &["resourceId"]).unwrap_or("");
            let parts: Vec<&str> = id.split('/').collect();
            match parts.as_slice() {
                ["service", cluster, service] => {
                    named(Some(ResourceRef::EcsService { cluster: (*cluster).into(), service: (*service).into() }))
                }
                _ => (None, id.to_string()),
            }
        }
        _ => {
            let arn =
                ["targetGroupArn", "listenerArn", "ruleArn", "loadBalancerArn"].iter().find_map(|k| text(params, &[k]));
            // "…:targetgroup/orders-tg/6d0ecf831eec9f09" → "targetgroup/orders-tg" (names are
            // unique in a region); listeners, rules and load balancers keep their whole path
            // ("listener/app/prod-alb/50dc…/f2f7…"), so two never read as one.
            let name = arn.map_or(String::new(), |a| {
                let path = a.rsplit(':').next().unwrap_or(a);
                if path.starts_with("targetgroup/") {
                    path.split('/').take(2).collect::<Vec<_>>().join("/")
                } else {
                    path.to_string()
                }
            });
            (None, name)
        }
    }
}

/// The writes the timeline shows: changes people and pipelines make to what is in view. Not the
/// writes AWS makes on its own all day (the ECS agent's SubmitTaskStateChange, ECS registering
/// targets during a deployment), which would bury them.
pub fn shown(service: &str, event: &str) -> bool {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| event.starts_with(p));
    match service {
        "ecs" => matches!(
            event,
            "CreateService" | "UpdateService" | "DeleteService" | "RegisterTaskDefinition" | "DeregisterTaskDefinition"
        ),
        "elasticache" => {
            starts(&["Modify", "Reboot", "Create", "Delete"])
                || matches!(event, "TestFailover" | "IncreaseReplicaCount" | "DecreaseReplicaCount")
        }
        "monitoring" => {
            matches!(event, "PutMetricAlarm" | "DeleteAlarms" | "DisableAlarmActions" | "EnableAlarmActions")
        }
        "application-autoscaling" => matches!(
            event,
            "PutScalingPolicy" | "DeleteScalingPolicy" | "RegisterScalableTarget" | "DeregisterScalableTarget"
        ),
        "elasticloadbalancing" => starts(&["Modify", "CreateRule", "DeleteRule", "SetRulePriorities"]),
        _ => false,
    }
}

/// Read one record (`CloudTrailEvent`). None for what the timeline does not show: reads, and
/// records it cannot parse (counted by the caller, never a panic).
pub fn parse(record: &str) -> Option<Record> {
    let v: Value = serde_json::from_str(record).ok()?;
    let time: DateTime<Utc> = text(&v, &["eventTime"])?.parse().ok()?;
    let event = text(&v, &["eventName"])?.to_string();
    let user = v.get("userIdentity").cloned().unwrap_or(Value::Null);
    let (who, root) = identity(&user);
    let source_ip = text(&v, &["sourceIPAddress"]).unwrap_or("").to_string();
    // Some records wrap the agent in brackets ("[aws-cli/1.11.10 …]").
    let user_agent = text(&v, &["userAgent"]).unwrap_or("").trim_matches(['[', ']']).to_string();
    if event == "ConsoleLogin" {
        let result = text(&v, &["responseElements", "ConsoleLogin"]).unwrap_or("");
        return Some(Record::SignIn(SignIn {
            time,
            user: who,
            root,
            success: result == "Success" && v.get("errorMessage").is_none(),
            mfa: text(&v, &["additionalEventData", "MFAUsed"]) == Some("Yes"),
            federated: matches!(
                text(&user, &["type"]),
                Some("AssumedRole" | "FederatedUser" | "IdentityCenterUser" | "SAMLUser" | "WebIdentityUser")
            ),
            source_ip,
            user_agent,
        }));
    }
    if v.get("readOnly").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let source = text(&v, &["eventSource"])?.trim_end_matches(".amazonaws.com").to_string();
    let params = v.get("requestParameters").cloned().unwrap_or(Value::Null);
    let from_console = text(&v, &["sessionCredentialFromConsole"]) == Some("true");
    let invoked_by = text(&user, &["invokedBy"]);
    let (resource, resource_name) = resource_of(&source, &event, &params);
    Some(Record::Change(Box::new(ApiChange {
        time,
        changed: changed(&params),
        event_name: event,
        service: source,
        resource,
        resource_name,
        actor: Actor { identity: who, root, via: via(&user_agent, invoked_by, &source_ip, from_console), source_ip },
        error: text(&v, &["errorCode"]).map(str::to_string),
        drift: None,
    })))
}

/// Fill in what each field was before ("desiredCount → 2" becomes "desiredCount 10 → 2") from
/// the change before it to the same resource, and mark hand changes to resources that
/// infrastructure as code owns: `owner` knows it from tags, or an earlier change by
/// CloudFormation or Terraform in `changes` shows it. Oldest first.
pub fn annotate(changes: &mut [ApiChange], owner: impl Fn(&ResourceRef) -> Option<String>) {
    changes.sort_by_key(|c| c.time);
    let mut last: std::collections::HashMap<(String, String), String> = Default::default();
    let mut coded: std::collections::HashMap<String, String> = Default::default();
    for c in changes.iter_mut() {
        let key = c.resource.as_ref().map_or(c.resource_name.clone(), |r| r.to_string());
        if c.actor.via.as_code() && c.error.is_none() {
            coded.insert(key.clone(), c.actor.via.label());
        }
        for line in &mut c.changed {
            let Some((field, after)) = line.split_once(" → ") else { continue };
            let (field, after) = (field.to_string(), after.to_string());
            if let Some(before) = last.get(&(key.clone(), field.clone())).filter(|b| **b != after) {
                *line = format!("{field} {before} → {after}");
            }
            if c.error.is_none() {
                last.insert((key.clone(), field), after);
            }
        }
        if c.actor.via.by_hand() && c.error.is_none() {
            c.drift = c
                .resource
                .as_ref()
                .and_then(&owner)
                .or_else(|| coded.get(&key).map(|by| format!("{by} (its earlier changes)")));
        }
    }
}

/// A change as a timeline row: what, by whom and how, and the drift it is.
/// "UpdateService desiredCount 4 → 2 · by Admin/alice (console, 203.0.113.7) · drift: by hand
/// on what CloudFormation stack prod-core-orders owns".
pub fn change_event(c: &ApiChange) -> TimelineEvent {
    let what = if c.changed.is_empty() { String::new() } else { format!(" {}", c.changed.join(", ")) };
    let on = if c.resource.is_none() && !c.resource_name.is_empty() {
        format!(" on {}", c.resource_name)
    } else {
        String::new()
    };
    let failed = c.error.as_ref().map_or(String::new(), |e| format!(" · failed: {e}"));
    let drift = c.drift.as_ref().map_or(String::new(), |d| format!(" · DRIFT: by hand on what {d} owns"));
    let severity = if c.drift.is_some() || c.actor.root { Severity::Warn } else { Severity::Info };
    TimelineEvent::new(c.time, EventKind::Api, severity, c.resource.clone()).summary(format!(
        "{}{what}{on} · by {}{failed}{drift}",
        c.event_name,
        c.actor.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record in the shape CloudTrail documents for UpdateService from the console.
    const CONSOLE_SCALE_DOWN: &str = r#"{
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:alice",
            "arn": "arn:aws:sts::123456789012:assumed-role/Admin/alice", "accountId": "123456789012",
            "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "Admin",
                "arn": "arn:aws:iam::123456789012:role/Admin"}}},
        "eventTime": "2026-11-18T13:10:00Z", "eventSource": "ecs.amazonaws.com",
        "eventName": "UpdateService", "awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.7",
        "userAgent": "console.amazonaws.com",
        "requestParameters": {"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-core",
            "service": "orders", "desiredCount": 2},
        "responseElements": {"service": {"serviceName": "orders"}},
        "readOnly": false, "eventType": "AwsApiCall", "sessionCredentialFromConsole": "true"
    }"#;

    #[test]
    fn a_console_change_says_who_how_from_where_and_what() {
        let Some(Record::Change(c)) = parse(CONSOLE_SCALE_DOWN) else { panic!("a change") };
        assert_eq!(c.event_name, "UpdateService");
        assert_eq!(c.resource, Some(ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() }));
        assert_eq!(c.actor.describe(), "Admin/alice (console, 203.0.113.7)");
        assert_eq!(c.changed, ["desiredCount → 2"]);
        let deploy = CONSOLE_SCALE_DOWN.replace(
            r#""desiredCount": 2"#,
            r#""taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/orders:27", "healthCheckPath": "/ping""#,
        );
        let Some(Record::Change(c)) = parse(&deploy) else { panic!("a change") };
        assert_eq!(c.changed, ["taskDefinition → orders:27", "healthCheckPath → /ping"]);
    }

    #[test]
    fn the_user_agent_says_how_a_change_was_made() {
        assert_eq!(
            via(
                "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/ecs.update-service",
                None,
                "198.51.100.4",
                false
            ),
            Via::Cli
        );
        assert_eq!(
            via(
                "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.3",
                None,
                "198.51.100.4",
                false
            ),
            Via::Terraform
        );
        assert_eq!(
            via(
                "cloudformation.amazonaws.com",
                Some("cloudformation.amazonaws.com"),
                "cloudformation.amazonaws.com",
                false
            ),
            Via::CloudFormation
        );
        assert_eq!(
            via("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux", None, "10.0.0.5", false),
            Via::Sdk("Boto3".into())
        );
        assert_eq!(
            via(
                "ecs.application-autoscaling.amazonaws.com",
                Some("application-autoscaling.amazonaws.com"),
                "application-autoscaling.amazonaws.com",
                false
            ),
            Via::Service("application-autoscaling".into())
        );
        assert_eq!(via("AWS Internal", None, "AWS Internal", true), Via::Console, "the console's own calls");
        // AWS documents these two for the console: an IAM user's and the root user's.
        assert_eq!(via("signin.amazonaws.com", None, "203.0.113.7", false), Via::Console);
        assert_eq!(via("console.amazonaws.com", None, "203.0.113.7", false), Via::Console);
    }

    fn signin(result: &str, mfa: &str, user: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE",
            "arn":"arn:aws:iam::123456789012:user/{user}","accountId":"123456789012","userName":"{user}"}},
            "eventTime":"2026-11-18T03:12:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",
            "awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0 (X11; Linux x86_64)",
            "requestParameters":null,"responseElements":{{"ConsoleLogin":"{result}"}},
            "additionalEventData":{{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"{mfa}"}},
            "eventType":"AwsConsoleSignIn"}}"#
        )
    }

    #[test]
    fn console_sign_ins_read_success_mfa_and_hidden_names() {
        let Some(Record::SignIn(s)) = parse(&signin("Success", "No", "bob")) else { panic!() };
        assert!(s.success && !s.mfa && !s.root);
        assert_eq!((s.user.as_str(), s.source_ip.as_str()), ("bob", "198.51.100.23"));
        let Some(Record::SignIn(s)) = parse(&signin("Failure", "No", "HIDDEN_DUE_TO_SECURITY_REASONS")) else {
            panic!()
        };
        assert!(!s.success);
        assert_eq!(s.user, "unknown user");
    }

    #[test]
    fn pascal_case_parameters_and_bracketed_agents_read_too() {
        let record = r#"{"eventTime":"2026-11-18T13:00:00Z","eventSource":"application-autoscaling.amazonaws.com",
            "eventName":"PutScalingPolicy","userIdentity":{"type":"IAMUser","userName":"ci"},
            "sourceIPAddress":"198.51.100.4","userAgent":"[aws-cli/1.11.10 Python/2.7.9 Windows/7]",
            "requestParameters":{"ResourceId":"service/prod-core/orders","PolicyName":"cpu60",
            "TargetTrackingScalingPolicyConfiguration":{"TargetValue":60.0}},"readOnly":false}"#;
        let Some(Record::Change(c)) = parse(record) else { panic!("a change") };
        assert_eq!(c.resource, Some(ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() }));
        assert_eq!(c.changed, ["targetValue → 60.0"]);
        assert_eq!(c.actor.via, Via::Cli);
    }

    #[test]
    fn only_changes_people_and_pipelines_make_are_shown() {
        for (source, event) in [
            ("ecs", "UpdateService"),
            ("elasticache", "ModifyReplicationGroup"),
            ("elasticache", "TestFailover"),
            ("monitoring", "DisableAlarmActions"),
            ("application-autoscaling", "PutScalingPolicy"),
            ("elasticloadbalancing", "ModifyTargetGroup"),
        ] {
            assert!(shown(source, event), "{source}:{event}");
        }
        for (source, event) in [
            ("ecs", "SubmitTaskStateChange"),
            ("ecs", "RunTask"),
            ("elasticloadbalancing", "RegisterTargets"),
            ("monitoring", "SetAlarmState"),
            ("s3", "PutObject"),
        ] {
            assert!(!shown(source, event), "{source}:{event}");
        }
    }

    #[test]
    fn reads_and_broken_records_are_skipped_not_fatal() {
        assert_eq!(parse(&CONSOLE_SCALE_DOWN.replace(r#""readOnly": false"#, r#""readOnly": true"#)), None);
        assert_eq!(parse("{not json"), None);
        assert_eq!(parse(r#"{"eventName":"UpdateService"}"#), None, "no time");
    }

    #[test]
    fn before_values_come_from_the_change_before_and_hand_changes_to_code_owned_resources_drift() {
        let Some(Record::Change(by_hand)) = parse(CONSOLE_SCALE_DOWN) else { panic!() };
        let mut by_code = by_hand.clone();
        by_code.time -= chrono::Duration::days(3);
        by_code.changed = vec!["desiredCount → 10".into()];
        by_code.actor.via = Via::CloudFormation;
        let mut changes = vec![*by_hand.clone(), *by_code];
        annotate(&mut changes, |_| None);
        assert_eq!(changes[1].changed, ["desiredCount 10 → 2"]);
        assert_eq!(changes[1].drift.as_deref(), Some("CloudFormation (its earlier changes)"));
        assert_eq!(changes[0].drift, None, "IaC applying itself is not drift");
        // Owned by tags, with no earlier change in the window.
        let mut alone = vec![*by_hand];
        annotate(&mut alone, |_| Some("CloudFormation stack orders-prod".into()));
        assert_eq!(alone[0].drift.as_deref(), Some("CloudFormation stack orders-prod"));
    }
}
