package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// types emits the named types: structs, open enums and flag sets.
func (g *gen) types(f *jen.File) {
	for _, st := range g.api.Structs {
		writeDoc(f, st.GoName, st.Doc, fmt.Sprintf("%s is the %s object.", st.GoName, st.Name))
		f.Type().Id(st.GoName).StructFunc(func(s *jen.Group) {
			for _, fl := range st.Fields {
				fieldDoc(s, fl)
				s.Id(fl.GoName).Add(fieldGoType(fl)).Add(jsonTag(fl))
			}
		})
	}
	for _, e := range g.api.Enums {
		if e.Flags {
			g.flagsType(f, e)
		} else {
			g.enumType(f, e)
		}
	}
}

// enumType emits an open string enum: unknown values are kept as they came.
func (g *gen) enumType(f *jen.File, e *ir.Enum) {
	writeDoc(f, e.GoName, e.Doc, fmt.Sprintf("%s is the %s enum.", e.GoName, e.Name))
	f.Comment("")
	f.Comment("It is open: values this package does not know are kept as sent (see Known).")
	f.Type().Id(e.GoName).String()
	g.enumConsts(f, e, e.GoName)
	g.knownMethod(f, e, e.GoName)
}

// flagsType emits a flag set: the type of one flag (an open enum) and the
// set, a list of flags as mluvii sends them.
func (g *gen) flagsType(f *jen.File, e *ir.Enum) {
	flag := e.FlagGoName
	f.Comment(fmt.Sprintf("%s is one flag of %s.", flag, e.GoName))
	f.Type().Id(flag).String()
	g.enumConsts(f, e, flag)
	g.knownMethod(f, e, flag)
	writeDoc(f, e.GoName, e.Doc, fmt.Sprintf("%s is the %s flag set.", e.GoName, e.Name))
	f.Comment("")
	f.Comment("On the wire it is a list of flag names; a number (a bit mask) or a")
	f.Comment("comma-separated string is accepted too.")
	f.Type().Id(e.GoName).Index().Id(flag)
	f.Comment("Has reports whether the set contains flag.")
	f.Func().Params(jen.Id("s").Id(e.GoName)).Id("Has").Params(jen.Id("flag").Id(flag)).Bool().Block(
		jen.Return(jen.Qual("slices", "Contains").Call(jen.Id("s"), jen.Id("flag"))),
	)
	f.Comment("String joins the flags with \"|\".")
	f.Func().Params(jen.Id("s").Id(e.GoName)).Id("String").Params().String().Block(
		jen.Id("names").Op(":=").Make(jen.Index().String(), jen.Len(jen.Id("s"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("s")).Block(
			jen.Id("names").Index(jen.Id("i")).Op("=").String().Parens(jen.Id("v")),
		),
		jen.Return(jen.Qual("strings", "Join").Call(jen.Id("names"), jen.Lit("|"))),
	)
	f.Comment("Mask returns the set as the bit mask of mluvii's numbering; unknown")
	f.Comment("flags contribute nothing.")
	f.Func().Params(jen.Id("s").Id(e.GoName)).Id("Mask").Params().Int64().Block(
		jen.Var().Id("m").Int64(),
		jen.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Id("s")).Block(
			jen.For(jen.List(jen.Id("_"), jen.Id("n")).Op(":=").Range().Id(enumNumbersVar(e))).Block(
				jen.If(jen.String().Parens(jen.Id("v")).Op("==").Id("n").Dot("name")).Block(
					jen.Id("m").Op("|=").Id("n").Dot("number"),
				),
			),
		),
		jen.Return(jen.Id("m")),
	)
}

func (g *gen) enumConsts(f *jen.File, e *ir.Enum, typ string) {
	f.Const().DefsFunc(func(d *jen.Group) {
		for _, v := range e.Values {
			wire := fmt.Sprintf("%q", v.Wire)
			if v.HasNumber {
				wire += fmt.Sprintf(" (%d)", v.Number)
			}
			switch {
			case len(v.Doc) > 0 && strings.HasPrefix(v.Doc[0], v.GoName+" "):
				for _, l := range v.Doc {
					d.Comment(l)
				}
				d.Comment("On the wire: " + wire + ".")
			case len(v.Doc) > 0:
				d.Comment(fmt.Sprintf("%s is %s: %s", v.GoName, wire, v.Doc[0]))
				for _, l := range v.Doc[1:] {
					d.Comment(l)
				}
			default:
				d.Comment(fmt.Sprintf("%s is %s.", v.GoName, wire))
			}
			d.Id(v.GoName).Id(typ).Op("=").Lit(v.Wire)
		}
	})
}

func (g *gen) knownMethod(f *jen.File, e *ir.Enum, typ string) {
	f.Comment(fmt.Sprintf("Known reports whether v is one of the values the spec lists for %s.", e.Name))
	f.Func().Params(jen.Id("v").Id(typ)).Id("Known").Params().Bool().Block(
		jen.Switch(jen.Id("v")).Block(
			jen.Case(jen.ListFunc(func(l *jen.Group) {
				for _, v := range e.Values {
					l.Id(v.GoName)
				}
			})).Block(jen.Return(jen.True())),
		),
		jen.Return(jen.False()),
	)
}

// enumNumbersVar names the table of an enum's numbers.
func enumNumbersVar(e *ir.Enum) string {
	return lowerFirst(e.GoName) + "Numbers"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
