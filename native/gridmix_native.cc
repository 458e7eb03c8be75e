// gridmix's native CPU kernels: oneDNN primitives (2.x or 3.x) that read and write the tfjs wasm
// backend's heap in place. JavaScript passes the heap's ArrayBuffer, byte offsets of each tensor in
// it and the geometry; nothing is copied between JS and native memory. Tensors are NHWC and
// filters [kh, kw, Cin / groups, Cout], as tfjs lays them out; oneDNN takes them through memory
// descriptors with those strides, so only the (small) filters are ever reordered.
//
// Primitives, their descriptors and the filter buffers are cached per geometry and per thread (each
// worker thread of training.workers has its own); one grow-only scratchpad per thread serves every
// primitive. Fresh memory costs page faults on every first touch, so
// nothing large is allocated per call.
//
// One source for oneDNN 2.x (2.3 and later) and 3.x: the kernels use what both APIs share (memory
// descriptors, execution arguments, primitives); only the creation of primitive descriptors
// differs, and it lives in one section below ("primitive descriptors"), chosen by DNNL_VERSION_MAJOR.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

// Debian, Ubuntu, Fedora and Homebrew install the headers under oneapi/dnnl/; older layouts put
// dnnl.hpp at the top of the include folder, and the build script then says so (rather than
// __has_include, which could find another oneDNN's oneapi/dnnl/ on the compiler's default path).
#ifdef GRIDMIX_DNNL_FLAT_HEADERS
#include "dnnl.hpp"
#else
#include "oneapi/dnnl/dnnl.hpp"
#endif

#if DNNL_VERSION_MAJOR < 2 || (DNNL_VERSION_MAJOR == 2 && DNNL_VERSION_MINOR < 3)
#error "gridmix's native kernels need oneDNN 2.3 or later (batch normalization with separate scale and shift)"
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &cpuStream() {
  thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

dnnl::primitive_attr userScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// One scratchpad for all primitives of a thread: calls run one at a time on each JS thread.
memory scratchpadFor(const memory::desc &desc) {
  thread_local std::vector<uint8_t> buffer;
  size_t size = desc.get_size();
  if (buffer.size() < size) buffer.resize(size);
  return memory(desc, cpuEngine(), buffer.data());
}

// ---- arguments from JavaScript -------------------------------------------------------------

struct Args {
  uint8_t *heap = nullptr;
  size_t heapBytes = 0;
  std::vector<uint32_t> offsets;
  std::vector<int32_t> dims;
  double scalar = 0;
};

bool readArgs(napi_env env, napi_callback_info info, Args &out, size_t needOffsets, size_t needDims) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) {
    napi_throw_type_error(env, nullptr, "expected (heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array[, scalar])");
    return false;
  }
  void *data = nullptr;
  bool isArrayBuffer = false;
  napi_is_arraybuffer(env, argv[0], &isArrayBuffer);
  if (!isArrayBuffer || napi_get_arraybuffer_info(env, argv[0], &data, &out.heapBytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "argument 0 must be the wasm heap's ArrayBuffer");
    return false;
  }
  out.heap = static_cast<uint8_t *>(data);
  for (int which = 1; which <= 2; ++which) {
    napi_typedarray_type type;
    size_t length;
    void *values;
    if (napi_get_typedarray_info(env, argv[which], &type, &length, &values, nullptr, nullptr) != napi_ok) {
      napi_throw_type_error(env, nullptr, "offsets and dims must be typed arrays");
      return false;
    }
    if (which == 1 && type == napi_uint32_array) {
      out.offsets.assign(static_cast<uint32_t *>(values), static_cast<uint32_t *>(values) + length);
    } else if (which == 2 && type == napi_int32_array) {
      out.dims.assign(static_cast<int32_t *>(values), static_cast<int32_t *>(values) + length);
    } else {
      napi_throw_type_error(env, nullptr, "offsets must be a Uint32Array and dims an Int32Array");
      return false;
    }
  }
  if (out.offsets.size() != needOffsets || out.dims.size() != needDims) {
    std::string message = "expected " + std::to_string(needOffsets) + " offsets and " + std::to_string(needDims) +
                          " dims, got " + std::to_string(out.offsets.size()) + " and " + std::to_string(out.dims.size());
    napi_throw_range_error(env, nullptr, message.c_str());
    return false;
  }
  if (argc >= 4) napi_get_value_double(env, argv[3], &out.scalar);
  return true;
}

// For the queries that take only a geometry: (dims: Int32Array[, scalar]).
bool readDims(napi_env env, napi_callback_info info, Args &out, size_t needDims) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_typedarray_type type;
  size_t length = 0;
  void *values = nullptr;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &values, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || length != needDims) {
    std::string message = "expected " + std::to_string(needDims) + " dims as an Int32Array";
    napi_throw_type_error(env, nullptr, message.c_str());
    return false;
  }
  out.dims.assign(static_cast<int32_t *>(values), static_cast<int32_t *>(values) + length);
  if (argc >= 2) napi_get_value_double(env, argv[1], &out.scalar);
  return true;
}

napi_value numberValue(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

// Pointer to `bytes` bytes at `offset` in the heap, or null (and a JS error) if out of bounds.
float *at(napi_env env, const Args &args, size_t which, size_t bytes) {
  size_t offset = args.offsets[which];
  if (offset + bytes > args.heapBytes) {
    napi_throw_range_error(env, nullptr, "tensor lies outside the wasm heap");
    return nullptr;
  }
  return reinterpret_cast<float *>(args.heap + offset);
}

std::string keyOf(const char *name, const std::vector<int32_t> &dims) {
  std::string key(name);
  for (int32_t d : dims) key += "," + std::to_string(d);
  return key;
}

// Primitives are built once per geometry (and per thread): `make` runs on the first call with a key.
template <typename T, typename Key, typename Make>
T &cached(std::map<Key, std::unique_ptr<T>> &cache, const Key &key, Make make) {
  auto &slot = cache[key];
  if (!slot) slot = make();
  return *slot;
}

// A forward primitive and its backward, which oneDNN builds with the forward's descriptor as a hint.
template <typename Forward, typename Backward>
struct PrimitivePair {
  typename Forward::primitive_desc forwardPd;
  Forward forward;
  typename Backward::primitive_desc backwardPd;
  Backward backward;
  template <typename MakeBackward>
  PrimitivePair(typename Forward::primitive_desc forwardDesc, MakeBackward makeBackward)
      : forwardPd(std::move(forwardDesc)), forward(forwardPd), backwardPd(makeBackward(forwardPd)), backward(backwardPd) {}
};

// An NHWC activation of logical size B x C x H x W.
memory::desc nhwc(memory::dim b, memory::dim c, memory::dim h, memory::dim w) { return memory::desc({b, c, h, w}, dt::f32, tag::nhwc); }

// ---- primitive descriptors: the one place where oneDNN 2.x and 3.x differ -------------------------
// oneDNN 3.0 removed the operation descriptors (convolution_forward::desc and friends): a primitive
// descriptor is built straight from the engine and the operation's parameters, with the attributes
// last, where 2.x builds an operation descriptor first and takes the attributes before the engine.
// 3.x also gave pooling a dilation, batch normalization separate source and destination
// descriptors, and dropped the scale of an eltwise post-op. Every primitive of the kernels below is
// created through these functions. A null `bias` means none. Training primitives use the
// thread's scratchpad (userScratchpad); inference batch norm and matmul keep the library's own.
using ConvForwardPd = dnnl::convolution_forward::primitive_desc;
using ConvDataPd = dnnl::convolution_backward_data::primitive_desc;
using ConvWeightsPd = dnnl::convolution_backward_weights::primitive_desc;
using NormForwardPd = dnnl::batch_normalization_forward::primitive_desc;
using NormBackwardPd = dnnl::batch_normalization_backward::primitive_desc;
using ReluForwardPd = dnnl::eltwise_forward::primitive_desc;
using ReluBackwardPd = dnnl::eltwise_backward::primitive_desc;
using PoolForwardPd = dnnl::pooling_forward::primitive_desc;
using PoolBackwardPd = dnnl::pooling_backward::primitive_desc;

// The convolutions' shared parameters.
struct ConvWindow {
  memory::dims strides, dilation, padBefore, padAfter;
};
// The poolings' shared parameters.
struct PoolWindow {
  memory::dims strides, kernel, padBefore, padAfter;
};

constexpr auto kTraining = dnnl::prop_kind::forward_training;
constexpr auto kDirect = dnnl::algorithm::convolution_direct;
constexpr auto kRelu = dnnl::algorithm::eltwise_relu;

#if DNNL_VERSION_MAJOR >= 3

ConvForwardPd convForwardPd(const memory::desc &src, const memory::desc &weights, const memory::desc *bias, const memory::desc &dst,
                            const ConvWindow &c) {
  if (bias) return {cpuEngine(), kTraining, kDirect, src, weights, *bias, dst, c.strides, c.dilation, c.padBefore, c.padAfter, userScratchpad()};
  return {cpuEngine(), kTraining, kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter, userScratchpad()};
}

ConvDataPd convDataPd(const memory::desc &src, const memory::desc &weights, const memory::desc &dst, const ConvWindow &c,
                      const ConvForwardPd &hint) {
  return {cpuEngine(), kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter, hint, userScratchpad()};
}

ConvWeightsPd convWeightsPd(const memory::desc &src, const memory::desc &weights, const memory::desc *bias, const memory::desc &dst,
                            const ConvWindow &c, const ConvForwardPd &hint) {
  if (bias) return {cpuEngine(), kDirect, src, weights, *bias, dst, c.strides, c.dilation, c.padBefore, c.padAfter, hint, userScratchpad()};
  return {cpuEngine(), kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter, hint, userScratchpad()};
}

NormForwardPd normForwardPd(dnnl::prop_kind prop, const memory::desc &data, float epsilon, dnnl::normalization_flags flags,
                            const dnnl::primitive_attr &attr) {
  return {cpuEngine(), prop, data, data, epsilon, flags, attr};
}

NormBackwardPd normBackwardPd(const memory::desc &data, float epsilon, dnnl::normalization_flags flags, const NormForwardPd &hint) {
  return {cpuEngine(), dnnl::prop_kind::backward, data, data, data, epsilon, flags, hint, userScratchpad()};
}

ReluForwardPd reluForwardPd(const memory::desc &data) { return {cpuEngine(), kTraining, kRelu, data, data, 0.f, 0.f, userScratchpad()}; }

ReluBackwardPd reluBackwardPd(const memory::desc &data, const ReluForwardPd &hint) {
  return {cpuEngine(), kRelu, data, data, data, 0.f, 0.f, hint, userScratchpad()};
}

dnnl::binary::primitive_desc addPd(const memory::desc &data, const dnnl::primitive_attr &attr) {
  return {cpuEngine(), dnnl::algorithm::binary_add, data, data, data, attr};
}

void appendRelu(dnnl::post_ops &ops) { ops.append_eltwise(kRelu, 0.f, 0.f); }

// 3.x checks the number of inputs of a batch-norm backward exactly: the shift, which the gradient
// never reads, must not be passed.
constexpr bool kNormBackwardTakesShift = false;

PoolForwardPd poolForwardPd(dnnl::algorithm algorithm, const memory::desc &src, const memory::desc &dst, const PoolWindow &p) {
  return {cpuEngine(), kTraining, algorithm, src, dst, p.strides, p.kernel, memory::dims{0, 0}, p.padBefore, p.padAfter, userScratchpad()};
}

PoolBackwardPd poolBackwardPd(dnnl::algorithm algorithm, const memory::desc &src, const memory::desc &dst, const PoolWindow &p,
                              const PoolForwardPd &hint) {
  return {cpuEngine(), algorithm, src, dst, p.strides, p.kernel, memory::dims{0, 0}, p.padBefore, p.padAfter, hint, userScratchpad()};
}

dnnl::matmul::primitive_desc matmulPd(const memory::desc &a, const memory::desc &b, const memory::desc *bias, const memory::desc &y) {
  if (bias) return {cpuEngine(), a, b, *bias, y};
  return {cpuEngine(), a, b, y};
}

#else  // oneDNN 2.x: an operation descriptor, then the primitive descriptor

ConvForwardPd convForwardPd(const memory::desc &src, const memory::desc &weights, const memory::desc *bias, const memory::desc &dst,
                            const ConvWindow &c) {
  auto desc = bias ? dnnl::convolution_forward::desc(kTraining, kDirect, src, weights, *bias, dst, c.strides, c.dilation, c.padBefore, c.padAfter)
                   : dnnl::convolution_forward::desc(kTraining, kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter);
  return {desc, userScratchpad(), cpuEngine()};
}

ConvDataPd convDataPd(const memory::desc &src, const memory::desc &weights, const memory::desc &dst, const ConvWindow &c,
                      const ConvForwardPd &hint) {
  dnnl::convolution_backward_data::desc desc(kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter);
  return {desc, userScratchpad(), cpuEngine(), hint};
}

ConvWeightsPd convWeightsPd(const memory::desc &src, const memory::desc &weights, const memory::desc *bias, const memory::desc &dst,
                            const ConvWindow &c, const ConvForwardPd &hint) {
  auto desc = bias ? dnnl::convolution_backward_weights::desc(kDirect, src, weights, *bias, dst, c.strides, c.dilation, c.padBefore, c.padAfter)
                   : dnnl::convolution_backward_weights::desc(kDirect, src, weights, dst, c.strides, c.dilation, c.padBefore, c.padAfter);
  return {desc, userScratchpad(), cpuEngine(), hint};
}

NormForwardPd normForwardPd(dnnl::prop_kind prop, const memory::desc &data, float epsilon, dnnl::normalization_flags flags,
                            const dnnl::primitive_attr &attr) {
  return {dnnl::batch_normalization_forward::desc(prop, data, epsilon, flags), attr, cpuEngine()};
}

NormBackwardPd normBackwardPd(const memory::desc &data, float epsilon, dnnl::normalization_flags flags, const NormForwardPd &hint) {
  return {dnnl::batch_normalization_backward::desc(dnnl::prop_kind::backward, data, data, epsilon, flags), userScratchpad(), cpuEngine(), hint};
}

ReluForwardPd reluForwardPd(const memory::desc &data) {
  return {dnnl::eltwise_forward::desc(kTraining, kRelu, data, 0.f, 0.f), userScratchpad(), cpuEngine()};
}

ReluBackwardPd reluBackwardPd(const memory::desc &data, const ReluForwardPd &hint) {
  return {dnnl::eltwise_backward::desc(kRelu, data, data, 0.f, 0.f), userScratchpad(), cpuEngine(), hint};
}

dnnl::binary::primitive_desc addPd(const memory::desc &data, const dnnl::primitive_attr &attr) {
  return {dnnl::binary::desc(dnnl::algorithm::binary_add, data, data, data), attr, cpuEngine()};
}

void appendRelu(dnnl::post_ops &ops) { ops.append_eltwise(1.f, kRelu, 0.f, 0.f); }

// 2.x (2.6 at least) counts the shift among a batch-norm backward's inputs though the gradient never
// reads it.
constexpr bool kNormBackwardTakesShift = true;

PoolForwardPd poolForwardPd(dnnl::algorithm algorithm, const memory::desc &src, const memory::desc &dst, const PoolWindow &p) {
  return {dnnl::pooling_forward::desc(kTraining, algorithm, src, dst, p.strides, p.kernel, p.padBefore, p.padAfter), userScratchpad(),
          cpuEngine()};
}

PoolBackwardPd poolBackwardPd(dnnl::algorithm algorithm, const memory::desc &src, const memory::desc &dst, const PoolWindow &p,
                              const PoolForwardPd &hint) {
  return {dnnl::pooling_backward::desc(algorithm, src, dst, p.strides, p.kernel, p.padBefore, p.padAfter), userScratchpad(), cpuEngine(),
          hint};
}

dnnl::matmul::primitive_desc matmulPd(const memory::desc &a, const memory::desc &b, const memory::desc *bias, const memory::desc &y) {
  return {bias ? dnnl::matmul::desc(a, b, *bias, y) : dnnl::matmul::desc(a, b, y), cpuEngine()};
}

#endif

// Runs `body`, turning a oneDNN or C++ exception into a JS error.
template <typename Body>
napi_value guarded(napi_env env, const char *name, Body body) {
  try {
    body();
  } catch (const dnnl::error &e) {
    std::string message = std::string(name) + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) + ": " + e.what();
    napi_throw_error(env, nullptr, message.c_str());
  } catch (const std::exception &e) {
    std::string message = std::string(name) + ": " + e.what();
    napi_throw_error(env, nullptr, message.c_str());
  }
  return nullptr;
}

// ---- convolution -----------------------------------------------------------------------------

// dims: B, H, W, Cin, Ho, Wo, Cout, kh, kw, groups, strideH, strideW, padTop, padLeft, padBottom,
// padRight, dilationH, dilationW (1 = dense), bias (1: a per-output-channel bias is added in the
// forward pass and its gradient computed with the filter's).
constexpr size_t kConvDims = 19;

struct ConvGeometry {
  memory::dim b, h, w, cin, ho, wo, cout, kh, kw, groups, sh, sw, pt, pl, pb, pr, dh, dw;
  bool hasBias;
  explicit ConvGeometry(const std::vector<int32_t> &d)
      : b(d[0]), h(d[1]), w(d[2]), cin(d[3]), ho(d[4]), wo(d[5]), cout(d[6]), kh(d[7]), kw(d[8]), groups(d[9]),
        sh(d[10]), sw(d[11]), pt(d[12]), pl(d[13]), pb(d[14]), pr(d[15]), dh(d[16]), dw(d[17]), hasBias(d[18] != 0) {}
  memory::desc bias() const { return memory::desc({cout}, dt::f32, tag::x); }
  size_t biasBytes() const { return hasBias ? 4 * cout : 0; }
  memory::desc src() const { return nhwc(b, cin, h, w); }
  memory::desc dst() const { return nhwc(b, cout, ho, wo); }
  // The filter as tfjs stores it, [kh, kw, Cin / groups, Cout], described through strides.
  memory::desc userWeights() const {
    memory::dim icg = cin / groups, ocg = cout / groups;
    memory::dim sI = cout, sW = icg * cout, sH = kw * icg * cout;
    if (groups == 1) return memory::desc({cout, cin, kh, kw}, dt::f32, memory::dims{1, sI, sH, sW});
    return memory::desc({groups, ocg, icg, kh, kw}, dt::f32, memory::dims{ocg, 1, sI, sH, sW});
  }
  memory::desc anyWeights() const {
    memory::dim icg = cin / groups, ocg = cout / groups;
    if (groups == 1) return memory::desc({cout, cin, kh, kw}, dt::f32, tag::any);
    return memory::desc({groups, ocg, icg, kh, kw}, dt::f32, tag::any);
  }
  // oneDNN counts dilation from 0 (dense), tfjs from 1.
  ConvWindow window() const { return {{sh, sw}, {dh - 1, dw - 1}, {pt, pl}, {pb, pr}}; }
  size_t srcBytes() const { return 4 * b * h * w * cin; }
  size_t dstBytes() const { return 4 * b * ho * wo * cout; }
  size_t weightBytes() const { return 4 * kh * kw * (cin / groups) * cout; }
};

struct ConvPrimitives {
  dnnl::convolution_forward::primitive_desc forwardPd;
  dnnl::convolution_forward forward;
  memory forwardWeights;  // the filter in the forward primitive's layout, if that is not tfjs's
  std::unique_ptr<dnnl::convolution_backward_data::primitive_desc> dataPd;
  dnnl::convolution_backward_data backwardData;
  memory dataWeights;
  std::unique_ptr<dnnl::convolution_backward_weights::primitive_desc> weightsPd;
  dnnl::convolution_backward_weights backwardWeights;
  memory gradWeights;
};

thread_local std::map<std::string, std::unique_ptr<ConvPrimitives>> convCache;

ConvPrimitives &convFor(const std::vector<int32_t> &dims) {
  return cached(convCache, keyOf("conv", dims), [&] {
    ConvGeometry g(dims);
    auto prims = std::make_unique<ConvPrimitives>();
    memory::desc bias = g.bias();
    prims->forwardPd = convForwardPd(g.src(), g.anyWeights(), g.hasBias ? &bias : nullptr, g.dst(), g.window());
    prims->forward = dnnl::convolution_forward(prims->forwardPd);
    if (prims->forwardPd.weights_desc() != g.userWeights()) prims->forwardWeights = memory(prims->forwardPd.weights_desc(), cpuEngine());
    return prims;
  });
}

void ensureBackwardData(ConvPrimitives &p, const ConvGeometry &g) {
  if (p.dataPd) return;
  p.dataPd = std::make_unique<ConvDataPd>(convDataPd(g.src(), g.anyWeights(), g.dst(), g.window(), p.forwardPd));
  p.backwardData = dnnl::convolution_backward_data(*p.dataPd);
  if (p.dataPd->weights_desc() != g.userWeights()) p.dataWeights = memory(p.dataPd->weights_desc(), cpuEngine());
}

void ensureBackwardWeights(ConvPrimitives &p, const ConvGeometry &g) {
  if (p.weightsPd) return;
  memory::desc bias = g.bias();
  p.weightsPd = std::make_unique<ConvWeightsPd>(convWeightsPd(g.src(), g.anyWeights(), g.hasBias ? &bias : nullptr, g.dst(), g.window(), p.forwardPd));
  p.backwardWeights = dnnl::convolution_backward_weights(*p.weightsPd);
  if (p.weightsPd->diff_weights_desc() != g.userWeights()) p.gradWeights = memory(p.weightsPd->diff_weights_desc(), cpuEngine());
}

// The filter in the layout a primitive wants: the user's memory itself, or `cached` after a reorder.
memory filterFor(const memory &user, memory &cached) {
  if (!cached) return user;
  dnnl::reorder(user, cached).execute(cpuStream(), const_cast<memory &>(user), cached);
  return cached;
}

// offsets: x, filter, bias (read only with a bias), y
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 4, kConvDims)) return nullptr;
  return guarded(env, "conv2d", [&] {
    ConvGeometry g(args.dims);
    float *x = at(env, args, 0, g.srcBytes()), *w = at(env, args, 1, g.weightBytes()), *bias = at(env, args, 2, g.biasBytes());
    float *y = at(env, args, 3, g.dstBytes());
    if (!x || !w || !bias || !y) return;
    ConvPrimitives &p = convFor(args.dims);
    auto &engine = cpuEngine();
    memory userW(g.userWeights(), engine, w);
    std::unordered_map<int, memory> execArgs{{DNNL_ARG_SRC, memory(g.src(), engine, x)},
                                             {DNNL_ARG_WEIGHTS, filterFor(userW, p.forwardWeights)},
                                             {DNNL_ARG_DST, memory(g.dst(), engine, y)},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.forwardPd.scratchpad_desc())}};
    if (g.hasBias) execArgs.insert({DNNL_ARG_BIAS, memory(g.bias(), engine, bias)});
    p.forward.execute(cpuStream(), execArgs);
    cpuStream().wait();
  });
}

// offsets: dy, filter, dx
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 3, kConvDims)) return nullptr;
  return guarded(env, "conv2dBackpropInput", [&] {
    ConvGeometry g(args.dims);
    float *dy = at(env, args, 0, g.dstBytes()), *w = at(env, args, 1, g.weightBytes()), *dx = at(env, args, 2, g.srcBytes());
    if (!dy || !w || !dx) return;
    ConvPrimitives &p = convFor(args.dims);
    ensureBackwardData(p, g);
    auto &engine = cpuEngine();
    memory userW(g.userWeights(), engine, w);
    p.backwardData.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, memory(g.dst(), engine, dy)},
                                         {DNNL_ARG_WEIGHTS, filterFor(userW, p.dataWeights)},
                                         {DNNL_ARG_DIFF_SRC, memory(g.src(), engine, dx)},
                                         {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.dataPd->scratchpad_desc())}});
    cpuStream().wait();
  });
}

// offsets: x, dy, dw, dbias (written only with a bias)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 4, kConvDims)) return nullptr;
  return guarded(env, "conv2dBackpropFilter", [&] {
    ConvGeometry g(args.dims);
    float *x = at(env, args, 0, g.srcBytes()), *dy = at(env, args, 1, g.dstBytes()), *dw = at(env, args, 2, g.weightBytes());
    float *dbias = at(env, args, 3, g.biasBytes());
    if (!x || !dy || !dw || !dbias) return;
    ConvPrimitives &p = convFor(args.dims);
    ensureBackwardWeights(p, g);
    auto &engine = cpuEngine();
    memory userDw(g.userWeights(), engine, dw);
    memory target = p.gradWeights ? p.gradWeights : userDw;
    std::unordered_map<int, memory> execArgs{{DNNL_ARG_SRC, memory(g.src(), engine, x)},
                                             {DNNL_ARG_DIFF_DST, memory(g.dst(), engine, dy)},
                                             {DNNL_ARG_DIFF_WEIGHTS, target},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.weightsPd->scratchpad_desc())}};
    if (g.hasBias) execArgs.insert({DNNL_ARG_DIFF_BIAS, memory(g.bias(), engine, dbias)});
    p.backwardWeights.execute(cpuStream(), execArgs);
    if (p.gradWeights) dnnl::reorder(p.gradWeights, userDw).execute(cpuStream(), p.gradWeights, userDw);
    cpuStream().wait();
  });
}

// ---- batch normalization (training statistics) ----------------------------------------------

// dims: B, H, W, C, relu (1: a ReLU fused after the affine, with a workspace recording where it
// passed; the backward pass then takes the gradient of the ReLU's output). scalar: epsilon.
using NormPrimitives = PrimitivePair<dnnl::batch_normalization_forward, dnnl::batch_normalization_backward>;

thread_local std::map<std::string, std::unique_ptr<NormPrimitives>> normCache;

memory::desc activation(const std::vector<int32_t> &d) { return nhwc(d[0], d[3], d[1], d[2]); }
memory::desc channels(const std::vector<int32_t> &d) { return memory::desc({d[3]}, dt::f32, tag::x); }

// Epsilon's exact bits for a cache key: std::to_string keeps 6 decimals, so 1e-7 and 1e-9 would share
// a primitive.
std::string epsilonKey(float epsilon) {
  uint32_t bits;
  std::memcpy(&bits, &epsilon, sizeof bits);
  return "," + std::to_string(bits);
}

NormPrimitives &normFor(const std::vector<int32_t> &dims, float epsilon) {
  return cached(normCache, keyOf("bn", dims) + epsilonKey(epsilon), [&] {
    auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    if (dims[4]) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
    memory::desc data = activation(dims);
    return std::make_unique<NormPrimitives>(normForwardPd(kTraining, data, epsilon, flags, userScratchpad()),
                                            [&](const NormForwardPd &hint) { return normBackwardPd(data, epsilon, flags, hint); });
  });
}

// offsets: x, gamma, beta, y, mean, variance (population variance, as used to normalize), workspace
// (read only with relu; any offset otherwise)
napi_value BatchNormTrain(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 7, 5)) return nullptr;
  return guarded(env, "batchNormTrain", [&] {
    const auto &d = args.dims;
    NormPrimitives &p = normFor(d, static_cast<float>(args.scalar));
    size_t dataBytes = 4ul * d[0] * d[1] * d[2] * d[3], channelBytes = 4ul * d[3];
    auto wsDesc = p.forwardPd.workspace_desc();
    float *x = at(env, args, 0, dataBytes), *gamma = at(env, args, 1, channelBytes), *beta = at(env, args, 2, channelBytes);
    float *y = at(env, args, 3, dataBytes), *mean = at(env, args, 4, channelBytes), *variance = at(env, args, 5, channelBytes);
    float *ws = at(env, args, 6, wsDesc.get_size());
    if (!x || !gamma || !beta || !y || !mean || !variance || !ws) return;
    auto &engine = cpuEngine();
    std::unordered_map<int, memory> execArgs{{DNNL_ARG_SRC, memory(activation(d), engine, x)},
                                             {DNNL_ARG_SCALE, memory(channels(d), engine, gamma)},
                                             {DNNL_ARG_SHIFT, memory(channels(d), engine, beta)},
                                             {DNNL_ARG_DST, memory(activation(d), engine, y)},
                                             {DNNL_ARG_MEAN, memory(channels(d), engine, mean)},
                                             {DNNL_ARG_VARIANCE, memory(channels(d), engine, variance)},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.forwardPd.scratchpad_desc())}};
    if (d[4]) execArgs.insert({DNNL_ARG_WORKSPACE, memory(wsDesc, engine, ws)});
    p.forward.execute(cpuStream(), execArgs);
    cpuStream().wait();
  });
}

// offsets: dy, x, gamma, mean, variance, workspace (as for BatchNormTrain), dx, dgamma, dbeta
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 9, 5)) return nullptr;
  return guarded(env, "batchNormGrad", [&] {
    const auto &d = args.dims;
    NormPrimitives &p = normFor(d, static_cast<float>(args.scalar));
    size_t dataBytes = 4ul * d[0] * d[1] * d[2] * d[3], channelBytes = 4ul * d[3];
    auto wsDesc = p.forwardPd.workspace_desc();
    float *dy = at(env, args, 0, dataBytes), *x = at(env, args, 1, dataBytes), *gamma = at(env, args, 2, channelBytes);
    float *mean = at(env, args, 3, channelBytes), *variance = at(env, args, 4, channelBytes), *ws = at(env, args, 5, wsDesc.get_size());
    float *dx = at(env, args, 6, dataBytes), *dgamma = at(env, args, 7, channelBytes), *dbeta = at(env, args, 8, channelBytes);
    if (!dy || !x || !gamma || !mean || !variance || !ws || !dx || !dgamma || !dbeta) return;
    auto &engine = cpuEngine();
    std::unordered_map<int, memory> execArgs{{DNNL_ARG_SRC, memory(activation(d), engine, x)},
                                             {DNNL_ARG_DIFF_DST, memory(activation(d), engine, dy)},
                                             {DNNL_ARG_MEAN, memory(channels(d), engine, mean)},
                                             {DNNL_ARG_VARIANCE, memory(channels(d), engine, variance)},
                                             {DNNL_ARG_SCALE, memory(channels(d), engine, gamma)},
                                             {DNNL_ARG_DIFF_SRC, memory(activation(d), engine, dx)},
                                             {DNNL_ARG_DIFF_SCALE, memory(channels(d), engine, dgamma)},
                                             {DNNL_ARG_DIFF_SHIFT, memory(channels(d), engine, dbeta)},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.backwardPd.scratchpad_desc())}};
    if (d[4]) execArgs.insert({DNNL_ARG_WORKSPACE, memory(wsDesc, engine, ws)});
    // Where oneDNN wants the unread shift (kNormBackwardTakesShift), gamma stands in for it.
    if (kNormBackwardTakesShift) execArgs.insert({DNNL_ARG_SHIFT, memory(channels(d), engine, gamma)});
    p.backward.execute(cpuStream(), execArgs);
    cpuStream().wait();
  });
}

// Bytes of the workspace a batch-norm geometry needs (0 without the fused ReLU).
napi_value BatchNormWorkspaceBytes(napi_env env, napi_callback_info info) {
  Args args;
  if (!readDims(env, info, args, 5)) return nullptr;
  double bytes = -1;
  guarded(env, "batchNormWorkspaceBytes", [&] {
    bytes = static_cast<double>(normFor(args.dims, static_cast<float>(args.scalar)).forwardPd.workspace_desc().get_size());
  });
  return bytes < 0 ? nullptr : numberValue(env, bytes);
}

// ---- batch normalization (running statistics: evaluation) ------------------------------------

thread_local std::map<std::string, std::unique_ptr<dnnl::batch_normalization_forward>> inferenceNormCache;

// dims: B, H, W, C, relu (1: a ReLU fused after the affine); scalar: epsilon.
dnnl::batch_normalization_forward &inferenceNormFor(const std::vector<int32_t> &dims, float epsilon) {
  return cached(inferenceNormCache, keyOf("bninfer", dims) + epsilonKey(epsilon), [&] {
    auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                 dnnl::normalization_flags::use_shift;
    if (dims[4]) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
    // Inference needs no scratchpad worth managing: the library's own is fine for this primitive.
    return std::make_unique<dnnl::batch_normalization_forward>(
        normForwardPd(dnnl::prop_kind::forward_inference, activation(dims), epsilon, flags, dnnl::primitive_attr()));
  });
}

// offsets: x, gamma, beta, mean, variance, y
napi_value BatchNormInfer(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 6, 5)) return nullptr;
  return guarded(env, "batchNormInfer", [&] {
    const auto &d = args.dims;
    size_t dataBytes = 4ul * d[0] * d[1] * d[2] * d[3], channelBytes = 4ul * d[3];
    float *x = at(env, args, 0, dataBytes), *gamma = at(env, args, 1, channelBytes), *beta = at(env, args, 2, channelBytes);
    float *mean = at(env, args, 3, channelBytes), *variance = at(env, args, 4, channelBytes), *y = at(env, args, 5, dataBytes);
    if (!x || !gamma || !beta || !mean || !variance || !y) return;
    auto &primitive = inferenceNormFor(d, static_cast<float>(args.scalar));
    auto &engine = cpuEngine();
    primitive.execute(cpuStream(), {{DNNL_ARG_SRC, memory(activation(d), engine, x)},
                                    {DNNL_ARG_SCALE, memory(channels(d), engine, gamma)},
                                    {DNNL_ARG_SHIFT, memory(channels(d), engine, beta)},
                                    {DNNL_ARG_MEAN, memory(channels(d), engine, mean)},
                                    {DNNL_ARG_VARIANCE, memory(channels(d), engine, variance)},
                                    {DNNL_ARG_DST, memory(activation(d), engine, y)}});
    cpuStream().wait();
  });
}

// ---- ReLU ---------------------------------------------------------------------------------------

// dims: element count
using ReluPrimitives = PrimitivePair<dnnl::eltwise_forward, dnnl::eltwise_backward>;

thread_local std::map<int32_t, std::unique_ptr<ReluPrimitives>> reluCache;

memory::desc flat(int32_t n) { return memory::desc({n}, dt::f32, tag::a); }

ReluPrimitives &reluFor(int32_t n) {
  return cached(reluCache, n, [&] {
    return std::make_unique<ReluPrimitives>(reluForwardPd(flat(n)), [&](const ReluForwardPd &hint) { return reluBackwardPd(flat(n), hint); });
  });
}

// offsets: x, y
napi_value Relu(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 2, 1)) return nullptr;
  return guarded(env, "relu", [&] {
    int32_t n = args.dims[0];
    float *x = at(env, args, 0, 4ul * n), *y = at(env, args, 1, 4ul * n);
    if (!x || !y) return;
    ReluPrimitives &p = reluFor(n);
    auto &engine = cpuEngine();
    p.forward.execute(cpuStream(), {{DNNL_ARG_SRC, memory(flat(n), engine, x)},
                                    {DNNL_ARG_DST, memory(flat(n), engine, y)},
                                    {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.forwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// offsets: dy, x, dx
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 3, 1)) return nullptr;
  return guarded(env, "reluGrad", [&] {
    int32_t n = args.dims[0];
    float *dy = at(env, args, 0, 4ul * n), *x = at(env, args, 1, 4ul * n), *dx = at(env, args, 2, 4ul * n);
    if (!dy || !x || !dx) return;
    ReluPrimitives &p = reluFor(n);
    auto &engine = cpuEngine();
    p.backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, memory(flat(n), engine, dy)},
                                     {DNNL_ARG_SRC, memory(flat(n), engine, x)},
                                     {DNNL_ARG_DIFF_SRC, memory(flat(n), engine, dx)},
                                     {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.backwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// ---- element-wise add (residual connections, gradient accumulation) -----------------------------

// dims: element count, relu (1: a ReLU on the sum, as a residual block ends)
thread_local std::map<std::string, std::unique_ptr<dnnl::binary>> addCache;

dnnl::binary &addFor(const std::vector<int32_t> &d) {
  return cached(addCache, keyOf("add", d), [&] {
    dnnl::primitive_attr attr;
    if (d[1]) {
      dnnl::post_ops ops;
      appendRelu(ops);
      attr.set_post_ops(ops);
    }
    return std::make_unique<dnnl::binary>(addPd(flat(d[0]), attr));
  });
}

// offsets: a, b, y
napi_value Add(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 3, 2)) return nullptr;
  return guarded(env, "add", [&] {
    int32_t n = args.dims[0];
    float *a = at(env, args, 0, 4ul * n), *b = at(env, args, 1, 4ul * n), *y = at(env, args, 2, 4ul * n);
    if (!a || !b || !y) return;
    auto &engine = cpuEngine();
    addFor(args.dims).execute(cpuStream(), {{DNNL_ARG_SRC_0, memory(flat(n), engine, a)},
                                            {DNNL_ARG_SRC_1, memory(flat(n), engine, b)},
                                            {DNNL_ARG_DST, memory(flat(n), engine, y)}});
    cpuStream().wait();
  });
}

// ---- max pooling ----------------------------------------------------------------------------------

// dims: B, H, W, C, Ho, Wo, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight. Padding
// never wins (oneDNN leaves it out of the window), as with tfjs's -Infinity padding. The forward
// pass writes a workspace (where each maximum was) that the backward pass reads.
using PoolPrimitives = PrimitivePair<dnnl::pooling_forward, dnnl::pooling_backward>;

thread_local std::map<std::string, std::unique_ptr<PoolPrimitives>> poolCache;

memory::desc poolDst(const std::vector<int32_t> &d) { return nhwc(d[0], d[3], d[4], d[5]); }

PoolPrimitives &poolFor(const std::vector<int32_t> &d) {
  return cached(poolCache, keyOf("maxpool", d), [&] {
    PoolWindow window{{d[8], d[9]}, {d[6], d[7]}, {d[10], d[11]}, {d[12], d[13]}};
    auto algorithm = dnnl::algorithm::pooling_max;
    return std::make_unique<PoolPrimitives>(poolForwardPd(algorithm, activation(d), poolDst(d), window), [&](const PoolForwardPd &hint) {
      return poolBackwardPd(algorithm, activation(d), poolDst(d), window, hint);
    });
  });
}

size_t poolSrcBytes(const std::vector<int32_t> &d) { return 4ul * d[0] * d[1] * d[2] * d[3]; }
size_t poolDstBytes(const std::vector<int32_t> &d) { return 4ul * d[0] * d[4] * d[5] * d[3]; }

// offsets: x, y, workspace
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 3, 14)) return nullptr;
  return guarded(env, "maxPool", [&] {
    const auto &d = args.dims;
    PoolPrimitives &p = poolFor(d);
    auto wsDesc = p.forwardPd.workspace_desc();
    float *x = at(env, args, 0, poolSrcBytes(d)), *y = at(env, args, 1, poolDstBytes(d));
    float *ws = at(env, args, 2, wsDesc.get_size());
    if (!x || !y || !ws) return;
    auto &engine = cpuEngine();
    p.forward.execute(cpuStream(), {{DNNL_ARG_SRC, memory(activation(d), engine, x)},
                                    {DNNL_ARG_DST, memory(poolDst(d), engine, y)},
                                    {DNNL_ARG_WORKSPACE, memory(wsDesc, engine, ws)},
                                    {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.forwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// offsets: dy, workspace, dx
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 3, 14)) return nullptr;
  return guarded(env, "maxPoolGrad", [&] {
    const auto &d = args.dims;
    PoolPrimitives &p = poolFor(d);
    auto wsDesc = p.forwardPd.workspace_desc();
    float *dy = at(env, args, 0, poolDstBytes(d)), *ws = at(env, args, 1, wsDesc.get_size());
    float *dx = at(env, args, 2, poolSrcBytes(d));
    if (!dy || !ws || !dx) return;
    auto &engine = cpuEngine();
    p.backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, memory(poolDst(d), engine, dy)},
                                     {DNNL_ARG_WORKSPACE, memory(wsDesc, engine, ws)},
                                     {DNNL_ARG_DIFF_SRC, memory(activation(d), engine, dx)},
                                     {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.backwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// Bytes of the workspace a max-pooling geometry needs (the JS side makes it before the call).
napi_value MaxPoolWorkspaceBytes(napi_env env, napi_callback_info info) {
  Args args;
  if (!readDims(env, info, args, 14)) return nullptr;
  double bytes = -1;
  guarded(env, "maxPoolWorkspaceBytes", [&] { bytes = static_cast<double>(poolFor(args.dims).forwardPd.workspace_desc().get_size()); });
  return bytes < 0 ? nullptr : numberValue(env, bytes);
}

// ---- average pooling over whole windows (global pooling, the local head's divisible grids) --------

// dims: B, H, W, C, Ho, Wo, kh, kw: windows of kh x kw with stride kh x kw and no padding (rows and
// columns past the last whole window are left out, as 'valid' pooling does).
using AvgPoolPrimitives = PrimitivePair<dnnl::pooling_forward, dnnl::pooling_backward>;

thread_local std::map<std::string, std::unique_ptr<AvgPoolPrimitives>> avgPoolCache;

AvgPoolPrimitives &avgPoolFor(const std::vector<int32_t> &d) {
  return cached(avgPoolCache, keyOf("avgpool", d), [&] {
    PoolWindow window{{d[6], d[7]}, {d[6], d[7]}, {0, 0}, {0, 0}};
    memory::desc src = nhwc(d[0], d[3], d[1], d[2]), dst = nhwc(d[0], d[3], d[4], d[5]);
    auto algorithm = dnnl::algorithm::pooling_avg_exclude_padding;
    return std::make_unique<AvgPoolPrimitives>(poolForwardPd(algorithm, src, dst, window), [&](const PoolForwardPd &hint) {
      return poolBackwardPd(algorithm, src, dst, window, hint);
    });
  });
}

// offsets: x, y
napi_value AvgPool(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 2, 8)) return nullptr;
  return guarded(env, "avgPool", [&] {
    const auto &d = args.dims;
    float *x = at(env, args, 0, 4ul * d[0] * d[1] * d[2] * d[3]), *y = at(env, args, 1, 4ul * d[0] * d[4] * d[5] * d[3]);
    if (!x || !y) return;
    AvgPoolPrimitives &p = avgPoolFor(d);
    auto &engine = cpuEngine();
    p.forward.execute(cpuStream(), {{DNNL_ARG_SRC, memory(nhwc(d[0], d[3], d[1], d[2]), engine, x)},
                                    {DNNL_ARG_DST, memory(nhwc(d[0], d[3], d[4], d[5]), engine, y)},
                                    {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.forwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// offsets: dy, dx
napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 2, 8)) return nullptr;
  return guarded(env, "avgPoolGrad", [&] {
    const auto &d = args.dims;
    float *dy = at(env, args, 0, 4ul * d[0] * d[4] * d[5] * d[3]), *dx = at(env, args, 1, 4ul * d[0] * d[1] * d[2] * d[3]);
    if (!dy || !dx) return;
    AvgPoolPrimitives &p = avgPoolFor(d);
    auto &engine = cpuEngine();
    p.backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, memory(nhwc(d[0], d[3], d[4], d[5]), engine, dy)},
                                     {DNNL_ARG_DIFF_SRC, memory(nhwc(d[0], d[3], d[1], d[2]), engine, dx)},
                                     {DNNL_ARG_SCRATCHPAD, scratchpadFor(p.backwardPd.scratchpad_desc())}});
    cpuStream().wait();
  });
}

// ---- matrix multiply (the classifier and its gradients) ------------------------------------------

// dims: M, K, N, transposeA, transposeB, bias. y[M, N] = op(a) op(b) (+ bias[N]), where op(a) is
// [M, K] (stored [K, M] when transposed) and op(b) [K, N] (stored [N, K] when transposed).
thread_local std::map<std::string, std::unique_ptr<dnnl::matmul>> matmulCache;

struct MatMulShape {
  memory::dim m, k, n;
  bool transposeA, transposeB, hasBias;
  explicit MatMulShape(const std::vector<int32_t> &d)
      : m(d[0]), k(d[1]), n(d[2]), transposeA(d[3] != 0), transposeB(d[4] != 0), hasBias(d[5] != 0) {}
  memory::desc a() const { return memory::desc({m, k}, dt::f32, transposeA ? memory::dims{1, m} : memory::dims{k, 1}); }
  memory::desc b() const { return memory::desc({k, n}, dt::f32, transposeB ? memory::dims{1, k} : memory::dims{n, 1}); }
  memory::desc bias() const { return memory::desc({1, n}, dt::f32, tag::ab); }
  memory::desc y() const { return memory::desc({m, n}, dt::f32, tag::ab); }
};

dnnl::matmul &matmulFor(const std::vector<int32_t> &d) {
  return cached(matmulCache, keyOf("matmul", d), [&] {
    MatMulShape s(d);
    memory::desc bias = s.bias();
    return std::make_unique<dnnl::matmul>(matmulPd(s.a(), s.b(), s.hasBias ? &bias : nullptr, s.y()));
  });
}

// offsets: a, b, bias (read only with a bias), y
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args args;
  if (!readArgs(env, info, args, 4, 6)) return nullptr;
  return guarded(env, "matMul", [&] {
    MatMulShape s(args.dims);
    float *a = at(env, args, 0, 4ul * s.m * s.k), *b = at(env, args, 1, 4ul * s.k * s.n);
    float *bias = at(env, args, 2, s.hasBias ? 4ul * s.n : 0), *y = at(env, args, 3, 4ul * s.m * s.n);
    if (!a || !b || !bias || !y) return;
    auto &engine = cpuEngine();
    std::unordered_map<int, memory> execArgs{{DNNL_ARG_SRC, memory(s.a(), engine, a)},
                                             {DNNL_ARG_WEIGHTS, memory(s.b(), engine, b)},
                                             {DNNL_ARG_DST, memory(s.y(), engine, y)}};
    if (s.hasBias) execArgs.insert({DNNL_ARG_BIAS, memory(s.bias(), engine, bias)});
    matmulFor(args.dims).execute(cpuStream(), execArgs);
    cpuStream().wait();
  });
}

// ---- module ---------------------------------------------------------------------------------------

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t threads = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &threads) != napi_ok || threads < 1) {
    napi_throw_range_error(env, nullptr, "setThreads expects a positive integer");
    return nullptr;
  }
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  return nullptr;
}

// The oneDNN the addon was compiled against (its headers) and the one it loaded at run time (the
// shared library, which may be a later patch release of the same major).
std::string builtAgainstVersion() {
  return std::to_string(DNNL_VERSION_MAJOR) + "." + std::to_string(DNNL_VERSION_MINOR) + "." + std::to_string(DNNL_VERSION_PATCH);
}

std::string loadedVersion() {
  const dnnl_version_t *v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

napi_value stringValue(napi_env env, const std::string &text) {
  napi_value result;
  napi_create_string_utf8(env, text.c_str(), text.size(), &result);
  return result;
}

// e.g. "oneDNN 3.7.2 (2 threads)", or "oneDNN 3.7.3, built against 3.7.2 (2 threads)".
napi_value Info(napi_env env, napi_callback_info) {
#ifdef _OPENMP
  std::string threads = std::to_string(omp_get_max_threads()) + " threads";
#else
  // Built without OpenMP (macOS's clang): oneDNN picks its own thread count and setThreads cannot
  // change it.
  std::string threads = "oneDNN's own thread count";
#endif
  std::string loaded = loadedVersion(), built = builtAgainstVersion();
  std::string text = "oneDNN " + loaded + (loaded == built ? "" : ", built against " + built) + " (" + threads + ")";
  return stringValue(env, text);
}

// { builtAgainst: "3.7.2", loaded: "3.7.2" }
napi_value Versions(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "builtAgainst", stringValue(env, builtAgainstVersion()));
  napi_set_named_property(env, result, "loaded", stringValue(env, loadedVersion()));
  return result;
}

// The implementation oneDNN chose for a convolution geometry, e.g. "brg:avx512_core" (for the bench).
napi_value ConvImplementation(napi_env env, napi_callback_info info) {
  Args args;
  if (!readDims(env, info, args, kConvDims)) return nullptr;
  std::string text;
  guarded(env, "convImplementation", [&] {
    ConvGeometry g(args.dims);
    ConvPrimitives &p = convFor(args.dims);
    ensureBackwardData(p, g);
    ensureBackwardWeights(p, g);
    text = std::string(p.forwardPd.impl_info_str()) + " / " + p.dataPd->impl_info_str() + " / " + p.weightsPd->impl_info_str();
  });
  napi_value result;
  napi_create_string_utf8(env, text.c_str(), text.size(), &result);
  return result;
}

// Methods as JavaScript defines them: writable, so a test can wrap one to count its calls.
constexpr auto kMethod = static_cast<napi_property_attributes>(napi_writable | napi_configurable);

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"batchNormTrain", nullptr, BatchNormTrain, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"batchNormGrad", nullptr, BatchNormGrad, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"batchNormInfer", nullptr, BatchNormInfer, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"batchNormWorkspaceBytes", nullptr, BatchNormWorkspaceBytes, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"relu", nullptr, Relu, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"reluGrad", nullptr, ReluGrad, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"avgPool", nullptr, AvgPool, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"avgPoolGrad", nullptr, AvgPoolGrad, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"maxPoolWorkspaceBytes", nullptr, MaxPoolWorkspaceBytes, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"versions", nullptr, Versions, nullptr, nullptr, nullptr, kMethod, nullptr},
      {"convImplementation", nullptr, ConvImplementation, nullptr, nullptr, nullptr, kMethod, nullptr},
  };
  napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
