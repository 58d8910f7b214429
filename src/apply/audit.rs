//! The audit log: one JSON line per apply or rollback, appended to a file only its owner can
//! read (0600), in the platform data directory.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub time: String,
    /// Who: the caller's account / ARN as the provider knows it.
    pub caller: String,
    /// Where: "profile · account · region", or "demo fleet".
    pub target: String,
    pub action: String,
    pub resource: String,
    pub before: String,
    pub after: String,
    /// The task definition before and after (`family:revision` or ARN), for rollback.
    pub revision_before: String,
    pub revision_after: Option<String>,
    pub requests: Vec<String>,
    /// "ok", or the error.
    pub result: String,
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
            time: "2026-11-22T05:00:00Z".into(),
            caller: "arn:aws:iam::123456789012:user/sre".into(),
            target: "default · 123456789012 · us-east-1".into(),
            action: "resize".into(),
            resource: "prod/web".into(),
            before: "1 vCPU / 2 GiB".into(),
            after: "0.5 vCPU / 1 GiB".into(),
            revision_before: "web:41".into(),
            revision_after: Some("web:42".into()),
            requests: vec!["ecs:UpdateService".into()],
            result: result.into(),
        }
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
