//===- Codegen.cpp - From loops to object code ----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Codegen/Codegen.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <thread>

using namespace mlir;
using namespace mlir::mpq;

namespace {
// One row per target. The Cortex-M rows follow the cores' Arm architecture
// (and LLVM's CPU of the same name, which brings the core's FPU, DSP and
// MVE): M0+ is Armv6-M (Thumb, no 32x32->64 multiply), M3 Armv7-M (no DSP,
// no FPU), M4 and M7 Armv7E-M (DSP; FPv4-SP, FPv5-D16), M33 Armv8-M
// Mainline (DSP, FPv5-SP), M55 Armv8.1-M Mainline (DSP, MVE, FP).
// In the order --help lists them.
const TargetInfo targets[] = {
    {CodegenTarget::CortexM0Plus, "cortex-m0plus", "thumbv6m-none-eabi",
     "cortex-m0plus", true, false, false, 32},
    {CodegenTarget::CortexM3, "cortex-m3", "thumbv7m-none-eabi", "cortex-m3",
     true, false, false, 32},
    {CodegenTarget::CortexM4, "cortex-m4", "thumbv7em-none-eabi", "cortex-m4",
     true, true, true, 32},
    {CodegenTarget::CortexM7, "cortex-m7", "thumbv7em-none-eabi", "cortex-m7",
     true, true, true, 32},
    {CodegenTarget::CortexM33, "cortex-m33", "thumbv8m.main-none-eabi",
     "cortex-m33", true, true, true, 32},
    {CodegenTarget::CortexM55, "cortex-m55", "thumbv8.1m.main-none-eabi",
     "cortex-m55", true, true, true, 32},
    {CodegenTarget::X86_64, "x86_64", "x86_64-unknown-linux-gnu", "x86-64",
     false, false, false, 64},
};
} // namespace

ArrayRef<TargetInfo> mlir::mpq::allTargets() { return targets; }

const TargetInfo &mlir::mpq::getTargetInfo(CodegenTarget target) {
  for (const TargetInfo &info : targets)
    if (info.target == target)
      return info;
  llvm_unreachable("every target has a row");
}

StringRef mlir::mpq::codegenTargetName(CodegenTarget target) {
  return getTargetInfo(target).name;
}

unsigned mlir::mpq::codegenIndexBitwidth(CodegenTarget target) {
  return getTargetInfo(target).pointerBits;
}

FloatABI mlir::mpq::defaultFloatABI(CodegenTarget target) {
  return getTargetInfo(target).hasFPU ? FloatABI::Hard : FloatABI::Soft;
}

StringRef mlir::mpq::floatABIName(FloatABI abi) {
  return abi == FloatABI::Soft     ? "soft"
         : abi == FloatABI::SoftFP ? "softfp"
                                   : "hard";
}

std::optional<std::string>
mlir::mpq::checkFloatABI(CodegenTarget target, std::optional<FloatABI> abi) {
  const TargetInfo &info = getTargetInfo(target);
  if (!abi)
    return std::nullopt;
  if (!info.isArm)
    return ("--float-abi=" + floatABIName(*abi) + " is for Arm targets; " +
            info.name + " has its own ABI (leave --float-abi out)")
        .str();
  if (*abi != FloatABI::Soft && !info.hasFPU)
    return ("--float-abi=" + floatABIName(*abi) + " needs an FPU, and " +
            info.name + " has none (use --float-abi=soft, its default)")
        .str();
  return std::nullopt;
}

namespace {
struct TargetDescription {
  std::string triple;
  const char *cpu, *features;
  llvm::Reloc::Model relocation;
  llvm::FloatABI::ABIType floatAbi;
};

TargetDescription describe(CodegenTarget target, FloatABI abi) {
  const TargetInfo &info = getTargetInfo(target);
  if (!info.isArm)
    // PIC, so the object links into the host's position-independent
    // executables.
    return {info.triple, info.cpu, "", llvm::Reloc::PIC_,
            llvm::FloatABI::Default};
  // The CPU brings its FPU (and MVE); the ABI only says how float
  // arguments would travel, which is what a firmware's link checks
  // (Tag_ABI_VFP_args). Soft leaves the FPU out altogether (no Tag_FP_arch,
  // no FP or MVE register), so the object links into firmware built without
  // one.
  std::string triple = info.triple;
  if (abi == FloatABI::Hard)
    triple += "hf";
  const char *features = abi == FloatABI::Soft && info.hasFPU ? "-fpregs" : "";
  return {triple, info.cpu, features, llvm::Reloc::Static,
          abi == FloatABI::Hard ? llvm::FloatABI::Hard : llvm::FloatABI::Soft};
}

void initializeTargets() {
  static bool done = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeARMTargetInfo();
    LLVMInitializeARMTarget();
    LLVMInitializeARMTargetMC();
    LLVMInitializeARMAsmPrinter();
    // The kernels' inline assembly (one LDRD where LLVM pairs no loads).
    LLVMInitializeARMAsmParser();
    return true;
  }();
  (void)done;
}
} // namespace

/// Optimizes `llvmModule` for `desc` and `goal` and writes its object to
/// `os` (and the optimized IR to `llvmIR` if given); the error, if any.
static std::optional<std::string>
optimizeAndEmit(llvm::Module &llvmModule, const TargetDescription &desc,
                StringRef modelName, CodegenGoal goal,
                llvm::raw_pwrite_stream &os, std::string *llvmIR) {
  llvm::Triple triple(desc.triple);
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return "no LLVM target for " + desc.triple + ": " + error;
  llvm::TargetOptions options;
  // Each function's frame size in a `.stack_sizes` section (not loaded):
  // mpqc reports the stack the model needs from it.
  options.EmitStackSizeSection = true;
  // The object declares the float ABI of the firmware it links into,
  // although the integer path uses no FP register.
  options.FloatABIType = desc.floatAbi;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, desc.cpu, desc.features, options, desc.relocation, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return "cannot create a target machine for " + desc.triple;
  llvmModule.setTargetTriple(triple);
  llvmModule.setDataLayout(machine->createDataLayout());

  // Weights and parameters in a named section a linker script can place.
  std::string section = (".rodata.mpq." + modelName).str();
  for (llvm::GlobalVariable &global : llvmModule.globals())
    if (global.isConstant())
      global.setSection(section);

  // LLVM's standard O2 (or Os) pipeline for the target. Its loop and SLP
  // vectorizers only cost time on a core without vector registers (every
  // Cortex-M but the M55's MVE): the code is the same without them.
  llvm::PipelineTuningOptions tuning;
  for (llvm::Function &function : llvmModule)
    if (!function.isDeclaration()) {
      llvm::TargetTransformInfo tti = machine->getTargetTransformInfo(function);
      bool vectors =
          tti.getNumberOfRegisters(tti.getRegisterClassForType(true)) > 0;
      tuning.LoopVectorization = tuning.SLPVectorization = vectors;
      break;
    }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder passBuilder(machine.get(), tuning);
  passBuilder.registerModuleAnalyses(mam);
  passBuilder.registerCGSCCAnalyses(cgam);
  passBuilder.registerFunctionAnalyses(fam);
  passBuilder.registerLoopAnalyses(lam);
  passBuilder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = passBuilder.buildPerModuleDefaultPipeline(
      goal == CodegenGoal::Size ? llvm::OptimizationLevel::Os
                                : llvm::OptimizationLevel::O2);
  mpm.run(llvmModule, mam);

  if (llvmIR) {
    llvm::raw_string_ostream irStream(*llvmIR);
    llvmModule.print(irStream, nullptr);
  }
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return "the " + desc.triple + " target cannot emit an object file";
  codegen.run(llvmModule);
  return std::nullopt;
}

/// The LLVM IR of an LLVM-dialect module, in `llvmContext`.
static std::unique_ptr<llvm::Module> translate(ModuleOp module,
                                               llvm::LLVMContext &llvmContext,
                                               StringRef modelName) {
  initializeTargets();
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  return translateModuleToLLVMIR(module, llvmContext, modelName);
}

LogicalResult mlir::mpq::emitObject(ModuleOp module, CodegenTarget target,
                                    StringRef modelName,
                                    llvm::raw_pwrite_stream &os,
                                    std::string *llvmIR, CodegenGoal goal,
                                    std::optional<FloatABI> floatAbi) {
  if (std::optional<std::string> why = checkFloatABI(target, floatAbi))
    return module.emitError() << *why;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translate(module, llvmContext, modelName);
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";
  if (std::optional<std::string> error = optimizeAndEmit(
          *llvmModule,
          describe(target, floatAbi.value_or(defaultFloatABI(target))),
          modelName, goal, os, llvmIR))
    return module.emitError() << *error;
  return success();
}

FailureOr<std::vector<std::string>>
mlir::mpq::emitObjectParts(ModuleOp module, CodegenTarget target,
                           StringRef modelName, unsigned parts,
                           CodegenGoal goal, std::optional<FloatABI> floatAbi) {
  if (std::optional<std::string> why = checkFloatABI(target, floatAbi))
    return module.emitError() << *why;
  std::vector<std::string> bitcode;
  {
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translate(module, llvmContext, modelName);
    if (!llvmModule)
      return module.emitError() << "translation to LLVM IR failed";
    // Each part keeps the bodies of its functions (the largest first, each
    // to the part with the fewest instructions so far); the others become
    // declarations. A kept function stays visible (external) so a part that
    // does not call it keeps it, and the globals stay private to the
    // functions that read them, so they fold and address as in one object.
    unsigned n = std::max(parts, 1u);
    SmallVector<std::pair<unsigned, llvm::Function *>> bySize;
    for (llvm::Function &function : *llvmModule)
      if (!function.isDeclaration())
        bySize.push_back({function.getInstructionCount(), &function});
    llvm::stable_sort(
        bySize, [](const auto &a, const auto &b) { return a.first > b.first; });
    llvm::DenseMap<const llvm::Function *, unsigned> partOf;
    SmallVector<uint64_t> load(n, 0);
    for (auto &[size, function] : bySize) {
      unsigned lightest =
          std::min_element(load.begin(), load.end()) - load.begin();
      partOf[function] = lightest;
      load[lightest] += size;
    }
    for (unsigned k = 0; k < n; ++k) {
      llvm::ValueToValueMapTy map;
      std::unique_ptr<llvm::Module> part = llvm::CloneModule(*llvmModule, map);
      for (llvm::Function &original : *llvmModule) {
        if (original.isDeclaration())
          continue;
        auto *function = llvm::cast<llvm::Function>(map[&original]);
        if (partOf[&original] != k) {
          function->deleteBody();
          function->setLinkage(llvm::GlobalValue::ExternalLinkage);
        } else if (function->hasLocalLinkage()) {
          function->setLinkage(llvm::GlobalValue::ExternalLinkage);
        }
      }
      llvm::raw_string_ostream os(bitcode.emplace_back());
      llvm::WriteBitcodeToFile(*part, os);
    }
  }
  TargetDescription desc =
      describe(target, floatAbi.value_or(defaultFloatABI(target)));
  std::vector<std::string> objects(bitcode.size()), errors(bitcode.size());
  auto compilePart = [&](size_t i) {
    llvm::LLVMContext llvmContext;
    llvm::Expected<std::unique_ptr<llvm::Module>> part = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(bitcode[i], modelName), llvmContext);
    if (!part) {
      errors[i] = llvm::toString(part.takeError());
      return;
    }
    llvm::raw_string_ostream stream(objects[i]);
    llvm::buffer_ostream buffered(stream);
    if (std::optional<std::string> error =
            optimizeAndEmit(**part, desc, modelName, goal, buffered, nullptr))
      errors[i] = *error;
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < bitcode.size(); ++i)
    threads.emplace_back(compilePart, i);
  if (!bitcode.empty())
    compilePart(0);
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return module.emitError() << error;
  return objects;
}
