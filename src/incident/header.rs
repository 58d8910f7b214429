//! The incident header: what is wrong right now, each list one key away (A, D, E).

use crate::domain::{Alarm, CacheGroup, EcsService, ResourceRef};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// Alarms in ALARM: (alarm name, what it watches).
    pub firing: Vec<(String, Option<ResourceRef>)>,
    /// Services running fewer tasks than desired: (service, running, desired).
    pub below_desired: Vec<(ResourceRef, u32, u32)>,
    /// Redis groups that evicted keys in the pane's window: (group, evictions).
    pub evicting: Vec<(ResourceRef, u64)>,
    /// Services burning an SLO's error budget fast (page-worthy): (service, which and how fast).
    pub burning: Vec<(ResourceRef, String)>,
    /// Console sign-ins flagged in the span (bursts of failures, root, no MFA, new sources…).
    pub security: Vec<super::signins::Flag>,
}

/// "5xx 1 h ×21" or "p99 6 h ×6.3": the faster-burning window of a standing, for the header.
fn burn_label(what: &str, s: &crate::slo::Standing) -> String {
    let (window, rate) = match (s.burn_1h, s.burn_6h) {
        (Some(h), Some(six)) if six / crate::slo::MEDIUM_BURN > h / crate::slo::FAST_BURN => ("6 h", six),
        (Some(h), _) => ("1 h", h),
        (None, Some(six)) => ("6 h", six),
        (None, None) => ("3 d", s.burn_3d.unwrap_or_default()),
    };
    format!("{what} {window} ×{}", if rate < 10.0 { format!("{rate:.1}") } else { format!("{rate:.0}") })
}

impl Header {
    pub fn build(
        alarms: &[Alarm],
        services: &[EcsService],
        groups: &[CacheGroup],
        recs: &std::collections::HashMap<String, crate::sizing::recommend::EcsRecommendation>,
    ) -> Header {
        use crate::slo::Burn;
        let mut burning: Vec<(ResourceRef, String)> = services
            .iter()
            .filter_map(|s| {
                let slo = recs.get(&s.key())?.slo?;
                let fast = |st: Option<crate::slo::Standing>| st.filter(|st| st.burn == Burn::Fast);
                let what: Vec<String> = [
                    fast(slo.availability).map(|st| burn_label("5xx", &st)),
                    fast(slo.latency).map(|st| burn_label("slow", &st)),
                ]
                .into_iter()
                .flatten()
                .collect();
                let r = ResourceRef::EcsService { cluster: s.cluster.clone(), service: s.name.clone() };
                (!what.is_empty()).then(|| (r, what.join(", ")))
            })
            .collect();
        burning.sort_by_key(|(r, _)| r.to_string());
        let mut firing: Vec<&Alarm> = alarms.iter().filter(|a| a.firing()).collect();
        firing.sort_by_key(|a| std::cmp::Reverse(a.since)); // the newest first: most likely the cause
        let mut below: Vec<&EcsService> = services.iter().filter(|s| s.desired > 0 && s.running < s.desired).collect();
        below.sort_by_key(|s| (std::cmp::Reverse(s.desired - s.running), s.key()));
        let mut evicting: Vec<&CacheGroup> = groups.iter().filter(|g| g.evictions > 0).collect();
        evicting.sort_by_key(|g| (std::cmp::Reverse(g.evictions), g.id.clone()));
        Header {
            firing: firing.iter().map(|a| (a.name.clone(), a.resource.clone())).collect(),
            below_desired: below
                .iter()
                .map(|s| {
                    let r = ResourceRef::EcsService { cluster: s.cluster.clone(), service: s.name.clone() };
                    (r, s.running, s.desired)
                })
                .collect(),
            evicting: evicting.iter().map(|g| (ResourceRef::CacheGroup(g.id.clone()), g.evictions)).collect(),
            burning,
            security: Vec::new(),
        }
    }

    /// With the span's flagged sign-ins (the header's security row).
    pub fn with_security(mut self, flags: Vec<super::signins::Flag>) -> Header {
        self.security = flags;
        self
    }

    /// The resource behind the `n`th entry of a list (cycling), for the header's keys.
    pub fn target(&self, list: HeaderList, n: usize) -> Option<ResourceRef> {
        let all: Vec<Option<ResourceRef>> = match list {
            HeaderList::Firing => self.firing.iter().map(|(_, r)| r.clone()).collect(),
            HeaderList::BelowDesired => self.below_desired.iter().map(|(r, ..)| Some(r.clone())).collect(),
            HeaderList::Evicting => self.evicting.iter().map(|(r, _)| Some(r.clone())).collect(),
            HeaderList::Burning => self.burning.iter().map(|(r, _)| Some(r.clone())).collect(),
            // A sign-in is no resource: its key moves the timeline's cursor to it instead.
            HeaderList::Security => return None,
        };
        if all.is_empty() {
            return None;
        }
        all[n % all.len()].clone()
    }

    pub fn len(&self, list: HeaderList) -> usize {
        match list {
            HeaderList::Firing => self.firing.len(),
            HeaderList::BelowDesired => self.below_desired.len(),
            HeaderList::Evicting => self.evicting.len(),
            HeaderList::Burning => self.burning.len(),
            HeaderList::Security => self.security.len(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderList {
    Firing,
    BelowDesired,
    Evicting,
    /// Services burning an SLO's budget fast.
    Burning,
    /// Console sign-ins worth a look.
    Security,
}

impl HeaderList {
    pub const ALL: [HeaderList; 5] =
        [HeaderList::Firing, HeaderList::BelowDesired, HeaderList::Evicting, HeaderList::Burning, HeaderList::Security];

    /// The key that steps through this list in the incident view.
    pub fn key(self) -> char {
        match self {
            HeaderList::Firing => 'A',
            HeaderList::BelowDesired => 'D',
            HeaderList::Evicting => 'E',
            HeaderList::Burning => 'B',
            HeaderList::Security => 'L',
        }
    }

    pub fn from_key(c: char) -> Option<HeaderList> {
        HeaderList::ALL.into_iter().find(|l| l.key() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            HeaderList::Firing => "firing",
            HeaderList::BelowDesired => "below desired",
            HeaderList::Evicting => "evicting",
            HeaderList::Burning => "burning SLO",
            HeaderList::Security => "sign-ins",
        }
    }
}
