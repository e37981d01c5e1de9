// learn_math.hpp (internal): the few transcendental functions and random draws the learn module
// needs, written with + - * / and sqrt only. libm's log and exp may differ in the last bit between
// glibc (native) and musl (Emscripten); these cannot, since IEEE 754 rounds those operations
// exactly (and the core is built with -ffp-contract=off). Accuracy is ~1e-15 relative: plenty for
// statistics, and the point is that both targets get the same bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace porchlight::learn::detail {

inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so k*kLn2Hi is exact
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;

// Natural log, x > 0 (0 gives -inf, negatives NaN).
inline double log(double x) {
  if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) { m *= 2; --e; }
  const double s = (m - 1) / (m + 1);  // |s| < 0.1716: the atanh series converges fast
  const double s2 = s * s;
  // Reciprocals of 1, 3, 5, ... 41, so the loop multiplies (a division costs several multiplies).
  static constexpr double kInv[] = {1.0 / 1, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13,
                                    1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27,
                                    1.0 / 29, 1.0 / 31, 1.0 / 33, 1.0 / 35, 1.0 / 37, 1.0 / 39, 1.0 / 41};
  double term = s, sum = 0;
  for (double inv : kInv) { sum += term * inv; term *= s2; }
  return 2 * sum + e * kLn2Lo + e * kLn2Hi;
}

inline double exp(double x) {
  if (x != x) return x;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0;
  const double k = std::floor(x / (kLn2Hi + kLn2Lo) + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= 0.35
  double term = 1, sum = 1;
  for (int n = 1; n <= 22; ++n) { term *= r / n; sum += term; }
  return std::ldexp(sum, static_cast<int>(k));  // exact
}

// splitmix64: a tiny, well-mixed generator; its finalizer also serves as the hash's.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return mix64(state_ += 0x9e3779b97f4a7c15ULL); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // Marsaglia's polar method: log and sqrt only (Box-Muller would need cos).
  double normal() {
    for (;;) {
      const double u = 2 * uniform() - 1, v = 2 * uniform() - 1;
      const double s = u * u + v * v;
      if (s > 0 && s < 1) return u * std::sqrt(-2 * detail::log(s) / s);
    }
  }
  // Marsaglia and Tsang's method, shape >= 1 (posteriors here always are: successes + 1).
  double gamma(double shape) {
    const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do { x = normal(); v = 1 + c * x; } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1 - 0.0331 * (x * x) * (x * x)) return d * v;
      if (u > 0 && detail::log(u) < 0.5 * x * x + d * (1 - v + detail::log(v))) return d * v;
    }
  }
  double beta(double a, double b) {
    const double x = gamma(a), y = gamma(b);
    return x / (x + y);
  }

 private:
  std::uint64_t state_;
};

// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
inline double normal_quantile(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double lo = 0.02425;
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  if (p < lo) {
    const double q = std::sqrt(-2 * detail::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normal_quantile(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace porchlight::learn::detail
