//! The three kinds of model file the commands accept, told apart by their header: single
//! models (`oubli_model::file`), SISA ensembles (`oubli_sisa`) and certified-removal models
//! ([`crate::certified::file`]); plus checks shared by the exact and certified removals.

use crate::certified::file::{is_certified_file, CertifiedFile};
use crate::certified::Features;
use anyhow::bail;
use oubli_data::{fingerprint, Dataset, SampleId, Selection, Split};
use oubli_model::file::ModelFile;
use oubli_model::{Network, Outputs};
use oubli_sisa::{is_sisa_file, SisaModel};
use std::path::Path;

/// A loaded model of any kind.
pub enum AnyModel {
    /// A single network.
    Plain(Box<ModelFile>),
    /// A SISA ensemble with its checkpoints.
    Sisa(Box<SisaModel>),
    /// A certified-removal logistic regression.
    Certified(Box<CertifiedFile>),
}

impl AnyModel {
    /// Loads `path`, dispatching on its header. A file that is neither an ensemble nor a
    /// certified model goes to the single-model loader, whose errors name the problem.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Ok(if is_sisa_file(path) {
            Self::Sisa(Box::new(SisaModel::load(path)?))
        } else if is_certified_file(path) {
            Self::Certified(Box::new(CertifiedFile::load(path)?))
        } else {
            Self::Plain(Box::new(ModelFile::load(path)?))
        })
    }

    /// The dataset the model was trained on.
    pub fn dataset(&self) -> &str {
        match self {
            Self::Plain(m) => &m.lineage.dataset,
            Self::Sisa(m) => m.dataset(),
            Self::Certified(c) => &c.meta.dataset,
        }
    }

    /// Per-sample outputs on `split` of `dataset`, after checking the input size.
    pub fn outputs(&self, dataset: &Dataset, split: &Split) -> anyhow::Result<Outputs> {
        let check = |want: usize| {
            if want != dataset.dim() {
                bail!(
                    "model expects {want} inputs, dataset `{}` has {}",
                    dataset.name,
                    dataset.dim()
                );
            }
            Ok(())
        };
        match self {
            Self::Plain(m) => {
                let net = Network::new(m.lineage.spec.clone())?;
                check(net.spec().input_dim())?;
                Ok(Outputs::compute(&net, &m.params, split))
            }
            Self::Sisa(m) => {
                check(m.spec().input_dim())?;
                Ok(m.outputs(split))
            }
            Self::Certified(c) => {
                let features = Features::of(&c.meta)?;
                check(features.input_dim(dataset))?;
                crate::certified::outputs(&c.model, &features.split(split))
            }
        }
    }
}

/// Refuses a request naming ids an earlier request already removed, with that reason
/// (instead of an "unknown id" from a dataset that no longer holds them).
pub fn check_not_removed(selection: &Selection, removed: &[SampleId]) -> anyhow::Result<()> {
    if let Some(id) = selection
        .ids
        .iter()
        .find(|id| removed.binary_search(id).is_ok())
    {
        bail!("sample id {id} was already forgotten by an earlier request");
    }
    Ok(())
}

/// Checks that `ids` (the dataset minus the removed ids) is the sample set the model
/// records, so a removal starts from the data the model was actually trained on.
pub fn check_trained_on(ids: &[SampleId], recorded: &str, dataset: &str) -> anyhow::Result<()> {
    let actual = fingerprint(ids);
    if actual != recorded {
        bail!(
            "dataset `{dataset}` minus the model's removed ids ({} samples, fingerprint {actual}) is not what the model was trained on (fingerprint {recorded})",
            ids.len()
        );
    }
    Ok(())
}

/// Splits `train` into (forget, retain) at the sorted indices `forget_idx`; an empty forget
/// set is an error (nothing would change).
pub fn split_at(train: &Split, forget_idx: &[usize]) -> anyhow::Result<(Split, Split)> {
    if forget_idx.is_empty() {
        bail!("the selection matches no sample the model is still trained on");
    }
    let mut is_forget = vec![false; train.len()];
    for &i in forget_idx {
        is_forget[i] = true;
    }
    let retain: Vec<usize> = (0..train.len()).filter(|&i| !is_forget[i]).collect();
    Ok((train.subset(forget_idx), train.subset(&retain)))
}
