//! Which objectives apply to a service: built-in defaults, then the config's `[slo]`, then its
//! cluster's `[slo.clusters."NAME"]`, then its own `[slo.services."CLUSTER/NAME"]`; each level
//! changes only what it names.
//!
//! ```toml
//! [slo]
//! availability = 99.9        # % of requests not answered 5xx
//! p99_ms = 1000              # 99 % of requests faster than this
//! period_days = 28
//! [slo.clusters."prod-core"]
//! p99_ms = 300
//! [slo.services."prod-core/checkout"]
//! availability = 99.95
//! ```

use crate::common::layers::{Override, layered};
use serde::Deserialize;
use std::collections::HashMap;

/// The objectives a service is held to.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Objective {
    /// Share of requests that must not be 5xx (0.999); None: no availability objective.
    pub availability: Option<f64>,
    /// 99 % of requests must be faster than this, ms; None: no latency objective.
    pub p99_ms: Option<f32>,
    /// The compliance period and error budget's span.
    pub period_days: u32,
}

impl Default for Objective {
    /// What a service is held to when the config says nothing: common defaults, shown as such.
    fn default() -> Self {
        Objective { availability: Some(0.999), p99_ms: Some(1_000.0), period_days: 28 }
    }
}

/// One level of overrides, as written. `0` switches an objective off for that level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveOverride {
    #[serde(default, deserialize_with = "availability")]
    pub availability: Option<f64>,
    #[serde(default, deserialize_with = "p99_ms")]
    pub p99_ms: Option<f32>,
    #[serde(default, deserialize_with = "period_days")]
    pub period_days: Option<u32>,
}

fn availability<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if v == 0.0 || (50.0..100.0).contains(&v) {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "availability {v} is out of range: a percentage from 50 to below 100 (99.9), or 0 for none"
        )))
    }
}

fn p99_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    let v = f64::deserialize(d)?;
    if v == 0.0 || (1.0..=600_000.0).contains(&v) {
        Ok(Some(v as f32))
    } else {
        Err(serde::de::Error::custom(format!("p99_ms {v} is out of range: 1 to 600000 ms, or 0 for none")))
    }
}

fn period_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = i64::deserialize(d)?;
    if (1..=90).contains(&v) {
        Ok(Some(v as u32))
    } else {
        Err(serde::de::Error::custom(format!("period_days {v} is out of range: 1 to 90")))
    }
}

impl Override<Objective> for ObjectiveOverride {
    fn apply(&self, mut o: Objective) -> Objective {
        if let Some(v) = self.availability {
            o.availability = (v > 0.0).then_some(v / 100.0);
        }
        if let Some(v) = self.p99_ms {
            o.p99_ms = (v > 0.0).then_some(v);
        }
        if let Some(v) = self.period_days {
            o.period_days = v;
        }
        o
    }
}

/// The `[slo]` table: global overrides plus per-cluster and per-service ones.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    // The global level's fields, spelled out: serde cannot deny unknown fields through a flatten.
    #[serde(default, deserialize_with = "availability")]
    pub availability: Option<f64>,
    #[serde(default, deserialize_with = "p99_ms")]
    pub p99_ms: Option<f32>,
    #[serde(default, deserialize_with = "period_days")]
    pub period_days: Option<u32>,
    #[serde(default)]
    pub clusters: HashMap<String, ObjectiveOverride>,
    /// Keyed `cluster/service`.
    #[serde(default)]
    pub services: HashMap<String, ObjectiveOverride>,
}

impl Objectives {
    /// The objective for `cluster/service`.
    pub fn for_service(&self, key: &str) -> Objective {
        let global =
            ObjectiveOverride { availability: self.availability, p99_ms: self.p99_ms, period_days: self.period_days };
        layered(Objective::default(), &global, &self.clusters, &self.services, key)
    }

    /// Whether the config names any objective (else the defaults are in force, and say so).
    pub fn configured(&self) -> bool {
        *self != Objectives::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Objectives, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn levels_override_only_what_they_name() {
        let o = parse(
            "availability = 99.5\n[clusters.prod-core]\np99_ms = 300\n[services.\"prod-core/checkout\"]\navailability = 99.95\nperiod_days = 7\n[services.\"prod-core/batch\"]\np99_ms = 0\n",
        )
        .unwrap();
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-12);
        let default = Objective::default();
        assert_eq!(Objectives::default().for_service("x/y"), default);
        let other = o.for_service("staging/web");
        assert!(near(other.availability, 0.995) && other.p99_ms == Some(1_000.0) && other.period_days == 28);
        let api = o.for_service("prod-core/api");
        assert!(near(api.availability, 0.995) && api.p99_ms == Some(300.0));
        let checkout = o.for_service("prod-core/checkout");
        assert!(near(checkout.availability, 0.9995) && checkout.p99_ms == Some(300.0) && checkout.period_days == 7);
        assert_eq!(o.for_service("prod-core/batch").p99_ms, None, "0 switches it off");
        assert!(o.configured() && !Objectives::default().configured());
    }

    #[test]
    fn bad_values_are_refused_with_what_is_allowed() {
        for (text, says) in [
            ("availability = 100", "availability 100 is out of range"),
            ("availability = 0.999", "a percentage from 50"),
            ("p99_ms = -5", "p99_ms -5 is out of range"),
            ("period_days = 0", "period_days 0 is out of range"),
            ("[clusters.x]\nlatency = 3", "unknown field `latency`"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
