//===- KaplaAttrs.h - kapla attributes --------------------------*- C++ -*-===//
//
// The attributes of the kapla dialect and their conversions to and from the
// plain C++ core values they mirror: toCore(attr) and toAttr(ctx, value).
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_IR_KAPLAATTRS_H
#define KAPLA_IR_KAPLAATTRS_H

#include "Kapla/CostModel/CostRecord.h"
#include "Kapla/Dataflow/Directives.h"
#include "Kapla/Dataflow/Segment.h"
#include "Kapla/Hardware/Arch.h"
#include "Kapla/Workload/Layer.h"

#include "mlir/Dialect/SCF/IR/DeviceMappingInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include <cstring>
#include <type_traits>

namespace mlir::kapla {

/// A double as an attribute parameter: LLVM hashes no floating-point type, so
/// parameters hash the bits of this wrapper, and compare them: equal
/// parameters hash equal (-0.0 and +0.0 are two values, as they print; a
/// NaN equals itself). It converts to and from double.
struct F64 {
  F64(double v = 0) : value(v) {}
  operator double() const { return value; }
  uint64_t bits() const {
    uint64_t b;
    static_assert(sizeof(b) == sizeof(value));
    std::memcpy(&b, &value, sizeof(b));
    return b;
  }
  // Templates, so that they apply to two F64 only: an F64 against a double
  // compares as doubles.
  template <typename T, std::enable_if_t<std::is_same_v<T, F64>, int> = 0>
  friend bool operator==(const T &a, const T &b) {
    return a.bits() == b.bits();
  }
  template <typename T, std::enable_if_t<std::is_same_v<T, F64>, int> = 0>
  friend bool operator!=(const T &a, const T &b) {
    return !(a == b);
  }
  double value;
};
inline llvm::hash_code hash_value(F64 f) { return llvm::hash_value(f.bits()); }

/// DimAmount lists are stored in attributes, so they must hash.
inline llvm::hash_code hash_value(const DimAmount &d) {
  return llvm::hash_combine(static_cast<unsigned>(d.dim), d.amount);
}

// Parameter parsers and printers used by the generated attribute code.
FailureOr<F64> parseF64(AsmParser &parser);
void printF64(AsmPrinter &printer, double value);
FailureOr<bool> parseBool(AsmParser &parser);
FailureOr<llvm::SmallVector<DimAmount>> parseDimAmounts(AsmParser &parser);
void printDimAmounts(AsmPrinter &printer, llvm::ArrayRef<DimAmount> list);

/// Parses `[a, b, ...]` of integers or attributes.
template <typename T>
FailureOr<llvm::SmallVector<T>> parseBracketedList(AsmParser &parser) {
  llvm::SmallVector<T> list;
  auto parseOne = [&]() -> ParseResult {
    T value;
    if constexpr (std::is_integral_v<T>) {
      if (parser.parseInteger(value))
        return failure();
    } else if constexpr (std::is_enum_v<T>) {
      FailureOr<T> parsed = FieldParser<T>::parse(parser);
      if (failed(parsed))
        return failure();
      value = *parsed;
    } else {
      if (parser.parseAttribute(value))
        return failure();
    }
    list.push_back(value);
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseOne))
    return failure();
  return list;
}
template <typename T>
void printBracketedList(AsmPrinter &printer, llvm::ArrayRef<T> list) {
  printer << '[';
  llvm::interleaveComma(list, printer, [&](const T &v) { printer << v; });
  printer << ']';
}

} // namespace mlir::kapla

#define GET_ATTRDEF_CLASSES
#include "Kapla/IR/KaplaAttrs.h.inc"

namespace mlir::kapla {

ArchDesc toCore(ArchAttr attr);
ArchAttr toAttr(MLIRContext *ctx, const ArchDesc &arch);

LayerDesc toCore(LayerAttr attr);
LayerAttr toAttr(MLIRContext *ctx, const LayerDesc &layer);

TensorDirective toCore(TensorAttr attr);
TensorAttr toAttr(MLIRContext *ctx, const TensorDirective &tensor);
StackDirective toCore(StackAttr attr);
StackAttr toAttr(MLIRContext *ctx, const StackDirective &stack);
UpdateDirective toCore(UpdateAttr attr);
UpdateAttr toAttr(MLIRContext *ctx, const UpdateDirective &update);
LevelDirectives toCore(LevelAttr attr);
LevelAttr toAttr(MLIRContext *ctx, const LevelDirectives &level);
LayerDataflow toCore(DataflowAttr attr);
DataflowAttr toAttr(MLIRContext *ctx, const LayerDataflow &dataflow);

SegmentConstraint toCore(ConstraintAttr attr);
ConstraintAttr toAttr(MLIRContext *ctx, const SegmentConstraint &constraint);

LayerPins toCore(FixAttr attr);
FixAttr toAttr(MLIRContext *ctx, const LayerPins &pins);

CostRecord toCore(CostAttr attr);
CostAttr toAttr(MLIRContext *ctx, const CostRecord &cost);

} // namespace mlir::kapla

#endif // KAPLA_IR_KAPLAATTRS_H
