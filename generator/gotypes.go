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

// builtinCodec names the jsonReader and jsonWriter methods that read and
// write a value of each builtin kind.
var builtinCodec = map[ir.Kind]struct{ read, write string }{
	ir.String:  {"str", "str"},
	ir.UUID:    {"str", "str"},
	ir.Bool:    {"boolean", "boolean"},
	ir.Int32:   {"int32", "int32"},
	ir.Int64:   {"int64", "int64"},
	ir.Float64: {"float64", "float64"},
	ir.Time:    {"timestamp", "timestamp"},
	ir.Raw:     {"rawValue", "raw"},
}

// readExpr reads one value of t from the reader r.
func readExpr(t *ir.Type, ptr bool) *jen.Statement {
	r := jen.Id("r")
	if c, ok := builtinCodec[t.Kind]; ok {
		return r.Dot(c.read).Call()
	}
	switch t.Kind {
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
	if c, ok := builtinCodec[t.Kind]; ok {
		return jen.Parens(jen.Op("*").Id("jsonReader")).Dot(c.read)
	}
	switch t.Kind {
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
	if c, ok := builtinCodec[t.Kind]; ok {
		return w.Dot(c.write).Call(v)
	}
	switch t.Kind {
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
	if c, ok := builtinCodec[t.Kind]; ok {
		return jen.Parens(jen.Op("*").Id("jsonWriter")).Dot(c.write)
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
