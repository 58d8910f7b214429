//! The change itself: the tokens to replace, each file before and after, the unified diff, and
//! writing it (only over files that still read as they did).

use super::{Candidate, Field, Setting, Source, Want, rel};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One token replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub file: PathBuf,
    pub span: Range<usize>,
    pub before: String,
    pub after: String,
    /// Which settings it carries ("task cpu", "orders cpu").
    pub fields: Vec<String>,
    /// "terraform.tfvars:3"
    pub place: String,
    /// How the value was reached from the resource: "var.payments_cpu (terraform.tfvars)".
    pub via: Vec<String>,
}

impl Edit {
    /// "task cpu at terraform.tfvars:3 via var.payments_cpu (terraform.tfvars)"
    pub fn what(&self) -> String {
        let via = if self.via.is_empty() { String::new() } else { format!(" via {}", self.via.join(" → ")) };
        format!("{} at {}{via}", self.fields.join(", "), self.place)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub tool: crate::domain::IacTool,
    pub root: PathBuf,
    pub declared: String,
    pub edits: Vec<Edit>,
    /// What was not changed and why (computed values, conflicts, values the code does not set).
    pub notes: Vec<String>,
    /// Every changed file: (as read, as it will be).
    pub files: BTreeMap<PathBuf, (String, String)>,
}

impl Patch {
    pub fn new(candidate: Candidate, want: &Want) -> Patch {
        let mut notes = want.notes.clone();
        // Settings that reach the same token must agree on its new value.
        let mut at_site: BTreeMap<(PathBuf, usize, usize), (super::Site, Vec<Setting>)> = BTreeMap::new();
        for (setting, source) in candidate.sources {
            match source {
                Source::At(site) => {
                    let key = (site.file.clone(), site.span.start, site.span.end);
                    at_site.entry(key).or_insert_with(|| (site, Vec::new())).1.push(setting);
                }
                Source::Computed(why) => notes.push(format!("{}: not changed: {why}", setting.field.label())),
                Source::Unset => notes.push(format!(
                    "{}: the code does not set it (AWS has {}); not added",
                    setting.field.label(),
                    setting.before
                )),
            }
        }
        let mut edits = Vec::new();
        for (site, settings) in at_site.into_values() {
            let tokens: Vec<Result<String, String>> = settings
                .iter()
                .map(|s| {
                    if !site.allowed.is_empty() && !site.allowed.contains(&s.after) {
                        return Err(format!(
                            "{} is not among the parameter's AllowedValues ({}): add it there first",
                            s.after,
                            site.allowed.join(", ")
                        ));
                    }
                    retoken(&site.token, s)
                })
                .collect();
            let labels: Vec<String> = settings.iter().map(|s| s.field.label()).collect();
            let place = format!("{}:{}", site.file.display(), site.line);
            match tokens.iter().find_map(|t| t.as_ref().err()) {
                Some(why) => notes.push(format!("{}: not changed: {why} ({place})", labels.join(", "))),
                None => {
                    let mut news: Vec<&String> = tokens.iter().filter_map(|t| t.as_ref().ok()).collect();
                    news.dedup();
                    if news.len() > 1 {
                        notes.push(format!(
                            "{} share {} at {place} but should become {}: not changed — split the value first",
                            labels.join(" and "),
                            site.token,
                            news.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" and ")
                        ));
                        continue;
                    }
                    edits.push(Edit {
                        file: site.file.clone(),
                        span: site.span.clone(),
                        before: site.token.clone(),
                        after: news[0].clone(),
                        fields: labels,
                        place,
                        via: site.via.clone(),
                    });
                }
            }
        }
        let files = apply_edits(&candidate.root, &edits);
        notes.extend(edits.iter().filter_map(|e| stale_comment(&files, e)));
        Patch { tool: candidate.tool, root: candidate.root, declared: candidate.declared, edits, notes, files }
    }

    /// The change as a unified diff with `a/` and `b/` paths relative to the root.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for (path, (before, after)) in &self.files {
            let p = path.to_string_lossy().replace('\\', "/");
            let diff = similar::TextDiff::from_lines(before, after);
            out.push_str(&format!("diff --git a/{p} b/{p}\n"));
            out.push_str(
                &diff.unified_diff().context_radius(3).header(&format!("a/{p}"), &format!("b/{p}")).to_string(),
            );
        }
        out
    }

    /// Write every changed file, after checking none changed since it was read.
    pub fn write(&self) -> Result<Vec<PathBuf>, String> {
        for (path, (before, _)) in &self.files {
            let now = std::fs::read_to_string(self.root.join(path)).map_err(|e| format!("{}: {e}", path.display()))?;
            if &now != before {
                return Err(format!("{} changed since it was read: nothing written", path.display()));
            }
        }
        let mut written = Vec::new();
        for (path, (_, after)) in &self.files {
            std::fs::write(self.root.join(path), after).map_err(|e| format!("{}: {e}", path.display()))?;
            written.push(path.clone());
        }
        Ok(written)
    }
}

/// A comment on the edited line that restates the old value ("# 1 vCPU" beside a cpu going to
/// 2048): the value token changes, the comment is the author's to reword, so it is pointed at.
fn stale_comment(files: &BTreeMap<PathBuf, (String, String)>, e: &Edit) -> Option<String> {
    let (before, _) = files.get(&e.file)?;
    let line_end = before[e.span.end..].find('\n').map_or(before.len(), |n| e.span.end + n);
    let rest = &before[e.span.end..line_end];
    let comment = rest.find('#').or_else(|| rest.find("//")).map(|at| rest[at..].trim())?;
    let old = e.before.trim_matches(['"', '\'']);
    let lower = comment.to_lowercase();
    let mut phrases = vec![old.to_string()];
    if let Ok(n) = old.parse::<f64>() {
        let v = format!("{}", n / 1024.0);
        phrases.extend(["vcpu", "gb", "gib", "g"].iter().flat_map(|u| [format!("{v} {u}"), format!("{v}{u}")]));
    }
    let restated = phrases.iter().any(|p| has_phrase(&lower, p));
    restated.then(|| format!("{}: its comment `{comment}` describes the old value {old}: reword it in review", e.place))
}

/// `phrase` in `text` as whole words (not `1 vcpu` inside `11 vcpus`).
fn has_phrase(text: &str, phrase: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.');
    text.match_indices(phrase)
        .any(|(at, _)| !word(text[..at].chars().next_back()) && !word(text[at + phrase.len()..].chars().next()))
}

/// Each file's text with its edits applied (spans are the parser's, on the text as read).
fn apply_edits(root: &Path, edits: &[Edit]) -> BTreeMap<PathBuf, (String, String)> {
    let mut files = BTreeMap::new();
    let mut by_file: BTreeMap<&PathBuf, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(&e.file).or_default().push(e);
    }
    for (path, mut edits) in by_file {
        let Ok(before) = std::fs::read_to_string(root.join(path)) else { continue };
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut after = before.clone();
        for e in edits {
            after.replace_range(e.span.clone(), &e.after);
        }
        files.insert(rel(root, path), (before, after));
    }
    files
}

/// The token written the way the code wrote the old one: same quotes, same unit ("2 vCPU",
/// "4 GB"); Err when the code does not say what AWS runs (then it is not the value to change).
pub fn retoken(token: &str, setting: &Setting) -> Result<String, String> {
    let (open, inner, close) = unquote(token);
    let differs = || format!("the code says {token}, AWS runs {}", setting.before);
    let new_inner = if setting.field == Field::NodeType {
        (inner == setting.before).then(|| setting.after.clone()).ok_or_else(differs)?
    } else if inner.trim().parse::<u32>().ok() == setting.before.parse::<u32>().ok()
        && inner.trim().parse::<u32>().is_ok()
    {
        setting.after.clone()
    } else {
        unit_value(inner, &setting.field, &setting.before, &setting.after).ok_or_else(differs)?
    };
    Ok(format!("{open}{new_inner}{close}"))
}

fn unquote(token: &str) -> (&str, &str, &str) {
    for q in ["\"", "'"] {
        if token.len() >= 2 && token.starts_with(q) && token.ends_with(q) {
            return (q, &token[1..token.len() - 1], q);
        }
    }
    ("", token, "")
}

/// CloudFormation's "1 vCPU" / "2 GB" forms: the new value in the same unit (MiB when it is not
/// a whole number of GB).
fn unit_value(inner: &str, field: &Field, before: &str, after: &str) -> Option<String> {
    let lower = inner.to_ascii_lowercase();
    let (number, unit) = lower.trim().split_once(' ')?;
    let n: f64 = number.parse().ok()?;
    let (before, after): (f64, f64) = (before.parse().ok()?, after.parse().ok()?);
    let plain = |x: f64| format!("{x}").trim_end_matches(".0").to_string();
    match (field, unit.trim()) {
        (Field::TaskCpu, "vcpu") if (n * 1024.0 - before).abs() < 0.5 => {
            Some(format!("{} vCPU", plain(after / 1024.0)))
        }
        (Field::TaskMemory, "gb") if (n * 1024.0 - before).abs() < 0.5 => {
            Some(if after % 1024.0 == 0.0 { format!("{} GB", plain(after / 1024.0)) } else { plain(after) })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(field: Field, before: &str, after: &str) -> Setting {
        Setting { field, before: before.into(), after: after.into() }
    }

    #[test]
    fn tokens_keep_their_quotes_and_units_and_refuse_a_value_aws_does_not_run() {
        assert_eq!(retoken("\"1024\"", &s(Field::TaskCpu, "1024", "2048")), Ok("\"2048\"".into()));
        assert_eq!(retoken("1024", &s(Field::TaskCpu, "1024", "512")), Ok("512".into()));
        assert_eq!(retoken("'2048'", &s(Field::TaskMemory, "2048", "4096")), Ok("'4096'".into()));
        assert_eq!(retoken("\"1 vCPU\"", &s(Field::TaskCpu, "1024", "512")), Ok("\"0.5 vCPU\"".into()));
        assert_eq!(retoken("4 GB", &s(Field::TaskMemory, "4096", "3072")), Ok("3 GB".into()));
        assert_eq!(
            retoken("cache.r7g.large", &s(Field::NodeType, "cache.r7g.large", "cache.r7g.xlarge")),
            Ok("cache.r7g.xlarge".into())
        );
        let stale = retoken("\"512\"", &s(Field::TaskCpu, "1024", "2048")).unwrap_err();
        assert_eq!(stale, "the code says \"512\", AWS runs 1024");
    }
}
