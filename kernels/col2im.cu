// col2im: the adjoint of im2col -- every column entry added back onto the input position it
// was read from (NumPy twin: minigrad/ops/conv.py, col2im).  Used by the transposed
// convolution and so by conv2d's gradient with respect to its input.
//
// Memory layout
//   cols  (C, kh, kw, N, Ho, Wo), C-contiguous (as im2col writes it).
//   out   (C, N, H, W), C-contiguous (channels first, like the NumPy twin; transpose for NCHW):
//         out[c, n, h, w] = sum over (a, b, i, j) with i*sh + a*dh = h + top and
//                           j*sw + b*dw = w + left of cols[c, a, b, n, i, j]
//
// Thread mapping
//   Gather formulation: one thread per element of out (grid-stride loop).  The thread walks the
//   kernel offsets (a, b) in the NumPy twin's order, works out the one output position (i, j)
//   that offset maps onto it (if any: (h + top - a*dh) must be a multiple of sh and i < Ho), and
//   adds that column entry.  Each thread owns its sum, so there are no atomics and the result
//   is deterministic.

template <typename T>
__device__ void col2im_impl(const T* __restrict__ cols, T* __restrict__ out, long long channels,
                            long long batch, long long height, long long width, long long kh,
                            long long kw, long long sh, long long sw, long long top,
                            long long left, long long dh, long long dw, long long out_h,
                            long long out_w)
{
    long long total = channels * batch * height * width;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long rest = index;
        long long w = rest % width;  rest /= width;
        long long h = rest % height; rest /= height;
        long long n = rest % batch;  rest /= batch;
        long long c = rest;
        long long padded_h = h + top;
        long long padded_w = w + left;
        T sum = T(0);
        for (long long a = 0; a < kh; ++a) {
            long long from_row = padded_h - a * dh;
            if (from_row < 0 || from_row % sh != 0) continue;
            long long i = from_row / sh;
            if (i >= out_h) continue;
            for (long long b = 0; b < kw; ++b) {
                long long from_column = padded_w - b * dw;
                if (from_column < 0 || from_column % sw != 0) continue;
                long long j = from_column / sw;
                if (j >= out_w) continue;
                sum += cols[((((c * kh + a) * kw + b) * batch + n) * out_h + i) * out_w + j];
            }
        }
        out[index] = sum;
    }
}

extern "C" __global__ void col2im_f32(const float* cols, float* out, long long channels,
                                      long long batch, long long height, long long width,
                                      long long kh, long long kw, long long sh, long long sw,
                                      long long top, long long left, long long dh, long long dw,
                                      long long out_h, long long out_w)
{
    col2im_impl<float>(cols, out, channels, batch, height, width, kh, kw, sh, sw, top, left, dh,
                       dw, out_h, out_w);
}

extern "C" __global__ void col2im_f64(const double* cols, double* out, long long channels,
                                      long long batch, long long height, long long width,
                                      long long kh, long long kw, long long sh, long long sw,
                                      long long top, long long left, long long dh, long long dw,
                                      long long out_h, long long out_w)
{
    col2im_impl<double>(cols, out, channels, batch, height, width, kh, kw, sh, sw, top, left,
                        dh, dw, out_h, out_w);
}
