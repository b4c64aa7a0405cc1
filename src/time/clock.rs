//! This machine's clock as an instant: the one place that reads it for the log pipeline
//! (year inference for stdin and files without a modification time).

use super::Nanos;

pub fn now() -> Nanos {
    system_nanos(std::time::SystemTime::now())
}

pub fn system_nanos(t: std::time::SystemTime) -> Nanos {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as Nanos,
        Err(e) => -(e.duration().as_nanos() as Nanos),
    }
}
