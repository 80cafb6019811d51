// avg_pool2d: window sums divided by a per-output divisor, and the adjoint that spreads the
// gradient back over each window (NumPy twin: minigrad/ops/pool.py, AvgPool2d.forward and
// AvgPool2dAdjoint.forward).
//
// Memory layout
//   x, grad_x  (N, C, H, W), C-contiguous.
//   y, grad_y  (N, C, Ho, Wo), C-contiguous.
//   divisor    (Ho, Wo), C-contiguous, of the data's dtype (kh*kw, the clipped window size of
//              count_include_pad=False, or divisor_override: the caller fills it).
//   forward:   y[n, c, i, j] = (sum_{a, b} xpad[n, c, i*sh + a, j*sw + b]) / divisor[i, j]
//              (zero padding: `top` rows and `left` columns in front, zeros past the end)
//   adjoint:   grad_x[n, c, h, w] = sum over the windows (i, j) holding (h, w) of
//              grad_y[n, c, i, j] / divisor[i, j]
//
// Thread mapping
//   forward: one thread per output element, summing its window in row-major order.
//   adjoint: gather formulation, one thread per input element: for each kernel offset (a, b)
//            it finds the window (i, j) that covers it at that offset, if any
//            ((h + top - a) divisible by sh, i < Ho), and adds that window's share.
//   No atomics, no shared memory; each thread adds in the twin's order of kernel offsets.

template <typename T>
__device__ void avg_pool2d_forward_impl(const T* __restrict__ x, const T* __restrict__ divisor,
                                        T* __restrict__ y, long long planes, long long height,
                                        long long width, long long kh, long long kw,
                                        long long sh, long long sw, long long top,
                                        long long left, long long out_h, long long out_w)
{
    long long total = planes * out_h * out_w;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long j = index % out_w;
        long long i = (index / out_w) % out_h;
        long long plane = index / (out_w * out_h);
        const T* source = x + plane * height * width;
        T sum = T(0);
        for (long long a = 0; a < kh; ++a) {
            long long row = i * sh + a - top;
            if (row < 0 || row >= height) continue;
            for (long long b = 0; b < kw; ++b) {
                long long column = j * sw + b - left;
                if (column < 0 || column >= width) continue;
                sum += source[row * width + column];
            }
        }
        y[index] = sum / divisor[i * out_w + j];
    }
}

template <typename T>
__device__ void avg_pool2d_backward_impl(const T* __restrict__ grad_y,
                                         const T* __restrict__ divisor,
                                         T* __restrict__ grad_x, long long planes,
                                         long long height, long long width, long long kh,
                                         long long kw, long long sh, long long sw,
                                         long long top, long long left, long long out_h,
                                         long long out_w)
{
    long long total = planes * height * width;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long w = index % width;
        long long h = (index / width) % height;
        long long plane = index / (width * height);
        const T* source = grad_y + plane * out_h * out_w;
        T sum = T(0);
        for (long long a = 0; a < kh; ++a) {
            long long from_row = h + top - a;
            if (from_row < 0 || from_row % sh != 0) continue;
            long long i = from_row / sh;
            if (i >= out_h) continue;
            for (long long b = 0; b < kw; ++b) {
                long long from_column = w + left - b;
                if (from_column < 0 || from_column % sw != 0) continue;
                long long j = from_column / sw;
                if (j >= out_w) continue;
                sum += source[i * out_w + j] / divisor[i * out_w + j];
            }
        }
        grad_x[index] = sum;
    }
}

extern "C" __global__ void avg_pool2d_forward_f32(const float* x, const float* divisor, float* y,
                                                  long long planes, long long height,
                                                  long long width, long long kh, long long kw,
                                                  long long sh, long long sw, long long top,
                                                  long long left, long long out_h,
                                                  long long out_w)
{
    avg_pool2d_forward_impl<float>(x, divisor, y, planes, height, width, kh, kw, sh, sw, top,
                                   left, out_h, out_w);
}

extern "C" __global__ void avg_pool2d_forward_f64(const double* x, const double* divisor,
                                                  double* y, long long planes, long long height,
                                                  long long width, long long kh, long long kw,
                                                  long long sh, long long sw, long long top,
                                                  long long left, long long out_h,
                                                  long long out_w)
{
    avg_pool2d_forward_impl<double>(x, divisor, y, planes, height, width, kh, kw, sh, sw, top,
                                    left, out_h, out_w);
}

extern "C" __global__ void avg_pool2d_backward_f32(const float* grad_y, const float* divisor,
                                                   float* grad_x, long long planes,
                                                   long long height, long long width,
                                                   long long kh, long long kw, long long sh,
                                                   long long sw, long long top, long long left,
                                                   long long out_h, long long out_w)
{
    avg_pool2d_backward_impl<float>(grad_y, divisor, grad_x, planes, height, width, kh, kw, sh,
                                    sw, top, left, out_h, out_w);
}

extern "C" __global__ void avg_pool2d_backward_f64(const double* grad_y, const double* divisor,
                                                   double* grad_x, long long planes,
                                                   long long height, long long width,
                                                   long long kh, long long kw, long long sh,
                                                   long long sw, long long top, long long left,
                                                   long long out_h, long long out_w)
{
    avg_pool2d_backward_impl<double>(grad_y, divisor, grad_x, planes, height, width, kh, kw, sh,
                                     sw, top, left, out_h, out_w);
}
