// adam: one fused Adam / AdamW / AMSGrad update per parameter element (NumPy twin:
// minigrad/optim/adam.py, Adam._update; AdamW is Adam with decoupled weight decay).
//
// Memory layout
//   param, grad, exp_avg (m), exp_avg_sq (v), max_exp_avg_sq (v_max, read and written only
//   when amsgrad is non-zero): (n,) C-contiguous, one dtype.  The host passes the step's
//   scalars already rounded to that dtype, as NumPy does:
//     decay       = 1 - lr * weight_decay          (decoupled weight decay)
//     bias2_sqrt  = sqrt(1 - beta2^t)              step_size = lr / (1 - beta1^t)
//   and the update is, in the twin's order of operations:
//     decoupled:  param = param * decay;  g = -grad if maximize else grad
//     else:       g = weight_decay * param +/- grad   (or +/- grad without weight decay)
//     m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
//     v_max = max(v_max, v) with amsgrad, and s = v_max (amsgrad) or v
//     param = param - step_size * m / (sqrt(s) / bias2_sqrt + eps)
//
// Thread mapping
//   One thread per parameter element (grid-stride loop): every array is read and written once,
//   where NumPy makes about a dozen passes.  Elementwise: no atomics, no shared memory.

__device__ __forceinline__ float sqrt_of(float v) { return sqrtf(v); }
__device__ __forceinline__ double sqrt_of(double v) { return sqrt(v); }

template <typename T>
__device__ void adam_step_impl(T* __restrict__ param, const T* __restrict__ grad,
                               T* __restrict__ exp_avg, T* __restrict__ exp_avg_sq,
                               T* __restrict__ max_exp_avg_sq, long long n, T beta1,
                               T one_minus_beta1, T beta2, T one_minus_beta2, T eps,
                               T weight_decay, T decay, T bias2_sqrt, T step_size, int amsgrad,
                               int maximize, int decoupled)
{
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < n;
         index += step) {
        T p = param[index];
        T g = grad[index];
        if (decoupled) {
            p = p * decay;
            if (maximize) g = -g;
        } else if (weight_decay != T(0)) {
            g = maximize ? p * weight_decay - g : p * weight_decay + g;
        } else if (maximize) {
            g = -g;
        }
        T m = exp_avg[index] * beta1 + g * one_minus_beta1;
        T v = exp_avg_sq[index] * beta2 + (g * g) * one_minus_beta2;
        exp_avg[index] = m;
        exp_avg_sq[index] = v;
        T second_moment = v;
        if (amsgrad) {
            T previous = max_exp_avg_sq[index];
            second_moment = previous > v ? previous : v;
            max_exp_avg_sq[index] = second_moment;
        }
        T denominator = sqrt_of(second_moment) / bias2_sqrt + eps;
        param[index] = p - (m / denominator) * step_size;
    }
}

extern "C" __global__ void adam_step_f32(float* param, const float* grad, float* exp_avg,
                                         float* exp_avg_sq, float* max_exp_avg_sq, long long n,
                                         float beta1, float one_minus_beta1, float beta2,
                                         float one_minus_beta2, float eps, float weight_decay,
                                         float decay, float bias2_sqrt, float step_size,
                                         int amsgrad, int maximize, int decoupled)
{
    adam_step_impl<float>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, beta1,
                          one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay,
                          bias2_sqrt, step_size, amsgrad, maximize, decoupled);
}

extern "C" __global__ void adam_step_f64(double* param, const double* grad, double* exp_avg,
                                         double* exp_avg_sq, double* max_exp_avg_sq,
                                         long long n, double beta1, double one_minus_beta1,
                                         double beta2, double one_minus_beta2, double eps,
                                         double weight_decay, double decay, double bias2_sqrt,
                                         double step_size, int amsgrad, int maximize,
                                         int decoupled)
{
    adam_step_impl<double>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, beta1,
                           one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay,
                           bias2_sqrt, step_size, amsgrad, maximize, decoupled);
}
