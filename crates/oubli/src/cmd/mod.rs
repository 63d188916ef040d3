//! One module per subcommand.

pub mod audit;
pub mod bench;
pub mod certificate;
pub mod data;
pub mod demo;
pub mod eval;
pub mod forget;
pub mod inspect;
pub mod methods;
pub mod predict;
pub mod scenario;
pub mod scenario_fairness;
pub mod scenario_stream;
pub mod serve;
pub mod sisa;
pub mod sisa_emit;
pub mod store;
pub mod train;
pub mod verify;
