//===- Passes.td - mpq passes ------------------------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PASSES_TD
#define MPQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MPQCheckIntegerOnlyPass : Pass<"mpq-check-integer-only", "ModuleOp"> {
  let summary = "Check that a lowered graph computes on integers only";
  let description = [{
    After `--mpq-lower-fake-quant`, the deployed graph must not compute on
    floating point: the code generator emits no FPU instructions on the
    integer path. This pass fails, naming the first offending op, if any op
    inside a function takes or produces a floating-point tensor or scalar,
    except `mpq.quantize` (float input at the model boundary) and
    `mpq.dequantize` (float output at the model boundary). Float constants
    that nothing uses are reported too: they would still be stored in flash.

    Accepted:
    ```mlir
    func.func @f(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
      %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>}
         : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!mpq.uniform<i8, 0.1:0>>
      %y = mpq.dequantize %q
         : tensor<1x4x4x8x!mpq.uniform<i8, 0.1:0>> -> tensor<1x4x4x8xf32>
      return %y : tensor<1x4x4x8xf32>
    }
    ```
    Rejected: any `mpq.conv2d`, `mpq.relu`, `arith.constant ... : tensor<..xf32>`.
  }];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQLowerFakeQuantPass : Pass<"mpq-lower-fake-quant", "ModuleOp"> {
  let summary = "Lower a fake-quantized float graph to integer-only mpq ops";
  let description = [{
    Turns a graph whose weights and activations all pass through
    `mpq.fake_quant` with known scales (`!mpq.uniform`: a QDQ or QONNX model,
    or a calibrated one) into integer-only ops, following docs/paper.md §2.
    Every function with a body is lowered on its own:

    * weights become `mpq.qconstant` codes at their bit-width;
    * every layer `conv2d|fully_connected [-> batch_norm] [-> relu|clip]
      -> fake_quant` becomes `mpq.qconv2d|qfully_connected` (int32
      accumulators) followed by one `mpq.requantize` holding the Integer
      Channel Normalization of each output channel c:

          B_c  = round((b_c - mu_c + beta_c * sigma_c / gamma_c) / (s_x * s_w,c))
          M0_c * 2^(N0_c - 31) = (gamma_c / sigma_c) * s_x * s_w,c / s_y

      with ReLU/Clip folded into the clamp. Batch-norm is never folded into
      the weights, so per-layer weights keep their own range. A bias that is
      an `mpq.fake_quant` to the int32 grid s_x * s_w,c (`--mpq-calibrate`
      snaps it there) with no batch-norm shift left gives B_c as its code,
      exactly what the fake-quant graph adds;
    * pooling, reshape, transpose, pad and concat run on codes; average
      pooling becomes `mpq.qavg_pool2d`, a residual `add` becomes `mpq.qadd`;
    * an element-wise function `sigmoid|tanh|hard_sigmoid|hard_swish|
      leaky_relu [-> relu|clip] -> fake_quant` becomes one `mpq.table` with
      f, then the output fake_quant, evaluated at compile time on every code
      of the input grid (`buildLookupTable` in IntegerSemantics.h): the
      integer graph gives the fake-quant graph's codes exactly;
    * the model input gets `mpq.quantize`, each output `mpq.dequantize`, so
      the function keeps its float signature. A trailing `softmax` is left to
      the caller (a warning says so): it needs floats.

    Before:
    ```mlir
    %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.02:0> {rounding = #mpq.rounding<floor>} : tensor<1x8x8x3xf32>
    %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x3x3x3xf32>
    %c = mpq.conv2d %xq, %wq : (...) -> tensor<1x6x6x2xf32>
    %r = mpq.relu %c : tensor<1x6x6x2xf32>
    %y = mpq.fake_quant %r to !mpq.uniform<u4, 0.4:0> {rounding = #mpq.rounding<floor>} : tensor<1x6x6x2xf32>
    ```
    After:
    ```mlir
    %xi = mpq.quantize %x {rounding = #mpq.rounding<floor>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.02:0>>
    %wi = mpq.qconstant dense<...> : tensor<2x3x3x3xi8> : tensor<2x3x3x3x!mpq.uniform<i4:0, {0.1:0, 0.05:0}>>
    %acc = mpq.qconv2d %xi, %wi : (...) -> tensor<1x6x6x2xi32>
    %y = mpq.requantize %acc {multiplier = array<i32: 1717986918, 1717986918>, exponent = array<i32: -6, -7>,
                              bias = array<i32: 0, 0>, clamp_min = 0 : i64, rounding = #mpq.rounding<floor>}
       : tensor<1x6x6x2xi32> -> tensor<1x6x6x2x!mpq.uniform<u4, 0.4:0>>
    ```
    A graph that is not completely fake-quantized (an `!mpq.bits` type
    without scale, a layer whose output has no fake_quant, a float op that
    has no integer form) is an error naming the op.
  }];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQAssignPrecisionPass : Pass<"mpq-assign-precision", "ModuleOp"> {
  let summary = "Choose 8/4/2-bit widths for weights and activations from "
                "the flash and RAM budgets";
  let description = [{
    Chooses the bit-width of every weight tensor and every activation tensor
    of the model (the module's only function with a body) so that the
    paper's memory model (docs/paper.md §3) fits `flash` (weights + per-channel
    parameters of `scheme`) and `ram` (max over layers of input + output
    bytes), with the rule of docs/paper.md §4 (`strategy=rule`; on graphs with
    Add/Concat, the live-tensor generalization documented in
    `mpq/Analysis/PrecisionAssignment.h`) or with an exact search for the
    widths of least total sensitivity (`strategy=search`, costs from
    `sensitivity=<file>`: a dynamic program on chains, a MILP through GLPK
    otherwise; the report adds each width's cost and the budget that keeps
    it from being wider). The image input and the last
    layer's output stay at 8 bits. The graph is read as documented in
    `mpq/Analysis/GraphExtraction.h`.

    Placement. Widths are written as `mpq.fake_quant` ops with an
    `!mpq.bits` type (the scale comes later, from calibration or QAT):
      * weights: on the layer's weight operand, right before the layer, as
        `!mpq.bits<iB>` with `rounding = half_to_even` (weights are signed);
        only that operand is rewired, so a constant shared by two layers can
        get two widths;
      * an activation variable: once, where it is stored: after the
        `mpq.batch_norm` / `mpq.relu` / `mpq.clip` that follow the layer,
        `mpq.add` or `mpq.concat` creating it (while each has a single use),
        with `rounding = floor` (PACT), `!mpq.bits<uB>` if that value comes
        out of a ReLU or a Clip with min >= 0 and `!mpq.bits<iB>` otherwise
        (the last layer's logits: `i8`); every other use of the value reads
        the fake-quant. Pooling, reshape, transpose, pad and softmax pass
        the width through and get none;
      * the image (each function argument): at the top of the function,
        `!mpq.bits<i8>` with `rounding = half_to_even` (a float input may be
        negative; the host quantizes it like ONNX QuantizeLinear).
    An `mpq.fake_quant` already present on a weight or on a variable keeps
    its width, which the assignment treats as fixed (like a pin), and no
    new one is inserted there; with `reassign` those widths are chosen again
    and the existing ops get the new width (an `!mpq.uniform` becomes
    `!mpq.bits`: its scale belonged to the old width). A model whose
    fake-quants fix everything is only checked against the budgets and
    reported. Running the pass twice changes nothing the second time.

    If a budget cannot be met the pass fails, saying which budget, the
    smallest footprint any assignment reaches and the bottleneck layer, and
    leaves the IR alone. `report=<path>` writes the JSON report of
    `mpq/Analysis/PrecisionReport.h` atomically (temporary file, then
    rename) when the assignment ran, also when it does not fit; `table`
    prints the same to stderr as a table.

    Before (`flash=2kB ram=600`):
    ```mlir
    func.func @net(%img: tensor<1x8x8x3xf32>) -> tensor<1x10xf32> {
      %w0 = arith.constant dense<0.1> : tensor<16x3x3x3xf32>
      %c0 = mpq.conv2d %img, %w0 {pads = array<i64: 1, 1, 1, 1>}
          : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>) -> tensor<1x8x8x16xf32>
      %r0 = mpq.relu %c0 : tensor<1x8x8x16xf32>
      ...
    }
    ```
    After:
    ```mlir
    func.func @net(%img: tensor<1x8x8x3xf32>) -> tensor<1x10xf32> {
      %x = mpq.fake_quant %img to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
         : tensor<1x8x8x3xf32>
      %w0 = arith.constant dense<0.1> : tensor<16x3x3x3xf32>
      %wq = mpq.fake_quant %w0 to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
          : tensor<16x3x3x3xf32>
      %c0 = mpq.conv2d %x, %wq {pads = array<i64: 1, 1, 1, 1>}
          : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>) -> tensor<1x8x8x16xf32>
      %r0 = mpq.relu %c0 : tensor<1x8x8x16xf32>
      %a0 = mpq.fake_quant %r0 to !mpq.bits<u4> {rounding = #mpq.rounding<floor>}
          : tensor<1x8x8x16xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"flash", "flash", "::mlir::mpq::ByteSize", "::mlir::mpq::ByteSize()",
           "Flash budget for weights + per-channel parameters: bytes, or "
           "with a unit (kB, KiB, MB, MiB; kB = 1000). Required.">,
    Option<"ram", "ram", "::mlir::mpq::ByteSize", "::mlir::mpq::ByteSize()",
           "RAM budget for activations, same syntax as flash. Required.">,
    Option<"scheme", "scheme", "::mlir::mpq::QuantScheme",
           "::mlir::mpq::QuantScheme::PC_ICN",
           "Quantization scheme, which sets the per-channel parameter bytes: "
           "pc-icn, pl-icn or pl-fb">,
    Option<"delta", "delta", "double", "0.05",
           "Share margin of the weight cuts (docs/paper.md §4): among layers "
           "within delta of the largest share, cut the one closest to the "
           "input. In [0, 1)">,
    Option<"strategy", "strategy", "::mlir::mpq::PrecisionStrategyKind",
           "::mlir::mpq::PrecisionStrategyKind::Rule",
           "How widths are chosen: rule (docs/paper.md §4), or search (the "
           "widths of least total sensitivity that fit both budgets, solved "
           "exactly; mpq/Analysis/PrecisionAssignment.h)">,
    Option<"sensitivity", "sensitivity", "std::string", "\"\"",
           "strategy=search: a JSON file with each layer's sensitivity per "
           "candidate width ({\"layers\": {\"<layer>\": {\"weights\": [..], "
           "\"output\": [..]}}}, as mpqc writes it); without it, the "
           "size-blind proxy">,
    Option<"ramModel", "ram-model", "::mlir::mpq::RamModel",
           "::mlir::mpq::RamModel::Paper",
           "RAM model: paper (max over layers of input + output bytes), or "
           "planned (the arena the buffer planner gives the activations: "
           "while it exceeds the budget, the rule runs again with the "
           "activation budget lowered by the excess)">,
    Option<"activationRounding", "activation-rounding",
           "::mlir::mpq::ActivationRounding",
           "::mlir::mpq::ActivationRounding::Nearest",
           "How the activation fake-quants this pass adds round: nearest "
           "(ties up: post-training quantization, one add before the shift "
           "on the target, as CMSIS-NN rounds) or floor (PACT, the "
           "paper's quantization-aware training); the image is always "
           "rounded to nearest, and a model's own fake-quants keep theirs">,
    Option<"inPlace", "in-place", "bool", "false",
           "Layers may run in place as mpq-plan-buffers in-place=true plans "
           "them: the rule budgets a conv, depthwise or pooling layer whose "
           "input dies there as the union of input and output (the output "
           "a few rows below the input), not in + out, and "
           "ram-model=planned plans the same overlaps">,
    Option<"fuseRows", "fuse-rows", "bool", "false",
           "ram-model=planned plans the row groups mpq-fuse-rows will "
           "choose (groups of layers run row by row), and the widths "
           "are those of the largest RAM budget for the rule whose planned "
           "arena fits the budget given">,
    Option<"dspKernels", "dsp-kernels", "bool", "false",
           "With ram-model=planned, the scratch of the DSP kernels "
           "(mpq-plan-buffers dsp-kernels=true: a pointwise layer widens "
           "two pixels into 16-bit lanes, a convolution with a window "
           "gathers two pixels' windows) where it fits beside the widths "
           "chosen without it; where it does not, the model function gets "
           "mpq.narrow_kernels and no step any (the scratch never costs "
           "activation bits)">,
    ListOption<"pins", "pins", "std::string",
               "Per-layer pins layer:wbits:abits (comma-separated; abits is "
               "the layer's output width; 0 leaves a width free), e.g. "
               "pins=conv0:8:8,pw3:4:0">,
    Option<"reassign", "reassign", "bool", "false",
           "Choose again the widths that existing mpq.fake_quant ops fix, "
           "and update those ops">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON report to this path ('-' for stdout)">,
    Option<"table", "table", "bool", "false",
           "Print the assignment as a table to stderr">,
  ];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQCalibratePass : Pass<"mpq-calibrate", "ModuleOp"> {
  let summary = "Post-training calibration: give every fake_quant a scale";
  let description = [{
    For a model trained without fake-quantization: runs the float graph on
    calibration inputs with the reference evaluator and turns every
    `mpq.fake_quant` to `!mpq.bits` (from `--mpq-assign-precision`) into one
    to `!mpq.uniform`, keeping its bit-width, signedness and rounding (in
    every function with a body, each on its own):

    * weights (constants): per output channel for `scheme=pc-icn`, per
      tensor for `pl-icn` and `pl-fb`, from the constant's [min, max];
    * activations and the input: per tensor, from the [min, max] observed
      over all calibration inputs (after ReLU that is [0, max]: unsigned,
      zero point 0, the PACT-like grid of docs/paper.md §1);
    * a fake_quant with a learned range (`min`/`max`) keeps that range.

    Every range is widened to contain 0, so 0 is exact; the grid is
    `mpq::getUniformForRange`. `scheme=pl-fb` first folds each batch-norm
    into its layer's weights and bias (PL+FB of the paper). Fake-quants
    that already have scales are left alone.

    Then (`snap-bias`, on by default) every conv2d / fully_connected whose
    input and weight grids are known gets its effective bias on the int32
    grid s_x * s_w,c of its accumulator, as QAT and QDQ graphs quantize a
    bias (docs/paper.md §1; `mpq/Transforms/SnapBias.h`): a batch-norm after the
    layer gives its shift to the bias (b - mean + beta * sigma / gamma, the
    B of ICN; the batch-norm keeps its gain), and the bias gets an
    `mpq.fake_quant` to `!mpq.uniform<i32...>` whose codes the lowering
    takes as B. The fake-quant graph then adds exactly the integer graph's
    bias instead of the float one; without snapping, the rounding of B is a
    residue of up to M_c / 2 output steps (docs/design.md).

    Inputs: `inputs=a.npy,b.npy` (each holds one input, or a batch of them
    along dimension 0), or without files `synthetic=N` deterministic inputs
    uniform in [0, 1).

    Before: `mpq.fake_quant %r to !mpq.bits<u4> {rounding = #mpq.rounding<floor>}`
    After:  `mpq.fake_quant %r to !mpq.uniform<u4, 0.26666666666666666:0> {rounding = #mpq.rounding<floor>}`

    A layer's bias, after (input scale 0.5, weight scales {0.1, 0.05}):
    ```mlir
    %b = arith.constant dense<[0.27, -2.0]> : tensor<2xf32>
    %bq = mpq.fake_quant %b to !mpq.uniform<i32:0, {5.000000e-02:0, 2.500000e-02:0}>
        {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
    %c = mpq.conv2d %xq, %wq, %bq : (...) -> tensor<1x6x6x2xf32>
    ```

    `observe-only` splits the pass in two: it runs the model and records
    each observed range as the fake_quant's `min`/`max` (f64, exact),
    leaving it at `!mpq.bits`; a later `mpq-calibrate` turns those ranges
    into the same grids without running the model. The observed ranges do
    not depend on the bit-widths (unscaled fake-quants are the identity
    while observing), so a compiler that assigns precision again, as `mpqc`
    does when code pushes the flash total over budget, copies them onto
    the new fake-quants instead of calibrating again.

    After `observe-only`: `mpq.fake_quant %r to !mpq.bits<u4> {max = 4.000000e+00 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}`

    `range=` says how an activation's range comes from the observed values
    (mpq/Analysis/RangeEstimator.h): `minmax` (default) their [min, max];
    `percentile` their 0.01 % and 99.99 % quantiles; `mse` the clip range
    whose grid at the fake_quant's width has the least mean squared error
    over them (a 2048-bin histogram per input, merged in input order, and a
    search over candidate ranges: deterministic). Values beyond the range
    saturate. With `observe-only` the range for every width 1..8 goes into
    the fake_quant's `clips`, as the width may still change.
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string",
               "Calibration inputs (.npy): one input, or a batch along dim 0">,
    Option<"synthetic", "synthetic", "unsigned", "4",
           "Number of synthetic inputs (uniform in [0, 1)) when no inputs "
           "are given">,
    Option<"scheme", "scheme", "::mlir::mpq::QuantScheme",
           "::mlir::mpq::QuantScheme::PC_ICN",
           "pc-icn: weights per channel; pl-icn: per tensor; pl-fb: fold "
           "batch-norm into the weights, then per tensor">,
    Option<"snapBias", "snap-bias", "bool", "true",
           "Put each layer's effective bias (batch-norm shift included) on "
           "the int32 grid s_x * s_w of its accumulator, so the fake-quant "
           "graph adds the integer graph's bias B">,
    Option<"observeOnly", "observe-only", "bool", "false",
           "Only observe: record each observed activation range as the "
           "fake_quant's min/max and give no grids (pl-fb still folds "
           "batch-norm first)">,
    Option<"range", "range", "::mlir::mpq::RangeEstimatorKind",
           "::mlir::mpq::RangeEstimatorKind::MinMax",
           "How an activation's range comes from the values observed: "
           "minmax (their [min, max]), percentile (their 0.01 % and "
           "99.99 % quantiles), mse (the clip range of least mean "
           "squared quantization error at the fake_quant's width) or auto "
           "(per activation, the one of those three ranges that gives the "
           "model's output the least error against the float model on the "
           "calibration inputs)">,
  ];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQLowerToLoopsPass : Pass<"mpq-lower-to-loops", "ModuleOp"> {
  let summary = "Lower an integer-only mpq graph to loops over packed bytes";
  let description = [{
    Turns the integer graph of `--mpq-lower-fake-quant` (the module's only
    function with a body) into one entry function on byte buffers, the code
    generator's input. Before (a 1x1 convolution, 8-bit codes):

    ```mlir
    func.func @net(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
      %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>}
         : tensor<1x2x2x8xf32> -> tensor<1x2x2x8x!mpq.uniform<u8, 0.5:0>>
      %w = mpq.qconstant dense<1> : tensor<4x1x1x8xi8>
         : tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>
      %acc = mpq.qconv2d %q, %w : (...) -> tensor<1x2x2x4xi32>
      %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>,
             exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
         : tensor<1x2x2x4xi32> -> tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>>
      %d = mpq.dequantize %y : ... -> tensor<1x2x2x4xf32>
      return %d : tensor<1x2x2x4xf32>
    }
    ```

    After (`arm-dsp=true`; constants and index arithmetic left out): each
    step a function of its own, called from the entry in schedule order.

    ```mlir
    func.func private @net_step0(%arena: memref<48xi8>)
        attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} {
      %w = memref.get_global @net_weights4 : memref<8xi32>  // words, as read
      ...                                                   // M0, shift, bias
      %x = memref.view %arena[%c0][] : memref<48xi8> to memref<8xi32>
      scf.for %pair = %c0 to %c2 step %c1 {                 // 2 pixels at a time
        scf.for %blk = %c0 to %c2 step %c1 {                // 2 channels at a time
          %w0 = memref.load %w[...] : memref<8xi32>         // one word, 4 codes
          %w0e = llvm.call_intrinsic "llvm.arm.sxtb16"(%w0) : (i32) -> i32
          ...
          %x0 = memref.load %x[...] : memref<8xi32>
          %x0e = llvm.call_intrinsic "llvm.arm.uxtb16"(%x0) : (i32) -> i32
          ...
          %a = llvm.call_intrinsic "llvm.arm.smlad"(%x0e, %w0e, %acc) : (i32, i32, i32) -> i32
          ...                                               // 16 SMLADs
          memref.store %y, %arena[...] : memref<48xi8>      // requantized codes
        }
      }
      return
    }
    func.func @net_run(%in: memref<32xi8>, %out: memref<16xi8>,
                       %arena: memref<48xi8>) -> i32 attributes {mpq.arena_size = 48 : i64} {
      scf.for %i = %c0 to %c32 step %c1 { ... }           // input codes in
      call @net_step0(%arena) : (memref<48xi8>) -> ()
      scf.for %i = %c0 to %c16 step %c1 { ... }           // output codes out
      return %c0_i32 : i32
    }
    ```

    Every tensor is stored packed along its innermost dimension, element 0 in
    the low bits, rows byte-aligned (docs/decisions.md §2); inputs and outputs are
    quantized codes in that layout. Activations live in the arena at the
    offsets `--mpq-plan-buffers` chose (`mpq.offset`), or consecutively
    (16-byte aligned) when the graph was not planned; the input is copied in
    and the outputs copied out. Weights and per-channel parameters become
    constant `memref.global`s named `<model>_...`.

    The lowering is a dialect conversion (`lib/Conversion/MPQToLoops`,
    `populateMPQToLoopsPatterns`): one pattern per op, applied in program
    order (the planned schedule), each appending its loops to the entry
    function. Each layer is one loop nest: `qconv2d`/`qfully_connected` is
    fused with its `requantize` (the pattern is rooted at the requantize; the
    int32 accumulator never reaches memory), and the requantization is the
    integer arithmetic of `mpq/Support/IntegerSemantics.h` (int64 product,
    `shift_round` per rounding mode, zero point, clamp), so results are
    bit-identical to `mpq-eval`. Storage widths 1, 2, 4 and 8 are supported
    (and 32-bit results, as ConvInteger's int32 output); others are an error
    naming the op.

    The conv/fc kernels: the weight zero point is factored out of the
    products (sum (x - zx)(w - zw) = sum (x - zx) w - zw sum (x - zx), the
    input sum once per output position and group); `channel-block` output
    channels share each input load; a layer without padding has no padding
    tests, and with padding (when `channel-block` > 1) the positions whose
    window lies inside the image take a copy of the kernel without them;
    accumulator + bias is summed in int32 where that provably cannot
    overflow, so the requantization product is 32x32->64 bits, and under
    floor rounding with every shift >= 32 the requantization takes the
    product's high word and stays in int32. A convolution's reduction is
    chosen by pattern benefit: with `arm-dsp` (cores with the DSP extension:
    Cortex-M4, M7, M33, M55) and
    `channel-block` > 1, 1x1 convolutions and fully connected layers with
    8, 4 or 2-bit codes whose input has no zero point (and is unsigned below
    8 bits) are a product of rows (benefit 4): 32-bit loads of input and
    weight words (the weights laid out in the order the kernel reads them:
    below 8 bits, one field of every byte per channel), two pixels by two
    output channels per block, at least eight codes a step; sub-byte fields
    are masked out of their words and widened into 16-bit lanes (signed
    weights at the top of their bytes: the accumulator is 2^k times the sum,
    and the requantization takes it with the bias scaled and the shift k
    longer, exactly); weight words are loaded two at a time (LDRD). When
    the step has the scratch `mpq-plan-buffers dsp-kernels=true` plans for
    it (`mpq.scratch_offset`, exactly the bytes the kernel needs), each pair
    of pixels is widened into it once, before its channel blocks, and read
    back with LDRD; 8-bit convolutions with a window take the same kernel
    only then, each output pixel's window gathered there (less the input
    zero point, 0 outside the image); with `arm-dsp`, depthwise layers at the same widths
    take four channels a word, SMLABB/SMLATT per tap, a sub-byte input's
    16-bit lanes taken by one AND each, the weight zero
    points added negated as the weights are widened (SXTAB16/UXTAB16), the
    accumulators started at the biases, a channel group's parameters one
    record of words, the window unrolled inside the image and the taps
    inside listed once per pixel at the border (benefit 5); otherwise 8-bit
    layers
    whose input has no zero point load four codes per word and
    multiply-accumulate two 16-bit pairs per `llvm.arm.smlad` (after
    SXTB16/UXTB16) wherever no tap needs a padding test (benefit 3); else
    layers whose input channels come in whole bytes of both operands read a
    few codes per step at constant shifts (2); else code by code (1).
  }];
  let options = [
    Option<"modelName", "model-name", "std::string", "\"\"",
           "Prefix of every symbol (default: the function's name)">,
    Option<"channelBlock", "channel-block", "unsigned", "4",
           "Output channels a conv/fc computes together, sharing each input "
           "load (1, 2 or 4; 1 gives the smallest code)">,
    Option<"armDsp", "arm-dsp", "bool", "false",
           "Use the Armv7E-M DSP instructions (SMLAD: two 16-bit products "
           "per instruction) for 8-bit products and sub-byte 1x1 and fully "
           "connected layers; for cores with the DSP "
           "extension only (other targets cannot select the intrinsics)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def MPQMergeStepsPass : Pass<"mpq-merge-steps", "ModuleOp"> {
  let summary = "Share one function between the steps that differ only in "
                "their weights";
  let description = [{
    After `--mpq-lower-to-loops`: layers of the same shape, widths and arena
    offsets (MobileNet's five 14x14x512 blocks) lower to step functions that
    differ only in the `memref.global`s they read (weights, multipliers,
    shifts, biases, zero points). This pass keeps one function per such
    group, with those globals as extra arguments (in the order the body
    first reads them), and rewrites every call to pass its own globals: the
    same instructions run on the same data, with one copy of the code in
    flash and one for LLVM to optimize.

    Only private functions whose every use is a `func.call` are considered;
    two functions are merged when their bodies print identically once each
    `memref.get_global` is replaced by an argument (same ops, attributes,
    constants and global types). A function alone in its group is left as it
    is. Before:

    ```mlir
    func.func private @net_step1(%arena: memref<?xi8>) {
      %w = memref.get_global @net_weights1 : memref<64xi32>
      ...
    }
    func.func private @net_step3(%arena: memref<?xi8>) {
      %w = memref.get_global @net_weights3 : memref<64xi32>
      ...                                        // the same as step1
    }
    call @net_step1(%arena) : (memref<?xi8>) -> ()
    call @net_step3(%arena) : (memref<?xi8>) -> ()
    ```

    After:

    ```mlir
    func.func private @net_step1(%arena: memref<?xi8>, %w: memref<64xi32>) {
      ...
    }
    %w1 = memref.get_global @net_weights1 : memref<64xi32>
    call @net_step1(%arena, %w1) : (memref<?xi8>, memref<64xi32>) -> ()
    %w3 = memref.get_global @net_weights3 : memref<64xi32>
    call @net_step1(%arena, %w3) : (memref<?xi8>, memref<64xi32>) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def MPQFuseRowsPass : Pass<"mpq-fuse-rows", "ModuleOp"> {
  let summary = "Run groups of layers row by row with line buffers";
  let description = [{
    On the integer-only model function (after `--mpq-lower-fake-quant`,
    before `--mpq-plan-buffers`): marks groups of consecutive layers
    (`mpq.qconv2d`: dense, depthwise, pointwise; `mpq.qadd`; `mpq.max_pool2d`
    and `mpq.qavg_pool2d`; one image, NHWC) that run as one step, row by
    row, with every intermediate tensor in a line buffer of a few rows
    instead of whole (`mpq.row_group = <id>` on each member;
    `mpq/Analysis/RowGroups.h` and `RowSchedule.h` have the schedule and
    the contract). A group reads one tensor from outside (a residual
    block's input may be read by its first convolution and by its sum) and
    only its last member's result is read outside it. Every layer computes
    exactly the codes it computes alone.

    The choice is greedy: among all sets of consecutive layers that can
    form a group, the one whose fusion lowers the arena's lower bound
    (`mpq/Analysis/BufferPlanner.h`, with the in-place hints of
    `in-place`) the most, merged with the groups it overlaps; again until no
    run lowers it. A model whose bound no fusion lowers is left as it is.
    Existing `mpq.row_group` attributes are replaced.

    Before:
    ```mlir
    %a = mpq.qconv2d %x, %w0 {pads = array<i64: 1, 1, 1, 1>, ...}
    %y0 = mpq.requantize %a ...
    %b = mpq.qconv2d %y0, %w1 ...
    %y1 = mpq.requantize %b ...
    ```
    After:
    ```mlir
    %a = mpq.qconv2d %x, %w0 {mpq.row_group = 0 : i64, ...}
    %y0 = mpq.requantize %a ...
    %b = mpq.qconv2d %y0, %w1 {mpq.row_group = 0 : i64, ...}
    %y1 = mpq.requantize %b ...
    ```
  }];
  let options = [
    Option<"inPlace", "in-place", "bool", "false",
           "Measure the bound with the in-place hints --mpq-plan-buffers "
           "in-place=true will use">,
    Option<"dspKernels", "dsp-kernels", "bool", "false",
           "Measure the bound with the DSP kernels' scratch "
           "--mpq-plan-buffers dsp-kernels=true will plan">,
  ];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQPlanBuffersPass : Pass<"mpq-plan-buffers", "ModuleOp"> {
  let summary = "Place every activation of an integer-only graph in one "
                "static arena";
  let description = [{
    On the integer-only model function (after `--mpq-lower-fake-quant`):
    chooses a memory-aware order of the steps (`mpq/Analysis/Schedule.h`;
    chains keep their order), gives every arena buffer a lifetime and a size
    (`packedTensorBytes` at the `!mpq.uniform` width), places the buffers in
    one arena (`mpq/Analysis/BufferPlanner.h`), checks the plan with the
    independent `checkPlan`, reorders the function's ops into the schedule
    and annotates them. What occupies the arena and the annotations are
    documented in `mpq/Analysis/ArenaBuffers.h`: the model input codes
    (`mpq.quantize`), every stored activation, the model outputs; not the
    `mpq.qconstant` weights nor the int32 accumulators (a qconv2d /
    qfully_connected and its `mpq.requantize` are one step); a reshape that
    keeps the packed bytes is a view sharing its input's offset.

    Before:
    ```mlir
    func.func @f(%x: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> {
      %q = mpq.quantize %x {...} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4x!mpq.uniform<u8, 0.1:0>>
      %w = mpq.qconstant ... : tensor<4x1x1x4x!mpq.uniform<i8, 0.1:0>>
      %acc = mpq.qconv2d %q, %w : (...) -> tensor<1x8x8x4xi32>
      %y = mpq.requantize %acc {...} : tensor<1x8x8x4xi32> -> tensor<1x8x8x4x!mpq.uniform<u4, 0.2:0>>
      %f = mpq.dequantize %y : tensor<1x8x8x4x!mpq.uniform<u4, 0.2:0>> -> tensor<1x8x8x4xf32>
      return %f : tensor<1x8x8x4xf32>
    }
    ```
    After (`align=16`):
    ```mlir
    func.func @f(%x: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
        attributes {mpq.arena_align = 16 : i64, mpq.arena_size = 384 : i64} {
      %q = mpq.quantize %x {mpq.offset = 128 : i64, ...} : ...
      %w = mpq.qconstant ...
      %acc = mpq.qconv2d %q, %w : (...) -> tensor<1x8x8x4xi32>
      %y = mpq.requantize %acc {mpq.offset = 0 : i64, ...} : ...
      ...
    }
    ```
    `report=<path>` writes a JSON report (arena, lower bound, ratio, greedy
    baseline, naive sum, every buffer's offset, size and lifetime) through a
    temporary file and a rename; `svg=<path>` a picture of the plan (steps
    across, addresses up). Errors: an op outside the integer-only graph, a
    dynamic shape, a buffer size beyond int64, unknown option values.
  }];
  let options = [
    Option<"algorithm", "algorithm", "::mlir::mpq::PlanAlgorithm",
           "::mlir::mpq::PlanAlgorithm::Best",
           "Placement: best (default; never worse than the baseline) or "
           "greedy-size (Pisarchyk & Lee greedy by size, the baseline)">,
    Option<"align", "align", "int64_t", "16",
           "Every offset and the arena size are multiples of this many bytes "
           "(a power of two)">,
    Option<"inPlace", "in-place", "bool", "false",
           "Let a step write its output over an input that dies there: an "
           "elementwise requantize, qadd or table at the input's offset, a "
           "conv, depthwise or pooling layer a few rows below it (see "
           "mpq/Analysis/ArenaBuffers.h); the mpq-to-integer pipeline and "
           "mpqc turn it on">,
    Option<"dspKernels", "dsp-kernels", "bool", "false",
           "Plan the scratch the kernels of mpq-lower-to-loops arm-dsp=true "
           "use (kernelScratchBytes in mpq/Analysis/ArenaBuffers.h: a "
           "pointwise layer widens each pair of pixels into 16-bit lanes "
           "(a convolution with a window gathers their windows) "
           "there once, 4 bytes per input channel, instead of once per "
           "block of output channels); without it that kernel widens its "
           "codes in its reduction">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the JSON plan report to this path ('-' for stdout)">,
    Option<"svg", "svg", "std::string", "\"\"",
           "Write an SVG picture of the plan to this path">,
    Option<"testForceOverlap", "test-force-overlap", "bool", "false",
           "Testing only: move one buffer onto another live one before the "
           "checker runs, which must then fail the pass">,
  ];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

#endif // MPQ_TRANSFORMS_PASSES_TD
