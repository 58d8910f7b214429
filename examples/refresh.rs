//! One refresh of the ECS and Redis panes against an endpoint (moto behind the bridge), for the
//! comparison with a hand-written client in `scripts/measure_refresh.sh`. Prints one JSON line.
//!
//! cargo run --release --example refresh -- http://127.0.0.1:5001

use infradeck::domain::Window;
use infradeck::provider::Provider;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use std::time::Instant;

#[tokio::main]
async fn main() -> color_eyre::Result<()> {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:5001".into());
    let aws = AwsProvider::connect(AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(endpoint),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "refresh")),
        ..AwsOptions::default()
    })
    .await
    .map_err(|e| color_eyre::eyre::eyre!("{e}: {}", e.hint()))?;
    aws.usage().reset();
    let started = Instant::now();
    let (services, groups) = tokio::join!(aws.ecs_services(Window::Day), aws.cache_groups(Window::Day));
    let wall = started.elapsed().as_secs_f64();
    let (services, groups) =
        (services.map_err(|e| color_eyre::eyre::eyre!("{e}"))?, groups.map_err(|e| color_eyre::eyre::eyre!("{e}"))?);
    println!(
        "{}",
        serde_json::json!({
            "client": "infradeck",
            "services": services.len(),
            "groups": groups.len(),
            "requests": aws.usage().total_requests(),
            "wall_seconds": (wall * 100.0).round() / 100.0,
            "by_operation": aws.usage().requests(),
        })
    );
    Ok(())
}
