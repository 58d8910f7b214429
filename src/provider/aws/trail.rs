//! CloudTrail for the incident timeline. LookupEvents serves 90 days of management events, 50 a
//! page, under a hard quota of 2 requests a second per account and region that every tool in the
//! account shares, and takes one lookup attribute a call. So:
//! - writes are read with `ReadOnly = false` (far fewer than reads; the timeline keeps those to
//!   the services it shows), paced at most [`PACE`] apart, at most [`MAX_PAGES`] pages a span;
//! - console sign-ins with `EventName = ConsoleLogin` where AWS records them (us-east-1 for the
//!   root user and the global sign-in endpoint, the region itself for a regional endpoint);
//! - ownership (for drift) from the resource's tags, read once per resource.
//!
//! Viewing the 90-day event history costs nothing; the quota is the price.

use super::{Target, sdk_error};
use crate::domain::ResourceRef;
use crate::domain::trail::{ApiChange, SignIn};
use crate::incident::trail::{Record, parse};
use crate::provider::ProviderError;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime as SdkTime;
use std::time::Duration;

/// Events a page: LookupEvents' maximum.
const PAGE: i32 = 50;
/// Pages of writes read for one span (1,000 writes); more is said, not read.
pub const MAX_PAGES: usize = 20;
/// Between two pages: at most 1.7 requests a second, under the account's 2.
const PACE: Duration = Duration::from_millis(600);

/// The records (`CloudTrailEvent` strings) matching one attribute in [from, to], newest first, and
/// whether more pages were left unread.
async fn lookup(
    client: &aws_sdk_cloudtrail::Client,
    key: LookupAttributeKey,
    value: &str,
    from: i64,
    to: i64,
    max_pages: usize,
) -> Result<(Vec<String>, bool), ProviderError> {
    let attribute = LookupAttribute::builder()
        .attribute_key(key)
        .attribute_value(value)
        .build()
        .map_err(|e| ProviderError::Other(format!("cloudtrail:LookupEvents: {e}")))?;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..max_pages {
        // Before every request, the first too: lookups follow each other, and the account's
        // quota is 2 a second whoever asks.
        tokio::time::sleep(PACE).await;
        let answer = client
            .lookup_events()
            .lookup_attributes(attribute.clone())
            .start_time(SdkTime::from_secs(from))
            .end_time(SdkTime::from_secs(to))
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("cloudtrail:LookupEvents", e))?;
        out.extend(answer.events().iter().filter_map(|e| e.cloud_trail_event().map(str::to_string)));
        token = answer.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok((out, false));
        }
    }
    Ok((out, true))
}

/// The writes the timeline shows (`incident::trail::shown`) in [from, to], oldest first, not yet
/// annotated;
/// and whether the span had more than [`MAX_PAGES`] pages of writes.
pub async fn changes(t: &Target, from: i64, to: i64) -> Result<(Vec<ApiChange>, bool), ProviderError> {
    let (records, more) = lookup(&t.cloudtrail, LookupAttributeKey::ReadOnly, "false", from, to, MAX_PAGES).await?;
    let mut out: Vec<ApiChange> = records
        .iter()
        .filter_map(|r| match parse(r) {
            Some(Record::Change(c)) if crate::incident::trail::shown(&c.service, &c.event_name) => Some(*c),
            _ => None,
        })
        .collect();
    out.sort_by_key(|c| c.time);
    Ok((out, more))
}

/// Pages of UpdateService calls a review reads (2,000 calls, ~24 s at the pace): a month of a
/// busy account's deployments and scalings. More is said, not read.
pub const REVIEW_PAGES: usize = 40;

/// ECS UpdateService calls in [from, to] (one lookup attribute: `EventName`), oldest first, not
/// yet annotated: the deployments of the last 90 days, which ECS itself no longer lists; and
/// whether more pages were left unread.
pub async fn deployments(t: &Target, from: i64, to: i64) -> Result<(Vec<ApiChange>, bool), ProviderError> {
    let (records, more) =
        lookup(&t.cloudtrail, LookupAttributeKey::EventName, "UpdateService", from, to, REVIEW_PAGES).await?;
    let mut out: Vec<ApiChange> = records
        .iter()
        .filter_map(|r| match parse(r) {
            Some(Record::Change(c)) if c.service == "ecs" => Some(*c),
            _ => None,
        })
        .collect();
    out.sort_by_key(|c| c.time);
    Ok((out, more))
}

/// Console sign-ins in [from, to], oldest first, from every region AWS may record them in that
/// this target can reach: us-east-1 and its own.
pub async fn sign_ins(t: &Target, from: i64, to: i64) -> Result<Vec<SignIn>, ProviderError> {
    let mut clients = vec![&t.cloudtrail];
    if let Some(global) = &t.cloudtrail_signin {
        clients.push(global);
    }
    let mut out = Vec::new();
    for client in clients {
        let (records, _) = lookup(client, LookupAttributeKey::EventName, "ConsoleLogin", from, to, MAX_PAGES).await?;
        out.extend(records.iter().filter_map(|r| match parse(r) {
            Some(Record::SignIn(s)) => Some(s),
            _ => None,
        }));
    }
    out.sort_by(|a, b| (a.time, &a.user, &a.source_ip).cmp(&(b.time, &b.user, &b.source_ip)));
    out.dedup();
    Ok(out)
}

/// Who owns `resource` as code, from its tags (`aws:cloudformation:stack-name`, a Terraform or
/// ManagedBy tag); None when untagged or the tags cannot be read (no drift is claimed then).
pub async fn owner(t: &Target, resource: &ResourceRef) -> Option<String> {
    let account = t.account();
    let tags: Vec<(String, String)> = match resource {
        ResourceRef::EcsService { cluster, service } => {
            let arn = format!("arn:aws:ecs:{}:{account}:service/{cluster}/{service}", t.region);
            let answer = t.ecs.list_tags_for_resource().resource_arn(arn).send().await.ok()?;
            answer.tags().iter().filter_map(|g| Some((g.key()?.to_string(), g.value()?.to_string()))).collect()
        }
        ResourceRef::CacheGroup(id) => {
            let arn = format!("arn:aws:elasticache:{}:{account}:replicationgroup:{id}", t.region);
            let answer = t.elasticache.list_tags_for_resource().resource_name(arn).send().await.ok()?;
            answer.tag_list().iter().filter_map(|g| Some((g.key()?.to_string(), g.value()?.to_string()))).collect()
        }
        _ => return None,
    };
    crate::domain::Ownership::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map(|o| o.label)
}
