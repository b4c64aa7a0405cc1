//! `deskew offsets`: the per-host offset models built from history files.

use std::path::Path;

use super::Failure;

pub fn run(paths: &[String], svg: Option<&Path>) -> Result<(), Failure> {
    Ok(crate::skew::report::run(paths, svg, &mut std::io::stdout().lock())?)
}
