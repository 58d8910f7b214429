//! A suggestion as a change to the code that owns the resource: find the Terraform or
//! CloudFormation that declares the task definition (or replication group), follow each sizing
//! value to where it is really written (a variable's tfvars, a module call, a `for_each` map, a
//! parameters file, a template), and change only those tokens. Every other byte of every file
//! stays as it was; the result is a unified diff people review and `git apply`.
//!
//! Nothing here guesses: a value that is computed (arithmetic, a function, a remote lookup) is
//! named with where it comes from and left alone; two declarations that match are both listed
//! and neither is changed.

pub mod cdk;
pub mod change;
pub mod cloudformation;
pub mod describe;
pub mod git;
pub mod patch;
pub mod terraform;
pub mod tree;
mod walk;

use crate::apply::ResizePlan;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use patch::{Edit, Patch};

/// What the code should say after the change, and how to recognise the code.
#[derive(Debug, Clone, PartialEq)]
pub struct Want {
    pub resource: Wanted,
    /// `aws:cloudformation:stack-name` / `logical-id` from the resource's tags, when it has them.
    pub stack: Option<String>,
    pub logical_id: Option<String>,
    pub settings: Vec<Setting>,
    /// Plan's notes on values the code cannot carry (a reservation the code does not set).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Wanted {
    /// An ECS task definition, by its family.
    TaskFamily(String),
    /// An ElastiCache replication group, by its id.
    Group(String),
}

impl Wanted {
    pub fn name(&self) -> &str {
        match self {
            Wanted::TaskFamily(f) | Wanted::Group(f) => f,
        }
    }
}

/// One sizing value: which, what it is now, what it becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub field: Field,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    TaskCpu,
    TaskMemory,
    ContainerCpu(String),
    ContainerMemory(String),
    ContainerReservation(String),
    NodeType,
}

impl Field {
    pub fn label(&self) -> String {
        match self {
            Field::TaskCpu => "task cpu".into(),
            Field::TaskMemory => "task memory".into(),
            Field::ContainerCpu(c) => format!("{c} cpu"),
            Field::ContainerMemory(c) => format!("{c} memory"),
            Field::ContainerReservation(c) => format!("{c} memoryReservation"),
            Field::NodeType => "node type".into(),
        }
    }

    pub fn container(&self) -> Option<&str> {
        match self {
            Field::ContainerCpu(c) | Field::ContainerMemory(c) | Field::ContainerReservation(c) => Some(c),
            _ => None,
        }
    }
}

/// Where a value is written: a token in a file (relative to the repository root) and the way
/// it was reached ("var.payments_cpu", "terraform.tfvars").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Site {
    pub file: PathBuf,
    pub span: Range<usize>,
    pub token: String,
    pub line: usize,
    pub via: Vec<String>,
    /// The only values it may take (a CloudFormation parameter's `AllowedValues`); empty: any.
    pub allowed: Vec<String>,
}

/// Where a setting's value comes from, as far as the code says.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    At(Site),
    /// Computed, or set outside the code: why, and where to change it instead.
    Computed(String),
    /// The code does not set it (a container without that key).
    Unset,
}

/// A declaration that matches: where, and each setting's source.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What the code is written in: Terraform, or CloudFormation (and SAM and CDK, which
    /// deploy through it).
    pub tool: crate::domain::IacTool,
    pub root: PathBuf,
    /// "ecs.tf:3 aws_ecs_task_definition.orders" / "templates/orders.yaml:40 OrdersTaskDefinition".
    pub declared: String,
    pub sources: Vec<(Setting, Source)>,
}

/// What searching the code found.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// One owner: the change (possibly with notes on values it could not change).
    Patch(Patch),
    /// Several declarations match: none is changed.
    Ambiguous(Vec<String>),
    /// Nothing declares it: where it looked.
    NotFound(Vec<String>),
}

impl Want {
    /// The settings a plan changes, in the order a reviewer reads them: task, then containers
    /// (only those it changes; sidecars keep their size).
    pub fn from_plan(plan: &ResizePlan) -> Want {
        let (stack, logical_id) = plan.owner.as_ref().map_or((None, None), |o| (o.stack.clone(), o.logical_id.clone()));
        let mut settings = Vec::new();
        let mut notes = Vec::new();
        let mut set = |field: Field, before: String, after: String| {
            if before != after {
                settings.push(Setting { field, before, after });
            }
        };
        let resource = match &plan.node_type {
            Some((before, after)) => {
                set(Field::NodeType, before.clone(), after.clone());
                Wanted::Group(plan.resource_name())
            }
            None => {
                if plan.task_level.cpu {
                    set(Field::TaskCpu, plan.before.0.to_string(), plan.after.0.to_string());
                }
                if plan.task_level.memory {
                    set(Field::TaskMemory, plan.before.1.to_string(), plan.after.1.to_string());
                }
                for c in plan.containers.iter().filter(|c| c.changed()) {
                    set(Field::ContainerCpu(c.name.clone()), c.cpu.0.to_string(), c.cpu.1.to_string());
                    for (field, (before, after)) in [
                        (Field::ContainerMemory(c.name.clone()), c.memory_hard),
                        (Field::ContainerReservation(c.name.clone()), c.memory_soft),
                    ] {
                        match (before, after) {
                            (Some(b), Some(a)) => set(field, b.to_string(), a.to_string()),
                            (None, Some(a)) => notes
                                .push(format!("{}: the code sets none; the plan's {a} is not added", field.label())),
                            _ => {}
                        }
                    }
                }
                Wanted::TaskFamily(family(&plan.base_task_definition))
            }
        };
        Want { resource, stack, logical_id, settings, notes }
    }
}

/// `orders` from `arn:…:task-definition/orders:42` or `orders:42`.
pub fn family(task_definition: &str) -> String {
    let name = crate::apply::plan::short_task_definition(task_definition);
    name.rsplit_once(':').map_or(name, |(f, _)| f).to_string()
}

/// Search every root for the code that owns `want` and make the change there.
pub fn find(roots: &[PathBuf], want: &Want) -> Answer {
    let mut candidates = Vec::new();
    let mut looked = Vec::new();
    for root in roots {
        let files = walk::files(root);
        looked.push(format!(
            "{}: {} Terraform files, {} CloudFormation templates",
            root.display(),
            files.terraform.len(),
            files.templates.len()
        ));
        candidates.extend(terraform::candidates(root, &files, want));
        candidates.extend(cloudformation::candidates(root, &files, want));
        candidates.extend(cdk::candidates(root, want));
    }
    match candidates.len() {
        0 => Answer::NotFound(looked),
        1 => Answer::Patch(Patch::new(candidates.remove(0), want)),
        _ => Answer::Ambiguous(candidates.iter().map(|c| format!("{}: {}", c.root.display(), c.declared)).collect()),
    }
}

/// Line number (1-based) of a byte offset.
pub(crate) fn line_of(src: &str, at: usize) -> usize {
    src[..at.min(src.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// A path relative to the root, as diffs and messages show it.
pub(crate) fn rel(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}
