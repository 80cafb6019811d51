// embedding_backward: the gradient of a row lookup, weight[positions], scattered back into
// the table (NumPy twin: minigrad/ops/shape.py, _scatter_add_rows, used by GetItemGrad for
// embedding lookups and index_select along dim 0).
//
// Memory layout (all C-contiguous)
//   positions  (P,) int64 row numbers, negative ones counting from the end as in NumPy
//   values     (P, D) the gradient of each looked-up row
//   target     (R, D) added into: target[positions[p], d] += values[p, d]
//
// Thread mapping
//   One thread per element of values (grid-stride loop over P*D), neighbouring threads on
//   neighbouring d, so loads and stores are coalesced.  A row looked up twice receives two
//   adds from different threads, hence atomicAdd (float sums in a run-dependent order: equal to
//   the twin up to rounding).

template <typename T>
__device__ void embedding_backward_impl(const long long* __restrict__ positions,
                                        const T* __restrict__ values, T* __restrict__ target,
                                        long long picks, long long rows, long long width)
{
    long long total = picks * width;
    long long step = (long long)blockDim.x * gridDim.x;
    for (long long index = (long long)blockIdx.x * blockDim.x + threadIdx.x; index < total;
         index += step) {
        long long pick = index / width;
        long long column = index % width;
        long long row = positions[pick];
        if (row < 0) row += rows;
        atomicAdd(target + row * width + column, values[index]);
    }
}

extern "C" __global__ void embedding_backward_f32(const long long* positions, const float* values,
                                                  float* target, long long picks,
                                                  long long rows, long long width)
{
    embedding_backward_impl<float>(positions, values, target, picks, rows, width);
}

extern "C" __global__ void embedding_backward_f64(const long long* positions,
                                                  const double* values, double* target,
                                                  long long picks, long long rows,
                                                  long long width)
{
    embedding_backward_impl<double>(positions, values, target, picks, rows, width);
}
