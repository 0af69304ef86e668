package generator

import (
	"sort"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// decode emits Decode, the activity lookup by name, and a reflection-free
// reader per activity and named type (architecture B1).
func (g *gen) decode(f *jen.File) {
	g.decodeFunc(f)
	g.scanName(f)
	g.lookupActivity(f)
	for _, a := range g.api.Activities {
		g.activityReader(f, a)
	}
	for _, st := range g.api.Structs {
		g.structReader(f, st)
	}
	for _, e := range g.api.Enums {
		g.enumReader(f, e)
	}
}

func (g *gen) decodeFunc(f *jen.File) {
	f.Comment("Decode decodes a body mluvii POSTed to the callback URL into its typed")
	f.Comment("activity, or *Unknown for a name the spec does not list. It is lenient where")
	f.Comment("mluvii is inconsistent: keys in any letter case and declared aliases, activity")
	f.Comment("names in any case, unknown fields and enum values, numbers sent as strings,")
	f.Comment("integral floats as integers, null for absent values, timestamps with or")
	f.Comment("without offset. Anything else that is wrong comes back as a *DecodeError")
	f.Comment("saying what and where. Decode never panics.")
	f.Comment("")
	f.Comment("Decode keeps body: the activity's strings and RawJSON() share its memory,")
	f.Comment("so do not modify or reuse body afterwards; pass bytes.Clone(body) if you")
	f.Comment("must. (A *DecodeError's Body is body too.) Not copying body is what makes")
	f.Comment("Decode allocate little more than the activity itself. The UnmarshalJSON")
	f.Comment("methods copy, as encoding/json requires of them.")
	f.Func().Id("Decode").Params(jen.Id("body").Index().Byte()).Params(jen.Id("Activity"), jen.Error()).Block(
		jen.Return(jen.Id("decodeString").Call(
			jen.Qual("unsafe", "String").Call(jen.Qual("unsafe", "SliceData").Call(jen.Id("body")), jen.Len(jen.Id("body"))),
			jen.Id("body"))),
	)
	f.Comment("decodeString is Decode reading s, the text of body (the same memory, not")
	f.Comment("a copy): the activity's strings are substrings of s. The dispatcher")
	f.Comment("passes the bodies it owns the same way, so that a queued event holds its")
	f.Comment("body once.")
	f.Func().Id("decodeString").Params(jen.Id("s").String(), jen.Id("body").Index().Byte()).Params(jen.Id("Activity"), jen.Error()).Block(
		jen.Comment("The reader stays on the stack: readActivity calls each type's reader"),
		jen.Comment("directly, and no reader lets r escape."),
		jen.Id("r").Op(":=").Id(rt.JSONReader).Values(jen.Dict{jen.Id(rd.S): jen.Id("s")}),
		jen.Comment("Usually the name comes first: read the body once, the type's reader"),
		jen.Comment("going on after the name. A later, different name (the last duplicate"),
		jen.Comment("key wins) or an error falls back to two passes."),
		jen.Id("first").Op(":=").Id("r").Dot(rd.FirstMember).Call(jen.Id("DiscriminatorKey")),
		jen.If(jen.Id("a").Op(":=").Id("readActivity").Call(jen.Op("&").Id("r"), jen.Id("canonicalName").Call(jen.Id("first"), jen.Lit("")), jen.Lit(1)), jen.Id("a").Op("!=").Nil()).Block(
			jen.Id("r").Dot(rd.End).Call(),
			jen.Comment("r.name is still first unless a later name came."),
			jen.If(jen.Id("r").Dot(rd.Err).Op("==").Nil().Op("&&").Parens(jen.Id("r").Dot(rd.Name).Op("==").Id("first").Op("||").Id("canonicalName").Call(jen.Id("r").Dot(rd.Name), jen.Lit("")).Op("==").Id("a").Dot("ActivityName").Call())).Block(
				jen.Id("a").Dot("setRaw").Call(jen.Id("s")),
				jen.Return(jen.Id("a"), jen.Nil()),
			),
		),
		jen.Id("r").Op("=").Id(rt.JSONReader).Values(jen.Dict{jen.Id(rd.S): jen.Id("s")}),
		jen.List(jen.Id("name"), jen.Id("match")).Op(":=").Id("scanActivityName").Call(jen.Op("&").Id("r")),
		jen.If(jen.Id("r").Dot(rd.Err).Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Id("r").Dot(rd.Result).Call(jen.Id("body"), jen.Id("name"))),
		),
		jen.Id("r").Dot(rd.Pos).Op("=").Lit(0),
		jen.Id("a").Op(":=").Id("readActivity").Call(jen.Op("&").Id("r"), jen.Id("canonicalName").Call(jen.Id("name"), jen.Id("match")), jen.Lit(0)),
		jen.If(jen.Id("a").Op("==").Nil()).Block(
			jen.Return(jen.Op("&").Id("Unknown").Values(jen.Dict{
				jen.Id("Name"):      jen.Id("name"),
				jen.Id("SessionID"): jen.Id(rt.LenientInt64).Call(jen.Id("s"), jen.Lit(g.api.Session.Wire)),
				jen.Id("Raw"):       jen.Qual("encoding/json", "RawMessage").Parens(jen.Id("s")),
			}), jen.Nil()),
		),
		jen.Id("r").Dot(rd.End).Call(),
		jen.If(jen.Id("r").Dot(rd.Err).Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Id("r").Dot(rd.Result).Call(jen.Id("body"), jen.Id("a").Dot("ActivityName").Call())),
		),
		jen.Id("a").Dot("setRaw").Call(jen.Id("s")),
		jen.Return(jen.Id("a"), jen.Nil()),
	)
	f.Comment("activityReader is what every typed activity implements for Decode.")
	f.Type().Id("activityReader").Interface(
		jen.Id("Activity"),
		jen.Id("readJSON").Params(jen.Id("r").Op("*").Id(rt.JSONReader), jen.Id("read").Int()),
		jen.Id("setRaw").Params(jen.String()),
	)
}

// matchKeys lists the distinct keys that identify activities without a name.
func (g *gen) matchKeys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, a := range g.api.Activities {
		if a.Match != nil && !seen[a.Match.Key] {
			seen[a.Match.Key] = true
			keys = append(keys, a.Match.Key)
		}
	}
	return keys
}

// scanName emits the first pass of Decode: it finds the activity name (the
// last discriminator key wins, as for any duplicate key) and the value of the
// key that matches unnamed activities, checking the body's syntax on the way.
func (g *gen) scanName(f *jen.File) {
	key := g.api.Discriminator
	cases := []jen.Code{
		jen.Case(jen.Id("r").Dot(rd.KeyIs).Call(jen.Lit(key))).Block(
			jen.If(jen.Id("r").Dot(rd.Peek).Call().Op("!=").LitRune('"')).Block(
				jen.Id("r").Dot(rd.Fail).Call(jen.Lit("the activity name must be a string, got %s"), jen.Id("r").Dot(rd.Kind).Call()),
				jen.Id("r").Dot(rd.Err).Dot(rt.SetPath).Call(jen.Id("r").Dot(rd.Key)),
				jen.Return(),
			),
			jen.List(jen.Id("name"), jen.Id("named")).Op("=").List(jen.Id("r").Dot(rd.RawString).Call(), jen.True()),
		),
	}
	for _, mk := range g.matchKeys() {
		cases = append(cases, jen.Case(jen.Id("r").Dot(rd.KeyIs).Call(jen.Lit(mk)).Op("&&").Id("r").Dot(rd.Peek).Call().Op("==").LitRune('"')).Block(
			jen.Id("match").Op("=").Id("r").Dot(rd.RawString).Call(),
		))
	}
	cases = append(cases, jen.Default().Block(jen.Id("r").Dot(rd.Skip).Call()))
	f.Comment("scanActivityName reads the whole body once, for its activity name and,")
	f.Comment("for bodies without one, the value of the key that identifies them.")
	f.Func().Id("scanActivityName").Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Params(jen.Id("name"), jen.Id("match").String()).Block(
		jen.If(jen.Op("!").Id("r").Dot(rd.Object).Call()).Block(jen.Return()),
		jen.Id("named").Op(":=").False(),
		jen.For(jen.Id("i").Op(":=").Lit(0), jen.Id("r").Dot(rd.NextKey).Call(jen.Id("i")), jen.Id("i").Op("++")).Block(
			jen.Switch().Block(cases...),
		),
		jen.Id("r").Dot(rd.End).Call(),
		jen.If(jen.Id("r").Dot(rd.Err).Op("==").Nil().Op("&&").Op("!").Id("named").Op("&&").Id("match").Op("==").Lit("")).Block(
			jen.Id("r").Dot(rd.Missing).Call(jen.Lit(key)),
		),
		jen.Return(),
	)
}

// lookupActivity emits canonicalName, which maps a name (in any letter case
// when the spec says so) or, for an unnamed body, a match value to the
// activity's wire name, and newActivity, which returns its zero value.
func (g *gen) lookupActivity(f *jen.File) {
	eq := func(v jen.Code, lit string) *jen.Statement {
		if g.api.FoldCase {
			return jen.Id(rt.EqualFold).Call(v, jen.Lit(lit))
		}
		return jen.Add(v).Op("==").Lit(lit)
	}
	type nameCase struct {
		lit string
		ret jen.Code
	}
	var news, reads []jen.Code
	var matches []jen.Code
	byLen := map[int][]nameCase{}
	var lens []int
	add := func(lit string, ret jen.Code) {
		if byLen[len(lit)] == nil {
			lens = append(lens, len(lit))
		}
		byLen[len(lit)] = append(byLen[len(lit)], nameCase{lit, ret})
	}
	for _, a := range g.api.Activities {
		ret := jen.Return(jen.Id("Activity" + a.GoName))
		news = append(news, jen.Case(jen.Id("Activity"+a.GoName)).Block(jen.Return(jen.Op("&").Id(a.GoName).Values())))
		reads = append(reads, jen.Case(jen.Id("Activity"+a.GoName)).Block(
			jen.Id("x").Op(":=").New(jen.Id(a.GoName)),
			jen.Id("x").Dot("readJSON").Call(jen.Id("r"), jen.Id("read")),
			jen.Return(jen.Id("x")),
		))
		if a.Match != nil {
			var alts []jen.Code
			for _, v := range a.Match.Values {
				alts = append(alts, jen.Id(rt.EqualFold).Call(jen.Id("match"), jen.Lit(v)))
			}
			matches = append(matches, jen.If(or(alts...)).Block(ret))
			continue
		}
		add(a.Wire, ret)
		for _, alias := range a.Aliases {
			add(alias, ret)
		}
	}
	sort.Ints(lens)
	groups := []jen.Code{jen.Case(jen.Lit(0)).Block(matches...)}
	for _, n := range lens {
		var stmts []jen.Code
		for _, c := range byLen[n] {
			stmts = append(stmts, jen.If(eq(jen.Id("name"), c.lit)).Block(c.ret))
		}
		if n == 0 {
			continue // an empty name is a body without one
		}
		groups = append(groups, jen.Case(jen.Lit(n)).Block(stmts...))
	}
	f.Comment("canonicalName returns the wire name of the activity called name (or, for")
	f.Comment("an unnamed body, identified by match), or \"\" when the spec does not know it.")
	f.Comment("Names are grouped by length, so most are rejected by one compare.")
	f.Func().Id("canonicalName").Params(jen.List(jen.Id("name"), jen.Id("match")).String()).String().Block(
		jen.Switch(jen.Len(jen.Id("name"))).Block(groups...),
		jen.Return(jen.Lit("")),
	)
	f.Comment("newActivity returns the zero activity canonicalName finds, or nil.")
	f.Func().Id("newActivity").Params(jen.List(jen.Id("name"), jen.Id("match")).String()).Id("activityReader").Block(
		jen.Switch(jen.Id("canonicalName").Call(jen.Id("name"), jen.Id("match"))).Block(news...),
		jen.Return(jen.Nil()),
	)
	f.Comment("readActivity reads the activity whose wire name is name (from canonicalName)")
	f.Comment("from r, or returns nil for \"\"; read counts the members of its object r has")
	f.Comment("read already (see readJSON). Each reader is called directly, not through")
	f.Comment("activityReader, so that r does not escape.")
	f.Func().Id("readActivity").Params(jen.Id("r").Op("*").Id(rt.JSONReader), jen.Id("name").String(), jen.Id("read").Int()).Id("activityReader").Block(
		jen.Switch(jen.Id("name")).Block(reads...),
		jen.Return(jen.Nil()),
	)
}

// keyCase is one object key a reader recognises and the statements that read
// its value.
type keyCase struct {
	key  string
	body []jen.Code
}

// keySwitch emits the member loop of an object reader: keys matched in any
// letter case, grouped by length so most keys are rejected by one compare;
// unknown members are skipped. from is the loop's first member count (0, or
// an activity reader's read).
func keySwitch(cases []keyCase, from jen.Code) jen.Code {
	byLen := map[int][]keyCase{}
	var lens []int
	for _, c := range cases {
		if byLen[len(c.key)] == nil {
			lens = append(lens, len(c.key))
		}
		byLen[len(c.key)] = append(byLen[len(c.key)], c)
	}
	sort.Ints(lens)
	var groups []jen.Code
	for _, n := range lens {
		var stmts []jen.Code
		for _, c := range byLen[n] {
			body := append(append([]jen.Code{}, c.body...), jen.Continue())
			// mluvii writes its keys as the spec does: compare exactly first
			// (a few loads once the length is known), then in any case.
			match := jen.Id("k").Op("==").Lit(c.key).Op("||").Id(rt.EqualFold).Call(jen.Id("k"), jen.Lit(c.key))
			stmts = append(stmts, jen.If(match).Block(body...))
		}
		groups = append(groups, jen.Case(jen.Lit(n)).Block(stmts...))
	}
	loop := []jen.Code{}
	if len(groups) > 0 {
		loop = append(loop, jen.Switch(jen.Id("k").Op(":=").Id("r").Dot(rd.Key).Op(";").Len(jen.Id("k"))).Block(groups...))
	}
	loop = append(loop, jen.Id("r").Dot(rd.Skip).Call())
	return jen.For(jen.Id("i").Op(":=").Add(from), jen.Id("r").Dot(rd.NextKey).Call(jen.Id("i")), jen.Id("i").Op("++")).Block(loop...)
}

// fieldCases returns the key cases reading fl into x (its wire key and aliases).
func fieldCases(fl *ir.Field, extraKeys []string, read []jen.Code) []keyCase {
	var out []keyCase
	for _, k := range append(fl.Keys(), extraKeys...) {
		body := append(append([]jen.Code{}, read...), jen.Id("r").Dot(rd.At).Call(jen.Lit(fl.Wire)))
		out = append(out, keyCase{key: k, body: body})
	}
	return out
}

func readInto(fl *ir.Field) []jen.Code {
	return []jen.Code{jen.Id("x").Dot(fl.GoName).Op("=").Add(readExpr(fl.Type, isPtr(fl)))}
}

func (g *gen) activityReader(f *jen.File, a *ir.Activity) {
	aliases := map[*ir.Field][]string{}
	for _, ka := range a.KeyAliases {
		aliases[ka.Field] = append(aliases[ka.Field], ka.Key)
	}
	var cases []keyCase
	body := []jen.Code{jen.If(jen.Id("read").Op("==").Lit(0).Op("&&").Op("!").Id("r").Dot(rd.Object).Call()).Block(jen.Return())}
	if a.HasSession {
		s := g.api.Session
		body = append(body, jen.Id("hasSession").Op(":=").False())
		cases = append(cases, fieldCases(s, aliases[s], []jen.Code{
			jen.Id("x").Dot(s.GoName).Op("=").Id("r").Dot(rd.SessionID).Call(),
			jen.Id("hasSession").Op("=").True(),
		})...)
	}
	for _, fl := range append(append([]*ir.Field{}, a.Fields...), a.Envelope...) {
		cases = append(cases, fieldCases(fl, aliases[fl], readInto(fl))...)
	}
	if a.Match == nil {
		cases = append(cases, keyCase{key: g.api.Discriminator, body: []jen.Code{
			jen.Id("r").Dot(rd.ActivityName).Call(), jen.Id("r").Dot(rd.At).Call(jen.Id("r").Dot(rd.Key)),
		}})
	}
	body = append(body, keySwitch(cases, jen.Id("read")))
	if a.HasSession {
		body = append(body, jen.If(jen.Op("!").Id("hasSession")).Block(
			jen.Id("r").Dot(rd.Missing).Call(jen.Lit(g.api.Session.Wire)),
		))
	}
	f.Comment("readJSON reads the activity's object from r. read counts its members r")
	f.Comment("has read already: 0 before the opening brace, 1 when Decode has read the")
	f.Comment("activity name first (jsonReader.firstMember).")
	f.Func().Params(jen.Id("x").Op("*").Id(a.GoName)).Id("readJSON").Params(jen.Id("r").Op("*").Id(rt.JSONReader), jen.Id("read").Int()).Block(body...)
	f.Func().Params(jen.Id("x").Op("*").Id(a.GoName)).Id("setRaw").Params(jen.Id("s").String()).Block(
		jen.Id("x").Dot("raw").Op("=").Id("s"),
	)
	f.Comment("UnmarshalJSON decodes a " + a.Wire + " body with Decode's rules; the activity")
	f.Comment("name in the body, if any, is not checked.")
	f.Func().Params(jen.Id("x").Op("*").Id(a.GoName)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.Id("r").Op(":=").Id(rt.NewJSONReader).Call(jen.String().Parens(jen.Id("b"))),
		jen.Var().Id("v").Id(a.GoName),
		jen.Id("v").Dot("readJSON").Call(jen.Id("r"), jen.Lit(0)),
		jen.Id("r").Dot(rd.End).Call(),
		jen.If(jen.Id("err").Op(":=").Id("r").Dot(rd.Result).Call(jen.Id("b"), jen.Id("Activity"+a.GoName)), jen.Id("err").Op("!=").Nil()).Block(
			jen.Return(jen.Id("err")),
		),
		jen.Id("v").Dot("raw").Op("=").Id("r").Dot(rd.S),
		jen.Op("*").Id("x").Op("=").Id("v"),
		jen.Return(jen.Nil()),
	)
}

func (g *gen) structReader(f *jen.File, st *ir.Struct) {
	var cases []keyCase
	for _, fl := range st.Fields {
		cases = append(cases, fieldCases(fl, nil, readInto(fl))...)
	}
	f.Func().Params(jen.Id("x").Op("*").Id(st.GoName)).Id("readJSON").Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Block(
		jen.If(jen.Op("!").Id("r").Dot(rd.BeginObject).Call()).Block(jen.Return()),
		keySwitch(cases, jen.Lit(0)),
	)
	f.Func().Id("read"+st.GoName).Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Params(jen.Id("x").Id(st.GoName)).Block(
		jen.Id("x").Dot("readJSON").Call(jen.Id("r")),
		jen.Return(),
	)
	f.Func().Id("read"+st.GoName+"Ptr").Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Op("*").Id(st.GoName).Block(
		jen.If(jen.Id("r").Dot(rd.Null).Call().Op("||").Id("r").Dot(rd.Err).Op("!=").Nil()).Block(jen.Return(jen.Nil())),
		jen.Id("x").Op(":=").New(jen.Id(st.GoName)),
		jen.Id("x").Dot("readJSON").Call(jen.Id("r")),
		jen.Return(jen.Id("x")),
	)
}

func (g *gen) enumReader(f *jen.File, e *ir.Enum) {
	f.Var().Id(enumNumbersVar(e)).Op("=").Index().Id(rt.EnumNumberEntry).ValuesFunc(func(v *jen.Group) {
		for _, ev := range e.Values {
			if ev.HasNumber {
				v.Values(jen.Lit(ev.Number), jen.Lit(ev.Wire))
			}
		}
	})
	if !e.Flags {
		f.Func().Id("read" + e.GoName).Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Id(e.GoName).Block(
			jen.Return(jen.Id(e.GoName).Parens(jen.Id("r").Dot(rd.EnumValue).Call(jen.Id(enumNumbersVar(e))))),
		)
		return
	}
	f.Func().Id("read" + e.GoName).Params(jen.Id("r").Op("*").Id(rt.JSONReader)).Id(e.GoName).Block(
		jen.Return(jen.Id(rt.ReadFlags).Types(jen.Id(e.FlagGoName)).Call(jen.Id("r"), jen.Id(enumNumbersVar(e)))),
	)
}
