//! The clock filter, as pure code: of a burst of samples from one server, NTP keeps the one of
//! least delay, as it has the least room for path asymmetry (RFC 5905 section 10).

/// Index of the sample with the least delay (the first of equals), and the jitter of the
/// burst: the RMS of the other samples' offsets from it (RFC 5905 section 10). `samples` are
/// (offset, delay) pairs in nanoseconds.
pub fn best_of_burst(samples: &[(i64, i64)]) -> Option<(usize, i64)> {
    let (best, &(off, _)) = samples.iter().enumerate().min_by_key(|(_, &(_, d))| d)?;
    let n = samples.len() - 1;
    let jitter = if n == 0 {
        0
    } else {
        let ss: f64 = samples
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != best)
            .map(|(_, &(o, _))| ((o - off) as f64).powi(2))
            .sum();
        (ss / n as f64).sqrt().round() as i64
    };
    Some((best, jitter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_keeps_the_least_delay_and_measures_jitter() {
        assert_eq!(best_of_burst(&[]), None);
        assert_eq!(best_of_burst(&[(5, 9)]), Some((0, 0)));
        let (i, j) = best_of_burst(&[(100, 30), (10, 5), (13, 8), (7, 5)]).unwrap();
        assert_eq!(i, 1);
        // others differ by 90, 3, -3: rms = sqrt((8100 + 9 + 9) / 3) = 52.0
        assert_eq!(j, 52);
    }
}
