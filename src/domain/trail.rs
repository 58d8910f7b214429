//! Who changed what, and who signed in: CloudTrail's management events as the incident view
//! needs them. Providers turn CloudTrail records (LookupEvents' `CloudTrailEvent`, a JSON string)
//! into these with `incident::trail`; the demo builds them from its script.

use super::ResourceRef;
use chrono::{DateTime, Utc};

/// How a change reached AWS, from the record's user agent and the service that made the call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Via {
    /// The AWS console (by hand).
    Console,
    /// The AWS CLI (by hand, or a script).
    Cli,
    /// An AWS SDK, named ("Boto3", "aws-sdk-go"…): usually a program or a pipeline.
    Sdk(String),
    CloudFormation,
    Terraform,
    /// Another AWS service acting on its own (autoscaling, ECS itself), named.
    Service(String),
    Unknown,
}

impl Via {
    /// "console", "CLI", "SDK (Boto3)", "CloudFormation", "Terraform", "ecs-tasks", "unknown".
    pub fn label(&self) -> String {
        match self {
            Via::Console => "console".into(),
            Via::Cli => "CLI".into(),
            Via::Sdk(name) => format!("SDK ({name})"),
            Via::CloudFormation => "CloudFormation".into(),
            Via::Terraform => "Terraform".into(),
            Via::Service(name) => name.clone(),
            Via::Unknown => "unknown".into(),
        }
    }

    /// By a person's hand: a change that drifts from infrastructure as code.
    pub fn by_hand(&self) -> bool {
        matches!(self, Via::Console | Via::Cli)
    }

    /// Infrastructure as code applying itself.
    pub fn as_code(&self) -> bool {
        matches!(self, Via::CloudFormation | Via::Terraform)
    }
}

/// Who made a call: the identity as a person reads it (an IAM user's name, a role's session
/// name with the role, "root"), how, and from where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Actor {
    pub identity: String,
    pub root: bool,
    pub via: Via,
    /// An IP address, or the AWS service that called (`cloudformation.amazonaws.com`).
    pub source_ip: String,
}

impl Actor {
    /// "alice (console, 203.0.113.7)".
    pub fn describe(&self) -> String {
        let from = if self.source_ip.is_empty() { String::new() } else { format!(", {}", self.source_ip) };
        format!("{} ({}{from})", self.identity, self.via.label())
    }
}

/// One write to a resource in view (UpdateService, ModifyReplicationGroup, PutMetricAlarm…).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApiChange {
    pub time: DateTime<Utc>,
    /// "UpdateService".
    pub event_name: String,
    /// "ecs", "elasticache", "monitoring", "application-autoscaling", "elasticloadbalancing".
    pub service: String,
    pub resource: Option<ResourceRef>,
    /// A name for the resource when it maps to none in view (a target group, a listener).
    pub resource_name: String,
    pub actor: Actor,
    /// What changed that matters, one "field before → after" each ("desiredCount 10 → 2").
    pub changed: Vec<String>,
    /// The call failed (AccessDenied…): nothing changed, but someone tried.
    pub error: Option<String>,
    /// Infrastructure as code owns the resource and this was made by hand: by what it is owned.
    pub drift: Option<String>,
}

/// One console sign-in (ConsoleLogin), success or failure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignIn {
    pub time: DateTime<Utc>,
    /// The IAM user, the role session, "root", or "unknown user" when AWS hides a name that does
    /// not exist.
    pub user: String,
    pub root: bool,
    pub success: bool,
    pub mfa: bool,
    /// Signed in through an identity provider (SAML, IAM Identity Center): MFA, if any, happened
    /// there, and CloudTrail's `MFAUsed` says "No" regardless.
    pub federated: bool,
    pub source_ip: String,
    pub user_agent: String,
}
