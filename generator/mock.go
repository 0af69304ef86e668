package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// mock emits the spec-driven part of the fake mluvii (the mluviitest
// subpackage): the glue that imports the generated package, which the
// verbatim files of templates/mluviitest cannot name, and the typed
// Expect<Activity> helpers. The fake itself is runtime code keyed by activity
// names; it reads the spec through loadSpec, which converts package mluvii's
// run-time schema (Activities, LookupType) into its own tables.
func (g *gen) mock(f *jen.File) {
	pkg := g.opts.ImportPath
	if pkg == "" {
		pkg = g.pkg
	}
	f.ImportName(pkg, g.pkg)
	f.PackageComment(fmt.Sprintf(`Package mluviitest is a fake mluvii for testing bots built on package %s.

NewServer starts an in-process mluvii on httptest that speaks the chatbot
protocol as %s describes it: a token endpoint, the activity endpoint that
checks every body the bot sends against the spec, the callback-URL endpoint,
and POSTs of events and paired responses to the bot's callback URL. A test
scripts the guest (StartConversation, Session.Text, …), injects faults, and
asserts on what the bot did (Session.Expect, Session.AssertBotSaid, the
typed Expect<Activity> helpers, the transcript).`, g.pkg, g.opts.SpecPath))
	g.mockAliases(f, pkg)
	g.mockLoadSpec(f, pkg)
	g.mockConvert(f, pkg)
	for _, a := range g.api.Activities {
		if a.Expect != "" {
			g.mockExpect(f, pkg, a)
		}
	}
}

func (g *gen) mockAliases(f *jen.File, pkg string) {
	f.Comment(fmt.Sprintf("Activity is %s.Activity: entries of the transcript carry decoded activities.", g.pkg))
	f.Type().Id("Activity").Op("=").Qual(pkg, "Activity")
	f.Comment(fmt.Sprintf("Channel is %s.Channel, e.g. %s.ChannelWebChat.", g.pkg, g.pkg))
	f.Type().Id("Channel").Op("=").Qual(pkg, rt.Channel)
	f.Comment("spec is the protocol the fake speaks.")
	f.Var().Id("spec").Op("=").Id("loadSpec").Call()
	f.Line()
	f.Func().Id("decodeActivity").Params(jen.Id("body").Index().Byte()).Params(jen.Id("Activity"), jen.Error()).Block(
		jen.Return(jen.Qual(pkg, "Decode").Call(jen.Id("body"))),
	)
	f.Line()
	f.Func().Id("channelName").Params(jen.Id("c").Id("Channel")).String().Block(jen.Return(jen.String().Call(jen.Id("c"))))
	f.Comment(fmt.Sprintf("recordingFormat and recordingVersion are what the header line of a recording says: %s.RecordingFormat and RecordingVersion, which the package's Recorder writes.", g.pkg))
	f.Const().Defs(
		jen.Id("recordingFormat").Op("=").Qual(pkg, "RecordingFormat"),
		jen.Id("recordingVersion").Op("=").Qual(pkg, "RecordingVersion"),
	)
}

// mockLoadSpec emits loadSpec. The run-time schema has no envelope keys and
// no channel → sources table, so those come from the IR.
func (g *gen) mockLoadSpec(f *jen.File, pkg string) {
	var envelope []string
	for _, e := range g.api.Envelope {
		envelope = append(envelope, e.Wire)
	}
	var typeNames []string
	for _, st := range g.api.Structs {
		typeNames = append(typeNames, st.Name)
	}
	for _, e := range g.api.Enums {
		typeNames = append(typeNames, e.Name)
	}
	channels := jen.Index().Id(mt.ChannelInfo).ValuesFunc(func(v *jen.Group) {
		for _, c := range g.api.Channels {
			v.Values(jen.Dict{
				jen.Id("name"):    jen.String().Call(jen.Qual(pkg, "Channel"+c.GoName)),
				jen.Id("sources"): stringSlice(c.Sources),
			})
		}
	})
	f.Line()
	f.Func().Id("loadSpec").Params().Op("*").Id(mt.Schema).Block(
		jen.Id("sc").Op(":=").Op("&").Id(mt.Schema).Values(jen.Dict{
			jen.Id("discriminator"): jen.Qual(pkg, "DiscriminatorKey"),
			jen.Id("sessionKey"):    jen.Qual(pkg, "SessionKey"),
			jen.Id("envelope"):      stringSlice(envelope),
			jen.Id("channels"):      channels,
			jen.Id("channelOf"): jen.Func().Params(jen.Id("source").String()).String().Block(
				jen.Return(jen.String().Call(jen.Qual(pkg, rt.ChannelOf).Call(jen.Id("source"))))),
			jen.Id("types"): jen.Map(jen.String()).Op("*").Id(mt.TypeInfo).Values(),
		}),
		jen.For(jen.List(jen.Id("_"), jen.Id("a")).Op(":=").Range().Qual(pkg, rt.Activities).Call()).Block(
			jen.Id("sc").Dot("acts").Op("=").Append(jen.Id("sc").Dot("acts"), jen.Id("convertActivity").Call(jen.Id("a"))),
		),
		jen.For(jen.List(jen.Id("_"), jen.Id("name")).Op(":=").Range().Add(stringSlice(typeNames))).Block(
			jen.If(jen.List(jen.Id("t"), jen.Id("ok")).Op(":=").Qual(pkg, rt.LookupType).Call(jen.Id("name")), jen.Id("ok")).Block(
				jen.Id("sc").Dot("types").Index(jen.Id("name")).Op("=").Op("&").Id(mt.TypeInfo).Values(jen.Dict{
					jen.Id("name"):   jen.Id("t").Dot("Name"),
					jen.Id("kind"):   jen.Id("t").Dot("Kind"),
					jen.Id("fields"): jen.Id("convertFields").Call(jen.Id("t").Dot("Fields")),
					jen.Id("values"): jen.Id("t").Dot("Values"),
				}),
			),
		),
		jen.Id("sc").Dot("index").Call(),
		jen.Return(jen.Id("sc")),
	)
}

// mockConvert emits the converters from the run-time schema's types.
func (g *gen) mockConvert(f *jen.File, pkg string) {
	a := func(field string) jen.Code { return jen.Id("a").Dot(field) }
	f.Line()
	f.Func().Id("convertActivity").Params(jen.Id("a").Qual(pkg, rt.ActivityInfo)).Op("*").Id(mt.ActInfo).Block(
		jen.Id("info").Op(":=").Op("&").Id(mt.ActInfo).Values(jen.Dict{
			jen.Id("name"): a("Name"), jen.Id("key"): a("Key"), jen.Id("role"): jen.String().Call(a("Role")),
			jen.Id("sent"): a("Sent"), jen.Id("received"): a("Received"), jen.Id("hasSession"): a("HasSession"),
			jen.Id("response"): a("Response"), jen.Id("fields"): jen.Id("convertFields").Call(a("Fields")),
			jen.Id("oneOf"): a("OneOf"), jen.Id("matchKey"): a("MatchKey"), jen.Id("matchValues"): a("MatchValues"),
			jen.Id("aliases"): a("Aliases"), jen.Id("channels"): jen.Id("convertCells").Call(a("Channels")),
		}),
		jen.Return(jen.Id("info")),
	)
	f.Line()
	f.Func().Id("convertCells").Params(jen.Id("cs").Index().Qual(pkg, rt.ChannelSupport)).Index().Id(mt.CellInfo).Block(
		jen.Var().Id("out").Index().Id(mt.CellInfo),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("cs")).Block(
			jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id(mt.CellInfo).Values(jen.Dict{
				jen.Id("channel"): jen.String().Call(jen.Id("c").Dot("Channel")),
				jen.Id("support"): jen.String().Call(jen.Id("c").Dot("Support")),
				jen.Id("source"):  jen.Id("c").Dot("Source"),
			})),
		),
		jen.Return(jen.Id("out")),
	)
	f.Line()
	f.Func().Id("convertFields").Params(jen.Id("fs").Index().Qual(pkg, rt.FieldInfo)).Index().Id(mt.FieldInfo).Block(
		jen.Id("out").Op(":=").Make(jen.Index().Id(mt.FieldInfo), jen.Len(jen.Id("fs"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("f")).Op(":=").Range().Id("fs")).Block(
			jen.Id("out").Index(jen.Id("i")).Op("=").Id(mt.FieldInfo).Values(jen.Dict{
				jen.Id("name"): jen.Id("f").Dot("Name"), jen.Id("aliases"): jen.Id("f").Dot("Aliases"),
				jen.Id("typ"): jen.Id("convertType").Call(jen.Id("f").Dot("TypeRef")), jen.Id("required"): jen.Id("f").Dot("Required"),
				jen.Id("nullable"): jen.Id("f").Dot("Nullable"), jen.Id("channels"): jen.Id("convertCells").Call(jen.Id("f").Dot("Channels")),
			}),
		),
		jen.Return(jen.Id("out")),
	)
	f.Line()
	f.Func().Id("convertType").Params(jen.Id("t").Qual(pkg, rt.TypeRef)).Op("*").Id(mt.TypeRef).Block(
		jen.Id("out").Op(":=").Op("&").Id(mt.TypeRef).Values(jen.Dict{jen.Id("kind"): jen.Id("t").Dot("Kind"), jen.Id("name"): jen.Id("t").Dot("Name")}),
		jen.If(jen.Id("t").Dot("Elem").Op("!=").Nil()).Block(
			jen.Id("out").Dot("elem").Op("=").Id("convertType").Call(jen.Op("*").Id("t").Dot("Elem")),
		),
		jen.Return(jen.Id("out")),
	)
}

// mockExpect emits Expect<GoName>, the typed form of Session.Expect.
func (g *gen) mockExpect(f *jen.File, pkg string, a *ir.Activity) {
	name := a.Expect
	f.Comment(fmt.Sprintf("%s waits for the bot's earliest unconsumed %s in the session", name, a.Wire))
	f.Comment("and returns it decoded; it fails the test when none comes within the")
	f.Comment("server's timeout (see Session.Expect). Call it from the test's goroutine.")
	f.Func().Params(jen.Id("se").Op("*").Id(mt.Session)).Id(name).Params().Op("*").Qual(pkg, a.GoName).Block(
		jen.Id("se").Dot("s").Dot("tb").Dot("Helper").Call(),
		jen.Return(jen.Id(mt.ExpectAs).Index(jen.Op("*").Qual(pkg, a.GoName)).Call(jen.Id("se"), jen.Qual(pkg, "Activity"+a.GoName))),
	)
}
