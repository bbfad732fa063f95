//===- PlanSvg.cpp - A picture of an arena plan ---------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Report/PlanSvg.h"

#include <algorithm>
#include <cstdio>

namespace mlir::mpq {

//===----------------------------------------------------------------------===//
// SVG rendering
//===----------------------------------------------------------------------===//

static std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

static std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

static std::string formatBytes(int64_t bytes) {
  // Exact bytes matter when comparing with a budget; the suffix form is for
  // a quick read.
  if (bytes < 10000)
    return std::to_string(bytes) + " B";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f kB",
                static_cast<double>(bytes) / 1e3);
  return text;
}

/// A tick spacing of 1, 2 or 5 times a power of ten giving at most
/// `maxTicks` intervals over `range`.
static int64_t niceStep(int64_t range, int maxTicks) {
  int64_t step = 1;
  while (true) {
    for (int64_t m : {1, 2, 5}) {
      if (range / (step * m) <= maxTicks)
        return step * m;
    }
    step *= 10;
  }
}

/// The fill of a buffer of `bits` bits: one hue per width, shades by
/// index so that neighbours differ.
static std::string fillOf(unsigned bits, size_t index) {
  int lightness = 68 + static_cast<int>(index % 3) * 6;
  int hue = bits == 8 ? 210 : bits == 4 ? 130 : bits == 2 ? 30 : 0;
  int saturation = bits == 8 || bits == 4 || bits == 2 ? 60 : 0;
  return "hsl(" + std::to_string(hue) + "," + std::to_string(saturation) +
         "%," + std::to_string(lightness) + "%)";
}

std::string renderPlanSvg(const std::vector<Buffer> &buffers, const Plan &plan,
                          const std::string &title,
                          const PlanSvgLabels &labels) {
  const size_t n = buffers.size();
  int64_t numSteps = 1;
  for (const Buffer &b : buffers)
    numSteps = std::max(numSteps, b.lastUse + 1);
  int64_t top = std::max<int64_t>(plan.arenaSize, 1);
  for (size_t i = 0; i < n && i < plan.offsets.size(); ++i)
    top = std::max(top, plan.offsets[i] + buffers[i].size);

  // Width grows with the number of steps so 100-buffer plans stay readable.
  const bool named = labels.stepNames.size() >= static_cast<size_t>(numSteps);
  size_t longestName = 0;
  if (named)
    for (const std::string &name : labels.stepNames)
      longestName = std::max(longestName, name.size());
  const double left = 80, right = 20, topMargin = 82,
               bottom =
                   60 + (named ? 5.5 * std::min<size_t>(longestName, 40) : 0.0);
  const double plotW = std::max(600.0, std::min(1800.0, 24.0 * numSteps));
  const double plotH = 560;
  const double width = left + plotW + right,
               height = topMargin + plotH + bottom;
  const double stepW = plotW / static_cast<double>(numSteps);
  auto xOf = [&](int64_t step) { return left + stepW * step; };
  auto yOf = [&](int64_t addr) {
    return topMargin + plotH - plotH * static_cast<double>(addr) / top;
  };

  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         formatNumber(width) + "\" height=\"" + formatNumber(height) +
         "\" viewBox=\"0 0 " + formatNumber(width) + " " +
         formatNumber(height) + "\" font-family=\"sans-serif\">\n";
  svg += "<style>.buf{stroke:#333;stroke-width:0.6}.buf:hover{stroke:#000;"
         "stroke-width:2}.lbl{font-size:10px;fill:#111;pointer-events:none}"
         ".ax{font-size:11px;fill:#333}</style>\n";
  svg += "<text x=\"" + formatNumber(left) +
         "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" +
         escapeXml(title) + "</text>\n";
  const double overhead =
      plan.lowerBound > 0
          ? 100.0 * (plan.arenaSize - plan.lowerBound) / plan.lowerBound
          : 0.0;
  svg +=
      "<text x=\"" + formatNumber(left) + "\" y=\"38\" font-size=\"12\">" +
      escapeXml("arena " + std::to_string(plan.arenaSize) + " B, lower bound " +
                std::to_string(plan.lowerBound) + " B (+" +
                formatNumber(overhead) + "%), " + std::to_string(n) +
                " buffers, align " + std::to_string(plan.align) + ", " +
                stringifyPlanAlgorithm(plan.algorithm) +
                (plan.method.empty() ? "" : " (" + plan.method + ")")) +
      "</text>\n";

  // Grid and axes; drawn as paths so that the only <rect>s are buffers.
  const int64_t addrStep = niceStep(top, 10);
  for (int64_t a = 0; a <= top; a += addrStep) {
    svg += "<path d=\"M" + formatNumber(left) + " " + formatNumber(yOf(a)) +
           "H" + formatNumber(left + plotW) +
           "\" stroke=\"#ddd\" stroke-width=\"0.5\"/>\n";
    svg += "<text class=\"ax\" x=\"" + formatNumber(left - 4) + "\" y=\"" +
           formatNumber(yOf(a) + 4) + "\" text-anchor=\"end\">" +
           std::to_string(a) + "</text>\n";
  }
  // Named steps: every layer's name, rotated, where there is room for it.
  const int64_t stepTick =
      named && stepW >= 11 ? 1
                           : niceStep(numSteps, static_cast<int>(plotW / 30));
  for (int64_t s = 0; s < numSteps; s += stepTick) {
    if (named) {
      const double x = xOf(s) + stepW / 2;
      std::string name = labels.stepNames[s];
      if (name.size() > 40)
        name = name.substr(0, 39) + "~";
      svg += "<path d=\"M" + formatNumber(x) + " " +
             formatNumber(topMargin + plotH) + "v4\" stroke=\"#333\"/>\n";
      svg += "<text class=\"ax\" transform=\"translate(" + formatNumber(x + 3) +
             " " + formatNumber(topMargin + plotH + 8) + ") rotate(60)\">" +
             escapeXml(std::to_string(s) + " " + name) + "</text>\n";
      continue;
    }
    const double x = xOf(s) + stepW / 2;
    svg += "<path d=\"M" + formatNumber(x) + " " +
           formatNumber(topMargin + plotH) + "v4\" stroke=\"#333\"/>\n";
    svg += "<text class=\"ax\" x=\"" + formatNumber(x) + "\" y=\"" +
           formatNumber(topMargin + plotH + 16) + "\" text-anchor=\"middle\">" +
           std::to_string(s) + "</text>\n";
  }
  svg += "<text class=\"ax\" x=\"" + formatNumber(left + plotW / 2) +
         "\" y=\"" + formatNumber(height - 6) + "\" text-anchor=\"middle\">" +
         (named ? "step (the layer that runs)" : "step") + "</text>\n";
  svg += "<text class=\"ax\" transform=\"translate(16 " +
         formatNumber(topMargin + plotH / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">byte offset</text>\n";

  // Buffers. Hues spread by the golden angle so neighbours differ.
  for (size_t i = 0; i < n && i < plan.offsets.size(); ++i) {
    const Buffer &b = buffers[i];
    const double x = xOf(b.firstUse), w = stepW * (b.lastUse - b.firstUse + 1);
    const double yTop = yOf(plan.offsets[i] + b.size);
    const double h = std::max(1.0, yOf(plan.offsets[i]) - yTop);
    const unsigned bits =
        i < labels.bufferBits.size() ? labels.bufferBits[i] : 0;
    const std::string label = b.name + " " + formatBytes(b.size);
    std::string tooltip =
        b.name + ": " + (bits ? std::to_string(bits) + "-bit, " : "") +
        std::to_string(b.size) + " B at offset " +
        std::to_string(plan.offsets[i]) + ", steps " +
        std::to_string(b.firstUse) + ".." + std::to_string(b.lastUse);
    if (i < plan.inPlaceSource.size() && plan.inPlaceSource[i] >= 0)
      tooltip += ", in place of " + buffers[plan.inPlaceSource[i]].name;
    svg += "<rect class=\"buf\" x=\"" + formatNumber(x + 0.5) + "\" y=\"" +
           formatNumber(yTop) + "\" width=\"" +
           formatNumber(std::max(1.0, w - 1)) + "\" height=\"" +
           formatNumber(h) + "\" fill=\"" + fillOf(bits, i) + "\"><title>" +
           escapeXml(tooltip) + "</title></rect>\n";
    // About 5.5 px per character at 10 px; labels that do not fit stay in
    // the tooltip rather than overprinting a neighbour.
    const double textW = 5.5 * static_cast<double>(label.size());
    if (textW + 4 <= w && h >= 12)
      svg += "<text class=\"lbl\" x=\"" + formatNumber(x + 3) + "\" y=\"" +
             formatNumber(yTop + std::min(h / 2 + 4, 12.0)) + "\">" +
             escapeXml(label) + "</text>\n";
  }

  // Lower bound and arena lines make the gap visible at a glance.
  svg += "<path d=\"M" + formatNumber(left) + " " +
         formatNumber(yOf(plan.lowerBound)) + "H" + formatNumber(left + plotW) +
         "\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>\n";
  svg += "<text class=\"ax\" x=\"" + formatNumber(left + plotW - 4) +
         "\" y=\"" + formatNumber(yOf(plan.lowerBound) - 3) +
         "\" text-anchor=\"end\" style=\"fill:#c00\">lower bound</text>\n";
  svg += "<path d=\"M" + formatNumber(left) + " " +
         formatNumber(yOf(plan.arenaSize)) + "H" + formatNumber(left + plotW) +
         "\" stroke=\"#000\"/>\n";
  // The step where the live bytes peak (the classical bound's step).
  int64_t peakStep = 0, peakBytes = -1;
  for (int64_t step = 0; step < numSteps; ++step) {
    int64_t live = 0;
    for (const Buffer &b : buffers)
      if (b.firstUse <= step && step <= b.lastUse)
        live += b.size;
    if (live > peakBytes) {
      peakBytes = live;
      peakStep = step;
    }
  }
  const double peakX = xOf(peakStep) + stepW / 2;
  svg += "<path class=\"peak\" d=\"M" + formatNumber(peakX) + " " +
         formatNumber(topMargin) + "V" + formatNumber(topMargin + plotH) +
         "\" stroke=\"#c00\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\n";
  svg += "<text class=\"ax\" x=\"" + formatNumber(peakX) + "\" y=\"" +
         formatNumber(topMargin - 6) + "\" text-anchor=\"" +
         (peakX > left + plotW / 2 ? "end" : "start") +
         "\" style=\"fill:#c00\">" +
         escapeXml("peak: " + std::to_string(peakBytes) + " B live at step " +
                   std::to_string(peakStep) +
                   (named ? " (" + labels.stepNames[peakStep] + ")" : "")) +
         "</text>\n";
  // The legend: what the colours mean.
  if (!labels.bufferBits.empty()) {
    double x = left;
    for (unsigned bits : {8u, 4u, 2u, 0u}) {
      svg += "<path d=\"M" + formatNumber(x) + " 47h12v10h-12z\" fill=\"" +
             fillOf(bits, 0) + "\" stroke=\"#333\" stroke-width=\"0.6\"/>\n";
      svg += "<text class=\"ax\" x=\"" + formatNumber(x + 16) + "\" y=\"56\">" +
             (bits ? std::to_string(bits) + "-bit" : "other") + "</text>\n";
      x += 62;
    }
  }
  svg += "<text class=\"ax\" x=\"" + formatNumber(left + 4) + "\" y=\"" +
         formatNumber(yOf(plan.arenaSize) - 3) + "\">arena</text>\n";
  svg += "<path d=\"M" + formatNumber(left) + " " + formatNumber(topMargin) +
         "V" + formatNumber(topMargin + plotH) + "H" +
         formatNumber(left + plotW) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "</svg>\n";
  return svg;
}

} // namespace mlir::mpq
