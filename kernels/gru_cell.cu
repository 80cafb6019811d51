// gru_cell: the pointwise part of one GRU step, fused (NumPy twin: minigrad/ops/rnn.py,
// GRUCellFunction.forward).  The matrix product h W_hh^T stays with cuBLAS.
//
// Memory layout (all C-contiguous; B = batch, H = hidden, gate order r, z, n)
//   gates_x  (B, 3H)  x W_ih^T + b_ih
//   gates_h  (B, 3H)  h W_hh^T + b_hh
//   h_prev   (B, H)
//   writes   h (B, H) and, when `save` is non-zero, mx, mh (B, 3H) and z (B, H):
//     r = s(x_r + h_r)   z = s(x_z + h_z)   n = tanh(x_n + r * h_n)   h = n + z (h_prev - n)
//     mx = [mx_n h_n r (1 - r), (h_prev - n) z (1 - z), (1 - z)(1 - n^2)]   (d h / d gates_x)
//     mh = [mx_r, mx_z, mx_n r]                                            (d h / d gates_h)
//
// Thread mapping
//   One thread per (batch row, hidden unit) pair (grid-stride loop over B*H), reading the three
//   gates of its unit.  Pure elementwise work: no atomics, no shared memory.

__device__ __forceinline__ float exp_of(float v) { return expf(v); }
__device__ __forceinline__ double exp_of(double v) { return exp(v); }
__device__ __forceinline__ float tanh_of(float v) { return tanhf(v); }
__device__ __forceinline__ double tanh_of(double v) { return tanh(v); }

template <typename T>
__device__ __forceinline__ T sigmoid(T v)
{
    return T(1) / (T(1) + exp_of(-v));
}

template <typename T>
__device__ void gru_cell_forward_impl(const T* __restrict__ gates_x,
                                      const T* __restrict__ gates_h,
                                      const T* __restrict__ h_prev, T* __restrict__ h,
                                      T* __restrict__ mx, T* __restrict__ mh,
                                      T* __restrict__ z_out, long long batch, long long hidden,
                                      int save)
{
    long long total = batch * hidden;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long row = index / hidden;
        long long unit = index % hidden;
        long long gate = row * 3 * hidden + unit;
        T r = sigmoid(gates_x[gate] + gates_h[gate]);
        T z = sigmoid(gates_x[gate + hidden] + gates_h[gate + hidden]);
        T h_n = gates_h[gate + 2 * hidden];
        T n = tanh_of(gates_x[gate + 2 * hidden] + r * h_n);
        T h_old = h_prev[index];
        h[index] = n + z * (h_old - n);
        if (save) {
            T d_n = (T(1) - z) * (T(1) - n * n);
            T d_z = (h_old - n) * z * (T(1) - z);
            T d_r = d_n * h_n * r * (T(1) - r);
            mx[gate] = d_r;
            mx[gate + hidden] = d_z;
            mx[gate + 2 * hidden] = d_n;
            mh[gate] = d_r;
            mh[gate + hidden] = d_z;
            mh[gate + 2 * hidden] = d_n * r;
            z_out[index] = z;
        }
    }
}

extern "C" __global__ void gru_cell_forward_f32(const float* gates_x, const float* gates_h,
                                                const float* h_prev, float* h, float* mx,
                                                float* mh, float* z, long long batch,
                                                long long hidden, int save)
{
    gru_cell_forward_impl<float>(gates_x, gates_h, h_prev, h, mx, mh, z, batch, hidden, save);
}

extern "C" __global__ void gru_cell_forward_f64(const double* gates_x, const double* gates_h,
                                                const double* h_prev, double* h, double* mx,
                                                double* mh, double* z, long long batch,
                                                long long hidden, int save)
{
    gru_cell_forward_impl<double>(gates_x, gates_h, h_prev, h, mx, mh, z, batch, hidden, save);
}
