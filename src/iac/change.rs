//! A plan made into a change of the code that owns it, delivered as asked: printed, written,
//! or committed on a branch. What `plan --format diff` and the plan popup both use.

use crate::apply::ResizePlan;
use std::path::PathBuf;

/// A plan made into a change of the code that owns it: the diff (stdout, for `git apply`),
/// and what was found and done, in words (stderr).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeChange {
    pub tool: crate::domain::IacTool,
    /// The checkout it was found in, and the declaration that owns the resource.
    pub root: PathBuf,
    pub declared: String,
    /// What could not be changed, and why.
    pub notes: Vec<String>,
    pub diff: String,
    pub report: String,
    /// The Markdown description (also the commit message of the git step).
    pub description: String,
    pub written: Vec<PathBuf>,
    pub committed: Option<super::git::Committed>,
}

/// What to do with the change once found.
#[derive(Debug, Clone, PartialEq)]
pub enum Deliver {
    /// Print it; write nothing.
    Print,
    /// Write it into the files.
    Write,
    /// Write it on a new branch `infradeck/resize-<resource>-<date>` and commit it.
    Branch { date: String },
}

/// Find the code that owns the plan's resource under `roots` and make the change there;
/// `write` writes it. Err says why no change was made (nothing or several declarations match,
/// or every value is computed) and where it looked.
pub fn code_change(plan: &ResizePlan, roots: &[PathBuf], deliver: &Deliver) -> Result<CodeChange, String> {
    if roots.is_empty() {
        return Err("no checkout of the code to search: give --iac DIR (or [iac] paths in the config)".into());
    }
    let want = super::Want::from_plan(plan);
    let what = match &want.resource {
        super::Wanted::TaskFamily(f) => format!("task definition family {f}"),
        super::Wanted::Group(g) => format!("replication group {g}"),
    };
    let patch = match super::find(roots, &want) {
        super::Answer::Patch(p) => p,
        super::Answer::NotFound(looked) => {
            return Err(format!(
                "no Terraform or CloudFormation declares {what}; looked in {}. `--format terraform` (or cloudformation) prints the change as a snippet instead",
                looked.join("; ")
            ));
        }
        super::Answer::Ambiguous(found) => {
            return Err(format!(
                "{} declarations match {what}, none was changed:\n  {}",
                found.len(),
                found.join("\n  ")
            ));
        }
    };
    let mut report = format!(
        "{}: {}\nowned by {} (in {})\n",
        plan.resource_name(),
        plan.summary(),
        patch.declared,
        patch.root.display()
    );
    for e in &patch.edits {
        report.push_str(&format!("changed: {} {} → {}\n", e.what(), e.before, e.after));
    }
    for n in &patch.notes {
        report.push_str(&format!("note: {n}\n"));
    }
    if patch.edits.is_empty() {
        return Err(format!("{report}nothing in the code can be changed for it"));
    }
    let description = super::describe::markdown(plan, &patch);
    let (written, committed) = match deliver {
        Deliver::Print => (Vec::new(), None),
        Deliver::Write => (patch.write()?, None),
        Deliver::Branch { date } => {
            let c = super::git::commit(&patch, &plan.resource_name(), date, &description)?;
            (c.files.clone(), Some(c))
        }
    };
    for w in &written {
        report.push_str(&format!("wrote {}\n", patch.root.join(w).display()));
    }
    if let Some(c) = &committed {
        report.push_str(&format!("committed {} on branch {} (not pushed)\n", c.commit, c.branch));
    }
    Ok(CodeChange {
        tool: patch.tool,
        diff: patch.diff(),
        root: patch.root.clone(),
        declared: patch.declared.clone(),
        notes: patch.notes.clone(),
        report,
        description,
        written,
        committed,
    })
}
