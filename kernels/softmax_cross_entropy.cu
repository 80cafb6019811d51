// softmax_cross_entropy: log-softmax, the target's log-probability, label smoothing and class
// weights in one pass per row, and the fused gradient (NumPy twin: minigrad/ops/loss.py,
// SoftmaxCrossEntropy.forward/backward).
//
// Memory layout (all C-contiguous; M rows, C classes)
//   x        (M, C) logits            target  (M,) int64 (ignore_index marks skipped rows)
//   weight   (C,) class weights, read only when has_weight is non-zero
//   forward writes  losses (M,), probs (M, C) = softmax(x) and target_weight (M,) = v_i w[t_i]
//     (v_i = 0 for an ignored row, else 1; the host sums target_weight for 'mean'):
//       l_i = -(log softmax(x_i))[t_i] v_i w[t_i]
//       with smoothing e > 0:  l_i = (1 - e) l_i + (e / C) * -(sum_c w_c log softmax(x_i)_c) v_i
//   backward reads probs, target, weight and scale (M,) (the incoming gradient of each row, already
//     divided by the 'mean' denominator) and writes
//       grad_x[i, c] = (probs[i, c] * sum_c' q_ic' - q_ic) * scale[i]
//       q_ic = (1 - e) v_i w[t_i] [c = t_i] + (e / C) w_c v_i
//
// Thread mapping
//   One thread per row (grid-stride loop over M); the thread loops over the C classes itself
//   (max, sum of exponentials, then the outputs).  Simple and fine for the class counts of the
//   examples; a block-per-row version with a shared-memory reduction would suit C in the
//   thousands.  No atomics, no shared memory.

__device__ __forceinline__ float exp_of(float v) { return expf(v); }
__device__ __forceinline__ double exp_of(double v) { return exp(v); }
__device__ __forceinline__ float log_of(float v) { return logf(v); }
__device__ __forceinline__ double log_of(double v) { return log(v); }

template <typename T>
__device__ void softmax_cross_entropy_forward_impl(
    const T* __restrict__ x, const long long* __restrict__ target, const T* __restrict__ weight,
    T* __restrict__ losses, T* __restrict__ probs, T* __restrict__ target_weight, long long rows,
    long long classes, long long ignore_index, int has_weight, int smoothing, T one_minus_e,
    T e_over_classes)
{
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x; row < rows;
         row += step) {
        const T* logits = x + row * classes;
        T* p = probs + row * classes;
        T largest = logits[0];
        for (long long c = 1; c < classes; ++c) {
            if (logits[c] > largest) largest = logits[c];
        }
        T sum = T(0);
        for (long long c = 0; c < classes; ++c) sum += exp_of(logits[c] - largest);
        T log_sum = log_of(sum);
        long long t = target[row];
        bool valid = t != ignore_index;
        long long safe_t = valid ? t : 0;
        T v = valid ? T(1) : T(0);
        T w_t = has_weight ? weight[safe_t] * v : v;
        T loss = -((logits[safe_t] - largest) - log_sum) * w_t;
        T smooth = T(0);
        for (long long c = 0; c < classes; ++c) {
            T shifted = logits[c] - largest;
            p[c] = exp_of(shifted) / sum;
            T class_weight = has_weight ? weight[c] : T(1);
            smooth += (shifted - log_sum) * class_weight;
        }
        if (smoothing) loss = one_minus_e * loss + e_over_classes * (-smooth * v);
        losses[row] = loss;
        target_weight[row] = w_t;
    }
}

template <typename T>
__device__ void softmax_cross_entropy_backward_impl(
    const T* __restrict__ probs, const long long* __restrict__ target,
    const T* __restrict__ weight, const T* __restrict__ scale, T* __restrict__ grad_x,
    long long rows, long long classes, long long ignore_index, int has_weight, int smoothing,
    T one_minus_e, T e_over_classes)
{
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x; row < rows;
         row += step) {
        long long t = target[row];
        bool valid = t != ignore_index;
        long long safe_t = valid ? t : 0;
        T v = valid ? T(1) : T(0);
        T w_t = has_weight ? weight[safe_t] * v : v;
        T q_target = one_minus_e * w_t;
        // sum_c q_ic: the target's share plus the smoothing spread over every class
        T q_sum = q_target;
        if (smoothing) {
            for (long long c = 0; c < classes; ++c) {
                T class_weight = has_weight ? weight[c] : T(1);
                q_sum += e_over_classes * class_weight * v;
            }
        }
        const T* p = probs + row * classes;
        T* g = grad_x + row * classes;
        T s = scale[row];
        for (long long c = 0; c < classes; ++c) {
            T q = T(0);
            if (smoothing) {
                T class_weight = has_weight ? weight[c] : T(1);
                q = e_over_classes * class_weight * v;
            }
            if (c == safe_t) q += q_target;
            g[c] = (p[c] * q_sum - q) * s;
        }
    }
}

extern "C" __global__ void softmax_cross_entropy_forward_f32(
    const float* x, const long long* target, const float* weight, float* losses, float* probs,
    float* target_weight, long long rows, long long classes, long long ignore_index,
    int has_weight, int smoothing, float one_minus_e, float e_over_classes)
{
    softmax_cross_entropy_forward_impl<float>(x, target, weight, losses, probs, target_weight,
                                              rows, classes, ignore_index, has_weight, smoothing,
                                              one_minus_e, e_over_classes);
}

extern "C" __global__ void softmax_cross_entropy_forward_f64(
    const double* x, const long long* target, const double* weight, double* losses,
    double* probs, double* target_weight, long long rows, long long classes,
    long long ignore_index, int has_weight, int smoothing, double one_minus_e,
    double e_over_classes)
{
    softmax_cross_entropy_forward_impl<double>(x, target, weight, losses, probs, target_weight,
                                               rows, classes, ignore_index, has_weight,
                                               smoothing, one_minus_e, e_over_classes);
}

extern "C" __global__ void softmax_cross_entropy_backward_f32(
    const float* probs, const long long* target, const float* weight, const float* scale,
    float* grad_x, long long rows, long long classes, long long ignore_index, int has_weight,
    int smoothing, float one_minus_e, float e_over_classes)
{
    softmax_cross_entropy_backward_impl<float>(probs, target, weight, scale, grad_x, rows,
                                               classes, ignore_index, has_weight, smoothing,
                                               one_minus_e, e_over_classes);
}

extern "C" __global__ void softmax_cross_entropy_backward_f64(
    const double* probs, const long long* target, const double* weight, const double* scale,
    double* grad_x, long long rows, long long classes, long long ignore_index, int has_weight,
    int smoothing, double one_minus_e, double e_over_classes)
{
    softmax_cross_entropy_backward_impl<double>(probs, target, weight, scale, grad_x, rows,
                                                classes, ignore_index, has_weight, smoothing,
                                                one_minus_e, e_over_classes);
}
