//! What every layer may use: the error of a failed read or write, where files live, number and
//! text formatting, the log file, and the global → cluster → service resolver of settings. It uses nothing
//! else of the crate.

pub mod error;
pub mod format;
pub mod layers;
pub mod logging;
pub mod mask;
pub mod paths;
pub mod text;
