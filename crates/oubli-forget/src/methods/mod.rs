//! One module per method.

pub mod finetune;
pub mod noop;
pub mod retrain;
