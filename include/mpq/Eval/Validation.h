//===- Validation.h - The compiled model against the float model -*- C++
//-*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// What a user asks before shipping: on my data, how far is the compiled
// integer model from the float model it came from? Both graphs run through
// the reference evaluator (the integer graph is bit-exact with the x86 and
// Cortex-M code, docs/decisions.md §3) on the same inputs; each output is
// compared as real values (the integer model's outputs dequantized), and
// every quantized tensor of the integer graph against the float graph's
// tensor of the same ONNX node, clamped to the quantized tensor's range (a
// fused ReLU or saturation is the grid's doing, not an error).
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_EVAL_VALIDATION_H
#define MPQ_EVAL_VALIDATION_H

#include "mpq/Eval/Evaluator.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mpq {

/// The inputs for `func`'s single argument from .npy files, each one input
/// or a batch of them along dimension 0 (integer dtypes are read as their
/// values); with no file, `synthetic` deterministic inputs uniform in
/// [0, 1). `what` names the inputs in errors ("calibration input").
FailureOr<std::vector<EvalTensor>> loadModelInputs(func::FuncOp func,
                                                   ArrayRef<std::string> files,
                                                   unsigned synthetic,
                                                   StringRef what);

/// The outputs of `func` on each of `samples` (one evaluation per sample,
/// on the context's threads), with `options` for every evaluation; failure
/// (the evaluator's error emitted) if any fails.
using SampleOutputs = std::vector<std::vector<EvalTensor>>;
FailureOr<SampleOutputs> evaluateSamples(func::FuncOp func,
                                         ArrayRef<EvalTensor> samples,
                                         const EvalOptions &options);

/// sum (got - ref)^2 / sum ref^2 over every output of the samples `keep`
/// accepts (all by default): the output error the SQNR of a validation
/// sees, as one ratio.
double relativeOutputError(const SampleOutputs &got, const SampleOutputs &ref,
                           function_ref<bool(size_t sample)> keep = nullptr);

/// Agreement of two sets of real values, element by element.
struct Agreement {
  /// 10 log10(sum ref^2 / sum (ref - got)^2); +inf when equal.
  double sqnrDb = 0;
  double cosine = 0;
  double maxAbsError = 0, meanAbsError = 0;
  int64_t elements = 0;
};

struct OutputValidation {
  std::string name;
  Agreement agreement;
  /// For an output with one sample of more than one class (a classifier's
  /// [1, K] logits or scores): samples whose arg max agree, of `samples`.
  std::optional<int64_t> top1Agree;
  int64_t samples = 0;
};

struct LayerValidation {
  std::string name;
  unsigned bits = 0;
  Agreement agreement;
};

struct ValidationResult {
  int64_t samples = 0;
  /// What ran the integer model: the reference evaluator, or the compiled
  /// object (CompiledModelRunner).
  std::string ranOn = "the reference evaluator";
  /// With a runner: output codes of the object equal to the evaluator's, of
  /// all output codes.
  std::optional<int64_t> objectAgree;
  int64_t objectCodes = 0;
  std::vector<OutputValidation> outputs;
  /// Every compared tensor of the integer graph, worst SQNR first.
  std::vector<LayerValidation> layers;
};

/// Runs the compiled model on one sample: the input codes (per input, as the
/// integer graph's quantize computes them), to the output codes (per output,
/// the codes its dequantize reads).
using CompiledModelRunner =
    std::function<FailureOr<std::vector<std::vector<int64_t>>>(
        ArrayRef<std::vector<int64_t>> inputCodes)>;

/// Runs `floatFunc` and `integerFunc` (its compiled integer graph, same
/// inputs and outputs) on each of `inputs` and compares them. With `runner`,
/// the outputs compared with the float model are the compiled object's, and
/// the object's codes are also checked against the evaluator's.
FailureOr<ValidationResult>
validateModel(func::FuncOp floatFunc, func::FuncOp integerFunc,
              ArrayRef<EvalTensor> inputs,
              const CompiledModelRunner &runner = nullptr,
              StringRef runnerName = "the compiled object");

/// Agreement of `got` with `ref` (same size).
Agreement compareValues(ArrayRef<double> ref, ArrayRef<double> got);

} // namespace mlir::mpq

#endif // MPQ_EVAL_VALIDATION_H
