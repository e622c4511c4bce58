//! The command line, in two steps: [`flags`] defines every flag (clap parses
//! them into raw values), and [`options`] turns each command's flags into
//! validated options for the library's drivers. `main.rs` then runs the
//! command and prints.

pub mod flags;
pub mod manual;
pub mod options;
