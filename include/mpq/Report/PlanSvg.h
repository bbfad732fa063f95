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

/// An SVG picture of the plan: steps across, addresses up, one rectangle
/// (class "buf") per buffer labelled with its name and size when the label
/// fits, with a tooltip in every case.
std::string renderPlanSvg(const std::vector<Buffer> &buffers, const Plan &plan,
                          const std::string &title);

} // namespace mlir::mpq

#endif // MPQ_REPORT_PLANSVG_H
