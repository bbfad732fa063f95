//===- Validation.cpp - The compiled model against the float model --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Eval/Validation.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/Npy.h"

#include "mlir/IR/Threading.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::mpq;

FailureOr<std::vector<EvalTensor>>
mlir::mpq::loadModelInputs(func::FuncOp func, ArrayRef<std::string> files,
                           unsigned synthetic, StringRef what) {
  if (func.getNumArguments() != 1)
    return func.emitError()
           << what << "s need a model with one input; @" << func.getSymName()
           << " has " << func.getNumArguments();
  auto argType = cast<RankedTensorType>(func.getArgument(0).getType());
  std::vector<int64_t> shape(argType.getShape().begin(),
                             argType.getShape().end());
  int64_t size = argType.getNumElements();
  std::vector<EvalTensor> inputs;
  for (const std::string &file : files) {
    NpyArray array;
    std::string error;
    if (!readNpy(file, array, error))
      return func.emitError() << what << " " << error;
    int64_t total = array.numElements();
    std::vector<int64_t> sample(
        array.shape.begin() + (array.shape.empty() ? 0 : 1), array.shape.end());
    bool single = array.shape == shape;
    bool batch = !array.shape.empty() && shape.size() == array.shape.size() &&
                 shape[0] == 1 &&
                 std::equal(sample.begin(), sample.end(), shape.begin() + 1);
    if ((!single && !batch) || size <= 0 || total % size != 0) {
      auto diag = func.emitError() << what << " " << file << " has shape [";
      llvm::interleaveComma(array.shape, diag);
      return diag << "]; expected " << argType
                  << " or a batch of them along dimension 0";
    }
    for (int64_t start = 0; start < total; start += size) {
      std::vector<double> values;
      values.reserve(size);
      for (int64_t i = start; i < start + size; ++i)
        values.push_back(array.isFloat() ? array.reals[i]
                                         : static_cast<double>(array.ints[i]));
      inputs.push_back(EvalTensor::floats(shape, std::move(values)));
    }
  }
  if (files.empty()) {
    // Deterministic inputs uniform in [0, 1): a 64-bit LCG (Knuth's MMIX
    // constants), top 53 bits.
    uint64_t state = 0x6d7071u; // "mpq"
    for (unsigned n = 0; n < synthetic; ++n) {
      std::vector<double> values;
      values.reserve(size);
      for (int64_t i = 0; i < size; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        values.push_back(static_cast<double>(state >> 11) * 0x1.0p-53);
      }
      inputs.push_back(EvalTensor::floats(shape, std::move(values)));
    }
  }
  if (inputs.empty())
    return func.emitError()
           << "no " << what << "s (give files, or synthetic inputs)";
  return inputs;
}

namespace {

/// Running sums of an agreement over several samples.
struct AgreementSums {
  double ref2 = 0, got2 = 0, dot = 0, err2 = 0, absErr = 0, maxAbs = 0;
  int64_t count = 0;

  void add(ArrayRef<double> ref, ArrayRef<double> got) {
    for (size_t i = 0; i < ref.size(); ++i) {
      double e = ref[i] - got[i];
      ref2 += ref[i] * ref[i];
      got2 += got[i] * got[i];
      dot += ref[i] * got[i];
      err2 += e * e;
      absErr += std::fabs(e);
      maxAbs = std::max(maxAbs, std::fabs(e));
    }
    count += ref.size();
  }

  Agreement get() const {
    Agreement a;
    a.elements = count;
    a.sqnrDb = err2 == 0   ? std::numeric_limits<double>::infinity()
               : ref2 == 0 ? -std::numeric_limits<double>::infinity()
                           : 10 * std::log10(ref2 / err2);
    a.cosine = ref2 > 0 && got2 > 0 ? dot / std::sqrt(ref2 * got2)
               : ref2 == got2       ? 1.0
                                    : 0.0;
    a.maxAbsError = maxAbs;
    a.meanAbsError = count ? absErr / count : 0;
    return a;
  }
};

/// The float tensor `ref` in the layout of `shape`: as is, or NCHW to NHWC
/// (the integer graph is channels-last inside). Empty if neither fits.
std::vector<double> inLayout(const EvalTensor &ref, ArrayRef<int64_t> shape) {
  if (ArrayRef<int64_t>(ref.shape) == shape)
    return ref.reals;
  if (ref.shape.size() != 4 || shape.size() != 4 || ref.shape[0] != shape[0] ||
      ref.shape[1] != shape[3] || ref.shape[2] != shape[1] ||
      ref.shape[3] != shape[2])
    return {};
  int64_t n = shape[0], h = shape[1], w = shape[2], c = shape[3];
  std::vector<double> out(ref.reals.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t k = 0; k < c; ++k)
          out[((b * h + y) * w + x) * c + k] =
              ref.reals[((b * c + k) * h + y) * w + x];
  return out;
}

/// The ONNX node an integer value stands for: a requantize stands for the
/// layer it requantizes.
std::optional<std::string> nodeOf(Operation *op) {
  if (isa<RequantizeOp>(op))
    if (Operation *layer = op->getOperand(0).getDefiningOp())
      if (isa<QConv2DOp, QFullyConnectedOp>(layer))
        op = layer;
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return loc.getName().str();
  return std::nullopt;
}

/// softmax(x) along `axis` of `shape`, in double: what the caller of a
/// compiled model applies to the logits when mpqc left the model's final
/// softmax to it.
std::vector<double> softmaxAlong(ArrayRef<double> x, ArrayRef<int64_t> shape,
                                 int64_t axis) {
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  const int64_t n = shape[axis], outer = x.size() / (n * inner);
  std::vector<double> y(x.begin(), x.end());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      double m = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t j = 0; j < n; ++j)
        m = std::max(m, x[base + j * inner]);
      for (int64_t j = 0; j < n; ++j)
        sum += (y[base + j * inner] = std::exp(x[base + j * inner] - m));
      for (int64_t j = 0; j < n; ++j)
        y[base + j * inner] /= sum;
    }
  return y;
}

} // namespace

Agreement mlir::mpq::compareValues(ArrayRef<double> ref, ArrayRef<double> got) {
  AgreementSums sums;
  sums.add(ref, got);
  return sums.get();
}

FailureOr<ValidationResult>
mlir::mpq::validateModel(func::FuncOp floatFunc, func::FuncOp integerFunc,
                         ArrayRef<EvalTensor> inputs,
                         const CompiledModelRunner &runner,
                         StringRef runnerName) {
  if (floatFunc.getNumArguments() != integerFunc.getNumArguments() ||
      floatFunc.getNumResults() != integerFunc.getNumResults())
    return integerFunc.emitError()
           << "validation: the float and the integer model differ in their "
              "inputs or outputs";
  ValidationResult result;
  const unsigned numOutputs = integerFunc.getNumResults();
  // The grids of the outputs, to read a runner's codes.
  SmallVector<UniformType> outputGrids;
  if (runner) {
    result.ranOn = runnerName.str();
    result.objectAgree = 0;
    auto ret = cast<func::ReturnOp>(integerFunc.getBody().front().back());
    for (Value value : ret.getOperands()) {
      auto deq = value.getDefiningOp<DequantizeOp>();
      auto type = deq ? dyn_cast<RankedTensorType>(deq.getInput().getType())
                      : RankedTensorType();
      auto grid =
          type ? dyn_cast<UniformType>(type.getElementType()) : UniformType();
      if (!grid)
        return integerFunc.emitError()
               << "validation through the object needs dequantized outputs";
      outputGrids.push_back(grid);
    }
  }
  // A final softmax left to the caller: the compiled model returns the
  // logits, which are compared after the caller's softmax.
  std::vector<std::optional<int64_t>> callerSoftmax(numOutputs);
  auto floatRet = cast<func::ReturnOp>(floatFunc.getBody().front().back());
  for (unsigned k = 0; k < numOutputs && k < floatRet.getNumOperands(); ++k)
    if (auto softmax = floatRet.getOperand(k).getDefiningOp<SoftmaxOp>()) {
      int64_t rank = softmax.getType().getRank();
      callerSoftmax[k] =
          softmax.getAxis() < 0 ? softmax.getAxis() + rank : softmax.getAxis();
    }
  std::vector<AgreementSums> outputSums(numOutputs);
  std::vector<int64_t> top1(numOutputs, 0);
  std::vector<bool> classifier(numOutputs, false);
  for (unsigned k = 0; k < numOutputs; ++k)
    if (auto type = dyn_cast<RankedTensorType>(integerFunc.getResultTypes()[k]))
      classifier[k] = type.getRank() == 2 && type.getDimSize(0) == 1 &&
                      type.getDimSize(1) > 1;
  // Per compared node: its width and sums, in the integer graph's order.
  std::map<std::string, std::pair<unsigned, AgreementSums>> layerSums;
  std::vector<std::string> layerOrder;

  for (const EvalTensor &input : inputs) {
    // The float graph: what each ONNX node computed, through the batch
    // norms, activations and fake-quants that lowering folds into its
    // integer layer (those count as the node's).
    std::map<std::string, EvalTensor> floatValues;
    llvm::DenseMap<Value, std::string> nodeOfValue;
    EvalOptions floatOptions;
    floatOptions.uncalibratedFakeQuantIsIdentity = true;
    floatOptions.afterOp = [&](Operation *op, auto valueOf) {
      if (op->getNumResults() != 1 ||
          !isa<RankedTensorType>(op->getResult(0).getType()))
        return;
      std::string node;
      if (isa<BatchNormOp, ReluOp, ClipOp, FakeQuantOp>(op) &&
          nodeOfValue.count(op->getOperand(0)))
        node = nodeOfValue.lookup(op->getOperand(0));
      else if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
        node = loc.getName().str();
      else
        return;
      nodeOfValue[op->getResult(0)] = node;
      const EvalTensor &value = valueOf(op->getResult(0));
      if (!value.isInteger)
        floatValues[node] = value;
    };
    FailureOr<EvalResult> floatRun = evaluate(floatFunc, input, floatOptions);
    if (failed(floatRun))
      return failure();

    EvalOptions integerOptions;
    std::vector<std::vector<int64_t>> inputCodes(integerFunc.getNumArguments());
    integerOptions.afterOp = [&](Operation *op, auto valueOf) {
      if (auto quantize = dyn_cast<QuantizeOp>(op))
        if (auto arg = dyn_cast<BlockArgument>(quantize.getInput()))
          inputCodes[arg.getArgNumber()] = valueOf(quantize.getResult()).ints;
      if (op->getNumResults() != 1 ||
          isa<QuantizeOp, ReshapeOp, TransposeOp>(op))
        return;
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      auto grid =
          type ? dyn_cast<UniformType>(type.getElementType()) : UniformType();
      std::optional<std::string> node = nodeOf(op);
      if (!grid || !node || !floatValues.count(*node))
        return;
      std::vector<double> ref =
          inLayout(floatValues[*node], SmallVector<int64_t>(type.getShape()));
      if (ref.empty())
        return;
      EvalTensor got = dequantizeCodes(valueOf(op->getResult(0)), grid);
      // The grid's range: what the codes can say at all.
      EvalTensor lo, hi;
      lo.isInteger = hi.isInteger = true;
      lo.shape = hi.shape = got.shape;
      lo.ints.assign(got.reals.size(), grid.getStorageMin());
      hi.ints.assign(got.reals.size(), grid.getStorageMax());
      EvalTensor loReal = dequantizeCodes(lo, grid),
                 hiReal = dequantizeCodes(hi, grid);
      for (size_t i = 0; i < ref.size(); ++i)
        ref[i] = std::clamp(ref[i], std::min(loReal.reals[i], hiReal.reals[i]),
                            std::max(loReal.reals[i], hiReal.reals[i]));
      auto [it, inserted] = layerSums.try_emplace(*node);
      if (inserted) {
        layerOrder.push_back(*node);
        it->second.first = grid.getWidth();
      }
      it->second.second.add(ref, got.reals);
    };
    FailureOr<EvalResult> integerRun =
        evaluate(integerFunc, input, integerOptions);
    if (failed(integerRun))
      return failure();

    std::vector<EvalTensor> objectOutputs;
    if (runner) {
      FailureOr<std::vector<std::vector<int64_t>>> codes = runner(inputCodes);
      if (failed(codes))
        return failure();
      for (unsigned k = 0; k < numOutputs; ++k) {
        EvalTensor tensor;
        tensor.isInteger = true;
        tensor.shape = integerRun->outputs[k].shape;
        tensor.ints = (*codes)[k];
        if (tensor.ints.size() != integerRun->outputs[k].reals.size())
          return integerFunc.emitError()
                 << "validation: output " << k << " of the object has "
                 << tensor.ints.size() << " codes, the model "
                 << integerRun->outputs[k].reals.size();
        objectOutputs.push_back(dequantizeCodes(tensor, outputGrids[k]));
        for (size_t i = 0; i < tensor.ints.size(); ++i)
          *result.objectAgree +=
              objectOutputs[k].reals[i] == integerRun->outputs[k].reals[i];
        result.objectCodes += tensor.ints.size();
      }
    }
    for (unsigned k = 0; k < numOutputs; ++k) {
      const EvalTensor &ref = floatRun->outputs[k];
      EvalTensor got = runner ? objectOutputs[k] : integerRun->outputs[k];
      if (callerSoftmax[k] && !got.reals.empty())
        got.reals = softmaxAlong(got.reals, got.shape, *callerSoftmax[k]);
      if (ref.reals.size() != got.reals.size())
        return integerFunc.emitError()
               << "validation: output " << k << " has " << got.reals.size()
               << " values in the integer model and " << ref.reals.size()
               << " in the float model";
      outputSums[k].add(ref.reals, got.reals);
      if (classifier[k] && !ref.reals.empty())
        top1[k] += std::max_element(ref.reals.begin(), ref.reals.end()) -
                       ref.reals.begin() ==
                   std::max_element(got.reals.begin(), got.reals.end()) -
                       got.reals.begin();
    }
    ++result.samples;
  }

  for (unsigned k = 0; k < numOutputs; ++k) {
    OutputValidation output;
    output.name = "output " + std::to_string(k);
    output.agreement = outputSums[k].get();
    output.samples = result.samples;
    if (classifier[k])
      output.top1Agree = top1[k];
    result.outputs.push_back(std::move(output));
  }
  for (const std::string &node : layerOrder)
    result.layers.push_back(
        {node, layerSums[node].first, layerSums[node].second.get()});
  std::stable_sort(result.layers.begin(), result.layers.end(),
                   [](const LayerValidation &a, const LayerValidation &b) {
                     return a.agreement.sqnrDb < b.agreement.sqnrDb;
                   });
  return result;
}

FailureOr<SampleOutputs>
mlir::mpq::evaluateSamples(func::FuncOp func, ArrayRef<EvalTensor> samples,
                           const EvalOptions &options) {
  SampleOutputs outputs(samples.size());
  auto run = [&](size_t i) -> LogicalResult {
    FailureOr<EvalResult> result = evaluate(func, {samples[i]}, options);
    if (failed(result))
      return failure();
    outputs[i] = std::move(result->outputs);
    return success();
  };
  if (failed(
          failableParallelForEachN(func.getContext(), 0, samples.size(), run)))
    return failure();
  return outputs;
}

double mlir::mpq::relativeOutputError(const SampleOutputs &got,
                                      const SampleOutputs &ref,
                                      function_ref<bool(size_t)> keep) {
  double err = 0, energy = 0;
  for (size_t s = 0; s < ref.size() && s < got.size(); ++s) {
    if (keep && !keep(s))
      continue;
    for (auto [g, r] : llvm::zip_equal(got[s], ref[s]))
      for (size_t i = 0; i < r.reals.size() && i < g.reals.size(); ++i) {
        const double d = g.reals[i] - r.reals[i];
        err += d * d;
        energy += r.reals[i] * r.reals[i];
      }
  }
  return err / std::max(energy, 1e-30);
}
