// Bad option values are errors that name the option.
//
// RUN: not mpq-opt %s -mpq-assign-precision="flash=12XB ram=1kB" 2>&1 | FileCheck %s --check-prefix=UNIT
// UNIT: for the --flash option: '12XB' has an unknown unit 'XB' (expected B, kB, KiB, MB or MiB)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=-5" 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: for the --ram option: '-5' is negative: a size must be at least 0 bytes
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=99999999999999999999" 2>&1 | FileCheck %s --check-prefix=BIG
// BIG: for the --ram option: '99999999999999999999' is too large
// RUN: not mpq-opt %s -mpq-assign-precision="flash=0 ram=1kB" 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: mpq-assign-precision: option 'flash': the budget must be positive, got 0
// RUN: not mpq-opt %s -mpq-assign-precision="ram=1kB" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: mpq-assign-precision: option 'flash': a budget is required (e.g. flash=512kB)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB scheme=pc" 2>&1 | FileCheck %s --check-prefix=SCHEME
// SCHEME: for the --scheme option: 'pc' is not a valid quantization scheme (expected one of pc-icn, pl-icn, pl-fb)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB strategy=rl" 2>&1 | FileCheck %s --check-prefix=STRATEGY
// STRATEGY: for the --strategy option: 'rl' is not a valid precision strategy (expected one of rule, search)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB ram-model=exact" 2>&1 | FileCheck %s --check-prefix=RAMMODEL
// RAMMODEL: for the --ram-model option: 'exact' is not a valid RAM model (expected one of paper, planned)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB delta=1.5" 2>&1 | FileCheck %s --check-prefix=DELTA
// DELTA: error: mpq-assign-precision: option 'delta': the share margin must be in [0, 1), got 1.5
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=conv0:8" 2>&1 | FileCheck %s --check-prefix=PINSYNTAX
// PINSYNTAX: error: mpq-assign-precision: option 'pins': 'conv0:8' is not layer:wbits:abits (0 leaves a width free)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=conv9:8:8" 2>&1 | FileCheck %s --check-prefix=PINNAME
// PINNAME: error: mpq-assign-precision: option 'pins': no layer named 'conv9' (steps: conv0, flatten, fc)
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=fc:3:0" 2>&1 | FileCheck %s --check-prefix=PINWIDTH
// PINWIDTH: error: mpq-assign-precision: pin on 'fc': weight width 3 is not a candidate width
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=fc:0:4" 2>&1 | FileCheck %s --check-prefix=PINLAST
// PINLAST: error: mpq-assign-precision: pin on 'fc': the last layer's output stays at 8 bits
// The weights of conv0 are fixed at 4 bits by the model; a pin may not
// silently override that.
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=conv0:8:0" 2>&1 | FileCheck %s --check-prefix=PINMODEL
// PINMODEL: error: mpq-assign-precision: option 'pins': pin conv0:8:0 sets the weights of 'conv0' to 8 bits, but an mpq.fake_quant in the model fixes 4; add 'reassign' to choose again
// PINMODEL: note: the existing mpq.fake_quant is here
// With reassign the pin wins.
// RUN: mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB pins=conv0:8:0 reassign" | FileCheck %s --check-prefix=PINREASSIGN
// PINREASSIGN: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<4x1x1x4xf32>
// Names match in any case and with '_' for '-', the same in every pass and
// in mpqc (one parser, mpq/Support/EnumOption.h).
// RUN: mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB scheme=PC_ICN ram-model=Planned strategy=RULE report=-" -o /dev/null | FileCheck %s --check-prefix=SPELL
// SPELL: "scheme": "pc-icn",
// SPELL: "ram_model": "planned",
// A report path that cannot be written.
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1kB ram=1kB report=%t.missing/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT: error: mpq-assign-precision: cannot write the report to '{{.*}}r.json'

func.func @net(%img: tensor<1x2x2x4xf32>) -> tensor<1x3xf32> {
  %w0 = arith.constant dense<0.1> : tensor<4x1x1x4xf32>
  %w0q = mpq.fake_quant %w0 to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>} : tensor<4x1x1x4xf32>
  %c0 = mpq.conv2d %img, %w0q : (tensor<1x2x2x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x2x2x4xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x2x2x4xf32>
  %f = mpq.reshape %r0 : tensor<1x2x2x4xf32> -> tensor<1x16xf32> loc("flatten")
  %w1 = arith.constant dense<0.1> : tensor<3x16xf32>
  %y = mpq.fully_connected %f, %w1 : (tensor<1x16xf32>, tensor<3x16xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
