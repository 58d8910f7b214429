//! The plan popup's change as code: when a plan is ready, the checkouts in `[iac] paths` are
//! searched for the code that owns the resource and the diff is shown first; `c` writes it,
//! `g` commits it on a new branch (never pushed). Writing code sends nothing to AWS, so it is
//! offered in read-only mode too.

use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{CodeState, Level, Overlay, PlanPhase, State};
use crate::iac::change::{CodeChange, Deliver};
use ratatui::crossterm::event::KeyCode;

/// Lines of the diff shown at once in the popup.
pub const DIFF_LINES: usize = 14;

/// A change written to code that the running resource has not reached yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// Written (or committed) `days` ago; the deploy that brings `after` is awaited.
    Awaiting { after: String, days: i64 },
    /// Older than a week and still not deployed: said, so nobody thinks it landed.
    Stale { after: String, days: i64 },
}

/// After this long an undeployed code change is stale.
pub const STALE_DAYS: i64 = 7;

/// The resource's latest change from here, if it was a code change it has not reached yet:
/// `current` is its size now as plans label it ("2 vCPU / 4 GiB", a node type). Once the
/// running resource has the planned size there is nothing to follow.
pub fn follow(
    history: &[crate::apply::AuditEntry],
    resource: &str,
    current: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Follow> {
    let last = history.iter().rev().find(|e| e.resource_name() == resource)?;
    if last.action != crate::apply::audit::CODE_CHANGE || last.after == current || !last.result.is_applied() {
        return None;
    }
    let days = (now - last.time).num_days().max(0);
    let after = last.after.clone();
    Some(if days >= STALE_DAYS { Follow::Stale { after, days } } else { Follow::Awaiting { after, days } })
}

/// The diff as the popup shows it: each file named once (`diff --git` / `---` / `+++` become
/// one `── path` line), hunks and lines as they are.
pub fn shown_diff(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ "))
        .map(|l| match l.strip_prefix("diff --git a/") {
            Some(rest) => format!("── {}", rest.split(" b/").next().unwrap_or(rest)),
            None => l.to_string(),
        })
        .collect()
}

/// A ready plan: look for its code (the effect reads files only).
pub fn search(state: &mut State, fx: &mut Vec<Effect>) {
    let roots = state.iac_paths.clone();
    let Some(Overlay::Plan(p)) = &mut state.overlay else { return };
    let Some(plan) = p.plan.clone().filter(|_| p.phase == PlanPhase::Ready) else { return };
    if roots.is_empty() {
        p.code = CodeState::NoPaths;
        return;
    }
    p.code = CodeState::Searching;
    fx.push(Effect::CodeChange { req: p.req, plan: Box::new(plan), roots, deliver: Deliver::Print, audit: None });
}

pub fn on_changed(
    state: &mut State,
    req: u64,
    result: Result<CodeChange, String>,
    audit: Option<Result<crate::apply::AuditEntry, String>>,
) {
    match audit {
        Some(Ok(entry)) => state.history.push(entry),
        Some(Err(e)) => state.status = Some((Level::Warn, format!("the code change is not in the audit log: {e}"))),
        None => {}
    }
    let Some(Overlay::Plan(p)) = &mut state.overlay else { return };
    if p.req != req {
        return;
    }
    let delivered = result.as_ref().ok().map(|c| (c.written.len(), c.committed.clone()));
    // Code that declares it owns it, tagged or not (Terraform rarely tags): the plan says so,
    // and its direct apply is drift like any other.
    if let (Ok(change), Some(plan)) = (&result, p.plan.as_mut())
        && plan.owner.is_none()
    {
        plan.owner = Some(crate::domain::Ownership::declared_in(change.tool, &change.declared));
    }
    p.code = match (result, &p.code) {
        (Ok(change), _) => CodeState::Found(Box::new(change)),
        // A write that failed keeps the change on screen, with why.
        (Err(e), CodeState::Found(_)) => CodeState::Failed(e),
        (Err(e), _) => CodeState::NotFound(e),
    };
    state.status = match delivered {
        Some((_, Some(c))) => {
            Some((Level::Info, format!("committed {} on branch {} (not pushed)", c.commit, c.branch)))
        }
        Some((n, None)) if n > 0 => Some((Level::Info, format!("wrote the change into {n} file(s) (not committed)"))),
        _ => state.status.take(),
    };
    state.dirty = true;
}

/// Keys for the code change while a plan is ready: `c` write, `g` commit on a branch, ↑/↓ and
/// PgUp/PgDn scroll the diff (ctrl-o and ctrl-g on a protected profile). True when the key was
/// one of these.
pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) -> bool {
    let audit = state.audit_log.clone();
    let roots = state.iac_paths.clone();
    let today = state.now.format("%Y-%m-%d").to_string();
    let Some(Overlay::Plan(p)) = &mut state.overlay else { return false };
    let CodeState::Found(change) = &p.code else { return false };
    let lines = shown_diff(&change.diff).len();
    let protected = p.plan.as_ref().is_some_and(|plan| plan.protected);
    // Protected profiles type letters into the confirmation: ctrl-o and ctrl-g there (ctrl-c
    // closes a plan everywhere, so it never writes).
    let pressed = |plain: char, ctrl: char| match protected {
        false => !key.ctrl && key.code == KeyCode::Char(plain),
        true => key.ctrl && key.code == KeyCode::Char(ctrl),
    };
    let deliver = if pressed('c', 'o') && change.written.is_empty() {
        Some(Deliver::Write)
    } else if pressed('g', 'g') && change.committed.is_none() {
        Some(Deliver::Branch { date: today })
    } else {
        None
    };
    if let Some(deliver) = deliver {
        let Some(plan) = p.plan.clone() else { return true };
        fx.push(Effect::CodeChange { req: p.req, plan: Box::new(plan), roots, deliver, audit });
        return true;
    }
    let step = match key.code {
        KeyCode::Down => 1,
        KeyCode::Up => -1,
        KeyCode::PageDown => DIFF_LINES as isize,
        KeyCode::PageUp => -(DIFF_LINES as isize),
        _ => return false,
    };
    let last = lines.saturating_sub(DIFF_LINES);
    p.code_scroll = (p.code_scroll as isize + step).clamp(0, last as isize) as usize;
    state.dirty = true;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_change_is_followed_until_the_resource_reaches_it_and_is_stale_after_a_week() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let entry = |action: &str, after: &str| crate::apply::AuditEntry {
            time: t("2026-11-20T10:00:00Z"),
            caller: "dana".into(),
            target: "demo fleet".into(),
            action: action.into(),
            resource: crate::domain::ResourceRef::EcsService { cluster: "prod".into(), service: "orders".into() },
            identity: None,
            before: "1 vCPU / 2 GiB".into(),
            after: after.into(),
            revision_before: "orders:3".into(),
            revision_after: None,
            requests: vec![],
            result: crate::apply::Outcome::Applied,
            code: None,
            session: None,
        };
        let history = vec![entry(crate::apply::audit::CODE_CHANGE, "2 vCPU / 4 GiB")];
        let soon = t("2026-11-22T10:00:00Z");
        assert_eq!(
            follow(&history, "prod/orders", "1 vCPU / 2 GiB", soon),
            Some(Follow::Awaiting { after: "2 vCPU / 4 GiB".into(), days: 2 })
        );
        assert_eq!(follow(&history, "prod/orders", "2 vCPU / 4 GiB", soon), None, "deployed: done");
        assert_eq!(
            follow(&history, "prod/orders", "1 vCPU / 2 GiB", t("2026-11-28T10:00:00Z")),
            Some(Follow::Stale { after: "2 vCPU / 4 GiB".into(), days: 8 })
        );
        assert_eq!(follow(&history, "prod/payments", "1 vCPU / 2 GiB", soon), None);
        let applied_after = [history[0].clone(), entry("resize", "2 vCPU / 4 GiB")];
        assert_eq!(follow(&applied_after, "prod/orders", "1 vCPU / 2 GiB", soon), None, "a later apply supersedes it");
        assert_eq!(
            shown_diff("diff --git a/x.tf b/x.tf\n--- a/x.tf\n+++ b/x.tf\n@@ -1 +1 @@\n-a\n+b\n"),
            ["── x.tf", "@@ -1 +1 @@", "-a", "+b"]
        );
    }
}
