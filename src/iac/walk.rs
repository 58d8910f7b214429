//! The files of a checkout worth reading: Terraform and CloudFormation sources, not what tools
//! generated or downloaded (`.terraform/`, `node_modules/`, `cdk.out/`, hidden directories).

use std::path::{Path, PathBuf};

/// Larger files are not infrastructure someone writes by hand.
pub(super) const MAX_BYTES: u64 = 2 << 20;
/// What tools generated or downloaded (plus hidden directories): never the code people write.
pub(super) const SKIPPED: [&str; 6] = ["node_modules", "cdk.out", "target", "vendor", "venv", "__pycache__"];

#[derive(Debug, Default)]
pub struct Files {
    /// `.tf`
    pub terraform: Vec<PathBuf>,
    /// `.tfvars`
    pub tfvars: Vec<PathBuf>,
    /// `.yaml`, `.yml`, `.json`, `.template` files with a `Resources` section, with their text
    /// (read once here, parsed by the CloudFormation search).
    pub templates: Vec<(PathBuf, String)>,
    /// What may be a template, until read.
    maybe_templates: Vec<PathBuf>,
}

pub fn files(root: &Path) -> Files {
    let mut out = Files::default();
    visit(root, 0, &mut out);
    for list in [&mut out.terraform, &mut out.tfvars, &mut out.maybe_templates] {
        list.sort();
    }
    // Only files that declare resources count as templates.
    out.templates = std::mem::take(&mut out.maybe_templates)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().filter(|s| s.contains("Resources")).map(|s| (p, s)))
        .collect();
    out
}

fn visit(dir: &Path, depth: usize, out: &mut Files) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    if depth > 12 {
        return;
    }
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED.contains(&name.as_str()) {
                visit(&path, depth + 1, out);
            }
            continue;
        }
        if !kind.is_file() || entry.metadata().map_or(true, |m| m.len() > MAX_BYTES) {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "tf" => out.terraform.push(path),
            "tfvars" => out.tfvars.push(path),
            "yaml" | "yml" | "json" | "template" => out.maybe_templates.push(path),
            _ => {}
        }
    }
}
