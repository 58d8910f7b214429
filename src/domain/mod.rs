//! Plain data the panes show. Providers (demo, AWS) map their sources into these types;
//! nothing here knows about terminals or SDKs.

pub mod alarm;
pub mod cache;
pub mod cost;
pub mod detail;
pub mod ecs;
pub mod event;
pub mod history;
pub mod logs;
pub mod optimizer;
pub mod origin;
pub mod ownership;
pub mod series;
pub mod tasks;
pub mod trail;

pub use alarm::{Alarm, AlarmEvaluation, AlarmState, AlarmTransition, Comparison};
pub use cache::{CacheEngine, CacheGroup};
pub use cost::{CostAnomaly, CostReport, ServiceCost};
pub use detail::{DetailData, Facts, Measure, Series};
pub use ecs::{
    Arch, AutoScaling, Container, ContainerUsage, Deployment, DeploymentController, EcsService, HotTask, LaunchType,
    LbHealth, Rollout, ServiceHealth, Sidecar, TaskLevel, UsageHistory,
};
pub use event::{EventKind, Severity, SourceProblem, Timeline, TimelineEvent};
pub use history::{HandoverRecord, History};
pub use origin::{AlarmKey, GroupKey, Origin, ResourceKey, ServiceKey};
pub use ownership::{IacTool, Ownership};
pub use series::{ChartKind, ChartSeries, DetailChart, ResourceDetail, Stats, Window};
pub use tasks::{ServiceTasks, Task, TaskContainer};

use std::fmt;

/// Which kind of resource a row, an alarm or a detail view is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceRef {
    /// `cluster/service`
    EcsService { cluster: String, service: String },
    /// replication group id
    CacheGroup(String),
    /// Cost Explorer service name (e.g. "Amazon ElastiCache")
    CostService(String),
    /// alarm name
    Alarm(String),
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceRef::EcsService { cluster, service } => write!(f, "ecs:{cluster}/{service}"),
            ResourceRef::CacheGroup(id) => write!(f, "redis:{id}"),
            ResourceRef::CostService(s) => write!(f, "cost:{s}"),
            ResourceRef::Alarm(a) => write!(f, "alarm:{a}"),
        }
    }
}
