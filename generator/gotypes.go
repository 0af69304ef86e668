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
	if b, ok := builtinGo[t.Kind]; ok {
		return b.goType()
	}
	switch t.Kind {
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

// goKind is the generator's columns of one row of the kind table (spec/kind):
// what a value of a builtin kind is in Go and how the emitted code reads,
// writes and tests it. builtinGo has a row for every kind.Builtins entry and
// nothing else (TestBuiltinGoCoversKindTable).
type goKind struct {
	// goType is the Go type of a value.
	goType func() *jen.Statement
	// read and write are the jsonReader and jsonWriter methods (templates/
	// runtime/jsonread.go, jsonwrite.go) reading and writing one value.
	read, write string
	// isSet is the condition that v is not the zero value, i.e. is set.
	isSet func(v *jen.Statement) *jen.Statement
	// omit is the json tag option of an optional field: omitempty, or
	// omitzero for a type whose emptiness is a method (Timestamp.IsZero).
	omit string
	// required reports whether "required" can be checked before sending:
	// the zero value means unset (an empty string), not a legitimate value
	// (0, false).
	required bool
}

// builtinGo is the generator's half of the kind table, keyed by the kinds of
// spec/kind. A new builtin kind is one row here.
var builtinGo = map[ir.Kind]goKind{
	ir.String:  {goType: jen.String, read: rd.Str, write: wr.Str, isSet: notEmptyString, omit: "omitempty", required: true},
	ir.UUID:    {goType: jen.String, read: rd.Str, write: wr.Str, isSet: notEmptyString, omit: "omitempty", required: true},
	ir.Bool:    {goType: jen.Bool, read: rd.Boolean, write: wr.Boolean, isSet: isTrue, omit: "omitempty"},
	ir.Int32:   {goType: jen.Int32, read: rd.Int32, write: wr.Int32, isSet: nonZero, omit: "omitempty"},
	ir.Int64:   {goType: jen.Int64, read: rd.Int64, write: wr.Int64, isSet: nonZero, omit: "omitempty"},
	ir.Float64: {goType: jen.Float64, read: rd.Float64, write: wr.Float64, isSet: nonZero, omit: "omitempty"},
	ir.Time: {
		goType: func() *jen.Statement { return jen.Id(rt.Timestamp) },
		read:   rd.Timestamp, write: wr.Timestamp, omit: "omitzero",
		isSet: func(v *jen.Statement) *jen.Statement { return jen.Op("!").Add(v).Dot("IsZero").Call() },
	},
	ir.Raw: {
		goType: func() *jen.Statement { return jen.Qual("encoding/json", "RawMessage") },
		read:   rd.RawValue, write: wr.Raw, isSet: notNil, omit: "omitempty", required: true,
	},
}

func notEmptyString(v *jen.Statement) *jen.Statement { return v.Op("!=").Lit("") }
func isTrue(v *jen.Statement) *jen.Statement         { return v }
func nonZero(v *jen.Statement) *jen.Statement        { return v.Op("!=").Lit(0) }
func notNil(v *jen.Statement) *jen.Statement         { return v.Op("!=").Nil() }

// readExpr reads one value of t from the reader r. Lists and maps are read
// by a function literal called in place, not by a generic helper taking the
// element reader as a func value: a call through a func value makes r escape
// (escape analysis cannot see the callee), which would put Decode's reader on
// the heap; a literal called directly is analysed like a plain call.
func readExpr(t *ir.Type, ptr bool) *jen.Statement {
	r := jen.Id("r")
	if b, ok := builtinGo[t.Kind]; ok {
		return r.Dot(b.read).Call()
	}
	switch t.Kind {
	case ir.Slice:
		return listReader(t, readExpr(t.Elem, false))
	case ir.Map:
		return mapReader(t, looseReadExpr(t.Elem))
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

// listReader reads a list of t's elements with elem; null reads as nil, []
// as an empty list.
func listReader(t *ir.Type, elem *jen.Statement) *jen.Statement {
	r := jen.Id("r")
	return jen.Func().Params(r.Clone().Op("*").Id(rt.JSONReader)).Add(goType(t, false)).Block(
		jen.If(jen.Op("!").Add(r.Clone()).Dot(rd.BeginArray).Call()).Block(jen.Return(jen.Nil())),
		jen.If(r.Clone().Dot(rd.EmptyList).Call()).Block(jen.Return(goType(t, false).Values())),
		jen.Id("out").Op(":=").Make(goType(t, false), jen.Lit(0), jen.Lit(4)).Comment("most lists mluvii sends are short"),
		jen.For(jen.Id("i").Op(":=").Lit(0), r.Clone().Dot(rd.NextElem).Call(jen.Id("i")), jen.Id("i").Op("++")).Block(
			jen.Id("out").Op("=").Append(jen.Id("out"), elem),
			r.Clone().Dot(rd.AtIndex).Call(jen.Id("i")),
		),
		jen.Return(jen.Id("out")),
	).Call(r)
}

// mapReader reads an object into a map of t; members whose value is null are
// absent.
func mapReader(t *ir.Type, elem *jen.Statement) *jen.Statement {
	r := jen.Id("r")
	return jen.Func().Params(r.Clone().Op("*").Id(rt.JSONReader)).Add(goType(t, false)).Block(
		jen.If(jen.Op("!").Add(r.Clone()).Dot(rd.BeginObject).Call()).Block(jen.Return(jen.Nil())),
		jen.Id("out").Op(":=").Add(goType(t, false)).Values(),
		jen.For(jen.Id("i").Op(":=").Lit(0), r.Clone().Dot(rd.NextKey).Call(jen.Id("i")), jen.Id("i").Op("++")).Block(
			jen.Id("k").Op(":=").Add(r.Clone()).Dot(rd.Key),
			jen.If(r.Clone().Dot(rd.Null).Call()).Block(jen.Continue()),
			jen.Id("out").Index(jen.Id("k")).Op("=").Add(elem),
			r.Clone().Dot(rd.AtKey).Call(jen.Id("k")),
		),
		jen.Return(jen.Id("out")),
	).Call(r)
}

// writeStmt writes the value v of type t with the writer w.
func writeStmt(t *ir.Type, v *jen.Statement) *jen.Statement {
	w := jen.Id("w")
	if b, ok := builtinGo[t.Kind]; ok {
		return w.Dot(b.write).Call(v)
	}
	switch t.Kind {
	case ir.EnumKind:
		return w.Dot(wr.Str).Call(jen.String().Parens(v))
	case ir.FlagsKind, ir.StructKind:
		return v.Dot("writeJSON").Call(w)
	case ir.Slice:
		return jen.Id(rt.WriteSlice).Call(w, v, writeFunc(t.Elem))
	case ir.Map:
		return jen.Id(rt.WriteMap).Call(w, v, writeFunc(t.Elem))
	}
	panic("generator: unknown type kind")
}

// writeFunc is a func(*jsonWriter, T) value writing one value of t.
func writeFunc(t *ir.Type) *jen.Statement {
	if b, ok := builtinGo[t.Kind]; ok {
		return jen.Parens(jen.Op("*").Id(rt.JSONWriter)).Dot(b.write)
	}
	return jen.Func().Params(jen.Id("w").Op("*").Id(rt.JSONWriter), jen.Id("v").Add(goType(t, false))).Block(
		writeStmt(t, jen.Id("v")),
	)
}

// isSet is a condition that holds when the value v of type t is not the zero
// value ("absent" for optional fields).
func isSet(t *ir.Type, ptr bool, v *jen.Statement) *jen.Statement {
	if b, ok := builtinGo[t.Kind]; ok {
		return b.isSet(v)
	}
	switch t.Kind {
	case ir.EnumKind:
		return notEmptyString(v)
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
	b, builtin := builtinGo[f.Type.Kind]
	switch {
	case !f.Optional:
	case builtin:
		tag += "," + b.omit
	case f.Type.Kind == ir.StructKind && !isPtr(f):
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

// looseReadExpr is readExpr for the values of a map: mluvii's string maps
// carry numbers and booleans too, read as their literal text.
func looseReadExpr(t *ir.Type) *jen.Statement {
	switch {
	case t.Kind == ir.String:
		return jen.Id("r").Dot(rd.LooseStr).Call()
	case t.Kind == ir.Slice && t.Elem.Kind == ir.String:
		return listReader(t, looseReadExpr(t.Elem))
	}
	return readExpr(t, false)
}
