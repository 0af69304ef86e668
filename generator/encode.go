package generator

import (
	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// encode emits MarshalJSON for every activity and named struct: wire names,
// the discriminator set, optional fields left out when unset.
func (g *gen) encode(f *jen.File) {
	for _, a := range g.api.Activities {
		g.activityWriter(f, a)
	}
	for _, st := range g.api.Structs {
		f.Func().Params(jen.Id("x").Op("*").Id(st.GoName)).Id("writeJSON").Params(jen.Id("w").Op("*").Id(rt.JSONWriter)).BlockFunc(func(b *jen.Group) {
			b.Id("w").Dot(wr.Begin).Call()
			for _, fl := range st.Fields {
				b.Add(writeField(fl))
			}
			b.Id("w").Dot(wr.End).Call()
		})
		marshalJSON(f, st.GoName, "MarshalJSON writes x with its wire names.")
	}
	for _, e := range g.api.Enums {
		if e.Flags {
			f.Func().Params(jen.Id("s").Id(e.GoName)).Id("writeJSON").Params(jen.Id("w").Op("*").Id(rt.JSONWriter)).Block(
				jen.Id(rt.WriteSlice).Call(jen.Id("w"), jen.Id("s"), writeFunc(&ir.Type{Kind: ir.EnumKind, Enum: &ir.Enum{GoName: e.FlagGoName}})),
			)
		}
	}
}

func (g *gen) activityWriter(f *jen.File, a *ir.Activity) {
	f.Func().Params(jen.Id("x").Op("*").Id(a.GoName)).Id("writeJSON").Params(jen.Id("w").Op("*").Id(rt.JSONWriter)).BlockFunc(func(b *jen.Group) {
		b.Id("w").Dot(wr.Begin).Call()
		if a.Match != nil {
			b.Id("w").Dot(wr.Key).Call(jen.Lit(a.Match.Key))
			b.Id("w").Dot(wr.Str).Call(jen.Lit(a.Match.Values[0]))
		} else {
			b.Id("w").Dot(wr.Key).Call(jen.Lit(a.Key))
			b.Id("w").Dot(wr.Str).Call(jen.Id("Activity" + a.GoName))
		}
		for _, fl := range activityFields(g.api, a) {
			b.Add(writeField(fl))
		}
		b.Id("w").Dot(wr.End).Call()
	})
	marshalJSON(f, a.GoName, "MarshalJSON writes x as mluvii expects it: wire names, the activity name set, unset optional fields left out.")
}

// writeField writes one member; optional members only when set.
func writeField(fl *ir.Field) jen.Code {
	v := jen.Id("x").Dot(fl.GoName)
	stmts := []jen.Code{
		jen.Id("w").Dot(wr.Key).Call(jen.Lit(fl.Wire)),
		writeStmt(fl.Type, v.Clone()),
	}
	if fl.Optional {
		return jen.If(isSet(fl.Type, isPtr(fl), v.Clone())).Block(stmts...)
	}
	if isPtr(fl) { // nullable but required: write null for nil
		return jen.Id("w").Dot(wr.Key).Call(jen.Lit(fl.Wire)).Line().If(v.Clone().Op("==").Nil()).Block(
			jen.Id("w").Dot(wr.Raw).Call(jen.Nil()),
		).Else().Block(writeStmt(fl.Type, v.Clone()))
	}
	return jen.Add(stmts[0]).Line().Add(stmts[1])
}

func marshalJSON(f *jen.File, typ, doc string) {
	f.Comment(doc)
	f.Func().Params(jen.Id("x").Id(typ)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Id("w").Op(":=").Id(rt.JSONWriter).Values(jen.Id("b").Op(":").Make(jen.Index().Byte(), jen.Lit(0), jen.Lit(256))),
		jen.Id("x").Dot("writeJSON").Call(jen.Op("&").Id("w")),
		jen.Return(jen.Id("w").Dot(wr.B), jen.Nil()),
	)
}
