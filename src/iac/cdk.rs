//! CDK apps (TypeScript and Python): the synthesized templates in `cdk.out/` say which construct
//! makes the resource (`aws:cdk:path` metadata on the resource whose `Family` /
//! `ReplicationGroupId` or logical id is the one wanted); the construct is then found in the
//! app's source (`new ecs.FargateTaskDefinition(this, 'OrdersTask', { … })` /
//! `ecs.FargateTaskDefinition(self, "OrdersTask", …)`) and each sizing value is read from its
//! props, its containers' `addContainer` / `add_container` props, or a constant in the same
//! file. The source is what changes: `cdk.out/` is build output and is never edited.

use super::tree::{self, Node};
use super::{Candidate, Field, Setting, Site, Source, Want, Wanted, line_of, rel};
use regex::Regex;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Apps sit near the top of a checkout; source trees are not deep either.
const MAX_DEPTH: usize = 8;
use super::walk::{MAX_BYTES, SKIPPED};
/// A value written as one token: a number or a plain string (node types are strings).
const LITERAL: &str = r#"-?[0-9][0-9_]*(?:\.[0-9]+)?|'[^'\\\n]*'|"[^"\\\n]*""#;

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Ts,
    Py,
}

fn quotes(lang: Lang) -> &'static [u8] {
    match lang {
        Lang::Ts => b"'\"`",
        Lang::Py => b"'\"",
    }
}

/// One source file: as read, and the same bytes with comments blanked, so searches never
/// match inside a comment while every offset still indexes `src`.
struct File {
    path: PathBuf,
    src: String,
    code: String,
    lang: Lang,
}

/// A call in a file: where it starts, its parentheses and its top-level arguments.
struct Call {
    name: String,
    at: usize,
    close: usize,
    args: Vec<Range<usize>>,
}

/// The keys an object literal (or a Python call's keywords) writes, and what else may carry
/// more (`...props`, `**kwargs`, or props passed as a whole expression).
#[derive(Default)]
struct Props {
    keys: Vec<(String, Range<usize>)>,
    rest: Option<Range<usize>>,
}

/// One candidate per construct in an app's source whose synthesized resource is `want`'s.
pub fn candidates(root: &Path, want: &Want) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut found = Vec::new();
    find_apps(root, 0, &mut found);
    for app in found {
        let constructs = synthesized(&app, want);
        if constructs.is_empty() {
            continue;
        }
        let files = sources(root, &app);
        for (path, id) in &constructs {
            for file in &files {
                for call in file.constructs(id, want) {
                    let class = call.name.rsplit('.').next().unwrap_or(&call.name);
                    // `(scope, id, props)`: the props follow the id.
                    let props = file.props(&call.args, 2);
                    out.push(Candidate {
                        tool: crate::domain::IacTool::CloudFormation,
                        root: root.to_path_buf(),
                        declared: format!("{}:{} {path} (CDK, {class})", file.path.display(), file.line(call.at)),
                        sources: want.settings.iter().map(|s| (s.clone(), file.source(&call, &props, s, id))).collect(),
                    });
                }
            }
        }
    }
    out
}

/// Directories with a `cdk.json`; an app's subtree is its own, so the walk stops there.
fn find_apps(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if dir.join("cdk.json").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    if depth < MAX_DEPTH {
        for sub in subdirs(dir) {
            find_apps(&sub, depth + 1, out);
        }
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !name.starts_with('.') && !SKIPPED.contains(&name.as_str())
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// The synthesized resources in `cdk.out/` that are `want`'s (by name, or by logical id), as
/// (construct path, construct id).
fn synthesized(app: &Path, want: &Want) -> BTreeSet<(String, String)> {
    let (kind, name_key) = match want.resource {
        Wanted::TaskFamily(_) => ("AWS::ECS::TaskDefinition", "Family"),
        Wanted::Group(_) => ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"),
    };
    let mut found = BTreeSet::new();
    for path in std::fs::read_dir(app.join("cdk.out")).into_iter().flatten().flatten().map(|e| e.path()) {
        if !path.to_string_lossy().ends_with(".template.json") {
            continue;
        }
        let Some(template) = std::fs::read_to_string(&path).ok().and_then(|s| tree::parse(&s)) else { continue };
        for (logical_id, resource) in template.get("Resources").map_or(&[][..], Node::entries) {
            let name = resource.get("Properties").and_then(|p| p.get(name_key)).and_then(Node::text);
            let wanted = name == Some(want.resource.name()) || want.logical_id.as_deref() == Some(logical_id);
            if wanted && resource.get("Type").and_then(Node::text) == Some(kind) {
                let cdk_path = resource.get("Metadata").and_then(|m| m.get("aws:cdk:path")).and_then(Node::text);
                found.extend(cdk_path.and_then(construct_id));
            }
        }
    }
    found
}

/// "OrdersStack/OrdersTask/Resource" → ("OrdersStack/OrdersTask", "OrdersTask"). An L2
/// construct wraps its CloudFormation resource as a child named `Resource`; an L1 construct
/// (`CfnReplicationGroup`) is the resource itself.
fn construct_id(path: &str) -> Option<(String, String)> {
    let path = path.strip_suffix("/Resource").unwrap_or(path);
    let id = path.rsplit('/').next().filter(|id| !id.is_empty())?;
    Some((path.to_string(), id.to_string()))
}

/// The app's TypeScript (not declarations) and Python sources.
fn sources(root: &Path, app: &Path) -> Vec<File> {
    let mut paths = Vec::new();
    let mut dirs = vec![(app.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).into_iter().flatten().flatten();
        let small = |e: &std::fs::DirEntry| e.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_BYTES);
        paths.extend(entries.filter(small).map(|e| e.path()));
        dirs.extend(subdirs(&dir).into_iter().filter(|_| depth < MAX_DEPTH).map(|d| (d, depth + 1)));
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let lang = match path.extension()?.to_str()? {
                "ts" if !name.ends_with(".d.ts") => Lang::Ts,
                "py" => Lang::Py,
                _ => return None,
            };
            let src = std::fs::read_to_string(&path).ok()?;
            Some(File { path: rel(root, &path), code: mask(&src, lang), src, lang })
        })
        .collect()
}

/// `src` with comments (and Python's triple-quoted strings: docstrings, in practice) turned
/// into spaces, newlines kept. Only ASCII bytes are written, so the text stays UTF-8.
fn mask(src: &str, lang: Lang) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, span: Range<usize>| {
        out[span].iter_mut().filter(|c| **c != b'\n').for_each(|c| *c = b' ');
    };
    let find = |from: usize, what: &str| src[from..].find(what).map_or(b.len(), |n| from + n);
    let mut i = 0;
    while i < b.len() {
        // Bytes, not `str`: `i` may be inside a multi-byte character here.
        let rest = &b[i..];
        let end = match (lang, b[i]) {
            (Lang::Ts, b'/') if rest.starts_with(b"//") => find(i, "\n"),
            (Lang::Ts, b'/') if rest.starts_with(b"/*") => (find(i + 2, "*/") + 2).min(b.len()),
            (Lang::Py, b'#') => find(i, "\n"),
            (Lang::Py, q @ (b'"' | b'\'')) if rest.starts_with(&[q; 3]) => {
                (find(i + 3, if q == b'"' { "\"\"\"" } else { "'''" }) + 3).min(b.len())
            }
            (_, q) if quotes(lang).contains(&q) => {
                i = string_end(b, i);
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        blank(&mut out, i..end);
        i = end;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Just past the string literal opening at `at` (escapes skipped; a quote other than a
/// template literal's ends at the line's end when unterminated).
fn string_end(b: &[u8], at: usize) -> usize {
    let q = b[at];
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            c if c == q => return i + 1,
            b'\n' if q != b'`' => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The text of a plain string literal: `'x'`, `"x"` or `` `x` `` without `${}`.
fn string_value(token: &str) -> Option<&str> {
    let q = token.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let inner = token.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q) && !inner.contains("${")).then_some(inner)
}

fn whole(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})$")).expect("a fixed pattern")
}

/// Which prop carries a setting.
fn key(field: &Field, lang: Lang) -> &'static str {
    match (field, lang) {
        (Field::TaskCpu | Field::ContainerCpu(_), _) => "cpu",
        (Field::TaskMemory | Field::ContainerMemory(_), Lang::Ts) => "memoryLimitMiB",
        (Field::TaskMemory | Field::ContainerMemory(_), Lang::Py) => "memory_limit_mib",
        (Field::ContainerReservation(_), Lang::Ts) => "memoryReservationMiB",
        (Field::ContainerReservation(_), Lang::Py) => "memory_reservation_mib",
        (Field::NodeType, Lang::Ts) => "cacheNodeType",
        (Field::NodeType, Lang::Py) => "cache_node_type",
    }
}

impl File {
    fn line(&self, at: usize) -> usize {
        line_of(&self.src, at)
    }

    fn place(&self, at: usize) -> String {
        format!("{}:{}", self.path.display(), self.line(at))
    }

    /// An expression as a reader sees it: comments out, on one line.
    fn expr(&self, span: &Range<usize>) -> String {
        self.code[span.clone()].split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn site(&self, span: Range<usize>, via: Vec<String>) -> Site {
        Site {
            file: self.path.clone(),
            token: self.src[span.clone()].to_string(),
            line: self.line(span.start),
            span,
            via,
            allowed: Vec::new(),
        }
    }

    /// Calls matching `pattern` (which ends at the call's `(`; group 1 names it), from `from` on.
    fn calls(&self, pattern: &str, from: usize) -> Vec<Call> {
        let re = Regex::new(pattern).expect("an escaped pattern");
        let mut out = Vec::new();
        for c in re.captures_iter(&self.code[from..]) {
            let (whole, name) = (c.get(0).expect("match"), c.get(1).expect("group 1"));
            let Some((close, args)) = self.scan(from + whole.end() - 1) else { continue };
            out.push(Call { name: name.as_str().to_string(), at: from + whole.start(), close, args });
        }
        out
    }

    /// The task definitions (or replication groups) constructed with id `id`.
    fn constructs(&self, id: &str, want: &Want) -> Vec<Call> {
        let suffix = match want.resource {
            Wanted::TaskFamily(_) => "TaskDefinition",
            Wanted::Group(_) => "ReplicationGroup",
        };
        let pattern = match self.lang {
            Lang::Ts => format!(r"\bnew\s+([\w$.]*{suffix})\s*\("),
            Lang::Py => format!(r"\b([\w.]*{suffix})\s*\("),
        };
        let mut calls = self.calls(&pattern, 0);
        calls.retain(|c| c.args.get(1).and_then(|a| string_value(&self.src[a.clone()])) == Some(id));
        calls
    }

    /// From the bracket at `open`: the one that closes it, and the comma-separated parts
    /// between them (trimmed, empty ones dropped). Brackets inside strings do not count.
    fn scan(&self, open: usize) -> Option<(usize, Vec<Range<usize>>)> {
        let b = self.code.as_bytes();
        let (mut parts, mut depth, mut start, mut i) = (Vec::new(), 0usize, open + 1, open);
        while i < b.len() {
            match b[i] {
                q if quotes(self.lang).contains(&q) => {
                    i = string_end(b, i);
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        parts.push(self.trim(start..i));
                        parts.retain(|r: &Range<usize>| !r.is_empty());
                        return Some((i, parts));
                    }
                }
                b',' if depth == 1 => {
                    parts.push(self.trim(start..i));
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn trim(&self, span: Range<usize>) -> Range<usize> {
        let text = &self.code[span.clone()];
        let start = span.start + (text.len() - text.trim_start().len());
        start..(span.end - (text.len() - text.trim_end().len())).max(start)
    }

    /// Props from the arguments from `first` on: TypeScript's object literal there, or
    /// Python's keyword arguments.
    fn props(&self, args: &[Range<usize>], first: usize) -> Props {
        let mut props = Props::default();
        let (items, key_re) = match self.lang {
            Lang::Ts => {
                let Some(arg) = args.get(first) else { return props };
                // Props passed as a whole expression (`props`, `{ … } as X`) are not followed.
                let object = self.code[arg.clone()].starts_with('{').then(|| self.scan(arg.start)).flatten();
                let Some((_, items)) = object.filter(|(close, _)| *close + 1 == arg.end) else {
                    return Props { keys: Vec::new(), rest: Some(arg.clone()) };
                };
                (items, Regex::new(r#"^([\w$]+|'[^']*'|"[^"]*")\s*:"#))
            }
            Lang::Py => (args.get(first..).unwrap_or(&[]).to_vec(), Regex::new(r"^(\w+)\s*=[^=]")),
        };
        let key_re = key_re.expect("a fixed pattern");
        for item in items {
            let text = &self.code[item.clone()];
            if let Some(c) = key_re.captures(text) {
                let name = c.get(1).expect("group 1").as_str();
                let value = item.start + c.get(1).expect("group 1").end();
                let value = self.trim(value + self.code[value..].find(['=', ':']).map_or(0, |n| n + 1)..item.end);
                props.keys.push((string_value(name).unwrap_or(name).to_string(), value));
            } else if self.lang == Lang::Ts && whole(r"[A-Za-z_$][\w$]*").is_match(text) {
                // Shorthand `{ cpu }`: the value is the variable of that name.
                props.keys.push((text.to_string(), item));
            } else if text.starts_with("...") || text.starts_with("**") {
                props.rest = Some(item);
            }
        }
        props
    }

    fn source(&self, construct: &Call, props: &Props, setting: &Setting, id: &str) -> Source {
        let key = key(&setting.field, self.lang);
        match setting.field.container() {
            None => self.value(props, key),
            Some(name) => match self.container(construct, name, id) {
                Ok(container) => self.value(&container, key),
                Err(why) => Source::Computed(why),
            },
        }
    }

    /// The props of the container named `name` added to the construct: through the variable
    /// the construct is assigned to, after it.
    fn container(&self, construct: &Call, name: &str, id: &str) -> Result<Props, String> {
        let file = self.path.display();
        let Some(var) = self.assigned(construct) else {
            return Err(format!("{id} is not assigned to a variable in {file}: its containers are not followed"));
        };
        let (method, name_key) = match self.lang {
            Lang::Ts => ("addContainer", "containerName"),
            Lang::Py => ("add_container", "container_name"),
        };
        let receiver = var.split('.').map(regex::escape).collect::<Vec<_>>().join(r"\s*\.\s*");
        let pattern = format!(r"(?:^|[^\w$.])({receiver}\s*\.\s*{method})\s*\(");
        let mut matching: Vec<Props> = Vec::new();
        for call in self.calls(&pattern, construct.close) {
            let Some(cid) = call.args.first().and_then(|a| string_value(&self.src[a.clone()])) else { continue };
            let props = self.props(&call.args, 1);
            let named =
                props.keys.iter().find(|(k, _)| k == name_key).and_then(|(_, v)| string_value(&self.src[v.clone()]));
            if named.unwrap_or(cid) == name {
                matching.push(props);
            }
        }
        match matching.len() {
            0 => Err(format!("no container {name} added to {id} in {file}")),
            1 => Ok(matching.remove(0)),
            n => Err(format!("{n} containers named {name} are added to {id} in {file}: which one runs is not clear")),
        }
    }

    /// `taskDef` / `this.taskDef` / `task_def` / `self.task_def`: what the construct is
    /// assigned to, in the same statement.
    fn assigned(&self, construct: &Call) -> Option<String> {
        let pattern = match self.lang {
            Lang::Ts => r"(?:(?:const|let|var)\s+|(this)\s*\.\s*)([\w$]+)\s*(?::[^=;]*)?=\s*$",
            Lang::Py => r"(?:(self)\s*\.\s*)?(\w+)\s*(?::[^=\n]*)?=\s*$",
        };
        let c = Regex::new(pattern).expect("a fixed pattern").captures(&self.code[..construct.at])?;
        let var = c.get(2)?.as_str();
        Some(c.get(1).map_or(var.to_string(), |this| format!("{}.{var}", this.as_str())))
    }

    /// Where `key`'s value is written: the literal, the literal of the constant it names, or
    /// why it cannot be changed here.
    fn value(&self, props: &Props, key: &str) -> Source {
        let Some((_, span)) = props.keys.iter().find(|(k, _)| k == key) else {
            return match &props.rest {
                Some(rest) => Source::Computed(format!(
                    "{key} is not written where the construct is: it may come from `{}` at {}",
                    self.expr(rest),
                    self.place(rest.start)
                )),
                None => Source::Unset,
            };
        };
        let text = &self.code[span.clone()];
        if whole(LITERAL).is_match(text) {
            return Source::At(self.site(span.clone(), Vec::new()));
        }
        if whole(r"[A-Za-z_$][\w$]*").is_match(text) {
            return self.constant(text, span.start);
        }
        Source::Computed(format!("computed by `{}` at {}: {}", self.expr(span), self.place(span.start), hint(text)))
    }

    /// A constant of this file with a literal value: TypeScript `const NAME = 1024;`, Python's
    /// module-level `NAME = 1024`.
    fn constant(&self, name: &str, used: usize) -> Source {
        let n = regex::escape(name);
        let pattern = match self.lang {
            Lang::Ts => format!(
                r"(?m)(?:^|[;{{}}])[ \t]*(?:export\s+)?const\s+{n}\s*(?::\s*[\w$.]+\s*)?=\s*({LITERAL})[ \t]*(?:;|$)"
            ),
            Lang::Py => format!(r"(?m)^{n}[ \t]*(?::[ \t]*[\w.]+[ \t]*)?=[ \t]*({LITERAL})[ \t]*$"),
        };
        let re = Regex::new(&pattern).expect("an escaped pattern");
        let found: Vec<Range<usize>> =
            re.captures_iter(&self.code).filter_map(|c| c.get(1)).map(|m| m.range()).collect();
        let [span] = found.as_slice() else {
            return Source::Computed(format!(
                "`{name}` at {} is not one constant with a literal value in {} ({} found): change where it is set",
                self.place(used),
                self.path.display(),
                found.len()
            ));
        };
        let prefix = if self.lang == Lang::Ts { "const " } else { "" };
        Source::At(self.site(span.clone(), vec![format!("{prefix}{name} ({})", self.place(span.start))]))
    }
}

/// What to change instead of a computed value.
fn hint(expr: &str) -> &'static str {
    if expr.contains("etContext") || expr.contains("et_context") {
        "change the context value it reads (cdk.json or --context)"
    } else if expr.contains("props") {
        "change it where the stack is given its props"
    } else {
        "change what it is computed from"
    }
}
