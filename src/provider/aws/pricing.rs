//! Fargate prices for the target's region from the Pricing API (GetProducts, us-east-1
//! endpoint), kept on disk for a day; the shipped table stands in when the API is unavailable.

use super::{Target, sdk_error};
use crate::provider::ProviderError;
use crate::sizing::catalog::FargateRates;
use aws_sdk_pricing::types::{Filter, FilterType};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const TTL_SECONDS: i64 = 86_400;

/// Which rate a Price List usage type is (the prefix is the region: `USE1-`, `EUW1-`, …).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rate {
    X86Vcpu,
    X86Gb,
    ArmVcpu,
    ArmGb,
    SpotVcpu,
    SpotGb,
}

fn rate_of(usage_type: &str) -> Option<Rate> {
    let (_, kind) = usage_type.split_once('-')?;
    match kind {
        "Fargate-vCPU-Hours:perCPU" => Some(Rate::X86Vcpu),
        "Fargate-GB-Hours" => Some(Rate::X86Gb),
        "Fargate-ARM-vCPU-Hours:perCPU" => Some(Rate::ArmVcpu),
        "Fargate-ARM-GB-Hours" => Some(Rate::ArmGb),
        "SpotUsage-Fargate-vCPU-Hours:perCPU" => Some(Rate::SpotVcpu),
        "SpotUsage-Fargate-GB-Hours" => Some(Rate::SpotGb),
        _ => None,
    }
}

/// (rate, USD) from one Price List product document; None for anything else.
fn parse_product(doc: &str) -> Option<(Rate, f64)> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    let rate = rate_of(v.pointer("/product/attributes/usagetype")?.as_str()?)?;
    let on_demand = v.pointer("/terms/OnDemand")?.as_object()?;
    let usd = on_demand.values().find_map(|term| {
        term.get("priceDimensions")?
            .as_object()?
            .values()
            .find_map(|d| d.pointer("/pricePerUnit/USD")?.as_str()?.parse::<f64>().ok())
    })?;
    (usd.is_finite() && usd > 0.0).then_some((rate, usd))
}

/// Rates from Price List documents; None unless the four on-demand ones were found (Spot's are
/// kept when both are listed).
pub fn rates_from(docs: &[String]) -> Option<FargateRates> {
    let (mut xv, mut xg, mut av, mut ag, mut sv, mut sg) = (None, None, None, None, None, None);
    for (rate, usd) in docs.iter().filter_map(|d| parse_product(d)) {
        match rate {
            Rate::X86Vcpu => xv = Some(usd),
            Rate::X86Gb => xg = Some(usd),
            Rate::ArmVcpu => av = Some(usd),
            Rate::ArmGb => ag = Some(usd),
            Rate::SpotVcpu => sv = Some(usd),
            Rate::SpotGb => sg = Some(usd),
        }
    }
    Some(FargateRates { x86: (xv?, xg?), arm: (av?, ag?), spot: sv.zip(sg) })
}

#[derive(Serialize, Deserialize)]
struct Cached {
    fetched_at: i64,
    rates: FargateRates,
}

fn load(path: &PathBuf, now: i64) -> Option<FargateRates> {
    let cached: Cached = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    (0..TTL_SECONDS).contains(&(now - cached.fetched_at)).then_some(cached.rates)
}

fn store(path: &PathBuf, now: i64, rates: FargateRates) {
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string(&Cached { fetched_at: now, rates })?)
    };
    if let Err(e) = write() {
        tracing::warn!(path = %path.display(), "cannot cache prices: {e}");
    }
}

async fn fetch(t: &Target) -> Result<Vec<String>, ProviderError> {
    let filter = |field: &str, value: &str| {
        Filter::builder().r#type(FilterType::TermMatch).field(field).value(value).build().expect("all fields set")
    };
    let mut docs = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .pricing
            .get_products()
            .service_code("AmazonECS")
            .filters(filter("regionCode", &t.region))
            .filters(filter("productFamily", "Compute"))
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("pricing:GetProducts", e))?;
        docs.extend(page.price_list().iter().cloned());
        token = page.next_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(docs);
        }
    }
}

/// The region's Fargate rates: from the day-old cache, else the Pricing API; None (use the
/// shipped table) when neither has them — prices are never a reason to fail a refresh.
pub async fn fargate_rates(t: &Target, cache: Option<PathBuf>, now: i64) -> Option<FargateRates> {
    if let Some(rates) = cache.as_ref().and_then(|p| load(p, now)) {
        return Some(rates);
    }
    match fetch(t).await {
        Ok(docs) => {
            let rates = rates_from(&docs);
            if let (Some(r), Some(p)) = (rates, &cache) {
                store(p, now, r);
            }
            if rates.is_none() {
                tracing::warn!(region = %t.region, "Pricing API had no Fargate rates; using the shipped table");
            }
            rates
        }
        Err(e) => {
            tracing::warn!("Pricing API unavailable ({e}); using the shipped table");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(usage: &str, usd: &str) -> String {
        format!(
            r#"{{"product":{{"attributes":{{"usagetype":"{usage}"}}}},"terms":{{"OnDemand":{{"T1":{{"priceDimensions":{{"D1":{{"pricePerUnit":{{"USD":"{usd}"}}}}}}}}}}}}}}"#
        )
    }

    #[test]
    fn all_four_rates_come_from_price_list_documents() {
        let docs = vec![
            doc("EUW1-Fargate-vCPU-Hours:perCPU", "0.04456"),
            doc("EUW1-Fargate-GB-Hours", "0.004865"),
            doc("EUW1-Fargate-ARM-vCPU-Hours:perCPU", "0.03565"),
            doc("EUW1-Fargate-ARM-GB-Hours", "0.00389"),
            doc("EUW1-Fargate-EphemeralStorage-GB-Hours", "0.000122"),
            "not json".to_string(),
        ];
        let r = rates_from(&docs).unwrap();
        assert_eq!(r.x86, (0.04456, 0.004865));
        assert_eq!(r.arm, (0.03565, 0.00389));
    }

    #[test]
    fn missing_or_odd_prices_fall_back_to_none() {
        assert_eq!(rates_from(&[doc("USE1-Fargate-vCPU-Hours:perCPU", "0.04")]), None);
        assert_eq!(parse_product(&doc("USE1-Fargate-GB-Hours", "NaN")), None);
        assert_eq!(parse_product(&doc("USE1-Fargate-GB-Hours", "-1")), None);
        assert_eq!(rate_of("Fargate-GB-Hours"), None);
    }
}
