//! Following a Terraform expression to where its value is written: `var.x` (the last
//! `*.auto.tfvars` that sets it, else `terraform.tfvars`, else a module call's argument, else the
//! variable's default), `local.x`, `each.key` / `each.value.…` into the `for_each` map, and
//! attribute or index steps into object literals. What cannot be followed (arithmetic, a
//! function, a data source, another resource, a value only a pipeline sets) is said in words.

use super::TfFile;
use crate::iac::{Site, Source, line_of};
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::Block;
use hcl_edit::template::Element;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

pub(crate) struct Repo<'r> {
    pub root: &'r Path,
    pub files: Vec<TfFile>,
    pub tfvars: Vec<TfFile>,
}

/// An expression and the file it is written in (an index: `.tf` files first, then `.tfvars`).
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub file: usize,
    pub expr: &'a Expression,
}

/// The module instance an expression is read in: its directory, the module call that
/// instantiated it (and the caller's own context), and the `for_each` entry being looked at.
#[derive(Clone)]
pub(crate) struct Ctx<'a> {
    pub dir: PathBuf,
    pub each: Option<(String, At<'a>, Rc<Ctx<'a>>)>,
    pub call: Option<(usize, &'a Block, Rc<Ctx<'a>>)>,
}

impl Ctx<'_> {
    pub fn call_name(&self) -> Option<&str> {
        self.call.as_ref().and_then(|(_, b, _)| b.labels.first()).map(|l| l.as_str())
    }
}

type Resolved<'a> = Result<(At<'a>, Ctx<'a>), String>;

const MAX_STEPS: usize = 32;

impl<'a> Repo<'a> {
    fn file(&self, i: usize) -> &TfFile {
        if i < self.files.len() { &self.files[i] } else { &self.tfvars[i - self.files.len()] }
    }

    fn dir_of(&self, i: usize) -> PathBuf {
        self.file(i).path.parent().unwrap_or(Path::new("")).to_path_buf()
    }

    /// "`var.base_cpu * 2` at main.tf:7"
    pub fn describe(&self, at: At) -> String {
        let f = self.file(at.file);
        let span = at.expr.span().unwrap_or(0..0);
        format!("`{}` at {}:{}", f.src[span.clone()].trim(), f.path.display(), line_of(&f.src, span.start))
    }

    /// Every instance of the module in `dir`: the root module, or one per call of it.
    pub fn contexts(&'a self, dir: &Path, depth: usize) -> Vec<Ctx<'a>> {
        let mut out = Vec::new();
        if depth < 6 {
            for (i, f) in self.files.iter().enumerate() {
                for call in f.body.get_blocks("module") {
                    let Some(source) = call.body.get_attribute("source").and_then(|a| a.value.as_str()) else {
                        continue;
                    };
                    if !(source.starts_with("./") || source.starts_with("../")) {
                        continue;
                    }
                    if normalize(&self.dir_of(i).join(source)) != normalize(dir) {
                        continue;
                    }
                    for parent in self.contexts(&self.dir_of(i), depth + 1) {
                        out.push(Ctx { dir: dir.to_path_buf(), each: None, call: Some((i, call, Rc::new(parent))) });
                    }
                }
            }
        }
        if out.is_empty() {
            out.push(Ctx { dir: dir.to_path_buf(), each: None, call: None });
        }
        out
    }

    /// A resource seen once per `for_each` entry (or once, without one).
    pub fn each_bindings(&'a self, block: &'a Block, i: usize, ctx: &Ctx<'a>) -> Vec<Ctx<'a>> {
        let Some(for_each) = block.body.get_attribute("for_each") else {
            return vec![ctx.clone()];
        };
        let Ok((map, map_ctx)) = self.resolve(At { file: i, expr: &for_each.value }, ctx, &mut Vec::new()) else {
            return Vec::new();
        };
        let Some(object) = map.expr.as_object() else { return Vec::new() };
        let map_ctx = Rc::new(map_ctx);
        object
            .iter()
            .filter_map(|(k, v)| {
                let key = match k {
                    ObjectKey::Ident(id) => id.as_str().to_string(),
                    ObjectKey::Expression(e) => e.as_str()?.to_string(),
                };
                let value = At { file: map.file, expr: v.expr() };
                Some(Ctx { each: Some((key, value, map_ctx.clone())), ..ctx.clone() })
            })
            .collect()
    }

    /// The string an expression evaluates to, where every part of it is written in the code
    /// (`"${local.env}-orders"`, `each.key`, `var.name`).
    pub fn eval_string(&'a self, at: At<'a>, ctx: &Ctx<'a>) -> Option<String> {
        if let Some(key) = each_key(at.expr, ctx) {
            return Some(key);
        }
        if let Some(dir) = path_module(at.expr, ctx) {
            return Some(dir);
        }
        let (at, ctx) = self.resolve(at, ctx, &mut Vec::new()).ok()?;
        match at.expr {
            Expression::String(s) => Some(s.value().clone()),
            Expression::Number(n) => Some(n.value().to_string()),
            Expression::StringTemplate(t) => {
                let mut out = String::new();
                for element in t.iter() {
                    match element {
                        Element::Literal(l) => out.push_str(l.value()),
                        Element::Interpolation(i) => {
                            out.push_str(&self.eval_string(At { file: at.file, expr: &i.expr }, &ctx)?)
                        }
                        Element::Directive(_) => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Where the value of `at` is written, as a token to change.
    pub fn site(&'a self, at: At<'a>, ctx: &Ctx<'a>) -> Source {
        let mut via = Vec::new();
        match self.resolve(at, ctx, &mut via) {
            Err(why) => Source::Computed(why),
            Ok((leaf, leaf_ctx)) => match leaf.expr {
                Expression::Number(_) | Expression::String(_) => {
                    let f = self.file(leaf.file);
                    let span = leaf.expr.span().unwrap_or(0..0);
                    Source::At(Site {
                        file: f.path.clone(),
                        token: f.src[span.clone()].to_string(),
                        line: line_of(&f.src, span.start),
                        span,
                        via,
                        allowed: Vec::new(),
                    })
                }
                _ => {
                    let mut inputs = Vec::new();
                    self.inputs(leaf.file, leaf.expr, &leaf_ctx, &mut inputs);
                    let from = if inputs.is_empty() { String::new() } else { format!(" from {}", inputs.join(", ")) };
                    Source::Computed(format!(
                        "computed by {}{from}: change what it is computed from",
                        self.describe(leaf)
                    ))
                }
            },
        }
    }

    /// The variables and locals a computed expression reads, with their values where the code
    /// writes them: "var.base_cpu = 512 (main.tf:5)".
    fn inputs(&'a self, file: usize, expr: &'a Expression, ctx: &Ctx<'a>, out: &mut Vec<String>) {
        let mut walk = |e: &'a Expression| self.inputs(file, e, ctx, out);
        match expr {
            Expression::Traversal(t) => {
                let Some(base) = t.expr.as_variable().map(|v| v.as_str()) else { return };
                if !matches!(base, "var" | "local" | "each") {
                    return;
                }
                let f = self.file(file);
                let name = f.src[expr.span().unwrap_or(0..0)].trim().to_string();
                if let Ok((value, _)) = self.resolve(At { file, expr }, ctx, &mut Vec::new())
                    && matches!(value.expr, Expression::Number(_) | Expression::String(_))
                {
                    let text = self.file(value.file).src[value.expr.span().unwrap_or(0..0)].to_string();
                    out.push(format!("{name} = {text} ({})", self.place(value)));
                    return;
                }
                out.push(name);
            }
            Expression::BinaryOp(op) => {
                walk(&op.lhs_expr);
                walk(&op.rhs_expr);
            }
            Expression::UnaryOp(op) => walk(&op.expr),
            Expression::Parenthesis(p) => walk(p.inner()),
            Expression::Conditional(c) => {
                walk(&c.cond_expr);
                walk(&c.true_expr);
                walk(&c.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(walk),
            _ => {}
        }
    }

    /// Follow references until an expression that is not one.
    pub fn resolve(&'a self, mut at: At<'a>, ctx: &Ctx<'a>, via: &mut Vec<String>) -> Resolved<'a> {
        let mut ctx = ctx.clone();
        for _ in 0..MAX_STEPS {
            let (base, ops) = match at.expr {
                Expression::Parenthesis(p) => {
                    at = At { file: at.file, expr: p.inner() };
                    continue;
                }
                Expression::Traversal(t) => match t.expr.as_variable() {
                    Some(base) => (base.as_str(), &t.operators[..]),
                    None => return Ok((at, ctx)),
                },
                _ => return Ok((at, ctx)),
            };
            let first = ops.first().and_then(|op| match op.value() {
                TraversalOperator::GetAttr(name) => Some(name.as_str()),
                _ => None,
            });
            let (mut cur, mut cur_ctx) = match (base, first) {
                ("var", Some(name)) => self.variable(name, &ctx, via)?,
                ("local", Some(name)) => self.local(name, &ctx, via)?,
                ("each", Some("value")) => {
                    let (_, value, map_ctx) = ctx.each.clone().ok_or("each.value outside a for_each")?;
                    via.push(format!("each.value ({})", self.place(value)));
                    (value, (*map_ctx).clone())
                }
                _ => return Err(format!("{} is not written in the code", self.describe(at))),
            };
            for op in &ops[1..] {
                let key = match op.value() {
                    TraversalOperator::GetAttr(name) => name.as_str().to_string(),
                    TraversalOperator::Index(e) => match (e.as_str(), e.as_number()) {
                        (Some(s), _) => s.to_string(),
                        (_, Some(n)) => n.to_string(),
                        _ => return Err(format!("{} indexes by a computed key", self.describe(at))),
                    },
                    _ => return Err(format!("{} is a splat over a list", self.describe(at))),
                };
                (cur, cur_ctx) = self.member(cur, &cur_ctx, &key, via)?;
            }
            (at, ctx) = (cur, cur_ctx);
        }
        Err(format!("{} refers to itself", self.describe(at)))
    }

    /// `object.key` (or `list[n]`) where the object is written as a literal.
    pub fn member(&'a self, at: At<'a>, ctx: &Ctx<'a>, key: &str, via: &mut Vec<String>) -> Resolved<'a> {
        let (at, ctx) = self.resolve(at, ctx, via)?;
        let found = match at.expr {
            Expression::Object(o) => o.iter().find_map(|(k, v)| {
                let name = match k {
                    ObjectKey::Ident(id) => Some(id.as_str()),
                    ObjectKey::Expression(e) => e.as_str(),
                };
                (name == Some(key)).then_some(v.expr())
            }),
            Expression::Array(a) => key.parse::<usize>().ok().and_then(|n| a.get(n)),
            _ => None,
        };
        let expr = found.ok_or_else(|| format!("no `{key}` in {}", self.describe(at)))?;
        Ok((At { file: at.file, expr }, ctx))
    }

    fn place(&self, at: At) -> String {
        let f = self.file(at.file);
        format!("{}:{}", f.path.display(), line_of(&f.src, at.expr.span().map_or(0, |s| s.start)))
    }

    /// A variable's value: tfvars (root module only), else the module call's argument, else
    /// its default.
    fn variable(&'a self, name: &str, ctx: &Ctx<'a>, via: &mut Vec<String>) -> Resolved<'a> {
        if ctx.call.is_none() {
            let in_dir: Vec<(usize, &TfFile)> = (0..self.tfvars.len())
                .map(|i| (self.files.len() + i, &self.tfvars[i]))
                .filter(|(_, f)| f.path.parent().unwrap_or(Path::new("")) == ctx.dir)
                .filter(|(_, f)| f.body.get_attribute(name).is_some())
                .collect();
            let file_name =
                |f: &TfFile| f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let auto = in_dir.iter().rfind(|(_, f)| file_name(f).ends_with(".auto.tfvars"));
            let default_file = in_dir.iter().find(|(_, f)| file_name(f) == "terraform.tfvars");
            let others: Vec<&(usize, &TfFile)> = in_dir
                .iter()
                .filter(|(_, f)| !file_name(f).ends_with(".auto.tfvars") && file_name(f) != "terraform.tfvars")
                .collect();
            if !others.is_empty() && (others.len() > 1 || auto.or(default_file).is_some()) {
                let names: Vec<String> = in_dir.iter().map(|(_, f)| f.path.display().to_string()).collect();
                return Err(format!(
                    "var.{name} is set in {}: which one a deploy uses (-var-file) is not in the code",
                    names.join(" and ")
                ));
            }
            if let Some((i, f)) = auto.or(default_file).or(others.first().copied()) {
                via.push(format!("var.{name} ({})", f.path.display()));
                let attr = f.body.get_attribute(name).expect("filtered on it");
                return Ok((At { file: *i, expr: &attr.value }, ctx.clone()));
            }
        }
        if let Some((file, call, parent)) = &ctx.call
            && let Some(arg) = call.body.get_attribute(name)
        {
            let label = call.labels.first().map_or("", |l| l.as_str());
            via.push(format!("var.{name} (module.{label} in {})", self.file(*file).path.display()));
            return Ok((At { file: *file, expr: &arg.value }, (**parent).clone()));
        }
        for (i, f) in self.files.iter().enumerate().filter(|(i, _)| self.dir_of(*i) == ctx.dir) {
            for block in f.body.get_blocks("variable").filter(|b| b.labels.first().is_some_and(|l| l.as_str() == name))
            {
                if let Some(default) = block.body.get_attribute("default") {
                    // A module's default serves every call that leaves it unset: changing it
                    // would resize the other instances too.
                    let instances = if ctx.call.is_some() { self.contexts(&ctx.dir, 0).len() } else { 1 };
                    if instances > 1 {
                        return Err(format!(
                            "var.{name} takes its default ({}), which {instances} calls of {} share: set `{name}` in this service's module call instead",
                            self.place(At { file: i, expr: &default.value }),
                            ctx.dir.display()
                        ));
                    }
                    via.push(format!("var.{name} (its default)"));
                    return Ok((At { file: i, expr: &default.value }, ctx.clone()));
                }
            }
        }
        Err(format!(
            "var.{name} has no value in the code: it is set when Terraform runs (-var, TF_VAR_{name} or the pipeline)"
        ))
    }

    fn local(&'a self, name: &str, ctx: &Ctx<'a>, via: &mut Vec<String>) -> Resolved<'a> {
        for (i, f) in self.files.iter().enumerate().filter(|(i, _)| self.dir_of(*i) == ctx.dir) {
            for block in f.body.get_blocks("locals") {
                if let Some(attr) = block.body.get_attribute(name) {
                    via.push(format!("local.{name}"));
                    return Ok((At { file: i, expr: &attr.value }, ctx.clone()));
                }
            }
        }
        Err(format!("local.{name} is not declared in {}", ctx.dir.display()))
    }
}

/// `each.key` in a `for_each` context.
fn each_key(expr: &Expression, ctx: &Ctx) -> Option<String> {
    let t = expr.as_traversal()?;
    let is_each = t.expr.as_variable().is_some_and(|v| v.as_str() == "each");
    let is_key = matches!(t.operators.as_slice(), [op] if matches!(op.value(), TraversalOperator::GetAttr(k) if k.as_str() == "key"));
    if is_each && is_key { ctx.each.as_ref().map(|(k, _, _)| k.clone()) } else { None }
}

/// `path.module` / `path.root`: the module's directory relative to the checkout (`.` for the
/// root), so a template path reads as a path from the checkout.
fn path_module(expr: &Expression, ctx: &Ctx) -> Option<String> {
    let t = expr.as_traversal()?;
    let is_path = t.expr.as_variable().is_some_and(|v| v.as_str() == "path");
    let which = match t.operators.as_slice() {
        [op] => match op.value() {
            TraversalOperator::GetAttr(k) => k.as_str().to_string(),
            _ => return None,
        },
        _ => return None,
    };
    if !is_path {
        return None;
    }
    match which.as_str() {
        "module" if !ctx.dir.as_os_str().is_empty() => Some(ctx.dir.display().to_string()),
        "module" | "root" | "cwd" => Some(".".into()),
        _ => None,
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
