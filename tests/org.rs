//! `--org` against a simulated AWS Organization in moto (scripts/seed_moto.py `--fleet org`):
//! the accounts come from Organizations, each is read through the role assumed in it, and one
//! whose role cannot be assumed leaves the others.

mod support;

use infradeck::domain::Window;
use infradeck::provider::Provider;
use infradeck::provider::aws::org::OrgOptions;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use support::moto::{MotoFleet, raw_config};

fn options(fleet: &MotoFleet, org: OrgOptions) -> AwsOptions {
    AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        org: Some(org),
        ..AwsOptions::default()
    }
}

/// The seeded accounts by name, as Organizations lists them.
async fn account_ids(fleet: &MotoFleet) -> Vec<(String, String)> {
    let org = aws_sdk_organizations::Client::new(&raw_config(fleet).await);
    // The test's own calls, not infradeck's (scripts/check_iam.py skips `test-` records).
    fleet.record_as("test-org");
    let listed = org.list_accounts().send().await.expect("ListAccounts");
    fleet.record_as("all");
    listed.accounts().iter().map(|a| (a.name().unwrap_or("").to_string(), a.id().unwrap_or("").to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_is_read_through_its_role_and_one_without_it_leaves_the_others() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "2"]);
    let ids = account_ids(&fleet).await;
    let sandbox = ids.iter().find(|(n, _)| n == "sandbox").map(|(_, id)| id.clone()).expect("sandbox");
    // The sandbox account has no OrganizationAccountAccessRole: AssumeRole is denied there.
    fleet.fault(serde_json::json!({"kind": "deny", "operation": "AssumeRole", "contains": sandbox}));
    let aws = AwsProvider::connect(options(&fleet, OrgOptions::default())).await.expect("the others connect");
    let source = aws.source();
    assert!(source.label.starts_with("aws org: 3 accounts, 1 not reached: sandbox"), "{}", source.label);
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    fleet.clear_fault();
    let mut keys: Vec<String> = services.iter().map(|s| s.key()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "team-01@us-east-1:prod/svc-00",
            "team-01@us-east-1:prod/svc-01",
            "team-02@us-east-1:prod/svc-00",
            "team-02@us-east-1:prod/svc-01",
        ],
        "each account's own cluster, named by its account; the management account has none"
    );
    let accounts = source.account.unwrap_or_default();
    assert!(accounts.starts_with("123456789012,"), "the caller's own (payer) account first: {accounts}");
    for (name, id) in ids.iter().filter(|(n, _)| n.starts_with("team-")) {
        assert!(accounts.contains(id.as_str()), "{name} {id} in {accounts}");
    }
    assert!(!accounts.contains(sandbox.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizational_unit_narrows_the_accounts_read() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "1"]);
    let org = aws_sdk_organizations::Client::new(&raw_config(&fleet).await);
    fleet.record_as("test-org");
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    let units = org.list_organizational_units_for_parent().parent_id(root).send().await.unwrap();
    let prod =
        units.organizational_units().iter().find(|u| u.name() == Some("prod")).unwrap().id().unwrap().to_string();
    fleet.record_as("all");
    let aws = AwsProvider::connect(options(&fleet, OrgOptions { ou: Some(prod), ..OrgOptions::default() }))
        .await
        .expect("connect");
    assert!(
        aws.source().label.starts_with("aws org: 2 accounts"),
        "team-01 and team-02, not sandbox: {}",
        aws.source().label
    );
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    let mut keys: Vec<String> = services.iter().map(|s| s.key()).collect();
    keys.sort();
    assert_eq!(keys, ["team-01@us-east-1:prod/svc-00", "team-02@us-east-1:prod/svc-00"]);
}
