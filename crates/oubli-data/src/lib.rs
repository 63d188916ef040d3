//! Datasets for machine unlearning: every sample has a **stable id**, an optional **owner**
//! (the data subject who may ask for deletion) and optional **group attributes** (for fairness
//! audits), so a deletion request can name exactly what to forget.
//!
//! - [`load`] reads a dataset by name: `digits` (compiled in, no download), `mnist`,
//!   `fashion-mnist`, `adult`, `compas` (fetched by `oubli data fetch` or
//!   `scripts/fetch-datasets.sh` into the [data directory](data_dir)), or the user's own
//!   `csv:PATH` / `idx:DIR`.
//! - [`Selection`] names samples by id, owner, class, attribute or seeded random fraction;
//!   [`Split::select`] / [`Dataset::select`] resolve it to indices, and [`Dataset::exclude`]
//!   drops samples for a retrain-from-scratch baseline.
//! - [`fingerprint`] hashes a sample set so a model can record what it saw or forgot.
//! - [`Dataset::info`] summarises classes, owners and groups.
//!
//! Id schemes, split seeds and owner assignment are deterministic and documented per source:
//! [`digits`], [`idx`] (`mnist`, `fashion-mnist`, `idx:DIR`), [`uci`] (`adult`, `compas`),
//! [`csvfile`] (`csv:PATH`), [`owners`]. Every fallible function returns [`DataError`], whose
//! messages name the file and position at fault; loaders never panic on bad input.
//!
//! ```
//! use oubli_data::{fingerprint, load, LoadOptions, Selection};
//!
//! let mut ds = load("digits", &LoadOptions::default()).unwrap();
//! assert_eq!((ds.train.len(), ds.test.len()), (1438, 359));
//! assert_eq!(ds.shape, vec![1, 8, 8]);
//!
//! // Everything owned by owner "0", plus every training sample of class 3.
//! let request = Selection {
//!     owners: vec!["0".into()],
//!     classes: vec![3],
//!     ..Selection::default()
//! };
//! let forget = ds.select(&request).unwrap();
//! let ids: Vec<u64> = forget.iter().map(|&i| ds.train.ids[i]).collect();
//! let before = fingerprint(&ds.train.ids);
//! assert_eq!(ds.exclude(&ids).unwrap(), ids.len());
//! assert!(ds.train.labels.iter().all(|&l| l != 3));
//! assert_ne!(fingerprint(&ds.train.ids), before);
//! ```

#![warn(missing_docs)]

pub mod csvfile;
pub mod data_dir;
mod dataset;
pub mod digits;
mod error;
pub mod idx;
mod info;
mod lists;
mod load;
pub mod markers;
pub mod owners;
mod sampling;
mod select;
mod table;
pub mod tabular;
#[cfg(test)]
mod testutil;
pub mod uci;

pub use data_dir::default_data_dir;
pub use dataset::{Dataset, SampleId, Split};
pub use digits::DIGITS_SPLIT_SEED;
pub use error::DataError;
pub use idx::FASHION_CLASSES;
pub use info::{DatasetInfo, OwnerSizes};
pub use lists::{fingerprint, read_id_list, read_owner_list};
pub use load::{load, CsvOptions, DatasetSpec, LoadOptions, DATASETS, TEST_ID_OFFSET};
pub use markers::{Marker, MarkerParams, Markers, MARKERS_KEY};
pub use owners::OwnerAssignment;
pub use select::Selection;
pub use uci::COMPAS_SPLIT_SEED;
