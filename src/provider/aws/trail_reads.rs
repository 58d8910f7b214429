//! CloudTrail as the timeline and the review read it, over every target: the writes to what is in
//! view (owners and drift annotated) and console sign-ins with the 30 days before them.

use super::{AwsProvider, trail};
use crate::domain::ResourceRef;
use crate::domain::trail::SignIn;
use crate::provider::ProviderError;

/// What CloudTrail reads keep between timeline refreshes: the sign-ins of the 30 days before a
/// span (read again when the span has moved an hour), and each resource's owner by its tags.
#[derive(Debug, Default)]
pub struct TrailCache {
    pub(super) history: Option<(i64, Vec<crate::domain::trail::SignIn>)>,
    pub(super) owners: std::collections::HashMap<ResourceRef, Option<String>>,
}

/// Sign-ins this far before a span are read to know what is usual for each user.
const SIGNIN_HISTORY_SECS: i64 = 30 * 86_400;

impl AwsProvider {
    /// CloudTrail's writes in [from, to] to what is in view, annotated (before values; drift
    /// where tags say code owns what was changed by hand), every target's; and the errors of the
    /// targets that could not be read (the others still count).
    pub(super) async fn trail_changes(
        &self,
        from: i64,
        to: i64,
    ) -> (Vec<crate::domain::trail::ApiChange>, Vec<ProviderError>) {
        let (mut all, mut problems) = (Vec::new(), Vec::new());
        for (i, tg) in self.targets.iter().enumerate() {
            let mut changes = match trail::changes(tg, from, to).await {
                Ok((changes, more)) => {
                    if more {
                        tracing::warn!(
                            pages = trail::MAX_PAGES,
                            "CloudTrail: more writes than read; the oldest not shown"
                        );
                    }
                    changes
                }
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            // A target group's change belongs to the service whose tasks it serves.
            for c in changes.iter_mut().filter(|c| c.resource.is_none() && c.resource_name.starts_with("targetgroup/"))
            {
                let tg = format!(":{}/", c.resource_name);
                let owner = self
                    .seen()
                    .services
                    .iter()
                    .find(|(j, r)| *j == i && r.target_groups.iter().any(|a| a.contains(&tg)))
                    .map(|(_, r)| ResourceRef::EcsService { cluster: r.cluster.clone(), service: r.name.clone() });
                c.resource = owner;
            }
            // Owners of what was changed by hand, by tags, once per resource.
            for c in changes.iter().filter(|c| c.actor.via.by_hand()) {
                let Some(r) = &c.resource else { continue };
                let known = self.trail_cache.lock().unwrap_or_else(|e| e.into_inner()).owners.contains_key(r);
                if !known {
                    let owner = trail::owner(tg, r).await;
                    self.trail_cache.lock().unwrap_or_else(|e| e.into_inner()).owners.insert(r.clone(), owner);
                }
            }
            let owners = self.trail_cache.lock().unwrap_or_else(|e| e.into_inner()).owners.clone();
            crate::incident::trail::annotate(&mut changes, |r| owners.get(r).cloned().flatten());
            for c in &mut changes {
                if let Some(ResourceRef::EcsService { cluster, .. }) = &mut c.resource {
                    *cluster = self.cluster_name(i, cluster);
                }
            }
            all.extend(changes);
        }
        all.sort_by_key(|c| c.time);
        (all, problems)
    }

    /// Console sign-ins in [from, to] and in the 30 days before (kept while the span moves less
    /// than an hour, and only when every target answered), every target's; and the errors of the
    /// targets that could not be read.
    pub(super) async fn trail_sign_ins(&self, from: i64, to: i64) -> (Vec<SignIn>, Vec<SignIn>, Vec<ProviderError>) {
        // Targets in one account read the same us-east-1 sign-ins: each once.
        let once = |mut v: Vec<SignIn>| {
            v.sort_by(|a, b| (a.time, &a.user, &a.source_ip).cmp(&(b.time, &b.user, &b.source_ip)));
            v.dedup();
            v
        };
        let mut problems = Vec::new();
        let mut span = Vec::new();
        for tg in &self.targets {
            match trail::sign_ins(tg, from, to).await {
                Ok(found) => span.extend(found),
                Err(e) => problems.push(e),
            }
        }
        let hour = from / 3_600;
        let cached = self.trail_cache.lock().unwrap_or_else(|e| e.into_inner()).history.clone();
        let history = match cached {
            Some((h, history)) if h == hour => history,
            _ => {
                let (mut history, mut failed) = (Vec::new(), false);
                for tg in &self.targets {
                    match trail::sign_ins(tg, from - SIGNIN_HISTORY_SECS, from).await {
                        Ok(found) => history.extend(found),
                        Err(e) => {
                            failed = true;
                            problems.push(e);
                        }
                    }
                }
                let history = once(history);
                if !failed {
                    self.trail_cache.lock().unwrap_or_else(|e| e.into_inner()).history = Some((hour, history.clone()));
                }
                history
            }
        };
        (once(span), history, problems)
    }
}
