//! Deterministic noise for the simulated fleet. A hash of (seed, resource, time) rather than a
//! stateful RNG, so any point in the past can be recomputed without storing history, and the
//! same seed gives the same fleet on every machine and every crate upgrade.

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a of a name, for per-resource keys.
pub fn key_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Uniform in [-1, 1) for (key, tick).
pub fn signed(key: u64, tick: i64) -> f32 {
    let h = mix(key ^ mix(tick as u64));
    (h >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// Uniform in [0, 1) for (key, tick).
pub fn unit(key: u64, tick: i64) -> f32 {
    (signed(key, tick) + 1.0) / 2.0
}

/// A small sequential generator for building the fleet itself.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(mix(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * (hi - lo)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        for t in 0..10_000 {
            let v = signed(42, t);
            assert!((-1.0..1.0).contains(&v));
            assert_eq!(v, signed(42, t));
        }
        let mean: f32 = (0..10_000).map(|t| unit(7, t)).sum::<f32>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
