//! The files of a checkout worth reading: Terraform and CloudFormation sources, not what tools
//! generated or downloaded (`.terraform/`, `node_modules/`, `cdk.out/`, hidden directories).

use std::path::{Path, PathBuf};

/// Larger files are not infrastructure someone writes by hand.
const MAX_BYTES: u64 = 2 << 20;
const SKIPPED: [&str; 4] = ["node_modules", "cdk.out", "target", "vendor"];

#[derive(Debug, Default)]
pub struct Files {
    /// `.tf`
    pub terraform: Vec<PathBuf>,
    /// `.tfvars`
    pub tfvars: Vec<PathBuf>,
    /// `.yaml`, `.yml`, `.json`, `.template`: the ones with a `Resources` section are templates.
    pub templates: Vec<PathBuf>,
}

pub fn files(root: &Path) -> Files {
    let mut out = Files::default();
    visit(root, 0, &mut out);
    for list in [&mut out.terraform, &mut out.tfvars, &mut out.templates] {
        list.sort();
    }
    // Only files that declare resources count as templates.
    out.templates.retain(|p| std::fs::read_to_string(p).is_ok_and(|s| s.contains("Resources")));
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
            "yaml" | "yml" | "json" | "template" => out.templates.push(path),
            _ => {}
        }
    }
}
