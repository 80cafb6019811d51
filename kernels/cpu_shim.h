// cpu_shim.h: just enough of CUDA to compile a kernel file with the host C++ compiler and run
// its launch grid serially on the CPU (the test harness in tests/kernels/ uses it; a GPU build
// never includes it).
//
// Defines the qualifiers away (__global__, __device__, __forceinline__), the launch indices
// threadIdx/blockIdx/blockDim/gridDim as thread-local globals that the generated launcher sets
// before calling the kernel once per (block, thread), the device atomics (plain adds: one
// thread runs at a time) and the bit-cast intrinsics.  Kernels that need __syncthreads or
// shared memory cannot run this way (threads of a block must run concurrently for them) and
// are deliberately left undefined here, so such a kernel fails to build in the harness
// instead of running wrongly.

#ifndef MINIGRAD_CPU_SHIM_H
#define MINIGRAD_CPU_SHIM_H

#include <math.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

struct shim_dim3 {
    unsigned int x, y, z;
};

static thread_local shim_dim3 threadIdx = {0, 0, 0};
static thread_local shim_dim3 blockIdx = {0, 0, 0};
static thread_local shim_dim3 blockDim = {1, 1, 1};
static thread_local shim_dim3 gridDim = {1, 1, 1};

template <typename T>
inline T atomicAdd(T* address, T value)
{
    T old = *address;
    *address = old + value;
    return old;
}

inline float __int_as_float(int bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

inline double __longlong_as_double(long long bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

inline float __expf(float v) { return expf(v); }
inline float __logf(float v) { return logf(v); }

// Run `call` once for every (block, thread) of a 1-D launch of `grid` blocks of `block`
// threads, in order, with the indices set as CUDA would set them.
#define SHIM_LAUNCH_1D(grid, block, call)                                   \
    do {                                                                    \
        gridDim = {(grid), 1, 1};                                           \
        blockDim = {(block), 1, 1};                                         \
        for (unsigned int shim_b = 0; shim_b < (grid); ++shim_b) {          \
            for (unsigned int shim_t = 0; shim_t < (block); ++shim_t) {     \
                blockIdx = {shim_b, 0, 0};                                  \
                threadIdx = {shim_t, 0, 0};                                 \
                call;                                                       \
            }                                                               \
        }                                                                   \
    } while (0)

#endif
