//! What a network looks like: the serde `ModelSpec` stored in every model file.

use serde::{Deserialize, Serialize};

/// The architecture family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arch {
    /// Multinomial logistic regression: one linear layer, `linear.weight` / `linear.bias`.
    Logreg,
    /// Fully connected ReLU network, layers `fc1` … `fcN`.
    Mlp {
        /// Hidden layer widths. Default: `[256]`.
        hidden: Vec<usize>,
    },
    /// LeNet-like CNN: `conv1` (5×5, pad 2) → ReLU → 2×2 max-pool → `conv2` (5×5, pad 2) → ReLU →
    /// 2×2 max-pool → `fc1` → ReLU → `fc2`.
    Cnn {
        /// Output channels of the two conv layers. Default: `[16, 32]`.
        channels: [usize; 2],
        /// Width of `fc1`. Default: 128.
        hidden: usize,
    },
}

/// A complete network description: architecture plus the input and output sizes the dataset
/// dictates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The architecture.
    pub arch: Arch,
    /// Per-sample input shape: `[channels, height, width]` for images, `[d]` for tables.
    pub input_shape: Vec<usize>,
    /// Number of classes (output logits).
    pub num_classes: usize,
}

/// One parameter tensor's name and shape, in PyTorch's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamShape {
    /// PyTorch state-dict name, e.g. `fc1.weight`.
    pub name: String,
    /// PyTorch layout: linear weights are `[out, in]`, conv weights `[out, in, kh, kw]`.
    pub shape: Vec<usize>,
}

impl ParamShape {
    fn new(name: impl Into<String>, shape: Vec<usize>) -> Self {
        Self {
            name: name.into(),
            shape,
        }
    }
    /// Number of scalars.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Kernel size and padding of both conv layers: "same" convolutions so that two 2×2 pools
/// divide the spatial size by four, which works for 8×8 digits as well as 28×28 MNIST.
pub const CONV_KERNEL: usize = 5;
/// See [`CONV_KERNEL`].
pub const CONV_PADDING: usize = 2;

impl ModelSpec {
    /// Builds a spec by architecture name (`logreg`, `mlp`, `cnn`) with default sizes.
    pub fn by_name(
        name: &str,
        input_shape: Vec<usize>,
        num_classes: usize,
    ) -> Result<Self, crate::ModelError> {
        let arch = match name {
            "logreg" => Arch::Logreg,
            "mlp" => Arch::Mlp { hidden: vec![256] },
            "cnn" => Arch::Cnn {
                channels: [16, 32],
                hidden: 128,
            },
            other => return Err(crate::ModelError::UnknownArch(other.to_string())),
        };
        let spec = Self {
            arch,
            input_shape,
            num_classes,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Short architecture name.
    pub fn arch_name(&self) -> &'static str {
        match self.arch {
            Arch::Logreg => "logreg",
            Arch::Mlp { .. } => "mlp",
            Arch::Cnn { .. } => "cnn",
        }
    }

    /// Floats per input sample.
    pub fn input_dim(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Checks that the spec can be built.
    pub fn validate(&self) -> Result<(), crate::ModelError> {
        use crate::ModelError::InvalidSpec;
        if self.num_classes < 2 {
            return Err(InvalidSpec("num_classes must be at least 2".into()));
        }
        if self.input_dim() == 0 {
            return Err(InvalidSpec("input shape is empty".into()));
        }
        match &self.arch {
            Arch::Mlp { hidden } if hidden.contains(&0) => {
                Err(InvalidSpec("hidden sizes must be positive".into()))
            }
            Arch::Cnn { .. } if self.input_shape.len() != 3 => Err(InvalidSpec(format!(
                "cnn needs an image input [channels, height, width], got {:?}",
                self.input_shape
            ))),
            Arch::Cnn { channels, hidden } if channels.contains(&0) || *hidden == 0 => {
                Err(InvalidSpec("cnn sizes must be positive".into()))
            }
            Arch::Cnn { .. } if self.input_shape[1] < 4 || self.input_shape[2] < 4 => {
                Err(InvalidSpec("cnn needs images of at least 4×4".into()))
            }
            _ => Ok(()),
        }
    }

    /// Parameter names and shapes in the canonical order (the order of PyTorch's state dict).
    pub fn param_shapes(&self) -> Vec<ParamShape> {
        let d = self.input_dim();
        let k = self.num_classes;
        let mut out = Vec::new();
        match &self.arch {
            Arch::Logreg => {
                out.push(ParamShape::new("linear.weight", vec![k, d]));
                out.push(ParamShape::new("linear.bias", vec![k]));
            }
            Arch::Mlp { hidden } => {
                let mut widths = vec![d];
                widths.extend(hidden.iter().copied());
                widths.push(k);
                for (i, pair) in widths.windows(2).enumerate() {
                    out.push(ParamShape::new(
                        format!("fc{}.weight", i + 1),
                        vec![pair[1], pair[0]],
                    ));
                    out.push(ParamShape::new(format!("fc{}.bias", i + 1), vec![pair[1]]));
                }
            }
            Arch::Cnn { channels, hidden } => {
                let (c, h, w) = (
                    self.input_shape[0],
                    self.input_shape[1],
                    self.input_shape[2],
                );
                let ks = CONV_KERNEL;
                out.push(ParamShape::new(
                    "conv1.weight",
                    vec![channels[0], c, ks, ks],
                ));
                out.push(ParamShape::new("conv1.bias", vec![channels[0]]));
                out.push(ParamShape::new(
                    "conv2.weight",
                    vec![channels[1], channels[0], ks, ks],
                ));
                out.push(ParamShape::new("conv2.bias", vec![channels[1]]));
                let flat = channels[1] * (h / 4) * (w / 4);
                out.push(ParamShape::new("fc1.weight", vec![*hidden, flat]));
                out.push(ParamShape::new("fc1.bias", vec![*hidden]));
                out.push(ParamShape::new("fc2.weight", vec![k, *hidden]));
                out.push(ParamShape::new("fc2.bias", vec![k]));
            }
        }
        out
    }
}
