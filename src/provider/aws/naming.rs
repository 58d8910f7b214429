//! Who each target's rows belong to and how they are shown: the typed origin (account, region),
//! the display names made from it (`ACCOUNT@REGION:cluster` when several targets are shown), the
//! way back from a name on screen to its target, and the header's account of the source.

use super::connect::{Identity, Target};
use super::{AwsProvider, ecs, monitoring, org};
use crate::domain::{Alarm, CacheGroup, EcsService, ResourceRef};
use crate::provider::{ProviderError, SourceInfo};

impl AwsProvider {
    /// The first target's STS failure, while its identity is unknown.
    pub(super) fn identity_error(&self) -> Option<ProviderError> {
        // An organization account slow to answer at start is said on its own (`slow_accounts`).
        self.targets.iter().find_map(|t| match &*t.identity.read().unwrap_or_else(|e| e.into_inner()) {
            slow if slow.slow_at_start() => None,
            Identity::Unknown { error, .. } => Some(error.clone()),
            Identity::Known { .. } => None,
        })
    }

    /// Organization accounts not waited for at start whose role has not answered yet.
    pub(super) fn slow_accounts(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .targets
            .iter()
            .filter(|t| t.identity.read().unwrap_or_else(|e| e.into_inner()).slow_at_start())
            .filter_map(|t| t.account_name.clone())
            .collect();
        names.dedup();
        names
    }

    pub(super) fn labels(&self) -> Vec<String> {
        self.targets.iter().map(Target::label).collect()
    }

    /// Where target `i` reads: its account (the id Organizations gave, else STS's) and region.
    pub(super) fn origin(&self, i: usize) -> crate::domain::Origin {
        let t = &self.targets[i];
        let known = t.account();
        crate::domain::Origin {
            account_id: t.org_account.clone().or((known != "unknown").then_some(known)),
            account: t.account_name.clone().or_else(|| t.profile.clone()),
            region: t.region.clone(),
        }
    }

    /// A plan made on target `i`: its resource (as AWS named it) gets the target's origin.
    pub(super) fn owned(&self, i: usize, mut plan: crate::apply::ResizePlan) -> crate::apply::ResizePlan {
        match &mut plan.identity {
            Some(crate::domain::ResourceKey::Service(key)) => key.origin = self.origin(i),
            Some(crate::domain::ResourceKey::Group(key)) => key.origin = self.origin(i),
            None => {}
        }
        plan
    }

    /// A row of target `i` as shown (its cluster named by the target when several are shown),
    /// with its typed origin.
    pub(super) fn own_row(&self, i: usize, row: &mut EcsService) {
        row.cluster = self.cluster_name(i, &row.cluster);
        row.identity.origin = self.origin(i);
    }

    /// A group of target `i` as shown, with its typed origin.
    pub(super) fn own_group(&self, i: usize, group: &mut CacheGroup) {
        if self.several() {
            group.id = format!("{}:{}", self.targets[i].label(), group.id);
        }
        group.identity.origin = self.origin(i);
    }

    /// With several targets, cluster names carry their target so rows and keys stay distinct.
    pub(super) fn cluster_name(&self, target: usize, cluster: &str) -> String {
        if self.several() { format!("{}:{cluster}", self.targets[target].label()) } else { cluster.to_string() }
    }

    /// The target a resource was read from, by its typed origin (account id and region), and
    /// the resource's own name there (`own`: the key's cluster or group). Only a key without an
    /// origin (made by hand, never by a provider) falls back to the display name `shown`.
    pub(super) fn locate_key(
        &self,
        origin: &crate::domain::Origin,
        own: &str,
        shown: &str,
    ) -> Result<(usize, String), ProviderError> {
        if origin.region.is_empty() {
            return self.locate(shown);
        }
        (0..self.targets.len())
            .find(|&i| {
                let here = self.origin(i);
                here.region == origin.region && here.account_id == origin.account_id
            })
            .map(|i| (i, own.to_string()))
            .ok_or_else(|| {
                let account =
                    origin.account_id.as_deref().or(origin.account.as_deref()).unwrap_or("an unknown account");
                ProviderError::NotFound(format!("{own} in {account} {}: not a target of this session", origin.region))
            })
    }

    /// The target and the cluster's own name for a cluster as shown (`profile@region:name`
    /// when several targets are shown).
    pub(super) fn locate(&self, shown: &str) -> Result<(usize, String), ProviderError> {
        if !self.several() {
            return Ok((0, shown.to_string()));
        }
        self.targets
            .iter()
            .enumerate()
            .find_map(|(i, t)| shown.strip_prefix(&format!("{}:", t.label())).map(|c| (i, c.to_string())))
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {shown}")))
    }

    /// Whether rows carry their target's label: several targets, or any organization (one
    /// account's rows are still named by it, so `/acct:` and the per-account totals find them).
    pub(super) fn several(&self) -> bool {
        self.targets.len() > 1 || self.options.org.is_some()
    }

    /// Several targets (an organization's accounts): an alarm is named, and tied to its
    /// resource, as that target's rows are (`team-01@us-east-1:…`), so two accounts'
    /// `api-cpu-high` are told apart and `/acct:` finds them.
    pub(super) fn named_alarm(&self, i: usize, mut a: Alarm) -> Alarm {
        a.identity.origin = self.origin(i);
        if self.several() {
            let label = self.targets[i].label();
            a.name = format!("{label}:{}", a.name);
            match &mut a.resource {
                Some(ResourceRef::EcsService { cluster, .. }) => *cluster = self.cluster_name(i, cluster),
                Some(ResourceRef::CacheGroup(group)) => *group = format!("{label}:{group}"),
                _ => {}
            }
        }
        a
    }

    /// With `--org`: every account asked for, read or not, the caller's own first.
    pub(super) fn org_accounts(&self) -> Vec<crate::provider::OrgAccount> {
        if self.options.org.is_none() {
            return Vec::new();
        }
        let mut out: Vec<crate::provider::OrgAccount> = Vec::new();
        for t in &self.targets {
            // The id Organizations gave (STS may not have answered yet for this target).
            let id = t.org_account.clone().unwrap_or_else(|| t.account());
            if !out.iter().any(|a| a.id == id) {
                out.push(crate::provider::OrgAccount {
                    name: t.account_name.clone().unwrap_or_else(|| id.clone()),
                    metrics: self.metrics_path(&id),
                    id,
                    ou: t.ou.as_ref().map(|o| o.path.clone()),
                    unreachable: None,
                });
            }
        }
        // An account read in one region and not in another is listed once, as read (the header
        // names the failure).
        let unread: Vec<&(org::Account, ProviderError)> =
            self.unreachable.iter().filter(|(a, _)| !out.iter().any(|o| o.id == a.id)).collect();
        out.extend(unread.into_iter().map(|(a, e)| crate::provider::OrgAccount {
            id: a.id.clone(),
            name: a.name.clone(),
            ou: a.ou.as_ref().map(|o| o.path.clone()),
            unreachable: Some(unreachable_why(e)),
            metrics: None,
        }));
        out
    }

    /// With a monitoring account: how `account`'s metrics are read, over its regions.
    pub(super) fn metrics_path(&self, account: &str) -> Option<String> {
        let m = self.monitoring.as_ref()?;
        let regions: Vec<&str> = self
            .targets
            .iter()
            .filter(|t| t.org_account.as_deref() == Some(account))
            .map(|t| t.region.as_str())
            .collect();
        Some(m.path(account, &regions))
    }

    /// A service's key as the panes name it (`cluster/service`, the cluster told apart by target).
    pub(super) fn shown_key(&self, target: usize, r: &ecs::ServiceRecord) -> String {
        format!("{}/{}", self.cluster_name(target, &r.cluster), r.name)
    }

    pub(super) fn source_info(&self) -> SourceInfo {
        let first = &self.targets[0];
        let mut accounts: Vec<String> = self.targets.iter().map(Target::account).collect();
        accounts.dedup();
        let mut profiles: Vec<&str> = self.targets.iter().map(|t| t.profile.as_deref().unwrap_or("default")).collect();
        profiles.dedup();
        // Each region once, in the order asked (targets run account by account, region by region).
        let mut regions: Vec<String> = Vec::new();
        for t in &self.targets {
            if !regions.contains(&t.region) {
                regions.push(t.region.clone());
            }
        }
        let mut names: Vec<&str> = self.targets.iter().filter_map(|t| t.account_name.as_deref()).collect();
        names.dedup();
        let org_accounts = self.org_accounts();
        let label = if self.options.org.is_some() {
            let mut label = format!("aws org: {} accounts", names.len());
            if !self.unreachable.is_empty() {
                let which: Vec<String> =
                    self.unreachable.iter().map(|(a, e)| format!("{} ({})", a.name, unreachable_why(e))).collect();
                label.push_str(&format!(", {} not reached: {}", self.unreachable.len(), which.join(", ")));
            }
            let slow = self.slow_accounts();
            if !slow.is_empty() {
                label.push_str(&format!(", {} slow to answer (rows follow): {}", slow.len(), slow.join(", ")));
            }
            if let Some(why) = self.monitoring.as_ref().and_then(|m| m.unusable.as_ref()) {
                label.push_str(&format!(", {why}: metrics from each account's own CloudWatch"));
            } else if let Some(m) = &self.monitoring {
                let read = org_accounts.iter().filter(|a| a.unreachable.is_none());
                let own: Vec<&str> = read
                    .clone()
                    .filter(|a| a.metrics.as_deref().is_some_and(monitoring::Monitoring::reads_own))
                    .map(|a| a.name.as_str())
                    .collect();
                let through = read.count() - own.len();
                label.push_str(&format!(", metrics through {} for {through}", m.name));
                if !own.is_empty() {
                    let shown = own.iter().take(3).copied().collect::<Vec<_>>().join(", ");
                    let more = if own.len() > 3 { format!(" +{} more", own.len() - 3) } else { String::new() };
                    label.push_str(&format!(", own CloudWatch for {}: {shown}{more}", own.len()));
                }
            }
            label
        } else {
            format!("aws {}", profiles.join(","))
        };
        SourceInfo {
            label,
            account: Some(match self.identity_error() {
                Some(e) => format!("account unknown ({e}; retrying)"),
                None if accounts.len() == 1 => first.account(),
                // An organization's hundred ids say nothing in a header: the caller's, and a count.
                None if self.options.org.is_some() => format!("{} + {} more", first.account(), accounts.len() - 1),
                None => accounts.join(","),
            }),
            regions,
            switchable: true,
            read_only: self.targets.iter().any(|t| t.read_only),
            accounts: org_accounts,
            generation: self.generation,
        }
    }
}

/// Why an organization's account is not read. It is not asked again until infradeck starts
/// again, so a throttled one says so rather than "retrying by itself".
fn unreachable_why(e: &ProviderError) -> String {
    match e {
        ProviderError::Throttled { .. } => {
            "AWS rate-limited the role's AssumeRole; start infradeck again to retry".into()
        }
        e => e.hint(),
    }
}
