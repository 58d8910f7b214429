//! A container's `cpu` / `memory` / `memoryReservation` inside `container_definitions`: an
//! HCL list in `jsonencode([...])`, a JSON template in `templatefile(path, vars)` (a `${var}`
//! followed into the vars object), or a JSON file in `file(path)`.

use super::resolve::{At, Ctx, Repo};
use crate::iac::tree::{self, Node};
use crate::iac::{Site, Source, line_of, rel};
use hcl_edit::expr::Expression;

pub(super) fn source<'a>(repo: &'a Repo<'a>, at: At<'a>, ctx: &Ctx<'a>, name: &str, key: &str) -> Source {
    let (at, ctx) = match repo.resolve(at, ctx, &mut Vec::new()) {
        Ok(r) => r,
        Err(why) => return Source::Computed(why),
    };
    let Expression::FuncCall(call) = at.expr else {
        return Source::Computed(format!("container definitions are {}: change them there", repo.describe(at)));
    };
    let arg = |n: usize| call.args.get(n).map(|expr| At { file: at.file, expr });
    match call.name.name.as_str() {
        "jsonencode" => {
            let Some(list) = arg(0) else { return Source::Unset };
            let list = match repo.resolve(list, &ctx, &mut Vec::new()) {
                Ok(r) => r,
                Err(why) => return Source::Computed(why),
            };
            let Some(items) = list.0.expr.as_array() else {
                return Source::Computed(format!("container definitions are {}", repo.describe(list.0)));
            };
            for item in items.iter() {
                let item = At { file: list.0.file, expr: item };
                let named = repo.member(item, &list.1, "name", &mut Vec::new()).ok();
                if named.and_then(|(n, c)| repo.eval_string(n, &c)).as_deref() != Some(name) {
                    continue;
                }
                return match repo.member(item, &list.1, key, &mut Vec::new()) {
                    Ok((value, value_ctx)) => repo.site(value, &value_ctx),
                    Err(_) => Source::Unset,
                };
            }
            Source::Computed(format!("no container {name} in {}", repo.describe(list.0)))
        }
        "templatefile" | "file" => {
            let Some(path) = arg(0).and_then(|p| repo.eval_string(p, &ctx)) else {
                return Source::Computed(format!("the template's path is computed: {}", repo.describe(at)));
            };
            let vars = arg(1);
            json_source(repo, &ctx, &path, name, key, vars)
        }
        other => Source::Computed(format!("container definitions come from {other}(…): {}", repo.describe(at))),
    }
}

/// The container's value in a JSON file or JSON template (`${x}` placeholders followed into
/// `vars`).
fn json_source<'a>(
    repo: &'a Repo<'a>,
    ctx: &Ctx<'a>,
    path: &str,
    name: &str,
    key: &str,
    vars: Option<At<'a>>,
) -> Source {
    let full = [repo.root.join(path), repo.root.join(&ctx.dir).join(path)].into_iter().find(|p| p.is_file());
    let Some(full) = full else {
        return Source::Computed(format!("the container template {path} is not in this checkout"));
    };
    let Ok(src) = std::fs::read_to_string(&full) else {
        return Source::Computed(format!("{path} cannot be read"));
    };
    let file = rel(repo.root, &full);
    // Placeholders of the same length keep every offset: `${x}` → `0000` reads as JSON.
    let masked = regex::Regex::new(r"\$\{[^}]*\}")
        .expect("valid")
        .replace_all(&src, |c: &regex::Captures| "0".repeat(c[0].len()));
    let Some(root) = tree::parse(&masked) else {
        return Source::Computed(format!("{} is not JSON this can follow", file.display()));
    };
    let containers = if root.items().is_empty() { root.get("containerDefinitions") } else { Some(&root) };
    let written = |n: &Node| n.scalar().and_then(|s| s.span.clone()).map(|span| (src[span.clone()].to_string(), span));
    for c in containers.map_or(&[][..], Node::items) {
        let Some((name_token, _)) = c.get("name").and_then(written) else { continue };
        let shown = match placeholder(&name_token) {
            Some(var) => vars.and_then(|v| {
                let (value, value_ctx) = repo.member(v, ctx, var, &mut Vec::new()).ok()?;
                repo.eval_string(value, &value_ctx)
            }),
            None => Some(name_token.trim_matches('"').to_string()),
        };
        if shown.as_deref() != Some(name) {
            continue;
        }
        let Some((token, span)) = c.get(key).and_then(written) else { return Source::Unset };
        return match placeholder(&token) {
            Some(var) => match vars.map(|v| repo.member(v, ctx, var, &mut Vec::new())) {
                Some(Ok((value, value_ctx))) => match repo.site(value, &value_ctx) {
                    Source::At(mut site) => {
                        site.via.insert(0, format!("${{{var}}} in {}", file.display()));
                        Source::At(site)
                    }
                    other => other,
                },
                _ => Source::Computed(format!("${{{var}}} in {} is not set in the templatefile call", file.display())),
            },
            None => Source::At(Site {
                file: file.clone(),
                line: line_of(&src, span.start),
                token,
                span,
                via: Vec::new(),
                allowed: Vec::new(),
            }),
        };
    }
    Source::Computed(format!("no container {name} in {}", file.display()))
}

/// `x` of a token that is only `${x}` (or `"${x}"`).
fn placeholder(token: &str) -> Option<&str> {
    let t = token.trim_matches('"');
    t.strip_prefix("${")?.strip_suffix('}').filter(|v| v.chars().all(|c| c.is_alphanumeric() || c == '_'))
}
