//! One module per method.

pub mod amnesiac;
pub mod bad_teacher;
pub mod finetune;
pub mod fisher;
pub mod grad_ascent;
pub mod influence;
pub mod l1_sparse;
pub mod neggrad_plus;
pub mod noop;
pub mod random_label;
pub mod retrain;
pub mod salun;
pub mod scrub;
