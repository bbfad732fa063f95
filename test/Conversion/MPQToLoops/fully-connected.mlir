// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -mpq-lower-to-loops="channel-block=1" -canonicalize -cse | FileCheck %s --check-prefix=ONE

// The fully connected kernel (FullyConnectedLowering): per row, the input
// sum once (uint8 weights with zero point 128, factored out of the
// products), then blocks of four output channels reducing over K code by
// code, each input code loaded once for the block.
// CHECK-LABEL: func.func private @fc_step0
// CHECK: %[[ZP:.*]] = memref.get_global @fc_weight_zp{{[0-9]+}} : memref<1xi16>
// CHECK: %[[W:.*]] = memref.get_global @fc_weights{{[0-9]+}} : memref<128xi8>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c16 {{.*}} -> (i32)
// CHECK: scf.for %[[BLK:.*]] = %c0 to %c2
// CHECK: %[[Z16:.*]] = memref.load %[[ZP]][%c0]
// CHECK: %[[Z0:.*]] = arith.extsi %[[Z16]] : i16 to i32
// CHECK: %[[ACC:.*]]:4 = scf.for %{{.*}} = %c0 to %c16 {{.*}} -> (i32, i32, i32, i32)
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK-COUNT-4: arith.muli %[[X]], %{{.*}} : i32
// CHECK: scf.yield
// CHECK: %[[P:.*]] = arith.muli %[[Z0]], %[[SUM]] : i32
// CHECK: arith.subi %[[ACC]]#0, %[[P]] : i32
// Half away from zero: the requantization in int64 with the tie test.
// CHECK: arith.muli %{{.*}} : i64
// CHECK: arith.cmpi sge
// CHECK: return
// One channel at a time: one accumulator, one multiply per input code.
// ONE-LABEL: func.func private @fc_step0
// ONE: scf.for %{{.*}} = %c0 to %c8
// ONE: scf.for %{{.*}} = %c0 to %c16 {{.*}} -> (i32)
// ONE-COUNT-1: arith.muli %{{.*}} : i32
// ONE-NEXT: arith.addi
// ONE: scf.yield
func.func @fc(%x: tensor<1x16xf32>) -> tensor<1x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x16xf32> -> tensor<1x16x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<100> : tensor<8x16xi32> : tensor<8x16x!mpq.uniform<u8, 0.5:128>>
  %acc = mpq.qfully_connected %q, %w : (tensor<1x16x!mpq.uniform<u8, 0.5:0>>, tensor<8x16x!mpq.uniform<u8, 0.5:128>>) -> tensor<1x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1500000000>, exponent = array<i32: -2>, bias = array<i32: 7>, rounding = #mpq.rounding<half_away_from_zero>}
     : tensor<1x8xi32> -> tensor<1x8x!mpq.uniform<i8, 0.2:-5>>
  %d = mpq.dequantize %y : tensor<1x8x!mpq.uniform<i8, 0.2:-5>> -> tensor<1x8xf32>
  return %d : tensor<1x8xf32>
}
