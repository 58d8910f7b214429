//! Settings that apply global → cluster → service (`[sizing]`, `[slo]`): each level changes only
//! what it names, the most specific last.

use std::collections::HashMap;

/// One level's overrides of a `T`.
pub trait Override<T> {
    fn apply(&self, to: T) -> T;
}

/// `base`, then `global`, then the cluster's and the service's overrides; `key` is `cluster/service`.
pub fn layered<T, O: Override<T>>(
    base: T,
    global: &O,
    clusters: &HashMap<String, O>,
    services: &HashMap<String, O>,
    key: &str,
) -> T {
    let cluster = key.split_once('/').map_or(key, |(c, _)| c);
    [Some(global), clusters.get(cluster), services.get(key)].into_iter().flatten().fold(base, |t, o| o.apply(t))
}
