//! Latency histogram: fixed size, whatever the number of requests.
//!
//! A load run of 100,000 users sends hundreds of thousands of requests; keeping every latency
//! would make memory grow with N. Values (microseconds) go into log-linear buckets instead: 64
//! per power of two, so a percentile is within about 1.6 % of the true value, and the whole
//! histogram is 30 KiB however many values it holds.

/// Sub-buckets per power of two.
const SUB_BUCKETS: u64 = 64;
const SUB_BITS: u32 = 6;
/// Buckets: values below 64 exactly, then 64 per octave up to 2^64.
const BUCKETS: usize = (SUB_BUCKETS as usize) * (64 - SUB_BITS as usize + 1);

#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("total", &self.total)
            .field("max", &self.max)
            .finish()
    }
}

fn index(value: u64) -> usize {
    if value < SUB_BUCKETS {
        return value as usize;
    }
    let octave = 63 - value.leading_zeros();
    let shift = octave - SUB_BITS;
    let mantissa = (value >> shift) - SUB_BUCKETS;
    (SUB_BUCKETS * (u64::from(shift) + 1) + mantissa) as usize
}

/// The largest value that lands in bucket `index` (a percentile reads as "at most this").
fn upper_bound(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let shift = index / SUB_BUCKETS - 1;
    let mantissa = index % SUB_BUCKETS + SUB_BUCKETS;
    ((mantissa + 1) << shift).saturating_sub(1)
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        self.counts[index(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
        self.sum += u128::from(micros);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> u64 {
        if self.total == 0 {
            return 0;
        }
        (self.sum / u128::from(self.total)) as u64
    }

    /// The value at or below which `percent` of the values lie (0 when empty); never above
    /// the largest value recorded.
    pub fn percentile(&self, percent: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let wanted = ((percent / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return upper_bound(index).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_within_two_percent() {
        for value in [
            0,
            1,
            63,
            64,
            65,
            100,
            1_000,
            12_345,
            999_999,
            86_400_000_000,
        ] {
            let bucket = index(value);
            let bound = upper_bound(bucket);
            assert!(bound >= value, "{value} above its bucket's bound {bound}");
            let error = (bound - value) as f64 / value.max(1) as f64;
            assert!(error <= 0.016, "{value}: bound {bound}, error {error}");
            if value < 64 {
                assert_eq!(bound, value);
            }
        }
    }

    #[test]
    fn percentiles_of_a_known_spread() {
        // Arrange: 1..=1000 µs, once each.
        let mut histogram = Histogram::default();
        for value in 1..=1000 {
            histogram.record(value);
        }

        // Act
        let p50 = histogram.percentile(50.0);
        let p99 = histogram.percentile(99.0);

        // Assert
        assert!((500..=508).contains(&p50), "{p50}");
        assert!((990..=1000).contains(&p99), "{p99}");
        assert_eq!(histogram.percentile(100.0), 1000);
        assert_eq!(histogram.max(), 1000);
        assert_eq!(histogram.mean(), 500);
        assert_eq!(histogram.count(), 1000);
    }

    #[test]
    fn merging_adds_counts() {
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        a.record(10);
        b.record(2_000);
        b.record(3_000);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.max(), 3_000);
        assert_eq!(a.percentile(10.0), 10);
        assert_eq!(Histogram::default().percentile(99.0), 0);
    }
}
