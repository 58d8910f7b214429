//! Bad input in the files people edit by hand — config (with its keymap and sizing policy) and
//! theme files — fuzzed with proptest: whatever the text, parsing never panics, and a rejected
//! file's error names the file and the line. Case counts are in each `proptest!` block and in
//! the issue's note.

use infradeck::config::theme_file;
use infradeck::config::{Config, ConfigError};
use proptest::prelude::*;
// A fixed seed: CI runs the same 80,000 cases each time (a failure found by a new seed is a
// new regression case, not a flaky build); change the seed to explore further.
use proptest::test_runner::RngSeed;
use std::path::Path;

const CONFIG: &str = "/home/me/.config/infradeck/config.toml";
const THEME: &str = "/home/me/.config/infradeck/themes/mine.toml";

/// The README's example configuration, which must parse as it is.
fn readme_config() -> String {
    let readme = include_str!("../../README.md");
    let start = readme.find("## Configuration").expect("configuration section");
    let block = &readme[start..];
    let body = block.split("```toml\n").nth(1).expect("a toml block");
    body.split("\n```").next().expect("closed").to_string()
}

/// Rejections must say where: the file, and the line for anything toml could point at.
fn check(result: Result<impl Sized, ConfigError>, path: &str, text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        let message = e.to_string();
        prop_assert!(message.contains(path), "error without the file: {message}\n--- input:\n{text}");
        prop_assert!(
            matches!(e, ConfigError::Invalid { .. }) && message.contains("line "),
            "error without a line: {message}\n--- input:\n{text}"
        );
    }
    Ok(())
}

fn section() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("[refresh]".to_string()),
        Just("[keys]".to_string()),
        Just("[aws]".to_string()),
        Just("[sizing]".to_string()),
        Just("[sizing.clusters.batch]".to_string()),
        Just("[sizing.services.\"prod/pay\"]".to_string()),
        Just("[roles]".to_string()),
        "\\[[a-z_.\"/]{0,20}\\]",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "theme",
            "window",
            "read_only",
            "ecs",
            "redis",
            "cost",
            "alarms",
            "sizing",
            "cost_cache_ttl",
            "read_only_profiles",
            "protected_profiles",
            "percentile",
            "headroom",
            "window_days",
            "quit",
            "refresh",
            "suggest",
            "apply",
            "incident",
            "name",
            "description",
            "foreground",
            "background",
            "selection_bg",
            "series",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-10.0f64..1000.0).prop_map(|f| format!("{f}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("1e400".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        prop::sample::select(vec![
            "\"q\"",
            "\"ctrl-c\"",
            "\"hyper-q\"",
            "\"shift-tab\"",
            "\"f13\"",
            "\"\"",
            "\"24h\"",
            "\"14d\"",
            "\"2w\"",
            "\"#rrggbb\"",
            "\"#c0caf5\"",
            "\"reset\"",
            "\"300\"",
            "\"gruvbox\"",
        ])
        .prop_map(str::to_string),
        "\"[^\"\\\\\\n]{0,30}\"",
    ];
    scalar.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..3).prop_map(|kv| {
                format!("{{ {} }}", kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "))
            }),
        ]
    })
}

/// A file of plausible lines: sections, known and unknown keys, values of every type.
fn structured() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![section(), (key(), value()).prop_map(|(k, v)| format!("{k} = {v}"))], 0..14)
        .prop_map(|lines| lines.join("\n"))
}

/// The README example with a few characters deleted, replaced or inserted.
fn mutated(base: String) -> impl Strategy<Value = String> {
    let len = base.len();
    prop::collection::vec((0..len.max(1), 0u8..3, any::<char>()), 1..4).prop_map(move |edits| {
        let mut chars: Vec<char> = base.chars().collect();
        for (at, op, c) in edits {
            let at = at % chars.len().max(1);
            match op {
                0 if !chars.is_empty() => {
                    chars.remove(at);
                }
                1 if !chars.is_empty() => chars[at] = c,
                _ => chars.insert(at.min(chars.len()), c),
            }
        }
        chars.into_iter().collect()
    })
}

#[test]
fn the_readme_example_config_and_the_shipped_themes_parse() {
    let text = readme_config();
    let c = Config::parse(&text, Path::new(CONFIG)).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(c.theme, "gruvbox");
    assert_eq!(c.aws.read_only_profiles, vec!["prod".to_string()]);
    for (name, text) in theme_file::EMBEDDED {
        theme_file::parse(text, Path::new(THEME)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, rng_seed: RngSeed::Fixed(20261122), ..ProptestConfig::default() })]

    #[test]
    fn config_of_plausible_lines_never_panics_and_errors_name_file_and_line(text in structured()) {
        check(Config::parse(&text, Path::new(CONFIG)), CONFIG, &text)?;
    }

    #[test]
    fn theme_of_plausible_lines_never_panics_and_errors_name_file_and_line(text in structured()) {
        check(theme_file::parse(&text, Path::new(THEME)), THEME, &text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, rng_seed: RngSeed::Fixed(20261122), ..ProptestConfig::default() })]

    #[test]
    fn config_of_any_text_never_panics_and_errors_name_file_and_line(text in "\\PC{0,300}") {
        check(Config::parse(&text, Path::new(CONFIG)), CONFIG, &text)?;
    }

    #[test]
    fn theme_of_any_text_never_panics_and_errors_name_file_and_line(text in "\\PC{0,300}") {
        check(theme_file::parse(&text, Path::new(THEME)), THEME, &text)?;
    }

    #[test]
    fn the_readme_config_slightly_broken_never_panics(text in mutated(readme_config())) {
        check(Config::parse(&text, Path::new(CONFIG)), CONFIG, &text)?;
    }

    #[test]
    fn a_theme_named_with_a_control_character_names_the_line(c in prop::sample::select(vec!["\\f", " ", "\\t"])) {
        // TOML escapes: the name holds a form feed or a tab (or a space) once parsed.
        let text = theme_file::EMBEDDED[0].1.replacen("name = \"default\"", &format!("name = \"de{c}fault\""), 1);
        let e = theme_file::parse(&text, Path::new(THEME)).map(|_| ()).unwrap_err().to_string();
        prop_assert!(e.contains("line 1") && e.contains("one word"), "{e}");
    }

    #[test]
    fn a_shipped_theme_slightly_broken_never_panics(text in mutated(theme_file::EMBEDDED[0].1.to_string())) {
        check(theme_file::parse(&text, Path::new(THEME)), THEME, &text)?;
    }
}
