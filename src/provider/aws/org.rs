//! `--org`: the accounts of an AWS Organization, each reached by assuming one named role.
//! Organizations lists them (from the management account or a delegated administrator):
//! ListAccounts for the whole organization, or ListAccountsForParent down an OU's tree for
//! `--ou`. An account counts while its `State` is ACTIVE (the older `Status` where no `State`
//! is given: AWS retires `Status` on 2026-09-09).

use crate::provider::ProviderError;
use aws_sdk_organizations::types::{AccountState, AccountStatus};

/// What `--org`, `--org-role`, `--ou` and `--org-accounts` ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgOptions {
    /// The role assumed in each member account.
    pub role: String,
    /// Only the accounts under this organizational unit (`ou-…`, or `r-…` the root), any depth.
    pub ou: Option<String>,
    /// Only these account ids (empty: every account).
    pub accounts: Vec<String>,
    /// `--monitoring-account` (id or name): read the linked accounts' metrics there, through
    /// CloudWatch cross-account observability.
    pub monitoring_account: Option<String>,
    /// How long start waits for one account × region (AssumeRole, STS). One slower than that
    /// is not waited for: the others load, and its rows follow when its role answers.
    pub connect_wait: std::time::Duration,
}

impl Default for OrgOptions {
    fn default() -> Self {
        OrgOptions {
            role: DEFAULT_ROLE.into(),
            ou: None,
            accounts: Vec::new(),
            monitoring_account: None,
            connect_wait: CONNECT_WAIT,
        }
    }
}

/// An account connects in well under a second (AssumeRole, GetCallerIdentity); five seconds
/// leaves room for a loaded machine and the SDK's retries of a throttled AssumeRole. Waiting
/// less costs nothing but the header's certainty: the AssumeRole goes on either way.
pub const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The role AWS Organizations creates in the accounts it creates.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// One account to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// The OU the account sits in (None: directly under the root).
    pub ou: Option<Ou>,
}

/// An organizational unit: its path of names from the root (`prod/payments`) and the ids along
/// it (a protected parent OU protects the OUs under it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ou {
    pub ids: Vec<String>,
    pub path: String,
}

fn active(a: &aws_sdk_organizations::types::Account) -> bool {
    match (a.state(), a.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => true,
    }
}

fn account(a: &aws_sdk_organizations::types::Account) -> Option<Account> {
    let id = a.id()?.to_string();
    let name = a.name().filter(|n| !n.is_empty()).unwrap_or(&id).to_string();
    Some(Account { id, name, ou: None })
}

/// Every page of a paged Organizations list: `ask` sends one page's request for a token.
async fn paged<T, F, Fut>(mut ask: F) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), ProviderError>>,
{
    let (mut out, mut token) = (Vec::new(), None);
    loop {
        let (items, next) = ask(token).await?;
        out.extend(items);
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The active accounts `o` asks for, by name then id, each with the OU it sits in. The tree is
/// walked from the root (ListRoots) or from `--ou`: two list calls per OU, and every account's
/// OU known for `/ou:` and protected OUs (ListAccounts would not say it).
pub async fn accounts(client: &aws_sdk_organizations::Client, o: &OrgOptions) -> Result<Vec<Account>, ProviderError> {
    let mut found: Vec<(aws_sdk_organizations::types::Account, Option<Ou>)> = Vec::new();
    let top = match &o.ou {
        None => {
            let roots = client.list_roots().send().await.map_err(|e| super::sdk_error("organizations:ListRoots", e))?;
            let root = roots.roots().first().and_then(|r| r.id()).map(str::to_string);
            (root.ok_or_else(|| ProviderError::NotFound("the organization has no root".into()))?, None)
        }
        Some(ou) if ou.starts_with("r-") => (ou.clone(), None),
        Some(ou) => (ou.clone(), Some(ancestry(client, ou).await)),
    };
    let mut parents = vec![top];
    while let Some((parent, ou)) = parents.pop() {
        let parent = &parent;
        let accounts = paged(|token| async move {
            let page = client
                .list_accounts_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| super::sdk_error("organizations:ListAccountsForParent", e))?;
            Ok((page.accounts().to_vec(), page.next_token().map(str::to_string)))
        })
        .await?;
        found.extend(accounts.into_iter().map(|a| (a, ou.clone())));
        let units = paged(|token| async move {
            let page = client
                .list_organizational_units_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| super::sdk_error("organizations:ListOrganizationalUnitsForParent", e))?;
            let units = page
                .organizational_units()
                .iter()
                .filter_map(|u| Some((u.id()?.to_string(), u.name().map(str::to_string))));
            Ok((units.collect(), page.next_token().map(str::to_string)))
        })
        .await?;
        for (id, name) in units {
            let name = name.unwrap_or_else(|| id.clone());
            let unit = match &ou {
                Some(up) => {
                    Ou { ids: [up.ids.clone(), vec![id.clone()]].concat(), path: format!("{}/{name}", up.path) }
                }
                None => Ou { ids: vec![id.clone()], path: name },
            };
            parents.push((id, Some(unit)));
        }
    }
    let mut out: Vec<Account> = found
        .iter()
        .filter(|(a, _)| active(a))
        .filter_map(|(a, ou)| Some(Account { ou: ou.clone(), ..account(a)? }))
        .filter(|a| o.accounts.is_empty() || o.accounts.contains(&a.id))
        .collect();
    out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    out.dedup();
    Ok(told_apart(out))
}

/// Account names need not be unique in an organization, but rows, `/acct:` and the per-account
/// totals know an account by the name it is shown with: a name two accounts share is shown with
/// the id (`shared (111122223333)`).
pub fn told_apart(mut accounts: Vec<Account>) -> Vec<Account> {
    let mut uses: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for a in &accounts {
        *uses.entry(a.name.clone()).or_default() += 1;
    }
    for a in &mut accounts {
        if uses[&a.name] > 1 {
            a.name = format!("{} ({})", a.name, a.id);
        }
    }
    accounts
}

/// Whether an account shown as `shown` answers to the name `what` someone typed (a config's
/// protected account, `--monitoring-account`): its name, or the name it shares with others
/// (`shown` is then `what (id)`, `told_apart`).
pub fn answers_to(shown: &str, id: &str, what: &str) -> bool {
    shown == what || shown.strip_prefix(what).is_some_and(|rest| rest == format!(" ({id})"))
}

/// Whether `what` is an organization root's id (`r-` and 4 to 32 lowercase letters or digits,
/// as Organizations documents it), not an account or OU like `r-and-d`. A protected *name* of
/// that very form (`r-prod`) is taken as a root too: it protects more, never less.
pub fn is_root_id(what: &str) -> bool {
    what.strip_prefix("r-").is_some_and(|rest| {
        (4..=32).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// One role session per member account, shared by its regions' clients and asked again only
/// when it is about to expire: the SDK's identity cache is per client configuration, so each
/// region (and the check at connect) would otherwise assume the role on its own.
#[derive(Debug)]
pub struct RoleSession {
    role: aws_config::sts::AssumeRoleProvider,
    held: tokio::sync::Mutex<Option<aws_credential_types::Credentials>>,
}

/// A session this close to its expiry is renewed before it is used.
const RENEW_BEFORE: std::time::Duration = std::time::Duration::from_secs(300);

impl RoleSession {
    pub fn new(role: aws_config::sts::AssumeRoleProvider) -> RoleSession {
        RoleSession { role, held: tokio::sync::Mutex::new(None) }
    }
}

impl aws_credential_types::provider::ProvideCredentials for RoleSession {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            // Held across the call: concurrent askers wait for the one AssumeRole, then share it.
            let mut held = self.held.lock().await;
            let fresh = |c: &aws_credential_types::Credentials| {
                c.expiry().is_none_or(|e| e > std::time::SystemTime::now() + RENEW_BEFORE)
            };
            if let Some(c) = held.as_ref().filter(|c| fresh(c)) {
                return Ok(c.clone());
            }
            let c = self.role.provide_credentials().await?;
            *held = Some(c.clone());
            Ok(c)
        })
    }
}

/// An OU's name, or its id where it cannot be described (said in the log).
async fn ou_name(client: &aws_sdk_organizations::Client, ou: &str) -> String {
    match client.describe_organizational_unit().organizational_unit_id(ou).send().await {
        Ok(d) => d.organizational_unit().and_then(|u| u.name()).unwrap_or(ou).to_string(),
        Err(e) => {
            tracing::warn!(
                "OU {ou} not described ({}); named by its id",
                super::sdk_error("organizations:DescribeOrganizationalUnit", e)
            );
            ou.to_string()
        }
    }
}

/// `--ou`'s place in the tree: its path from the root and the ids along it (ListParents up to
/// the root), so that an OU protected above the one asked for still protects its accounts.
async fn ancestry(client: &aws_sdk_organizations::Client, ou: &str) -> Ou {
    use aws_sdk_organizations::types::ParentType;
    let (mut ids, mut names) = (vec![ou.to_string()], vec![ou_name(client, ou).await]);
    let mut child = ou.to_string();
    // An organization is at most five OUs deep; the bound only guards against a loop.
    for _ in 0..8 {
        let parent = match client.list_parents().child_id(&child).send().await {
            Ok(p) => p
                .parents()
                .first()
                .filter(|p| p.r#type() == Some(&ParentType::OrganizationalUnit))
                .and_then(|p| p.id())
                .map(str::to_string),
            Err(e) => {
                tracing::warn!(
                    "parents of {child} not listed ({}): protected OUs above it are not known",
                    super::sdk_error("organizations:ListParents", e)
                );
                None
            }
        };
        let Some(parent) = parent else { break };
        names.insert(0, ou_name(client, &parent).await);
        ids.insert(0, parent.clone());
        child = parent;
    }
    Ou { ids, path: names.join("/") }
}

/// The role to assume in `account`.
pub fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_organizations::types::Account as OrgAccount;

    #[test]
    fn accounts_count_while_active_by_state_then_the_retired_status() {
        let state = |s| OrgAccount::builder().id("1").name("a").state(s).build();
        assert!(active(&state(AccountState::Active)));
        assert!(!active(&state(AccountState::Suspended)));
        assert!(!active(&state(AccountState::PendingClosure)));
        let old = OrgAccount::builder().id("2").status(AccountStatus::Suspended).build();
        assert!(!active(&old), "no State: the Status still says");
        let unnamed = OrgAccount::builder().id("3").build();
        assert_eq!(account(&unnamed).unwrap().name, "3", "no name: the id");
        assert_eq!(
            role_arn("111122223333", DEFAULT_ROLE),
            "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
        );
    }

    #[test]
    fn accounts_sharing_a_name_are_shown_with_their_ids() {
        let account = |id: &str, name: &str| Account { id: id.into(), name: name.into(), ou: None };
        let got = told_apart(vec![account("1", "dev"), account("2", "dev"), account("3", "prod")]);
        let names: Vec<&str> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["dev (1)", "dev (2)", "prod"]);
        assert!(answers_to("dev (1)", "1", "dev") && answers_to("prod", "3", "prod"));
        assert!(!answers_to("dev (1)", "2", "dev") && !answers_to("dev (1)", "1", "de"));
    }

    #[test]
    fn only_a_root_id_protects_every_account() {
        assert!(is_root_id("r-ab12") && is_root_id("r-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"));
        for not in ["r-and-d", "r-AB12", "r-abc", "ou-ab12-cdef1234", "r-"] {
            assert!(!is_root_id(not), "{not}");
        }
    }
}
