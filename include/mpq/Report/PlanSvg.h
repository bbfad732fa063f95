//===- PlanSvg.h - A picture of an arena plan -------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Rendering lives on the reporting side: the planner (mpq/Analysis) computes
// plans, this draws them for a person (mpq-plan-buffers svg=, mpqc's
// NAME.plan.svg).
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_REPORT_PLANSVG_H
#define MPQ_REPORT_PLANSVG_H

#include "mpq/Analysis/BufferPlanner.h"

#include <string>
#include <vector>

namespace mlir::mpq {

/// What the picture can say beyond the plan itself.
struct PlanSvgLabels {
  /// One name per step (the layer that runs): written along the time axis.
  std::vector<std::string> stepNames;
  /// One width per buffer (0: unknown or scratch): the buffer's colour.
  std::vector<unsigned> bufferBits;
};

/// An SVG picture of the plan: steps across (named by their layers when
/// `labels` has them), addresses up, one rectangle (class "buf") per buffer
/// coloured by its bit-width and labelled with its name and size when the
/// label fits, with a tooltip in every case; the lower bound and the arena
/// as lines, and the step where the live bytes peak marked.
std::string renderPlanSvg(const std::vector<Buffer> &buffers, const Plan &plan,
                          const std::string &title,
                          const PlanSvgLabels &labels = {});

} // namespace mlir::mpq

#endif // MPQ_REPORT_PLANSVG_H
