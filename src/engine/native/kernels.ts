// The native oneDNN kernels as kernels of the tfjs wasm backend, with their gradients. They are
// registered under gridmix's own names (GridmixConv2D, ...), so the engine's ops choose per call
// (ops/*.ts ask nativeKernelsActive()); of tfjs's own kernels only Add is taken over, for the big
// adds of the tape's gradient sums, which no op of ours makes (replaceAdd). Each kernel makes its
// output on the wasm heap first and only then takes the heap's buffer: making an output can grow
// the heap, which replaces the ArrayBuffer, and a view taken before would point at freed memory.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon';
import { stridedPixels } from '../ops/strided-read';

/** What the kernels need of the wasm backend (BackendWasm's public fields). */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

type AddonCall = (heap: ArrayBuffer, offsets: Uint32Array, dims: Int32Array, scalar: number) => void;

/** Registered kernel name -> what it computes, for the run's record. */
export const NATIVE_KERNEL_NAMES = {
  GridmixConv2D: 'conv2d',
  GridmixConv2DBackpropInput: 'conv2d input gradient',
  GridmixConv2DBackpropFilter: 'conv2d filter gradient',
  GridmixBatchNormTrain: 'batch norm (training, ReLU fused where one follows)',
  GridmixBatchNormGrad: 'batch norm gradient',
  GridmixBatchNormInfer: 'batch norm (evaluation, ReLU fused where one follows)',
  GridmixAvgPool: 'average pool (whole windows: global, the local head)',
  GridmixAvgPoolGrad: 'average pool gradient',
  GridmixMatMul: 'matrix multiply (the classifier, with its bias, and its gradients)',
  GridmixMaxPool: 'max pool',
  GridmixMaxPoolGrad: 'max pool gradient',
  GridmixAddRelu: 'residual add + relu',
  GridmixRelu: 'relu (where no batch norm precedes it)',
  GridmixReluGrad: 'relu gradient',
} as const;

/** An output to make: float32 unless said otherwise (a pooling or batch-norm workspace is raw bytes). */
type OutputSpec = number[] | { shape: number[]; dtype: tf.DataType };

/** The native kernels compute in float32; anything else is a caller's mistake, named here. */
function requireFloat32(kernel: string, inputs: Record<string, tf.TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: input "${name}" must be float32, got ${t.dtype}`);
  }
}

// Offsets and geometry go to the addon through these, reused by every call (it copies them at once):
// a fresh typed array per call is a malloc'd backing store that lives until the next GC, and over
// a training run those grew the resident set by ~15% (measured: 200 resnet20 steps).
const offsetScratch = new Uint32Array(16);
const dimScratch = new Int32Array(32);

function fill<T extends Uint32Array | Int32Array>(scratch: T, values: ArrayLike<number>): T {
  if (values.length > scratch.length) throw new Error(`native kernel: ${values.length} values, room for ${scratch.length}`);
  for (let i = 0; i < values.length; i++) scratch[i] = values[i];
  return scratch.subarray(0, values.length) as T;
}

/**
 * Runs one addon call on tensors already on the heap plus fresh outputs of the given shapes. The
 * addon reads the offsets of the inputs, then of the outputs, unless `order` lists them otherwise
 * (an optional tensor that is absent takes the place of another: the addon does not touch it).
 */
function runOnHeap(
  backend: WasmBackend, call: AddonCall, inputs: tf.TensorInfo[], outputSpecs: OutputSpec[], dims: number[], scalar = 0,
  order: (outputs: tf.TensorInfo[]) => tf.TensorInfo[] = (outputs) => [...inputs, ...outputs],
): tf.TensorInfo[] {
  const outputs = outputSpecs.map((spec) =>
    Array.isArray(spec) ? backend.makeOutput(spec, 'float32') : backend.makeOutput(spec.shape, spec.dtype));
  if (outputs.some((o) => tf.util.sizeFromShape(o.shape) === 0)) return outputs;
  const offsets = order(outputs).map((t) => {
    const data = backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error('native kernel: a tensor is not on the wasm heap');
    return data.memoryOffset;
  });
  try {
    call(backend.wasm.HEAPU8.buffer as ArrayBuffer, fill(offsetScratch, offsets), fill(dimScratch, dims), scalar);
  } catch (err) {
    // The outputs are not the engine's yet: free them here or the heap keeps them.
    for (const o of outputs) backend.disposeData(o.dataId, true);
    throw err;
  }
  return outputs;
}

/**
 * attrs.geometry: for convolutions B, H, W, Cin, Ho, Wo, Cout, kh, kw, groups, strideH, strideW,
 * padTop, padLeft, padBottom, padRight, dilationH, dilationW, bias (0/1); for max pooling B, H, W, C, Ho, Wo,
 * kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight (native/gridmix_native.cc).
 */
const geometryOf = (attrs: tf.NamedAttrMap): number[] => attrs.geometry as number[];
const inputShape = (g: number[]) => [g[0], g[1], g[2], g[3]];
const outputShape = (g: number[]) => [g[0], g[4], g[5], g[6]];
const filterShape = (g: number[]) => [g[7], g[8], g[3] / g[9], g[6]];
const hasBias = (g: number[]) => g[18] === 1;

/**
 * An unpadded strided 1x1 convolution's filter gradient as a dense one over the pixels the stride
 * reads. oneDNN 2.6.3's jit_1x1:avx2 backward-weights kernel (the one taken on CPUs without AVX-512)
 * is wrong when the stride leaves rows unread (8x6 at stride 2: dw off by 29%; ResNet shortcuts on
 * even sizes), while the forward and data-gradient kernels are right; a stride-1 1x1 is exact there.
 */
function stridedPointwiseAsDense(x: tf.Tensor4D, g: number[]): { x: tf.Tensor4D; geometry: number[] } | undefined {
  const [b, , , cin, ho, wo, cout, kh, kw, groups, sh, sw, pt, pl, pb, pr, dh, dw, bias] = g;
  if (kh !== 1 || kw !== 1 || (sh === 1 && sw === 1) || sh !== sw || pt + pl + pb + pr !== 0) return undefined;
  return { x: stridedPixels(x, sh, 0, 0, ho, wo), geometry: [b, ho, wo, cin, ho, wo, cout, 1, 1, groups, 1, 1, 0, 0, 0, 0, dh, dw, bias] };
}

let registered = false;

/**
 * Adds of float32 tensors of the same shape at least this big go native (the tape's gradient sums
 * over the largest activations). Below it the call costs more than it saves: measured here, a
 * native add of 20,000 elements took 34 us against wasm's 25 (195 against 28 with a wasm op in
 * between, as oneDNN's idle thread must wake), 393,216 elements (a mixed batch) 68 against 72, and
 * 2,097,152 elements 225 against 852.
 */
export const NATIVE_ADD_MIN_SIZE = 1 << 20;

/**
 * Registers the kernels and gradients on the wasm backend, once per thread. `active` says whether
 * the native kernels are on now: tfjs's own Add kernel, which this replaces, asks it on every call.
 */
export function registerNativeKernels(addon: NativeAddon, active: () => boolean): void {
  if (registered) return;
  registered = true;
  // Inputs by name, as ./ops.ts and the gradients below pass them.
  type Inputs = Record<string, tf.TensorInfo>;
  const kernel = (kernelName: string, body: (backend: WasmBackend, inputs: Inputs, attrs: tf.NamedAttrMap) => tf.TensorInfo | tf.TensorInfo[]) =>
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => body(backend as unknown as WasmBackend, inputs as Inputs, attrs ?? {}),
    });

  kernel('GridmixConv2D', (b, { x, filter, bias }, attrs) => {
    const g = geometryOf(attrs);
    requireFloat32('conv2d', hasBias(g) ? { x, filter, bias } : { x, filter });
    return runOnHeap(b, addon.conv2d, [x, filter], [outputShape(g)], g, 0, ([y]) => [x, filter, bias ?? filter, y])[0];
  });
  kernel('GridmixConv2DBackpropInput', (b, { dy, filter }, attrs) => {
    const g = geometryOf(attrs);
    return runOnHeap(b, addon.conv2dBackpropInput, [dy, filter], [inputShape(g)], g)[0];
  });
  // With a bias, outputs [dfilter, dbias], computed in one pass; without, dfilter alone.
  kernel('GridmixConv2DBackpropFilter', (b, { x, dy }, attrs) => {
    const g = geometryOf(attrs);
    if (hasBias(g)) return runOnHeap(b, addon.conv2dBackpropFilter, [x, dy], [filterShape(g), [g[6]]], g);
    return runOnHeap(b, addon.conv2dBackpropFilter, [x, dy], [filterShape(g)], g, 0, ([dw]) => [x, dy, dw, dw])[0];
  });
  // Outputs y, mean, variance and a workspace: where the fused ReLU passed (attrs.relu), else a
  // 4-byte placeholder, so that the kernel has one shape of outputs for its gradient to save.
  kernel('GridmixBatchNormTrain', (b, { x, gamma, beta }, attrs) => {
    requireFloat32('batchNormTrain', { x, gamma, beta });
    const c = x.shape[3];
    const dims = [...x.shape, attrs.relu ? 1 : 0];
    const bytes = addon.batchNormWorkspaceBytes(fill(dimScratch, dims), attrs.epsilon as number);
    const workspace = { shape: [Math.max(1, Math.ceil(bytes / 4))], dtype: 'int32' as const };
    return runOnHeap(b, addon.batchNormTrain, [x, gamma, beta], [x.shape, [c], [c], workspace], dims, attrs.epsilon as number);
  });
  kernel('GridmixBatchNormGrad', (b, { dy, x, gamma, mean, variance, workspace }, attrs) => {
    const c = x.shape[3];
    const dims = [...x.shape, attrs.relu ? 1 : 0];
    return runOnHeap(b, addon.batchNormGrad, [dy, x, gamma, mean, variance, workspace], [x.shape, [c], [c]], dims, attrs.epsilon as number);
  });
  // Evaluation only: no gradient is registered (nothing trains through running statistics).
  kernel('GridmixBatchNormInfer', (b, { x, gamma, beta, mean, variance }, attrs) => {
    requireFloat32('batchNormInfer', { x, gamma, beta, mean, variance });
    const dims = [...x.shape, attrs.relu ? 1 : 0];
    return runOnHeap(b, addon.batchNormInfer, [x, gamma, beta, mean, variance], [x.shape], dims, attrs.epsilon as number)[0];
  });
  kernel('GridmixMaxPool', (b, { x }, attrs) => {
    requireFloat32('maxPool', { x });
    const g = geometryOf(attrs);
    // The workspace is opaque bytes; an int32 tensor rounds its size up to whole elements (at least
    // one: runOnHeap skips the call when an output is empty).
    const bytes = addon.maxPoolWorkspaceBytes(fill(dimScratch, g));
    const workspace = { shape: [Math.max(1, Math.ceil(bytes / 4))], dtype: 'int32' as const };
    return runOnHeap(b, addon.maxPool, [x], [[g[0], g[4], g[5], g[3]], workspace], g);
  });
  kernel('GridmixMaxPoolGrad', (b, { dy, workspace }, attrs) => {
    const g = geometryOf(attrs);
    return runOnHeap(b, addon.maxPoolGrad, [dy, workspace], [[g[0], g[1], g[2], g[3]]], g)[0];
  });
  kernel('GridmixAddRelu', (b, { a, b: addend }) => {
    requireFloat32('addRelu', { a, b: addend });
    return runOnHeap(b, addon.add, [a, addend], [a.shape], [tf.util.sizeFromShape(a.shape), 1])[0];
  });
  replaceAdd(addon, active);
  // attrs.geometry: B, H, W, C, Ho, Wo, kh, kw (whole windows, stride = window).
  kernel('GridmixAvgPool', (b, { x }, attrs) => {
    requireFloat32('avgPool', { x });
    const g = geometryOf(attrs);
    return runOnHeap(b, addon.avgPool, [x], [[g[0], g[4], g[5], g[3]]], g)[0];
  });
  kernel('GridmixAvgPoolGrad', (b, { dy }, attrs) => {
    const g = geometryOf(attrs);
    return runOnHeap(b, addon.avgPoolGrad, [dy], [[g[0], g[1], g[2], g[3]]], g)[0];
  });
  // y = op(a) op(b) (+ bias): op(a) [M, K], op(b) [K, N]; op transposes where attrs say so.
  kernel('GridmixMatMul', (b, { a, b: right, bias }, attrs) => {
    requireFloat32('matMul', bias ? { a, b: right, bias } : { a, b: right });
    const [transposeA, transposeB] = [attrs.transposeA === true, attrs.transposeB === true];
    const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
    const n = transposeB ? right.shape[0] : right.shape[1];
    const dims = [m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0, bias ? 1 : 0];
    return runOnHeap(b, addon.matMul, [a, right], [[m, n]], dims, 0, ([y]) => [a, right, bias ?? right, y])[0];
  });
  kernel('GridmixRelu', (b, { x }) => {
    requireFloat32('relu', { x });
    return runOnHeap(b, addon.relu, [x], [x.shape], [tf.util.sizeFromShape(x.shape)])[0];
  });
  kernel('GridmixReluGrad', (b, { dy, x }) => runOnHeap(b, addon.reluGrad, [dy, x], [x.shape], [tf.util.sizeFromShape(x.shape)])[0]);

  tf.registerGradient({
    kernelName: 'GridmixConv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dys, saved, attrs): Record<string, () => tf.Tensor> => {
      const [x, filter] = saved;
      const dy = dys as tf.Tensor;
      // The input gradient stays lazy: the tape skips it for an input nobody differentiates (the images).
      const input = () => tf.engine().runKernel('GridmixConv2DBackpropInput', { dy, filter }, attrs) as tf.Tensor;
      const filterGradient = () => {
        const pointwise = stridedPointwiseAsDense(x as tf.Tensor4D, geometryOf(attrs));
        return pointwise
          ? tf.engine().runKernel('GridmixConv2DBackpropFilter', { x: pointwise.x, dy }, { geometry: pointwise.geometry })
          : tf.engine().runKernel('GridmixConv2DBackpropFilter', { x, dy }, attrs);
      };
      if (!hasBias(geometryOf(attrs))) return { x: input, filter: () => filterGradient() as tf.Tensor };
      const [dfilter, dbias] = filterGradient() as tf.Tensor[];
      return { x: input, filter: () => dfilter, bias: () => dbias };
    },
  });
  tf.registerGradient({
    kernelName: 'GridmixBatchNormTrain',
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true, true],
    gradFunc: (dys, saved, attrs) => {
      // Only y carries a gradient: the batch statistics feed running averages, outside the graph.
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [x, gamma, mean, variance, workspace] = saved;
      // One kernel yields all three gradients; computed here, once, and handed out below.
      const inputs = { dy, x, gamma, mean, variance, workspace };
      const [dx, dgamma, dbeta] = tf.engine().runKernel('GridmixBatchNormGrad', inputs, attrs) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
  tf.registerGradient({
    kernelName: 'GridmixMaxPool',
    outputsToSave: [false, true],
    gradFunc: (dys, [workspace], attrs) => {
      const dy = Array.isArray(dys) ? dys[0] : dys;
      return { x: () => tf.engine().runKernel('GridmixMaxPoolGrad', { dy, workspace }, attrs) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: 'GridmixAddRelu',
    outputsToSave: [true],
    gradFunc: (dy, [y]) => {
      // relu(a + b)' = dy where the output is > 0; each input gets its own tensor (a reshape shares
      // the data), as the tape disposes accumulated gradients one by one.
      const passed = tf.engine().runKernel('GridmixReluGrad', { dy: dy as tf.Tensor, x: y }) as tf.Tensor;
      return { a: () => tf.reshape(passed, y.shape), b: () => tf.reshape(passed, y.shape) };
    },
  });
  tf.registerGradient({
    kernelName: 'GridmixAvgPool',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.engine().runKernel('GridmixAvgPoolGrad', { dy: dy as tf.Tensor }, attrs) as tf.Tensor }),
  });
  tf.registerGradient({
    kernelName: 'GridmixMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dys, [a, b], attrs) => {
      // Only the classifier's y = a b + bias is differentiated: its gradients are themselves products.
      if (attrs.transposeA || attrs.transposeB) throw new Error('GridmixMatMul: no gradient for transposed operands');
      const dy = dys as tf.Tensor;
      const product = (left: tf.Tensor, right: tf.Tensor, transposeA: boolean, transposeB: boolean) =>
        tf.engine().runKernel('GridmixMatMul', { a: left, b: right }, { transposeA, transposeB }) as tf.Tensor;
      return {
        a: () => product(dy, b, false, true),
        b: () => product(a, dy, true, false),
        bias: () => tf.sum(dy, 0),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'GridmixRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel('GridmixReluGrad', { dy: dy as tf.Tensor, x }) as tf.Tensor }),
  });
}

/**
 * tfjs's Add kernel on wasm, with same-shape float32 adds of NATIVE_ADD_MIN_SIZE elements or more on
 * oneDNN (all cores) while the native kernels are on; everything else (broadcasting, other dtypes,
 * small tensors, native off) goes to the original kernel. Add's gradient is tfjs's, unchanged.
 */
function replaceAdd(addon: NativeAddon, active: () => boolean): void {
  const original = tf.getKernel('Add', 'wasm');
  if (!original) throw new Error("the wasm backend has no Add kernel to take over");
  tf.unregisterKernel('Add', 'wasm');
  tf.registerKernel({
    kernelName: 'Add',
    backendName: 'wasm',
    // The original binds its wasm function when a wasm backend starts: it must keep doing so.
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
      const size = tf.util.sizeFromShape(a.shape);
      const native = active() && a.dtype === 'float32' && b.dtype === 'float32' && size >= NATIVE_ADD_MIN_SIZE &&
        tf.util.arraysEqual(a.shape, b.shape);
      if (!native) return original.kernelFunc(args);
      return runOnHeap(args.backend as unknown as WasmBackend, addon.add, [a, b], [a.shape], [size, 0])[0];
    },
  });
}
