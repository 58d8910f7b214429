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
}

impl Default for OrgOptions {
    fn default() -> Self {
        OrgOptions { role: DEFAULT_ROLE.into(), ou: None, accounts: Vec::new() }
    }
}

/// The role AWS Organizations creates in the accounts it creates.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// One account to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
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
    Some(Account { id, name })
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

/// The active accounts `o` asks for, by name then id.
pub async fn accounts(client: &aws_sdk_organizations::Client, o: &OrgOptions) -> Result<Vec<Account>, ProviderError> {
    let mut found: Vec<aws_sdk_organizations::types::Account> = Vec::new();
    match &o.ou {
        None => {
            found = paged(|token| async move {
                let page = client
                    .list_accounts()
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| super::sdk_error("organizations:ListAccounts", e))?;
                Ok((page.accounts().to_vec(), page.next_token().map(str::to_string)))
            })
            .await?;
        }
        Some(ou) => {
            // The OU and every OU under it.
            let mut parents = vec![ou.clone()];
            while let Some(parent) = parents.pop() {
                let parent = &parent;
                found.extend(
                    paged(|token| async move {
                        let page = client
                            .list_accounts_for_parent()
                            .parent_id(parent)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| super::sdk_error("organizations:ListAccountsForParent", e))?;
                        Ok((page.accounts().to_vec(), page.next_token().map(str::to_string)))
                    })
                    .await?,
                );
                parents.extend(
                    paged(|token| async move {
                        let page = client
                            .list_organizational_units_for_parent()
                            .parent_id(parent)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| super::sdk_error("organizations:ListOrganizationalUnitsForParent", e))?;
                        let ids = page.organizational_units().iter().filter_map(|u| u.id().map(str::to_string));
                        Ok((ids.collect(), page.next_token().map(str::to_string)))
                    })
                    .await?,
                );
            }
        }
    }
    let mut out: Vec<Account> = found
        .iter()
        .filter(|a| active(a))
        .filter_map(account)
        .filter(|a| o.accounts.is_empty() || o.accounts.contains(&a.id))
        .collect();
    out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    out.dedup();
    Ok(out)
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
}
