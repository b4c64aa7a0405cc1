//! The deskew command line: everything is in the library's `cmd`.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    deskew::cmd::main()
}
