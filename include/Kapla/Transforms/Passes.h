//===- Passes.h - kapla passes ----------------------------------*- C++ -*-===//

#ifndef KAPLA_TRANSFORMS_PASSES_H
#define KAPLA_TRANSFORMS_PASSES_H

#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Solver/Scheduler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::kapla {

/// What kapla-import does with an op it does not understand.
enum class UnknownOps : uint8_t { Error, Warn };
const char *stringifyUnknownOps(UnknownOps u); ///< "error", "warn"

namespace detail {
/// The parser of an enum option: its values are the `cl::values` keywords,
/// and a word that is none of them is an error that lists them.
template <typename EnumT>
class EnumOptionParser : public llvm::cl::generic_parser_base {
protected:
  struct OptionInfo : public GenericOptionInfo {
    OptionInfo(StringRef name, EnumT v, StringRef help)
        : GenericOptionInfo(name, help), V(v) {}
    llvm::cl::OptionValue<EnumT> V;
  };
  llvm::SmallVector<OptionInfo, 4> Values;

public:
  using parser_data_type = EnumT;
  explicit EnumOptionParser(llvm::cl::Option &o) : generic_parser_base(o) {}

  unsigned getNumOptions() const override { return unsigned(Values.size()); }
  StringRef getOption(unsigned n) const override { return Values[n].Name; }
  StringRef getDescription(unsigned n) const override {
    return Values[n].HelpStr;
  }
  const llvm::cl::GenericOptionValue &
  getOptionValue(unsigned n) const override {
    return Values[n].V;
  }

  /// True on error.
  bool parse(llvm::cl::Option &o, StringRef argName, StringRef arg,
             EnumT &value) {
    StringRef word = Owner.hasArgStr() ? arg : argName;
    std::string names;
    for (const OptionInfo &info : Values) {
      if (info.Name == word) {
        value = info.V.getValue();
        return false;
      }
      names += (names.empty() ? "" : ", ") + info.Name.str();
    }
    return o.error("must be one of " + names + ", got '" + word + "'");
  }

  template <typename T>
  void addLiteralOption(StringRef name, const T &v, StringRef help) {
    Values.push_back(OptionInfo(name, static_cast<EnumT>(v), help));
    AddLiteralOption(Owner, name);
  }
};
} // namespace detail
} // namespace mlir::kapla

// kapla's enum options name their values when a word is none of them.
template <>
class llvm::cl::parser<mlir::kapla::Objective>
    : public mlir::kapla::detail::EnumOptionParser<mlir::kapla::Objective> {
  using EnumOptionParser::EnumOptionParser;
};
template <>
class llvm::cl::parser<mlir::kapla::SolverKind>
    : public mlir::kapla::detail::EnumOptionParser<mlir::kapla::SolverKind> {
  using EnumOptionParser::EnumOptionParser;
};
template <>
class llvm::cl::parser<mlir::kapla::Effort>
    : public mlir::kapla::detail::EnumOptionParser<mlir::kapla::Effort> {
  using EnumOptionParser::EnumOptionParser;
};
template <>
class llvm::cl::parser<mlir::kapla::UnknownOps>
    : public mlir::kapla::detail::EnumOptionParser<mlir::kapla::UnknownOps> {
  using EnumOptionParser::EnumOptionParser;
};

namespace mlir::kapla {

#define GEN_PASS_DECL
#include "Kapla/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Kapla/Transforms/Passes.h.inc"

} // namespace mlir::kapla

#endif // KAPLA_TRANSFORMS_PASSES_H
