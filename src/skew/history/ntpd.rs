//! ntpd and ntpsec `loopstats` and `peerstats`.

use super::*;

/// ntpd time: Modified Julian Day and seconds past UTC midnight (MJD 40587 = 1970-01-01).
pub(super) fn mjd_time(day: &str, sec: &str) -> Option<Nanos> {
    let d: i64 = day.parse().ok()?;
    if !(40587..=140000).contains(&d) {
        return None;
    }
    let s: f64 = sec.parse().ok()?;
    if !(0.0..=86401.0).contains(&s) {
        return None;
    }
    Some((d - 40587) * 86400 * SEC + (s * 1e9).round() as Nanos)
}

/// ntpd/ntpsec monitoring options (ntp_mon(5), "statistics"):
/// `loopstats`: "The first two fields show the date (Modified Julian Day) and time (seconds
/// and fraction past UTC midnight). The next five fields show time offset (seconds),
/// frequency offset (parts per million - PPM), RMS jitter (seconds), Allan deviation (PPM) and
/// clock discipline time constant." `peerstats`: MJD, seconds, "the peer address in
/// dotted-quad notation and status, respectively ... The final three fields show the offset,
/// delay and RMS jitter, all in seconds" (ntpsec inserts dispersion before jitter). ntpd's
/// offset is theta (positive: the local clock is behind; checked against a source 0.25 s
/// ahead), measured against the system clock itself, which is also what stamps the line.
pub(super) fn parse(text: &str, kind: Kind, h: &mut History) {
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || f[0].starts_with('#') {
            continue;
        }
        let parsed = (|| {
            let t = mjd_time(f[0], f.get(1)?)?;
            if kind == Kind::NtpLoopstats {
                Some((t, secs(f.get(2)?)?, None, "loop"))
            } else {
                let delay = secs(f.get(5)?)?;
                Some((t, secs(f.get(4)?)?, Some(delay), *f.get(2)?))
            }
        })();
        let Some((t, off, delay, src)) = parsed else {
            h.warn(n, format!("malformed {} row", kind.name()));
            continue;
        };
        let source = h.intern_source(src);
        h.samples.push(Sample {
            host_time: t,
            offset: off,
            delay,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}
