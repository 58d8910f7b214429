//! The plan popup's change as code: who owns the resource in the code, the diff (a window of
//! it, scrolled with ↑/↓), what could not be changed, and the keys that write or commit it.
//! Shown before the direct apply: for code-owned resources it is the change to make.

use crate::app::code_change::{DIFF_LINES, shown_diff};
use crate::app::state::{CodeState, PlanState};
use crate::ui::theme::Theme;
use ratatui::text::{Line, Span};

fn field<'a>(name: &str, value: String, style: ratatui::style::Style, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{name:<11}"), theme.muted()), Span::styled(value, style)])
}

/// The code section's lines; `room` is how many diff lines fit.
pub fn lines<'a>(p: &PlanState, room: usize, theme: &Theme) -> Vec<Line<'a>> {
    let change = match &p.code {
        CodeState::NoPaths => {
            let owned = p.plan.as_ref().is_some_and(|plan| plan.owner.is_some());
            return if owned {
                vec![field(
                    "code",
                    "to see this change as a diff of the code that owns it, add its checkout to [iac] paths in the config".into(),
                    theme.muted(),
                    theme,
                )]
            } else {
                Vec::new()
            };
        }
        CodeState::Searching => {
            return vec![field("code", "looking for the code that owns it…".into(), theme.muted(), theme)];
        }
        CodeState::NotFound(why) => return vec![field("code", why.clone(), theme.muted(), theme)],
        CodeState::Failed(why) => return vec![field("code", format!("not written: {why}"), theme.critical(), theme)],
        CodeState::Found(change) => change,
    };
    let mut out =
        vec![field("code", format!("owned by {} in {}", change.declared, change.root.display()), theme.title(), theme)];
    let diff = shown_diff(&change.diff);
    let room = room.clamp(3, DIFF_LINES);
    let first = p.code_scroll.min(diff.len().saturating_sub(room));
    for line in diff.iter().skip(first).take(room) {
        let style = if line.starts_with("── ") {
            theme.title()
        } else if line.starts_with('+') {
            theme.ok()
        } else if line.starts_with('-') {
            theme.critical()
        } else if line.starts_with("@@") {
            theme.info()
        } else {
            theme.base()
        };
        out.push(Line::from(Span::styled(format!("  {line}"), style)));
    }
    if diff.len() > room {
        out.push(Line::from(Span::styled(
            format!("  lines {}–{} of {} · ↑↓ PgUp PgDn scroll", first + 1, first + room.min(diff.len()), diff.len()),
            theme.muted(),
        )));
    }
    for n in &change.notes {
        out.push(field("  not set", n.clone(), theme.warn(), theme));
    }
    let protected = p.plan.as_ref().is_some_and(|plan| plan.protected);
    let key = |plain: &str, ctrl: &str| if protected { format!("ctrl-{ctrl}") } else { plain.to_string() };
    let done = match &change.committed {
        Some(c) => {
            Some(format!("committed {} on branch {} (not pushed): open the pull request from it", c.commit, c.branch))
        }
        None if !change.written.is_empty() => {
            Some(format!("written into {} file(s), not committed: review with git diff", change.written.len()))
        }
        None => None,
    };
    out.push(match done {
        Some(text) => Line::from(Span::styled(format!("  {text}"), theme.ok())),
        None => Line::from(vec![
            Span::styled(format!("  {}", key("c", "o")), theme.title()),
            Span::styled(" write this change · ", theme.base()),
            Span::styled(key("g", "g"), theme.title()),
            Span::styled(" commit it on a new branch (clean work tree; never pushed)", theme.base()),
        ]),
    });
    out
}
