//! The NTP client behind `deskew sync`: the protocol as pure, I/O-free code (`packet`,
//! `exchange`, `select`), a thin shell of sockets and clocks around it (`client`), and the
//! history it appends to (`history`). It measures; it never sets the clock.

pub mod client;
pub mod exchange;
pub mod history;
pub mod packet;
pub mod select;
