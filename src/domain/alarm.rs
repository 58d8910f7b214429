//! CloudWatch alarms, tied to the resource they watch.

use super::ResourceRef;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlarmState {
    /// Ordered so that ALARM sorts first.
    Alarm,
    InsufficientData,
    Ok,
}

impl AlarmState {
    pub fn label(self) -> &'static str {
        match self {
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
            AlarmState::Ok => "OK",
        }
    }

    /// Short label for narrow columns.
    pub fn short(self) -> &'static str {
        match self {
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "NODATA",
            AlarmState::Ok => "OK",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    LessThan,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::GreaterThan => ">",
            Comparison::LessThan => "<",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlarmTransition {
    pub time: DateTime<Utc>,
    pub from: AlarmState,
    pub to: AlarmState,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    /// The alarm as shown (`ACCOUNT@REGION:name` when several accounts or regions are).
    pub name: String,
    /// Whose it is and its own name, typed (JSON, the review).
    pub identity: super::AlarmKey,
    pub state: AlarmState,
    pub namespace: String,
    pub metric: String,
    pub comparison: Comparison,
    pub threshold: f64,
    pub resource: Option<ResourceRef>,
    /// When the alarm entered its current state.
    pub since: DateTime<Utc>,
    pub reason: String,
    /// Newest first.
    pub history: Vec<AlarmTransition>,
    /// A target-tracking alarm that Application Auto Scaling creates and owns
    /// (`TargetTracking-…-AlarmHigh/Low-…`): it is in ALARM whenever it is asking for a scale
    /// out or in, which is its job, not an incident.
    pub scaling: bool,
    /// How a metric alarm reads its metric (None for composite alarms): what its chart reads again.
    pub evaluation: Option<AlarmEvaluation>,
    /// What entering ALARM sets off (AlarmActions: SNS topics, autoscaling policies…), by name.
    pub actions: Vec<String>,
    /// ActionsEnabled: false keeps every action from running, whatever is listed.
    pub actions_enabled: bool,
}

/// The metric statistic a metric alarm evaluates, and over how many periods.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmEvaluation {
    /// The metric's dimensions (name, value).
    pub dimensions: Vec<(String, String)>,
    /// "Average", "Sum", "p99"…
    pub statistic: String,
    /// Seconds per period.
    pub period: i64,
    /// Periods that must breach before it fires.
    pub periods: u32,
}

/// Whether an alarm belongs to a target-tracking scaling policy: Application Auto Scaling names
/// them `TargetTracking-<resource>-AlarmHigh-<id>` / `-AlarmLow-<id>` and describes them "DO NOT
/// EDIT OR DELETE. For TargetTrackingScaling policy …".
pub fn is_scaling_alarm(name: &str, description: Option<&str>) -> bool {
    name.starts_with("TargetTracking-") || description.is_some_and(|d| d.contains("TargetTrackingScaling"))
}

impl Alarm {
    /// Entering ALARM notifies or does nothing: no action listed, or actions turned off.
    pub fn acts(&self) -> bool {
        self.actions_enabled && !self.actions.is_empty()
    }

    /// In ALARM and worth a person's attention: target-tracking alarms are left out.
    pub fn firing(&self) -> bool {
        self.state == AlarmState::Alarm && !self.scaling
    }

    /// Transitions in the last day: more than a few means the alarm flaps.
    pub fn is_flapping(&self, now: DateTime<Utc>) -> bool {
        let day_ago = now - chrono::Duration::hours(24);
        self.history.iter().filter(|t| t.time >= day_ago).count() >= 6
    }
}
