//! The optional git step: on a clean work tree, a branch `infradeck/resize-<resource>-<date>`
//! with the change committed under the user's own git identity. Never pushed. Runs the `git`
//! the user has, so hooks, signing and identity are theirs.

use super::Patch;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    pub branch: String,
    pub commit: String,
    pub files: Vec<PathBuf>,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out =
        Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("git could not be run: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// `orders` from `prod-core/orders`, safe in a branch name.
fn slug(resource: &str) -> String {
    let s: String = resource.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    s.trim_matches('-').to_string()
}

/// Write the patch on a new branch and commit it with `message` (its first line the subject).
pub fn commit(patch: &Patch, resource: &str, date: &str, message: &str) -> Result<Committed, String> {
    let dir = &patch.root;
    git(dir, &["rev-parse", "--show-toplevel"]).map_err(|_| format!("{} is not in a git work tree", dir.display()))?;
    let dirty = git(dir, &["status", "--porcelain"])?;
    if !dirty.is_empty() {
        return Err(format!(
            "the work tree at {} has uncommitted changes: commit or stash them first (nothing was written)",
            dir.display()
        ));
    }
    let base = format!("infradeck/resize-{}-{date}", slug(resource));
    let exists = |b: &str| git(dir, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{b}")]).is_ok();
    let branch = std::iter::once(base.clone())
        .chain((2..100).map(|n| format!("{base}-{n}")))
        .find(|b| !exists(b))
        .ok_or("too many branches of that name")?;
    git(dir, &["switch", "--quiet", "--create", &branch])?;
    let undo = |why: String| -> String {
        let _ = git(dir, &["checkout", "--quiet", "--", "."]);
        let _ = git(dir, &["switch", "--quiet", "-"]);
        let _ = git(dir, &["branch", "--quiet", "-D", &branch]);
        format!("{why} (the branch was removed, nothing left behind)")
    };
    let files = patch.write().map_err(&undo)?;
    let mut add = vec!["add", "--"];
    let names: Vec<String> = files.iter().map(|f| f.to_string_lossy().into_owned()).collect();
    add.extend(names.iter().map(String::as_str));
    git(dir, &add).map_err(&undo)?;
    git(dir, &["commit", "--quiet", "-m", message]).map_err(&undo)?;
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    Ok(Committed { branch, commit, files })
}
