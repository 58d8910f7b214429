//! Which sizing policy applies to a service: the global one from the config's `[sizing]`, then
//! its cluster's `[sizing.clusters."NAME"]`, then its own `[sizing.services."CLUSTER/NAME"]`;
//! each level changes only what it names.

use super::recommend::Policy;
use crate::common::layers::{Override, layered};
use serde::Deserialize;
use std::collections::HashMap;

/// One level of overrides, as written in the config file. Values are checked when parsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    #[serde(default, deserialize_with = "percentile")]
    pub percentile: Option<f32>,
    #[serde(default, deserialize_with = "headroom")]
    pub headroom: Option<f32>,
    #[serde(default, deserialize_with = "window_days")]
    pub window_days: Option<f32>,
    #[serde(default, deserialize_with = "minute_price")]
    pub minute_price: Option<f64>,
}

fn bounded<'de, D: serde::Deserializer<'de>>(d: D, what: &str, lo: f32, hi: f32) -> Result<Option<f32>, D::Error> {
    let v = f64::deserialize(d)? as f32;
    if !(lo..=hi).contains(&v) {
        return Err(serde::de::Error::custom(format!("{what} {v} is out of range: use {lo} to {hi}")));
    }
    Ok(Some(v))
}

fn percentile<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    bounded(d, "percentile", 50.0, 100.0)
}

fn headroom<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    bounded(d, "headroom", 0.0, 3.0)
}

fn window_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    bounded(d, "window_days", 1.0, 14.0)
}

/// USD a month per minute a week over capacity (README: Two profiles); 0 turns the trade off.
fn minute_price<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if !(0.0..=1000.0).contains(&v) {
        return Err(serde::de::Error::custom(format!("minute_price {v} is out of range: use 0 (off) to 1000")));
    }
    Ok(Some(v))
}

impl Override<Policy> for PolicyOverride {
    fn apply(&self, mut p: Policy) -> Policy {
        if let Some(v) = self.percentile {
            p.cpu_percentile = v;
        }
        if let Some(v) = self.headroom {
            p.headroom = v;
        }
        if let Some(v) = self.window_days {
            p.window_days = v;
        }
        if let Some(v) = self.minute_price {
            p.minute_price = (v > 0.0).then_some(v);
        }
        p
    }
}

/// The `[sizing]` table: global overrides plus per-cluster and per-service ones.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policies {
    /// `profile = "safe" | "balanced"`: the policy every level starts from (`--sizing` and the
    /// TUI's `P` replace it for a run).
    #[serde(default)]
    pub profile: super::recommend::Profile,
    /// `prices = "effective" | "list"`: what suggestions are priced at (`--prices` and the
    /// TUI's `$` replace it for a run).
    #[serde(default)]
    pub prices: super::recommend::Prices,
    // The global level's fields, spelled out: serde cannot deny unknown fields through a flatten.
    #[serde(default, deserialize_with = "percentile")]
    pub percentile: Option<f32>,
    #[serde(default, deserialize_with = "headroom")]
    pub headroom: Option<f32>,
    #[serde(default, deserialize_with = "window_days")]
    pub window_days: Option<f32>,
    #[serde(default, deserialize_with = "minute_price")]
    pub minute_price: Option<f64>,
    #[serde(default)]
    pub clusters: HashMap<String, PolicyOverride>,
    /// Keyed `cluster/service`.
    #[serde(default)]
    pub services: HashMap<String, PolicyOverride>,
    /// Fargate prices by where a service runs: (prefix of its `cluster/service` key, rates).
    /// Filled from the provider, not the config: with several regions each is priced at its own.
    #[serde(skip)]
    pub regional_rates: Vec<(String, crate::sizing::catalog::FargateRates)>,
}

impl Policies {
    /// The policy for `cluster/service`: the profile's, priced as `base` (unless the service's
    /// region has its own prices), then the global, cluster and service overrides.
    pub fn for_service(&self, key: &str, base: &Policy) -> Policy {
        let global = PolicyOverride {
            percentile: self.percentile,
            headroom: self.headroom,
            window_days: self.window_days,
            minute_price: self.minute_price,
        };
        let mut base = Policy { rates: base.rates, price_note: base.price_note, ..Policy::of(self.profile) };
        if let Some((_, rates)) = self.regional_rates.iter().find(|(prefix, _)| key.starts_with(prefix.as_str())) {
            base.rates = *rates;
        }
        layered(base, &global, &self.clusters, &self.services, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_region_is_priced_at_its_own_rates() {
        use crate::sizing::catalog::FargateRates;
        let eu = FargateRates { x86: (0.04456, 0.004865), ..FargateRates::default() };
        let policies = Policies {
            regional_rates: vec![("prod@eu-west-1:".into(), eu), ("prod@us-east-1:".into(), FargateRates::default())],
            ..Policies::default()
        };
        let base = Policy::default();
        assert_eq!(policies.for_service("prod@eu-west-1:web/api", &base).rates, eu);
        assert_eq!(policies.for_service("prod@us-east-1:web/api", &base).rates, FargateRates::default());
        assert_eq!(policies.for_service("web/api", &base).rates, base.rates, "one region: the base prices");
    }

    #[test]
    fn service_beats_cluster_beats_global_and_each_changes_only_what_it_names() {
        let text = r#"
            headroom = 0.3
            [clusters.batch]
            percentile = 95
            [services."batch/video"]
            headroom = 0.5
        "#;
        let p: Policies = toml::from_str(text).unwrap();
        let base = Policy::default();
        let web = p.for_service("prod/web", &base);
        assert_eq!((web.cpu_percentile, web.headroom), (99.0, 0.3));
        let thumbs = p.for_service("batch/thumbs", &base);
        assert_eq!((thumbs.cpu_percentile, thumbs.headroom), (95.0, 0.3));
        let video = p.for_service("batch/video", &base);
        assert_eq!((video.cpu_percentile, video.headroom, video.window_days), (95.0, 0.5, 14.0));
    }

    #[test]
    fn the_profile_sets_where_every_level_starts() {
        use crate::sizing::recommend::Profile;
        let p: Policies = toml::from_str("profile = \"balanced\"\n[clusters.batch]\npercentile = 99").unwrap();
        let base = Policy::default();
        let web = p.for_service("prod/web", &base);
        assert_eq!((web.profile, web.cpu_percentile, web.peak_floor), (Profile::Balanced, 95.0, false));
        assert_eq!(p.for_service("batch/x", &base).cpu_percentile, 99.0, "an override still wins");
        let safe = Policies::default().for_service("prod/web", &base);
        assert_eq!((safe.profile, safe.cpu_percentile, safe.peak_floor), (Profile::Safe, 99.0, true));
        assert_eq!((safe.minute_price, web.minute_price), (None, Some(0.2)), "only balanced prices a minute");
        let p: Policies = toml::from_str("profile = \"balanced\"\n[services.\"a/b\"]\nminute_price = 1.5").unwrap();
        assert_eq!(p.for_service("a/b", &base).minute_price, Some(1.5));
        let p: Policies = toml::from_str("profile = \"balanced\"\nminute_price = 0").unwrap();
        assert_eq!(p.for_service("a/b", &base).minute_price, None, "0: the trade is off, p95 + 5 % sizes CPU");
        let err = toml::from_str::<Policies>("profile = \"yolo\"").unwrap_err().to_string();
        assert!(err.contains("unknown variant") && err.contains("balanced"), "{err}");
    }

    #[test]
    fn out_of_range_values_and_unknown_keys_are_errors() {
        let err = toml::from_str::<Policies>("percentile = 120").unwrap_err().to_string();
        assert!(err.contains("percentile 120 is out of range"), "{err}");
        let err = toml::from_str::<Policies>("minute_price = -1").unwrap_err().to_string();
        assert!(err.contains("minute_price -1 is out of range"), "{err}");
        let err = toml::from_str::<Policies>("[services.\"a/b\"]\nheadrom = 0.1").unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
