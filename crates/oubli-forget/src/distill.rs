//! Knowledge distillation at a temperature, shared by `bad-teacher` and `scrub`.
//!
//! `Network::loss_and_grad` computes `−Σ targets · log softmax(z) / denom`, i.e. the student
//! at temperature 1. Distillation à la Hinton et al. (2015) compares `softmax(z_t / T)` with
//! `softmax(z_s / T)`. The teacher side is a forward pass ([`soft_targets`]); the student side
//! is exact too ([`loss_and_grad_at`]): every built-in architecture ends in a linear layer, so
//! `z_s / T` is the same network with that last layer's weight and bias divided by `T`.

use oubli_model::{Network, Params};

/// `softmax(logits / T)` of `params` on `n` samples, row-major `n × num_classes`.
pub fn soft_targets(
    net: &Network,
    params: &Params,
    x: &[f32],
    n: usize,
    temperature: f32,
) -> Vec<f32> {
    let k = net.spec().num_classes;
    let mut z = net.logits(params, x, n);
    for row in z.chunks_mut(k) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = ((*v - max) / temperature).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
    z
}

/// Start of the final linear layer (its weight, then its bias) within `params.data`.
fn last_layer_start(params: &Params) -> usize {
    let n = params.shapes.len();
    debug_assert!(n >= 2 && params.shapes[n - 2].name.ends_with(".weight"));
    params.ranges()[n - 2].0
}

/// `−Σ targets · log softmax(z / T) / denom` and its gradient with respect to `params`.
///
/// Computed at `params` with the last layer scaled by `1/T` (which yields logits `z / T`);
/// by the chain rule the gradient with respect to the unscaled last layer is `1/T` times the
/// one returned for the scaled layer, and the earlier layers' gradients need no change.
pub fn loss_and_grad_at(
    net: &Network,
    params: &Params,
    x: &[f32],
    targets: &[f32],
    n: usize,
    denom: f32,
    temperature: f32,
) -> (f32, Vec<f32>) {
    if temperature == 1.0 {
        return net.loss_and_grad(params, x, targets, n, denom);
    }
    let start = last_layer_start(params);
    let mut scaled = params.clone();
    for v in &mut scaled.data[start..] {
        *v /= temperature;
    }
    let (loss, mut grad) = net.loss_and_grad(&scaled, x, targets, n, denom);
    for g in &mut grad[start..] {
        *g /= temperature;
    }
    (loss, grad)
}
