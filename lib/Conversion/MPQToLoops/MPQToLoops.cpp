//===- MPQToLoops.cpp - --mpq-lower-to-loops ------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The integer graph becomes loops over packed bytes (scf + arith + memref),
// ready for the upstream conversions to the LLVM dialect. This file has the
// model boundary and storage (MPQToLoopsLowering), the patterns of the ops
// that are not layers (requantize, qadd, pools, data movement), and the pass;
// the layers' kernels are in LayerPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "mpq/Conversion/MPQToLoops/MPQToLoops.h"
#include "LoopPattern.h"

#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Support/Packing.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQLOWERTOLOOPSPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

/// Arena offset of a value that `--mpq-plan-buffers` annotated, if any.
static std::optional<int64_t> plannedOffset(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  return getArenaOffset(def);
}

//===----------------------------------------------------------------------===//
// MPQToLoopsLowering
//===----------------------------------------------------------------------===//

MPQToLoopsLowering::MPQToLoopsLowering(func::FuncOp model, StringRef prefix)
    : model(model), prefix(prefix.str()) {}

FailureOr<PackedBuffer> MPQToLoopsLowering::bufferFor(Value value,
                                                      Operation *user) const {
  if (std::optional<PackedBuffer> buf = lookupBuffer(value))
    return *buf;
  return user->emitError()
         << "operand produced by '"
         << (value.getDefiningOp()
                 ? value.getDefiningOp()->getName().getStringRef()
                 : StringRef("an argument"))
         << "' has no integer storage: run "
            "--mpq-lower-fake-quant first";
}

std::optional<PackedBuffer>
MPQToLoopsLowering::lookupBuffer(Value value) const {
  auto it = buffers.find(value);
  if (it == buffers.end())
    return std::nullopt;
  PackedBuffer buf = it->second;
  buf.memref = stepArena ? stepArena : arena;
  // A line buffer: the current step writes it (its result) or reads it.
  if (lineBuffers.contains(value) && stepMember) {
    const RowGroupMember &member =
        rowGroups[stepMember->first].group.members[stepMember->second];
    if (value == member.result())
      buf.dynamicOffset = stepOutShift;
    for (size_t i = 0; i < member.inputs.size() && !buf.dynamicOffset; ++i)
      if (member.inputs[i] == value)
        buf.dynamicOffset = stepInShifts[i];
  }
  return buf;
}

int64_t MPQToLoopsLowering::lineBase(size_t g) {
  RowGroupState &state = rowGroups[g];
  if (state.lineBase < 0) {
    // Planned: the group's scratch; otherwise after everything so far.
    Operation *first = state.group.members.front().op;
    std::optional<int64_t> planned = getScratchOffset(first);
    state.lineBase = planned ? *planned : (arenaSize + 15) / 16 * 16;
    arenaSize =
        std::max(arenaSize, state.lineBase + state.group.schedule.scratchBytes);
  }
  return state.lineBase;
}

Value MPQToLoopsLowering::rowGroupRow() {
  if (!stepMember)
    return Value();
  stepRowUsed = true;
  return stepRow;
}

void MPQToLoopsLowering::beginStep(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  b.setInsertionPoint(entry);
  stepMember.reset();
  stepRowUsed = false;
  auto arenaType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  SmallVector<Type> argTypes{arenaType};
  if (auto it = rowMembers.find(op); it != rowMembers.end()) {
    stepMember = it->second;
    const RowGroupMember &member =
        rowGroups[it->second.first].group.members[it->second.second];
    argTypes.append(2 + member.inputs.size(), b.getIndexType());
  }
  auto type = b.getFunctionType(argTypes, {});
  step = func::FuncOp::create(
      b, loc, prefix + "_step" + std::to_string(steps.size()), type);
  step.setPrivate();
  // Internal and never inlined: the step's code is the same whatever
  // surrounds it, and it keeps a symbol of its own.
  MLIRContext *context = b.getContext();
  step->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(context, LLVM::Linkage::Internal));
  step->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  Block *body = step.addEntryBlock();
  stepArena = body->getArgument(0);
  stepInShifts.clear();
  if (stepMember) {
    stepRow = body->getArgument(1);
    stepOutShift = body->getArgument(2);
    for (unsigned i = 3; i < body->getNumArguments(); ++i)
      stepInShifts.push_back(body->getArgument(i));
  }
  b.setInsertionPointToEnd(body);
}

void MPQToLoopsLowering::endStep(RewriterBase &b) {
  func::FuncOp done = step;
  std::optional<std::pair<size_t, size_t>> member = stepMember;
  step = nullptr;
  stepArena = nullptr;
  stepMember.reset();
  stepRow = stepOutShift = nullptr;
  stepInShifts.clear();
  Block *body = &done.getBody().front();
  if (member && !hadError && (body->empty() || !stepRowUsed)) {
    // Every pattern that can take a row group's layer computes one row.
    done.emitError() << "internal: the kernel of this layer of row group "
                     << rowGroups[member->first].group.id
                     << " does not compute one row at a time";
    hadError = true;
  }
  if (body->empty()) {
    b.eraseOp(done);
    return;
  }
  b.setInsertionPointToEnd(body);
  func::ReturnOp::create(b, done.getLoc());
  steps.push_back(done);
  if (!member) {
    b.setInsertionPointToEnd(&entry.getBody().front());
    func::CallOp::create(b, done.getLoc(), done, ValueRange{arena});
    return;
  }
  RowGroupState &state = rowGroups[member->first];
  state.stepFunctions.push_back(done);
  if (state.stepFunctions.size() == state.group.members.size() && !hadError)
    emitRowGroupDriver(b, member->first);
}

void MPQToLoopsLowering::emitRowGroupDriver(OpBuilder &b, size_t g) {
  const RowGroupState &state = rowGroups[g];
  const RowSchedule &schedule = state.group.schedule;
  const size_t n = state.group.members.size();
  Location loc = state.group.members.back().writer->getLoc();
  b.setInsertionPointToEnd(&entry.getBody().front());
  LoopEmitter e(b, loc);
  using P = arith::CmpIPredicate;
  const int64_t base = state.lineBase;
  // The loop of RowSchedule.h: each turn, every member in order writes its
  // next row if its windows' rows are there. The counts of rows written
  // are the loop's values.
  auto loop =
      scf::ForOp::create(b, loc, e.index(0), e.index(schedule.iterations),
                         e.index(1), SmallVector<Value>(n, e.index(0)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> written(loop.getRegionIterArgs());
  for (size_t i = 0; i < n; ++i) {
    const RowLayer &l = state.group.members[i].rows;
    Value y = written[i];
    Value need = arith::MinSIOp::create(
        b, loc, e.add(e.mul(y, e.index(l.stride)), e.index(l.extent - l.pad)),
        e.index(l.inRows));
    Value ready = e.cmp(P::slt, y, e.index(l.outRows));
    for (const RowInput &in : l.inputs)
      if (in.source >= 0)
        ready = arith::AndIOp::create(b, loc, ready,
                                      e.cmp(P::sle, need, written[in.source]));
    auto branch = scf::IfOp::create(b, loc, TypeRange{b.getIndexType()}, ready,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(branch.thenBlock());
      // The output's line buffer drops its oldest row: rows [1, R) move to
      // [0, R - 1), and the new row goes to slot R - 1.
      SmallVector<Value> operands{arena, y, e.index(0)};
      if (i + 1 < n) {
        const int64_t rows = schedule.lineRows[i];
        const int64_t at = base + schedule.lineOffsets[i];
        if (rows > 1)
          moveBytes(b, at + l.outRowBytes, at, (rows - 1) * l.outRowBytes);
        operands[2] =
            e.mul(e.sub(e.index(rows - 1), y), e.index(l.outRowBytes));
      }
      // Each line buffer read: row r is at slot r - written + R.
      for (const RowInput &in : l.inputs)
        operands.push_back(
            in.source < 0 ? e.index(0)
                          : e.mul(e.sub(e.index(schedule.lineRows[in.source]),
                                        written[in.source]),
                                  e.index(in.rowBytes)));
      func::CallOp::create(b, loc, state.stepFunctions[i], operands);
      scf::YieldOp::create(b, loc, ValueRange{e.add(y, e.index(1))});
      b.setInsertionPointToStart(branch.elseBlock());
      scf::YieldOp::create(b, loc, ValueRange{y});
    }
    written[i] = branch.getResult(0);
  }
  scf::YieldOp::create(b, loc, written);
}

void MPQToLoopsLowering::moveBytes(OpBuilder &b, int64_t from, int64_t to,
                                   int64_t bytes) {
  // Forward, so that an overlapping move to a lower address is right; in
  // words where every address is a multiple of 4 (LLVM may still call
  // memmove).
  Location loc = model.getLoc();
  LoopEmitter e(b, loc);
  const int64_t unit = from % 4 == 0 && to % 4 == 0 && bytes % 4 == 0 ? 4 : 1;
  Value memref = arena;
  if (unit == 4) {
    auto words = MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
    memref = memref::ViewOp::create(
        b, loc, words, arena, e.index(0),
        ValueRange{e.index((std::max(from, to) + bytes) / 4)});
  }
  e.loopNest({bytes / unit}, [&](ArrayRef<Value> ivs) {
    Value v = memref::LoadOp::create(
        b, loc, memref, ValueRange{e.add(ivs[0], e.index(from / unit))});
    memref::StoreOp::create(b, loc, v, memref,
                            ValueRange{e.add(ivs[0], e.index(to / unit))});
  });
}

LogicalResult MPQToLoopsLowering::assignStorage(Operation *op) {
  if (auto it = rowMembers.find(op); it != rowMembers.end()) {
    auto [g, m] = it->second;
    // A member's result before the last: a line buffer of the group.
    if (m + 1 < rowGroups[g].group.members.size()) {
      Value result = op->getResult(0);
      auto type = cast<RankedTensorType>(result.getType());
      auto uniform = cast<UniformType>(type.getElementType());
      PackedBuffer buf;
      buf.memref = stepArena ? stepArena : arena;
      buf.shape.assign(type.getShape().begin(), type.getShape().end());
      buf.bits = uniform.getWidth();
      buf.isSigned = uniform.getIsSigned();
      buf.offset = lineBase(g) + rowGroups[g].group.schedule.lineOffsets[m];
      buffers[result] = buf;
      lineBuffers[result] = {g, m};
      return success();
    }
    lineBase(g);
  }
  Value result = op->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  auto uniform = dyn_cast<UniformType>(type.getElementType());
  if (!uniform)
    return op->emitError() << "expected a quantized result, got " << type;
  unsigned bits = uniform.getWidth();
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 32)
    return op->emitError() << "code generation supports 1, 2, 4 and 8-bit "
                              "tensors; this result has "
                           << bits << " bits";
  PackedBuffer buf;
  buf.memref = stepArena ? stepArena : arena;
  buf.shape.assign(type.getShape().begin(), type.getShape().end());
  buf.bits = bits;
  buf.isSigned = uniform.getIsSigned();
  if (std::optional<int64_t> offset = plannedOffset(result)) {
    buf.offset = *offset;
  } else {
    buf.offset = (arenaSize + 15) / 16 * 16;
  }
  arenaSize = std::max(arenaSize, buf.offset + buf.bytes());
  buffers[result] = buf;
  return success();
}

Value MPQToLoopsLowering::global(OpBuilder &b, StringRef kind,
                                 ArrayRef<int32_t> values) {
  return global(b, kind, values, 32);
}

Value MPQToLoopsLowering::global(OpBuilder &b, StringRef kind,
                                 ArrayRef<int32_t> values, unsigned bits) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(entry);
  std::string name = prefix + "_" + kind.str() + std::to_string(globals++);
  Type elem = b.getIntegerType(bits);
  auto type = MemRefType::get({static_cast<int64_t>(values.size())}, elem);
  auto tensorType = RankedTensorType::get(type.getShape(), elem);
  SmallVector<APInt> data;
  for (int32_t v : values) {
    assert(llvm::isIntN(bits, v) && "parameter out of its storage range");
    data.push_back(APInt(bits, static_cast<uint64_t>(int64_t(v)),
                         /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  memref::GlobalOp::create(b, model.getLoc(), name, b.getStringAttr("private"),
                           type, DenseElementsAttr::get(tensorType, data),
                           /*constant=*/true, /*alignment=*/nullptr);
  b.setInsertionPointToStart(step ? &step.getBody().front()
                                  : &entry.getBody().front());
  return memref::GetGlobalOp::create(b, model.getLoc(), type, name);
}

Value MPQToLoopsLowering::stackWords(OpBuilder &b, int64_t words) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(step ? &step.getBody().front()
                                  : &entry.getBody().front());
  auto type = MemRefType::get({words}, b.getI32Type());
  return memref::AllocaOp::create(b, model.getLoc(), type,
                                  b.getI64IntegerAttr(4));
}

std::vector<int32_t> MPQToLoopsLowering::codesOf(QConstantOp constant) {
  std::vector<int32_t> codes;
  auto dense = dyn_cast<DenseIntElementsAttr>(constant.getValue());
  if (dense && dense.getElementType().isInteger(32)) {
    auto values = dense.getValues<int32_t>();
    codes.assign(values.begin(), values.end());
  } else if (dense && dense.getElementType().isInteger(8)) {
    for (int8_t v : dense.getValues<int8_t>())
      codes.push_back(v);
  } else {
    for (const APInt &v : constant.getValue().getValues<APInt>())
      codes.push_back(static_cast<int32_t>(v.getSExtValue()));
  }
  return codes;
}

Value MPQToLoopsLowering::weightBytes(OpBuilder &b, QConstantOp constant,
                                      const PackedBuffer &layout) {
  std::vector<int32_t> codes = codesOf(constant);
  std::vector<int64_t> shape(layout.shape.begin(), layout.shape.end());
  std::vector<uint8_t> bytes(packedTensorBytes(shape, layout.bits));
  packTensor(codes.data(), shape, layout.bits, bytes.data());
  return byteGlobal(b, constant.getLoc(), "weights", bytes);
}

Value MPQToLoopsLowering::byteGlobal(OpBuilder &b, Location loc, StringRef kind,
                                     ArrayRef<uint8_t> bytes) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(entry);
  std::string name = prefix + "_" + kind.str() + std::to_string(globals++);
  auto type =
      MemRefType::get({static_cast<int64_t>(bytes.size())}, b.getI8Type());
  auto tensorType = RankedTensorType::get(type.getShape(), b.getI8Type());
  SmallVector<int8_t> data(bytes.begin(), bytes.end());
  memref::GlobalOp::create(
      b, loc, name, b.getStringAttr("private"), type,
      DenseElementsAttr::get(tensorType, ArrayRef<int8_t>(data)),
      /*constant=*/true, /*alignment=*/nullptr);
  b.setInsertionPointToStart(step ? &step.getBody().front()
                                  : &entry.getBody().front());
  return memref::GetGlobalOp::create(b, loc, type, name);
}

void MPQToLoopsLowering::copyBytes(OpBuilder &b, Value from, int64_t fromOffset,
                                   Value to, int64_t toOffset, int64_t bytes) {
  LoopEmitter e(b, model.getLoc());
  e.loopNest({bytes}, [&](ArrayRef<Value> ivs) {
    Value byte =
        memref::LoadOp::create(b, model.getLoc(), from,
                               ValueRange{e.add(ivs[0], e.index(fromOffset))});
    memref::StoreOp::create(b, model.getLoc(), byte, to,
                            ValueRange{e.add(ivs[0], e.index(toOffset))});
  });
}

Value MPQToLoopsLowering::ParamTable::at(LoopEmitter &e, Value c) const {
  if (!global)
    return e.i32(0);
  const bool uniform = cast<MemRefType>(global.getType()).getDimSize(0) == 1;
  Value entry = memref::LoadOp::create(e.b, e.loc, global,
                                       ValueRange{uniform ? e.index(0) : c});
  if (entry.getType().isInteger(32))
    return entry;
  return arith::ExtSIOp::create(e.b, e.loc, e.b.getI32Type(), entry);
}

MPQToLoopsLowering::ParamTable
MPQToLoopsLowering::paramTable(OpBuilder &b, StringRef kind,
                               ArrayRef<int32_t> values) {
  ParamTable table;
  if (llvm::all_of(values, [](int32_t v) { return v == 0; }))
    return table;
  ArrayRef<int32_t> stored =
      llvm::all_equal(values) ? values.take_front() : values;
  unsigned bits = 8;
  for (int32_t v : stored)
    bits = std::max(bits, llvm::isInt<8>(v)    ? 8u
                          : llvm::isInt<16>(v) ? 16u
                                               : 32u);
  table.global = global(b, kind, stored, bits);
  return table;
}

MPQToLoopsLowering::ChannelValues
MPQToLoopsLowering::requantValues(RequantizeOp rq, int64_t channels,
                                  int64_t accScaleLog2) {
  // Arrays of one entry apply to every channel.
  auto perChannel = [&](ArrayRef<int32_t> values) {
    SmallVector<int32_t> full;
    for (int64_t c = 0; c < channels; ++c)
      full.push_back(values.size() == 1 ? values[0] : values[c]);
    return full;
  };
  ChannelValues v;
  v.multipliers = perChannel(rq.getMultiplier());
  for (int32_t n0 : perChannel(rq.getExponent()))
    v.shifts.push_back(31 - n0 + accScaleLog2);
  v.biases = rq.getBias() ? perChannel(*rq.getBias())
                          : SmallVector<int32_t>(channels, 0);
  // A multiplication: a left shift of a negative value is undefined.
  for (int32_t &b : v.biases)
    b = static_cast<int32_t>(static_cast<int64_t>(b) *
                             (int64_t{1} << accScaleLog2));
  return v;
}

MPQToLoopsLowering::ChannelParams
MPQToLoopsLowering::requantParams(OpBuilder &b, RequantizeOp rq,
                                  int64_t channels, int64_t accScaleLog2) {
  ChannelValues v = requantValues(rq, channels, accScaleLog2);
  return {paramTable(b, "multiplier", v.multipliers),
          paramTable(b, "shift", v.shifts), paramTable(b, "bias", v.biases)};
}

LogicalResult MPQToLoopsLowering::begin(OpBuilder &b) {
  Location loc = model.getLoc();
  // The model boundary: each argument is quantized once, each result is the
  // dequantization of a stored tensor.
  for (BlockArgument arg : model.getArguments()) {
    QuantizeOp quantize;
    for (Operation *user : arg.getUsers())
      if (auto q = dyn_cast<QuantizeOp>(user); q && !quantize)
        quantize = q;
      else
        return user->emitError() << "a model input must be used by exactly "
                                    "one mpq.quantize";
    if (!quantize)
      return model.emitError()
             << "input #" << arg.getArgNumber() << " is unused";
    inputs.push_back(quantize);
  }
  auto ret = cast<func::ReturnOp>(model.getBody().front().getTerminator());
  for (Value v : ret.getOperands()) {
    auto dq = v.getDefiningOp<DequantizeOp>();
    if (!dq)
      return ret.emitError() << "every model output must be an mpq.dequantize";
    results.push_back(dq.getInput());
  }

  // The entry function: inputs, outputs (code bytes), arena.
  auto byteBuffer = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    unsigned bits = cast<UniformType>(type.getElementType()).getWidth();
    return MemRefType::get({packedTensorBytes(shape, bits)}, b.getI8Type());
  };
  SmallVector<Type> argTypes;
  for (QuantizeOp q : inputs)
    argTypes.push_back(byteBuffer(q.getResult()));
  for (Value r : results)
    argTypes.push_back(byteBuffer(r));
  // The arena's size is known only at the end; set by end().
  argTypes.push_back(MemRefType::get({ShapedType::kDynamic}, b.getI8Type()));
  b.setInsertionPoint(model);
  entry = func::FuncOp::create(b, loc, prefix + "_run",
                               b.getFunctionType(argTypes, {b.getI32Type()}));
  Block *body = entry.addEntryBlock();
  arena = body->getArguments().back();
  b.setInsertionPointToEnd(body);

  FailureOr<std::vector<RowGroup>> groups = collectRowGroups(model);
  if (failed(groups))
    return failure();
  for (RowGroup &group : *groups) {
    for (size_t m = 0; m < group.members.size(); ++m)
      rowMembers[group.members[m].writer] = {rowGroups.size(), m};
    rowGroups.push_back({std::move(group), -1, {}});
  }

  for (auto [i, q] : llvm::enumerate(inputs)) {
    if (failed(assignStorage(q)))
      return failure();
    const PackedBuffer &buf = buffers[q.getResult()];
    copyBytes(b, body->getArgument(i), 0, arena, buf.offset, buf.bytes());
  }
  return success();
}

LogicalResult MPQToLoopsLowering::collectOutputs(func::ReturnOp ret) {
  for (Value r : results) {
    auto buf = bufferFor(r, ret);
    if (failed(buf))
      return failure();
    outputs.push_back(*buf);
  }
  return success();
}

void MPQToLoopsLowering::end(OpBuilder &b) {
  Location loc = model.getLoc();
  Block *body = &entry.getBody().front();
  b.setInsertionPointToEnd(body);
  for (auto [i, buf] : llvm::enumerate(outputs))
    copyBytes(b, arena, buf.offset, body->getArgument(inputs.size() + i), 0,
              buf.bytes());
  func::ReturnOp::create(b, loc, ValueRange{LoopEmitter(b, loc).i32(0)});

  // Now the arena's size is known: a static memref, so the bare-pointer
  // calling convention applies.
  int64_t size = std::max<int64_t>(arenaSize, 1);
  if (std::optional<int64_t> planned = getArenaSize(model))
    size = std::max(size, *planned);
  auto arenaType = MemRefType::get({size}, b.getI8Type());
  arena.setType(arenaType);
  SmallVector<Type> argTypes(entry.getArgumentTypes());
  argTypes.back() = arenaType;
  entry.setFunctionType(b.getFunctionType(argTypes, {b.getI32Type()}));
  for (func::FuncOp s : steps) {
    s.getArgument(0).setType(arenaType);
    SmallVector<Type> types(s.getArgumentTypes());
    types.front() = arenaType;
    s.setFunctionType(b.getFunctionType(types, {}));
  }
  setArenaSize(entry, size);
}

void MPQToLoopsLowering::configureTarget(ConversionTarget &target) const {
  // Everything outside the model function (the entry function the patterns
  // fill, the globals) is legal; every op of the model function is lowered.
  func::FuncOp modelFunc = model;
  target.markUnknownOpDynamicallyLegal(
      [modelFunc](Operation *op) { return op->getParentOp() != modelFunc; });
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// Ops whose code is emitted elsewhere: the model boundary (begin() and
/// end() copy the inputs and outputs), weights (with their layer) and a
/// layer's accumulator (with the requantize that reads it).
template <typename OpTy>
class ErasedOpLowering : public LoopPattern<OpTy> {
public:
  using LoopPattern<OpTy>::LoopPattern;

protected:
  LogicalResult emit(OpTy, OpBuilder &) const override { return success(); }
  bool emitsCode() const override { return false; }
};

/// The model's return: where its outputs are; end() copies them out.
class ReturnLowering : public LoopPattern<func::ReturnOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(func::ReturnOp ret, OpBuilder &) const override {
    return lowering.collectOutputs(ret);
  }
  bool emitsCode() const override { return false; }
};

/// The accumulator of qconv2d / qfully_connected: no code of its own.
class AccumulatorLowering
    : public OpInterfaceConversionPattern<IntegerLayerOpInterface> {
public:
  AccumulatorLowering(MLIRContext *context)
      : OpInterfaceConversionPattern(context) {}

  LogicalResult
  matchAndRewrite(IntegerLayerOpInterface op, ArrayRef<Value>,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op);
    return success();
  }
};

/// Any other op in the model function: an error (once), then erased.
class UnsupportedOpLowering : public ConversionPattern {
public:
  UnsupportedOpLowering(MLIRContext *context, MPQToLoopsLowering &lowering)
      : ConversionPattern(MatchAnyOpTypeTag(), /*benefit=*/0, context),
        lowering(lowering) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value>,
                  ConversionPatternRewriter &rewriter) const override {
    if (!lowering.hasFailed()) {
      op->emitError() << "'" << op->getName()
                      << "' has no code generation: is the graph "
                         "integer-only (--mpq-lower-fake-quant)?";
      lowering.setFailed();
    }
    rewriter.eraseOp(op);
    return success();
  }

private:
  MPQToLoopsLowering &lowering;
};

/// A requantize of stored codes (not of an accumulator): element by
/// element, parameters per channel (the last axis).
class RequantizeLowering : public LoopPattern<RequantizeOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult matchKernel(RequantizeOp rq,
                            PatternRewriter &rewriter) const override {
    return failure(isa_and_nonnull<IntegerLayerOpInterface>(
        rq.getInput().getDefiningOp()));
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    auto in = lowering.bufferFor(rq.getInput(), rq);
    if (failed(in) || failed(lowering.assignStorage(rq)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(rq.getResult());
    LoopEmitter e(b, rq.getLoc());
    int64_t channels = out.inner();
    MPQToLoopsLowering::ChannelParams params =
        lowering.requantParams(b, rq, channels);
    UniformType inElem = cast<UniformType>(
        cast<RankedTensorType>(rq.getInput().getType()).getElementType());
    UniformType outElem = cast<UniformType>(rq.getType().getElementType());
    int64_t lo = rq.getClampMin().value_or(outElem.getStorageMin());
    int64_t hi = rq.getClampMax().value_or(outElem.getStorageMax());
    e.loopNest({out.rows(), channels}, [&](ArrayRef<Value> ivs) {
      auto param = [&](const MPQToLoopsLowering::ParamTable &table) {
        return e.toI64(table.at(e, ivs[1]));
      };
      Value x = e.toI64(
          e.sub(e.load(*in, ivs[0], ivs[1]), e.i32(inElem.getZeroPoint())));
      Value y = e.requantize(e.add(x, param(params.biases)),
                             param(params.multipliers), param(params.shifts),
                             outElem.getZeroPoint(), lo, hi,
                             toRoundingMode(rq.getRounding()));
      e.store(out, ivs[0], ivs[1], y);
    });
    return success();
  }
};

/// Loops over every index of the NHWC `shape`, or, in a row group's step
/// (`imageRow` set, N = 1), over those of output image row `imageRow` only.
void imageLoopNest(LoopEmitter &e, ArrayRef<int64_t> shape, Value imageRow,
                   function_ref<void(MutableArrayRef<Value>)> body) {
  SmallVector<int64_t> extent(shape);
  if (imageRow)
    extent[0] = extent[1] = 1;
  e.loopNest(extent, [&](ArrayRef<Value> loopIvs) {
    SmallVector<Value> ivs(loopIvs.begin(), loopIvs.end());
    if (imageRow)
      ivs[1] = imageRow;
    body(ivs);
  });
}

/// qadd: both operands requantized to the output grid, element by element.
class QAddLowering : public LoopPattern<QAddOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(QAddOp add, OpBuilder &b) const override {
    auto lhs = lowering.bufferFor(add.getLhs(), add),
         rhs = lowering.bufferFor(add.getRhs(), add);
    if (failed(lhs) || failed(rhs))
      return failure();
    if (lhs->shape != rhs->shape)
      return add.emitError() << "code generation of qadd needs operands of "
                                "one shape (no broadcasting yet)";
    if (failed(lowering.assignStorage(add)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(add.getResult());
    LoopEmitter e(b, add.getLoc());
    UniformType outElem = cast<UniformType>(add.getType().getElementType());
    int64_t lo = add.getClampMin().value_or(outElem.getStorageMin());
    int64_t hi = add.getClampMax().value_or(outElem.getStorageMax());
    RoundingMode mode = toRoundingMode(add.getRounding());
    auto zp = [](Value v) {
      return cast<UniformType>(
                 cast<RankedTensorType>(v.getType()).getElementType())
          .getZeroPoint();
    };
    // roundedRescaledSum (IntegerSemantics.h): both products at one binary
    // point, rounded once.
    RescaledSumShifts shifts =
        rescaledSumShifts(add.getLhsExponent(), add.getRhsExponent());
    // In a row group, the W pixels of one image row (N = 1, NHWC).
    Value imageRow = lowering.rowGroupRow();
    const int64_t width = imageRow ? out.shape[2] : out.rows();
    e.loopNest({width, out.inner()}, [&](ArrayRef<Value> loopIvs) {
      SmallVector<Value, 2> ivs(loopIvs.begin(), loopIvs.end());
      if (imageRow)
        ivs[0] = e.add(e.mul(imageRow, e.index(width)), ivs[0]);
      auto term = [&](const PackedBuffer &buf, int64_t z, int32_t m,
                      int align) {
        Value x = e.toI64(e.sub(e.load(buf, ivs[0], ivs[1]), e.i32(z)));
        Value product = e.mul(x, e.i64(m));
        if (align < 0)
          return e.mul(product, e.i64(int64_t{1} << -align));
        if (align > 0)
          return e.shiftRound(product, e.i64(align), mode);
        return product;
      };
      // (One statement each: the IR must not depend on the order in which
      // the host compiler evaluates arguments.)
      Value ta =
          term(*lhs, zp(add.getLhs()), add.getLhsMultiplier(), shifts.lhs);
      Value tb =
          term(*rhs, zp(add.getRhs()), add.getRhsMultiplier(), shifts.rhs);
      Value sum = e.add(ta, tb);
      Value y = e.add(e.i64(outElem.getZeroPoint()),
                      e.shiftRound(sum, e.i64(shifts.shift), mode));
      y = arith::MaxSIOp::create(b, e.loc, y, e.i64(lo));
      y = arith::MinSIOp::create(b, e.loc, y, e.i64(hi));
      e.store(out, ivs[0], ivs[1], e.toI32(y));
    });
    return success();
  }
};

/// table: one load from the table per element. The table is a byte global
/// in flash indexed by the input code's stored bits, so the kernel is a
/// field extract (or a byte load), a table load and a store; for a signed
/// input the entries are rotated by half the range at compile time
/// (entry[bits] = table[bits ^ sign bit], i.e. table[code - storage_min])
/// rather than sign-extending and offsetting every code at run time.
class TableLowering : public LoopPattern<TableOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(TableOp op, OpBuilder &b) const override {
    auto in = lowering.bufferFor(op.getInput(), op);
    if (failed(in) || failed(lowering.assignStorage(op)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(op.getResult());
    ArrayRef<int32_t> table = op.getTable();
    unsigned bits = in->bits;
    int64_t codes = int64_t(1) << bits;
    int64_t sign = in->isSigned ? codes / 2 : 0;
    // One table, or one per slice along the axis, each rotated.
    bool perSlice = op.getNumTables() > 1;
    int64_t axis = op.getNormalizedAxis();
    SmallVector<uint8_t> bytes(table.size());
    for (size_t start = 0; start < table.size(); start += codes)
      for (int64_t raw = 0; raw < codes; ++raw)
        bytes[start + raw] = static_cast<uint8_t>(table[start + (raw ^ sign)]);
    LoopEmitter e(b, op.getLoc());
    Value entries = lowering.byteGlobal(b, op.getLoc(), "table", bytes);
    // The input's stored bits, zero-extended: the table index.
    PackedBuffer raw = *in;
    raw.isSigned = false;
    // Over the whole shape when the table changes along an axis, so that
    // its index is a loop variable.
    SmallVector<int64_t> ubs = {out.rows(), out.inner()};
    if (perSlice)
      ubs.assign(out.shape.begin(), out.shape.end());
    e.loopNest(ubs, [&](ArrayRef<Value> ivs) {
      Value row = perSlice ? flatRow(e, out.shape, ivs) : ivs[0];
      Value col = ivs.back();
      Value index = arith::IndexCastUIOp::create(b, e.loc, b.getIndexType(),
                                                 e.load(raw, row, col));
      if (perSlice)
        index = e.add(e.mul(ivs[axis], e.index(codes)), index);
      Value entry =
          memref::LoadOp::create(b, e.loc, entries, ValueRange{index});
      e.store(out, row, col,
              arith::ExtUIOp::create(b, e.loc, b.getI32Type(), entry));
    });
    return success();
  }
};

/// max_pool2d and qavg_pool2d: a reduction over each window; the average is
/// requantized by 1/count. Taps in the padding are ignored by the maximum
/// and count as the zero point (centered 0) in the average.
template <typename PoolOp>
class PoolLowering : public LoopPattern<PoolOp> {
public:
  using LoopPattern<PoolOp>::LoopPattern;

protected:
  LogicalResult emit(PoolOp pool, OpBuilder &b) const override {
    MPQToLoopsLowering &lowering = this->lowering;
    auto in = lowering.bufferFor(pool->getOperand(0), pool);
    if (failed(in) || failed(lowering.assignStorage(pool)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(pool->getResult(0));
    LoopEmitter e(b, pool->getLoc());
    constexpr bool isMax = std::is_same_v<PoolOp, MaxPool2DOp>;
    ArrayRef<int64_t> kernel = pool.getKernel(), strides = pool.getStrides(),
                      pads = pool.getPads();
    int64_t zin = isMax ? 0
                        : cast<UniformType>(cast<RankedTensorType>(
                                                pool->getOperand(0).getType())
                                                .getElementType())
                              .getZeroPoint();
    // In place above its input (mpq.rows_descending): pixels from the last.
    const bool descending = getRowsDescending(pool);
    // In a row group, output image row %row only (N = 1); a tap in the
    // padding reads the nearest pixel, in the rows a line buffer holds.
    Value imageRow = lowering.rowGroupRow();
    imageLoopNest(e, out.shape, imageRow, [&](MutableArrayRef<Value> ivs) {
      if (!imageRow && descending)
        for (int axis = 0; axis < 3; ++axis)
          ivs[axis] = e.sub(e.index(out.shape[axis] - 1), ivs[axis]);
      Value n = ivs[0], oy = ivs[1], ox = ivs[2], c = ivs[3];
      Value init = e.i32(isMax ? INT32_MIN : 0);
      Value result = e.reduceNest(
          {kernel[0], kernel[1]}, init, [&](ArrayRef<Value> r, Value a) {
            auto [inside, row] =
                windowTap(e, in->shape, n, oy, ox, r[0], r[1], strides, {1, 1},
                          pads, /*checked=*/true,
                          /*nearest=*/in->dynamicOffset != nullptr);
            Value v = e.load(*in, row, c);
            if (isMax)
              return Value(arith::MaxSIOp::create(
                  b, e.loc, a, e.select(inside, v, e.i32(INT32_MIN))));
            return e.add(a, e.select(inside, e.sub(v, e.i32(zin)), e.i32(0)));
          });
      if constexpr (!isMax) {
        UniformType outElem =
            cast<UniformType>(pool.getType().getElementType());
        result =
            e.requantize(e.toI64(result), e.i64(pool.getMultiplier()),
                         e.i64(31 - pool.getExponent()), outElem.getZeroPoint(),
                         outElem.getStorageMin(), outElem.getStorageMax(),
                         toRoundingMode(pool.getRounding()));
      }
      e.store(out, flatRow(e, out.shape, ivs), c, result);
    });
    return success();
  }
};

/// Reshape, transpose, pad and concat: every output element comes from one
/// input element (or is padding); index arithmetic on unpacked codes. The
/// subclass maps each output index to its source.
template <typename OpTy>
class MovementLowering : public LoopPattern<OpTy> {
public:
  using LoopPattern<OpTy>::LoopPattern;

protected:
  /// The operands' storage and the result's; failure after a diagnostic.
  LogicalResult prepare(OpTy op, SmallVectorImpl<PackedBuffer> &ins,
                        PackedBuffer &out) const {
    for (Value v : op->getOperands()) {
      auto buf = this->lowering.bufferFor(v, op);
      if (failed(buf))
        return failure();
      ins.push_back(*buf);
    }
    if (failed(this->lowering.assignStorage(op)))
      return failure();
    out = *this->lowering.lookupBuffer(op->getResult(0));
    return success();
  }

  /// Copies the code at `fromIdx` of `from` to `toIdx` of `out`.
  static void copyElement(LoopEmitter &e, const PackedBuffer &from,
                          ArrayRef<Value> fromIdx, const PackedBuffer &out,
                          ArrayRef<Value> toIdx) {
    Value v = e.load(from, flatRow(e, from.shape, fromIdx), fromIdx.back());
    e.store(out, flatRow(e, out.shape, toIdx), toIdx.back(), v);
  }
};

class ReshapeLowering : public MovementLowering<ReshapeOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(ReshapeOp op, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(op, ins, out)))
      return failure();
    // Same bytes when the packed rows agree and the place is shared: a
    // view, no code.
    if (ins[0].offset == out.offset && ins[0].memref == out.memref &&
        ins[0].rowBytes() * ins[0].rows() == out.bytes() &&
        ins[0].inner() == out.inner())
      return success();
    // Rows that end on a byte boundary in both layouts: the same byte
    // stream, copied as bytes (no index arithmetic, so no division, which
    // a Cortex-M0+ would call a library routine for).
    auto unpadded = [](const PackedBuffer &buf) {
      return buf.inner() * buf.bits % 8 == 0;
    };
    if (unpadded(ins[0]) && unpadded(out) && ins[0].bits == out.bits) {
      lowering.copyBytes(b, ins[0].memref, ins[0].offset, out.memref,
                         out.offset, out.bytes());
      return success();
    }
    LoopEmitter e(b, op.getLoc());
    auto flatToIndex = [&](Value flat, ArrayRef<int64_t> shape) {
      SmallVector<Value> idx(shape.size());
      for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
        idx[d] = arith::RemUIOp::create(b, e.loc, flat, e.index(shape[d]));
        flat = arith::DivUIOp::create(b, e.loc, flat, e.index(shape[d]));
      }
      return idx;
    };
    auto flatOf = [&](ArrayRef<Value> idx, ArrayRef<int64_t> shape) {
      Value flat = e.index(0);
      for (size_t d = 0; d < shape.size(); ++d)
        flat = e.add(e.mul(flat, e.index(shape[d])), idx[d]);
      return flat;
    };
    e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
      Value flat = flatOf(ivs, out.shape);
      copyElement(e, ins[0], flatToIndex(flat, ins[0].shape), out, ivs);
    });
    return success();
  }
};

class TransposeLowering : public MovementLowering<TransposeOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(TransposeOp op, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(op, ins, out)))
      return failure();
    LoopEmitter e(b, op.getLoc());
    ArrayRef<int64_t> perm = op.getPerm();
    e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
      SmallVector<Value> from(ivs.size());
      for (size_t d = 0; d < perm.size(); ++d)
        from[perm[d]] = ivs[d];
      copyElement(e, ins[0], from, out, ivs);
    });
    return success();
  }
};

class PadLowering : public MovementLowering<PadOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(PadOp pad, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(pad, ins, out)))
      return failure();
    LoopEmitter e(b, pad.getLoc());
    ArrayRef<int64_t> pads = pad.getPads();
    int64_t rank = out.shape.size();
    int64_t code = static_cast<int64_t>(pad.getValue().convertToDouble());
    // In a row group (channels padded only, N = 1): output image row %row.
    imageLoopNest(
        e, out.shape, lowering.rowGroupRow(), [&](MutableArrayRef<Value> ivs) {
          SmallVector<Value> from;
          Value inside =
              arith::ConstantIntOp::create(b, e.loc, b.getI1Type(), 1);
          for (int64_t d = 0; d < rank; ++d) {
            Value coord = e.sub(ivs[d], e.index(pads[d]));
            using P = arith::CmpIPredicate;
            inside = arith::AndIOp::create(
                b, e.loc, inside,
                arith::AndIOp::create(
                    b, e.loc, e.cmp(P::sge, coord, e.index(0)),
                    e.cmp(P::slt, coord, e.index(ins[0].shape[d]))));
            from.push_back(coord);
          }
          for (Value &coord : from)
            coord = e.select(inside, coord, e.index(0));
          Value v = e.load(ins[0], flatRow(e, ins[0].shape, from), from.back());
          e.store(out, flatRow(e, out.shape, ivs), ivs.back(),
                  e.select(inside, v, e.i32(code)));
        });
    return success();
  }
};

class ConcatLowering : public MovementLowering<ConcatOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(ConcatOp concat, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(concat, ins, out)))
      return failure();
    LoopEmitter e(b, concat.getLoc());
    int64_t rank = out.shape.size();
    int64_t axis =
        concat.getAxis() < 0 ? concat.getAxis() + rank : concat.getAxis();
    int64_t start = 0;
    for (const PackedBuffer &in : ins) {
      e.loopNest(in.shape, [&](ArrayRef<Value> ivs) {
        SmallVector<Value> to(ivs.begin(), ivs.end());
        to[axis] = e.add(to[axis], e.index(start));
        copyElement(e, in, ivs, out, to);
      });
      start += in.shape[axis];
    }
    return success();
  }
};

class QMulLowering : public LoopPattern<QMulOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(QMulOp mul, OpBuilder &b) const override {
    auto lhs = lowering.bufferFor(mul.getLhs(), mul),
         rhs = lowering.bufferFor(mul.getRhs(), mul);
    if (failed(lhs) || failed(rhs))
      return failure();
    if (failed(lowering.assignStorage(mul)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(mul.getResult());
    LoopEmitter e(b, mul.getLoc());
    UniformType outElem = cast<UniformType>(mul.getType().getElementType());
    int64_t lo = mul.getClampMin().value_or(outElem.getStorageMin());
    int64_t hi = mul.getClampMax().value_or(outElem.getStorageMax());
    RoundingMode mode = toRoundingMode(mul.getRounding());
    auto zp = [](Value v) {
      return cast<UniformType>(
                 cast<RankedTensorType>(v.getType()).getElementType())
          .getZeroPoint();
    };
    int64_t za = zp(mul.getLhs()), zb = zp(mul.getRhs());
    // One loop per result dimension; an operand of size 1 along a
    // dimension (broadcast) reads index 0 there.
    e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
      auto code = [&](const PackedBuffer &buf, int64_t z) {
        SmallVector<Value> idx;
        for (auto [d, iv] : llvm::enumerate(ivs))
          idx.push_back(buf.shape[d] == 1 ? e.index(0) : iv);
        return e.sub(e.load(buf, flatRow(e, buf.shape, idx), idx.back()),
                     e.i32(z));
      };
      // |a - za|, |b - zb| <= 255: the product fits i32, times M0 i64.
      // (One statement each: the IR must not depend on the order in which
      // the host compiler evaluates arguments.)
      Value a = code(*lhs, za);
      Value bCode = code(*rhs, zb);
      Value product = e.toI64(e.mul(a, bCode));
      Value y = e.add(e.i64(outElem.getZeroPoint()),
                      e.shiftRound(e.mul(product, e.i64(mul.getMultiplier())),
                                   e.i64(31 - mul.getExponent()), mode));
      y = arith::MaxSIOp::create(b, e.loc, y, e.i64(lo));
      y = arith::MinSIOp::create(b, e.loc, y, e.i64(hi));
      e.store(out, flatRow(e, out.shape, ivs), ivs.back(), e.toI32(y));
    });
    return success();
  }
};

/// qmax / qmin: the codes of one grid compared as integers, clamped; a
/// broadcast operand is read at index 0 along its size-1 dimensions.
template <typename OpTy>
class QExtremumLowering : public LoopPattern<OpTy> {
public:
  using LoopPattern<OpTy>::LoopPattern;

protected:
  LogicalResult emit(OpTy op, OpBuilder &b) const override {
    auto &lowering = this->lowering;
    auto lhs = lowering.bufferFor(op.getLhs(), op),
         rhs = lowering.bufferFor(op.getRhs(), op);
    if (failed(lhs) || failed(rhs))
      return failure();
    if (failed(lowering.assignStorage(op)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(op.getResult());
    LoopEmitter e(b, op.getLoc());
    UniformType outElem = cast<UniformType>(op.getType().getElementType());
    int64_t lo = op.getClampMin().value_or(outElem.getStorageMin());
    int64_t hi = op.getClampMax().value_or(outElem.getStorageMax());
    e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
      auto code = [&](const PackedBuffer &buf) {
        SmallVector<Value> idx;
        for (auto [d, iv] : llvm::enumerate(ivs))
          idx.push_back(buf.shape[d] == 1 ? e.index(0) : iv);
        return e.load(buf, flatRow(e, buf.shape, idx), idx.back());
      };
      Value a = code(*lhs);
      Value c = code(*rhs);
      Value y = std::is_same_v<OpTy, QMaxOp>
                    ? arith::MaxSIOp::create(b, e.loc, a, c).getResult()
                    : arith::MinSIOp::create(b, e.loc, a, c).getResult();
      y = arith::MaxSIOp::create(b, e.loc, y, e.i32(lo));
      y = arith::MinSIOp::create(b, e.loc, y, e.i32(hi));
      e.store(out, flatRow(e, out.shape, ivs), ivs.back(), y);
    });
    return success();
  }
};

class SliceLowering : public MovementLowering<SliceOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(SliceOp slice, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(slice, ins, out)))
      return failure();
    LoopEmitter e(b, slice.getLoc());
    ArrayRef<int64_t> offsets = slice.getOffsets(),
                      strides = slice.getStrides();
    e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
      SmallVector<Value> from;
      for (auto [d, iv] : llvm::enumerate(ivs)) {
        // offset + i * stride, in index arithmetic (the stride may be
        // negative; the verifier keeps every index in the input).
        Value scaled = strides[d] == 1 ? iv : e.mul(iv, e.index(strides[d]));
        from.push_back(offsets[d] == 0 ? scaled
                                       : e.add(scaled, e.index(offsets[d])));
      }
      copyElement(e, ins[0], from, out, ivs);
    });
    return success();
  }
};

class ResizeNearestLowering : public MovementLowering<ResizeNearestOp> {
public:
  using MovementLowering::MovementLowering;

protected:
  LogicalResult emit(ResizeNearestOp resize, OpBuilder &b) const override {
    SmallVector<PackedBuffer> ins;
    PackedBuffer out;
    if (failed(prepare(resize, ins, out)))
      return failure();
    LoopEmitter e(b, resize.getLoc());
    ArrayRef<int64_t> factors = resize.getFactors();
    // Loops over the input, each element written factor-fold along each
    // axis: no division.
    SmallVector<int64_t> nest;
    for (auto [size, factor] : llvm::zip(ins[0].shape, factors)) {
      nest.push_back(size);
      nest.push_back(factor);
    }
    e.loopNest(nest, [&](ArrayRef<Value> ivs) {
      SmallVector<Value> from, to;
      for (size_t d = 0; d < factors.size(); ++d) {
        from.push_back(ivs[2 * d]);
        to.push_back(factors[d] == 1
                         ? ivs[2 * d]
                         : e.add(e.mul(ivs[2 * d], e.index(factors[d])),
                                 ivs[2 * d + 1]));
      }
      copyElement(e, ins[0], from, out, to);
    });
    return success();
  }
};

} // namespace

void mlir::mpq::populateMPQToLoopsPatterns(RewritePatternSet &patterns,
                                           MPQToLoopsLowering &lowering,
                                           const MPQToLoopsOptions &options) {
  MLIRContext *context = patterns.getContext();
  populateMPQLayerToLoopsPatterns(patterns, lowering, options);
  populateMPQRowToLoopsPatterns(patterns, lowering);
  populateMPQInterpolationToLoopsPatterns(patterns, lowering);
  patterns
      .add<RequantizeLowering, QAddLowering, QMulLowering,
           QExtremumLowering<QMaxOp>, QExtremumLowering<QMinOp>, TableLowering,
           PoolLowering<MaxPool2DOp>, PoolLowering<QAvgPool2DOp>,
           ReshapeLowering, TransposeLowering, PadLowering, ConcatLowering,
           SliceLowering, ResizeNearestLowering, ErasedOpLowering<QuantizeOp>,
           ErasedOpLowering<DequantizeOp>, ErasedOpLowering<QConstantOp>,
           ReturnLowering, UnsupportedOpLowering>(context, lowering);
  patterns.add<AccumulatorLowering>(context);
}

LogicalResult mlir::mpq::lowerModelToLoops(func::FuncOp model, StringRef prefix,
                                           const MPQToLoopsOptions &options) {
  MLIRContext *context = model.getContext();
  MPQToLoopsLowering lowering(model, prefix);
  OpBuilder builder(context);
  if (failed(lowering.begin(builder)))
    return failure();

  ConversionTarget target(*context);
  lowering.configureTarget(target);
  RewritePatternSet patterns(context);
  populateMPQToLoopsPatterns(patterns, lowering, options);
  ConversionConfig config;
  // The model's ops are lowered as they are: a folder must not replace one
  // (a reshape that folds would lose its copy).
  config.foldingMode = DialectConversionFoldingMode::Never;
  if (failed(
          applyPartialConversion(model, target, std::move(patterns), config)) ||
      lowering.hasFailed())
    return failure();
  lowering.end(builder);
  model.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
/// The buffer planner's preconditions (ArenaBuffers.cpp), checked again
/// because this pass also runs on its own: every tensor has a static shape
/// whose packed size fits int64, before any byte size is computed.
LogicalResult verifyStaticSizes(func::FuncOp func) {
  auto check = [](Operation *op, Value v) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return success();
    if (!type.hasStaticShape())
      return op->emitError()
             << "'" << op->getName() << "' has a dynamic shape (" << type
             << "): lowering needs static sizes";
    Type element = type.getElementType();
    unsigned bits =
        element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 8;
    if (auto uniform = dyn_cast<UniformType>(element))
      bits = uniform.getWidth();
    if (!checkedPackedTensorBytes(std::vector<int64_t>(type.getShape().begin(),
                                                       type.getShape().end()),
                                  bits))
      return op->emitError()
             << "the buffer of " << type << " does not fit in int64 bytes";
    return success();
  };
  for (BlockArgument arg : func.getArguments())
    if (failed(check(func, arg)))
      return failure();
  WalkResult walk = func.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (failed(check(op, v)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

struct LowerToLoopsPass
    : ::mlir::mpq::impl::MPQLowerToLoopsPassBase<LowerToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (channelBlock != 1 && channelBlock != 2 && channelBlock != 4) {
      getOperation().emitError()
          << "channel-block=" << static_cast<unsigned>(channelBlock)
          << " is not 1, 2 or 4";
      return signalPassFailure();
    }
    FailureOr<func::FuncOp> func = getModelFunction(getOperation());
    if (failed(func) || failed(verifyStaticSizes(*func)))
      return signalPassFailure();
    std::string prefix =
        modelName.empty() ? func->getSymName().str() : modelName;
    MPQToLoopsOptions options;
    options.channelBlock = channelBlock;
    options.armDsp = armDsp;
    if (failed(lowerModelToLoops(*func, prefix, options)))
      signalPassFailure();
  }
};
} // namespace
