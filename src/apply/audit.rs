//! The audit log: one JSON line per apply or rollback, appended to a file only its owner can
//! read (0600), in the platform data directory.

use crate::domain::ResourceRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One apply or rollback. On disk the fields are the strings they always were (RFC 3339 time,
/// `cluster/service` or a group id, "ok" or the error), so logs written before these types still
/// read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC, to the second.
    #[serde(with = "rfc3339_seconds")]
    pub time: DateTime<Utc>,
    /// Who: the caller's account / ARN as the provider knows it.
    pub caller: String,
    /// Where: "profile · account · region", or "demo fleet".
    pub target: String,
    pub action: String,
    /// Written as `cluster/service` (an ECS service) or the replication group id.
    #[serde(with = "resource_key")]
    pub resource: ResourceRef,
    /// Whose it is, typed (`account_id`, `account`, `region`, `cluster` and `service` or
    /// `group`, `arn` beside the other fields); None in entries written before it.
    #[serde(default, flatten)]
    pub identity: Option<crate::domain::ResourceKey>,
    pub before: String,
    pub after: String,
    /// The task definition before and after (`family:revision` or ARN), for rollback.
    pub revision_before: String,
    pub revision_after: Option<String>,
    pub requests: Vec<String>,
    pub result: Outcome,
    /// A change written to the code that owns the resource (action "code change"): nothing was
    /// sent to AWS; the pane follows it until a deploy brings the resource to `after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeRecord>,
    /// A shell in a container (action "shell"): which task and container, the command, how
    /// long it lasted and how it ended. Nothing about what was typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionRecord>,
}

/// One shell session, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub task: String,
    pub container: String,
    pub command: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_id: String,
    pub seconds: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
}

/// The audit log's action for a shell in a container.
pub const SHELL: &str = "shell";

/// Where a code change was written, and the commit when the git step made one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// The audit log's action for a change written to code.
pub const CODE_CHANGE: &str = "code change";

/// How an apply ended. Written as "ok", "dry run: nothing sent", or the error's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Outcome {
    Applied,
    DryRun,
    Failed(String),
}

const DRY_RUN: &str = "dry run: nothing sent";

impl AuditEntry {
    /// The time as the log writes it (`2026-11-22T05:00:00Z`).
    pub fn time_text(&self) -> String {
        self.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// `cluster/service` or the group id.
    pub fn resource_name(&self) -> String {
        resource_name(&self.resource)
    }
}

impl Outcome {
    pub fn is_applied(&self) -> bool {
        matches!(self, Outcome::Applied)
    }
}

impl From<String> for Outcome {
    fn from(s: String) -> Outcome {
        match s.as_str() {
            "ok" => Outcome::Applied,
            _ if s.starts_with("dry run") => Outcome::DryRun,
            _ => Outcome::Failed(s),
        }
    }
}

impl From<Outcome> for String {
    fn from(o: Outcome) -> String {
        o.to_string()
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Applied => f.write_str("ok"),
            Outcome::DryRun => f.write_str(DRY_RUN),
            Outcome::Failed(e) => f.write_str(e),
        }
    }
}

/// The resource as the log has always named it: `cluster/service` or the group id.
pub fn resource_name(r: &ResourceRef) -> String {
    match r {
        ResourceRef::EcsService { cluster, service } => format!("{cluster}/{service}"),
        ResourceRef::CacheGroup(id) | ResourceRef::CostService(id) | ResourceRef::Alarm(id) => id.clone(),
    }
}

mod resource_key {
    use crate::domain::ResourceRef;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &ResourceRef, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::resource_name(r))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceRef, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.split_once('/') {
            Some((cluster, service)) => ResourceRef::EcsService { cluster: cluster.into(), service: service.into() },
            None => ResourceRef::CacheGroup(name),
        })
    }
}

mod rfc3339_seconds {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)
    }
}

/// An append-only file of JSON lines, readable only by its owner: the audit log, and the
/// incident notes.
#[derive(Debug, Clone)]
pub struct JsonLog {
    path: PathBuf,
}

pub type AuditLog = JsonLog;

impl JsonLog {
    pub fn new(path: PathBuf) -> Self {
        JsonLog { path }
    }

    /// `audit.jsonl` in the platform data directory.
    pub fn default_location() -> Option<AuditLog> {
        crate::common::paths::data_dir().map(|d| AuditLog::new(d.join("audit.jsonl")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, entry: &AuditEntry) -> std::io::Result<()> {
        self.append_line(entry)
    }

    /// Every audit entry, oldest first.
    pub fn read(&self) -> std::io::Result<Vec<AuditEntry>> {
        self.read_lines()
    }

    pub fn append_line<T: Serialize>(&self, entry: &T) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path)?;
        // A file created earlier by something else keeps no wider mode than ours.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        file.write_all(line.as_bytes())
    }

    /// Every entry, oldest first; lines that do not parse are skipped (a torn last write).
    pub fn read_lines<T: serde::de::DeserializeOwned>(&self) -> std::io::Result<Vec<T>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(result: &str) -> AuditEntry {
        AuditEntry {
            code: None,
            session: None,
            time: "2026-11-22T05:00:00Z".parse().unwrap(),
            caller: "arn:aws:iam::123456789012:user/sre".into(),
            target: "default · 123456789012 · us-east-1".into(),
            action: "resize".into(),
            resource: ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() },
            identity: None,
            before: "1 vCPU / 2 GiB".into(),
            after: "0.5 vCPU / 1 GiB".into(),
            revision_before: "web:41".into(),
            revision_after: Some("web:42".into()),
            requests: vec!["ecs:UpdateService".into()],
            result: Outcome::from(result.to_string()),
        }
    }

    #[test]
    fn a_log_written_before_the_types_reads_the_same_and_is_written_the_same() {
        let old = r#"{"time":"2026-11-22T05:00:00Z","caller":"arn:aws:iam::123456789012:user/sre","target":"default · 123456789012 · us-east-1","action":"resize","resource":"prod/web","before":"1 vCPU / 2 GiB","after":"0.5 vCPU / 1 GiB","revision_before":"web:41","revision_after":"web:42","requests":["ecs:UpdateService"],"result":"ok"}"#;
        let e: AuditEntry = serde_json::from_str(old).unwrap();
        assert_eq!(e, entry("ok"));
        assert!(e.result.is_applied());
        assert_eq!(serde_json::to_string(&e).unwrap(), old);
        let cache: AuditEntry = serde_json::from_str(&old.replace("prod/web", "sessions")).unwrap();
        assert_eq!(cache.resource, ResourceRef::CacheGroup("sessions".into()));
        let failed: AuditEntry =
            serde_json::from_str(&old.replace(r#""result":"ok""#, r#""result":"changed since the plan: web:43""#))
                .unwrap();
        assert_eq!(failed.result, Outcome::Failed("changed since the plan: web:43".into()));
        let dry: AuditEntry =
            serde_json::from_str(&old.replace(r#""result":"ok""#, r#""result":"dry run: nothing sent""#)).unwrap();
        assert_eq!(dry.result, Outcome::DryRun);
        assert!(serde_json::from_str::<AuditEntry>(&old.replace("2026-11-22T05:00:00Z", "yesterday")).is_err());
    }

    #[test]
    fn an_entry_says_whose_resource_it_changed_in_fields_of_its_own() {
        use crate::domain::{Origin, ResourceKey, ServiceKey};
        let origin = Origin {
            account_id: Some("111122223333".into()),
            account: Some("team-01".into()),
            region: "eu-west-1".into(),
        };
        let key = ServiceKey { origin, cluster: "prod".into(), service: "web".into(), aws_arn: None };
        let e = AuditEntry { identity: Some(ResourceKey::Service(key)), ..entry("ok") };
        let line: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(line["account_id"], "111122223333");
        assert_eq!(
            (&line["region"], &line["cluster"], &line["service"]),
            (&"eu-west-1".into(), &"prod".into(), &"web".into())
        );
        assert_eq!(line["arn"], "arn:aws:ecs:eu-west-1:111122223333:service/prod/web");
        assert_eq!(line["resource"], "prod/web", "the name as shown stays");
        let back: AuditEntry = serde_json::from_value(line).unwrap();
        assert_eq!(back, e, "read back whole");
    }

    #[test]
    fn entries_are_appended_as_json_lines_readable_only_by_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("nested/audit.jsonl"));
        log.append(&entry("ok")).unwrap();
        log.append(&entry("conflict")).unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().all(|l| l.starts_with('{') && l.contains("\"resource\":\"prod/web\"")));
        assert_eq!(log.read().unwrap(), vec![entry("ok"), entry("conflict")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
