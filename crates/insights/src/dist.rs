//! Count distributions: upper-tail probabilities of the Poisson and negative binomial laws, and
//! their quantiles, accurate far into the tail (the detector works at probabilities of 10⁻⁸).
//!
//! Written here rather than taken from a statistics crate because only these few functions are
//! needed and they must be exact where the detector looks: tail probabilities are computed from
//! the regularized incomplete beta and gamma functions (continued fractions), not by summing
//! probability masses, so a tail of 10⁻¹² costs a few dozen iterations.

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, g = 7, nine terms; relative error < 10⁻¹⁴).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let s = (std::f64::consts::PI * x).sin();
        return (std::f64::consts::PI / s.abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

const EPS: f64 = 1e-15;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 100_000;

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function `I_x(a, b)`, `a, b > 0`, `0 ≤ x ≤ 1`.
pub(crate) fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    if x < (a + 1.0) / (a + b + 2.0) {
        (ln_front.exp() * beta_cf(a, b, x) / a).clamp(0.0, 1.0)
    } else {
        (1.0 - ln_front.exp() * beta_cf(b, a, 1.0 - x) / b).clamp(0.0, 1.0)
    }
}

/// The regularized lower incomplete gamma function `P(a, x)`, `a > 0`, `x ≥ 0`.
pub(crate) fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let ln_front = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series.
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        (sum * ln_front.exp()).clamp(0.0, 1.0)
    } else {
        // Continued fraction for Q(a, x) (modified Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        (1.0 - ln_front.exp() * h).clamp(0.0, 1.0)
    }
}

/// Above this size the negative binomial is a Poisson law to within 10⁻⁷ of relative variance.
const POISSON_SIZE: f64 = 1e7;

/// `P(X ≥ k)` for `X ~ Poisson(mean)`.
pub(crate) fn poisson_upper(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    // P(X ≥ k) = P(k, mean), the regularized lower incomplete gamma function.
    gamma_p(k as f64, mean)
}

/// `P(X ≥ k)` for a negative binomial `X` with the given mean and size `r` (variance
/// `mean + mean² / r`): the Gamma–Poisson mixture. `r = ∞` is the Poisson law.
pub(crate) fn nb_upper(k: u64, mean: f64, size: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    if size.is_nan() || size >= POISSON_SIZE {
        return poisson_upper(k, mean);
    }
    // With p = size / (size + mean): P(X ≥ k) = I_{1−p}(k, size).
    let x = mean / (mean + size);
    beta_reg(k as f64, size, x)
}

/// The smallest count `q` with `P(X > q) ≤ alpha` for the negative binomial of [`nb_upper`]:
/// the top of the band that holds all but a share `alpha` of ordinary counts.
pub(crate) fn nb_quantile(alpha: f64, mean: f64, size: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    // P(X > q) = P(X ≥ q + 1) decreases in q: find the first q where it is ≤ alpha.
    let ok = |q: u64| nb_upper(q + 1, mean, size) <= alpha;
    let mut lo = 0u64;
    if ok(lo) {
        return 0;
    }
    let mut hi = (mean.ceil() as u64).max(1);
    while !ok(hi) {
        lo = hi;
        hi = hi.saturating_mul(2);
        if hi >= u64::MAX / 4 {
            return hi;
        }
    }
    // ok(hi), !ok(lo)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) { hi = mid } else { lo = mid }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        if a == b {
            return true;
        }
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    /// Direct summation of the negative binomial mass function (log space), for checking;
    /// `None` where the summed tail would not converge in a million terms.
    fn nb_upper_sum(k: u64, mean: f64, size: f64) -> Option<f64> {
        // ln p and ln(1 − p) without cancellation.
        let ln_p = -(mean / size).ln_1p();
        let ln_q = (mean / (size + mean)).ln();
        let mass = |j: f64| (ln_gamma(j + size) - ln_gamma(size) - ln_gamma(j + 1.0) + size * ln_p + j * ln_q).exp();
        let mut below = 0.0;
        for j in 0..k {
            below += mass(j as f64);
        }
        if below < 0.99 {
            return Some(1.0 - below);
        }
        // The lower part is close to 1: sum the tail directly.
        let mut tail = 0.0;
        let mut j = k as f64;
        loop {
            let t = mass(j);
            tail += t;
            if t < tail * 1e-17 && j > mean + 10.0 {
                return Some(tail);
            }
            if j > 2e5 {
                return None;
            }
            j += 1.0;
        }
    }

    fn poisson_upper_sum(k: u64, mean: f64) -> f64 {
        let mut tail = 0.0;
        let mut j = k as f64;
        loop {
            let t = (-mean + j * mean.ln() - ln_gamma(j + 1.0)).exp();
            tail += t;
            if (t < tail * 1e-17 && j > mean + 10.0) || j > 2e5 {
                break;
            }
            j += 1.0;
        }
        tail
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(close(ln_gamma(1.0), 0.0_f64, 1e-14) || ln_gamma(1.0).abs() < 1e-14);
        assert!(ln_gamma(2.0).abs() < 1e-14);
        assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13));
        // ln(10!) and ln(100!)
        assert!(close(ln_gamma(11.0), 3_628_800f64.ln(), 1e-13));
        assert!(close(ln_gamma(101.0), 363.739_375_555_563_5, 1e-13));
        assert!(close(ln_gamma(1e-3), 6.907_178_885_383_853, 1e-12));
    }

    #[test]
    fn poisson_tail_matches_summation() {
        for &mean in &[1e-6, 1e-3, 0.05, 0.5, 1.0, 3.7, 25.0, 400.0, 12_345.0] {
            for &k in &[1u64, 2, 3, 5, 10, 30, 100, 500, 13_000] {
                let a = poisson_upper(k, mean);
                let b = poisson_upper_sum(k, mean);
                if b > 1e-290 {
                    assert!(close(a, b, 1e-9), "k={k} mean={mean}: {a} vs {b}");
                }
            }
        }
        assert_eq!(poisson_upper(0, 3.0), 1.0);
        // P(X ≥ 1) = 1 − e^{−λ}
        assert!(close(poisson_upper(1, 0.001), -(-0.001f64).exp_m1(), 1e-12));
    }

    #[test]
    fn negative_binomial_tail_matches_summation() {
        for &size in &[0.01, 0.5, 1.0, 3.0, 40.0, 1e4, 1e6] {
            for &mean in &[1e-5, 0.01, 0.3, 2.0, 17.0, 900.0] {
                for &k in &[1u64, 2, 4, 9, 30, 120, 2_000] {
                    let a = nb_upper(k, mean, size);
                    let Some(b) = nb_upper_sum(k, mean, size) else { continue };
                    if b > 1e-280 {
                        assert!(close(a, b, 1e-8), "k={k} mean={mean} size={size}: {a} vs {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn negative_binomial_tends_to_poisson() {
        for &k in &[1u64, 5, 20] {
            let a = nb_upper(k, 4.0, 1e9);
            let b = poisson_upper(k, 4.0);
            assert!(close(a, b, 1e-9));
            let c = nb_upper(k, 4.0, 1e6);
            assert!(close(c, b, 1e-3), "{c} {b}");
        }
    }

    #[test]
    fn overdispersion_fattens_the_tail() {
        let p = nb_upper(20, 5.0, 1e9);
        let nb = nb_upper(20, 5.0, 2.0);
        assert!(nb > p * 100.0, "{nb} {p}");
    }

    #[test]
    fn geometric_tail_is_exact() {
        // size 1: geometric, P(X ≥ k) = (mean / (1 + mean))^k.
        for &mean in &[0.2f64, 1.0, 7.5] {
            for k in [1u64, 3, 10, 40] {
                let want = (mean / (1.0 + mean)).powi(k as i32);
                assert!(close(nb_upper(k, mean, 1.0), want, 1e-10));
            }
        }
    }

    #[test]
    fn quantiles_bound_the_tail() {
        for &(mean, size) in &[(0.001, 0.5), (0.5, 1e9), (3.0, 5.0), (250.0, 1e9), (250.0, 10.0)] {
            for &alpha in &[1e-2, 1e-3, 1e-7] {
                let q = nb_quantile(alpha, mean, size);
                assert!(nb_upper(q + 1, mean, size) <= alpha);
                if q > 0 {
                    assert!(
                        nb_upper(q, mean, size) > alpha,
                        "q={q} mean={mean} size={size} alpha={alpha}"
                    );
                }
            }
        }
        assert_eq!(nb_quantile(0.01, 0.0, 1.0), 0);
    }
}
