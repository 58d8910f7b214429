//! Configuration files: the config file, theme files and keymaps. Embedded defaults are overlaid
//! by the user's files; every file is parsed once, at start-up, into typed values, and a broken
//! file stops start-up with an error that names the file, the line and what is wrong.

mod state;
pub mod theme_file;

use crate::app::keymap::{KeyList, Keymap};
use crate::app::{Action, Intervals};
use crate::domain::Window;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// `message` is toml's, which carries the line, column and the offending text.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

impl ConfigError {
    pub fn invalid(path: &Path, e: toml::de::Error) -> Self {
        ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string().trim_end().to_string() }
    }
}

/// Seconds between refreshes; at least one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(1..=86_400 * 7).contains(&n) {
            return Err(serde::de::Error::custom(format!("{n} is not a refresh interval: use 1 to 604800 seconds")));
        }
        Ok(Seconds(n as u64))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshFile {
    ecs: Option<Seconds>,
    redis: Option<Seconds>,
    cost: Option<Seconds>,
    alarms: Option<Seconds>,
    sizing: Option<Seconds>,
}

/// `[aws]`: how infradeck reads and writes AWS. Written once: the file's table deserializes
/// straight into these typed, defaulted, checked values, which `main` hands to the provider.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AwsSettings {
    /// How long Cost Explorer answers are reused (each request costs $0.01): `cost_cache_ttl`.
    #[serde(rename = "cost_cache_ttl", deserialize_with = "de_ttl")]
    pub cost_ttl: std::time::Duration,
    /// Never write through these profiles (e.g. prod), whatever the command line says.
    pub read_only_profiles: Vec<String>,
    /// Confirm changes through these profiles by typing the resource's name ("demo": the demo fleet).
    pub protected_profiles: Vec<String>,
    /// What infradeck may spend a day in AWS API charges (CloudWatch metrics, Cost Explorer).
    #[serde(deserialize_with = "de_budget")]
    pub budget_usd_per_day: f64,
    /// The CloudWatch Logs group an EventBridge rule sends "ECS Task State Change" events to:
    /// a review counts every stopped task of its span from it (ECS lists them about an hour).
    pub task_events_log_group: Option<String>,
    /// `org = true`: read every account of the organization, as `--org`.
    pub org: bool,
    /// The role assumed in each member account (`--org-role`).
    pub org_role: Option<String>,
    /// The CloudWatch cross-account observability monitoring account (`--monitoring-account`).
    pub monitoring_account: Option<String>,
    /// With `--org`: accounts (id or name) and OUs (id or name) whose changes are confirmed by
    /// typing the resource's name.
    pub protected_accounts: Vec<String>,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            cost_ttl: DEFAULT_COST_TTL,
            read_only_profiles: Vec::new(),
            protected_profiles: Vec::new(),
            budget_usd_per_day: crate::app::budget::DEFAULT_USD_PER_DAY,
            task_events_log_group: None,
            org: false,
            org_role: None,
            monitoring_account: None,
            protected_accounts: Vec::new(),
        }
    }
}

fn de_ttl<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
    Seconds::deserialize(d).map(|s| std::time::Duration::from_secs(s.0))
}

fn de_budget<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if !(v.is_finite() && (0.01..=1_000.0).contains(&v)) {
        return Err(serde::de::Error::custom(format!("{v} is not a daily budget: use 0.01 to 1000 (USD)")));
    }
    Ok(v)
}

/// Cost Explorer data refreshes up to three times a day: six hours loses little.
pub const DEFAULT_COST_TTL: std::time::Duration = std::time::Duration::from_secs(6 * 3_600);

fn de_window<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Window>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(serde::de::Error::custom)
}

/// The config file as written.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    theme: Option<String>,
    #[serde(default, deserialize_with = "de_window")]
    window: Option<Window>,
    refresh: Option<RefreshFile>,
    read_only: Option<bool>,
    /// `mouse = false`: leave the mouse to the terminal (its own text selection).
    mouse: Option<bool>,
    #[serde(default)]
    aws: AwsSettings,
    #[serde(default)]
    sizing: crate::sizing::policy::Policies,
    #[serde(default)]
    slo: crate::slo::policy::Objectives,
    /// `[security]`: when a console sign-in is flagged.
    #[serde(default)]
    security: crate::incident::signins::Thresholds,
    #[serde(default)]
    keys: HashMap<Action, KeyList>,
    #[serde(default)]
    iac: IacSettings,
    #[serde(default)]
    exec: crate::exec::Commands,
}

/// `[iac]`: local checkouts of the Terraform / CloudFormation / CDK code that owns the fleet,
/// searched when a suggestion becomes a code change (`plan --iac DIR` adds to them).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IacSettings {
    #[serde(default)]
    pub paths: Vec<PathBuf>,
}

/// A checkout named in `[iac] paths`: `~/` is the home directory, a relative path is the
/// config file's neighbour.
fn iac_path(written: &Path, config: &Path) -> PathBuf {
    if let (Ok(rest), Some(home)) = (written.strip_prefix("~"), directories::BaseDirs::new()) {
        return home.home_dir().join(rest);
    }
    config.parent().unwrap_or(Path::new(".")).join(written)
}

/// The typed configuration the app runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, if anywhere.
    pub path: Option<PathBuf>,
    pub theme: String,
    pub window: Window,
    pub intervals: Intervals,
    pub keymap: Keymap,
    /// `[sizing]`: percentile, headroom and window, globally and per cluster or service.
    pub sizing: crate::sizing::policy::Policies,
    /// `[slo]`: availability and latency objectives, globally and per cluster or service.
    pub slo: crate::slo::policy::Objectives,
    /// `read_only = true`: never write to AWS, as with `--read-only`.
    pub read_only: bool,
    /// `[aws]`: budget, profiles, the organization, Cost Explorer's cache.
    pub aws: AwsSettings,
    /// `mouse = true` (the default): clicks and the wheel; `M` toggles it while running.
    pub mouse: bool,
    /// `[security]`: failed sign-ins that make a burst, days of history that make a source new.
    pub security: crate::incident::signins::Thresholds,
    /// `[iac]`: where the code that owns the fleet is checked out.
    pub iac: IacSettings,
    /// `[exec]`: the command a shell runs, for every service and per service.
    pub exec: crate::exec::Commands,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            theme: "default".into(),
            window: Window::default(),
            intervals: Intervals::default(),
            keymap: Keymap::default(),
            sizing: Default::default(),
            slo: Default::default(),
            read_only: false,
            aws: AwsSettings::default(),
            mouse: true,
            security: Default::default(),
            iac: IacSettings::default(),
            exec: Default::default(),
        }
    }
}

/// The platform config directory (`~/.config/infradeck` on Linux).
pub use crate::common::paths::{cache_dir, config_dir, data_dir};

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::invalid(path, e))?;
        let mut intervals = Intervals::default();
        if let Some(r) = file.refresh {
            let secs = |s: Option<Seconds>, d: chrono::Duration| s.map_or(d, |s| chrono::Duration::seconds(s.0 as i64));
            intervals = Intervals {
                ecs: secs(r.ecs, intervals.ecs),
                redis: secs(r.redis, intervals.redis),
                cost: secs(r.cost, intervals.cost),
                alarms: secs(r.alarms, intervals.alarms),
                sizing: secs(r.sizing, intervals.sizing),
            };
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            theme: file.theme.unwrap_or_else(|| "default".into()),
            window: file.window.unwrap_or_default(),
            intervals,
            keymap: Keymap::with_overrides(file.keys),
            aws: file.aws,
            read_only: file.read_only.unwrap_or(false),
            mouse: file.mouse.unwrap_or(true),
            security: file.security,
            sizing: file.sizing,
            slo: file.slo,
            iac: IacSettings {
                // Relative paths are the config file's neighbours, not the working directory's.
                paths: file.iac.paths.iter().map(|p| iac_path(p, path)).collect(),
            },
            exec: file.exec,
        })
    }

    /// `explicit` must exist; otherwise the platform file is read if there is one.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match config_dir().map(|d| d.join("config.toml")) {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        Config::parse(&text, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/x/config.toml"))
    }

    #[test]
    fn sizing_policies_per_cluster_and_service_and_their_errors_name_the_line() {
        let c = parse("[sizing]\nheadroom = 0.3\n[sizing.clusters.batch]\npercentile = 95\n[sizing.services.\"prod/pay\"]\nwindow_days = 7\n[aws]\ncost_cache_ttl = 600\n").unwrap();
        let base = crate::sizing::recommend::Policy::default();
        assert_eq!(c.sizing.for_service("batch/x", &base).cpu_percentile, 95.0);
        assert_eq!(c.sizing.for_service("prod/pay", &base).window_days, 7.0);
        assert_eq!(c.sizing.for_service("prod/other", &base).headroom, 0.3);
        assert_eq!(c.aws.cost_ttl, std::time::Duration::from_secs(600));
        assert_eq!(c.aws.budget_usd_per_day, 1.0, "the default budget");
        assert_eq!(parse("[aws]\nbudget_usd_per_day = 2.5\n").unwrap().aws.budget_usd_per_day, 2.5);
        let err = parse("[aws]\nbudget_usd_per_day = -1\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("not a daily budget"), "{err}");
        let c = parse("read_only = true\n[aws]\nread_only_profiles = [\"prod\"]\nprotected_profiles = [\"stage\"]\n")
            .unwrap();
        assert_eq!(c.aws.protected_profiles, vec!["stage".to_string()]);
        assert!(c.read_only);
        assert_eq!(c.aws.read_only_profiles, vec!["prod".to_string()]);
        let err = parse("[sizing]\n\n[sizing.clusters.batch]\nheadroom = 9\n").unwrap_err().to_string();
        assert!(
            err.contains("config.toml") && err.contains("line 4") && err.contains("headroom 9 is out of range"),
            "{err}"
        );
    }

    #[test]
    fn reads_theme_window_refresh_and_keys() {
        let c = parse("theme = \"light\"\nwindow = \"14d\"\n[refresh]\necs = 30\n[keys]\nquit = \"x\"\nrefresh = [\"r\", \"f5\"]\n").unwrap();
        assert_eq!(c.theme, "light");
        assert_eq!(c.window, Window::Fortnight);
        assert_eq!(c.intervals.ecs, chrono::Duration::seconds(30));
        assert_eq!(c.keymap.action(&"x".parse().unwrap()), Some(Action::Quit));
        assert_eq!(c.keymap.action(&"f5".parse().unwrap()), Some(Action::Refresh));
        let c = parse("[iac]\npaths = [\"infra\", \"/srv/cfn\", \"~/src/platform\"]\n").unwrap();
        let home = directories::BaseDirs::new().unwrap().home_dir().to_path_buf();
        assert_eq!(
            c.iac.paths,
            vec![PathBuf::from("/etc/x/infra"), PathBuf::from("/srv/cfn"), home.join("src/platform")]
        );
        let err = parse("[iac]\npath = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("unknown field"), "{err}");
    }

    #[test]
    fn reads_the_sign_in_thresholds_and_refuses_unknown_ones() {
        let c = parse("[security]\nfailures = 3\nhistory_days = 14\n").unwrap();
        assert_eq!((c.security.failures, c.security.failure_minutes, c.security.history_days), (3, 10, 14));
        assert_eq!(parse("").unwrap().security, crate::incident::signins::Thresholds::default());
        let err = parse("[security]\nfailure = 3\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("unknown field"), "{err}");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            ("theme = \"x\"\n\n[keys]\nquit = \"hyper-q\"\n", "line 4", "unknown key"),
            ("[keys]\nfly = \"f\"\n", "line 2", "unknown variant"),
            ("[refresh]\necs = 0\n", "line 2", "not a refresh interval"),
            ("window = \"2y\"\n", "line 1", "unknown window"),
            ("colour = 3\n", "line 1", "unknown field"),
            ("theme = \n", "line 1", ""),
        ];
        for (text, line, what) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with("/etc/x/config.toml"), "{e}");
            assert!(e.contains(line), "{text:?} → {e}");
            assert!(e.contains(what), "{text:?} → {e}");
        }
    }
}
