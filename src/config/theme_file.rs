//! Theme files: TOML naming roles. The shipped themes are embedded; the user's theme folder and
//! `--theme PATH` add more. A user theme may name only some roles: the rest come from the
//! default theme.

use super::ConfigError;
use crate::ui::theme::{Palette, Theme};
use ratatui::style::Color;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Shipped themes: (name, file text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
    ("gruvbox", include_str!("../../themes/gruvbox.toml")),
    ("catppuccin-mocha", include_str!("../../themes/catppuccin-mocha.toml")),
];

#[derive(Debug, Clone, Copy)]
struct ThemeColor(Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::from_str(&s).map(ThemeColor).map_err(|_| {
            serde::de::Error::custom(format!(
                "'{s}' is not a colour (use a name like \"red\", \"reset\", an index 0-255, or \"#rrggbb\")"
            ))
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Roles {
    foreground: Option<ThemeColor>,
    background: Option<ThemeColor>,
    muted: Option<ThemeColor>,
    border: Option<ThemeColor>,
    border_focus: Option<ThemeColor>,
    title: Option<ThemeColor>,
    header: Option<ThemeColor>,
    selection_fg: Option<ThemeColor>,
    selection_bg: Option<ThemeColor>,
    ok: Option<ThemeColor>,
    warn: Option<ThemeColor>,
    critical: Option<ThemeColor>,
    info: Option<ThemeColor>,
    series: Option<Vec<ThemeColor>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    #[allow(dead_code)]
    description: Option<String>,
    roles: Roles,
}

/// The palette every theme falls back to (the default theme's).
fn base_palette() -> Palette {
    let c = |s: &str| Color::from_str(s).unwrap_or(Color::Reset);
    Palette {
        foreground: c("#c0caf5"),
        background: Color::Reset,
        muted: c("#737aa2"),
        border: c("#3b4261"),
        border_focus: c("#7aa2f7"),
        title: c("#7aa2f7"),
        header: c("#bb9af7"),
        selection_fg: c("#c0caf5"),
        selection_bg: c("#2e3c64"),
        ok: c("#9ece6a"),
        warn: c("#e0af68"),
        critical: c("#f7768e"),
        info: c("#7dcfff"),
        series: vec![c("#7aa2f7"), c("#e0af68"), c("#f7768e"), c("#9ece6a"), c("#bb9af7")],
    }
}

/// The line (1-based) where `key = …` is set, for errors found after toml has parsed the file.
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .map_or(1, |i| i + 1)
}

pub fn parse(text: &str, path: &Path) -> Result<Theme, ConfigError> {
    let f: ThemeFile = toml::from_str(text).map_err(|e| ConfigError::invalid(path, e))?;
    let mut p = base_palette();
    let r = f.roles;
    let set = |slot: &mut Color, v: Option<ThemeColor>| {
        if let Some(v) = v {
            *slot = v.0;
        }
    };
    set(&mut p.foreground, r.foreground);
    set(&mut p.background, r.background);
    set(&mut p.muted, r.muted);
    set(&mut p.border, r.border);
    set(&mut p.border_focus, r.border_focus);
    set(&mut p.title, r.title);
    set(&mut p.header, r.header);
    set(&mut p.selection_fg, r.selection_fg);
    set(&mut p.selection_bg, r.selection_bg);
    set(&mut p.ok, r.ok);
    set(&mut p.warn, r.warn);
    set(&mut p.critical, r.critical);
    set(&mut p.info, r.info);
    if let Some(s) = r.series {
        if s.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("line {}: roles.series needs at least one colour", line_of(text, "series")),
            });
        }
        p.series = s.into_iter().map(|c| c.0).collect();
    }
    if f.name.trim().is_empty() || f.name.contains(char::is_whitespace) {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("line {}: name {:?} must be one word", line_of(text, "name"), f.name),
        });
    }
    Ok(Theme { name: f.name, palette: p, monochrome: false })
}

/// All themes this run can switch between, in order: shipped, then the user's folder, then an
/// explicit `--theme PATH`. A later theme with the same name replaces an earlier one.
#[derive(Debug, Clone)]
pub struct ThemeSet {
    pub themes: Vec<Theme>,
}

impl ThemeSet {
    pub fn load(
        user_dir: Option<&Path>,
        explicit_file: Option<&Path>,
        no_color: bool,
    ) -> Result<ThemeSet, ConfigError> {
        let mut themes = Vec::new();
        for (name, text) in EMBEDDED {
            themes.push(parse(text, Path::new(&format!("<embedded themes/{name}.toml>")))?);
        }
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(dir) = user_dir.filter(|d| d.is_dir()) {
            let entries =
                std::fs::read_dir(dir).map_err(|source| ConfigError::Read { path: dir.to_path_buf(), source })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        }
        files.extend(explicit_file.map(Path::to_path_buf));
        for path in files {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
            let theme = parse(&text, &path)?;
            themes.retain(|t| t.name != theme.name);
            themes.push(theme);
        }
        if no_color {
            themes = themes.into_iter().map(Theme::without_colour).collect();
        }
        Ok(ThemeSet { themes })
    }

    pub fn names(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.name.clone()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.themes.iter().position(|t| t.name == name)
    }

    pub fn get(&self, i: usize) -> &Theme {
        &self.themes[i.min(self.themes.len() - 1)]
    }
}

/// `--theme` takes a name or a path to a file.
pub fn looks_like_path(arg: &str) -> bool {
    arg.contains('/') || arg.ends_with(".toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_and_has_distinct_roles() {
        let set = ThemeSet::load(None, None, false).unwrap();
        assert_eq!(set.names(), ["default", "light", "high-contrast", "colorblind", "gruvbox", "catppuccin-mocha"]);
        for t in &set.themes {
            let p = &t.palette;
            assert_ne!(p.ok, p.critical, "{}: ok and critical must differ", t.name);
            assert_ne!(p.foreground, p.selection_bg, "{}", t.name);
        }
    }

    #[test]
    fn partial_user_theme_falls_back_to_the_default_roles() {
        let t = parse("name = \"mine\"\n[roles]\ncritical = \"#ff0000\"\n", Path::new("mine.toml")).unwrap();
        assert_eq!(t.palette.critical, Color::Rgb(255, 0, 0));
        assert_eq!(t.palette.ok, base_palette().ok);
    }

    #[test]
    fn bad_theme_errors_name_file_and_line() {
        let e = parse("name = \"x\"\n[roles]\nok = \"grean\"\n", Path::new("/t/x.toml")).unwrap_err().to_string();
        assert!(e.starts_with("/t/x.toml") && e.contains("line 3") && e.contains("not a colour"), "{e}");
        let e = parse("name = \"x\"\n[roles]\nokay = \"red\"\n", Path::new("/t/x.toml")).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("unknown field"), "{e}");
    }

    #[test]
    fn no_color_strips_every_colour() {
        let set = ThemeSet::load(None, None, true).unwrap();
        assert!(set.themes.iter().all(|t| t.monochrome));
        assert_eq!(set.get(0).critical().fg, None);
    }
}
