//! One module per subcommand.

pub mod bench;
pub mod data;
pub mod demo;
pub mod eval;
pub mod forget;
pub mod inspect;
pub mod methods;
pub mod train;
pub mod verify;
