//! The demo's CloudTrail: who changed what around the scripted incident, and console sign-ins.
//! Forty minutes before the bad `orders` deploy someone scaled `orders` down by hand in the
//! console (CloudFormation owns it: drift); the deploy pipeline's CloudFormation update then put
//! the desired count back with the new revision. During the incident a burst of failed sign-ins
//! from one address ends in a success from it, in a browser and at an hour that user never uses.
//! A month of ordinary sign-ins before makes "new" and "unusual" mean something.

use super::alarms::at;
use super::fleet::Fleet;
use crate::domain::ResourceRef;
use crate::domain::trail::{Actor, ApiChange, SignIn, Via};

/// The hand change, relative to the incident's start.
const HAND_SCALE_DOWN: i64 = -40 * 60;
/// The failed sign-ins begin this long after the start; one a minute and a half.
const FAILURES_FROM: i64 = 20 * 60;
const FAILURES: i64 = 6;
pub const ATTACKER_IP: &str = "198.51.100.23";
const OFFICE_IP: &str = "203.0.113.7";
const CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
/// Who manages a demo resource as code, as its tags would say: the one answer the plan, the
/// detail view's drift and the code change read.
pub fn owner_of(resource: &ResourceRef) -> Option<crate::domain::Ownership> {
    (Some(resource) == orders().as_ref())
        .then(|| crate::domain::Ownership::cloudformation("prod-core-orders", Some("OrdersTaskDefinition")))
}

fn orders() -> Option<ResourceRef> {
    Some(ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() })
}

/// The writes to resources in view in (from, to], oldest first, annotated (before values, drift).
pub fn changes(fleet: &Fleet, from: i64, to: i64) -> Vec<ApiChange> {
    let Some(incident) = fleet.incident else {
        return Vec::new();
    };
    let s = incident.start;
    let desired = fleet.services.iter().find(|x| x.name == "orders").map_or(4, |x| x.desired);
    let o = incident.orders_revision;
    let pipeline = Actor {
        identity: "cfn-deploy-role/AWSCloudFormation".into(),
        root: false,
        via: Via::CloudFormation,
        source_ip: "cloudformation.amazonaws.com".into(),
    };
    let change = |t: i64, event: &str, actor: &Actor, changed: Vec<String>| ApiChange {
        time: at(t),
        event_name: event.into(),
        service: "ecs".into(),
        resource: orders(),
        resource_name: "ecs:prod-core/orders".into(),
        actor: actor.clone(),
        changed,
        error: None,
        drift: None,
    };
    let mut out = vec![
        // The last pipeline run before: what "before" reads from.
        change(
            s - 3 * 86_400,
            "UpdateService",
            &pipeline,
            vec![format!("desiredCount → {desired}"), format!("taskDefinition → orders:{o}")],
        ),
        change(
            s + HAND_SCALE_DOWN,
            "UpdateService",
            &Actor {
                identity: "AdministratorAccess/dana".into(),
                root: false,
                via: Via::Console,
                source_ip: "192.0.2.44".into(),
            },
            vec![format!("desiredCount → {}", desired / 2)],
        ),
        change(
            s - 30,
            "UpdateService",
            &pipeline,
            vec![format!("desiredCount → {desired}"), format!("taskDefinition → orders:{}", o + 1)],
        ),
    ];
    crate::incident::trail::annotate(&mut out, |r| owner_of(r).map(|o| o.label));
    out.retain(|c| c.time.timestamp() > from && c.time.timestamp() <= to);
    out
}

/// Console sign-ins in (from, to]: a month of ordinary ones, and the incident's burst.
pub fn sign_ins(fleet: &Fleet, from: i64, to: i64) -> Vec<SignIn> {
    let Some(incident) = fleet.incident else {
        return Vec::new();
    };
    let s = incident.start;
    let signin = |t: i64, user: &str, ip: &str, agent: &str, success: bool| SignIn {
        time: at(t),
        user: user.into(),
        root: false,
        success,
        mfa: true,
        federated: false,
        source_ip: ip.into(),
        user_agent: agent.into(),
    };
    let day = 86_400;
    let midnight = s - s.rem_euclid(day);
    let mut out = Vec::new();
    // Thirty working days: alice at about 08:50, dana at about 09:20, from the office.
    for d in 1..=30 {
        let morning = midnight - d * day;
        out.push(signin(morning + 8 * 3_600 + 50 * 60 + (d % 7) * 60, "alice", OFFICE_IP, CHROME, true));
        out.push(signin(morning + 9 * 3_600 + 20 * 60, "dana", OFFICE_IP, CHROME, true));
    }
    for i in 0..FAILURES {
        out.push(signin(s + FAILURES_FROM + i * 90, "alice", ATTACKER_IP, FIREFOX, false));
    }
    out.push(signin(s + FAILURES_FROM + FAILURES * 90 + 60, "alice", ATTACKER_IP, FIREFOX, true));
    out.retain(|x| x.time.timestamp() > from && x.time.timestamp() <= to);
    out.sort_by_key(|x| x.time);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::signins::{FlagKind, Thresholds, flags};

    const NOW: i64 = 1_795_012_200;

    #[test]
    fn the_hand_scale_down_is_drift_and_the_pipeline_puts_it_back() {
        let fleet = Fleet::build(42, None).with_incident(NOW - super::super::incident::STARTED_BEFORE);
        let c = changes(&fleet, NOW - 6 * 3_600, NOW);
        assert_eq!(c.len(), 2, "{c:#?}");
        assert_eq!(c[0].changed, ["desiredCount 4 → 2"]);
        assert_eq!(c[0].drift.as_deref(), Some("CloudFormation stack prod-core-orders"));
        assert_eq!(c[1].changed.len(), 2);
        assert_eq!(c[1].changed[0], "desiredCount 2 → 4");
        assert!(c[1].changed[1].ends_with(" → orders:27") && c[1].changed[1].starts_with("taskDefinition orders:"));
        assert_eq!(c[1].drift, None);
    }

    #[test]
    fn the_burst_and_the_odd_success_are_flagged_against_a_month_of_ordinary_sign_ins() {
        let fleet = Fleet::build(42, None).with_incident(NOW - super::super::incident::STARTED_BEFORE);
        let from = NOW - 6 * 3_600;
        let span = sign_ins(&fleet, from, NOW);
        let history = sign_ins(&fleet, from - 30 * 86_400, from);
        assert!(history.len() >= 50, "{}", history.len());
        let kinds: Vec<FlagKind> = flags(&span, &history, &Thresholds::default()).iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::FailureBurst, FlagKind::NewSource, FlagKind::NewBrowser, FlagKind::UnusualHour]);
    }
}
