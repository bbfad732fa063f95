//===- MemoryModelTest.cpp - Tests of the flash/RAM memory model ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Every expected number is worked out by hand in the comments from the packing
// rule of docs/decisions.md §2 (rows x ceil(inner * bits / 8)) and the
// parameter table of docs/paper.md §3; none is copied from the code's output.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/MemoryModel.h"

#include "gtest/gtest.h"

using namespace mlir::mpq;

namespace {

/// x [1,4,4,3] -> conv1 (OHWI [8,3,3,3]) -> t1 [1,4,4,8]
///   -> dw2 ([3,3,8], stride 2) -> t2 [1,2,2,8] -> flat (Other) -> t3 [1,32]
///   -> fc3 ([10,32], last) -> y [1,10].
/// Variables: x 0, t1 1, t2 and t3 2 (flatten passes it through), y 3.
GraphDesc tinyGraph() {
  GraphDesc g;
  int x = g.addTensor("x", {1, 4, 4, 3}, 0);
  int t1 = g.addTensor("t1", {1, 4, 4, 8}, 1);
  int t2 = g.addTensor("t2", {1, 2, 2, 8}, 2);
  int t3 = g.addTensor("t3", {1, 32}, 2);
  int y = g.addTensor("y", {1, 10}, 3);
  g.addLayer("conv1", StepKind::Conv, {8, 3, 3, 3}, 8, x, t1);
  g.addLayer("dw2", StepKind::Depthwise, {3, 3, 8}, 8, t1, t2);
  g.addStep("flat", StepKind::Other, {t2}, t3);
  g.addLayer("fc3", StepKind::FullyConnected, {10, 32}, 10, t3, y,
             /*isLast=*/true);
  return g;
}

/// Weights conv1 4, dw2 2, fc3 8 bits; activations x 8, t1 4, t2/t3 2, y 8.
BitAssignment tinyAssignment() {
  BitAssignment a;
  a.weightBits = {4, 2, 0, 8};
  a.activationBits = {8, 4, 2, 8};
  return a;
}

TEST(MemoryModel, TinyGraphIsValid) {
  GraphDesc g = tinyGraph();
  EXPECT_EQ(validateGraph(g), "");
  EXPECT_EQ(g.numVariables(), 4);
  EXPECT_EQ(validateAssignment(g, tinyAssignment()), "");
}

// Sizes common to the three schemes:
//   conv1 [8,3,3,3] @4: rows 8*3*3 = 72, row ceil(3*4/8) = 2 B -> 144 B
//   dw2   [3,3,8]   @2: rows 9, row ceil(8*2/8) = 2 B           ->  18 B
//   fc3   [10,32]   @8: rows 10, row 32 B                        -> 320 B
//   weights = 144 + 18 + 320 = 482 B
//   x  [1,4,4,3] @8: 16 rows * 3 B = 48 B
//   t1 [1,4,4,8] @4: 16 rows * ceil(32/8) = 4 B = 64 B
//   t2 [1,2,2,8] @2: 4 rows * 2 B = 8 B
//   t3 [1,32]    @2: 1 row * ceil(64/8) = 8 B
//   y  [1,10]    @8: 10 B
//   layer RAM: conv1 48 + 64 = 112, dw2 64 + 8 = 72, fc3 8 + 10 = 18 -> 112
void expectTinySizes(const Footprint &fp) {
  ASSERT_EQ(fp.steps.size(), 4u);
  EXPECT_EQ(fp.steps[0].weightBytes, 144);
  EXPECT_EQ(fp.steps[1].weightBytes, 18);
  EXPECT_EQ(fp.steps[2].weightBytes, 0);
  EXPECT_EQ(fp.steps[3].weightBytes, 320);
  EXPECT_EQ(fp.weightBytes, 482);
  EXPECT_EQ(fp.steps[0].inputBytes, 48);
  EXPECT_EQ(fp.steps[0].outputBytes, 64);
  EXPECT_EQ(fp.steps[1].inputBytes, 64);
  EXPECT_EQ(fp.steps[1].outputBytes, 8);
  EXPECT_EQ(fp.steps[3].inputBytes, 8);
  EXPECT_EQ(fp.steps[3].outputBytes, 10);
  EXPECT_EQ(fp.ramBytes, 112);
  EXPECT_EQ(fp.ramStep, 0);
}

TEST(MemoryModel, TinyGraphPcIcn) {
  GraphDesc g = tinyGraph();
  Footprint fp = computeFootprint(g, tinyAssignment(), QuantScheme::PC_ICN);
  expectTinySizes(fp);
  // Hidden PC+ICN: 10*C + 8 -> conv1 88, dw2 88; last PC: 7*10 + 4 = 74.
  EXPECT_EQ(fp.steps[0].paramBytes, 88);
  EXPECT_EQ(fp.steps[1].paramBytes, 88);
  EXPECT_EQ(fp.steps[2].paramBytes, 0);
  EXPECT_EQ(fp.steps[3].paramBytes, 74);
  EXPECT_EQ(fp.paramBytes, 250);
  EXPECT_EQ(fp.flashBytes, 482 + 250);
}

// A lookup-table step (an element-wise function between two layers) stores
// one byte per code of its input: 2^bits, counted with the parameters.
TEST(MemoryModel, LookupTableBytes) {
  EXPECT_EQ(lookupTableBytes(8), 256);
  EXPECT_EQ(lookupTableBytes(4), 16);
  EXPECT_EQ(lookupTableBytes(2), 4);
  GraphDesc g;
  int x = g.addTensor("x", {1, 4, 4, 3}, 0);
  int t1 = g.addTensor("t1", {1, 4, 4, 8}, 1);
  int t2 = g.addTensor("t2", {1, 4, 4, 8}, 2);
  int y = g.addTensor("y", {1, 4, 4, 8}, 3);
  g.addLayer("conv1", StepKind::Conv, {8, 3, 3, 3}, 8, x, t1);
  g.addStep("sigmoid", StepKind::Other, {t1}, t2);
  g.steps.back().lookupTables = 1;
  g.addLayer("conv2", StepKind::Conv, {8, 3, 3, 8}, 8, t2, y, true);
  ASSERT_EQ(validateGraph(g), "");
  BitAssignment bits = uniformAssignment(g, 8);
  bits.activationBits[1] = 4; // the table's input
  Footprint fp = computeFootprint(g, bits, QuantScheme::PC_ICN);
  // conv1 10*8 + 8 = 88, the table 2^4 = 16, conv2 (last, PC) 7*8 + 4 = 60.
  EXPECT_EQ(fp.steps[1].paramBytes, 16);
  EXPECT_EQ(fp.paramBytes, 88 + 16 + 60);
  EXPECT_EQ(fp.flashBytes, fp.weightBytes + 88 + 16 + 60);
  // Only a weightless one-input step may have a table.
  g.steps[0].lookupTables = 1;
  EXPECT_NE(validateGraph(g), "");
}

TEST(MemoryModel, TinyGraphPlIcn) {
  GraphDesc g = tinyGraph();
  Footprint fp = computeFootprint(g, tinyAssignment(), QuantScheme::PL_ICN);
  expectTinySizes(fp);
  // Hidden PL+ICN: 9*8 + 12 = 84 twice; last PL: 4*10 + 20 = 60.
  EXPECT_EQ(fp.steps[0].paramBytes, 84);
  EXPECT_EQ(fp.steps[1].paramBytes, 84);
  EXPECT_EQ(fp.steps[3].paramBytes, 60);
  EXPECT_EQ(fp.paramBytes, 228);
  EXPECT_EQ(fp.flashBytes, 710);
}

TEST(MemoryModel, TinyGraphPlFb) {
  GraphDesc g = tinyGraph();
  Footprint fp = computeFootprint(g, tinyAssignment(), QuantScheme::PL_FB);
  expectTinySizes(fp);
  // PL+FB: 4*8 + 20 = 52 twice; last PL: 60.
  EXPECT_EQ(fp.steps[0].paramBytes, 52);
  EXPECT_EQ(fp.steps[1].paramBytes, 52);
  EXPECT_EQ(fp.steps[3].paramBytes, 60);
  EXPECT_EQ(fp.paramBytes, 164);
  EXPECT_EQ(fp.flashBytes, 646);
}

TEST(MemoryModel, TinyGraphLiveBytes) {
  GraphDesc g = tinyGraph();
  Footprint fp = computeFootprint(g, tinyAssignment(), QuantScheme::PC_ICN);
  // Live ranges: x [0,0], t1 [0,1], t2 [1,2], t3 [2,3], y [3,3] (output).
  // conv1: x + t1 = 48 + 64 = 112; dw2: t1 + t2 = 72; flat: t2 + t3 = 16;
  // fc3: t3 + y = 18.
  EXPECT_EQ(fp.steps[0].liveBytes, 112);
  EXPECT_EQ(fp.steps[1].liveBytes, 72);
  EXPECT_EQ(fp.steps[2].liveBytes, 16);
  EXPECT_EQ(fp.steps[3].liveBytes, 18);
  EXPECT_EQ(fp.peakLiveBytes, 112);
  EXPECT_EQ(fp.peakLiveStep, 0);
}

TEST(MemoryModel, ParameterRows) {
  // docs/paper.md §3 with C = 10.
  EXPECT_EQ(layerParamBytes(QuantScheme::PL_FB, 10, false), 60);   // 40+20
  EXPECT_EQ(layerParamBytes(QuantScheme::PL_ICN, 10, false), 102); // 90+12
  EXPECT_EQ(layerParamBytes(QuantScheme::PC_ICN, 10, false), 108); // 100+8
  // Last layer: the PL row (4C + 20) for both PL schemes, the PC row
  // (7C + 4) for PC+ICN.
  EXPECT_EQ(layerParamBytes(QuantScheme::PL_FB, 10, true), 60);
  EXPECT_EQ(layerParamBytes(QuantScheme::PL_ICN, 10, true), 60);
  EXPECT_EQ(layerParamBytes(QuantScheme::PC_ICN, 10, true), 74);
  // MobileNetV1's fc, C = 1000: 7004 (PC) and 4020 (PL).
  EXPECT_EQ(layerParamBytes(QuantScheme::PC_ICN, 1000, true), 7004);
  EXPECT_EQ(layerParamBytes(QuantScheme::PL_ICN, 1000, true), 4020);
}

TEST(MemoryModel, SubByteRowsArePadded) {
  // x [1,5,5,3] -> c (OHWI [4,3,3,3]) -> y [1,5,5,4] -> f ([2,100], last).
  GraphDesc g;
  int x = g.addTensor("x", {1, 5, 5, 3}, 0);
  int y = g.addTensor("y", {1, 5, 5, 4}, 1);
  int yf = g.addTensor("yf", {1, 100}, 1);
  int z = g.addTensor("z", {1, 2}, 2);
  g.addLayer("c", StepKind::Conv, {4, 3, 3, 3}, 4, x, y);
  g.addStep("flat", StepKind::Other, {y}, yf);
  g.addLayer("f", StepKind::FullyConnected, {2, 100}, 2, yf, z, true);
  ASSERT_EQ(validateGraph(g), "");

  BitAssignment a;
  a.weightBits = {2, 0, 4};
  a.activationBits = {8, 2, 8};
  Footprint fp = computeFootprint(g, a, QuantScheme::PC_ICN);
  // c weights [4,3,3,3] @2: 36 rows * ceil(6/8) = 1 B = 36 B, not
  // 108 * 2 / 8 = 27 B: each 3-channel row is padded to a byte.
  EXPECT_EQ(fp.steps[0].weightBytes, 36);
  // y [1,5,5,4] @2: 25 rows * 1 B = 25 B; x @8: 25 * 3 = 75 B.
  EXPECT_EQ(fp.steps[0].inputBytes, 75);
  EXPECT_EQ(fp.steps[0].outputBytes, 25);
  // yf [1,100] @2: one row of 25 B: same variable as y, own shape.
  EXPECT_EQ(fp.steps[2].inputBytes, 25);
  // f weights [2,100] @4: 2 rows * 50 B = 100 B.
  EXPECT_EQ(fp.steps[2].weightBytes, 100);

  // With 4-bit activations y takes 25 rows * ceil(16/8) = 2 B = 50 B.
  a.activationBits = {8, 4, 8};
  fp = computeFootprint(g, a, QuantScheme::PC_ICN);
  EXPECT_EQ(fp.steps[0].outputBytes, 50);
  EXPECT_EQ(fp.ramBytes, 75 + 50);
}

TEST(MemoryModel, DepthwiseIsChannelsInnermost) {
  GraphDesc g;
  int x = g.addTensor("x", {1, 6, 6, 10}, 0);
  int y = g.addTensor("y", {1, 6, 6, 10}, 1);
  g.addLayer("dw", StepKind::Depthwise, {3, 3, 10}, 10, x, y, true);
  ASSERT_EQ(validateGraph(g), "");
  BitAssignment a;
  a.weightBits = {4};
  a.activationBits = {8, 8};
  Footprint fp = computeFootprint(g, a, QuantScheme::PL_ICN);
  // [3,3,10] @4: 9 rows * ceil(40/8) = 5 B = 45 B. OHWI [10,3,3,1] would be
  // 90 rows of one padded byte = 90 B.
  EXPECT_EQ(fp.steps[0].weightBytes, 45);
  // Last layer under PL_ICN: 4*10 + 20 = 60.
  EXPECT_EQ(fp.steps[0].paramBytes, 60);
  a.weightBits = {2};
  fp = computeFootprint(g, a, QuantScheme::PL_ICN);
  // @2: 9 rows * ceil(20/8) = 3 B = 27 B.
  EXPECT_EQ(fp.steps[0].weightBytes, 27);
  EXPECT_EQ(weightElements(g.steps[0]), 90);
}

TEST(MemoryModel, ValidateGraphRejectsMalformedGraphs) {
  GraphDesc g;
  int x = g.addTensor("x", {1, 4}, 0);
  int y = g.addTensor("y", {1, 4}, 1);
  int z = g.addTensor("z", {1, 4}, 2);
  // Reads y before the step that produces it.
  g.addLayer("a", StepKind::FullyConnected, {4, 4}, 4, y, z);
  g.addLayer("b", StepKind::FullyConnected, {4, 4}, 4, x, y);
  EXPECT_NE(validateGraph(g).find("before it is produced"), std::string::npos);

  GraphDesc h;
  x = h.addTensor("x", {1, 4}, 0);
  y = h.addTensor("y", {1, 4}, 1);
  int s = h.addStep("add", StepKind::Add, {x, x}, y);
  h.steps[s].weightShape = {4, 4};
  EXPECT_NE(validateGraph(h).find("cannot have weights"), std::string::npos);

  EXPECT_EQ(validateGraph(GraphDesc()), "graph has no steps");
}

// MobileNetV1 1.0_224 weight count, by hand:
//   conv0 32*3*3*3                                         =       864
//   dw: 9 * (32+64+128+128+256+256+512*6+1024) = 9 * 4960  =    44,640
//   pw: 32*64 + 64*128 + 128*128 + 128*256 + 256*256 + 256*512
//       + 5*512*512 + 512*1024 + 1024*1024
//     = 2048 + 8192 + 16384 + 32768 + 65536 + 131072 + 1310720
//       + 524288 + 1048576                                 = 3,139,584
//   fc 1024*1000                                           = 1,024,000
//   total                                                  = 4,209,088
// (Keras reports 4,253,864 parameters: these plus 1000 fc biases and
// 4 * 10944 batch-norm values; "4.2 M" in the MobileNet paper.)
// Channels of the 27 hidden layers: conv0 32, dw 4960, pw
// 64+128+128+256+256+512*6+1024+1024 = 5952 -> 10944.
TEST(MemoryModel, MobileNetV1FullAt8Bits) {
  GraphDesc g = buildMobileNetV1(1.0, 224);
  ASSERT_EQ(validateGraph(g), "");
  ASSERT_EQ(g.steps.size(), 29u); // 28 layers + pool
  EXPECT_EQ(g.numVariables(), 29);
  int64_t elements = 0;
  for (const GraphStep &s : g.steps)
    elements += weightElements(s);
  EXPECT_EQ(elements, 4209088);

  BitAssignment a8 = uniformAssignment(g, 8);
  Footprint pc = computeFootprint(g, a8, QuantScheme::PC_ICN);
  // Every row is a whole number of bytes at 8 bits.
  EXPECT_EQ(pc.weightBytes, 4209088);
  // PC: 10 * 10944 + 8 * 27 = 109,656 hidden, + 7 * 1000 + 4 = 7004 for fc.
  EXPECT_EQ(pc.paramBytes, 116660);
  EXPECT_EQ(pc.flashBytes, 4325748);
  // PL_ICN: 9 * 10944 + 12 * 27 = 98,820, + 4020 = 102,840.
  EXPECT_EQ(computeFootprint(g, a8, QuantScheme::PL_ICN).paramBytes, 102840);
  // PL_FB: 4 * 10944 + 20 * 27 = 44,316, + 4020 = 48,336.
  EXPECT_EQ(computeFootprint(g, a8, QuantScheme::PL_FB).paramBytes, 48336);

  // RAM: pw1 reads 112*112*32 = 401,408 and writes 112*112*64 = 802,816:
  // 1,204,224 B, the largest in + out (conv0 150,528 + 401,408 = 551,936;
  // dw2 802,816 + 200,704 = 1,003,520).
  EXPECT_EQ(pc.ramBytes, 1204224);
  EXPECT_EQ(g.steps[pc.ramStep].name, "pw1");
  EXPECT_EQ(pc.steps[0].ioBytes(), 551936);
  // fc reads the pooled vector (1024 B), not pw13's 7x7x1024 map.
  EXPECT_EQ(pc.steps[28].inputBytes, 1024);
  EXPECT_EQ(pc.steps[28].outputBytes, 1000);
}

// 0.25_128 by hand: channels 8, 16, 32, 32, 64, 64, 128 x6, 256, 256.
//   conv0 8*27 = 216; dw 9 * (8+16+32+32+64+64+128*6+256) = 9 * 1240 = 11,160
//   pw 8*16 + 16*32 + 32*32 + 32*64 + 64*64 + 64*128 + 5*128*128 + 128*256
//      + 256*256 = 128+512+1024+2048+4096+8192+81920+32768+65536 = 196,224
//   fc 256*1000 = 256,000; total 463,600.
//   Hidden channels 8 + 1240 + 1488 = 2736 -> PC params 27,360 + 216 + 7004
//   = 34,580; flash 498,180 <= 2,048,000.
//   RAM: pw1 reads 64*64*8 = 32,768 and writes 64*64*16 = 65,536 -> 98,304.
TEST(MemoryModel, MobileNetV1QuarterAt8Bits) {
  GraphDesc g = buildMobileNetV1(0.25, 128);
  ASSERT_EQ(validateGraph(g), "");
  Footprint fp =
      computeFootprint(g, uniformAssignment(g, 8), QuantScheme::PC_ICN);
  EXPECT_EQ(fp.weightBytes, 463600);
  EXPECT_EQ(fp.paramBytes, 34580);
  EXPECT_EQ(fp.flashBytes, 498180);
  EXPECT_EQ(fp.ramBytes, 98304);
  EXPECT_EQ(g.steps[fp.ramStep].name, "pw1");
}

TEST(MemoryModel, MobileNetV1Shapes) {
  // 160 -> 80 (conv0) -> 80, 40, 40, 20, 20, 10 x6, 5, 5 (TF SAME).
  GraphDesc g = buildMobileNetV1(0.5, 160);
  ASSERT_EQ(validateGraph(g), "");
  const int pw13 = g.findStep("pw13");
  ASSERT_GE(pw13, 0);
  EXPECT_EQ(g.tensors[g.steps[pw13].output].shape,
            (std::vector<int64_t>{1, 5, 5, 512}));
  EXPECT_EQ(g.tensors[g.steps[0].output].shape,
            (std::vector<int64_t>{1, 80, 80, 16}));
  // The pooled vector keeps pw13's variable.
  const int fc = g.findStep("fc");
  EXPECT_EQ(g.tensors[g.steps[fc].inputs[0]].variable,
            g.tensors[g.steps[pw13].output].variable);
  EXPECT_TRUE(g.steps[fc].isLast);
  // int(32 * 0.75) = 24; an odd input size rounds up: ceil(225 / 2) = 113.
  GraphDesc h = buildMobileNetV1(0.75, 225);
  EXPECT_EQ(h.tensors[h.steps[0].output].shape,
            (std::vector<int64_t>{1, 113, 113, 24}));
  EXPECT_TRUE(buildMobileNetV1(0.0, 224).steps.empty());
}

TEST(MemoryModel, PointwiseWideningBytes) {
  // Two pixels of 16-bit lanes, whatever the codes' width.
  EXPECT_EQ(pointwiseWideningBytes(25, 32, 16, 8), 2 * 2 * 32);
  EXPECT_EQ(pointwiseWideningBytes(25, 32, 16, 4), 2 * 2 * 32);
  // 2-bit rows of 8 and 24 codes (2 and 6 bytes) are unpacked byte by
  // byte: scratch as for 8-bit codes.
  EXPECT_EQ(pointwiseWideningBytes(25, 8, 16, 2), 2 * 2 * 8);
  EXPECT_EQ(pointwiseWideningBytes(25, 24, 16, 2), 2 * 2 * 24);
  // No whole steps of eight codes, one pixel, fewer than four channel
  // pairs, an odd channel count, or an unsupported width: none.
  EXPECT_EQ(pointwiseWideningBytes(25, 12, 16, 8), 0);
  EXPECT_EQ(pointwiseWideningBytes(1, 32, 16, 8), 0);
  EXPECT_EQ(pointwiseWideningBytes(25, 32, 6, 8), 0);
  EXPECT_EQ(pointwiseWideningBytes(25, 32, 15, 8), 0);
  EXPECT_EQ(pointwiseWideningBytes(25, 32, 16, 1), 0);
}

} // namespace
