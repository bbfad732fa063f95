//===- JsonOrder.cpp - JSON documents printed in a reading order ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/JsonOrder.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace llvm;

static void print(json::OStream &out, const json::Value &value,
                  ArrayRef<StringRef> keyOrder) {
  if (const json::Object *object = value.getAsObject()) {
    SmallVector<StringRef> keys;
    for (const auto &entry : *object)
      keys.push_back(entry.first);
    auto rank = [&](StringRef key) {
      return std::find(keyOrder.begin(), keyOrder.end(), key) -
             keyOrder.begin();
    };
    llvm::sort(keys, [&](StringRef a, StringRef b) {
      auto ra = rank(a), rb = rank(b);
      return ra != rb ? ra < rb : a < b;
    });
    out.object([&] {
      for (StringRef key : keys) {
        out.attributeBegin(key);
        print(out, *object->get(key), keyOrder);
        out.attributeEnd();
      }
    });
    return;
  }
  if (const json::Array *array = value.getAsArray()) {
    out.array([&] {
      for (const json::Value &element : *array)
        print(out, element, keyOrder);
    });
    return;
  }
  out.value(value);
}

void mlir::mpq::printJsonInOrder(raw_ostream &os, const json::Value &value,
                                 ArrayRef<StringRef> keyOrder,
                                 unsigned indent) {
  json::OStream out(os, indent);
  print(out, value, keyOrder);
}
