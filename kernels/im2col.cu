// im2col: the input windows of a convolution gathered into one matrix (NumPy twin:
// minigrad/ops/conv.py, im2col).
//
// Memory layout
//   x     (N, C, H, W), read through element strides (sxn, sxc, sxh, sxw), so any strided view
//         works without a copy (a conv output is an (N, C, H, W) view of (C, N, H, W) storage).
//   cols  (C, kh, kw, N, Ho, Wo), C-contiguous:
//         cols[c, a, b, n, i, j] = xpad[n, c, i*sh + a*dh, j*sw + b*dw]
//         where xpad is x with `top` rows and `left` columns of zeros in front; positions past
//         the end of x (bottom/right padding) read as zero too.
//
// Thread mapping
//   One thread per element of cols (grid-stride loop over the flat index), so neighbouring
//   threads write neighbouring j: stores are coalesced, and loads are too when sw == 1.
//   Every element is written exactly once: no atomics, no shared memory.

template <typename T>
__device__ void im2col_impl(const T* __restrict__ x, T* __restrict__ cols,
                            long long batch, long long channels, long long height,
                            long long width, long long kh, long long kw, long long sh,
                            long long sw, long long top, long long left, long long dh,
                            long long dw, long long out_h, long long out_w, long long sxn,
                            long long sxc, long long sxh, long long sxw)
{
    long long total = channels * kh * kw * batch * out_h * out_w;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long rest = index;
        long long j = rest % out_w; rest /= out_w;
        long long i = rest % out_h; rest /= out_h;
        long long n = rest % batch; rest /= batch;
        long long b = rest % kw;    rest /= kw;
        long long a = rest % kh;    rest /= kh;
        long long c = rest;
        long long row = i * sh + a * dh - top;
        long long column = j * sw + b * dw - left;
        T value = T(0);
        if (row >= 0 && row < height && column >= 0 && column < width) {
            value = x[n * sxn + c * sxc + row * sxh + column * sxw];
        }
        cols[index] = value;
    }
}

extern "C" __global__ void im2col_f32(const float* x, float* cols, long long batch,
                                      long long channels, long long height, long long width,
                                      long long kh, long long kw, long long sh, long long sw,
                                      long long top, long long left, long long dh, long long dw,
                                      long long out_h, long long out_w, long long sxn,
                                      long long sxc, long long sxh, long long sxw)
{
    im2col_impl<float>(x, cols, batch, channels, height, width, kh, kw, sh, sw, top, left, dh,
                       dw, out_h, out_w, sxn, sxc, sxh, sxw);
}

extern "C" __global__ void im2col_f64(const double* x, double* cols, long long batch,
                                      long long channels, long long height, long long width,
                                      long long kh, long long kw, long long sh, long long sw,
                                      long long top, long long left, long long dh, long long dw,
                                      long long out_h, long long out_w, long long sxn,
                                      long long sxc, long long sxh, long long sxw)
{
    im2col_impl<double>(x, cols, batch, channels, height, width, kh, kw, sh, sw, top, left, dh,
                        dw, out_h, out_w, sxn, sxc, sxh, sxw);
}
