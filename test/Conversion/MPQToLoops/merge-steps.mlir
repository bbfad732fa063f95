// RUN: mpq-opt %s -split-input-file -mpq-merge-steps | FileCheck %s

// Steps 0 and 2 differ only in the globals they read: one function remains
// (step 0's name and place), with the globals as arguments in the order the
// body first reads them; each call passes its own. Step 1 adds a different
// constant and stays as it is.
// CHECK-LABEL: module
// CHECK: func.func private @net_step0(%[[A:.*]]: memref<?xi8>, %[[W:.*]]: memref<4xi32>, %[[B:.*]]: memref<1xi32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]
// CHECK-NOT: memref.get_global
// CHECK: memref.load %[[W]]
// CHECK: memref.load %[[B]]
// CHECK: return
// CHECK: func.func private @net_step1(%{{.*}}: memref<?xi8>)
// CHECK: memref.get_global @net_weights1
// CHECK-NOT: func.func private @net_step2
// CHECK: func.func @net_run(%[[ARENA:.*]]: memref<?xi8>)
// CHECK: %[[W0:.*]] = memref.get_global @net_weights0 : memref<4xi32>
// CHECK: %[[B0:.*]] = memref.get_global @net_bias0 : memref<1xi32>
// CHECK: call @net_step0(%[[ARENA]], %[[W0]], %[[B0]])
// CHECK: call @net_step1(%[[ARENA]]) : (memref<?xi8>) -> ()
// CHECK: %[[W2:.*]] = memref.get_global @net_weights2 : memref<4xi32>
// CHECK: %[[B2:.*]] = memref.get_global @net_bias2 : memref<1xi32>
// CHECK: call @net_step0(%[[ARENA]], %[[W2]], %[[B2]])
module {
  memref.global "private" constant @net_weights0 : memref<4xi32> = dense<[1, 2, 3, 4]>
  memref.global "private" constant @net_bias0 : memref<1xi32> = dense<7>
  memref.global "private" constant @net_weights1 : memref<4xi32> = dense<[5, 6, 7, 8]>
  memref.global "private" constant @net_weights2 : memref<4xi32> = dense<[9, 10, 11, 12]>
  memref.global "private" constant @net_bias2 : memref<1xi32> = dense<-7>
  func.func private @net_step0(%arena: memref<?xi8>) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} {
    %c0 = arith.constant 0 : index
    %w = memref.get_global @net_weights0 : memref<4xi32>
    %b = memref.get_global @net_bias0 : memref<1xi32>
    %x = memref.load %w[%c0] : memref<4xi32>
    %y = memref.load %b[%c0] : memref<1xi32>
    %s = arith.addi %x, %y : i32
    %t = arith.trunci %s : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func private @net_step1(%arena: memref<?xi8>) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : i32
    %w = memref.get_global @net_weights1 : memref<4xi32>
    %x = memref.load %w[%c0] : memref<4xi32>
    %s = arith.addi %x, %c1 : i32
    %t = arith.trunci %s : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func private @net_step2(%arena: memref<?xi8>) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} {
    %c0 = arith.constant 0 : index
    %w = memref.get_global @net_weights2 : memref<4xi32>
    %b = memref.get_global @net_bias2 : memref<1xi32>
    %x = memref.load %w[%c0] : memref<4xi32>
    %y = memref.load %b[%c0] : memref<1xi32>
    %s = arith.addi %x, %y : i32
    %t = arith.trunci %s : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func @net_run(%arena: memref<?xi8>) {
    call @net_step0(%arena) : (memref<?xi8>) -> ()
    call @net_step1(%arena) : (memref<?xi8>) -> ()
    call @net_step2(%arena) : (memref<?xi8>) -> ()
    return
  }
}

// -----

// Not merged: a step that reads one global twice and one that reads two
// (different arguments), a step referenced other than by a call, and public
// functions.
// CHECK-LABEL: module
// CHECK: func.func private @twice_step0(%{{[^,]*}}: memref<?xi8>)
// CHECK: func.func private @twice_step1(%{{[^,]*}}: memref<?xi8>)
// CHECK: func.func private @ref_step0(%{{[^,]*}}: memref<?xi8>)
// CHECK: func.func private @ref_step1(%{{[^,]*}}: memref<?xi8>)
// CHECK: func.func @pub_step0(%{{[^,]*}}: memref<?xi8>)
// CHECK: func.func @pub_step1(%{{[^,]*}}: memref<?xi8>)
module attributes {test.keep = @ref_step1} {
  memref.global "private" constant @g0 : memref<4xi32> = dense<1>
  memref.global "private" constant @g1 : memref<4xi32> = dense<2>
  func.func private @twice_step0(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g0 : memref<4xi32>
    %b = memref.get_global @g0 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %y = memref.load %b[%c0] : memref<4xi32>
    %s = arith.addi %x, %y : i32
    %t = arith.trunci %s : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func private @twice_step1(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g0 : memref<4xi32>
    %b = memref.get_global @g1 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %y = memref.load %b[%c0] : memref<4xi32>
    %s = arith.addi %x, %y : i32
    %t = arith.trunci %s : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func private @ref_step0(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g0 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %t = arith.trunci %x : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func private @ref_step1(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g1 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %t = arith.trunci %x : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func @pub_step0(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g0 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %t = arith.trunci %x : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func @pub_step1(%arena: memref<?xi8>) {
    %c0 = arith.constant 0 : index
    %a = memref.get_global @g1 : memref<4xi32>
    %x = memref.load %a[%c0] : memref<4xi32>
    %t = arith.trunci %x : i32 to i8
    memref.store %t, %arena[%c0] : memref<?xi8>
    return
  }
  func.func @run(%arena: memref<?xi8>) {
    call @twice_step0(%arena) : (memref<?xi8>) -> ()
    call @twice_step1(%arena) : (memref<?xi8>) -> ()
    call @ref_step0(%arena) : (memref<?xi8>) -> ()
    call @ref_step1(%arena) : (memref<?xi8>) -> ()
    call @pub_step0(%arena) : (memref<?xi8>) -> ()
    call @pub_step1(%arena) : (memref<?xi8>) -> ()
    return
  }
}
