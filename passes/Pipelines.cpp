//===- Pipelines.cpp - mpq's pass pipelines -------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Transforms/Pipelines.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::mpq;

void mlir::mpq::buildMPQPrecisionStage(OpPassManager &pm,
                                       const IntegerPipelineOptions &options,
                                       PrecisionOutcome *outcome) {
  MPQAssignPrecisionPassOptions assign;
  assign.flash = options.flash;
  assign.ram = options.ram;
  assign.scheme = options.scheme;
  assign.strategy = options.strategy;
  assign.sensitivity = options.sensitivity;
  assign.ramModel = options.ramModel;
  assign.activationRounding = options.activationRounding;
  assign.inPlace = options.inPlace;
  assign.fuseRows = options.fuseRows;
  assign.dspKernels = options.dspKernels;
  assign.pins.assign(options.pins.begin(), options.pins.end());
  pm.addPass(createMPQAssignPrecisionPass(assign, outcome));
}

void mlir::mpq::buildMPQCalibrationStage(OpPassManager &pm,
                                         const IntegerPipelineOptions &options,
                                         bool observeOnly) {
  MPQCalibratePassOptions calibrate;
  calibrate.inputs.assign(options.calibration.begin(),
                          options.calibration.end());
  calibrate.synthetic = options.synthetic;
  calibrate.scheme = options.scheme;
  calibrate.observeOnly = observeOnly;
  calibrate.range = options.calibrationRange;
  pm.addPass(createMPQCalibratePass(calibrate));
}

void mlir::mpq::buildMPQIntegerStage(OpPassManager &pm,
                                     const IntegerPipelineOptions &options,
                                     bool lowerFakeQuant,
                                     PlanOutcome *outcome) {
  if (lowerFakeQuant)
    pm.addPass(createMPQLowerFakeQuantPass());
  pm.addPass(createMPQCheckIntegerOnlyPass());
  pm.addPass(createCanonicalizerPass());
  if (options.fuseRows) {
    MPQFuseRowsPassOptions fuse;
    fuse.inPlace = options.inPlace;
    fuse.dspKernels = options.dspKernels;
    pm.addPass(createMPQFuseRowsPass(fuse));
  }
  MPQPlanBuffersPassOptions plan;
  plan.algorithm = options.algorithm;
  plan.inPlace = options.inPlace;
  plan.dspKernels = options.dspKernels;
  pm.addPass(createMPQPlanBuffersPass(plan, outcome));
}

void mlir::mpq::buildMPQToIntegerPipeline(
    OpPassManager &pm, const IntegerPipelineOptions &options) {
  buildMPQPrecisionStage(pm, options);
  buildMPQCalibrationStage(pm, options);
  buildMPQIntegerStage(pm, options);
}

void mlir::mpq::buildLoopsToLLVMPipeline(OpPassManager &pm,
                                         unsigned indexBitwidth) {
  pm.addPass(createSCFToControlFlowPass());
  ArithToLLVMConversionPassOptions arithOptions;
  arithOptions.indexBitwidth = indexBitwidth;
  pm.addPass(createArithToLLVMConversionPass(arithOptions));
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.indexBitwidth = indexBitwidth;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  funcOptions.indexBitwidth = indexBitwidth;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  ConvertControlFlowToLLVMPassOptions cfOptions;
  cfOptions.indexBitwidth = indexBitwidth;
  pm.addPass(createConvertControlFlowToLLVMPass(cfOptions));
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::mpq::buildMPQToLLVMPipeline(OpPassManager &pm,
                                       const LLVMPipelineOptions &options) {
  MPQLowerToLoopsPassOptions loops;
  loops.modelName = options.modelName;
  loops.channelBlock = options.channelBlock;
  loops.armDsp = options.armDsp;
  pm.addPass(createMPQLowerToLoopsPass(loops));
  if (options.mergeSteps)
    pm.addPass(createMPQMergeStepsPass());
  buildLoopsToLLVMPipeline(pm, options.indexBitwidth);
}

void mlir::mpq::registerMPQPipelines() {
  PassPipelineRegistration<IntegerPipelineOptions>(
      "mpq-to-integer",
      "Float or fake-quant graph to the planned integer graph: "
      "mpq-assign-precision, mpq-calibrate, mpq-lower-fake-quant, "
      "mpq-check-integer-only, canonicalize, mpq-plan-buffers",
      buildMPQToIntegerPipeline);
  PassPipelineRegistration<LLVMPipelineOptions>(
      "mpq-to-llvm",
      "Planned integer graph to the LLVM dialect: mpq-lower-to-loops, "
      "mpq-merge-steps (merge-steps=true) and the "
      "upstream conversions (bare-pointer C entry point)",
      buildMPQToLLVMPipeline);
}
