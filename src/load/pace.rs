//! How fast a load run sends: at the IdP's own pace, or as fast as the target answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Spaces requests across every worker of a run: request k may leave no earlier than
/// `start + k × gap`. Without a gap nothing waits.
#[derive(Debug)]
pub struct Pacer {
    gap: Option<Duration>,
    start: Instant,
    slots: AtomicU64,
}

impl Pacer {
    /// `rate` requests per second across the run; `None` or 0 for no pacing.
    pub fn new(rate: Option<u32>) -> Self {
        Pacer {
            gap: rate.filter(|r| *r > 0).map(|r| Duration::from_secs(1) / r),
            start: Instant::now(),
            slots: AtomicU64::new(0),
        }
    }

    pub async fn wait(&self) {
        let Some(gap) = self.gap else {
            return;
        };
        let slot = self.slots.fetch_add(1, Ordering::Relaxed);
        let at = self.start + gap.saturating_mul(u32::try_from(slot).unwrap_or(u32::MAX));
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_rate_spaces_requests_on_the_clock() {
        // Arrange: 10 per second on tokio's paused clock, so no real time passes.
        let pacer = Pacer::new(Some(10));
        let start = Instant::now();

        // Act
        for _ in 0..11 {
            pacer.wait().await;
        }

        // Assert: the 11th request leaves a second after the first.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn no_rate_never_waits() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        for _ in 0..100 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
