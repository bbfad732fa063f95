//===- HostRun.cpp - Running a compiled x86-64 object in process ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// `mpqc --validate --validate-object`: the object mpqc wrote for x86-64,
// loaded into this process by LLVM's ORC JIT (JITLink, the host's memset and
// memcpy) and run on the validation inputs, so that the figures come from
// the very code a user links, not from the evaluator that it must equal.
//
//===----------------------------------------------------------------------===//

#include "HostRun.h"
#include "mpq/Support/Packing.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// Calls `entry` with `args` (all pointers; the last one the arena).
int32_t callEntry(void *entry, ArrayRef<void *> a) {
  switch (a.size()) {
  case 2:
    return reinterpret_cast<int32_t (*)(void *, void *)>(entry)(a[0], a[1]);
  case 3:
    return reinterpret_cast<int32_t (*)(void *, void *, void *)>(entry)(
        a[0], a[1], a[2]);
  case 4:
    return reinterpret_cast<int32_t (*)(void *, void *, void *, void *)>(entry)(
        a[0], a[1], a[2], a[3]);
  case 5:
    return reinterpret_cast<int32_t (*)(void *, void *, void *, void *,
                                        void *)>(entry)(a[0], a[1], a[2], a[3],
                                                        a[4]);
  case 6:
    return reinterpret_cast<int32_t (*)(void *, void *, void *, void *, void *,
                                        void *)>(entry)(a[0], a[1], a[2], a[3],
                                                        a[4], a[5]);
  default:
    return -1;
  }
}

} // namespace

struct HostRunner::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  void *entry = nullptr;
  ModelInterface interface;
  void *arena = nullptr;
  ~Impl() { std::free(arena); }
};

HostRunner::HostRunner() = default;
HostRunner::~HostRunner() = default;
HostRunner::HostRunner(HostRunner &&) = default;

llvm::Expected<HostRunner> HostRunner::load(StringRef object,
                                            const ModelInterface &interface) {
  auto error = [](const Twine &message) {
    return llvm::make_error<llvm::StringError>(message,
                                               llvm::inconvertibleErrorCode());
  };
  llvm::Triple host(llvm::sys::getProcessTriple());
  if (host.getArch() != llvm::Triple::x86_64)
    return error("running the object needs an x86-64 host, this is " +
                 host.str());
  if (interface.inputs.size() + interface.outputs.size() + 1 > 6)
    return error("running the object in process takes models with up to "
                 "five inputs and outputs in all");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*jit)->getDataLayout().getGlobalPrefix());
  if (!generator)
    return generator.takeError();
  (*jit)->getMainJITDylib().addGenerator(std::move(*generator));
  if (llvm::Error e = (*jit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "model.o")))
    return std::move(e);
  auto symbol = (*jit)->lookup(interface.name + "_run");
  if (!symbol)
    return symbol.takeError();

  HostRunner runner;
  runner.impl = std::make_unique<Impl>();
  runner.impl->jit = std::move(*jit);
  runner.impl->entry = symbol->toPtr<void *>();
  runner.impl->interface = interface;
  size_t align = std::max<int64_t>(interface.arenaAlign, 16);
  size_t bytes =
      (std::max<int64_t>(interface.arenaBytes, 1) + align - 1) / align * align;
  runner.impl->arena = std::aligned_alloc(align, bytes);
  if (!runner.impl->arena)
    return error("cannot allocate the arena");
  return std::move(runner);
}

llvm::Expected<std::vector<std::vector<int64_t>>>
HostRunner::run(ArrayRef<std::vector<int64_t>> inputCodes) {
  const ModelInterface &iface = impl->interface;
  auto error = [](const Twine &message) {
    return llvm::make_error<llvm::StringError>(message,
                                               llvm::inconvertibleErrorCode());
  };
  if (inputCodes.size() != iface.inputs.size())
    return error("expected " + Twine(iface.inputs.size()) + " inputs");
  std::vector<std::vector<uint8_t>> inputs, outputs;
  std::vector<void *> args;
  for (auto [k, tensor] : llvm::enumerate(iface.inputs)) {
    std::vector<int32_t> codes(inputCodes[k].begin(), inputCodes[k].end());
    std::vector<uint8_t> packed(tensor.bytes);
    if (!packTensor(codes.data(), tensor.shape, tensor.bits, packed.data()))
      return error("input " + Twine(k) + " cannot be packed");
    inputs.push_back(std::move(packed));
  }
  for (const TensorInterface &tensor : iface.outputs)
    outputs.emplace_back(tensor.bytes);
  for (std::vector<uint8_t> &buffer : inputs)
    args.push_back(buffer.data());
  for (std::vector<uint8_t> &buffer : outputs)
    args.push_back(buffer.data());
  args.push_back(impl->arena);
  if (int32_t status = callEntry(impl->entry, args))
    return error("the model's run function returned " + Twine(status));
  std::vector<std::vector<int64_t>> result;
  for (auto [k, tensor] : llvm::enumerate(iface.outputs)) {
    int64_t n = 1;
    for (int64_t d : tensor.shape)
      n *= d;
    std::vector<int32_t> codes(n);
    if (!unpackTensor(outputs[k].data(), tensor.shape, tensor.bits,
                      tensor.isSigned, codes.data()))
      return error("output " + Twine(k) + " cannot be unpacked");
    result.emplace_back(codes.begin(), codes.end());
  }
  return result;
}
