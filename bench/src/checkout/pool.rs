//! Running many calls with a bounded number in flight.

use std::{future::Future, sync::Arc};

use tokio::{
    sync::Semaphore,
    task::{JoinError, JoinSet},
};

/// Runs `task(i, item)` for every item, each on its own tokio task (so the
/// load generator uses every core), with at most `concurrency` running at
/// once, and returns the results in item order.
///
/// A task's future is created up front but, being `async`, does nothing
/// until it holds a slot: a timer started inside it measures the call
/// alone, not the wait for a slot.
pub async fn run_bounded<T, R, F, Fut>(
    items: Vec<T>,
    concurrency: usize,
    task: F,
) -> Result<Vec<R>, JoinError>
where
    R: Send + 'static,
    F: Fn(usize, T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let count = items.len();
    let mut set = JoinSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let slots = Arc::clone(&slots);
        let run = task(i, item);
        set.spawn(async move {
            // The semaphore is never closed, so this always holds a slot.
            let _slot = slots.acquire_owned().await;
            (i, run.await)
        });
    }
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(count).collect();
    while let Some(done) = set.join_next().await {
        let (i, result) = done?;
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    Ok(results.into_iter().flatten().collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn keeps_order_and_bounds_concurrency() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let items: Vec<u64> = (0..40).collect();
        let results = run_bounded(items, 4, |i, item| {
            let running = Arc::clone(&running);
            let peak = Arc::clone(&peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(40 - item)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                (i, item * 2)
            }
        })
        .await
        .unwrap();
        assert_eq!(results.len(), 40);
        assert!(results
            .iter()
            .enumerate()
            .all(|(i, &(j, v))| i == j && v == 2 * i as u64));
        assert!(peak.load(Ordering::SeqCst) <= 4);
    }
}
