// lstm_cell: the pointwise part of one LSTM step, forward and backward, fused (NumPy twin:
// minigrad/ops/rnn.py, LSTMCellFunction).  The two matrix products stay with cuBLAS.
//
// Memory layout (all C-contiguous; B = batch, H = hidden, gate order i, f, g, o)
//   act        (B, 4H)  gates_x + h W_hh^T, the gate pre-activations
//   c_prev     (B, H)
//   forward writes  h, c, k, f (B, H) and m (B, 4H):
//     i, f, o = s(a_i), s(a_f), s(a_o)   g = tanh(a_g)   (s(a) = 1 / (1 + exp(-a)))
//     c = f * c_prev + i * g             h = o * tanh(c)
//     k = o * (1 - tanh(c)^2)
//     m = [(1 - i) i g, (1 - f) f c_prev, (1 - g^2) i, (1 - o) o tanh(c)]
//   (k, m, f are only written when `save` is non-zero: they are what backward needs.)
//   backward reads grad_h, grad_c, k, f (B, H) and m (B, 4H), writes
//     dc = grad_c + grad_h * k
//     da = [dc m_i, dc m_f, dc m_g, grad_h m_o]  (B, 4H)      grad_c_prev = dc * f  (B, H)
//
// Thread mapping
//   One thread per (batch row, hidden unit) pair (grid-stride loop over B*H): it reads the
//   four gates of its unit (stride H apart in the row) and writes every output of that unit.
//   Pure elementwise work: no atomics, no shared memory.

__device__ __forceinline__ float exp_of(float v) { return expf(v); }
__device__ __forceinline__ double exp_of(double v) { return exp(v); }
__device__ __forceinline__ float tanh_of(float v) { return tanhf(v); }
__device__ __forceinline__ double tanh_of(double v) { return tanh(v); }

template <typename T>
__device__ __forceinline__ T sigmoid(T v)
{
    return T(1) / (T(1) + exp_of(-v));  // exp overflow to inf gives exactly 0
}

template <typename T>
__device__ void lstm_cell_forward_impl(const T* __restrict__ act, const T* __restrict__ c_prev,
                                       T* __restrict__ h, T* __restrict__ c, T* __restrict__ k,
                                       T* __restrict__ m, T* __restrict__ f_out,
                                       long long batch, long long hidden, int save)
{
    long long total = batch * hidden;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long row = index / hidden;
        long long unit = index % hidden;
        long long gate = row * 4 * hidden + unit;  // gate q of this unit is at gate + q*hidden
        T i = sigmoid(act[gate]);
        T f = sigmoid(act[gate + hidden]);
        T g = tanh_of(act[gate + 2 * hidden]);
        T o = sigmoid(act[gate + 3 * hidden]);
        T c_old = c_prev[index];
        T c_new = f * c_old;
        c_new += i * g;
        T tanh_c = tanh_of(c_new);
        c[index] = c_new;
        h[index] = o * tanh_c;
        if (save) {
            m[gate] = (T(1) - i) * i * g;
            m[gate + hidden] = (T(1) - f) * f * c_old;
            m[gate + 2 * hidden] = (T(1) - g * g) * i;
            m[gate + 3 * hidden] = (T(1) - o) * o * tanh_c;
            k[index] = (T(1) - tanh_c * tanh_c) * o;
            f_out[index] = f;
        }
    }
}

template <typename T>
__device__ void lstm_cell_backward_impl(const T* __restrict__ grad_h,
                                        const T* __restrict__ grad_c, const T* __restrict__ k,
                                        const T* __restrict__ m, const T* __restrict__ f,
                                        T* __restrict__ da, T* __restrict__ grad_c_prev,
                                        long long batch, long long hidden)
{
    long long total = batch * hidden;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long row = index / hidden;
        long long unit = index % hidden;
        long long gate = row * 4 * hidden + unit;
        T dh = grad_h[index];
        T dc = grad_c[index] + dh * k[index];
        da[gate] = dc * m[gate];
        da[gate + hidden] = dc * m[gate + hidden];
        da[gate + 2 * hidden] = dc * m[gate + 2 * hidden];
        da[gate + 3 * hidden] = dh * m[gate + 3 * hidden];
        grad_c_prev[index] = dc * f[index];
    }
}

extern "C" __global__ void lstm_cell_forward_f32(const float* act, const float* c_prev, float* h,
                                                 float* c, float* k, float* m, float* f,
                                                 long long batch, long long hidden, int save)
{
    lstm_cell_forward_impl<float>(act, c_prev, h, c, k, m, f, batch, hidden, save);
}

extern "C" __global__ void lstm_cell_forward_f64(const double* act, const double* c_prev,
                                                 double* h, double* c, double* k, double* m,
                                                 double* f, long long batch, long long hidden,
                                                 int save)
{
    lstm_cell_forward_impl<double>(act, c_prev, h, c, k, m, f, batch, hidden, save);
}

extern "C" __global__ void lstm_cell_backward_f32(const float* grad_h, const float* grad_c,
                                                  const float* k, const float* m, const float* f,
                                                  float* da, float* grad_c_prev, long long batch,
                                                  long long hidden)
{
    lstm_cell_backward_impl<float>(grad_h, grad_c, k, m, f, da, grad_c_prev, batch, hidden);
}

extern "C" __global__ void lstm_cell_backward_f64(const double* grad_h, const double* grad_c,
                                                  const double* k, const double* m,
                                                  const double* f, double* da,
                                                  double* grad_c_prev, long long batch,
                                                  long long hidden)
{
    lstm_cell_backward_impl<double>(grad_h, grad_c, k, m, f, da, grad_c_prev, batch, hidden);
}
