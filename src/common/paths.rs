//! Where infradeck keeps its files (XDG directories on Linux, their equivalents elsewhere).

use std::path::PathBuf;

/// `~/.config/infradeck` on Linux.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "infradeck").map(|d| d.config_dir().to_path_buf())
}

pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "infradeck").map(|d| d.data_local_dir().to_path_buf())
}

/// Where answers that cost money to fetch are kept (`~/.cache/infradeck` on Linux).
pub fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "infradeck").map(|d| d.cache_dir().to_path_buf())
}
