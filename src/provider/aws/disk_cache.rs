//! Answers that cost money to fetch (Cost Explorer's report, the Price List), kept on disk with
//! the time they were fetched and used while younger than their TTL. Written whole and renamed
//! into place, so a reader never sees half a file; a cache that cannot be written costs a fetch
//! on the next start, never a failure now.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct Stamped<T> {
    fetched_at: i64,
    /// `report` and `rates` are the names files written before this module used.
    #[serde(alias = "report", alias = "rates")]
    value: T,
}

/// The value at `path` if it was fetched less than `ttl_secs` before `now`.
pub fn load<T: DeserializeOwned>(path: &Path, ttl_secs: i64, now: i64) -> Option<T> {
    let stamped: Stamped<T> = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    (0..ttl_secs).contains(&(now - stamped.fetched_at)).then_some(stamped.value)
}

/// Best effort; `what` names the value in the warning when it cannot be written.
pub fn store<T: Serialize>(path: &Path, now: i64, value: &T, what: &str) {
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string(&Stamped { fetched_at: now, value })?)?;
        std::fs::rename(tmp, path)
    };
    if let Err(e) = write() {
        tracing::warn!(path = %path.display(), "cannot cache {what}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_while_young_and_read_from_files_written_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/prices.json");
        store(&path, 1_000, &vec![1.5_f64, 2.0], "prices");
        assert_eq!(load::<Vec<f64>>(&path, 60, 1_059), Some(vec![1.5, 2.0]));
        assert_eq!(load::<Vec<f64>>(&path, 60, 1_060), None, "as old as the TTL");
        assert_eq!(load::<Vec<f64>>(&path, 60, 999), None, "from the future: a clock moved");
        assert!(!path.with_extension("tmp").exists());
        std::fs::write(&path, r#"{"fetched_at":1000,"rates":[3.0]}"#).unwrap();
        assert_eq!(load::<Vec<f64>>(&path, 60, 1_001), Some(vec![3.0]));
        std::fs::write(&path, r#"{"fetched_at":1000,"report":[4.0]}"#).unwrap();
        assert_eq!(load::<Vec<f64>>(&path, 60, 1_001), Some(vec![4.0]));
        std::fs::write(&path, "{half a file").unwrap();
        assert_eq!(load::<Vec<f64>>(&path, 60, 1_001), None);
    }
}
