//! `deskew sync`: measure this host's clock offset against NTP servers; never sets the clock.

use super::{args::SyncArgs, checked, Failure};

pub fn run(args: SyncArgs) -> Result<(), Failure> {
    let opts = checked(args.check())?;
    match crate::sync::run(&opts, &mut std::io::stdout().lock()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::Run(anyhow::anyhow!("sync: no server gave a usable answer"))),
        Err(e) => Err(Failure::Run(e)),
    }
}
