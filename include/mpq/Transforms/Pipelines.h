//===- Pipelines.h - mpq's pass pipelines -----------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The pipelines mpqc runs, as public builders that mpq-opt (by name), the
// compiler library and other compilers share:
//
//   mpq-to-integer  float or fake-quant graph -> planned integer graph:
//                   assign-precision, calibrate, lower-fake-quant,
//                   check-integer-only, canonicalize, plan-buffers
//   mpq-to-llvm     planned integer graph -> LLVM dialect:
//                   lower-to-loops, then the upstream conversions
//
// The stages of mpq-to-integer are builders of their own, so a driver can
// run them apart (the compiler reuses one calibration across several
// precision assignments) and still use the same definition.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PIPELINES_H
#define MPQ_TRANSFORMS_PIPELINES_H

#include "mpq/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::mpq {

struct IntegerPipelineOptions
    : public PassPipelineOptions<IntegerPipelineOptions> {
  Option<ByteSize> flash{*this, "flash",
                         llvm::cl::desc("Flash budget for weights and "
                                        "per-channel parameters (required)")};
  Option<ByteSize> ram{*this, "ram",
                       llvm::cl::desc("RAM budget for the arena (required)")};
  Option<QuantScheme> scheme{*this, "scheme",
                             llvm::cl::desc("Quantization scheme"),
                             llvm::cl::init(QuantScheme::PC_ICN)};
  Option<PrecisionStrategyKind> strategy{
      *this, "strategy", llvm::cl::desc("How widths are chosen"),
      llvm::cl::init(PrecisionStrategyKind::Rule)};
  Option<std::string> sensitivity{
      *this, "sensitivity",
      llvm::cl::desc("strategy=search: the sensitivity table (JSON)")};
  Option<RangeEstimatorKind> calibrationRange{
      *this, "calibration-range",
      llvm::cl::desc("How calibration chooses an activation's range: "
                     "minmax, percentile, mse or auto (mpq-calibrate range=)"),
      llvm::cl::init(RangeEstimatorKind::MinMax)};
  Option<ActivationRounding> activationRounding{
      *this, "activation-rounding",
      llvm::cl::desc("How assigned activations round: nearest (post-training "
                     "quantization) or floor (PACT)"),
      llvm::cl::init(ActivationRounding::Nearest)};
  Option<RamModel> ramModel{
      *this, "ram-model",
      llvm::cl::desc("RAM model of precision assignment (planned: the arena "
                     "the planner gives, as mpqc uses)"),
      llvm::cl::init(RamModel::Planned)};
  ListOption<std::string> pins{
      *this, "pins", llvm::cl::desc("Per-layer pins layer:wbits:abits")};
  ListOption<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration inputs (.npy), one input or a batch")};
  Option<unsigned> synthetic{
      *this, "synthetic",
      llvm::cl::desc("Synthetic calibration inputs when none are given"),
      llvm::cl::init(4)};
  Option<PlanAlgorithm> algorithm{*this, "algorithm",
                                  llvm::cl::desc("Arena placement"),
                                  llvm::cl::init(PlanAlgorithm::Best)};
  Option<bool> inPlace{
      *this, "in-place",
      llvm::cl::desc("Let a layer write its output over an input that dies "
                     "there (mpq-plan-buffers in-place=true)"),
      llvm::cl::init(true)};
  Option<bool> fuseRows{
      *this, "fuse-rows",
      llvm::cl::desc("Run groups of layers row by row where that "
                     "lowers the arena (mpq-fuse-rows)"),
      llvm::cl::init(false)};
  Option<bool> dspKernels{
      *this, "dsp-kernels",
      llvm::cl::desc("Plan the scratch of the DSP kernels that mpq-to-llvm "
                     "arm-dsp=true emits (mpq-plan-buffers dsp-kernels=true)"),
      llvm::cl::init(false)};
};

/// --mpq-assign-precision with the budgets, scheme, strategy, RAM model and
/// pins of `options`; fills `outcome` if given.
void buildMPQPrecisionStage(OpPassManager &pm,
                            const IntegerPipelineOptions &options,
                            PrecisionOutcome *outcome = nullptr);

/// --mpq-calibrate on the calibration inputs of `options`; with
/// `observeOnly`, the observed ranges only, no grids.
void buildMPQCalibrationStage(OpPassManager &pm,
                              const IntegerPipelineOptions &options,
                              bool observeOnly = false);

/// [--mpq-lower-fake-quant], --mpq-check-integer-only, canonicalize,
/// --mpq-plan-buffers; fills `outcome` if given. Without `lowerFakeQuant`
/// for a graph imported at the integer level already.
void buildMPQIntegerStage(OpPassManager &pm,
                          const IntegerPipelineOptions &options,
                          bool lowerFakeQuant = true,
                          PlanOutcome *outcome = nullptr);

/// The three stages in order: `mpq-to-integer`.
void buildMPQToIntegerPipeline(OpPassManager &pm,
                               const IntegerPipelineOptions &options);

struct LLVMPipelineOptions : public PassPipelineOptions<LLVMPipelineOptions> {
  Option<std::string> modelName{
      *this, "model-name",
      llvm::cl::desc("Prefix of every symbol (default: the function's name)")};
  Option<unsigned> channelBlock{
      *this, "channel-block",
      llvm::cl::desc("Output channels computed together (1: smallest code)"),
      llvm::cl::init(4)};
  Option<bool> armDsp{*this, "arm-dsp",
                      llvm::cl::desc("Use the Armv7E-M DSP instructions "
                                     "(cores with the DSP extension only)"),
                      llvm::cl::init(false)};
  Option<unsigned> indexBitwidth{
      *this, "index-bitwidth",
      llvm::cl::desc("Bits of index arithmetic: the target's pointer width"),
      llvm::cl::init(64)};
  Option<bool> mergeSteps{
      *this, "merge-steps",
      llvm::cl::desc("One function for the layers that differ only in their "
                     "weights (mpq-merge-steps: smaller code, about 1% more "
                     "instructions where the weights' addresses were "
                     "constants)"),
      llvm::cl::init(false)};
};

/// scf/arith/memref/func (from --mpq-lower-to-loops) to the LLVM dialect;
/// memref arguments become bare pointers, so the entry is a plain C
/// function. Index arithmetic (addresses, loop counters) gets
/// `indexBitwidth` bits, so a 32-bit core does not count its loops in
/// 64-bit pairs.
void buildLoopsToLLVMPipeline(OpPassManager &pm, unsigned indexBitwidth = 64);

/// --mpq-lower-to-loops (and --mpq-merge-steps with `merge-steps`), then
/// buildLoopsToLLVMPipeline: `mpq-to-llvm`.
void buildMPQToLLVMPipeline(OpPassManager &pm,
                            const LLVMPipelineOptions &options);

/// Registers mpq-to-integer and mpq-to-llvm for mpq-opt and
/// parsePassPipeline.
void registerMPQPipelines();

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_PIPELINES_H
