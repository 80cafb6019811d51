// max_pool2d: window maximum with its argmax, and the backward scatter (NumPy twin:
// minigrad/ops/pool.py, MaxPool2d.forward and ScatterSpatial.forward).
//
// Memory layout
//   x        (N, C, H, W), C-contiguous.
//   y        (N, C, Ho, Wo), C-contiguous: y[n, c, i, j] = max over the window of (i, j) of
//            xpad[n, c, i*sh + a*dh, j*sw + b*dw], with xpad = x padded by -inf (top/left in
//            front; the rows/columns past the end, which ceil_mode may reach, read as -inf).
//   indices  (N, C, Ho, Wo), int64: the flat position h*W + w of the maximum inside its (H, W)
//            plane (the first one on ties, a NaN beating every number, exactly as argmax; never
//            a padding position: -1 where the window holds no input position).
//   backward: grad_y (N*C, P) and indices (N*C, P) C-contiguous, grad_x (N*C, H*W) zeroed:
//            grad_x[nc, indices[nc, k]] += grad_y[nc, k], skipping indices of -1.
//
// Thread mapping
//   forward:  one thread per output element (grid-stride loop); it scans its kh*kw window in
//             row-major order.  No shared memory, no atomics.
//   backward: one thread per element of grad_y; overlapping windows (stride < kernel) can send
//             two gradients to one input, so the adds are atomicAdd (sums of floats in an
//             order that varies between runs: equal to the twin up to rounding).

__device__ __forceinline__ float negative_infinity(float) { return -__int_as_float(0x7f800000); }
__device__ __forceinline__ double negative_infinity(double)
{
    return -__longlong_as_double(0x7ff0000000000000LL);
}

template <typename T>
__device__ void max_pool2d_forward_impl(const T* __restrict__ x, T* __restrict__ y,
                                        long long* __restrict__ indices, long long planes,
                                        long long height, long long width, long long kh,
                                        long long kw, long long sh, long long sw, long long top,
                                        long long left, long long dh, long long dw,
                                        long long out_h, long long out_w)
{
    long long total = planes * out_h * out_w;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long j = index % out_w;
        long long i = (index / out_w) % out_h;
        long long plane = index / (out_w * out_h);
        const T* source = x + plane * height * width;
        T best = negative_infinity(T(0));
        // padding positions never win: a window of -inf only goes to its first position inside
        // the input, and one that holds no input position at all keeps -1 (no gradient)
        long long best_position = -1;
        for (long long a = 0; a < kh; ++a) {
            long long row = i * sh + a * dh - top;
            for (long long b = 0; b < kw; ++b) {
                long long column = j * sw + b * dw - left;
                if (row < 0 || row >= height || column < 0 || column >= width) {
                    continue;
                }
                T value = source[row * width + column];
                bool value_is_nan = value != value;
                bool best_is_nan = best != best;
                if (value > best || (value_is_nan && !best_is_nan) || best_position < 0) {
                    best = value;
                    best_position = row * width + column;
                }
            }
        }
        y[index] = best;
        indices[index] = best_position;
    }
}

template <typename T>
__device__ void max_pool2d_backward_impl(const T* __restrict__ grad_y,
                                         const long long* __restrict__ indices,
                                         T* __restrict__ grad_x, long long planes,
                                         long long positions, long long plane_size)
{
    long long total = planes * positions;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long plane = index / positions;
        long long target = indices[index];
        if (target >= 0) {  // -1: a window with no input position sends nothing
            atomicAdd(grad_x + plane * plane_size + target, grad_y[index]);
        }
    }
}

extern "C" __global__ void max_pool2d_forward_f32(const float* x, float* y, long long* indices,
                                                  long long planes, long long height,
                                                  long long width, long long kh, long long kw,
                                                  long long sh, long long sw, long long top,
                                                  long long left, long long dh, long long dw,
                                                  long long out_h, long long out_w)
{
    max_pool2d_forward_impl<float>(x, y, indices, planes, height, width, kh, kw, sh, sw, top,
                                   left, dh, dw, out_h, out_w);
}

extern "C" __global__ void max_pool2d_forward_f64(const double* x, double* y, long long* indices,
                                                  long long planes, long long height,
                                                  long long width, long long kh, long long kw,
                                                  long long sh, long long sw, long long top,
                                                  long long left, long long dh, long long dw,
                                                  long long out_h, long long out_w)
{
    max_pool2d_forward_impl<double>(x, y, indices, planes, height, width, kh, kw, sh, sw, top,
                                    left, dh, dw, out_h, out_w);
}

extern "C" __global__ void max_pool2d_backward_f32(const float* grad_y, const long long* indices,
                                                   float* grad_x, long long planes,
                                                   long long positions, long long plane_size)
{
    max_pool2d_backward_impl<float>(grad_y, indices, grad_x, planes, positions, plane_size);
}

extern "C" __global__ void max_pool2d_backward_f64(const double* grad_y,
                                                   const long long* indices, double* grad_x,
                                                   long long planes, long long positions,
                                                   long long plane_size)
{
    max_pool2d_backward_impl<double>(grad_y, indices, grad_x, planes, positions, plane_size);
}
