//! The hand-written passes against burn's autodiff, on every architecture: same loss, same
//! gradient to 1e-5 relative per parameter tensor; and the same bits on one thread or two.

use oubli_model::{ModelSpec, Network, Params};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The architectures and shapes the passes must get right: tabular and image inputs, one
/// and several hidden layers, several input channels, odd pooled sizes (10 → 5 → 2), and
/// MNIST's own shape.
fn specs() -> Vec<(&'static str, ModelSpec)> {
    use oubli_model::Arch;
    let spec = |arch, input_shape: Vec<usize>, num_classes| ModelSpec {
        arch,
        input_shape,
        num_classes,
    };
    vec![
        ("logreg [20]", spec(Arch::Logreg, vec![20], 3)),
        (
            "mlp [64] default",
            ModelSpec::by_name("mlp", vec![64], 10).unwrap(),
        ),
        (
            "mlp [1,8,8] two hidden",
            spec(
                Arch::Mlp {
                    hidden: vec![24, 12],
                },
                vec![1, 8, 8],
                4,
            ),
        ),
        (
            "cnn [1,8,8] default",
            ModelSpec::by_name("cnn", vec![1, 8, 8], 10).unwrap(),
        ),
        (
            "cnn [3,10,10]",
            spec(
                Arch::Cnn {
                    channels: [4, 6],
                    hidden: 9,
                },
                vec![3, 10, 10],
                5,
            ),
        ),
        (
            "cnn [1,28,28] mnist",
            ModelSpec::by_name("cnn", vec![1, 28, 28], 10).unwrap(),
        ),
    ]
}

fn inputs(spec: &ModelSpec, n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * spec.input_dim())
        .map(|_| {
            // Mostly non-negative pixels with exact zeros, like images.
            let v: f32 = rng.random_range(-0.2..1.0);
            v.max(0.0)
        })
        .collect()
}

/// One-hot rows, soft rows, and one-hot rows scaled by −1 (ascent), mixed.
fn targets(n: usize, k: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = vec![0.0; n * k];
    for row in t.chunks_exact_mut(k) {
        match rng.random_range(0..3) {
            0 => row[rng.random_range(0..k)] = 1.0,
            1 => {
                let w: Vec<f32> = (0..k).map(|_| rng.random_range(0.0..1.0)).collect();
                let s: f32 = w.iter().sum();
                row.iter_mut().zip(&w).for_each(|(r, v)| *r = v / s);
            }
            _ => row[rng.random_range(0..k)] = -1.0,
        }
    }
    t
}

fn norm(v: &[f32]) -> f64 {
    v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt()
}

#[test]
fn gradients_match_burns_autodiff_on_every_architecture() {
    for (name, spec) in specs() {
        let net = Network::new(spec.clone()).unwrap();
        let params = Params::init(&spec, 11);
        // 1 row, a chunk and a bit, and several chunks of both kinds.
        for n in [1, 37, 130] {
            let x = inputs(&spec, n, n as u64);
            let t = targets(n, spec.num_classes, 100 + n as u64);
            let denom = n as f32 * 0.75;
            let (loss, grad) = net.loss_and_grad(&params, &x, &t, n, denom);
            let (want_loss, want) = net.loss_and_grad_autodiff(&params, &x, &t, n, denom);
            assert!(
                (loss - want_loss).abs() <= 1e-5 * want_loss.abs().max(1.0),
                "{name}, n={n}: loss {loss} vs autodiff {want_loss}"
            );
            assert_eq!(grad.len(), want.len());
            for (shape, (a, b)) in params.shapes.iter().zip(params.ranges()) {
                let diff: Vec<f32> = (a..b).map(|i| grad[i] - want[i]).collect();
                let (err, scale) = (norm(&diff), norm(&want[a..b]));
                assert!(
                    scale > 0.0 && err <= 1e-5 * scale,
                    "{name}, n={n}, {}: relative error {:.2e} (|grad| {scale:.3e})",
                    shape.name,
                    err / scale
                );
            }
        }
    }
}

#[test]
fn the_same_batch_gives_the_same_bits_on_one_thread_and_two() {
    for (name, spec) in specs() {
        let net = Network::new(spec.clone()).unwrap();
        let params = Params::init(&spec, 3);
        let n = 130;
        let (x, t) = (inputs(&spec, n, 5), targets(n, spec.num_classes, 6));
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (loss, grad) = net.loss_and_grad(&params, &x, &t, n, n as f32);
                let logits = net.logits(&params, &x, n);
                (
                    loss.to_bits(),
                    grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                    logits,
                )
            })
        };
        assert!(run(1) == run(2), "{name}");
    }
}

#[test]
fn no_rows_give_no_outputs_and_a_zero_gradient() {
    for (name, spec) in specs() {
        let net = Network::new(spec.clone()).unwrap();
        let params = Params::init(&spec, 1);
        assert!(net.logits(&params, &[], 0).is_empty(), "{name}");
        assert!(net.penultimate(&params, &[], 0).is_empty(), "{name}");
        let (loss, grad) = net.loss_and_grad(&params, &[], &[], 0, 1.0);
        assert_eq!(loss, 0.0, "{name}");
        assert_eq!(grad, vec![0.0; params.len()], "{name}");
    }
}

#[test]
fn logits_do_not_depend_on_how_rows_are_batched() {
    // Serving predicts one row at a time; evaluation, hundreds: the same row must get the
    // same probabilities either way, to the rounding of a differently blocked product.
    for (name, spec) in specs() {
        let net = Network::new(spec.clone()).unwrap();
        let params = Params::init(&spec, 8);
        let n = 70;
        let x = inputs(&spec, n, 9);
        let all = net.probabilities(&params, &x, n);
        let k = spec.num_classes;
        let d = spec.input_dim();
        for i in [0, 33, 69] {
            let one = net
                .prepare(&params)
                .probabilities(&x[i * d..(i + 1) * d], 1);
            for (a, b) in one.iter().zip(&all[i * k..(i + 1) * k]) {
                assert!((a - b).abs() <= 1e-6, "{name}, row {i}: {a} vs {b}");
            }
        }
    }
}
