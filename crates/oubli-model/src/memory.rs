//! Refusing, before any allocation, a model too large to train on this machine: a width
//! typo (`--hidden 100000000`) would otherwise end in an allocation failure and an abort.

use crate::optim::OptimizerKind;
use crate::spec::{Arch, ModelSpec};
use crate::{ModelError, ValidTrainConfig};

/// Bytes of one parameter or activation (f32).
const F32: u64 = 4;

/// Parameter-sized buffers alive during a training step, besides the optimiser state: the
/// weights, the batch's summed gradient, and the gradients of the chunks in flight (one per
/// thread: two on the 2-core machines this is sized for).
const PARAM_COPIES: u64 = 4;

/// Activation-sized buffers per layer output: the forward values, their gradient and the
/// ReLU/pool masks of the backward pass.
const ACTIVATION_COPIES: u64 = 3;

/// Number of parameters of `spec`, or `None` if it does not even fit in a `u64`.
pub fn param_count(spec: &ModelSpec) -> Option<u64> {
    spec.param_shapes().iter().try_fold(0u64, |sum, s| {
        let n = s
            .shape
            .iter()
            .try_fold(1u64, |n, &d| n.checked_mul(d as u64))?;
        sum.checked_add(n)
    })
}

/// Floats of activations per sample: the input and every layer's output.
fn activations_per_sample(spec: &ModelSpec) -> Option<u64> {
    let d = spec.input_dim() as u64;
    let k = spec.num_classes as u64;
    let layers: Vec<u64> = match &spec.arch {
        Arch::Logreg => vec![k],
        Arch::Mlp { hidden } => hidden.iter().map(|&h| h as u64).chain([k]).collect(),
        Arch::Cnn { channels, hidden } => {
            let hw = (spec.input_shape[1] * spec.input_shape[2]) as u64;
            let (c0, c1) = (channels[0] as u64, channels[1] as u64);
            // conv1 at full size, pooled to a quarter; conv2 there, pooled again.
            vec![
                c0.checked_mul(hw)?,
                c0.checked_mul(hw / 4)?,
                c1.checked_mul(hw / 4)?,
                c1.checked_mul(hw / 16)?,
                *hidden as u64,
                k,
            ]
        }
    };
    layers.iter().try_fold(d, |sum, &l| sum.checked_add(l))
}

/// Estimated peak bytes to train `models` networks of `spec` one after the other (a SISA
/// ensemble keeps every constituent in memory): each model's weights, plus one training
/// step's parameter-sized buffers and batch activations. `None` when it overflows a `u64`.
pub fn training_bytes(spec: &ModelSpec, config: &ValidTrainConfig, models: usize) -> Option<u64> {
    let params = param_count(spec)?;
    let state = match config.optimizer {
        OptimizerKind::Adam => 2,
        OptimizerKind::Sgd => 1,
    };
    let step = params.checked_mul(F32 * (PARAM_COPIES + state))?;
    let batch = activations_per_sample(spec)?
        .checked_mul(config.batch_size as u64)?
        .checked_mul(F32 * ACTIVATION_COPIES)?;
    let kept = params.checked_mul(F32)?.checked_mul(models as u64)?;
    step.checked_add(batch)?.checked_add(kept)
}

/// Memory the OS can give this process without swapping: `MemAvailable` of `/proc/meminfo`
/// on Linux; `None` where that cannot be read (other systems), in which case only sizes
/// beyond the address space are refused.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Refuses to train `models` networks of `spec` when [`training_bytes`] exceeds
/// `available` bytes (or, with `None`, the address space).
pub fn check_training_memory(
    spec: &ModelSpec,
    config: &ValidTrainConfig,
    models: usize,
    available: Option<u64>,
) -> Result<(), ModelError> {
    let limit = available.unwrap_or(isize::MAX as u64);
    match training_bytes(spec, config, models) {
        Some(needed) if needed <= limit => Ok(()),
        needed => Err(ModelError::TooLarge {
            params: param_count(spec),
            needed_bytes: needed,
            available_bytes: available,
        }),
    }
}

/// The message of [`ModelError::TooLarge`].
pub(crate) fn too_large_message(
    params: Option<u64>,
    needed: Option<u64>,
    available: Option<u64>,
) -> String {
    let what = "(weights, gradients, optimiser state and batch activations)";
    let why = match (params, needed, available) {
        (Some(p), Some(n), Some(a)) => format!(
            "{p} parameters need about {} {what}, but {} of memory is available",
            show_bytes(n),
            show_bytes(a)
        ),
        (Some(p), Some(n), None) => format!(
            "{p} parameters need about {} {what}, more than this machine can address",
            show_bytes(n)
        ),
        _ => "more parameters than a 64-bit count of bytes can hold".to_string(),
    };
    format!("model too large to train: {why}; use smaller layers")
}

/// Human-readable bytes, e.g. `30.0 GB`.
pub(crate) fn show_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1000.0 && u + 1 < UNITS.len() {
        x /= 1000.0;
        u += 1;
    }
    format!("{x:.1} {}", UNITS[u])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrainConfig;

    fn mlp(hidden: usize) -> ModelSpec {
        ModelSpec {
            arch: Arch::Mlp {
                hidden: vec![hidden],
            },
            input_shape: vec![64],
            num_classes: 10,
        }
    }

    fn adam() -> ValidTrainConfig {
        TrainConfig::default().validate().unwrap()
    }

    #[test]
    fn a_hundred_million_hidden_units_are_refused_on_24_gib_before_allocating() {
        let spec = mlp(100_000_000);
        assert_eq!(param_count(&spec), Some(7_500_000_010));
        let gib24 = 24 << 30;
        let err = check_training_memory(&spec, &adam(), 1, Some(gib24)).unwrap_err();
        let ModelError::TooLarge {
            params,
            needed_bytes: Some(needed),
            available_bytes,
        } = err
        else {
            panic!("{err}")
        };
        assert_eq!(params, Some(7_500_000_010));
        assert_eq!(available_bytes, Some(gib24));
        // 6 parameter-sized buffers with Adam, one kept model, 64 samples of activations.
        assert_eq!(needed, 7_500_000_010 * 4 * 7 + (64 + 100_000_010) * 64 * 12);
        assert_eq!(
            err.to_string(),
            "model too large to train: 7500000010 parameters need about 286.8 GB \
             (weights, gradients, optimiser state and batch activations), \
             but 25.8 GB of memory is available; use smaller layers"
        );
    }

    #[test]
    fn the_default_mlp_fits_and_overflowing_sizes_are_refused_without_a_limit() {
        check_training_memory(&mlp(256), &adam(), 1, Some(1 << 30)).unwrap();
        let spec = mlp(usize::MAX / 2);
        let err = check_training_memory(&spec, &adam(), 1, None).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::TooLarge {
                    params: None,
                    needed_bytes: None,
                    available_bytes: None
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("more parameters than"), "{err}");
    }

    #[test]
    fn an_ensemble_keeps_every_constituent() {
        let spec = mlp(1000);
        let one = training_bytes(&spec, &adam(), 1).unwrap();
        let ten = training_bytes(&spec, &adam(), 10).unwrap();
        assert_eq!(ten - one, 9 * param_count(&spec).unwrap() * 4);
    }
}
