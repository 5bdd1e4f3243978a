//===- OnnxImport.cpp - ONNX models as linalg on tensors ------------------===//
//
// The graph is written as MLIR text, op by op, and parsed once at the end:
// every op is spelled as the MLIR printer would, so the text is the
// specification of what each ONNX operator becomes. Shapes come from the
// model (graph inputs, initializers) and are propagated here operator by
// operator; ONNX shape inference fills in what a reshape-like operator
// does not say itself.
//
// This file is compiled with C++ exceptions: libonnx reports malformed
// models by throwing, and each such error becomes a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Import/OnnxImport.h"
#include "Kapla/IR/KaplaDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;

namespace {

using Shape = std::vector<int64_t>;

/// An imported value: its SSA name in the text and its shape (f32).
struct Value {
  std::string ssa;
  Shape shape;
};

/// The data of a constant tensor ONNX gives with its values.
struct ConstData {
  Shape shape;
  std::vector<double> values;
  bool isFloat = true;
};

/// An error of the import, at a node.
struct ImportError {
  std::string node, message;
};

std::string join(const Shape &s, const char *sep) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? sep : "") + std::to_string(s[i]);
  return out;
}

std::string tensorType(const Shape &s) {
  return "tensor<" + join(s, "x") + (s.empty() ? "" : "x") + "f32>";
}

int64_t product(const Shape &s, size_t from = 0,
                size_t to = std::string::npos) {
  int64_t p = 1;
  for (size_t i = from; i < std::min(to, s.size()); ++i)
    p *= s[i];
  return p;
}

/// An f32 constant in the hexadecimal form the MLIR parser reads exactly.
std::string hexFloat(double v) {
  float f = static_cast<float>(v);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", bits);
  return buf;
}

/// `s` as an MLIR string literal.
std::string quote(const std::string &s) {
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\')
      q += '\\';
    if (static_cast<unsigned char>(ch) < 0x20)
      continue;
    q += ch;
  }
  return q + "\"";
}

/// Reassociation groups as a reshape op spells them: `[0, 1], [2]`.
std::string reassociationText(ArrayRef<ReassociationIndices> groups) {
  std::string s;
  for (size_t g = 0; g < groups.size(); ++g) {
    s += g ? ", [" : "[";
    for (size_t k = 0; k < groups[g].size(); ++k)
      s += (k ? ", " : "") + std::to_string(groups[g][k]);
    s += "]";
  }
  return s;
}

std::string dims(int rank) {
  std::string s;
  for (int i = 0; i < rank; ++i)
    s += (i ? ", d" : "d") + std::to_string(i);
  return s;
}

std::string identityMap(int rank) {
  return "affine_map<(" + dims(rank) + ") -> (" + dims(rank) + ")>";
}

std::string parallel(int rank) {
  std::string s;
  for (int i = 0; i < rank; ++i)
    s += std::string(i ? ", " : "") + "\"parallel\"";
  return s;
}

class OnnxImporter {
public:
  OnnxImporter(const onnx::GraphProto &graph, std::string fileName)
      : graph(graph), fileName(std::move(fileName)) {}

  /// The module text, or the first error.
  std::optional<std::string> run();
  ImportError error;
  /// Element types other than f32 that were imported as f32.
  std::set<std::string> convertedTypes;

private:
  void noteType(int t) {
    if (t != onnx::TensorProto::FLOAT)
      convertedTypes.insert(onnx::TensorProto::DataType_Name(
          static_cast<onnx::TensorProto::DataType>(t)));
  }
  /// Whether a node or the graph reads `name`.
  bool used(const std::string &name) const { return readNames.count(name); }
  std::set<std::string> readNames;

  // Errors: `fail` records the first one and returns false.
  bool fail(const std::string &message) {
    if (error.message.empty())
      error = {currentNode, message};
    return false;
  }

  // Text.
  std::string fresh() { return "%v" + std::to_string(next++); }
  void emit(const std::string &line) {
    body << "    " << line << " loc(" << location << ")\n";
  }
  /// Scalar constants go to the function's entry (`prologue`), where every
  /// use, in a region or not, sees them.
  std::ostringstream prologue;
  /// The ops of the body of the linalg.generic being built.
  std::ostringstream regionOps;
  std::string constant(double v);
  std::string filled(const Shape &shape, double v);
  std::string empty(const Shape &shape);
  /// A linalg.generic with `inputs` (values and their maps), the output
  /// `init` of `outShape` with `outMap`, and `iterators`; `body` gets the
  /// block arguments, writes the body's ops with `line` and returns the
  /// yielded value.
  std::string
  generic(const std::vector<std::pair<std::string, std::string>> &inputs,
          const std::vector<std::string> &inputTypes, const std::string &init,
          const Shape &outShape, const std::string &outMap,
          const std::string &iterators,
          const std::function<std::string(std::vector<std::string> &)> &body);
  /// The element-wise op over operands broadcast to one shape.
  std::optional<Value>
  elementwise(const std::vector<Value> &operands,
              const std::function<std::string(std::vector<std::string> &)> &f);
  /// Writes `%tN = <rhs> : f32` into the body of the generic being built;
  /// returns `%tN`.
  std::string line(const std::string &rhs) {
    std::string t = "%t" + std::to_string(next++);
    regionOps << "      " << t << " = " << rhs << " : f32\n";
    return t;
  }
  /// `v` times the constant `factor`, element-wise.
  std::optional<Value> scaled(const Value &v, double factor) {
    std::string c = constant(factor);
    return elementwise({v}, [&, c](std::vector<std::string> &a) {
      return line("arith.mulf " + a[0] + ", " + c);
    });
  }
  std::optional<Value> reshape(const Value &x, const Shape &to);
  std::optional<Value> pad(const Value &x, const Shape &low, const Shape &high,
                           double value);

  // Values.
  /// Input `i` of `node`; a constant with integer data only where
  /// `integers` says it may be one (Gather's indices), as f32.
  std::optional<Value> input(const onnx::NodeProto &node, int i,
                             bool integers = false);
  std::optional<ConstData> constantInput(const onnx::NodeProto &node, int i);
  std::optional<Shape> inferredShape(const std::string &name);
  bool define(const onnx::NodeProto &node, const Value &v, int i = 0);

  // Operators.
  bool importNode(const onnx::NodeProto &node);
  bool importConv(const onnx::NodeProto &node);
  bool importPool(const onnx::NodeProto &node, bool max);
  bool importMaxPool(const onnx::NodeProto &node) {
    if (node.output_size() > 1 && used(node.output(1)))
      return fail("the indices output of MaxPool is not imported");
    return importPool(node, true);
  }
  bool importAveragePool(const onnx::NodeProto &node) {
    return importPool(node, false);
  }
  bool importGlobalAveragePool(const onnx::NodeProto &node);
  bool importGemm(const onnx::NodeProto &node);
  bool importMatMul(const onnx::NodeProto &node);
  bool importSoftmax(const onnx::NodeProto &node);
  bool importLRN(const onnx::NodeProto &node);
  bool importBatchNorm(const onnx::NodeProto &node);
  bool importReshapeLike(const onnx::NodeProto &node);
  bool importTranspose(const onnx::NodeProto &node);
  bool importGather(const onnx::NodeProto &node);
  bool importResize(const onnx::NodeProto &node);
  bool importConvTranspose(const onnx::NodeProto &node);
  /// `y` plus the per-channel bias of `node`'s input 2, if it has one.
  std::optional<Value> withBias(const onnx::NodeProto &node, const Value &y,
                                int64_t k);
  bool importConcat(const onnx::NodeProto &node);
  bool importConstant(const onnx::NodeProto &node);
  bool importReduceMean(const onnx::NodeProto &node);
  bool importLayerNorm(const onnx::NodeProto &node);
  bool importSlice(const onnx::NodeProto &node);
  bool importSplit(const onnx::NodeProto &node);
  /// The sum over `axes` of `x` (the other dims kept), times `scale`.
  std::optional<Value> reduceSum(const Value &x, const Shape &axes,
                                 double scale);
  /// `x` in the slice [offsets, offsets + sizes) with `strides`.
  /// `parts` joined along `axis` (the one part itself when alone); their
  /// other dims agree.
  Value concat(const std::vector<Value> &parts, int axis);
  Value slice(const Value &x, const Shape &offsets, const Shape &sizes,
              const Shape &strides);

  const onnx::GraphProto &graph;
  std::string fileName, location, currentNode;
  std::ostringstream body;
  int next = 0;
  std::map<std::string, Value> values;
  std::map<std::string, ConstData> constants;
  std::map<std::string, const onnx::TensorProto *> initializers;
  std::map<std::string, Shape> valueInfo;
  /// Initializers used as operands, in order of first use: the weight
  /// arguments.
  std::vector<std::pair<std::string, Value>> weightArgs;
  std::map<std::string, std::string> constantCache;
};

//===----------------------------------------------------------------------===//
// Attributes and constant data
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *attr(const onnx::NodeProto &n,
                                 const std::string &name) {
  for (const onnx::AttributeProto &a : n.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t intAttr(const onnx::NodeProto &n, const std::string &name,
                int64_t dflt) {
  const onnx::AttributeProto *a = attr(n, name);
  return a ? a->i() : dflt;
}

double floatAttr(const onnx::NodeProto &n, const std::string &name,
                 double dflt) {
  const onnx::AttributeProto *a = attr(n, name);
  return a ? a->f() : dflt;
}

std::string stringAttr(const onnx::NodeProto &n, const std::string &name,
                       const std::string &dflt) {
  const onnx::AttributeProto *a = attr(n, name);
  return a ? a->s() : dflt;
}

std::optional<Shape> intsAttr(const onnx::NodeProto &n,
                              const std::string &name) {
  const onnx::AttributeProto *a = attr(n, name);
  if (!a)
    return std::nullopt;
  return Shape(a->ints().begin(), a->ints().end());
}

/// The values of a tensor whose data the model holds; nullopt when it has
/// none (stored outside the model) or of a type kapla does not read.
std::optional<ConstData> tensorData(const onnx::TensorProto &t) {
  ConstData d;
  d.shape.assign(t.dims().begin(), t.dims().end());
  int64_t count = product(d.shape);
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  const std::string &raw = t.raw_data();
  // The values as `T`: little-endian in raw_data, or in the typed field.
  auto read = [&](auto zero, const auto &typed) {
    using T = decltype(zero);
    if (raw.empty()) {
      d.values.assign(typed.begin(), typed.end());
      return true;
    }
    if (raw.size() != size_t(count) * sizeof(T))
      return false;
    for (int64_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, raw.data() + sizeof(T) * i, sizeof(T));
      d.values.push_back(double(v));
    }
    return true;
  };
  bool ok;
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    ok = read(float(), t.float_data());
    break;
  case onnx::TensorProto::INT64:
    d.isFloat = false;
    ok = read(int64_t(), t.int64_data());
    break;
  case onnx::TensorProto::INT32:
    d.isFloat = false;
    ok = read(int32_t(), t.int32_data());
    break;
  default:
    return std::nullopt;
  }
  if (!ok)
    return std::nullopt;
  if (int64_t(d.values.size()) != count)
    return std::nullopt;
  return d;
}

/// Whether kapla imports tensors of ONNX element type `t` (as f32: the
/// schedule's word size is the architecture's `word_bits`), and its name.
bool numeric(int t) {
  switch (t) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT64: // ids and indices (exact below 2^24)
    return true;
  default:
    return false;
  }
}

std::optional<Shape> shapeOf(const onnx::TypeProto &type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return std::nullopt;
  Shape s;
  for (const auto &d : type.tensor_type().shape().dim()) {
    if (!d.has_dim_value())
      return std::nullopt;
    s.push_back(d.dim_value());
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Text helpers
//===----------------------------------------------------------------------===//

std::string OnnxImporter::constant(double v) {
  std::string key = hexFloat(v);
  auto it = constantCache.find(key);
  if (it != constantCache.end())
    return it->second;
  std::string c = fresh();
  prologue << "    " << c << " = arith.constant " << key << " : f32\n";
  constantCache[key] = c;
  return c;
}

std::string OnnxImporter::empty(const Shape &shape) {
  std::string e = fresh();
  emit(e + " = tensor.empty() : " + tensorType(shape));
  return e;
}

std::string OnnxImporter::filled(const Shape &shape, double v) {
  std::string c = constant(v), e = empty(shape), f = fresh();
  emit(f + " = linalg.fill ins(" + c + " : f32) outs(" + e + " : " +
       tensorType(shape) + ") -> " + tensorType(shape));
  return f;
}

std::string OnnxImporter::generic(
    const std::vector<std::pair<std::string, std::string>> &inputs,
    const std::vector<std::string> &inputTypes, const std::string &init,
    const Shape &outShape, const std::string &outMap,
    const std::string &iterators,
    const std::function<std::string(std::vector<std::string> &)> &f) {
  std::string r = fresh();
  std::string maps, ins, types, args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    maps += inputs[i].second + ", ";
    ins += (i ? ", " : "") + inputs[i].first;
    types += (i ? ", " : "") + inputTypes[i];
  }
  maps += outMap;
  std::vector<std::string> blockArgs;
  for (size_t i = 0; i <= inputs.size(); ++i) {
    blockArgs.push_back("%a" + std::to_string(i));
    args += (i ? ", " : "") + blockArgs.back() + ": f32";
  }
  // The body writes its ops through `line` into `regionOps`.
  regionOps.str("");
  std::string yielded = f(blockArgs);
  std::string ops = regionOps.str();
  regionOps.str("");
  std::string line = r + " = linalg.generic {indexing_maps = [" + maps +
                     "], iterator_types = [" + iterators + "]} ins(" + ins +
                     " : " + types + ") outs(" + init + " : " +
                     tensorType(outShape) + ") {\n    ^bb0(" + args + "):\n" +
                     ops + "      linalg.yield " + yielded +
                     " : f32\n    } -> " + tensorType(outShape);
  emit(line);
  return r;
}

std::optional<Value> OnnxImporter::elementwise(
    const std::vector<Value> &operands,
    const std::function<std::string(std::vector<std::string> &)> &f) {
  // The numpy broadcast of the operands' shapes.
  Shape out;
  for (const Value &v : operands) {
    if (v.shape.size() > out.size())
      out.insert(out.begin(), v.shape.size() - out.size(), 1);
    for (size_t j = 0; j < v.shape.size(); ++j) {
      int64_t &o = out[out.size() - v.shape.size() + j];
      int64_t d = v.shape[j];
      if (o != d && o != 1 && d != 1) {
        fail("operand shapes " + tensorType(operands[0].shape) + " and " +
             tensorType(v.shape) + " do not broadcast");
        return std::nullopt;
      }
      if (o == 1)
        o = d;
    }
  }
  int rank = out.size();
  std::vector<std::pair<std::string, std::string>> ins;
  std::vector<std::string> types;
  for (const Value &v : operands) {
    // Dims the operand broadcasts (1 where the result is not) are dropped
    // from it; the kept ones index the loops they align with.
    Shape kept;
    std::string exprs;
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices pending;
    size_t offset = rank - v.shape.size();
    for (size_t j = 0; j < v.shape.size(); ++j) {
      bool keep = !(v.shape[j] == 1 && out[offset + j] != 1);
      if (keep) {
        kept.push_back(v.shape[j]);
        exprs += (exprs.empty() ? "d" : ", d") + std::to_string(offset + j);
        groups.push_back(pending);
        pending.clear();
        groups.back().push_back(j);
      } else if (groups.empty()) {
        pending.push_back(j);
      } else {
        groups.back().push_back(j);
      }
    }
    std::string ssa = v.ssa;
    if (kept.size() != v.shape.size()) {
      ssa = fresh();
      emit(ssa + " = tensor.collapse_shape " + v.ssa + " [" +
           reassociationText(groups) + "] : " + tensorType(v.shape) + " into " +
           tensorType(kept));
    }
    ins.push_back({ssa, "affine_map<(" + dims(rank) + ") -> (" + exprs + ")>"});
    types.push_back(tensorType(kept));
  }
  std::string init = empty(out);
  std::string r = generic(ins, types, init, out, identityMap(rank),
                          parallel(rank), [&](std::vector<std::string> &a) {
                            a.pop_back();
                            return f(a);
                          });
  return Value{r, out};
}

std::optional<Value> OnnxImporter::reshape(const Value &x, const Shape &to) {
  if (llvm::any_of(to, [](int64_t d) { return d < 1; })) {
    fail("cannot reshape to " + join(to, "x") + ": a dim is not positive");
    return std::nullopt;
  }
  if (product(x.shape) != product(to)) {
    fail("cannot reshape " + tensorType(x.shape) + " to " + tensorType(to));
    return std::nullopt;
  }
  if (x.shape == to)
    return x;
  auto collapse = [&](const Value &v,
                      const Shape &target) -> std::optional<Value> {
    std::optional<SmallVector<ReassociationIndices>> g =
        getReassociationIndicesForCollapse(v.shape, target);
    if (!g)
      return std::nullopt;
    std::string r = fresh();
    emit(r + " = tensor.collapse_shape " + v.ssa + " [" +
         reassociationText(*g) + "] : " + tensorType(v.shape) + " into " +
         tensorType(target));
    return Value{r, target};
  };
  auto expand = [&](const Value &v,
                    const Shape &target) -> std::optional<Value> {
    std::optional<SmallVector<ReassociationIndices>> g =
        getReassociationIndicesForCollapse(target, v.shape);
    if (!g)
      return std::nullopt;
    std::string r = fresh();
    emit(r + " = tensor.expand_shape " + v.ssa + " [" + reassociationText(*g) +
         "] output_shape [" + join(target, ", ") +
         "] : " + tensorType(v.shape) + " into " + tensorType(target));
    return Value{r, target};
  };
  if (to.size() < x.shape.size())
    if (auto r = collapse(x, to))
      return r;
  if (to.size() > x.shape.size())
    if (auto r = expand(x, to))
      return r;
  // Through one dim.
  Shape flat = {product(x.shape)};
  std::optional<Value> f = x.shape.size() == 1 ? x : collapse(x, flat);
  if (!f)
    return std::nullopt;
  return to.size() == 1 ? f : expand(*f, to);
}

std::optional<Value> OnnxImporter::pad(const Value &x, const Shape &low,
                                       const Shape &high, double value) {
  bool any = false;
  for (size_t i = 0; i < low.size(); ++i)
    any |= low[i] != 0 || high[i] != 0;
  if (!any)
    return x;
  Shape out = x.shape;
  for (size_t i = 0; i < out.size(); ++i) {
    if (low[i] < 0 || high[i] < 0) {
      fail("negative padding is not imported");
      return std::nullopt;
    }
    out[i] += low[i] + high[i];
  }
  std::string c = constant(value), r = fresh(), idx;
  for (size_t i = 0; i < out.size(); ++i)
    idx += (i ? ", %i" : "%i") + std::to_string(i) + ": index";
  emit(r + " = tensor.pad " + x.ssa + " low[" + join(low, ", ") + "] high[" +
       join(high, ", ") + "] {\n    ^bb0(" + idx + "):\n      tensor.yield " +
       c + " : f32\n    } : " + tensorType(x.shape) + " to " + tensorType(out));
  return Value{r, out};
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

std::optional<Value> OnnxImporter::input(const onnx::NodeProto &node, int i,
                                         bool integers) {
  if (i >= node.input_size() || node.input(i).empty()) {
    fail("input " + std::to_string(i) + " is missing");
    return std::nullopt;
  }
  const std::string &name = node.input(i);
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init != initializers.end()) {
    if (!numeric(init->second->data_type())) {
      fail("initializer '" + name + "' is not a numeric tensor");
      return std::nullopt;
    }
    noteType(init->second->data_type());
    Value v{"%w" + std::to_string(weightArgs.size()),
            Shape(init->second->dims().begin(), init->second->dims().end())};
    for (int64_t d : v.shape)
      if (d < 1) {
        fail("initializer '" + name + "' has a dim that is not positive");
        return std::nullopt;
      }
    weightArgs.push_back({name, v});
    values[name] = v;
    return v;
  }
  auto c = constants.find(name);
  if (c != constants.end() && (c->second.isFloat || integers)) {
    // A constant the model gives with its data (a Constant node).
    const ConstData &d = c->second;
    std::string r = fresh(), data;
    if (d.values.size() == 1 ||
        std::all_of(d.values.begin(), d.values.end(),
                    [&](double v) { return v == d.values[0]; }))
      data = hexFloat(d.values.empty() ? 0.0 : d.values[0]);
    else {
      // Row-major nest of the values.
      std::function<std::string(size_t, size_t)> nest = [&](size_t dim,
                                                            size_t start) {
        if (dim == d.shape.size())
          return hexFloat(d.values[start]);
        size_t stride = product(d.shape, dim + 1);
        std::string s = "[";
        for (int64_t k = 0; k < d.shape[dim]; ++k)
          s += (k ? ", " : "") + nest(dim + 1, start + k * stride);
        return s + "]";
      };
      data = nest(0, 0);
    }
    emit(r + " = arith.constant dense<" + data + "> : " + tensorType(d.shape));
    values[name] = {r, d.shape};
    return values[name];
  }
  fail("input '" + name + "' is no value kapla knows (not a graph input, " +
       "initializer or float constant)");
  return std::nullopt;
}

std::optional<ConstData>
OnnxImporter::constantInput(const onnx::NodeProto &node, int i) {
  if (i >= node.input_size() || node.input(i).empty())
    return std::nullopt;
  const std::string &name = node.input(i);
  auto c = constants.find(name);
  if (c != constants.end())
    return c->second;
  auto init = initializers.find(name);
  if (init != initializers.end())
    return tensorData(*init->second);
  return std::nullopt;
}

std::optional<Shape> OnnxImporter::inferredShape(const std::string &name) {
  auto it = valueInfo.find(name);
  if (it == valueInfo.end())
    return std::nullopt;
  return it->second;
}

bool OnnxImporter::define(const onnx::NodeProto &node, const Value &v, int i) {
  if (i < node.output_size() && !node.output(i).empty())
    values[node.output(i)] = v;
  return true;
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

/// Explicit or automatic padding of the 2-D window of a conv or pool:
/// {top, left, bottom, right}.
std::optional<Shape> windowPads(const onnx::NodeProto &node, const Shape &in,
                                const Shape &kernel, const Shape &strides,
                                const Shape &dilations, std::string &why) {
  std::string autoPad = stringAttr(node, "auto_pad", "NOTSET");
  Shape pads = intsAttr(node, "pads").value_or(Shape{0, 0, 0, 0});
  if (pads.size() != 4) {
    why = "pads must have 4 values for a 2-D window";
    return std::nullopt;
  }
  if (autoPad == "NOTSET" || autoPad == "VALID")
    return autoPad == "VALID" ? Shape{0, 0, 0, 0} : pads;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    why = "unknown auto_pad '" + autoPad + "'";
    return std::nullopt;
  }
  Shape out(4);
  for (int d = 0; d < 2; ++d) {
    int64_t size = in[2 + d];
    int64_t o = (size + strides[d] - 1) / strides[d];
    int64_t total = std::max<int64_t>(
        0, (o - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - size);
    int64_t small = total / 2, large = total - small;
    out[d] = autoPad == "SAME_UPPER" ? small : large;
    out[2 + d] = autoPad == "SAME_UPPER" ? large : small;
  }
  return out;
}

bool OnnxImporter::importConv(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0), w = input(node, 1);
  if (!x || !w)
    return false;
  if (x->shape.size() != 4 || w->shape.size() != 4)
    return fail("only 2-D convolutions (4-D input and weights) are imported");
  int64_t group = intAttr(node, "group", 1);
  int64_t n = x->shape[0], c = x->shape[1], k = w->shape[0];
  Shape kernel = {w->shape[2], w->shape[3]};
  Shape strides = intsAttr(node, "strides").value_or(Shape{1, 1});
  Shape dilations = intsAttr(node, "dilations").value_or(Shape{1, 1});
  if (strides.size() != 2 || dilations.size() != 2)
    return fail("strides and dilations must have 2 values");
  for (int64_t v : {strides[0], strides[1], dilations[0], dilations[1],
                    kernel[0], kernel[1]})
    if (v < 1)
      return fail("strides, dilations and kernel sizes must be positive");
  if (group < 1 || c % group || k % group || w->shape[1] != c / group)
    return fail("weights " + tensorType(w->shape) + " do not fit input " +
                tensorType(x->shape) + " in " + std::to_string(group) +
                " groups");
  std::string why;
  std::optional<Shape> pads =
      windowPads(node, x->shape, kernel, strides, dilations, why);
  if (!pads)
    return fail(why);
  std::optional<Value> xp = pad(*x, {0, 0, (*pads)[0], (*pads)[1]},
                                {0, 0, (*pads)[2], (*pads)[3]}, 0.0);
  if (!xp)
    return false;
  Shape out = {n, k, 0, 0};
  for (int d = 0; d < 2; ++d) {
    int64_t span = dilations[d] * (kernel[d] - 1) + 1;
    if (xp->shape[2 + d] < span)
      return fail("the window is larger than the padded input");
    out[2 + d] = (xp->shape[2 + d] - span) / strides[d] + 1;
  }
  std::string windowAttrs = "{dilations = dense<[" + join(dilations, ", ") +
                            "]> : tensor<2xi64>, strides = dense<[" +
                            join(strides, ", ") + "]> : tensor<2xi64>}";
  auto convOne = [&](const Value &in, const Value &wt, int64_t kOut) {
    Shape o = {n, kOut, out[2], out[3]};
    std::string init = filled(o, 0.0), r = fresh();
    emit(r + " = linalg.conv_2d_nchw_fchw " + windowAttrs + " ins(" + in.ssa +
         ", " + wt.ssa + " : " + tensorType(in.shape) + ", " +
         tensorType(wt.shape) + ") outs(" + init + " : " + tensorType(o) +
         ") -> " + tensorType(o));
    return Value{r, o};
  };
  Value y;
  if (group == 1) {
    y = convOne(*xp, *w, k);
  } else if (group == c && k == c) {
    // Depthwise: one filter per channel.
    Shape wc = {c, kernel[0], kernel[1]};
    std::string wr = fresh();
    emit(wr + " = tensor.collapse_shape " + w->ssa + " [[0, 1], [2], [3]] : " +
         tensorType(w->shape) + " into " + tensorType(wc));
    std::string init = filled(out, 0.0), r = fresh();
    emit(r + " = linalg.depthwise_conv_2d_nchw_chw " + windowAttrs + " ins(" +
         xp->ssa + ", " + wr + " : " + tensorType(xp->shape) + ", " +
         tensorType(wc) + ") outs(" + init + " : " + tensorType(out) + ") -> " +
         tensorType(out));
    y = {r, out};
  } else {
    // Groups: one convolution per group, concatenated over channels.
    int64_t cg = c / group, kg = k / group;
    std::vector<Value> parts;
    for (int64_t g = 0; g < group; ++g) {
      Shape xs = {n, cg, xp->shape[2], xp->shape[3]};
      Shape ws = {kg, cg, kernel[0], kernel[1]};
      parts.push_back(convOne(slice(*xp, {0, g * cg, 0, 0}, xs, {1, 1, 1, 1}),
                              slice(*w, {g * kg, 0, 0, 0}, ws, {1, 1, 1, 1}),
                              kg));
    }
    y = concat(parts, 1);
  }
  std::optional<Value> biased = withBias(node, y, k);
  return biased && define(node, *biased);
}

std::optional<Value> OnnxImporter::withBias(const onnx::NodeProto &node,
                                            const Value &y, int64_t k) {
  if (node.input_size() <= 2 || node.input(2).empty())
    return y;
  std::optional<Value> b = input(node, 2);
  if (!b)
    return std::nullopt;
  if (b->shape != Shape{k}) {
    fail("bias " + tensorType(b->shape) + " is not one per channel");
    return std::nullopt;
  }
  std::optional<Value> b4 = reshape(*b, {k, 1, 1});
  if (!b4)
    return std::nullopt;
  return elementwise({y, *b4}, [&](std::vector<std::string> &a) {
    return line("arith.addf " + a[0] + ", " + a[1]);
  });
}

/// A transposed convolution as the convolution it is the gradient of: the
/// input with stride - 1 zeros between its rows and columns (inserted into
/// a zero tensor with a strided tensor.insert_slice), padded by
/// dilation * (kernel - 1) less `pads` (cropped where that is negative)
/// plus `output_padding` at the end, convolved with stride 1 by the
/// weights flipped and with input and output channels swapped (a
/// linalg.generic over the weights alone: no layer). The layer is a CONV
/// over the zero-filled input: its MACs count the zeros, as an accelerator
/// running it this way does. In groups, a CONV per group of channels,
/// concatenated; with a group per channel, one DWCONV.
bool OnnxImporter::importConvTranspose(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0), w = input(node, 1);
  if (!x || !w)
    return false;
  if (x->shape.size() != 4 || w->shape.size() != 4)
    return fail("only 2-D transposed convolutions (4-D input and weights) "
                "are imported");
  int64_t group = intAttr(node, "group", 1);
  int64_t n = x->shape[0], c = x->shape[1];
  if (group < 1 || c % group || w->shape[0] != c)
    return fail("weights " + tensorType(w->shape) + " do not fit input " +
                tensorType(x->shape) + " in " + std::to_string(group) +
                " groups");
  int64_t cg = c / group, kg = w->shape[1], k = kg * group;
  Shape kernel = {w->shape[2], w->shape[3]};
  Shape strides = intsAttr(node, "strides").value_or(Shape{1, 1});
  Shape dilations = intsAttr(node, "dilations").value_or(Shape{1, 1});
  Shape extra = intsAttr(node, "output_padding").value_or(Shape{0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || extra.size() != 2)
    return fail("strides, dilations and output_padding must have 2 values");
  for (int d = 0; d < 2; ++d)
    if (strides[d] < 1 || dilations[d] < 1 || extra[d] < 0 ||
        extra[d] >= strides[d])
      return fail("strides and dilations must be positive, output_padding "
                  "not negative and below the stride");
  constexpr int64_t kLarge = int64_t(1) << 20;
  for (int64_t v : {strides[0], strides[1], dilations[0], dilations[1],
                    kernel[0], kernel[1], x->shape[2], x->shape[3]})
    if (v > kLarge)
      return fail("a stride, dilation, kernel or input size above " +
                  std::to_string(kLarge) + " is not imported");
  // The pads: given, or from the output's size (`output_shape`, or the
  // input's times the stride with SAME_UPPER and SAME_LOWER): the full
  // output less that size, split as ONNX defines (the odd one at the end
  // with SAME_UPPER, else at the start).
  std::string autoPad = stringAttr(node, "auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return fail("auto_pad '" + autoPad +
                "' is not one of NOTSET, VALID, "
                "SAME_UPPER, SAME_LOWER");
  Shape pads(4, 0);
  std::optional<Shape> outputShape = intsAttr(node, "output_shape");
  if (outputShape && outputShape->size() == 4)
    outputShape = Shape{(*outputShape)[2], (*outputShape)[3]};
  if (!outputShape && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER"))
    outputShape = Shape{x->shape[2] * strides[0], x->shape[3] * strides[1]};
  if (outputShape) {
    if (outputShape->size() != 2)
      return fail("output_shape must have 2 values (or 4 with the batch "
                  "and channels)");
    for (int d = 0; d < 2; ++d) {
      int64_t want = (*outputShape)[d];
      int64_t full = strides[d] * (x->shape[2 + d] - 1) + extra[d] +
                     (kernel[d] - 1) * dilations[d] + 1;
      if (want < 1 || want > full)
        return fail("output_shape " + std::to_string(want) +
                    " is not between 1 and the " + std::to_string(full) +
                    " the transposed convolution gives (give "
                    "output_padding for more)");
      int64_t total = full - want;
      int64_t atEnd = autoPad == "SAME_UPPER" ? total - total / 2 : total / 2;
      pads[d] = total - atEnd;
      pads[d + 2] = atEnd;
    }
  } else if (autoPad == "NOTSET") {
    pads = intsAttr(node, "pads").value_or(Shape{0, 0, 0, 0});
    if (pads.size() != 4)
      return fail("pads must have 4 values");
    for (int64_t p : pads)
      if (p < 0 || p > kLarge)
        return fail("pads must be between 0 and " + std::to_string(kLarge));
  }
  // The zero-filled input.
  Value up = *x;
  if (strides[0] > 1 || strides[1] > 1) {
    Shape s = {n, c, (x->shape[2] - 1) * strides[0] + 1,
               (x->shape[3] - 1) * strides[1] + 1};
    std::string zeros = filled(s, 0.0), r = fresh();
    emit(r + " = tensor.insert_slice " + x->ssa + " into " + zeros +
         "[0, 0, 0, 0] [" + join(x->shape, ", ") + "] [1, 1, " +
         std::to_string(strides[0]) + ", " + std::to_string(strides[1]) +
         "] : " + tensorType(x->shape) + " into " + tensorType(s));
    up = {r, s};
  }
  // Padding; a negative one crops.
  Shape low(4, 0), high(4, 0), cropLow(4, 0), cropHigh(4, 0);
  for (int d = 0; d < 2; ++d) {
    int64_t span = dilations[d] * (kernel[d] - 1);
    int64_t lo = span - pads[d], hi = span - pads[d + 2] + extra[d];
    (lo >= 0 ? low : cropLow)[2 + d] = std::abs(lo);
    (hi >= 0 ? high : cropHigh)[2 + d] = std::abs(hi);
  }
  std::optional<Value> xp = pad(up, low, high, 0.0);
  if (!xp)
    return false;
  if (cropLow[2] || cropLow[3] || cropHigh[2] || cropHigh[3]) {
    Shape s = xp->shape;
    for (int d = 2; d < 4; ++d)
      s[d] -= cropLow[d] + cropHigh[d];
    if (s[2] < 1 || s[3] < 1)
      return fail("the pads leave no output");
    std::string r = fresh();
    emit(r + " = tensor.extract_slice " + xp->ssa + "[" + join(cropLow, ", ") +
         "] [" + join(s, ", ") + "] [1, 1, 1, 1] : " + tensorType(xp->shape) +
         " to " + tensorType(s));
    xp = Value{r, s};
  }
  Shape out = {n, k, 0, 0};
  for (int d = 0; d < 2; ++d) {
    int64_t span = dilations[d] * (kernel[d] - 1) + 1;
    if (xp->shape[2 + d] < span)
      return fail("the pads leave no output");
    out[2 + d] = xp->shape[2 + d] - span + 1;
  }
  std::string windowAttrs = "{dilations = dense<[" + join(dilations, ", ") +
                            "]> : tensor<2xi64>, strides = dense<1> : "
                            "tensor<2xi64>}";
  std::string kh1 = std::to_string(kernel[0] - 1),
              kw1 = std::to_string(kernel[1] - 1);
  Value y;
  if (group > 1 && cg == 1 && kg == 1) {
    // Depthwise: one flipped filter per channel, [C, kh, kw] (a
    // linalg.generic over the weights alone: no layer).
    Shape wf = {c, kernel[0], kernel[1]};
    std::string flip = "affine_map<(d0, d1, d2) -> (d0, 0, " + kh1 + " - d1, " +
                       kw1 + " - d2)>";
    std::string wr = generic({{w->ssa, flip}}, {tensorType(w->shape)},
                             empty(wf), wf, identityMap(3), parallel(3),
                             [](std::vector<std::string> &a) { return a[0]; });
    std::string init = filled(out, 0.0), r = fresh();
    emit(r + " = linalg.depthwise_conv_2d_nchw_chw " + windowAttrs + " ins(" +
         xp->ssa + ", " + wr + " : " + tensorType(xp->shape) + ", " +
         tensorType(wf) + ") outs(" + init + " : " + tensorType(out) + ") -> " +
         tensorType(out));
    y = {r, out};
  } else {
    // Per group: its input channels convolved with its weights flipped,
    // channels swapped ([Kg, Cg, kh, kw]); the groups concatenated.
    std::vector<Value> parts;
    for (int64_t g = 0; g < group; ++g) {
      Value in = group > 1
                     ? slice(*xp, {0, g * cg, 0, 0},
                             {n, cg, xp->shape[2], xp->shape[3]}, {1, 1, 1, 1})
                     : *xp;
      Value wg = group > 1 ? slice(*w, {g * cg, 0, 0, 0},
                                   {cg, kg, kernel[0], kernel[1]}, {1, 1, 1, 1})
                           : *w;
      Shape wf = {kg, cg, kernel[0], kernel[1]};
      std::string flip = "affine_map<(d0, d1, d2, d3) -> (d1, d0, " + kh1 +
                         " - d2, " + kw1 + " - d3)>";
      std::string wr =
          generic({{wg.ssa, flip}}, {tensorType(wg.shape)}, empty(wf), wf,
                  identityMap(4), parallel(4),
                  [](std::vector<std::string> &a) { return a[0]; });
      Shape o = {n, kg, out[2], out[3]};
      std::string init = filled(o, 0.0), r = fresh();
      emit(r + " = linalg.conv_2d_nchw_fchw " + windowAttrs + " ins(" + in.ssa +
           ", " + wr + " : " + tensorType(in.shape) + ", " + tensorType(wf) +
           ") outs(" + init + " : " + tensorType(o) + ") -> " + tensorType(o));
      parts.push_back({r, o});
    }
    y = concat(parts, 1);
  }
  std::optional<Value> biased = withBias(node, y, k);
  return biased && define(node, *biased);
}

bool OnnxImporter::importPool(const onnx::NodeProto &node, bool max) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  if (x->shape.size() != 4)
    return fail("only 2-D pools (4-D input) are imported");
  std::optional<Shape> kernel = intsAttr(node, "kernel_shape");
  if (!kernel || kernel->size() != 2)
    return fail("kernel_shape must have 2 values");
  Shape strides = intsAttr(node, "strides").value_or(Shape{1, 1});
  Shape dilations = intsAttr(node, "dilations").value_or(Shape{1, 1});
  if (strides.size() != 2 || dilations.size() != 2)
    return fail("strides and dilations must have 2 values");
  for (int64_t v : {strides[0], strides[1], dilations[0], dilations[1],
                    (*kernel)[0], (*kernel)[1]})
    if (v < 1)
      return fail("strides, dilations and kernel sizes must be positive");
  std::string why;
  std::optional<Shape> pads =
      windowPads(node, x->shape, *kernel, strides, dilations, why);
  if (!pads)
    return fail(why);
  bool anyPad = false;
  for (int64_t p : *pads)
    anyPad |= p != 0;
  if (!max && anyPad && intAttr(node, "count_include_pad", 0) == 0)
    return fail("an average pool that leaves the padding out of its count "
                "(count_include_pad = 0) is not imported");
  // ceil_mode: the last window may start in the padding at the end; pad
  // so that the floor of the padded size gives the ceil of ONNX's.
  Shape out(2);
  for (int d = 0; d < 2; ++d) {
    int64_t span = dilations[d] * ((*kernel)[d] - 1) + 1;
    int64_t size = x->shape[2 + d] + (*pads)[d] + (*pads)[2 + d];
    if (size < span)
      return fail("the window is larger than the padded input");
    int64_t steps = size - span;
    out[d] = steps / strides[d] + 1;
    if (intAttr(node, "ceil_mode", 0) && steps % strides[d]) {
      ++out[d];
      (*pads)[2 + d] += strides[d] - steps % strides[d];
    }
  }
  double padValue = max ? -INFINITY : 0.0;
  std::optional<Value> xp = pad(*x, {0, 0, (*pads)[0], (*pads)[1]},
                                {0, 0, (*pads)[2], (*pads)[3]}, padValue);
  if (!xp)
    return false;
  Shape o = {x->shape[0], x->shape[1], out[0], out[1]};
  std::string window = empty(*kernel);
  std::string init = filled(o, padValue), r = fresh();
  emit(r + " = linalg.pooling_nchw_" + (max ? "max" : "sum") +
       " {dilations = dense<[" + join(dilations, ", ") +
       "]> : tensor<2xi64>, strides = dense<[" + join(strides, ", ") +
       "]> : tensor<2xi64>} ins(" + xp->ssa + ", " + window + " : " +
       tensorType(xp->shape) + ", " + tensorType(*kernel) + ") outs(" + init +
       " : " + tensorType(o) + ") -> " + tensorType(o));
  Value y{r, o};
  if (!max) {
    std::optional<Value> avg = scaled(y, 1.0 / double(product(*kernel)));
    if (!avg)
      return false;
    y = *avg;
  }
  return define(node, y);
}

bool OnnxImporter::importGlobalAveragePool(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  if (x->shape.size() != 4)
    return fail("only 4-D inputs are imported");
  Shape kernel = {x->shape[2], x->shape[3]};
  Shape o = {x->shape[0], x->shape[1], 1, 1};
  std::string window = empty(kernel);
  std::string init = filled(o, 0.0), r = fresh();
  emit(r + " = linalg.pooling_nchw_sum {dilations = dense<1> : " +
       "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(" + x->ssa +
       ", " + window + " : " + tensorType(x->shape) + ", " +
       tensorType(kernel) + ") outs(" + init + " : " + tensorType(o) + ") -> " +
       tensorType(o));
  std::optional<Value> avg = scaled({r, o}, 1.0 / double(product(kernel)));
  return avg && define(node, *avg);
}

bool OnnxImporter::importGemm(const onnx::NodeProto &node) {
  std::optional<Value> a = input(node, 0), b = input(node, 1);
  if (!a || !b)
    return false;
  if (a->shape.size() != 2 || b->shape.size() != 2)
    return fail("Gemm operands must be 2-D");
  auto transpose = [&](const Value &v) {
    Shape t = {v.shape[1], v.shape[0]};
    std::string e = empty(t), r = fresh();
    emit(r + " = linalg.transpose ins(" + v.ssa + " : " + tensorType(v.shape) +
         ") outs(" + e + " : " + tensorType(t) + ") permutation = [1, 0]");
    return Value{r, t};
  };
  Value lhs = intAttr(node, "transA", 0) ? transpose(*a) : *a;
  Value rhs = intAttr(node, "transB", 0) ? transpose(*b) : *b;
  if (lhs.shape[1] != rhs.shape[0])
    return fail("Gemm operands " + tensorType(lhs.shape) + " and " +
                tensorType(rhs.shape) + " do not multiply");
  Shape o = {lhs.shape[0], rhs.shape[1]};
  std::string init = filled(o, 0.0), r = fresh();
  emit(r + " = linalg.matmul ins(" + lhs.ssa + ", " + rhs.ssa + " : " +
       tensorType(lhs.shape) + ", " + tensorType(rhs.shape) + ") outs(" + init +
       " : " + tensorType(o) + ") -> " + tensorType(o));
  Value y{r, o};
  double alpha = floatAttr(node, "alpha", 1.0),
         beta = floatAttr(node, "beta", 1.0);
  bool hasC = node.input_size() > 2 && !node.input(2).empty();
  std::vector<Value> ops = {y};
  if (hasC) {
    std::optional<Value> c = input(node, 2);
    if (!c)
      return false;
    ops.push_back(*c);
  }
  if (alpha != 1.0 || hasC) {
    std::string ca = constant(alpha), cb = constant(beta);
    std::optional<Value> s = elementwise(ops, [&](std::vector<std::string> &v) {
      std::string r0 =
          alpha != 1.0 ? line("arith.mulf " + v[0] + ", " + ca) : v[0];
      if (v.size() < 2)
        return r0;
      std::string r1 =
          beta != 1.0 ? line("arith.mulf " + v[1] + ", " + cb) : v[1];
      return line("arith.addf " + r0 + ", " + r1);
    });
    if (!s)
      return false;
    y = *s;
  }
  return define(node, y);
}

bool OnnxImporter::importMatMul(const onnx::NodeProto &node) {
  std::optional<Value> a = input(node, 0), b = input(node, 1);
  if (!a || !b)
    return false;
  size_t ra = a->shape.size(), rb = b->shape.size();
  if (ra < 2 || rb < 2)
    return fail("MatMul of vectors is not imported");
  int64_t m = a->shape[ra - 2], k = a->shape[ra - 1], n = b->shape[rb - 1];
  if (b->shape[rb - 2] != k)
    return fail("MatMul operands " + tensorType(a->shape) + " and " +
                tensorType(b->shape) + " do not multiply");
  if (rb == 2) {
    // Leading dims of A are rows.
    Shape flat = {product(a->shape, 0, ra - 1), k};
    std::optional<Value> af = reshape(*a, flat);
    if (!af)
      return false;
    Shape o = {flat[0], n};
    std::string init = filled(o, 0.0), r = fresh();
    emit(r + " = linalg.matmul ins(" + af->ssa + ", " + b->ssa + " : " +
         tensorType(af->shape) + ", " + tensorType(b->shape) + ") outs(" +
         init + " : " + tensorType(o) + ") -> " + tensorType(o));
    Shape full(a->shape.begin(), a->shape.end() - 1);
    full.push_back(n);
    std::optional<Value> y = reshape({r, o}, full);
    return y && define(node, *y);
  }
  if (ra != rb ||
      !std::equal(a->shape.begin(), a->shape.end() - 2, b->shape.begin()))
    return fail("MatMul with broadcast batch dims is not imported");
  int64_t batch = product(a->shape, 0, ra - 2);
  std::optional<Value> a3 = reshape(*a, {batch, m, k}),
                       b3 = reshape(*b, {batch, k, n});
  if (!a3 || !b3)
    return false;
  Shape o = {batch, m, n};
  std::string init = filled(o, 0.0), r = fresh();
  emit(r + " = linalg.batch_matmul ins(" + a3->ssa + ", " + b3->ssa + " : " +
       tensorType(a3->shape) + ", " + tensorType(b3->shape) + ") outs(" + init +
       " : " + tensorType(o) + ") -> " + tensorType(o));
  Shape full(a->shape.begin(), a->shape.end() - 1);
  full.push_back(n);
  std::optional<Value> y = reshape({r, o}, full);
  return y && define(node, *y);
}

/// Maps of a reduction over `axis` of a rank-`rank` tensor: the input's
/// (every dim) and the result's (without `axis`).
std::string reducedMap(int rank, int axis) {
  std::string exprs;
  for (int i = 0; i < rank; ++i)
    if (i != axis)
      exprs += (exprs.empty() ? "d" : ", d") + std::to_string(i);
  return "affine_map<(" + dims(rank) + ") -> (" + exprs + ")>";
}

bool OnnxImporter::importSoftmax(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  int rank = x->shape.size();
  int64_t axis = intAttr(node, "axis", -1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return fail("axis out of range");
  Shape reduced;
  std::string iters;
  for (int i = 0; i < rank; ++i) {
    if (i != axis)
      reduced.push_back(x->shape[i]);
    iters += std::string(i ? ", " : "") +
             (i == axis ? "\"reduction\"" : "\"parallel\"");
  }
  std::string map = reducedMap(rank, axis);
  auto op2 = [&](const std::string &op) {
    return [&, op](std::vector<std::string> &a) {
      return line(op + " " + a[0] + ", " + a[1]);
    };
  };
  std::string maxInit = filled(reduced, -INFINITY);
  std::string mx =
      generic({{x->ssa, identityMap(rank)}}, {tensorType(x->shape)}, maxInit,
              reduced, map, iters, op2("arith.maximumf"));
  std::string e0 = empty(x->shape);
  std::string ex = generic(
      {{x->ssa, identityMap(rank)}, {mx, map}},
      {tensorType(x->shape), tensorType(reduced)}, e0, x->shape,
      identityMap(rank), parallel(rank), [&](std::vector<std::string> &a) {
        return line("math.exp " + line("arith.subf " + a[0] + ", " + a[1]));
      });
  std::string sumInit = filled(reduced, 0.0);
  std::string sum =
      generic({{ex, identityMap(rank)}}, {tensorType(x->shape)}, sumInit,
              reduced, map, iters, [&](std::vector<std::string> &a) {
                return line("arith.addf " + a[0] + ", " + a[1]);
              });
  std::string e1 = empty(x->shape);
  std::string y =
      generic({{ex, identityMap(rank)}, {sum, map}},
              {tensorType(x->shape), tensorType(reduced)}, e1, x->shape,
              identityMap(rank), parallel(rank), op2("arith.divf"));
  return define(node, {y, x->shape});
}

bool OnnxImporter::importLRN(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  if (x->shape.size() != 4)
    return fail("only 4-D inputs are imported");
  int64_t size = intAttr(node, "size", 0);
  if (size < 1)
    return fail("size must be positive");
  double alpha = floatAttr(node, "alpha", 1e-4),
         beta = floatAttr(node, "beta", 0.75),
         bias = floatAttr(node, "bias", 1.0);
  std::optional<Value> sq = elementwise({*x}, [&](std::vector<std::string> &a) {
    return line("arith.mulf " + a[0] + ", " + a[0]);
  });
  if (!sq)
    return false;
  // Sum over the window of `size` channels around each channel: a pool
  // whose window runs over the channels, written as a pool over rows of
  // the tensor viewed as [N, 1, C, H * W].
  std::optional<Value> sp =
      pad(*sq, {0, (size - 1) / 2, 0, 0}, {0, size / 2, 0, 0}, 0.0);
  if (!sp)
    return false;
  int64_t n = x->shape[0], c = x->shape[1], hw = x->shape[2] * x->shape[3];
  int64_t cpad = sp->shape[1];
  Shape flat = {n, cpad, hw}, view = {n, 1, cpad, hw}, pooled = {n, 1, c, hw},
        pooledFlat = {n, c, hw};
  std::string f0 = fresh(), v0 = fresh();
  emit(f0 + " = tensor.collapse_shape " + sp->ssa + " [[0], [1], [2, 3]] : " +
       tensorType(sp->shape) + " into " + tensorType(flat));
  emit(v0 + " = tensor.expand_shape " + f0 + " [[0, 1], [2], [3]] " +
       "output_shape [" + join(view, ", ") + "] : " + tensorType(flat) +
       " into " + tensorType(view));
  std::string window = empty({size, 1});
  std::string init = filled(pooled, 0.0), p = fresh();
  emit(p + " = linalg.pooling_nchw_sum {dilations = dense<1> : " +
       "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(" + v0 + ", " +
       window + " : " + tensorType(view) + ", " + tensorType({size, 1}) +
       ") outs(" + init + " : " + tensorType(pooled) + ") -> " +
       tensorType(pooled));
  std::string f1 = fresh(), sum = fresh();
  emit(f1 + " = tensor.collapse_shape " + p + " [[0, 1], [2], [3]] : " +
       tensorType(pooled) + " into " + tensorType(pooledFlat));
  emit(sum + " = tensor.expand_shape " + f1 + " [[0], [1], [2, 3]] " +
       "output_shape [" + join(x->shape, ", ") +
       "] : " + tensorType(pooledFlat) + " into " + tensorType(x->shape));
  std::string cs = constant(alpha / double(size)), cb = constant(bias),
              cp = constant(beta);
  std::optional<Value> y =
      elementwise({*x, {sum, x->shape}}, [&](std::vector<std::string> &a) {
        std::string m = line("arith.mulf " + a[1] + ", " + cs);
        std::string s = line("arith.addf " + m + ", " + cb);
        std::string p = line("math.powf " + s + ", " + cp);
        return line("arith.divf " + a[0] + ", " + p);
      });
  return y && define(node, *y);
}

bool OnnxImporter::importBatchNorm(const onnx::NodeProto &node) {
  for (int i = 1; i < node.output_size(); ++i)
    if (used(node.output(i)))
      return fail("BatchNormalization in training mode is not imported");
  std::optional<Value> x = input(node, 0), scale = input(node, 1),
                       b = input(node, 2), mean = input(node, 3),
                       var = input(node, 4);
  if (!x || !scale || !b || !mean || !var)
    return false;
  if (x->shape.size() < 2)
    return fail("the input must have a channel dim");
  int64_t c = x->shape[1];
  Shape perChannel = {c};
  for (size_t i = 2; i < x->shape.size(); ++i)
    perChannel.push_back(1);
  std::vector<Value> ops = {*x};
  for (const Value &p : {*scale, *b, *mean, *var}) {
    if (p.shape != Shape{c})
      return fail("parameter " + tensorType(p.shape) +
                  " is not one per channel");
    std::optional<Value> r = reshape(p, perChannel);
    if (!r)
      return false;
    ops.push_back(*r);
  }
  std::string eps = constant(floatAttr(node, "epsilon", 1e-5));
  std::optional<Value> y = elementwise(ops, [&](std::vector<std::string> &a) {
    std::string d = line("arith.subf " + a[0] + ", " + a[3]);
    std::string sd =
        line("math.sqrt " + line("arith.addf " + a[4] + ", " + eps));
    std::string q = line("arith.divf " + d + ", " + sd);
    return line("arith.addf " + line("arith.mulf " + q + ", " + a[1]) + ", " +
                a[2]);
  });
  return y && define(node, *y);
}

bool OnnxImporter::importReshapeLike(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  const std::string &op = node.op_type();
  std::optional<Shape> to;
  if (op == "Flatten") {
    int64_t rank = x->shape.size(), axis = intAttr(node, "axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return fail("axis out of range");
    to = Shape{product(x->shape, 0, axis), product(x->shape, axis)};
  } else if (op == "Reshape") {
    if (std::optional<ConstData> s = constantInput(node, 1)) {
      Shape t;
      int64_t known = 1, infer = -1;
      for (size_t i = 0; i < s->values.size(); ++i) {
        int64_t v = int64_t(s->values[i]);
        if (v == 0 && !intAttr(node, "allowzero", 0) && i < x->shape.size())
          v = x->shape[i];
        if (v == -1)
          infer = i;
        else
          known *= v;
        t.push_back(v);
      }
      if (infer >= 0 && known > 0)
        t[infer] = product(x->shape) / known;
      to = t;
    }
  }
  if (!to && node.output_size() > 0)
    to = inferredShape(node.output(0));
  if (!to)
    return fail("the output shape is unknown (neither given as a constant "
                "nor inferred)");
  std::optional<Value> y = reshape(*x, *to);
  return y && define(node, *y);
}

bool OnnxImporter::importTranspose(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  int rank = x->shape.size();
  Shape perm = intsAttr(node, "perm").value_or(Shape{});
  if (perm.empty())
    for (int i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (int(perm.size()) != rank)
    return fail("perm does not match the input's rank");
  Shape o, sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < rank; ++i)
    if (sorted[i] != i)
      return fail("perm is no permutation of the input's dims");
  for (int64_t p : perm)
    o.push_back(x->shape[p]);
  std::string e = empty(o), r = fresh();
  emit(r + " = linalg.transpose ins(" + x->ssa + " : " + tensorType(x->shape) +
       ") outs(" + e + " : " + tensorType(o) + ") permutation = [" +
       join(perm, ", ") + "]");
  return define(node, {r, o});
}

/// Resize by whole factors up. With the nearest sample: out[..., y, x] =
/// in[..., y / s, x / t] (floor), a linalg.generic whose input map divides
/// (no layer: it moves data). That is the nearest sample for
/// `coordinate_transformation_mode` asymmetric with `nearest_mode` floor,
/// and for half_pixel (and pytorch_half_pixel, tf_half_pixel_for_nn) with
/// round_prefer_floor or round_prefer_ceil (with a whole factor no sample
/// falls half-way). Linear (N-linear over the dims that grow, at most 3):
/// each output samples the input at x_original (half_pixel: (y + 0.5) / s -
/// 0.5; asymmetric: y / s; align_corners: y (in - 1) / (out - 1)), between
/// its two neighbours floor(x) and floor(x) + 1 clamped to the input, with
/// weights 1 - frac(x) and frac(x) (ONNX's definition); a linalg.generic
/// that extracts the neighbours: no layer. Other modes are an error naming
/// the attribute.
bool OnnxImporter::importResize(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  std::string mode = stringAttr(node, "mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return fail("mode '" + mode + "' is not imported (nearest and linear)");
  std::string coords =
      stringAttr(node, "coordinate_transformation_mode", "half_pixel");
  if (mode == "linear" && coords != "half_pixel" &&
      coords != "pytorch_half_pixel" && coords != "asymmetric" &&
      coords != "align_corners")
    return fail("coordinate_transformation_mode '" + coords +
                "' is not imported with mode linear (half_pixel, "
                "pytorch_half_pixel, asymmetric, align_corners)");
  std::string nearest = stringAttr(node, "nearest_mode", "round_prefer_floor");
  bool halfPixel = coords == "half_pixel" || coords == "pytorch_half_pixel" ||
                   coords == "tf_half_pixel_for_nn";
  bool rounds =
      nearest == "round_prefer_floor" || nearest == "round_prefer_ceil";
  if (mode == "nearest" && !((coords == "asymmetric" && nearest == "floor") ||
                             (halfPixel && rounds)))
    return fail("coordinate_transformation_mode '" + coords +
                "' with nearest_mode '" + nearest +
                "' is not imported (asymmetric with floor, or half_pixel "
                "with round_prefer_floor or round_prefer_ceil)");
  int rank = x->shape.size();
  // The output's shape: `sizes` (input 3), else the input times `scales`
  // (input 2), else what shape inference says.
  Shape out;
  // Sizes past 2^30 are refused before they become integers.
  auto size = [&](double v) -> std::optional<int64_t> {
    if (!(v >= 1 && v <= double(int64_t(1) << 30)))
      return std::nullopt;
    return int64_t(std::floor(v));
  };
  if (std::optional<ConstData> sizes = constantInput(node, 3);
      sizes && !sizes->values.empty()) {
    for (double v : sizes->values) {
      std::optional<int64_t> o = size(v);
      if (!o)
        return fail("sizes must be between 1 and 2^30");
      out.push_back(*o);
    }
  } else if (std::optional<ConstData> scales = constantInput(node, 2);
             scales && !scales->values.empty()) {
    if (int(scales->values.size()) != rank)
      return fail("scales has " + std::to_string(scales->values.size()) +
                  " values for a tensor of rank " + std::to_string(rank));
    for (int d = 0; d < rank; ++d) {
      std::optional<int64_t> o = size(double(x->shape[d]) * scales->values[d]);
      if (!o)
        return fail("scales must give sizes between 1 and 2^30");
      out.push_back(*o);
    }
  } else if (std::optional<Shape> s = inferredShape(node.output(0))) {
    out = *s;
  } else {
    return fail("neither scales nor sizes is a constant of the model");
  }
  if (int(out.size()) != rank)
    return fail("the output's rank differs from the input's");
  std::string exprs;
  for (int d = 0; d < rank; ++d) {
    if (out[d] < x->shape[d] || out[d] % x->shape[d] != 0)
      return fail("dim " + std::to_string(d) + " goes from " +
                  std::to_string(x->shape[d]) + " to " +
                  std::to_string(out[d]) +
                  ": only whole factors up are imported");
    int64_t f = out[d] / x->shape[d];
    exprs += (d ? ", d" : "d") + std::to_string(d) +
             (f > 1 ? " floordiv " + std::to_string(f) : "");
  }
  std::string map = "affine_map<(" + dims(rank) + ") -> (" + exprs + ")>";
  if (mode == "nearest") {
    std::string r = generic({{x->ssa, map}}, {tensorType(x->shape)}, empty(out),
                            out, identityMap(rank), parallel(rank),
                            [](std::vector<std::string> &a) { return a[0]; });
    return define(node, {r, out});
  }
  std::vector<int> grown;
  for (int d = 0; d < rank; ++d)
    if (out[d] > x->shape[d])
      grown.push_back(d);
  if (grown.size() > 3)
    return fail("linear resize of more than 3 dims is not imported");
  // The body reads the neighbours with tensor.extract; the nearest sample
  // is its operand (unused) so that the generic has one.
  std::string r = generic(
      {{x->ssa, map}}, {tensorType(x->shape)}, empty(out), out,
      identityMap(rank), parallel(rank), [&](std::vector<std::string> &) {
        auto raw = [&](const std::string &rhs) {
          std::string t = "%t" + std::to_string(next++);
          regionOps << "      " << t << " = " << rhs << "\n";
          return t;
        };
        auto f32 = [&](double v) {
          char buf[64];
          std::snprintf(buf, sizeof(buf), "%.17g", v);
          std::string text = buf;
          if (text.find_first_of(".e") == std::string::npos)
            text += ".0";
          return raw("arith.constant " + text + " : f32");
        };
        auto i64 = [&](int64_t v) {
          return raw("arith.constant " + std::to_string(v) + " : i64");
        };
        // Per grown dim: its two neighbours (as indices) and the weight of
        // the second.
        std::vector<std::array<std::string, 2>> at(rank);
        std::vector<std::string> frac(rank);
        for (int d : grown) {
          int64_t in = x->shape[d], o = out[d];
          std::string y = raw("linalg.index " + std::to_string(d) + " : index");
          std::string yf =
              raw("arith.sitofp " +
                  raw("arith.index_cast " + y + " : index to i64") +
                  " : i64 to f32");
          std::string src;
          if (coords == "asymmetric")
            src = line("arith.divf " + yf + ", " + f32(double(o / in)));
          else if (coords == "align_corners")
            src = line("arith.mulf " + yf + ", " +
                       f32(o > 1 ? double(in - 1) / double(o - 1) : 0.0));
          else
            src = line("arith.subf " +
                       line("arith.divf " +
                            line("arith.addf " + yf + ", " + f32(0.5)) + ", " +
                            f32(double(o / in))) +
                       ", " + f32(0.5));
          std::string fl = line("math.floor " + src);
          frac[d] = line("arith.subf " + src + ", " + fl);
          std::string i0 = raw("arith.fptosi " + fl + " : f32 to i64");
          std::string i1 = raw("arith.addi " + i0 + ", " + i64(1) + " : i64");
          for (int k = 0; k < 2; ++k) {
            std::string v = k ? i1 : i0;
            std::string lo = raw("arith.maxsi " + v + ", " + i64(0) + " : i64");
            std::string c =
                raw("arith.minsi " + lo + ", " + i64(in - 1) + " : i64");
            at[d][k] = raw("arith.index_cast " + c + " : i64 to index");
          }
        }
        std::string one = f32(1.0), sum;
        for (unsigned corner = 0; corner < (1u << grown.size()); ++corner) {
          std::string coordsText, weight;
          for (int d = 0, g = 0; d < rank; ++d) {
            std::string c;
            if (g < int(grown.size()) && grown[g] == d) {
              bool second = corner & (1u << g);
              c = at[d][second];
              std::string w =
                  second ? frac[d] : line("arith.subf " + one + ", " + frac[d]);
              weight =
                  weight.empty() ? w : line("arith.mulf " + weight + ", " + w);
              ++g;
            } else {
              c = raw("linalg.index " + std::to_string(d) + " : index");
            }
            coordsText += (d ? ", " : "") + c;
          }
          std::string v = raw("tensor.extract " + x->ssa + "[" + coordsText +
                              "] : " + tensorType(x->shape));
          std::string term = line("arith.mulf " + v + ", " + weight);
          sum = sum.empty() ? term : line("arith.addf " + sum + ", " + term);
        }
        return sum;
      });
  return define(node, {r, out});
}

/// Gather along `axis`: out[i..., j..., k...] = data[i..., idx[j...], k...],
/// a linalg.generic over the output that reads the index (carried as f32
/// like every imported tensor: exact below 2^24, negative counting from the
/// end) and extracts the element: no layer, a data dependence (an embedding
/// lookup of a weight table depends on the indices alone).
bool OnnxImporter::importGather(const onnx::NodeProto &node) {
  std::optional<Value> data = input(node, 0),
                       idx = input(node, 1, /*integers=*/true);
  if (!data || !idx)
    return false;
  int rank = data->shape.size();
  int64_t axis = intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return fail("axis out of range");
  int ri = idx->shape.size();
  Shape out(data->shape.begin(), data->shape.begin() + axis);
  out.insert(out.end(), idx->shape.begin(), idx->shape.end());
  out.insert(out.end(), data->shape.begin() + axis + 1, data->shape.end());
  int ro = out.size();
  std::string idxDims;
  for (int j = 0; j < ri; ++j)
    idxDims += (j ? ", d" : "d") + std::to_string(axis + j);
  std::string idxMap = "affine_map<(" + dims(ro) + ") -> (" + idxDims + ")>";
  int64_t extent = data->shape[axis];
  std::string r = generic(
      {{idx->ssa, idxMap}}, {tensorType(idx->shape)}, empty(out), out,
      identityMap(ro), parallel(ro), [&](std::vector<std::string> &a) {
        auto raw = [&](const std::string &rhs) {
          std::string t = "%t" + std::to_string(next++);
          regionOps << "      " << t << " = " << rhs << "\n";
          return t;
        };
        std::string i = raw("arith.fptosi " + a[0] + " : f32 to i64");
        std::string zero = raw("arith.constant 0 : i64");
        std::string n =
            raw("arith.constant " + std::to_string(extent) + " : i64");
        std::string neg = raw("arith.cmpi slt, " + i + ", " + zero + " : i64");
        std::string wrapped = raw("arith.addi " + i + ", " + n + " : i64");
        std::string chosen =
            raw("arith.select " + neg + ", " + wrapped + ", " + i + " : i64");
        std::string at = raw("arith.index_cast " + chosen + " : i64 to index");
        std::string coords;
        for (int d = 0; d < rank; ++d) {
          std::string c =
              d == axis
                  ? at
                  : raw("linalg.index " +
                        std::to_string(d < axis ? d : d - 1 + ri) + " : index");
          coords += (d ? ", " : "") + c;
        }
        return raw("tensor.extract " + data->ssa + "[" + coords +
                   "] : " + tensorType(data->shape));
      });
  return define(node, {r, out});
}

bool OnnxImporter::importConcat(const onnx::NodeProto &node) {
  if (node.input_size() < 1)
    return fail("no inputs");
  std::vector<Value> parts;
  for (int i = 0; i < node.input_size(); ++i) {
    std::optional<Value> v = input(node, i);
    if (!v)
      return false;
    parts.push_back(*v);
  }
  int rank = parts[0].shape.size();
  int64_t axis = intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return fail("axis out of range");
  for (const Value &p : parts) {
    Shape a = p.shape, b = parts[0].shape;
    if (a.size() != b.size())
      return fail("inputs of different ranks");
    a[axis] = b[axis] = 0;
    if (a != b)
      return fail("inputs differ in a dim other than the axis");
  }
  return define(node, concat(parts, int(axis)));
}

bool OnnxImporter::importConstant(const onnx::NodeProto &node) {
  const onnx::AttributeProto *v = attr(node, "value");
  std::optional<ConstData> d;
  if (v && v->has_t())
    d = tensorData(v->t());
  else if (const onnx::AttributeProto *f = attr(node, "value_float"))
    d = ConstData{{}, {f->f()}, true};
  else if (const onnx::AttributeProto *i = attr(node, "value_int"))
    d = ConstData{{}, {double(i->i())}, false};
  else if (const onnx::AttributeProto *fs = attr(node, "value_floats"))
    d = ConstData{{fs->floats_size()},
                  std::vector<double>(fs->floats().begin(), fs->floats().end()),
                  true};
  else if (const onnx::AttributeProto *is = attr(node, "value_ints"))
    d = ConstData{{is->ints_size()},
                  std::vector<double>(is->ints().begin(), is->ints().end()),
                  false};
  if (!d)
    return fail("a Constant without data kapla reads (float or integer)");
  constants[node.output(0)] = *d;
  return true;
}

std::optional<Value> OnnxImporter::reduceSum(const Value &x, const Shape &axes,
                                             double scale) {
  int rank = x.shape.size();
  Shape reduced;
  std::string exprs, iters;
  for (int i = 0; i < rank; ++i) {
    bool r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!r) {
      reduced.push_back(x.shape[i]);
      exprs += (exprs.empty() ? "d" : ", d") + std::to_string(i);
    }
    iters +=
        std::string(i ? ", " : "") + (r ? "\"reduction\"" : "\"parallel\"");
  }
  std::string init = filled(reduced, 0.0);
  std::string sum =
      generic({{x.ssa, identityMap(rank)}}, {tensorType(x.shape)}, init,
              reduced, "affine_map<(" + dims(rank) + ") -> (" + exprs + ")>",
              iters, [&](std::vector<std::string> &a) {
                return line("arith.addf " + a[1] + ", " + a[0]);
              });
  if (scale == 1.0)
    return Value{sum, reduced};
  return scaled({sum, reduced}, scale);
}

Value OnnxImporter::concat(const std::vector<Value> &parts, int axis) {
  if (parts.size() == 1)
    return parts.front();
  Shape o = parts.front().shape;
  o[axis] = 0;
  std::string ins, types;
  for (size_t i = 0; i < parts.size(); ++i) {
    o[axis] += parts[i].shape[axis];
    ins += (i ? ", " : "") + parts[i].ssa;
    types += (i ? ", " : "") + tensorType(parts[i].shape);
  }
  std::string r = fresh();
  emit(r + " = tensor.concat dim(" + std::to_string(axis) + ") " + ins +
       " : (" + types + ") -> " + tensorType(o));
  return {r, o};
}

Value OnnxImporter::slice(const Value &x, const Shape &offsets,
                          const Shape &sizes, const Shape &strides) {
  std::string r = fresh();
  emit(r + " = tensor.extract_slice " + x.ssa + "[" + join(offsets, ", ") +
       "] [" + join(sizes, ", ") + "] [" + join(strides, ", ") +
       "] : " + tensorType(x.shape) + " to " + tensorType(sizes));
  return {r, sizes};
}

/// Normalised axes of a rank-`rank` tensor; empty and false when one is out
/// of range.
bool normaliseAxes(Shape &axes, int rank) {
  for (int64_t &a : axes) {
    if (a < 0)
      a += rank;
    if (a < 0 || a >= rank)
      return false;
  }
  std::sort(axes.begin(), axes.end());
  return std::adjacent_find(axes.begin(), axes.end()) == axes.end();
}

bool OnnxImporter::importReduceMean(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  int rank = x->shape.size();
  std::optional<Shape> axes = intsAttr(node, "axes");
  if (!axes && node.input_size() > 1) {
    std::optional<ConstData> d = constantInput(node, 1);
    if (!d)
      return fail("the axes must be a constant the model gives");
    axes = Shape();
    for (double v : d->values)
      axes->push_back(int64_t(v));
  }
  if (!axes || axes->empty()) {
    if (intAttr(node, "noop_with_empty_axes", 0))
      return define(node, *x);
    axes = Shape();
    for (int i = 0; i < rank; ++i)
      axes->push_back(i);
  }
  if (!normaliseAxes(*axes, rank))
    return fail("axes out of range or repeated");
  int64_t count = 1;
  for (int64_t a : *axes)
    count *= x->shape[a];
  std::optional<Value> mean = reduceSum(*x, *axes, 1.0 / double(count));
  if (!mean)
    return false;
  if (intAttr(node, "keepdims", 1)) {
    Shape kept = x->shape;
    for (int64_t a : *axes)
      kept[a] = 1;
    mean = reshape(*mean, kept);
    if (!mean)
      return false;
  }
  return define(node, *mean);
}

bool OnnxImporter::importLayerNorm(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0), scale = input(node, 1);
  if (!x || !scale)
    return false;
  std::optional<Value> bias;
  if (node.input_size() > 2 && !node.input(2).empty())
    if (!(bias = input(node, 2)))
      return false;
  for (int i = 1; i < node.output_size(); ++i)
    if (used(node.output(i)))
      return fail("the mean and inverse deviation outputs are not imported");
  int rank = x->shape.size();
  int64_t axis = intAttr(node, "axis", -1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return fail("axis out of range");
  Shape axes, kept = x->shape;
  int64_t count = 1;
  for (int64_t a = axis; a < rank; ++a) {
    axes.push_back(a);
    kept[a] = 1;
    count *= x->shape[a];
  }
  std::optional<Value> mean = reduceSum(*x, axes, 1.0 / double(count));
  if (!mean || !(mean = reshape(*mean, kept)))
    return false;
  std::optional<Value> dev =
      elementwise({*x, *mean}, [&](std::vector<std::string> &a) {
        std::string d = line("arith.subf " + a[0] + ", " + a[1]);
        return line("arith.mulf " + d + ", " + d);
      });
  if (!dev)
    return false;
  std::optional<Value> var = reduceSum(*dev, axes, 1.0 / double(count));
  if (!var || !(var = reshape(*var, kept)))
    return false;
  std::string eps = constant(floatAttr(node, "epsilon", 1e-5));
  std::vector<Value> ops = {*x, *mean, *var, *scale};
  if (bias)
    ops.push_back(*bias);
  std::optional<Value> y = elementwise(ops, [&](std::vector<std::string> &a) {
    std::string d = line("arith.subf " + a[0] + ", " + a[1]);
    std::string ve = line("arith.addf " + a[2] + ", " + eps);
    std::string sd = line("math.sqrt " + ve);
    std::string q = line("arith.divf " + d + ", " + sd);
    std::string m = line("arith.mulf " + q + ", " + a[3]);
    return a.size() > 4 ? line("arith.addf " + m + ", " + a[4]) : m;
  });
  return y && define(node, *y);
}

bool OnnxImporter::importSlice(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  int rank = x->shape.size();
  auto list = [&](int i, const char *attrName) -> std::optional<Shape> {
    if (std::optional<Shape> a = intsAttr(node, attrName))
      return a;
    if (i >= node.input_size() || node.input(i).empty())
      return Shape();
    std::optional<ConstData> d = constantInput(node, i);
    if (!d)
      return std::nullopt;
    Shape out;
    for (double v : d->values)
      out.push_back(v >= 9.2e18    ? std::numeric_limits<int64_t>::max()
                    : v <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                                   : int64_t(v));
    return out;
  };
  std::optional<Shape> starts = list(1, "starts"), ends = list(2, "ends"),
                       axes = list(3, "axes"), steps = list(4, "steps");
  if (!starts || !ends || !axes || !steps)
    return fail("starts, ends, axes and steps must be constants the model "
                "gives");
  if (axes->empty())
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(i);
  if (steps->empty())
    steps->assign(starts->size(), 1);
  if (starts->size() != ends->size() || axes->size() != starts->size() ||
      steps->size() != starts->size())
    return fail("starts, ends, axes and steps differ in length");
  Shape offsets(rank, 0), sizes = x->shape, strides(rank, 1);
  for (size_t i = 0; i < axes->size(); ++i) {
    int64_t a = (*axes)[i] < 0 ? (*axes)[i] + rank : (*axes)[i];
    int64_t dim = x->shape[a], step = (*steps)[i];
    if (a < 0 || a >= rank)
      return fail("axis out of range");
    if (step <= 0)
      return fail("a slice with a step that is not positive is not imported");
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? 0 : v + dim;
      return std::min(v, dim);
    };
    int64_t b = clampIndex((*starts)[i]), e = clampIndex((*ends)[i]);
    offsets[a] = b;
    sizes[a] = e > b ? (e - b + step - 1) / step : 0;
    strides[a] = step;
    if (sizes[a] == 0)
      return fail("the slice is empty");
  }
  return define(node, slice(*x, offsets, sizes, strides));
}

bool OnnxImporter::importSplit(const onnx::NodeProto &node) {
  std::optional<Value> x = input(node, 0);
  if (!x)
    return false;
  int rank = x->shape.size();
  int64_t axis = intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return fail("axis out of range");
  Shape parts = intsAttr(node, "split").value_or(Shape());
  if (parts.empty() && node.input_size() > 1 && !node.input(1).empty()) {
    std::optional<ConstData> d = constantInput(node, 1);
    if (!d)
      return fail("the split sizes must be a constant the model gives");
    for (double v : d->values)
      parts.push_back(int64_t(v));
  }
  int64_t dim = x->shape[axis], n = node.output_size();
  if (n < 1)
    return fail("no outputs");
  if (parts.empty()) {
    int64_t each = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i)
      parts.push_back(std::min(each, dim - i * each));
  }
  if (int64_t(parts.size()) != n || product(parts) == 0)
    return fail("the split sizes do not match the outputs");
  int64_t total = 0;
  for (int64_t p : parts)
    total += p;
  if (total != dim)
    return fail("the split sizes do not add up to the split dim");
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    Shape offsets(rank, 0), sizes = x->shape;
    offsets[axis] = offset;
    sizes[axis] = parts[i];
    offset += parts[i];
    define(node, slice(*x, offsets, sizes, Shape(rank, 1)), i);
  }
  return true;
}

bool OnnxImporter::importNode(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() < 1)
    return fail("the node has no outputs");
  // Silu is no standard ONNX operator; exporters put it in a domain of
  // their own.
  if (!node.domain().empty() && node.domain() != "ai.onnx" && op != "Silu")
    return fail("operator domain '" + node.domain() + "' is not imported");
  auto binary = [&](const std::string &arith) {
    std::optional<Value> a = input(node, 0), b = input(node, 1);
    if (!a || !b)
      return false;
    std::optional<Value> y =
        elementwise({*a, *b}, [&](std::vector<std::string> &v) {
          return line(arith + " " + v[0] + ", " + v[1]);
        });
    return y && define(node, *y);
  };
  auto pointwise =
      [&](const std::function<std::string(const std::string &)> &f) {
        std::optional<Value> x = input(node, 0);
        if (!x)
          return false;
        std::optional<Value> y = elementwise(
            {*x}, [&](std::vector<std::string> &v) { return f(v[0]); });
        return y && define(node, *y);
      };
  auto sigmoid = [&](const std::string &x) {
    std::string n = line("arith.negf " + x), e = line("math.exp " + n),
                one = constant(1.0);
    std::string d = line("arith.addf " + e + ", " + one);
    return line("arith.divf " + one + ", " + d);
  };

  // Operators of their own importer.
  using Importer = bool (OnnxImporter::*)(const onnx::NodeProto &);
  static const std::map<std::string, Importer> importers = {
      {"Conv", &OnnxImporter::importConv},
      {"MaxPool", &OnnxImporter::importMaxPool},
      {"AveragePool", &OnnxImporter::importAveragePool},
      {"GlobalAveragePool", &OnnxImporter::importGlobalAveragePool},
      {"Gemm", &OnnxImporter::importGemm},
      {"MatMul", &OnnxImporter::importMatMul},
      {"Softmax", &OnnxImporter::importSoftmax},
      {"LRN", &OnnxImporter::importLRN},
      {"BatchNormalization", &OnnxImporter::importBatchNorm},
      {"Reshape", &OnnxImporter::importReshapeLike},
      {"Flatten", &OnnxImporter::importReshapeLike},
      {"Squeeze", &OnnxImporter::importReshapeLike},
      {"Unsqueeze", &OnnxImporter::importReshapeLike},
      {"Transpose", &OnnxImporter::importTranspose},
      {"Gather", &OnnxImporter::importGather},
      {"Resize", &OnnxImporter::importResize},
      {"ConvTranspose", &OnnxImporter::importConvTranspose},
      {"ReduceMean", &OnnxImporter::importReduceMean},
      {"LayerNormalization", &OnnxImporter::importLayerNorm},
      {"Slice", &OnnxImporter::importSlice},
      {"Split", &OnnxImporter::importSplit},
      {"Concat", &OnnxImporter::importConcat},
      {"Constant", &OnnxImporter::importConstant}};
  if (auto it = importers.find(op); it != importers.end())
    return (this->*(it->second))(node);
  if (op == "Dropout" || op == "Identity") {
    std::optional<Value> x = input(node, 0);
    if (!x)
      return false;
    if (op == "Dropout")
      for (int i = 1; i < node.output_size(); ++i)
        if (used(node.output(i)))
          return fail("the mask output of Dropout is not imported");
    return define(node, *x);
  }
  static const std::map<std::string, std::string> binaries = {
      {"Add", "arith.addf"},    {"Sub", "arith.subf"},
      {"Mul", "arith.mulf"},    {"Div", "arith.divf"},
      {"Pow", "math.powf"},     {"Max", "arith.maximumf"},
      {"Min", "arith.minimumf"}};
  if (auto it = binaries.find(op); it != binaries.end())
    return binary(it->second);
  if (op == "Relu")
    return pointwise([&](const std::string &x) {
      return line("arith.maximumf " + x + ", " + constant(0.0));
    });
  if (op == "LeakyRelu") {
    double alpha = floatAttr(node, "alpha", 0.01);
    return pointwise([&](const std::string &x) {
      std::string s = line("arith.mulf " + x + ", " + constant(alpha));
      return line("arith.maximumf " + x + ", " + s);
    });
  }
  if (op == "Clip") {
    double lo = floatAttr(node, "min", -INFINITY),
           hi = floatAttr(node, "max", INFINITY);
    for (int i : {1, 2}) {
      if (i >= node.input_size() || node.input(i).empty())
        continue;
      std::optional<ConstData> d = constantInput(node, i);
      if (!d || d->values.size() != 1)
        return fail("Clip's bounds must be constants the model gives");
      (i == 1 ? lo : hi) = d->values[0];
    }
    return pointwise([&](const std::string &x) {
      std::string r = x;
      if (lo != -INFINITY)
        r = line("arith.maximumf " + r + ", " + constant(lo));
      if (hi != INFINITY)
        r = line("arith.minimumf " + r + ", " + constant(hi));
      return r;
    });
  }
  if (op == "Sigmoid")
    return pointwise(sigmoid);
  if (op == "Silu" || op == "Swish")
    return pointwise([&](const std::string &x) {
      return line("arith.mulf " + x + ", " + sigmoid(x));
    });
  if (op == "HardSigmoid" || op == "HardSwish") {
    double alpha =
        op == "HardSwish" ? 1.0 / 6.0 : floatAttr(node, "alpha", 0.2);
    double beta = op == "HardSwish" ? 0.5 : floatAttr(node, "beta", 0.5);
    return pointwise([&](const std::string &x) {
      std::string m = line("arith.mulf " + x + ", " + constant(alpha));
      std::string a = line("arith.addf " + m + ", " + constant(beta));
      std::string lo = line("arith.maximumf " + a + ", " + constant(0.0));
      std::string h = line("arith.minimumf " + lo + ", " + constant(1.0));
      return op == "HardSwish" ? line("arith.mulf " + x + ", " + h) : h;
    });
  }
  if (op == "Gelu") {
    if (stringAttr(node, "approximate", "none") != "none")
      return fail("Gelu with approximate = tanh is not imported");
    return pointwise([&](const std::string &x) {
      std::string s = line("arith.mulf " + x + ", " + constant(M_SQRT1_2));
      std::string e = line("math.erf " + s);
      std::string a = line("arith.addf " + e + ", " + constant(1.0));
      std::string h = line("arith.mulf " + x + ", " + constant(0.5));
      return line("arith.mulf " + h + ", " + a);
    });
  }
  static const std::map<std::string, std::string> math = {
      {"Tanh", "math.tanh"}, {"Erf", "math.erf"}, {"Sqrt", "math.sqrt"},
      {"Exp", "math.exp"},   {"Log", "math.log"}, {"Neg", "arith.negf"},
      {"Abs", "math.absf"},  {"Reciprocal", ""}};
  auto m = math.find(op);
  if (m != math.end())
    return pointwise([&](const std::string &x) {
      if (m->second.empty())
        return line("arith.divf " + constant(1.0) + ", " + x);
      return line(m->second + " " + x);
    });
  return fail("kapla does not import this operator");
}

std::optional<std::string> OnnxImporter::run() {
  for (const onnx::TensorProto &t : graph.initializer()) {
    initializers[t.name()] = &t;
    if (std::optional<ConstData> d = tensorData(t))
      if (!d->isFloat || d->values.size() <= 16)
        constants[t.name()] = *d;
  }
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &in : node.input())
      readNames.insert(in);
  for (const onnx::ValueInfoProto &v : graph.output())
    readNames.insert(v.name());
  for (const onnx::ValueInfoProto &v : graph.value_info())
    if (std::optional<Shape> s = shapeOf(v.type()))
      valueInfo[v.name()] = *s;
  for (const onnx::ValueInfoProto &v : graph.output())
    if (std::optional<Shape> s = shapeOf(v.type()))
      valueInfo[v.name()] = *s;

  // Graph inputs (those that are not initializers) are the arguments.
  std::vector<Value> args;
  std::vector<std::string> argNames;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (initializers.count(in.name()))
      continue;
    currentNode = "";
    location = quote(in.name());
    const auto &tt = in.type().tensor_type();
    if (!in.type().has_tensor_type() || !numeric(tt.elem_type())) {
      fail("graph input '" + in.name() + "' is not a numeric tensor");
      return std::nullopt;
    }
    noteType(tt.elem_type());
    Shape s;
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto &d = tt.shape().dim(i);
      if (d.has_dim_value() && d.dim_value() > 0)
        s.push_back(d.dim_value());
      else if (i == 0)
        s.push_back(1); // a symbolic batch: 1, scaled by `batch=`
      else {
        fail("graph input '" + in.name() + "' has a symbolic dim " +
             std::to_string(i) + "; only the batch (dim 0) may be");
        return std::nullopt;
      }
    }
    Value v{"%arg" + std::to_string(args.size()), s};
    args.push_back(v);
    values[in.name()] = v;
  }

  for (const onnx::NodeProto &node : graph.node()) {
    currentNode = (node.name().empty()
                       ? node.output_size() ? node.output(0) : std::string()
                       : node.name());
    location = quote(currentNode) + "(" + quote(fileName) + ":0:0)";
    if (!importNode(node)) {
      if (error.node.empty())
        error.node = currentNode;
      error.message = node.op_type() + "): " + error.message;
      return std::nullopt;
    }
  }

  std::vector<Value> results;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      currentNode = "";
      fail("graph output '" + out.name() + "' is computed by no node");
      return std::nullopt;
    }
    results.push_back(it->second);
  }

  std::string name;
  for (char ch : graph.name())
    name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = "network" + name;
  std::ostringstream text;
  text << "func.func @" << name << "(";
  for (size_t i = 0; i < args.size(); ++i)
    text << (i ? ", " : "") << args[i].ssa << ": " << tensorType(args[i].shape);
  for (size_t i = 0; i < weightArgs.size(); ++i)
    text << (args.empty() && i == 0 ? "" : ", ") << weightArgs[i].second.ssa
         << ": " << tensorType(weightArgs[i].second.shape) << " {kapla.weight}";
  text << ") -> (";
  for (size_t i = 0; i < results.size(); ++i)
    text << (i ? ", " : "") << tensorType(results[i].shape);
  text << ") {\n" << prologue.str() << body.str() << "    return ";
  for (size_t i = 0; i < results.size(); ++i)
    text << (i ? ", " : "") << results[i].ssa;
  if (!results.empty()) {
    text << " : ";
    for (size_t i = 0; i < results.size(); ++i)
      text << (i ? ", " : "") << tensorType(results[i].shape);
  }
  text << "\n}\n";
  return text.str();
}

} // namespace

namespace {
/// Makes the model safe for ONNX's shape inference, whose convolution rule
/// (Debian's libonnx 1.12) reads past the input's dims when a Conv without
/// `kernel_shape` has weights of a higher rank than its input: such a
/// Conv gets the `kernel_shape` ONNX defines by default (the weights' dims
/// after the first two), and one whose weights' shape is not known before
/// inference is refused. The error names the node and its operator.
std::optional<std::pair<std::string, std::string>>
guardShapeInference(onnx::ModelProto &model) {
  onnx::GraphProto &graph = *model.mutable_graph();
  // Ranks known before inference: initializers, typed graph inputs and
  // value infos, Constant outputs.
  std::map<std::string, std::vector<int64_t>> dims;
  for (const onnx::TensorProto &t : graph.initializer())
    dims[t.name()].assign(t.dims().begin(), t.dims().end());
  auto typed = [&](const onnx::ValueInfoProto &v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
      return;
    std::vector<int64_t> d;
    for (const auto &dim : v.type().tensor_type().shape().dim())
      d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    dims.emplace(v.name(), std::move(d));
  };
  for (const onnx::ValueInfoProto &v : graph.input())
    typed(v);
  for (const onnx::ValueInfoProto &v : graph.value_info())
    typed(v);
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if (node.op_type() == "Constant" && node.output_size() == 1)
      for (const onnx::AttributeProto &a : node.attribute())
        if (a.name() == "value" && a.has_t())
          dims[node.output(0)].assign(a.t().dims().begin(), a.t().dims().end());
    int weight = node.op_type() == "Conv" || node.op_type() == "ConvInteger" ? 1
                 : node.op_type() == "QLinearConv"                           ? 3
                                                   : -1;
    if (weight < 0 || !node.domain().empty())
      continue;
    bool hasKernel = llvm::any_of(node.attribute(), [](const auto &a) {
      return a.name() == "kernel_shape";
    });
    if (hasKernel)
      continue;
    std::string name = node.name().empty() && node.output_size()
                           ? node.output(0)
                           : node.name();
    auto it =
        weight < node.input_size() ? dims.find(node.input(weight)) : dims.end();
    if (it == dims.end())
      return std::make_pair(name, node.op_type() +
                                      "): kernel_shape is missing and the "
                                      "weights' shape is not known before "
                                      "shape inference (give kernel_shape)");
    if (it->second.size() < 3)
      return std::make_pair(name, node.op_type() + "): weights of rank " +
                                      std::to_string(it->second.size()) +
                                      " (a convolution's have 3 or more)");
    onnx::AttributeProto *k = node.add_attribute();
    k->set_name("kernel_shape");
    k->set_type(onnx::AttributeProto::INTS);
    for (size_t i = 2; i < it->second.size(); ++i)
      k->add_ints(it->second[i]);
  }
  return std::nullopt;
}
/// Runs ONNX's shape inference on `model` in a child process and takes its
/// result: Debian's libonnx 1.12 reads out of bounds or divides by zero on
/// some malformed models (a pool with a zero stride, say), and such a
/// crash must be an error of the import, not of the process. The error,
/// if any.
std::optional<std::string> inferShapesIsolated(onnx::ModelProto &model) {
  // The registry of operator schemas is built before the fork, once.
  onnx::OpSchemaRegistry::Instance();
  int fds[2];
  if (pipe(fds) != 0)
    return std::string("cannot run ONNX shape inference: no pipe");
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::string("cannot run ONNX shape inference: no process");
  }
  if (pid == 0) {
    // The child: a tag byte, then the inferred model or the message. A
    // crash ends it quietly (not through the parent's crash handlers).
    close(fds[0]);
    for (int sig : {SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT})
      signal(sig, SIG_DFL);
    std::string out;
    try {
      onnx::shape_inference::InferShapes(model);
      out = "m" + model.SerializeAsString();
    } catch (const std::exception &e) {
      out = std::string("e") + e.what();
    }
    for (size_t done = 0; done < out.size();) {
      ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) {
        if (n < 0 && errno == EINTR)
          continue;
        _exit(1);
      }
      done += size_t(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string in;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    in.append(buf, size_t(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || in.empty()) {
    std::string how =
        WIFSIGNALED(status)
            ? std::string(" (signal ") + std::to_string(WTERMSIG(status)) + ")"
            : std::string();
    return "ONNX shape inference crashed on this model" + how +
           ": it is malformed (check it with onnx.checker)";
  }
  if (in[0] == 'e')
    return "ONNX shape inference failed: " + in.substr(1);
  if (in[0] != 'm' || !model.ParseFromArray(in.data() + 1, int(in.size() - 1)))
    return std::string("ONNX shape inference returned no model");
  return std::nullopt;
}
} // namespace

OwningOpRef<ModuleOp> mlir::kapla::importOnnxModel(llvm::StringRef bytes,
                                                   llvm::StringRef fileName,
                                                   MLIRContext *context) {
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size())) ||
      !model.has_graph()) {
    emitError(fileLoc) << "not an ONNX model (the file does not parse as an "
                          "ONNX ModelProto with a graph)";
    return nullptr;
  }
  if (auto unsafe = guardShapeInference(model)) {
    InFlightDiagnostic diag =
        emitError(unsafe->first.empty()
                      ? fileLoc
                      : Location(NameLoc::get(
                            StringAttr::get(context, unsafe->first), fileLoc)));
    diag << "node '" << unsafe->first << "' (" << unsafe->second;
    return nullptr;
  }
  if (std::optional<std::string> why = inferShapesIsolated(model)) {
    emitError(fileLoc) << *why;
    return nullptr;
  }
  OnnxImporter importer(model.graph(), fileName.str());
  std::optional<std::string> text = importer.run();
  if (!text) {
    Location loc =
        importer.error.node.empty()
            ? fileLoc
            : Location(NameLoc::get(
                  StringAttr::get(context, importer.error.node), fileLoc));
    InFlightDiagnostic diag = emitError(loc);
    if (!importer.error.node.empty())
      diag << "node '" << importer.error.node << "' (";
    diag << importer.error.message;
    return nullptr;
  }
  if (!importer.convertedTypes.empty()) {
    std::string types;
    for (const std::string &t : importer.convertedTypes)
      types += (types.empty() ? "" : ", ") + t;
    emitWarning(fileLoc) << "tensors of " << types
                         << " are imported as f32 (the schedule's word size "
                            "is the architecture's word_bits)";
  }
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, math::MathDialect,
                       tensor::TensorDialect, KaplaDialect>();
  ParserConfig config(context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(*text, config);
  if (!module) {
    emitError(fileLoc) << "the imported graph does not parse as MLIR (a bug "
                          "of the importer)";
    return nullptr;
  }
  return module;
}

void mlir::kapla::registerOnnxImportTranslation() {
  TranslateToMLIRRegistration registration(
      "import-onnx", "import an ONNX model as linalg on tensors",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OwningOpRef<ModuleOp> module = importOnnxModel(
            buffer->getBuffer(), buffer->getBufferIdentifier(), context);
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<arith::ArithDialect, func::FuncDialect,
                        linalg::LinalgDialect, math::MathDialect,
                        tensor::TensorDialect, KaplaDialect>();
      });
}
