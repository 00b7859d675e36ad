//===- SinterAttrs.td - Enum attributes of the sinter dialect -*- tablegen -*-===//

#ifndef SINTER_ATTRS_TD
#define SINTER_ATTRS_TD

include "dialects/sinter/IR/SinterDialect.td"
include "mlir/IR/EnumAttr.td"

def Sinter_GeluApproxNone : I32EnumAttrCase<"none", 0>;
def Sinter_GeluApproxTanh : I32EnumAttrCase<"tanh", 1>;
def Sinter_GeluApproxSigmoid : I32EnumAttrCase<"sigmoid", 2>;
def Sinter_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU is computed: exact (erf), tanh form, or x*sigmoid(1.702x)",
    [Sinter_GeluApproxNone, Sinter_GeluApproxTanh, Sinter_GeluApproxSigmoid]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::sinter";
}
def Sinter_GeluApproximationAttr
    : EnumAttr<Sinter_Dialect, Sinter_GeluApproximation, "gelu_approx"> {
  let assemblyFormat = "$value";
}

def Sinter_CmpEq : I32EnumAttrCase<"eq", 0>;
def Sinter_CmpNe : I32EnumAttrCase<"ne", 1>;
def Sinter_CmpLt : I32EnumAttrCase<"lt", 2>;
def Sinter_CmpLe : I32EnumAttrCase<"le", 3>;
def Sinter_CmpGt : I32EnumAttrCase<"gt", 4>;
def Sinter_CmpGe : I32EnumAttrCase<"ge", 5>;
def Sinter_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "comparison predicate (ordered for floats: false when either side is NaN, except ne)",
    [Sinter_CmpEq, Sinter_CmpNe, Sinter_CmpLt, Sinter_CmpLe, Sinter_CmpGt,
     Sinter_CmpGe]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::sinter";
}
def Sinter_ComparePredicateAttr
    : EnumAttr<Sinter_Dialect, Sinter_ComparePredicate, "cmp"> {
  let assemblyFormat = "$value";
}

def Sinter_ReduceSum : I32EnumAttrCase<"sum", 0>;
def Sinter_ReduceMax : I32EnumAttrCase<"max", 1>;
def Sinter_ReduceMin : I32EnumAttrCase<"min", 2>;
def Sinter_ReduceMean : I32EnumAttrCase<"mean", 3>;
def Sinter_ReduceKind : I32EnumAttr<"ReduceKind", "reduction kind",
    [Sinter_ReduceSum, Sinter_ReduceMax, Sinter_ReduceMin, Sinter_ReduceMean]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::sinter";
}
def Sinter_ReduceKindAttr : EnumAttr<Sinter_Dialect, Sinter_ReduceKind, "reduce"> {
  let assemblyFormat = "$value";
}

def Sinter_FusionLoop : I32EnumAttrCase<"loop", 0>;
def Sinter_FusionReduction : I32EnumAttrCase<"reduction", 1>;
def Sinter_FusionEpilogue : I32EnumAttrCase<"epilogue", 2>;
def Sinter_FusionAttention : I32EnumAttrCase<"attention", 3>;
def Sinter_FusionKind : I32EnumAttr<"FusionKind", "kind of fused kernel",
    [Sinter_FusionLoop, Sinter_FusionReduction, Sinter_FusionEpilogue,
     Sinter_FusionAttention]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::sinter";
}
def Sinter_FusionKindAttr : EnumAttr<Sinter_Dialect, Sinter_FusionKind, "fusion"> {
  let assemblyFormat = "$value";
}

#endif // SINTER_ATTRS_TD
