//! deskew's own JSONL history, the one `deskew sync --record` writes.

use super::*;

/// deskew's own history (SPEC "The history deskew sync --record DIR writes"): `time` is the
/// host clock reading at the midpoint of the exchange (RFC 3339), `offset` and `delay` in
/// seconds per RFC 5905 (offset = true - host: taken as is). Steps: within one `boot_id`, a
/// change of `time - mono_ns` beyond what the clock rate could do (500 ppm, the NTP frequency
/// tolerance, plus 1 ms) marks a step; so does a change of `boot_id`.
pub(super) fn parse(text: &str, h: &mut History) {
    let mut prev: Option<(Option<u32>, Option<i64>, Nanos)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        // The typed reader below does not build a document; any line it refuses goes through
        // `serde_json::Value`, which gives the same fields or the warning the line deserves.
        let slow: serde_json::Value;
        let f = match serde_json::from_str::<JsonlLine>(l) {
            Ok(line) => line.0,
            Err(_) => {
                slow = match serde_json::from_str(l) {
                    Ok(v @ serde_json::Value::Object(_)) => v,
                    Ok(_) => {
                        h.warn(n, "not a JSON object".into());
                        continue;
                    }
                    Err(e) => {
                        h.warn(n, format!("malformed history line: {e}"));
                        continue;
                    }
                };
                JsonlFields::of(&slow)
            }
        };
        let time = f.time.and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        let Some(time) = time.and_then(|t| t.timestamp_nanos_opt()) else {
            h.warn(n, "missing or bad \"time\"".into());
            continue;
        };
        let Some(offset) = f.offset.and_then(secs_f64) else {
            h.warn(n, "missing or bad \"offset\"".into());
            continue;
        };
        if f.selected == Some(false) {
            continue; // selection rejected it: not a measurement of this clock to trust
        }
        let delay = f.delay.and_then(secs_f64);
        if h.host.is_none() {
            h.host = f.host.map(str::to_string);
        }
        let source = h.intern_source(f.server.unwrap_or(""));
        let boot = f.boot_id.map(|b| intern(&mut h.boots, b));
        let mono = f.mono;
        let step = match prev {
            None => false,
            Some((pb, pm, pt)) => {
                if pb.is_some() && boot.is_some() && pb != boot {
                    true
                } else if let (Some(pm), Some(m)) = (pm, mono) {
                    let (t, m, pt, pm) = (time as i128, m as i128, pt as i128, pm as i128);
                    let jump = (t - m) - (pt - pm);
                    jump.abs() > 1_000_000 + (m - pm).abs() / 2000
                } else {
                    false
                }
            }
        };
        prev = Some((boot, mono, time));
        h.samples.push(Sample { host_time: time, offset, delay, source, step, boot, mono });
    }
}

/// The members of a deskew history line that [`parse_jsonl`] reads, as `serde_json::Value`
/// would give them (`v["time"].as_str()`, `v["offset"].as_f64()`, ...).
#[derive(Default)]
struct JsonlFields<'a> {
    time: Option<&'a str>,
    host: Option<&'a str>,
    server: Option<&'a str>,
    boot_id: Option<&'a str>,
    offset: Option<f64>,
    delay: Option<f64>,
    mono: Option<i64>,
    /// `"selected": false`: a measurement `deskew sync`'s selection rejected.
    selected: Option<bool>,
}

impl<'a> JsonlFields<'a> {
    fn of(v: &'a serde_json::Value) -> JsonlFields<'a> {
        JsonlFields {
            time: v["time"].as_str(),
            host: v["host"].as_str(),
            server: v["server"].as_str(),
            boot_id: v["boot_id"].as_str(),
            offset: v["offset"].as_f64(),
            delay: v["delay"].as_f64(),
            mono: mono_of(&v["mono_ns"]),
            selected: v["selected"].as_bool(),
        }
    }
}

fn mono_of(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// A history line read without building a `serde_json::Value` map (the history of a day is
/// thousands of lines, read before any log). It reads exactly what [`JsonlFields::of`] reads
/// or fails, and then the caller takes the `Value` path: string members must be borrowable
/// (no escapes) and strings or null, a known key may appear only once (a `Value` keeps the
/// last), and every other member is still parsed as a `Value` (so what `Value` refuses, a
/// number out of range or a bad escape, is refused here too).
struct JsonlLine<'a>(JsonlFields<'a>);

impl<'de> serde::Deserialize<'de> for JsonlLine<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = JsonlLine<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a history object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                use serde_json::Value;
                let mut f = JsonlFields::default();
                let mut seen = 0u8;
                while let Some(key) = m.next_key::<&'de str>()? {
                    const KEYS: [&str; 8] = [
                        "time", "host", "server", "boot_id", "offset", "delay", "mono_ns",
                        "selected",
                    ];
                    let Some(i) = KEYS.iter().position(|k| *k == key) else {
                        m.next_value::<Value>()?;
                        continue;
                    };
                    if seen & (1 << i) != 0 {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                    seen |= 1 << i;
                    match i {
                        0 => f.time = m.next_value()?,
                        1 => f.host = m.next_value()?,
                        2 => f.server = m.next_value()?,
                        3 => f.boot_id = m.next_value()?,
                        4 => f.offset = m.next_value::<Value>()?.as_f64(),
                        5 => f.delay = m.next_value::<Value>()?.as_f64(),
                        6 => f.mono = mono_of(&m.next_value::<Value>()?),
                        _ => f.selected = m.next_value::<Value>()?.as_bool(),
                    }
                }
                Ok(JsonlLine(f))
            }
        }
        d.deserialize_map(Visit)
    }
}

#[cfg(test)]
#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// The typed reader gives what `Value` gives, or refuses the line.
    #[test]
    fn typed_reader_agrees_with_value_or_refuses() {
        let lines = [
            r#"{"time": "2026-11-22T05:55:15.98Z", "host": "a", "server": "s:123", "offset": -3.9, "delay": 4e-4, "stratum": 2}"#,
            r#"{"time":"t","offset":1,"delay":null,"boot_id":"b","mono_ns":18446744073709551615}"#,
            r#"{"time":"t","offset":"1","mono_ns":-5,"x":{"y":[1,2,{"z":null}]}}"#,
            r#"{"time":"t","time":"u","offset":1}"#,
            r#"{"time":"t\u0041","offset":1}"#,
            r#"{"time":"t","offset":1,"x":1e400}"#,
            r#"{"time":"t","offset":1,"x":"\ud800"}"#,
            r#"{"host":5,"offset":1}"#,
            r#"{}"#,
            r#"[1]"#,
            r#"{"time":"t"} x"#,
        ];
        for l in lines {
            let value = serde_json::from_str::<serde_json::Value>(l).ok().filter(|v| v.is_object());
            match serde_json::from_str::<JsonlLine>(l) {
                Ok(JsonlLine(f)) => {
                    let v = value.expect(l);
                    let g = JsonlFields::of(&v);
                    assert_eq!(
                        (f.time, f.host, f.server, f.boot_id, f.offset, f.delay, f.mono),
                        (g.time, g.host, g.server, g.boot_id, g.offset, g.delay, g.mono),
                        "{l}"
                    );
                }
                Err(_) => assert!(
                    matches!(l, r#"{"time":"t","time":"u","offset":1}"#)
                        || matches!(l, r#"{"time":"t\u0041","offset":1}"#)
                        || value.is_none()
                        || l.contains("\"host\":5"),
                    "{l}"
                ),
            }
        }
    }
}
