//! `:` commands: parsing and completion, as pure functions of the typed text.

use super::state::PaneId;
use crate::domain::Window;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Focus(PaneId),
    Theme(String),
    Window(Window),
    Sort(String),
    Refresh,
    Help,
    Zoom,
    Quit,
    Suggest,
    History,
    /// `:budget`: what the session has spent, on what, and when each part is read next.
    Budget,
    /// `:accounts`: the organization's per-account totals.
    Accounts,
    /// `:forwards`: the port forwards running in the background.
    Forwards,
    /// `:sizing [safe|balanced]`: that profile (none: the other one), and size again.
    Sizing(Option<crate::sizing::recommend::Profile>),
    /// `:prices [effective|list]`: price suggestions so (none: the other one), and size again.
    Prices(Option<crate::sizing::recommend::Prices>),
    /// `:group`: the focused pane's rows grouped by account (again: not grouped).
    Group,
    /// `:incident [hours]`
    Incident(Option<u32>),
    /// `:timeline 2026-11-14T12:10 [name]`: the timeline around a moment (a review's figure).
    TimelineAt {
        at: chrono::DateTime<chrono::Utc>,
        name: Option<String>,
    },
    /// `:review [days]`: what kept happening over the last days.
    Review(Option<u32>),
    /// `:export`: the incident handover as Markdown.
    Export,
    /// `:note text`
    Note(String),
    /// `:profile a,b` or `:region x,y`: read other AWS targets (AWS sessions only).
    Switch {
        what: Switch,
        to: Vec<String>,
    },
}

/// What `:profile` and `:region` switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Profile,
    Region,
}

impl Switch {
    pub fn word(self) -> &'static str {
        match self {
            Switch::Profile => "profile",
            Switch::Region => "region",
        }
    }
}

/// `a, b,,c` → [a, b, c]; an empty list is refused.
fn switch(what: Switch, arg: String) -> Result<Command, String> {
    let to: Vec<String> = arg.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if to.is_empty() {
        return Err(format!(
            ":{} needs {}",
            what.word(),
            if what == Switch::Profile { "a profile" } else { "a region" }
        ));
    }
    Ok(Command::Switch { what, to })
}

/// Command words, for completion and help.
pub const WORDS: &[&str] = &[
    "ecs", "redis", "cost", "alarms", "theme", "window", "sort", "refresh", "help", "zoom", "suggest", "history",
    "budget", "forwards", "accounts", "group", "incident", "timeline", "review", "export", "note", "region", "profile",
    "sizing", "prices", "quit",
];

pub fn parse(text: &str) -> Result<Command, String> {
    let mut parts = text.split_whitespace();
    let word = parts.next().unwrap_or("");
    let arg = parts.collect::<Vec<_>>().join(" ");
    let need_arg = |what: &str| -> Result<String, String> {
        if arg.is_empty() { Err(format!(":{word} needs {what}")) } else { Ok(arg.clone()) }
    };
    Ok(match word {
        "ecs" | "services" => Command::Focus(PaneId::Ecs),
        "redis" | "cache" | "elasticache" => Command::Focus(PaneId::Redis),
        "cost" | "costs" => Command::Focus(PaneId::Cost),
        "alarms" | "alarm" => Command::Focus(PaneId::Alarms),
        "theme" => Command::Theme(need_arg("a theme name")?),
        "window" => Command::Window(need_arg("1h, 24h or 14d")?.parse()?),
        "sort" => Command::Sort(need_arg("a column name")?),
        "refresh" | "r" => Command::Refresh,
        "help" | "h" => Command::Help,
        "zoom" => Command::Zoom,
        "suggest" | "suggestions" => Command::Suggest,
        "history" | "audit" => Command::History,
        "budget" | "spend" => Command::Budget,
        "forwards" | "forward" | "pf" => Command::Forwards,
        "prices" => Command::Prices(match arg.trim() {
            "" => None,
            "list" => Some(crate::sizing::recommend::Prices::List),
            "effective" => Some(crate::sizing::recommend::Prices::Effective),
            other => return Err(format!(":prices takes effective or list, not '{other}'")),
        }),
        "sizing" => Command::Sizing(if arg.is_empty() {
            None
        } else {
            Some(
                crate::sizing::recommend::Profile::parse(&arg)
                    .ok_or(format!(":sizing takes safe or balanced, not '{arg}'"))?,
            )
        }),
        "accounts" | "acct" | "org" => Command::Accounts,
        "group" => Command::Group,
        "incident" | "timeline" if moment(&arg).is_some() => {
            let (at, name) = moment(&arg).unwrap_or_default();
            Command::TimelineAt { at, name }
        }
        "review" => Command::Review(if arg.is_empty() {
            None
        } else {
            Some(
                arg.trim_end_matches('d')
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=90).contains(d))
                    .ok_or(format!(":review takes days from 1 to 90 (e.g. :review 7), not '{arg}'"))?,
            )
        }),
        "incident" | "timeline" => Command::Incident(if arg.is_empty() {
            None
        } else {
            let h = arg.trim_end_matches('h');
            Some(
                h.parse::<u32>()
                    .ok()
                    .filter(|h| (1..=48).contains(h))
                    .ok_or(format!(":incident takes hours from 1 to 48 (e.g. :incident 12), not '{arg}'"))?,
            )
        }),
        "export" => Command::Export,
        "note" => Command::Note(need_arg("the note's text")?),
        "q" | "quit" | "q!" | "exit" => Command::Quit,
        "region" => switch(Switch::Region, need_arg("a region")?)?,
        "profile" => switch(Switch::Profile, need_arg("a profile")?)?,
        "" => return Err("empty command".into()),
        other => return Err(format!("unknown command ':{other}' (press ? for help)")),
    })
}

/// `2026-11-14T12:10 orders` (UTC, as a review prints it) → the moment and the name after it.
fn moment(arg: &str) -> Option<(chrono::DateTime<chrono::Utc>, Option<String>)> {
    let mut words = arg.split_whitespace();
    let at = chrono::NaiveDateTime::parse_from_str(words.next()?, "%Y-%m-%dT%H:%M").ok()?.and_utc();
    let name: Vec<&str> = words.collect();
    Some((at, (!name.is_empty()).then(|| name.join(" "))))
}

/// Candidates for the word being typed: command words first, then arguments of `theme`,
/// `window` and `sort`.
pub fn candidates(text: &str, themes: &[String], sort_columns: &[&str]) -> Vec<String> {
    match text.split_once(' ') {
        None => WORDS.iter().filter(|w| w.starts_with(text)).map(|w| w.to_string()).collect(),
        Some((word, arg)) => {
            let arg = arg.trim_start();
            let options: Vec<String> = match word {
                "theme" => themes.to_vec(),
                "window" => Window::ALL.iter().map(|w| w.label().to_string()).collect(),
                "sort" => sort_columns.iter().map(|c| c.to_string()).collect(),
                _ => Vec::new(),
            };
            options.into_iter().filter(|o| o.starts_with(arg)).map(|o| format!("{word} {o}")).collect()
        }
    }
}

/// Tab: extend the text to the longest prefix all candidates share.
pub fn complete(text: &str, themes: &[String], sort_columns: &[&str]) -> String {
    let found = candidates(text, themes, sort_columns);
    let Some(first) = found.first() else {
        return text.to_string();
    };
    let mut prefix = first.clone();
    for c in &found[1..] {
        let common = prefix.chars().zip(c.chars()).take_while(|(a, b)| a == b).count();
        prefix = prefix.chars().take(common).collect();
    }
    if found.len() == 1
        && !WORDS.contains(&text)
        && !prefix.contains(' ')
        && matches!(prefix.as_str(), "theme" | "window" | "sort" | "region" | "profile")
    {
        prefix.push(' ');
    }
    if prefix.len() >= text.len() { prefix } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_and_region_switches_arrive_typed_as_lists() {
        assert_eq!(
            parse("region eu-west-1, us-east-1,"),
            Ok(Command::Switch { what: Switch::Region, to: vec!["eu-west-1".into(), "us-east-1".into()] })
        );
        assert_eq!(parse("profile prod"), Ok(Command::Switch { what: Switch::Profile, to: vec!["prod".into()] }));
        assert!(parse("profile ,,").is_err());
        assert!(parse("region").is_err());
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse("redis"), Ok(Command::Focus(PaneId::Redis)));
        assert_eq!(parse("theme  gruvbox"), Ok(Command::Theme("gruvbox".into())));
        assert_eq!(parse("window 14d"), Ok(Command::Window(Window::Fortnight)));
        assert!(parse("window 3y").is_err());
        assert!(parse("theme").is_err());
        assert!(parse("frobnicate").unwrap_err().contains("unknown command"));
    }

    #[test]
    fn a_reviews_link_opens_the_timeline_at_its_moment() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 14, 12, 10, 0).unwrap();
        assert_eq!(
            parse("timeline 2026-11-14T12:10 orders"),
            Ok(Command::TimelineAt { at, name: Some("orders".into()) })
        );
        assert_eq!(parse("incident 2026-11-14T12:10"), Ok(Command::TimelineAt { at, name: None }));
        assert_eq!(parse("timeline 12"), Ok(Command::Incident(Some(12))), "hours still work");
        assert!(parse("timeline 2026-13-14T12:10").is_err(), "not a moment, not hours");
        assert_eq!(parse("review"), Ok(Command::Review(None)));
        assert_eq!(parse("review 7d"), Ok(Command::Review(Some(7))));
        assert!(parse("review 400").is_err());
    }

    #[test]
    fn completes_words_and_arguments() {
        let themes = vec!["default".to_string(), "dracula".into(), "light".into()];
        assert_eq!(complete("th", &themes, &[]), "theme ");
        assert_eq!(complete("theme d", &themes, &[]), "theme d");
        assert_eq!(candidates("theme d", &themes, &[]).len(), 2);
        assert_eq!(complete("theme l", &themes, &[]), "theme light");
        assert_eq!(complete("wi", &themes, &[]), "window ");
        assert_eq!(complete("r", &themes, &[]), "re");
        assert_eq!(complete("xyz", &themes, &[]), "xyz");
    }
}
