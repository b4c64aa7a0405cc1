//! chrony's `tracking.log`, `measurements.log` and `statistics.log`.

use super::*;

/// chrony log time: `YYYY-MM-DD HH:MM:SS[.frac]`, UTC (chrony.conf(5), `log`: "Note that the
/// date-time pair is expressed in UTC, not the local time zone").
pub(super) fn chrony_time(date: &str, time: &str) -> Option<Nanos> {
    if date.len() != 10 || date.as_bytes()[4] != b'-' {
        return None;
    }
    let s = format!("{date} {time}");
    let t = NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    t.and_utc().timestamp_nanos_opt()
}

fn chrony_rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(move |(i, l)| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let banner = f.is_empty() || l.starts_with("====") || f[0] == "Date";
        // Every other line is a row: one too short or garbled is reported by the reader, not
        // taken for a banner.
        (!banner).then_some((i + 1, f))
    })
}

/// chrony `tracking.log`, chrony.conf(5) `log tracking` columns used:
/// 1-2 date and time (UTC); 3 "The IP address of the server or peer to which the local system
/// is synchronised"; 7 "The estimated local offset at the epoch, which is normally corrected
/// by slewing the local clock (in seconds, positive indicates the clock is fast of UTC)";
/// 8 leap status ("? means the clock is not currently synchronised"); 11 "The remaining
/// offset correction from the previous update (in seconds, positive means the system clock is
/// slow of UTC)".
///
/// Why theta = `Rem. corr.` - `Offset`, and host time = logged time - `Rem. corr.`:
/// chronyd measures and logs in its cooked time, system clock + correction still pending.
/// `Offset` (col 7) is cooked - true; `Rem. corr.` (col 11) is cooked - system clock at that
/// moment, before this update adds its own offset. So true - system = Rem. corr. - Offset.
/// On a disciplined host `Rem. corr.` is the part of past updates not yet slewed; under `-x`
/// chronyd never touches the clock, so every update accrues there for good and col 7 falls to
/// ~0 after the first update while the clock stays wrong: the sample logs (client of a server
/// 2.5 s ahead) show Offset -2.5 then ~0 with Rem. corr. 2.5 ever after, i.e. theta +2.5 s
/// throughout, as it truly was. Lines with leap status `?` (not synchronised) are skipped.
pub(super) fn parse_tracking(text: &str, h: &mut History) {
    for (n, f) in chrony_rows(text) {
        let parsed = (|| {
            let cooked = chrony_time(f.first()?, f.get(1)?)?;
            let off = secs(f.get(6)?)?;
            let rem = secs(f.get(10)?)?;
            Some((cooked, off, rem, *f.get(7)?))
        })();
        let Some((cooked, off, rem, leap)) = parsed else {
            h.warn(n, "malformed tracking.log row".into());
            continue;
        };
        h.updates.push(ChronyUpdate { cooked, before: rem, after: rem - off });
        if leap == "?" {
            continue;
        }
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: cooked - rem,
            offset: rem - off,
            delay: None,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

/// chrony `measurements.log` (or `measure.log` of `rawmeasurements`), chrony.conf(5):
/// 3 "IP address of server or peer from which measurement comes"; 12 "The estimated local
/// clock error (theta in RFC 5905). Positive indicates that the local clock is slow of the
/// remote source"; 13 "The peer delay (delta in RFC 5905)". Theta as is, but relative to the
/// cooked clock and stamped in cooked time: the history is marked `cooked` (module docs).
/// Only rows that passed RFC 5905 tests 1-3 and 5-7 (cols 6-7 all 1) are kept, as chronyd
/// itself does for `measurements` ("only valid measurements ... those which pass RFC 5905
/// tests 1 through 7"), so `rawmeasurements` files read the same.
pub(super) fn parse_measurements(text: &str, h: &mut History) {
    h.cooked = true;
    for (n, f) in chrony_rows(text) {
        let parsed = (|| {
            let t = chrony_time(f.first()?, f.get(1)?)?;
            let off = secs(f.get(11)?)?;
            let delay = secs(f.get(12)?)?;
            let ok = f[5..7].iter().all(|c| c.bytes().all(|b| b == b'1'));
            Some((t, off, delay, ok))
        })();
        let Some((t, off, delay, ok)) = parsed else {
            h.warn(n, "malformed measurements.log row".into());
            continue;
        };
        if !ok {
            continue;
        }
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: t,
            offset: off,
            delay: Some(delay),
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}

/// chrony `statistics.log`, chrony.conf(5): 3 "IP address of server or peer from which
/// measurement comes"; 5 "The estimated offset of the source (in seconds, positive means the
/// local clock is estimated to be fast, in this case)": theta = -col 5, relative to the cooked
/// clock (the history is marked `cooked`).
pub(super) fn parse_statistics(text: &str, h: &mut History) {
    h.cooked = true;
    for (n, f) in chrony_rows(text) {
        let parsed = (|| Some((chrony_time(f.first()?, f.get(1)?)?, secs(f.get(4)?)?)))();
        let Some((t, est)) = parsed else {
            h.warn(n, "malformed statistics.log row".into());
            continue;
        };
        let source = h.intern_source(f[2]);
        h.samples.push(Sample {
            host_time: t,
            offset: -est,
            delay: None,
            source,
            step: false,
            boot: None,
            mono: None,
        });
    }
}
