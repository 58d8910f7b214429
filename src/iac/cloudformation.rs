//! CloudFormation and SAM templates (YAML with short-form intrinsics, or JSON): the resource by
//! its logical id (from the `aws:cloudformation:logical-id` tag) or by the `Family` /
//! `ReplicationGroupId` it declares; a `!Ref` to a parameter followed to the value that sets
//! it: a parameters file beside the template or `samconfig.toml` where one sets it, else the
//! parameter's `Default`.

use super::tree::{self, Node};
use super::walk::Files;
use super::{Candidate, Field, Setting, Site, Source, Want, Wanted, line_of, rel};
use std::path::{Path, PathBuf};

struct Template<'a> {
    root: &'a Path,
    path: PathBuf,
    src: &'a str,
    tree: Node,
    stack: Option<&'a str>,
}

pub fn candidates(root: &Path, files: &Files, want: &Want) -> Vec<Candidate> {
    let kind = match want.resource {
        Wanted::TaskFamily(_) => "AWS::ECS::TaskDefinition",
        Wanted::Group(_) => "AWS::ElastiCache::ReplicationGroup",
    };
    let mut out = Vec::new();
    for (path, src) in &files.templates {
        let Some(tree) = tree::parse(src) else { continue };
        let t = Template { root, path: path.clone(), src, tree, stack: want.stack.as_deref() };
        for (logical_id, resource) in t.tree.get("Resources").map_or(&[][..], Node::entries) {
            if resource.get("Type").and_then(Node::text) != Some(kind) {
                continue;
            }
            let props = resource.get("Properties");
            let name_key = if kind.ends_with("TaskDefinition") { "Family" } else { "ReplicationGroupId" };
            let declared_name = props.and_then(|p| p.get(name_key)).and_then(|n| t.eval_string(n));
            let by_id = want.logical_id.as_deref() == Some(logical_id.as_str());
            let by_name = declared_name.as_deref() == Some(want.resource.name());
            // A logical id matches unless the template names something else.
            if !(by_name || (by_id && declared_name.is_none())) {
                continue;
            }
            // The line that names it: its logical id, just before its Type.
            let type_at = resource.get("Type").and_then(|n| n.scalar()?.span.clone()).map_or(0, |s| s.start);
            let line = line_of(t.src, t.src[..type_at].rfind(logical_id.as_str()).unwrap_or(type_at));
            out.push(Candidate {
                tool: crate::domain::IacTool::CloudFormation,
                root: root.to_path_buf(),
                declared: format!("{}:{line} {logical_id} ({kind})", rel(root, path).display()),
                sources: want.settings.iter().map(|s| (s.clone(), t.source(props, s))).collect(),
            });
        }
    }
    out
}

impl Template<'_> {
    fn file(&self) -> PathBuf {
        rel(self.root, &self.path)
    }

    fn source(&self, props: Option<&Node>, setting: &Setting) -> Source {
        let Some(props) = props else { return Source::Unset };
        let node = match &setting.field {
            Field::TaskCpu => props.get("Cpu"),
            Field::TaskMemory => props.get("Memory"),
            Field::NodeType => props.get("CacheNodeType"),
            Field::ContainerCpu(c) | Field::ContainerMemory(c) | Field::ContainerReservation(c) => {
                let key = match setting.field {
                    Field::ContainerCpu(_) => "Cpu",
                    Field::ContainerMemory(_) => "Memory",
                    _ => "MemoryReservation",
                };
                let list = props.get("ContainerDefinitions");
                let Some(container) =
                    list.map_or(&[][..], Node::items).iter().find(|d| d.get("Name").and_then(Node::text) == Some(c))
                else {
                    return Source::Computed(format!("no container {c} in {}", self.file().display()));
                };
                container.get(key)
            }
        };
        match node {
            None => Source::Unset,
            Some(node) => self.site(node),
        }
    }

    fn written(&self, node: &Node, via: Vec<String>) -> Option<Site> {
        let span = node.scalar()?.span.clone()?;
        Some(Site {
            file: self.file(),
            token: self.src[span.clone()].to_string(),
            line: line_of(self.src, span.start),
            span,
            via,
            allowed: Vec::new(),
        })
    }

    fn site(&self, node: &Node) -> Source {
        if let Some(param) = reference(node) {
            return self.parameter(param);
        }
        if node.tag().is_none() && node.scalar().is_some() {
            return self.written(node, Vec::new()).map_or_else(|| Source::Computed(self.describe(node)), Source::At);
        }
        Source::Computed(format!("computed by {}: change what it is computed from", self.describe(node)))
    }

    fn describe(&self, node: &Node) -> String {
        let what = match node {
            Node::Map { entries, .. } => entries.first().map_or("a map".into(), |(k, _)| format!("{k}: …")),
            Node::Seq { tag, .. } => tag.as_ref().map_or("a list".into(), |t| format!("!{t} […]")),
            Node::Scalar(s) => s.tag.as_ref().map_or(s.value.clone(), |t| format!("!{t} {}", s.value)),
        };
        format!("`{what}` in {}", self.file().display())
    }

    /// A parameter's value: the one parameters file (or samconfig.toml) that sets it, else its
    /// Default.
    fn parameter(&self, name: &str) -> Source {
        let mut found = parameter_files(self.root, &self.path, name);
        if let Some(stack) = self.stack.filter(|_| found.len() > 1) {
            found.retain(|s| s.file.to_string_lossy().contains(stack));
        }
        let param = self.tree.get("Parameters").and_then(|p| p.get(name));
        let allowed: Vec<String> = param
            .and_then(|p| p.get("AllowedValues"))
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|v| v.text().map(str::to_string))
            .collect();
        for site in &mut found {
            site.allowed = allowed.clone();
        }
        match found.len() {
            1 => return Source::At(found.remove(0)),
            0 => {}
            _ => {
                let files: Vec<String> = found.iter().map(|s| s.file.display().to_string()).collect();
                return Source::Computed(format!(
                    "parameter {name} is set in {}: which one the deploy uses is not in the code",
                    files.join(" and ")
                ));
            }
        }
        match param.and_then(|p| p.get("Default")) {
            Some(default) => match self.written(default, vec![format!("parameter {name} (its Default)")]) {
                Some(site) => Source::At(Site { allowed, ..site }),
                None => Source::Computed(format!("parameter {name}'s Default is written in a form this does not edit")),
            },
            None if param.is_some() => Source::Computed(format!(
                "parameter {name} has no Default and no parameters file beside the template sets it: it is set at deploy time"
            )),
            None => Source::Computed(format!("{name} is not a parameter of {}", self.file().display())),
        }
    }

    /// A string the template writes: plain, `!Ref P`, `!Sub "…${P}…"` over parameters.
    fn eval_string(&self, node: &Node) -> Option<String> {
        if let Some(param) = reference(node) {
            return match self.parameter(param) {
                Source::At(site) => Some(site.token.trim_matches(['"', '\'']).to_string()),
                _ => None,
            };
        }
        let sub = match node {
            Node::Scalar(s) if s.tag.as_deref() == Some("Sub") => Some(s.value.as_str()),
            Node::Map { entries, .. } if entries.len() == 1 && entries[0].0 == "Fn::Sub" => entries[0].1.text(),
            _ => None,
        };
        if let Some(text) = sub {
            let mut out = String::new();
            let mut rest = text;
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let end = rest[start..].find('}')? + start;
                let name = &rest[start + 2..end];
                out.push_str(&match name {
                    "AWS::StackName" => self.stack?.to_string(),
                    _ => self.eval_string(&Node::Scalar(tree::Scalar {
                        value: name.into(),
                        tag: Some("Ref".into()),
                        span: None,
                    }))?,
                });
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            return Some(out);
        }
        node.text().map(str::to_string)
    }
}

/// `!Ref X` or `{"Ref": "X"}`: X.
fn reference(node: &Node) -> Option<&str> {
    match node {
        Node::Scalar(s) if s.tag.as_deref() == Some("Ref") => Some(&s.value),
        Node::Map { entries, .. } if entries.len() == 1 && entries[0].0 == "Ref" => entries[0].1.text(),
        _ => None,
    }
}

/// Every place beside the template that sets parameter `name`: JSON parameters files
/// (`[{"ParameterKey", "ParameterValue"}]`, or CodePipeline's `{"Parameters": {…}}`) in the
/// template's directory, and `samconfig.toml` there or above it (up to the checkout's root).
fn parameter_files(root: &Path, template: &Path, name: &str) -> Vec<Site> {
    let mut out = Vec::new();
    let dir = template.parent().unwrap_or(root);
    let mut siblings: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    siblings.sort();
    // Which template a parameters file is for: the one its name starts with (`orders.prod.json`
    // is `orders.yaml`'s). Files named after another template are not this one's.
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let names = |file: &Path, template: &Path| {
        let (f, t) = (stem(file), stem(template));
        f.strip_prefix(t.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-', '_']))
    };
    let templates: Vec<&PathBuf> = siblings
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "template") || *p == template)
        .collect();
    let json: Vec<&PathBuf> =
        siblings.iter().filter(|p| *p != template && p.extension().is_some_and(|e| e == "json")).collect();
    let mine: Vec<&PathBuf> = json.iter().copied().filter(|p| names(p, template)).collect();
    let json = if mine.is_empty() {
        json.into_iter().filter(|p| !templates.iter().any(|t| *t != template && names(p, t))).collect()
    } else {
        mine
    };
    for path in json {
        let Ok(src) = std::fs::read_to_string(path) else { continue };
        let Some(tree) = tree::parse(&src) else { continue };
        let value = tree
            .items()
            .iter()
            .find(|p| p.get("ParameterKey").and_then(Node::text) == Some(name))
            .and_then(|p| p.get("ParameterValue"))
            .or_else(|| tree.get("Parameters").and_then(|p| p.get(name)));
        if let Some(span) = value.and_then(|v| v.scalar()?.span.clone()) {
            let file = rel(root, path);
            let via = vec![format!("parameter {name} ({})", file.display())];
            out.push(Site {
                file,
                token: src[span.clone()].to_string(),
                line: line_of(&src, span.start),
                span,
                via,
                allowed: Vec::new(),
            });
        }
    }
    let mut at = Some(dir);
    while let Some(d) = at {
        let path = d.join("samconfig.toml");
        if let Ok(src) = std::fs::read_to_string(&path) {
            let pattern = format!(r#"(?:^|[\s"\[,]){}=(\\?"|')?([^\s"'\\,\]]+)"#, regex::escape(name));
            let re = regex::Regex::new(&pattern).expect("escaped");
            let in_overrides =
                |at: usize| src[..at].rfind('\n').map_or(&src[..at], |n| &src[n..at]).contains("parameter_overrides");
            for c in re.captures_iter(&src).filter(|c| in_overrides(c.get(0).map_or(0, |m| m.start()))) {
                let m = c.get(2).expect("group 2");
                let file = rel(root, &path);
                let via = vec![format!("parameter {name} ({} parameter_overrides)", file.display())];
                out.push(Site {
                    file,
                    token: m.as_str().to_string(),
                    line: line_of(&src, m.start()),
                    span: m.range(),
                    via,
                    allowed: Vec::new(),
                });
            }
        }
        at = d.parent().filter(|p| p.starts_with(root) && *p != d);
    }
    out
}
