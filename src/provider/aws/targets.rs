//! Reading several targets (profiles × regions) so that one failing never hides the others: each
//! target of each inventory keeps its last good answer and its own back-off. While a target backs
//! off it is not asked at all (no request storm against a region that is down); its last good
//! answer stands in, and the failure is reported beside the fresh data of the rest.
//!
//! Back-off is counted in refreshes, not seconds: the app already spaces refreshes (10 s by
//! default), so a target skips 1, 2, 4 … up to 30 of them — 20 s, 40 s … 5 min — and the
//! behaviour is the same under a test's simulated clock as under the wall clock.

use crate::provider::ProviderError;
use std::future::Future;
use std::sync::Mutex;

/// The most refreshes a failing target sits out between tries.
const MAX_SKIP: u32 = 30;

struct Slot<T> {
    last: Option<T>,
    failures: u32,
    /// Refreshes this target sits out before it is asked again.
    skip: u32,
    error: Option<ProviderError>,
}

/// One inventory's per-target state.
pub(super) struct Spread<T> {
    slots: Mutex<Vec<Slot<T>>>,
    /// What the last gather could not read, for `Provider::degraded`.
    degraded: Mutex<Option<ProviderError>>,
}

impl<T: Clone> Spread<T> {
    pub fn new(targets: usize) -> Self {
        Spread {
            slots: Mutex::new((0..targets).map(|_| Slot { last: None, failures: 0, skip: 0, error: None }).collect()),
            degraded: Mutex::new(None),
        }
    }

    pub fn degraded(&self) -> Option<ProviderError> {
        self.degraded.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read every target with `fetch` (concurrently). With one target its error is the answer
    /// (the app backs off the pane). With several, the answer is every target's fresh or last
    /// good data, in target order, and an error only when none answered.
    pub async fn gather<F, Fut>(&self, labels: &[String], fetch: F) -> Result<Vec<(usize, T)>, ProviderError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        if labels.len() == 1 {
            return fetch(0).await.map(|t| vec![(0, t)]);
        }
        let due: Vec<bool> = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots
                .iter_mut()
                .map(|s| {
                    let due = s.skip == 0;
                    s.skip = s.skip.saturating_sub(1);
                    due
                })
                .collect()
        };
        let answers = futures::future::join_all(due.iter().enumerate().map(|(i, due)| {
            let asked = due.then(|| fetch(i));
            async move {
                match asked {
                    Some(f) => Some(f.await),
                    None => None,
                }
            }
        }))
        .await;
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let mut failed = Vec::new();
        let mut cause = None;
        let mut answered = false;
        for (i, answer) in answers.into_iter().enumerate() {
            let slot = &mut slots[i];
            match answer {
                Some(Ok(t)) => {
                    answered = true;
                    slot.last = Some(t.clone());
                    slot.failures = 0;
                    slot.error = None;
                    out.push((i, t));
                }
                Some(Err(e)) => {
                    slot.failures = slot.failures.saturating_add(1);
                    slot.skip = skips(slot.failures);
                    slot.error = Some(e);
                }
                None => {} // backing off: last answer and error stand
            }
            if let Some(e) = &slot.error {
                failed.push(labels[i].clone());
                cause.get_or_insert_with(|| e.clone());
                if let Some(last) = &slot.last {
                    out.push((i, last.clone()));
                }
            }
        }
        let degraded = cause.clone().map(|cause| ProviderError::Partial { failed, cause: Box::new(cause) });
        *self.degraded.lock().unwrap_or_else(|e| e.into_inner()) = degraded;
        match cause {
            Some(cause) if !answered && out.is_empty() => Err(cause),
            _ => {
                out.sort_by_key(|(i, _)| *i);
                Ok(out)
            }
        }
    }
}

/// Refreshes to sit out after `failures` failures in a row: 1, 2, 4 … `MAX_SKIP`.
fn skips(failures: u32) -> u32 {
    (1u32 << failures.saturating_sub(1).min(10)).min(MAX_SKIP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn labels() -> Vec<String> {
        vec!["us-east-1".into(), "eu-west-1".into()]
    }

    fn down() -> ProviderError {
        ProviderError::Unreachable { operation: "ecs:ListClusters".into(), detail: "Connection refused".into() }
    }

    #[tokio::test]
    async fn a_failing_target_keeps_its_last_answer_and_is_not_asked_while_it_backs_off() {
        let spread = Spread::<u32>::new(2);
        let asked = [AtomicUsize::new(0), AtomicUsize::new(0)];
        let broken = std::sync::atomic::AtomicBool::new(false);
        let fetch = |i: usize| {
            asked[i].fetch_add(1, Ordering::SeqCst);
            let fail = i == 1 && broken.load(Ordering::SeqCst);
            async move { if fail { Err(down()) } else { Ok(i as u32 + 10) } }
        };
        assert_eq!(spread.gather(&labels(), fetch).await.unwrap(), vec![(0, 10), (1, 11)]);
        assert_eq!(spread.degraded(), None);
        broken.store(true, Ordering::SeqCst);
        // eu-west-1 fails: its last answer stands in and the failure is named.
        assert_eq!(spread.gather(&labels(), fetch).await.unwrap(), vec![(0, 10), (1, 11)]);
        let Some(ProviderError::Partial { failed, cause }) = spread.degraded() else { panic!("not degraded") };
        assert_eq!((failed, *cause), (vec!["eu-west-1".to_string()], down()));
        // Backing off: of ten more refreshes eu-west-1 sits out 1, then 2, then 4 (asked at the
        // 2nd, 5th and 10th), us-east-1 is asked at every one.
        for _ in 0..10 {
            assert_eq!(spread.gather(&labels(), fetch).await.unwrap(), vec![(0, 10), (1, 11)]);
            assert!(spread.degraded().is_some());
        }
        assert_eq!((asked[0].load(Ordering::SeqCst), asked[1].load(Ordering::SeqCst)), (12, 5));
        // It answers again: current at the next try, the failure gone.
        broken.store(false, Ordering::SeqCst);
        for _ in 0..9 {
            spread.gather(&labels(), fetch).await.unwrap();
        }
        assert_eq!(asked[1].load(Ordering::SeqCst), 6);
        assert_eq!(spread.degraded(), None);
    }

    #[tokio::test]
    async fn one_target_passes_its_error_through_and_all_failing_is_an_error() {
        let one = Spread::<u32>::new(1);
        assert_eq!(one.gather(&labels()[..1], |_| async { Err(down()) }).await, Err(down()));
        let two = Spread::<u32>::new(2);
        assert_eq!(two.gather(&labels(), |_| async { Err(down()) }).await, Err(down()));
        // Never answered, one fails: the other's rows alone, and the failure named.
        let fresh = Spread::<u32>::new(2);
        let got = fresh.gather(&labels(), |i| async move { if i == 0 { Ok(1) } else { Err(down()) } }).await;
        assert_eq!(got.unwrap(), vec![(0, 1)]);
        assert!(matches!(fresh.degraded(), Some(ProviderError::Partial { .. })));
    }

    #[test]
    fn skips_double_to_thirty_refreshes() {
        let skipped: Vec<u32> = [1, 2, 3, 4, 5, 6, 60, u32::MAX].map(skips).to_vec();
        assert_eq!(skipped, vec![1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
