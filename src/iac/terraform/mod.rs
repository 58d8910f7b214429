//! Terraform: `aws_ecs_task_definition` by `family`, `aws_elasticache_replication_group` by
//! `replication_group_id`, each value followed to where it is written (see `resolve`), the
//! containers into `jsonencode([...])`, `templatefile(...)` or `file(...)` (see `containers`).

mod containers;
mod resolve;

use super::walk::Files;
use super::{Candidate, Field, Setting, Source, Want, Wanted, line_of, rel};
use hcl_edit::structure::{Block, Body};
use resolve::{At, Ctx, Repo};
use std::path::Path;

/// A parsed `.tf` or `.tfvars` file.
pub(crate) struct TfFile {
    pub path: std::path::PathBuf,
    pub src: String,
    pub body: Body,
}

pub fn candidates(root: &Path, files: &Files, want: &Want) -> Vec<Candidate> {
    let parse = |p: &std::path::PathBuf| {
        let src = std::fs::read_to_string(p).ok()?;
        let body = hcl_edit::parser::parse_body(&src).ok()?;
        Some(TfFile { path: rel(root, p), src, body })
    };
    let repo = Repo {
        root,
        files: files.terraform.iter().filter_map(parse).collect(),
        tfvars: files.tfvars.iter().filter_map(parse).collect(),
    };
    let (kind, key) = match &want.resource {
        Wanted::TaskFamily(_) => ("aws_ecs_task_definition", "family"),
        Wanted::Group(_) => ("aws_elasticache_replication_group", "replication_group_id"),
    };
    let mut out = Vec::new();
    for (i, file) in repo.files.iter().enumerate() {
        for block in resources(&file.body, kind) {
            let dir = file.path.parent().unwrap_or(Path::new("")).to_path_buf();
            for ctx in repo.contexts(&dir, 0) {
                for ctx in repo.each_bindings(block, i, &ctx) {
                    let Some(attr) = block.body.get_attribute(key) else { continue };
                    let name = repo.eval_string(At { file: i, expr: &attr.value }, &ctx);
                    if name.as_deref() != Some(want.resource.name()) {
                        continue;
                    }
                    let label = block.labels.get(1).map_or("", |l| l.as_str());
                    let at = block.ident.span().map_or(0, |s| s.start);
                    let each = ctx.each.as_ref().map_or(String::new(), |(k, _, _)| format!("[\"{k}\"]"));
                    let called = ctx.call_name().map_or(String::new(), |m| format!("module.{m}."));
                    out.push(Candidate {
                        tool: crate::domain::IacTool::Terraform,
                        root: root.to_path_buf(),
                        declared: format!(
                            "{}:{} {called}{kind}.{label}{each}",
                            file.path.display(),
                            line_of(&file.src, at)
                        ),
                        sources: want.settings.iter().map(|s| (s.clone(), source(&repo, i, block, &ctx, s))).collect(),
                    });
                }
            }
        }
    }
    out
}

use hcl_edit::Span;

/// `resource "KIND" "…"` blocks of a body.
fn resources<'a>(body: &'a Body, kind: &'a str) -> impl Iterator<Item = &'a Block> {
    body.get_blocks("resource").filter(move |b| b.labels.first().is_some_and(|l| l.as_str() == kind))
}

/// Where one setting is written for the resource `block` (in file `i`) seen through `ctx`.
fn source(repo: &Repo, i: usize, block: &Block, ctx: &Ctx, setting: &Setting) -> Source {
    let attribute = match &setting.field {
        Field::TaskCpu => "cpu",
        Field::TaskMemory => "memory",
        Field::NodeType => "node_type",
        _ => "container_definitions",
    };
    let Some(attr) = block.body.get_attribute(attribute) else {
        return Source::Unset;
    };
    let at = At { file: i, expr: &attr.value };
    match setting.field.container() {
        None => repo.site(at, ctx),
        Some(name) => {
            let key = match setting.field {
                Field::ContainerCpu(_) => "cpu",
                Field::ContainerMemory(_) => "memory",
                _ => "memoryReservation",
            };
            containers::source(repo, at, ctx, name, key)
        }
    }
}
