//===- KaplaEnums.td - kapla's enumerations ----------------*- tablegen -*-===//
//
// The enumerations of the core (layers, dataflows, hardware), with their
// spellings in the IR. mlir-tblgen generates the C++ enums, their
// stringify/symbolize functions and the parsers of the attribute parameters
// that hold them from this one list; the core includes the generated header
// through Kapla/Support/KaplaEnums.h.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_ENUMS_TD
#define KAPLA_ENUMS_TD

include "mlir/IR/EnumAttr.td"

class Kapla_Case<string sym, int val, string str> : EnumCase<sym, val, str, 8>;

class Kapla_Enum<string name, string summary, list<EnumCase> cases>
    : IntEnum<name, summary, cases, 8> {
  let cppNamespace = "::mlir::kapla";
  // The core builds messages from the names with `+`.
  let symbolToStringFnRetType = "const char *";
}

def Kapla_LayerKind : Kapla_Enum<"LayerKind", "layer kind", [
  Kapla_Case<"Conv", 0, "conv">, Kapla_Case<"DWConv", 1, "dwconv">,
  Kapla_Case<"FC", 2, "fc">, Kapla_Case<"MatMul", 3, "matmul">,
  Kapla_Case<"Pool", 4, "pool">, Kapla_Case<"Eltwise", 5, "eltwise">]>;

def Kapla_LayerPass : Kapla_Enum<"LayerPass", "layer pass", [
  Kapla_Case<"Forward", 0, "forward">,
  Kapla_Case<"BackwardData", 1, "backward_data">,
  Kapla_Case<"BackwardWeight", 2, "backward_weight">]>;

// Hi/Wi are the input rows/cols; they move together with Ho/Wo and R/S
// (sliding windows), so directives name them rather than deriving them.
def Kapla_Dim : Kapla_Enum<"Dim", "dim", [
  Kapla_Case<"N", 0, "N">, Kapla_Case<"C", 1, "C">, Kapla_Case<"K", 2, "K">,
  Kapla_Case<"Ho", 3, "Ho">, Kapla_Case<"Wo", 4, "Wo">,
  Kapla_Case<"R", 5, "R">, Kapla_Case<"S", 6, "S">,
  Kapla_Case<"Hi", 7, "Hi">, Kapla_Case<"Wi", 8, "Wi">]>;

def Kapla_TensorKind : Kapla_Enum<"TensorKind", "tensor", [
  Kapla_Case<"I", 0, "I">, Kapla_Case<"W", 1, "W">, Kapla_Case<"O", 2, "O">]>;

def Kapla_PipelineKind : Kapla_Enum<"PipelineKind", "pipeline kind", [
  Kapla_Case<"None", 0, "none">, Kapla_Case<"Spatial", 1, "spatial">,
  Kapla_Case<"Temporal", 2, "temporal">]>;

def Kapla_MemLevel : Kapla_Enum<"MemLevel", "memory level", [
  Kapla_Case<"Regf", 0, "regf">, Kapla_Case<"Gbuf", 1, "gbuf">]>;

// Spelt as a string in the IR and in architecture files.
def Kapla_PETemplate : Kapla_Enum<"PETemplate", "PE template", [
  Kapla_Case<"RowStationary", 0, "row-stationary">,
  Kapla_Case<"Systolic", 1, "systolic">]>;

#endif // KAPLA_ENUMS_TD
