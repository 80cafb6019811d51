// dropout: the scaled keep-mask of inverted dropout (NumPy twin: minigrad/nn/functional/
// dropout.py, _keep_mask followed by the division by 1 - p).
//
// Memory layout
//   uniform  (n,) float32 draws in [0, 1) from the device generator (any shape, flattened)
//   mask     (n,) of the data's dtype: mask = (uniform >= p) / keep, keep = 1 - p in that dtype
//            (so kept entries hold 1 / (1 - p) and dropped ones 0); y = x * mask is then an
//            ordinary multiplication, whose gradient is the same mask.
//
// Thread mapping
//   One thread per element (grid-stride loop).  Elementwise: no atomics, no shared memory.

template <typename T>
__device__ void dropout_mask_impl(const float* __restrict__ uniform, T* __restrict__ mask,
                                  long long n, float p, T keep)
{
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < n;
         index += step) {
        T kept = uniform[index] >= p ? T(1) : T(0);
        mask[index] = kept / keep;
    }
}

extern "C" __global__ void dropout_mask_f32(const float* uniform, float* mask, long long n,
                                            float p, float keep)
{
    dropout_mask_impl<float>(uniform, mask, n, p, keep);
}

extern "C" __global__ void dropout_mask_f64(const float* uniform, double* mask, long long n,
                                            float p, double keep)
{
    dropout_mask_impl<double>(uniform, mask, n, p, keep);
}
