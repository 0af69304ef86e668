package generator

import (
	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// This file maps IR types to Go types and to the reader and writer calls of
// the runtime JSON code (templates/runtime/jsonread.go, jsonwrite.go).

// goType is the Go type of a value of t. Struct-typed fields that may be
// absent or null are pointers (ptr); everything else is a value whose zero
// means "not set".
func goType(t *ir.Type, ptr bool) *jen.Statement {
	switch t.Kind {
	case ir.String, ir.UUID:
		return jen.String()
	case ir.Bool:
		return jen.Bool()
	case ir.Int32:
		return jen.Int32()
	case ir.Int64:
		return jen.Int64()
	case ir.Float64:
		return jen.Float64()
	case ir.Time:
		return jen.Id("Timestamp")
	case ir.Raw:
		return jen.Qual("encoding/json", "RawMessage")
	case ir.Slice:
		return jen.Index().Add(goType(t.Elem, false))
	case ir.Map:
		return jen.Map(jen.String()).Add(goType(t.Elem, false))
	case ir.StructKind:
		if ptr {
			return jen.Op("*").Id(t.Struct.GoName)
		}
		return jen.Id(t.Struct.GoName)
	case ir.EnumKind, ir.FlagsKind:
		return jen.Id(t.Enum.GoName)
	}
	panic("generator: unknown type kind")
}

// fieldGoType is the Go type of a field.
func fieldGoType(f *ir.Field) *jen.Statement {
	return goType(f.Type, f.Optional || f.Nullable)
}

// isPtr reports whether a field of type t is held by pointer.
func isPtr(f *ir.Field) bool {
	return f.Type.Kind == ir.StructKind && (f.Optional || f.Nullable)
}

// readExpr reads one value of t from the reader r.
func readExpr(t *ir.Type, ptr bool) *jen.Statement {
	r := jen.Id("r")
	switch t.Kind {
	case ir.String, ir.UUID:
		return r.Dot("str").Call()
	case ir.Bool:
		return r.Dot("boolean").Call()
	case ir.Int32:
		return r.Dot("int32").Call()
	case ir.Int64:
		return r.Dot("int64").Call()
	case ir.Float64:
		return r.Dot("float64").Call()
	case ir.Time:
		return r.Dot("timestamp").Call()
	case ir.Raw:
		return r.Dot("rawValue").Call()
	case ir.Slice:
		return jen.Id("readSlice").Call(r, readFunc(t.Elem))
	case ir.Map:
		return jen.Id("readMap").Call(r, looseReadFunc(t.Elem))
	case ir.StructKind:
		if ptr {
			return jen.Id("read" + t.Struct.GoName + "Ptr").Call(r)
		}
		return jen.Id("read" + t.Struct.GoName).Call(r)
	case ir.EnumKind, ir.FlagsKind:
		return jen.Id("read" + t.Enum.GoName).Call(r)
	}
	panic("generator: unknown type kind")
}

// readFunc is a func(*jsonReader) T value reading one value of t.
func readFunc(t *ir.Type) *jen.Statement {
	method := func(name string) *jen.Statement {
		return jen.Parens(jen.Op("*").Id("jsonReader")).Dot(name)
	}
	switch t.Kind {
	case ir.String, ir.UUID:
		return method("str")
	case ir.Bool:
		return method("boolean")
	case ir.Int32:
		return method("int32")
	case ir.Int64:
		return method("int64")
	case ir.Float64:
		return method("float64")
	case ir.Time:
		return method("timestamp")
	case ir.Raw:
		return method("rawValue")
	case ir.StructKind:
		return jen.Id("read" + t.Struct.GoName)
	case ir.EnumKind, ir.FlagsKind:
		return jen.Id("read" + t.Enum.GoName)
	}
	return jen.Func().Params(jen.Id("r").Op("*").Id("jsonReader")).Add(goType(t, false)).Block(
		jen.Return(readExpr(t, false)),
	)
}

// writeStmt writes the value v of type t with the writer w.
func writeStmt(t *ir.Type, v *jen.Statement) *jen.Statement {
	w := jen.Id("w")
	switch t.Kind {
	case ir.String, ir.UUID:
		return w.Dot("str").Call(v)
	case ir.Bool:
		return w.Dot("boolean").Call(v)
	case ir.Int32:
		return w.Dot("int32").Call(v)
	case ir.Int64:
		return w.Dot("int64").Call(v)
	case ir.Float64:
		return w.Dot("float64").Call(v)
	case ir.Time:
		return w.Dot("timestamp").Call(v)
	case ir.Raw:
		return w.Dot("raw").Call(v)
	case ir.EnumKind:
		return w.Dot("str").Call(jen.String().Parens(v))
	case ir.FlagsKind, ir.StructKind:
		return v.Dot("writeJSON").Call(w)
	case ir.Slice:
		return jen.Id("writeSlice").Call(w, v, writeFunc(t.Elem))
	case ir.Map:
		return jen.Id("writeMap").Call(w, v, writeFunc(t.Elem))
	}
	panic("generator: unknown type kind")
}

// writeFunc is a func(*jsonWriter, T) value writing one value of t.
func writeFunc(t *ir.Type) *jen.Statement {
	method := func(name string) *jen.Statement {
		return jen.Parens(jen.Op("*").Id("jsonWriter")).Dot(name)
	}
	switch t.Kind {
	case ir.String, ir.UUID:
		return method("str")
	case ir.Bool:
		return method("boolean")
	case ir.Int32:
		return method("int32")
	case ir.Int64:
		return method("int64")
	case ir.Float64:
		return method("float64")
	case ir.Time:
		return method("timestamp")
	case ir.Raw:
		return method("raw")
	}
	return jen.Func().Params(jen.Id("w").Op("*").Id("jsonWriter"), jen.Id("v").Add(goType(t, false))).Block(
		writeStmt(t, jen.Id("v")),
	)
}

// isSet is a condition that holds when the value v of type t is not the zero
// value ("absent" for optional fields).
func isSet(t *ir.Type, ptr bool, v *jen.Statement) *jen.Statement {
	switch t.Kind {
	case ir.String, ir.UUID, ir.EnumKind:
		return v.Op("!=").Lit("")
	case ir.Bool:
		return v
	case ir.Int32, ir.Int64, ir.Float64:
		return v.Op("!=").Lit(0)
	case ir.Time:
		return jen.Op("!").Add(v).Dot("IsZero").Call()
	case ir.StructKind:
		if !ptr {
			return jen.True()
		}
	}
	return v.Op("!=").Nil()
}

// jsonTag tags a struct field with its wire key, for code that reflects on
// the types (encoding/json itself uses the generated methods).
func jsonTag(f *ir.Field) jen.Code {
	tag := f.Wire
	switch {
	case !f.Optional:
	case f.Type.Kind == ir.Time || (f.Type.Kind == ir.StructKind && !isPtr(f)):
		tag += ",omitzero"
	default:
		tag += ",omitempty"
	}
	return jen.Tag(map[string]string{"json": tag})
}

// or joins conditions with ||.
func or(conds ...jen.Code) *jen.Statement {
	s := jen.Add(conds[0])
	for _, c := range conds[1:] {
		s = s.Op("||").Add(c)
	}
	return s
}

// looseReadFunc is readFunc for the values of a map: mluvii's string maps
// (and string lists inside them) may carry numbers, booleans, even lists,
// which are kept as their JSON text.
func looseReadFunc(t *ir.Type) *jen.Statement {
	switch {
	case t.Kind == ir.String:
		return jen.Parens(jen.Op("*").Id("jsonReader")).Dot("looseStr")
	case t.Kind == ir.Slice && t.Elem.Kind == ir.String:
		return jen.Func().Params(jen.Id("r").Op("*").Id("jsonReader")).Index().String().Block(
			jen.Return(jen.Id("readSlice").Call(jen.Id("r"), looseReadFunc(t.Elem))),
		)
	}
	return readFunc(t)
}
