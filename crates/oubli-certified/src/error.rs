//! The crate's single error type.

use thiserror::Error;

/// Everything that can go wrong in training, removal or prediction.
///
/// Parameter errors have one variant per field of
/// [`CertifiedParams`](crate::CertifiedParams) so a CLI can point at the
/// offending flag; data errors name the row or index at fault.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CertifiedError {
    /// `lambda` must be finite and strictly positive: strong convexity
    /// (λn‖w‖²/2) is what every bound in the paper rests on.
    #[error("lambda must be finite and > 0, got {0}")]
    InvalidLambda(f64),
    /// `sigma` (std-dev of the loss perturbation b) must be finite and > 0.
    #[error("sigma must be finite and > 0, got {0}")]
    InvalidSigma(f64),
    /// `epsilon` must be finite and > 0.
    #[error("epsilon must be finite and > 0, got {0}")]
    InvalidEpsilon(f64),
    /// `delta` must lie in (0, 1).
    #[error("delta must be in (0, 1), got {0}")]
    InvalidDelta(f64),
    /// `max_newton_iters` must be at least 1.
    #[error("max_newton_iters must be >= 1, got {0}")]
    InvalidMaxNewtonIters(usize),
    /// `tol` (training gradient-norm tolerance) must be finite and > 0.
    #[error("tol must be finite and > 0, got {0}")]
    InvalidTolerance(f64),
    /// The feature dimension was 0.
    #[error("feature dimension must be >= 1")]
    ZeroDimension,
    /// A ridge model was asked for 0 outputs per row.
    #[error("ridge regression needs >= 1 output per row")]
    ZeroOutputs,
    /// A ridge regression target is NaN or infinite.
    #[error("row {row}: non-finite target")]
    NonFiniteTarget {
        /// Row index.
        row: usize,
    },
    /// Fewer than two classes were requested.
    #[error("need at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// No training rows were given.
    #[error("no training rows")]
    EmptyData,
    /// A slice has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    ShapeMismatch {
        /// Which argument.
        what: &'static str,
        /// Length implied by the other arguments.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// A label is `>= num_classes`.
    #[error("row {row}: label {label} out of range for {num_classes} classes")]
    LabelOutOfRange {
        /// Row index.
        row: usize,
        /// The label found.
        label: u32,
        /// Number of classes of the model.
        num_classes: usize,
    },
    /// A feature is NaN or infinite.
    #[error("row {row}: non-finite feature")]
    NonFiniteFeature {
        /// Row index.
        row: usize,
    },
    /// After applying the model's feature scale a row has norm > 1, so the
    /// data passed to `remove` cannot be a subset of the training data.
    #[error("row {row}: scaled norm {norm} > 1; not the data the model was trained on")]
    RowNormTooLarge {
        /// Row index.
        row: usize,
        /// Its scaled L2 norm.
        norm: f64,
    },
    /// `remove` was given a data set whose size differs from the model's
    /// current training-set size.
    #[error("current training data has {got} rows, the model expects {expected}")]
    TrainSizeMismatch {
        /// `n_train` of the model.
        expected: usize,
        /// Rows passed.
        got: usize,
    },
    /// `remove` was called with no indices.
    #[error("nothing to remove")]
    EmptyRemoval,
    /// A removal index is out of range.
    #[error("removal index {index} out of range for {n} rows")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// Current number of rows.
        n: usize,
    },
    /// A removal index appears twice.
    #[error("removal index {0} given twice")]
    DuplicateIndex(usize),
    /// The removal would leave no training data.
    #[error("removal would delete all {n} training rows")]
    RemovesAllData {
        /// Current number of rows.
        n: usize,
    },
    /// Newton's method did not reach `tol`.
    #[error("Newton did not converge for model {model}: |grad| = {grad_norm:e} after {iters} iterations")]
    NotConverged {
        /// Binary model (class) index.
        model: usize,
        /// Iterations used.
        iters: usize,
        /// Final gradient norm.
        grad_norm: f64,
    },
    /// A Cholesky factorisation failed; cannot happen for λ > 0 unless the
    /// data contain huge or non-finite values.
    #[error("matrix is not positive definite")]
    NotPositiveDefinite,
}
