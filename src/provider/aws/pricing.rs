//! Fargate prices for the target's region from the Pricing API (GetProducts, us-east-1
//! endpoint), kept on disk for a day; the shipped table stands in when the API is unavailable.

use super::{Target, sdk_error};
use crate::provider::ProviderError;
use crate::sizing::catalog::{FargateRates, NodeType};
use aws_sdk_pricing::types::{Filter, FilterType};
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

fn load<T: serde::de::DeserializeOwned>(path: &std::path::Path, now: i64) -> Option<T> {
    super::disk_cache::load(path, TTL_SECONDS, now)
}

fn store<T: serde::Serialize>(path: &std::path::Path, now: i64, rates: &T) {
    super::disk_cache::store(path, now, rates, "prices");
}

async fn fetch(t: &Target) -> Result<Vec<String>, ProviderError> {
    products(t, "AmazonECS", &[("regionCode", &t.region), ("productFamily", "Compute")]).await
}

/// Every Price List document of `service` matching `filters` (TERM_MATCH), all pages.
async fn products(t: &Target, service: &str, filters: &[(&str, &str)]) -> Result<Vec<String>, ProviderError> {
    let filter = |field: &str, value: &str| {
        Filter::builder().r#type(FilterType::TermMatch).field(field).value(value).build().expect("all fields set")
    };
    let filters: Vec<Filter> = filters.iter().map(|(f, v)| filter(f, v)).collect();
    let mut docs = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .pricing
            .get_products()
            .service_code(service)
            .set_filters(Some(filters.clone()))
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
                store(p, now, &r);
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

/// One ElastiCache node type from a Price List document (Redis OSS, on demand); None for
/// anything else.
fn parse_node(doc: &str) -> Option<NodeType> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    let a = v.pointer("/product/attributes")?;
    let text = |k: &str| a.get(k).and_then(|x| x.as_str());
    let name = text("instanceType").filter(|n| n.starts_with("cache."))?.to_string();
    let memory_gib = text("memory")?.trim_end_matches("GiB").trim().parse::<f64>().ok().filter(|m| *m > 0.0)?;
    let vcpu = text("vcpu").and_then(|c| c.trim().parse::<u32>().ok()).unwrap_or(2);
    let hourly = v.pointer("/terms/OnDemand")?.as_object()?.values().find_map(|term| {
        term.get("priceDimensions")?
            .as_object()?
            .values()
            .find_map(|d| d.pointer("/pricePerUnit/USD")?.as_str()?.parse::<f64>().ok())
    })?;
    if !(hourly.is_finite() && hourly > 0.0) {
        return None;
    }
    // The Price List gives "Up to 10 Gigabit", not a baseline: the shipped baseline where the
    // type is known, else an estimate from its vCPUs (burstable "up to" links sustain a fraction).
    let network_gbps = crate::sizing::catalog::node_type(&name).map_or_else(
        || {
            let stated = text("networkPerformance").unwrap_or("");
            let gbit = stated.split_whitespace().find_map(|w| w.parse::<f64>().ok()).unwrap_or(1.0);
            if stated.starts_with("Up to") { (0.375 * vcpu as f64).min(gbit) } else { gbit }
        },
        |n| n.network_gbps,
    );
    Some(NodeType { name, vcpu, memory_gib, redis_hourly: hourly, network_gbps })
}

/// The region's ElastiCache node types at its prices: from the day-old cache, else the Pricing
/// API; None (the shipped table) when neither has them.
pub async fn cache_node_types(t: &Target, cache: Option<PathBuf>, now: i64) -> Option<Vec<NodeType>> {
    if let Some(types) = cache.as_ref().and_then(|p| load(p, now)) {
        return Some(types);
    }
    let filters = [("regionCode", t.region.as_str()), ("cacheEngine", "Redis"), ("productFamily", "Cache Instance")];
    match products(t, "AmazonElastiCache", &filters).await {
        Ok(docs) => {
            let mut types: Vec<NodeType> = docs.iter().filter_map(|d| parse_node(d)).collect();
            types.sort_by(|a, b| a.name.cmp(&b.name));
            types.dedup_by(|a, b| a.name == b.name);
            if types.is_empty() {
                tracing::warn!(region = %t.region, "Pricing API had no ElastiCache node types; using the shipped table");
                return None;
            }
            if let Some(p) = &cache {
                store(p, now, &types);
            }
            Some(types)
        }
        Err(e) => {
            tracing::warn!("Pricing API unavailable for ElastiCache ({e}); using the shipped table");
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
    fn node_types_come_from_elasticache_price_list_documents() {
        let node = |name: &str, memory: &str, usd: &str| {
            format!(
                r#"{{"product":{{"attributes":{{"instanceType":"{name}","memory":"{memory}","vcpu":"4","networkPerformance":"Up to 10 Gigabit","cacheEngine":"Redis"}}}},"terms":{{"OnDemand":{{"T":{{"priceDimensions":{{"D":{{"pricePerUnit":{{"USD":"{usd}"}}}}}}}}}}}}}}"#
            )
        };
        let r6gd = parse_node(&node("cache.r6gd.xlarge", "26.32 GiB", "0.7810000000")).unwrap();
        assert_eq!(
            (r6gd.name.as_str(), r6gd.vcpu, r6gd.memory_gib, r6gd.redis_hourly),
            ("cache.r6gd.xlarge", 4, 26.32, 0.781)
        );
        assert_eq!(r6gd.network_gbps, 1.5, "an estimate for a type the shipped table lacks");
        let r5 = parse_node(&node("cache.r5.xlarge", "26.32 GiB", "0.4310000000")).unwrap();
        assert_eq!(r5.network_gbps, 1.25, "the shipped baseline for a known type");
        assert_eq!(parse_node(&node("db.r5.large", "16 GiB", "0.2")), None);
        assert_eq!(parse_node(&node("cache.r5.large", "NA", "0.2")), None);
        assert_eq!(parse_node("{}"), None);
    }

    #[test]
    fn missing_or_odd_prices_fall_back_to_none() {
        assert_eq!(rates_from(&[doc("USE1-Fargate-vCPU-Hours:perCPU", "0.04")]), None);
        assert_eq!(parse_product(&doc("USE1-Fargate-GB-Hours", "NaN")), None);
        assert_eq!(parse_product(&doc("USE1-Fargate-GB-Hours", "-1")), None);
        assert_eq!(rate_of("Fargate-GB-Hours"), None);
    }
}
