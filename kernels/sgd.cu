// sgd: one fused SGD update (weight decay, momentum, dampening, Nesterov, maximize) per
// parameter element (NumPy twin: minigrad/optim/sgd.py, SGD._update).
//
// Memory layout
//   param, grad, buffer  (n,) C-contiguous, one dtype; buffer is the momentum buffer b (read
//   and written only when use_momentum is non-zero).  The scalars arrive already rounded to
//   the data's dtype, as NumPy rounds them when it multiplies a float32 array by a Python float.
//     g = -grad if maximize else grad;  with weight decay  g = weight_decay * param +/- grad
//     momentum:  b = g on the first step, else b = momentum * b + (1 - dampening) * g
//                g = g + momentum * b (Nesterov) or g = b
//     param = param - lr * g
//
// Thread mapping
//   One thread per parameter element (grid-stride loop): it reads grad, param and b once and
//   writes param and b once, where NumPy walks the arrays four to six times.  Elementwise: no
//   atomics, no shared memory.

template <typename T>
__device__ void sgd_step_impl(T* __restrict__ param, const T* __restrict__ grad,
                              T* __restrict__ buffer, long long n, T lr, T momentum,
                              T one_minus_dampening, T weight_decay, int use_momentum,
                              int first_step, int dampened, int nesterov, int maximize)
{
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < n;
         index += step) {
        T p = param[index];
        T g = grad[index];
        if (weight_decay != T(0)) {
            g = maximize ? p * weight_decay - g : p * weight_decay + g;
        } else if (maximize) {
            g = -g;
        }
        if (use_momentum) {
            T b;
            if (first_step) {
                b = g;
            } else {
                b = buffer[index] * momentum;
                b = dampened ? b + g * one_minus_dampening : b + g;
            }
            buffer[index] = b;
            g = nesterov ? b * momentum + g : b;
        }
        param[index] = p - g * lr;
    }
}

extern "C" __global__ void sgd_step_f32(float* param, const float* grad, float* buffer,
                                        long long n, float lr, float momentum,
                                        float one_minus_dampening, float weight_decay,
                                        int use_momentum, int first_step, int dampened,
                                        int nesterov, int maximize)
{
    sgd_step_impl<float>(param, grad, buffer, n, lr, momentum, one_minus_dampening, weight_decay,
                         use_momentum, first_step, dampened, nesterov, maximize);
}

extern "C" __global__ void sgd_step_f64(double* param, const double* grad, double* buffer,
                                        long long n, double lr, double momentum,
                                        double one_minus_dampening, double weight_decay,
                                        int use_momentum, int first_step, int dampened,
                                        int nesterov, int maximize)
{
    sgd_step_impl<double>(param, grad, buffer, n, lr, momentum, one_minus_dampening,
                          weight_decay, use_momentum, first_step, dampened, nesterov, maximize);
}
