//! `deskew formats`: every format with its title and an example line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use super::Failure;
use crate::format::Registry;

pub fn run(dirs: &[PathBuf]) -> Result<(), Failure> {
    let reg = Registry::load(dirs).map_err(|e| Failure::Usage(e.into()))?;
    let out = &mut std::io::stdout().lock();
    let mut write = || -> std::io::Result<()> {
        for f in &reg.formats {
            writeln!(out, "{:<20} {}", f.name(), f.def.title)?;
            if let Some(s) = f.def.samples.first() {
                writeln!(out, "{:<20} e.g. {}", "", s.line.trim_end())?;
            }
        }
        Ok(())
    };
    Ok(write().context("cannot write the output")?)
}
