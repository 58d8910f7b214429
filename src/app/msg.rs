//! Everything that crosses into the UI loop (Msg) and out of it (Effect).

use super::keymap::KeyChord;
use super::state::{PaneId, ReqId};
use crate::domain::{Alarm, CacheGroup, CostReport, EcsService, ResourceDetail, ResourceRef, Window};
use crate::provider::ProviderError;
use chrono::{DateTime, Utc};

/// A provider's answer for one pane.
#[derive(Debug, Clone)]
pub enum Payload {
    Ecs(Result<Vec<EcsService>, ProviderError>),
    Redis(Result<Vec<CacheGroup>, ProviderError>),
    Cost(Result<CostReport, ProviderError>),
    Alarms(Result<Vec<Alarm>, ProviderError>),
}

impl Payload {
    pub fn pane(&self) -> PaneId {
        match self {
            Payload::Ecs(_) => PaneId::Ecs,
            Payload::Redis(_) => PaneId::Redis,
            Payload::Cost(_) => PaneId::Cost,
            Payload::Alarms(_) => PaneId::Alarms,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyChord),
    Resize(u16, u16),
    /// The clock moved: refreshes may be due and ages change.
    Tick(DateTime<Utc>),
    Loaded {
        req: ReqId,
        payload: Payload,
    },
    DetailLoaded {
        req: ReqId,
        result: Result<ResourceDetail, ProviderError>,
    },
    /// SIGTERM, SIGHUP, SIGINT.
    Quit,
}

/// Work `update` asks the driver to do; results come back as `Msg`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Fetch { pane: PaneId, req: ReqId, window: Window },
    FetchDetail { req: ReqId, resource: ResourceRef, window: Window },
}
