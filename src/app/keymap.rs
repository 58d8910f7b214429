//! Key chords and the keymap: parsed once from the defaults and the user's `[keys]` table.

use super::action::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

/// A key with its modifiers, as written in a config file: `q`, `ctrl-c`, `shift-tab`, `f1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyChord {
    pub fn plain(code: KeyCode) -> Self {
        KeyChord { code, ctrl: false, alt: false }
    }

    /// Normalises a terminal key event: shift is folded into the character (`G`, `?`).
    pub fn from_event(ev: KeyEvent) -> Self {
        KeyChord {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

impl FromStr for KeyChord {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        // `-` alone is a key; `ctrl--` is ctrl and `-`.
        while rest.len() > 1 {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            other => {
                return Err(format!("unknown key '{other}' in '{s}' (e.g. q, ctrl-c, shift-tab, enter, f1, pgdn)"));
            }
        };
        if ctrl && matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            return Err(format!("'{s}': write ctrl chords in lower case"));
        }
        Ok(KeyChord { code, ctrl, alt })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            _ => f.write_str("?"),
        }
    }
}

impl<'de> Deserialize<'de> for KeyChord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One key or several, as the config file allows either.
#[derive(Debug, Clone)]
pub enum KeyList {
    One(KeyChord),
    Many(Vec<KeyChord>),
}

impl<'de> Deserialize<'de> for KeyList {
    // By hand rather than `#[serde(untagged)]`, so a bad key's own message reaches the user.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key like \"q\" or a list of keys like [\"q\", \"ctrl-c\"]")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<KeyList, E> {
                s.parse().map(KeyList::One).map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<KeyChord>()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(V)
    }
}

impl KeyList {
    fn into_vec(self) -> Vec<KeyChord> {
        match self {
            KeyList::One(k) => vec![k],
            KeyList::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    by_key: HashMap<KeyChord, Action>,
    by_action: BTreeMap<Action, Vec<KeyChord>>,
}

const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Quit, &["q", "ctrl-c"]),
    (Action::Help, &["?"]),
    (Action::Command, &[":"]),
    (Action::Filter, &["/"]),
    (Action::NextPane, &["tab"]),
    (Action::PrevPane, &["shift-tab"]),
    (Action::PaneEcs, &["1"]),
    (Action::PaneRedis, &["2"]),
    (Action::PaneCost, &["3"]),
    (Action::PaneAlarms, &["4"]),
    (Action::Up, &["k", "up"]),
    (Action::Down, &["j", "down"]),
    (Action::Top, &["g", "home"]),
    (Action::Bottom, &["G", "end"]),
    (Action::PageUp, &["pgup", "ctrl-b"]),
    (Action::PageDown, &["pgdn", "ctrl-f"]),
    (Action::Sort, &["s"]),
    (Action::SortReverse, &["S"]),
    (Action::Refresh, &["r"]),
    (Action::Back, &["esc"]),
    (Action::Open, &["enter"]),
    (Action::Window, &["w"]),
    (Action::Zoom, &["z"]),
    (Action::Mouse, &["M"]),
    (Action::Apply, &["a"]),
    (Action::Rollback, &["u"]),
    (Action::Incident, &["i"]),
    (Action::Note, &["n"]),
    (Action::Logs, &["l"]),
    (Action::Tasks, &["t"]),
    (Action::Shell, &["x"]),
    (Action::Forward, &["p"]),
    (Action::Sizing, &["P"]),
    (Action::Prices, &["$"]),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut by_action = BTreeMap::new();
        for (action, keys) in DEFAULTS {
            let chords = keys.iter().filter_map(|k| k.parse().ok()).collect();
            by_action.insert(*action, chords);
        }
        Keymap::from_actions(by_action)
    }
}

impl Keymap {
    fn from_actions(by_action: BTreeMap<Action, Vec<KeyChord>>) -> Self {
        let by_key = by_action.iter().flat_map(|(a, keys)| keys.iter().map(move |k| (*k, *a))).collect();
        Keymap { by_key, by_action }
    }

    /// The defaults with the user's bindings laid over them: an action the user names gets
    /// exactly the keys given, and those keys are taken away from whatever had them before.
    pub fn with_overrides(overrides: HashMap<Action, KeyList>) -> Keymap {
        let mut by_action = Keymap::default().by_action;
        for (action, keys) in overrides {
            let keys = keys.into_vec();
            for other in by_action.values_mut() {
                other.retain(|k| !keys.contains(k));
            }
            by_action.insert(action, keys);
        }
        Keymap::from_actions(by_action)
    }

    pub fn action(&self, key: &KeyChord) -> Option<Action> {
        self.by_key.get(key).copied()
    }

    pub fn keys(&self, action: Action) -> &[KeyChord] {
        self.by_action.get(&action).map_or(&[], |v| v.as_slice())
    }

    /// "q / ctrl-c" for hints and help.
    pub fn label(&self, action: Action) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(|k| k.to_string()).collect();
        if keys.is_empty() { "(unbound)".into() } else { keys.join(" / ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_users_write() {
        assert_eq!("q".parse::<KeyChord>().unwrap(), KeyChord::plain(KeyCode::Char('q')));
        let c: KeyChord = "ctrl-c".parse().unwrap();
        assert!(c.ctrl && c.code == KeyCode::Char('c'));
        assert_eq!("shift-tab".parse::<KeyChord>().unwrap().code, KeyCode::BackTab);
        assert_eq!("f5".parse::<KeyChord>().unwrap().code, KeyCode::F(5));
        assert_eq!("-".parse::<KeyChord>().unwrap().code, KeyCode::Char('-'));
        assert!(
            "ctrl-".parse::<KeyChord>().is_ok_and(|k| k.code == KeyCode::Char('-'))
                || "ctrl-".parse::<KeyChord>().is_err()
        );
        assert!("hyper-x".parse::<KeyChord>().is_err());
        assert!("f99".parse::<KeyChord>().is_err());
        assert!("ctrl-C".parse::<KeyChord>().is_err());
    }

    #[test]
    fn every_action_has_a_default_key_and_no_key_is_shared() {
        let km = Keymap::default();
        for a in Action::all() {
            assert!(!km.keys(a).is_empty(), "{a:?} unbound");
            for k in km.keys(a) {
                assert_eq!(km.action(k), Some(a), "{k} is bound twice");
            }
        }
    }

    #[test]
    fn overrides_replace_and_steal_keys() {
        let km = Keymap::with_overrides(HashMap::from([(Action::Refresh, KeyList::One("q".parse().unwrap()))]));
        assert_eq!(km.action(&"q".parse().unwrap()), Some(Action::Refresh));
        assert_eq!(km.keys(Action::Quit), &["ctrl-c".parse::<KeyChord>().unwrap()]);
        assert_eq!(km.action(&"r".parse().unwrap()), None);
    }
}
