//! Who a row belongs to, typed: the account and region it was read from and the resource's own
//! name there. Display names (`team-01@us-east-1:prod/web`) are made from these for the screen;
//! scripts, the audit log and the JSON outputs read these fields, never the display text.

use serde::{Deserialize, Serialize};

/// The account and region a resource was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Origin {
    /// The 12-digit account id; None while STS has not said who the caller is (a degraded start).
    pub account_id: Option<String>,
    /// The account's name in the organization, or the profile it was read through; None when
    /// neither is known (one default profile).
    pub account: Option<String>,
    pub region: String,
}

impl Origin {
    /// The partition of the region (`aws-cn` for China, `aws-us-gov` for GovCloud): ARNs built
    /// from typed parts must name the right one.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, when the account is known.
    fn arn(&self, service: &str, resource: &str) -> Option<String> {
        let account = self.account_id.as_deref()?;
        Some(format!("arn:{}:{service}:{}:{account}:{resource}", self.partition(), self.region))
    }
}

/// An ECS service: where it runs, its cluster's own name and its own name. JSON writes its ARN
/// beside them (null while the account is unknown). Equal keys name the same service: the ARN
/// is what AWS called it, not part of who it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServiceKey {
    #[serde(flatten)]
    pub origin: Origin,
    pub cluster: String,
    pub service: String,
    /// The ARN AWS returned (DescribeServices' `serviceArn`); None where nothing did (the demo).
    #[serde(default, rename = "arn")]
    pub aws_arn: Option<String>,
}

impl ServiceKey {
    /// The ARN AWS gave, else built in ECS's long format (`service/CLUSTER/SERVICE`). A service
    /// created before the long format (opt-in from 2018, default from 2021) keeps its short
    /// `service/SERVICE` for life, so a built ARN is only the demo's.
    pub fn arn(&self) -> Option<String> {
        self.aws_arn.clone().or_else(|| self.origin.arn("ecs", &format!("service/{}/{}", self.cluster, self.service)))
    }
}

/// Keys are equal when they name the same resource; `aws_arn` only says how AWS spelled it.
macro_rules! same_resource {
    ($key:ty, $($field:ident),+) => {
        impl PartialEq for $key {
            fn eq(&self, other: &Self) -> bool {
                $(self.$field == other.$field)&&+
            }
        }
        impl Eq for $key {}
        impl std::hash::Hash for $key {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}
same_resource!(ServiceKey, origin, cluster, service);
same_resource!(GroupKey, origin, group, standalone);
same_resource!(AlarmKey, origin, alarm);

/// An ElastiCache replication group (or a standalone cache cluster), with its ARN in JSON.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupKey {
    #[serde(flatten)]
    pub origin: Origin,
    pub group: String,
    /// A cache cluster outside any replication group: its ARN is a `cluster:`.
    #[serde(default)]
    pub standalone: bool,
    /// The ARN AWS returned (the group's or cluster's `ARN`); None where nothing did.
    #[serde(default, rename = "arn")]
    pub aws_arn: Option<String>,
}

impl Serialize for ServiceKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            origin: &'a Origin,
            cluster: &'a str,
            service: &'a str,
            arn: Option<String>,
        }
        Out { origin: &self.origin, cluster: &self.cluster, service: &self.service, arn: self.arn() }.serialize(s)
    }
}

impl Serialize for GroupKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            origin: &'a Origin,
            group: &'a str,
            standalone: bool,
            arn: Option<String>,
        }
        Out { origin: &self.origin, group: &self.group, standalone: self.standalone, arn: self.arn() }.serialize(s)
    }
}

impl GroupKey {
    pub fn arn(&self) -> Option<String> {
        let kind = if self.standalone { "cluster" } else { "replicationgroup" };
        self.aws_arn.clone().or_else(|| self.origin.arn("elasticache", &format!("{kind}:{}", self.group)))
    }
}

/// Whose a plan's (or an audit entry's) resource is: a service or a cache group. In JSON its
/// fields stand beside the plan's own (`account_id`, …, `cluster` and `service`, or `group`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceKey {
    Service(ServiceKey),
    Group(GroupKey),
}

/// A CloudWatch alarm, with its ARN in JSON.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AlarmKey {
    #[serde(flatten)]
    pub origin: Origin,
    pub alarm: String,
    /// The ARN AWS returned (DescribeAlarms' `AlarmArn`); None where nothing did.
    #[serde(default, rename = "arn")]
    pub aws_arn: Option<String>,
}

impl AlarmKey {
    pub fn arn(&self) -> Option<String> {
        self.aws_arn.clone().or_else(|| self.origin.arn("cloudwatch", &format!("alarm:{}", self.alarm)))
    }
}

impl Serialize for AlarmKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            origin: &'a Origin,
            alarm: &'a str,
            arn: Option<String>,
        }
        Out { origin: &self.origin, alarm: &self.alarm, arn: self.arn() }.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(region: &str) -> Origin {
        Origin { account_id: Some("123456789012".into()), account: Some("team-01".into()), region: region.into() }
    }

    #[test]
    fn arns_are_made_from_the_typed_parts_in_the_right_partition() {
        let web =
            ServiceKey { origin: origin("eu-west-1"), cluster: "prod".into(), service: "web".into(), aws_arn: None };
        assert_eq!(web.arn().as_deref(), Some("arn:aws:ecs:eu-west-1:123456789012:service/prod/web"));
        let cn = ServiceKey { origin: origin("cn-north-1"), ..web.clone() };
        assert_eq!(cn.arn().as_deref(), Some("arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/web"));
        let group =
            GroupKey { origin: origin("us-gov-west-1"), group: "sessions".into(), standalone: false, aws_arn: None };
        assert_eq!(
            group.arn().as_deref(),
            Some("arn:aws-us-gov:elasticache:us-gov-west-1:123456789012:replicationgroup:sessions")
        );
        let alone = GroupKey { standalone: true, ..group };
        assert!(alone.arn().unwrap().ends_with(":cluster:sessions"));
        let unknown = ServiceKey { origin: Origin { account_id: None, ..origin("us-east-1") }, ..web };
        assert_eq!(unknown.arn(), None, "no ARN is guessed without the account");
    }

    #[test]
    fn json_flattens_the_origin_beside_the_resource() {
        let web =
            ServiceKey { origin: origin("eu-west-1"), cluster: "prod".into(), service: "web".into(), aws_arn: None };
        let json = serde_json::to_value(&web).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"account_id": "123456789012", "account": "team-01", "region": "eu-west-1",
                "cluster": "prod", "service": "web", "arn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/web"})
        );
        let back: ServiceKey = serde_json::from_value(json).unwrap();
        assert_eq!(back, web, "read back");
        assert_eq!(back.aws_arn.as_deref(), Some("arn:aws:ecs:eu-west-1:123456789012:service/prod/web"));
    }

    /// A service from before ECS's long ARN format keeps `service/NAME`: what AWS said is what
    /// JSON says, and the key is still the same service's.
    #[test]
    fn the_arn_aws_returned_wins_over_the_built_one_and_is_not_identity() {
        let built =
            ServiceKey { origin: origin("us-east-1"), cluster: "prod".into(), service: "old".into(), aws_arn: None };
        let short = "arn:aws:ecs:us-east-1:123456789012:service/old";
        let read = ServiceKey { aws_arn: Some(short.into()), ..built.clone() };
        assert_eq!(read.arn().as_deref(), Some(short));
        assert_eq!(serde_json::to_value(&read).unwrap()["arn"], short);
        assert_eq!(read, built);
        assert!(std::collections::HashSet::from([read]).contains(&built), "hashed alike");
    }
}
