//! The change as a reviewer reads it in the pull request: what changes and where, why (the
//! evidence and its backtest, the health it was planned against), what it costs, the risk and
//! how to roll it back. Also the commit message of the git step.

use super::Patch;
use crate::apply::ResizePlan;

/// "Resize prod-core/orders: 1 vCPU / 3 GiB → 2 vCPU / 4 GiB"
pub fn title(plan: &ResizePlan) -> String {
    let verb = if plan.rollback_to.is_some() { "Roll back" } else { "Resize" };
    format!("{verb} {}: {}", plan.resource_name(), plan.summary())
}

/// The Markdown description (without the diff).
pub fn markdown(plan: &ResizePlan, patch: &Patch) -> String {
    let mut out = format!("{}\n\n", title(plan));
    let owner = plan.owner.as_ref().map_or(String::new(), |o| format!(" ({o})"));
    out.push_str(&format!(
        "Suggested by infradeck for {}. The code that owns it: `{}`{owner}.\n\n",
        plan.target, patch.declared
    ));
    out.push_str("## What changes\n\n| value | where it is set | before | after |\n|---|---|---|---|\n");
    for e in &patch.edits {
        let via = e.via.first().map_or(String::new(), |v| format!(" ({})", v.split(" (").next().unwrap_or(v)));
        out.push_str(&format!("| {} | `{}`{via} | `{}` | `{}` |\n", e.fields.join(", "), e.place, e.before, e.after));
    }
    let kept = plan.kept_containers();
    if !kept.is_empty() {
        out.push_str(&format!("\nKept as they are: {}.\n", kept.join(", ")));
    }
    if !patch.notes.is_empty() {
        out.push_str("\nNot changed in the code (check by hand):\n\n");
        for n in &patch.notes {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out.push_str("\n## Why\n\n");
    for e in &plan.evidence {
        out.push_str(&format!("- {e}\n"));
    }
    if let Some(h) = &plan.health {
        out.push_str(&format!("- health when planned: {h}\n"));
    }
    let cost = plan
        .monthly_change
        .map_or("not priced".into(), |m| format!("{}{m:.2} USD a month at list price", if m < 0.0 { "" } else { "+" }));
    out.push_str(&format!("\n## Cost and risk\n\n- {cost}\n- risk: {:?}\n", plan.risk));
    out.push_str(&format!(
        "\n## Rolling back\n\nRevert this change (`git revert`) and deploy it the usual way; `infradeck plan {} --rollback` \
         shows the direct return to the running revision while the deploy is pending.\n",
        plan.resource_name()
    ));
    out
}
